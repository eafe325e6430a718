//! The default certificate verifiers: chain, validity window and name, each failure
//! reported as its own error with the right alert.
use crate::common;

use std::sync::Arc;

use common::pki::{self, Ca, LeafSpec, NOV_2026, at};
use handclasp::Error;
use handclasp::crypto::KeyProvider;
use handclasp::crypto::ring::SUPPORTED_SIG_ALGS;
use handclasp::enums::{AlertDescription, ProtocolVersion, SignatureScheme};
use handclasp::error::CertificateError;
use handclasp::pki_types::{CertificateDer, ServerName};
use handclasp::verify::{
    ClientCertVerifier, RootStore, ServerCertVerifier, WebPkiClientVerifier, WebPkiServerVerifier,
};

fn verifier(root: &Ca) -> WebPkiServerVerifier {
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    WebPkiServerVerifier::new(Arc::new(roots), SUPPORTED_SIG_ALGS)
}

fn check(
    v: &WebPkiServerVerifier,
    chain: &[CertificateDer<'static>],
    name: &str,
    now: u64,
) -> Result<(), Error> {
    let name = ServerName::try_from(name.to_string()).unwrap();
    v.verify_server_cert(&chain[0], &chain[1..], &name, &[], at(now))
}

fn cert_error(result: Result<(), Error>) -> CertificateError {
    match result {
        Err(Error::Certificate(e)) => e,
        other => panic!("expected a certificate error, got {other:?}"),
    }
}

#[test]
fn accepts_a_chain_through_an_intermediate_for_each_name() {
    let (root, leaf) = pki::server_chain(&["a.test", "*.a.test", "127.0.0.1"]);
    let v = verifier(&root);
    for name in ["a.test", "www.a.test", "127.0.0.1"] {
        check(&v, &leaf.chain, name, NOV_2026).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn wrong_name_lists_the_certificate_names() {
    let (root, leaf) = pki::server_chain(&["a.test", "*.a.test"]);
    let err = check(&verifier(&root), &leaf.chain, "b.test", NOV_2026).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid peer certificate: certificate is not valid for DNS:b.test (certificate names: DNS:a.test, DNS:*.a.test)"
    );
    assert_eq!(err.alert(), Some(AlertDescription::BadCertificate));
    // A wildcard covers one label only.
    assert!(matches!(
        cert_error(check(&verifier(&root), &leaf.chain, "x.y.a.test", NOV_2026)),
        CertificateError::NotValidForName { .. }
    ));
}

#[test]
fn expired_and_not_yet_valid_give_both_dates() {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let v = verifier(&root);
    let err = check(&v, &leaf.chain, "a.test", pki::JAN_2027 + 86_400).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid peer certificate: certificate expired at 2027-01-01T00:00:00Z (now 2027-01-02T00:00:00Z)"
    );
    assert_eq!(err.alert(), Some(AlertDescription::CertificateExpired));

    let err = check(&v, &leaf.chain, "a.test", pki::JAN_2026 - 1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid peer certificate: certificate is not valid until 2026-01-01T00:00:00Z (now 2025-12-31T23:59:59Z)"
    );
    assert_eq!(err.alert(), Some(AlertDescription::CertificateExpired));
}

#[test]
fn unknown_ca_and_missing_intermediate_name_the_issuer_not_found() {
    // The root is not sent and not trusted: its name is what could not be found.
    let (_root, leaf) = pki::server_chain(&["a.test"]);
    let other = Ca::root("someone else");
    let err = check(&verifier(&other), &leaf.chain, "a.test", NOV_2026).unwrap_err();
    assert_eq!(
        cert_error(Err(err.clone())),
        CertificateError::MissingIntermediate {
            subject: "CN=handclasp test intermediate".into(),
            issuer: "CN=handclasp test root".into(),
            peer: "server",
        }
    );
    assert_eq!(err.alert(), Some(AlertDescription::UnknownCa));

    let (root, leaf) = pki::server_chain(&["a.test"]);
    let err = check(&verifier(&root), &leaf.chain[..1], "a.test", NOV_2026);
    assert_eq!(
        cert_error(err),
        CertificateError::MissingIntermediate {
            subject: "CN=a.test".into(),
            issuer: "CN=handclasp test intermediate".into(),
            peer: "server",
        }
    );
}

#[test]
fn client_only_certificate_is_refused_for_a_server() {
    let root = Ca::root("root");
    let leaf = root.issue(&LeafSpec::client("a.test"));
    let err = check(&verifier(&root), &leaf.chain, "a.test", NOV_2026).unwrap_err();
    assert_eq!(
        cert_error(Err(err.clone())),
        CertificateError::InvalidPurpose("server authentication")
    );
    assert_eq!(err.alert(), Some(AlertDescription::UnsupportedCertificate));
}

#[test]
fn client_verifier_checks_client_usage() {
    let root = Ca::root("root");
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let v = WebPkiClientVerifier::new(Arc::new(roots), SUPPORTED_SIG_ALGS, true);
    assert!(v.client_auth_mandatory());
    assert_eq!(v.root_hint_subjects().len(), 1);
    let client = root.issue(&LeafSpec::client("alice"));
    v.verify_client_cert(&client.chain[0], &[], at(NOV_2026))
        .unwrap();
    let server = root.issue(&LeafSpec::server(&["a.test"]));
    assert_eq!(
        cert_error(v.verify_client_cert(&server.chain[0], &[], at(NOV_2026))),
        CertificateError::InvalidPurpose("client authentication")
    );
}

#[test]
fn garbage_certificate_is_bad_encoding() {
    let (root, _) = pki::server_chain(&["a.test"]);
    let junk = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    let err = check(&verifier(&root), &[junk], "a.test", NOV_2026).unwrap_err();
    assert!(matches!(
        cert_error(Err(err.clone())),
        CertificateError::BadEncoding(_)
    ));
    assert_eq!(err.alert(), Some(AlertDescription::BadCertificate));
}

#[test]
fn root_store_loads_pem_bundles() {
    let a = Ca::root("a");
    let b = Ca::root("b");
    let pem = format!("{}{}", pem_of(&a.cert), pem_of(&b.cert));
    let mut roots = RootStore::empty();
    let load = roots.add_pem(pem.as_bytes()).unwrap();
    assert_eq!((load.added, load.ignored), (2, 0));
    assert_eq!(roots.len(), 2);
    assert!(matches!(
        RootStore::empty().add_pem(b"no pem here"),
        Err(Error::Config(_))
    ));
}

fn pem_of(cert: &CertificateDer<'_>) -> String {
    // Re-encode DER as PEM with the standard base64 alphabet (test-only helper).
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in cert.as_ref().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

#[test]
fn tls13_refuses_pkcs1_and_sha1_signatures() {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let v = verifier(&root);
    for scheme in [
        SignatureScheme::RSA_PKCS1_SHA256,
        SignatureScheme::RSA_PKCS1_SHA1,
    ] {
        let err = v
            .verify_signature(
                ProtocolVersion::TLSv1_3,
                b"msg",
                &leaf.chain[0],
                scheme,
                b"sig",
            )
            .unwrap_err();
        assert_eq!(
            err.alert(),
            Some(AlertDescription::IllegalParameter),
            "{scheme:?}"
        );
    }
    let schemes = v.supported_verify_schemes(ProtocolVersion::TLSv1_3);
    assert!(!schemes.contains(&SignatureScheme::RSA_PKCS1_SHA256));
}

#[test]
fn handshake_signatures_verify_with_the_certificate_key() {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let v = verifier(&root);
    let key = handclasp::crypto::ring::RING_KEY_PROVIDER
        .load_private_key(leaf.key.clone_key())
        .unwrap();
    let signer = key
        .choose_scheme(&[SignatureScheme::ECDSA_NISTP256_SHA256])
        .unwrap();
    let sig = signer.sign(b"transcript").unwrap();
    for version in [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2] {
        v.verify_signature(
            version,
            b"transcript",
            &leaf.chain[0],
            signer.scheme(),
            &sig,
        )
        .unwrap();
    }

    let err = v
        .verify_signature(
            ProtocolVersion::TLSv1_3,
            b"another transcript",
            &leaf.chain[0],
            signer.scheme(),
            &sig,
        )
        .unwrap_err();
    assert_eq!(err, Error::BadSignature("ecdsa_secp256r1_sha256"));
    assert_eq!(err.alert(), Some(AlertDescription::DecryptError));

    // RFC 8446 4.2.3: in TLS 1.3 the scheme names the curve; a P-256 key cannot be
    // presented as ecdsa_secp384r1_sha384.
    let err = v
        .verify_signature(
            ProtocolVersion::TLSv1_3,
            b"transcript",
            &leaf.chain[0],
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &sig,
        )
        .unwrap_err();
    assert_eq!(err.alert(), Some(AlertDescription::IllegalParameter));
    // An Ed25519 signature claimed for an ECDSA key does not match the key.
    let err = v
        .verify_signature(
            ProtocolVersion::TLSv1_3,
            b"transcript",
            &leaf.chain[0],
            SignatureScheme::ED25519,
            &sig,
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::PeerMisbehaved(
            handclasp::error::PeerMisbehaved::SignatureSchemeDoesNotMatchKey(
                SignatureScheme::ED25519
            )
        )
    );
}
