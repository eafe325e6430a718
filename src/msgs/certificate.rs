//! Certificate, CertificateRequest (both versions' forms) and the signed payloads of
//! CertificateVerify and ServerKeyExchange.

use alloc::vec::Vec;

use super::ext_server::{CertReqExtension, CertificateExtension};
use super::extensions::{
    find, put_extension_block, put_opaque_list, read_extension_block, read_non_empty_opaque,
    read_opaque_list,
};
use crate::codec::{Codec, LengthPrefix, Reader, put_list, put_opaque, put_prefixed};
use crate::enums::{ClientCertificateType, ExtensionType, HandshakeType, SignatureScheme};
use crate::error::InvalidMessage;

/// TLS 1.2 Certificate (RFC 5246 7.4.2): `ASN.1Cert certificate_list<0..2^24-1>`, each
/// `opaque <1..2^24-1>`, the end-entity certificate first. Empty for a client without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateTls12 {
    /// The DER certificates.
    pub certs: Vec<Vec<u8>>,
}

impl CertificateTls12 {
    /// Appends a whole Certificate message (header included) carrying `chain`: the
    /// bytes of encoding a [`CertificateTls12`] of those certificates, without copying
    /// each one into it first.
    pub fn encode_chain<'a>(chain: impl IntoIterator<Item = &'a [u8]>, out: &mut Vec<u8>) {
        HandshakeType::Certificate.encode(out);
        put_prefixed(out, LengthPrefix::U24, |out| {
            put_prefixed(out, LengthPrefix::U24, |out| {
                for cert in chain {
                    put_opaque(out, LengthPrefix::U24, cert);
                }
            });
        });
    }
}

impl Codec for CertificateTls12 {
    fn encode(&self, out: &mut Vec<u8>) {
        put_opaque_list(out, LengthPrefix::U24, LengthPrefix::U24, &self.certs);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            certs: read_opaque_list(r, LengthPrefix::U24, LengthPrefix::U24, "certificate_list")?,
        })
    }
}

/// One certificate of a TLS 1.3 Certificate message (RFC 8446 4.4.2 `CertificateEntry`,
/// X.509 form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateEntry {
    /// The DER certificate, `opaque cert_data<1..2^24-1>`.
    pub cert: Vec<u8>,
    /// Per-certificate extensions (OCSP response, SCTs).
    pub extensions: Vec<CertificateExtension>,
}

impl CertificateEntry {
    /// The OCSP response attached to this certificate (RFC 8446 4.4.2.1).
    pub fn ocsp_response(&self) -> Option<&[u8]> {
        match find(&self.extensions, ExtensionType::StatusRequest)? {
            CertificateExtension::StatusRequest(status) => Some(&status.ocsp_response),
            _ => None,
        }
    }

    /// The SCT list attached to this certificate (RFC 6962 3.3).
    pub fn scts(&self) -> Option<&[Vec<u8>]> {
        match find(&self.extensions, ExtensionType::SCT)? {
            CertificateExtension::SignedCertificateTimestamp(scts) => Some(scts),
            _ => None,
        }
    }
}

impl Codec for CertificateEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        put_opaque(out, LengthPrefix::U24, &self.cert);
        put_extension_block(out, &self.extensions);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            cert: read_non_empty_opaque(r, LengthPrefix::U24, "cert_data")?,
            extensions: read_extension_block(r, "CertificateEntry extensions")?,
        })
    }
}

/// TLS 1.3 Certificate (RFC 8446 4.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateTls13 {
    /// `opaque certificate_request_context<0..2^8-1>`: empty in the server's message;
    /// echoes the CertificateRequest's context in a client's.
    pub context: Vec<u8>,
    /// `CertificateEntry certificate_list<0..2^24-1>`, end-entity first.
    pub entries: Vec<CertificateEntry>,
}

impl CertificateTls13 {
    /// The DER certificates, end-entity first, without their extensions.
    pub fn certs(&self) -> impl Iterator<Item = &[u8]> {
        self.entries.iter().map(|e| e.cert.as_slice())
    }
}

impl CertificateTls13 {
    /// Appends a whole Certificate message (header included) with `context` and one
    /// entry without extensions per certificate of `chain`: the bytes of encoding a
    /// [`CertificateTls13`] of such entries, without copying each certificate first.
    pub fn encode_chain<'a>(
        context: &[u8],
        chain: impl IntoIterator<Item = &'a [u8]>,
        out: &mut Vec<u8>,
    ) {
        HandshakeType::Certificate.encode(out);
        put_prefixed(out, LengthPrefix::U24, |out| {
            put_opaque(out, LengthPrefix::U8, context);
            put_prefixed(out, LengthPrefix::U24, |out| {
                for cert in chain {
                    put_opaque(out, LengthPrefix::U24, cert);
                    put_extension_block::<CertificateExtension>(out, &[]);
                }
            });
        });
    }
}

impl Codec for CertificateTls13 {
    fn encode(&self, out: &mut Vec<u8>) {
        put_opaque(out, LengthPrefix::U8, &self.context);
        put_list(out, LengthPrefix::U24, &self.entries);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            context: r
                .opaque(LengthPrefix::U8, "certificate_request_context")?
                .to_vec(),
            entries: r.list(LengthPrefix::U24, "certificate_list")?,
        })
    }
}

/// TLS 1.2 CertificateRequest (RFC 5246 7.4.4 with RFC 8422 5.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequestTls12 {
    /// `ClientCertificateType certificate_types<1..2^8-1>`.
    pub cert_types: Vec<ClientCertificateType>,
    /// `SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>`.
    pub sig_schemes: Vec<SignatureScheme>,
    /// `DistinguishedName certificate_authorities<0..2^16-1>` (DER names).
    pub authorities: Vec<Vec<u8>>,
}

impl Codec for CertificateRequestTls12 {
    fn encode(&self, out: &mut Vec<u8>) {
        put_list(out, LengthPrefix::U8, &self.cert_types);
        put_list(out, LengthPrefix::U16, &self.sig_schemes);
        put_opaque_list(out, LengthPrefix::U16, LengthPrefix::U16, &self.authorities);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            cert_types: r.non_empty_list(LengthPrefix::U8, "certificate_types")?,
            sig_schemes: r.non_empty_list(LengthPrefix::U16, "supported_signature_algorithms")?,
            authorities: read_opaque_list(
                r,
                LengthPrefix::U16,
                LengthPrefix::U16,
                "certificate_authorities",
            )?,
        })
    }
}

/// TLS 1.3 CertificateRequest (RFC 8446 4.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequestTls13 {
    /// `opaque certificate_request_context<0..2^8-1>`.
    pub context: Vec<u8>,
    /// The extensions; signature_algorithms is required.
    pub extensions: Vec<CertReqExtension>,
}

impl CertificateRequestTls13 {
    /// The schemes of signature_algorithms (RFC 8446 4.3.2: "MUST be specified").
    pub fn signature_schemes(&self) -> Option<&[SignatureScheme]> {
        match find(&self.extensions, ExtensionType::SignatureAlgorithms)? {
            CertReqExtension::SignatureAlgorithms(schemes) => Some(schemes),
            _ => None,
        }
    }

    /// The acceptable certificate authorities (RFC 8446 4.2.4).
    pub fn authorities(&self) -> Option<&[Vec<u8>]> {
        match find(&self.extensions, ExtensionType::CertificateAuthorities)? {
            CertReqExtension::CertificateAuthorities(names) => Some(names),
            _ => None,
        }
    }
}

impl Codec for CertificateRequestTls13 {
    fn encode(&self, out: &mut Vec<u8>) {
        put_opaque(out, LengthPrefix::U8, &self.context);
        put_extension_block(out, &self.extensions);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            context: r
                .opaque(LengthPrefix::U8, "certificate_request_context")?
                .to_vec(),
            extensions: read_extension_block(r, "CertificateRequest extensions")?,
        })
    }
}

/// A signature with its scheme: the body of CertificateVerify (RFC 8446 4.4.3) and the
/// signature of a TLS 1.2 ServerKeyExchange (RFC 5246 4.7 `digitally-signed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigitallySigned {
    /// The signature scheme.
    pub scheme: SignatureScheme,
    /// `opaque signature<0..2^16-1>`.
    pub signature: Vec<u8>,
}

impl Codec for DigitallySigned {
    fn encode(&self, out: &mut Vec<u8>) {
        self.scheme.encode(out);
        put_prefixed(out, LengthPrefix::U16, |out| {
            out.extend_from_slice(&self.signature)
        });
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            scheme: SignatureScheme::read(r)?,
            signature: r.opaque(LengthPrefix::U16, "signature")?.to_vec(),
        })
    }
}
