//! A certificate chain together with the private key that signs for it.

use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::{CertificateDer, PrivateKeyDer};

use crate::crypto::{CryptoProvider, SigningKey};
use crate::error::Error;

/// A certificate chain (end-entity first) and its private key.
#[derive(Debug, Clone)]
pub struct CertifiedKey {
    /// The chain, end-entity certificate first, then intermediates.
    pub chain: Vec<CertificateDer<'static>>,
    /// The key for the end-entity certificate.
    pub key: Arc<dyn SigningKey>,
}

impl CertifiedKey {
    /// Pairs a chain with an already-loaded key, as given: unlike [`Self::from_der`],
    /// it does not check that the key matches the certificate.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: Arc<dyn SigningKey>,
    ) -> Result<Self, Error> {
        if chain.is_empty() {
            return Err(Error::ApiMisuse(
                "a certificate chain needs at least the end-entity certificate",
            ));
        }
        Ok(Self { chain, key })
    }

    /// Loads `key` with the provider's key loader and pairs it with `chain`, after
    /// checking that the key belongs to the end-entity certificate.
    pub fn from_der(
        provider: &CryptoProvider,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, Error> {
        let certified = Self::new(chain, provider.key_provider.load_private_key(key)?)?;
        if let Some(end_entity) = certified.end_entity() {
            crate::config_common::check_key_matches_cert(end_entity, certified.key.as_ref())?;
        }
        Ok(certified)
    }

    /// The end-entity certificate.
    pub fn end_entity(&self) -> Option<&CertificateDer<'static>> {
        self.chain.first()
    }
}
