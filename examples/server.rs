//! A TLS server: answers every HTTP request with a short text naming the negotiated
//! version, cipher suite and group (`--mode http`, the default), or echoes bytes back
//! (`--mode echo`). One thread per connection; one line per connection on stderr.
//!
//! ```text
//! server --cert FILE --key FILE [--addr 127.0.0.1] [--port 8443]
//!        [--protocols 1.3,1.2] [--alpn h2,http/1.1]
//!        [--client-ca FILE [--require-client-cert]] [--mode http|echo] [--tickets]
//!        [--early-data BYTES]
//! ```
//!
//! Sessions can be resumed: by default the server keeps them in memory (TLS 1.2
//! session ids, TLS 1.3 tickets that are keys into that store); with `--tickets` it
//! seals them into stateless tickets under rotating ticket keys instead. With
//! `--early-data BYTES` resumed TLS 1.3 clients may send that much 0-RTT data.
//!
//! `--cert` holds the PEM chain (end-entity first), `--key` the PEM private key.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;

use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::pem::PemObject;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer};
use handclasp::verify::RootStore;
use handclasp::{ServerConfig, ServerConnection, StreamOwned};

const USAGE: &str = "usage: server --cert FILE --key FILE [--addr 127.0.0.1] [--port 8443] \
[--protocols 1.3,1.2] [--alpn h2,http/1.1] [--client-ca FILE [--require-client-cert]] [--mode http|echo]";

/// The largest request head we read before answering anyway.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Http,
    Echo,
}

struct Args {
    cert: Option<String>,
    key: Option<String>,
    addr: String,
    port: u16,
    protocols: Option<String>,
    alpn: Option<String>,
    client_ca: Option<String>,
    require_client_cert: bool,
    mode: Mode,
    tickets: bool,
    early_data: u32,
}

impl Default for Args {
    fn default() -> Self {
        Self {
            cert: None,
            key: None,
            addr: "127.0.0.1".into(),
            port: 8443,
            protocols: None,
            alpn: None,
            client_ca: None,
            require_client_cert: false,
            mode: Mode::Http,
            tickets: false,
            early_data: 0,
        }
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--cert" => args.cert = Some(value("--cert")?),
            "--key" => args.key = Some(value("--key")?),
            "--addr" => args.addr = value("--addr")?,
            "--port" => {
                let port = value("--port")?;
                args.port = port
                    .parse()
                    .map_err(|e| format!("bad --port {port:?}: {e}"))?;
            }
            "--protocols" => args.protocols = Some(value("--protocols")?),
            "--alpn" => args.alpn = Some(value("--alpn")?),
            "--client-ca" => args.client_ca = Some(value("--client-ca")?),
            "--require-client-cert" => args.require_client_cert = true,
            "--tickets" => args.tickets = true,
            "--early-data" => {
                let bytes = value("--early-data")?;
                args.early_data = bytes
                    .parse()
                    .map_err(|e| format!("bad --early-data {bytes:?}: {e}"))?;
            }
            "--mode" => {
                args.mode = match value("--mode")?.as_str() {
                    "http" => Mode::Http,
                    "echo" => Mode::Echo,
                    other => return Err(format!("unknown --mode {other:?} (use http or echo)")),
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if args.require_client_cert && args.client_ca.is_none() {
        return Err("--require-client-cert needs --client-ca".into());
    }
    Ok(args)
}

fn parse_protocols(list: &str) -> Result<Vec<ProtocolVersion>, String> {
    list.split(',')
        .map(|p| match p.trim() {
            "1.3" => Ok(ProtocolVersion::TLSv1_3),
            "1.2" => Ok(ProtocolVersion::TLSv1_2),
            other => Err(format!(
                "unknown protocol version {other:?} (use 1.3 and/or 1.2)"
            )),
        })
        .collect()
}

fn build_config(args: &Args) -> Result<ServerConfig, String> {
    let cert = args.cert.as_deref().ok_or("missing --cert FILE")?;
    let key = args.key.as_deref().ok_or("missing --key FILE")?;
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{cert}: {e}"))?;
    if chain.is_empty() {
        return Err(format!("{cert}: no CERTIFICATE in the file"));
    }
    let private_key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{key}: {e}"))?;

    let mut builder = ServerConfig::builder();
    if !args.tickets {
        // Stateful resumption from the in-memory session store.
        builder = builder.with_ticketer(None);
    }
    builder = builder.with_max_early_data_size(args.early_data);
    if let Some(list) = &args.protocols {
        builder = builder.with_protocol_versions(&parse_protocols(list)?);
    }
    if let Some(list) = &args.alpn {
        builder =
            builder.with_alpn_protocols(list.split(',').map(|p| p.as_bytes().to_vec()).collect());
    }
    if let Some(file) = &args.client_ca {
        let mut roots = RootStore::empty();
        roots
            .add_pem_file(file)
            .map_err(|e| format!("{file}: {e}"))?;
        builder = builder.with_client_auth_roots(roots, args.require_client_cert);
    }
    builder
        .with_single_cert(chain, private_key)
        .map_err(|e| format!("certificate or key refused: {e}"))?
        .build()
        .map_err(|e| format!("server configuration refused: {e}"))
}

/// One connection: handshake, log a summary line, then serve it in `mode`.
fn serve(
    config: Arc<ServerConfig>,
    sock: TcpStream,
    peer: SocketAddr,
    mode: Mode,
) -> Result<(), String> {
    let conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
    let mut tls = StreamOwned::new(conn, sock);
    tls.conn
        .complete_io(&mut tls.sock)
        .map_err(|e| format!("handshake failed: {e}"))?;

    let version = tls.conn.protocol_version();
    let suite = tls.conn.negotiated_cipher_suite().map(|s| s.suite());
    let group = tls.conn.negotiated_group();
    eprintln!(
        "{peer}: sni={} version={} suite={} group={} alpn={} client_certs={} resumed={} early_data={}",
        tls.conn.server_name().unwrap_or("-"),
        show(version),
        show(suite),
        show(group),
        tls.conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_else(|| "-".into()),
        tls.conn.peer_certificates().map_or(0, |c| c.len()),
        if tls.conn.is_resumed() { "yes" } else { "no" },
        tls.conn.received_early_data(),
    );

    match mode {
        Mode::Http => {
            read_request_head(&mut tls)?;
            let body = format!(
                "handclasp: {} {} {}\n",
                show(version),
                show(suite),
                show(group)
            );
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tls.write_all(response.as_bytes())
                .map_err(|e| format!("write failed: {e}"))?;
        }
        Mode::Echo => {
            let mut buf = [0u8; 16 * 1024];
            loop {
                let n = match tls.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                        eprintln!("{peer}: closed without close_notify");
                        break;
                    }
                    Err(e) => return Err(format!("read failed: {e}")),
                };
                tls.write_all(buf.get(..n).unwrap_or_default())
                    .map_err(|e| format!("write failed: {e}"))?;
            }
        }
    }
    tls.conn.send_close_notify();
    tls.flush().map_err(|e| format!("flush failed: {e}"))?;
    Ok(())
}

/// Reads until the blank line ending an HTTP request head (or the peer stops).
fn read_request_head<T: Read>(tls: &mut T) -> Result<Vec<u8>, String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST_HEAD {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) => return Err(format!("reading the request failed: {e}")),
        }
    }
    Ok(head)
}

fn show<T: std::fmt::Debug>(value: Option<T>) -> String {
    value.map_or_else(|| "-".into(), |v| format!("{v:?}"))
}

fn run(args: Args) -> Result<(), String> {
    let config = Arc::new(build_config(&args)?);
    let listener = TcpListener::bind((args.addr.as_str(), args.port))
        .map_err(|e| format!("listen on {}:{}: {e}", args.addr, args.port))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!("listening on {local} ({:?} mode)", args.mode);
    for incoming in listener.incoming() {
        let sock = match incoming {
            Ok(sock) => sock,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let peer = sock
            .peer_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let config = config.clone();
        let mode = args.mode;
        std::thread::spawn(move || {
            if let Err(e) = serve(config, sock, peer, mode) {
                eprintln!("{peer}: error: {e}");
            }
        });
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) if message.is_empty() => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
