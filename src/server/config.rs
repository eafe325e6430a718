//! Server configuration: immutable once built, shared by connections as an `Arc`.

use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::{CertificateDer, PrivateKeyDer};

use super::resolver::{ResolvesServerCert, SingleCertResolver};
use crate::RecordPadding;
use crate::cert::CertifiedKey;
use crate::config_common::{check_common, default_time};
use crate::conn::Limits;
use crate::crypto::CryptoProvider;
use crate::enums::ProtocolVersion;
use crate::error::Error;
use crate::events::HandshakeObserver;
use crate::key_log::KeyLog;
use crate::resumption::{AntiReplay, ProducesTickets, StoresServerSessions, TicketKeys};
use crate::time::TimeProvider;
use crate::verify::{ClientCertVerifier, RootStore, WebPkiClientVerifier};

/// How a server accepts connections: provider, versions, certificates, client
/// authentication, ALPN and limits.
#[derive(Debug)]
pub struct ServerConfig {
    pub(crate) provider: Arc<CryptoProvider>,
    pub(crate) versions: Vec<ProtocolVersion>,
    pub(crate) cert_resolver: Arc<dyn ResolvesServerCert>,
    pub(crate) client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    pub(crate) alpn_protocols: Vec<Vec<u8>>,
    pub(crate) time: Arc<dyn TimeProvider>,
    pub(crate) hrr_cookie: bool,
    pub(crate) limits: Limits,
    pub(crate) observer: Option<Arc<dyn HandshakeObserver>>,
    pub(crate) key_log: Option<Arc<dyn KeyLog>>,
    pub(crate) require_ems: bool,
    pub(crate) require_secure_renegotiation: bool,
    pub(crate) ticketer: Option<Arc<dyn ProducesTickets>>,
    pub(crate) session_store: Option<Arc<dyn StoresServerSessions>>,
    pub(crate) tickets: usize,
    pub(crate) max_early_data_size: u32,
    pub(crate) record_padding: RecordPadding,
    pub(crate) anti_replay: Option<Arc<dyn AntiReplay>>,
}

impl ServerConfig {
    /// A builder using the default `ring` provider.
    pub fn builder() -> ServerConfigBuilder {
        Self::builder_with_provider(Arc::new(crate::crypto::ring::default_provider()))
    }

    /// A builder using `provider` (e.g. a restricted one). The order of its suites and
    /// groups is the server's preference.
    pub fn builder_with_provider(provider: Arc<CryptoProvider>) -> ServerConfigBuilder {
        ServerConfigBuilder {
            provider,
            versions: None,
            cert_resolver: None,
            client_verifier: None,
            alpn_protocols: Vec::new(),
            time: default_time(),
            hrr_cookie: false,
            limits: Limits::default(),
            observer: None,
            key_log: None,
            require_ems: true,
            require_secure_renegotiation: false,
            ticketer: None,
            session_store: default_session_store(),
            tickets: 2,
            default_ticketer: true,
            max_early_data_size: 0,
            anti_replay: default_anti_replay(),
            record_padding: RecordPadding::None,
        }
    }

    /// The crypto provider.
    pub fn provider(&self) -> &Arc<CryptoProvider> {
        &self.provider
    }
}

/// Ticket keys made by default rotate every 6 hours.
const DEFAULT_TICKET_ROTATION: u64 = 6 * 3600;

#[cfg(feature = "std")]
fn default_anti_replay() -> Option<Arc<dyn AntiReplay>> {
    Some(Arc::new(crate::resumption::MemoryAntiReplay::new(4096)))
}

#[cfg(not(feature = "std"))]
fn default_anti_replay() -> Option<Arc<dyn AntiReplay>> {
    None
}

#[cfg(feature = "std")]
fn default_session_store() -> Option<Arc<dyn StoresServerSessions>> {
    Some(Arc::new(crate::resumption::ServerSessionMemoryCache::new(
        256,
    )))
}

#[cfg(not(feature = "std"))]
fn default_session_store() -> Option<Arc<dyn StoresServerSessions>> {
    None
}

/// Builds a [`ServerConfig`]. A certificate is required: call
/// [`Self::with_single_cert`] or [`Self::with_cert_resolver`].
#[derive(Debug)]
pub struct ServerConfigBuilder {
    provider: Arc<CryptoProvider>,
    /// `None` until set: the defaults, limited to what the provider can do.
    versions: Option<Vec<ProtocolVersion>>,
    cert_resolver: Option<Arc<dyn ResolvesServerCert>>,
    client_verifier: Option<Arc<dyn ClientCertVerifier>>,
    alpn_protocols: Vec<Vec<u8>>,
    time: Option<Arc<dyn TimeProvider>>,
    hrr_cookie: bool,
    limits: Limits,
    observer: Option<Arc<dyn HandshakeObserver>>,
    key_log: Option<Arc<dyn KeyLog>>,
    require_ems: bool,
    require_secure_renegotiation: bool,
    ticketer: Option<Arc<dyn ProducesTickets>>,
    session_store: Option<Arc<dyn StoresServerSessions>>,
    tickets: usize,
    max_early_data_size: u32,
    anti_replay: Option<Arc<dyn AntiReplay>>,
    record_padding: RecordPadding,
    /// No ticketer was chosen: build() makes a fresh [`TicketKeys`].
    default_ticketer: bool,
}

impl ServerConfigBuilder {
    /// The versions to accept, most preferred first (default: TLS 1.3, TLS 1.2).
    pub fn with_protocol_versions(mut self, versions: &[ProtocolVersion]) -> Self {
        self.versions = Some(versions.to_vec());
        self
    }

    /// Present this chain (end-entity first) and key to every client. Fails if the
    /// key does not belong to the chain's first certificate
    /// ([`crate::error::ConfigError::KeyMismatch`]).
    pub fn with_single_cert(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, Error> {
        let key = CertifiedKey::from_der(&self.provider, chain, key)?;
        self.cert_resolver = Some(Arc::new(SingleCertResolver(Arc::new(key))));
        Ok(self)
    }

    /// Choose the certificate per connection (e.g. by SNI with [`super::SniResolver`]).
    pub fn with_cert_resolver(mut self, resolver: Arc<dyn ResolvesServerCert>) -> Self {
        self.cert_resolver = Some(resolver);
        self
    }

    /// Ask clients for certificates chaining to `roots`; with `mandatory`, refuse
    /// clients without one.
    pub fn with_client_auth_roots(mut self, roots: RootStore, mandatory: bool) -> Self {
        let verifier = WebPkiClientVerifier::new(
            Arc::new(roots),
            self.provider.signature_verification_algorithms,
            mandatory,
        );
        self.client_verifier = Some(Arc::new(verifier));
        self
    }

    /// Ask clients for certificates, checked by a custom verifier.
    pub fn with_client_cert_verifier(mut self, verifier: Arc<dyn ClientCertVerifier>) -> Self {
        self.client_verifier = Some(verifier);
        self
    }

    /// The ALPN protocols to accept, most preferred first: the server picks the first
    /// of these the client offers (RFC 7301 3.2).
    pub fn with_alpn_protocols(mut self, protocols: Vec<Vec<u8>>) -> Self {
        self.alpn_protocols = protocols;
        self
    }

    /// Where the current time comes from (default: the system clock with `std`).
    pub fn with_time_provider(mut self, time: Arc<dyn TimeProvider>) -> Self {
        self.time = Some(time);
        self
    }

    /// Include a cookie in every HelloRetryRequest and require the client to echo it
    /// (RFC 8446 4.2.2; default false).
    pub fn with_hrr_cookie(mut self, enable: bool) -> Self {
        self.hrr_cookie = enable;
        self
    }

    /// Buffer and flood limits (see [`Limits`] for the defaults).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Pads every TLS 1.3 record this server sends (RFC 8446 5.4; default: none). See
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

    /// Whether a TLS 1.2 client must offer extended master secret (RFC 7627; default
    /// true). Turning this off allows legacy clients, whose sessions are open to the
    /// triple-handshake attack.
    pub fn with_extended_master_secret_required(mut self, required: bool) -> Self {
        self.require_ems = required;
        self
    }

    /// Refuse TLS 1.2 clients that signal neither renegotiation_info nor its SCSV
    /// (RFC 5746; default false). handclasp never renegotiates (a renegotiation request
    /// is always refused with `no_renegotiation`), so the attack the signal guards
    /// against cannot happen, and clients that lack it are accepted by default.
    pub fn with_secure_renegotiation_required(mut self, required: bool) -> Self {
        self.require_secure_renegotiation = required;
        self
    }

    /// Seal resumption state into tickets with this (e.g. [`TicketKeys`] shared by a
    /// fleet); `None` makes TLS 1.3 tickets keys into the session store instead
    /// (stateful). The default is fresh [`TicketKeys`] rotating every 6 hours, the
    /// previous key still accepted.
    pub fn with_ticketer(mut self, ticketer: Option<Arc<dyn ProducesTickets>>) -> Self {
        self.ticketer = ticketer;
        self.default_ticketer = false;
        self
    }

    /// Keep sessions here: TLS 1.2 session ids, and TLS 1.3 tickets when there is no
    /// ticketer (default with `std`: an in-memory store of 256 sessions; `None` for
    /// none).
    pub fn with_session_store(mut self, store: Option<Arc<dyn StoresServerSessions>>) -> Self {
        self.session_store = store;
        self
    }

    /// How many TLS 1.3 tickets to send after each handshake (default 2; 0 for none).
    pub fn with_tickets(mut self, count: usize) -> Self {
        self.tickets = count;
        self
    }

    /// Accept up to this many bytes of 0-RTT early data on resumed TLS 1.3
    /// connections (default 0: never). Early data can be replayed (RFC 8446 8): it is
    /// accepted only on the first use of a ticket (stateful tickets are single use;
    /// stateless ones go through the anti-replay guard) within the ticket age window.
    /// It must be below [`crate::Limits::received_plaintext`] (64 KiB by default), where
    /// the early data waits until the handshake completes; `build` refuses it otherwise.
    pub fn with_max_early_data_size(mut self, bytes: u32) -> Self {
        self.max_early_data_size = bytes;
        self
    }

    /// The 0-RTT replay guard for stateless tickets (default with `std`: an
    /// in-memory [`crate::resumption::MemoryAntiReplay`] of 4096 tickets, each kept
    /// as long as a replay could pass the ticket-age check; without one, stateless
    /// tickets never carry early data). The guard is per process: servers that share
    /// ticket keys must share a guard.
    pub fn with_anti_replay(mut self, guard: Option<Arc<dyn AntiReplay>>) -> Self {
        self.anti_replay = guard;
        self
    }

    /// Checks the settings and builds the config.
    pub fn build(self) -> Result<ServerConfig, Error> {
        let cert_resolver = self.cert_resolver.ok_or(Error::ApiMisuse(
            "a server needs a certificate or a certificate resolver",
        ))?;
        let time = self.time.ok_or(Error::ApiMisuse(
            "without std, a server needs a time provider",
        ))?;
        let versions = check_common(&self.provider, self.versions, &self.alpn_protocols)?;
        // Accepted 0-RTT data waits in the received-plaintext buffer until the
        // application reads it; the handshake's last flight (EndOfEarlyData, Finished,
        // RFC 8446 4.5) must still fit in after it, or a handshake driver that does not
        // read plaintext (the blocking and async adapters) stalls on a full buffer.
        if self.max_early_data_size as usize >= self.limits.received_plaintext {
            return Err(Error::ApiMisuse(
                "max_early_data_size must be below Limits::received_plaintext (accepted 0-RTT data waits there until the handshake completes)",
            ));
        }
        let ticketer = match (self.ticketer, self.default_ticketer) {
            (Some(ticketer), _) => Some(ticketer),
            (None, true) => Some(Arc::new(TicketKeys::new(
                &self.provider,
                DEFAULT_TICKET_ROTATION,
                1,
            )?) as Arc<dyn ProducesTickets>),
            (None, false) => None,
        };
        Ok(ServerConfig {
            provider: self.provider,
            versions,
            cert_resolver,
            client_verifier: self.client_verifier,
            alpn_protocols: self.alpn_protocols,
            time,
            hrr_cookie: self.hrr_cookie,
            limits: self.limits,
            observer: self.observer,
            key_log: self.key_log,
            require_ems: self.require_ems,
            require_secure_renegotiation: self.require_secure_renegotiation,
            ticketer,
            session_store: self.session_store,
            tickets: self.tickets,
            max_early_data_size: self.max_early_data_size,
            anti_replay: self.anti_replay,
            record_padding: self.record_padding,
        })
    }
}
