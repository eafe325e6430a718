//! The cipher suites the `ring` provider offers.

use super::aead::{AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305};
use super::hash::{HMAC_SHA256, HMAC_SHA384, SHA256, SHA384};
use crate::crypto::{SignatureAlgorithm, Tls12CipherSuite, Tls12Nonce, Tls13CipherSuite};
use crate::enums::CipherSuite;

/// TLS_AES_128_GCM_SHA256 (RFC 8446 B.4).
pub static TLS13_AES_128_GCM_SHA256: Tls13CipherSuite = Tls13CipherSuite {
    suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
    hash: &SHA256,
    hmac: &HMAC_SHA256,
    aead: &AES_128_GCM,
};

/// TLS_AES_256_GCM_SHA384 (RFC 8446 B.4).
pub static TLS13_AES_256_GCM_SHA384: Tls13CipherSuite = Tls13CipherSuite {
    suite: CipherSuite::TLS13_AES_256_GCM_SHA384,
    hash: &SHA384,
    hmac: &HMAC_SHA384,
    aead: &AES_256_GCM,
};

/// TLS_CHACHA20_POLY1305_SHA256 (RFC 8446 B.4).
pub static TLS13_CHACHA20_POLY1305_SHA256: Tls13CipherSuite = Tls13CipherSuite {
    suite: CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    hash: &SHA256,
    hmac: &HMAC_SHA256,
    aead: &CHACHA20_POLY1305,
};

/// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289).
pub static TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: Tls12CipherSuite = Tls12CipherSuite {
    suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    hash: &SHA256,
    hmac: &HMAC_SHA256,
    aead: &AES_128_GCM,
    nonce: Tls12Nonce::GcmExplicit,
    sign: SignatureAlgorithm::Ecdsa,
};

/// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (RFC 5289).
pub static TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: Tls12CipherSuite = Tls12CipherSuite {
    suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    hash: &SHA384,
    hmac: &HMAC_SHA384,
    aead: &AES_256_GCM,
    nonce: Tls12Nonce::GcmExplicit,
    sign: SignatureAlgorithm::Ecdsa,
};

/// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905).
pub static TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: Tls12CipherSuite = Tls12CipherSuite {
    suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    hash: &SHA256,
    hmac: &HMAC_SHA256,
    aead: &CHACHA20_POLY1305,
    nonce: Tls12Nonce::XorSequence,
    sign: SignatureAlgorithm::Ecdsa,
};

/// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5289).
pub static TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: Tls12CipherSuite = Tls12CipherSuite {
    suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    hash: &SHA256,
    hmac: &HMAC_SHA256,
    aead: &AES_128_GCM,
    nonce: Tls12Nonce::GcmExplicit,
    sign: SignatureAlgorithm::Rsa,
};

/// TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (RFC 5289).
pub static TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: Tls12CipherSuite = Tls12CipherSuite {
    suite: CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    hash: &SHA384,
    hmac: &HMAC_SHA384,
    aead: &AES_256_GCM,
    nonce: Tls12Nonce::GcmExplicit,
    sign: SignatureAlgorithm::Rsa,
};

/// TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905).
pub static TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: Tls12CipherSuite = Tls12CipherSuite {
    suite: CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    hash: &SHA256,
    hmac: &HMAC_SHA256,
    aead: &CHACHA20_POLY1305,
    nonce: Tls12Nonce::XorSequence,
    sign: SignatureAlgorithm::Rsa,
};
