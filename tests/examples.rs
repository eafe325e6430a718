//! Runs the examples as a user would: `cargo run --example demo`, the `explain` story
//! (in memory, and against `openssl s_server` and `gnutls-serv`), and the `server`
//! example reached by handclasp's own client, `openssl s_client` and the `client`
//! example.

mod common;
#[path = "common/explain.rs"]
mod explain_story;

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use explain_story::Story;
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::{CertificateDer, ServerName};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, Stream};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};

/// How long a `cargo run` may take, including waiting for the build lock and a build.
const TIMEOUT: Duration = Duration::from_secs(120);

/// `cargo run --quiet --example NAME -- ARGS...` in the crate directory.
fn cargo_example(name: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", name, "--"])
        .args(args)
        .env("CARGO_BUILD_JOBS", "1");
    cmd
}

/// Kills the process when dropped (also when a test panics).
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `cmd` with `stdin` fed to it, collecting its output; kills it after `TIMEOUT`.
fn run_with_timeout(mut cmd: Command, stdin: &[u8]) -> Output {
    let mut child = KillOnDrop(
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}")),
    );
    let mut input = child.0.stdin.take().unwrap();
    input.write_all(stdin).unwrap();
    // Keep stdin open: `openssl s_client -quiet` must not see EOF before the reply.
    let mut stdout = child.0.stdout.take().unwrap();
    let mut stderr = child.0.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).map(|_| buf)
    });
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "{cmd:?} still running after {TIMEOUT:?}; killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(input);
    Output {
        status,
        stdout: out.join().unwrap().unwrap(),
        stderr: err.join().unwrap().unwrap(),
    }
}

/// Runs the client example against `localhost:port` with `args`; it must succeed.
/// Returns what it printed (stdout, stderr).
fn client_example(port: u16, args: &[&str]) -> (String, String) {
    let target = format!("localhost:{port}");
    let mut all = args.to_vec();
    all.push(&target);
    let output = run_with_timeout(cargo_example("client", &all), b"");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(
        output.status.success(),
        "client failed:\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn demo_prints_the_handshake_and_the_http_exchange() {
    let started = Instant::now();
    let output = run_with_timeout(cargo_example("demo", &[]), b"");
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "demo failed ({:?})\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        text(&output.stderr)
    );
    let expected_lines = [
        "[client] -> ClientHello",
        "[client]      SNI: localhost   ALPN: http/1.1",
        "[server] <- ClientHello for \"localhost\"",
        "[server] -> ServerHello: TLSv1_3, ",
        "[client] <- ServerHello: TLSv1_3, TLS13_AES_128_GCM_SHA256, key exchange X25519MLKEM768",
        "[client]    key exchange: X25519MLKEM768 shared secret (1216-byte public key); \
         ephemeral key discarded: forward secrecy; post-quantum",
        "[client]    key schedule: derived \"c hs traffic\"",
        "[client]    key schedule: derived \"s hs traffic\"",
        "[client] <- EncryptedExtensions",
        "[client] <- Certificate: chain of 1 verified to a trusted root for \"localhost\"",
        "[client]      subject:     CN=localhost",
        "[client]      issuer:      CN=handclasp demo CA",
        "[client]      names:       DNS:localhost, IP:127.0.0.1",
        "[client] <- CertificateVerify: ECDSA_NISTP256_SHA256 signature",
        "[client] <- Finished: verified",
        "[client]    key schedule: derived \"c ap traffic\"",
        "[client]    key schedule: derived \"s ap traffic\"",
        "[client] -> Finished",
        "[client]    handshake complete: TLSv1_3 ",
        "[server] <- Finished: verified",
        "[server]    handshake complete: TLSv1_3 ",
        "[client] -> GET / HTTP/1.1",
        "[server] <- GET / HTTP/1.1",
        "[client] <- HTTP/1.1 200 OK",
        "[client] <- hello from handclasp over TLSv1_3",
        "[client] <- close_notify: the connection ended cleanly",
        // Then TLS 1.2, with a server that speaks only that: the certificate comes
        // before the key exchange, and ChangeCipherSpec starts each side's encryption.
        "the same with a server that speaks only TLS 1.2",
        "[client]      versions:    TLSv1_3, TLSv1_2",
        "[server] -> ServerHello: TLSv1_2, ",
        "[client] <- ServerHello: TLSv1_2, ",
        "[client] <- Certificate: chain of 1 verified to a trusted root for \"localhost\"",
        "[client] <- ServerKeyExchange: ECDSA_NISTP256_SHA256 signature",
        "[client]    key exchange: X25519 shared secret (32-byte public key); ephemeral key \
         discarded: forward secrecy; not post-quantum",
        "[client]    key schedule: derived \"extended master secret\"",
        "[client]    key schedule: derived \"key expansion\"",
        "[client] -> ChangeCipherSpec",
        "[client] -> Finished",
        "[server] <- Finished: verified",
        "[server] -> ChangeCipherSpec",
        "[server] -> Finished",
        "[client] <- ChangeCipherSpec",
        "[client] <- Finished: verified",
        "[client]    handshake complete: TLSv1_2 ",
        "[server] <- GET / HTTP/1.1",
        "[client] <- HTTP/1.1 200 OK",
        "[client] <- hello from handclasp over TLSv1_2",
        "[client] <- close_notify: the connection ended cleanly",
    ];
    // In this order: the demo's structure is deterministic.
    let mut rest = stdout.as_str();
    for line in expected_lines {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("missing (or out of order) {line:?} in:\n{stdout}"));
        rest = &rest[at + line.len()..];
    }
    // The key derivation is told by the secrets' labels.
    assert!(!stdout.contains("keys installed"), "{stdout}");
    // The handshake and the request themselves are quick; the rest is `cargo run`.
    assert!(
        started.elapsed() < TIMEOUT,
        "demo took {:?}",
        started.elapsed()
    );
}

/// A throw-away CA and a `localhost` server certificate, written as PEM files.
struct Files {
    dir: PathBuf,
    ca: CertificateDer<'static>,
}

impl Files {
    fn new(tag: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("handclasp-examples-{tag}-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "examples test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let cert = params.signed_by(&key, &ca).unwrap();
        fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
        fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
        // A client certificate from the same CA, for `--client-ca`.
        let client_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "examples test client");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client = params.signed_by(&client_key, &ca).unwrap();
        fs::write(dir.join("client.pem"), client.pem()).unwrap();
        fs::write(dir.join("client-key.pem"), client_key.serialize_pem()).unwrap();
        Self {
            dir,
            ca: ca.der().clone(),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The server example running on a free port, its stderr going to a file.
struct Server {
    _process: KillOnDrop,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(files: &Files, extra: &[&str]) -> Self {
        Self::start_example("server", files, extra)
    }

    /// The example `name` (`server` or `tokio_server`, which take the same flags).
    fn start_example(name: &str, files: &Files, extra: &[&str]) -> Self {
        let port = free_port();
        let log = files.dir.join(format!("server-{port}.log"));
        let (cert, key, port_arg) = (
            files.path("cert.pem"),
            files.path("key.pem"),
            port.to_string(),
        );
        let mut args = vec!["--cert", &cert, "--key", &key, "--port", &port_arg];
        args.extend_from_slice(extra);
        let mut process = KillOnDrop(
            cargo_example(name, &args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(fs::File::create(&log).unwrap())
                .spawn()
                .unwrap(),
        );
        let deadline = Instant::now() + TIMEOUT;
        while !read_log(&log).contains("listening on") {
            if let Some(status) = process.0.try_wait().unwrap() {
                panic!("server exited with {status}:\n{}", read_log(&log));
            }
            assert!(
                Instant::now() < deadline,
                "server did not start:\n{}",
                read_log(&log)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            _process: process,
            port,
            log,
        }
    }

    fn log(&self) -> String {
        read_log(&self.log)
    }

    /// The log once it contains `needle` (the server may write a line just after
    /// closing the socket it is about), or as it is after `CLOSE_WITHIN`.
    fn log_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + CLOSE_WITHIN;
        loop {
            let log = self.log();
            if log.contains(needle) || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn read_log(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

fn handclasp_client(ca: &CertificateDer<'static>, alpn: &[&[u8]]) -> Arc<ClientConfig> {
    let mut roots = RootStore::empty();
    roots.add(ca).unwrap();
    Arc::new(
        ClientConfig::builder()
            .with_root_store(roots)
            .with_alpn_protocols(alpn.iter().map(|p| p.to_vec()).collect())
            .build()
            .unwrap(),
    )
}

/// Sends `request` over a fresh handclasp connection and reads until the server closes.
fn exchange(config: Arc<ClientConfig>, port: u16, request: &[u8]) -> String {
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    try_exchange(config, sock, request).unwrap()
}

/// Handshake on `sock`, `request`, then the response up to the server's close_notify.
fn try_exchange(
    config: Arc<ClientConfig>,
    mut sock: TcpStream,
    request: &[u8],
) -> std::io::Result<String> {
    let mut conn =
        ClientConnection::new(config, ServerName::try_from("localhost").unwrap()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = Stream::new(&mut conn, &mut sock);
    tls.write_all(request)?;
    tls.flush()?;
    let mut response = Vec::new();
    tls.read_to_end(&mut response)?;
    assert!(conn.peer_has_closed(), "no close_notify from the server");
    Ok(text(&response))
}

/// How long a test waits for the server to close a connection it should close. The
/// assertion is that it closes, not how fast: this is far above the timeouts used.
const CLOSE_WITHIN: Duration = Duration::from_secs(20);

/// True for the error a socket's read timeout gives (`WouldBlock` on Unix).
fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// Reads from `sock` (discarding what comes) until the server closes it (end of
/// stream or an error such as a reset) or `CLOSE_WITHIN` passed; true if it closed.
/// With `drip`, a byte of it is written between reads, so the peer is never idle.
fn server_closes(sock: &mut TcpStream, mut drip: impl Iterator<Item = u8>) -> bool {
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + CLOSE_WITHIN;
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        if let Some(byte) = drip.next() {
            if sock.write_all(&[byte]).is_err() {
                return true;
            }
        }
        match sock.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if is_timeout(&e) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn server_example_answers_handclasp_openssl_and_the_client_example() {
    if !common::peers::require_peer("openssl") {
        return;
    }
    let files = Files::new("http");
    let server = Server::start(&files, &["--alpn", "h2,http/1.1"]);
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    // 1. handclasp's own client, in process.
    let response = exchange(
        handclasp_client(&files.ca, &[b"http/1.1"]),
        server.port,
        request,
    );
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(head.contains("\r\nContent-Type: text/plain"), "{response}");
    assert!(head.contains("\r\nConnection: close"), "{response}");
    assert!(
        head.contains(&format!("\r\nContent-Length: {}", body.len())),
        "{response}"
    );
    assert!(body.starts_with("handclasp: TLSv1_3 TLS13_"), "{body}");

    // 2. openssl s_client.
    let mut openssl = Command::new("openssl");
    openssl.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{}", server.port),
        "-tls1_3",
        "-CAfile",
        &files.path("ca.pem"),
        "-servername",
        "localhost",
        "-verify_return_error",
        "-quiet",
    ]);
    let output = run_with_timeout(openssl, request);
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with("HTTP/1.1 200 OK\r\n") && stdout.contains("\r\n\r\nhandclasp: TLSv1_3 "),
        "openssl s_client ({:?}) got:\n{stdout}\nstderr:\n{}",
        output.status,
        text(&output.stderr)
    );

    // 3. The client example.
    let (stdout, stderr) = client_example(server.port, &["--cafile", &files.path("ca.pem")]);
    assert!(stdout.starts_with("HTTP/1.1 200 OK\r\n"), "{stdout}");
    assert!(stdout.contains("handclasp: TLSv1_3 "), "{stdout}");
    assert!(
        stderr.contains("handshake: TLSv1_3 TLS13_") && stderr.contains(" alpn=-"),
        "{stderr}"
    );

    // One log line per connection, each naming what was negotiated.
    let log = server.log();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" version=")).collect();
    assert_eq!(lines.len(), 3, "{log}");
    for line in &lines {
        assert!(line.starts_with("127.0.0.1:"), "{line}");
        assert!(
            line.contains(" sni=localhost version=TLSv1_3 suite=TLS13_"),
            "{line}"
        );
        assert!(
            line.ends_with(" client_certs=0 resumed=no early_data=0"),
            "{line}"
        );
    }
    assert!(lines[0].contains(" alpn=http/1.1 "), "{log}");
    assert!(!log.contains("error"), "{log}");
}

#[test]
fn server_example_requires_client_certificates() {
    let files = Files::new("mtls");
    let ca = files.path("ca.pem");
    let server = Server::start(&files, &["--client-ca", &ca, "--require-client-cert"]);
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    // Without a certificate: the server refuses the handshake, and says so in its log.
    let mut conn = ClientConnection::new(
        handclasp_client(&files.ca, &[]),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let mut sock = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut tls = Stream::new(&mut conn, &mut sock);
    let outcome = tls
        .write_all(request)
        .and_then(|()| tls.flush())
        .and_then(|()| tls.read_to_end(&mut Vec::new()));
    assert!(
        outcome.is_err(),
        "a client without a certificate got {outcome:?}"
    );

    // With one (through the client example): served, and counted in the log.
    let (stdout, _) = client_example(
        server.port,
        &[
            "--cafile",
            &ca,
            "--cert",
            &files.path("client.pem"),
            "--key",
            &files.path("client-key.pem"),
        ],
    );
    assert!(stdout.starts_with("HTTP/1.1 200 OK\r\n"), "{stdout}");

    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("client_certs=1") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = server.log();
    assert!(log.contains(": error: handshake failed: "), "{log}");
    let served: Vec<&str> = log.lines().filter(|l| l.contains(" version=")).collect();
    assert_eq!(served.len(), 1, "{log}");
    assert!(
        served[0].ends_with(" client_certs=1 resumed=no early_data=0"),
        "{log}"
    );
}

#[test]
fn server_example_echo_mode() {
    let files = Files::new("echo");
    let server = Server::start(&files, &["--mode", "echo"]);
    let mut conn = ClientConnection::new(
        handclasp_client(&files.ca, &[]),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let mut sock = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut tls = Stream::new(&mut conn, &mut sock);
    for message in [&b"ping"[..], b"a second, longer message"] {
        tls.write_all(message).unwrap();
        let mut echoed = vec![0u8; message.len()];
        tls.read_exact(&mut echoed).unwrap();
        assert_eq!(echoed, message);
    }
    tls.conn.send_close_notify();
    tls.flush().unwrap();
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert!(conn.peer_has_closed());
    drop(server);
}

#[test]
fn server_example_speaks_tls12_with_openssl_and_the_client_example() {
    if !common::peers::require_peer("openssl") {
        return;
    }
    let files = Files::new("tls12");
    let server = Server::start(&files, &["--protocols", "1.2"]);
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    for cipher in [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
    ] {
        let mut openssl = Command::new("openssl");
        openssl.args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{}", server.port),
            "-tls1_2",
            "-cipher",
            cipher,
            "-CAfile",
            &files.path("ca.pem"),
            "-servername",
            "localhost",
            "-verify_return_error",
            "-quiet",
        ]);
        let output = run_with_timeout(openssl, request);
        let stdout = text(&output.stdout);
        assert!(
            stdout.starts_with("HTTP/1.1 200 OK\r\n")
                && stdout.contains("\r\n\r\nhandclasp: TLSv1_2 "),
            "openssl s_client -cipher {cipher} got:\n{stdout}\nstderr:\n{}",
            text(&output.stderr)
        );
    }
    let (stdout, stderr) = client_example(
        server.port,
        &["--cafile", &files.path("ca.pem"), "--protocols", "1.2"],
    );
    assert!(
        stdout.contains("200 OK") && stdout.contains("handclasp: TLSv1_2 "),
        "{stdout}"
    );
    assert!(
        stderr.contains("handshake: TLSv1_2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
        "{stderr}"
    );
    assert!(!server.log().contains("error"), "{}", server.log());
}

#[test]
fn server_example_closes_idle_connections() {
    let files = Files::new("idle");
    let server = Server::start(&files, &["--mode", "echo", "--timeout", "1"]);
    let mut conn = ClientConnection::new(
        handclasp_client(&files.ca, &[]),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let mut sock = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut tls = Stream::new(&mut conn, &mut sock);
    tls.write_all(b"ping").unwrap();
    let mut echoed = [0u8; 4];
    tls.read_exact(&mut echoed).unwrap();
    assert_eq!(&echoed, b"ping");

    // Then nothing: the server gives up on us.
    assert!(
        server_closes(&mut sock, std::iter::empty()),
        "an idle connection still open after {CLOSE_WITHIN:?} with --timeout 1:\n{}",
        server.log()
    );
    let needle = ": error: read failed: idle for 1s (--timeout)";
    let log = server.log_with(needle);
    assert!(log.contains(needle), "{log}");
}

#[test]
fn server_example_drops_handshakes_that_take_too_long() {
    let files = Files::new("handshake-timeout");
    // The idle timeout stays at its default (30 s), beyond CLOSE_WITHIN: only the
    // handshake deadline can close these connections in time.
    let server = Server::start(&files, &["--handshake-timeout", "1"]);

    // One connection sends nothing at all...
    let mut silent = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    // ...the other the start of a handshake record (a 512-byte ClientHello), one byte
    // every 200 ms, so that it is never idle.
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let record_start = [0x16, 0x03, 0x01, 0x02, 0x00].into_iter();
    assert!(
        server_closes(&mut slow, record_start.chain(std::iter::repeat(0))),
        "a dripping handshake still open after {CLOSE_WITHIN:?}:\n{}",
        server.log()
    );
    assert!(
        server_closes(&mut silent, std::iter::empty()),
        "a silent connection still open after {CLOSE_WITHIN:?}:\n{}",
        server.log()
    );
    // The server writes its log line as it drops a connection, which may be just
    // after the socket closed: wait for both lines.
    let dropped_lines = |log: &str| {
        log.lines()
            .filter(|l| {
                l.ends_with(
                    ": error: handshake failed: the handshake (--handshake-timeout) took too long",
                )
            })
            .count()
    };
    let deadline = Instant::now() + CLOSE_WITHIN;
    while dropped_lines(&server.log()) < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = server.log();
    assert_eq!(dropped_lines(&log), 2, "{log}");
}

#[test]
fn server_example_caps_concurrent_connections() {
    let files = Files::new("max-connections");
    let server = Server::start(
        &files,
        &["--max-connections", "2", "--handshake-timeout", "60"],
    );
    let config = handclasp_client(&files.ca, &[]);
    let request = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    // Two connections that have not started their handshakes take both slots (the
    // server accepts connections in order, so both are counted before the third).
    let first = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let second = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let mut third = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    assert!(
        server_closes(&mut third, std::iter::empty()),
        "a third connection was kept open with --max-connections 2:\n{}",
        server.log()
    );
    let needle = ": refused: 2 connections open (--max-connections)";
    let log = server.log_with(needle);
    assert!(log.contains(needle), "{log}");

    // The first two were kept: the first is served now.
    let response = try_exchange(config.clone(), first, request).unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    drop(second);

    // With both gone (their threads end soon after), a new connection is served.
    let deadline = Instant::now() + CLOSE_WITHIN;
    let response = loop {
        let sock = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        match try_exchange(config.clone(), sock, request) {
            Ok(response) => break response,
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "no connection served after the others closed: {e}\n{}",
                    server.log()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
}

#[test]
fn server_example_answers_a_request_head_ending_in_bare_newlines() {
    let files = Files::new("bare-lf");
    let server = Server::start(&files, &[]);
    let response = exchange(
        handclasp_client(&files.ca, &[]),
        server.port,
        b"GET / HTTP/1.0\n\n",
    );
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(
        response.contains("\r\n\r\nhandclasp: TLSv1_3 "),
        "{response}"
    );
}

#[test]
fn client_example_send_returns_while_the_server_keeps_the_connection_open() {
    let files = Files::new("send");
    // The echo server answers and then waits for more, never closing first.
    let server = Server::start(&files, &["--mode", "echo"]);
    let (stdout, stderr) = client_example(
        server.port,
        &["--cafile", &files.path("ca.pem"), "--send", "hello, echo"],
    );
    assert_eq!(stdout, "hello, echo", "{stderr}");
}

#[test]
fn examples_relax_extended_master_secret_on_request() {
    let files = Files::new("no-ems");
    let server = Server::start(
        &files,
        &["--mode", "echo", "--protocols", "1.2", "--allow-no-ems"],
    );
    let (stdout, stderr) = client_example(
        server.port,
        &[
            "--cafile",
            &files.path("ca.pem"),
            "--protocols",
            "1.2",
            "--allow-no-ems",
            "--send",
            "legacy",
            "--idle",
            "0.5",
        ],
    );
    assert_eq!(stdout, "legacy", "{stderr}");
    assert!(stderr.contains("handshake: TLSv1_2 "), "{stderr}");
}

/// The tokio server example, reached by curl (ALPN h2 and http/1.1 offered, HTTP/1.1
/// spoken), openssl s_client and the tokio client example.
#[test]
fn tokio_server_example_answers_curl_openssl_and_the_tokio_client() {
    if !common::peers::require_peers(&["openssl", "curl"]) {
        return;
    }
    let files = Files::new("tokio-http");
    let server = Server::start_example("tokio_server", &files, &["--alpn", "h2,http/1.1"]);
    let url = format!("https://localhost:{}/", server.port);
    let resolve = format!("localhost:{}:127.0.0.1", server.port);

    // 1. curl over HTTP/1.1 (ALPN http/1.1).
    let mut curl = Command::new("curl");
    curl.args([
        "--silent",
        "--show-error",
        "--http1.1",
        "--resolve",
        &resolve,
    ])
    .args(["--cacert", &files.path("ca.pem"), &url]);
    let output = run_with_timeout(curl, b"");
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "curl: {}", text(&output.stderr));
    assert!(
        stdout.starts_with("handclasp (tokio): Some(TLSv1_3) Some(TLS13_")
            && stdout.contains("ALPN http/1.1"),
        "{stdout}"
    );

    // 2. openssl s_client, TLS 1.2.
    let mut openssl = Command::new("openssl");
    openssl
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{}", server.port),
            "-tls1_2",
        ])
        .args(["-CAfile", &files.path("ca.pem"), "-servername", "localhost"])
        .args(["-verify_return_error", "-quiet"]);
    let output = run_with_timeout(openssl, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let stdout = text(&output.stdout);
    assert!(
        stdout.starts_with("HTTP/1.1 200 OK\r\n")
            && stdout.contains("handclasp (tokio): Some(TLSv1_2)"),
        "openssl s_client got:\n{stdout}\n{}",
        text(&output.stderr)
    );

    // 3. The tokio client example.
    let target = format!("localhost:{}", server.port);
    let output = run_with_timeout(
        cargo_example(
            "tokio_client",
            &["--cafile", &files.path("ca.pem"), "--alpn", "h2", &target],
        ),
        b"",
    );
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with("HTTP/1.1 200 OK\r\n") && stdout.contains("ALPN h2"),
        "{stdout}"
    );
    assert!(
        stderr.contains("handclasp (tokio): Some(TLSv1_3)"),
        "{stderr}"
    );
}

/// `openssl s_server -www` (TLS 1.3) with the files' certificate, and the client example
/// `name` run against it with `--cafile`.
fn example_against_s_server_www(files: &Files, name: &str) -> (common::openssl::OpenSsl, Output) {
    let (s_server, addr) = s_server_www(files);
    let target = format!("localhost:{}", addr.port());
    let ca = files.path("ca.pem");
    let output = run_with_timeout(cargo_example(name, &["--cafile", &ca, &target]), b"");
    (s_server, output)
}

/// `openssl s_server -tls1_3 -www` (one connection) with the files' certificate.
fn s_server_www(files: &Files) -> (common::openssl::OpenSsl, std::net::SocketAddr) {
    common::openssl::s_server_version(
        "-tls1_3",
        &[
            "-www",
            "-cert",
            &files.path("cert.pem"),
            "-key",
            &files.path("key.pem"),
        ]
        .map(String::from),
    )
}

/// The tokio client example against `openssl s_server -www`, and the tokio server's
/// echo mode against the tokio client's `--send`.
#[test]
fn tokio_client_example_with_openssl_s_server_and_the_echo_server() {
    if !common::peers::require_peer("openssl") {
        return;
    }
    let files = Files::new("tokio-client");
    let (_s_server, output) = example_against_s_server_www(&files, "tokio_client");
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.starts_with("HTTP/1.0 200 ok"), "{stdout}");
    assert!(stdout.contains("TLSv1.3"), "{stdout}");

    let server = Server::start_example("tokio_server", &files, &["--mode", "echo"]);
    let target = format!("localhost:{}", server.port);
    let output = run_with_timeout(
        cargo_example(
            "tokio_client",
            &[
                "--cafile",
                &files.path("ca.pem"),
                "--send",
                "ping 42",
                &target,
            ],
        ),
        b"",
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), "ping 42");
}

/// The poll-loop example: both sides of a loopback connection in one plain loop.
#[test]
fn poll_loop_example_runs_both_sides_in_one_loop() {
    let output = run_with_timeout(cargo_example("poll_loop", &[]), b"");
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert_eq!(
        stdout,
        "client heard: hello from the server\nserver heard: hello from the client\n"
    );
}

/// HTTPS through hyper: curl over HTTP/2 and over HTTP/1.1 (chosen by ALPN) against
/// the hyper server example, and the hyper client example against
/// `openssl s_server -www`.
#[test]
fn hyper_examples_serve_curl_over_h2_and_http11_and_fetch_from_openssl() {
    if !common::peers::require_peers(&["openssl", "curl"]) {
        return;
    }
    let files = Files::new("hyper");
    let server = Server::start_example("hyper_server", &files, &[]);
    let url = format!("https://localhost:{}/", server.port);
    let resolve = format!("localhost:{}:127.0.0.1", server.port);
    for (flag, alpn, http) in [
        ("--http2", "ALPN h2", "HTTP/2.0"),
        ("--http1.1", "ALPN http/1.1", "HTTP/1.1"),
    ] {
        let mut curl = Command::new("curl");
        curl.args(["--silent", "--show-error", flag, "--resolve", &resolve])
            .args(["--cacert", &files.path("ca.pem"), &url]);
        let output = run_with_timeout(curl, b"");
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "curl {flag}: {}",
            text(&output.stderr)
        );
        assert!(
            stdout.starts_with("handclasp + hyper: Some(TLSv1_3)")
                && stdout.contains(alpn)
                && stdout.trim_end().ends_with(http),
            "curl {flag}: {stdout}"
        );
    }

    let (_s_server, output) = example_against_s_server_www(&files, "hyper_client");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("HTTP/1.0 200 OK"), "{stderr}");
    assert!(stdout.contains("Protocol  : TLSv1.3"), "{stdout}");
}

/// Runs the `explain` example with `args`: its output, and its stdout read as a story.
fn explain(args: &[&str]) -> (Output, Story) {
    let output = run_with_timeout(cargo_example("explain", args), b"");
    let story = Story::parse(&text(&output.stdout));
    (output, story)
}

/// [`explain`] that must succeed.
fn explain_ok(args: &[&str]) -> Story {
    let (output, story) = explain(args);
    assert!(
        output.status.success(),
        "explain {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
    story
}

/// True if `text` holds a run of 32 or more hex digits: a secret's value would.
fn has_long_hex(text: &str) -> bool {
    let mut run = 0;
    text.chars().any(|c| {
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
        run >= 32
    })
}

/// The facts every full TLS 1.2 story tells, whoever the server: the RFC 7627 master
/// secret, the key block, and the three certificate checks passed.
fn assert_full_tls12_story(story: &Story) {
    story.assert_says(
        1,
        "key schedule",
        &[
            "\"extended master secret\"",
            "\"key expansion\"",
            "RFC 7627",
        ],
    );
    story.assert_says(
        1,
        "certificate checks",
        &["[pass] (a)", "[pass] (b)", "[pass] (c)"],
    );
}

/// The facts every full TLS 1.3 story tells, whoever the server. `post_quantum`: the
/// server has the hybrid group, so it takes our X25519MLKEM768 share; otherwise it
/// takes the X25519 share sent beside it, with no HelloRetryRequest.
fn assert_full_tls13_story(story: &Story, post_quantum: bool) {
    story.assert_order(
        1,
        &[
            "ClientHello",
            "ServerHello",
            "key exchange",
            "key schedule",
            "EncryptedExtensions",
            "Certificate",
            "certificate checks",
            "CertificateVerify",
            "Finished",
            "key schedule",
            "Finished",
            "handshake complete",
            "records",
            "close_notify",
            "session tickets",
        ],
    );
    story.assert_says(
        1,
        "ClientHello",
        &[
            "key share for X25519MLKEM768, X25519 sent up front",
            "post-quantum",
        ],
    );
    story.assert_says(1, "ServerHello", &["TLSv1_3", "TLS13_", "full handshake"]);
    let key_exchange: &[&str] = if post_quantum {
        &[
            "X25519MLKEM768: our public share 1216 bytes",
            "post-quantum hybrid: ML-KEM-768 with X25519",
        ]
    } else {
        &[
            "group X25519: our public share 32 bytes",
            "not post-quantum: X25519 alone",
        ]
    };
    story.assert_says(1, "key exchange", key_exchange);
    assert!(!story.names(1).contains(&"HelloRetryRequest"));
    story.assert_says(
        1,
        "key schedule",
        &[
            "\"c hs traffic\"",
            "\"s hs traffic\"",
            "\"c ap traffic\"",
            "\"s ap traffic\"",
            "\"exp master\"",
        ],
    );
    story.assert_says(
        1,
        "certificate checks",
        &["[pass] (a)", "[pass] (b)", "[pass] (c)"],
    );
    story.assert_says(
        1,
        "Finished",
        &["<- the server's Finished verified", "-> our Finished sent"],
    );
    // Each direction's records after the handshake count from 0 under the application
    // keys: our request is the first record under "c ap traffic".
    story.assert_says(
        1,
        "records",
        &["-> application_data", "seq 0 under \"c ap traffic\""],
    );
    let received = story.sequence_numbers(1, "<-");
    assert!(!received.is_empty(), "no record received: {story:?}");
    assert_eq!(
        received,
        (0..received.len() as u64).collect::<Vec<_>>(),
        "{story:?}"
    );
}

/// `explain --local`: every step of a TLS 1.3 handshake, in the order it happens.
#[test]
fn explain_local_tells_a_tls13_handshake_in_order() {
    let story = explain_ok(&["--local"]);
    story.assert_says(
        1,
        "ClientHello",
        &["versions: TLSv1_3, TLSv1_2", "SNI: localhost"],
    );
    // In memory, the story is the same every time: all of its steps, exactly.
    assert_eq!(
        story.names(1),
        [
            "ClientHello",
            "ServerHello",
            "key exchange",
            "key schedule",
            "EncryptedExtensions",
            "Certificate",
            "certificate checks",
            "CertificateVerify",
            "Finished",
            "key schedule",
            "Finished",
            "key schedule",
            "handshake complete",
            "records",
            "close_notify",
            "session tickets",
        ]
    );
    assert_full_tls13_story(&story, true);
    story.assert_says(
        1,
        "ServerHello",
        &["TLS13_AES_128_GCM_SHA256", "AES-128-GCM"],
    );
    story.assert_says(
        1,
        "EncryptedExtensions",
        &["ALPN: none", "server name: acknowledged"],
    );
    story.assert_says(
        1,
        "Certificate",
        &[
            "subject:   CN=localhost",
            "CN=explain throw-away CA",
            "DNS:localhost, IP:127.0.0.1",
            "256 bits",
        ],
    );
    story.assert_says(
        1,
        "certificate checks",
        &["root \"CN=explain throw-away CA\"", "asked \"localhost\""],
    );
    story.assert_says(1, "CertificateVerify", &["ECDSA_NISTP256_SHA256"]);
    story.assert_says(
        1,
        "records",
        &[
            "\"GET / HTTP/1.1\"",
            "\"HTTP/1.1 200 OK\"",
            "NewSessionTicket",
        ],
    );
    story.assert_says(1, "close_notify", &["<- received", "-> sent"]);
    story.assert_says(1, "session tickets", &["2 received"]);
    // The two tickets (sharing one record), the answer and close_notify: three records
    // from the server; our request and our close_notify: two from us.
    assert_eq!(story.sequence_numbers(1, "<-"), [0, 1, 2]);
    assert_eq!(story.sequence_numbers(1, "->"), [0, 1]);
    let all: String = story
        .connection(1)
        .iter()
        .map(|s| s.body.as_str())
        .collect();
    assert!(
        !has_long_hex(&all),
        "a secret's value may be printed:\n{all}"
    );
}

/// `explain --local --tls12`: TLS 1.2 tells its own order (certificate before the key
/// exchange, ChangeCipherSpec both ways) and its own key schedule.
#[test]
fn explain_local_tells_a_tls12_handshake_in_order() {
    let story = explain_ok(&["--local", "--tls12", "--alpn", "h2,http/1.1"]);
    assert_eq!(
        story.names(1),
        [
            "ClientHello",
            "ServerHello",
            "Certificate",
            "certificate checks",
            "ServerKeyExchange",
            "key exchange",
            "key schedule",
            "ChangeCipherSpec",
            "Finished",
            "NewSessionTicket",
            "ChangeCipherSpec",
            "Finished",
            "handshake complete",
            "records",
            "close_notify",
            "session tickets",
        ]
    );
    story.assert_says(
        1,
        "ClientHello",
        &["versions: TLSv1_2", "ALPN: h2, http/1.1"],
    );
    story.assert_says(
        1,
        "ServerHello",
        &[
            "TLSv1_2",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "comes with ServerKeyExchange",
            "ALPN: h2",
        ],
    );
    assert_full_tls12_story(&story);
    story.assert_says(1, "key exchange", &["X25519", "ServerKeyExchange"]);
    story.assert_says(
        1,
        "handshake complete",
        &["TLSv1_2", "ALPN h2", "full handshake"],
    );
    // The Finished messages were record 0 under the new keys, so the request is 1; a
    // TLS 1.2 alert shows its type on the wire.
    story.assert_says(
        1,
        "records",
        &["seq 1 under the client write key", "<- alert"],
    );
    assert_eq!(story.sequence_numbers(1, "->"), [1, 2]);
    assert_eq!(story.sequence_numbers(1, "<-"), [1, 2]);
    assert!(!story.text(1, "key schedule").contains("traffic"));
}

/// `explain --local --resume`: the second handshake resumes the first one's session,
/// with no certificate, in TLS 1.3 (a ticket as PSK) and TLS 1.2 (RFC 5077 ticket).
#[test]
fn explain_local_resume_tells_a_resumed_handshake() {
    let story = explain_ok(&["--local", "--resume"]);
    assert_eq!(story.connections.len(), 2);
    story.assert_says(1, "ServerHello", &["full handshake"]);
    story.assert_says(
        2,
        "ClientHello",
        &["offers the stored session, a TLS 1.3 ticket"],
    );
    story.assert_says(2, "ServerHello", &["resumed: no certificate sent"]);
    story.assert_says(2, "key exchange", &["psk_dhe_ke"]);
    story.assert_says(
        2,
        "key schedule",
        &[
            "\"c hs traffic\"",
            "\"s hs traffic\"",
            "\"c ap traffic\"",
            "\"s ap traffic\"",
        ],
    );
    story.assert_says(2, "handshake complete", &["resumed: no certificate sent"]);
    story.assert_order(
        2,
        &[
            "ClientHello",
            "ServerHello",
            "EncryptedExtensions",
            "Finished",
            "records",
            "close_notify",
        ],
    );
    for absent in ["Certificate", "certificate checks", "CertificateVerify"] {
        assert!(
            !story.names(2).contains(&absent),
            "{absent} in {:?}",
            story.names(2)
        );
    }

    let story = explain_ok(&["--local", "--resume", "--tls12"]);
    story.assert_says(
        2,
        "ClientHello",
        &["offers the stored session, a TLS 1.2 ticket"],
    );
    story.assert_says(
        2,
        "ServerHello",
        &["resumed: no certificate sent", "no key exchange"],
    );
    // RFC 5246 7.3: in the abbreviated handshake the server's ChangeCipherSpec and
    // Finished come first, then ours; only the key block is derived.
    story.assert_order(
        2,
        &[
            "ServerHello",
            "key schedule",
            "ChangeCipherSpec",
            "Finished",
            "ChangeCipherSpec",
            "Finished",
            "records",
        ],
    );
    assert_eq!(story.text(2, "key schedule").matches("derived").count(), 1);
    story.assert_says(2, "key schedule", &["\"key expansion\""]);
    for absent in [
        "Certificate",
        "certificate checks",
        "ServerKeyExchange",
        "key exchange",
    ] {
        assert!(
            !story.names(2).contains(&absent),
            "{absent} in {:?}",
            story.names(2)
        );
    }
}

/// A name the certificate does not hold: the chain is still shown, the name check is
/// marked failed with the names compared, and the program fails.
#[test]
fn explain_marks_a_wrong_name_and_exits_non_zero() {
    let (output, story) = explain(&["--local", "--sni", "other.name"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{story:?}\n{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("other.name"),
        "{stderr}"
    );
    story.assert_order(
        1,
        &[
            "ClientHello",
            "ServerHello",
            "Certificate",
            "certificate checks",
            "alert",
        ],
    );
    story.assert_says(
        1,
        "Certificate",
        &["subject:   CN=localhost", "DNS:localhost, IP:127.0.0.1"],
    );
    story.assert_says(
        1,
        "certificate checks",
        &[
            "[pass] (a)",
            "[pass] (b)",
            "[FAIL] (c) name: asked \"other.name\", the certificate names DNS:localhost, IP:127.0.0.1",
        ],
    );
    story.assert_says(1, "alert", &["-> sent: BadCertificate"]);
    for absent in ["CertificateVerify", "handshake complete", "records"] {
        assert!(
            !story.names(1).contains(&absent),
            "{absent} in {:?}",
            story.names(1)
        );
    }
}

/// `explain` against `openssl s_server -www` over TCP, TLS 1.3 and TLS 1.2, trusting
/// the test CA; and against a CA it does not trust, which fails the first check.
#[test]
fn explain_tells_handshakes_with_openssl_s_server() {
    if !common::peers::require_peer("openssl") {
        return;
    }
    let setup = common::openssl::server_setup("explain", "localhost");
    // `openssl s_server -www` speaking `version`, with `extra` arguments.
    let s_server = |version, extra: &[&str]| {
        let (cert, key) = (path(&setup.server.cert_pem), path(&setup.server.key_pem));
        let mut args = vec!["-www".to_string(), "-cert".into(), cert, "-key".into(), key];
        args.extend(extra.iter().map(|a| a.to_string()));
        common::openssl::s_server_version(common::openssl::version_flag(version), &args)
    };
    let ca = path(&setup.pki.ca_pem);

    let (_server, addr) = s_server(ProtocolVersion::TLSv1_3, &[]);
    let target = format!("localhost:{}", addr.port());
    let story = explain_ok(&["--cafile", &ca, "--tls13", &target]);
    assert_full_tls13_story(&story, false);
    story.assert_says(1, "ClientHello", &["versions: TLSv1_3", "SNI: localhost"]);
    story.assert_says(1, "records", &["\"HTTP/1.0 200 ok\"", "NewSessionTicket"]);
    story.assert_says(1, "close_notify", &["<- received"]);

    let (_server, addr) = s_server(ProtocolVersion::TLSv1_2, &[]);
    let target = format!("localhost:{}", addr.port());
    let story = explain_ok(&["--cafile", &ca, "--tls12", &target]);
    story.assert_order(
        1,
        &[
            "ClientHello",
            "ServerHello",
            "Certificate",
            "certificate checks",
            "ServerKeyExchange",
            "key exchange",
            "key schedule",
            "ChangeCipherSpec",
            "Finished",
            "ChangeCipherSpec",
            "Finished",
            "handshake complete",
            "records",
            "close_notify",
        ],
    );
    story.assert_says(1, "ServerHello", &["TLSv1_2", "TLS_ECDHE_ECDSA_WITH_"]);
    assert_full_tls12_story(&story);
    story.assert_says(
        1,
        "records",
        &["\"HTTP/1.0 200 ok\"", "seq 1 under the client write key"],
    );

    // A server that wants P-256: a HelloRetryRequest, then a second ClientHello with
    // that key share (RFC 8446 4.1.4).
    let (_server, addr) = s_server(ProtocolVersion::TLSv1_3, &["-groups", "P-256"]);
    let target = format!("localhost:{}", addr.port());
    let story = explain_ok(&["--cafile", &ca, &target]);
    story.assert_order(
        1,
        &[
            "ClientHello",
            "HelloRetryRequest",
            "ClientHello",
            "ServerHello",
            "key exchange",
        ],
    );
    story.assert_says(1, "HelloRetryRequest", &["secp256r1"]);
    story.assert_says(
        1,
        "key exchange",
        &["secp256r1", "not post-quantum: secp256r1 alone"],
    );

    // Trusting another CA: the chain check fails, the later ones are not reached.
    let dir = common::openssl::TempDir::new("explain-other");
    let other = common::openssl::Pki::new(&dir, "another CA");
    let (_server, addr) = s_server(ProtocolVersion::TLSv1_3, &[]);
    let target = format!("localhost:{}", addr.port());
    let (output, story) = explain(&["--cafile", &path(&other.ca_pem), &target]);
    assert_eq!(output.status.code(), Some(1), "{story:?}");
    story.assert_says(1, "Certificate", &["subject:   CN=localhost"]);
    story.assert_says(
        1,
        "certificate checks",
        &[
            "[FAIL] (a) trusted issuer",
            "[not reached] (b)",
            "[not reached] (c)",
        ],
    );
    story.assert_says(1, "alert", &["-> sent: UnknownCa"]);
}

/// `explain --send` against `gnutls-serv --echo`, TLS 1.3 and TLS 1.2: the echo comes
/// back in the records, and close_notify ends the story.
#[test]
fn explain_tells_handshakes_with_gnutls_serv() {
    // gnutls-serv listens on every interface: run where the only one is loopback.
    if !common::peers::require_peers(&["stdbuf", "gnutls-serv"])
        || !common::peers::run_in_loopback_only_netns()
    {
        return;
    }
    let dir = common::peers::TempDir::new("explain-gnutls");
    let id = common::peers::Identity::server(&dir, common::peers::KeyKind::Ecdsa);
    let (_server, port) = explain_story::gnutls_echo_server(&id);
    let (ca, target) = (path(&id.ca_pem), format!("localhost:{port}"));

    let story = explain_ok(&["--cafile", &ca, "--send", "hello gnutls\\n", &target]);
    assert_full_tls13_story(&story, false);
    story.assert_says(
        1,
        "records",
        &["application data, 13 bytes: \"hello gnutls\""],
    );
    assert_eq!(story.sequence_numbers(1, "->"), [0, 1]);

    let story = explain_ok(&[
        "--cafile",
        &ca,
        "--tls12",
        "--send",
        "hello gnutls\\n",
        &target,
    ]);
    story.assert_order(
        1,
        &[
            "ServerHello",
            "Certificate",
            "certificate checks",
            "ServerKeyExchange",
            "key exchange",
            "key schedule",
            "Finished",
            "records",
            "close_notify",
        ],
    );
    assert_full_tls12_story(&story);
    story.assert_says(
        1,
        "records",
        &["application data, 13 bytes: \"hello gnutls\""],
    );
}

fn path(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// The README's sans-IO client is `examples/sans_io_client.rs`, word for word (the
/// README is compiled as doctests, the example is run here), and it fetches a page
/// from `openssl s_server -www` with a CA file and with the platform's roots
/// (`SSL_CERT_FILE` names the bundle).
#[test]
fn readme_sans_io_client_is_the_example_and_it_works() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let example = std::fs::read_to_string(format!("{root}/examples/sans_io_client.rs")).unwrap();
    assert!(
        readme.contains(&format!("```rust,no_run\n{example}```")),
        "README.md must show examples/sans_io_client.rs whole, in one rust,no_run block"
    );

    if !common::peers::require_peer("openssl") {
        return;
    }
    let files = Files::new("sans-io-client");
    let ca = files.path("ca.pem");
    // s_server takes one connection: one server per run.
    for platform_roots in [false, true] {
        let (_s_server, addr) = s_server_www(&files);
        let port = addr.port().to_string();
        let cmd = if platform_roots {
            let mut cmd = cargo_example("sans_io_client", &["localhost", &port]);
            cmd.env("SSL_CERT_FILE", &ca).env_remove("SSL_CERT_DIR");
            cmd
        } else {
            cargo_example("sans_io_client", &["localhost", &port, &ca])
        };
        let output = run_with_timeout(cmd, b"");
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "platform roots {platform_roots}: {stdout}\n{}",
            text(&output.stderr)
        );
        assert!(stdout.starts_with("HTTP/1.0 200 ok"), "{stdout}");
        assert!(stdout.contains("TLSv1.3"), "{stdout}");
    }
}
