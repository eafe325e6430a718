//! Reassembling handshake messages from handshake record payloads.

use alloc::vec::Vec;

use super::{DEFAULT_MAX_HANDSHAKE_MESSAGE, HANDSHAKE_HEADER_LEN};
use crate::enums::{ContentType, HandshakeType};
use crate::error::{Error, InvalidMessage, PeerMisbehaved};

/// One whole handshake message, lent from the [`HandshakeJoiner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeMessage<'a> {
    /// The message type from its header.
    pub typ: HandshakeType,
    /// The full encoding: the 4-byte header then the body, as the transcript hashes it.
    pub encoding: &'a [u8],
}

impl<'a> HandshakeMessage<'a> {
    /// The body, without the 4-byte header.
    pub fn body(&self) -> &'a [u8] {
        self.encoding
            .get(HANDSHAKE_HEADER_LEN..)
            .unwrap_or_default()
    }
}

/// Joins handshake record payloads into whole handshake messages (RFC 8446 5.1): a
/// message may span several records and one record may hold several messages.
///
/// Each message's declared length is checked against a cap as soon as its 4-byte
/// header is in, so an oversized message fails before its body is buffered.
#[derive(Debug)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
    /// Bytes before this offset were handed out; dropped at the next push.
    start: usize,
    max_message: usize,
    /// The cap for a ClientHello, whose vectors allow it to be larger.
    max_client_hello: usize,
}

impl Default for HandshakeJoiner {
    fn default() -> Self {
        Self::new()
    }
}

impl HandshakeJoiner {
    /// A joiner capping message bodies at [`DEFAULT_MAX_HANDSHAKE_MESSAGE`] bytes.
    pub fn new() -> Self {
        Self::with_max_message_len(DEFAULT_MAX_HANDSHAKE_MESSAGE)
    }

    /// A joiner capping message bodies at `max_message` bytes.
    pub fn with_max_message_len(max_message: usize) -> Self {
        Self::with_caps(max_message, max_message)
    }

    /// A joiner capping ClientHello bodies at `max_client_hello` bytes and every other
    /// message's at `max_message`.
    pub fn with_caps(max_message: usize, max_client_hello: usize) -> Self {
        Self {
            buf: Vec::new(),
            start: 0,
            max_message,
            max_client_hello,
        }
    }

    /// Gives the buffer's allocation back if nothing is buffered, e.g. once the
    /// handshake is over and the connection goes idle. Returns true if it is empty.
    pub fn release_if_empty(&mut self) -> bool {
        if self.is_empty() {
            self.buf = Vec::new();
            self.start = 0;
            return true;
        }
        false
    }

    /// The cap on a message body.
    pub fn max_message_len(&self) -> usize {
        self.max_message
    }

    /// True when nothing is buffered: no whole message waiting and no fragment.
    pub fn is_empty(&self) -> bool {
        self.start >= self.buf.len()
    }

    /// True when the buffered bytes end inside a message (a fragment awaits the rest).
    pub fn has_partial(&self) -> bool {
        let mut at = self.start;
        while let Some(rest) = self.buf.get(at..) {
            if rest.is_empty() {
                return false;
            }
            match message_len(rest) {
                Some(len) if len <= rest.len() => at += len,
                _ => return true,
            }
        }
        false
    }

    /// The end of the last buffered message if its header is in but its body is not
    /// complete.
    fn partial_end(&self) -> Option<usize> {
        let mut at = self.start;
        loop {
            let rest = self.buf.get(at..)?;
            let len = message_len(rest)?;
            if len > rest.len() {
                return Some(at + len);
            }
            at += len;
        }
    }

    /// Fails with [`PeerMisbehaved::KeyChangeWithPendingFragment`] unless the joiner is
    /// empty. RFC 8446 5.1: handshake messages must not span a key change, so every
    /// byte received under the old keys must have formed whole, consumed messages.
    pub fn check_key_change(&self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(PeerMisbehaved::KeyChangeWithPendingFragment.into())
        }
    }

    /// Fails with [`PeerMisbehaved::InterleavedWithHandshakeFragment`] when a record of
    /// type `typ` (not handshake) arrives while a handshake message is incomplete
    /// (RFC 8446 5.1: handshake fragments must not be interleaved with other types).
    pub fn check_interleaved(&self, typ: ContentType) -> Result<(), Error> {
        if typ != ContentType::Handshake && self.has_partial() {
            Err(PeerMisbehaved::InterleavedWithHandshakeFragment(typ).into())
        } else {
            Ok(())
        }
    }

    /// Adds one handshake record's plaintext payload.
    ///
    /// Fails with [`InvalidMessage::EmptyFragment`] for an empty payload (RFC 8446 5.1:
    /// "Implementations MUST NOT send zero-length fragments of Handshake types") and
    /// with [`InvalidMessage::TooLong`] when a message header declares a body over the
    /// cap; in that case nothing of `payload` is kept.
    pub fn push(&mut self, payload: &[u8]) -> Result<(), Error> {
        if payload.is_empty() {
            return Err(InvalidMessage::EmptyFragment(ContentType::Handshake).into());
        }
        // Lazy discard of messages handed out since the last push.
        if self.start >= self.buf.len() {
            self.buf.clear();
        } else if self.start > 0 {
            self.buf.drain(..self.start);
        }
        self.start = 0;
        let before = self.buf.len();
        // Once a pending message's header is in (and was checked against the cap at
        // an earlier push), make room for exactly the rest of it: a long message
        // trickled in small records then never makes the buffer double past its
        // announced size, so it stays within the cap plus the header.
        if let Some(end) = self.partial_end() {
            let want = end.max(before + payload.len());
            self.buf.reserve_exact(want - before);
        }
        self.buf.extend_from_slice(payload);
        if let Err(e) = self.check_headers() {
            self.buf.truncate(before);
            return Err(e);
        }
        Ok(())
    }

    /// Walks the buffered messages and checks every complete header against the cap.
    fn check_headers(&self) -> Result<(), Error> {
        let mut at = self.start;
        while let Some(rest) = self.buf.get(at..) {
            let Some(header) = rest.get(..HANDSHAKE_HEADER_LEN) else {
                break;
            };
            let body_len = body_len(header);
            let (what, max) = match header.first().map(|&t| HandshakeType::from(t)) {
                Some(HandshakeType::ClientHello) => ("ClientHello", self.max_client_hello),
                _ => ("handshake message", self.max_message),
            };
            if body_len > max {
                return Err(InvalidMessage::TooLong {
                    what,
                    len: body_len,
                    max,
                }
                .into());
            }
            at += HANDSHAKE_HEADER_LEN + body_len;
        }
        Ok(())
    }

    /// The next whole message, or `None` until more records arrive. The message stays
    /// lent from the joiner's buffer until the next call.
    pub fn next_message(&mut self) -> Option<HandshakeMessage<'_>> {
        let rest = self.buf.get(self.start..)?;
        let len = message_len(rest)?;
        let encoding = rest.get(..len)?;
        let typ = HandshakeType::from(*encoding.first()?);
        self.start += len;
        Some(HandshakeMessage { typ, encoding })
    }
}

/// The 24-bit body length from a 4-byte handshake header.
fn body_len(header: &[u8]) -> usize {
    match header {
        [_, a, b, c, ..] => (usize::from(*a) << 16) | (usize::from(*b) << 8) | usize::from(*c),
        _ => 0,
    }
}

/// The full length (header + body) of the message at the front, once its header is in.
fn message_len(bytes: &[u8]) -> Option<usize> {
    let header = bytes.get(..HANDSHAKE_HEADER_LEN)?;
    Some(HANDSHAKE_HEADER_LEN + body_len(header))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trickled_message_never_doubles_the_buffer() {
        let max = DEFAULT_MAX_HANDSHAKE_MESSAGE;
        let mut joiner = HandshakeJoiner::new();
        let len_bytes = (max as u32).to_be_bytes();
        joiner.push(&[11]).unwrap();
        joiner.push(&len_bytes[1..]).unwrap();
        for _ in 0..max - 1 {
            joiner.push(&[0x5a]).unwrap();
            assert!(joiner.buf.capacity() <= HANDSHAKE_HEADER_LEN + max);
        }
        assert!(joiner.next_message().is_none());
        joiner.push(&[0x5a]).unwrap();
        assert_eq!(joiner.buf.capacity(), HANDSHAKE_HEADER_LEN + max);
        let msg = joiner.next_message().unwrap();
        assert_eq!(msg.body().len(), max);
    }
}
