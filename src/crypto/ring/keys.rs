//! The signing keys `ring` holds: ECDSA (P-256, P-384), Ed25519 and RSA, each a
//! [`SigningKey`] that hands out a [`Signer`] for one scheme the peer offered.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use pki_types::{AlgorithmIdentifier, SubjectPublicKeyInfoDer, alg_id};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaEncoding, RsaKeyPair};

use super::der;
use crate::crypto::{SignatureAlgorithm, Signer, SigningKey};
use crate::enums::SignatureScheme;
use crate::error::Error;

/// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
/// subjectPublicKey BIT STRING } (RFC 5280 4.1.2.7). The key bits are a whole number
/// of bytes, so the BIT STRING's unused-bits count is 0.
fn spki(alg: AlgorithmIdentifier, key_bits: &[u8]) -> SubjectPublicKeyInfoDer<'static> {
    let algorithm = der::tlv(der::SEQUENCE, &[alg.as_ref()]);
    let bits = der::tlv(der::BIT_STRING, &[&[0], key_bits]);
    SubjectPublicKeyInfoDer::from(der::tlv(der::SEQUENCE, &[&algorithm, &bits]))
}

/// An ECDSA key on P-256 or P-384. In TLS 1.3 the scheme fixes the curve
/// (RFC 8446 4.2.3), so each key signs with exactly one scheme.
pub(super) struct EcdsaSigningKey {
    key: Arc<EcdsaKeyPair>,
    scheme: SignatureScheme,
    public_key_alg: AlgorithmIdentifier,
}

impl EcdsaSigningKey {
    /// Loads a PKCS#8 key for `alg`; `scheme` and `public_key_alg` must match it.
    pub(super) fn from_pkcs8(
        alg: &'static signature::EcdsaSigningAlgorithm,
        scheme: SignatureScheme,
        public_key_alg: AlgorithmIdentifier,
        pkcs8: &[u8],
    ) -> Result<Self, Error> {
        let key = EcdsaKeyPair::from_pkcs8(alg, pkcs8, &SystemRandom::new())
            .map_err(|_| Error::InvalidPrivateKey("the ECDSA key is malformed or inconsistent"))?;
        Ok(Self {
            key: Arc::new(key),
            scheme,
            public_key_alg,
        })
    }
}

impl SigningKey for EcdsaSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered.contains(&self.scheme).then(|| {
            Box::new(EcdsaSigner {
                key: Arc::clone(&self.key),
                scheme: self.scheme,
            }) as Box<dyn Signer>
        })
    }

    fn supports_scheme(&self, scheme: SignatureScheme) -> bool {
        scheme == self.scheme
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::Ecdsa
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'static>> {
        Some(spki(self.public_key_alg, self.key.public_key().as_ref()))
    }
}

impl core::fmt::Debug for EcdsaSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EcdsaSigningKey")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

struct EcdsaSigner {
    key: Arc<EcdsaKeyPair>,
    scheme: SignatureScheme,
}

impl Signer for EcdsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        self.key
            .sign(&SystemRandom::new(), message)
            .map(|sig| sig.as_ref().to_vec())
            // The nonce comes from the system RNG; ring does not say more than this.
            .map_err(|_| Error::Internal("ECDSA signing failed"))
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

/// An Ed25519 key (RFC 8032), signing only with `ed25519`.
pub(super) struct Ed25519SigningKey {
    key: Arc<Ed25519KeyPair>,
}

impl Ed25519SigningKey {
    /// Loads a PKCS#8 v1 or v2 key (RFC 8410 7; RFC 5958). A v2 key's public key is
    /// checked against the private key; a v1 key has none to check.
    pub(super) fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, Error> {
        let key = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(|_| {
            Error::InvalidPrivateKey("the Ed25519 key is malformed or inconsistent")
        })?;
        Ok(Self { key: Arc::new(key) })
    }
}

impl SigningKey for Ed25519SigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered.contains(&SignatureScheme::ED25519).then(|| {
            Box::new(Ed25519Signer {
                key: Arc::clone(&self.key),
            }) as Box<dyn Signer>
        })
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::Ed25519
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'static>> {
        Some(spki(alg_id::ED25519, self.key.public_key().as_ref()))
    }
}

impl core::fmt::Debug for Ed25519SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ed25519SigningKey").finish_non_exhaustive()
    }
}

struct Ed25519Signer {
    key: Arc<Ed25519KeyPair>,
}

impl Signer for Ed25519Signer {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(self.key.sign(message).as_ref().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ED25519
    }
}

/// The RSA schemes an RSA key can sign with, PSS first (RFC 8446 4.2.3: rsaEncryption
/// keys sign rsa_pss_rsae_* in TLS 1.3; PKCS#1 v1.5 remains for TLS 1.2). Which of
/// these a TLS version allows is the handshake's decision, not the key's.
static RSA_SCHEMES: &[(SignatureScheme, &'static dyn RsaEncoding)] = &[
    (SignatureScheme::RSA_PSS_SHA256, &signature::RSA_PSS_SHA256),
    (SignatureScheme::RSA_PSS_SHA384, &signature::RSA_PSS_SHA384),
    (SignatureScheme::RSA_PSS_SHA512, &signature::RSA_PSS_SHA512),
    (
        SignatureScheme::RSA_PKCS1_SHA256,
        &signature::RSA_PKCS1_SHA256,
    ),
    (
        SignatureScheme::RSA_PKCS1_SHA384,
        &signature::RSA_PKCS1_SHA384,
    ),
    (
        SignatureScheme::RSA_PKCS1_SHA512,
        &signature::RSA_PKCS1_SHA512,
    ),
];

/// An RSA key of 2048 to 4096 bits.
pub(super) struct RsaSigningKey {
    key: Arc<RsaKeyPair>,
}

impl RsaSigningKey {
    /// Wraps a key `ring` has already parsed, after a test signature: `ring` accepts
    /// some keys whose CRT components disagree (e.g. a wrong dQ) and then fails every
    /// signature, so such a key is refused here, at load time, rather than in every
    /// handshake.
    pub(super) fn new(key: RsaKeyPair) -> Result<Self, Error> {
        let key = Self { key: Arc::new(key) };
        let signer = key
            .choose_scheme(&[SignatureScheme::RSA_PSS_SHA256])
            .ok_or(Error::Internal("RSA keys always sign RSA-PSS"))?;
        signer.sign(b"handclasp RSA key self-test").map_err(|_| {
            Error::InvalidPrivateKey(
                "the RSA key's components are inconsistent (a test signature failed)",
            )
        })?;
        Ok(key)
    }
}

impl SigningKey for RsaSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered.iter().find_map(|wanted| {
            RSA_SCHEMES
                .iter()
                .find(|(scheme, _)| scheme == wanted)
                .map(|&(scheme, encoding)| {
                    Box::new(RsaSigner {
                        key: Arc::clone(&self.key),
                        scheme,
                        encoding,
                    }) as Box<dyn Signer>
                })
        })
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::Rsa
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'static>> {
        // `ring` gives the public key as an RSAPublicKey (RFC 8017 A.1.1).
        Some(spki(alg_id::RSA_ENCRYPTION, self.key.public().as_ref()))
    }
}

impl core::fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RsaSigningKey")
            .field("modulus_bits", &(self.key.public().modulus_len() * 8))
            .finish_non_exhaustive()
    }
}

struct RsaSigner {
    key: Arc<RsaKeyPair>,
    scheme: SignatureScheme,
    encoding: &'static dyn RsaEncoding,
}

impl Signer for RsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(self.encoding, &SystemRandom::new(), message, &mut sig)
            .map_err(|_| Error::Internal("RSA signing failed"))?;
        Ok(sig)
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}
