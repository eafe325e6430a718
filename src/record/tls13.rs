//! TLS 1.3 record protection (RFC 8446 5.2 - 5.4).

use alloc::vec::Vec;

use super::nonce::xor_nonce;
use super::{
    HEADER_LEN, InboundRecord, LEGACY_RECORD_VERSION, MAX_PLAINTEXT, MAX_TLS13_CIPHERTEXT,
};
use crate::crypto::{AEAD_NONCE_LEN, AEAD_TAG_LEN, AeadKey};
use crate::enums::ContentType;
use crate::error::{Error, InvalidMessage, MessageKind, PeerMisbehaved};

/// Seals `plaintext` of type `typ` as record number `seq` with `padding` zero bytes,
/// appending the whole record to `out` (on error the caller takes back what was written).
pub(super) fn seal(
    key: &dyn AeadKey,
    iv: &[u8; AEAD_NONCE_LEN],
    seq: u64,
    typ: ContentType,
    plaintext: &[u8],
    padding: usize,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let start = out.len();
    // RFC 8446 5.2: TLSInnerPlaintext = content || ContentType || zeros, encrypted;
    // the record length counts the tag too.
    let inner_len = plaintext.len() + 1 + padding;
    let ct_len = inner_len + AEAD_TAG_LEN;
    let len = u16::try_from(ct_len)
        .ok()
        .filter(|&l| usize::from(l) <= MAX_TLS13_CIPHERTEXT)
        .ok_or(Error::EncryptError)?;
    // RFC 8446 5.2: the outer header is application_data, legacy version 0x0303, and it
    // is the AEAD's additional data.
    let mut header = [0u8; HEADER_LEN];
    header[0] = ContentType::ApplicationData.into();
    header[1..3].copy_from_slice(&LEGACY_RECORD_VERSION.to_be_bytes());
    header[3..5].copy_from_slice(&len.to_be_bytes());

    out.reserve(HEADER_LEN + ct_len);
    out.extend_from_slice(&header);
    out.extend_from_slice(plaintext);
    out.push(typ.into());
    out.resize(out.len() + padding, 0);

    let nonce = xor_nonce(iv, seq);
    let body = out
        .get_mut(start + HEADER_LEN..)
        .ok_or(Error::Internal("sealed record out of range"))?;
    let tag = key.seal_in_place(&nonce, &header, body)?;
    out.extend_from_slice(&tag);
    Ok(())
}

/// Opens a protected record in place as record number `seq`, returning the inner
/// content type and the content (padding and type byte removed).
pub(super) fn open<'a>(
    key: &dyn AeadKey,
    iv: &[u8; AEAD_NONCE_LEN],
    seq: u64,
    record: InboundRecord<'a>,
) -> Result<(ContentType, &'a [u8]), Error> {
    let len = record.payload.len();
    // RFC 8446 5.2: over 2^14 + 256 is record_overflow (the deframer normally catches
    // this at the header).
    if len > MAX_TLS13_CIPHERTEXT {
        return Err(InvalidMessage::RecordTooLarge {
            len,
            max: MAX_TLS13_CIPHERTEXT,
        }
        .into());
    }
    // RFC 8446 5.2: a record that cannot be deprotected, including one too short to
    // hold a tag, gets bad_record_mac.
    if len < AEAD_TAG_LEN {
        return Err(Error::DecryptError);
    }
    let [len_hi, len_lo] = (len as u16).to_be_bytes();
    let [v_hi, v_lo] = record.version.to_be_bytes();
    // The additional data is the header as received.
    let aad = [record.typ.into(), v_hi, v_lo, len_hi, len_lo];
    let nonce = xor_nonce(iv, seq);
    let payload = record.payload;
    let plain_len = key.open_in_place(&nonce, &aad, payload)?;
    let payload: &'a [u8] = payload;
    let plain = payload.get(..plain_len).ok_or(Error::DecryptError)?;

    // RFC 8446 5.4: the content type is the last non-zero byte; all zeros means the
    // peer sent no type, which is unexpected_message.
    let type_at = plain
        .iter()
        .rposition(|&b| b != 0)
        .ok_or(PeerMisbehaved::MissingInnerContentType)?;
    let (content, rest) = plain.split_at(type_at);
    let inner = rest.first().copied().unwrap_or_default();
    // RFC 8446 5.2: plaintext over 2^14 is record_overflow.
    if content.len() > MAX_PLAINTEXT {
        return Err(PeerMisbehaved::PlaintextTooLarge(content.len()).into());
    }
    match ContentType::from(inner) {
        // RFC 8446 5: "An implementation which ... receives a protected
        // change_cipher_spec record MUST abort the handshake with an
        // "unexpected_message" alert."
        ContentType::ChangeCipherSpec => Err(Error::UnexpectedMessage {
            expected: "handshake, alert or application data in a protected record",
            got: MessageKind::Record(ContentType::ChangeCipherSpec),
        }),
        typ @ (ContentType::Alert | ContentType::Handshake | ContentType::ApplicationData) => {
            Ok((typ, content))
        }
        // RFC 8446 5: an unknown record type is unexpected_message.
        _ => Err(InvalidMessage::UnknownContentType(inner).into()),
    }
}
