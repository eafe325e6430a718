//! Whole handshakes between our client and our server in memory (no sockets): full
//! and resumed, TLS 1.3 and TLS 1.2, ECDSA P-256 certificate, X25519. Each iteration
//! is one complete handshake (both sides' CPU), so the median is the cost of one
//! connection setup and `1 / median` the handshakes per second of one core running
//! both ends.
//!
//! Run with `cargo bench --bench handshake`. Under `cargo test --all-targets` each body
//! runs once, and checks that the handshake really completed (and resumed, where it
//! should).

use std::sync::Arc;

use divan::Bencher;
use handclasp::enums::ProtocolVersion;
use handclasp::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

fn main() {
    divan::main();
}

/// A client config trusting a fresh self-signed `localhost` certificate, and a server
/// config presenting it.
fn configs(version: ProtocolVersion, resumption: bool) -> (Arc<ClientConfig>, Arc<ServerConfig>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let mut roots = RootStore::empty();
    roots.add(cert.der()).unwrap();
    let mut client = ClientConfig::builder()
        .with_root_store(roots)
        .with_protocol_versions(&[version]);
    if !resumption {
        client = client.with_session_store(None);
    }
    let client = client.build().unwrap();
    let server = ServerConfig::builder()
        .with_protocol_versions(&[version])
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap()
        .build()
        .unwrap();
    (Arc::new(client), Arc::new(server))
}

fn transfer(from: &mut Connection, to: &mut Connection) {
    while from.wants_write() {
        let n = to.read_tls_from_slice(from.pending_tls());
        from.consume_tls(n);
        to.process_new_packets().unwrap();
    }
}

/// One complete handshake (tickets included); returns whether it resumed.
fn handshake(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>) -> bool {
    let mut c =
        ClientConnection::new(client.clone(), ServerName::try_from("localhost").unwrap()).unwrap();
    let mut s = ServerConnection::new(server.clone()).unwrap();
    while c.is_handshaking() || s.is_handshaking() || c.wants_write() || s.wants_write() {
        transfer(&mut c, &mut s);
        transfer(&mut s, &mut c);
    }
    assert_eq!(c.is_resumed(), s.is_resumed());
    c.is_resumed()
}

const VERSIONS: &[&str] = &["tls13", "tls12"];

fn version(name: &str) -> ProtocolVersion {
    match name {
        "tls13" => ProtocolVersion::TLSv1_3,
        _ => ProtocolVersion::TLSv1_2,
    }
}

/// A full handshake: certificate, signature and verification, ECDHE. Resumption is
/// off on the client, so every iteration is full.
#[divan::bench(args = VERSIONS)]
fn full(bencher: Bencher, name: &str) {
    let (client, server) = configs(version(name), false);
    bencher.bench_local(|| assert!(!handshake(&client, &server)));
}

/// A resumed handshake: TLS 1.3 PSK with (EC)DHE and a stateless ticket, TLS 1.2
/// session ticket. Each iteration leaves a fresh ticket for the next.
#[divan::bench(args = VERSIONS)]
fn resumed(bencher: Bencher, name: &str) {
    let (client, server) = configs(version(name), true);
    handshake(&client, &server);
    bencher.bench_local(|| assert!(handshake(&client, &server)));
}
