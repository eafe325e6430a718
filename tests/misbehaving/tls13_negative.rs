//! TLS 1.3 failures between our client and our server: each one as its own error on
//! the side that detects it, AND the right alert on the wire (the alert record that
//! side queued makes the other side report `Error::AlertReceived` with that alert).
use crate::common;

use std::sync::Arc;

use common::adversary::{feed, take};
use common::pair::Pair;
use common::pki::{Ca, JAN_2026, JAN_2027, LeafSpec, NOV_2026, at};
use common::tamper::{
    Inner, RecordingKeyLog, WireRecord, decode_message, decrypt_flight, encrypt_flight,
    join_records, plain_record, split_records, split_server_flight,
};
use handclasp::client::ClientConfigBuilder;
use handclasp::crypto::{CryptoProvider, SupportedCipherSuite, Tls13CipherSuite};
use handclasp::enums::{
    AlertDescription as A, CipherSuite, ContentType, ExtensionType, HandshakeType, NamedGroup,
    ProtocolVersion,
};
use handclasp::error::{CertificateError, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use handclasp::server::{ServerConfigBuilder, SingleCertResolver};
use handclasp::time::FixedTime;
use handclasp::unstable::enums::Compression;
use handclasp::unstable::msgs::{
    ClientExtension, HandshakeMessage, HandshakePayload, HelloRetryExtension, ServerExtension,
    ServerHello,
};
use handclasp::verify::RootStore;
use handclasp::{CertifiedKey, ClientConfig, Connection, Error, ServerConfig};
use rcgen::ExtendedKeyUsagePurpose;

// ---------------------------------------------------------------------------------
// Set-up

/// The ring provider's TLS 1.3 suites and `groups`.
fn provider(groups: &[NamedGroup]) -> Arc<CryptoProvider> {
    common::provider::with(
        &common::provider::suites_of(ProtocolVersion::TLSv1_3),
        groups,
    )
}

fn all_groups() -> Arc<CryptoProvider> {
    provider(&[
        NamedGroup::X25519,
        NamedGroup::secp256r1,
        NamedGroup::secp384r1,
    ])
}

fn roots_of(ca: &Ca) -> RootStore {
    let mut roots = RootStore::empty();
    roots.add(&ca.cert).unwrap();
    roots
}

fn client(p: &Arc<CryptoProvider>, roots: RootStore, now: u64) -> ClientConfigBuilder {
    ClientConfig::builder_with_provider(p.clone())
        .with_root_store(roots)
        .with_time_provider(Arc::new(FixedTime(at(now))))
}

fn server(p: &Arc<CryptoProvider>, spec: &LeafSpec, ca: &Ca) -> ServerConfigBuilder {
    let leaf = ca.issue(spec);
    ServerConfig::builder_with_provider(p.clone())
        .with_time_provider(Arc::new(FixedTime(at(NOV_2026))))
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
}

fn pair(c: ClientConfigBuilder, s: ServerConfigBuilder, name: &str) -> Pair {
    Pair::new(
        Arc::new(c.build().unwrap()),
        Arc::new(s.build().unwrap()),
        name,
    )
}

/// A plain pair: a.test, every TLS 1.3 suite and group.
fn plain_pair() -> Pair {
    let ca = Ca::root("neg root");
    let p = all_groups();
    pair(
        client(&p, roots_of(&ca), NOV_2026),
        server(&p, &LeafSpec::server(&["a.test"]), &ca),
        "a.test",
    )
}

/// The failing side queued `alert`: if it went out unprotected, its record is exactly a
/// fatal `alert`; either way the peer, fed those bytes, reports that alert.
fn assert_alert_delivered(failing: &mut Connection, peer: &mut Connection, alert: A) {
    let bytes = take(failing);
    let records = split_records(&bytes);
    let last = records.last().expect("no alert queued");
    if last.typ == ContentType::Alert {
        assert_eq!(last.payload, [2, u8::from(alert)], "plaintext alert record");
    } else {
        assert_eq!(last.typ, ContentType::ApplicationData, "alert record type");
    }
    assert!(failing.pending_tls().is_empty());
    assert_eq!(feed(peer, &bytes), Err(Error::AlertReceived(alert)));
    // And the failing side keeps failing.
    assert!(failing.process_new_packets().is_err());
}

/// The client fails on the server's flight with `expected`; the server receives `alert`.
fn client_fails(pair: &mut Pair, expected: impl FnOnce(&Error) -> bool, alert: A) {
    let err = pair.handshake().unwrap_err();
    assert!(expected(&err), "unexpected client error: {err:?}");
    assert_eq!(pair.client.error(), Some(&err));
    assert_eq!(err.alert(), Some(alert));
    assert_alert_delivered(&mut pair.client, &mut pair.server, alert);
}

/// The server fails with `expected`; the client receives `alert`.
fn server_fails(pair: &mut Pair, expected: impl FnOnce(&Error) -> bool, alert: A) {
    let err = pair.handshake().unwrap_err();
    assert!(expected(&err), "unexpected server error: {err:?}");
    assert_eq!(pair.server.error(), Some(&err));
    assert_eq!(err.alert(), Some(alert));
    assert_alert_delivered(&mut pair.server, &mut pair.client, alert);
}

// ---------------------------------------------------------------------------------
// Certificates

#[test]
fn unknown_ca() {
    let ca = Ca::root("real root");
    let other = Ca::root("some other root");
    let p = all_groups();
    let mut pair = pair(
        client(&p, roots_of(&other), NOV_2026),
        server(&p, &LeafSpec::server(&["a.test"]), &ca),
        "a.test",
    );
    // The server sends its leaf only: the root it names is neither sent nor trusted.
    client_fails(
        &mut pair,
        |e| {
            matches!(e, Error::Certificate(CertificateError::MissingIntermediate { issuer, peer: "server", .. })
                if issuer == "CN=real root")
        },
        A::UnknownCa,
    );
}

#[test]
fn expired_and_not_yet_valid() {
    let ca = Ca::root("time root");
    let p = all_groups();
    // The leaf is valid from 2026-01-01 to 2027-01-01.
    let mut expired = pair(
        client(&p, roots_of(&ca), JAN_2027 + 86_400),
        server(&p, &LeafSpec::server(&["a.test"]), &ca),
        "a.test",
    );
    client_fails(
        &mut expired,
        |e| {
            matches!(e, Error::Certificate(CertificateError::Expired { not_after, now })
            if *not_after == at(JAN_2027) && *now == at(JAN_2027 + 86_400))
        },
        A::CertificateExpired,
    );
    let mut early = pair(
        client(&p, roots_of(&ca), JAN_2026 - 86_400),
        server(&p, &LeafSpec::server(&["a.test"]), &ca),
        "a.test",
    );
    client_fails(
        &mut early,
        |e| {
            matches!(e, Error::Certificate(CertificateError::NotValidYet { not_before, now })
            if *not_before == at(JAN_2026) && *now == at(JAN_2026 - 86_400))
        },
        A::CertificateExpired,
    );
}

#[test]
fn wrong_name() {
    let ca = Ca::root("name root");
    let p = all_groups();
    let mut pair = pair(
        client(&p, roots_of(&ca), NOV_2026),
        server(&p, &LeafSpec::server(&["a.test", "www.a.test"]), &ca),
        "b.test",
    );
    let err = pair.handshake().unwrap_err();
    match &err {
        Error::Certificate(CertificateError::NotValidForName {
            expected,
            presented,
        }) => {
            assert_eq!(expected, "DNS:b.test");
            assert_eq!(presented, &["DNS:a.test", "DNS:www.a.test"]);
        }
        other => panic!("expected NotValidForName, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("DNS:b.test") && message.contains("DNS:a.test, DNS:www.a.test"),
        "{message}"
    );
    assert_alert_delivered(&mut pair.client, &mut pair.server, A::BadCertificate);
}

#[test]
fn client_auth_only_certificate_on_the_server() {
    let ca = Ca::root("eku root");
    let p = all_groups();
    let spec = LeafSpec {
        usages: vec![ExtendedKeyUsagePurpose::ClientAuth],
        ..LeafSpec::server(&["a.test"])
    };
    let mut pair = pair(
        client(&p, roots_of(&ca), NOV_2026),
        server(&p, &spec, &ca),
        "a.test",
    );
    client_fails(
        &mut pair,
        |e| matches!(e, Error::Certificate(CertificateError::InvalidPurpose(_))),
        A::UnsupportedCertificate,
    );
}

#[test]
fn certificate_verify_with_the_wrong_key() {
    let ca = Ca::root("cv root");
    let p = all_groups();
    let leaf = ca.issue(&LeafSpec::server(&["a.test"]));
    let impostor = ca.issue(&LeafSpec::server(&["a.test"]));
    let wrong_key = p.key_provider.load_private_key(impostor.key).unwrap();
    let certified = CertifiedKey::new(leaf.chain, wrong_key).unwrap();
    let s = ServerConfig::builder_with_provider(p.clone())
        .with_cert_resolver(Arc::new(SingleCertResolver(Arc::new(certified))));
    let mut pair = pair(client(&p, roots_of(&ca), NOV_2026), s, "a.test");
    client_fails(
        &mut pair,
        |e| matches!(e, Error::BadSignature(_)),
        A::DecryptError,
    );
}

#[test]
fn required_client_certificate_missing() {
    let ca = Ca::root("mtls root");
    let client_ca = Ca::root("client root");
    let p = all_groups();
    let s = server(&p, &LeafSpec::server(&["a.test"]), &ca)
        .with_client_auth_roots(roots_of(&client_ca), true);
    let mut pair = pair(client(&p, roots_of(&ca), NOV_2026), s, "a.test");
    server_fails(
        &mut pair,
        |e| matches!(e, Error::Certificate(CertificateError::NoCertificate)),
        A::CertificateRequired,
    );
}

#[test]
fn client_certificate_from_an_unknown_ca() {
    let ca = Ca::root("mtls root");
    let client_ca = Ca::root("client root");
    let stranger = Ca::root("stranger");
    let leaf = stranger.issue(&LeafSpec::client("c.test"));
    let p = all_groups();
    let s = server(&p, &LeafSpec::server(&["a.test"]), &ca)
        .with_client_auth_roots(roots_of(&client_ca), true);
    let c = client(&p, roots_of(&ca), NOV_2026)
        .with_client_auth_cert(leaf.chain, leaf.key)
        .unwrap();
    let mut pair = pair(c, s, "a.test");
    server_fails(
        &mut pair,
        |e| {
            matches!(e, Error::Certificate(CertificateError::MissingIntermediate { issuer, peer: "client", .. })
                if issuer == "CN=stranger")
        },
        A::UnknownCa,
    );
}

// ---------------------------------------------------------------------------------
// Tampered or hand-built hellos

/// A pair whose configs come from the given providers (for a.test).
fn pair_with(client_p: &Arc<CryptoProvider>, server_p: &Arc<CryptoProvider>) -> Pair {
    let ca = Ca::root("tamper root");
    pair(
        client(client_p, roots_of(&ca), NOV_2026),
        server(server_p, &LeafSpec::server(&["a.test"]), &ca),
        "a.test",
    )
}

/// The client fails on `bytes` (from "the server") with `expected`, and its alert
/// reaches the server.
fn client_rejects(pair: &mut Pair, bytes: &[u8], expected: Error, alert: A) {
    assert_eq!(feed(&mut pair.client, bytes), Err(expected.clone()));
    assert_eq!(expected.alert(), Some(alert));
    assert_alert_delivered(&mut pair.client, &mut pair.server, alert);
}

/// The server fails on `bytes` (from "the client") with `expected`, and its alert
/// reaches the client.
fn server_rejects(pair: &mut Pair, bytes: &[u8], expected: Error, alert: A) {
    assert_eq!(feed(&mut pair.server, bytes), Err(expected.clone()));
    assert_eq!(expected.alert(), Some(alert));
    assert_alert_delivered(&mut pair.server, &mut pair.client, alert);
}

/// Runs the ClientHello through, then returns the server's reply with its
/// ServerHello rewritten by `edit`.
fn server_flight_with(pair: &mut Pair, edit: impl FnOnce(&mut ServerHello)) -> Vec<u8> {
    pair.client_to_server().unwrap();
    let (mut plain, protected) = split_server_flight(&take(&mut pair.server));
    let mut msg = decode_message(&plain[0]);
    match &mut msg.payload {
        HandshakePayload::ServerHello(sh) => edit(sh),
        other => panic!("expected a ServerHello, got {other:?}"),
    }
    plain[0] = plain_record(&msg);
    let mut bytes = join_records(&plain);
    bytes.extend(join_records(&protected));
    bytes
}

#[test]
fn downgrade_sentinel_in_a_tls12_server_hello() {
    for sentinel in [*b"DOWNGRD\x01", *b"DOWNGRD\x00"] {
        let mut pair = plain_pair();
        let ch_bytes = take(&mut pair.client);
        let ch = match decode_message(&split_records(&ch_bytes)[0]).payload {
            HandshakePayload::ClientHello(ch) => ch,
            other => panic!("{other:?}"),
        };
        feed(&mut pair.server, &ch_bytes).unwrap();
        take(&mut pair.server);
        let mut random = [0x42u8; 32];
        random[24..].copy_from_slice(&sentinel);
        let sh = HandshakeMessage::from(HandshakePayload::ServerHello(ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random,
            session_id: ch.session_id.clone(),
            cipher_suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            compression_method: Compression::Null,
            extensions: Some(vec![ServerExtension::ExtendedMasterSecret]),
        }));
        let bytes = plain_record(&sh).encode();
        client_rejects(
            &mut pair,
            &bytes,
            PeerMisbehaved::DowngradeDetected.into(),
            A::IllegalParameter,
        );
    }
}

#[test]
fn tls12_server_hello_without_the_sentinel() {
    // Without the sentinel it is just a version this client does not enable.
    let mut pair = plain_pair();
    let bytes = server_flight_with(&mut pair, |sh| {
        sh.extensions = Some(vec![]);
        sh.cipher_suite = CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    });
    let sh_only = join_records(&split_records(&bytes)[..1]);
    client_rejects(
        &mut pair,
        &sh_only,
        PeerIncompatible::VersionNotEnabled(ProtocolVersion::TLSv1_2).into(),
        A::ProtocolVersion,
    );
}

#[test]
fn server_hello_with_an_unoffered_suite() {
    let cp = common::provider::with(
        &[CipherSuite::TLS13_AES_128_GCM_SHA256],
        &[NamedGroup::X25519],
    );
    let mut pair = pair_with(&cp, &all_groups());
    let bytes = server_flight_with(&mut pair, |sh| {
        assert_eq!(sh.cipher_suite, CipherSuite::TLS13_AES_128_GCM_SHA256);
        sh.cipher_suite = CipherSuite::TLS13_AES_256_GCM_SHA384;
    });
    client_rejects(
        &mut pair,
        &bytes,
        PeerMisbehaved::SelectedUnofferedCipherSuite(CipherSuite::TLS13_AES_256_GCM_SHA384).into(),
        A::IllegalParameter,
    );
}

#[test]
fn server_hello_with_an_unoffered_group() {
    let cp = provider(&[NamedGroup::X25519]);
    let mut pair = pair_with(&cp, &all_groups());
    let bytes = server_flight_with(&mut pair, |sh| {
        for ext in sh.extensions.as_mut().unwrap() {
            if let ServerExtension::KeyShare(share) = ext {
                assert_eq!(share.group, NamedGroup::X25519);
                share.group = NamedGroup::secp384r1;
            }
        }
    });
    client_rejects(
        &mut pair,
        &bytes,
        PeerMisbehaved::SelectedUnofferedGroup(NamedGroup::secp384r1).into(),
        A::IllegalParameter,
    );
}

#[test]
fn server_hello_with_an_unoffered_version() {
    let mut pair = plain_pair();
    let bytes = server_flight_with(&mut pair, |sh| {
        for ext in sh.extensions.as_mut().unwrap() {
            if let ServerExtension::SupportedVersions(v) = ext {
                *v = ProtocolVersion::TLSv1_2;
            }
        }
    });
    client_rejects(
        &mut pair,
        &bytes,
        PeerMisbehaved::SelectedUnofferedVersion(ProtocolVersion::TLSv1_2).into(),
        A::IllegalParameter,
    );
}

/// RFC 8446 4.1.3: in a TLS 1.3 ServerHello "the legacy_version field MUST be set to
/// 0x0303"; the version travels in supported_versions. Any other value is
/// illegal_parameter, in a HelloRetryRequest too.
#[test]
fn server_hello_with_a_legacy_version_other_than_tls12() {
    let mut pair = plain_pair();
    let bytes = server_flight_with(&mut pair, |sh| {
        sh.legacy_version = ProtocolVersion::from(0x1234);
    });
    client_rejects(
        &mut pair,
        &bytes,
        PeerMisbehaved::LegacyVersionNotTls12(ProtocolVersion::from(0x1234)).into(),
        A::IllegalParameter,
    );

    let (mut pair, hrr) = hrr_pair();
    let mut msg = decode_message(&hrr[0]);
    match &mut msg.payload {
        HandshakePayload::HelloRetryRequest(h) => h.legacy_version = ProtocolVersion::TLSv1_3,
        other => panic!("{other:?}"),
    }
    client_rejects(
        &mut pair,
        &plain_record(&msg).encode(),
        PeerMisbehaved::LegacyVersionNotTls12(ProtocolVersion::TLSv1_3).into(),
        A::IllegalParameter,
    );
}

#[test]
fn server_hello_with_an_unsolicited_extension() {
    let mut pair = plain_pair();
    let bytes = server_flight_with(&mut pair, |sh| {
        sh.extensions
            .as_mut()
            .unwrap()
            .push(ServerExtension::Unknown {
                typ: ExtensionType::from(0x7a7a),
                data: vec![],
            });
    });
    client_rejects(
        &mut pair,
        &bytes,
        PeerMisbehaved::UnsolicitedExtension {
            message: "ServerHello",
            extension: ExtensionType::from(0x7a7a),
        }
        .into(),
        A::UnsupportedExtension,
    );
}

/// A pair where the client's only key share (X25519) makes the P-256-only server ask
/// for a retry; returns the server's HelloRetryRequest records (without the
/// compatibility change_cipher_spec).
fn hrr_pair() -> (Pair, Vec<WireRecord>) {
    let cp = provider(&[NamedGroup::X25519, NamedGroup::secp256r1]);
    let sp = provider(&[NamedGroup::secp256r1]);
    let mut pair = pair_with(&cp, &sp);
    pair.client_to_server().unwrap();
    let hrr: Vec<WireRecord> = split_records(&take(&mut pair.server))
        .into_iter()
        .filter(|r| r.typ == ContentType::Handshake)
        .collect();
    assert!(matches!(
        decode_message(&hrr[0]).payload,
        HandshakePayload::HelloRetryRequest(_)
    ));
    (pair, hrr)
}

#[test]
fn second_hello_retry_request() {
    let (mut pair, hrr) = hrr_pair();
    feed(&mut pair.client, &join_records(&hrr)).unwrap();
    // The retried ClientHello reaches the server, which answers (ignored here).
    pair.client_to_server().unwrap();
    take(&mut pair.server);
    client_rejects(
        &mut pair,
        &join_records(&hrr),
        PeerMisbehaved::SecondHelloRetryRequest.into(),
        A::UnexpectedMessage,
    );
}

/// RFC 8446 4.1.4: the HelloRetryRequest's selected_version "MUST be retained in the
/// ServerHello, and a client MUST abort the handshake with an "illegal_parameter"
/// alert if the value changes"; a ServerHello without supported_versions changes it
/// to TLS 1.2.
#[test]
fn server_hello_after_a_retry_without_its_version() {
    for version in [None, Some(ProtocolVersion::from(0x1234))] {
        let (mut pair, hrr) = hrr_pair();
        feed(&mut pair.client, &join_records(&hrr)).unwrap();
        let bytes = server_flight_with(&mut pair, |sh| {
            let exts = sh.extensions.as_mut().unwrap();
            exts.retain(|e| !matches!(e, ServerExtension::SupportedVersions(_)));
            if let Some(v) = version {
                exts.push(ServerExtension::SupportedVersions(v));
            }
        });
        client_rejects(
            &mut pair,
            &bytes,
            PeerMisbehaved::HelloRetryRequestVersionChanged(version).into(),
            A::IllegalParameter,
        );
    }
}

fn edit_hrr(hrr: &WireRecord, edit: impl FnOnce(&mut Vec<HelloRetryExtension>)) -> Vec<u8> {
    let mut msg = decode_message(hrr);
    match &mut msg.payload {
        HandshakePayload::HelloRetryRequest(h) => edit(&mut h.extensions),
        other => panic!("{other:?}"),
    }
    plain_record(&msg).encode()
}

#[test]
fn hello_retry_request_that_changes_nothing() {
    // Neither a group nor a cookie.
    let (mut pair, hrr) = hrr_pair();
    let bytes = edit_hrr(&hrr[0], |exts| {
        exts.retain(|e| !matches!(e, HelloRetryExtension::KeyShare(_)))
    });
    client_rejects(
        &mut pair,
        &bytes,
        PeerMisbehaved::UselessHelloRetryRequest.into(),
        A::IllegalParameter,
    );
    // A group the client already sent a share for.
    let (mut pair, hrr) = hrr_pair();
    let bytes = edit_hrr(&hrr[0], |exts| {
        for e in exts {
            if let HelloRetryExtension::KeyShare(g) = e {
                *g = NamedGroup::X25519;
            }
        }
    });
    client_rejects(
        &mut pair,
        &bytes,
        PeerMisbehaved::SelectedUnofferedGroup(NamedGroup::X25519).into(),
        A::IllegalParameter,
    );
}

/// The client's first flight with its ClientHello rewritten by `edit`.
fn client_hello_with(
    pair: &mut Pair,
    edit: impl FnOnce(&mut handclasp::unstable::msgs::ClientHello),
) -> Vec<u8> {
    let mut records = split_records(&take(&mut pair.client));
    let mut msg = decode_message(&records[0]);
    match &mut msg.payload {
        HandshakePayload::ClientHello(ch) => edit(ch),
        other => panic!("{other:?}"),
    }
    records[0] = plain_record(&msg);
    join_records(&records)
}

fn without(ch: &mut handclasp::unstable::msgs::ClientHello, typ: ExtensionType) {
    use handclasp::unstable::msgs::Extension;
    let exts = ch.extensions.as_mut().unwrap();
    let before = exts.len();
    exts.retain(|e| e.ext_type() != typ);
    assert_eq!(exts.len(), before - 1, "{typ:?} was not in the ClientHello");
}

#[test]
fn client_hello_missing_required_extensions() {
    for typ in [
        ExtensionType::KeyShare,
        ExtensionType::SupportedGroups,
        ExtensionType::SignatureAlgorithms,
    ] {
        let mut pair = plain_pair();
        let bytes = client_hello_with(&mut pair, |ch| without(ch, typ));
        server_rejects(
            &mut pair,
            &bytes,
            PeerMisbehaved::MissingExtension {
                message: "ClientHello",
                extension: typ,
            }
            .into(),
            A::MissingExtension,
        );
    }
}

#[test]
fn client_offering_only_old_versions() {
    // Only TLS 1.2 in supported_versions; this server enables TLS 1.3 only.
    let mut pair = plain_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        for e in ch.extensions.as_mut().unwrap() {
            if let ClientExtension::SupportedVersions(v) = e {
                *v = vec![ProtocolVersion::TLSv1_2];
            }
        }
    });
    server_rejects(
        &mut pair,
        &bytes,
        PeerIncompatible::VersionNotEnabled(ProtocolVersion::TLSv1_2).into(),
        A::ProtocolVersion,
    );
    // A TLS 1.0 ClientHello (no supported_versions at all).
    let mut pair = plain_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        without(ch, ExtensionType::SupportedVersions);
        ch.legacy_version = ProtocolVersion::TLSv1_0;
    });
    server_rejects(
        &mut pair,
        &bytes,
        PeerIncompatible::OnlyLegacyVersions.into(),
        A::ProtocolVersion,
    );
}

// ---------------------------------------------------------------------------------
// The encrypted server flight, through a man in the middle holding the server's keys

/// Runs the ClientHello through a server that logs its keys; returns the server's
/// plaintext records, the decrypted protected flight, the suite and the secret.
fn open_server_flight(
    pair_for: impl FnOnce(Arc<RecordingKeyLog>) -> Pair,
) -> (
    Pair,
    Vec<WireRecord>,
    Vec<Inner>,
    &'static Tls13CipherSuite,
    Vec<u8>,
) {
    let log = Arc::new(RecordingKeyLog::default());
    let mut pair = pair_for(log.clone());
    pair.client_to_server().unwrap();
    let (plain, protected) = split_server_flight(&take(&mut pair.server));
    let suite = match pair.server.negotiated_cipher_suite() {
        Some(SupportedCipherSuite::Tls13(s)) => s,
        other => panic!("{other:?}"),
    };
    let secret = log.secret("SERVER_HANDSHAKE_TRAFFIC_SECRET");
    let inner = decrypt_flight(suite, &secret, &protected);
    let types: Vec<HandshakeType> = inner
        .iter()
        .map(|i| match i {
            Inner::Handshake(m) => common::tamper::message_type(m),
            Inner::Other(t, _) => panic!("unexpected {t:?} in the flight"),
        })
        .collect();
    assert_eq!(
        types,
        [
            HandshakeType::EncryptedExtensions,
            HandshakeType::Certificate,
            HandshakeType::CertificateVerify,
            HandshakeType::Finished
        ]
    );
    (pair, plain, inner, suite, secret)
}

fn logging_pair(log: Arc<RecordingKeyLog>) -> Pair {
    let ca = Ca::root("mitm root");
    let p = all_groups();
    pair(
        client(&p, roots_of(&ca), NOV_2026),
        server(&p, &LeafSpec::server(&["a.test"]), &ca).with_key_log(log),
        "a.test",
    )
}

fn reassemble(
    plain: &[WireRecord],
    suite: &Tls13CipherSuite,
    secret: &[u8],
    inner: &[Inner],
) -> Vec<u8> {
    let mut bytes = join_records(plain);
    bytes.extend(encrypt_flight(suite, secret, inner));
    bytes
}

#[test]
fn mitm_reencrypting_unchanged_flight_is_accepted() {
    // The tamper helper itself: re-encrypting the flight unchanged must be invisible.
    let (mut pair, plain, inner, suite, secret) = open_server_flight(logging_pair);
    feed(
        &mut pair.client,
        &reassemble(&plain, suite, &secret, &inner),
    )
    .unwrap();
    pair.handshake().unwrap();
    pair.send_and_receive(true, b"through the middle");
}

#[test]
fn bad_finished() {
    let (mut pair, plain, mut inner, suite, secret) = open_server_flight(logging_pair);
    let Some(Inner::Handshake(finished)) = inner.last_mut() else {
        unreachable!()
    };
    *finished.last_mut().unwrap() ^= 0x01;
    client_rejects(
        &mut pair,
        &reassemble(&plain, suite, &secret, &inner),
        Error::BadFinished,
        A::DecryptError,
    );
}

#[test]
fn unsolicited_extension_in_encrypted_extensions() {
    let (mut pair, plain, mut inner, suite, secret) = open_server_flight(logging_pair);
    let Inner::Handshake(ee) = &mut inner[0] else {
        unreachable!()
    };
    let mut msg = HandshakeMessage::read_bytes(ee, ProtocolVersion::TLSv1_3).unwrap();
    match &mut msg.payload {
        // The client offered no ALPN.
        HandshakePayload::EncryptedExtensions(exts) => {
            exts.push(ServerExtension::Alpn(b"h2".to_vec()))
        }
        other => panic!("{other:?}"),
    }
    *ee = msg.get_encoding();
    client_rejects(
        &mut pair,
        &reassemble(&plain, suite, &secret, &inner),
        PeerMisbehaved::UnsolicitedExtension {
            message: "EncryptedExtensions",
            extension: ExtensionType::ALProtocolNegotiation,
        }
        .into(),
        A::UnsupportedExtension,
    );
}

#[test]
fn unsolicited_extension_in_a_certificate_entry() {
    // RFC 8446 4.4.2: a CertificateEntry's extensions answer the ClientHello's; 4.2:
    // an unsolicited one is unsupported_extension (an unknown code point, and SCTs
    // the client did not ask for).
    for extension in [
        handclasp::unstable::msgs::CertificateExtension::Unknown {
            typ: ExtensionType::Unknown(0xfafa),
            data: vec![1, 2, 3],
        },
        handclasp::unstable::msgs::CertificateExtension::SignedCertificateTimestamp(vec![vec![
            7;
            10
        ]]),
    ] {
        let (mut pair, plain, mut inner, suite, secret) = open_server_flight(logging_pair);
        let Inner::Handshake(certificate) = &mut inner[1] else {
            unreachable!()
        };
        let mut msg = HandshakeMessage::read_bytes(certificate, ProtocolVersion::TLSv1_3).unwrap();
        let typ = match &mut msg.payload {
            HandshakePayload::CertificateTls13(c) => {
                let typ = {
                    use handclasp::unstable::msgs::Extension;
                    extension.ext_type()
                };
                c.entries[0].extensions.push(extension);
                typ
            }
            other => panic!("{other:?}"),
        };
        *certificate = msg.get_encoding();
        client_rejects(
            &mut pair,
            &reassemble(&plain, suite, &secret, &inner),
            PeerMisbehaved::UnsolicitedExtension {
                message: "Certificate",
                extension: typ,
            }
            .into(),
            A::UnsupportedExtension,
        );
    }
}

#[test]
fn application_data_before_finished() {
    let (mut pair, plain, mut inner, suite, secret) = open_server_flight(logging_pair);
    inner.insert(
        3,
        Inner::Other(ContentType::ApplicationData, b"too early".to_vec()),
    );
    let err = feed(
        &mut pair.client,
        &reassemble(&plain, suite, &secret, &inner),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnexpectedMessage {
                got: handclasp::error::MessageKind::Record(ContentType::ApplicationData),
                ..
            }
        ),
        "{err:?}"
    );
    assert_alert_delivered(&mut pair.client, &mut pair.server, A::UnexpectedMessage);
}

// ---------------------------------------------------------------------------------
// The record layer

#[test]
fn bit_flipped_records() {
    // In the server's encrypted handshake flight.
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    let (plain, mut protected) = split_server_flight(&take(&mut pair.server));
    protected[0].payload[3] ^= 0x80;
    let mut bytes = join_records(&plain);
    bytes.extend(join_records(&protected));
    client_rejects(&mut pair, &bytes, Error::DecryptError, A::BadRecordMac);

    // In application data, either way.
    for client_sends in [true, false] {
        let mut pair = plain_pair();
        pair.handshake().unwrap();
        let (sender, _) = pair.sides(client_sends);
        sender.write_plaintext(b"some application data").unwrap();
        let mut bytes = take(sender);
        let last = bytes.len() - 1; // in the tag
        bytes[last] ^= 0x01;
        let (_, receiver) = pair.sides(client_sends);
        assert_eq!(feed(receiver, &bytes), Err(Error::DecryptError));
        let (sender, receiver) = pair.sides(client_sends);
        assert_alert_delivered(receiver, sender, A::BadRecordMac);
    }
}

#[test]
fn record_overflow() {
    // A protected record longer than 2^14 + 256.
    let mut pair = plain_pair();
    pair.handshake().unwrap();
    let len = 16384 + 257;
    let mut bytes = vec![23, 3, 3];
    bytes.extend((len as u16).to_be_bytes());
    server_rejects(
        &mut pair,
        &bytes,
        InvalidMessage::RecordTooLarge {
            len,
            max: 16384 + 256,
        }
        .into(),
        A::RecordOverflow,
    );
    // A plaintext record longer than 2^14 before any keys.
    let mut pair = plain_pair();
    let len = 16384 + 1;
    let mut bytes = vec![22, 3, 1];
    bytes.extend((len as u16).to_be_bytes());
    server_rejects(
        &mut pair,
        &bytes,
        InvalidMessage::RecordTooLarge { len, max: 16384 }.into(),
        A::RecordOverflow,
    );
}

/// RFC 8446 5: a change_cipher_spec [1] before the peer's Finished "MUST simply" be
/// dropped, the second as well as the first; the handshake completes.
#[test]
fn second_change_cipher_spec_is_dropped() {
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    pair.server_to_client().unwrap();
    let mut records = split_records(&take(&mut pair.client));
    assert_eq!(records[0].typ, ContentType::ChangeCipherSpec);
    records.insert(1, records[0].clone());
    feed(&mut pair.server, &join_records(&records)).unwrap();
    assert!(!pair.server.is_handshaking());
    pair.send_and_receive(true, b"after two change_cipher_specs");
}

#[test]
fn unprotected_alert_after_the_handshake_is_refused() {
    // An unprotected alert is read only during the handshake (a peer that failed
    // before it had keys); afterwards it cannot be authentic, and a record whose
    // outer type is not application_data is an unexpected record (RFC 8446 5, 5.2).
    let mut pair = plain_pair();
    pair.handshake().unwrap();
    let alert = WireRecord::new(ContentType::Alert, vec![2, u8::from(A::HandshakeFailure)]);
    server_rejects(
        &mut pair,
        &alert.encode(),
        Error::UnexpectedMessage {
            expected: "a protected record (outer type application_data)",
            got: handclasp::error::MessageKind::Record(ContentType::Alert),
        },
        A::UnexpectedMessage,
    );
}

#[test]
fn second_client_hello_offering_early_data_is_illegal() {
    use common::tamper::{decode_message, plain_record, split_records};
    use handclasp::unstable::msgs::{ClientExtension, HandshakePayload};
    // The client sends an X25519 share; the server accepts only P-384, so it retries.
    let mut p = handclasp::crypto::ring::default_provider();
    p.kx_groups
        .retain(|g| g.name() == handclasp::enums::NamedGroup::secp384r1);
    let (root, leaf) = common::pki::server_chain(&["a.test"]);
    let mut roots = handclasp::verify::RootStore::empty();
    roots.add(&root.cert).unwrap();
    let client = handclasp::ClientConfig::builder()
        .with_root_store(roots)
        .build()
        .unwrap();
    let server = handclasp::ServerConfig::builder_with_provider(Arc::new(p))
        .with_single_cert(leaf.chain.clone(), leaf.key.clone_key())
        .unwrap()
        .build()
        .unwrap();
    let mut pair = common::pair::Pair::new(Arc::new(client), Arc::new(server), "a.test");
    pair.client_to_server().unwrap();
    let hrr = pair.server.pending_tls().to_vec();
    pair.server.consume_tls(hrr.len());
    assert_eq!(pair.client.read_tls_from_slice(&hrr), hrr.len());
    pair.client.process_new_packets().unwrap();
    // ClientHello2 (after the compatibility CCS), with early_data added by an attacker.
    let mut records = split_records(pair.client.pending_tls());
    let last = records.last_mut().unwrap();
    let mut msg = decode_message(last);
    let HandshakePayload::ClientHello(hello) = &mut msg.payload else {
        panic!("not a ClientHello")
    };
    hello
        .extensions
        .as_mut()
        .unwrap()
        .push(ClientExtension::EarlyData);
    *last = plain_record(&msg);
    let bytes: Vec<u8> = records.iter().flat_map(|r| r.encode()).collect();
    assert_eq!(pair.server.read_tls_from_slice(&bytes), bytes.len());
    let err = pair.server.process_new_packets().unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::BadRetriedClientHello(
            "it still offers early data"
        ))
    );
    assert_eq!(
        err.alert(),
        Some(handclasp::enums::AlertDescription::IllegalParameter)
    );
}

// ---------------------------------------------------------------------------------
// Post-quantum hybrid key shares (draft-ietf-tls-ecdhe-mlkem 4: a malformed share is
// illegal_parameter)

const HYBRID: NamedGroup = NamedGroup::X25519MLKEM768;

/// A pair both of whose sides know only `group`, so it carries the only share.
fn only(group: NamedGroup) -> Pair {
    let p = provider(&[group]);
    pair_with(&p, &p)
}

/// The client's first flight with its `group` share rewritten by `edit`.
fn client_share_with(
    pair: &mut Pair,
    group: NamedGroup,
    edit: impl FnOnce(&mut Vec<u8>),
) -> Vec<u8> {
    let mut edit = Some(edit);
    client_hello_with(pair, |ch| {
        for ext in ch.extensions.as_mut().unwrap() {
            if let ClientExtension::KeyShare(shares) = ext {
                for share in shares.iter_mut().filter(|s| s.group == group) {
                    (edit.take().unwrap())(&mut share.payload);
                }
            }
        }
    })
}

fn invalid_share() -> Error {
    PeerMisbehaved::InvalidKeyShare.into()
}

#[test]
fn hybrid_client_share_of_a_wrong_length() {
    // (An empty share is a decode_error: key_exchange<1..2^16-1>, RFC 8446 4.2.8.)
    let edits: [fn(&mut Vec<u8>); 3] = [
        |s| {
            s.pop();
        },
        |s| s.push(0),
        |s| s.truncate(1184),
    ];
    for group in [HYBRID, NamedGroup::SecP256r1MLKEM768] {
        for edit in edits {
            let mut pair = only(group);
            let bytes = client_share_with(&mut pair, group, edit);
            server_rejects(&mut pair, &bytes, invalid_share(), A::IllegalParameter);
        }
    }
}

#[test]
fn hybrid_client_share_with_an_unreduced_mlkem_key() {
    // FIPS 203 7.2: each 12-bit coefficient of the encapsulation key must be below
    // q = 3329; 0xfff is not. X25519MLKEM768 puts the ML-KEM key first.
    let mut pair = only(HYBRID);
    let bytes = client_share_with(&mut pair, HYBRID, |s| {
        s[0] = 0xff;
        s[1] |= 0x0f;
    });
    server_rejects(&mut pair, &bytes, invalid_share(), A::IllegalParameter);
    // SecP256r1MLKEM768 puts it after the 65-byte point.
    let group = NamedGroup::SecP256r1MLKEM768;
    let mut pair = only(group);
    let bytes = client_share_with(&mut pair, group, |s| {
        s[65] = 0xff;
        s[66] |= 0x0f;
    });
    server_rejects(&mut pair, &bytes, invalid_share(), A::IllegalParameter);
}

#[test]
fn hybrid_client_share_with_an_invalid_ecdh_key() {
    // X25519: the all-zero key is a low-order point, whose output is all zeros
    // (RFC 8446 7.4.2); P-256: a point not on the curve.
    let mut pair = only(HYBRID);
    let bytes = client_share_with(&mut pair, HYBRID, |s| s[1184..].fill(0));
    server_rejects(&mut pair, &bytes, invalid_share(), A::IllegalParameter);
    let group = NamedGroup::SecP256r1MLKEM768;
    let mut pair = only(group);
    let bytes = client_share_with(&mut pair, group, |s| s[1..65].fill(0x01));
    server_rejects(&mut pair, &bytes, invalid_share(), A::IllegalParameter);
}

/// The server's flight with its hybrid share rewritten by `edit`.
fn server_share_with(pair: &mut Pair, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    server_flight_with(pair, |sh| {
        let share = sh
            .extensions
            .as_mut()
            .unwrap()
            .iter_mut()
            .find_map(|ext| match ext {
                ServerExtension::KeyShare(share) => Some(share),
                _ => None,
            })
            .unwrap();
        assert_eq!(share.group, HYBRID);
        edit(&mut share.payload);
    })
}

#[test]
fn hybrid_server_share_of_a_wrong_length() {
    for (len, extra) in [(1119, 0), (1120, 1), (1088, 0)] {
        let mut pair = only(HYBRID);
        let bytes = server_share_with(&mut pair, |s| {
            s.truncate(len);
            s.extend(std::iter::repeat_n(0, extra));
        });
        client_rejects(&mut pair, &bytes, invalid_share(), A::IllegalParameter);
    }
    let mut pair = only(HYBRID);
    let bytes = server_share_with(&mut pair, |s| s[1088..].fill(0));
    client_rejects(&mut pair, &bytes, invalid_share(), A::IllegalParameter);
}

#[test]
fn hybrid_server_share_with_a_forged_ciphertext_fails_at_the_first_record() {
    // FIPS 203 6.3: decapsulating a forged ciphertext yields an unrelated secret
    // (implicit rejection), so the server's first protected record does not open.
    // (The client's alert goes under its own, different, handshake key: the server
    // cannot read it either.)
    let mut pair = only(HYBRID);
    let bytes = server_share_with(&mut pair, |s| s[10] ^= 0x01);
    assert_eq!(feed(&mut pair.client, &bytes), Err(Error::DecryptError));
    assert_eq!(Error::DecryptError.alert(), Some(A::BadRecordMac));
}

#[test]
fn client_alert_under_the_handshake_key_follows_the_compat_ccs() {
    // RFC 8446 D.4: in middlebox-compatibility mode the client's change_cipher_spec
    // goes before its encrypted flight. A client failing on the server's encrypted
    // flight sends an encrypted alert: that is its first protected record, so the
    // change_cipher_spec goes first (middleboxes and BoringSSL expect one or the
    // other: a plaintext alert, or the CCS).
    let mut pair = plain_pair();
    pair.client_to_server().unwrap();
    let (plain, mut protected) = split_server_flight(&take(&mut pair.server));
    protected[0].payload[0] ^= 0x01;
    let mut bytes = join_records(&plain);
    bytes.extend(join_records(&protected));
    assert_eq!(feed(&mut pair.client, &bytes), Err(Error::DecryptError));
    let sent = split_records(&take(&mut pair.client));
    let types: Vec<ContentType> = sent.iter().map(|r| r.typ).collect();
    assert_eq!(
        types,
        [ContentType::ChangeCipherSpec, ContentType::ApplicationData]
    );
    assert_eq!(sent[0].payload, [1]);
}

#[test]
fn a_fallback_below_our_best_version_is_inappropriate_fallback() {
    // RFC 7507 3: TLS_FALLBACK_SCSV in a ClientHello whose version is below the
    // server's highest gets inappropriate_fallback: here a TLS 1.2 ClientHello (no
    // supported_versions) to a TLS 1.3 server.
    let mut pair = plain_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        ch.cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV);
        without(ch, ExtensionType::SupportedVersions);
    });
    server_rejects(
        &mut pair,
        &bytes,
        PeerMisbehaved::InappropriateFallback(ProtocolVersion::TLSv1_3).into(),
        A::InappropriateFallback,
    );
    // The same signal beside the server's best version is no fallback: the server
    // answers with its flight (the client would then fail on its own transcript,
    // which this edit changed).
    let mut pair = plain_pair();
    let bytes = client_hello_with(&mut pair, |ch| {
        ch.cipher_suites.push(CipherSuite::TLS_FALLBACK_SCSV);
    });
    feed(&mut pair.server, &bytes).unwrap();
    assert!(pair.server.wants_write());
    assert_eq!(pair.server.error(), None);
}
