//! What a client keeps to resume sessions.

use alloc::vec::Vec;
use core::fmt::Debug;

use crate::enums::CipherSuite;

/// A TLS 1.3 ticket and the PSK it stands for (RFC 8446 4.6.1). Single use: a client
/// offers each ticket once.
#[derive(Clone)]
pub struct Tls13ClientSession {
    pub(crate) suite: CipherSuite,
    pub(crate) ticket: Vec<u8>,
    pub(crate) psk: Vec<u8>,
    pub(crate) age_add: u32,
    /// Unix time the ticket arrived, in milliseconds.
    pub(crate) received_ms: u64,
    pub(crate) lifetime: u32,
    pub(crate) max_early_data: u32,
    /// The ALPN protocol of the session, which accepted 0-RTT data must keep
    /// (RFC 8446 4.2.10).
    pub(crate) alpn: Option<Vec<u8>>,
}

impl Tls13ClientSession {
    /// The suite of the session it resumes.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// How much 0-RTT data the server accepts with this ticket (0: none).
    pub fn max_early_data(&self) -> u32 {
        self.max_early_data
    }

    pub(crate) fn fresh(&self, now_ms: u64) -> bool {
        now_ms >= self.received_ms && now_ms - self.received_ms <= u64::from(self.lifetime) * 1000
    }
}

impl core::fmt::Debug for Tls13ClientSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tls13ClientSession")
            .field("suite", &self.suite)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

/// A TLS 1.2 session: its id and/or ticket (RFC 5077) and master secret.
#[derive(Clone)]
pub struct Tls12ClientSession {
    pub(crate) suite: CipherSuite,
    pub(crate) session_id: Vec<u8>,
    pub(crate) ticket: Option<Vec<u8>>,
    pub(crate) master_secret: [u8; 48],
    pub(crate) extended_master_secret: bool,
    /// Unix time the session was established, in seconds.
    pub(crate) created: u64,
    pub(crate) lifetime: u32,
}

impl Tls12ClientSession {
    /// The suite of the session.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    pub(crate) fn fresh(&self, now: u64) -> bool {
        now >= self.created && now - self.created <= u64::from(self.lifetime)
    }
}

impl core::fmt::Debug for Tls12ClientSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tls12ClientSession")
            .field("suite", &self.suite)
            .field("ticket", &self.ticket.is_some())
            .finish_non_exhaustive()
    }
}

/// Where a client keeps sessions, per server name. Implementations must be bounded.
pub trait ClientSessionStore: Send + Sync + Debug {
    /// Keeps a TLS 1.3 ticket for `server_name`.
    fn insert_tls13_ticket(&self, server_name: &str, ticket: Tls13ClientSession);
    /// Takes (removes) the newest TLS 1.3 ticket for `server_name`.
    fn take_tls13_ticket(&self, server_name: &str) -> Option<Tls13ClientSession>;
    /// Keeps the TLS 1.2 session for `server_name`, replacing any older one.
    fn set_tls12_session(&self, server_name: &str, session: Tls12ClientSession);
    /// The TLS 1.2 session for `server_name`.
    fn tls12_session(&self, server_name: &str) -> Option<Tls12ClientSession>;
    /// Forgets the TLS 1.2 session for `server_name`.
    fn remove_tls12_session(&self, server_name: &str);
}
