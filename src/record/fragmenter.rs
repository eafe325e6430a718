//! Splitting outgoing plaintext into record-sized fragments.

use alloc::vec::Vec;
use core::slice::Chunks;

use super::{HEADER_LEN, MAX_PLAINTEXT};
use crate::enums::ContentType;
use crate::error::Error;

/// Splits plaintext into fragments of at most `max_fragment` bytes each.
///
/// The default is [`MAX_PLAINTEXT`] (2^14, RFC 8446 5.1). A peer's RFC 8449
/// `record_size_limit` lowers it (in TLS 1.3 the limit counts the inner content type
/// byte, so the fragment size is the limit minus one). Empty input produces no
/// fragment at all: no empty handshake fragment (RFC 8446 5.1 forbids them) and no
/// record for an empty application-data write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragmenter {
    max_fragment: usize,
}

impl Default for Fragmenter {
    fn default() -> Self {
        Self {
            max_fragment: MAX_PLAINTEXT,
        }
    }
}

impl Fragmenter {
    /// A fragmenter producing fragments of up to 2^14 bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fragmenter producing fragments of up to `max_fragment` bytes, which must be in
    /// `1..=MAX_PLAINTEXT`; anything else is [`Error::ApiMisuse`].
    pub fn with_max_fragment(max_fragment: usize) -> Result<Self, Error> {
        let mut f = Self::default();
        f.set_max_fragment(max_fragment)?;
        Ok(f)
    }

    /// Changes the fragment size (see [`Fragmenter::with_max_fragment`]).
    pub fn set_max_fragment(&mut self, max_fragment: usize) -> Result<(), Error> {
        if max_fragment == 0 || max_fragment > MAX_PLAINTEXT {
            return Err(Error::ApiMisuse(
                "the maximum fragment size must be between 1 and 16384 bytes",
            ));
        }
        self.max_fragment = max_fragment;
        Ok(())
    }

    /// The largest fragment produced.
    pub fn max_fragment(&self) -> usize {
        self.max_fragment
    }

    /// The fragments of `payload`, in order; none when it is empty.
    pub fn fragment<'a>(&self, payload: &'a [u8]) -> Fragments<'a> {
        // `max_fragment` is never 0 (checked when set), which `chunks` requires.
        Fragments(payload.chunks(self.max_fragment.max(1)))
    }
}

/// The fragments of one payload, from [`Fragmenter::fragment`].
#[derive(Debug, Clone)]
pub struct Fragments<'a>(Chunks<'a, u8>);

impl<'a> Iterator for Fragments<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        self.0.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Fragments<'_> {}

/// Appends an unprotected record (header + `fragment`) to `out`, for the records sent
/// before keys exist. The caller keeps `fragment` within [`MAX_PLAINTEXT`] (use a
/// [`Fragmenter`]); a longer one is [`Error::ApiMisuse`].
pub fn encode_plain_record(
    typ: ContentType,
    version: u16,
    fragment: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let Some(len) = u16::try_from(fragment.len())
        .ok()
        .filter(|&l| usize::from(l) <= MAX_PLAINTEXT)
    else {
        return Err(Error::ApiMisuse("a record fragment is over 16384 bytes"));
    };
    out.reserve(HEADER_LEN + fragment.len());
    out.push(typ.into());
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(fragment);
    Ok(())
}
