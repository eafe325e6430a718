//! Interop with Go's crypto/tls, a TLS stack no one here wrote: the standard-library
//! program in tests/go/peer (built once per test process with the toolchain from
//! `require_go`) as server and as client, against our client and our server over
//! 127.0.0.1. TLS 1.3 and 1.2, with Go's default groups and with Go restricted to
//! each group; resumption, client certificates and ALPN both ways. Go verifies our
//! certificates against the test root, at the tests' fixed time.
use crate::common;

use std::net::TcpStream;
use std::ops::DerefMut;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use common::peers::{
    DEADLINE, Identity, KeyKind, Ours, Peer, TempDir, accept, connect_when_listening, listen,
    require_go, token,
};
use common::pki::{NOV_2026, at};
use handclasp::enums::{NamedGroup, ProtocolVersion};
use handclasp::events::{HandshakeEvent, HandshakeObserver, Side};
use handclasp::pki_types::ServerName;
use handclasp::time::FixedTime;
use handclasp::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

const V13: ProtocolVersion = ProtocolVersion::TLSv1_3;
const V12: ProtocolVersion = ProtocolVersion::TLSv1_2;

/// The classical groups both sides implement (Go's CurveID numbers are the TLS
/// NamedGroup code points, RFC 8446 4.2.7).
const CLASSICAL: [NamedGroup; 3] = [
    NamedGroup::X25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
];

/// The hybrid groups (draft-ietf-tls-ecdhe-mlkem), TLS 1.3 only; Go 1.27 has both on
/// by default. Go's implementation is independent of ours (crypto/mlkem), so a
/// handshake proves the share layout and the order of the two secrets.
const HYBRID_GROUPS: [NamedGroup; 2] = [NamedGroup::X25519MLKEM768, NamedGroup::SecP256r1MLKEM768];

/// The Go peer program, built on first use in this process; `None` (after a
/// `SKIPPED:` line) without a Go toolchain.
fn go_peer() -> Option<&'static Path> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let go = require_go()?;
    match BUILT.get_or_init(|| build_peer(&go)) {
        Ok(exe) => Some(exe),
        Err(e) => panic!("{e}"),
    }
}

fn build_peer(go: &Path) -> Result<PathBuf, String> {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = tmp.join("go-peer");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let exe = dir.join("handclasp-go-peer");
    // Built under a name of our own, then renamed: another test process may be
    // running the previous binary or building the same one.
    let partial = dir.join(format!("handclasp-go-peer.{}", std::process::id()));
    let out = Command::new(go)
        .args(["build", "-o"])
        .arg(&partial)
        .arg("./peer")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go"))
        // Offline and hermetic: this toolchain only, no module lookups (the program
        // imports the standard library only), no user go env file, no cgo, and the
        // build cache under the target directory so later runs take a second.
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOENV", "off")
        .env("CGO_ENABLED", "0")
        .env("GOCACHE", tmp.join("go-cache"))
        .env("GOPATH", tmp.join("go-path"))
        .env("XDG_CONFIG_HOME", tmp.join("go-config"))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", go.display()))?;
    if !out.status.success() {
        return Err(format!(
            "go build of tests/go/peer failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    std::fs::rename(&partial, &exe).map_err(|e| format!("{}: {e}", exe.display()))?;
    Ok(exe)
}

/// The Go peer in `mode` (server or client), verifying certificates at the time our
/// side uses too.
fn go_command(exe: &Path, mode: &str, args: &[String]) -> Command {
    let mut cmd = Command::new(exe);
    cmd.args(["-mode", mode, "-time", &NOV_2026.to_string()])
        .args(args)
        // GODEBUG (tlsmlkem=0 etc.) would change Go's defaults under test.
        .env_remove("GODEBUG");
    cmd
}

fn version_arg(version: ProtocolVersion) -> &'static str {
    if version == V13 { "1.3" } else { "1.2" }
}

/// Arguments pinning Go to `version`.
fn pin_version(version: ProtocolVersion) -> Vec<String> {
    let v = version_arg(version).to_string();
    vec!["-min".into(), v.clone(), "-max".into(), v]
}

/// Starts the Go server with `args` for `conns` connections and returns it with its port.
fn go_server(exe: &Path, id: &Identity, conns: usize, args: &[String]) -> (Peer, u16) {
    let mut cmd = go_command(exe, "server", args);
    cmd.arg("-n")
        .arg(conns.to_string())
        .arg("-cert")
        .arg(&id.cert_pem)
        .arg("-key")
        .arg(&id.key_pem);
    let mut peer = Peer::spawn(cmd);
    let line = peer.wait_for_lines("listening ", 1).remove(0);
    let port = line
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    (peer, port)
}

/// Starts the Go client against 127.0.0.1:`port`, verifying `id`'s chain for
/// `localhost`; it sends `msg` as a line on each connection.
fn go_client(exe: &Path, id: &Identity, port: u16, msg: &str, args: &[String]) -> Peer {
    let mut cmd = go_command(exe, "client", args);
    cmd.arg("-addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-ca")
        .arg(&id.ca_pem)
        .args(["-name", "localhost", "-msg", msg]);
    Peer::spawn(cmd)
}

/// One `conn ...` line of the Go peer: what Go's `ConnectionState` says.
#[derive(Debug)]
struct GoConn {
    version: u16,
    suite: u16,
    group: u16,
    resumed: bool,
    hrr: bool,
    alpn: String,
    /// The peer certificate's common name, `-` if none.
    peer: String,
}

impl GoConn {
    fn parse(line: &str) -> Self {
        let field = |key: &str| -> &str {
            line.split(' ')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                .unwrap_or_else(|| panic!("no {key} in {line:?}"))
        };
        let hex = |key| u16::from_str_radix(field(key).trim_start_matches("0x"), 16).unwrap();
        let flag = |key| field(key).parse::<bool>().unwrap();
        Self {
            version: hex("version"),
            suite: hex("suite"),
            group: field("group").parse().unwrap(),
            resumed: flag("resumed"),
            hrr: flag("hrr"),
            alpn: field("alpn").to_string(),
            peer: field("peer").to_string(),
        }
    }

    /// The `n`th (from 0) connection line `peer` printed, waiting for it.
    fn nth(peer: &mut Peer, n: usize) -> Self {
        Self::parse(&peer.wait_for_lines("conn ", n + 1)[n])
    }
}

/// What our side saw: the key shares of the first ClientHello (sent or received) and
/// whether a HelloRetryRequest followed.
#[derive(Debug, Default)]
struct Seen(Mutex<(Option<Vec<NamedGroup>>, bool)>);

impl HandshakeObserver for Seen {
    fn on_event(&self, _side: Side, event: &HandshakeEvent<'_>) {
        let mut seen = self.0.lock().unwrap();
        match event {
            HandshakeEvent::ClientHello(offer) if seen.0.is_none() => {
                seen.0 = Some(offer.key_share_groups.to_vec());
            }
            HandshakeEvent::HelloRetryRequest { .. } => seen.1 = true,
            _ => {}
        }
    }
}

/// Whether the default crypto provider implements `group`.
fn ours_has(group: NamedGroup) -> bool {
    handclasp::crypto::ring::default_provider()
        .kx_groups
        .iter()
        .any(|g| g.name() == group)
}

/// The group Go's defaults and ours agree on. Go 1.27 prefers X25519MLKEM768, then
/// X25519, and both ends take the hybrid when both have it; hybrids are TLS 1.3 only
/// (draft-ietf-tls-ecdhe-mlkem). Until the library has the hybrid this is X25519.
fn default_group(version: ProtocolVersion) -> NamedGroup {
    if version == V13 && ours_has(NamedGroup::X25519MLKEM768) {
        NamedGroup::X25519MLKEM768
    } else {
        NamedGroup::X25519
    }
}

/// One handshake: the version, what Go is restricted to (`None`: Go's default
/// groups), and the server key type.
#[derive(Clone, Copy, Debug)]
struct Case {
    version: ProtocolVersion,
    go_group: Option<NamedGroup>,
    key: KeyKind,
}

impl Case {
    fn go_args(&self) -> Vec<String> {
        let mut args = pin_version(self.version);
        if let Some(group) = self.go_group {
            args.extend(["-groups".into(), group.to_wire().to_string()]);
        }
        args
    }

    /// The group both sides must report.
    fn group(&self) -> NamedGroup {
        self.go_group.unwrap_or(default_group(self.version))
    }

    /// Go's defaults, then Go restricted to each classical group, for both versions
    /// with an ECDSA server key; Go's defaults with an RSA key too.
    ///
    /// In TLS 1.2 the client's groups also name the curves it accepts ECDSA
    /// certificates on (RFC 8422 5.1.1), and Go's client restricted to X25519 or
    /// P-384 does not list our certificate's P-256: those cases use the RSA key.
    fn classical() -> Vec<Case> {
        let mut out = Vec::new();
        for version in [V13, V12] {
            for go_group in [None].into_iter().chain(CLASSICAL.map(Some)) {
                let key = match go_group {
                    Some(g) if version == V12 && g != NamedGroup::secp256r1 => KeyKind::Rsa,
                    _ => KeyKind::Ecdsa,
                };
                out.push(Case {
                    version,
                    go_group,
                    key,
                });
            }
            out.push(Case {
                version,
                go_group: None,
                key: KeyKind::Rsa,
            });
        }
        out
    }
}

/// Both sides agree on the version, suite and group `case` calls for, on a full
/// handshake; a HelloRetryRequest happened (on both sides) exactly when the first
/// ClientHello had no key share for that group (RFC 8446 4.1.4).
fn check_case<C: DerefMut<Target = Connection>>(
    case: &Case,
    ours: &Ours<C>,
    seen: &Seen,
    go: &GoConn,
) {
    let ctx = format!("{case:?}: Go said {go:?}");
    assert_eq!(ours.conn.protocol_version(), Some(case.version), "{ctx}");
    assert_eq!(go.version, case.version.to_wire(), "{ctx}");
    assert_eq!(ours.conn.negotiated_group(), Some(case.group()), "{ctx}");
    assert_eq!(go.group, case.group().to_wire(), "{ctx}");
    let suite = ours.conn.negotiated_cipher_suite().unwrap().suite();
    assert_eq!(go.suite, suite.to_wire(), "{ctx}");
    assert!(!ours.conn.is_resumed() && !go.resumed, "{ctx}");
    let (shares, hrr) = seen.0.lock().unwrap().clone();
    let shares = shares.expect("no ClientHello event");
    let expect_hrr = case.version == V13 && !shares.contains(&case.group());
    assert_eq!(hrr, expect_hrr, "{ctx}; key shares {shares:?}");
    assert_eq!(go.hrr, expect_hrr, "{ctx}; key shares {shares:?}");
}

fn our_client(
    id: &Identity,
    cert: Option<&Identity>,
    alpn: &[&str],
    observer: Arc<dyn HandshakeObserver>,
) -> Arc<ClientConfig> {
    let mut builder = ClientConfig::builder()
        .with_root_store(id.roots.clone())
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_alpn_protocols(alpn.iter().map(|p| p.as_bytes().to_vec()).collect())
        .with_observer(observer);
    if let Some(cert) = cert {
        builder = builder
            .with_client_auth_cert(cert.chain.clone(), cert.key.clone_key())
            .unwrap();
    }
    Arc::new(builder.build().unwrap())
}

fn connect(config: &Arc<ClientConfig>, sock: TcpStream) -> Ours<ClientConnection> {
    let name = ServerName::try_from("localhost").unwrap();
    Ours::new(ClientConnection::new(config.clone(), name).unwrap(), sock)
}

fn our_server(
    id: &Identity,
    versions: &[ProtocolVersion],
    client_auth: Option<&Identity>,
    alpn: &[&str],
    observer: Arc<dyn HandshakeObserver>,
) -> Arc<ServerConfig> {
    let mut builder = ServerConfig::builder()
        .with_protocol_versions(versions)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_alpn_protocols(alpn.iter().map(|p| p.as_bytes().to_vec()).collect())
        .with_observer(observer)
        .with_single_cert(id.chain.clone(), id.key.clone_key())
        .unwrap();
    if let Some(client) = client_auth {
        builder = builder.with_client_auth_roots(client.roots.clone(), true);
    }
    Arc::new(builder.build().unwrap())
}

/// A unique line to the Go server, which must print it and echo it back; then our
/// close_notify, which Go reads as the end of the stream.
fn echo_with_go_server(ours: &mut Ours<ClientConnection>, server: &mut Peer) {
    let tok = token("ours");
    ours.send(format!("{tok}\n").as_bytes());
    ours.receive_until(tok.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}; Go printed:\n{}", server.final_text()));
    server.wait_for(&format!("read={tok}\n"));
    ours.close();
}

/// Our server's side of one Go client connection after the handshake: the client's
/// `msg` line arrives, a unique line goes back (Go prints it), then Go's
/// close_notify arrives and ours answers it.
fn answer_go_client(ours: &mut Ours<ServerConnection>, client: &mut Peer, msg: &str) {
    ours.receive_until(format!("{msg}\n").as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}; Go printed:\n{}", client.final_text()));
    let reply = token("ours");
    ours.send(format!("{reply}\n").as_bytes());
    client.wait_for(&format!("read={reply}\n"));
    let deadline = Instant::now() + DEADLINE;
    while !ours.conn.peer_has_closed() {
        assert!(Instant::now() < deadline, "no close_notify from Go");
        let n = ours.conn.read_tls(&mut ours.sock).unwrap();
        ours.conn.process_new_packets().unwrap();
        assert!(
            n > 0 || ours.conn.peer_has_closed(),
            "Go closed without close_notify; it printed:\n{}",
            client.text()
        );
    }
    ours.close();
}

/// Our client against the Go server for `case`.
fn our_client_case(exe: &Path, id: &Identity, case: Case) {
    let (mut server, port) = go_server(exe, id, 1, &case.go_args());
    let seen = Arc::new(Seen::default());
    let config = our_client(id, None, &[], seen.clone());
    let mut ours = connect(&config, connect_when_listening(port, &mut server));
    ours.handshake()
        .unwrap_or_else(|e| panic!("{case:?}: {e:?}; Go printed:\n{}", server.final_text()));
    let go = GoConn::nth(&mut server, 0);
    check_case(&case, &ours, &seen, &go);
    assert_eq!(go.peer, "-");
    echo_with_go_server(&mut ours, &mut server);
    server.wait_for("closed\n");
    assert!(server.wait_exit().success(), "{}", server.text());
}

/// The Go client against our server (both versions enabled) for `case`.
fn go_client_case(exe: &Path, id: &Identity, case: Case) {
    let (listener, port) = listen();
    let msg = token("go");
    let mut client = go_client(exe, id, port, &msg, &case.go_args());
    let seen = Arc::new(Seen::default());
    let config = our_server(id, &[V13, V12], None, &[], seen.clone());
    let sock = accept(&listener, &mut client);
    let mut ours = Ours::new(ServerConnection::new(config).unwrap(), sock);
    ours.handshake()
        .unwrap_or_else(|e| panic!("{case:?}: {e:?}; Go printed:\n{}", client.final_text()));
    let go = GoConn::nth(&mut client, 0);
    check_case(&case, &ours, &seen, &go);
    // Go verified our chain for localhost (it has no InsecureSkipVerify).
    assert_eq!(go.peer, "localhost");
    answer_go_client(&mut ours, &mut client, &msg);
    assert!(client.wait_exit().success(), "{}", client.text());
}

fn identities(dir: &TempDir) -> [Identity; 2] {
    [
        Identity::server(dir, KeyKind::Ecdsa),
        Identity::server(dir, KeyKind::Rsa),
    ]
}

fn identity(ids: &[Identity; 2], key: KeyKind) -> &Identity {
    &ids[usize::from(key == KeyKind::Rsa)]
}

#[test]
fn our_client_with_go_server() {
    let Some(exe) = go_peer() else { return };
    let dir = TempDir::new("go-server");
    let ids = identities(&dir);
    for case in Case::classical() {
        our_client_case(exe, identity(&ids, case.key), case);
    }
}

#[test]
fn go_client_with_our_server() {
    let Some(exe) = go_peer() else { return };
    let dir = TempDir::new("go-client");
    let ids = identities(&dir);
    for case in Case::classical() {
        go_client_case(exe, identity(&ids, case.key), case);
    }
}

/// Go restricted to each hybrid group, both ways.
#[test]
fn hybrid_groups_with_go() {
    let Some(exe) = go_peer() else { return };
    let dir = TempDir::new("go-hybrid");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    for group in HYBRID_GROUPS {
        assert!(ours_has(group), "the default provider lacks {group:?}");
        let case = Case {
            version: V13,
            go_group: Some(group),
            key: KeyKind::Ecdsa,
        };
        our_client_case(exe, &id, case);
        go_client_case(exe, &id, case);
    }
}

/// With both sides' defaults, TLS 1.3 negotiates X25519MLKEM768 both ways.
#[test]
fn default_group_with_go_is_x25519mlkem768() {
    let Some(exe) = go_peer() else { return };
    let dir = TempDir::new("go-default-hybrid");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    let case = Case {
        version: V13,
        go_group: None,
        key: KeyKind::Ecdsa,
    };
    assert_eq!(case.group(), NamedGroup::X25519MLKEM768);
    our_client_case(exe, &id, case);
    go_client_case(exe, &id, case);
}

/// Our client resumes with Go's server (TLS 1.3 PSK, TLS 1.2 RFC 5077 tickets) from
/// its default session store; with Go's tickets off nothing resumes.
#[test]
fn our_client_resumes_with_go_server() {
    let Some(exe) = go_peer() else { return };
    let dir = TempDir::new("go-resume-server");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    for version in [V13, V12] {
        for tickets in [true, false] {
            let mut args = pin_version(version);
            args.push(format!("-tickets={tickets}"));
            let (mut server, port) = go_server(exe, &id, 3, &args);
            let config = our_client(&id, None, &[], Arc::new(Seen::default()));
            for attempt in 0..3 {
                let ctx = format!("{version:?} tickets={tickets} #{attempt}");
                let mut ours = connect(&config, connect_when_listening(port, &mut server));
                ours.handshake()
                    .unwrap_or_else(|e| panic!("{ctx}: {e:?}; Go printed:\n{}", server.text()));
                // The round trip also reads the TLS 1.3 ticket, sent after the handshake.
                echo_with_go_server(&mut ours, &mut server);
                let resumed = tickets && attempt > 0;
                let go = GoConn::nth(&mut server, attempt);
                assert_eq!(ours.conn.is_resumed(), resumed, "{ctx}: Go said {go:?}");
                assert_eq!(go.resumed, resumed, "{ctx}: Go said {go:?}");
                assert_eq!(ours.conn.protocol_version(), Some(version), "{ctx}");
                if version == V13 {
                    // psk_dhe_ke: a fresh key exchange on resumption too (RFC 8446 4.2.9).
                    let group = default_group(version);
                    assert_eq!(ours.conn.negotiated_group(), Some(group), "{ctx}");
                    assert_eq!(go.group, group.to_wire(), "{ctx}");
                }
            }
            assert!(server.wait_exit().success(), "{}", server.text());
        }
    }
}

/// Go's client resumes with our server: TLS 1.3 with stateless and with stateful
/// (single-use, RFC 8446 8.1) tickets, TLS 1.2 with RFC 5077 tickets (Go's client
/// does not resume by session id).
#[test]
fn go_client_resumes_with_our_server() {
    let Some(exe) = go_peer() else { return };
    let dir = TempDir::new("go-resume-client");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    for (version, stateless) in [(V13, true), (V13, false), (V12, true)] {
        let mut builder = ServerConfig::builder()
            .with_protocol_versions(&[version])
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))));
        if !stateless {
            builder = builder.with_ticketer(None);
        }
        let config = Arc::new(
            builder
                .with_single_cert(id.chain.clone(), id.key.clone_key())
                .unwrap()
                .build()
                .unwrap(),
        );
        let (listener, port) = listen();
        let msg = token("go");
        let mut args = pin_version(version);
        args.extend(["-resume".into(), "2".into()]);
        let mut client = go_client(exe, &id, port, &msg, &args);
        for attempt in 0..3 {
            let ctx = format!("{version:?} stateless={stateless} #{attempt}");
            let sock = accept(&listener, &mut client);
            let mut ours = Ours::new(ServerConnection::new(config.clone()).unwrap(), sock);
            ours.handshake()
                .unwrap_or_else(|e| panic!("{ctx}: {e:?}; Go printed:\n{}", client.text()));
            answer_go_client(&mut ours, &mut client, &msg);
            let go = GoConn::nth(&mut client, attempt);
            let resumed = attempt > 0;
            assert_eq!(ours.conn.is_resumed(), resumed, "{ctx}: Go said {go:?}");
            assert_eq!(go.resumed, resumed, "{ctx}: Go said {go:?}");
        }
        assert!(client.wait_exit().success(), "{}", client.text());
    }
}

/// Client certificates both ways, each side requiring one; a missing one is refused.
#[test]
fn client_certificates_with_go() {
    let Some(exe) = go_peer() else { return };
    let dir = TempDir::new("go-mtls");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    let client = Identity::client(&dir);
    for version in [V13, V12] {
        let mut require = pin_version(version);
        require.push("-require-client-cert".into());
        require.push(format!("-client-ca={}", client.ca_pem.display()));

        // Our client presents its certificate to Go's server, which verifies it.
        let (mut server, port) = go_server(exe, &id, 2, &require);
        let config = our_client(&id, Some(&client), &[], Arc::new(Seen::default()));
        let mut ours = connect(&config, connect_when_listening(port, &mut server));
        ours.handshake()
            .unwrap_or_else(|e| panic!("{version:?}: {e:?}; Go printed:\n{}", server.text()));
        echo_with_go_server(&mut ours, &mut server);
        let go = GoConn::nth(&mut server, 0);
        assert_eq!(go.peer, "client.test", "{version:?}");
        assert_eq!(go.version, version.to_wire());

        // Without one, Go refuses the connection (RFC 8446 4.4.2.4, RFC 5246 7.4.6).
        let config = our_client(&id, None, &[], Arc::new(Seen::default()));
        let mut ours = connect(&config, connect_when_listening(port, &mut server));
        // In TLS 1.3 our handshake ends before Go has read our empty Certificate:
        // its alert arrives next.
        let refused = ours.handshake().is_err() || ours.receive_until(b"\n").is_err();
        assert!(
            refused,
            "{version:?}: Go answered a client without a certificate"
        );
        server.wait_for("conn-error:");
        assert!(server.wait_exit().success(), "{}", server.text());

        // Go's client presents its certificate to our server, which requires one.
        let config = our_server(
            &id,
            &[version],
            Some(&client),
            &[],
            Arc::new(Seen::default()),
        );
        let (listener, port) = listen();
        let msg = token("go");
        let mut args = pin_version(version);
        args.push(format!("-client-cert={}", client.cert_pem.display()));
        args.push(format!("-client-key={}", client.key_pem.display()));
        let mut peer = go_client(exe, &id, port, &msg, &args);
        let mut ours = Ours::new(
            ServerConnection::new(config.clone()).unwrap(),
            accept(&listener, &mut peer),
        );
        ours.handshake()
            .unwrap_or_else(|e| panic!("{version:?}: {e:?}; Go printed:\n{}", peer.text()));
        assert_eq!(ours.conn.peer_certificates(), Some(&client.chain[..]));
        answer_go_client(&mut ours, &mut peer, &msg);
        assert!(peer.wait_exit().success(), "{}", peer.text());

        // Without one, our server refuses it.
        let mut peer = go_client(exe, &id, port, &msg, &pin_version(version));
        let mut ours = Ours::new(
            ServerConnection::new(config).unwrap(),
            accept(&listener, &mut peer),
        );
        assert!(
            ours.handshake().is_err(),
            "{version:?}: accepted no certificate"
        );
        assert!(!peer.wait_exit().success(), "{}", peer.text());
    }
}

/// ALPN both ways: each side offers or supports two protocols, one in common.
#[test]
fn alpn_with_go() {
    let Some(exe) = go_peer() else { return };
    let dir = TempDir::new("go-alpn");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    for version in [V13, V12] {
        let mut args = pin_version(version);
        args.push("-alpn=h2,http/1.1".into());

        let (mut server, port) = go_server(exe, &id, 1, &args);
        let config = our_client(
            &id,
            None,
            &["http/1.1", "x-other"],
            Arc::new(Seen::default()),
        );
        let mut ours = connect(&config, connect_when_listening(port, &mut server));
        ours.handshake()
            .unwrap_or_else(|e| panic!("{version:?}: {e:?}; Go printed:\n{}", server.text()));
        assert_eq!(ours.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
        echo_with_go_server(&mut ours, &mut server);
        assert_eq!(GoConn::nth(&mut server, 0).alpn, "http/1.1", "{version:?}");

        let config = our_server(
            &id,
            &[V13, V12],
            None,
            &["x-other", "http/1.1"],
            Arc::new(Seen::default()),
        );
        let (listener, port) = listen();
        let msg = token("go");
        let mut client = go_client(exe, &id, port, &msg, &args);
        let mut ours = Ours::new(
            ServerConnection::new(config).unwrap(),
            accept(&listener, &mut client),
        );
        ours.handshake()
            .unwrap_or_else(|e| panic!("{version:?}: {e:?}; Go printed:\n{}", client.text()));
        assert_eq!(ours.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
        answer_go_client(&mut ours, &mut client, &msg);
        assert_eq!(GoConn::nth(&mut client, 0).alpn, "http/1.1", "{version:?}");
        assert!(client.wait_exit().success(), "{}", client.text());
    }
}

/// Record padding (RFC 8446 5.4) with Go both ways: Go strips what our padded client
/// and our padded server send.
#[test]
fn padded_records_with_go_both_ways() {
    let Some(exe) = go_peer() else { return };
    let dir = TempDir::new("go-padding");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    let padding = handclasp::RecordPadding::ToMultipleOf(512);

    let (mut server, port) = go_server(exe, &id, 1, &pin_version(V13));
    let config = Arc::new(
        ClientConfig::builder()
            .with_root_store(id.roots.clone())
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_record_padding(padding)
            .build()
            .unwrap(),
    );
    let mut ours = connect(&config, connect_when_listening(port, &mut server));
    ours.handshake()
        .unwrap_or_else(|e| panic!("{e:?}; Go printed:\n{}", server.final_text()));
    echo_with_go_server(&mut ours, &mut server);
    server.wait_for("closed\n");
    assert!(server.wait_exit().success(), "{}", server.text());

    let (listener, port) = listen();
    let msg = token("go");
    let mut client = go_client(exe, &id, port, &msg, &pin_version(V13));
    let config = Arc::new(
        ServerConfig::builder()
            .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
            .with_single_cert(id.chain.clone(), id.key.clone_key())
            .unwrap()
            .with_record_padding(padding)
            .build()
            .unwrap(),
    );
    let sock = accept(&listener, &mut client);
    let mut ours = Ours::new(ServerConnection::new(config).unwrap(), sock);
    ours.handshake()
        .unwrap_or_else(|e| panic!("{e:?}; Go printed:\n{}", client.final_text()));
    answer_go_client(&mut ours, &mut client, &msg);
    assert!(client.wait_exit().success(), "{}", client.text());
}
