//! A TLS server: answers every HTTP request with a short text naming the negotiated
//! version, cipher suite and group (`--mode http`, the default), or echoes bytes back
//! (`--mode echo`). One thread per connection; one line per connection on stderr.
//!
//! ```text
//! server --cert FILE --key FILE [--addr 127.0.0.1] [--port 8443]
//!        [--protocols 1.3,1.2] [--alpn h2,http/1.1]
//!        [--client-ca FILE [--require-client-cert]] [--mode http|echo] [--tickets]
//!        [--early-data BYTES] [--timeout SECS] [--handshake-timeout SECS]
//!        [--max-connections N] [--allow-no-ems]
//! ```
//!
//! Limits, so that idle or slow peers cannot pile up threads:
//!
//! - `--timeout SECS` (default 30): a connection on which a read or a write makes no
//!   progress for this long is closed. In `http` mode the whole request head must
//!   also arrive within this long of the handshake's end.
//! - `--handshake-timeout SECS` (default 10): the handshake must be complete this long
//!   after the connection was accepted, however busy the peer keeps it; otherwise it
//!   is closed.
//! - `--max-connections N` (default 256): at most N connections are served at once
//!   (one thread each). A connection arriving while N are open is accepted and closed
//!   at once, without a thread and without reading from it, and a line on stderr
//!   says so: the peer learns at once rather than waiting in the listen queue.
//!
//! SECS may be fractional (`0.5`); all of them must be above zero.
//!
//! In `http` mode the request head ends at its first empty line, whether the lines
//! end in `\r\n` or in a bare `\n`.
//!
//! Extended master secret (RFC 7627) is required of TLS 1.2 clients; `--allow-no-ems`
//! serves legacy clients without it, whose sessions are then open to the
//! triple-handshake attack.
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::pem::PemObject;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer};
use handclasp::verify::RootStore;
use handclasp::{ServerConfig, ServerConnection, StreamOwned};

const USAGE: &str = "usage: server --cert FILE --key FILE [--addr 127.0.0.1] [--port 8443] \
[--protocols 1.3,1.2] [--alpn h2,http/1.1] [--client-ca FILE [--require-client-cert]] [--mode http|echo] \
[--tickets] [--early-data BYTES] [--timeout SECS (30)] [--handshake-timeout SECS (10)] \
[--max-connections N (256)] [--allow-no-ems]";

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
    timeout: Duration,
    handshake_timeout: Duration,
    max_connections: usize,
    allow_no_ems: bool,
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
            timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            max_connections: 256,
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
            "--timeout" => args.timeout = parse_secs("--timeout", &value("--timeout")?)?,
            "--handshake-timeout" => {
                args.handshake_timeout =
                    parse_secs("--handshake-timeout", &value("--handshake-timeout")?)?;
            }
            "--max-connections" => {
                let n = value("--max-connections")?;
                args.max_connections = match n.parse() {
                    Ok(0) => return Err("--max-connections must be at least 1".into()),
                    Ok(n) => n,
                    Err(e) => return Err(format!("bad --max-connections {n:?}: {e}")),
                };
            }
            "--allow-no-ems" => args.allow_no_ems = true,
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

/// A positive number of seconds, possibly fractional.
fn parse_secs(name: &str, text: &str) -> Result<Duration, String> {
    match text.parse::<f64>().map(Duration::try_from_secs_f64) {
        Ok(Ok(secs)) if !secs.is_zero() => Ok(secs),
        _ => Err(format!(
            "bad {name} {text:?} (a number of seconds above zero)"
        )),
    }
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

    let mut builder =
        ServerConfig::builder().with_extended_master_secret_required(!args.allow_no_ems);
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

/// A TCP socket whose reads and writes fail with `TimedOut` after `idle` without
/// progress and, while a `deadline` is set, once it has passed.
struct TimedSocket {
    sock: TcpStream,
    idle: Duration,
    deadline: Option<(Instant, &'static str)>,
}

impl TimedSocket {
    /// How long the next read or write may wait; an error once the deadline passed.
    fn wait_limit(&self) -> io::Result<Duration> {
        match self.deadline {
            None => Ok(self.idle),
            Some((deadline, what)) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Ok(left.min(self.idle)),
                _ => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{what} took too long"),
                )),
            },
        }
    }

    /// Names a timeout for the log (a blocking socket's timeout is `WouldBlock` on
    /// Unix and `TimedOut` on Windows); passes other errors through.
    fn explain(&self, e: io::Error) -> io::Error {
        if !matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            return e;
        }
        match self.deadline {
            Some((deadline, what)) if Instant::now() >= deadline => {
                io::Error::new(io::ErrorKind::TimedOut, format!("{what} took too long"))
            }
            _ => io::Error::new(
                io::ErrorKind::TimedOut,
                format!("idle for {:?} (--timeout)", self.idle),
            ),
        }
    }
}

impl Read for TimedSocket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let limit = self.wait_limit()?;
        self.sock.set_read_timeout(Some(limit))?;
        self.sock.read(buf).map_err(|e| self.explain(e))
    }
}

impl Write for TimedSocket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let limit = self.wait_limit()?;
        self.sock.set_write_timeout(Some(limit))?;
        self.sock.write(buf).map_err(|e| self.explain(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}

/// The per-connection limits from the command line.
#[derive(Clone, Copy)]
struct Limits {
    mode: Mode,
    idle: Duration,
    handshake: Duration,
}

/// One connection: handshake, log a summary line, then serve it in `mode`.
fn serve(
    config: Arc<ServerConfig>,
    sock: TcpStream,
    peer: SocketAddr,
    limits: Limits,
    accepted: Instant,
) -> Result<(), String> {
    let conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
    let sock = TimedSocket {
        sock,
        idle: limits.idle,
        deadline: Some((
            accepted + limits.handshake,
            "the handshake (--handshake-timeout)",
        )),
    };
    let mut tls = StreamOwned::new(conn, sock);
    tls.conn
        .complete_io(&mut tls.sock)
        .map_err(|e| format!("handshake failed: {e}"))?;
    tls.sock.deadline = None;

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

    match limits.mode {
        Mode::Http => {
            // The whole head within --timeout, not just each piece of it.
            tls.sock.deadline = Some((Instant::now() + limits.idle, "the request (--timeout)"));
            read_request_head(&mut tls)?;
            tls.sock.deadline = None;
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

/// Reads until the empty line ending an HTTP request head (lines may end in CRLF or
/// a bare LF), until the peer stops, or until the head is too long to wait for more.
fn read_request_head<T: Read>(tls: &mut T) -> Result<Vec<u8>, String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head_complete(&head) && head.len() < MAX_REQUEST_HEAD {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) => return Err(format!("reading the request failed: {e}")),
        }
    }
    Ok(head)
}

/// True once `head` holds an empty line: `\n\n` or `\n\r\n` (which covers
/// `\r\n\r\n`).
fn head_complete(head: &[u8]) -> bool {
    head.windows(2).any(|w| w == b"\n\n") || head.windows(3).any(|w| w == b"\n\r\n")
}

/// Counts the connections being served; a slot is given back when dropped.
struct Slots {
    open: AtomicUsize,
    max: usize,
}

struct Slot(Arc<Slots>);

impl Slots {
    /// A slot, or `None` when `max` connections are open.
    fn take(self: &Arc<Self>) -> Option<Slot> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            })
            .ok()
            .map(|_| Slot(self.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
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
    let limits = Limits {
        mode: args.mode,
        idle: args.timeout,
        handshake: args.handshake_timeout,
    };
    let slots = Arc::new(Slots {
        open: AtomicUsize::new(0),
        max: args.max_connections,
    });
    for incoming in listener.incoming() {
        let sock = match incoming {
            Ok(sock) => sock,
            Err(e) => {
                // E.g. out of file descriptors: wait a little rather than spin.
                eprintln!("accept failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let accepted = Instant::now();
        let peer = sock
            .peer_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let Some(slot) = slots.take() else {
            eprintln!(
                "{peer}: refused: {} connections open (--max-connections)",
                args.max_connections
            );
            drop(sock);
            continue;
        };
        let config = config.clone();
        let spawned = std::thread::Builder::new().spawn(move || {
            if let Err(e) = serve(config, sock, peer, limits, accepted) {
                eprintln!("{peer}: error: {e}");
            }
            drop(slot);
        });
        if let Err(e) = spawned {
            // The closure, with the socket and the slot, is dropped: closed at once.
            eprintln!("{peer}: refused: no thread for it: {e}");
        }
    }
    Ok(())
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
