//! Helpers for interop tests against the `openssl` command-line tool: a temp dir of PEM
//! files made with rcgen (RSA keys from `openssl genpkey`), a child-process guard that
//! collects output and always kills the child, an event recorder, and bounded socket
//! I/O for our side of the connection.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::ops::DerefMut;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use handclasp::enums::{AlertDescription, NamedGroup, SignatureScheme};
use handclasp::events::{HandshakeEvent, HandshakeObserver, Side};
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use handclasp::{Connection, Error};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType,
};

/// The longest any single wait in these tests may take.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "handclasp-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The key types the tests cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    EcdsaP256,
    EcdsaP384,
    Ed25519,
    Rsa2048,
}

/// A leaf certificate: DER for our side, PEM files for openssl.
pub struct LeafFiles {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

/// A root CA whose certificate is written to `<dir>/<name>.pem`.
pub struct Pki {
    pub ca_cert: CertificateDer<'static>,
    pub ca_pem: PathBuf,
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// The validity of a leaf.
#[derive(Clone, Copy)]
pub enum Validity {
    /// rcgen's default window (1975 to 4096), valid at any plausible clock.
    Always,
    /// 2000-01-01 to 2001-01-01.
    Expired,
}

impl Pki {
    /// A self-signed ECDSA P-256 root named `name`, written to `dir`.
    pub fn new(dir: &TempDir, name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let issuer = CertifiedIssuer::self_signed(params, key).unwrap();
        let ca_pem = dir.file(&format!("{name}.pem"));
        std::fs::write(&ca_pem, issuer.pem()).unwrap();
        Self {
            ca_cert: issuer.der().clone(),
            ca_pem,
            issuer,
        }
    }

    /// Issues a leaf for `names` with a key of `kind`, written to `<dir>/<stem>.pem` and
    /// `<dir>/<stem>.key`.
    pub fn leaf(
        &self,
        dir: &TempDir,
        stem: &str,
        names: &[&str],
        kind: KeyKind,
        usage: ExtendedKeyUsagePurpose,
        validity: Validity,
    ) -> LeafFiles {
        let key = match kind {
            KeyKind::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
            KeyKind::EcdsaP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap(),
            KeyKind::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
            KeyKind::Rsa2048 => {
                // ring cannot generate RSA keys: let openssl do it.
                let path = dir.file(&format!("{stem}-rsa.key"));
                let out = Command::new("openssl")
                    .args(["genpkey", "-algorithm", "RSA", "-pkeyopt"])
                    .arg("rsa_keygen_bits:2048")
                    .arg("-out")
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "openssl genpkey failed: {out:?}");
                KeyPair::from_pem(&std::fs::read_to_string(&path).unwrap()).unwrap()
            }
        };
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, names.first().copied().unwrap_or(stem));
        for name in names {
            params.subject_alt_names.push(match name.parse() {
                Ok(ip) => SanType::IpAddress(ip),
                Err(_) => SanType::DnsName((*name).try_into().unwrap()),
            });
        }
        params.extended_key_usages = vec![usage];
        if let Validity::Expired = validity {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let cert_pem = dir.file(&format!("{stem}.pem"));
        let key_pem = dir.file(&format!("{stem}.key"));
        std::fs::write(&cert_pem, cert.pem()).unwrap();
        std::fs::write(&key_pem, key.serialize_pem()).unwrap();
        LeafFiles {
            chain: vec![cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            cert_pem,
            key_pem,
        }
    }
}

/// Output collected from a child's stdout and stderr.
#[derive(Default)]
struct Collected {
    stdout: String,
    stderr: String,
}

/// An `openssl` child process; killed and reaped on drop.
pub struct OpenSsl {
    child: Child,
    stdin: Option<ChildStdin>,
    output: Arc<(Mutex<Collected>, Condvar)>,
    what: String,
}

impl OpenSsl {
    /// Starts `openssl <args>` with piped stdin, stdout and stderr.
    pub fn spawn(args: &[String]) -> Self {
        let mut child = Command::new("openssl")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start openssl");
        let output = Arc::new((Mutex::new(Collected::default()), Condvar::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        Self::collect(stdout, output.clone(), false);
        Self::collect(stderr, output.clone(), true);
        Self {
            stdin: child.stdin.take(),
            child,
            output,
            what: format!("openssl {}", args.join(" ")),
        }
    }

    fn collect(
        mut from: impl Read + Send + 'static,
        output: Arc<(Mutex<Collected>, Condvar)>,
        is_stderr: bool,
    ) {
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = match from.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let text = String::from_utf8_lossy(&buf[..n]);
                let (lock, cvar) = &*output;
                let mut out = lock.lock().unwrap();
                if is_stderr {
                    out.stderr.push_str(&text);
                } else {
                    out.stdout.push_str(&text);
                }
                cvar.notify_all();
            }
        });
    }

    /// Everything written to stdout so far.
    pub fn stdout(&self) -> String {
        self.output.0.lock().unwrap().stdout.clone()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        self.output.0.lock().unwrap().stderr.clone()
    }

    /// Stdout and stderr, for failure messages.
    pub fn transcript(&self) -> String {
        let out = self.output.0.lock().unwrap();
        format!(
            "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.what, out.stdout, out.stderr
        )
    }

    /// Waits until `needle` appears on stdout or stderr; false at the deadline.
    pub fn wait_for(&self, needle: &str, timeout: Duration) -> bool {
        self.wait_for_count(needle, 1, timeout)
    }

    /// Waits until stdout and stderr together hold `needle` `count` times.
    pub fn wait_for_count(&self, needle: &str, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (lock, cvar) = &*self.output;
        let mut out = lock.lock().unwrap();
        loop {
            if out.stdout.matches(needle).count() + out.stderr.matches(needle).count() >= count {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            // Bounded wait slices so a child that dies silently cannot block us.
            out = cvar
                .wait_timeout(out, (deadline - now).min(Duration::from_millis(100)))
                .unwrap()
                .0;
        }
    }

    /// Like [`wait_for`](Self::wait_for), panicking with the transcript on timeout.
    pub fn expect(&self, needle: &str) {
        self.expect_count(needle, 1);
    }

    /// Like [`wait_for_count`](Self::wait_for_count), panicking on timeout.
    pub fn expect_count(&self, needle: &str, count: usize) {
        assert!(
            self.wait_for_count(needle, count, DEADLINE),
            "{needle:?} not seen {count} times in time from {}",
            self.transcript()
        );
    }

    /// Types a connected command (`k`, `K`, ...) and waits for `ack` to appear for
    /// the `count`th time. openssl takes a command only if it is the whole of one
    /// read from stdin, and drops the rest of that read, so nothing may be typed
    /// before it has been acted on.
    pub fn command(&mut self, letter: &str, ack: &str, count: usize) {
        self.send_line(letter);
        self.expect_count(ack, count);
    }

    /// Writes one line to the child's stdin.
    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin closed");
        // One write: openssl reads commands only as a whole line in one read.
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes the child's stdin.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits (bounded) for the child to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The exit status if the child has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().unwrap()
    }
}

impl Drop for OpenSsl {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A root and a server leaf for one name, as DER and PEM files in a temporary folder.
pub struct ServerSetup {
    pub _dir: TempDir,
    pub pki: Pki,
    pub server: LeafFiles,
}

/// A fresh [`ServerSetup`]: ECDSA P-256 leaf for `name`, files under a folder tagged `tag`.
pub fn server_setup(tag: &str, name: &str) -> ServerSetup {
    let dir = TempDir::new(tag);
    let pki = Pki::new(&dir, "ca");
    let server = pki.leaf(
        &dir,
        "server",
        &[name],
        KeyKind::EcdsaP256,
        ExtendedKeyUsagePurpose::ServerAuth,
        Validity::Always,
    );
    ServerSetup {
        _dir: dir,
        pki,
        server,
    }
}

/// The openssl flag that pins `version`.
pub fn version_flag(version: handclasp::enums::ProtocolVersion) -> &'static str {
    match version {
        handclasp::enums::ProtocolVersion::TLSv1_3 => "-tls1_3",
        _ => "-tls1_2",
    }
}

/// `s_client` connecting to `addr` with `version_flag`, verifying `name` against
/// `ca_pem`, quiet but taking its connected commands (`-quiet` implies `-ign_eof`,
/// which disables them; `-no_ign_eof` turns them back on).
pub fn s_client_args(
    addr: SocketAddr,
    version_flag: &str,
    name: &str,
    ca_pem: &Path,
) -> Vec<String> {
    let mut all = args(&[
        "s_client",
        "-connect",
        &addr.to_string(),
        version_flag,
        "-quiet",
        "-no_ign_eof",
        "-servername",
        name,
        "-verify_hostname",
        name,
        "-verify_return_error",
        "-CAfile",
    ]);
    all.push(path_arg(ca_pem));
    all
}

/// Turns `&str`s into the `String` argument list [`OpenSsl::spawn`] takes.
pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A path as an argument.
pub fn path_arg(path: &Path) -> String {
    path.to_str().unwrap().to_string()
}

/// Starts `openssl s_server` on a free 127.0.0.1 port with `extra` arguments and
/// waits for its `ACCEPT` line. Returns the server and its address.
pub fn s_server(extra: &[String]) -> (OpenSsl, SocketAddr) {
    s_server_version("-tls1_3", extra)
}

/// [`s_server`] limited to one protocol version (`-tls1_3` or `-tls1_2`).
pub fn s_server_version(version: &str, extra: &[String]) -> (OpenSsl, SocketAddr) {
    let mut last = String::new();
    // The port is found by binding port 0 and releasing it; another process may take
    // it in between, so retry a few times.
    for _ in 0..5 {
        let port = {
            let probe = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
            probe.local_addr().unwrap().port()
        };
        let mut all = args(&[
            "s_server",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-naccept",
            "1",
            version,
        ]);
        all.extend_from_slice(extra);
        let mut server = OpenSsl::spawn(&all);
        let deadline = Instant::now() + DEADLINE;
        while Instant::now() < deadline {
            if server.wait_for("ACCEPT", Duration::from_millis(50)) {
                return (server, SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
            }
            if server.exited().is_some() {
                break;
            }
        }
        last = server.transcript();
    }
    panic!("s_server did not start: {last}");
}

/// A listener on a free 127.0.0.1 port.
pub fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Accepts one connection, giving up at the deadline (or if `peer` exits first).
pub fn accept(listener: &TcpListener, peer: &mut OpenSsl) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + DEADLINE;
    loop {
        match listener.accept() {
            Ok((sock, _)) => {
                sock.set_nonblocking(false).unwrap();
                set_timeouts(&sock);
                return sock;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept failed: {e}"),
        }
        if Instant::now() >= deadline || peer.exited().is_some() {
            panic!("no connection from {}", peer.transcript());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Connects to `addr` with bounded socket timeouts.
pub fn connect(addr: SocketAddr) -> TcpStream {
    let sock = TcpStream::connect_timeout(&addr, DEADLINE).unwrap();
    set_timeouts(&sock);
    sock
}

fn set_timeouts(sock: &TcpStream) {
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    sock.set_write_timeout(Some(DEADLINE)).unwrap();
    sock.set_nodelay(true).unwrap();
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Sends everything the connection has queued.
pub fn flush<C: DerefMut<Target = Connection>>(conn: &mut C, sock: &mut TcpStream) {
    while conn.wants_write() {
        conn.write_tls(sock).unwrap();
    }
    sock.flush().unwrap();
}

/// Runs the handshake to completion (bounded by the deadline). On a TLS error the
/// alert is sent and the error returned.
pub fn handshake<C: DerefMut<Target = Connection>>(
    conn: &mut C,
    sock: &mut TcpStream,
) -> Result<(), Error> {
    let deadline = Instant::now() + DEADLINE;
    while conn.is_handshaking() {
        pump(conn, sock, deadline)?;
    }
    flush(conn, sock);
    Ok(())
}

/// Writes pending records, then reads and processes one batch (a read timeout is not
/// an error, only the deadline is). Panics on EOF during the handshake.
fn pump<C: DerefMut<Target = Connection>>(
    conn: &mut C,
    sock: &mut TcpStream,
    deadline: Instant,
) -> Result<usize, Error> {
    flush(conn, sock);
    assert!(Instant::now() < deadline, "timed out waiting for the peer");
    let n = match conn.read_tls(sock) {
        Ok(0) => {
            conn.note_peer_eof();
            conn.process_new_packets()?;
            assert!(
                !conn.is_handshaking(),
                "the peer closed the connection during the handshake"
            );
            return Ok(0);
        }
        Ok(n) => n,
        Err(e) if is_timeout(&e) => return Ok(usize::MAX),
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
            // A reset after the peer's alert: the alert (if any) was read already.
            return conn.error().cloned().map_or(Ok(0), Err);
        }
        Err(e) => panic!("socket read failed: {e}"),
    };
    if let Err(e) = conn.process_new_packets() {
        // Send our alert; the peer may have gone already.
        while conn.wants_write() {
            if conn.write_tls(sock).is_err() {
                break;
            }
        }
        return Err(e);
    }
    flush(conn, sock);
    Ok(n)
}

/// Reads plaintext until `token` has been received (or the peer closes, or the
/// deadline passes, which fails the test). Returns all plaintext read.
pub fn read_until<C: DerefMut<Target = Connection>>(
    conn: &mut C,
    sock: &mut TcpStream,
    token: &[u8],
) -> Result<Vec<u8>, Error> {
    let deadline = Instant::now() + DEADLINE;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        loop {
            let n = conn.read_plaintext(&mut buf);
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        if contains(&got, token) {
            return Ok(got);
        }
        if conn.peer_has_closed() || conn.truncated() {
            panic!(
                "the peer closed before sending {:?}; got {:?}",
                String::from_utf8_lossy(token),
                String::from_utf8_lossy(&got)
            );
        }
        pump(conn, sock, deadline)?;
    }
}

/// Queues `data` and sends it.
pub fn send<C: DerefMut<Target = Connection>>(conn: &mut C, sock: &mut TcpStream, data: &[u8]) {
    let mut rest = data;
    while !rest.is_empty() {
        let n = conn.write_plaintext(rest).unwrap();
        assert!(n > 0, "send buffer full");
        rest = &rest[n..];
    }
    flush(conn, sock);
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// A unique token for one direction of one test (starts with `x` so no openssl
/// connected-command letter is triggered).
pub fn token(what: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "x-{what}-{}-{nanos:x}",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// What an observer saw, in order, in a form tests can match on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    HelloRetryRequest(Option<NamedGroup>),
    ServerHello(Option<NamedGroup>),
    SignatureSent(SignatureScheme),
    SignatureVerified(SignatureScheme),
    KeyUpdate { ours: bool },
    AlertSent(AlertDescription),
    AlertReceived(AlertDescription),
    Complete,
}

/// Records handshake events.
#[derive(Debug, Default)]
pub struct Recorder {
    seen: Mutex<Vec<Seen>>,
}

impl Recorder {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn count(&self, what: &Seen) -> usize {
        self.seen().iter().filter(|s| *s == what).count()
    }
}

impl HandshakeObserver for Recorder {
    fn on_event(&self, _side: Side, event: &HandshakeEvent<'_>) {
        let seen = match event {
            HandshakeEvent::HelloRetryRequest { group, .. } => Seen::HelloRetryRequest(*group),
            HandshakeEvent::ServerHello { group, .. } => Seen::ServerHello(*group),
            HandshakeEvent::SignatureSent { scheme } => Seen::SignatureSent(*scheme),
            HandshakeEvent::SignatureVerified { scheme } => Seen::SignatureVerified(*scheme),
            HandshakeEvent::KeyUpdate { ours } => Seen::KeyUpdate { ours: *ours },
            HandshakeEvent::AlertSent(a) => Seen::AlertSent(*a),
            HandshakeEvent::AlertReceived(a) => Seen::AlertReceived(*a),
            HandshakeEvent::HandshakeComplete { .. } => Seen::Complete,
            _ => return,
        };
        self.seen.lock().unwrap().push(seen);
    }
}
