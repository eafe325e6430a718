//! Just enough DER (ITU-T X.690) to look inside private keys and to write the few
//! structures `ring` wants but does not build for us: a PKCS#8 wrapper around a SEC1
//! key, and SubjectPublicKeyInfo.
//!
//! The reader is panic-free over any input; only single-byte tags and definite
//! lengths are accepted, as DER requires.

use alloc::vec::Vec;

/// SEQUENCE (constructed).
pub(super) const SEQUENCE: u8 = 0x30;
/// INTEGER.
pub(super) const INTEGER: u8 = 0x02;
/// BIT STRING.
pub(super) const BIT_STRING: u8 = 0x03;
/// OCTET STRING.
pub(super) const OCTET_STRING: u8 = 0x04;
/// `[0]` EXPLICIT (context-specific, constructed), as in SEC1's `parameters`.
pub(super) const CONTEXT_0: u8 = 0xa0;

/// Why a piece of DER could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DerError;

/// Reads one tag-length-value from `input`, returning the tag and the value.
pub(super) fn read_tlv<'a>(
    input: &mut untrusted::Reader<'a>,
) -> Result<(u8, untrusted::Input<'a>), DerError> {
    let tag = input.read_byte().map_err(|_| DerError)?;
    // X.690 8.1.2.4: tag number 31 means a multi-byte tag, which no key structure uses.
    if tag & 0x1f == 0x1f {
        return Err(DerError);
    }
    let first = input.read_byte().map_err(|_| DerError)?;
    let len = match first {
        0..=0x7f => usize::from(first),
        // X.690 10.1: DER uses the minimal long form; we accept up to 3 length bytes
        // (16 MiB), far beyond any key.
        0x81..=0x83 => {
            let mut len = 0usize;
            for _ in 0..(first & 0x7f) {
                let b = input.read_byte().map_err(|_| DerError)?;
                len = (len << 8) | usize::from(b);
            }
            let minimal = match first {
                0x81 => len >= 0x80,
                0x82 => len > 0xff,
                _ => len > 0xffff,
            };
            if !minimal {
                return Err(DerError);
            }
            len
        }
        // 0x80 is the indefinite form (BER only); longer lengths are not plausible.
        _ => return Err(DerError),
    };
    let value = input.read_bytes(len).map_err(|_| DerError)?;
    Ok((tag, value))
}

/// Reads one element that must have tag `tag`.
pub(super) fn expect_tlv<'a>(
    input: &mut untrusted::Reader<'a>,
    tag: u8,
) -> Result<untrusted::Input<'a>, DerError> {
    match read_tlv(input)? {
        (t, value) if t == tag => Ok(value),
        _ => Err(DerError),
    }
}

/// Appends a DER length (X.690 8.1.3, minimal form per 10.1).
fn write_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Fits the short form, so the cast keeps every bit.
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..).unwrap_or_default();
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// Appends `tag`, the length of the concatenation of `parts`, then the parts.
pub(super) fn write_tlv(out: &mut Vec<u8>, tag: u8, parts: &[&[u8]]) {
    out.push(tag);
    write_len(out, parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.extend_from_slice(part);
    }
}

/// `tag` + length + the concatenation of `parts`, as a new vector.
pub(super) fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    write_tlv(&mut out, tag, parts);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn encoded_len(len: usize) -> Vec<u8> {
        let mut out = Vec::new();
        write_len(&mut out, len);
        out
    }

    #[test]
    fn lengths_use_the_minimal_form() {
        assert_eq!(encoded_len(0), vec![0x00]);
        assert_eq!(encoded_len(0x7f), vec![0x7f]);
        assert_eq!(encoded_len(0x80), vec![0x81, 0x80]);
        assert_eq!(encoded_len(0xff), vec![0x81, 0xff]);
        assert_eq!(encoded_len(0x100), vec![0x82, 0x01, 0x00]);
        assert_eq!(encoded_len(0xffff), vec![0x82, 0xff, 0xff]);
        assert_eq!(encoded_len(0x10000), vec![0x83, 0x01, 0x00, 0x00]);
    }

    #[test]
    fn written_elements_read_back() {
        for len in [0usize, 1, 0x7f, 0x80, 0x1ff, 0x1_0000] {
            let value = vec![0xabu8; len];
            let der = tlv(OCTET_STRING, &[&value]);
            let mut reader = untrusted::Reader::new(untrusted::Input::from(&der));
            let got = expect_tlv(&mut reader, OCTET_STRING).unwrap();
            assert_eq!(got.as_slice_less_safe(), &value[..]);
            assert!(reader.at_end());
        }
    }

    #[test]
    fn malformed_elements_are_errors() {
        let cases: &[&[u8]] = &[
            &[],                                // no tag
            &[0x04],                            // no length
            &[0x04, 0x02, 0x00],                // value shorter than its length
            &[0x04, 0x80, 0x00, 0x00],          // indefinite length
            &[0x04, 0x81, 0x05, 0, 0, 0, 0, 0], // long form for a short length
            &[0x04, 0x84, 0, 0, 0, 1, 0],       // 4 length bytes
            &[0x1f, 0x01, 0x00],                // multi-byte tag
        ];
        for case in cases {
            let mut reader = untrusted::Reader::new(untrusted::Input::from(case));
            assert!(read_tlv(&mut reader).is_err(), "{case:02x?}");
        }
        let mut reader = untrusted::Reader::new(untrusted::Input::from(&[0x02, 0x01, 0x00]));
        assert!(expect_tlv(&mut reader, OCTET_STRING).is_err());
    }
}
