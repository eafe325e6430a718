//! The ring provider restricted to chosen cipher suites and key-exchange groups.

use std::sync::Arc;

use handclasp::crypto::{CryptoProvider, SupportedCipherSuite};
use handclasp::enums::{CipherSuite, NamedGroup, ProtocolVersion};

/// The ring provider with only `suites` (kept in the provider's order) and `groups`
/// (in the order given: it is the preference order). Panics on a group the provider
/// lacks.
pub fn with(suites: &[CipherSuite], groups: &[NamedGroup]) -> Arc<CryptoProvider> {
    let mut p = handclasp::crypto::ring::default_provider();
    p.cipher_suites.retain(|s| suites.contains(&s.suite()));
    let all = p.kx_groups.clone();
    p.kx_groups = groups
        .iter()
        .map(|g| *all.iter().find(|k| k.name() == *g).unwrap())
        .collect();
    Arc::new(p)
}

/// Every cipher suite of the ring provider for `version` (TLS 1.3, or else TLS 1.2).
pub fn suites_of(version: ProtocolVersion) -> Vec<CipherSuite> {
    handclasp::crypto::ring::default_provider()
        .cipher_suites
        .iter()
        .filter(|s| match version {
            ProtocolVersion::TLSv1_3 => matches!(s, SupportedCipherSuite::Tls13(_)),
            _ => matches!(s, SupportedCipherSuite::Tls12(_)),
        })
        .map(|s| s.suite())
        .collect()
}

/// Every cipher suite of the ring provider, both versions.
pub fn all_suites() -> Vec<CipherSuite> {
    handclasp::crypto::ring::default_provider()
        .cipher_suites
        .iter()
        .map(|s| s.suite())
        .collect()
}
