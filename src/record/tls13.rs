//! TLS 1.3 record protection (RFC 8446 5.2 - 5.4).

use super::nonce::xor_nonce;
use super::{
    HEADER_LEN, InboundRecord, LEGACY_RECORD_VERSION, MAX_PLAINTEXT, MAX_TLS13_CIPHERTEXT,
};
use crate::crypto::{AEAD_NONCE_LEN, AEAD_TAG_LEN, AeadKey};
use crate::enums::ContentType;
use crate::error::{Error, InvalidMessage, MessageKind, PeerMisbehaved};

/// The bytes a record needs after its content with `padding` zero bytes: the inner
/// content type, the padding and the tag (before it: the header).
pub(super) fn tail_len(padding: usize) -> usize {
    1 + padding + AEAD_TAG_LEN
}

/// Seals in place: `record` is [`HEADER_LEN`] spare bytes, `content_len` bytes of
/// content, then [`tail_len`] spare bytes; on return it is the whole record.
pub(super) fn seal_in_place(
    key: &dyn AeadKey,
    iv: &[u8; AEAD_NONCE_LEN],
    seq: u64,
    typ: ContentType,
    record: &mut [u8],
    content_len: usize,
    padding: usize,
) -> Result<(), Error> {
    // RFC 8446 5.2: TLSInnerPlaintext = content || ContentType || zeros, encrypted;
    // the record length counts the tag too. (The caller checked the layout.)
    let ct_len = content_len + tail_len(padding);
    // (Errors are built only when returned: building one eagerly for `ok_or` costs
    // its construction and drop on every record.)
    let Some(len) = u16::try_from(ct_len)
        .ok()
        .filter(|&l| usize::from(l) <= MAX_TLS13_CIPHERTEXT)
    else {
        return Err(Error::EncryptError);
    };
    // RFC 8446 5.2: the outer header is application_data, legacy version 0x0303, and it
    // is the AEAD's additional data.
    let [v_hi, v_lo] = LEGACY_RECORD_VERSION.to_be_bytes();
    let [len_hi, len_lo] = len.to_be_bytes();
    let header = [
        ContentType::ApplicationData.into(),
        v_hi,
        v_lo,
        len_hi,
        len_lo,
    ];
    let out_of_range = || Error::Internal("sealed record out of range");
    let (head, body) = record
        .split_at_mut_checked(HEADER_LEN)
        .ok_or_else(out_of_range)?;
    head.copy_from_slice(&header);
    let (inner, tag_out) = body
        .split_at_mut_checked(ct_len - AEAD_TAG_LEN)
        .ok_or_else(out_of_range)?;
    let (type_byte, zeros) = inner
        .get_mut(content_len..)
        .and_then(|rest| rest.split_first_mut())
        .ok_or_else(out_of_range)?;
    *type_byte = typ.into();
    // Most records carry no padding: no call to fill nothing.
    if !zeros.is_empty() {
        zeros.fill(0);
    }
    let tag = key.seal_in_place(&xor_nonce(iv, seq), &header, inner)?;
    let tag_out: &mut [u8; AEAD_TAG_LEN] = tag_out.try_into().map_err(|_| out_of_range())?;
    *tag_out = tag;
    Ok(())
}

/// Opens a protected record in place as record number `seq`, returning the inner
/// content type and the content (padding and type byte removed).
#[inline]
pub(super) fn open<'a>(
    key: &dyn AeadKey,
    iv: &[u8; AEAD_NONCE_LEN],
    seq: u64,
    record: InboundRecord<'a>,
) -> Result<(ContentType, &'a [u8]), Error> {
    // RFC 8446 5.2: a protected record's outer type is always application_data; any
    // other is an unexpected record type (RFC 8446 5: unexpected_message), e.g. a
    // Finished sent in plaintext where an encrypted one is due.
    if record.typ != ContentType::ApplicationData {
        return Err(Error::UnexpectedMessage {
            expected: "a protected record (outer type application_data)",
            got: MessageKind::Record(record.typ),
        });
    }
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
    let Some(plain) = payload.get(..plain_len) else {
        return Err(Error::DecryptError);
    };
    // RFC 8446 5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1
    // octets", padding included (record_overflow, 5.2).
    if plain.len() > MAX_PLAINTEXT + 1 {
        return Err(PeerMisbehaved::PlaintextTooLarge(plain.len()).into());
    }

    // RFC 8446 5.4: the content type is the last non-zero byte; all zeros means the
    // peer sent no type, which is unexpected_message.
    let Some(type_at) = plain.iter().rposition(|&b| b != 0) else {
        return Err(PeerMisbehaved::MissingInnerContentType.into());
    };
    let (content, rest) = plain.split_at(type_at);
    let inner = rest.first().copied().unwrap_or_default();
    // RFC 8446 5.2: plaintext over 2^14 is record_overflow (unreachable after the
    // check above, kept as the content's own rule).
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
