//! Signature verification algorithms over `ring`. (Filled in by the crypto work.)

use crate::crypto::SignatureVerificationAlgorithms;

/// Every signature verification algorithm the provider supports.
pub static SUPPORTED_SIG_ALGS: SignatureVerificationAlgorithms = SignatureVerificationAlgorithms {
    all: &[],
    mapping: &[],
};
