//! Just enough X.509 (RFC 5280 4.1) to explain a rejected certificate: issuer and
//! subject names, the public key, the subjectAltName entries, basicConstraints and the
//! other extensions.
//!
//! The verifier decides; this module only describes. Every reader returns `None` on
//! input it does not understand, and callers fall back to a less specific message, so
//! a malformed certificate can never make an explanation panic.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use untrusted::{Input, Reader};

const BOOLEAN: u8 = 0x01;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
/// `[0] EXPLICIT` (TBSCertificate.version).
const CONTEXT_0: u8 = 0xa0;
/// `[1] IMPLICIT` (TBSCertificate.issuerUniqueID).
const CONTEXT_1: u8 = 0x81;
/// `[2] IMPLICIT` (TBSCertificate.subjectUniqueID).
const CONTEXT_2: u8 = 0x82;
/// `[3] EXPLICIT` (TBSCertificate.extensions).
const CONTEXT_3: u8 = 0xa3;

/// Reads one tag-length-value. Single-byte tags and definite lengths of up to 4 bytes
/// (X.690 8.1.2, 8.1.3), which covers every certificate.
fn read_tlv<'a>(r: &mut Reader<'a>) -> Option<(u8, Input<'a>)> {
    let tag = r.read_byte().ok()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first = r.read_byte().ok()?;
    let len = match first {
        0..=0x7f => usize::from(first),
        0x81..=0x84 => {
            let mut len = 0usize;
            for _ in 0..(first & 0x7f) {
                len = (len << 8) | usize::from(r.read_byte().ok()?);
            }
            len
        }
        _ => return None,
    };
    Some((tag, r.read_bytes(len).ok()?))
}

fn expect<'a>(r: &mut Reader<'a>, tag: u8) -> Option<Input<'a>> {
    match read_tlv(r)? {
        (t, value) if t == tag => Some(value),
        _ => None,
    }
}

/// Reads the element if it has `tag`, leaving the reader alone otherwise.
fn optional<'a>(r: &mut Reader<'a>, tag: u8) -> Option<Input<'a>> {
    if r.peek(tag) { expect(r, tag) } else { None }
}

/// The value of the single `tag` element that makes up all of `der`.
fn whole(der: &[u8], tag: u8) -> Option<&[u8]> {
    let mut r = Reader::new(Input::from(der));
    let value = expect(&mut r, tag)?;
    r.at_end().then(|| value.as_slice_less_safe())
}

/// The parts of a certificate an explanation needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CertFacts<'a> {
    /// The issuer Name's contents, without its SEQUENCE header (as webpki and
    /// [`pki_types::TrustAnchor`] hold names, so they compare byte for byte).
    pub(crate) issuer: &'a [u8],
    /// The subject Name's contents, without its SEQUENCE header.
    pub(crate) subject: &'a [u8],
    /// The SubjectPublicKeyInfo's contents, without its SEQUENCE header.
    pub(crate) spki: &'a [u8],
    extensions: Option<&'a [u8]>,
}

impl<'a> CertFacts<'a> {
    /// RFC 5280 4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
    /// signatureValue }.
    pub(crate) fn parse(der: &'a [u8]) -> Option<Self> {
        let mut outer = Reader::new(Input::from(der));
        let cert = expect(&mut outer, SEQUENCE)?;
        let mut cert = Reader::new(cert);
        let tbs = expect(&mut cert, SEQUENCE)?;
        let mut tbs = Reader::new(tbs);
        optional(&mut tbs, CONTEXT_0);
        expect(&mut tbs, INTEGER)?;
        expect(&mut tbs, SEQUENCE)?;
        let issuer = expect(&mut tbs, SEQUENCE)?;
        expect(&mut tbs, SEQUENCE)?;
        let subject = expect(&mut tbs, SEQUENCE)?;
        let spki = expect(&mut tbs, SEQUENCE)?;
        optional(&mut tbs, CONTEXT_1);
        optional(&mut tbs, CONTEXT_2);
        let extensions =
            optional(&mut tbs, CONTEXT_3).and_then(|e| whole(e.as_slice_less_safe(), SEQUENCE));
        Some(Self {
            issuer: issuer.as_slice_less_safe(),
            subject: subject.as_slice_less_safe(),
            spki: spki.as_slice_less_safe(),
            extensions,
        })
    }

    /// RFC 5280 4.1.2.4, 6.1: a certificate whose issuer and subject are the same name
    /// (a root, or a self-signed leaf).
    pub(crate) fn self_issued(&self) -> bool {
        self.issuer == self.subject
    }

    /// The subject, readable (`CN=a.test, O=Example`).
    pub(crate) fn subject_text(&self) -> String {
        name_text(self.subject)
    }

    /// The extensions, in order; stops at the first malformed one.
    pub(crate) fn extensions(&self) -> impl Iterator<Item = Extension<'a>> + 'a {
        let mut r = Reader::new(Input::from(self.extensions.unwrap_or_default()));
        core::iter::from_fn(move || {
            // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
            //   extnValue OCTET STRING }
            let ext = expect(&mut r, SEQUENCE)?;
            let mut ext = Reader::new(ext);
            let oid = expect(&mut ext, OID)?.as_slice_less_safe();
            let critical =
                optional(&mut ext, BOOLEAN).is_some_and(|b| b.as_slice_less_safe() != [0]);
            let value = expect(&mut ext, OCTET_STRING)?.as_slice_less_safe();
            Some(Extension {
                oid,
                critical,
                value,
            })
        })
    }

    fn extension(&self, oid: &[u8]) -> Option<&'a [u8]> {
        self.extensions().find(|e| e.oid == oid).map(|e| e.value)
    }

    /// RFC 5280 4.2.1.9: BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE,
    /// pathLenConstraint INTEGER (0..MAX) OPTIONAL }. `None` without the extension.
    pub(crate) fn basic_constraints(&self) -> Option<BasicConstraints> {
        let value = whole(self.extension(ID_CE_BASIC_CONSTRAINTS)?, SEQUENCE)?;
        let mut r = Reader::new(Input::from(value));
        let ca = optional(&mut r, BOOLEAN).is_some_and(|b| b.as_slice_less_safe() != [0]);
        let path_len = optional(&mut r, INTEGER).and_then(|i| small_uint(i.as_slice_less_safe()));
        Some(BasicConstraints { ca, path_len })
    }

    /// What keyUsage says of digitalSignature (RFC 5280 4.2.1.3: bit 0 of the BIT
    /// STRING): `None` without the extension; a malformed one counts as `false`.
    pub(crate) fn key_usage_digital_signature(&self) -> Option<bool> {
        let value = self.extension(ID_CE_KEY_USAGE)?;
        let bits = whole(value, BIT_STRING).unwrap_or_default();
        // The first content byte counts the unused bits; bit 0 is the top bit of
        // the next byte.
        Some(bits.get(1).is_some_and(|b| b & 0x80 != 0))
    }

    /// True if the certificate carries a nameConstraints extension (RFC 5280 4.2.1.10).
    pub(crate) fn has_name_constraints(&self) -> bool {
        self.extension(ID_CE_NAME_CONSTRAINTS).is_some()
    }

    /// The subjectAltName entries (RFC 5280 4.2.1.6), each typed: `DNS:a.test`,
    /// `IP:192.0.2.1`, `URI:...`, `email:...`, `DirName:CN=...`. `None` if the
    /// extension is absent or malformed.
    pub(crate) fn alt_names(&self) -> Option<Vec<String>> {
        let value = whole(self.extension(ID_CE_SUBJECT_ALT_NAME)?, SEQUENCE)?;
        let mut r = Reader::new(Input::from(value));
        let mut names = Vec::new();
        while !r.at_end() {
            let (tag, value) = read_tlv(&mut r)?;
            names.push(general_name_text(tag, value.as_slice_less_safe()));
        }
        Some(names)
    }
}

/// One certificate extension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extension<'a> {
    /// The extnID OID's contents.
    pub(crate) oid: &'a [u8],
    pub(crate) critical: bool,
    /// The extnValue OCTET STRING's contents.
    pub(crate) value: &'a [u8],
}

/// What basicConstraints says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BasicConstraints {
    pub(crate) ca: bool,
    pub(crate) path_len: Option<u64>,
}

/// id-ce-basicConstraints, 2.5.29.19.
const ID_CE_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
/// id-ce-keyUsage (RFC 5280 4.2.1.3).
const ID_CE_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
/// id-ce-nameConstraints, 2.5.29.30.
const ID_CE_NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
/// id-ce-subjectAltName, 2.5.29.17.
const ID_CE_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];

/// The extensions the default verifier understands when critical: keyUsage,
/// subjectAltName, basicConstraints, nameConstraints, cRLDistributionPoints,
/// extKeyUsage (2.5.29.x), and the embedded SCT list (RFC 6962 3.3).
pub(crate) fn understood_extension(oid: &[u8]) -> bool {
    const SCT_LIST: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];
    match oid {
        [0x55, 0x1d, last] => matches!(last, 0x0f | 0x11 | 0x13 | 0x1e | 0x1f | 0x25),
        _ => oid == SCT_LIST,
    }
}

/// A non-negative INTEGER that fits a u64.
fn small_uint(bytes: &[u8]) -> Option<u64> {
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..)?;
    if significant.len() > 8 {
        return None;
    }
    Some(
        significant
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b)),
    )
}

/// RFC 5280 4.2.1.6 GeneralName, typed the way OpenSSL prints it.
fn general_name_text(tag: u8, value: &[u8]) -> String {
    match tag {
        // [1] rfc822Name, [2] dNSName, [6] uniformResourceIdentifier: IA5String.
        0x81 => format!("email:{}", Escaped(&latin1(value))),
        0x82 => format!("DNS:{}", Escaped(&latin1(value))),
        0x86 => format!("URI:{}", Escaped(&latin1(value))),
        // [4] directoryName: EXPLICIT Name.
        0xa4 => match whole(value, SEQUENCE) {
            Some(name) => format!("DirName:{}", name_text(name)),
            None => String::from("DirName:(malformed)"),
        },
        // [7] iPAddress: 4 or 16 octets in network order.
        0x87 => match ip_text(value) {
            Some(ip) => format!("IP:{ip}"),
            None => format!("IP:(malformed, {} bytes)", value.len()),
        },
        0xa0 => String::from("otherName"),
        0x88 => String::from("registeredID"),
        other => format!("(name type {other:#04x})"),
    }
}

/// An IPv4 or IPv6 address in its usual text form.
pub(crate) fn ip_text(octets: &[u8]) -> Option<String> {
    if let Ok(v4) = <[u8; 4]>::try_from(octets) {
        return Some(format!("{}", core::net::Ipv4Addr::from(v4)));
    }
    let v6 = <[u8; 16]>::try_from(octets).ok()?;
    Some(format!("{}", core::net::Ipv6Addr::from(v6)))
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|b| char::from(*b)).collect()
}

/// Text from a certificate, with control characters escaped so a name cannot forge
/// lines in a log.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_unicode())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// A distinguished name as text, in certificate order: `CN=a.test, O=Example`.
///
/// RFC 5280 4.1.2.4: Name ::= SEQUENCE OF RelativeDistinguishedName, RDN ::= SET OF
/// AttributeTypeAndValue ::= SEQUENCE { type OID, value ANY }. `contents` is the
/// SEQUENCE's contents. Unknown attribute types are shown as dotted OIDs.
pub(crate) fn name_text(contents: &[u8]) -> String {
    name_parts(contents).unwrap_or_else(|| String::from("(an unreadable name)"))
}

fn name_parts(contents: &[u8]) -> Option<String> {
    let mut out = String::new();
    let mut rdns = Reader::new(Input::from(contents));
    while !rdns.at_end() {
        let rdn = expect(&mut rdns, SET)?;
        let mut atvs = Reader::new(rdn);
        while !atvs.at_end() {
            let atv = expect(&mut atvs, SEQUENCE)?;
            let mut atv = Reader::new(atv);
            let oid = expect(&mut atv, OID)?.as_slice_less_safe();
            let (tag, value) = read_tlv(&mut atv)?;
            if !out.is_empty() {
                out.push_str(", ");
            }
            match attribute_name(oid) {
                Some(name) => out.push_str(name),
                None => out.push_str(&oid_text(oid)),
            }
            out.push('=');
            out.push_str(&format!(
                "{}",
                Escaped(&string_value(tag, value.as_slice_less_safe()))
            ));
        }
    }
    if out.is_empty() {
        out.push_str("(an empty name)");
    }
    Some(out)
}

/// RFC 4519 short names for the attributes certificates use.
fn attribute_name(oid: &[u8]) -> Option<&'static str> {
    Some(match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x05] => "serialNumber",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x09] => "street",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        _ => return None,
    })
}

/// The string types of X.520 DirectoryString and friends.
fn string_value(tag: u8, value: &[u8]) -> String {
    match tag {
        // UTF8String.
        0x0c => String::from_utf8_lossy(value).into_owned(),
        // PrintableString, IA5String, TeletexString, VisibleString.
        0x13 | 0x16 | 0x14 | 0x1a => latin1(value),
        // BMPString: UTF-16BE.
        0x1e => char::decode_utf16(value.chunks_exact(2).map(|pair| match pair {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            _ => 0xfffd,
        }))
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect(),
        _ => value.iter().fold(String::from("#"), |mut s, b| {
            s.push_str(&format!("{b:02x}"));
            s
        }),
    }
}

/// An OID's contents in dotted form (X.690 8.19).
pub(crate) fn oid_text(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut arc = 0u64;
    for b in oid {
        arc = (arc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            arcs.push(arc);
            arc = 0;
        }
    }
    let mut out = String::new();
    if let Some(first) = arcs.first() {
        // The first subidentifier packs the first two arcs.
        let (a, b) = match first {
            0..=39 => (0, *first),
            40..=79 => (1, first - 40),
            _ => (2, first - 80),
        };
        out.push_str(&format!("{a}.{b}"));
    }
    for arc in arcs.iter().skip(1) {
        out.push_str(&format!(".{arc}"));
    }
    out
}

/// The type and size of a public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// rsaEncryption (RFC 8017 A.1), with the modulus size in bits.
    Rsa {
        bits: usize,
    },
    /// id-RSASSA-PSS keys.
    RsaPss {
        bits: usize,
    },
    EcdsaP256,
    EcdsaP384,
    EcdsaP521,
    /// id-ecPublicKey on another curve.
    Ecdsa,
    Ed25519,
    Ed448,
    Other,
}

impl KeyKind {
    /// The RSA modulus size, for RSA keys.
    pub(crate) fn rsa_bits(self) -> Option<usize> {
        match self {
            Self::Rsa { bits } | Self::RsaPss { bits } => Some(bits),
            _ => None,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { bits } => write!(f, "RSA {bits}-bit"),
            Self::RsaPss { bits } => write!(f, "RSA-PSS {bits}-bit"),
            Self::EcdsaP256 => f.write_str("ECDSA P-256"),
            Self::EcdsaP384 => f.write_str("ECDSA P-384"),
            Self::EcdsaP521 => f.write_str("ECDSA P-521"),
            Self::Ecdsa => f.write_str("ECDSA (another curve)"),
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::Ed448 => f.write_str("Ed448"),
            Self::Other => f.write_str("an unrecognised key type"),
        }
    }
}

/// The parts of a SubjectPublicKeyInfo (RFC 5280 4.1.2.7).
struct Spki<'a> {
    /// The algorithm OID's contents.
    algorithm: &'a [u8],
    /// The algorithm parameters' value (an EC key's curve OID), if any.
    params: Option<&'a [u8]>,
    /// The subjectPublicKey bits.
    key: &'a [u8],
}

/// Splits an SPKI, given its SEQUENCE's contents.
fn spki_parts(spki: &[u8]) -> Option<Spki<'_>> {
    let mut r = Reader::new(Input::from(spki));
    let alg = expect(&mut r, SEQUENCE)?;
    let bits = expect(&mut r, BIT_STRING)?.as_slice_less_safe();
    let mut alg = Reader::new(alg);
    let algorithm = expect(&mut alg, OID)?.as_slice_less_safe();
    let params = read_tlv(&mut alg).map(|(_, v)| v.as_slice_less_safe());
    // The unused-bits count of a key's BIT STRING is 0.
    let key = match bits.split_first() {
        Some((0, key)) => key,
        _ => return None,
    };
    Some(Spki {
        algorithm,
        params,
        key,
    })
}

/// The subjectPublicKey bits of an SPKI (its SEQUENCE's contents).
pub(crate) fn public_key_bits(spki: &[u8]) -> Option<&[u8]> {
    spki_parts(spki).map(|parts| parts.key)
}

/// The SEQUENCE contents of a complete DER SubjectPublicKeyInfo.
pub(crate) fn spki_contents(spki_der: &[u8]) -> Option<&[u8]> {
    whole(spki_der, SEQUENCE)
}

/// The kind of key an SPKI (its SEQUENCE's contents) holds.
pub(crate) fn key_kind(spki: &[u8]) -> KeyKind {
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
    const EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    let Some(Spki {
        algorithm,
        params,
        key,
    }) = spki_parts(spki)
    else {
        return KeyKind::Other;
    };
    match algorithm {
        RSA => rsa_modulus_bits(key).map_or(KeyKind::Other, |bits| KeyKind::Rsa { bits }),
        RSA_PSS => rsa_modulus_bits(key).map_or(KeyKind::Other, |bits| KeyKind::RsaPss { bits }),
        EC => match params {
            Some(P256) => KeyKind::EcdsaP256,
            Some(P384) => KeyKind::EcdsaP384,
            Some(P521) => KeyKind::EcdsaP521,
            _ => KeyKind::Ecdsa,
        },
        // RFC 8410 3.
        [0x2b, 0x65, 0x70] => KeyKind::Ed25519,
        [0x2b, 0x65, 0x71] => KeyKind::Ed448,
        _ => KeyKind::Other,
    }
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017
/// A.1.1): the modulus size in bits.
fn rsa_modulus_bits(key: &[u8]) -> Option<usize> {
    let key = whole(key, SEQUENCE)?;
    let mut r = Reader::new(Input::from(key));
    let modulus = expect(&mut r, INTEGER)?.as_slice_less_safe();
    let skip = modulus.iter().take_while(|b| **b == 0).count();
    let significant = modulus.get(skip..)?;
    let first = significant.first()?;
    Some(significant.len() * 8 - first.leading_zeros() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_render_known_and_unknown_attributes() {
        // SET { SEQUENCE { CN, UTF8String "a\nb" } }, SET { SEQUENCE { 1.2.3, PrintableString "x" } }
        let name = [
            0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03, b'a', b'\n', b'b',
            0x31, 0x0a, 0x30, 0x08, 0x06, 0x02, 0x2a, 0x03, 0x13, 0x02, b'x', b'y',
        ];
        assert_eq!(name_text(&name), "CN=a\\u{a}b, 1.2.3=xy");
        assert_eq!(name_text(&[]), "(an empty name)");
        assert_eq!(name_text(&[0x31, 0x05, 0x30]), "(an unreadable name)");
    }

    #[test]
    fn oids_decode_multi_byte_arcs() {
        assert_eq!(
            oid_text(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]),
            "1.2.840.113549"
        );
        assert_eq!(oid_text(&[0x55, 0x1d, 0x13]), "2.5.29.19");
    }

    #[test]
    fn junk_is_none_not_a_panic() {
        for len in 0..64 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 41 + 0x30) as u8).collect();
            let _ = CertFacts::parse(&junk).map(|c| (c.alt_names(), c.basic_constraints()));
            let _ = key_kind(&junk);
            let _ = name_text(&junk);
        }
    }

    #[test]
    fn small_uints() {
        assert_eq!(small_uint(&[0]), Some(0));
        assert_eq!(small_uint(&[0x00, 0x80]), Some(128));
        assert_eq!(small_uint(&[0x80]), None);
        assert_eq!(small_uint(&[1; 9]), None);
    }
}
