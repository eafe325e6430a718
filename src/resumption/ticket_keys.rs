//! Stateless session tickets: session state sealed with AEAD under keys that rotate
//! with time and can be shared by a fleet of servers.
//!
//! The keys are not stored: each one is derived from a shared master secret and the
//! number of its time period (`epoch = unix_time / rotation_period`). Servers that
//! share the master secret (see [`TicketKeys::export`] / [`TicketKeys::import`]) seal
//! and open the same tickets with no coordination, and rotation needs no mutable
//! state: the current epoch's key seals, the `previous` epochs' keys still open.
//! With `std`, the derived keys of the epochs in use are cached, so sealing or opening
//! a ticket costs one AEAD operation, not a key derivation.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use pki_types::UnixTime;

use crate::crypto::{
    AEAD_NONCE_LEN, AEAD_TAG_LEN, AeadAlgorithm, AeadKey, CryptoProvider, Hmac, SecureRandom, hkdf,
};
use crate::error::Error;

/// Seals and opens session tickets.
pub trait ProducesTickets: Send + Sync + fmt::Debug {
    /// How long a ticket may be used, in seconds (told to clients as the ticket
    /// lifetime; at most 7 days, RFC 8446 4.6.1).
    fn lifetime(&self) -> u32;
    /// Seals `plain` into a ticket.
    fn encrypt(&self, plain: &[u8], now: UnixTime) -> Option<Vec<u8>>;
    /// Opens a ticket, or `None` if it is not ours, tampered with, or its key has
    /// rotated out.
    fn decrypt(&self, ticket: &[u8], now: UnixTime) -> Option<Vec<u8>>;
}

const MASTER_LEN: usize = 32;
const EPOCH_LEN: usize = 8;
const EXPORT_VERSION: u8 = 1;

/// Rotating ticket keys derived from a shared master secret.
pub struct TicketKeys {
    master: [u8; MASTER_LEN],
    rotation_period: u64,
    previous: u64,
    hmac: &'static dyn Hmac,
    aead: &'static dyn AeadAlgorithm,
    random: &'static dyn SecureRandom,
    /// Derived keys by epoch: the current one and the `previous` ones still opening.
    #[cfg(feature = "std")]
    cache: std::sync::RwLock<Vec<(u64, Arc<dyn AeadKey>)>>,
}

impl TicketKeys {
    /// New keys with a fresh random master secret. A key seals for `rotation_period`
    /// seconds, then opens for `previous` more periods.
    pub fn new(
        provider: &CryptoProvider,
        rotation_period: u64,
        previous: u64,
    ) -> Result<Self, Error> {
        let mut master = [0u8; MASTER_LEN];
        provider.secure_random.fill(&mut master)?;
        Self::from_master(provider, master, rotation_period, previous)
    }

    fn from_master(
        provider: &CryptoProvider,
        master: [u8; MASTER_LEN],
        rotation_period: u64,
        previous: u64,
    ) -> Result<Self, Error> {
        if rotation_period == 0 {
            return Err(Error::ApiMisuse(
                "the ticket key rotation period must be at least one second",
            ));
        }
        // Any suite's HMAC and the provider's strongest AEAD (256-bit keys preferred);
        // no algorithm is named here.
        let hmac = provider
            .tls13_cipher_suites()
            .map(|s| s.hmac)
            .chain(provider.tls12_cipher_suites().map(|s| s.hmac))
            .next()
            .ok_or(Error::Unsupported(
                "ticket keys (the provider has no cipher suite)",
            ))?;
        let aeads = || {
            provider
                .tls13_cipher_suites()
                .map(|s| s.aead)
                .chain(provider.tls12_cipher_suites().map(|s| s.aead))
        };
        let aead = aeads()
            .max_by_key(|a| a.key_len())
            .ok_or(Error::Unsupported("ticket keys (the provider has no AEAD)"))?;
        Ok(Self {
            master,
            rotation_period,
            previous,
            hmac,
            aead,
            random: provider.secure_random,
            #[cfg(feature = "std")]
            cache: std::sync::RwLock::new(Vec::new()),
        })
    }

    /// The master secret and settings as bytes, to give to the other servers of a
    /// fleet. Keep them as secret as a private key.
    pub fn export(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + MASTER_LEN + 16);
        out.push(EXPORT_VERSION);
        out.extend_from_slice(&self.master);
        out.extend_from_slice(&self.rotation_period.to_be_bytes());
        out.extend_from_slice(&self.previous.to_be_bytes());
        out
    }

    /// Keys from [`Self::export`]ed bytes.
    pub fn import(provider: &CryptoProvider, bytes: &[u8]) -> Result<Self, Error> {
        let invalid = Error::ApiMisuse("exported ticket keys are malformed");
        let (&version, rest) = bytes.split_first().ok_or(invalid.clone())?;
        if version != EXPORT_VERSION || rest.len() != MASTER_LEN + 16 {
            return Err(invalid);
        }
        let (master, settings) = rest.split_at(MASTER_LEN);
        let (period, previous) = settings.split_at(8);
        let master: [u8; MASTER_LEN] = master.try_into().map_err(|_| invalid.clone())?;
        let period = u64::from_be_bytes(period.try_into().map_err(|_| invalid.clone())?);
        let previous = u64::from_be_bytes(previous.try_into().map_err(|_| invalid)?);
        Self::from_master(provider, master, period, previous)
    }

    fn epoch(&self, now: UnixTime) -> u64 {
        now.as_secs() / self.rotation_period
    }

    /// The key of `epoch` (at most `current`), from the cache if it has it.
    #[cfg_attr(not(feature = "std"), allow(unused_variables))]
    fn key(&self, epoch: u64, current: u64) -> Option<Arc<dyn AeadKey>> {
        #[cfg(feature = "std")]
        if let Some((_, key)) = self
            .cache
            .read()
            .ok()?
            .iter()
            .find(|(cached, _)| *cached == epoch)
        {
            return Some(key.clone());
        }
        let key: Arc<dyn AeadKey> = Arc::from(self.derive(epoch)?);
        #[cfg(feature = "std")]
        if let Ok(mut cache) = self.cache.write() {
            // Keep only epochs that can still be asked for: the current one and the
            // `previous` before it (at most 17 keys, however many that is).
            let oldest = current.saturating_sub(self.previous);
            cache.retain(|(cached, _)| (oldest..=current).contains(cached));
            if cache.len() <= self.previous.min(16) as usize {
                cache.push((epoch, key.clone()));
            }
        }
        Some(key)
    }

    fn derive(&self, epoch: u64) -> Option<Box<dyn AeadKey>> {
        let prk = hkdf::extract(self.hmac, b"handclasp ticket keys", &self.master);
        let mut key = [0u8; 32];
        let key = key.get_mut(..self.aead.key_len())?;
        hkdf::expand(
            self.hmac,
            prk.as_ref(),
            &[b"epoch", &epoch.to_be_bytes()],
            key,
        )
        .ok()?;
        let sealed = self.aead.new_key(key).ok();
        key.iter_mut().for_each(|b| *b = 0);
        sealed
    }
}

impl ProducesTickets for TicketKeys {
    fn lifetime(&self) -> u32 {
        // A ticket stays usable at least `previous` periods after the one it was sealed
        // in (one period if `previous` is 0), capped at RFC 8446's 7 days.
        let span = self.rotation_period.saturating_mul(self.previous.max(1));
        u32::try_from(span).unwrap_or(u32::MAX).min(7 * 24 * 3600)
    }

    fn encrypt(&self, plain: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        // ticket = epoch (8) || nonce (12) || ciphertext || tag; the epoch is the AAD.
        let epoch = self.epoch(now).to_be_bytes();
        let mut nonce = [0u8; AEAD_NONCE_LEN];
        self.random.fill(&mut nonce).ok()?;
        let current = self.epoch(now);
        let key = self.key(current, current)?;
        let mut out = Vec::with_capacity(EPOCH_LEN + AEAD_NONCE_LEN + plain.len() + AEAD_TAG_LEN);
        out.extend_from_slice(&epoch);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let tag = key
            .seal_in_place(&nonce, &epoch, out.get_mut(EPOCH_LEN + AEAD_NONCE_LEN..)?)
            .ok()?;
        out.extend_from_slice(&tag);
        Some(out)
    }

    fn decrypt(&self, ticket: &[u8], now: UnixTime) -> Option<Vec<u8>> {
        let (epoch_bytes, rest) = ticket.split_at_checked(EPOCH_LEN)?;
        let (nonce, sealed) = rest.split_at_checked(AEAD_NONCE_LEN)?;
        let epoch = u64::from_be_bytes(epoch_bytes.try_into().ok()?);
        let current = self.epoch(now);
        // Only the current key and `previous` older ones open; a future epoch is forged.
        if epoch > current || current - epoch > self.previous {
            return None;
        }
        let nonce: [u8; AEAD_NONCE_LEN] = nonce.try_into().ok()?;
        let mut buf = sealed.to_vec();
        let len = self
            .key(epoch, current)?
            .open_in_place(&nonce, epoch_bytes, &mut buf)
            .ok()?;
        buf.truncate(len);
        Some(buf)
    }
}

impl fmt::Debug for TicketKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketKeys")
            .field("rotation_period", &self.rotation_period)
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

impl Drop for TicketKeys {
    fn drop(&mut self) {
        self.master.iter_mut().for_each(|b| *b = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ring::default_provider;

    fn at(secs: u64) -> UnixTime {
        UnixTime::since_unix_epoch(core::time::Duration::from_secs(secs))
    }

    #[test]
    fn rotation_keeps_previous_keys_for_a_while() {
        let keys = TicketKeys::new(&default_provider(), 3600, 1).unwrap();
        let ticket = keys.encrypt(b"session", at(1_000_000)).unwrap();
        assert_eq!(keys.decrypt(&ticket, at(1_000_000)).unwrap(), b"session");
        // One rotation later the old key still opens it; two rotations later it has left.
        assert_eq!(
            keys.decrypt(&ticket, at(1_000_000 + 3600)).unwrap(),
            b"session"
        );
        assert!(keys.decrypt(&ticket, at(1_000_000 + 2 * 3600)).is_none());
        // A ticket from the future is refused.
        assert!(keys.decrypt(&ticket, at(1_000_000 - 3600)).is_none());
    }

    #[test]
    fn exported_keys_open_each_others_tickets_and_tampering_fails() {
        let provider = default_provider();
        let a = TicketKeys::new(&provider, 600, 2).unwrap();
        let b = TicketKeys::import(&provider, &a.export()).unwrap();
        let ticket = a.encrypt(b"shared", at(5_000)).unwrap();
        assert_eq!(b.decrypt(&ticket, at(5_100)).unwrap(), b"shared");
        let other = TicketKeys::new(&provider, 600, 2).unwrap();
        assert!(other.decrypt(&ticket, at(5_100)).is_none());
        for i in 0..ticket.len() {
            let mut bad = ticket.clone();
            bad[i] ^= 1;
            assert!(
                a.decrypt(&bad, at(5_000)).is_none(),
                "bit flip at {i} accepted"
            );
        }
        assert!(a.decrypt(&ticket[..10], at(5_000)).is_none());
        assert!(TicketKeys::import(&provider, &[1, 2, 3]).is_err());
    }
}
