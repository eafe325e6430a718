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
}

impl HandshakeHashBuffer {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one encoded handshake message.
    pub fn add_message(&mut self, encoded: &[u8]) {
        self.buffer.extend_from_slice(encoded);
    }

    /// The hash, under `hash`, of the transcript so far followed by `extra` — which is
    /// not added. For PSK binders (RFC 8446 4.2.11.2): `extra` is the ClientHello up to
    /// and excluding the binders list, and the PSK's hash may differ from the suite that
    /// will be negotiated.
    pub fn hash_given(&self, hash: &'static dyn Hash, extra: &[u8]) -> HashOutput {
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

    fn start(self, hash: &'static dyn Hash, keep_raw: bool) -> HandshakeHash {
        let mut ctx = hash.start();
        ctx.update(&self.buffer);
        HandshakeHash {
            hash,
            ctx,
            raw: keep_raw.then_some(self.buffer),
        }
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
