//! TLS 1.3 interop against the `openssl` command-line tool (OpenSSL 3.x): our server
//! with `openssl s_client`, our client with `openssl s_server`. Each test checks that
//! application data really crossed (unique tokens), not only that a handshake ended.
use crate::common;

use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use common::openssl::{
    DEADLINE, KeyKind, LeafFiles, OpenSsl, Pki, Recorder, Seen, TempDir, Validity, accept, args,
    connect, handshake, listener, path_arg, read_until, s_server, send, token,
};
use common::peers::require_peer;
use common::provider;
use handclasp::crypto::CryptoProvider;
use handclasp::crypto::ring::default_provider;
use handclasp::enums::{AlertDescription, CipherSuite, NamedGroup, SignatureScheme};
use handclasp::error::CertificateError;
use handclasp::pki_types::ServerName;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, Error, ServerConfig, ServerConnection};
use rcgen::ExtendedKeyUsagePurpose;

const NAME: &str = "a.test";

const SUITES: [(&str, CipherSuite); 3] = [
    (
        "TLS_AES_128_GCM_SHA256",
        CipherSuite::TLS13_AES_128_GCM_SHA256,
    ),
    (
        "TLS_AES_256_GCM_SHA384",
        CipherSuite::TLS13_AES_256_GCM_SHA384,
    ),
    (
        "TLS_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    ),
];

const GROUPS: [(&str, NamedGroup); 3] = [
    ("X25519", NamedGroup::X25519),
    ("P-256", NamedGroup::secp256r1),
    ("P-384", NamedGroup::secp384r1),
];

/// A temp dir with a root CA and a server leaf for [`NAME`].
struct Setup {
    dir: TempDir,
    pki: Pki,
    server: LeafFiles,
}

fn setup(kind: KeyKind) -> Setup {
    let dir = TempDir::new("interop");
    let pki = Pki::new(&dir, "ca");
    let server = pki.leaf(
        &dir,
        "server",
        &[NAME],
        kind,
        ExtendedKeyUsagePurpose::ServerAuth,
        Validity::Always,
    );
    Setup { dir, pki, server }
}

impl Setup {
    fn client_leaf(&self) -> LeafFiles {
        self.pki.leaf(
            &self.dir,
            "client",
            &["client.test"],
            KeyKind::EcdsaP256,
            ExtendedKeyUsagePurpose::ClientAuth,
            Validity::Always,
        )
    }

    fn roots(&self) -> RootStore {
        let mut roots = RootStore::empty();
        roots.add(&self.pki.ca_cert).unwrap();
        roots
    }

    fn s_server_cert_args(&self, leaf: &LeafFiles) -> Vec<String> {
        vec![
            "-cert".into(),
            path_arg(&leaf.cert_pem),
            "-key".into(),
            path_arg(&leaf.key_pem),
        ]
    }
}

fn server_config(
    leaf: &LeafFiles,
    provider: impl Into<Arc<CryptoProvider>>,
    recorder: &Arc<Recorder>,
    client_auth: Option<(RootStore, bool)>,
) -> Arc<ServerConfig> {
    let mut builder = ServerConfig::builder_with_provider(provider.into())
        .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
        .unwrap()
        .with_observer(recorder.clone());
    if let Some((roots, mandatory)) = client_auth {
        builder = builder.with_client_auth_roots(roots, mandatory);
    }
    Arc::new(builder.build().unwrap())
}

fn client_config(
    roots: RootStore,
    provider: CryptoProvider,
    recorder: &Arc<Recorder>,
    cert: Option<&LeafFiles>,
) -> Arc<ClientConfig> {
    let mut builder = ClientConfig::builder_with_provider(Arc::new(provider))
        .with_root_store(roots)
        .with_observer(recorder.clone());
    if let Some(leaf) = cert {
        builder = builder
            .with_client_auth_cert(leaf.chain.clone(), leaf.key.clone_key())
            .unwrap();
    }
    Arc::new(builder.build().unwrap())
}

/// Our server, connected to by `openssl s_client` (verifying us against the test CA
/// and name) with `extra` arguments. Returns the handshake result.
struct ServerRun {
    client: OpenSsl,
    conn: ServerConnection,
    sock: TcpStream,
    result: Result<(), Error>,
}

fn serve_s_client(setup: &Setup, config: Arc<ServerConfig>, extra: &[String]) -> ServerRun {
    let (listener, addr) = listener();
    let mut all = args(&[
        "s_client",
        "-connect",
        &addr.to_string(),
        "-tls1_3",
        // -quiet implies -ign_eof, which disables the connected commands (k/K);
        // -no_ign_eof turns them back on.
        "-quiet",
        "-no_ign_eof",
        "-servername",
        NAME,
        "-verify_hostname",
        NAME,
        "-verify_return_error",
        "-CAfile",
    ]);
    all.push(path_arg(&setup.pki.ca_pem));
    all.extend_from_slice(extra);
    let mut client = OpenSsl::spawn(&all);
    let mut sock = accept(&listener, &mut client);
    let mut conn = ServerConnection::new(config).unwrap();
    let result = handshake(&mut conn, &mut sock);
    ServerRun {
        client,
        conn,
        sock,
        result,
    }
}

impl ServerRun {
    /// A token from s_client's stdin reaches us; one from us reaches its stdout.
    fn exchange(&mut self) {
        let up = token("up");
        self.client.send_line(&up);
        read_until(&mut self.conn, &mut self.sock, up.as_bytes()).unwrap();
        let down = token("down");
        send(
            &mut self.conn,
            &mut self.sock,
            format!("{down}\n").as_bytes(),
        );
        self.client.expect(&down);
    }

    fn ok(self) -> Self {
        if let Err(e) = &self.result {
            panic!("handshake failed: {e}\n{}", self.client.transcript());
        }
        self
    }
}

/// Our client connected to `openssl s_server` started with `extra` arguments.
struct ClientRun {
    server: OpenSsl,
    conn: ClientConnection,
    sock: TcpStream,
    result: Result<(), Error>,
}

fn connect_s_server(config: Arc<ClientConfig>, extra: &[String]) -> ClientRun {
    let (server, addr) = s_server(extra);
    let mut sock = connect(addr);
    let mut conn = ClientConnection::new(config, ServerName::try_from(NAME).unwrap()).unwrap();
    let result = handshake(&mut conn, &mut sock);
    ClientRun {
        server,
        conn,
        sock,
        result,
    }
}

impl ClientRun {
    fn ok(self) -> Self {
        if let Err(e) = &self.result {
            panic!("handshake failed: {e}\n{}", self.server.transcript());
        }
        self
    }

    /// Fetches s_server's `-www` status page.
    fn get_page(&mut self) -> String {
        send(&mut self.conn, &mut self.sock, b"GET / HTTP/1.0\r\n\r\n");
        let page = read_until(&mut self.conn, &mut self.sock, b"</HTML>").unwrap();
        String::from_utf8_lossy(&page).into_owned()
    }

    /// Raw mode: a token from us shows on s_server's stdout, one typed on its stdin
    /// reaches us.
    fn exchange(&mut self) {
        let up = token("up");
        send(&mut self.conn, &mut self.sock, format!("{up}\n").as_bytes());
        self.server.expect(&up);
        let down = token("down");
        self.server.send_line(&down);
        read_until(&mut self.conn, &mut self.sock, down.as_bytes()).unwrap();
    }
}

fn pinned(suite: &str, group: &str) -> Vec<String> {
    args(&["-ciphersuites", suite, "-groups", group])
}

// --- 1. Our server vs s_client: suites x groups, and a HelloRetryRequest -----------

#[test]
fn our_server_vs_s_client_each_suite_and_group() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    for (suite_name, suite) in SUITES {
        for (group_name, group) in GROUPS {
            let recorder = Recorder::new();
            let config = server_config(&setup.server, default_provider(), &recorder, None);
            let mut run = serve_s_client(&setup, config, &pinned(suite_name, group_name)).ok();
            let what = format!("{suite_name} / {group_name}");
            assert_eq!(
                run.conn.negotiated_cipher_suite().map(|s| s.suite()),
                Some(suite),
                "{what}"
            );
            assert_eq!(run.conn.negotiated_group(), Some(group), "{what}");
            // s_client sent a share for its only group: no retry was needed.
            assert!(
                !recorder
                    .seen()
                    .iter()
                    .any(|s| matches!(s, Seen::HelloRetryRequest(_))),
                "{what}: {:?}",
                recorder.seen()
            );
            run.exchange();
        }
    }
}

#[test]
fn our_server_sends_hello_retry_request_to_s_client() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let recorder = Recorder::new();
    // We accept only P-384; s_client sends its first group's (X25519) share only.
    let config = server_config(
        &setup.server,
        provider::with(&provider::all_suites(), &[NamedGroup::secp384r1]),
        &recorder,
        None,
    );
    let mut run = serve_s_client(&setup, config, &args(&["-groups", "X25519:P-384"])).ok();
    assert_eq!(
        recorder.count(&Seen::HelloRetryRequest(Some(NamedGroup::secp384r1))),
        1,
        "{:?}",
        recorder.seen()
    );
    assert_eq!(run.conn.negotiated_group(), Some(NamedGroup::secp384r1));
    run.exchange();
}

// --- 2. Each key type for our server ------------------------------------------------

#[test]
fn our_server_key_types_vs_s_client() {
    if !require_peer("openssl") {
        return;
    }
    let cases: [(KeyKind, &[SignatureScheme]); 4] = [
        (
            KeyKind::EcdsaP256,
            &[SignatureScheme::ECDSA_NISTP256_SHA256],
        ),
        (
            KeyKind::EcdsaP384,
            &[SignatureScheme::ECDSA_NISTP384_SHA384],
        ),
        (KeyKind::Ed25519, &[SignatureScheme::ED25519]),
        (
            KeyKind::Rsa2048,
            &[
                SignatureScheme::RSA_PSS_SHA256,
                SignatureScheme::RSA_PSS_SHA384,
                SignatureScheme::RSA_PSS_SHA512,
            ],
        ),
    ];
    for (kind, schemes) in cases {
        let setup = setup(kind);
        let recorder = Recorder::new();
        let config = server_config(&setup.server, default_provider(), &recorder, None);
        let mut run = serve_s_client(&setup, config, &[]).ok();
        let sent: Vec<SignatureScheme> = recorder
            .seen()
            .iter()
            .filter_map(|s| match s {
                Seen::SignatureSent(scheme) => Some(*scheme),
                _ => None,
            })
            .collect();
        assert_eq!(sent.len(), 1, "{kind:?}: {sent:?}");
        assert!(schemes.contains(&sent[0]), "{kind:?}: signed with {sent:?}");
        run.exchange();
    }
}

#[test]
fn our_server_rsa_pss_sha384_when_s_client_asks_for_it() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::Rsa2048);
    let recorder = Recorder::new();
    let config = server_config(&setup.server, default_provider(), &recorder, None);
    let mut run = serve_s_client(&setup, config, &args(&["-sigalgs", "rsa_pss_rsae_sha384"])).ok();
    assert_eq!(
        recorder.count(&Seen::SignatureSent(SignatureScheme::RSA_PSS_SHA384)),
        1,
        "{:?}",
        recorder.seen()
    );
    run.exchange();
}

// --- 3. Client certificates to our server -------------------------------------------

#[test]
fn our_server_requires_and_gets_s_client_certificate() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let client = setup.client_leaf();
    let recorder = Recorder::new();
    let config = server_config(
        &setup.server,
        default_provider(),
        &recorder,
        Some((setup.roots(), true)),
    );
    let mut extra = args(&["-cert"]);
    extra.push(path_arg(&client.cert_pem));
    extra.push("-key".into());
    extra.push(path_arg(&client.key_pem));
    let mut run = serve_s_client(&setup, config, &extra).ok();
    // OpenSSL completes the client chain from -CAfile, so the root may follow the leaf.
    let peer = run.conn.peer_certificates().unwrap();
    assert_eq!(peer.first(), client.chain.first());
    assert!(
        peer.get(1..)
            .unwrap()
            .iter()
            .all(|c| *c == setup.pki.ca_cert),
        "{peer:?}"
    );
    assert!(peer.len() <= 2, "{peer:?}");
    assert_eq!(
        recorder.count(&Seen::SignatureVerified(
            SignatureScheme::ECDSA_NISTP256_SHA256
        )),
        1,
        "{:?}",
        recorder.seen()
    );
    run.exchange();
}

#[test]
fn our_server_rejects_s_client_without_mandatory_certificate() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let recorder = Recorder::new();
    let config = server_config(
        &setup.server,
        default_provider(),
        &recorder,
        Some((setup.roots(), true)),
    );
    let mut run = serve_s_client(&setup, config, &[]);
    assert_eq!(
        run.result,
        Err(Error::Certificate(CertificateError::NoCertificate)),
        "{}",
        run.client.transcript()
    );
    assert_eq!(
        recorder.count(&Seen::AlertSent(AlertDescription::CertificateRequired)),
        1
    );
    // s_client finished its side of the handshake, then reads our alert.
    run.client.expect("alert certificate required");
    run.client.expect("SSL alert number 116");
    let status = run
        .client
        .wait_exit(DEADLINE)
        .expect("s_client still running");
    assert!(!status.success(), "{}", run.client.transcript());
}

#[test]
fn our_server_optional_client_auth_without_certificate() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let recorder = Recorder::new();
    let config = server_config(
        &setup.server,
        default_provider(),
        &recorder,
        Some((setup.roots(), false)),
    );
    let mut run = serve_s_client(&setup, config, &[]).ok();
    assert!(
        run.conn.peer_certificates().is_none_or(|c| c.is_empty()),
        "{:?}",
        run.conn.peer_certificates()
    );
    run.exchange();
}

// --- 4. Our client vs s_server -www ---------------------------------------------------

#[test]
fn our_client_vs_s_server_www_each_suite_and_group() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    for (suite_name, suite) in SUITES {
        for (group_name, group) in GROUPS {
            let what = format!("{suite_name} / {group_name}");
            let recorder = Recorder::new();
            // Our first key share is for the pinned group, so no retry is needed;
            // every suite stays on offer and s_server picks the pinned one.
            let mut p = default_provider();
            p.kx_groups.sort_by_key(|g| g.name() != group);
            let config = client_config(setup.roots(), p, &recorder, None);
            let mut extra = setup.s_server_cert_args(&setup.server);
            extra.extend(pinned(suite_name, group_name));
            extra.push("-www".into());
            let mut run = connect_s_server(config, &extra).ok();
            assert_eq!(
                run.conn.negotiated_cipher_suite().map(|s| s.suite()),
                Some(suite),
                "{what}"
            );
            assert_eq!(run.conn.negotiated_group(), Some(group), "{what}");
            assert!(
                !recorder
                    .seen()
                    .iter()
                    .any(|s| matches!(s, Seen::HelloRetryRequest(_))),
                "{what}: {:?}",
                recorder.seen()
            );
            let page = run.get_page();
            assert!(page.starts_with("HTTP/1.0 200 ok"), "{what}: {page}");
            assert!(page.contains("Protocol  : TLSv1.3"), "{what}: {page}");
            assert!(
                page.contains(&format!("Cipher    : {suite_name}")),
                "{what}: {page}"
            );
        }
    }
}

#[test]
fn our_client_gets_hello_retry_request_from_s_server() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let recorder = Recorder::new();
    // Default client: one key share, for X25519.
    let config = client_config(setup.roots(), default_provider(), &recorder, None);
    let mut extra = setup.s_server_cert_args(&setup.server);
    extra.extend(args(&["-groups", "P-384", "-www"]));
    let mut run = connect_s_server(config, &extra).ok();
    assert_eq!(
        recorder.count(&Seen::HelloRetryRequest(Some(NamedGroup::secp384r1))),
        1,
        "{:?}",
        recorder.seen()
    );
    assert_eq!(run.conn.negotiated_group(), Some(NamedGroup::secp384r1));
    let page = run.get_page();
    assert!(page.contains("Protocol  : TLSv1.3"), "{page}");
}

// --- 5. Our client's certificate, verified by s_server --------------------------------

#[test]
fn our_client_certificate_verified_by_s_server() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let client = setup.client_leaf();
    let recorder = Recorder::new();
    let config = client_config(setup.roots(), default_provider(), &recorder, Some(&client));
    let mut extra = setup.s_server_cert_args(&setup.server);
    extra.extend(args(&["-Verify", "1", "-verify_return_error", "-CAfile"]));
    extra.push(path_arg(&setup.pki.ca_pem));
    extra.push("-www".into());
    let mut run = connect_s_server(config, &extra).ok();
    assert_eq!(
        recorder.count(&Seen::SignatureSent(SignatureScheme::ECDSA_NISTP256_SHA256)),
        1,
        "{:?}",
        recorder.seen()
    );
    let page = run.get_page();
    assert!(page.contains("Verify return code: 0 (ok)"), "{page}");
    assert!(page.contains("Client certificate"), "{page}");
    // The page prints the client certificate's PEM: compare without line breaks.
    let pem: String = std::fs::read_to_string(&client.cert_pem)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let page_flat: String = page.split_whitespace().collect();
    assert!(
        page_flat.contains(&pem),
        "client cert PEM not on the page: {page}"
    );
    run.server.expect("CN = client.test");
}

// --- 6. KeyUpdate in both directions --------------------------------------------------

const KU_RECEIVED: &str = "<<< TLS 1.3, Handshake [length 0005], KeyUpdate";
const KU_SENT: &str = ">>> TLS 1.3, Handshake [length 0005], KeyUpdate";

#[test]
fn key_update_our_client_with_s_server() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let recorder = Recorder::new();
    let config = client_config(setup.roots(), default_provider(), &recorder, None);
    let mut extra = setup.s_server_cert_args(&setup.server);
    // -msg shows the KeyUpdate messages s_server receives ("<<<") and sends (">>>").
    extra.push("-msg".into());
    let mut run = connect_s_server(config, &extra).ok();
    run.exchange();

    // We update our keys and ask s_server to update its keys too.
    run.conn.refresh_traffic_keys(true).unwrap();
    let after = token("after-our-update");
    send(
        &mut run.conn,
        &mut run.sock,
        format!("{after}\n").as_bytes(),
    );
    run.server.expect(&after);
    run.server
        .expect(&format!("{KU_RECEIVED}\n    18 00 00 01 01"));
    // s_server answers with its own update (not requested) before its next data,
    // which we must still read.
    run.exchange();
    run.server.expect(&format!("{KU_SENT}\n    18 00 00 01 00"));
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: true }), 1);
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: false }), 1);

    // s_server updates its keys without asking us ("k").
    // Acknowledged by the KeyUpdate s_server sends (its second).
    run.server.command("k", KU_SENT, 2);
    run.exchange();
    assert_eq!(
        recorder.count(&Seen::KeyUpdate { ours: false }),
        2,
        "{:?}",
        recorder.seen()
    );
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: true }), 1);

    // s_server updates and asks us to update ("K"): we answer with our own update
    // and s_server must still read what we send afterwards.
    run.server.command("K", KU_SENT, 3);
    run.exchange();
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: false }), 3);
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: true }), 2);
    // Our answer went out before our next data; s_server read both.
    run.exchange();
    run.server.expect_count(KU_RECEIVED, 2);
    run.server.expect(&format!("{KU_SENT}\n    18 00 00 01 01"));
}

#[test]
fn key_update_our_server_with_s_client() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let recorder = Recorder::new();
    let config = server_config(&setup.server, default_provider(), &recorder, None);
    let mut run = serve_s_client(&setup, config, &args(&["-msg"])).ok();
    run.exchange();

    // s_client updates and asks us to update ("K"; it prints KEYUPDATE).
    run.client.command("K", "KEYUPDATE", 1);
    run.exchange();
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: false }), 1);
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: true }), 1);
    run.client
        .expect(&format!("{KU_RECEIVED}\n    18 00 00 01 00"));

    // s_client updates without asking ("k").
    run.client.command("k", "KEYUPDATE", 2);
    run.exchange();
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: false }), 2);
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: true }), 1);

    // We update and ask s_client to update.
    run.conn.refresh_traffic_keys(true).unwrap();
    run.exchange();
    run.client
        .expect(&format!("{KU_RECEIVED}\n    18 00 00 01 01"));
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: true }), 2);
    // s_client's answering update arrives with (or before) its next data.
    run.exchange();
    assert_eq!(recorder.count(&Seen::KeyUpdate { ours: false }), 3);
    run.client.expect_count(KU_RECEIVED, 2);
}

// --- 7. Certificate failures across implementations -----------------------------------

#[test]
fn our_client_rejects_s_server_cert_for_another_name() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let other = setup.pki.leaf(
        &setup.dir,
        "other-name",
        &["b.test"],
        KeyKind::EcdsaP256,
        ExtendedKeyUsagePurpose::ServerAuth,
        Validity::Always,
    );
    let recorder = Recorder::new();
    let config = client_config(setup.roots(), default_provider(), &recorder, None);
    let run = connect_s_server(config, &setup.s_server_cert_args(&other));
    match &run.result {
        Err(Error::Certificate(CertificateError::NotValidForName {
            expected,
            presented,
        })) => {
            assert_eq!(expected, &format!("DNS:{NAME}"));
            assert!(presented.iter().any(|n| n == "DNS:b.test"), "{presented:?}");
        }
        other => panic!("expected NotValidForName, got {other:?}"),
    }
    run.server.expect("alert bad certificate");
    run.server.expect("SSL alert number 42");
}

#[test]
fn our_client_rejects_s_server_cert_from_unknown_ca() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    let stranger = Pki::new(&setup.dir, "stranger-ca");
    let leaf = stranger.leaf(
        &setup.dir,
        "stranger-leaf",
        &[NAME],
        KeyKind::EcdsaP256,
        ExtendedKeyUsagePurpose::ServerAuth,
        Validity::Always,
    );
    let recorder = Recorder::new();
    let config = client_config(setup.roots(), default_provider(), &recorder, None);
    let run = connect_s_server(config, &setup.s_server_cert_args(&leaf));
    // s_server sends the leaf only; its issuer is neither sent nor trusted.
    assert!(
        matches!(
            &run.result,
            Err(Error::Certificate(
                CertificateError::MissingIntermediate { .. }
            ))
        ),
        "{:?}",
        run.result
    );
    run.server.expect("alert unknown ca");
    run.server.expect("SSL alert number 48");
}

#[test]
fn s_client_rejects_our_expired_server_cert() {
    if !require_peer("openssl") {
        return;
    }
    let mut setup = setup(KeyKind::EcdsaP256);
    setup.server = setup.pki.leaf(
        &setup.dir,
        "expired",
        &[NAME],
        KeyKind::EcdsaP256,
        ExtendedKeyUsagePurpose::ServerAuth,
        Validity::Expired,
    );
    let recorder = Recorder::new();
    let config = server_config(&setup.server, default_provider(), &recorder, None);
    let mut run = serve_s_client(&setup, config, &[]);
    assert_eq!(
        run.result,
        Err(Error::AlertReceived(AlertDescription::CertificateExpired)),
        "{}",
        run.client.transcript()
    );
    run.client.expect("certificate has expired");
    let status = run
        .client
        .wait_exit(Duration::from_secs(20))
        .expect("s_client still running");
    assert!(!status.success(), "{}", run.client.transcript());
}

// --- Record padding (RFC 8446 5.4), both ways -----------------------------------------

#[test]
fn record_padding_with_s_server_and_s_client() {
    if !require_peer("openssl") {
        return;
    }
    let setup = setup(KeyKind::EcdsaP256);
    // Our padded client against s_server, which pads its own records too: the page
    // arrives, so each side stripped the other's padding.
    let recorder = Recorder::new();
    let config = Arc::new(
        ClientConfig::builder_with_provider(Arc::new(default_provider()))
            .with_root_store(setup.roots())
            .with_observer(recorder.clone())
            .with_record_padding(handclasp::RecordPadding::ToMultipleOf(512))
            .build()
            .unwrap(),
    );
    let mut extra = setup.s_server_cert_args(&setup.server);
    extra.extend(args(&["-www", "-record_padding", "1024"]));
    let mut run = connect_s_server(config, &extra).ok();
    let page = run.get_page();
    assert!(page.starts_with("HTTP/1.0 200 ok"), "{page}");
    assert!(page.contains("Protocol  : TLSv1.3"), "{page}");

    // Our padded server against s_client, padding as well: lines pass both ways.
    let recorder = Recorder::new();
    let config = Arc::new(
        ServerConfig::builder_with_provider(Arc::new(default_provider()))
            .with_single_cert(setup.server.chain.clone(), setup.server.key.clone_key())
            .unwrap()
            .with_observer(recorder.clone())
            .with_record_padding(handclasp::RecordPadding::ToMultipleOf(256))
            .build()
            .unwrap(),
    );
    let mut run = serve_s_client(&setup, config, &args(&["-record_padding", "512"])).ok();
    run.exchange();
}
