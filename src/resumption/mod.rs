//! Session resumption: what a server remembers of a session (sealed into a ticket by
//! a [`ProducesTickets`], or kept in a [`StoresServerSessions`]) and what a client
//! keeps to resume (a [`ClientSessionStore`]).

use alloc::vec::Vec;
use core::fmt::Debug;

use crate::codec::{Codec, LengthPrefix, Reader, put_opaque};
use crate::enums::{CipherSuite, ProtocolVersion};
use crate::error::InvalidMessage;

mod client_store;
#[cfg(feature = "std")]
mod memory;
mod ticket_keys;

pub use client_store::{ClientSessionStore, Tls12ClientSession, Tls13ClientSession};
#[cfg(feature = "std")]
pub use memory::{ClientSessionMemoryCache, MemoryAntiReplay, ServerSessionMemoryCache};
pub use ticket_keys::{ProducesTickets, TicketKeys};

/// A server-side session store, for stateful resumption (TLS 1.2 session ids, or
/// TLS 1.3 tickets that are only a key into the store). Implement it over a shared
/// store (e.g. Redis) to let a fleet resume each other's sessions.
pub trait StoresServerSessions: Send + Sync + Debug {
    /// Stores `value` under `key`; false if it could not be stored.
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool;
    /// The value under `key`, leaving it in place.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// The value under `key`, removing it (single use).
    fn take(&self, key: &[u8]) -> Option<Vec<u8>>;
}

/// Guards 0-RTT against replay (RFC 8446 8): a ticket's early data is accepted the
/// first time only. When unsure (full, poisoned), answer false: the client then sends
/// its data again after the handshake.
///
/// A guard protects one process. Servers that share ticket keys (a fleet behind a
/// load balancer) must share one guard too (a store all of them consult), or a
/// flight recorded at one server replays at another.
pub trait AntiReplay: Send + Sync + Debug {
    /// True the first time `ticket` is presented for 0-RTT at `now` (Unix seconds).
    /// The same ClientHello would pass the ticket-age check (RFC 8446 8.3) until
    /// `until` (Unix seconds, inclusive): the guard must remember the ticket at least
    /// that long, and may forget it after.
    fn first_use(&self, ticket: &[u8], now: u64, until: u64) -> bool;
}

/// What a server remembers of a session: enough to resume it and to check the
/// resumption is for the same thing (RFC 8446 4.2.11, 4.6.1; RFC 5077 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServerSessionValue {
    pub(crate) version: ProtocolVersion,
    pub(crate) suite: CipherSuite,
    /// TLS 1.3: the resumption PSK; TLS 1.2: the master secret.
    pub(crate) secret: Vec<u8>,
    /// Unix time of issue, in seconds.
    pub(crate) created: u64,
    pub(crate) lifetime: u32,
    pub(crate) age_add: u32,
    pub(crate) extended_master_secret: bool,
    pub(crate) server_name: Vec<u8>,
    pub(crate) alpn: Vec<u8>,
    pub(crate) max_early_data: u32,
    /// A client certificate was verified in the session: a server that requires one
    /// resumes only such sessions (resumption skips client authentication).
    pub(crate) client_authenticated: bool,
}

impl Codec for ServerSessionValue {
    fn encode(&self, out: &mut Vec<u8>) {
        self.version.encode(out);
        self.suite.encode(out);
        put_opaque(out, LengthPrefix::U8, &self.secret);
        self.created.encode(out);
        self.lifetime.encode(out);
        self.age_add.encode(out);
        u8::from(self.extended_master_secret).encode(out);
        put_opaque(out, LengthPrefix::U16, &self.server_name);
        put_opaque(out, LengthPrefix::U8, &self.alpn);
        self.max_early_data.encode(out);
        u8::from(self.client_authenticated).encode(out);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            version: ProtocolVersion::read(r)?,
            suite: CipherSuite::read(r)?,
            secret: r.opaque(LengthPrefix::U8, "session secret")?.to_vec(),
            created: r.u64("session created")?,
            lifetime: r.u32("session lifetime")?,
            age_add: r.u32("session age_add")?,
            extended_master_secret: r.u8("session ems")? == 1,
            server_name: r.opaque(LengthPrefix::U16, "session server name")?.to_vec(),
            alpn: r.opaque(LengthPrefix::U8, "session alpn")?.to_vec(),
            max_early_data: r.u32("session max_early_data")?,
            client_authenticated: r.u8("session client_authenticated")? == 1,
        })
    }
}

impl ServerSessionValue {
    /// True while the session may still be resumed at `now` (Unix seconds).
    pub(crate) fn fresh(&self, now: u64) -> bool {
        now >= self.created && now - self.created <= u64::from(self.lifetime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_value_round_trips() {
        let value = ServerSessionValue {
            version: ProtocolVersion::TLSv1_3,
            suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
            secret: alloc::vec![7; 32],
            created: 1_800_000_000,
            lifetime: 7200,
            age_add: 0xdead_beef,
            extended_master_secret: true,
            server_name: b"a.test".to_vec(),
            alpn: b"h2".to_vec(),
            max_early_data: 16384,
            client_authenticated: true,
        };
        let bytes = value.get_encoding();
        assert_eq!(
            ServerSessionValue::read_bytes(&bytes, "session").unwrap(),
            value
        );
        assert!(value.fresh(1_800_000_000 + 7200));
        assert!(!value.fresh(1_800_000_000 + 7201));
        assert!(!value.fresh(1_799_999_999));
    }
}
