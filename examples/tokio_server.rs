//! A TLS server on tokio: answers each HTTP request with a short text naming the
//! negotiated version, cipher suite and ALPN protocol (`--mode http`, the default),
//! or echoes bytes back (`--mode echo`). One task per connection.
//!
//! ```text
//! tokio_server --cert FILE --key FILE [--addr 127.0.0.1] [--port 8443]
//!              [--protocols 1.3,1.2] [--alpn h2,http/1.1] [--mode http|echo]
//! ```
//!
//! Each connection ends with `shutdown().await`: our close_notify, then the TCP FIN.

use std::sync::Arc;

use handclasp::ServerConfig;
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::pem::PemObject;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer};
use handclasp::tokio::{ServerTlsStream, TlsAcceptor};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const USAGE: &str = "usage: tokio_server --cert FILE --key FILE [--addr 127.0.0.1] \
[--port 8443] [--protocols 1.3,1.2] [--alpn h2,http/1.1] [--mode http|echo]";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // RUST_LOG=debug shows the handshake, RUST_LOG=trace the records too.
    env_logger::init();
    let mut flags = std::collections::HashMap::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(USAGE)?;
        flags.insert(flag, value);
    }
    let flag = |name: &str| flags.get(name).map(String::as_str);
    let chain = CertificateDer::pem_file_iter(flag("--cert").ok_or(USAGE)?)?
        .collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(flag("--key").ok_or(USAGE)?)?;
    let mut builder = ServerConfig::builder();
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
    let echo = match flag("--mode").unwrap_or("http") {
        "http" => false,
        "echo" => true,
        other => return Err(format!("unknown mode {other}: {USAGE}").into()),
    };
    let acceptor = TlsAcceptor::from(Arc::new(builder.with_single_cert(chain, key)?.build()?));
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
            if let Err(e) = serve(acceptor, tcp, echo).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

async fn serve(acceptor: TlsAcceptor, tcp: TcpStream, echo: bool) -> std::io::Result<()> {
    let mut tls = acceptor.accept(tcp).await?;
    eprintln!("{}", summary(&tls));
    match echo {
        true => {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = tls.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                tls.write_all(&buf[..n]).await?;
            }
        }
        false => {
            read_request_head(&mut tls).await?;
            let body = format!("{}\n", summary(&tls));
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            tls.write_all(head.as_bytes()).await?;
            tls.write_all(body.as_bytes()).await?;
        }
    }
    tls.shutdown().await
}

/// Reads up to the empty line that ends an HTTP request head (at most 16 KiB).
async fn read_request_head(tls: &mut ServerTlsStream<TcpStream>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !(head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n")) {
        let n = tls.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(())
}

fn summary(tls: &ServerTlsStream<TcpStream>) -> String {
    let conn = tls.get_ref().1;
    format!(
        "handclasp (tokio): {:?} {:?} ALPN {}",
        conn.protocol_version(),
        conn.negotiated_cipher_suite().map(|s| s.suite()),
        conn.alpn_protocol()
            .map(String::from_utf8_lossy)
            .unwrap_or("none".into())
    )
}
