//! A TLS client: connects, sends an HTTP/1.1 GET (or `--send TEXT`), prints the
//! response on stdout and a one-line handshake summary on stderr.
//!
//! ```text
//! client [--cafile FILE] [--protocols 1.3,1.2] [--alpn h2,http/1.1]
//!        [--cert FILE --key FILE] [--send TEXT [--idle SECS]] [--resume N]
//!        [--timeout SECS] [--allow-no-ems] HOST[:PORT]
//! ```
//!
//! Without `--cafile`, the platform's trust store is used (`RootStore::native_roots`).
//! With `--resume N` it connects N+1 times, offering each time the session the
//! previous connection left, and says on stderr whether each one resumed.
//!
//! When the reply ends: the GET asks the server to close the connection, and the
//! response is read until it does. With `--send`, nothing says how long the reply is
//! and the server may keep the connection open (an echo server does), so the reply
//! is read until the server closes or, once some of it has arrived, until nothing
//! more came for `--idle SECS` (default 1); then the client sends close_notify and
//! exits. Either way, waiting longer than `--timeout SECS` (default 30) for the
//! handshake or for the first byte of the reply is an error.
//!
//! Extended master secret (RFC 7627) is required of TLS 1.2 servers; `--allow-no-ems`
//! talks to legacy servers without it, whose sessions are then open to the
//! triple-handshake attack.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use handclasp::conn::EarlyDataStatus;
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::pem::PemObject;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, Stream};

const USAGE: &str = "usage: client [--cafile FILE] [--protocols 1.3,1.2] [--alpn LIST] \
[--cert FILE --key FILE] [--send TEXT [--idle SECS (1)]] [--resume N] [--timeout SECS (30)] \
[--allow-no-ems] HOST[:PORT]";

struct Args {
    cafile: Option<String>,
    protocols: Option<String>,
    alpn: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    send: Option<String>,
    resume: usize,
    target: Option<String>,
    idle: Duration,
    timeout: Duration,
    allow_no_ems: bool,
}

impl Default for Args {
    fn default() -> Self {
        Self {
            cafile: None,
            protocols: None,
            alpn: None,
            cert: None,
            key: None,
            send: None,
            resume: 0,
            target: None,
            idle: Duration::from_secs(1),
            timeout: Duration::from_secs(30),
            allow_no_ems: false,
        }
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--cafile" => args.cafile = Some(value("--cafile")?),
            "--protocols" => args.protocols = Some(value("--protocols")?),
            "--alpn" => args.alpn = Some(value("--alpn")?),
            "--cert" => args.cert = Some(value("--cert")?),
            "--key" => args.key = Some(value("--key")?),
            "--send" => args.send = Some(value("--send")?),
            "--resume" => {
                args.resume = value("--resume")?
                    .parse()
                    .map_err(|e| format!("--resume: {e}"))?;
            }
            "--idle" => args.idle = parse_secs("--idle", &value("--idle")?)?,
            "--timeout" => args.timeout = parse_secs("--timeout", &value("--timeout")?)?,
            "--allow-no-ems" => args.allow_no_ems = true,
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other => args.target = Some(other.to_string()),
        }
    }
    Ok(args)
}

/// A positive number of seconds, possibly fractional.
fn parse_secs(name: &str, text: &str) -> Result<Duration, String> {
    match text.parse::<f64>().map(Duration::try_from_secs_f64) {
        Ok(Ok(secs)) if !secs.is_zero() => Ok(secs),
        _ => Err(format!(
            "bad {name} {text:?} (a number of seconds above zero)"
        )),
    }
}

pub fn parse_protocols(list: &str) -> Result<Vec<ProtocolVersion>, String> {
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

fn run(args: Args) -> Result<(), String> {
    let target = args.target.ok_or("missing HOST[:PORT]")?;
    let (host, port) = match target.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.starts_with('[') => (
            h.trim_matches(|c| c == '[' || c == ']').to_string(),
            p.parse::<u16>().map_err(|e| format!("bad port: {e}"))?,
        ),
        _ => (target.clone(), 443),
    };

    let roots = match &args.cafile {
        Some(file) => {
            let mut roots = RootStore::empty();
            roots.add_pem_file(file).map_err(|e| e.to_string())?;
            roots
        }
        // The platform's store (feature native-roots; SSL_CERT_FILE overrides it).
        None => RootStore::native_roots().map_err(|e| e.to_string())?.0,
    };
    let mut builder = ClientConfig::builder()
        .with_root_store(roots)
        .with_extended_master_secret_required(!args.allow_no_ems);
    if let Some(list) = &args.protocols {
        builder = builder.with_protocol_versions(&parse_protocols(list)?);
    }
    if let Some(list) = &args.alpn {
        builder =
            builder.with_alpn_protocols(list.split(',').map(|p| p.as_bytes().to_vec()).collect());
    }
    match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("{cert}: {e}"))?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{key}: {e}"))?;
            builder = builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| e.to_string())?;
        }
        (None, None) => {}
        _ => return Err("--cert and --key go together".into()),
    }
    if args.resume > 0 {
        // Resumed connections send the request as 0-RTT early data when the ticket
        // allows it (a GET is safe to replay).
        builder = builder.with_early_data(true);
    }
    let config = Arc::new(builder.build().map_err(|e| e.to_string())?);

    let request = match &args.send {
        Some(text) => text.clone(),
        None => format!(
            "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept-Encoding: identity\r\n\r\n"
        ),
    };
    // With --resume N, connect N+1 times; sessions from each connection are kept in
    // the config's session store and offered by the next.
    for attempt in 0..=args.resume {
        let idle = args.send.is_some().then_some(args.idle);
        let response = connect_once(&config, &host, port, &request, idle, args.timeout)?;
        if args.resume > 0 {
            eprintln!("connection {attempt}: {}", response.1);
        }
        std::io::stdout()
            .write_all(&response.0)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// True for the error a blocking socket's read timeout gives (`WouldBlock` on Unix,
/// `TimedOut` on Windows).
fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// One connection: handshake, request, response. Returns the response and a line
/// saying whether the session was resumed. With `idle`, the response also ends once
/// some of it arrived and then nothing more for that long.
fn connect_once(
    config: &Arc<ClientConfig>,
    host: &str,
    port: u16,
    request: &str,
    idle: Option<Duration>,
    timeout: Duration,
) -> Result<(Vec<u8>, String), String> {
    let server_name = ServerName::try_from(host.to_string())
        .map_err(|e| format!("bad host name {host:?}: {e}"))?;
    let mut conn = ClientConnection::new(config.clone(), server_name).map_err(|e| e.to_string())?;
    let mut sock =
        TcpStream::connect((host, port)).map_err(|e| format!("connect {host}:{port}: {e}"))?;
    sock.set_read_timeout(Some(timeout))
        .and_then(|()| sock.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    // With a ticket that allows it, the request goes as 0-RTT early data, before the
    // handshake; if the server rejects it, it is sent again normally.
    let mut early = 0;
    if conn.early_data_status() == EarlyDataStatus::Offered {
        early = conn
            .write_early_data(request.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let mut tls = Stream::new(&mut conn, &mut sock);
    tls.flush().map_err(|e| {
        if is_timeout(&e) {
            format!("handshake failed: nothing from the server for {timeout:?} (--timeout)")
        } else {
            format!("handshake failed: {e}")
        }
    })?;
    let resend = if tls.conn.early_data_status() == EarlyDataStatus::Accepted {
        &request.as_bytes()[early..]
    } else {
        request.as_bytes()
    };
    tls.write_all(resend)
        .map_err(|e| format!("handshake or write failed: {e}"))?;
    tls.flush().map_err(|e| e.to_string())?;

    let summary = format!(
        "{:?} {:?} {:?} alpn={}",
        tls.conn.protocol_version().ok_or("no version")?,
        tls.conn
            .negotiated_cipher_suite()
            .map(|s| s.suite())
            .ok_or("no suite")?,
        tls.conn
            .negotiated_group()
            .map_or_else(|| "-".to_string(), |g| format!("{g:?}")),
        tls.conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_else(|| "-".into()),
    );
    eprintln!("handshake: {summary}");

    let mut response = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&buf[..n]);
                // With --send, from now on a pause of `idle` ends the reply.
                if let Some(idle) = idle {
                    tls.sock
                        .set_read_timeout(Some(idle))
                        .map_err(|e| e.to_string())?;
                }
            }
            // A peer that closes without close_notify after a complete response is
            // common for HTTP/1.1 `Connection: close`; report it but keep the data.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                eprintln!("warning: {e}");
                break;
            }
            Err(e) if is_timeout(&e) && idle.is_some() && !response.is_empty() => {
                // The server keeps the connection open: the reply is over; say goodbye
                // (best effort: the reply is what matters).
                tls.conn.send_close_notify();
                let _ = tls.flush();
                break;
            }
            Err(e) if is_timeout(&e) => {
                return Err(format!("read failed: nothing for {timeout:?} (--timeout)"));
            }
            Err(e) => return Err(format!("read failed: {e}")),
        }
    }
    let resumed = if tls.conn.is_resumed() {
        "resumed"
    } else {
        "full handshake"
    };
    let zero_rtt = match tls.conn.early_data_status() {
        EarlyDataStatus::NotOffered => "0-RTT not offered".to_string(),
        EarlyDataStatus::Accepted => format!("0-RTT accepted ({early} bytes)"),
        EarlyDataStatus::Rejected => "0-RTT rejected (request sent again)".to_string(),
        EarlyDataStatus::Offered => "0-RTT offered".to_string(),
    };
    Ok((response, format!("{resumed}, {zero_rtt}")))
}

fn main() -> ExitCode {
    // RUST_LOG=debug shows the handshake, RUST_LOG=trace the records too.
    env_logger::init();
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
