//! Signature verification algorithms over `ring`, as `rustls-pki-types`
//! [`SignatureVerificationAlgorithm`]s, so the same values check certificate chains
//! and TLS handshake signatures.
//!
//! SHA-1 is deliberately absent (RFC 8446 4.2.3: SHA-1 schemes are legacy only and
//! must not be used in TLS 1.3 handshake signatures; we refuse them everywhere).

use pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id};
use ring::signature;

use crate::crypto::SignatureVerificationAlgorithms;
use crate::enums::SignatureScheme;

/// One `ring` verification algorithm with the X.509 identifiers it answers to.
pub struct RingVerifier {
    /// The human name used by `Debug`.
    name: &'static str,
    /// The SubjectPublicKeyInfo algorithm the key must carry.
    public_key_alg_id: AlgorithmIdentifier,
    /// The signatureAlgorithm a certificate signature must carry.
    signature_alg_id: AlgorithmIdentifier,
    /// The `ring` algorithm.
    verification_alg: &'static dyn signature::VerificationAlgorithm,
}

impl core::fmt::Debug for RingVerifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "RingVerifier({})", self.name)
    }
}

impl SignatureVerificationAlgorithm for RingVerifier {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        // `ring` parses (and rejects) the untrusted key bits itself: the uncompressed
        // point for ECDSA, 32 bytes for Ed25519, an RSAPublicKey for RSA.
        signature::UnparsedPublicKey::new(self.verification_alg, public_key)
            .verify(message, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.public_key_alg_id
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.signature_alg_id
    }

    fn fips(&self) -> bool {
        false
    }
}

/// ECDSA with a P-256 key and SHA-256 (ASN.1 DER signature).
pub static ECDSA_P256_SHA256: RingVerifier = RingVerifier {
    name: "ECDSA P-256 SHA-256",
    public_key_alg_id: alg_id::ECDSA_P256,
    signature_alg_id: alg_id::ECDSA_SHA256,
    verification_alg: &signature::ECDSA_P256_SHA256_ASN1,
};

/// ECDSA with a P-256 key and SHA-384 (ASN.1 DER signature).
pub static ECDSA_P256_SHA384: RingVerifier = RingVerifier {
    name: "ECDSA P-256 SHA-384",
    public_key_alg_id: alg_id::ECDSA_P256,
    signature_alg_id: alg_id::ECDSA_SHA384,
    verification_alg: &signature::ECDSA_P256_SHA384_ASN1,
};

/// ECDSA with a P-384 key and SHA-256 (ASN.1 DER signature).
pub static ECDSA_P384_SHA256: RingVerifier = RingVerifier {
    name: "ECDSA P-384 SHA-256",
    public_key_alg_id: alg_id::ECDSA_P384,
    signature_alg_id: alg_id::ECDSA_SHA256,
    verification_alg: &signature::ECDSA_P384_SHA256_ASN1,
};

/// ECDSA with a P-384 key and SHA-384 (ASN.1 DER signature).
pub static ECDSA_P384_SHA384: RingVerifier = RingVerifier {
    name: "ECDSA P-384 SHA-384",
    public_key_alg_id: alg_id::ECDSA_P384,
    signature_alg_id: alg_id::ECDSA_SHA384,
    verification_alg: &signature::ECDSA_P384_SHA384_ASN1,
};

/// Ed25519 (RFC 8032; RFC 8410 identifiers).
pub static ED25519: RingVerifier = RingVerifier {
    name: "Ed25519",
    public_key_alg_id: alg_id::ED25519,
    signature_alg_id: alg_id::ED25519,
    verification_alg: &signature::ED25519,
};

/// RSA PKCS#1 v1.5 with SHA-256, 2048- to 8192-bit keys.
pub static RSA_PKCS1_SHA256: RingVerifier = RingVerifier {
    name: "RSA PKCS#1 SHA-256",
    public_key_alg_id: alg_id::RSA_ENCRYPTION,
    signature_alg_id: alg_id::RSA_PKCS1_SHA256,
    verification_alg: &signature::RSA_PKCS1_2048_8192_SHA256,
};

/// RSA PKCS#1 v1.5 with SHA-384, 2048- to 8192-bit keys.
pub static RSA_PKCS1_SHA384: RingVerifier = RingVerifier {
    name: "RSA PKCS#1 SHA-384",
    public_key_alg_id: alg_id::RSA_ENCRYPTION,
    signature_alg_id: alg_id::RSA_PKCS1_SHA384,
    verification_alg: &signature::RSA_PKCS1_2048_8192_SHA384,
};

/// RSA PKCS#1 v1.5 with SHA-512, 2048- to 8192-bit keys.
pub static RSA_PKCS1_SHA512: RingVerifier = RingVerifier {
    name: "RSA PKCS#1 SHA-512",
    public_key_alg_id: alg_id::RSA_ENCRYPTION,
    signature_alg_id: alg_id::RSA_PKCS1_SHA512,
    verification_alg: &signature::RSA_PKCS1_2048_8192_SHA512,
};

/// RSA-PSS with SHA-256 (MGF1-SHA-256, salt = hash length) over an rsaEncryption key
/// (RFC 8446 4.2.3 rsa_pss_rsae_sha256).
pub static RSA_PSS_SHA256: RingVerifier = RingVerifier {
    name: "RSA-PSS SHA-256",
    public_key_alg_id: alg_id::RSA_ENCRYPTION,
    signature_alg_id: alg_id::RSA_PSS_SHA256,
    verification_alg: &signature::RSA_PSS_2048_8192_SHA256,
};

/// RSA-PSS with SHA-384 over an rsaEncryption key (rsa_pss_rsae_sha384).
pub static RSA_PSS_SHA384: RingVerifier = RingVerifier {
    name: "RSA-PSS SHA-384",
    public_key_alg_id: alg_id::RSA_ENCRYPTION,
    signature_alg_id: alg_id::RSA_PSS_SHA384,
    verification_alg: &signature::RSA_PSS_2048_8192_SHA384,
};

/// RSA-PSS with SHA-512 over an rsaEncryption key (rsa_pss_rsae_sha512).
pub static RSA_PSS_SHA512: RingVerifier = RingVerifier {
    name: "RSA-PSS SHA-512",
    public_key_alg_id: alg_id::RSA_ENCRYPTION,
    signature_alg_id: alg_id::RSA_PSS_SHA512,
    verification_alg: &signature::RSA_PSS_2048_8192_SHA512,
};

/// Every signature verification algorithm the provider supports.
///
/// `mapping` is in preference order: ECDSA P-256, Ed25519, ECDSA P-384, RSA-PSS,
/// RSA-PKCS1. The ECDSA schemes name a hash, not a curve (RFC 8446 4.2.3 ties the
/// curve only in TLS 1.3, which the handshake code enforces), so each maps to both
/// curves, matching curve first.
pub static SUPPORTED_SIG_ALGS: SignatureVerificationAlgorithms = SignatureVerificationAlgorithms {
    all: &[
        &ECDSA_P256_SHA256,
        &ECDSA_P256_SHA384,
        &ECDSA_P384_SHA256,
        &ECDSA_P384_SHA384,
        &ED25519,
        &RSA_PSS_SHA256,
        &RSA_PSS_SHA384,
        &RSA_PSS_SHA512,
        &RSA_PKCS1_SHA256,
        &RSA_PKCS1_SHA384,
        &RSA_PKCS1_SHA512,
    ],
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[&ECDSA_P256_SHA256, &ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[&ED25519]),
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[&ECDSA_P384_SHA384, &ECDSA_P256_SHA384],
        ),
        (SignatureScheme::RSA_PSS_SHA256, &[&RSA_PSS_SHA256]),
        (SignatureScheme::RSA_PSS_SHA384, &[&RSA_PSS_SHA384]),
        (SignatureScheme::RSA_PSS_SHA512, &[&RSA_PSS_SHA512]),
        (SignatureScheme::RSA_PKCS1_SHA256, &[&RSA_PKCS1_SHA256]),
        (SignatureScheme::RSA_PKCS1_SHA384, &[&RSA_PKCS1_SHA384]),
        (SignatureScheme::RSA_PKCS1_SHA512, &[&RSA_PKCS1_SHA512]),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_algorithm_is_in_all() {
        for (scheme, algs) in SUPPORTED_SIG_ALGS.mapping {
            assert!(!algs.is_empty(), "{scheme:?}");
            for alg in *algs {
                assert!(
                    SUPPORTED_SIG_ALGS
                        .all
                        .iter()
                        .any(|a| core::ptr::addr_eq(*a, *alg)),
                    "{scheme:?}: {alg:?}"
                );
            }
        }
    }

    #[test]
    fn sha1_schemes_are_not_supported() {
        for scheme in [
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
        ] {
            assert!(SUPPORTED_SIG_ALGS.for_scheme(scheme).is_none());
        }
    }

    #[test]
    fn garbage_keys_and_signatures_are_invalid() {
        for alg in SUPPORTED_SIG_ALGS.all {
            assert!(alg.verify_signature(&[], b"message", &[]).is_err());
            assert!(
                alg.verify_signature(&[0x04; 65], b"message", &[0; 64])
                    .is_err()
            );
        }
    }
}
