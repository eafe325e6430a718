//! TLS 1.3 and TLS 1.2 interop with GnuTLS's command-line tools: our client against
//! `gnutls-serv --echo`, our server against `gnutls-cli`, with priority strings that
//! pin each suite and group in turn, and client certificates both ways. The peer runs
//! as a child process on 127.0.0.1; our side runs in the test over a `TcpStream`.
use crate::common;

use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;

use common::peers::{
    Alerts, Identity, KeyKind, Ours, Peer, TempDir, accept, gnutls_serv, listen, require_peers,
    run_in_loopback_only_netns, token,
};
use common::pki::{NOV_2026, at};
use handclasp::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use handclasp::pki_types::ServerName;
use handclasp::time::FixedTime;
use handclasp::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};

const V12: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_2];
const V13: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_3];
const BOTH: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];

/// (GnuTLS cipher name, TLS 1.3 suite, TLS 1.2 ECDHE_ECDSA suite, TLS 1.2 ECDHE_RSA suite).
const CIPHERS: [(&str, CipherSuite, CipherSuite, CipherSuite); 3] = [
    (
        "AES-128-GCM",
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "AES-256-GCM",
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "CHACHA20-POLY1305",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

/// (GnuTLS group name, code point, name in GnuTLS's description line).
const GROUPS: [(&str, NamedGroup, &str); 3] = [
    ("X25519", NamedGroup::X25519, "ECDHE-X25519"),
    ("SECP256R1", NamedGroup::secp256r1, "ECDHE-SECP256R1"),
    ("SECP384R1", NamedGroup::secp384r1, "ECDHE-SECP384R1"),
];

/// One pinned handshake: protocol version, cipher, group, server key type.
#[derive(Clone, Copy, Debug)]
struct Case {
    version: ProtocolVersion,
    cipher: usize,
    group: usize,
    key: KeyKind,
}

impl Case {
    /// A priority string allowing only this case's version, cipher, group and (TLS
    /// 1.2) key exchange.
    /// The priority string pinning this case. `client`: for gnutls-cli, which must
    /// also list the curve of our ECDSA certificate in TLS 1.2.
    fn priority(&self, client: bool) -> String {
        let (vers, kx) = match (self.version, self.key) {
            (ProtocolVersion::TLSv1_3, _) => ("TLS1.3", ""),
            (_, KeyKind::Ecdsa) => ("TLS1.2", ":-KX-ALL:+ECDHE-ECDSA"),
            (_, KeyKind::Rsa) => ("TLS1.2", ":-KX-ALL:+ECDHE-RSA"),
        };
        // RFC 8422 5.1.1: in TLS 1.2 the groups also name the curves the client can
        // verify ECDSA certificates on, so the ECDSA cases add the P-256
        // certificate's curve after the pinned group.
        let cert_curve = match (self.version, self.key, GROUPS[self.group].1) {
            (ProtocolVersion::TLSv1_2, KeyKind::Ecdsa, group)
                if client && group != NamedGroup::secp256r1 =>
            {
                ":+GROUP-SECP256R1"
            }
            _ => "",
        };
        format!(
            "NORMAL:-VERS-ALL:+VERS-{vers}:-CIPHER-ALL:+{}:-GROUP-ALL:+GROUP-{}{cert_curve}{kx}",
            CIPHERS[self.cipher].0, GROUPS[self.group].0
        )
    }

    fn suite(&self) -> CipherSuite {
        let (_, v13, ecdsa, rsa) = CIPHERS[self.cipher];
        match (self.version, self.key) {
            (ProtocolVersion::TLSv1_3, _) => v13,
            (_, KeyKind::Ecdsa) => ecdsa,
            (_, KeyKind::Rsa) => rsa,
        }
    }

    /// The start of GnuTLS's "- Description:" line for this case.
    fn description(&self) -> String {
        let vers = if self.version == ProtocolVersion::TLSv1_3 {
            "TLS1.3"
        } else {
            "TLS1.2"
        };
        format!("- Description: ({vers}-X.509)-({})-", GROUPS[self.group].2)
    }

    /// Every cipher with the first group, then every group with the first cipher,
    /// for both versions and (TLS 1.2) both key types.
    fn all() -> Vec<Case> {
        let mut out = Vec::new();
        for (version, keys) in [
            (ProtocolVersion::TLSv1_3, &[KeyKind::Ecdsa][..]),
            (
                ProtocolVersion::TLSv1_2,
                &[KeyKind::Ecdsa, KeyKind::Rsa][..],
            ),
        ] {
            for &key in keys {
                for cipher in 0..CIPHERS.len() {
                    out.push(Case {
                        version,
                        cipher,
                        group: 0,
                        key,
                    });
                }
                for group in 1..GROUPS.len() {
                    out.push(Case {
                        version,
                        cipher: 0,
                        group,
                        key,
                    });
                }
            }
        }
        out
    }
}

fn check_negotiated<C: std::ops::DerefMut<Target = handclasp::Connection>>(
    ours: &Ours<C>,
    case: &Case,
) {
    assert_eq!(ours.conn.protocol_version(), Some(case.version), "{case:?}");
    assert_eq!(
        ours.conn.negotiated_cipher_suite().map(|s| s.suite()),
        Some(case.suite()),
        "{case:?}"
    );
    assert_eq!(
        ours.conn.negotiated_group(),
        Some(GROUPS[case.group].1),
        "{case:?}"
    );
}

fn our_client(
    id: &Identity,
    versions: &[ProtocolVersion],
    cert: Option<&Identity>,
    sock: TcpStream,
) -> Ours<ClientConnection> {
    let mut builder = ClientConfig::builder()
        .with_root_store(id.roots.clone())
        .with_protocol_versions(versions)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_observer(Arc::new(Alerts::default()));
    if let Some(cert) = cert {
        builder = builder
            .with_client_auth_cert(cert.chain.clone(), cert.key.clone_key())
            .unwrap();
    }
    let config = Arc::new(builder.build().unwrap());
    let name = ServerName::try_from("localhost").unwrap();
    Ours::new(ClientConnection::new(config, name).unwrap(), sock)
}

/// A unique token to the echo server: it must show up in its log and come back.
fn echo_round_trip(ours: &mut Ours<ClientConnection>, peer: &mut Peer) {
    let tok = token("cli");
    ours.send(format!("{tok}\n").as_bytes());
    ours.receive_until(tok.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}; gnutls-serv printed:\n{}", peer.final_text()));
    peer.wait_for(&format!("received cmd: {tok}"));
}

#[test]
fn our_client_with_gnutls_serv() {
    // gnutls-serv listens on every interface: run where the only one is loopback.
    if !require_peers(&["stdbuf", "gnutls-serv"]) || !run_in_loopback_only_netns() {
        return;
    }
    let dir = TempDir::new("gnutls-cli-side");
    let ecdsa = Identity::server(&dir, KeyKind::Ecdsa);
    let rsa = Identity::server(&dir, KeyKind::Rsa);
    for (i, case) in Case::all().into_iter().enumerate() {
        let id = if case.key == KeyKind::Ecdsa {
            &ecdsa
        } else {
            &rsa
        };
        // Alternate what we offer: only the pinned version, then both.
        let versions = match (case.version, i % 2) {
            (_, 0) => BOTH,
            (ProtocolVersion::TLSv1_3, _) => V13,
            _ => V12,
        };
        let priority = case.priority(false);
        let (sock, mut peer) = gnutls_serv(id, &["--priority", &priority]);
        let mut ours = our_client(id, versions, None, sock);
        ours.handshake().unwrap_or_else(|e| {
            panic!(
                "{case:?} {priority}: {e:?}; gnutls-serv printed:\n{}",
                peer.final_text()
            )
        });
        check_negotiated(&ours, &case);
        echo_round_trip(&mut ours, &mut peer);
        let text = peer.wait_for(&case.description());
        if case.version == ProtocolVersion::TLSv1_2 {
            // gnutls-serv prints the options after the description line: wait for
            // them rather than look at what was printed so far.
            peer.wait_for("- Options: extended master secret, safe renegotiation");
        }
        assert!(text.contains(&case.description()), "{case:?}: {text}");
        ours.close();
    }
}

/// Starts `gnutls-cli` against a fresh listener and accepts its connection on our
/// server; returns before the handshake.
fn gnutls_cli(
    config: Arc<ServerConfig>,
    id: &Identity,
    args: &[&str],
) -> (Ours<ServerConnection>, Peer) {
    let (listener, port) = listen();
    let mut cmd = Command::new("stdbuf");
    cmd.args([
        "-oL",
        "-eL",
        "gnutls-cli",
        "127.0.0.1",
        "-p",
        &port.to_string(),
    ])
    .args(["--x509cafile", id.ca_pem.to_str().unwrap()])
    .args([
        "--verify-hostname",
        "localhost",
        "--sni-hostname",
        "localhost",
    ])
    .args(args);
    let mut peer = Peer::spawn(cmd);
    let sock = accept(&listener, &mut peer);
    (
        Ours::new(ServerConnection::new(config).unwrap(), sock),
        peer,
    )
}

fn server_config(id: &Identity, client_auth: Option<&Identity>) -> Arc<ServerConfig> {
    server_config_with_groups(id, client_auth, None)
}

/// Our server, accepting only `group` when given (so it cannot prefer another).
fn server_config_with_groups(
    id: &Identity,
    client_auth: Option<&Identity>,
    group: Option<NamedGroup>,
) -> Arc<ServerConfig> {
    let mut provider = handclasp::crypto::ring::default_provider();
    if let Some(group) = group {
        provider.kx_groups.retain(|g| g.name() == group);
    }
    let mut builder = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_observer(Arc::new(Alerts::default()))
        .with_single_cert(id.chain.clone(), id.key.clone_key())
        .unwrap();
    if let Some(client) = client_auth {
        builder = builder.with_client_auth_roots(client.roots.clone(), true);
    }
    Arc::new(builder.build().unwrap())
}

/// Unique tokens both ways between our server and gnutls-cli (which sends what it
/// reads on stdin and prints what it receives).
fn exchange_with_gnutls_cli(ours: &mut Ours<ServerConnection>, peer: &mut Peer) {
    peer.wait_for("- Handshake was completed");
    let (to_peer, to_us) = (token("srv"), token("cli"));
    ours.send(format!("{to_peer}\n").as_bytes());
    peer.write(format!("{to_us}\n").as_bytes());
    ours.receive_until(to_us.as_bytes())
        .unwrap_or_else(|e| panic!("{e:?}; gnutls-cli printed:\n{}", peer.final_text()));
    peer.wait_for(&to_peer);
}

#[test]
fn our_server_with_gnutls_cli() {
    if !require_peers(&["stdbuf", "gnutls-cli"]) {
        return;
    }
    let dir = TempDir::new("gnutls-srv-side");
    let ecdsa = Identity::server(&dir, KeyKind::Ecdsa);
    let rsa = Identity::server(&dir, KeyKind::Rsa);
    for case in Case::all() {
        let id = if case.key == KeyKind::Ecdsa {
            &ecdsa
        } else {
            &rsa
        };
        let priority = case.priority(true);
        let config = server_config_with_groups(id, None, Some(GROUPS[case.group].1));
        let (mut ours, mut peer) = gnutls_cli(config, id, &["--priority", &priority]);
        ours.handshake().unwrap_or_else(|e| {
            panic!(
                "{case:?} {priority}: {e:?}; gnutls-cli printed:\n{}",
                peer.final_text()
            )
        });
        check_negotiated(&ours, &case);
        exchange_with_gnutls_cli(&mut ours, &mut peer);
        let text = peer.text();
        assert!(text.contains(&case.description()), "{case:?}: {text}");
        // gnutls-cli verified our chain against the root and the name.
        assert!(!text.contains("NOT trusted"), "{case:?}: {text}");
        if case.version == ProtocolVersion::TLSv1_2 {
            assert!(
                text.contains("- Options: extended master secret, safe renegotiation"),
                "{case:?}: {text}"
            );
        }
        ours.close();
    }
}

#[test]
fn client_certificates_with_gnutls() {
    // gnutls-serv listens on every interface: run where the only one is loopback.
    if !require_peers(&["stdbuf", "gnutls-serv", "gnutls-cli"]) || !run_in_loopback_only_netns() {
        return;
    }
    let dir = TempDir::new("gnutls-mtls");
    let id = Identity::server(&dir, KeyKind::Ecdsa);
    let client = Identity::client(&dir);
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        let vers = if version == ProtocolVersion::TLSv1_3 {
            "TLS1.3"
        } else {
            "TLS1.2"
        };
        let priority = format!("NORMAL:-VERS-ALL:+VERS-{vers}");

        // Our client presents a certificate to gnutls-serv, which requires one.
        let (sock, mut peer) = gnutls_serv(
            &id,
            &[
                "--priority",
                &priority,
                "--require-client-cert",
                "--verify-client-cert",
                "--x509cafile",
                client.ca_pem.to_str().unwrap(),
            ],
        );
        let mut ours = our_client(&id, BOTH, Some(&client), sock);
        ours.handshake().unwrap_or_else(|e| {
            panic!("{vers}: {e:?}; gnutls-serv printed:\n{}", peer.final_text())
        });
        assert_eq!(ours.conn.protocol_version(), Some(version));
        echo_round_trip(&mut ours, &mut peer);
        // gnutls-serv prints the client certificate's details on another stream than
        // the echo, so they may come after it: wait for them.
        let text = peer.wait_for("CN=client.test");
        assert!(!text.contains("NOT trusted"), "{vers}: {text}");
        drop(peer);

        // gnutls-cli presents a certificate to our server, which requires one.
        let (mut ours, mut peer) = gnutls_cli(
            server_config(&id, Some(&client)),
            &id,
            &[
                "--priority",
                &priority,
                "--x509certfile",
                client.cert_pem.to_str().unwrap(),
                "--x509keyfile",
                client.key_pem.to_str().unwrap(),
            ],
        );
        ours.handshake().unwrap_or_else(|e| {
            panic!("{vers}: {e:?}; gnutls-cli printed:\n{}", peer.final_text())
        });
        assert_eq!(ours.conn.protocol_version(), Some(version));
        assert_eq!(ours.conn.peer_certificates(), Some(&client.chain[..]));
        exchange_with_gnutls_cli(&mut ours, &mut peer);
    }
}
