//! Peer certificate verification: the verifier traits, a [`RootStore`], and the default
//! verifiers built on `rustls-webpki` ([`WebPkiServerVerifier`], [`WebPkiClientVerifier`]).
//!
//! A verifier checks three things a browser checks: the chain leads to a trusted root
//! through the peer's intermediates, every certificate is inside its validity window
//! (time from the config's [`crate::time::TimeProvider`]), and the end-entity
//! certificate is valid for the name the client asked for. It also checks the
//! handshake signatures made with the certificate's key. Replace it (pinning, custom
//! policy) by implementing the trait.

use alloc::vec::Vec;
use core::fmt::Debug;

use pki_types::{CertificateDer, ServerName, UnixTime};

use crate::enums::{ProtocolVersion, SignatureScheme};
use crate::error::Error;

mod explain;
pub(crate) use explain::leaf_may_sign;
mod root_store;
pub(crate) mod webpki;
pub(crate) mod x509;

#[cfg(feature = "native-roots")]
pub use root_store::NativeLoad;
pub use root_store::{PemLoad, RootStore};
pub use webpki::{WebPkiClientVerifier, WebPkiServerVerifier};

/// Decides whether to trust a server's certificate chain and its handshake signatures.
pub trait ServerCertVerifier: Send + Sync + Debug {
    /// Checks the chain (`end_entity` then the `intermediates` the server sent) for
    /// `server_name` at time `now`. `ocsp_response` is the stapled response, if any
    /// (empty otherwise).
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<(), Error>;

    /// Checks a handshake signature (TLS 1.3 CertificateVerify, TLS 1.2
    /// ServerKeyExchange) made with `cert`'s key.
    fn verify_signature(
        &self,
        version: ProtocolVersion,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), Error>;

    /// The schemes to offer in signature_algorithms for `version`, most preferred first.
    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme>;
}

/// Decides whether to trust a client's certificate chain (mutual TLS).
pub trait ClientCertVerifier: Send + Sync + Debug {
    /// True if a client without a certificate must be refused.
    fn client_auth_mandatory(&self) -> bool;

    /// DER-encoded subject names of the acceptable CAs, sent as hints in
    /// CertificateRequest (RFC 8446 4.2.4). May be empty.
    fn root_hint_subjects(&self) -> Vec<Vec<u8>>;

    /// Checks the client's chain at time `now`.
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), Error>;

    /// Checks the client's CertificateVerify signature made with `cert`'s key.
    fn verify_signature(
        &self,
        version: ProtocolVersion,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), Error>;

    /// The schemes to ask for in CertificateRequest, most preferred first.
    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme>;
}

/// The schemes of `schemes` that may sign handshake messages in `version`
/// ([`scheme_allowed_in`]), in their order.
pub fn schemes_allowed_in(
    schemes: &[SignatureScheme],
    version: ProtocolVersion,
) -> Vec<SignatureScheme> {
    // Sized once: the filter keeps most of them.
    let mut allowed = Vec::with_capacity(schemes.len());
    allowed.extend(
        schemes
            .iter()
            .copied()
            .filter(|s| scheme_allowed_in(*s, version)),
    );
    allowed
}

/// True if `scheme` may sign handshake messages in `version`.
///
/// RFC 8446 4.2.3: TLS 1.3 handshake signatures never use RSA PKCS#1 v1.5 or SHA-1.
/// SHA-1 is refused in TLS 1.2 as well.
pub fn scheme_allowed_in(scheme: SignatureScheme, version: ProtocolVersion) -> bool {
    use SignatureScheme as S;
    match scheme {
        S::RSA_PKCS1_SHA1 | S::ECDSA_SHA1_Legacy => false,
        S::RSA_PKCS1_SHA256 | S::RSA_PKCS1_SHA384 | S::RSA_PKCS1_SHA512 => {
            version == ProtocolVersion::TLSv1_2
        }
        _ => true,
    }
}
