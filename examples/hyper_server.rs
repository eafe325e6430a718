//! HTTPS through hyper on handclasp's tokio adapter: HTTP/2 or HTTP/1.1, whichever
//! the client chose by ALPN. Each response names the negotiated TLS version, suite,
//! ALPN protocol and HTTP version.
//!
//! ```text
//! hyper_server --cert FILE --key FILE [--addr 127.0.0.1] [--port 8443]
//! curl --cacert ca.pem --http2 https://localhost:8443/
//! ```

use std::convert::Infallible;
use std::sync::Arc;

use handclasp::ServerConfig;
use handclasp::pki_types::pem::PemObject;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer};
use handclasp::tokio::TlsAcceptor;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

const USAGE: &str = "usage: hyper_server --cert FILE --key FILE [--addr 127.0.0.1] [--port 8443]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // RUST_LOG=debug shows the handshake, RUST_LOG=trace the records too.
    env_logger::init();
    let mut flags = std::collections::HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        flags.insert(flag, args.next().ok_or(USAGE)?);
    }
    let flag = |name: &str| flags.get(name).map(String::as_str);
    let chain = CertificateDer::pem_file_iter(flag("--cert").ok_or(USAGE)?)?
        .collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(flag("--key").ok_or(USAGE)?)?;
    let config = ServerConfig::builder()
        .with_alpn_protocols(vec![b"h2".to_vec(), b"http/1.1".to_vec()])
        .with_single_cert(chain, key)?
        .build()?;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let addr = format!(
        "{}:{}",
        flag("--addr").unwrap_or("127.0.0.1"),
        flag("--port").unwrap_or("8443")
    );
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("listening on {}", listener.local_addr()?);
    loop {
        let (tcp, peer) = listener.accept().await?;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let tls = match acceptor.accept(tcp).await {
                Ok(tls) => tls,
                Err(e) => return eprintln!("{peer}: handshake: {e}"),
            };
            let conn = tls.get_ref().1;
            let tls_facts = format!(
                "{:?} {:?} ALPN {}",
                conn.protocol_version(),
                conn.negotiated_cipher_suite().map(|s| s.suite()),
                conn.alpn_protocol()
                    .map(String::from_utf8_lossy)
                    .unwrap_or("none".into())
            );
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let body = format!("handclasp + hyper: {tls_facts} {:?}\n", request.version());
                async move { Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body)))) }
            });
            // `auto` speaks HTTP/2 when the connection starts with its preface (the
            // client chose h2 by ALPN), HTTP/1.1 otherwise.
            let served = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
            if let Err(e) = served {
                eprintln!("{peer}: {e}");
            }
        });
    }
}
