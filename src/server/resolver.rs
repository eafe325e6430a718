//! Choosing the server certificate for a connection, by SNI.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Debug;

use pki_types::{DnsName, ServerName};

use crate::cert::CertifiedKey;
use crate::enums::{CipherSuite, SignatureScheme};
use crate::error::{CertificateError, Error};

/// What the client asked for, as far as certificate choice goes.
#[derive(Debug)]
pub struct ClientHelloInfo<'a> {
    /// The server name the client sent (SNI), lower-cased.
    pub server_name: Option<&'a str>,
    /// The signature schemes the client accepts, in its preference order.
    pub signature_schemes: &'a [SignatureScheme],
    /// The ALPN protocols the client offered.
    pub alpn: &'a [Vec<u8>],
    /// The cipher suites the client offered.
    pub cipher_suites: &'a [CipherSuite],
}

/// Picks the certificate chain and key for a ClientHello.
pub trait ResolvesServerCert: Send + Sync + Debug {
    /// The chain to present, or `None` to refuse the handshake (the client then gets
    /// an `unrecognized_name` or `handshake_failure` alert).
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>>;
}

/// Always the same chain, whatever the client asks for.
#[derive(Debug)]
pub struct SingleCertResolver(pub Arc<CertifiedKey>);

impl ResolvesServerCert for SingleCertResolver {
    fn resolve(&self, _hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// One chain per server name, chosen by the client's SNI, with an optional default for
/// clients that send no (or an unknown) name.
#[derive(Debug, Default)]
pub struct SniResolver {
    by_name: Vec<(String, Arc<CertifiedKey>)>,
    default: Option<Arc<CertifiedKey>>,
}

impl SniResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `key` for `name`. The certificate must be valid for the name.
    pub fn add(&mut self, name: &str, key: CertifiedKey) -> Result<(), Error> {
        let dns = DnsName::try_from(name)
            .map_err(|_| Error::ApiMisuse("SNI resolver names must be DNS names"))?
            .to_lowercase_owned();
        let end_entity = key
            .end_entity()
            .ok_or(Error::ApiMisuse("empty certificate chain"))?;
        let cert = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|e| CertificateError::BadEncoding(alloc::format!("{e}")))?;
        cert.verify_is_valid_for_subject_name(&ServerName::DnsName(dns.clone()))
            .map_err(|_| {
                Error::ApiMisuse("the certificate is not valid for the name it is added under")
            })?;
        self.by_name
            .push((String::from(dns.as_ref()), Arc::new(key)));
        Ok(())
    }

    /// Serves `key` to clients whose name matches no entry (or who send none).
    pub fn set_default(&mut self, key: CertifiedKey) {
        self.default = Some(Arc::new(key));
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        hello
            .server_name
            .and_then(|name| {
                self.by_name
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
            })
            .map(|(_, key)| key.clone())
            .or_else(|| self.default.clone())
    }
}
