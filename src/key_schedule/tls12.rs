//! The TLS 1.2 key schedule: the PRF (RFC 5246 5), the master secret with extended
//! master secret (RFC 7627 4), the key block (RFC 5246 6.3), Finished verify_data
//! (RFC 5246 7.4.9) and keying-material exporters (RFC 5705).
//!
//! Only AEAD suites are supported, so the key block holds no MAC keys.

use core::fmt;

use super::secret::{constant_time_eq, wipe};
use crate::crypto::{AEAD_NONCE_LEN, Hmac, HmacKey, SharedSecret, Tls12CipherSuite};
use crate::error::Error;

/// The length of a TLS 1.2 master secret (RFC 5246 8.1).
pub const MASTER_SECRET_LEN: usize = 48;
/// The length of TLS 1.2 Finished verify_data for every suite we offer (RFC 5246 7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;
/// The longest AEAD key any supported suite uses (AES-256, ChaCha20).
pub const MAX_KEY_LEN: usize = 32;

/// How many seed parts [`p_hash`] accepts (exporter: two randoms, a length, a context).
const MAX_SEED_PARTS: usize = 4;

/// The TLS 1.2 PRF (RFC 5246 5): `PRF(secret, label, seed) = P_<hash>(secret, label +
/// seed)`, filling `out`. The hash is the one behind `hmac` (the suite's PRF hash).
pub fn prf(
    hmac: &dyn Hmac,
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    p_hash(hmac, secret, label, &[seed], out)
}

/// P_hash (RFC 5246 5) over `label || seeds[0] || seeds[1] ...`, without concatenating
/// the seed (HMAC takes its input in parts):
///
/// ```text
/// A(0) = label + seed,   A(i) = HMAC(secret, A(i-1))
/// P_hash = HMAC(secret, A(1) + label + seed) + HMAC(secret, A(2) + label + seed) + ...
/// ```
fn p_hash(
    hmac: &dyn Hmac,
    secret: &[u8],
    label: &[u8],
    seeds: &[&[u8]],
    out: &mut [u8],
) -> Result<(), Error> {
    if seeds.len() > MAX_SEED_PARTS {
        return Err(Error::Internal("PRF seed has too many parts"));
    }
    // HMAC is keyed once for all the blocks (two per output block), on the stack
    // when the provider allows it.
    crate::crypto::hkdf::with_prepared_key_checked(hmac, secret, &mut |key| {
        p_hash_with(key, hmac, label, seeds, out)
    })
}

fn p_hash_with(
    key: &dyn HmacKey,
    hmac: &dyn Hmac,
    label: &[u8],
    seeds: &[&[u8]],
    out: &mut [u8],
) -> Result<(), Error> {
    let sign = |parts: &[&[u8]]| key.sign(parts);
    // Slot 0 is left for A(i); then the label and the seed parts.
    let mut parts: [&[u8]; MAX_SEED_PARTS + 2] = [&[]; MAX_SEED_PARTS + 2];
    let used = seeds.len() + 2;
    for (slot, part) in parts
        .iter_mut()
        .skip(1)
        .zip(core::iter::once(&label).chain(seeds))
    {
        *slot = part;
    }
    let label_and_seed = parts.get(1..used).unwrap_or_default();
    let mut a = sign(label_and_seed);
    for chunk in out.chunks_mut(hmac.hash_output_len()) {
        let mut block_parts = parts;
        block_parts[0] = a.as_ref();
        let block = sign(block_parts.get(..used).unwrap_or_default());
        let bytes = block
            .as_ref()
            .get(..chunk.len())
            .ok_or(Error::Internal("HMAC output shorter than its hash length"))?;
        chunk.copy_from_slice(bytes);
        a = sign(&[a.as_ref()]);
    }
    Ok(())
}

/// Which side sent a Finished message (its PRF label differs, RFC 5246 7.4.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// "client finished"
    Client,
    /// "server finished"
    Server,
}

/// A TLS 1.2 master secret and the suite it belongs to. Wiped on drop.
pub struct MasterSecret {
    suite: &'static Tls12CipherSuite,
    secret: [u8; MASTER_SECRET_LEN],
}

impl MasterSecret {
    /// The extended master secret (RFC 7627 4):
    /// `PRF(pre_master_secret, "extended master secret", session_hash)[0..47]`, where
    /// `session_hash` is the hash of the handshake messages up to and including
    /// ClientKeyExchange (RFC 7627 3).
    pub fn extended(
        suite: &'static Tls12CipherSuite,
        pre_master_secret: &SharedSecret,
        session_hash: &[u8],
    ) -> Result<Self, Error> {
        Self::derive(
            suite,
            pre_master_secret,
            b"extended master secret",
            &[session_hash],
        )
    }

    /// The classic master secret (RFC 5246 8.1):
    /// `PRF(pre_master_secret, "master secret", ClientHello.random +
    /// ServerHello.random)[0..47]`. We never negotiate a session without extended
    /// master secret; this exists for known-answer tests and comparison.
    pub fn classic(
        suite: &'static Tls12CipherSuite,
        pre_master_secret: &SharedSecret,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Result<Self, Error> {
        Self::derive(
            suite,
            pre_master_secret,
            b"master secret",
            &[client_random, server_random],
        )
    }

    /// A master secret restored from a stored session (for resumption).
    pub fn from_bytes(suite: &'static Tls12CipherSuite, bytes: &[u8; MASTER_SECRET_LEN]) -> Self {
        Self {
            suite,
            secret: *bytes,
        }
    }

    fn derive(
        suite: &'static Tls12CipherSuite,
        pre_master_secret: &SharedSecret,
        label: &[u8],
        seeds: &[&[u8]],
    ) -> Result<Self, Error> {
        let mut secret = [0u8; MASTER_SECRET_LEN];
        p_hash(
            suite.hmac,
            pre_master_secret.secret_bytes(),
            label,
            seeds,
            &mut secret,
        )?;
        Ok(Self { suite, secret })
    }

    /// The suite this secret belongs to.
    pub fn suite(&self) -> &'static Tls12CipherSuite {
        self.suite
    }

    /// The master secret itself, to store a session or for key logging. Never send it.
    pub fn secret_bytes(&self) -> &[u8; MASTER_SECRET_LEN] {
        &self.secret
    }

    /// The key block (RFC 5246 6.3):
    /// `PRF(master_secret, "key expansion", server_random + client_random)`, cut into
    /// client/server write keys (`aead.key_len()` each) then client/server write IVs
    /// (`nonce.fixed_iv_len()` each). AEAD suites have no MAC keys.
    pub fn key_block(
        &self,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Result<Tls12Keys, Error> {
        let key_len = self.suite.aead.key_len();
        let iv_len = self.suite.nonce.fixed_iv_len();
        if key_len > MAX_KEY_LEN || iv_len > AEAD_NONCE_LEN {
            return Err(Error::Unsupported(
                "a TLS 1.2 key or IV longer than the key block allows",
            ));
        }
        let mut block = [0u8; 2 * MAX_KEY_LEN + 2 * AEAD_NONCE_LEN];
        let total = 2 * key_len + 2 * iv_len;
        let filled = block
            .get_mut(..total)
            .ok_or(Error::Internal("key block too long"))?;
        p_hash(
            self.suite.hmac,
            &self.secret,
            b"key expansion",
            &[server_random, client_random],
            filled,
        )?;
        let mut keys = Tls12Keys {
            client_key: [0; MAX_KEY_LEN],
            server_key: [0; MAX_KEY_LEN],
            key_len,
            client_iv: [0; AEAD_NONCE_LEN],
            server_iv: [0; AEAD_NONCE_LEN],
            iv_len,
        };
        let mut rest: &[u8] = filled;
        for (dst, len) in [
            (&mut keys.client_key[..], key_len),
            (&mut keys.server_key[..], key_len),
            (&mut keys.client_iv[..], iv_len),
            (&mut keys.server_iv[..], iv_len),
        ] {
            let (src, tail) = rest
                .split_at_checked(len)
                .ok_or(Error::Internal("key block too short"))?;
            dst.get_mut(..len)
                .ok_or(Error::Internal("key block slot too short"))?
                .copy_from_slice(src);
            rest = tail;
        }
        wipe(&mut block);
        Ok(keys)
    }

    /// Finished verify_data (RFC 5246 7.4.9):
    /// `PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`.
    pub fn verify_data(
        &self,
        sender: Sender,
        handshake_hash: &[u8],
    ) -> Result<[u8; VERIFY_DATA_LEN], Error> {
        let label: &[u8] = match sender {
            Sender::Client => b"client finished",
            Sender::Server => b"server finished",
        };
        let mut out = [0u8; VERIFY_DATA_LEN];
        prf(
            self.suite.hmac,
            &self.secret,
            label,
            handshake_hash,
            &mut out,
        )?;
        Ok(out)
    }

    /// Checks a received verify_data in constant time; a mismatch is
    /// [`Error::BadFinished`] (decrypt_error, RFC 5246 7.4.9).
    pub fn check_verify_data(
        &self,
        sender: Sender,
        handshake_hash: &[u8],
        received: &[u8],
    ) -> Result<(), Error> {
        let expected = self.verify_data(sender, handshake_hash)?;
        if constant_time_eq(&expected, received) {
            Ok(())
        } else {
            Err(Error::BadFinished)
        }
    }

    /// Keying material exporter (RFC 5705 4): `PRF(master_secret, label,
    /// client_random + server_random [+ context_length + context])`, filling `out`.
    /// Unlike TLS 1.3, an absent context (`None`) and an empty one differ.
    pub fn export(
        &self,
        label: &[u8],
        context: Option<&[u8]>,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
        out: &mut [u8],
    ) -> Result<(), Error> {
        match context {
            None => p_hash(
                self.suite.hmac,
                &self.secret,
                label,
                &[client_random, server_random],
                out,
            ),
            Some(context) => {
                // RFC 5705 4: the context length is a uint16.
                let len = u16::try_from(context.len())
                    .map_err(|_| Error::ApiMisuse("exporter context longer than 65535 bytes"))?
                    .to_be_bytes();
                p_hash(
                    self.suite.hmac,
                    &self.secret,
                    label,
                    &[client_random, server_random, &len, context],
                    out,
                )
            }
        }
    }
}

impl Drop for MasterSecret {
    fn drop(&mut self) {
        wipe(&mut self.secret);
    }
}

impl fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterSecret")
            .field("suite", &self.suite.suite)
            .finish_non_exhaustive()
    }
}

/// The record keys of a TLS 1.2 connection, from the key block. Wiped on drop.
pub struct Tls12Keys {
    client_key: [u8; MAX_KEY_LEN],
    server_key: [u8; MAX_KEY_LEN],
    key_len: usize,
    client_iv: [u8; AEAD_NONCE_LEN],
    server_iv: [u8; AEAD_NONCE_LEN],
    iv_len: usize,
}

impl Tls12Keys {
    /// client_write_key.
    pub fn client_key(&self) -> &[u8] {
        self.client_key.get(..self.key_len).unwrap_or_default()
    }

    /// server_write_key.
    pub fn server_key(&self) -> &[u8] {
        self.server_key.get(..self.key_len).unwrap_or_default()
    }

    /// client_write_IV: the implicit part of the nonce (4 bytes for AES-GCM, RFC 5288
    /// 3; 12 bytes for ChaCha20-Poly1305, RFC 7905 2).
    pub fn client_iv(&self) -> &[u8] {
        self.client_iv.get(..self.iv_len).unwrap_or_default()
    }

    /// server_write_IV (see [`Self::client_iv`]).
    pub fn server_iv(&self) -> &[u8] {
        self.server_iv.get(..self.iv_len).unwrap_or_default()
    }
}

impl Drop for Tls12Keys {
    fn drop(&mut self) {
        wipe(&mut self.client_key);
        wipe(&mut self.server_key);
        wipe(&mut self.client_iv);
        wipe(&mut self.server_iv);
    }
}

impl fmt::Debug for Tls12Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tls12Keys(..)")
    }
}
