//! TLS 1.2 interop with the `openssl` command line (OpenSSL 3): our server against
//! `openssl s_client`, our client against `openssl s_server`, for every suite and
//! group, with client certificates, extended master secret, refusals, renegotiation
//! attempts and the downgrade sentinel. The peer runs as a child process on
//! 127.0.0.1; our side runs in the test over a `TcpStream`.
use crate::common;

use std::process::Command;
use std::sync::Arc;

use common::peers::{
    self, Alerts, Failure, Identity, KeyKind, Ours, Peer, TempDir, accept, listen, require_peer,
    token,
};
use common::pki::{NOV_2026, at};
use handclasp::enums::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion};
use handclasp::error::{CertificateError, PeerIncompatible};
use handclasp::pki_types::ServerName;
use handclasp::time::FixedTime;
use handclasp::{ClientConfig, ClientConnection, Error, ServerConfig, ServerConnection};

const V12: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_2];
const BOTH: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];

/// (OpenSSL name, code point, server key type).
const SUITES: [(&str, CipherSuite, KeyKind); 6] = [
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        KeyKind::Ecdsa,
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        KeyKind::Ecdsa,
    ),
    (
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        KeyKind::Ecdsa,
    ),
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        KeyKind::Rsa,
    ),
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        KeyKind::Rsa,
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        KeyKind::Rsa,
    ),
];

/// (OpenSSL group name, code point).
const GROUPS: [(&str, NamedGroup); 3] = [
    ("X25519", NamedGroup::X25519),
    ("P-256", NamedGroup::secp256r1),
    ("P-384", NamedGroup::secp384r1),
];

fn server_config(
    id: &Identity,
    versions: &[ProtocolVersion],
    client_auth: Option<&Identity>,
    alerts: &Arc<Alerts>,
) -> Arc<ServerConfig> {
    let mut builder = ServerConfig::builder()
        .with_protocol_versions(versions)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_observer(alerts.clone())
        .with_single_cert(id.chain.clone(), id.key.clone_key())
        .unwrap();
    if let Some(client) = client_auth {
        builder = builder.with_client_auth_roots(client.roots.clone(), true);
    }
    Arc::new(builder.build().unwrap())
}

fn client_config(
    id: &Identity,
    versions: &[ProtocolVersion],
    cert: Option<&Identity>,
    alerts: &Arc<Alerts>,
) -> Arc<ClientConfig> {
    let mut builder = ClientConfig::builder()
        .with_root_store(id.roots.clone())
        .with_protocol_versions(versions)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_observer(alerts.clone());
    if let Some(cert) = cert {
        builder = builder
            .with_client_auth_cert(cert.chain.clone(), cert.key.clone_key())
            .unwrap();
    }
    Arc::new(builder.build().unwrap())
}

/// Starts `openssl s_client` (not -quiet: it prints the session summary and takes
/// connected commands) against a fresh listener and accepts its connection on our
/// server; returns before the handshake.
fn s_client(config: Arc<ServerConfig>, args: &[&str]) -> (Ours<ServerConnection>, Peer) {
    let (listener, port) = listen();
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(args);
    let mut peer = Peer::spawn(cmd);
    let sock = accept(&listener, &mut peer);
    let ours = Ours::new(ServerConnection::new(config).unwrap(), sock);
    (ours, peer)
}

/// Unique tokens both ways between our server and s_client.
fn exchange_with_s_client(ours: &mut Ours<ServerConnection>, peer: &mut Peer) {
    // The session summary ends the handshake output; type only after it.
    peer.wait_for("Extended master secret");
    let (to_peer, to_us) = (token("srv"), token("cli"));
    ours.send(format!("{to_peer}\n").as_bytes());
    peer.write(format!("{to_us}\n").as_bytes());
    ours.receive_until(to_us.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}; s_client printed:\n{}", peer.final_text()));
    peer.wait_for(&to_peer);
}

fn assert_negotiated<C: std::ops::DerefMut<Target = handclasp::Connection>>(
    ours: &Ours<C>,
    suite: CipherSuite,
    group: Option<NamedGroup>,
) {
    assert_eq!(ours.conn.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(
        ours.conn.negotiated_cipher_suite().map(|s| s.suite()),
        Some(suite)
    );
    if let Some(group) = group {
        assert_eq!(ours.conn.negotiated_group(), Some(group));
    }
}

#[test]
fn our_server_with_s_client_every_suite() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("ossl12-srv");
    for (name, suite, kind) in SUITES {
        let id = Identity::server(&dir, kind);
        let alerts = Arc::new(Alerts::default());
        let (mut ours, mut peer) = s_client(
            server_config(&id, BOTH, None, &alerts),
            &["-tls1_2", "-cipher", name],
        );
        ours.handshake()
            .unwrap_or_else(|e| panic!("{name}: {e:?}; s_client printed:\n{}", peer.final_text()));
        assert_negotiated(&ours, suite, None);
        exchange_with_s_client(&mut ours, &mut peer);
        let text = peer.text();
        assert!(
            text.contains(&format!("New, TLSv1.2, Cipher is {name}")),
            "{name}: {text}"
        );
        // RFC 7627: openssl agrees that the extended master secret was used.
        assert!(
            text.contains("Extended master secret: yes"),
            "{name}: {text}"
        );
        assert!(
            text.contains("Secure Renegotiation IS supported"),
            "{name}: {text}"
        );
        ours.close();
        assert!(
            alerts
                .sent()
                .iter()
                .all(|a| *a == AlertDescription::CloseNotify)
        );
    }
}

#[test]
fn our_server_with_s_client_every_group() {
    if !require_peer("openssl") {
        return;
    }
    // An RSA certificate: in TLS 1.2 OpenSSL also checks an ECDSA certificate's curve
    // against the groups it offered (RFC 8422 5.1), so `-groups X25519` would rule
    // out a P-256 certificate.
    let dir = TempDir::new("ossl12-srv-groups");
    let id = Identity::server(&dir, KeyKind::Rsa);
    for (gname, group) in GROUPS {
        let alerts = Arc::new(Alerts::default());
        let (mut ours, mut peer) = s_client(
            server_config(&id, V12, None, &alerts),
            &[
                "-tls1_2",
                "-cipher",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "-groups",
                gname,
            ],
        );
        ours.handshake()
            .unwrap_or_else(|e| panic!("{gname}: {e:?}; s_client printed:\n{}", peer.final_text()));
        assert_negotiated(
            &ours,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            Some(group),
        );
        exchange_with_s_client(&mut ours, &mut peer);
        let expected = match group {
            NamedGroup::X25519 => "Server Temp Key: X25519",
            NamedGroup::secp256r1 => "Server Temp Key: ECDH, prime256v1",
            _ => "Server Temp Key: ECDH, secp384r1",
        };
        assert!(peer.text().contains(expected), "{gname}: {}", peer.text());
    }
}

/// Starts `openssl s_server` on a free port, waits until it accepts, and connects.
fn s_server(args: &[&str]) -> (std::net::TcpStream, Peer) {
    let port = peers::free_port();
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_server",
        "-accept",
        &format!("127.0.0.1:{port}"),
        "-naccept",
        "1",
    ])
    .args(args);
    let mut peer = Peer::spawn(cmd);
    peer.wait_for("ACCEPT");
    let sock = peers::connect_when_listening(port, &mut peer);
    (sock, peer)
}

/// Unique tokens both ways between our client and s_server (which prints what it
/// receives and sends what is typed on its stdin).
fn exchange_with_s_server(ours: &mut Ours<ClientConnection>, peer: &mut Peer) {
    let (to_peer, to_us) = (token("cli"), token("srv"));
    ours.send(format!("{to_peer}\n").as_bytes());
    peer.wait_for(&to_peer);
    peer.write(format!("{to_us}\n").as_bytes());
    ours.receive_until(to_us.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}; s_server printed:\n{}", peer.final_text()));
}

fn our_client(
    id: &Identity,
    versions: &[ProtocolVersion],
    cert: Option<&Identity>,
    alerts: &Arc<Alerts>,
    sock: std::net::TcpStream,
) -> Ours<ClientConnection> {
    let name = ServerName::try_from("localhost").unwrap();
    let conn = ClientConnection::new(client_config(id, versions, cert, alerts), name).unwrap();
    Ours::new(conn, sock)
}

#[test]
fn our_client_with_s_server_every_suite_and_group() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("ossl12-cli");
    let ecdsa = Identity::server(&dir, KeyKind::Ecdsa);
    let rsa = Identity::server(&dir, KeyKind::Rsa);
    for (name, suite, kind) in SUITES {
        let id = if kind == KeyKind::Ecdsa { &ecdsa } else { &rsa };
        for (gname, group) in GROUPS {
            // Alternate our offered versions: 1.2 only, then 1.3 and 1.2.
            let versions = if group == NamedGroup::secp256r1 {
                V12
            } else {
                BOTH
            };
            let ctx = format!("{name} {gname} {versions:?}");
            let (sock, mut peer) = s_server(&[
                "-cert",
                id.cert_pem.to_str().unwrap(),
                "-key",
                id.key_pem.to_str().unwrap(),
                "-tls1_2",
                "-cipher",
                name,
                "-groups",
                gname,
            ]);
            let alerts = Arc::new(Alerts::default());
            let mut ours = our_client(id, versions, None, &alerts, sock);
            ours.handshake().unwrap_or_else(|e| {
                panic!("{ctx}: {e:?}; s_server printed:\n{}", peer.final_text())
            });
            assert_negotiated(&ours, suite, Some(group));
            exchange_with_s_server(&mut ours, &mut peer);
            let text = peer.text();
            assert!(text.contains(&format!("CIPHER is {name}")), "{ctx}: {text}");
            assert!(
                text.contains("Secure Renegotiation IS supported"),
                "{ctx}: {text}"
            );
            ours.close();
        }
    }
}

#[test]
fn client_certificate_our_server_s_client() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("ossl12-mtls-srv");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    let client = Identity::client(&dir);
    let alerts = Arc::new(Alerts::default());
    let (mut ours, mut peer) = s_client(
        server_config(&id, BOTH, Some(&client), &alerts),
        &[
            "-tls1_2",
            "-cert",
            client.cert_pem.to_str().unwrap(),
            "-key",
            client.key_pem.to_str().unwrap(),
        ],
    );
    ours.handshake()
        .unwrap_or_else(|e| panic!("{e:?}; s_client printed:\n{}", peer.final_text()));
    assert_eq!(ours.conn.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(ours.conn.peer_certificates(), Some(&client.chain[..]));
    exchange_with_s_client(&mut ours, &mut peer);

    // Without a certificate, the mandatory client auth fails the handshake.
    let alerts = Arc::new(Alerts::default());
    let (mut ours, mut peer) = s_client(
        server_config(&id, BOTH, Some(&client), &alerts),
        &["-tls1_2"],
    );
    match ours.handshake() {
        Err(Failure::Tls(Error::Certificate(CertificateError::NoCertificate))) => {}
        other => panic!("{other:?}; s_client printed:\n{}", peer.final_text()),
    }
}

#[test]
fn client_certificate_our_client_s_server() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("ossl12-mtls-cli");
    let id = Identity::server(&dir, KeyKind::Rsa);
    let client = Identity::client(&dir);
    let (sock, mut peer) = s_server(&[
        "-cert",
        id.cert_pem.to_str().unwrap(),
        "-key",
        id.key_pem.to_str().unwrap(),
        "-tls1_2",
        "-Verify",
        "1",
        "-CAfile",
        client.ca_pem.to_str().unwrap(),
    ]);
    let alerts = Arc::new(Alerts::default());
    let mut ours = our_client(&id, BOTH, Some(&client), &alerts, sock);
    ours.handshake()
        .unwrap_or_else(|e| panic!("{e:?}; s_server printed:\n{}", peer.final_text()));
    assert_eq!(ours.conn.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    exchange_with_s_server(&mut ours, &mut peer);
    let text = peer.text();
    assert!(text.contains("CN = client.test"), "{text}");
    assert!(!text.contains("verify error"), "{text}");
}

#[test]
fn legacy_versions_are_refused() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("ossl12-legacy");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    for flag in ["-tls1_1", "-tls1"] {
        let alerts = Arc::new(Alerts::default());
        let (mut ours, mut peer) = s_client(
            server_config(&id, BOTH, None, &alerts),
            // OpenSSL 3 sends nothing before TLS 1.2 at its default security level.
            &[flag, "-cipher", "DEFAULT:@SECLEVEL=0"],
        );
        match ours.handshake() {
            Err(Failure::Tls(Error::PeerIncompatible(PeerIncompatible::OnlyLegacyVersions))) => {}
            other => panic!(
                "{flag}: {other:?}; s_client printed:\n{}",
                peer.final_text()
            ),
        }
        assert_eq!(alerts.sent(), [AlertDescription::ProtocolVersion]);
        peer.wait_for("alert protocol version");
    }
}

#[test]
fn rsa_key_exchange_is_refused() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("ossl12-rsakx");
    let id = Identity::server(&dir, KeyKind::Rsa);
    let alerts = Arc::new(Alerts::default());
    let (mut ours, mut peer) = s_client(
        server_config(&id, BOTH, None, &alerts),
        &["-tls1_2", "-cipher", "AES128-GCM-SHA256"],
    );
    let expected: Error = PeerIncompatible::OnlyRefused(
        "cipher suites: RSA key exchange (no forward secrecy)".into(),
    )
    .into();
    match ours.handshake() {
        Err(Failure::Tls(e)) if e == expected => {}
        other => panic!("{other:?}; s_client printed:\n{}", peer.final_text()),
    }
    assert_eq!(alerts.sent(), [AlertDescription::HandshakeFailure]);
    peer.wait_for("alert handshake failure");
}

#[test]
fn s_client_renegotiation_gets_no_renegotiation() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("ossl12-reneg-srv");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    let alerts = Arc::new(Alerts::default());
    let (mut ours, mut peer) = s_client(server_config(&id, V12, None, &alerts), &["-tls1_2"]);
    ours.handshake()
        .unwrap_or_else(|e| panic!("{e:?}; s_client printed:\n{}", peer.final_text()));
    exchange_with_s_client(&mut ours, &mut peer);

    // "R" asks s_client to renegotiate: it sends a new ClientHello, which we answer
    // with a no_renegotiation warning (RFC 5746 4.4, RFC 5246 7.2.2).
    peer.write(b"R\n");
    peer.wait_for("RENEGOTIATING");
    let probe = token("after");
    let outcome = ours.receive_until(probe.as_bytes());
    assert_eq!(alerts.sent(), [AlertDescription::NoRenegotiation]);
    // OpenSSL treats a refused renegotiation it asked for as fatal: it answers the
    // warning with a handshake_failure alert and drops the connection, so the
    // connection cannot go on with OpenSSL as the renegotiating client.
    match outcome {
        Err(Failure::Tls(Error::AlertReceived(AlertDescription::HandshakeFailure))) => {}
        other => panic!("{other:?}; s_client printed:\n{}", peer.final_text()),
    }
    peer.wait_for("no renegotiation");
}

#[test]
fn s_server_hello_request_gets_no_renegotiation() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("ossl12-reneg-cli");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    let (sock, mut peer) = s_server(&[
        "-cert",
        id.cert_pem.to_str().unwrap(),
        "-key",
        id.key_pem.to_str().unwrap(),
        "-tls1_2",
    ]);
    let alerts = Arc::new(Alerts::default());
    let mut ours = our_client(&id, BOTH, None, &alerts, sock);
    ours.handshake()
        .unwrap_or_else(|e| panic!("{e:?}; s_server printed:\n{}", peer.final_text()));
    exchange_with_s_server(&mut ours, &mut peer);

    // "r" makes s_server send a HelloRequest; we answer with a no_renegotiation
    // warning (RFC 5746 4.2, RFC 5246 7.4.1.1).
    peer.write(b"r\n");
    let outcome = ours.receive_until(token("after").as_bytes());
    assert_eq!(alerts.sent(), [AlertDescription::NoRenegotiation]);
    // OpenSSL treats the refusal of a renegotiation it asked for as fatal (it sends
    // handshake_failure), so the connection cannot go on with OpenSSL as the server.
    match outcome {
        Err(Failure::Tls(Error::AlertReceived(AlertDescription::HandshakeFailure))) => {}
        other => panic!("{other:?}; s_server printed:\n{}", peer.final_text()),
    }
    peer.wait_for("no renegotiation");
}

/// The hex bytes of the first handshake message called `name` that s_client's
/// `-msg` output shows as received.
fn received_message(text: &str, name: &str) -> Vec<u8> {
    let mut lines = text.lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("<<<") && l.ends_with(name))
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"));
    let mut out = Vec::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() || !line.split_whitespace().all(|t| t.len() == 2) {
            break;
        }
        out.extend(common::hex(line));
    }
    out
}

#[test]
fn downgrade_sentinel_is_visible_to_s_client() {
    if !require_peer("openssl") {
        return;
    }
    let dir = TempDir::new("ossl12-downgrade");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    for (versions, sentinel) in [(BOTH, true), (V12, false)] {
        let alerts = Arc::new(Alerts::default());
        let (mut ours, mut peer) = s_client(
            server_config(&id, versions, None, &alerts),
            &["-tls1_2", "-msg"],
        );
        ours.handshake()
            .unwrap_or_else(|e| panic!("{e:?}; s_client printed:\n{}", peer.final_text()));
        exchange_with_s_client(&mut ours, &mut peer);
        // -msg prints each message as it goes; once the next one (Certificate) is
        // out, the ServerHello's dump is whole.
        let hello = received_message(&peer.wait_for("], Certificate"), "ServerHello");
        // type(1) length(3) version(2) random(32)
        assert_eq!(&hello[..1], [2]);
        let random = &hello[6..38];
        // RFC 8446 4.1.3: a TLS 1.3 server negotiating TLS 1.2 ends its random so.
        assert_eq!(
            &random[24..] == b"DOWNGRD\x01",
            sentinel,
            "{versions:?}: random {random:02x?}"
        );
    }
}
