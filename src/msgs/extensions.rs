//! Extension blocks: the generic reading and writing shared by every message that
//! carries extensions, and the value types several extensions share.
//!
//! RFC 8446 4.2: `struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; }`
//! in a `u16`-prefixed list, with no type appearing twice.

use alloc::vec::Vec;

use crate::codec::{Codec, LengthPrefix, Reader, put_opaque, put_prefixed};
use crate::enums::{CertificateStatusType, ExtensionType, NamedGroup, ServerNameType};
use crate::error::InvalidMessage;

/// One extension of a particular block (ClientHello, ServerHello, ...): each block has
/// its own enum, because the same extension type has a different body in each.
pub trait Extension: Sized {
    /// The extension's type code point.
    fn ext_type(&self) -> ExtensionType;

    /// Appends the `extension_data` (without type and length).
    fn encode_body(&self, out: &mut Vec<u8>);

    /// Decodes the `extension_data` of an extension of type `typ`. Unknown types must be
    /// kept as raw bytes. Bytes left in `body` afterwards are rejected by the caller.
    fn read_body(typ: ExtensionType, body: &mut Reader<'_>) -> Result<Self, InvalidMessage>;
}

/// Writes one extension: type, `u16` length, body.
pub fn encode_extension<E: Extension>(ext: &E, out: &mut Vec<u8>) {
    ext.ext_type().encode(out);
    put_prefixed(out, LengthPrefix::U16, |out| ext.encode_body(out));
}

/// Reads one extension; its body must be consumed exactly.
pub fn read_extension<E: Extension>(r: &mut Reader<'_>) -> Result<E, InvalidMessage> {
    let typ = ExtensionType::read(r)?;
    let mut body = r.sub(LengthPrefix::U16, "extension_data")?;
    let ext = E::read_body(typ, &mut body)?;
    body.expect_empty("extension_data")?;
    Ok(ext)
}

/// Reads a `u16`-prefixed extension block, rejecting a type that appears twice
/// (RFC 8446 4.2: "There MUST NOT be more than one extension of the same type").
pub fn read_extension_block<E: Extension>(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<Vec<E>, InvalidMessage> {
    let block = r.sub(LengthPrefix::U16, what)?.rest();
    let mut sub = Reader::new(block);
    let mut exts: Vec<E> = Vec::with_capacity(count_extensions(block));
    while !sub.is_empty() {
        exts.push(read_extension(&mut sub)?);
    }
    check_no_duplicates(&exts)?;
    Ok(exts)
}

/// How many extensions `block` holds, from their headers alone (at most 64: only a
/// capacity hint, so one allocation fits a typical hello).
fn count_extensions(block: &[u8]) -> usize {
    let mut count = 0;
    let mut rest = block;
    while let Some(&[_, _, hi, lo]) = rest.first_chunk::<4>() {
        count += 1;
        let skip = 4 + usize::from(u16::from_be_bytes([hi, lo]));
        rest = rest.get(skip..).unwrap_or_default();
        if count == 64 {
            break;
        }
    }
    count
}

/// RFC 8446 4.2: no extension type twice. A pairwise check for the usual handful of
/// extensions; sorting, O(n log n), for a block of thousands of tiny ones.
fn check_no_duplicates<E: Extension>(exts: &[E]) -> Result<(), InvalidMessage> {
    let typ = |e: &E| e.ext_type().to_wire();
    if exts.len() <= 32 {
        for (i, a) in exts.iter().enumerate() {
            if let Some(b) = exts
                .get(i + 1..)
                .and_then(|rest| rest.iter().find(|b| typ(b) == typ(a)))
            {
                return Err(InvalidMessage::DuplicateExtension(typ(b)));
            }
        }
        return Ok(());
    }
    let mut types: Vec<u16> = exts.iter().map(typ).collect();
    types.sort_unstable();
    for pair in types.windows(2) {
        if let [a, b] = pair {
            if a == b {
                return Err(InvalidMessage::DuplicateExtension(*a));
            }
        }
    }
    Ok(())
}

/// Writes a `u16`-prefixed extension block.
pub fn put_extension_block<E: Extension>(out: &mut Vec<u8>, exts: &[E]) {
    put_prefixed(out, LengthPrefix::U16, |out| {
        for ext in exts {
            encode_extension(ext, out);
        }
    });
}

/// Finds the extension of type `typ` in a block (e.g. EncryptedExtensions).
pub fn find<E: Extension>(exts: &[E], typ: ExtensionType) -> Option<&E> {
    exts.iter().find(|e| e.ext_type() == typ)
}

/// Implements [`Codec`] for an [`Extension`] enum (type + length + body).
macro_rules! extension_codec {
    ($t:ty) => {
        impl crate::codec::Codec for $t {
            fn encode(&self, out: &mut alloc::vec::Vec<u8>) {
                crate::msgs::extensions::encode_extension(self, out);
            }
            fn read(
                r: &mut crate::codec::Reader<'_>,
            ) -> Result<Self, crate::error::InvalidMessage> {
                crate::msgs::extensions::read_extension(r)
            }
        }
    };
}
pub(crate) use extension_codec;

/// Fails with [`InvalidMessage::Empty`] when `items` is empty (vectors declared `<1..>`,
/// `<2..>` and so on).
pub(crate) fn non_empty<T>(items: Vec<T>, what: &'static str) -> Result<Vec<T>, InvalidMessage> {
    if items.is_empty() {
        Err(InvalidMessage::Empty(what))
    } else {
        Ok(items)
    }
}

/// Reads an opaque value that must not be empty (`opaque x<1..2^n-1>`).
pub(crate) fn read_non_empty_opaque(
    r: &mut Reader<'_>,
    prefix: LengthPrefix,
    what: &'static str,
) -> Result<Vec<u8>, InvalidMessage> {
    non_empty(r.opaque(prefix, what)?.to_vec(), what)
}

/// Reads a list (prefix `outer`) of opaque items (prefix `inner`), e.g. the
/// `DistinguishedName authorities<3..2^16-1>` of RFC 8446 4.2.4. Each item must be
/// non-empty; `what` names the list in errors.
pub(crate) fn read_opaque_list(
    r: &mut Reader<'_>,
    outer: LengthPrefix,
    inner: LengthPrefix,
    what: &'static str,
) -> Result<Vec<Vec<u8>>, InvalidMessage> {
    let mut sub = r.sub(outer, what)?;
    let mut items = Vec::new();
    while !sub.is_empty() {
        items.push(read_non_empty_opaque(&mut sub, inner, what)?);
    }
    Ok(items)
}

/// Writes a list of opaque items, the inverse of [`read_opaque_list`].
pub(crate) fn put_opaque_list(
    out: &mut Vec<u8>,
    outer: LengthPrefix,
    inner: LengthPrefix,
    items: &[Vec<u8>],
) {
    put_prefixed(out, outer, |out| {
        for item in items {
            put_opaque(out, inner, item);
        }
    });
}

/// One entry of the server_name extension (RFC 6066 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerNameEntry {
    /// The name type; only `host_name` is defined.
    pub typ: ServerNameType,
    /// The name: for `host_name`, the DNS name in ASCII without a trailing dot.
    pub name: Vec<u8>,
}

impl Codec for ServerNameEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        self.typ.encode(out);
        put_opaque(out, LengthPrefix::U16, &self.name);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        // RFC 6066 3: HostName is opaque<1..2^16-1>. Later name types were meant to
        // share this shape, so the same length rule is applied to them.
        Ok(Self {
            typ: ServerNameType::read(r)?,
            name: read_non_empty_opaque(r, LengthPrefix::U16, "server name")?,
        })
    }
}

/// A key share: a group and a public value (RFC 8446 4.2.8 `KeyShareEntry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The key-exchange group.
    pub group: NamedGroup,
    /// The encoded public value (`key_exchange<1..2^16-1>`).
    pub payload: Vec<u8>,
}

impl Codec for KeyShareEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        self.group.encode(out);
        put_opaque(out, LengthPrefix::U16, &self.payload);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            group: NamedGroup::read(r)?,
            payload: read_non_empty_opaque(r, LengthPrefix::U16, "key_exchange")?,
        })
    }
}

/// A PSK identity offered in ClientHello (RFC 8446 4.2.11 `PskIdentity`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskIdentity {
    /// The identity (for resumption, the ticket): `opaque identity<1..2^16-1>`.
    pub identity: Vec<u8>,
    /// The ticket age plus the ticket's `ticket_age_add`, modulo 2^32.
    pub obfuscated_ticket_age: u32,
}

impl Codec for PskIdentity {
    fn encode(&self, out: &mut Vec<u8>) {
        put_opaque(out, LengthPrefix::U16, &self.identity);
        self.obfuscated_ticket_age.encode(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            identity: read_non_empty_opaque(r, LengthPrefix::U16, "PSK identity")?,
            obfuscated_ticket_age: r.u32("obfuscated_ticket_age")?,
        })
    }
}

/// The ClientHello pre_shared_key extension (RFC 8446 4.2.11 `OfferedPsks`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresharedKeyOffer {
    /// The offered identities, `<7..2^16-1>` bytes.
    pub identities: Vec<PskIdentity>,
    /// One HMAC binder per identity, in the same order, each `<32..255>` bytes.
    pub binders: Vec<Vec<u8>>,
}

impl PresharedKeyOffer {
    /// The length of the encoded binders list (with its `u16` prefix): the number of
    /// bytes at the end of the ClientHello that the binders do not cover
    /// (RFC 8446 4.2.11.2).
    pub fn binders_encoded_len(&self) -> usize {
        2 + self.binders.iter().map(|b| 1 + b.len()).sum::<usize>()
    }
}

impl Codec for PresharedKeyOffer {
    fn encode(&self, out: &mut Vec<u8>) {
        crate::codec::put_list(out, LengthPrefix::U16, &self.identities);
        put_opaque_list(out, LengthPrefix::U16, LengthPrefix::U8, &self.binders);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let identities = r.non_empty_list(LengthPrefix::U16, "PSK identities")?;
        let binders = non_empty(
            read_opaque_list(r, LengthPrefix::U16, LengthPrefix::U8, "PSK binders")?,
            "PSK binders",
        )?;
        // RFC 8446 4.2.11: binders are "in the same order as the identities list"; a
        // count mismatch makes the offer meaningless.
        if identities.len() != binders.len() {
            return Err(InvalidMessage::IllegalValue("PSK binder count"));
        }
        Ok(Self {
            identities,
            binders,
        })
    }
}

/// The status_request extension in ClientHello (RFC 6066 8 `CertificateStatusRequest`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateStatusRequest {
    /// An OCSP request.
    Ocsp {
        /// `ResponderID responder_id_list<0..2^16-1>`, each `opaque <1..2^16-1>`.
        responder_ids: Vec<Vec<u8>>,
        /// `Extensions request_extensions` (DER), `opaque <0..2^16-1>`.
        extensions: Vec<u8>,
    },
    /// A status type this library does not know; kept raw.
    Unknown {
        /// The status type.
        typ: CertificateStatusType,
        /// The request body.
        data: Vec<u8>,
    },
}

impl Codec for CertificateStatusRequest {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Ocsp {
                responder_ids,
                extensions,
            } => {
                CertificateStatusType::OCSP.encode(out);
                put_opaque_list(out, LengthPrefix::U16, LengthPrefix::U16, responder_ids);
                put_opaque(out, LengthPrefix::U16, extensions);
            }
            Self::Unknown { typ, data } => {
                typ.encode(out);
                out.extend_from_slice(data);
            }
        }
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        match CertificateStatusType::read(r)? {
            CertificateStatusType::OCSP => Ok(Self::Ocsp {
                responder_ids: read_opaque_list(
                    r,
                    LengthPrefix::U16,
                    LengthPrefix::U16,
                    "responder_id_list",
                )?,
                extensions: r.opaque(LengthPrefix::U16, "request_extensions")?.to_vec(),
            }),
            typ => Ok(Self::Unknown {
                typ,
                data: r.rest().to_vec(),
            }),
        }
    }
}

/// An OCSP response: the body of TLS 1.2 CertificateStatus (RFC 6066 8) and of the
/// status_request extension of a TLS 1.3 CertificateEntry (RFC 8446 4.4.2.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateStatus {
    /// The DER `OCSPResponse`, `opaque <1..2^24-1>`.
    pub ocsp_response: Vec<u8>,
}

impl Codec for CertificateStatus {
    fn encode(&self, out: &mut Vec<u8>) {
        CertificateStatusType::OCSP.encode(out);
        put_opaque(out, LengthPrefix::U24, &self.ocsp_response);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        // RFC 6066 8: ocsp is the only status type with a defined response.
        if CertificateStatusType::read(r)? != CertificateStatusType::OCSP {
            return Err(InvalidMessage::IllegalValue("certificate status type"));
        }
        Ok(Self {
            ocsp_response: read_non_empty_opaque(r, LengthPrefix::U24, "OCSP response")?,
        })
    }
}
