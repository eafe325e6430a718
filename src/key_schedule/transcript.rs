//! The handshake transcript hash (RFC 8446 4.4.1, RFC 5246 7.4.9).
//!
//! Two typed stages: a [`HandshakeHashBuffer`] collects messages while the hash is not
//! yet known (before the cipher suite is chosen), then [`HandshakeHashBuffer::start_hash`]
//! turns it into a [`HandshakeHash`] that hashes incrementally. Queries fork the running
//! hash context, so the transcript is never re-hashed from the start.
//!
//! Every input is a complete encoded handshake message, header included (type and
//! 24-bit length), exactly as it appears on the wire (RFC 8446 4.4.1).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use crate::crypto::{Hash, HashContext, HashOutput};
use crate::enums::HandshakeType;

/// The transcript before the hash algorithm is known: the raw messages.
#[derive(Default)]
pub struct HandshakeHashBuffer {
    buffer: Vec<u8>,
    /// A hash already running over the messages, started for a PSK binder under the
    /// PSK's hash (see [`Self::hash_for_binder`]).
    early: Option<EarlyHash>,
}

/// A hash context started before the suite is known, under the hash of an offered
/// PSK. A server accepting the PSK must choose a suite with that hash
/// (RFC 8446 4.2.11), so in the common case the ClientHello is hashed only once.
struct EarlyHash {
    hash: &'static dyn Hash,
    ctx: Box<dyn HashContext>,
    /// Bytes at the start of the next message that were hashed already (the
    /// ClientHello before its binders).
    hashed_ahead: usize,
}

impl HandshakeHashBuffer {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one encoded handshake message.
    pub fn add_message(&mut self, encoded: &[u8]) {
        self.buffer.extend_from_slice(encoded);
        if let Some(early) = &mut self.early {
            early
                .ctx
                .update(encoded.get(early.hashed_ahead..).unwrap_or_default());
            early.hashed_ahead = 0;
        }
    }

    /// The hash, under the PSK's `hash`, of the transcript so far followed by
    /// `truncated`: the ClientHello up to and excluding its binders list
    /// (RFC 8446 4.2.11.2). Unlike [`Self::hash_given`], the hash keeps running: the
    /// next [`Self::add_message`] must be that ClientHello, whole, and only its
    /// binders are hashed then. [`Self::start_hash`] with the same hash goes on from
    /// there instead of hashing the ClientHello again.
    pub fn hash_for_binder(&mut self, hash: &'static dyn Hash, truncated: &[u8]) -> HashOutput {
        let mut ctx = hash.start();
        ctx.update(&self.buffer);
        ctx.update(truncated);
        let binder_hash = ctx.current();
        self.early = Some(EarlyHash {
            hash,
            ctx,
            hashed_ahead: truncated.len(),
        });
        binder_hash
    }

    /// The running early hash, if it is under `hash` and covers every message.
    fn early_under(&self, hash: &'static dyn Hash) -> Option<&EarlyHash> {
        self.early.as_ref().filter(|e| e.covers_all_under(hash))
    }

    /// The hash, under `hash`, of the transcript so far followed by `extra` — which is
    /// not added. For PSK binders (RFC 8446 4.2.11.2): `extra` is the ClientHello up to
    /// and excluding the binders list, and the PSK's hash may differ from the suite that
    /// will be negotiated.
    pub fn hash_given(&self, hash: &'static dyn Hash, extra: &[u8]) -> HashOutput {
        if let Some(early) = self.early_under(hash) {
            let mut ctx = early.ctx.fork();
            ctx.update(extra);
            return ctx.finish();
        }
        if self.buffer.is_empty() {
            // The first ClientHello's binder: one-shot, no hash context to allocate.
            return hash.hash(extra);
        }
        let mut ctx = hash.start();
        ctx.update(&self.buffer);
        ctx.update(extra);
        ctx.finish()
    }

    /// Starts hashing with the negotiated suite's hash; the raw messages are dropped.
    pub fn start_hash(self, hash: &'static dyn Hash) -> HandshakeHash {
        self.start(hash, false)
    }

    /// Like [`Self::start_hash`], but keeps a copy of every message from the start.
    ///
    /// TLS 1.2 client authentication needs it: the client's CertificateVerify signs
    /// the concatenation of all handshake messages, not their hash (RFC 5246 7.4.8),
    /// and whether the server asks for a certificate is only known later. Call
    /// [`HandshakeHash::drop_raw`] once it is clear the copy is not needed.
    pub fn start_hash_keeping_raw(self, hash: &'static dyn Hash) -> HandshakeHash {
        self.start(hash, true)
    }

    fn start(mut self, hash: &'static dyn Hash, keep_raw: bool) -> HandshakeHash {
        let ctx = match self.early.take() {
            Some(early) if early.covers_all_under(hash) => early.ctx,
            _ => {
                let mut ctx = hash.start();
                ctx.update(&self.buffer);
                ctx
            }
        };
        HandshakeHash {
            hash,
            ctx,
            raw: keep_raw.then_some(self.buffer),
        }
    }
}

impl EarlyHash {
    fn covers_all_under(&self, hash: &'static dyn Hash) -> bool {
        self.hashed_ahead == 0 && self.hash.algorithm() == hash.algorithm()
    }
}

impl fmt::Debug for HandshakeHashBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandshakeHashBuffer")
            .field("len", &self.buffer.len())
            .finish()
    }
}

/// The running transcript hash, once the hash algorithm is known.
pub struct HandshakeHash {
    hash: &'static dyn Hash,
    ctx: Box<dyn HashContext>,
    raw: Option<Vec<u8>>,
}

impl HandshakeHash {
    /// Appends one encoded handshake message.
    pub fn add_message(&mut self, encoded: &[u8]) {
        self.ctx.update(encoded);
        if let Some(raw) = &mut self.raw {
            raw.extend_from_slice(encoded);
        }
    }

    /// Transcript-Hash of every message added so far (RFC 8446 4.4.1).
    pub fn current(&self) -> HashOutput {
        self.ctx.current()
    }

    /// The hash of the transcript followed by `extra`, which is not added (PSK binders
    /// in a second ClientHello after HelloRetryRequest, RFC 8446 4.2.11.2).
    pub fn hash_given(&self, extra: &[u8]) -> HashOutput {
        let mut ctx = self.ctx.fork();
        ctx.update(extra);
        ctx.finish()
    }

    /// Applies the HelloRetryRequest rule of RFC 8446 4.4.1: the transcript so far
    /// (which must be exactly ClientHello1) is replaced by the synthetic message
    /// `message_hash || 00 00 Hash.length || Hash(ClientHello1)`. Call it after adding
    /// ClientHello1 and before adding the HelloRetryRequest.
    pub fn rollup_for_hrr(&mut self) {
        let ch1_hash = self.ctx.current();
        let digest = ch1_hash.as_ref();
        let mut ctx = self.hash.start();
        // The synthetic handshake header: type message_hash (254), a 24-bit length whose
        // top two bytes are zero because a hash is at most 64 bytes.
        let len = u8::try_from(digest.len()).unwrap_or(u8::MAX);
        let header = [u8::from(HandshakeType::MessageHash), 0, 0, len];
        ctx.update(&header);
        ctx.update(digest);
        self.ctx = ctx;
        if let Some(raw) = &mut self.raw {
            raw.clear();
            raw.extend_from_slice(&header);
            raw.extend_from_slice(digest);
        }
    }

    /// The hash algorithm in use.
    pub fn algorithm(&self) -> &'static dyn Hash {
        self.hash
    }

    /// Every message added so far, if kept (see
    /// [`HandshakeHashBuffer::start_hash_keeping_raw`]).
    pub fn raw_transcript(&self) -> Option<&[u8]> {
        self.raw.as_deref()
    }

    /// Stops keeping (and frees) the raw copy of the transcript.
    pub fn drop_raw(&mut self) {
        self.raw = None;
    }
}

impl fmt::Debug for HandshakeHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandshakeHash")
            .field("hash", &self.hash.algorithm())
            .field("keeps_raw", &self.raw.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ring::{SHA256, SHA384};

    const HELLO: &[u8] = b"\x01\x00\x00\x10truncated hello.binders";
    const CUT: usize = 4 + 16;

    fn plain(hash: &'static dyn Hash, data: &[u8]) -> HashOutput {
        hash.hash(data)
    }

    #[test]
    fn binder_hash_keeps_running_into_the_transcript() {
        let mut t = HandshakeHashBuffer::new();
        let (truncated, _) = HELLO.split_at(CUT);
        assert_eq!(
            t.hash_for_binder(&SHA256, truncated).as_ref(),
            plain(&SHA256, truncated).as_ref()
        );
        t.add_message(HELLO);
        assert_eq!(
            t.hash_given(&SHA256, b"more").as_ref(),
            plain(&SHA256, b"\x01\x00\x00\x10truncated hello.bindersmore").as_ref()
        );
        let mut running = t.start_hash(&SHA256);
        running.add_message(b"server hello");
        let mut whole = HELLO.to_vec();
        whole.extend_from_slice(b"server hello");
        assert_eq!(running.current().as_ref(), plain(&SHA256, &whole).as_ref());
    }

    #[test]
    fn another_hash_starts_from_the_messages() {
        let mut t = HandshakeHashBuffer::new();
        t.hash_for_binder(&SHA384, HELLO.get(..CUT).unwrap());
        t.add_message(HELLO);
        assert_eq!(
            t.hash_given(&SHA256, &[]).as_ref(),
            plain(&SHA256, HELLO).as_ref()
        );
        let running = t.start_hash_keeping_raw(&SHA256);
        assert_eq!(running.current().as_ref(), plain(&SHA256, HELLO).as_ref());
        assert_eq!(running.raw_transcript(), Some(HELLO));
    }
}
