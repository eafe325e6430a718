//! SHA-2 and HMAC from `ring`.

use alloc::boxed::Box;

use ring::{digest, hmac};

use crate::crypto::{self, HashAlgorithm, HashOutput};
use crate::error::Error;

/// A `ring` digest algorithm as a provider [`crypto::Hash`].
#[derive(Debug)]
pub struct RingHash(&'static digest::Algorithm, HashAlgorithm);

/// SHA-256.
pub static SHA256: RingHash = RingHash(&digest::SHA256, HashAlgorithm::Sha256);
/// SHA-384.
pub static SHA384: RingHash = RingHash(&digest::SHA384, HashAlgorithm::Sha384);
/// SHA-512.
pub static SHA512: RingHash = RingHash(&digest::SHA512, HashAlgorithm::Sha512);

impl crypto::Hash for RingHash {
    fn algorithm(&self) -> HashAlgorithm {
        self.1
    }

    fn output_len(&self) -> usize {
        self.0.output_len()
    }

    fn start(&self) -> Box<dyn crypto::HashContext> {
        Box::new(RingContext(digest::Context::new(self.0)))
    }

    fn hash(&self, data: &[u8]) -> HashOutput {
        HashOutput::new(digest::digest(self.0, data).as_ref())
    }
}

struct RingContext(digest::Context);

impl crypto::HashContext for RingContext {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn fork(&self) -> Box<dyn crypto::HashContext> {
        Box::new(RingContext(self.0.clone()))
    }

    fn current(&self) -> HashOutput {
        HashOutput::new(self.0.clone().finish().as_ref())
    }

    fn finish(self: Box<Self>) -> HashOutput {
        HashOutput::new(self.0.finish().as_ref())
    }
}

/// A `ring` HMAC algorithm as a provider [`crypto::Hmac`].
#[derive(Debug)]
pub struct RingHmac(hmac::Algorithm);

/// HMAC-SHA256.
pub static HMAC_SHA256: RingHmac = RingHmac(hmac::HMAC_SHA256);
/// HMAC-SHA384.
pub static HMAC_SHA384: RingHmac = RingHmac(hmac::HMAC_SHA384);
/// HMAC-SHA512.
pub static HMAC_SHA512: RingHmac = RingHmac(hmac::HMAC_SHA512);

impl crypto::Hmac for RingHmac {
    fn with_key(&self, key: &[u8]) -> Box<dyn crypto::HmacKey> {
        Box::new(RingHmacKey(hmac::Key::new(self.0, key)))
    }

    fn hash_output_len(&self) -> usize {
        self.0.digest_algorithm().output_len()
    }

    fn sign(&self, key: &[u8], parts: &[&[u8]]) -> HashOutput {
        sign_parts(&hmac::Key::new(self.0, key), parts)
    }

    fn with_prepared_key(
        &self,
        key: &[u8],
        f: &mut dyn FnMut(&dyn crypto::HmacKey) -> Result<(), Error>,
    ) -> Result<(), Error> {
        f(&RingHmacKey(hmac::Key::new(self.0, key)))
    }
}

struct RingHmacKey(hmac::Key);

impl crypto::HmacKey for RingHmacKey {
    fn sign(&self, parts: &[&[u8]]) -> HashOutput {
        sign_parts(&self.0, parts)
    }
}

fn sign_parts(key: &hmac::Key, parts: &[&[u8]]) -> HashOutput {
    let mut ctx = hmac::Context::with_key(key);
    for part in parts {
        ctx.update(part);
    }
    HashOutput::new(ctx.sign().as_ref())
}
