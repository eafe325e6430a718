//! In-memory TLS 1.3 handshakes between our client and our server: every suite, group
//! and server key type, then HelloRetryRequest, mutual TLS, ALPN, SNI, KeyUpdate,
//! exporters, bulk data and closure.
use crate::common;

use std::sync::Arc;

use common::events::{Recorder, Seen};
use common::pair::{Chunking, Pair};
use common::pki::{self, Ca, LeafSpec, NOV_2026, at};
use common::provider;
use handclasp::client::ClientConfigBuilder;
use handclasp::crypto::CryptoProvider;
use handclasp::enums::{
    AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme,
};
use handclasp::error::PeerIncompatible;
use handclasp::events::Side;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer};
use handclasp::server::ServerConfigBuilder;
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, Error, ServerConfig};

const SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
];
const GROUPS: [NamedGroup; 3] = [
    NamedGroup::X25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
];

fn all_suites() -> Vec<CipherSuite> {
    SUITES.to_vec()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum KeyType {
    EcdsaP256,
    EcdsaP384,
    Ed25519,
    Rsa2048,
}

/// A trust root and a server leaf of the given key type for `names`.
fn server_pki(
    key: KeyType,
    names: &[&'static str],
) -> (
    RootStore,
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
) {
    let (root_cert, chain, key) = match key {
        KeyType::EcdsaP256 => leaf_from_ca(&rcgen::PKCS_ECDSA_P256_SHA256, names),
        KeyType::EcdsaP384 => leaf_from_ca(&rcgen::PKCS_ECDSA_P384_SHA384, names),
        KeyType::Ed25519 => leaf_from_ca(&rcgen::PKCS_ED25519, names),
        KeyType::Rsa2048 => leaf_from_ca(&rcgen::PKCS_RSA_SHA256, names),
    };
    let mut roots = RootStore::empty();
    roots.add(&root_cert).unwrap();
    (roots, chain, key)
}

fn leaf_from_ca(
    alg: &'static rcgen::SignatureAlgorithm,
    names: &[&'static str],
) -> (
    CertificateDer<'static>,
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
) {
    let root = Ca::root("matrix root");
    let leaf = root.issue(&LeafSpec {
        algorithm: alg,
        ..LeafSpec::server(names)
    });
    (root.cert.clone(), leaf.chain, leaf.key)
}

fn client_builder(
    p: &Arc<CryptoProvider>,
    roots: RootStore,
    rec: &Arc<Recorder>,
) -> ClientConfigBuilder {
    ClientConfig::builder_with_provider(p.clone())
        .with_root_store(roots)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_observer(rec.clone())
}

fn server_builder(
    p: &Arc<CryptoProvider>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    rec: &Arc<Recorder>,
) -> ServerConfigBuilder {
    ServerConfig::builder_with_provider(p.clone())
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_observer(rec.clone())
        .with_single_cert(chain, key)
        .unwrap()
}

/// A default pair (every suite and group, ECDSA P-256 server for "a.test").
fn default_pair(rec: &Arc<Recorder>) -> Pair {
    let p = provider::with(&all_suites(), &GROUPS);
    let (roots, chain, key) = server_pki(KeyType::EcdsaP256, &["a.test"]);
    let client = client_builder(&p, roots, rec).build().unwrap();
    let server = server_builder(&p, chain, key, rec).build().unwrap();
    Pair::new(Arc::new(client), Arc::new(server), "a.test")
}

fn expected_scheme(key: KeyType) -> SignatureScheme {
    match key {
        KeyType::EcdsaP256 => SignatureScheme::ECDSA_NISTP256_SHA256,
        KeyType::EcdsaP384 => SignatureScheme::ECDSA_NISTP384_SHA384,
        KeyType::Ed25519 => SignatureScheme::ED25519,
        KeyType::Rsa2048 => SignatureScheme::RSA_PSS_SHA256,
    }
}

fn matrix_handshake(suite: CipherSuite, group: NamedGroup, key: KeyType, chunking: Chunking) {
    let ctx = format!("{suite:?} {group:?} {key:?} {chunking:?}");
    let rec = Arc::new(Recorder::default());
    let p = provider::with(&[suite], &[group]);
    let (roots, chain, key_der) = server_pki(key, &["matrix.test"]);
    let client = client_builder(&p, roots, &rec).build().unwrap();
    let server = server_builder(&p, chain, key_der, &rec).build().unwrap();
    let mut pair =
        Pair::new(Arc::new(client), Arc::new(server), "matrix.test").with_chunking(chunking);
    pair.handshake().unwrap_or_else(|e| panic!("{ctx}: {e}"));
    for conn in [&*pair.client, &*pair.server] {
        assert_eq!(
            conn.protocol_version(),
            Some(ProtocolVersion::TLSv1_3),
            "{ctx}"
        );
        assert_eq!(
            conn.negotiated_cipher_suite().map(|s| s.suite()),
            Some(suite),
            "{ctx}"
        );
        assert_eq!(conn.negotiated_group(), Some(group), "{ctx}");
        assert!(!conn.is_handshaking(), "{ctx}");
    }
    let scheme = expected_scheme(key);
    assert_eq!(
        rec.of(Side::Server)
            .iter()
            .filter(|e| matches!(e, Seen::SignatureSent(_)))
            .collect::<Vec<_>>(),
        [&Seen::SignatureSent(scheme)],
        "{ctx}"
    );
    assert_eq!(
        rec.of(Side::Client)
            .iter()
            .filter(|e| matches!(e, Seen::SignatureVerified(_)))
            .collect::<Vec<_>>(),
        [&Seen::SignatureVerified(scheme)],
        "{ctx}"
    );
    assert!(
        rec.of(Side::Client)
            .iter()
            .all(|e| !matches!(e, Seen::Hrr { .. })),
        "{ctx}: no HRR expected"
    );
    assert_eq!(
        rec.count(
            Side::Client,
            &Seen::ServerHello {
                version: ProtocolVersion::TLSv1_3,
                suite,
                group: Some(group)
            }
        ),
        1,
        "{ctx}"
    );
    pair.send_and_receive(true, b"ping from the client");
    pair.send_and_receive(false, b"pong from the server");
}

const KEY_TYPES: [KeyType; 4] = [
    KeyType::EcdsaP256,
    KeyType::EcdsaP384,
    KeyType::Ed25519,
    KeyType::Rsa2048,
];

#[test]
fn matrix_suite_group_key_whole() {
    for suite in SUITES {
        for group in GROUPS {
            for key in KEY_TYPES {
                matrix_handshake(suite, group, key, Chunking::Whole);
            }
        }
    }
}

#[test]
fn matrix_suite_group_random_chunks() {
    // Every suite x group with random cuts; the key type rotates to cover all four.
    let mut seed = 11;
    for (i, suite) in SUITES.into_iter().enumerate() {
        for (j, group) in GROUPS.into_iter().enumerate() {
            seed += 1;
            matrix_handshake(suite, group, KEY_TYPES[(i + j) % 4], Chunking::Random(seed));
        }
    }
}

#[test]
fn matrix_bytewise_some_combos() {
    matrix_handshake(
        SUITES[0],
        NamedGroup::X25519,
        KeyType::EcdsaP256,
        Chunking::Bytewise,
    );
    matrix_handshake(
        SUITES[1],
        NamedGroup::secp384r1,
        KeyType::Rsa2048,
        Chunking::Bytewise,
    );
    matrix_handshake(
        SUITES[2],
        NamedGroup::secp256r1,
        KeyType::Ed25519,
        Chunking::Bytewise,
    );
}

#[test]
fn hello_retry_request_for_the_servers_group() {
    for cookie in [false, true] {
        for chunking in [Chunking::Whole, Chunking::Random(99)] {
            let rec = Arc::new(Recorder::default());
            // The client's first (and only) key share is X25519; the server takes only P-256.
            let cp = provider::with(&all_suites(), &[NamedGroup::X25519, NamedGroup::secp256r1]);
            let sp = provider::with(&all_suites(), &[NamedGroup::secp256r1]);
            let (roots, chain, key) = server_pki(KeyType::EcdsaP256, &["hrr.test"]);
            let client = client_builder(&cp, roots, &rec)
                .with_key_shares(1)
                .build()
                .unwrap();
            let server = server_builder(&sp, chain, key, &rec)
                .with_hrr_cookie(cookie)
                .build()
                .unwrap();
            let mut pair =
                Pair::new(Arc::new(client), Arc::new(server), "hrr.test").with_chunking(chunking);
            pair.handshake().unwrap();
            let hrr = Seen::Hrr {
                group: Some(NamedGroup::secp256r1),
                cookie,
            };
            assert_eq!(rec.count(Side::Client, &hrr), 1, "cookie={cookie}");
            assert_eq!(rec.count(Side::Server, &hrr), 1, "cookie={cookie}");
            assert_eq!(pair.client.negotiated_group(), Some(NamedGroup::secp256r1));
            assert_eq!(pair.server.negotiated_group(), Some(NamedGroup::secp256r1));
            pair.send_and_receive(true, b"after a retry");
            pair.send_and_receive(false, b"still fine");
        }
    }
}

#[test]
fn no_hello_retry_when_the_first_share_fits() {
    let rec = Arc::new(Recorder::default());
    let mut pair = default_pair(&rec);
    pair.handshake().unwrap();
    assert!(
        rec.of(Side::Client)
            .iter()
            .all(|e| !matches!(e, Seen::Hrr { .. }))
    );
    assert_eq!(pair.client.negotiated_group(), Some(NamedGroup::X25519));
}

/// A server (for "m.test") asking for client certificates from `client_root`.
fn mtls_pair(
    mandatory: bool,
    client_cert: Option<&pki::Leaf>,
    client_root: &Ca,
    rec: &Arc<Recorder>,
) -> Pair {
    let p = provider::with(&all_suites(), &GROUPS);
    let (roots, chain, key) = server_pki(KeyType::EcdsaP256, &["m.test"]);
    let mut client_roots = RootStore::empty();
    client_roots.add(&client_root.cert).unwrap();
    let mut cb = client_builder(&p, roots, rec);
    if let Some(leaf) = client_cert {
        cb = cb
            .with_client_auth_cert(leaf.chain.clone(), leaf.key.clone_key())
            .unwrap();
    }
    let server = server_builder(&p, chain, key, rec)
        .with_client_auth_roots(client_roots, mandatory)
        .build()
        .unwrap();
    Pair::new(Arc::new(cb.build().unwrap()), Arc::new(server), "m.test")
}

#[test]
fn mutual_tls_with_a_client_certificate() {
    let client_root = Ca::root("client root");
    let leaf = client_root.issue(&LeafSpec::client("client.test"));
    for mandatory in [true, false] {
        for chunking in [Chunking::Whole, Chunking::Random(5)] {
            let rec = Arc::new(Recorder::default());
            let mut pair =
                mtls_pair(mandatory, Some(&leaf), &client_root, &rec).with_chunking(chunking);
            pair.handshake().unwrap();
            assert_eq!(pair.server.peer_certificates(), Some(&leaf.chain[..]));
            // The client signed with its P-256 key and the server checked it.
            let scheme = SignatureScheme::ECDSA_NISTP256_SHA256;
            assert_eq!(rec.count(Side::Client, &Seen::SignatureSent(scheme)), 1);
            assert_eq!(rec.count(Side::Server, &Seen::SignatureVerified(scheme)), 1);
            pair.send_and_receive(true, b"authenticated client");
            pair.send_and_receive(false, b"hello, client.test");
        }
    }
}

#[test]
fn optional_client_auth_without_a_certificate() {
    let client_root = Ca::root("client root");
    let rec = Arc::new(Recorder::default());
    let mut pair = mtls_pair(false, None, &client_root, &rec);
    pair.handshake().unwrap();
    assert_eq!(pair.server.peer_certificates(), None);
    assert!(pair.client.peer_certificates().is_some());
    assert!(
        rec.of(Side::Client)
            .iter()
            .all(|e| !matches!(e, Seen::SignatureSent(_)))
    );
    pair.send_and_receive(true, b"anonymous client");
}

#[test]
fn required_client_auth_without_a_certificate_fails() {
    let client_root = Ca::root("client root");
    let rec = Arc::new(Recorder::default());
    let mut pair = mtls_pair(true, None, &client_root, &rec);
    match pair.handshake() {
        Err(Error::Certificate(handclasp::error::CertificateError::NoCertificate)) => {}
        other => panic!("expected NoCertificate, got {other:?}"),
    }
    assert_eq!(pair.server.peer_certificates(), None);
    assert_eq!(
        rec.count(
            Side::Server,
            &Seen::AlertSent(AlertDescription::CertificateRequired)
        ),
        1
    );
}

fn alpn_pair(client: &[&[u8]], server: &[&[u8]]) -> Pair {
    let rec = Arc::new(Recorder::default());
    let p = provider::with(&all_suites(), &GROUPS);
    let (roots, chain, key) = server_pki(KeyType::EcdsaP256, &["alpn.test"]);
    let to_vec = |l: &[&[u8]]| l.iter().map(|p| p.to_vec()).collect::<Vec<_>>();
    let c = client_builder(&p, roots, &rec)
        .with_alpn_protocols(to_vec(client))
        .build()
        .unwrap();
    let s = server_builder(&p, chain, key, &rec)
        .with_alpn_protocols(to_vec(server))
        .build()
        .unwrap();
    Pair::new(Arc::new(c), Arc::new(s), "alpn.test")
}

#[test]
fn alpn_agreement() {
    let mut pair = alpn_pair(&[b"h2", b"http/1.1"], &[b"h2"]);
    pair.handshake().unwrap();
    assert_eq!(pair.client.alpn_protocol(), Some(&b"h2"[..]));
    assert_eq!(pair.server.alpn_protocol(), Some(&b"h2"[..]));

    // The server's preference order wins.
    let mut pair = alpn_pair(&[b"h2", b"http/1.1"], &[b"http/1.1", b"h2"]);
    pair.handshake().unwrap();
    assert_eq!(pair.client.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert_eq!(pair.server.alpn_protocol(), Some(&b"http/1.1"[..]));

    // Only one side configured: nothing agreed, no failure.
    let mut pair = alpn_pair(&[b"h2"], &[]);
    pair.handshake().unwrap();
    assert_eq!(pair.client.alpn_protocol(), None);
    assert_eq!(pair.server.alpn_protocol(), None);
}

#[test]
fn alpn_without_overlap_fails_on_both_sides() {
    let mut pair = alpn_pair(&[b"h2"], &[b"spdy/3", b"http/1.1"]);
    match pair.client_to_server() {
        Err(Error::PeerIncompatible(PeerIncompatible::NoApplicationProtocol)) => {}
        other => panic!("expected NoApplicationProtocol on the server, got {other:?}"),
    }
    let alert = pair.server.pending_tls().to_vec();
    pair.client.read_tls_from_slice(&alert);
    assert_eq!(
        pair.client.process_new_packets().unwrap_err(),
        Error::AlertReceived(AlertDescription::NoApplicationProtocol)
    );
}

#[test]
fn sni_is_seen_by_the_server() {
    let rec = Arc::new(Recorder::default());
    let mut pair = default_pair(&rec);
    pair.handshake().unwrap();
    assert_eq!(pair.server.server_name(), Some("a.test"));
}

fn ip_pair(cert_names: &[&'static str], connect_to: &str) -> Pair {
    let root = Ca::root("ip root");
    let leaf = root.issue(&LeafSpec::server(cert_names));
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let rec = Arc::new(Recorder::default());
    let p = provider::with(&all_suites(), &GROUPS);
    let c = client_builder(&p, roots, &rec).build().unwrap();
    let s = server_builder(&p, leaf.chain, leaf.key, &rec)
        .build()
        .unwrap();
    Pair::new(Arc::new(c), Arc::new(s), connect_to)
}

#[test]
fn ip_address_server_name_sends_no_sni_and_checks_the_ip_san() {
    let mut pair = ip_pair(&["127.0.0.1"], "127.0.0.1");
    pair.handshake().unwrap();
    assert_eq!(pair.server.server_name(), None);
    pair.send_and_receive(true, b"by address");

    // The same certificate does not cover another address.
    let mut pair = ip_pair(&["127.0.0.1"], "127.0.0.2");
    match pair.handshake() {
        Err(Error::Certificate(handclasp::error::CertificateError::NotValidForName {
            expected,
            presented,
        })) => {
            assert_eq!(expected, "IP:127.0.0.2");
            assert_eq!(presented, ["IP:127.0.0.1"]);
        }
        other => panic!("expected NotValidForName, got {other:?}"),
    }
    // Nor does a DNS name in the certificate match an address.
    let mut pair = ip_pair(&["a.test"], "127.0.0.1");
    assert!(matches!(
        pair.handshake(),
        Err(Error::Certificate(
            handclasp::error::CertificateError::NotValidForName { .. }
        ))
    ));
}

#[test]
fn key_update_from_either_side() {
    for client_updates in [true, false] {
        for request_peer in [false, true] {
            let ctx = format!("client_updates={client_updates} request_peer={request_peer}");
            let rec = Arc::new(Recorder::default());
            let mut pair = default_pair(&rec);
            pair.handshake().unwrap();
            pair.send_and_receive(true, b"before");
            pair.send_and_receive(false, b"before");
            rec.clear();
            let (updater, peer) = if client_updates {
                (Side::Client, Side::Server)
            } else {
                (Side::Server, Side::Client)
            };
            let (sender, _) = pair.sides(client_updates);
            sender.refresh_traffic_keys(request_peer).unwrap();
            // Data after the update, in both directions, twice (so any answering
            // KeyUpdate from the peer travels too).
            for _ in 0..2 {
                pair.send_and_receive(client_updates, b"after the key update");
                pair.send_and_receive(!client_updates, b"answer after the update");
            }
            assert_eq!(
                rec.of(updater)
                    .iter()
                    .filter(|e| matches!(e, Seen::KeyUpdate { .. }))
                    .cloned()
                    .collect::<Vec<_>>(),
                if request_peer {
                    vec![
                        Seen::KeyUpdate { ours: true },
                        Seen::KeyUpdate { ours: false },
                    ]
                } else {
                    vec![Seen::KeyUpdate { ours: true }]
                },
                "{ctx}"
            );
            assert_eq!(
                rec.of(peer)
                    .iter()
                    .filter(|e| matches!(e, Seen::KeyUpdate { .. }))
                    .cloned()
                    .collect::<Vec<_>>(),
                if request_peer {
                    vec![
                        Seen::KeyUpdate { ours: false },
                        Seen::KeyUpdate { ours: true },
                    ]
                } else {
                    vec![Seen::KeyUpdate { ours: false }]
                },
                "{ctx}"
            );
        }
    }
}

#[test]
fn key_update_before_the_handshake_is_misuse() {
    let rec = Arc::new(Recorder::default());
    let mut pair = default_pair(&rec);
    assert!(matches!(
        pair.client.refresh_traffic_keys(false),
        Err(Error::ApiMisuse(_))
    ));
}

#[test]
fn exporters_agree() {
    let rec = Arc::new(Recorder::default());
    let mut pair = default_pair(&rec);
    let mut early = [0u8; 16];
    assert!(matches!(
        pair.client
            .export_keying_material(&mut early, b"EXPORTER-test", None),
        Err(Error::ApiMisuse(_))
    ));
    pair.handshake().unwrap();
    let export = |conn: &handclasp::Connection, label: &[u8], ctx: Option<&[u8]>| {
        let mut out = [0u8; 48];
        conn.export_keying_material(&mut out, label, ctx).unwrap();
        out
    };
    let c = export(&pair.client, b"EXPORTER-test", Some(b"context"));
    let s = export(&pair.server, b"EXPORTER-test", Some(b"context"));
    assert_eq!(c, s);
    assert_ne!(c, [0u8; 48]);
    let other_label = export(&pair.client, b"EXPORTER-other", Some(b"context"));
    assert_ne!(c, other_label);
    assert_eq!(
        other_label,
        export(&pair.server, b"EXPORTER-other", Some(b"context"))
    );
    let other_ctx = export(&pair.server, b"EXPORTER-test", Some(b"another context"));
    assert_ne!(c, other_ctx);
    // A second connection has different secrets.
    let mut pair2 = default_pair(&rec);
    pair2.handshake().unwrap();
    assert_ne!(c, export(&pair2.client, b"EXPORTER-test", Some(b"context")));
}

#[test]
fn one_mebibyte_each_way() {
    let data: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for chunking in [Chunking::Whole, Chunking::Random(2026)] {
        let rec = Arc::new(Recorder::default());
        let mut pair = default_pair(&rec).with_chunking(chunking);
        pair.handshake().unwrap();
        pair.send_and_receive(true, &data);
        pair.send_and_receive(false, &data);
    }
}

#[test]
fn close_notify() {
    common::events::check_close_notify(default_pair);
}

#[test]
fn plaintext_written_before_the_handshake_is_delivered_after_it() {
    for chunking in [Chunking::Whole, Chunking::Bytewise, Chunking::Random(3)] {
        let rec = Arc::new(Recorder::default());
        let mut pair = default_pair(&rec).with_chunking(chunking);
        assert_eq!(
            pair.client.write_plaintext(b"early client data").unwrap(),
            17
        );
        assert_eq!(
            pair.server.write_plaintext(b"early server data").unwrap(),
            17
        );
        pair.handshake().unwrap();
        // Flush whatever is left either way.
        pair.client_to_server().unwrap();
        pair.server_to_client().unwrap();
        let mut buf = [0u8; 64];
        let n = pair.server.read_plaintext(&mut buf);
        assert_eq!(&buf[..n], b"early client data", "{chunking:?}");
        let n = pair.client.read_plaintext(&mut buf);
        assert_eq!(&buf[..n], b"early server data", "{chunking:?}");
    }
}

#[test]
fn the_servers_encrypted_flight_is_packed_into_one_record() {
    // RFC 8446 5.1 lets handshake messages share a record: EncryptedExtensions,
    // Certificate, CertificateVerify and Finished go under one key, so one record
    // (the chain here is far below 2^14 bytes), after ServerHello and the CCS.
    use common::tamper::split_server_flight;
    let rec = Arc::new(Recorder::default());
    let mut pair = default_pair(&rec);
    pair.client_to_server().unwrap();
    let flight = pair.server.pending_tls().to_vec();
    let (plain, protected) = split_server_flight(&flight);
    assert!(!plain.is_empty());
    assert_eq!(protected.len(), 1, "{} protected records", protected.len());
    pair.server_to_client().unwrap();
    pair.client_to_server().unwrap();
    assert!(!pair.server.is_handshaking());
    // The tickets after the client's Finished share one record too.
    let tickets = common::tamper::split_records(pair.server.pending_tls());
    assert_eq!(tickets.len(), 1, "{} ticket records", tickets.len());
    pair.handshake().unwrap();
    // The client's flight with a certificate packs the same way: mTLS still works.
    let client_root = Ca::root("client root");
    let leaf = client_root.issue(&LeafSpec::client("client.test"));
    let mut pair = mtls_pair(true, Some(&leaf), &client_root, &rec);
    pair.handshake().unwrap();
    assert!(pair.server.peer_certificates().is_some());
}

/// The length of each protected record's inner plaintext in `wire` (ciphertext less
/// the 16-byte tag).
fn inner_lengths(wire: &[u8]) -> Vec<usize> {
    common::tamper::split_records(wire)
        .iter()
        .filter(|r| r.typ == handclasp::enums::ContentType::ApplicationData)
        .map(|r| r.payload.len() - 16)
        .collect()
}

#[test]
fn record_padding_hides_lengths_both_ways_and_the_peer_strips_it() {
    // RFC 8446 5.4: padding is zeros after the inner content type, which the receiver
    // removes. Each side pads to a different multiple; every protected record it sends
    // (handshake flight, tickets, application data, KeyUpdate) comes out that long.
    let rec = Arc::new(Recorder::default());
    let p = provider::with(&all_suites(), &GROUPS);
    let (roots, chain, key) = server_pki(KeyType::EcdsaP256, &["a.test"]);
    let client = client_builder(&p, roots, &rec)
        .with_record_padding(handclasp::RecordPadding::ToMultipleOf(256))
        .build()
        .unwrap();
    let server = server_builder(&p, chain, key, &rec)
        .with_record_padding(handclasp::RecordPadding::ToMultipleOf(64))
        .build()
        .unwrap();
    let mut pair = Pair::new(Arc::new(client), Arc::new(server), "a.test");
    pair.client_to_server().unwrap();
    let flight = pair.server.pending_tls().to_vec();
    let server_inner = inner_lengths(&flight);
    assert!(!server_inner.is_empty());
    assert!(server_inner.iter().all(|n| n % 64 == 0), "{server_inner:?}");
    pair.server_to_client().unwrap();
    let finished = pair.client.pending_tls().to_vec();
    let client_inner = inner_lengths(&finished);
    assert!(
        client_inner.iter().all(|n| n % 256 == 0),
        "{client_inner:?}"
    );
    pair.client_to_server().unwrap();
    let tickets = inner_lengths(pair.server.pending_tls());
    assert!(!tickets.is_empty());
    assert!(tickets.iter().all(|n| n % 64 == 0), "{tickets:?}");
    pair.handshake().unwrap();

    for len in [1, 255, 256, 1000, 16384] {
        let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
        assert_eq!(pair.client.write_plaintext(&data).unwrap(), len);
        let sent = inner_lengths(pair.client.pending_tls());
        // Padding never takes the inner plaintext past 2^14 + 1 bytes.
        assert!(
            sent.iter().all(|n| n % 256 == 0 || *n == 16385),
            "{len}: {sent:?}"
        );
        pair.client_to_server().unwrap();
        let mut got = vec![0; len + 1];
        assert_eq!(pair.server.read_plaintext(&mut got), len);
        assert_eq!(got[..len], data[..]);
        pair.send_and_receive(false, &data);
    }
    // A key update goes under the new key, padded as well.
    pair.client.refresh_traffic_keys(false).unwrap();
    let update = inner_lengths(pair.client.pending_tls());
    assert!(update.iter().all(|n| n % 256 == 0), "{update:?}");
    pair.send_and_receive(true, b"after the update");

    // The in-place path asks for room that includes the padding.
    let (before, after) = pair.client.in_place_room(10).unwrap();
    assert_eq!((before, after), (5, 256 - 10 + 16));
    let mut record = vec![0; before + 10 + after];
    record[before..before + 10].copy_from_slice(b"in place!!");
    pair.client.seal_in_place(&mut record, 10).unwrap();
    let done = pair.server.process_in_place(&mut record).unwrap();
    assert_eq!(done.plaintext, b"in place!!");

    // Alerts too: close_notify goes out padded and still closes.
    pair.client.send_close_notify();
    let alert = inner_lengths(pair.client.pending_tls());
    assert_eq!(alert, [256], "close_notify's inner plaintext");
    pair.client_to_server().unwrap();
    assert!(pair.server.peer_has_closed());
}
