//! TLS 1.2 AEAD record protection: AES-GCM (RFC 5288 3) and ChaCha20-Poly1305
//! (RFC 7905 2), with the additional data of RFC 5246 6.2.3.3.

use super::nonce::xor_nonce;
use super::{HEADER_LEN, InboundRecord, LEGACY_RECORD_VERSION, MAX_PLAINTEXT};
use crate::crypto::{AEAD_NONCE_LEN, AEAD_TAG_LEN, AeadKey, Tls12Nonce};
use crate::enums::ContentType;
use crate::error::{Error, PeerMisbehaved};

/// RFC 5246 6.2.3.3: additional_data = seq_num || type || version || length, where the
/// length is the plaintext's.
fn aad(seq: u64, typ: u8, version: u16, plain_len: u16) -> [u8; 13] {
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&seq.to_be_bytes());
    aad[8] = typ;
    aad[9..11].copy_from_slice(&version.to_be_bytes());
    aad[11..13].copy_from_slice(&plain_len.to_be_bytes());
    aad
}

/// The bytes a record needs before its content: the header and, for GCM, the
/// explicit nonce (after it: the tag).
pub(super) fn head_len(nonce_kind: Tls12Nonce) -> usize {
    HEADER_LEN + nonce_kind.explicit_len()
}

/// Seals in place: `record` is [`head_len`] spare bytes, the content, then
/// [`AEAD_TAG_LEN`] spare bytes; on return it is the whole record.
pub(super) fn seal_in_place(
    key: &dyn AeadKey,
    iv: &[u8; AEAD_NONCE_LEN],
    nonce_kind: Tls12Nonce,
    seq: u64,
    typ: ContentType,
    record: &mut [u8],
) -> Result<(), Error> {
    let head = head_len(nonce_kind);
    // (Errors are built only when returned: building one eagerly for `ok_or` costs
    // its construction and drop on every record.)
    let Some(plain_len) = record.len().checked_sub(head + AEAD_TAG_LEN) else {
        return Err(Error::ApiMisuse(
            "a record to seal in place needs the header and tag room",
        ));
    };
    let Some(plain_len) = u16::try_from(plain_len)
        .ok()
        .filter(|&l| usize::from(l) <= MAX_PLAINTEXT)
    else {
        return Err(Error::EncryptError);
    };
    let len = u16::try_from(record.len() - HEADER_LEN).map_err(|_| Error::EncryptError)?;
    let out_of_range = || Error::Internal("sealed record out of range");
    let (head_out, body) = record.split_at_mut_checked(head).ok_or_else(out_of_range)?;
    let [v_hi, v_lo] = LEGACY_RECORD_VERSION.to_be_bytes();
    let [len_hi, len_lo] = len.to_be_bytes();
    let (header, explicit) = head_out
        .split_at_mut_checked(HEADER_LEN)
        .ok_or_else(out_of_range)?;
    header.copy_from_slice(&[typ.into(), v_hi, v_lo, len_hi, len_lo]);
    if nonce_kind == Tls12Nonce::GcmExplicit {
        // RFC 5288 3: the explicit nonce must never repeat under one key; the sequence
        // number is unique by construction.
        explicit.copy_from_slice(&seq.to_be_bytes());
    }
    let (content, tag_out) = body
        .split_at_mut_checked(usize::from(plain_len))
        .ok_or_else(out_of_range)?;
    // GCM: salt || seq (the IV holds the salt then zeros); ChaCha20: IV XOR seq.
    let nonce = xor_nonce(iv, seq);
    let aad = aad(seq, typ.into(), LEGACY_RECORD_VERSION, plain_len);
    let tag = key.seal_in_place(&nonce, &aad, content)?;
    let tag_out: &mut [u8; AEAD_TAG_LEN] = tag_out.try_into().map_err(|_| out_of_range())?;
    *tag_out = tag;
    Ok(())
}

/// Opens a record in place as record number `seq`; returns the plaintext.
#[inline]
pub(super) fn open<'a>(
    key: &dyn AeadKey,
    iv: &[u8; AEAD_NONCE_LEN],
    nonce_kind: Tls12Nonce,
    seq: u64,
    record: InboundRecord<'a>,
) -> Result<&'a [u8], Error> {
    let explicit = nonce_kind.explicit_len();
    // A record too short for the explicit nonce and tag cannot authenticate:
    // bad_record_mac, like any other record that fails to deprotect.
    let Some(plain_len) = record.payload.len().checked_sub(explicit + AEAD_TAG_LEN) else {
        return Err(Error::DecryptError);
    };
    let plain_len16 = u16::try_from(plain_len).map_err(|_| Error::DecryptError)?;
    let Some((explicit_nonce, body)) = record.payload.split_at_mut_checked(explicit) else {
        return Err(Error::DecryptError);
    };
    let nonce = match nonce_kind {
        Tls12Nonce::GcmExplicit => {
            // RFC 5288 3: nonce = salt (4 bytes, implicit) || nonce_explicit (8 bytes,
            // chosen by the sender and carried in the record).
            let mut nonce = *iv;
            for (n, e) in nonce.iter_mut().skip(4).zip(explicit_nonce.iter()) {
                *n = *e;
            }
            nonce
        }
        Tls12Nonce::XorSequence => xor_nonce(iv, seq),
    };
    let aad = aad(seq, record.typ.into(), record.version, plain_len16);
    let n = key.open_in_place(&nonce, &aad, body)?;
    let body: &'a [u8] = body;
    let Some(plain) = body.get(..n) else {
        return Err(Error::DecryptError);
    };
    // RFC 5246 6.2.1: a fragment is at most 2^14 bytes; over is record_overflow.
    if plain.len() > MAX_PLAINTEXT {
        return Err(PeerMisbehaved::PlaintextTooLarge(plain.len()).into());
    }
    Ok(plain)
}
