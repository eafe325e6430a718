//! The story of a TLS handshake, step by step, as the client sees it.
//!
//! ```text
//! cargo run --example explain -- [--tls12 | --tls13] [--cafile FILE] [--alpn h2,http/1.1]
//!     [--sni NAME] [--send TEXT] [--resume] [--timeout SECS] HOST[:PORT]
//! cargo run --example explain -- --local [the same flags, no HOST]
//! ```
//!
//! It drives handclasp's sans-IO `ClientConnection` itself over a `TcpStream` (port 443
//! unless given), or with `--local` over memory to an in-process server whose
//! certificate comes from a throw-away CA. Each record read from the wire is fed to the
//! connection alone, so every handshake event (from a `HandshakeObserver`) and every key
//! change is tied to the record that caused it. The roots come from `--cafile`, else the
//! platform's store (`SSL_CERT_FILE` overrides it). After the handshake it sends
//! `GET / HTTP/1.1` (or `--send TEXT`, where `\n` is a newline, and then the answer ends
//! when it pauses for a second), shows each record it writes and reads, and closes with
//! close_notify. `--resume` then connects again, offering the session the first
//! connection stored. `--sni NAME` asks for NAME instead of HOST.
//!
//! # Output form
//!
//! Each connection starts with a line `== connection K: ... ==`, each step with a line
//! `== step N @ T ms: NAME ==`: N counts from 1 in each connection, T is the time since
//! the program started, and NAME is one of `ClientHello`, `HelloRetryRequest`,
//! `ServerHello`, `key exchange`, `key schedule`, `EncryptedExtensions`, `Certificate`,
//! `certificate checks`, `CertificateVerify`, `ServerKeyExchange`, `ChangeCipherSpec`,
//! `NewSessionTicket`, `Finished`, `handshake complete`, `records`, `close_notify`,
//! `alert`, `session tickets`. Steps come in the order they happen; a name comes again
//! when its kind of step happens again (the key schedule does). Details follow on lines
//! indented by three spaces. The certificate checks read `[pass]`, `[FAIL]` or
//! `[not reached]`, then `(a)` (trusted issuer), `(b)` (validity) or `(c)` (name).
//! Secrets are named by their RFC labels, never shown. An error ends the story on
//! stderr as `error: ...`, with exit status 1 (2 for bad usage).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use handclasp::crypto::SupportedCipherSuite;
use handclasp::enums::SignatureScheme;
use handclasp::enums::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion};
use handclasp::error::CertificateError;
use handclasp::events::{HandshakeEvent, HandshakeObserver, Secret, Side};
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use handclasp::time::{Rfc3339, UnixTime};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, Error, ServerConfig, ServerConnection};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate, X509Name};

const USAGE: &str = "usage: explain [--local] [--tls12 | --tls13] [--cafile FILE] \
[--alpn LIST] [--sni NAME] [--send TEXT] [--resume] [--timeout SECS (10)] HOST[:PORT]";

/// The system CA bundle (Debian and derivatives), used without `--cafile`.
/// With `--send`, the answer is over once nothing more came for this long.
const IDLE: Duration = Duration::from_secs(1);

/// Prints one detail line of the current step.
macro_rules! say {
    ($($arg:tt)*) => { println!("   {}", format_args!($($arg)*)) };
}

struct Args {
    target: Option<String>,
    local: bool,
    versions: Vec<ProtocolVersion>,
    cafile: Option<String>,
    alpn: Vec<Vec<u8>>,
    sni: Option<String>,
    send: Option<String>,
    resume: bool,
    timeout: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        target: None,
        local: false,
        versions: vec![ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2],
        cafile: None,
        alpn: Vec::new(),
        sni: None,
        send: None,
        resume: false,
        timeout: Duration::from_secs(10),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--local" => args.local = true,
            "--tls12" => args.versions = vec![ProtocolVersion::TLSv1_2],
            "--tls13" => args.versions = vec![ProtocolVersion::TLSv1_3],
            "--cafile" => args.cafile = Some(value()?),
            "--alpn" => args.alpn = value()?.split(',').map(|p| p.into()).collect(),
            "--sni" => args.sni = Some(value()?),
            "--send" => args.send = Some(value()?.replace("\\n", "\n")),
            "--resume" => args.resume = true,
            "--timeout" => {
                let text = value()?;
                args.timeout = match text.parse().map(Duration::try_from_secs_f64) {
                    Ok(Ok(secs)) if !secs.is_zero() => secs,
                    _ => return Err(format!("bad --timeout {text:?}: seconds above 0")),
                };
            }
            "-h" | "--help" => return Err(String::new()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            other => args.target = Some(other.to_string()),
        }
    }
    Ok(args)
}

/// HOST[:PORT], with `[v6]:port` for IPv6; the port defaults to 443.
fn split_target(target: &str) -> Result<(String, u16), String> {
    let (host, port) = match target.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.starts_with('[') => {
            (h, p.parse().map_err(|e| format!("bad port {p:?}: {e}"))?)
        }
        _ => (target, 443),
    };
    Ok((host.trim_matches(['[', ']']).to_string(), port))
}

/// The roots to trust and where they came from: the one place that knows.
fn load_roots(cafile: Option<&str>) -> Result<(RootStore, String), String> {
    let Some(file) = cafile else {
        // The platform's store; SSL_CERT_FILE / SSL_CERT_DIR override it.
        let (roots, load) = RootStore::native_roots().map_err(|e| e.to_string())?;
        return Ok((
            roots,
            format!("roots: {} from the platform's store", load.added),
        ));
    };
    let mut roots = RootStore::empty();
    let load = roots.add_pem_file(file).map_err(|e| e.to_string())?;
    Ok((roots, format!("roots: {} from {file}", load.added)))
}

// ---- the events: the observer keeps owned copies for the main loop to tell ----

/// One handshake event of the client, owned.
#[derive(Debug)]
enum Seen {
    Hello(Offer),
    Retry(Option<NamedGroup>, bool),
    ServerHello(ProtocolVersion, CipherSuite, Option<NamedGroup>, bool),
    Extensions(Option<Vec<u8>>, bool, bool),
    Chain(Vec<CertificateDer<'static>>),
    ChainVerified(UnixTime),
    KeyExchange(NamedGroup, usize),
    Secret(Secret),
    HandshakeKeys,
    Signature(SignatureScheme),
    FinishedVerified,
    FinishedSent,
    ChangeCipherSpec { ours: bool },
    Ticket(u32, u32),
    KeyUpdate { ours: bool },
    Alert { sent: bool, alert: AlertDescription },
    Complete,
}

#[derive(Debug)]
struct Offer {
    versions: Vec<ProtocolVersion>,
    suites: Vec<CipherSuite>,
    groups: Vec<NamedGroup>,
    shares: Vec<NamedGroup>,
    schemes: Vec<SignatureScheme>,
    sni: Option<String>,
    alpn: Vec<Vec<u8>>,
}

#[derive(Debug, Default)]
struct Recorder(Mutex<Vec<Seen>>);

impl Recorder {
    fn take(&self) -> Vec<Seen> {
        self.0
            .lock()
            .map(|mut all| std::mem::take(&mut *all))
            .unwrap_or_default()
    }
}

impl HandshakeObserver for Recorder {
    fn on_event(&self, side: Side, event: &HandshakeEvent<'_>) {
        use HandshakeEvent as E;
        let seen = match event {
            _ if side != Side::Client => return,
            E::ClientHello(o) => Seen::Hello(Offer {
                versions: o.versions.to_vec(),
                suites: o.cipher_suites.to_vec(),
                groups: o.groups.to_vec(),
                shares: o.key_share_groups.to_vec(),
                schemes: o.signature_schemes.to_vec(),
                sni: o.server_name.map(str::to_string),
                alpn: o.alpn.to_vec(),
            }),
            E::HelloRetryRequest { group, cookie } => Seen::Retry(*group, *cookie),
            E::ServerHello {
                version: v,
                cipher_suite: s,
                group: g,
                resumed: r,
            } => Seen::ServerHello(*v, *s, *g, *r),
            E::EncryptedExtensions {
                alpn,
                server_name_acknowledged,
                early_data_accepted,
            } => {
                let alpn = alpn.map(<[u8]>::to_vec);
                Seen::Extensions(alpn, *server_name_acknowledged, *early_data_accepted)
            }
            E::CertificateReceived { chain } => {
                Seen::Chain(chain.iter().map(|c| c.clone().into_owned()).collect())
            }
            E::CertificateVerified { now, .. } => Seen::ChainVerified(*now),
            E::KeyExchange {
                group,
                public_key_len,
            } => Seen::KeyExchange(*group, *public_key_len),
            E::SecretDerived(secret) => Seen::Secret(*secret),
            E::HandshakeKeysInstalled { .. } => Seen::HandshakeKeys,
            E::SignatureVerified { scheme } => Seen::Signature(*scheme),
            E::FinishedVerified => Seen::FinishedVerified,
            E::FinishedSent => Seen::FinishedSent,
            E::ChangeCipherSpec { ours } => Seen::ChangeCipherSpec { ours: *ours },
            E::Ticket {
                lifetime_secs: l,
                max_early_data: m,
                ..
            } => Seen::Ticket(*l, *m),
            E::KeyUpdate { ours } => Seen::KeyUpdate { ours: *ours },
            E::AlertSent(alert) => Seen::Alert {
                sent: true,
                alert: *alert,
            },
            E::AlertReceived(alert) => Seen::Alert {
                sent: false,
                alert: *alert,
            },
            E::HandshakeComplete { .. } => Seen::Complete,
            _ => return,
        };
        if let Ok(mut all) = self.0.lock() {
            all.push(seen);
        }
    }
}

// ---- the wire: TCP, or memory to an in-process server ----

/// What one wait on the wire gave.
enum Received {
    Bytes(Vec<u8>),
    Closed,
    Quiet,
}

trait Wire {
    fn send(&mut self, bytes: &[u8]) -> Result<(), String>;
    /// Waits up to `wait` for bytes.
    fn receive(&mut self, wait: Duration) -> Result<Received, String>;
    /// Ends our direction of the transport.
    fn close(&mut self);
}

impl Wire for TcpStream {
    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.write_all(bytes).map_err(|e| format!("write: {e}"))
    }

    fn receive(&mut self, wait: Duration) -> Result<Received, String> {
        self.set_read_timeout(Some(wait))
            .map_err(|e| e.to_string())?;
        let mut buf = vec![0; 32 * 1024];
        match self.read(&mut buf) {
            Ok(0) => Ok(Received::Closed),
            Ok(n) => {
                buf.truncate(n);
                Ok(Received::Bytes(buf))
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock) => Ok(Received::Quiet),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::TimedOut) => Ok(Received::Quiet),
            Err(e) => Err(format!("read: {e}")),
        }
    }

    fn close(&mut self) {
        let _ = self.shutdown(Shutdown::Write);
    }
}

fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, String> {
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host}: {e}"))?;
    let mut last = format!("{host} has no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(sock) => return Ok(sock),
            Err(e) => last = format!("connect {addr}: {e}"),
        }
    }
    Err(last)
}

/// `--local`: an in-process server. What the client sends is fed to it at once; its
/// answer waits to be received. It answers a request with an HTTP response (text that
/// is not HTTP is echoed), then sends close_notify.
struct Local {
    server: ServerConnection,
    to_client: Vec<u8>,
    request: Vec<u8>,
}

impl Local {
    fn serve(&mut self) -> Result<(), Error> {
        let mut buf = [0u8; 4096];
        while let n @ 1.. = self.server.read_plaintext(&mut buf) {
            self.request
                .extend_from_slice(buf.get(..n).unwrap_or_default());
        }
        let http = self.request.starts_with(b"GET ");
        let head_done = self.request.windows(4).any(|w| w == b"\r\n\r\n");
        if self.request.is_empty() || (http && !head_done) {
            return Ok(());
        }
        let answer = match http {
            true => {
                let version = self.server.protocol_version();
                let body = format!("hello from the local handclasp server over {version:?}\n");
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close";
                format!("{head}\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
            }
            false => std::mem::take(&mut self.request),
        };
        self.request.clear();
        self.server.write_plaintext(&answer)?;
        self.server.send_close_notify();
        Ok(())
    }
}

impl Wire for Local {
    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        if self.server.read_tls_from_slice(bytes) < bytes.len() {
            return Err("the local server's input buffer is full".into());
        }
        // A server that fails queues its alert, which the client then reads.
        if self.server.process_new_packets().is_ok() && !self.server.is_handshaking() {
            self.serve().map_err(|e| format!("local server: {e}"))?;
        }
        let n = self.server.pending_tls().len();
        self.to_client.extend_from_slice(self.server.pending_tls());
        self.server.consume_tls(n);
        Ok(())
    }

    fn receive(&mut self, _wait: Duration) -> Result<Received, String> {
        match self.to_client.is_empty() {
            true => Ok(Received::Quiet),
            false => Ok(Received::Bytes(std::mem::take(&mut self.to_client))),
        }
    }

    fn close(&mut self) {}
}

/// A throw-away CA and a `localhost` certificate it issued (ECDSA P-256, valid from
/// yesterday for 90 days); returns the server's config and a root store with the CA.
fn local_setup(alpn: &[Vec<u8>]) -> Result<(Arc<ServerConfig>, RootStore), String> {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let err = |e: rcgen::Error| e.to_string();
    let day = |days| date_from_now(days).map(|(y, m, d)| rcgen::date_time_ymd(y, m, d));
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca.distinguished_name
        .push(DnType::CommonName, "explain throw-away CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    (ca.not_before, ca.not_after) = (day(-1)?, day(365)?);
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let ca = CertifiedIssuer::self_signed(ca, ca_key).map_err(err)?;

    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).map_err(err)?;
    leaf.subject_alt_names
        .push(rcgen::SanType::IpAddress([127, 0, 0, 1].into()));
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    (leaf.not_before, leaf.not_after) = (day(-1)?, day(90)?);
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let cert = leaf.signed_by(&key, &ca).map_err(err)?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let server = ServerConfig::builder()
        .with_single_cert(vec![cert.der().clone()], key)
        .and_then(|b| b.with_alpn_protocols(alpn.to_vec()).build())
        .map_err(|e| e.to_string())?;
    let mut roots = RootStore::empty();
    roots.add(ca.der()).map_err(|e| e.to_string())?;
    Ok((Arc::new(server), roots))
}

/// The calendar date (UTC) `days` from now, read off the library's RFC 3339 format.
fn date_from_now(days: i64) -> Result<(i32, u8, u8), String> {
    let secs = UnixTime::now()
        .as_secs()
        .saturating_add_signed(days * 86_400);
    let text = time(i64::try_from(secs).unwrap_or(0));
    let field = |at| text.get(at).and_then(|s: &str| s.parse::<u16>().ok());
    let small = |at| field(at).and_then(|v| u8::try_from(v).ok());
    match (field(0..4), small(5..7), small(8..10)) {
        (Some(year), Some(month), Some(day)) => Ok((i32::from(year), month, day)),
        _ => Err(format!("cannot read a date from {text:?}")),
    }
}

// ---- one connection, told step by step ----

/// What every connection's story needs.
struct Context {
    start: Instant,
    /// The name the certificate must hold.
    name: String,
    roots: RootStore,
    roots_source: String,
    request: Vec<u8>,
    /// `--send`: the answer ends when it pauses (an echo server never closes).
    ends_when_quiet: bool,
    timeout: Duration,
}

/// One direction of records: the key in use, named after the secret it comes from, and
/// the count of records under it, which is their sequence number: it starts at 0 with
/// each new key (RFC 8446 5.3; RFC 5246 6.1).
#[derive(Default)]
struct Direction {
    key: Option<String>,
    /// The key announced by the events, in use from a later record (see the callers).
    next: Option<String>,
    seq: u64,
}

impl Direction {
    /// Counts a record of `content_type` and says how it is protected.
    fn count(&mut self, content_type: u8, tls13: bool, aead: &str) -> String {
        match &self.key {
            // RFC 8446 5: a TLS 1.3 change_cipher_spec record is never protected.
            Some(key) if !(tls13 && content_type == 20) => {
                self.seq += 1;
                format!("seq {} under {key} ({aead})", self.seq - 1)
            }
            _ => "plaintext".to_string(),
        }
    }

    fn switch(&mut self) {
        if let Some(key) = self.next.take() {
            (self.key, self.seq) = (Some(key), 0);
        }
    }
}

struct Conversation<'a> {
    cx: &'a Context,
    conn: ClientConnection,
    wire: Box<dyn Wire>,
    events: Arc<Recorder>,
    step: usize,
    current: &'static str,
    version: Option<ProtocolVersion>,
    aead: &'static str,
    shares: Vec<NamedGroup>,
    retried: bool,
    resumed: bool,
    chain: Vec<CertificateDer<'static>>,
    sent: Direction,
    received: Direction,
    inbox: Vec<u8>,
    show_records: bool,
    tickets: Vec<(u32, u32)>,
    answer: Vec<u8>,
}

impl Conversation<'_> {
    fn step(&mut self, name: &'static str) {
        if self.current != name {
            (self.current, self.step) = (name, self.step + 1);
            let (n, ms) = (self.step, ms(self.cx.start));
            println!("== step {n} @ {ms:.1} ms: {name} ==");
        }
    }

    fn tls13(&self) -> bool {
        self.version == Some(ProtocolVersion::TLSv1_3)
    }

    /// `tls13` in TLS 1.3, else `tls12`: where a fact lives in each version.
    fn per_version(&self, tls13: &'static str, tls12: &'static str) -> &'static str {
        if self.tls13() { tls13 } else { tls12 }
    }

    /// Sends the ClientHello, then feeds the server's records one at a time until the
    /// handshake is over.
    fn handshake(&mut self) -> Result<(), String> {
        let events = self.events.take();
        self.tell_all(events);
        self.flush("")?;
        let timeout = self.cx.timeout;
        while self.conn.is_handshaking() {
            match self.next_record(timeout)? {
                Received::Bytes(record) => self.feed(&record)?,
                Received::Closed => return Err("the server closed during the handshake".into()),
                Received::Quiet => return Err(format!("nothing for {timeout:?} (--timeout)")),
            }
        }
        Ok(())
    }

    /// The next whole record from the wire (waiting up to `wait` for more bytes).
    fn next_record(&mut self, wait: Duration) -> Result<Received, String> {
        loop {
            if let Some(len) = record_len(&self.inbox).filter(|len| *len <= self.inbox.len()) {
                return Ok(Received::Bytes(self.inbox.drain(..len).collect()));
            }
            // Not a TLS record (RFC 8446 5.1 types are 20 to 24): the connection says why.
            if self.inbox.first().is_some_and(|t| !(20..=24).contains(t)) {
                return Ok(Received::Bytes(std::mem::take(&mut self.inbox)));
            }
            match self.wire.receive(wait)? {
                Received::Bytes(bytes) => self.inbox.extend_from_slice(&bytes),
                other => return Ok(other),
            }
        }
    }

    /// Feeds one record alone, so what it causes is known: its events, its plaintext,
    /// a key change from the next record on, and what we send in reply.
    fn feed(&mut self, record: &[u8]) -> Result<(), String> {
        if self.conn.read_tls_from_slice(record) < record.len() {
            return Err("the connection did not take a whole record".into());
        }
        let result = self.conn.process_new_packets();
        let mut events = self.events.take();
        let mut plaintext = vec![0u8; 16 * 1024];
        let n = self.conn.read_plaintext(&mut plaintext);
        plaintext.truncate(n);
        let protection = self.received.count(kind(record), self.tls13(), self.aead);
        if self.show_records {
            let (wire, inside) = (on_wire(record), inside(&events, &plaintext));
            println!("   <- {wire} {protection}{inside}");
        }
        self.answer.extend_from_slice(&plaintext);
        if let Err(Error::Certificate(error)) = &result {
            // The checks come between the chain and the alert that reports them.
            let alert = events
                .iter()
                .position(|e| matches!(e, Seen::Alert { sent: true, .. }));
            let rest = events.split_off(alert.unwrap_or(events.len()));
            self.tell_all(events);
            self.tell_checks(UnixTime::now(), Some(error));
            events = rest;
        }
        self.tell_all(events);
        // A key announced while this record was processed protects the next one.
        self.received.switch();
        let flushed = self.flush(if result.is_err() { "our alert" } else { "" });
        result.map_err(|e| e.to_string())?;
        flushed
    }

    /// Writes what the connection queued, record by record; `what` says what the
    /// records hold, for the record lines.
    fn flush(&mut self, what: &str) -> Result<(), String> {
        let bytes = self.conn.pending_tls().to_vec();
        self.conn.consume_tls(bytes.len());
        let tls13 = self.tls13();
        let mut rest = bytes.as_slice();
        while let Some(len) = record_len(rest) {
            let (record, tail) = rest.split_at(len.min(rest.len()));
            let protection = self.sent.count(kind(record), tls13, self.aead);
            if self.show_records {
                println!("   -> {} {protection}: {what}", on_wire(record));
            }
            // RFC 5246 7.1: in TLS 1.2 our new keys start after our ChangeCipherSpec.
            if !tls13 && kind(record) == 20 {
                self.sent.switch();
            }
            rest = tail;
        }
        // TLS 1.3: a write key derived while this batch was made protects later ones
        // (our Finished goes under "c hs traffic", then "c ap traffic" takes over).
        if tls13 {
            self.sent.switch();
        }
        match bytes.is_empty() {
            true => Ok(()),
            false => self.wire.send(&bytes),
        }
    }

    /// After the handshake: the request, the answer, close_notify both ways.
    fn exchange(&mut self) -> Result<(), String> {
        self.step("records");
        say!("each record we write (->) and read (<-): its type on the wire, its length, and");
        say!("its sequence number under the key in use (RFC 8446 5.3; RFC 5246 6.1)");
        match self.tls13() {
            true => {
                say!("(each TLS 1.3 key counts anew: our Finished was 0 under \"c hs traffic\")")
            }
            false => say!("(in TLS 1.2 the Finished messages were record 0 under the new keys)"),
        }
        self.show_records = true;
        let request = self.cx.request.clone();
        let taken = self
            .conn
            .write_plaintext(&request)
            .map_err(|e| e.to_string())?;
        if taken < request.len() {
            return Err("the request does not fit the send buffer".into());
        }
        let len = request.len();
        self.flush(&format!(
            "application data, {len} bytes: {}",
            first_line(&request)
        ))?;
        let mut wait = self.cx.timeout;
        while !self.conn.peer_has_closed() {
            match self.next_record(wait)? {
                Received::Bytes(record) => self.feed(&record)?,
                Received::Closed => {
                    say!("<- the server closed TCP without close_notify");
                    break;
                }
                Received::Quiet if wait == IDLE => break,
                Received::Quiet => return Err(format!("no answer for {wait:?} (--timeout)")),
            }
            if self.cx.ends_when_quiet && !self.answer.is_empty() {
                wait = IDLE;
            }
        }
        // RFC 8446 6.1: each side sends close_notify before it closes its write side.
        self.conn.send_close_notify();
        let events = self.events.take();
        self.tell_all(events);
        if let Err(e) = self.flush("close_notify alert") {
            say!("(our close_notify could not be sent: {e})");
        }
        self.wire.close();
        while !self.conn.peer_has_closed() {
            match self.next_record(IDLE)? {
                Received::Bytes(record) => self.feed(&record)?,
                _ => break,
            }
        }
        Ok(())
    }

    fn tell_tickets(&mut self) {
        self.step("session tickets");
        if self.tickets.is_empty() {
            return say!("none received on this connection");
        }
        let lifetimes: Vec<String> = self.tickets.iter().map(|t| t.0.to_string()).collect();
        let early: Vec<String> = self.tickets.iter().map(|t| t.1.to_string()).collect();
        let (n, lifetimes, early) = (self.tickets.len(), lifetimes.join(", "), early.join(", "));
        say!("{n} received: lifetime {lifetimes} s, max early data {early} bytes");
        say!("kept in the config's session store: a new connection to this server offers one");
    }
}

// ---- the events, told ----

impl Conversation<'_> {
    fn tell_all(&mut self, events: Vec<Seen>) {
        for event in events {
            self.tell(event);
        }
    }

    fn tell(&mut self, event: Seen) {
        let rfc = self.per_version("RFC 8446 4.4.4", "RFC 5246 7.4.9");
        match event {
            Seen::Hello(offer) => self.tell_offer(&offer),
            Seen::Retry(group, cookie) => {
                self.step("HelloRetryRequest");
                self.retried = true;
                let group = group.map_or("none".into(), |g| format!("{g:?}"));
                say!("<- the server wants a key share for {group} (cookie: {cookie}): one more");
                say!("   round trip (RFC 8446 4.1.4)");
            }
            Seen::ServerHello(version, suite, group, resumed) => {
                self.tell_server_hello(version, suite, group, resumed)
            }
            Seen::Extensions(alpn, sni, early) => self.tell_extensions(alpn, sni, early),
            Seen::Chain(chain) => {
                self.step("Certificate");
                print_chain(&chain);
                self.chain = chain;
            }
            Seen::ChainVerified(now) => self.tell_checks(now, None),
            Seen::KeyExchange(group, len) => self.tell_key_exchange(group, len),
            Seen::Secret(secret) => self.tell_secret(secret),
            Seen::HandshakeKeys => {
                let aead = self.aead;
                say!("all after ServerHello is encrypted, from the next record ({aead})");
            }
            Seen::Signature(scheme) if self.tls13() => {
                self.step("CertificateVerify");
                say!("the server signed the transcript with its certificate's key ({scheme:?}):");
                say!("verified: it holds the key of the certificate checked (RFC 8446 4.4.3)");
            }
            Seen::Signature(scheme) => {
                self.step("ServerKeyExchange");
                say!("the server signed its ephemeral key and both randoms with its certificate's");
                say!("key ({scheme:?}): verified (RFC 8422 5.4; RFC 5246 7.4.3)");
            }
            Seen::FinishedVerified => {
                self.step("Finished");
                say!("<- the server's Finished verified: a MAC over the transcript ({rfc}),");
                say!("   so no handshake message was changed on the way");
            }
            Seen::FinishedSent => {
                self.step("Finished");
                say!("-> our Finished sent: the same proof from our side ({rfc})");
            }
            Seen::ChangeCipherSpec { ours } => self.tell_change_cipher_spec(ours),
            Seen::Ticket(lifetime, early) => {
                self.tickets.push((lifetime, early));
                if !self.show_records {
                    self.step("NewSessionTicket");
                    say!("<- a session ticket (RFC 5077 3.3), lifetime hint {lifetime} s");
                }
            }
            Seen::KeyUpdate { ours } => {
                let dir = if ours {
                    &mut self.sent
                } else {
                    &mut self.received
                };
                dir.next = dir.key.as_ref().map(|key| format!("{key} (updated)"));
                let whose = if ours { "our" } else { "the server's" };
                say!("KeyUpdate: {whose} traffic key replaced (RFC 8446 4.6.3)");
            }
            Seen::Alert { sent, alert } => self.tell_alert(sent, alert),
            Seen::Complete => self.tell_complete(),
        }
    }

    fn tell_offer(&mut self, offer: &Offer) {
        self.step("ClientHello");
        // After a HelloRetryRequest a compatibility change_cipher_spec may come first.
        let mut hello = self.conn.pending_tls();
        while let Some(len) = record_len(hello).filter(|_| kind(hello) != 22) {
            hello = hello.get(len..).unwrap_or_default();
        }
        let size = record_len(hello).unwrap_or(5) - 5;
        if !self.shares.is_empty() {
            // RFC 8446 4.1.2: the second ClientHello is the first with the share asked for.
            self.shares.clone_from(&offer.shares);
            let shares = list(&offer.shares);
            return say!("-> {size} bytes: the same offer, with a key share for {shares}");
        }
        say!("-> {size} bytes in the clear: what we can do, for the server to choose");
        // RFC 8446 4.2.1: without supported_versions, legacy_version says TLS 1.2.
        let versions = match offer.versions.is_empty() {
            true => vec![ProtocolVersion::TLSv1_2],
            false => offer.versions.clone(),
        };
        say!("versions: {}", list(&versions));
        why_versions(&versions);
        say!("suites: {}", list(&offer.suites));
        say!("   why: AEAD only: each record encrypted and authenticated at once (RFC 5116)");
        if versions.contains(&ProtocolVersion::TLSv1_2) {
            say!("   the TLS 1.2 ones all use ECDHE, so they too are forward secret (RFC 8422)");
        }
        say!("groups: {}", list(&offer.groups));
        match offer.shares.as_slice() {
            [] => {
                say!("   why: TLS 1.2 sends no share first: the server picks a group and sends");
                say!("   its key in ServerKeyExchange (RFC 8422 5.4)");
            }
            shares => {
                let pq = shares.iter().any(|g| g.is_post_quantum());
                let shares = list(shares);
                say!("   why: a key share for {shares} sent up front, so a server");
                say!("   that takes it needs no second round trip; another group costs a");
                say!("   HelloRetryRequest (RFC 8446 4.2.8)");
                if pq {
                    say!("   the post-quantum hybrid first: traffic recorded today stays secret");
                    say!("   from a future quantum computer; the classical share beside it");
                    say!("   serves servers without it (draft-ietf-tls-ecdhe-mlkem)");
                }
            }
        }
        say!("signature schemes: {}", list(&offer.schemes));
        say!("   why: what we can check, in certificates and handshake (RFC 8446 4.2.3)");
        match offer.alpn.is_empty() {
            true => say!("ALPN: none (--alpn h2,http/1.1 offers some)"),
            false => {
                say!("ALPN: {}", protocols(&offer.alpn));
                say!("   why: the protocols we speak inside TLS; the server picks (RFC 7301 3.1)");
            }
        }
        match &offer.sni {
            Some(name) => {
                say!("SNI: {name}");
                say!("   why: a server with many names picks its certificate for this one;");
                say!("   sent in the clear (RFC 6066 3)");
            }
            None => say!("SNI: none: an IP address is never sent as a name (RFC 6066 3)"),
        }
        let tls12_only = versions == [ProtocolVersion::TLSv1_2];
        if let Some(session) = offered_session(hello, tls12_only) {
            say!("resumption: offers the stored session, {session}");
        }
        self.shares.clone_from(&offer.shares);
    }

    fn tell_server_hello(
        &mut self,
        version: ProtocolVersion,
        suite: CipherSuite,
        group: Option<NamedGroup>,
        resumed: bool,
    ) {
        self.step("ServerHello");
        (self.version, self.resumed) = (Some(version), resumed);
        let negotiated = self.conn.negotiated_cipher_suite();
        self.aead = negotiated.map_or("?", aead_name);
        let hash = negotiated.map(|s| format!("{:?}", s.hash().algorithm()));
        say!("<- version {version:?}: the best both sides speak");
        let (aead, hash) = (self.aead, hash.unwrap_or_default());
        say!("suite {suite:?}: records under {aead}, keys derived with {hash}");
        match group {
            Some(group) if self.retried => say!("group {group:?}, as the server asked"),
            Some(group) => say!("group {group:?}: our key share fits, no second round trip"),
            None if resumed => say!("no key exchange: keys from the session (RFC 5246 7.3)"),
            None => say!("group: comes with ServerKeyExchange (RFC 8422 5.4)"),
        }
        match (resumed, self.tls13()) {
            (true, true) => say!("resumed: no certificate sent: the ticket vouches (RFC 8446 2.2)"),
            (true, false) => {
                say!("resumed: no certificate sent: the session vouches (RFC 5246 7.3)")
            }
            (false, _) => {
                say!("full handshake: the server will prove who it is with a certificate")
            }
        }
        // TLS 1.2 has no EncryptedExtensions: ServerHello answers ALPN (RFC 7301 3.1).
        if !self.tls13() {
            let alpn = self.conn.alpn_protocol().map(String::from_utf8_lossy);
            say!("ALPN: {}", alpn.as_deref().unwrap_or("none agreed"));
        }
    }

    fn tell_extensions(&mut self, alpn: Option<Vec<u8>>, sni: bool, early: bool) {
        self.step("EncryptedExtensions");
        say!("<- the first encrypted message: answers not needed for the keys (RFC 8446 4.3.1)");
        match alpn {
            Some(p) => {
                let chosen = String::from_utf8_lossy(&p);
                say!("ALPN: the server chose {chosen:?} (RFC 7301 3.2)")
            }
            None => say!("ALPN: none agreed"),
        }
        match sni {
            true => say!("server name: acknowledged, the server used it (RFC 6066 3)"),
            false => say!("server name: not acknowledged"),
        }
        say!("early data: {}", if early { "accepted" } else { "none" });
    }

    fn tell_key_exchange(&mut self, group: NamedGroup, len: usize) {
        self.step("key exchange");
        let from = self.per_version("ServerHello", "ServerKeyExchange");
        say!("group {group:?}: our public share {len} bytes, the server's came in {from}");
        say!("ephemeral: both key pairs serve this handshake only, so the traffic stays");
        say!("secret even if the server's certificate key leaks later (forward secrecy)");
        match group {
            NamedGroup::X25519MLKEM768 => say!("post-quantum hybrid: ML-KEM-768 with X25519"),
            NamedGroup::SecP256r1MLKEM768 => say!("post-quantum hybrid: ML-KEM-768 with P-256"),
            other if other.is_post_quantum() => say!("post-quantum: {other:?}"),
            other => say!("not post-quantum: {other:?} alone"),
        }
        if self.resumed {
            say!("mixed with the resumed session's key (psk_dhe_ke, RFC 8446 4.2.9)");
        }
    }

    fn tell_secret(&mut self, secret: Secret) {
        self.step("key schedule");
        say!("derived \"{}\": {}", secret.label(), purpose(secret));
        // TLS 1.3: these secrets give the traffic keys of the records that follow.
        let key = Some(format!("\"{}\"", secret.label()));
        match secret {
            Secret::ClientHandshakeTraffic | Secret::ClientApplicationTraffic => {
                self.sent.next = key
            }
            Secret::ServerHandshakeTraffic | Secret::ServerApplicationTraffic => {
                self.received.next = key
            }
            _ => {}
        }
    }

    fn tell_change_cipher_spec(&mut self, ours: bool) {
        self.step("ChangeCipherSpec");
        let (arrow, side, dir) = match ours {
            true => ("->", "client", &mut self.sent),
            false => ("<-", "server", &mut self.received),
        };
        dir.next = Some(format!("the {side} write key of \"key expansion\""));
        let whose = if ours { "our" } else { "the server's" };
        say!("{arrow} {whose} records are encrypted from the next one on, with the");
        let aead = self.aead;
        say!("   {side} write key of the key block ({aead}, RFC 5246 7.1)");
    }

    fn tell_alert(&mut self, sent: bool, alert: AlertDescription) {
        let rfc = self.per_version("RFC 8446 6", "RFC 5246 7.2");
        let arrow = if sent { "-> sent" } else { "<- received" };
        match (alert, sent) {
            (AlertDescription::CloseNotify, true) => {
                self.step("close_notify");
                say!("{arrow}: we will send nothing more ({rfc}.1)");
            }
            (AlertDescription::CloseNotify, false) => {
                self.step("close_notify");
                say!("{arrow}: the server will send nothing more: its answer came whole, not");
                say!("   cut short by an attacker closing the connection ({rfc}.1)");
            }
            _ => {
                self.step("alert");
                say!("{arrow}: {alert:?} ({rfc}.2)");
            }
        }
    }

    fn tell_complete(&mut self) {
        self.step("handshake complete");
        let version = self.version.map(|v| format!("{v:?}")).unwrap_or_default();
        let suite = self
            .conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()));
        let alpn = self.conn.alpn_protocol().map(String::from_utf8_lossy);
        let alpn = alpn.as_deref().unwrap_or("none");
        let how = if self.resumed {
            "resumed: no certificate sent"
        } else {
            "full handshake"
        };
        let suite = suite.unwrap_or_default();
        say!("{version}, {suite}, ALPN {alpn}, {how}");
    }

    /// The three checks on the chain, each with the value it checked: all passed
    /// (`error` is `None`), or the one `error` reports failed.
    fn tell_checks(&mut self, now: UnixTime, error: Option<&CertificateError>) {
        self.step("certificate checks");
        // The verifier builds the path to a root, checking each certificate's
        // validity on the way, then matches the name (RFC 5280 6.1; RFC 6125 6.4).
        let failed = match error {
            None => None,
            Some(CertificateError::NotValidForName { .. }) => Some('c'),
            Some(CertificateError::Expired { .. } | CertificateError::NotValidYet { .. }) => {
                Some('b')
            }
            Some(_) => Some('a'),
        };
        let mark = |check: char| match failed {
            Some(f) if f == check => "[FAIL]",
            None | Some('c') => "[pass]",
            Some(_) => "[not reached]",
        };
        let verdict = |check: char| match (failed, error) {
            (Some(f), Some(e)) if f == check => format!("\n      the verifier says: {e}"),
            _ => String::new(),
        };
        let chain: Vec<X509Certificate<'_>> = self.chain.iter().filter_map(parse).collect();
        let (leaf, last) = (chain.first(), chain.last());
        let issuer = last.map(|c| c.issuer().as_raw()).unwrap_or_default();
        let trust = match failed {
            None | Some('c') => format!("reaches the root {}", root_named(&self.cx.roots, issuer)),
            _ => {
                let issuer = last.map(|c| c.issuer().to_string()).unwrap_or_default();
                format!("ends at a certificate issued by {issuer:?}")
            }
        };
        let source = &self.cx.roots_source;
        let (mark_a, a) = (mark('a'), verdict('a'));
        say!("{mark_a} (a) trusted issuer: the chain {trust} ({source}){a}");
        let v = leaf.map(|c| c.validity());
        let from = v
            .map(|v| time(v.not_before.timestamp()))
            .unwrap_or_default();
        let until = v.map(|v| time(v.not_after.timestamp())).unwrap_or_default();
        let (now, b) = (Rfc3339(now), verdict('b'));
        let mark_b = mark('b');
        say!("{mark_b} (b) validity: now {now}, the certificate is valid {from} .. {until}{b}");
        let names = leaf.map(names).unwrap_or_default();
        let (name, c) = (&self.cx.name, verdict('c'));
        let mark_c = mark('c');
        say!("{mark_c} (c) name: asked {name:?}, the certificate names {names}{c}");
    }
}

/// Each certificate's facts, the server's own first.
fn print_chain(chain: &[CertificateDer<'_>]) {
    let n = chain.len();
    say!("<- {n} certificate(s), the server's own first (RFC 8446 4.4.2)");
    let now = i64::try_from(UnixTime::now().as_secs()).unwrap_or(i64::MAX);
    for (i, cert) in chain.iter().enumerate() {
        let Some(cert) = parse(cert) else {
            say!("#{i}: cannot be parsed");
            continue;
        };
        let v = cert.validity();
        let (from, until) = (v.not_before.timestamp(), v.not_after.timestamp());
        let days = (until - now).div_euclid(86_400);
        say!("#{i} subject:   {}", cert.subject());
        say!("   issuer:    {}", cert.issuer());
        let (from, until) = (time(from), time(until));
        say!("   valid:     {from} .. {until} ({days} days left)");
        say!("   names:     {}", names(&cert));
        say!("   key:       {}", key_text(&cert));
        let signature = oid_name(&cert.signature_algorithm.algorithm);
        say!("   signature: {signature} (by the issuer)");
    }
}

fn parse<'a>(cert: &'a CertificateDer<'_>) -> Option<X509Certificate<'a>> {
    X509Certificate::from_der(cert).ok().map(|(_, cert)| cert)
}

/// The subject alternative names, typed (`DNS:`, `IP:`).
fn names(cert: &X509Certificate<'_>) -> String {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return "none (no subjectAltName)".into();
    };
    let typed = |name: &GeneralName<'_>| match name {
        GeneralName::DNSName(dns) => format!("DNS:{dns}"),
        GeneralName::IPAddress([a, b, c, d]) => format!("IP:{a}.{b}.{c}.{d}"),
        GeneralName::IPAddress(v6) => match <[u8; 16]>::try_from(*v6) {
            Ok(octets) => format!("IP:{}", std::net::Ipv6Addr::from(octets)),
            Err(_) => format!("IP:{v6:02x?}"),
        },
        other => other.to_string(),
    };
    let all: Vec<String> = san.value.general_names.iter().map(typed).collect();
    all.join(", ")
}

fn key_text(cert: &X509Certificate<'_>) -> String {
    let spki = cert.public_key();
    let params = spki.algorithm.parameters.as_ref();
    let curve = params
        .and_then(|p| p.as_oid().ok())
        .map(|oid| format!(" {}", oid_name(&oid)));
    let bits = spki.parsed().map(|k| k.key_size()).unwrap_or(0);
    let bits = if bits > 0 {
        format!(", {bits} bits")
    } else {
        String::new()
    };
    format!(
        "{}{}{bits}",
        oid_name(&spki.algorithm.algorithm),
        curve.unwrap_or_default()
    )
}

fn oid_name(oid: &x509_parser::oid_registry::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map_or_else(|_| oid.to_id_string(), str::to_string)
}

/// The subject of the root in `roots` named `issuer` (a DER Name).
fn root_named(roots: &RootStore, issuer: &[u8]) -> String {
    let subject = roots.subjects().into_iter().find(|s| s == issuer);
    match subject.as_deref().map(X509Name::from_der) {
        Some(Ok((_, name))) => format!("{:?} of the root store", name.to_string()),
        _ => "of the root store".into(),
    }
}

// ---- small helpers ----

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// The length of the record at the start of `data`, header included, from its header
/// (RFC 8446 5.1), if the header is there.
fn record_len(data: &[u8]) -> Option<usize> {
    data.get(3..5)
        .map(|l| 5 + usize::from(u16::from_be_bytes([l[0], l[1]])))
}

/// The content type of a record (RFC 8446 5.1).
fn kind(record: &[u8]) -> u8 {
    record.first().copied().unwrap_or(0)
}

/// A record as the wire shows it: its type and its length. In TLS 1.3 every protected
/// record says application_data; the real type is inside (RFC 8446 5.2).
fn on_wire(record: &[u8]) -> String {
    let kind = match record.first() {
        Some(20) => "change_cipher_spec",
        Some(21) => "alert",
        Some(22) => "handshake",
        Some(23) => "application_data",
        _ => "unknown",
    };
    format!(
        "{kind:<16} length {:>5},",
        record_len(record).unwrap_or(5) - 5
    )
}

/// What a received record turned out to hold, from what processing it gave.
fn inside(events: &[Seen], plaintext: &[u8]) -> String {
    let mut parts = Vec::new();
    if !plaintext.is_empty() {
        let (n, line) = (plaintext.len(), first_line(plaintext));
        parts.push(format!("application data, {n} bytes: {line}"));
    }
    for event in events {
        match event {
            Seen::Ticket(lifetime, early) => parts.push(format!(
                "NewSessionTicket, lifetime {lifetime} s, max early data {early} bytes"
            )),
            Seen::Alert { sent: false, alert } => parts.push(format!("alert {alert:?}")),
            Seen::KeyUpdate { ours: false } => parts.push("KeyUpdate".into()),
            _ => {}
        }
    }
    match parts.is_empty() {
        true => String::new(),
        false => format!(": {}", parts.join("; ")),
    }
}

/// The first line of some text, quoted and cut short.
fn first_line(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    let line: String = text
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect();
    format!("{line:?}")
}

fn list<T: std::fmt::Debug>(items: &[T]) -> String {
    let all: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

fn protocols(alpn: &[Vec<u8>]) -> String {
    let all: Vec<String> = alpn
        .iter()
        .map(|p| String::from_utf8_lossy(p).into())
        .collect();
    all.join(", ")
}

fn why_versions(versions: &[ProtocolVersion]) {
    if versions.first() == Some(&ProtocolVersion::TLSv1_3) {
        say!("   why: TLS 1.3 first: one round trip, forward secrecy always, everything");
        say!("   after ServerHello encrypted (RFC 8446 1.2)");
    }
    match versions {
        [_, _, ..] => {
            say!("   and TLS 1.2 for servers without 1.3; a 1.3 server that picks 1.2 marks");
            say!("   its random, so a downgrade by an attacker is caught (RFC 8446 4.1.3)");
        }
        [ProtocolVersion::TLSv1_2] => say!("   why: only TLS 1.2, as asked (--tls12)"),
        _ => say!("   only TLS 1.3, as asked (--tls13)"),
    }
}

/// What a secret of the key schedule is for.
fn purpose(secret: Secret) -> &'static str {
    match secret {
        Secret::ClientEarlyTraffic => "keys our 0-RTT early data (RFC 8446 7.1)",
        Secret::ClientHandshakeTraffic => "keys our handshake messages (RFC 8446 7.1)",
        Secret::ServerHandshakeTraffic => "keys the server's handshake messages (RFC 8446 7.1)",
        Secret::ClientApplicationTraffic => "keys the data we send (RFC 8446 7.1)",
        Secret::ServerApplicationTraffic => "keys the data the server sends (RFC 8446 7.1)",
        Secret::ExporterMaster => "for keys the application exports (RFC 8446 7.5)",
        Secret::ResumptionMaster => "session tickets' keys come from it (RFC 8446 4.6.1)",
        Secret::Tls12Master { extended: true } => {
            "master secret from the shared secret and the transcript hash (RFC 7627 4)"
        }
        Secret::Tls12Master { extended: false } => {
            "master secret from the shared secret and the randoms (RFC 5246 8.1)"
        }
        Secret::Tls12KeyBlock => "both directions' write keys and IVs (RFC 5246 6.3)",
        _ => "a secret of the key schedule",
    }
}

fn aead_name(suite: SupportedCipherSuite) -> &'static str {
    match suite {
        SupportedCipherSuite::Tls13(s) => s.aead.name(),
        SupportedCipherSuite::Tls12(s) => s.aead.name(),
    }
}

/// What the ClientHello on the wire offers to resume, read from its fields (RFC 8446
/// 4.1.2): a TLS 1.3 ticket in pre_shared_key (41), a TLS 1.2 ticket in
/// session_ticket (35), or, when only TLS 1.2 is offered, a session id.
fn offered_session(wire: &[u8], tls12_only: bool) -> Option<&'static str> {
    // After the record and handshake headers, legacy_version and random.
    let (session_id, rest) = vector(wire.get(5 + 4 + 2 + 32..)?, 1)?;
    let (_suites, rest) = vector(rest, 2)?;
    let (_compression, rest) = vector(rest, 1)?;
    let (mut extensions, _) = vector(rest, 2)?;
    let mut found = (tls12_only && !session_id.is_empty()).then_some("a TLS 1.2 session id");
    while let Some(kind) = extensions
        .get(..2)
        .map(|k| u16::from_be_bytes([k[0], k[1]]))
    {
        let (data, rest) = vector(extensions.get(2..)?, 2)?;
        match kind {
            41 => return Some("a TLS 1.3 ticket (pre_shared_key, RFC 8446 4.2.11)"),
            35 if !data.is_empty() => found = Some("a TLS 1.2 ticket (RFC 5077 3.2)"),
            _ => {}
        }
        extensions = rest;
    }
    found
}

/// A vector with a `len_bytes`-byte length prefix, and what follows it.
fn vector(data: &[u8], len_bytes: usize) -> Option<(&[u8], &[u8])> {
    let len = data
        .get(..len_bytes)?
        .iter()
        .fold(0, |n, b| n << 8 | usize::from(*b));
    let rest = data.get(len_bytes..)?;
    Some((rest.get(..len)?, rest.get(len..)?))
}

fn time(secs: i64) -> String {
    let secs = u64::try_from(secs).unwrap_or(0);
    Rfc3339(UnixTime::since_unix_epoch(Duration::from_secs(secs))).to_string()
}

// ---- the program ----

fn run(args: Args) -> Result<(), String> {
    let start = Instant::now();
    let (host, port) = match (&args.target, args.local) {
        (_, true) => ("localhost".to_string(), 0),
        (Some(target), false) => split_target(target)?,
        (None, false) => return Err(String::new()),
    };
    let (server, roots, roots_source) = match args.local {
        true => {
            let (server, roots) = local_setup(&args.alpn)?;
            (
                Some(server),
                roots,
                "roots: 1, the throw-away CA of --local".into(),
            )
        }
        false => {
            let (roots, source) = load_roots(args.cafile.as_deref())?;
            (None, roots, source)
        }
    };
    let name = args.sni.clone().unwrap_or_else(|| host.clone());
    let server_name = ServerName::try_from(name.clone()).map_err(|e| format!("{name:?}: {e}"))?;
    let events = Arc::new(Recorder::default());
    let config = ClientConfig::builder()
        .with_root_store(roots.clone())
        .with_protocol_versions(&args.versions)
        .with_alpn_protocols(args.alpn.clone())
        .with_observer(events.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let config = Arc::new(config);
    let request = match &args.send {
        Some(text) => text.clone().into_bytes(),
        None => format!("GET / HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n").into(),
    };
    let cx = Context {
        start,
        name: name.clone(),
        roots,
        roots_source,
        request,
        ends_when_quiet: args.send.is_some(),
        timeout: args.timeout,
    };
    for k in 1..=if args.resume { 2 } else { 1 } {
        match (k, &server) {
            (1, Some(_)) => println!("== connection 1: to a local server, asking for {name:?} =="),
            (1, None) => println!("== connection 1: {host}:{port}, asking for {name:?} =="),
            _ => println!("== connection {k}: again, offering the session of connection 1 =="),
        }
        let wire: Box<dyn Wire> = match &server {
            Some(server) => {
                let server = ServerConnection::new(server.clone()).map_err(|e| e.to_string())?;
                Box::new(Local {
                    server,
                    to_client: Vec::new(),
                    request: Vec::new(),
                })
            }
            None => {
                let tcp = connect(&host, port, args.timeout)?;
                let peer = tcp.peer_addr().map_err(|e| e.to_string())?;
                say!("TCP connected to {peer} at {:.1} ms", ms(start));
                Box::new(tcp)
            }
        };
        let conn = ClientConnection::new(config.clone(), server_name.clone());
        let mut talk = Conversation {
            cx: &cx,
            conn: conn.map_err(|e| e.to_string())?,
            wire,
            events: events.clone(),
            step: 0,
            current: "",
            version: None,
            aead: "",
            shares: Vec::new(),
            retried: false,
            resumed: false,
            chain: Vec::new(),
            sent: Direction::default(),
            received: Direction::default(),
            inbox: Vec::new(),
            show_records: false,
            tickets: Vec::new(),
            answer: Vec::new(),
        };
        talk.handshake()?;
        talk.exchange()?;
        talk.tell_tickets();
    }
    Ok(())
}

fn main() -> ExitCode {
    // RUST_LOG=debug adds the library's own log of the handshake, on stderr.
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
