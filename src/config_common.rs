//! What the client and server config builders share: the default clock and the
//! checks of versions, ALPN names and key-exchange groups.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::crypto::CryptoProvider;
use crate::enums::ProtocolVersion;
use crate::error::Error;
use crate::time::TimeProvider;

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
