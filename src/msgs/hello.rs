//! ClientHello, ServerHello and HelloRetryRequest (RFC 8446 4.1.2-4.1.4, RFC 5246 7.4.1).

use alloc::vec::Vec;

use super::ext_client::ClientExtension;
use super::ext_server::{HelloRetryExtension, ServerExtension};
use super::extensions::{
    CertificateStatusRequest, KeyShareEntry, PresharedKeyOffer, find, put_extension_block,
    read_extension_block,
};
use crate::codec::{Codec, LengthPrefix, Reader, put_list, put_opaque, put_prefixed};
use crate::enums::{
    CipherSuite, Compression, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion,
    PskKeyExchangeMode, ServerNameType, SignatureScheme,
};
use crate::error::InvalidMessage;

/// The `random` of a ServerHello that makes it a HelloRetryRequest: SHA-256 of
/// "HelloRetryRequest" (RFC 8446 4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The longest `legacy_session_id` (RFC 8446 4.1.2: `opaque legacy_session_id<0..32>`).
pub const MAX_SESSION_ID_LEN: usize = 32;

fn read_session_id(r: &mut Reader<'_>) -> Result<Vec<u8>, InvalidMessage> {
    let id = r.opaque(LengthPrefix::U8, "legacy_session_id")?;
    if id.len() > MAX_SESSION_ID_LEN {
        return Err(InvalidMessage::TooLong {
            what: "legacy_session_id",
            len: id.len(),
            max: MAX_SESSION_ID_LEN,
        });
    }
    Ok(id.to_vec())
}

/// ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version`: TLS 1.2 for a TLS 1.3 client.
    pub legacy_version: ProtocolVersion,
    /// 32 random bytes.
    pub random: [u8; 32],
    /// `legacy_session_id<0..32>`.
    pub session_id: Vec<u8>,
    /// `cipher_suites<2..2^16-2>`, in the client's preference order.
    pub cipher_suites: Vec<CipherSuite>,
    /// `legacy_compression_methods<1..2^8-1>`.
    pub compression_methods: Vec<Compression>,
    /// The extensions; `None` when the message ends before the extensions block (legal
    /// in TLS 1.2), which is kept apart from an empty block so re-encoding is exact.
    pub extensions: Option<Vec<ClientExtension>>,
}

impl Codec for ClientHello {
    fn encode(&self, out: &mut Vec<u8>) {
        self.legacy_version.encode(out);
        out.extend_from_slice(&self.random);
        put_opaque(out, LengthPrefix::U8, &self.session_id);
        put_list(out, LengthPrefix::U16, &self.cipher_suites);
        put_list(out, LengthPrefix::U8, &self.compression_methods);
        if let Some(exts) = &self.extensions {
            put_extension_block(out, exts);
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let legacy_version = ProtocolVersion::read(r)?;
        let random = r.array("random")?;
        let session_id = read_session_id(r)?;
        let cipher_suites = r.non_empty_list(LengthPrefix::U16, "cipher_suites")?;
        let compression_methods = r.non_empty_list(LengthPrefix::U8, "compression_methods")?;
        // RFC 5246 7.4.1.2: the extensions block may be absent.
        let extensions = if r.is_empty() {
            None
        } else {
            let exts: Vec<ClientExtension> = read_extension_block(r, "ClientHello extensions")?;
            // RFC 8446 4.2.11: pre_shared_key "MUST be the last extension in the
            // ClientHello"; servers MUST reject otherwise with illegal_parameter.
            if let Some(pos) = exts
                .iter()
                .position(|e| matches!(e, ClientExtension::PreSharedKey(_)))
            {
                if pos + 1 != exts.len() {
                    return Err(InvalidMessage::IllegalValue(
                        "pre_shared_key is not the last extension",
                    ));
                }
            }
            Some(exts)
        };
        Ok(Self {
            legacy_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }
}

impl ClientHello {
    /// The extensions, or an empty slice when there is no extensions block.
    pub fn extensions(&self) -> &[ClientExtension] {
        self.extensions.as_deref().unwrap_or_default()
    }

    /// The extension of type `typ`, if present.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&ClientExtension> {
        find(self.extensions(), typ)
    }

    /// True when an extension of type `typ` is present.
    pub fn has_extension(&self, typ: ExtensionType) -> bool {
        self.find_extension(typ).is_some()
    }

    /// The first `host_name` of server_name (RFC 6066 3), as raw bytes.
    pub fn server_name(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::ServerName)? {
            ClientExtension::ServerName(names) => names
                .iter()
                .find(|n| n.typ == ServerNameType::HostName)
                .map(|n| n.name.as_slice()),
            _ => None,
        }
    }

    /// The offered key shares (RFC 8446 4.2.8).
    pub fn key_shares(&self) -> Option<&[KeyShareEntry]> {
        match self.find_extension(ExtensionType::KeyShare)? {
            ClientExtension::KeyShare(shares) => Some(shares),
            _ => None,
        }
    }

    /// The versions of supported_versions (RFC 8446 4.2.1).
    pub fn supported_versions(&self) -> Option<&[ProtocolVersion]> {
        match self.find_extension(ExtensionType::SupportedVersions)? {
            ClientExtension::SupportedVersions(versions) => Some(versions),
            _ => None,
        }
    }

    /// The groups of supported_groups (RFC 8446 4.2.7).
    pub fn supported_groups(&self) -> Option<&[NamedGroup]> {
        match self.find_extension(ExtensionType::SupportedGroups)? {
            ClientExtension::SupportedGroups(groups) => Some(groups),
            _ => None,
        }
    }

    /// The schemes of signature_algorithms (RFC 8446 4.2.3).
    pub fn signature_schemes(&self) -> Option<&[SignatureScheme]> {
        match self.find_extension(ExtensionType::SignatureAlgorithms)? {
            ClientExtension::SignatureAlgorithms(schemes) => Some(schemes),
            _ => None,
        }
    }

    /// The schemes of signature_algorithms_cert (RFC 8446 4.2.3).
    pub fn signature_schemes_cert(&self) -> Option<&[SignatureScheme]> {
        match self.find_extension(ExtensionType::SignatureAlgorithmsCert)? {
            ClientExtension::SignatureAlgorithmsCert(schemes) => Some(schemes),
            _ => None,
        }
    }

    /// The offered ALPN protocol names (RFC 7301).
    pub fn alpn_protocols(&self) -> Option<&[Vec<u8>]> {
        match self.find_extension(ExtensionType::ALProtocolNegotiation)? {
            ClientExtension::Alpn(names) => Some(names),
            _ => None,
        }
    }

    /// The PSK modes of psk_key_exchange_modes (RFC 8446 4.2.9).
    pub fn psk_modes(&self) -> Option<&[PskKeyExchangeMode]> {
        match self.find_extension(ExtensionType::PSKKeyExchangeModes)? {
            ClientExtension::PskKeyExchangeModes(modes) => Some(modes),
            _ => None,
        }
    }

    /// The pre_shared_key offer (RFC 8446 4.2.11).
    pub fn psk_offer(&self) -> Option<&PresharedKeyOffer> {
        match self.find_extension(ExtensionType::PreSharedKey)? {
            ClientExtension::PreSharedKey(offer) => Some(offer),
            _ => None,
        }
    }

    /// The cookie echoed from a HelloRetryRequest (RFC 8446 4.2.2).
    pub fn cookie(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::Cookie)? {
            ClientExtension::Cookie(cookie) => Some(cookie),
            _ => None,
        }
    }

    /// The status_request of the client (RFC 6066 8).
    pub fn status_request(&self) -> Option<&CertificateStatusRequest> {
        match self.find_extension(ExtensionType::StatusRequest)? {
            ClientExtension::StatusRequest(req) => Some(req),
            _ => None,
        }
    }

    /// The renegotiated_connection of renegotiation_info (RFC 5746 3.2).
    pub fn renegotiation_info(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::RenegotiationInfo)? {
            ClientExtension::RenegotiationInfo(data) => Some(data),
            _ => None,
        }
    }

    /// True when early_data is offered (RFC 8446 4.2.10).
    pub fn early_data_offered(&self) -> bool {
        self.has_extension(ExtensionType::EarlyData)
    }

    /// Appends this ClientHello as a handshake message (header included) cut before
    /// the PSK binders: what a binder is computed over (RFC 8446 4.2.11.2
    /// "Truncate(ClientHello1)"). Without a PSK offer, the whole message. The same
    /// bytes as [`super::HandshakeMessage::encoding_for_binders`], without a copy of
    /// the hello.
    pub fn encode_for_binders(&self, out: &mut Vec<u8>) {
        let start = out.len();
        HandshakeType::ClientHello.encode(out);
        put_prefixed(out, LengthPrefix::U24, |out| self.encode(out));
        if let Some(offer) = self.psk_offer() {
            // pre_shared_key is the last extension, its binders the last bytes.
            let keep = out.len().saturating_sub(offer.binders_encoded_len());
            out.truncate(keep.max(start));
        }
    }

    /// Overwrites the binder of the only offered PSK identity in place (the offer is
    /// built with a placeholder of the right length, so this allocates nothing and the
    /// bytes [`Self::encode_for_binders`] gave stay a prefix of the encoding).
    ///
    /// Fails with [`InvalidMessage::IllegalValue`] when there is no pre_shared_key
    /// extension, it offers other than exactly one identity, or `binder` is not as long
    /// as the placeholder.
    pub fn set_single_psk_binder(&mut self, binder: &[u8]) -> Result<(), InvalidMessage> {
        let slot = self
            .psk_offer_mut()
            .and_then(|offer| match offer.binders.as_mut_slice() {
                [only] => Some(only),
                _ => None,
            })
            .ok_or(InvalidMessage::IllegalValue("PSK binder count"))?;
        if slot.len() != binder.len() {
            return Err(InvalidMessage::IllegalValue("PSK binder length"));
        }
        slot.copy_from_slice(binder);
        Ok(())
    }

    /// Replaces the PSK binders (after computing them over
    /// [`super::HandshakeMessage::encoding_for_binders`], RFC 8446 4.2.11.2).
    ///
    /// Fails with [`InvalidMessage::IllegalValue`] when there is no pre_shared_key
    /// extension or the number of binders differs from the number of identities.
    pub fn set_psk_binders(&mut self, binders: Vec<Vec<u8>>) -> Result<(), InvalidMessage> {
        let offer = self
            .psk_offer_mut()
            .ok_or(InvalidMessage::IllegalValue("no pre_shared_key to bind"))?;
        if binders.len() != offer.identities.len() {
            return Err(InvalidMessage::IllegalValue("PSK binder count"));
        }
        offer.binders = binders;
        Ok(())
    }

    fn psk_offer_mut(&mut self) -> Option<&mut PresharedKeyOffer> {
        self.extensions.iter_mut().flatten().find_map(|e| match e {
            ClientExtension::PreSharedKey(offer) => Some(offer),
            _ => None,
        })
    }
}

/// ServerHello (RFC 8446 4.1.3, RFC 5246 7.4.1.3), other than a HelloRetryRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    /// `legacy_version`: TLS 1.2 in TLS 1.3 (the real version is in supported_versions).
    pub legacy_version: ProtocolVersion,
    /// 32 random bytes (never [`HELLO_RETRY_REQUEST_RANDOM`]).
    pub random: [u8; 32],
    /// `legacy_session_id_echo<0..32>`.
    pub session_id: Vec<u8>,
    /// The selected cipher suite.
    pub cipher_suite: CipherSuite,
    /// The selected compression method.
    pub compression_method: Compression,
    /// The extensions; `None` when the block is absent (legal in TLS 1.2).
    pub extensions: Option<Vec<ServerExtension>>,
}

impl ServerHello {
    /// The extensions, or an empty slice when there is no extensions block.
    pub fn extensions(&self) -> &[ServerExtension] {
        self.extensions.as_deref().unwrap_or_default()
    }

    /// The extension of type `typ`, if present.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&ServerExtension> {
        find(self.extensions(), typ)
    }

    /// True when an extension of type `typ` is present.
    pub fn has_extension(&self, typ: ExtensionType) -> bool {
        self.find_extension(typ).is_some()
    }

    /// The server's key share (RFC 8446 4.2.8).
    pub fn key_share(&self) -> Option<&KeyShareEntry> {
        match self.find_extension(ExtensionType::KeyShare)? {
            ServerExtension::KeyShare(share) => Some(share),
            _ => None,
        }
    }

    /// The selected version of supported_versions (RFC 8446 4.2.1).
    pub fn supported_version(&self) -> Option<ProtocolVersion> {
        match self.find_extension(ExtensionType::SupportedVersions)? {
            ServerExtension::SupportedVersions(v) => Some(*v),
            _ => None,
        }
    }

    /// The index of the selected PSK identity (RFC 8446 4.2.11).
    pub fn psk_index(&self) -> Option<u16> {
        match self.find_extension(ExtensionType::PreSharedKey)? {
            ServerExtension::PreSharedKey(i) => Some(*i),
            _ => None,
        }
    }

    /// The selected ALPN protocol (TLS 1.2; in TLS 1.3 it is in EncryptedExtensions).
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::ALProtocolNegotiation)? {
            ServerExtension::Alpn(name) => Some(name),
            _ => None,
        }
    }

    /// The renegotiated_connection of renegotiation_info (RFC 5746 3.2).
    pub fn renegotiation_info(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::RenegotiationInfo)? {
            ServerExtension::RenegotiationInfo(data) => Some(data),
            _ => None,
        }
    }
}

/// HelloRetryRequest: a ServerHello with the special random (RFC 8446 4.1.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelloRetryRequest {
    /// `legacy_version` (TLS 1.2).
    pub legacy_version: ProtocolVersion,
    /// `legacy_session_id_echo<0..32>`.
    pub session_id: Vec<u8>,
    /// The cipher suite the server will select.
    pub cipher_suite: CipherSuite,
    /// `legacy_compression_method` (0).
    pub compression_method: Compression,
    /// The extensions (key_share, cookie, supported_versions, ...).
    pub extensions: Vec<HelloRetryExtension>,
}

impl HelloRetryRequest {
    /// The extension of type `typ`, if present.
    pub fn find_extension(&self, typ: ExtensionType) -> Option<&HelloRetryExtension> {
        find(&self.extensions, typ)
    }

    /// The group the server asks for a key share in (RFC 8446 4.2.8).
    pub fn requested_group(&self) -> Option<NamedGroup> {
        match self.find_extension(ExtensionType::KeyShare)? {
            HelloRetryExtension::KeyShare(group) => Some(*group),
            _ => None,
        }
    }

    /// The cookie the client must echo (RFC 8446 4.2.2).
    pub fn cookie(&self) -> Option<&[u8]> {
        match self.find_extension(ExtensionType::Cookie)? {
            HelloRetryExtension::Cookie(cookie) => Some(cookie),
            _ => None,
        }
    }

    /// The selected version (RFC 8446 4.2.1).
    pub fn supported_version(&self) -> Option<ProtocolVersion> {
        match self.find_extension(ExtensionType::SupportedVersions)? {
            HelloRetryExtension::SupportedVersions(v) => Some(*v),
            _ => None,
        }
    }
}

/// A decoded ServerHello-typed message: a real ServerHello or a HelloRetryRequest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerHelloOrRetry {
    /// A ServerHello.
    ServerHello(ServerHello),
    /// A HelloRetryRequest.
    HelloRetryRequest(HelloRetryRequest),
}

/// Writes the fields ServerHello and HelloRetryRequest share, up to the extensions.
fn encode_server_hello_head(
    out: &mut Vec<u8>,
    version: ProtocolVersion,
    random: &[u8; 32],
    session_id: &[u8],
    suite: CipherSuite,
    compression: Compression,
) {
    version.encode(out);
    out.extend_from_slice(random);
    put_opaque(out, LengthPrefix::U8, session_id);
    suite.encode(out);
    compression.encode(out);
}

impl ServerHello {
    /// Appends the body encoding. A `random` equal to [`HELLO_RETRY_REQUEST_RANDOM`]
    /// would decode as a HelloRetryRequest; servers never pick it.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_server_hello_head(
            out,
            self.legacy_version,
            &self.random,
            &self.session_id,
            self.cipher_suite,
            self.compression_method,
        );
        if let Some(exts) = &self.extensions {
            put_extension_block(out, exts);
        }
    }
}

impl HelloRetryRequest {
    /// Appends the body encoding (a ServerHello with the special random).
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_server_hello_head(
            out,
            self.legacy_version,
            &HELLO_RETRY_REQUEST_RANDOM,
            &self.session_id,
            self.cipher_suite,
            self.compression_method,
        );
        put_extension_block(out, &self.extensions);
    }
}

impl Codec for ServerHelloOrRetry {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::ServerHello(sh) => sh.encode(out),
            Self::HelloRetryRequest(hrr) => hrr.encode(out),
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        let legacy_version = ProtocolVersion::read(r)?;
        let random: [u8; 32] = r.array("random")?;
        let session_id = read_session_id(r)?;
        let cipher_suite = CipherSuite::read(r)?;
        let compression_method = Compression::read(r)?;
        // RFC 8446 4.1.3: the special random is what marks a HelloRetryRequest, and
        // its extensions are interpreted differently (e.g. key_share holds a group).
        if random == HELLO_RETRY_REQUEST_RANDOM {
            return Ok(Self::HelloRetryRequest(HelloRetryRequest {
                legacy_version,
                session_id,
                cipher_suite,
                compression_method,
                extensions: read_extension_block(r, "HelloRetryRequest extensions")?,
            }));
        }
        let extensions = if r.is_empty() {
            None
        } else {
            Some(read_extension_block(r, "ServerHello extensions")?)
        };
        Ok(Self::ServerHello(ServerHello {
            legacy_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            extensions,
        }))
    }
}
