//! The default crypto provider, built on the `ring` crate.
//!
//! This is the only module that names `ring`.

use super::{CryptoProvider, SupportedCipherSuite};

mod aead;
mod der;
mod hash;
#[cfg(feature = "mlkem")]
mod hybrid;
mod keys;
mod kx;
mod random;
mod sign;
mod suites;
mod verify;

pub use aead::{AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305};
pub use hash::{HMAC_SHA256, HMAC_SHA384, HMAC_SHA512, SHA256, SHA384, SHA512};
#[cfg(feature = "mlkem")]
pub use hybrid::{HybridKxGroup, SECP256R1MLKEM768, X25519MLKEM768};
pub use kx::{RingKxGroup, SECP256R1, SECP384R1, X25519};
pub use random::RING_RANDOM;
pub use sign::{RING_KEY_PROVIDER, RingKeyProvider};
pub use suites::*;
pub use verify::{RingVerifier, SUPPORTED_SIG_ALGS};

/// The default provider: every suite, group and signature algorithm the library
/// negotiates, in the library's preference order.
///
/// Suites: TLS 1.3 AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, then the TLS 1.2
/// ECDHE-ECDSA and ECDHE-RSA suites with the same AEADs. Groups: [`DEFAULT_KX_GROUPS`].
pub fn default_provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: DEFAULT_CIPHER_SUITES.to_vec(),
        kx_groups: DEFAULT_KX_GROUPS.to_vec(),
        signature_verification_algorithms: SUPPORTED_SIG_ALGS,
        secure_random: &RING_RANDOM,
        key_provider: &RING_KEY_PROVIDER,
    }
}

/// The default groups, most preferred first. With the `mlkem` feature the hybrids
/// lead, X25519MLKEM768 first, as in browsers, Go and OpenSSL 3.5: traffic recorded
/// today stays secret from a future quantum computer, and a server picks a hybrid
/// whenever the client sent a share for one. A client sends its X25519MLKEM768 share
/// and an X25519 share beside it, so a classical server needs no second round trip.
#[cfg(feature = "mlkem")]
pub static DEFAULT_KX_GROUPS: &[&dyn super::SupportedKxGroup] = &[
    &X25519MLKEM768,
    &SECP256R1MLKEM768,
    &X25519,
    &SECP256R1,
    &SECP384R1,
];

/// The default groups, most preferred first.
#[cfg(not(feature = "mlkem"))]
pub static DEFAULT_KX_GROUPS: &[&dyn super::SupportedKxGroup] = &[&X25519, &SECP256R1, &SECP384R1];

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
