//! `-signing-prefs`: the schemes the shim's own key may sign with, in the shim's order
//! of preference, as BoringSSL's `SSL_set_signing_algorithm_prefs` has it. Done by
//! wrapping the provider's key loader, so client and server keys both obey it.

use std::sync::Arc;

use handclasp::Error;
use handclasp::crypto::{KeyProvider, SignatureAlgorithm, Signer, SigningKey};
use handclasp::enums::SignatureScheme;
use handclasp::pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};

/// Loads keys with `inner` and restricts them to `prefs`.
#[derive(Debug)]
pub struct PrefsKeyProvider {
    pub inner: &'static dyn KeyProvider,
    pub prefs: Vec<SignatureScheme>,
}

impl KeyProvider for PrefsKeyProvider {
    fn load_private_key(&self, key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, Error> {
        Ok(Arc::new(PrefsKey {
            inner: self.inner.load_private_key(key)?,
            prefs: self.prefs.clone(),
        }))
    }
}

#[derive(Debug)]
struct PrefsKey {
    inner: Arc<dyn SigningKey>,
    prefs: Vec<SignatureScheme>,
}

impl SigningKey for PrefsKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        // Our order decides, among the schemes the peer offered.
        self.prefs
            .iter()
            .filter(|s| offered.contains(s))
            .find_map(|s| self.inner.choose_scheme(&[*s]))
    }

    fn supports_scheme(&self, scheme: SignatureScheme) -> bool {
        self.prefs.contains(&scheme) && self.inner.supports_scheme(scheme)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'static>> {
        self.inner.public_key()
    }
}
