//! Fixed-size secret buffers that are wiped on drop, and a constant-time comparison.

use core::fmt;

use crate::crypto::{HashOutput, MAX_HASH_LEN};
use crate::error::Error;

/// Compares two byte strings without branching on their contents, so the time taken
/// does not reveal where they first differ (RFC 8446 4.4.4: Finished values must be
/// checked; a timing leak would let an attacker forge one byte at a time).
///
/// Lengths are public: strings of different lengths compare unequal at once.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold into an early-exit compare.
    core::hint::black_box(diff) == 0
}

/// Overwrites `buf` with zeros. `black_box` discourages the compiler from removing
/// the writes as dead stores (without `unsafe` volatile writes this is best effort).
pub(crate) fn wipe(buf: &mut [u8]) {
    buf.iter_mut().for_each(|b| *b = 0);
    core::hint::black_box(buf);
}

/// Up to [`MAX_HASH_LEN`] secret bytes held inline, wiped on drop, never printed.
#[derive(Clone)]
pub(crate) struct SecretBytes {
    buf: [u8; MAX_HASH_LEN],
    /// At most `MAX_HASH_LEN` (64): a byte, so the secrets a connection keeps for
    /// KeyUpdate and exporters stay small.
    len: u8,
}

impl SecretBytes {
    /// Copies `bytes`; fails (rather than truncating) when they do not fit.
    pub(crate) fn new(bytes: &[u8]) -> Result<Self, Error> {
        let mut buf = [0u8; MAX_HASH_LEN];
        let dst = buf
            .get_mut(..bytes.len())
            .ok_or(Error::Internal("secret longer than the largest hash"))?;
        dst.copy_from_slice(bytes);
        Ok(Self {
            buf,
            len: short_len(bytes.len())?,
        })
    }

    /// Takes a hash or HMAC output, then wipes nothing (the caller owns `out`).
    pub(crate) fn from_output(out: &HashOutput) -> Result<Self, Error> {
        Self::new(out.as_ref())
    }

    /// `len` zero bytes (an absent PSK or (EC)DHE input, RFC 8446 7.1).
    pub(crate) fn zeros(len: usize) -> Result<Self, Error> {
        if len > MAX_HASH_LEN {
            return Err(Error::Internal("secret longer than the largest hash"));
        }
        Ok(Self {
            buf: [0u8; MAX_HASH_LEN],
            len: short_len(len)?,
        })
    }

    /// A writable buffer of `len` bytes, to be filled by HKDF-Expand.
    pub(crate) fn filled_by(
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        let mut out = Self::zeros(len)?;
        fill(out.as_mut())?;
        Ok(out)
    }

    fn as_mut(&mut self) -> &mut [u8] {
        self.buf
            .get_mut(..usize::from(self.len))
            .unwrap_or_default()
    }
}

fn short_len(len: usize) -> Result<u8, Error> {
    u8::try_from(len).map_err(|_| Error::Internal("secret longer than the largest hash"))
}

impl AsRef<[u8]> for SecretBytes {
    fn as_ref(&self) -> &[u8] {
        self.buf.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        wipe(&mut self.buf);
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"xbc"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        // Every single-bit flip of a 32-byte value is detected.
        let a = [0x5au8; 32];
        for i in 0..32 {
            for bit in 0..8 {
                let mut b = a;
                b[i] ^= 1 << bit;
                assert!(!constant_time_eq(&a, &b));
            }
        }
    }

    #[test]
    fn secret_bytes_rejects_oversize_and_hides_contents() {
        assert!(SecretBytes::new(&[1u8; MAX_HASH_LEN + 1]).is_err());
        assert!(SecretBytes::zeros(MAX_HASH_LEN + 1).is_err());
        let s = SecretBytes::new(&[7u8; 48]).unwrap();
        assert_eq!(s.as_ref(), &[7u8; 48][..]);
        assert_eq!(alloc::format!("{s:?}"), "SecretBytes(..)");
    }
}
