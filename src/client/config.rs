//! Client configuration: immutable once built, shared by connections as an `Arc`.

use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::{CertificateDer, PrivateKeyDer};

use crate::RecordPadding;
use crate::cert::CertifiedKey;
use crate::config_common::{check_common, default_time};
use crate::conn::Limits;
use crate::crypto::CryptoProvider;
use crate::enums::ProtocolVersion;
use crate::error::{ConfigError, Error};
use crate::events::HandshakeObserver;
use crate::key_log::KeyLog;
use crate::resumption::ClientSessionStore;
use crate::time::TimeProvider;
use crate::verify::{RootStore, ServerCertVerifier, WebPkiServerVerifier};

/// How a client connects: provider, versions, trust, identity, ALPN and limits.
///
/// Build one with [`ClientConfig::builder`]; share it between connections as an
/// `Arc<ClientConfig>`.
#[derive(Debug)]
pub struct ClientConfig {
    pub(crate) provider: Arc<CryptoProvider>,
    pub(crate) versions: Vec<ProtocolVersion>,
    pub(crate) verifier: Arc<dyn ServerCertVerifier>,
    pub(crate) client_auth: Option<Arc<CertifiedKey>>,
    pub(crate) alpn_protocols: Vec<Vec<u8>>,
    pub(crate) time: Arc<dyn TimeProvider>,
    pub(crate) key_shares: usize,
    pub(crate) enable_sni: bool,
    pub(crate) middlebox_compat: bool,
    pub(crate) limits: Limits,
    pub(crate) observer: Option<Arc<dyn HandshakeObserver>>,
    pub(crate) key_log: Option<Arc<dyn KeyLog>>,
    pub(crate) require_ems: bool,
    pub(crate) session_store: Option<Arc<dyn ClientSessionStore>>,
    pub(crate) enable_early_data: bool,
    pub(crate) record_padding: RecordPadding,
}

impl ClientConfig {
    /// A builder using the default `ring` provider.
    pub fn builder() -> ClientConfigBuilder {
        Self::builder_with_provider(Arc::new(crate::crypto::ring::default_provider()))
    }

    /// A builder using `provider` (e.g. a restricted one).
    pub fn builder_with_provider(provider: Arc<CryptoProvider>) -> ClientConfigBuilder {
        ClientConfigBuilder {
            provider,
            versions: None,
            verifier: None,
            empty_roots: false,
            client_auth: None,
            alpn_protocols: Vec::new(),
            time: default_time(),
            key_shares: 1,
            enable_sni: true,
            middlebox_compat: true,
            limits: Limits::default(),
            observer: None,
            key_log: None,
            require_ems: true,
            session_store: default_session_store(),
            enable_early_data: false,
            record_padding: RecordPadding::None,
        }
    }

    /// The crypto provider.
    pub fn provider(&self) -> &Arc<CryptoProvider> {
        &self.provider
    }

    /// The enabled protocol versions, most preferred first.
    pub fn versions(&self) -> &[ProtocolVersion] {
        &self.versions
    }
}

#[cfg(feature = "std")]
fn default_session_store() -> Option<Arc<dyn ClientSessionStore>> {
    Some(Arc::new(
        crate::resumption::ClientSessionMemoryCache::default(),
    ))
}

#[cfg(not(feature = "std"))]
fn default_session_store() -> Option<Arc<dyn ClientSessionStore>> {
    None
}

/// Builds a [`ClientConfig`]. Only the trust decision is required: call
/// [`Self::with_root_store`] or [`Self::with_verifier`].
#[derive(Debug)]
pub struct ClientConfigBuilder {
    provider: Arc<CryptoProvider>,
    /// `None` until set: the defaults, limited to what the provider can do.
    versions: Option<Vec<ProtocolVersion>>,
    verifier: Option<Arc<dyn ServerCertVerifier>>,
    /// The verifier came from an empty [`RootStore`]: it would refuse every server.
    empty_roots: bool,
    client_auth: Option<Arc<CertifiedKey>>,
    alpn_protocols: Vec<Vec<u8>>,
    time: Option<Arc<dyn TimeProvider>>,
    key_shares: usize,
    enable_sni: bool,
    middlebox_compat: bool,
    limits: Limits,
    observer: Option<Arc<dyn HandshakeObserver>>,
    key_log: Option<Arc<dyn KeyLog>>,
    require_ems: bool,
    session_store: Option<Arc<dyn ClientSessionStore>>,
    enable_early_data: bool,
    record_padding: RecordPadding,
}

impl ClientConfigBuilder {
    /// The versions to offer, most preferred first (default: TLS 1.3, TLS 1.2).
    pub fn with_protocol_versions(mut self, versions: &[ProtocolVersion]) -> Self {
        self.versions = Some(versions.to_vec());
        self
    }

    /// Trust servers whose chains lead to these roots (the default `rustls-webpki`
    /// verifier, with the provider's signature algorithms). An empty store trusts no
    /// server, so [`Self::build`] refuses it.
    pub fn with_root_store(mut self, roots: RootStore) -> Self {
        self.empty_roots = roots.is_empty();
        let verifier = WebPkiServerVerifier::new(
            Arc::new(roots),
            self.provider.signature_verification_algorithms,
        );
        self.verifier = Some(Arc::new(verifier));
        self
    }

    /// Use a custom verifier (pinning, custom policy).
    pub fn with_verifier(mut self, verifier: Arc<dyn ServerCertVerifier>) -> Self {
        self.verifier = Some(verifier);
        self.empty_roots = false;
        self
    }

    /// Present this certificate when a server asks for one (mutual TLS). Fails if the
    /// key does not belong to the chain's first certificate.
    pub fn with_client_auth_cert(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, Error> {
        self.client_auth = Some(Arc::new(CertifiedKey::from_der(
            &self.provider,
            chain,
            key,
        )?));
        Ok(self)
    }

    /// The ALPN protocols to offer, most preferred first (RFC 7301).
    pub fn with_alpn_protocols(mut self, protocols: Vec<Vec<u8>>) -> Self {
        self.alpn_protocols = protocols;
        self
    }

    /// Where the current time comes from (default: the system clock with `std`).
    pub fn with_time_provider(mut self, time: Arc<dyn TimeProvider>) -> Self {
        self.time = Some(time);
        self
    }

    /// How many key shares the first ClientHello carries, for the provider's most
    /// preferred groups (default 1). More avoid a HelloRetryRequest at the cost of
    /// key generation.
    pub fn with_key_shares(mut self, count: usize) -> Self {
        self.key_shares = count;
        self
    }

    /// Whether to send server_name (default true; never sent for IP addresses).
    pub fn with_sni(mut self, enable: bool) -> Self {
        self.enable_sni = enable;
        self
    }

    /// Whether to use TLS 1.3 middlebox compatibility mode (RFC 8446 D.4; default true).
    pub fn with_middlebox_compat(mut self, enable: bool) -> Self {
        self.middlebox_compat = enable;
        self
    }

    /// Buffer and flood limits (see [`Limits`] for the defaults).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Pads every TLS 1.3 record this client sends (RFC 8446 5.4; default: none). See
    /// [`RecordPadding`].
    pub fn with_record_padding(mut self, padding: RecordPadding) -> Self {
        self.record_padding = padding;
        self
    }

    /// Receive [`crate::events::HandshakeEvent`]s as the handshake runs.
    pub fn with_observer(mut self, observer: Arc<dyn HandshakeObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Log traffic secrets (NSS key log format) for debugging with packet captures.
    pub fn with_key_log(mut self, key_log: Arc<dyn KeyLog>) -> Self {
        self.key_log = Some(key_log);
        self
    }

    /// Whether a TLS 1.2 server must negotiate extended master secret (RFC 7627;
    /// default true). Turning this off allows legacy servers, whose sessions are
    /// open to the triple-handshake attack.
    pub fn with_extended_master_secret_required(mut self, required: bool) -> Self {
        self.require_ems = required;
        self
    }

    /// Where sessions are kept for resumption (default with `std`: an in-memory
    /// [`crate::resumption::ClientSessionMemoryCache`] of 256 servers x 8 tickets);
    /// `None` turns resumption off.
    pub fn with_session_store(mut self, store: Option<Arc<dyn ClientSessionStore>>) -> Self {
        self.session_store = store;
        self
    }

    /// Offer 0-RTT early data when a ticket allows it (default false). Early data can
    /// be replayed by an attacker (RFC 8446 8): send only requests that are safe to
    /// repeat. Write it with [`super::ClientConnection::write_early_data`].
    pub fn with_early_data(mut self, enable: bool) -> Self {
        self.enable_early_data = enable;
        self
    }

    /// Checks the settings and builds the config. Fails if there is no verifier, or
    /// if the root store given is empty ([`ConfigError::NoTrustRoots`]).
    pub fn build(self) -> Result<ClientConfig, Error> {
        let verifier = self.verifier.ok_or(Error::ApiMisuse(
            "a client needs a root store or a verifier",
        ))?;
        if self.empty_roots {
            return Err(ConfigError::NoTrustRoots.into());
        }
        let time = self.time.ok_or(Error::ApiMisuse(
            "without std, a client needs a time provider",
        ))?;
        let versions = check_common(&self.provider, self.versions, &self.alpn_protocols)?;
        Ok(ClientConfig {
            provider: self.provider,
            versions,
            verifier,
            client_auth: self.client_auth,
            alpn_protocols: self.alpn_protocols,
            time,
            key_shares: self.key_shares.max(1),
            enable_sni: self.enable_sni,
            middlebox_compat: self.middlebox_compat,
            limits: self.limits,
            observer: self.observer,
            key_log: self.key_log,
            require_ems: self.require_ems,
            session_store: self.session_store,
            enable_early_data: self.enable_early_data,
            record_padding: self.record_padding,
        })
    }
}
