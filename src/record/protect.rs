//! [`RecordEncrypter`] and [`RecordDecrypter`]: AEAD record protection for TLS 1.3
//! and TLS 1.2, set up from a raw key and IV.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use super::nonce::Sequence;
use super::{InboundRecord, MAX_PLAINTEXT, tls12, tls13};
use crate::crypto::{AEAD_NONCE_LEN, AeadAlgorithm, AeadKey, Tls12Nonce};
use crate::enums::ContentType;
use crate::error::Error;

/// A decrypted record: its real content type and its content.
#[derive(Debug, PartialEq, Eq)]
pub struct Plaintext<'a> {
    /// The content type (for TLS 1.3, the inner type from TLSInnerPlaintext).
    pub typ: ContentType,
    /// The content, inside the buffer the record was opened in.
    pub payload: &'a [u8],
}

/// How much zero padding a TLS 1.3 encrypter adds to each record (RFC 8446 5.4): to
/// hide the exact length of what is sent from an observer of the ciphertext, at the
/// cost of the padding's bytes on the wire. Every TLS 1.3 peer removes it. TLS 1.2
/// records are never padded. Padding is always cut so the inner plaintext stays within
/// 2^14 + 1 bytes.
///
/// `ToMultipleOf(16)` also spares AES-GCM a trailing partial block on every record
/// (about 25-30 ns of a 1 KiB record's ~170 ns with `ring`, for 15 more bytes).
#[derive(Clone, Copy, Debug, Default)]
pub enum Padding {
    /// No padding (the default).
    #[default]
    None,
    /// Pad so the inner plaintext (content + type byte + padding) is a multiple of this
    /// many bytes, hiding exact lengths.
    ToMultipleOf(usize),
    /// A policy: given the content type and the content length, how many zero bytes.
    Custom(fn(ContentType, usize) -> usize),
}

impl Padding {
    fn amount(self, typ: ContentType, len: usize) -> usize {
        let wanted = match self {
            Self::None => 0,
            Self::ToMultipleOf(0) => 0,
            Self::ToMultipleOf(n) => (n - len.saturating_add(1) % n) % n,
            Self::Custom(policy) => policy(typ, len),
        };
        // RFC 8446 5.4: the inner plaintext must not exceed 2^14 + 1 bytes.
        wanted.min(MAX_PLAINTEXT.saturating_sub(len))
    }
}

/// Which record protection is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Tls13,
    Tls12(Tls12Nonce),
}

/// The parts shared by both directions.
struct Keys {
    aead: &'static dyn AeadAlgorithm,
    key: Box<dyn AeadKey>,
    /// The 12-byte IV; for TLS 1.2 GCM, the 4-byte salt followed by zeros.
    iv: [u8; AEAD_NONCE_LEN],
    scheme: Scheme,
    seq: Sequence,
    /// The AEAD's confidentiality limit in records (RFC 8446 5.5), read once here so
    /// the check on every record needs no call through the AEAD's trait object.
    limit: u64,
}

impl Keys {
    fn tls13(aead: &'static dyn AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        // RFC 8446 7.3: the IV is iv_length bytes, 12 for every AEAD we support.
        let iv: [u8; AEAD_NONCE_LEN] = iv
            .try_into()
            .map_err(|_| Error::ApiMisuse("a TLS 1.3 record IV must be 12 bytes"))?;
        Self::new(aead, key, iv, Scheme::Tls13)
    }

    fn tls12(
        aead: &'static dyn AeadAlgorithm,
        key: &[u8],
        fixed_iv: &[u8],
        nonce: Tls12Nonce,
    ) -> Result<Self, Error> {
        // RFC 5246 6.3: the key block gives fixed_iv_length bytes of IV: 4 for GCM
        // (RFC 5288 3), 12 for ChaCha20-Poly1305 (RFC 7905 2).
        if fixed_iv.len() != nonce.fixed_iv_len() {
            return Err(Error::ApiMisuse(
                "a TLS 1.2 record IV has the wrong length for its cipher suite",
            ));
        }
        let mut iv = [0u8; AEAD_NONCE_LEN];
        for (d, s) in iv.iter_mut().zip(fixed_iv) {
            *d = *s;
        }
        Self::new(aead, key, iv, Scheme::Tls12(nonce))
    }

    fn new(
        aead: &'static dyn AeadAlgorithm,
        key: &[u8],
        iv: [u8; AEAD_NONCE_LEN],
        scheme: Scheme,
    ) -> Result<Self, Error> {
        if key.len() != aead.key_len() {
            return Err(Error::ApiMisuse("a record key has the wrong length"));
        }
        Ok(Self {
            aead,
            key: aead.new_key(key)?,
            iv,
            scheme,
            seq: Sequence::default(),
            limit: aead.confidentiality_limit(),
        })
    }
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        f.debug_struct("Keys")
            .field("aead", &self.aead.name())
            .field("scheme", &self.scheme)
            .field("seq", &self.seq.get())
            .finish_non_exhaustive()
    }
}

/// Seals outgoing records with one key.
///
/// Each sealed record uses the next sequence number, starting at 0 (RFC 8446 5.3,
/// RFC 5246 6.1). Replace the encrypter when the keys change.
#[derive(Debug)]
pub struct RecordEncrypter {
    keys: Keys,
    padding: Padding,
}

impl RecordEncrypter {
    /// TLS 1.3 protection with `key` and the 12-byte `iv` (RFC 8446 7.3).
    pub fn tls13(aead: &'static dyn AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            keys: Keys::tls13(aead, key, iv)?,
            padding: Padding::None,
        })
    }

    /// TLS 1.2 protection with `key` and the key block's `fixed_iv` (4 bytes for GCM,
    /// 12 for ChaCha20-Poly1305). With GCM the explicit nonce sent is the sequence number.
    pub fn tls12(
        aead: &'static dyn AeadAlgorithm,
        key: &[u8],
        fixed_iv: &[u8],
        nonce: Tls12Nonce,
    ) -> Result<Self, Error> {
        Ok(Self {
            keys: Keys::tls12(aead, key, fixed_iv, nonce)?,
            padding: Padding::None,
        })
    }

    /// Sets the TLS 1.3 padding policy (ignored for TLS 1.2).
    pub fn set_padding(&mut self, padding: Padding) {
        self.padding = padding;
    }

    /// Seals `plaintext` (at most [`MAX_PLAINTEXT`] bytes; split it with a
    /// [`super::Fragmenter`]) as one record of type `typ`, appending header, explicit
    /// nonce (TLS 1.2 GCM), ciphertext and tag to `out` and encrypting in place there.
    /// Nothing is allocated when `out` has room.
    ///
    /// Fails with [`Error::EncryptError`] for an over-long plaintext, with
    /// [`Error::ApiMisuse`] for a content type other than 20..=23 and with
    /// [`Error::SequenceNumberExhausted`] once the sequence space is used up; `out` is
    /// then unchanged.
    pub fn seal(
        &mut self,
        typ: ContentType,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        // Checked before `out` grows, so a refused record leaves it as it was.
        check_content(typ, plaintext.len())?;
        let (before, after) = self.in_place_room(typ, plaintext.len());
        let start = out.len();
        out.reserve(before + plaintext.len() + after);
        out.resize(start + before, 0);
        out.extend_from_slice(plaintext);
        out.resize(out.len() + after, 0);
        let sealed = match out.get_mut(start..) {
            Some(record) => self.seal_in_place(typ, record, plaintext.len()),
            None => Err(Error::Internal("sealed record out of range")),
        };
        if sealed.is_err() {
            // A record half written must not go out.
            out.truncate(start);
        }
        sealed
    }

    /// The room [`Self::seal_in_place`] needs around `len` bytes of content of type
    /// `typ`: `(before, after)`. Before: the header (and TLS 1.2 GCM's explicit
    /// nonce); after: the tag (and TLS 1.3's inner type byte and padding).
    pub fn in_place_room(&self, typ: ContentType, len: usize) -> (usize, usize) {
        match self.keys.scheme {
            Scheme::Tls13 => (
                super::HEADER_LEN,
                tls13::tail_len(self.padding.amount(typ, len)),
            ),
            Scheme::Tls12(nonce) => (tls12::head_len(nonce), crate::crypto::AEAD_TAG_LEN),
        }
    }

    /// Seals one record of type `typ` in place: `record` is the room before (see
    /// [`Self::in_place_room`]), `len` bytes of content, and the room after; on return
    /// it is the whole record, ready to send. Nothing is copied or allocated.
    ///
    /// Fails as [`Self::seal`] does, and with [`Error::ApiMisuse`] when `record` is not
    /// exactly that long; the sequence number then does not advance.
    pub fn seal_in_place(
        &mut self,
        typ: ContentType,
        record: &mut [u8],
        len: usize,
    ) -> Result<(), Error> {
        check_content(typ, len)?;
        let (before, after) = self.in_place_room(typ, len);
        if record.len() != before + len + after {
            return Err(Error::ApiMisuse(
                "a record to seal in place needs exactly the room in_place_room gives",
            ));
        }
        let k = &mut self.keys;
        let seq = k.seq.current()?;
        match k.scheme {
            Scheme::Tls13 => {
                let padding = self.padding.amount(typ, len);
                tls13::seal_in_place(&*k.key, &k.iv, seq, typ, record, len, padding)?
            }
            Scheme::Tls12(nonce) => tls12::seal_in_place(&*k.key, &k.iv, nonce, seq, typ, record)?,
        }
        k.seq.advance();
        trace!(
            "sealed record #{seq}: {typ:?}, {len} bytes of content, {} on the wire",
            record.len()
        );
        Ok(())
    }

    /// The sequence number the next record will use (= records sealed so far).
    pub fn sequence_number(&self) -> u64 {
        self.keys.seq.get()
    }

    /// True when only one more record may be sealed under this key before the AEAD's
    /// confidentiality limit (RFC 8446 5.5): the connection sends that record as a
    /// KeyUpdate (TLS 1.3), or (TLS 1.2, which cannot replace a key) refuses more
    /// application data so that only close_notify may follow.
    pub fn needs_key_update(&self) -> bool {
        self.keys.seq.get().saturating_add(1) >= self.keys.limit
    }

    /// Sets the next sequence number. For tests that need to reach the end of the
    /// sequence space; never useful in a real connection.
    #[doc(hidden)]
    pub fn set_sequence_number(&mut self, seq: u64) {
        self.keys.seq.set(seq);
    }
}

/// What any record may carry: at most [`MAX_PLAINTEXT`] bytes of one of the four
/// record types.
fn check_content(typ: ContentType, len: usize) -> Result<(), Error> {
    if len > MAX_PLAINTEXT {
        return Err(Error::EncryptError);
    }
    // Only the four record types exist on the wire; in TLS 1.3 a type byte of 0 would
    // even be read back as padding (RFC 8446 5.4).
    if !(20..=23).contains(&u8::from(typ)) {
        return Err(Error::ApiMisuse(
            "records carry only change_cipher_spec, alert, handshake or application data",
        ));
    }
    Ok(())
}

/// Opens received records with one key.
///
/// Records must arrive in order: each is opened with the next sequence number. The
/// sequence number only advances when a record authenticates, so a caller skipping
/// undecryptable records (rejected 0-RTT data, RFC 8446 4.2.10) may retry with the
/// next key.
#[derive(Debug)]
pub struct RecordDecrypter {
    keys: Keys,
}

impl RecordDecrypter {
    /// TLS 1.3 protection with `key` and the 12-byte `iv` (RFC 8446 7.3).
    pub fn tls13(aead: &'static dyn AeadAlgorithm, key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        Ok(Self {
            keys: Keys::tls13(aead, key, iv)?,
        })
    }

    /// TLS 1.2 protection with `key` and the key block's `fixed_iv` (4 bytes for GCM,
    /// 12 for ChaCha20-Poly1305).
    pub fn tls12(
        aead: &'static dyn AeadAlgorithm,
        key: &[u8],
        fixed_iv: &[u8],
        nonce: Tls12Nonce,
    ) -> Result<Self, Error> {
        Ok(Self {
            keys: Keys::tls12(aead, key, fixed_iv, nonce)?,
        })
    }

    /// Opens `record` in place (in the deframer's buffer) and returns its content type
    /// and plaintext, a sub-slice of `record.payload`.
    ///
    /// Errors: [`Error::DecryptError`] (bad_record_mac) when the record fails to
    /// authenticate or is too short to hold a tag (and explicit nonce);
    /// [`Error::SequenceNumberExhausted`]; for TLS 1.3,
    /// [`crate::error::PeerMisbehaved::MissingInnerContentType`] for an all-zero
    /// plaintext, [`crate::InvalidMessage::UnknownContentType`] for an unknown inner
    /// type and [`Error::UnexpectedMessage`] for a protected change_cipher_spec;
    /// [`crate::error::PeerMisbehaved::PlaintextTooLarge`] over 2^14 bytes.
    ///
    /// A TLS 1.3 record whose outer type is not application_data fails with
    /// [`Error::UnexpectedMessage`] before any decryption (RFC 8446 5, 5.2). The
    /// connection routes unprotected records (a TLS 1.3 middlebox-compatibility
    /// change_cipher_spec, a plaintext alert during the handshake) before calling this.
    #[inline]
    pub fn open<'a>(&mut self, record: InboundRecord<'a>) -> Result<Plaintext<'a>, Error> {
        let k = &mut self.keys;
        let seq = k.seq.current()?;
        let (typ, payload) = match k.scheme {
            Scheme::Tls13 => tls13::open(&*k.key, &k.iv, seq, record)?,
            Scheme::Tls12(nonce) => {
                let typ = record.typ;
                (typ, tls12::open(&*k.key, &k.iv, nonce, seq, record)?)
            }
        };
        k.seq.advance();
        trace!(
            "opened record #{seq}: {typ:?}, {} bytes of content",
            payload.len()
        );
        Ok(Plaintext { typ, payload })
    }

    /// The sequence number the next record must carry (= records opened so far).
    pub fn sequence_number(&self) -> u64 {
        self.keys.seq.get()
    }

    /// Sets the next expected sequence number. For tests that need to reach the end of
    /// the sequence space; never useful in a real connection.
    #[doc(hidden)]
    pub fn set_sequence_number(&mut self, seq: u64) {
        self.keys.seq.set(seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::AEAD_TAG_LEN;

    /// An AEAD whose sealing always fails, after the record has been written out.
    #[derive(Debug)]
    struct FailingAead;

    struct FailingKey;

    impl AeadAlgorithm for FailingAead {
        fn key_len(&self) -> usize {
            16
        }
        fn new_key(&self, _key: &[u8]) -> Result<Box<dyn AeadKey>, Error> {
            Ok(Box::new(FailingKey))
        }
        fn confidentiality_limit(&self) -> u64 {
            u64::MAX
        }
        fn name(&self) -> &'static str {
            "failing"
        }
    }

    impl AeadKey for FailingKey {
        fn seal_in_place(
            &self,
            _nonce: &[u8; AEAD_NONCE_LEN],
            _aad: &[u8],
            _in_out: &mut [u8],
        ) -> Result<[u8; AEAD_TAG_LEN], Error> {
            Err(Error::EncryptError)
        }
        fn open_in_place(
            &self,
            _nonce: &[u8; AEAD_NONCE_LEN],
            _aad: &[u8],
            _in_out: &mut [u8],
        ) -> Result<usize, Error> {
            Err(Error::DecryptError)
        }
    }

    static FAILING: FailingAead = FailingAead;

    #[test]
    fn failed_seal_leaves_output_and_sequence_unchanged() {
        let encrypters = [
            RecordEncrypter::tls13(&FAILING, &[0; 16], &[0; 12]).unwrap(),
            RecordEncrypter::tls12(&FAILING, &[0; 16], &[0; 4], Tls12Nonce::GcmExplicit).unwrap(),
        ];
        for mut enc in encrypters {
            let mut out = alloc::vec![1, 2, 3];
            let sealed = enc.seal(ContentType::ApplicationData, b"data", &mut out);
            assert_eq!(sealed, Err(Error::EncryptError));
            assert_eq!(out, [1, 2, 3]);
            assert_eq!(enc.sequence_number(), 0);
        }
    }
}
