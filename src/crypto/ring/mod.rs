//! The default crypto provider, built on the `ring` crate.
//!
//! This is the only module that names `ring`.

use alloc::vec;

use super::{CryptoProvider, SupportedCipherSuite};

mod aead;
mod der;
mod hash;
mod keys;
mod kx;
mod random;
mod sign;
mod suites;
mod verify;

pub use aead::{AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305};
pub use hash::{HMAC_SHA256, HMAC_SHA384, HMAC_SHA512, SHA256, SHA384, SHA512};
pub use kx::{SECP256R1, SECP384R1, X25519};
pub use random::RING_RANDOM;
pub use sign::{RING_KEY_PROVIDER, RingKeyProvider};
pub use suites::*;
pub use verify::{RingVerifier, SUPPORTED_SIG_ALGS};

/// The default provider: every suite, group and signature algorithm the library
/// negotiates, in the library's preference order.
///
/// Suites: TLS 1.3 AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, then the TLS 1.2
/// ECDHE-ECDSA and ECDHE-RSA suites with the same AEADs. Groups: X25519, P-256, P-384.
pub fn default_provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: DEFAULT_CIPHER_SUITES.to_vec(),
        kx_groups: vec![&X25519, &SECP256R1, &SECP384R1],
        signature_verification_algorithms: SUPPORTED_SIG_ALGS,
        secure_random: &RING_RANDOM,
        key_provider: &RING_KEY_PROVIDER,
    }
}

/// The default suites, most preferred first.
pub static DEFAULT_CIPHER_SUITES: &[SupportedCipherSuite] = &[
    SupportedCipherSuite::Tls13(&TLS13_AES_128_GCM_SHA256),
    SupportedCipherSuite::Tls13(&TLS13_AES_256_GCM_SHA384),
    SupportedCipherSuite::Tls13(&TLS13_CHACHA20_POLY1305_SHA256),
    SupportedCipherSuite::Tls12(&TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
    SupportedCipherSuite::Tls12(&TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
    SupportedCipherSuite::Tls12(&TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256),
    SupportedCipherSuite::Tls12(&TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
    SupportedCipherSuite::Tls12(&TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
    SupportedCipherSuite::Tls12(&TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
];
