//! Each way a certificate chain can be wrong gets its own error, naming the
//! certificate, issuer, name or key at fault, with the alert RFC 8446 6.2 assigns.
use crate::common;

use std::sync::Arc;

use common::pki::{self, NOV_2026, at};
use common::pki_errors::{
    AnyKey, Leaf, Node, WeakRsa, ca_params, custom_extension, leaf_params, self_signed_leaf,
};
use handclasp::crypto::ring::SUPPORTED_SIG_ALGS;
use handclasp::enums::AlertDescription as A;
use handclasp::error::CertificateError as C;
use handclasp::pki_types::{CertificateDer, ServerName};
use handclasp::verify::{
    ClientCertVerifier, RootStore, ServerCertVerifier, WebPkiClientVerifier, WebPkiServerVerifier,
};
use handclasp::{ClientConfig, Error, ServerConfig};
use rcgen::{BasicConstraints, GeneralSubtree, IsCa, NameConstraints};

fn verifier(roots: &[&CertificateDer<'static>]) -> WebPkiServerVerifier {
    let mut store = RootStore::empty();
    for root in roots {
        store.add(root).unwrap();
    }
    WebPkiServerVerifier::new(Arc::new(store), SUPPORTED_SIG_ALGS)
}

/// Verifies `chain` (leaf first) for `name` against `roots` and returns the
/// certificate error, its Display text and its alert.
fn reject(
    roots: &[&CertificateDer<'static>],
    chain: &[CertificateDer<'static>],
    name: &str,
) -> (C, String, Option<A>) {
    let name = ServerName::try_from(name.to_string()).unwrap();
    let result =
        verifier(roots).verify_server_cert(&chain[0], &chain[1..], &name, &[], at(NOV_2026));
    match result {
        Err(err @ Error::Certificate(_)) => {
            let text = err.to_string();
            let alert = err.alert();
            let Error::Certificate(c) = err else {
                unreachable!()
            };
            (c, text, alert)
        }
        other => panic!("expected a certificate error, got {other:?}"),
    }
}

fn assert_mentions(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} missing from {text:?}");
    }
    // webpki's Debug names are not messages.
    for debug in [
        "UnknownIssuer",
        "EndEntityUsedAsCa",
        "CaUsedAsEndEntity",
        "Exceeded",
    ] {
        assert!(!text.contains(debug), "{debug:?} in {text:?}");
    }
}

#[test]
fn unknown_root_names_the_root_the_chain_ends_at() {
    let stranger = Node::root("stranger root");
    let inter = stranger.intermediate("stranger intermediate");
    let mut leaf = inter.leaf(leaf_params(&["a.test"]));
    leaf.chain
        .extend([inter.cert.clone(), stranger.cert.clone()]);
    let trusted = Node::root("trusted root");
    let (err, text, alert) = reject(&[&trusted.cert], &leaf.chain, "a.test");
    assert_eq!(
        err,
        C::UnknownRoot {
            root: "CN=stranger root".into()
        }
    );
    assert_mentions(&text, &["CN=stranger root", "not in the root store"]);
    assert_eq!(alert, Some(A::UnknownCa));
}

#[test]
fn missing_intermediate_names_the_certificate_and_the_issuer_not_found() {
    let root = Node::root("handclasp root");
    let inter = root.intermediate("handclasp intermediate");
    let leaf = inter.leaf(leaf_params(&["a.test"]));
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert_eq!(
        err,
        C::MissingIntermediate {
            subject: "CN=a.test".into(),
            issuer: "CN=handclasp intermediate".into(),
            peer: "server",
        }
    );
    assert_mentions(
        &text,
        &[
            "CN=a.test",
            "CN=handclasp intermediate",
            "the server did not send the intermediate certificate",
        ],
    );
    assert_eq!(alert, Some(A::UnknownCa));

    // Sent, the chain verifies.
    let name = ServerName::try_from("a.test").unwrap();
    verifier(&[&root.cert])
        .verify_server_cert(&leaf.chain[0], &[inter.cert], &name, &[], at(NOV_2026))
        .unwrap();
}

#[test]
fn a_client_chain_missing_its_intermediate_blames_the_client() {
    let root = Node::root("client root");
    let inter = root.intermediate("client intermediate");
    let mut params = leaf_params(&["alice"]);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let leaf = inter.leaf(params);
    let mut store = RootStore::empty();
    store.add(&root.cert).unwrap();
    let v = WebPkiClientVerifier::new(Arc::new(store), SUPPORTED_SIG_ALGS, true);
    let err = v
        .verify_client_cert(&leaf.chain[0], &[], at(NOV_2026))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the client did not send the intermediate certificate"),
        "{err}"
    );
}

#[test]
fn self_signed_leaf_is_named_as_such() {
    let leaf = self_signed_leaf(&["self.test"]);
    let other = Node::root("some root");
    let (err, text, alert) = reject(&[&other.cert], &leaf.chain, "self.test");
    assert_eq!(
        err,
        C::SelfSigned {
            subject: "CN=self.test".into()
        }
    );
    assert_mentions(
        &text,
        &["self-signed", "CN=self.test", "add it to the root store"],
    );
    assert_eq!(alert, Some(A::UnknownCa));

    // Trusted as its own root, it verifies.
    let name = ServerName::try_from("self.test").unwrap();
    verifier(&[&leaf.chain[0]])
        .verify_server_cert(&leaf.chain[0], &[], &name, &[], at(NOV_2026))
        .unwrap();
}

#[test]
fn weak_rsa_leaf_key_is_named_with_its_size() {
    let root = Node::root("root");
    let cert = root.leaf_with_public_key(leaf_params(&["weak.test"]), &WeakRsa::new());
    let (err, text, alert) = reject(&[&root.cert], &[cert], "weak.test");
    assert_eq!(
        err,
        C::WeakKey {
            subject: "CN=weak.test".into(),
            bits: 1024,
            min: 2048,
        }
    );
    assert_mentions(
        &text,
        &["RSA", "1024 bits", "at least 2048", "CN=weak.test"],
    );
    assert_eq!(alert, Some(A::BadCertificate));
}

#[test]
fn weak_rsa_intermediate_is_a_weak_key_not_a_bad_signature() {
    let root = Node::root("root");
    let weak = root.child_with_key(
        ca_params("weak intermediate"),
        AnyKey::WeakRsa(WeakRsa::new()),
    );
    let mut leaf = weak.leaf(leaf_params(&["a.test"]));
    leaf.chain.push(weak.cert.clone());
    let (err, text, _) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert_eq!(
        err,
        C::WeakKey {
            subject: "CN=weak intermediate".into(),
            bits: 1024,
            min: 2048,
        }
    );
    assert_mentions(&text, &["1024 bits", "CN=weak intermediate"]);
}

#[test]
fn a_signature_by_another_key_of_the_same_name_is_a_bad_signature() {
    let trusted = Node::root("same name");
    let impostor = Node::root("same name");
    let leaf = impostor.leaf(leaf_params(&["a.test"]));
    let (err, _, alert) = reject(&[&trusted.cert], &leaf.chain, "a.test");
    assert_eq!(err, C::BadSignature);
    assert_eq!(alert, Some(A::DecryptError));
}

#[test]
fn wrong_name_lists_typed_names() {
    let root = Node::root("root");
    let leaf = root.leaf(leaf_params(&["a.test", "*.a.test"]));
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "b.test");
    assert_eq!(
        err,
        C::NotValidForName {
            expected: "DNS:b.test".into(),
            presented: vec!["DNS:a.test".into(), "DNS:*.a.test".into()],
        }
    );
    assert_mentions(
        &text,
        &["not valid for DNS:b.test", "DNS:a.test, DNS:*.a.test"],
    );
    assert!(!text.contains("spells an IP address"), "{text}");
    assert_eq!(alert, Some(A::BadCertificate));
}

#[test]
fn a_dns_name_that_spells_an_ip_address_shows_both_types() {
    let root = Node::root("root");
    let leaf = root.leaf(leaf_params(&["127.0.0.1"]));
    let (err, text, _) = reject(&[&root.cert], &leaf.chain, "127.0.0.1");
    assert_eq!(
        err,
        C::NotValidForName {
            expected: "IP:127.0.0.1".into(),
            presented: vec!["DNS:127.0.0.1".into()],
        }
    );
    assert_mentions(
        &text,
        &[
            "not valid for IP:127.0.0.1",
            "certificate names: DNS:127.0.0.1",
            "spells an IP address",
        ],
    );

    // A real IP entry is shown as one, and no hint is given.
    let (ca, leaf) = pki::server_chain(&["a.test", "::1"]);
    let (err, text, _) = reject(&[&ca.cert], &leaf.chain, "192.0.2.1");
    assert_eq!(
        err,
        C::NotValidForName {
            expected: "IP:192.0.2.1".into(),
            presented: vec!["DNS:a.test".into(), "IP:::1".into()],
        }
    );
    assert!(!text.contains("spells an IP address"), "{text}");
}

#[test]
fn a_ca_certificate_as_leaf_is_named() {
    let root = Node::root("root");
    let mut params = leaf_params(&["ca.test"]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let leaf = root.leaf(params);
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "ca.test");
    assert_eq!(
        err,
        C::CaUsedAsEndEntity {
            subject: "CN=ca.test".into()
        }
    );
    assert_mentions(
        &text,
        &["CN=ca.test", "is a CA certificate", "leaf certificate"],
    );
    assert_eq!(alert, Some(A::BadCertificate));
}

#[test]
fn a_leaf_used_as_an_issuer_is_named() {
    let root = Node::root("root");
    let mut params = ca_params("not a ca");
    params.is_ca = IsCa::ExplicitNoCa;
    let not_ca = root.child(params);
    let mut leaf = not_ca.leaf(leaf_params(&["a.test"]));
    leaf.chain.push(not_ca.cert.clone());
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert_eq!(
        err,
        C::EndEntityUsedAsCa {
            subject: Some("CN=not a ca".into())
        }
    );
    assert_mentions(&text, &["CN=not a ca", "is not a CA"]);
    assert_eq!(alert, Some(A::BadCertificate));
}

#[test]
fn a_name_outside_the_constraints_names_the_constrained_ca() {
    let root = Node::root("root");
    let mut params = ca_params("constrained");
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("allowed.test".into())],
        excluded_subtrees: vec![],
    });
    let constrained = root.child(params);
    let mut leaf = constrained.leaf(leaf_params(&["a.test"]));
    leaf.chain.push(constrained.cert.clone());
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert_eq!(
        err,
        C::NameConstraintViolation {
            ca: Some("CN=constrained".into())
        }
    );
    assert_mentions(&text, &["CN=constrained", "name constraints"]);
    assert_eq!(alert, Some(A::BadCertificate));
}

#[test]
fn a_chain_longer_than_the_limit_says_so() {
    let root = Node::root("root");
    let mut cas = vec![root.intermediate("ca 1")];
    for i in 2..=7 {
        let next = cas.last().unwrap().intermediate(&format!("ca {i}"));
        cas.push(next);
    }
    let mut leaf = cas.last().unwrap().leaf(leaf_params(&["a.test"]));
    leaf.chain
        .extend(cas.iter().rev().map(|ca| ca.cert.clone()));
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert_eq!(err, C::ChainTooLong { max: 6 });
    assert_mentions(&text, &["more than 6 intermediate certificates"]);
    assert_eq!(alert, Some(A::BadCertificate));

    // Six are fine.
    let mut leaf = cas[5].leaf(leaf_params(&["a.test"]));
    leaf.chain
        .extend(cas[..6].iter().rev().map(|ca| ca.cert.clone()));
    let name = ServerName::try_from("a.test").unwrap();
    verifier(&[&root.cert])
        .verify_server_cert(&leaf.chain[0], &leaf.chain[1..], &name, &[], at(NOV_2026))
        .unwrap();
}

#[test]
fn a_path_length_constraint_names_the_ca_and_its_limit() {
    let root = Node::root("root");
    let mut params = ca_params("path len 0");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let limited = root.child(params);
    let below = limited.intermediate("below");
    let mut leaf = below.leaf(leaf_params(&["a.test"]));
    leaf.chain
        .extend([below.cert.clone(), limited.cert.clone()]);
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert_eq!(
        err,
        C::PathLenConstraintViolated {
            ca: Some("CN=path len 0".into()),
            path_len: Some(0),
        }
    );
    assert_mentions(&text, &["CN=path len 0", "(0)"]);
    assert_eq!(alert, Some(A::BadCertificate));
}

#[test]
fn wrong_and_empty_extended_key_usage_say_what_to_reissue() {
    let root = Node::root("root");
    let mut params = leaf_params(&["a.test"]);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let leaf = root.leaf(params);
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert_eq!(err, C::InvalidPurpose("server authentication"));
    assert_mentions(&text, &["server authentication", "reissue"]);
    assert_eq!(alert, Some(A::UnsupportedCertificate));

    // extKeyUsage 2.5.29.37 holding an empty SEQUENCE.
    let mut params = leaf_params(&["a.test"]);
    params.extended_key_usages = vec![];
    params.custom_extensions = vec![custom_extension(&[2, 5, 29, 37], vec![0x30, 0x00], false)];
    let leaf = root.leaf(params);
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert_eq!(err, C::EmptyExtendedKeyUsage("server authentication"));
    assert_mentions(&text, &["extended key usage extension is empty"]);
    assert_eq!(alert, Some(A::UnsupportedCertificate));
}

/// A handshake between our client (trusting `root`, or trusting anything) and our
/// server presenting `leaf`; the client's result.
fn handshake_with(root: &Node, leaf: Leaf, any_verifier: bool) -> Result<(), Error> {
    let time = Arc::new(handclasp::time::FixedTime(at(NOV_2026)));
    let client = ClientConfig::builder().with_time_provider(time.clone());
    let client = if any_verifier {
        client.with_verifier(Arc::new(handclasp::testing::AcceptAnyServerCert))
    } else {
        let mut roots = RootStore::empty();
        roots.add(&root.cert).unwrap();
        client.with_root_store(roots)
    };
    let server = ServerConfig::builder()
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
        .with_time_provider(time)
        .build()
        .unwrap();
    let mut pair = common::pair::Pair::new(
        Arc::new(client.build().unwrap()),
        Arc::new(server),
        "a.test",
    );
    pair.handshake()
}

#[test]
fn a_key_usage_without_digital_signature_cannot_sign_the_handshake() {
    // RFC 8446 4.4.2.2: "the digitalSignature bit MUST be set if the Key Usage
    // extension is present" (RFC 5280 4.2.1.3). A TLS rule: checked whatever the
    // verifier decided (here also with one that accepts any chain).
    let root = Node::root("root");
    for any_verifier in [false, true] {
        let mut params = leaf_params(&["a.test"]);
        params.key_usages = vec![rcgen::KeyUsagePurpose::KeyEncipherment];
        let err = handshake_with(&root, root.leaf(params), any_verifier).unwrap_err();
        assert_eq!(
            err,
            Error::Certificate(C::KeyUsageWithoutDigitalSignature {
                subject: "CN=a.test".into()
            })
        );
        assert_mentions(&err.to_string(), &["CN=a.test", "digitalSignature"]);
        assert_eq!(err.alert(), Some(A::UnsupportedCertificate));
    }
    // With digitalSignature (among others), or without the extension, it may sign.
    for usages in [
        vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
        ],
        vec![],
    ] {
        let mut params = leaf_params(&["a.test"]);
        params.key_usages = usages;
        handshake_with(&root, root.leaf(params), false).unwrap();
    }
}

#[test]
fn an_unknown_critical_extension_is_named_with_its_oid() {
    let root = Node::root("root");
    let mut params = leaf_params(&["a.test"]);
    params.custom_extensions = vec![custom_extension(
        &[1, 3, 6, 1, 4, 1, 99999, 1],
        vec![0x05, 0x00],
        true,
    )];
    let leaf = root.leaf(params);
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert_eq!(
        err,
        C::UnsupportedCriticalExtension {
            subject: Some("CN=a.test".into()),
            oid: Some("1.3.6.1.4.1.99999.1".into()),
        }
    );
    assert_mentions(&text, &["CN=a.test", "1.3.6.1.4.1.99999.1", "critical"]);
    assert_eq!(alert, Some(A::UnsupportedCertificate));
}

#[test]
fn a_validity_that_ends_before_it_starts_is_malformed() {
    let root = Node::root("root");
    let mut params = leaf_params(&["a.test"]);
    params.not_before = rcgen::date_time_ymd(2026, 12, 1);
    params.not_after = rcgen::date_time_ymd(2026, 1, 1);
    let leaf = root.leaf(params);
    let (err, text, alert) = reject(&[&root.cert], &leaf.chain, "a.test");
    assert!(matches!(err, C::BadEncoding(_)), "{err:?}");
    assert_mentions(&text, &["notAfter is earlier than notBefore"]);
    assert_eq!(alert, Some(A::BadCertificate));
}

#[test]
fn expired_and_not_yet_valid_keep_their_dates() {
    let root = Node::root("root");
    let leaf = root.leaf(leaf_params(&["a.test"]));
    let name = ServerName::try_from("a.test").unwrap();
    let v = verifier(&[&root.cert]);
    let err = v
        .verify_server_cert(&leaf.chain[0], &[], &name, &[], at(pki::JAN_2027 + 1))
        .unwrap_err();
    assert!(
        matches!(err, Error::Certificate(C::Expired { .. })),
        "{err}"
    );
    assert_eq!(err.alert(), Some(A::CertificateExpired));
    let err = v
        .verify_server_cert(&leaf.chain[0], &[], &name, &[], at(pki::JAN_2026 - 1))
        .unwrap_err();
    assert!(
        matches!(err, Error::Certificate(C::NotValidYet { .. })),
        "{err}"
    );
}

#[test]
fn every_certificate_error_has_a_sentence_and_an_alert() {
    // The variants built here print without Debug names and pick a certificate alert.
    let errors = [
        C::UnknownRoot {
            root: "CN=r".into(),
        },
        C::MissingIntermediate {
            subject: "CN=s".into(),
            issuer: "CN=i".into(),
            peer: "server",
        },
        C::SelfSigned {
            subject: "CN=s".into(),
        },
        C::WeakKey {
            subject: "CN=s".into(),
            bits: 1024,
            min: 2048,
        },
        C::EmptyExtendedKeyUsage("server authentication"),
        C::CaUsedAsEndEntity {
            subject: "CN=s".into(),
        },
        C::EndEntityUsedAsCa { subject: None },
        C::NameConstraintViolation { ca: None },
        C::PathLenConstraintViolated {
            ca: None,
            path_len: None,
        },
        C::ChainTooLong { max: 6 },
        C::PathSearchLimit("signature checks"),
        C::UnsupportedCriticalExtension {
            subject: None,
            oid: None,
        },
    ];
    for e in errors {
        let err = Error::Certificate(e.clone());
        let text = err.to_string();
        assert!(!text.contains("None") && !text.contains("Some("), "{text}");
        assert!(
            matches!(
                err.alert(),
                Some(A::UnknownCa | A::BadCertificate | A::UnsupportedCertificate)
            ),
            "{e:?}"
        );
    }
}

#[test]
fn an_application_rejection_is_certificate_unknown() {
    // RFC 8446 6.2: certificate_unknown is for "some other (unspecified) issue" that
    // makes the certificate unacceptable: a custom verifier's own reason, not a
    // corrupt certificate (bad_certificate).
    let err = Error::Certificate(C::ApplicationRejected("pin mismatch".into()));
    assert_eq!(err.alert(), Some(A::CertificateUnknown));
    assert!(err.to_string().contains("pin mismatch"), "{err}");
}
