//! Configurations that cannot work are refused while they are built, with an error that
//! says what is missing: a client without trust roots.
use crate::common;

use std::sync::Arc;

use common::pki::{Ca, NOV_2026, at};
use handclasp::error::ConfigError;
use handclasp::pki_types::{CertificateDer, ServerName, UnixTime};
use handclasp::verify::{RootStore, ServerCertVerifier};
use handclasp::{ClientConfig, Error};

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
