//! What the client and server config builders share: the default clock, the checks
//! of versions, ALPN names and key-exchange groups, and that a private key belongs to
//! its certificate.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::CertificateDer;

use crate::crypto::{CryptoProvider, SigningKey};
use crate::enums::ProtocolVersion;
use crate::error::{ConfigError, Error};
use crate::time::TimeProvider;
use crate::verify::x509::{self, CertFacts};

#[cfg(feature = "std")]
pub(crate) fn default_time() -> Option<Arc<dyn TimeProvider>> {
    Some(Arc::new(crate::time::SystemTime))
}

#[cfg(not(feature = "std"))]
pub(crate) fn default_time() -> Option<Arc<dyn TimeProvider>> {
    None
}

/// The checks both config builders make: the versions (or the defaults the provider
/// allows) are usable, the ALPN names are well formed, and there is a key-exchange
/// group. Returns the versions.
pub(crate) fn check_common(
    provider: &CryptoProvider,
    versions: Option<Vec<ProtocolVersion>>,
    alpn_protocols: &[Vec<u8>],
) -> Result<Vec<ProtocolVersion>, Error> {
    let versions = versions.unwrap_or_else(|| default_versions(provider));
    check_versions(&versions, provider)?;
    check_alpn(alpn_protocols)?;
    if provider.kx_groups.is_empty() {
        return Err(Error::ApiMisuse("the provider has no key-exchange group"));
    }
    Ok(versions)
}

/// TLS 1.3 and TLS 1.2, each if the provider has suites for it (a provider restricted
/// to TLS 1.3 suites gives a TLS 1.3-only config without further ado).
fn default_versions(provider: &CryptoProvider) -> Vec<ProtocolVersion> {
    let mut versions = Vec::new();
    if provider.tls13_cipher_suites().next().is_some() {
        versions.push(ProtocolVersion::TLSv1_3);
    }
    if provider.tls12_cipher_suites().next().is_some() {
        versions.push(ProtocolVersion::TLSv1_2);
    }
    versions
}

/// Versions must be supported ones, with at least one suite each.
fn check_versions(versions: &[ProtocolVersion], provider: &CryptoProvider) -> Result<(), Error> {
    if versions.is_empty() {
        return Err(Error::ApiMisuse("no protocol version enabled"));
    }
    for version in versions {
        match version {
            ProtocolVersion::TLSv1_3 => {
                if provider.tls13_cipher_suites().next().is_none() {
                    return Err(Error::ApiMisuse(
                        "TLS 1.3 is enabled but the provider has no TLS 1.3 suite",
                    ));
                }
            }
            ProtocolVersion::TLSv1_2 => {
                if provider.tls12_cipher_suites().next().is_none() {
                    return Err(Error::ApiMisuse(
                        "TLS 1.2 is enabled but the provider has no TLS 1.2 suite",
                    ));
                }
            }
            _ => {
                return Err(Error::Unsupported(
                    "protocol versions before TLS 1.2 (SSLv3, TLS 1.0 and 1.1 are refused by design)",
                ));
            }
        }
    }
    Ok(())
}

/// RFC 7301 3.1: each protocol name is 1..=255 bytes.
fn check_alpn(protocols: &[Vec<u8>]) -> Result<(), Error> {
    if protocols.iter().any(|p| p.is_empty() || p.len() > 255) {
        return Err(Error::ApiMisuse(
            "ALPN protocol names must be 1 to 255 bytes",
        ));
    }
    Ok(())
}

/// Refuses a private key that does not belong to `end_entity`: with it, every
/// handshake signature (RFC 8446 4.4.3 CertificateVerify, RFC 5246 7.4.3
/// ServerKeyExchange) would fail at the peer with decrypt_error, far from the cause.
///
/// Compares the key bits of the certificate's SubjectPublicKeyInfo with the key's
/// public half. Keys that cannot give their public half (some custom providers) and
/// certificates this check cannot read are let through; the peer still checks them.
pub(crate) fn check_key_matches_cert(
    end_entity: &CertificateDer<'_>,
    key: &dyn SigningKey,
) -> Result<(), Error> {
    let Some(cert) = CertFacts::parse(end_entity.as_ref()) else {
        return Ok(());
    };
    let Some(public) = key.public_key() else {
        return Ok(());
    };
    let Some(private_spki) = x509::spki_contents(public.as_ref()) else {
        return Ok(());
    };
    let cert_key = x509::public_key_bits(cert.spki);
    if cert_key.is_some() && cert_key == x509::public_key_bits(private_spki) {
        return Ok(());
    }
    Err(ConfigError::KeyMismatch {
        subject: cert.subject_text(),
        certificate_key: format!("{}", x509::key_kind(cert.spki)),
        private_key: format!("{}", x509::key_kind(private_spki)),
    }
    .into())
}
