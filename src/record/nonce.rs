//! Record sequence numbers and per-record nonces.

use crate::crypto::AEAD_NONCE_LEN;
use crate::error::Error;

/// A record sequence number that never wraps (RFC 8446 5.3, RFC 5246 6.1).
///
/// Numbers `0..u64::MAX` may be used; once the counter reaches `u64::MAX` every further
/// record is refused with [`Error::SequenceNumberExhausted`], and the connection must
/// end (or, in TLS 1.3, should long before have updated its keys).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Sequence(u64);

impl Sequence {
    /// The number the next record will use.
    pub(crate) fn get(self) -> u64 {
        self.0
    }

    /// Sets the next number (tests use this to reach the end of the space).
    pub(crate) fn set(&mut self, seq: u64) {
        self.0 = seq;
    }

    /// The number for the next record, or the exhaustion error.
    pub(crate) fn current(self) -> Result<u64, Error> {
        if self.0 == u64::MAX {
            Err(Error::SequenceNumberExhausted)
        } else {
            Ok(self.0)
        }
    }

    /// Moves on after a record used [`Sequence::current`].
    pub(crate) fn advance(&mut self) {
        self.0 = self.0.saturating_add(1);
    }
}

/// The per-record nonce: the 12-byte IV XOR the sequence number, left-padded to 12
/// bytes (RFC 8446 5.3, RFC 7905 2). With a TLS 1.2 GCM IV of `salt || 0^8` this is
/// also `salt || seq`, the RFC 5288 3 nonce when the explicit part is the sequence
/// number.
pub(crate) fn xor_nonce(iv: &[u8; AEAD_NONCE_LEN], seq: u64) -> [u8; AEAD_NONCE_LEN] {
    let mut nonce = *iv;
    let seq = seq.to_be_bytes();
    for (n, s) in nonce.iter_mut().skip(AEAD_NONCE_LEN - 8).zip(seq) {
        *n ^= s;
    }
    nonce
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_xors_the_low_eight_bytes() {
        let iv = [0xffu8; 12];
        let n = xor_nonce(&iv, 0x0102_0304_0506_0708);
        assert_eq!(
            n,
            [
                0xff, 0xff, 0xff, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7
            ]
        );
    }

    #[test]
    fn sequence_stops_before_wrapping() {
        let mut s = Sequence::default();
        s.set(u64::MAX - 1);
        assert_eq!(s.current(), Ok(u64::MAX - 1));
        s.advance();
        assert_eq!(s.current(), Err(Error::SequenceNumberExhausted));
        s.advance();
        assert_eq!(s.get(), u64::MAX);
    }
}
