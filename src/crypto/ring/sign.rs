//! Private key loading and signing with `ring`. (Filled in by the crypto work.)

use alloc::sync::Arc;

use pki_types::PrivateKeyDer;

use crate::crypto::{KeyProvider, SigningKey};
use crate::error::Error;

/// Loads PKCS#8, SEC1 and PKCS#1 keys for ECDSA, Ed25519 and RSA.
#[derive(Debug)]
pub struct RingKeyProvider;

/// The provider's key loader.
pub static RING_KEY_PROVIDER: RingKeyProvider = RingKeyProvider;

impl KeyProvider for RingKeyProvider {
    fn load_private_key(&self, _key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, Error> {
        Err(Error::Unsupported("private keys (not yet implemented)"))
    }
}
