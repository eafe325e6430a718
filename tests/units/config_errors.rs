//! Configurations that cannot work are refused while they are built, with an error that
//! names the file, certificate or keys involved: a private key that does not belong to
//! its certificate, a client without trust roots.
use crate::common;

use std::sync::Arc;

use common::pki::{self, Ca, LeafSpec, NOV_2026, at};
use common::pki_errors;
use handclasp::error::ConfigError;
use handclasp::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use handclasp::server::SniResolver;
use handclasp::verify::{RootStore, ServerCertVerifier};
use handclasp::{CertifiedKey, ClientConfig, Error, ServerConfig};

fn key_mismatch(result: Result<impl Sized, Error>) -> (ConfigError, String) {
    match result {
        Err(err @ Error::Config(ConfigError::KeyMismatch { .. })) => {
            let text = err.to_string();
            assert_eq!(err.alert(), None, "a configuration error sends no alert");
            let Error::Config(c) = err else {
                unreachable!()
            };
            (c, text)
        }
        Err(other) => panic!("expected a key mismatch, got {other}"),
        Ok(_) => panic!("expected a key mismatch, the pair was accepted"),
    }
}

fn leaf(spec: LeafSpec) -> pki::Leaf {
    Ca::root("config root").issue(&spec)
}

fn with_algorithm(alg: &'static rcgen::SignatureAlgorithm) -> LeafSpec {
    LeafSpec {
        algorithm: alg,
        ..LeafSpec::server(&["a.test"])
    }
}

#[test]
fn a_server_key_of_the_same_type_but_another_pair_is_refused() {
    let cert = leaf(LeafSpec::server(&["a.test"]));
    let other = pki_errors::new_key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let (err, text) = key_mismatch(ServerConfig::builder().with_single_cert(cert.chain, other));
    assert_eq!(
        err,
        ConfigError::KeyMismatch {
            subject: "CN=a.test".into(),
            certificate_key: "ECDSA P-256".into(),
            private_key: "ECDSA P-256".into(),
        }
    );
    assert!(
        text.contains("the private key does not match the certificate for CN=a.test"),
        "{text}"
    );
}

#[test]
fn a_server_key_of_another_type_is_refused_naming_both_types() {
    let cert = leaf(LeafSpec::server(&["a.test"]));
    let ed25519 = pki_errors::new_key(&rcgen::PKCS_ED25519);
    let (_, text) = key_mismatch(ServerConfig::builder().with_single_cert(cert.chain, ed25519));
    assert!(
        text.contains("certificate key: ECDSA P-256, private key: Ed25519"),
        "{text}"
    );

    let rsa = leaf(with_algorithm(&rcgen::PKCS_RSA_SHA256));
    let p384 = pki_errors::new_key(&rcgen::PKCS_ECDSA_P384_SHA384);
    let (err, _) = key_mismatch(ServerConfig::builder().with_single_cert(rsa.chain, p384));
    assert_eq!(
        err,
        ConfigError::KeyMismatch {
            subject: "CN=a.test".into(),
            certificate_key: "RSA 2048-bit".into(),
            private_key: "ECDSA P-384".into(),
        }
    );
}

#[test]
fn matching_pairs_of_every_key_type_are_accepted() {
    for alg in [
        &rcgen::PKCS_ECDSA_P256_SHA256,
        &rcgen::PKCS_ECDSA_P384_SHA384,
        &rcgen::PKCS_ED25519,
        &rcgen::PKCS_RSA_SHA256,
    ] {
        let cert = leaf(with_algorithm(alg));
        ServerConfig::builder()
            .with_single_cert(cert.chain, cert.key)
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"))
            .build()
            .unwrap();
    }
}

#[test]
fn a_client_auth_key_that_does_not_match_is_refused() {
    let root = Ca::root("client root");
    let cert = root.issue(&LeafSpec::client("alice"));
    let other = pki_errors::new_key(&rcgen::PKCS_ED25519);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let (err, _) = key_mismatch(
        ClientConfig::builder()
            .with_root_store(roots)
            .with_client_auth_cert(cert.chain, other),
    );
    assert!(
        matches!(&err, ConfigError::KeyMismatch { subject, .. } if subject == "CN=alice"),
        "{err:?}"
    );
}

#[test]
fn an_sni_entry_built_from_a_mismatched_pair_is_refused() {
    let cert = leaf(LeafSpec::server(&["a.test"]));
    let other = pki_errors::new_key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let provider = handclasp::crypto::ring::default_provider();
    key_mismatch(CertifiedKey::from_der(&provider, cert.chain.clone(), other));
    // The matching pair goes in.
    let mut sni = SniResolver::new();
    sni.add(
        "a.test",
        CertifiedKey::from_der(&provider, cert.chain, cert.key).unwrap(),
    )
    .unwrap();
}

#[test]
fn a_client_with_an_empty_root_store_is_refused_at_build() {
    let err = ClientConfig::builder()
        .with_root_store(RootStore::empty())
        .build()
        .unwrap_err();
    assert_eq!(err, Error::Config(ConfigError::NoTrustRoots));
    let text = err.to_string();
    for part in [
        "no trust roots configured",
        "RootStore::add_pem_file",
        "webpki-roots",
        "native-roots",
        "custom verifier",
    ] {
        assert!(text.contains(part), "{part:?} missing from {text:?}");
    }
}

/// Accepts every server: stands in for a pinning verifier.
#[derive(Debug)]
struct AcceptAll;

impl ServerCertVerifier for AcceptAll {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn verify_signature(
        &self,
        _: handclasp::enums::ProtocolVersion,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: handclasp::enums::SignatureScheme,
        _: &[u8],
    ) -> Result<(), Error> {
        Ok(())
    }

    fn supported_verify_schemes(
        &self,
        _: handclasp::enums::ProtocolVersion,
    ) -> Vec<handclasp::enums::SignatureScheme> {
        vec![handclasp::enums::SignatureScheme::ECDSA_NISTP256_SHA256]
    }
}

#[test]
fn a_custom_verifier_needs_no_roots() {
    ClientConfig::builder()
        .with_verifier(Arc::new(AcceptAll))
        .build()
        .unwrap();
    // The verifier set last wins, also over an empty store set before it.
    ClientConfig::builder()
        .with_root_store(RootStore::empty())
        .with_verifier(Arc::new(AcceptAll))
        .build()
        .unwrap();
    // A store with a root is fine.
    let mut roots = RootStore::empty();
    roots.add(&Ca::root("r").cert).unwrap();
    ClientConfig::builder()
        .with_root_store(roots)
        .with_time_provider(Arc::new(handclasp::time::FixedTime(at(NOV_2026))))
        .build()
        .unwrap();
}

#[test]
fn certified_key_new_pairs_as_given() {
    // The escape hatch for tests and custom providers: no match check.
    let cert = leaf(LeafSpec::server(&["a.test"]));
    let wrong: PrivateKeyDer<'static> = pki_errors::new_key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let key = &handclasp::crypto::ring::RING_KEY_PROVIDER;
    let loaded = handclasp::crypto::KeyProvider::load_private_key(key, wrong).unwrap();
    CertifiedKey::new(cert.chain, loaded).unwrap();
}
