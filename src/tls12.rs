//! Pieces of the TLS 1.2 handshake both sides use.

use alloc::vec::Vec;

use crate::codec::Codec;
use crate::crypto::{SignatureAlgorithm, Tls12CipherSuite};
use crate::enums::SignatureScheme;
use crate::msgs::EcdheParams;

/// The key type a TLS 1.2 scheme signs with; ECDHE_ECDSA suites also cover Ed25519
/// (RFC 8422 5.1.3).
pub(crate) fn scheme_fits_suite(scheme: SignatureScheme, suite: &Tls12CipherSuite) -> bool {
    use SignatureScheme as S;
    let key = match scheme {
        S::ECDSA_NISTP256_SHA256 | S::ECDSA_NISTP384_SHA384 | S::ED25519 => {
            SignatureAlgorithm::Ecdsa
        }
        S::RSA_PSS_SHA256
        | S::RSA_PSS_SHA384
        | S::RSA_PSS_SHA512
        | S::RSA_PKCS1_SHA256
        | S::RSA_PKCS1_SHA384
        | S::RSA_PKCS1_SHA512 => SignatureAlgorithm::Rsa,
        _ => return false,
    };
    key == suite.sign
}

/// RFC 8422 5.4: the signed content of ServerKeyExchange, `client_random +
/// server_random + ServerECDHParams`, encoded into one buffer of its final size.
pub(crate) fn server_key_exchange_message(
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    params: &EcdheParams,
) -> Vec<u8> {
    // ServerECDHParams: curve type (1), group (2), point length (1), point.
    let mut message = Vec::with_capacity(64 + 4 + params.public.len());
    message.extend_from_slice(client_random);
    message.extend_from_slice(server_random);
    params.encode(&mut message);
    message
}
