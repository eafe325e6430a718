//! An HTTPS GET through hyper's HTTP/1 client on handclasp's tokio adapter; prints
//! the status line on stderr and the body on stdout.
//!
//! ```text
//! hyper_client --cafile FILE HOST[:PORT] [PATH]
//! ```

use std::sync::Arc;

use handclasp::ClientConfig;
use handclasp::pki_types::pem::PemObject;
use handclasp::pki_types::{CertificateDer, ServerName};
use handclasp::tokio::TlsConnector;
use handclasp::verify::RootStore;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

const USAGE: &str = "usage: hyper_client --cafile FILE HOST[:PORT] [PATH]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // RUST_LOG=debug shows the handshake, RUST_LOG=trace the records too.
    env_logger::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cafile, target, path) = match args.as_slice() {
        [flag, cafile, target] if flag == "--cafile" => (cafile, target, "/"),
        [flag, cafile, target, path] if flag == "--cafile" => (cafile, target, path.as_str()),
        _ => return Err(USAGE.into()),
    };
    let (host, port) = match target.rsplit_once(':') {
        Some((host, port)) => (host.to_string(), port.parse::<u16>()?),
        None => (target.clone(), 443),
    };
    let mut roots = RootStore::empty();
    for cert in CertificateDer::pem_file_iter(cafile)? {
        roots.add(&cert?)?;
    }
    let config = ClientConfig::builder()
        .with_root_store(roots)
        .with_alpn_protocols(vec![b"http/1.1".to_vec()])
        .build()?;
    let tcp = TcpStream::connect((host.as_str(), port)).await?;
    let tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(host.clone())?, tcp)
        .await?;

    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
    let driver = tokio::spawn(conn);
    let request = Request::get(path)
        .header("Host", host.as_str())
        .body(Empty::<Bytes>::new())?;
    let response = sender.send_request(request).await?;
    eprintln!("{:?} {}", response.version(), response.status());
    let body = response.into_body().collect().await?.to_bytes();
    print!("{}", String::from_utf8_lossy(&body));
    drop(sender);
    let _ = driver.await;
    Ok(())
}
