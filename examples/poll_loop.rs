//! The async core without an async runtime: a client and a server over loopback TCP in
//! one thread, driven by a plain non-blocking event loop. Any runtime or event loop
//! (mio, a game loop, an embedded executor) plugs in the same way: implement
//! `AsyncTransport` for its socket and poll `TlsCore`.
//!
//! This loop has no readiness events (no epoll): it polls each task in turn with a
//! waker that does nothing, and naps when neither made progress.

use std::future::{Future, poll_fn};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use handclasp::async_core::{AsyncTransport, Session, TlsCore};
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};

/// A non-blocking std socket: `WouldBlock` means "not yet" (`Pending`).
struct Nonblocking(TcpStream);

fn not_yet<T>(result: io::Result<T>) -> Poll<io::Result<T>> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
        done => Poll::Ready(done),
    }
}

impl AsyncTransport for Nonblocking {
    fn poll_read(&mut self, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        not_yet(self.0.read(buf))
    }
    fn poll_write(&mut self, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        not_yet(self.0.write(buf))
    }
    fn poll_flush(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.0.shutdown(Shutdown::Write))
    }
}

/// Sends `message`, closes our side, then reads until the peer's close_notify.
async fn talk<C: Session>(
    tls: &mut TlsCore<Nonblocking, C>,
    message: &[u8],
) -> io::Result<Vec<u8>> {
    poll_fn(|cx| tls.poll_handshake(cx)).await?;
    let mut sent = 0;
    while sent < message.len() {
        sent += poll_fn(|cx| tls.poll_write(cx, &message[sent..])).await?;
    }
    poll_fn(|cx| tls.poll_shutdown(cx)).await?; // close_notify, then FIN
    let (mut heard, mut buf) = (Vec::new(), [0u8; 4096]);
    loop {
        match poll_fn(|cx| tls.poll_read(cx, &mut buf)).await? {
            0 => return Ok(heard),
            n => heard.extend_from_slice(&buf[..n]),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // RUST_LOG=debug shows the handshake, RUST_LOG=trace the records too.
    env_logger::init();
    let (client_config, server_config) = configs()?;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client_tcp = TcpStream::connect(listener.local_addr()?)?;
    let (server_tcp, _) = listener.accept()?;
    client_tcp.set_nonblocking(true)?;
    server_tcp.set_nonblocking(true)?;

    let name = ServerName::try_from("localhost")?;
    let mut client = TlsCore::new(
        Nonblocking(client_tcp),
        ClientConnection::new(client_config, name)?,
    );
    let mut server = TlsCore::new(
        Nonblocking(server_tcp),
        ServerConnection::new(server_config)?,
    );
    let mut client_task = pin!(talk(&mut client, b"hello from the client"));
    let mut server_task = pin!(talk(&mut server, b"hello from the server"));

    // The event loop: poll each unfinished task; nap when neither is done.
    let mut cx = Context::from_waker(Waker::noop());
    let (mut client_heard, mut server_heard) = (None, None);
    while client_heard.is_none() || server_heard.is_none() {
        if client_heard.is_none() {
            if let Poll::Ready(heard) = client_task.as_mut().poll(&mut cx) {
                client_heard = Some(heard?);
            }
        }
        if server_heard.is_none() {
            if let Poll::Ready(heard) = server_task.as_mut().poll(&mut cx) {
                server_heard = Some(heard?);
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    println!(
        "client heard: {}",
        String::from_utf8_lossy(&client_heard.unwrap_or_default())
    );
    println!(
        "server heard: {}",
        String::from_utf8_lossy(&server_heard.unwrap_or_default())
    );
    Ok(())
}

/// A throw-away CA and a `localhost` certificate; a client trusting the CA.
fn configs() -> Result<(Arc<ClientConfig>, Arc<ServerConfig>), Box<dyn std::error::Error>> {
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key)?;
    let key = rcgen::KeyPair::generate()?;
    let cert =
        rcgen::CertificateParams::new(vec!["localhost".to_string()])?.signed_by(&key, &ca)?;
    let mut roots = RootStore::empty();
    roots.add(ca.der())?;
    let client = ClientConfig::builder().with_root_store(roots).build()?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let server = ServerConfig::builder()
        .with_single_cert(vec![CertificateDer::from(cert.der().to_vec())], key)?
        .build()?;
    Ok((Arc::new(client), Arc::new(server)))
}
