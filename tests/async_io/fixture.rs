//! Configs and loopback plumbing shared by the async tests.

use std::sync::Arc;

use handclasp::pki_types::ServerName;
use handclasp::time::FixedTime;
use handclasp::tokio::{ClientTlsStream, ServerTlsStream, TlsAcceptor, TlsConnector};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ServerConfig};
use tokio::net::{TcpListener, TcpStream};

use crate::common::pki::{self, NOV_2026, at};

pub const NAME: &str = "a.test";

pub struct Configs {
    pub client: Arc<ClientConfig>,
    pub server: Arc<ServerConfig>,
}

/// A client trusting a fresh root, and a server for [`NAME`] under it.
pub fn configs() -> Configs {
    let (root, leaf) = pki::server_chain(&[NAME]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
        .build()
        .unwrap();
    Configs {
        client: Arc::new(client),
        server: Arc::new(server),
    }
}

pub fn name() -> ServerName<'static> {
    ServerName::try_from(NAME).unwrap()
}

/// A listener on 127.0.0.1 and its address.
pub async fn listener() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// One connected pair of TLS streams over loopback TCP.
pub async fn pair(configs: &Configs) -> (ClientTlsStream<TcpStream>, ServerTlsStream<TcpStream>) {
    let (listener, addr) = listener().await;
    let acceptor = TlsAcceptor::from(configs.server.clone());
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        acceptor.accept(tcp).await
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let client = TlsConnector::from(configs.client.clone())
        .connect(name(), tcp)
        .await
        .unwrap();
    (client, server.await.unwrap().unwrap())
}

/// A deterministic byte pattern: `len` bytes seeded by `seed`.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The handclasp error inside an adapter's `io::Error`, if it carries one.
pub fn tls_error(e: &std::io::Error) -> Option<&handclasp::Error> {
    e.get_ref()?.downcast_ref::<handclasp::Error>()
}
