//! Bounded in-memory session stores (least recently used entries are evicted).

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use std::sync::Mutex;

use super::{
    AntiReplay, ClientSessionStore, StoresServerSessions, Tls12ClientSession, Tls13ClientSession,
};

/// A small LRU map: the most recently used entry is at the back. Linear search is
/// fine at the sizes session caches use (hundreds of entries).
#[derive(Debug)]
struct Lru<K, V> {
    entries: VecDeque<(K, V)>,
    capacity: usize,
}

impl<K: PartialEq, V> Lru<K, V> {
    fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    fn position<Q: ?Sized + PartialEq>(&self, key: &Q) -> Option<usize>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.entries.iter().position(|(k, _)| k.borrow() == key)
    }

    /// The entry for `key`, moved to the back (most recently used).
    fn get_mut<Q: ?Sized + PartialEq>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: core::borrow::Borrow<Q>,
    {
        let entry = self.entries.remove(self.position(key)?)?;
        self.entries.push_back(entry);
        self.entries.back_mut().map(|(_, v)| v)
    }

    fn insert(&mut self, key: K, value: V) {
        if let Some(i) = self.position(&key) {
            self.entries.remove(i);
        }
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back((key, value));
    }

    fn remove<Q: ?Sized + PartialEq>(&mut self, key: &Q) -> Option<V>
    where
        K: core::borrow::Borrow<Q>,
    {
        self.entries.remove(self.position(key)?).map(|(_, v)| v)
    }
}

/// The default server store: at most `capacity` sessions, LRU-evicted.
#[derive(Debug)]
pub struct ServerSessionMemoryCache(Mutex<Lru<Vec<u8>, Vec<u8>>>);

impl ServerSessionMemoryCache {
    /// A store of at most `capacity` sessions.
    pub fn new(capacity: usize) -> Self {
        Self(Mutex::new(Lru::new(capacity)))
    }
}

impl StoresServerSessions for ServerSessionMemoryCache {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        self.0.lock().map(|mut lru| lru.insert(key, value)).is_ok()
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.lock().ok()?.get_mut(key).cloned()
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.lock().ok()?.remove(key)
    }
}

/// The default 0-RTT replay guard: remembers each ticket for as long as a replay of
/// its ClientHello could pass the ticket-age check, at most `capacity` tickets; when
/// full it refuses 0-RTT rather than forget. One guard protects one process (see
/// [`AntiReplay`]).
#[derive(Debug)]
pub struct MemoryAntiReplay {
    /// Each ticket with the last second a replay of it could be accepted.
    seen: Mutex<Vec<(Vec<u8>, u64)>>,
    capacity: usize,
}

impl MemoryAntiReplay {
    /// A guard for at most `capacity` tickets at once.
    pub fn new(capacity: usize) -> Self {
        Self {
            seen: Mutex::new(Vec::new()),
            capacity: capacity.max(1),
        }
    }
}

impl AntiReplay for MemoryAntiReplay {
    fn first_use(&self, ticket: &[u8], now: u64, until: u64) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return false;
        };
        seen.retain(|(_, until)| *until >= now);
        if seen.iter().any(|(t, _)| t == ticket) || seen.len() >= self.capacity {
            return false;
        }
        seen.push((ticket.to_vec(), until));
        true
    }
}

#[derive(Debug, Default)]
struct ServerEntry {
    tls13: VecDeque<Tls13ClientSession>,
    tls12: Option<Tls12ClientSession>,
}

/// The default client store: sessions for at most `max_servers` server names (LRU),
/// and at most `tickets_per_server` TLS 1.3 tickets each (the oldest dropped first).
#[derive(Debug)]
pub struct ClientSessionMemoryCache {
    servers: Mutex<Lru<String, ServerEntry>>,
    tickets_per_server: usize,
}

impl ClientSessionMemoryCache {
    /// A store bounded as described above.
    pub fn new(max_servers: usize, tickets_per_server: usize) -> Self {
        Self {
            servers: Mutex::new(Lru::new(max_servers)),
            tickets_per_server: tickets_per_server.max(1),
        }
    }

    fn with_entry<T>(&self, server_name: &str, f: impl FnOnce(&mut ServerEntry) -> T) -> Option<T> {
        let mut servers = self.servers.lock().ok()?;
        if servers.get_mut(server_name).is_none() {
            servers.insert(String::from(server_name), ServerEntry::default());
        }
        servers.get_mut(server_name).map(f)
    }
}

impl Default for ClientSessionMemoryCache {
    /// 256 servers, 8 tickets each.
    fn default() -> Self {
        Self::new(256, 8)
    }
}

impl ClientSessionStore for ClientSessionMemoryCache {
    fn insert_tls13_ticket(&self, server_name: &str, ticket: Tls13ClientSession) {
        let limit = self.tickets_per_server;
        self.with_entry(server_name, |entry| {
            while entry.tls13.len() >= limit {
                entry.tls13.pop_front();
            }
            entry.tls13.push_back(ticket);
        });
    }

    fn take_tls13_ticket(&self, server_name: &str) -> Option<Tls13ClientSession> {
        self.servers
            .lock()
            .ok()?
            .get_mut(server_name)?
            .tls13
            .pop_back()
    }

    fn set_tls12_session(&self, server_name: &str, session: Tls12ClientSession) {
        self.with_entry(server_name, |entry| entry.tls12 = Some(session));
    }

    fn tls12_session(&self, server_name: &str) -> Option<Tls12ClientSession> {
        self.servers
            .lock()
            .ok()?
            .get_mut(server_name)?
            .tls12
            .clone()
    }

    fn remove_tls12_session(&self, server_name: &str) {
        if let Ok(mut servers) = self.servers.lock() {
            if let Some(entry) = servers.get_mut(server_name) {
                entry.tls12 = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anti_replay_accepts_each_ticket_once_and_fails_safe_when_full() {
        let guard = MemoryAntiReplay::new(2);
        assert!(guard.first_use(b"a", 100, 110));
        assert!(!guard.first_use(b"a", 101, 111), "a replay is refused");
        assert!(guard.first_use(b"b", 102, 130));
        assert!(
            !guard.first_use(b"c", 103, 113),
            "full: refuse rather than forget"
        );
        assert!(
            !guard.first_use(b"a", 110, 120),
            "a is remembered through its last acceptable second"
        );
        assert!(
            guard.first_use(b"c", 111, 121),
            "a's window has passed and it is dropped"
        );
        assert!(
            !guard.first_use(b"b", 130, 140),
            "each ticket keeps its own window"
        );
    }

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let cache = ServerSessionMemoryCache::new(2);
        assert!(cache.put(b"a".to_vec(), b"1".to_vec()));
        assert!(cache.put(b"b".to_vec(), b"2".to_vec()));
        assert_eq!(cache.get(b"a"), Some(b"1".to_vec())); // a is now the most recent
        assert!(cache.put(b"c".to_vec(), b"3".to_vec())); // evicts b
        assert_eq!(cache.get(b"b"), None);
        assert_eq!(cache.take(b"a"), Some(b"1".to_vec()));
        assert_eq!(cache.take(b"a"), None);
        assert_eq!(cache.get(b"c"), Some(b"3".to_vec()));
    }

    fn ticket(n: u8) -> Tls13ClientSession {
        Tls13ClientSession {
            suite: crate::enums::CipherSuite::TLS13_AES_128_GCM_SHA256,
            ticket: alloc::vec![n],
            psk: alloc::vec![n; 32],
            age_add: 0,
            received_ms: 0,
            lifetime: 60,
            max_early_data: 0,
            alpn: None,
        }
    }

    #[test]
    fn client_tickets_are_single_use_and_bounded() {
        let cache = ClientSessionMemoryCache::new(2, 2);
        for n in 0..3 {
            cache.insert_tls13_ticket("a.test", ticket(n));
        }
        assert_eq!(cache.take_tls13_ticket("a.test").unwrap().ticket, [2]);
        assert_eq!(cache.take_tls13_ticket("a.test").unwrap().ticket, [1]);
        assert!(
            cache.take_tls13_ticket("a.test").is_none(),
            "ticket 0 was dropped for the limit"
        );
        cache.insert_tls13_ticket("b.test", ticket(9));
        cache.insert_tls13_ticket("c.test", ticket(9));
        cache.insert_tls13_ticket("d.test", ticket(9));
        assert!(
            cache.take_tls13_ticket("b.test").is_none(),
            "b.test was evicted"
        );
    }
}
