//! The default verifiers, on `rustls-webpki`. The only module that names `webpki`.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, UnixTime, alg_id};
use webpki::{EndEntityCert, KeyUsage};

use super::explain::Chain;
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
        let chain = Chain {
            end_entity,
            intermediates,
            anchors: self.roots.anchors(),
            peer: "server",
        };
        let cert = parse(end_entity, &chain)?;
        verify_chain(
            &cert,
            &chain,
            &self.algorithms,
            now,
            KeyUsage::server_auth(),
        )?;
        cert.verify_is_valid_for_subject_name(server_name)
            .map_err(|e| map_error(e, &chain, SERVER_AUTH))?;
        Ok(())
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
        let chain = Chain {
            end_entity,
            intermediates,
            anchors: self.roots.anchors(),
            peer: "client",
        };
        let cert = parse(end_entity, &chain)?;
        verify_chain(
            &cert,
            &chain,
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

const SERVER_AUTH: &str = "server authentication";
const CLIENT_AUTH: &str = "client authentication";

fn parse<'a>(cert: &'a CertificateDer<'a>, chain: &Chain<'_>) -> Result<EndEntityCert<'a>, Error> {
    EndEntityCert::try_from(cert).map_err(|e| map_error(e, chain, "").into())
}

/// The chain to a trusted root and the validity windows (webpki), then the leaf's own
/// key, which webpki leaves to the handshake signature check.
fn verify_chain(
    cert: &EndEntityCert<'_>,
    chain: &Chain<'_>,
    algorithms: &SignatureVerificationAlgorithms,
    now: UnixTime,
    usage: KeyUsage,
) -> Result<(), Error> {
    let purpose = if usage == KeyUsage::server_auth() {
        SERVER_AUTH
    } else {
        CLIENT_AUTH
    };
    cert.verify_for_usage(
        algorithms.all,
        chain.anchors,
        chain.intermediates,
        now,
        usage,
        None,
        None,
    )
    .map_err(|e| map_error(e, chain, purpose))?;
    // An RSA leaf key under 2048 bits would fail its handshake signature as a bad
    // signature; say what is wrong with it instead.
    match chain.weak_leaf_key() {
        Some(weak) => Err(weak.into()),
        None => Ok(()),
    }
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
    let cert = EndEntityCert::try_from(cert).map_err(|e| Error::from(plain_error(e)))?;
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

/// Turns a webpki error into one a user can act on, looking at `chain` to name the
/// certificate, issuer or key at fault. `purpose` names the EKU checked.
fn map_error(e: webpki::Error, chain: &Chain<'_>, purpose: &'static str) -> CertificateError {
    use webpki::Error as W;
    #[allow(deprecated)]
    match e {
        W::UnknownIssuer => chain.unknown_issuer(),
        W::CertNotValidForName(ctx) => CertificateError::NotValidForName {
            expected: typed_server_name(&ctx.expected),
            presented: chain
                .leaf_names()
                .unwrap_or_else(|| ctx.presented.iter().map(|n| typed_name(n)).collect()),
        },
        // ring refuses RSA keys under 2048 bits as a failed signature.
        W::InvalidSignatureForPublicKey => chain
            .weak_issuer_key()
            .unwrap_or(CertificateError::BadSignature),
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) => {
            CertificateError::InvalidPurpose(purpose)
        }
        W::EmptyEkuExtension => CertificateError::EmptyExtendedKeyUsage(purpose),
        W::CaUsedAsEndEntity => CertificateError::CaUsedAsEndEntity {
            subject: chain.leaf_subject(),
        },
        W::EndEntityUsedAsCa => CertificateError::EndEntityUsedAsCa {
            subject: chain.non_ca_issuer(),
        },
        W::NameConstraintViolation => CertificateError::NameConstraintViolation {
            ca: chain.name_constrained_ca(),
        },
        W::PathLenConstraintViolated => {
            let found = chain.path_len_ca();
            CertificateError::PathLenConstraintViolated {
                path_len: found.as_ref().map(|(_, n)| *n),
                ca: found.map(|(ca, _)| ca),
            }
        }
        W::UnsupportedCriticalExtension => {
            let found = chain.unknown_critical_extension();
            CertificateError::UnsupportedCriticalExtension {
                oid: found.as_ref().map(|(_, oid)| oid.clone()),
                subject: found.map(|(subject, _)| subject),
            }
        }
        other => plain_error(other),
    }
}

/// Errors that need no look at the chain, each as a sentence.
fn plain_error(e: webpki::Error) -> CertificateError {
    use CertificateError as C;
    use webpki::Error as W;
    let malformed = |what: &str| C::BadEncoding(String::from(what));
    let other = |what: &str| C::Other(String::from(what));
    #[allow(deprecated)]
    match e {
        W::CertExpired { time, not_after } => C::Expired {
            not_after,
            now: time,
        },
        W::CertNotValidYet { time, not_before } => C::NotValidYet {
            not_before,
            now: time,
        },
        W::UnknownIssuer => C::UnknownIssuer,
        W::CertNotValidForName(ctx) => C::NotValidForName {
            expected: typed_server_name(&ctx.expected),
            presented: ctx.presented.iter().map(|n| typed_name(n)).collect(),
        },
        W::InvalidSignatureForPublicKey => C::BadSignature,
        W::UnsupportedSignatureAlgorithm
        | W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKey
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            C::UnsupportedSignatureAlgorithm
        }
        // Without a chain (a root being added) the purpose and subject are unknown.
        W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) => {
            C::InvalidPurpose("the purpose checked")
        }
        W::EmptyEkuExtension => C::EmptyExtendedKeyUsage("needed"),
        W::CaUsedAsEndEntity => C::CaUsedAsEndEntity {
            subject: String::from("(subject unknown)"),
        },
        W::EndEntityUsedAsCa => C::EndEntityUsedAsCa { subject: None },
        W::NameConstraintViolation => C::NameConstraintViolation { ca: None },
        W::PathLenConstraintViolated => C::PathLenConstraintViolated {
            ca: None,
            path_len: None,
        },
        W::UnsupportedCriticalExtension => C::UnsupportedCriticalExtension {
            subject: None,
            oid: None,
        },
        // webpki follows at most 6 intermediates.
        W::MaximumPathDepthExceeded => C::ChainTooLong { max: 6 },
        W::MaximumSignatureChecksExceeded => C::PathSearchLimit("signature checks"),
        W::MaximumPathBuildCallsExceeded => C::PathSearchLimit("path-building steps"),
        W::MaximumNameConstraintComparisonsExceeded => {
            C::PathSearchLimit("name constraint comparisons")
        }
        W::BadDer => malformed("it is not valid DER"),
        W::BadDerTime => malformed("a date in it is not a valid DER time"),
        W::TrailingData(part) => {
            C::BadEncoding(format!("unexpected bytes follow {}", der_part_name(part)))
        }
        W::UnsupportedCertVersion => malformed("it is not an X.509 version 3 certificate"),
        W::InvalidCertValidity => malformed(
            "its validity period ends before it starts: notAfter is earlier than notBefore",
        ),
        W::InvalidSerialNumber => {
            malformed("its serial number is invalid (RFC 5280 4.1.2.2: positive, at most 20 bytes)")
        }
        W::MalformedExtensions => malformed("an extension is malformed or appears twice"),
        W::ExtensionValueInvalid => malformed("an extension holds a value RFC 5280 does not allow"),
        W::MalformedDnsIdentifier => malformed("a DNS name in it is malformed"),
        W::MalformedNameConstraint => malformed("a name constraint in it is malformed"),
        W::InvalidNetworkMaskConstraint => {
            malformed("an IP address name constraint has an invalid network mask")
        }
        W::SignatureAlgorithmMismatch => {
            malformed("its outer signature algorithm differs from the one inside the signed part")
        }
        W::UnsupportedNameType => other(
            "a name in the chain, or a name constraint, is of a type the verifier cannot \
             check",
        ),
        W::CertDistrusted => other("a certificate in the chain is explicitly distrusted"),
        W::CertRevoked => other("a certificate in the chain has been revoked"),
        W::UnknownRevocationStatus => {
            other("the revocation status of a certificate in the chain is unknown")
        }
        W::CrlExpired { .. } => other("the certificate revocation list has expired"),
        W::IssuerNotCrlSigner
        | W::InvalidCrlNumber
        | W::InvalidCrlSignatureForPublicKey
        | W::UnsupportedCrlVersion
        | W::UnsupportedDeltaCrl
        | W::UnsupportedIndirectCrl
        | W::UnsupportedRevocationReason
        | W::UnsupportedRevocationReasonsPartitioning
        | W::UnsupportedCrlIssuingDistributionPoint
        | W::UnsupportedCrlSignatureAlgorithm
        | W::UnsupportedCrlSignatureAlgorithmContext(_)
        | W::UnsupportedCrlSignatureAlgorithmForPublicKey
        | W::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
            other("a certificate revocation list could not be used")
        }
        // A variant newer than this mapping: webpki's own name is all there is.
        unknown => C::Other(format!("the certificate was rejected ({unknown:?})")),
    }
}

/// A webpki error as a sentence, for callers outside a chain (a root being added).
pub(crate) fn error_text(e: webpki::Error) -> String {
    format!("{}", plain_error(e))
}

fn der_part_name(part: webpki::DerTypeId) -> &'static str {
    use webpki::DerTypeId as D;
    match part {
        D::Certificate => "the certificate",
        D::CertificateExtensions => "the extensions",
        D::CertificateTbsCertificate => "the signed part",
        D::Extension => "an extension",
        D::SubjectPublicKeyInfo => "the public key",
        D::Signature | D::SignatureAlgorithm | D::SignedData => "the signature",
        D::GeneralName => "a name",
        D::Time => "a date",
        _ => "a field",
    }
}

/// webpki reports certificate names in Debug form (`DnsName("a.test")`,
/// `IpAddress(192.0.2.1)`); users want them typed the way OpenSSL prints them
/// (`DNS:a.test`, `IP:192.0.2.1`), so a DNS name that spells an address shows as one.
/// Unrecognised forms are kept as they are.
fn typed_name(presented: &str) -> String {
    let Some((kind, rest)) = presented.split_once('(') else {
        return String::from(presented);
    };
    let inner = rest.strip_suffix(')').unwrap_or(rest).trim_matches('"');
    let prefix = match kind {
        "DnsName" => "DNS",
        "IpAddress" => "IP",
        "UniformResourceIdentifier" => "URI",
        _ => return String::from(presented),
    };
    format!("{prefix}:{inner}")
}

/// The name a client asked for, typed like the certificate's names.
fn typed_server_name(name: &ServerName<'_>) -> String {
    match name {
        ServerName::IpAddress(_) => format!("IP:{}", server_name_text(name)),
        _ => format!("DNS:{}", server_name_text(name)),
    }
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
