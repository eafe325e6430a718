//! The extensions of the server's messages (ServerHello, EncryptedExtensions,
//! HelloRetryRequest, CertificateRequest, NewSessionTicket) and of TLS 1.3 certificate
//! entries.

use alloc::vec::Vec;

use super::extensions::{
    CertificateStatus, Extension, KeyShareEntry, extension_codec, non_empty, put_opaque_list,
    read_non_empty_opaque, read_opaque_list,
};
use crate::codec::{Codec, LengthPrefix, Reader, put_list, put_opaque};
use crate::enums::{ECPointFormat, ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::error::InvalidMessage;

/// One extension of ServerHello (TLS 1.2 and 1.3) or EncryptedExtensions (TLS 1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerExtension {
    /// server_name acknowledgement (RFC 6066 3): empty.
    ServerNameAck,
    /// status_request acknowledgement (RFC 6066 8, TLS 1.2): empty.
    StatusRequestAck,
    /// supported_groups (RFC 8446 4.2.7): the server's preference, in EncryptedExtensions.
    SupportedGroups(Vec<NamedGroup>),
    /// ec_point_formats (RFC 8422 5.2).
    EcPointFormats(Vec<ECPointFormat>),
    /// application_layer_protocol_negotiation (RFC 7301 3.1): exactly one protocol.
    Alpn(Vec<u8>),
    /// signed_certificate_timestamp (RFC 6962 3.3.1, TLS 1.2): `SerializedSCT sct_list<1..2^16-1>`.
    SignedCertificateTimestamp(Vec<Vec<u8>>),
    /// extended_master_secret (RFC 7627 5.2): empty.
    ExtendedMasterSecret,
    /// record_size_limit (RFC 8449 4).
    RecordSizeLimit(u16),
    /// session_ticket (RFC 5077 3.2): empty, a promise of a NewSessionTicket.
    SessionTicketAck,
    /// pre_shared_key (RFC 8446 4.2.11): `uint16 selected_identity`.
    PreSharedKey(u16),
    /// early_data (RFC 8446 4.2.10): empty, in EncryptedExtensions.
    EarlyData,
    /// supported_versions (RFC 8446 4.2.1): `ProtocolVersion selected_version`.
    SupportedVersions(ProtocolVersion),
    /// key_share (RFC 8446 4.2.8): `KeyShareEntry server_share`.
    KeyShare(KeyShareEntry),
    /// renegotiation_info (RFC 5746 3.2): `opaque renegotiated_connection<0..255>`.
    RenegotiationInfo(Vec<u8>),
    /// An extension this library does not interpret.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The raw `extension_data`.
        data: Vec<u8>,
    },
}

impl Extension for ServerExtension {
    fn ext_type(&self) -> ExtensionType {
        use ExtensionType as T;
        match self {
            Self::ServerNameAck => T::ServerName,
            Self::StatusRequestAck => T::StatusRequest,
            Self::SupportedGroups(_) => T::SupportedGroups,
            Self::EcPointFormats(_) => T::ECPointFormats,
            Self::Alpn(_) => T::ALProtocolNegotiation,
            Self::SignedCertificateTimestamp(_) => T::SCT,
            Self::ExtendedMasterSecret => T::ExtendedMasterSecret,
            Self::RecordSizeLimit(_) => T::RecordSizeLimit,
            Self::SessionTicketAck => T::SessionTicket,
            Self::PreSharedKey(_) => T::PreSharedKey,
            Self::EarlyData => T::EarlyData,
            Self::SupportedVersions(_) => T::SupportedVersions,
            Self::KeyShare(_) => T::KeyShare,
            Self::RenegotiationInfo(_) => T::RenegotiationInfo,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        use LengthPrefix::{U8, U16};
        match self {
            Self::ServerNameAck
            | Self::StatusRequestAck
            | Self::ExtendedMasterSecret
            | Self::SessionTicketAck
            | Self::EarlyData => {}
            Self::SupportedGroups(groups) => put_list(out, U16, groups),
            Self::EcPointFormats(formats) => put_list(out, U8, formats),
            Self::Alpn(name) => put_opaque_list(out, U16, U8, core::slice::from_ref(name)),
            Self::SignedCertificateTimestamp(scts) => put_opaque_list(out, U16, U16, scts),
            Self::RecordSizeLimit(limit) => limit.encode(out),
            Self::PreSharedKey(index) => index.encode(out),
            Self::SupportedVersions(version) => version.encode(out),
            Self::KeyShare(share) => share.encode(out),
            Self::RenegotiationInfo(data) => put_opaque(out, U8, data),
            Self::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }

    fn read_body(typ: ExtensionType, r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        use ExtensionType as T;
        use LengthPrefix::{U8, U16};
        Ok(match typ {
            T::ServerName => Self::ServerNameAck,
            T::StatusRequest => Self::StatusRequestAck,
            T::SupportedGroups => Self::SupportedGroups(r.non_empty_list(U16, "supported_groups")?),
            T::ECPointFormats => Self::EcPointFormats(r.non_empty_list(U8, "ec_point_formats")?),
            T::ALProtocolNegotiation => {
                // RFC 7301 3.1: the server's list "MUST contain exactly one" protocol.
                let names = non_empty(
                    read_opaque_list(r, U16, U8, "ALPN protocol name")?,
                    "ALPN protocol_name_list",
                )?;
                match <[Vec<u8>; 1]>::try_from(names) {
                    Ok([name]) => Self::Alpn(name),
                    Err(_) => return Err(InvalidMessage::IllegalValue("ALPN protocol count")),
                }
            }
            T::SCT => Self::SignedCertificateTimestamp(non_empty(
                read_opaque_list(r, U16, U16, "sct_list")?,
                "sct_list",
            )?),
            T::ExtendedMasterSecret => Self::ExtendedMasterSecret,
            T::RecordSizeLimit => Self::RecordSizeLimit(r.u16("record_size_limit")?),
            T::SessionTicket => Self::SessionTicketAck,
            T::PreSharedKey => Self::PreSharedKey(r.u16("selected_identity")?),
            T::EarlyData => Self::EarlyData,
            T::SupportedVersions => Self::SupportedVersions(ProtocolVersion::read(r)?),
            T::KeyShare => Self::KeyShare(KeyShareEntry::read(r)?),
            T::RenegotiationInfo => {
                Self::RenegotiationInfo(r.opaque(U8, "renegotiated_connection")?.to_vec())
            }
            typ => Self::Unknown {
                typ,
                data: r.rest().to_vec(),
            },
        })
    }
}

extension_codec!(ServerExtension);

/// One HelloRetryRequest extension (RFC 8446 4.1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelloRetryExtension {
    /// key_share (RFC 8446 4.2.8): `NamedGroup selected_group`.
    KeyShare(NamedGroup),
    /// cookie (RFC 8446 4.2.2): `opaque cookie<1..2^16-1>`.
    Cookie(Vec<u8>),
    /// supported_versions (RFC 8446 4.2.1): `ProtocolVersion selected_version`.
    SupportedVersions(ProtocolVersion),
    /// An extension this library does not interpret.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The raw `extension_data`.
        data: Vec<u8>,
    },
}

impl Extension for HelloRetryExtension {
    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::KeyShare(_) => ExtensionType::KeyShare,
            Self::Cookie(_) => ExtensionType::Cookie,
            Self::SupportedVersions(_) => ExtensionType::SupportedVersions,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::KeyShare(group) => group.encode(out),
            Self::Cookie(cookie) => put_opaque(out, LengthPrefix::U16, cookie),
            Self::SupportedVersions(version) => version.encode(out),
            Self::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }

    fn read_body(typ: ExtensionType, r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(match typ {
            ExtensionType::KeyShare => Self::KeyShare(NamedGroup::read(r)?),
            ExtensionType::Cookie => {
                Self::Cookie(read_non_empty_opaque(r, LengthPrefix::U16, "cookie")?)
            }
            ExtensionType::SupportedVersions => Self::SupportedVersions(ProtocolVersion::read(r)?),
            typ => Self::Unknown {
                typ,
                data: r.rest().to_vec(),
            },
        })
    }
}

extension_codec!(HelloRetryExtension);

/// One extension of a TLS 1.3 CertificateRequest (RFC 8446 4.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertReqExtension {
    /// signature_algorithms (RFC 8446 4.2.3); required.
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// signature_algorithms_cert (RFC 8446 4.2.3).
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// certificate_authorities (RFC 8446 4.2.4): DER distinguished names.
    CertificateAuthorities(Vec<Vec<u8>>),
    /// An extension this library does not interpret (e.g. oid_filters).
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The raw `extension_data`.
        data: Vec<u8>,
    },
}

impl Extension for CertReqExtension {
    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::SignatureAlgorithms(_) => ExtensionType::SignatureAlgorithms,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SignatureAlgorithmsCert,
            Self::CertificateAuthorities(_) => ExtensionType::CertificateAuthorities,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::SignatureAlgorithms(schemes) | Self::SignatureAlgorithmsCert(schemes) => {
                put_list(out, LengthPrefix::U16, schemes)
            }
            Self::CertificateAuthorities(names) => {
                put_opaque_list(out, LengthPrefix::U16, LengthPrefix::U16, names)
            }
            Self::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }

    fn read_body(typ: ExtensionType, r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        use LengthPrefix::U16;
        Ok(match typ {
            ExtensionType::SignatureAlgorithms => {
                Self::SignatureAlgorithms(r.non_empty_list(U16, "signature_algorithms")?)
            }
            ExtensionType::SignatureAlgorithmsCert => {
                Self::SignatureAlgorithmsCert(r.non_empty_list(U16, "signature_algorithms_cert")?)
            }
            ExtensionType::CertificateAuthorities => Self::CertificateAuthorities(non_empty(
                read_opaque_list(r, U16, U16, "certificate_authorities")?,
                "certificate_authorities",
            )?),
            typ => Self::Unknown {
                typ,
                data: r.rest().to_vec(),
            },
        })
    }
}

extension_codec!(CertReqExtension);

/// One extension of a TLS 1.3 CertificateEntry (RFC 8446 4.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateExtension {
    /// status_request (RFC 8446 4.4.2.1): the OCSP response for this certificate.
    StatusRequest(CertificateStatus),
    /// signed_certificate_timestamp (RFC 6962 3.3): the SCT list for this certificate.
    SignedCertificateTimestamp(Vec<Vec<u8>>),
    /// An extension this library does not interpret.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The raw `extension_data`.
        data: Vec<u8>,
    },
}

impl Extension for CertificateExtension {
    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::StatusRequest(_) => ExtensionType::StatusRequest,
            Self::SignedCertificateTimestamp(_) => ExtensionType::SCT,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::StatusRequest(status) => status.encode(out),
            Self::SignedCertificateTimestamp(scts) => {
                put_opaque_list(out, LengthPrefix::U16, LengthPrefix::U16, scts)
            }
            Self::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }

    fn read_body(typ: ExtensionType, r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(match typ {
            ExtensionType::StatusRequest => Self::StatusRequest(CertificateStatus::read(r)?),
            ExtensionType::SCT => Self::SignedCertificateTimestamp(non_empty(
                read_opaque_list(r, LengthPrefix::U16, LengthPrefix::U16, "sct_list")?,
                "sct_list",
            )?),
            typ => Self::Unknown {
                typ,
                data: r.rest().to_vec(),
            },
        })
    }
}

extension_codec!(CertificateExtension);

/// One extension of a TLS 1.3 NewSessionTicket (RFC 8446 4.6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewSessionTicketExtension {
    /// early_data (RFC 8446 4.2.10): `uint32 max_early_data_size`.
    EarlyData(u32),
    /// An extension this library does not interpret.
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The raw `extension_data`.
        data: Vec<u8>,
    },
}

impl Extension for NewSessionTicketExtension {
    fn ext_type(&self) -> ExtensionType {
        match self {
            Self::EarlyData(_) => ExtensionType::EarlyData,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::EarlyData(max) => max.encode(out),
            Self::Unknown { data, .. } => out.extend_from_slice(data),
        }
    }

    fn read_body(typ: ExtensionType, r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(match typ {
            ExtensionType::EarlyData => Self::EarlyData(r.u32("max_early_data_size")?),
            typ => Self::Unknown {
                typ,
                data: r.rest().to_vec(),
            },
        })
    }
}

extension_codec!(NewSessionTicketExtension);
