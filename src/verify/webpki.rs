//! The default verifiers, on `rustls-webpki`. The only module that names `webpki`.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, UnixTime, alg_id};
use webpki::{EndEntityCert, KeyUsage};

use super::{ClientCertVerifier, RootStore, ServerCertVerifier, scheme_allowed_in};
use crate::crypto::SignatureVerificationAlgorithms;
use crate::enums::{ProtocolVersion, SignatureScheme};
use crate::error::{CertificateError, Error, PeerMisbehaved};

/// Verifies server certificates against a [`RootStore`] with `rustls-webpki`.
#[derive(Debug, Clone)]
pub struct WebPkiServerVerifier {
    roots: Arc<RootStore>,
    algorithms: SignatureVerificationAlgorithms,
}

impl WebPkiServerVerifier {
    /// A verifier trusting `roots`, checking signatures with `algorithms` (usually the
    /// provider's `signature_verification_algorithms`).
    pub fn new(roots: Arc<RootStore>, algorithms: SignatureVerificationAlgorithms) -> Self {
        Self { roots, algorithms }
    }
}

impl ServerCertVerifier for WebPkiServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<(), Error> {
        let cert = parse(end_entity)?;
        verify_chain(
            &cert,
            intermediates,
            &self.roots,
            &self.algorithms,
            now,
            KeyUsage::server_auth(),
        )?;
        cert.verify_is_valid_for_subject_name(server_name)
            .map_err(|e| map_error(e, "server authentication").into())
    }

    fn verify_signature(
        &self,
        version: ProtocolVersion,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), Error> {
        verify_tls_signature(&self.algorithms, version, message, cert, scheme, signature)
    }

    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme> {
        supported_schemes(&self.algorithms, version)
    }
}

/// Verifies client certificates against a [`RootStore`] with `rustls-webpki`.
#[derive(Debug, Clone)]
pub struct WebPkiClientVerifier {
    roots: Arc<RootStore>,
    algorithms: SignatureVerificationAlgorithms,
    mandatory: bool,
}

impl WebPkiClientVerifier {
    /// A verifier trusting `roots`. With `mandatory`, clients without a certificate are
    /// refused; without it, they may connect anonymously.
    pub fn new(
        roots: Arc<RootStore>,
        algorithms: SignatureVerificationAlgorithms,
        mandatory: bool,
    ) -> Self {
        Self {
            roots,
            algorithms,
            mandatory,
        }
    }
}

impl ClientCertVerifier for WebPkiClientVerifier {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> Vec<Vec<u8>> {
        self.roots.subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), Error> {
        let cert = parse(end_entity)?;
        verify_chain(
            &cert,
            intermediates,
            &self.roots,
            &self.algorithms,
            now,
            KeyUsage::client_auth(),
        )
    }

    fn verify_signature(
        &self,
        version: ProtocolVersion,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), Error> {
        verify_tls_signature(&self.algorithms, version, message, cert, scheme, signature)
    }

    fn supported_verify_schemes(&self, version: ProtocolVersion) -> Vec<SignatureScheme> {
        supported_schemes(&self.algorithms, version)
    }
}

fn parse<'a>(cert: &'a CertificateDer<'a>) -> Result<EndEntityCert<'a>, Error> {
    EndEntityCert::try_from(cert).map_err(|e| map_error(e, "").into())
}

fn verify_chain(
    cert: &EndEntityCert<'_>,
    intermediates: &[CertificateDer<'_>],
    roots: &RootStore,
    algorithms: &SignatureVerificationAlgorithms,
    now: UnixTime,
    usage: KeyUsage,
) -> Result<(), Error> {
    let purpose = if usage == KeyUsage::server_auth() {
        "server authentication"
    } else {
        "client authentication"
    };
    cert.verify_for_usage(
        algorithms.all,
        roots.anchors(),
        intermediates,
        now,
        usage,
        None,
        None,
    )
    .map(|_| ())
    .map_err(|e| map_error(e, purpose).into())
}

/// The schemes usable in `version`, in the provider's preference order.
fn supported_schemes(
    algorithms: &SignatureVerificationAlgorithms,
    version: ProtocolVersion,
) -> Vec<SignatureScheme> {
    algorithms
        .supported_schemes()
        .into_iter()
        .filter(|s| scheme_allowed_in(*s, version))
        .collect()
}

fn verify_tls_signature(
    algorithms: &SignatureVerificationAlgorithms,
    version: ProtocolVersion,
    message: &[u8],
    cert: &CertificateDer<'_>,
    scheme: SignatureScheme,
    signature: &[u8],
) -> Result<(), Error> {
    let candidates = algorithms
        .for_scheme(scheme)
        .filter(|_| scheme_allowed_in(scheme, version))
        .ok_or(PeerMisbehaved::UnsupportedSignatureScheme(scheme))?;
    let cert = parse(cert)?;
    let mut tried = false;
    for alg in candidates
        .iter()
        .filter(|alg| curve_matches(**alg, scheme, version))
    {
        tried = true;
        match cert.verify_signature(*alg, message, signature) {
            Ok(()) => return Ok(()),
            // The key is not of this algorithm's type: try the next candidate.
            Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)) => continue,
            #[allow(deprecated)]
            Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKey) => continue,
            Err(_) => return Err(Error::BadSignature(scheme_name(scheme))),
        }
    }
    if tried {
        // No candidate matched the certificate's key type.
        Err(PeerMisbehaved::SignatureSchemeDoesNotMatchKey(scheme).into())
    } else {
        Err(PeerMisbehaved::UnsupportedSignatureScheme(scheme).into())
    }
}

/// RFC 8446 4.2.3: in TLS 1.3 an ECDSA scheme names its curve; TLS 1.2 schemes name
/// only the hash, so any supported curve will do.
fn curve_matches(
    alg: &dyn SignatureVerificationAlgorithm,
    scheme: SignatureScheme,
    version: ProtocolVersion,
) -> bool {
    if version != ProtocolVersion::TLSv1_3 {
        return true;
    }
    match scheme {
        SignatureScheme::ECDSA_NISTP256_SHA256 => alg.public_key_alg_id() == alg_id::ECDSA_P256,
        SignatureScheme::ECDSA_NISTP384_SHA384 => alg.public_key_alg_id() == alg_id::ECDSA_P384,
        _ => true,
    }
}

fn scheme_name(scheme: SignatureScheme) -> &'static str {
    use SignatureScheme as S;
    match scheme {
        S::ECDSA_NISTP256_SHA256 => "ecdsa_secp256r1_sha256",
        S::ECDSA_NISTP384_SHA384 => "ecdsa_secp384r1_sha384",
        S::ED25519 => "ed25519",
        S::RSA_PSS_SHA256 => "rsa_pss_rsae_sha256",
        S::RSA_PSS_SHA384 => "rsa_pss_rsae_sha384",
        S::RSA_PSS_SHA512 => "rsa_pss_rsae_sha512",
        S::RSA_PKCS1_SHA256 => "rsa_pkcs1_sha256",
        S::RSA_PKCS1_SHA384 => "rsa_pkcs1_sha384",
        S::RSA_PKCS1_SHA512 => "rsa_pkcs1_sha512",
        _ => "handshake",
    }
}

/// Turns a webpki error into one a user can act on. `purpose` names the EKU checked.
fn map_error(e: webpki::Error, purpose: &'static str) -> CertificateError {
    use webpki::Error as W;
    #[allow(deprecated)]
    match e {
        W::CertExpired { time, not_after } => CertificateError::Expired {
            not_after,
            now: time,
        },
        W::CertNotValidYet { time, not_before } => CertificateError::NotValidYet {
            not_before,
            now: time,
        },
        W::UnknownIssuer => CertificateError::UnknownIssuer,
        W::CertNotValidForName(ctx) => CertificateError::NotValidForName {
            expected: server_name_text(&ctx.expected),
            presented: ctx.presented.iter().map(|n| plain_name(n)).collect(),
        },
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) => {
            CertificateError::InvalidPurpose(purpose)
        }
        W::InvalidSignatureForPublicKey => CertificateError::BadSignature,
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            CertificateError::UnsupportedSignatureAlgorithm
        }
        W::BadDer | W::BadDerTime | W::TrailingData(_) | W::UnsupportedCertVersion => {
            CertificateError::BadEncoding(format!("{e}"))
        }
        other => CertificateError::Other(format!("{other}")),
    }
}

/// webpki reports certificate names in Debug form (`DnsName("a.test")`); users want
/// `a.test`. Unrecognised forms are kept as they are.
fn plain_name(presented: &str) -> String {
    let inner = presented
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(presented);
    String::from(inner.trim_matches('"'))
}

/// The text form of a server name, without needing `std`.
pub(crate) fn server_name_text(name: &ServerName<'_>) -> String {
    use pki_types::IpAddr;
    match name {
        ServerName::DnsName(dns) => String::from(dns.as_ref()),
        ServerName::IpAddress(IpAddr::V4(v4)) => {
            format!("{}", core::net::Ipv4Addr::from(*v4.as_ref()))
        }
        ServerName::IpAddress(IpAddr::V6(v6)) => {
            format!("{}", core::net::Ipv6Addr::from(*v6.as_ref()))
        }
        _ => format!("{name:?}"),
    }
}
