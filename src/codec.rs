//! Wire encoding: the [`Codec`] trait, a panic-free [`Reader`] over `untrusted`, and
//! helpers for the u8/u16/u24-length-prefixed vectors that TLS uses everywhere.
//!
//! Every read is bounds-checked by `untrusted`; a short or over-long input becomes an
//! [`InvalidMessage`] naming the field that was being read, never a panic.

use alloc::vec::Vec;

use crate::error::InvalidMessage;

/// A type with a TLS wire encoding.
pub trait Codec: Sized {
    /// Appends the wire encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Reads one value from `r`, consuming exactly its encoding.
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage>;

    /// The encoded size, when every value of the type has the same one (code points,
    /// integers): a list of them is then allocated once at its final size.
    const FIXED_LEN: Option<usize> = None;

    /// Returns the wire encoding of `self` as a new vector.
    fn get_encoding(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes a value that must fill `bytes` exactly; `what` names it in errors.
    fn read_bytes(bytes: &[u8], what: &'static str) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(bytes);
        let value = Self::read(&mut r)?;
        r.expect_empty(what)?;
        Ok(value)
    }
}

/// A cursor over bytes received from a peer.
///
/// A thin wrapper over [`untrusted::Reader`] whose errors say which field was short.
pub struct Reader<'a> {
    inner: untrusted::Reader<'a>,
    len: usize,
    consumed: usize,
}

impl<'a> Reader<'a> {
    /// Starts reading `bytes` from the beginning.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            inner: untrusted::Reader::new(untrusted::Input::from(bytes)),
            len: bytes.len(),
            consumed: 0,
        }
    }

    /// How many bytes are left unread.
    pub fn remaining(&self) -> usize {
        self.len - self.consumed
    }

    /// How many bytes have been read so far.
    pub fn used(&self) -> usize {
        self.consumed
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.inner.at_end()
    }

    /// Fails with [`InvalidMessage::TrailingData`] unless every byte has been read.
    pub fn expect_empty(&self, what: &'static str) -> Result<(), InvalidMessage> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(InvalidMessage::TrailingData(what))
        }
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], InvalidMessage> {
        let input = self
            .inner
            .read_bytes(n)
            .map_err(|_| InvalidMessage::Truncated(what))?;
        self.consumed += n;
        Ok(input.as_slice_less_safe())
    }

    /// Takes every remaining byte.
    pub fn rest(&mut self) -> &'a [u8] {
        let n = self.remaining();
        // Cannot fail: exactly `remaining()` bytes are left.
        self.take(n, "rest").unwrap_or_default()
    }

    /// Takes a fixed-size array.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], InvalidMessage> {
        let bytes = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads a `u8`.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, InvalidMessage> {
        Ok(self.array::<1>(what)?[0])
    }

    /// Reads a big-endian `u16`.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, InvalidMessage> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    /// Reads a big-endian 24-bit integer.
    pub fn u24(&mut self, what: &'static str) -> Result<u32, InvalidMessage> {
        let [a, b, c] = self.array(what)?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// Reads a big-endian `u32`.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, InvalidMessage> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    /// Reads a big-endian `u64`.
    pub fn u64(&mut self, what: &'static str) -> Result<u64, InvalidMessage> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    /// Reads a length prefix of `prefix` size, then returns a reader over exactly that
    /// many following bytes.
    pub fn sub(
        &mut self,
        prefix: LengthPrefix,
        what: &'static str,
    ) -> Result<Reader<'a>, InvalidMessage> {
        let len = match prefix {
            LengthPrefix::U8 => usize::from(self.u8(what)?),
            LengthPrefix::U16 => usize::from(self.u16(what)?),
            LengthPrefix::U24 => self.u24(what)? as usize,
        };
        Ok(Reader::new(self.take(len, what)?))
    }

    /// Reads a length-prefixed opaque byte string, e.g. `opaque session_id<0..32>`.
    pub fn opaque(
        &mut self,
        prefix: LengthPrefix,
        what: &'static str,
    ) -> Result<&'a [u8], InvalidMessage> {
        Ok(self.sub(prefix, what)?.rest())
    }

    /// Reads a length-prefixed list that must hold at least one item (a vector whose
    /// minimum length is above zero); an empty one is [`InvalidMessage::Empty`].
    pub fn non_empty_list<T: Codec>(
        &mut self,
        prefix: LengthPrefix,
        what: &'static str,
    ) -> Result<Vec<T>, InvalidMessage> {
        let items = self.list(prefix, what)?;
        if items.is_empty() {
            return Err(InvalidMessage::Empty(what));
        }
        Ok(items)
    }

    /// Reads a length-prefixed list of `T`, e.g. `CipherSuite cipher_suites<2..2^16-2>`.
    ///
    /// The items must fill the prefixed length exactly.
    pub fn list<T: Codec>(
        &mut self,
        prefix: LengthPrefix,
        what: &'static str,
    ) -> Result<Vec<T>, InvalidMessage> {
        let mut sub = self.sub(prefix, what)?;
        let mut items = match T::FIXED_LEN {
            // A length that is not a multiple of the item size fails below.
            Some(len) if len > 0 => Vec::with_capacity(sub.remaining() / len),
            _ => Vec::new(),
        };
        while !sub.is_empty() {
            items.push(T::read(&mut sub)?);
        }
        Ok(items)
    }
}

/// The size of a TLS vector's length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthPrefix {
    /// One byte, for vectors up to 255 bytes.
    U8,
    /// Two bytes, for vectors up to 65535 bytes.
    U16,
    /// Three bytes, for vectors up to 2^24-1 bytes (certificates, handshake bodies).
    U24,
}

impl LengthPrefix {
    /// The largest length the prefix can express.
    pub const fn max(self) -> usize {
        match self {
            Self::U8 => 0xff,
            Self::U16 => 0xffff,
            Self::U24 => 0xff_ffff,
        }
    }

    const fn size(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::U16 => 2,
            Self::U24 => 3,
        }
    }
}

/// Writes a length prefix, lets `body` append the content, then patches the length in.
///
/// Content longer than the prefix allows is a bug in our own encoder (values are bounded
/// when constructed), so it trips a debug assertion; release builds truncate the
/// content to the prefix's maximum rather than emit an inconsistent length.
pub fn put_prefixed(out: &mut Vec<u8>, prefix: LengthPrefix, body: impl FnOnce(&mut Vec<u8>)) {
    let start = out.len();
    out.resize(start + prefix.size(), 0);
    body(out);
    let mut len = out.len() - start - prefix.size();
    debug_assert!(len <= prefix.max(), "encoded vector over its length prefix");
    if len > prefix.max() {
        out.truncate(start + prefix.size() + prefix.max());
        len = prefix.max();
    }
    let be = (len as u32).to_be_bytes();
    let field = out.get_mut(start..start + prefix.size());
    if let (Some(field), Some(len_bytes)) = (field, be.get(4 - prefix.size()..)) {
        field.copy_from_slice(len_bytes);
    }
}

/// Writes a length-prefixed opaque byte string.
pub fn put_opaque(out: &mut Vec<u8>, prefix: LengthPrefix, bytes: &[u8]) {
    put_prefixed(out, prefix, |out| out.extend_from_slice(bytes));
}

/// Writes a length-prefixed list of items.
pub fn put_list<T: Codec>(out: &mut Vec<u8>, prefix: LengthPrefix, items: &[T]) {
    put_prefixed(out, prefix, |out| {
        for item in items {
            item.encode(out);
        }
    });
}

/// Writes a big-endian 24-bit integer (the caller keeps `v` under 2^24).
pub fn put_u24(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes()[1..]);
}

impl Codec for u8 {
    const FIXED_LEN: Option<usize> = Some(1);

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        r.u8("u8")
    }
}

impl Codec for u16 {
    const FIXED_LEN: Option<usize> = Some(2);

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        r.u16("u16")
    }
}

impl Codec for u32 {
    const FIXED_LEN: Option<usize> = Some(4);

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        r.u32("u32")
    }
}

impl Codec for u64 {
    const FIXED_LEN: Option<usize> = Some(8);

    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_be_bytes());
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        r.u64("u64")
    }
}

/// Defines a TLS code-point enum that keeps unknown values (RFC 8701 GREASE and code
/// points newer than this library) as `Unknown(v)`, so parsing never fails on them and
/// re-encoding reproduces them.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident($repr:ident) {
            $( $(#[$vmeta:meta])* $var:ident = $val:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        $vis enum $name {
            $( $(#[$vmeta])* $var, )*
            /// A code point this library does not know; kept so it re-encodes unchanged.
            Unknown($repr),
        }

        impl From<$repr> for $name {
            fn from(v: $repr) -> Self {
                match v {
                    $( $val => Self::$var, )*
                    other => Self::Unknown(other),
                }
            }
        }

        impl From<$name> for $repr {
            fn from(v: $name) -> $repr {
                match v {
                    $( $name::$var => $val, )*
                    $name::Unknown(other) => other,
                }
            }
        }

        impl $name {
            /// Every code point this library knows by name.
            pub const KNOWN: &'static [$name] = &[ $( $name::$var, )* ];

            /// The numeric code point.
            pub fn to_wire(self) -> $repr {
                self.into()
            }
        }

        impl crate::codec::Codec for $name {
            const FIXED_LEN: Option<usize> = Some(core::mem::size_of::<$repr>());

            fn encode(&self, out: &mut alloc::vec::Vec<u8>) {
                out.extend_from_slice(&<$repr>::from(*self).to_be_bytes());
            }
            fn read(r: &mut crate::codec::Reader<'_>) -> Result<Self, crate::error::InvalidMessage> {
                let bytes = r.array::<{ core::mem::size_of::<$repr>() }>(stringify!($name))?;
                Ok(Self::from(<$repr>::from_be_bytes(bytes)))
            }
        }
    };
}
pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_lengths_are_patched() {
        let mut out = Vec::new();
        put_opaque(&mut out, LengthPrefix::U16, b"abc");
        put_opaque(&mut out, LengthPrefix::U24, b"");
        assert_eq!(out, [0, 3, b'a', b'b', b'c', 0, 0, 0]);
        let mut r = Reader::new(&out);
        assert_eq!(r.opaque(LengthPrefix::U16, "x").unwrap(), b"abc");
        assert_eq!(r.opaque(LengthPrefix::U24, "y").unwrap(), b"");
        assert!(r.is_empty());
    }

    #[test]
    fn short_input_names_the_field() {
        let mut r = Reader::new(&[0, 5, 1, 2]);
        assert_eq!(
            r.opaque(LengthPrefix::U16, "session_id"),
            Err(InvalidMessage::Truncated("session_id"))
        );
    }

    #[test]
    fn list_items_must_fill_the_length() {
        // A u16 list of length 3 cannot hold whole u16 items.
        let mut r = Reader::new(&[0, 3, 0, 1, 2]);
        assert!(r.list::<u16>(LengthPrefix::U16, "list").is_err());
        let mut r = Reader::new(&[0, 4, 0, 1, 0, 2]);
        assert_eq!(r.list::<u16>(LengthPrefix::U16, "list").unwrap(), [1, 2]);
    }
}
