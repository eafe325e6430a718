//! The extensions a client sends in ClientHello.

use alloc::vec::Vec;

use super::extensions::{
    CertificateStatusRequest, Extension, KeyShareEntry, PresharedKeyOffer, ServerNameEntry,
    extension_codec, non_empty, put_opaque_list, read_non_empty_opaque, read_opaque_list,
};
use crate::codec::{Codec, LengthPrefix, Reader, put_list, put_opaque};
use crate::enums::{
    ECPointFormat, ExtensionType, NamedGroup, ProtocolVersion, PskKeyExchangeMode, SignatureScheme,
};
use crate::error::InvalidMessage;

/// One ClientHello extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientExtension {
    /// server_name (RFC 6066 3): `ServerName server_name_list<1..2^16-1>`.
    ServerName(Vec<ServerNameEntry>),
    /// status_request (RFC 6066 8).
    StatusRequest(CertificateStatusRequest),
    /// supported_groups (RFC 8446 4.2.7): `NamedGroup named_group_list<2..2^16-1>`.
    SupportedGroups(Vec<NamedGroup>),
    /// ec_point_formats (RFC 8422 5.1.2): `ECPointFormat ec_point_format_list<1..2^8-1>`.
    EcPointFormats(Vec<ECPointFormat>),
    /// signature_algorithms (RFC 8446 4.2.3): `supported_signature_algorithms<2..2^16-2>`.
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// signature_algorithms_cert (RFC 8446 4.2.3), same shape as signature_algorithms.
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// application_layer_protocol_negotiation (RFC 7301 3.1): non-empty list of non-empty names.
    Alpn(Vec<Vec<u8>>),
    /// signed_certificate_timestamp (RFC 6962 3.3.1): empty in ClientHello.
    SignedCertificateTimestamp,
    /// padding (RFC 7685); kept raw so the encoding is reproduced.
    Padding(Vec<u8>),
    /// extended_master_secret (RFC 7627 5.1): empty.
    ExtendedMasterSecret,
    /// record_size_limit (RFC 8449 4): `uint16 RecordSizeLimit`.
    RecordSizeLimit(u16),
    /// session_ticket (RFC 5077 3.2): the ticket, or empty to ask for one.
    SessionTicket(Vec<u8>),
    /// pre_shared_key (RFC 8446 4.2.11); must be the last extension.
    PreSharedKey(PresharedKeyOffer),
    /// early_data (RFC 8446 4.2.10): empty in ClientHello.
    EarlyData,
    /// supported_versions (RFC 8446 4.2.1): `ProtocolVersion versions<2..254>`.
    SupportedVersions(Vec<ProtocolVersion>),
    /// cookie (RFC 8446 4.2.2): `opaque cookie<1..2^16-1>`.
    Cookie(Vec<u8>),
    /// psk_key_exchange_modes (RFC 8446 4.2.9): `PskKeyExchangeMode ke_modes<1..255>`.
    PskKeyExchangeModes(Vec<PskKeyExchangeMode>),
    /// certificate_authorities (RFC 8446 4.2.4): `DistinguishedName authorities<3..2^16-1>`.
    CertificateAuthorities(Vec<Vec<u8>>),
    /// post_handshake_auth (RFC 8446 4.2.6): empty.
    PostHandshakeAuth,
    /// key_share (RFC 8446 4.2.8): `KeyShareEntry client_shares<0..2^16-1>`.
    KeyShare(Vec<KeyShareEntry>),
    /// renegotiation_info (RFC 5746 3.2): `opaque renegotiated_connection<0..255>`.
    RenegotiationInfo(Vec<u8>),
    /// An extension this library does not interpret (including RFC 8701 GREASE).
    Unknown {
        /// The extension type.
        typ: ExtensionType,
        /// The raw `extension_data`.
        data: Vec<u8>,
    },
}

impl Extension for ClientExtension {
    fn ext_type(&self) -> ExtensionType {
        use ExtensionType as T;
        match self {
            Self::ServerName(_) => T::ServerName,
            Self::StatusRequest(_) => T::StatusRequest,
            Self::SupportedGroups(_) => T::SupportedGroups,
            Self::EcPointFormats(_) => T::ECPointFormats,
            Self::SignatureAlgorithms(_) => T::SignatureAlgorithms,
            Self::SignatureAlgorithmsCert(_) => T::SignatureAlgorithmsCert,
            Self::Alpn(_) => T::ALProtocolNegotiation,
            Self::SignedCertificateTimestamp => T::SCT,
            Self::Padding(_) => T::Padding,
            Self::ExtendedMasterSecret => T::ExtendedMasterSecret,
            Self::RecordSizeLimit(_) => T::RecordSizeLimit,
            Self::SessionTicket(_) => T::SessionTicket,
            Self::PreSharedKey(_) => T::PreSharedKey,
            Self::EarlyData => T::EarlyData,
            Self::SupportedVersions(_) => T::SupportedVersions,
            Self::Cookie(_) => T::Cookie,
            Self::PskKeyExchangeModes(_) => T::PSKKeyExchangeModes,
            Self::CertificateAuthorities(_) => T::CertificateAuthorities,
            Self::PostHandshakeAuth => T::PostHandshakeAuth,
            Self::KeyShare(_) => T::KeyShare,
            Self::RenegotiationInfo(_) => T::RenegotiationInfo,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        use LengthPrefix::{U8, U16};
        match self {
            Self::ServerName(names) => put_list(out, U16, names),
            Self::StatusRequest(req) => req.encode(out),
            Self::SupportedGroups(groups) => put_list(out, U16, groups),
            Self::EcPointFormats(formats) => put_list(out, U8, formats),
            Self::SignatureAlgorithms(schemes) | Self::SignatureAlgorithmsCert(schemes) => {
                put_list(out, U16, schemes)
            }
            Self::Alpn(names) => put_opaque_list(out, U16, U8, names),
            Self::SignedCertificateTimestamp
            | Self::ExtendedMasterSecret
            | Self::EarlyData
            | Self::PostHandshakeAuth => {}
            Self::Padding(data) | Self::SessionTicket(data) | Self::Unknown { data, .. } => {
                out.extend_from_slice(data)
            }
            Self::RecordSizeLimit(limit) => limit.encode(out),
            Self::PreSharedKey(offer) => offer.encode(out),
            Self::SupportedVersions(versions) => put_list(out, U8, versions),
            Self::Cookie(cookie) => put_opaque(out, U16, cookie),
            Self::PskKeyExchangeModes(modes) => put_list(out, U8, modes),
            Self::CertificateAuthorities(names) => put_opaque_list(out, U16, U16, names),
            Self::KeyShare(shares) => put_list(out, U16, shares),
            Self::RenegotiationInfo(data) => put_opaque(out, U8, data),
        }
    }

    fn read_body(typ: ExtensionType, r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        use ExtensionType as T;
        use LengthPrefix::{U8, U16};
        Ok(match typ {
            T::ServerName => Self::ServerName(r.non_empty_list(U16, "server_name_list")?),
            T::StatusRequest => Self::StatusRequest(CertificateStatusRequest::read(r)?),
            T::SupportedGroups => Self::SupportedGroups(r.non_empty_list(U16, "supported_groups")?),
            T::ECPointFormats => Self::EcPointFormats(r.non_empty_list(U8, "ec_point_formats")?),
            T::SignatureAlgorithms => {
                Self::SignatureAlgorithms(r.non_empty_list(U16, "signature_algorithms")?)
            }
            T::SignatureAlgorithmsCert => {
                Self::SignatureAlgorithmsCert(r.non_empty_list(U16, "signature_algorithms_cert")?)
            }
            // RFC 7301 3.1: ProtocolName protocol_name_list<2..2^16-1>, each <1..2^8-1>.
            T::ALProtocolNegotiation => Self::Alpn(non_empty(
                read_opaque_list(r, U16, U8, "ALPN protocol name")?,
                "ALPN protocol_name_list",
            )?),
            T::SCT => Self::SignedCertificateTimestamp,
            T::Padding => Self::Padding(r.rest().to_vec()),
            T::ExtendedMasterSecret => Self::ExtendedMasterSecret,
            T::RecordSizeLimit => Self::RecordSizeLimit(r.u16("record_size_limit")?),
            T::SessionTicket => Self::SessionTicket(r.rest().to_vec()),
            T::PreSharedKey => Self::PreSharedKey(PresharedKeyOffer::read(r)?),
            T::EarlyData => Self::EarlyData,
            T::SupportedVersions => {
                Self::SupportedVersions(r.non_empty_list(U8, "supported_versions")?)
            }
            T::Cookie => Self::Cookie(read_non_empty_opaque(r, U16, "cookie")?),
            T::PSKKeyExchangeModes => {
                Self::PskKeyExchangeModes(r.non_empty_list(U8, "psk_key_exchange_modes")?)
            }
            T::CertificateAuthorities => Self::CertificateAuthorities(non_empty(
                read_opaque_list(r, U16, U16, "certificate_authorities")?,
                "certificate_authorities",
            )?),
            T::PostHandshakeAuth => Self::PostHandshakeAuth,
            T::KeyShare => Self::KeyShare(r.list(U16, "client_shares")?),
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

extension_codec!(ClientExtension);
