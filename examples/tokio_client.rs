//! A TLS client on tokio: connects, sends an HTTP/1.1 GET (or `--send TEXT`), prints
//! the reply on stdout and a one-line summary on stderr, then closes with
//! `shutdown().await` (close_notify, then the TCP FIN).
//!
//! ```text
//! tokio_client --cafile FILE [--protocols 1.3,1.2] [--alpn h2,http/1.1]
//!              [--send TEXT] HOST[:PORT]
//! ```
//!
//! With `--send` the reply is read until the server closes or, once some of it has
//! arrived, nothing more came for a second (an echo server keeps the connection open).

use std::sync::Arc;
use std::time::Duration;

use handclasp::ClientConfig;
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::pem::PemObject;
use handclasp::pki_types::{CertificateDer, ServerName};
use handclasp::tokio::TlsConnector;
use handclasp::verify::RootStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const USAGE: &str = "usage: tokio_client --cafile FILE [--protocols 1.3,1.2] \
[--alpn h2,http/1.1] [--send TEXT] HOST[:PORT]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // RUST_LOG=debug shows the handshake, RUST_LOG=trace the records too.
    env_logger::init();
    let mut flags = std::collections::HashMap::new();
    let mut target = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.starts_with("--") {
            true => drop(flags.insert(arg, args.next().ok_or(USAGE)?)),
            false => target = Some(arg),
        }
    }
    let flag = |name: &str| flags.get(name).map(String::as_str);
    let target = target.ok_or(USAGE)?;
    let (host, port) = match target.rsplit_once(':') {
        Some((host, port)) => (host.to_string(), port.parse::<u16>()?),
        None => (target.clone(), 443),
    };
    let mut roots = RootStore::empty();
    for cert in CertificateDer::pem_file_iter(flag("--cafile").ok_or(USAGE)?)? {
        roots.add(&cert?)?;
    }
    let mut builder = ClientConfig::builder().with_root_store(roots);
    if let Some(list) = flag("--protocols") {
        let versions = list
            .split(',')
            .map(|v| match v {
                "1.3" => Ok(ProtocolVersion::TLSv1_3),
                "1.2" => Ok(ProtocolVersion::TLSv1_2),
                _ => Err(format!("unknown protocol {v}: use 1.3 and/or 1.2")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        builder = builder.with_protocol_versions(&versions);
    }
    if let Some(list) = flag("--alpn") {
        builder =
            builder.with_alpn_protocols(list.split(',').map(|p| p.as_bytes().to_vec()).collect());
    }
    let connector = TlsConnector::from(Arc::new(builder.build()?));
    let tcp = TcpStream::connect((host.as_str(), port)).await?;
    let mut tls = connector
        .connect(ServerName::try_from(host.clone())?, tcp)
        .await?;
    let conn = tls.get_ref().1;
    eprintln!(
        "handclasp (tokio): {:?} {:?} ALPN {}",
        conn.protocol_version(),
        conn.negotiated_cipher_suite().map(|s| s.suite()),
        conn.alpn_protocol()
            .map(String::from_utf8_lossy)
            .unwrap_or("none".into())
    );
    let request = match flag("--send") {
        Some(text) => text.to_string(),
        None => format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    };
    tls.write_all(request.as_bytes()).await?;
    tls.flush().await?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        // A GET's reply ends when the server closes; an echo's when it goes quiet.
        let quiet = flag("--send").is_some() && !reply.is_empty();
        let read = match quiet {
            true => match tokio::time::timeout(Duration::from_secs(1), tls.read(&mut buf)).await {
                Ok(read) => read?,
                Err(_) => break,
            },
            false => tls.read(&mut buf).await?,
        };
        if read == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..read]);
    }
    print!("{}", String::from_utf8_lossy(&reply));
    tls.shutdown().await?;
    Ok(())
}
