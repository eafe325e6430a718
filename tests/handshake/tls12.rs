//! In-memory TLS 1.2 handshakes between our client and our server: every suite, group
//! and server key type, with and without client certificates; the ServerKeyExchange
//! signature scheme; version negotiation and the downgrade sentinel; bulk data,
//! exporters, closure; and renegotiation refused politely by both sides.
use crate::common;

use std::sync::Arc;

use common::events::{Recorder, Seen, assert_in_order};
use common::pair::{Chunking, Pair};
use common::pki::{self, Ca, LeafSpec, NOV_2026, at};
use common::provider;
use common::tamper::{
    RecordingKeyLog, hello_random, open_tls12, seal_tls12, split_records, tls12_key_block,
};
use handclasp::client::ClientConfigBuilder;
use handclasp::crypto::{CryptoProvider, SupportedCipherSuite, Tls12CipherSuite};
use handclasp::enums::{
    AlertDescription, CipherSuite, ContentType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use handclasp::error::PeerIncompatible;
use handclasp::events::Side;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use handclasp::server::ServerConfigBuilder;
use handclasp::time::{FixedTime, UnixTime};
use handclasp::unstable::key_schedule::tls12::Tls12Keys;
use handclasp::verify::{RootStore, ServerCertVerifier, WebPkiServerVerifier};
use handclasp::{ClientConfig, Connection, Error, ServerConfig};
use rcgen::ExtendedKeyUsagePurpose;

const V12: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_2];
const BOTH: &[ProtocolVersion] = &[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];

const ECDSA_SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
];
const RSA_SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];
const GROUPS: [NamedGroup; 3] = [
    NamedGroup::X25519,
    NamedGroup::secp256r1,
    NamedGroup::secp384r1,
];
/// RFC 8446 4.1.3: the last eight bytes of a TLS 1.3-capable server's random when it
/// negotiates TLS 1.2.
const DOWNGRADE_SENTINEL: &[u8; 8] = b"DOWNGRD\x01";

// ---------------------------------------------------------------------------------
// Observing both sides

// ---------------------------------------------------------------------------------
// Set-up

fn tls12_suite(suite: CipherSuite) -> &'static Tls12CipherSuite {
    match handclasp::crypto::ring::default_provider().find_cipher_suite(suite) {
        Some(SupportedCipherSuite::Tls12(s)) => s,
        other => panic!("{suite:?} is not a TLS 1.2 suite: {other:?}"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum KeyType {
    EcdsaP256,
    EcdsaP384,
    Ed25519,
    Rsa2048,
}

/// Who holds a client certificate, and of what key type.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ClientAuth {
    None,
    Ecdsa,
    Rsa,
}

struct Identity {
    root: CertificateDer<'static>,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Identity {
    fn roots(&self) -> RootStore {
        let mut roots = RootStore::empty();
        roots.add(&self.root).unwrap();
        roots
    }
}

/// A fresh root and a leaf under it of `key` type, for `names` and `usage`.
fn identity(key: KeyType, names: &[&'static str], usage: ExtendedKeyUsagePurpose) -> Identity {
    let alg = match key {
        KeyType::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        KeyType::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        KeyType::Ed25519 => &rcgen::PKCS_ED25519,
        KeyType::Rsa2048 => &rcgen::PKCS_RSA_SHA256,
    };
    let root = Ca::root("tls12 root");
    let leaf = root.issue(&LeafSpec {
        algorithm: alg,
        usages: vec![usage],
        ..LeafSpec::server(names)
    });
    Identity {
        root: root.cert.clone(),
        chain: leaf.chain,
        key: leaf.key,
    }
}

fn server_identity(key: KeyType) -> Identity {
    identity(key, &["tls12.test"], ExtendedKeyUsagePurpose::ServerAuth)
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
    id: &Identity,
    rec: &Arc<Recorder>,
) -> ServerConfigBuilder {
    ServerConfig::builder_with_provider(p.clone())
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_observer(rec.clone())
        .with_single_cert(id.chain.clone(), id.key.clone_key())
        .unwrap()
}

fn pair_of(c: ClientConfigBuilder, s: ServerConfigBuilder) -> Pair {
    Pair::new(
        Arc::new(c.build().unwrap()),
        Arc::new(s.build().unwrap()),
        "tls12.test",
    )
}

/// A TLS 1.2 pair: `suite` and every group, ECDSA P-256 (or RSA for an RSA suite).
fn simple_pair(suite: CipherSuite, rec: &Arc<Recorder>) -> Pair {
    let key = if RSA_SUITES.contains(&suite) {
        KeyType::Rsa2048
    } else {
        KeyType::EcdsaP256
    };
    let p = provider::with(&[suite], &GROUPS);
    let id = server_identity(key);
    pair_of(
        client_builder(&p, id.roots(), rec),
        server_builder(&p, &id, rec),
    )
}

// ---------------------------------------------------------------------------------
// The matrix

/// The scheme a key signs with, given what our client (or server) offers by default.
fn expected_scheme(key: KeyType) -> SignatureScheme {
    match key {
        KeyType::EcdsaP256 => SignatureScheme::ECDSA_NISTP256_SHA256,
        KeyType::EcdsaP384 => SignatureScheme::ECDSA_NISTP384_SHA384,
        KeyType::Ed25519 => SignatureScheme::ED25519,
        // Our verifiers list RSA-PSS before PKCS#1 v1.5.
        KeyType::Rsa2048 => SignatureScheme::RSA_PSS_SHA256,
    }
}

fn matrix_handshake(
    suite: CipherSuite,
    group: NamedGroup,
    key: KeyType,
    auth: ClientAuth,
    chunking: Chunking,
) {
    let ctx = format!("{suite:?} {group:?} {key:?} client auth {auth:?} {chunking:?}");
    let rec = Arc::new(Recorder::default());
    // The server accepts only `group`, forcing the key exchange; the client also
    // lists its certificate's curve, as RFC 8422 5.1.1 requires for ECDSA suites.
    let p = provider::with(&[suite], &[group]);
    let mut client_groups = vec![group];
    match key {
        KeyType::EcdsaP256 if group != NamedGroup::secp256r1 => {
            client_groups.push(NamedGroup::secp256r1)
        }
        KeyType::EcdsaP384 if group != NamedGroup::secp384r1 => {
            client_groups.push(NamedGroup::secp384r1)
        }
        _ => {}
    }
    let client_p = provider::with(&[suite], &client_groups);
    let server_id = server_identity(key);
    let mut cb = client_builder(&client_p, server_id.roots(), &rec);
    let mut sb = server_builder(&p, &server_id, &rec);
    let client_key = match auth {
        ClientAuth::None => None,
        ClientAuth::Ecdsa => Some(KeyType::EcdsaP256),
        ClientAuth::Rsa => Some(KeyType::Rsa2048),
    };
    let client_id =
        client_key.map(|k| identity(k, &["client.test"], ExtendedKeyUsagePurpose::ClientAuth));
    if let Some(id) = &client_id {
        cb = cb
            .with_client_auth_cert(id.chain.clone(), id.key.clone_key())
            .unwrap();
        sb = sb.with_client_auth_roots(id.roots(), true);
    }
    let mut pair = pair_of(cb, sb).with_chunking(chunking);
    pair.handshake().unwrap_or_else(|e| panic!("{ctx}: {e}"));

    for conn in [&*pair.client, &*pair.server] {
        assert_eq!(
            conn.protocol_version(),
            Some(ProtocolVersion::TLSv1_2),
            "{ctx}"
        );
        assert_eq!(
            conn.negotiated_cipher_suite().map(|s| s.suite()),
            Some(suite),
            "{ctx}"
        );
        assert!(
            matches!(
                conn.negotiated_cipher_suite(),
                Some(SupportedCipherSuite::Tls12(_))
            ),
            "{ctx}"
        );
        assert_eq!(conn.negotiated_group(), Some(group), "{ctx}");
        assert!(!conn.is_handshaking(), "{ctx}");
    }
    for side in [Side::Client, Side::Server] {
        // A TLS 1.2 client learns the group from ServerKeyExchange, after ServerHello.
        let hello = Seen::ServerHello {
            version: ProtocolVersion::TLSv1_2,
            suite,
            group: (side == Side::Server).then_some(group),
        };
        let events = rec.of(side);
        assert_eq!(
            events.iter().filter(|e| **e == hello).count(),
            1,
            "{ctx} {side:?}"
        );
        // Steps are reported in the order their messages are on the wire (RFC 5246
        // 7.3): ServerHello, Certificate, ServerKeyExchange.
        let steps = match side {
            Side::Client => vec![
                hello.clone(),
                Seen::CertificateReceived,
                Seen::CertificateVerified,
                Seen::KeyExchange(group),
                Seen::Complete(ProtocolVersion::TLSv1_2),
            ],
            Side::Server => vec![
                hello.clone(),
                Seen::KeyExchange(group),
                Seen::Complete(ProtocolVersion::TLSv1_2),
            ],
        };
        assert_in_order(&events, &steps, &format!("{ctx} {side:?}"));
        assert_eq!(
            events.last(),
            Some(&Seen::Complete(ProtocolVersion::TLSv1_2)),
            "{ctx} {side:?}"
        );
        assert!(rec.alerts(side).is_empty(), "{ctx} {side:?}");
    }

    // The server signs ServerKeyExchange; with client auth the client signs
    // CertificateVerify after verifying it.
    let server_scheme = expected_scheme(key);
    let client_scheme = client_key.map(expected_scheme);
    let mut server_events = vec![Seen::SignatureSent(server_scheme)];
    let mut client_events = vec![Seen::SignatureVerified(server_scheme)];
    if let Some(scheme) = client_scheme {
        server_events.push(Seen::SignatureVerified(scheme));
        client_events.push(Seen::SignatureSent(scheme));
    }
    assert_eq!(rec.signatures(Side::Server), server_events, "{ctx}");
    assert_eq!(rec.signatures(Side::Client), client_events, "{ctx}");

    assert_eq!(
        pair.client.peer_certificates(),
        Some(&server_id.chain[..]),
        "{ctx}"
    );
    assert_eq!(
        pair.server.peer_certificates(),
        client_id.as_ref().map(|id| &id.chain[..]),
        "{ctx}"
    );
    pair.send_and_receive(true, b"ping from the client");
    pair.send_and_receive(false, b"pong from the server");
}

/// Every (suite, key type) pairing the suites allow.
fn suite_keys() -> Vec<(CipherSuite, KeyType)> {
    let mut out = Vec::new();
    for suite in ECDSA_SUITES {
        for key in [KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::Ed25519] {
            out.push((suite, key));
        }
    }
    for suite in RSA_SUITES {
        out.push((suite, KeyType::Rsa2048));
    }
    out
}

#[test]
fn matrix_suite_group_key_whole() {
    for (suite, key) in suite_keys() {
        for group in GROUPS {
            matrix_handshake(suite, group, key, ClientAuth::None, Chunking::Whole);
        }
    }
}

#[test]
fn matrix_suite_group_key_with_client_certificates() {
    for (suite, key) in suite_keys() {
        for group in GROUPS {
            for auth in [ClientAuth::Ecdsa, ClientAuth::Rsa] {
                matrix_handshake(suite, group, key, auth, Chunking::Whole);
            }
        }
    }
}

#[test]
fn matrix_random_chunks() {
    // Every (suite, key) x group with random cuts; client auth rotates.
    let auths = [ClientAuth::None, ClientAuth::Ecdsa, ClientAuth::Rsa];
    let mut seed = 1200;
    for (i, (suite, key)) in suite_keys().into_iter().enumerate() {
        for (j, group) in GROUPS.into_iter().enumerate() {
            seed += 1;
            matrix_handshake(
                suite,
                group,
                key,
                auths[(i + j) % 3],
                Chunking::Random(seed),
            );
        }
    }
}

#[test]
fn matrix_bytewise_some_combos() {
    matrix_handshake(
        ECDSA_SUITES[0],
        NamedGroup::X25519,
        KeyType::EcdsaP256,
        ClientAuth::None,
        Chunking::Bytewise,
    );
    matrix_handshake(
        ECDSA_SUITES[2],
        NamedGroup::secp384r1,
        KeyType::Ed25519,
        ClientAuth::Ecdsa,
        Chunking::Bytewise,
    );
    matrix_handshake(
        RSA_SUITES[1],
        NamedGroup::secp256r1,
        KeyType::Rsa2048,
        ClientAuth::Rsa,
        Chunking::Bytewise,
    );
}

/// The default verifier, offering only the RSA PKCS#1 v1.5 schemes.
#[derive(Debug)]
struct Pkcs1Only(WebPkiServerVerifier);

impl ServerCertVerifier for Pkcs1Only {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<(), Error> {
        self.0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_signature(
        &self,
        version: ProtocolVersion,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), Error> {
        self.0
            .verify_signature(version, message, cert, scheme, signature)
    }

    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme> {
        self.0
            .supported_verify_schemes(version)
            .into_iter()
            .filter(|s| {
                matches!(
                    s,
                    SignatureScheme::RSA_PKCS1_SHA256
                        | SignatureScheme::RSA_PKCS1_SHA384
                        | SignatureScheme::RSA_PKCS1_SHA512
                )
            })
            .collect()
    }
}

#[test]
fn rsa_server_signs_with_pss_when_offered_and_pkcs1_otherwise() {
    for pkcs1_only in [false, true] {
        let rec = Arc::new(Recorder::default());
        let p = provider::with(&RSA_SUITES, &GROUPS);
        let id = server_identity(KeyType::Rsa2048);
        let cb = if pkcs1_only {
            let verifier = WebPkiServerVerifier::new(
                Arc::new(id.roots()),
                p.signature_verification_algorithms,
            );
            assert_eq!(
                Pkcs1Only(verifier.clone()).supported_verify_schemes(ProtocolVersion::TLSv1_2),
                [
                    SignatureScheme::RSA_PKCS1_SHA256,
                    SignatureScheme::RSA_PKCS1_SHA384,
                    SignatureScheme::RSA_PKCS1_SHA512
                ]
            );
            ClientConfig::builder_with_provider(p.clone())
                .with_verifier(Arc::new(Pkcs1Only(verifier)))
                .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
                .with_observer(rec.clone())
        } else {
            client_builder(&p, id.roots(), &rec)
        };
        let mut pair = pair_of(cb, server_builder(&p, &id, &rec));
        pair.handshake().unwrap();
        let scheme = if pkcs1_only {
            SignatureScheme::RSA_PKCS1_SHA256
        } else {
            SignatureScheme::RSA_PSS_SHA256
        };
        assert_eq!(rec.signatures(Side::Server), [Seen::SignatureSent(scheme)]);
        assert_eq!(
            rec.signatures(Side::Client),
            [Seen::SignatureVerified(scheme)]
        );
        pair.send_and_receive(true, b"signed the old way");
    }
}

// ---------------------------------------------------------------------------------
// Versions

fn version_pair(client: &[ProtocolVersion], server: &[ProtocolVersion]) -> Pair {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = ClientConfig::builder()
        .with_root_store(roots)
        .with_protocol_versions(client)
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .build()
        .unwrap();
    let server = ServerConfig::builder()
        .with_protocol_versions(server)
        .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
        .unwrap()
        .build()
        .unwrap();
    Pair::new(Arc::new(client), Arc::new(server), "a.test")
}

#[test]
fn versions_negotiate_to_the_best_common_one() {
    for (client, server, expected) in [
        (V12, V12, ProtocolVersion::TLSv1_2),
        (V12, BOTH, ProtocolVersion::TLSv1_2),
        (BOTH, V12, ProtocolVersion::TLSv1_2),
        (BOTH, BOTH, ProtocolVersion::TLSv1_3),
    ] {
        for chunking in [Chunking::Whole, Chunking::Bytewise, Chunking::Random(3)] {
            let ctx = format!("client {client:?} server {server:?} {chunking:?}");
            let mut pair = version_pair(client, server).with_chunking(chunking);
            pair.handshake().unwrap_or_else(|e| panic!("{ctx}: {e}"));
            for conn in [&*pair.client, &*pair.server] {
                assert_eq!(conn.protocol_version(), Some(expected), "{ctx}");
                let suite = conn.negotiated_cipher_suite().unwrap();
                assert_eq!(
                    matches!(suite, SupportedCipherSuite::Tls13(_)),
                    expected == ProtocolVersion::TLSv1_3,
                    "{ctx}: {suite:?}"
                );
            }
            pair.send_and_receive(true, b"request");
            pair.send_and_receive(false, b"response");
            let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
            pair.client
                .export_keying_material(&mut a, b"EXPORTER-test", Some(b"ctx"))
                .unwrap();
            pair.server
                .export_keying_material(&mut b, b"EXPORTER-test", Some(b"ctx"))
                .unwrap();
            assert_eq!(a, b, "{ctx}");
        }
    }
}

/// A TLS 1.2 client that offers suites only for another key type than the server's
/// certificate is told so, not that suites are refused.
#[test]
fn client_offering_suites_only_for_another_key_type_is_told_so() {
    let p12 = provider::suites_of(ProtocolVersion::TLSv1_2);
    let server_id = server_identity(KeyType::EcdsaP256);
    let rec = Arc::new(Recorder::default());
    let rsa_suites_only = provider::with(
        &[CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
        &[NamedGroup::X25519, NamedGroup::secp256r1],
    );
    let sb = server_builder(
        &provider::with(&p12, &[NamedGroup::X25519]),
        &server_id,
        &rec,
    );
    let mut pair = pair_of(
        client_builder(&rsa_suites_only, server_id.roots(), &rec),
        sb,
    );
    let err = pair.client_to_server().unwrap_err();
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::NoSuiteForCertificateKey(
            "ECDSA or Ed25519"
        ))
    );
    assert_eq!(err.alert(), Some(AlertDescription::HandshakeFailure));
}

/// A TLS 1.3-only client meets a TLS 1.2-only server: each side's error says which
/// version is missing, and the client's says what to change (RFC 8446 4.2.1: the
/// server answers protocol_version).
#[test]
fn no_common_version_says_which_and_what_to_enable() {
    let mut pair = version_pair(&[ProtocolVersion::TLSv1_3], V12);
    let server_err = pair.client_to_server().unwrap_err();
    let client_err = pair.server_to_client().unwrap_err();
    assert_eq!(
        server_err,
        Error::PeerIncompatible(PeerIncompatible::VersionNotEnabled(
            ProtocolVersion::TLSv1_3
        ))
    );
    assert_eq!(
        client_err,
        Error::AlertReceived(AlertDescription::ProtocolVersion)
    );
    let text = client_err.to_string();
    assert!(text.contains("enable TLS 1.2"), "{text}");
    assert!(!text.contains("only versions before TLS 1.2"), "{text}");

    // The other way round: the TLS 1.2-only client is told by a TLS 1.3-only server.
    let mut pair = version_pair(V12, &[ProtocolVersion::TLSv1_3]);
    pair.client_to_server().unwrap_err();
    let client_err = pair.server_to_client().unwrap_err();
    assert_eq!(
        client_err,
        Error::AlertReceived(AlertDescription::ProtocolVersion)
    );
}

/// Runs the hello exchange by hand; returns (client random, server random) read from
/// the plaintext ClientHello and ServerHello records.
fn hello_randoms(pair: &mut Pair) -> ([u8; 32], [u8; 32]) {
    let client_random = hello_random(&split_records(pair.client.pending_tls())[0]);
    pair.client_to_server().unwrap();
    let server_random = hello_random(&split_records(pair.server.pending_tls())[0]);
    (client_random, server_random)
}

#[test]
fn downgrade_sentinel_only_from_a_tls13_capable_server() {
    // A TLS 1.2-only client meets a TLS 1.3-capable server: the server marks its
    // random, and this client (not offering 1.3) carries on. A TLS 1.2-only server
    // does not mark it. A 1.3-capable client and server never get there.
    for (server, marked) in [(BOTH, true), (V12, false)] {
        let mut pair = version_pair(V12, server);
        let (_, server_random) = hello_randoms(&mut pair);
        assert_eq!(
            &server_random[24..] == DOWNGRADE_SENTINEL,
            marked,
            "server {server:?}"
        );
        pair.handshake().unwrap();
        assert_eq!(
            pair.client.protocol_version(),
            Some(ProtocolVersion::TLSv1_2)
        );
        pair.send_and_receive(true, b"no downgrade here");
    }
}

// ---------------------------------------------------------------------------------
// Data, exporters, closure

#[test]
fn one_mebibyte_each_way() {
    let data: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (suite, chunking) in [
        (ECDSA_SUITES[0], Chunking::Whole),
        (RSA_SUITES[2], Chunking::Random(2026)),
    ] {
        let rec = Arc::new(Recorder::default());
        let mut pair = simple_pair(suite, &rec).with_chunking(chunking);
        pair.handshake().unwrap();
        assert_eq!(
            pair.client.protocol_version(),
            Some(ProtocolVersion::TLSv1_2)
        );
        pair.send_and_receive(true, &data);
        pair.send_and_receive(false, &data);
    }
}

#[test]
fn exporters_agree() {
    let rec = Arc::new(Recorder::default());
    for suite in [ECDSA_SUITES[1], RSA_SUITES[2]] {
        let mut pair = simple_pair(suite, &rec);
        let mut early = [0u8; 16];
        assert!(matches!(
            pair.client
                .export_keying_material(&mut early, b"EXPORTER-test", None),
            Err(Error::ApiMisuse(_))
        ));
        pair.handshake().unwrap();
        let export = |conn: &Connection, label: &[u8], ctx: Option<&[u8]>| {
            let mut out = [0u8; 48];
            conn.export_keying_material(&mut out, label, ctx).unwrap();
            out
        };
        let c = export(&pair.client, b"EXPORTER-test", Some(b"context"));
        assert_eq!(c, export(&pair.server, b"EXPORTER-test", Some(b"context")));
        assert_ne!(c, [0u8; 48]);
        // RFC 5705 4: no context differs from an empty context.
        let none = export(&pair.client, b"EXPORTER-test", None);
        let empty = export(&pair.client, b"EXPORTER-test", Some(b""));
        assert_eq!(none, export(&pair.server, b"EXPORTER-test", None));
        assert_eq!(empty, export(&pair.server, b"EXPORTER-test", Some(b"")));
        assert_ne!(none, empty);
        assert_ne!(none, c);
        let other = export(&pair.server, b"EXPORTER-other", Some(b"context"));
        assert_ne!(c, other);
        assert_eq!(
            other,
            export(&pair.client, b"EXPORTER-other", Some(b"context"))
        );
        // A second connection has different secrets.
        let mut pair2 = simple_pair(suite, &rec);
        pair2.handshake().unwrap();
        assert_ne!(c, export(&pair2.client, b"EXPORTER-test", Some(b"context")));
    }
}

#[test]
fn close_notify() {
    common::events::check_close_notify(|rec| simple_pair(ECDSA_SUITES[2], rec));
}

// ---------------------------------------------------------------------------------
// Renegotiation refused

/// A finished TLS 1.2 handshake with `suite`, and the connection's key block rebuilt
/// from the master secret the server logged (`CLIENT_RANDOM`).
fn keyed_pair(suite: CipherSuite, rec: &Arc<Recorder>) -> (Pair, Tls12Keys, Vec<u8>) {
    let log = Arc::new(RecordingKeyLog::default());
    let p = provider::with(&[suite], &GROUPS);
    let id = server_identity(if RSA_SUITES.contains(&suite) {
        KeyType::Rsa2048
    } else {
        KeyType::EcdsaP256
    });
    let mut pair = pair_of(
        client_builder(&p, id.roots(), rec),
        server_builder(&p, &id, rec).with_key_log(log.clone()),
    );
    let client_hello = split_records(pair.client.pending_tls())[0].payload.clone();
    let (client_random, server_random) = hello_randoms(&mut pair);
    pair.handshake().unwrap();
    let keys = tls12_key_block(
        tls12_suite(suite),
        &log.secret("CLIENT_RANDOM"),
        &client_random,
        &server_random,
    );
    (pair, keys, client_hello)
}

/// Takes the single record `conn` queued (the test drops it and sends its own record
/// under that sequence number instead).
fn take_one_record(conn: &mut Connection) -> Vec<u8> {
    let bytes = conn.pending_tls().to_vec();
    conn.consume_tls(bytes.len());
    assert_eq!(split_records(&bytes).len(), 1);
    bytes
}

/// The no_renegotiation warning alert, as its two plaintext bytes (RFC 5246 7.2).
const NO_RENEGOTIATION_WARNING: [u8; 2] = [1, 100];

#[test]
fn hello_request_gets_no_renegotiation_and_the_connection_goes_on() {
    for suite in [ECDSA_SUITES[0], ECDSA_SUITES[2], RSA_SUITES[1]] {
        let rec = Arc::new(Recorder::default());
        let (mut pair, keys, _) = keyed_pair(suite, &rec);
        let s = tls12_suite(suite);
        // The server's Finished was its record 0. Let it seal record 1 (dropped), and
        // send a HelloRequest under that number in its place, so the real server's
        // later records still line up.
        pair.server.write_plaintext(b"dropped").unwrap();
        let dropped = take_one_record(&mut pair.server);
        let hello_request = seal_tls12(
            s,
            keys.server_key(),
            keys.server_iv(),
            1,
            ContentType::Handshake,
            &[0, 0, 0, 0],
        );
        assert_eq!(hello_request.len(), dropped.len() - b"dropped".len() + 4);
        assert_eq!(
            pair.client.read_tls_from_slice(&hello_request),
            hello_request.len()
        );
        pair.client.process_new_packets().unwrap();

        // The client's answer: a warning no_renegotiation, its record 1.
        let answer = pair.client.pending_tls().to_vec();
        assert_eq!(
            open_tls12(s, keys.client_key(), keys.client_iv(), 1, &answer),
            (ContentType::Alert, NO_RENEGOTIATION_WARNING.to_vec()),
            "{suite:?}"
        );
        pair.client_to_server().unwrap();
        assert_eq!(
            rec.alerts(Side::Client),
            [Seen::AlertSent(AlertDescription::NoRenegotiation)]
        );
        assert_eq!(
            rec.alerts(Side::Server),
            [Seen::AlertReceived(AlertDescription::NoRenegotiation)]
        );
        assert!(!pair.client.is_handshaking());
        pair.send_and_receive(true, b"still talking");
        pair.send_and_receive(false, b"still listening");
        pair.send_and_receive(true, b"and again");
    }
}

#[test]
fn renegotiating_client_hello_gets_no_renegotiation_and_the_connection_goes_on() {
    for suite in [ECDSA_SUITES[1], RSA_SUITES[2]] {
        let rec = Arc::new(Recorder::default());
        let (mut pair, keys, client_hello) = keyed_pair(suite, &rec);
        let s = tls12_suite(suite);
        pair.send_and_receive(false, b"server speaks first");
        // The client's Finished was its record 0; record 1 is replaced by a
        // ClientHello (the first one again), encrypted.
        pair.client.write_plaintext(b"dropped").unwrap();
        take_one_record(&mut pair.client);
        let renegotiation = seal_tls12(
            s,
            keys.client_key(),
            keys.client_iv(),
            1,
            ContentType::Handshake,
            &client_hello,
        );
        assert_eq!(
            pair.server.read_tls_from_slice(&renegotiation),
            renegotiation.len()
        );
        pair.server.process_new_packets().unwrap();

        // The server's answer: a warning no_renegotiation, its record 2 (Finished
        // was 0, the data above 1).
        let answer = pair.server.pending_tls().to_vec();
        assert_eq!(
            open_tls12(s, keys.server_key(), keys.server_iv(), 2, &answer),
            (ContentType::Alert, NO_RENEGOTIATION_WARNING.to_vec()),
            "{suite:?}"
        );
        pair.server_to_client().unwrap();
        assert_eq!(
            rec.alerts(Side::Server),
            [Seen::AlertSent(AlertDescription::NoRenegotiation)]
        );
        assert_eq!(
            rec.alerts(Side::Client),
            [Seen::AlertReceived(AlertDescription::NoRenegotiation)]
        );
        assert!(!pair.server.is_handshaking());
        pair.send_and_receive(true, b"still talking");
        pair.send_and_receive(false, b"still listening");
    }
}

#[test]
fn ecdsa_certificate_on_a_curve_the_client_lacks_is_not_used() {
    // RFC 8422 5.1.1: a P-256 certificate cannot serve a client that supports only
    // X25519: the server must not pick an ECDHE_ECDSA suite.
    let rec = Arc::new(Recorder::default());
    let p = provider::with(&ECDSA_SUITES, &[NamedGroup::X25519]);
    let id = server_identity(KeyType::EcdsaP256);
    let mut pair = pair_of(
        client_builder(&p, id.roots(), &rec),
        server_builder(&p, &id, &rec),
    );
    let err = pair.handshake().unwrap_err();
    // The error names the curve, not a lack of suites.
    assert_eq!(
        err,
        Error::PeerIncompatible(PeerIncompatible::CertificateCurveNotOffered(
            NamedGroup::secp256r1
        ))
    );
    assert_eq!(err.alert(), Some(AlertDescription::HandshakeFailure));
}

#[test]
fn a_missing_mandatory_client_certificate_is_handshake_failure_in_tls12() {
    // certificate_required exists from TLS 1.3 on (RFC 8446 6.2); a TLS 1.2 server
    // answers a missing certificate with handshake_failure (RFC 5246 7.4.6).
    let rec = Arc::new(Recorder::default());
    let p = provider::with(&[ECDSA_SUITES[0]], &GROUPS);
    let server_id = server_identity(KeyType::EcdsaP256);
    let client_id = identity(
        KeyType::EcdsaP256,
        &["client.test"],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    let sb = server_builder(&p, &server_id, &rec).with_client_auth_roots(client_id.roots(), true);
    let mut pair = pair_of(client_builder(&p, server_id.roots(), &rec), sb);
    let err = pair.handshake().unwrap_err();
    assert_eq!(
        err,
        Error::Certificate(handclasp::error::CertificateError::NoCertificate)
    );
    assert_eq!(
        rec.count(
            Side::Server,
            &Seen::AlertSent(AlertDescription::HandshakeFailure)
        ),
        1
    );
    assert_eq!(
        rec.count(
            Side::Server,
            &Seen::AlertSent(AlertDescription::CertificateRequired)
        ),
        0
    );
}

#[test]
fn the_servers_flight_is_packed_into_one_record() {
    // RFC 5246 6.2.1: handshake messages may share a record. ServerHello, Certificate,
    // ServerKeyExchange and ServerHelloDone are well under 2^14 bytes here.
    let rec = Arc::new(Recorder::default());
    let mut pair = simple_pair(ECDSA_SUITES[0], &rec);
    pair.client_to_server().unwrap();
    let records = split_records(pair.server.pending_tls());
    assert_eq!(records.len(), 1, "{} records", records.len());
    pair.handshake().unwrap();
    pair.send_and_receive(true, b"after a packed flight");
}
