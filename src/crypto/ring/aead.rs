//! AES-GCM and ChaCha20-Poly1305 from `ring`, sealing and opening in place.

use alloc::boxed::Box;

use ring::aead;

use crate::crypto::{AEAD_NONCE_LEN, AEAD_TAG_LEN, AeadAlgorithm, AeadKey};
use crate::error::Error;

/// A `ring` AEAD as a provider [`AeadAlgorithm`].
#[derive(Debug)]
pub struct RingAead {
    algorithm: &'static aead::Algorithm,
    name: &'static str,
    confidentiality_limit: u64,
}

/// AES-128-GCM.
pub static AES_128_GCM: RingAead = RingAead {
    algorithm: &aead::AES_128_GCM,
    name: "AES-128-GCM",
    // RFC 8446 5.5: AES-GCM keys protect at most 2^24.5 full-size records.
    confidentiality_limit: 1 << 24,
};

/// AES-256-GCM.
pub static AES_256_GCM: RingAead = RingAead {
    algorithm: &aead::AES_256_GCM,
    name: "AES-256-GCM",
    confidentiality_limit: 1 << 24,
};

/// ChaCha20-Poly1305 (RFC 8439).
pub static CHACHA20_POLY1305: RingAead = RingAead {
    algorithm: &aead::CHACHA20_POLY1305,
    name: "ChaCha20-Poly1305",
    // RFC 8446 5.5: the ChaCha20-Poly1305 confidentiality limit exceeds the
    // sequence-number space, so only exhaustion stops it.
    confidentiality_limit: u64::MAX,
};

impl AeadAlgorithm for RingAead {
    fn key_len(&self) -> usize {
        self.algorithm.key_len()
    }

    fn new_key(&self, key: &[u8]) -> Result<Box<dyn AeadKey>, Error> {
        let key = aead::UnboundKey::new(self.algorithm, key)
            .map_err(|_| Error::Internal("AEAD key has the wrong length"))?;
        Ok(Box::new(RingAeadKey(aead::LessSafeKey::new(key))))
    }

    fn confidentiality_limit(&self) -> u64 {
        self.confidentiality_limit
    }

    fn name(&self) -> &'static str {
        self.name
    }
}

struct RingAeadKey(aead::LessSafeKey);

impl AeadKey for RingAeadKey {
    fn seal_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; AEAD_TAG_LEN], Error> {
        let nonce = aead::Nonce::assume_unique_for_key(*nonce);
        let tag = self
            .0
            .seal_in_place_separate_tag(nonce, aead::Aad::from(aad), in_out)
            .map_err(|_| Error::EncryptError)?;
        let mut out = [0u8; AEAD_TAG_LEN];
        out.copy_from_slice(tag.as_ref());
        Ok(out)
    }

    fn open_in_place(
        &self,
        nonce: &[u8; AEAD_NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<usize, Error> {
        let nonce = aead::Nonce::assume_unique_for_key(*nonce);
        self.0
            .open_in_place(nonce, aead::Aad::from(aad), in_out)
            .map(|plain| plain.len())
            .map_err(|_| Error::DecryptError)
    }
}
