//! One error type for the whole library.
//!
//! Every variant knows the alert it sends ([`Error::alert`] is the only place that picks
//! one), so handshake and record code just return `Err` and the connection core sends
//! the alert and stays failed.

use alloc::string::String;
use alloc::vec::Vec;

use crate::enums::{
    AlertDescription, CipherSuite, ContentType, ExtensionType, HandshakeType, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
use crate::time::{Rfc3339, UnixTime};

/// Everything that can go wrong in a TLS connection.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The peer sent bytes that do not decode as the message expected.
    #[error("received a malformed message: {0}")]
    InvalidMessage(#[from] InvalidMessage),

    /// The peer sent a well-formed message that is not allowed at this point.
    #[error("received {got} while expecting {expected}")]
    UnexpectedMessage {
        /// What the handshake state could accept.
        expected: &'static str,
        /// What arrived instead.
        got: MessageKind,
    },

    /// The peer broke a protocol rule.
    #[error("peer misbehaved: {0}")]
    PeerMisbehaved(#[from] PeerMisbehaved),

    /// The peer and this configuration have nothing in common to agree on.
    #[error("peer is incompatible: {0}")]
    PeerIncompatible(#[from] PeerIncompatible),

    /// A record failed AEAD authentication: it was forged, corrupted or replayed.
    #[error("a received record failed authentication (bad_record_mac)")]
    DecryptError,

    /// A record could not be sealed (it was over the size limit or the key is exhausted).
    #[error("a record could not be encrypted")]
    EncryptError,

    /// A signature (CertificateVerify, ServerKeyExchange) did not verify.
    #[error("the peer's {0} signature did not verify")]
    BadSignature(&'static str),

    /// The peer's Finished message did not match the transcript.
    #[error("the peer's Finished message does not match the handshake transcript")]
    BadFinished,

    /// The peer's certificate was rejected.
    #[error("invalid peer certificate: {0}")]
    Certificate(#[from] CertificateError),

    /// The peer sent a fatal alert (or a warning alert that ends the connection).
    #[error("the peer sent a fatal alert: {0}{hint}", hint = .0.peer_hint())]
    AlertReceived(AlertDescription),

    /// A private key could not be loaded.
    #[error("private key rejected: {0}")]
    InvalidPrivateKey(&'static str),

    /// The crypto provider's random number generator failed.
    #[error("the random number generator failed")]
    FailedToGetRandomBytes,

    /// The provider lacks an algorithm the operation needs.
    #[error("the crypto provider does not support {0}")]
    Unsupported(&'static str),

    /// A record sequence number reached its limit; the connection must end (RFC 8446 5.3).
    #[error("the record sequence number is exhausted; the connection must be closed")]
    SequenceNumberExhausted,

    /// The caller used the API in a way it does not allow.
    #[error("API misuse: {0}")]
    ApiMisuse(&'static str),

    /// This side's configuration cannot work: found while it is built, before any peer
    /// is involved.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),

    /// A bug or an internal invariant broken; reported rather than panicking.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl Error {
    /// The alert this error sends to the peer, or `None` when no alert is due (the
    /// peer already sent one, or the error is local).
    pub fn alert(&self) -> Option<AlertDescription> {
        use AlertDescription as A;
        Some(match self {
            Self::InvalidMessage(m) => m.alert(),
            Self::UnexpectedMessage { .. } => A::UnexpectedMessage,
            Self::PeerMisbehaved(p) => p.alert(),
            Self::PeerIncompatible(p) => p.alert(),
            // RFC 8446 5.2: a record that fails to deprotect gets bad_record_mac.
            Self::DecryptError => A::BadRecordMac,
            // RFC 8446 4.4.3, 4.4.4: bad signatures and Finished get decrypt_error.
            Self::BadSignature(_) | Self::BadFinished => A::DecryptError,
            Self::Certificate(c) => c.alert(),
            Self::EncryptError
            | Self::InvalidPrivateKey(_)
            | Self::FailedToGetRandomBytes
            | Self::Unsupported(_)
            | Self::SequenceNumberExhausted
            | Self::Internal(_) => A::InternalError,
            // Configuration errors happen before a connection exists.
            Self::AlertReceived(_) | Self::ApiMisuse(_) | Self::Config(_) => return None,
        })
    }
}

/// What kind of message arrived, for [`Error::UnexpectedMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// A handshake message of this type.
    Handshake(HandshakeType),
    /// A record of this content type (not a handshake message).
    Record(ContentType),
}

impl core::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Handshake(t) => write!(f, "handshake message {t:?}"),
            Self::Record(t) => write!(f, "{t:?} record"),
        }
    }
}

/// Why a received message could not be decoded. Each names the field or message.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidMessage {
    /// The input ended inside this field.
    #[error("{0} is truncated")]
    Truncated(&'static str),
    /// Bytes were left over after this field or message.
    #[error("{0} has unexpected trailing bytes")]
    TrailingData(&'static str),
    /// This vector must not be empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// This field holds a value the RFC does not allow here.
    #[error("{0} has an illegal value")]
    IllegalValue(&'static str),
    /// An extension appeared twice in one block (RFC 8446 4.2).
    #[error("extension {0:#06x} appears more than once")]
    DuplicateExtension(u16),
    /// A field or message is longer than its limit.
    #[error("{what} is {len} bytes, over the limit of {max}")]
    TooLong {
        /// The field or message.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A record is longer than the protocol allows (RFC 8446 5.1, 5.2).
    #[error("a record of {len} bytes is over the limit of {max}")]
    RecordTooLarge {
        /// The record's length field.
        len: usize,
        /// The limit for this record.
        max: usize,
    },
    /// A record's content type is not one TLS defines.
    #[error("unknown record content type {0}")]
    UnknownContentType(u8),
    /// The peer speaks plain-text HTTP where a TLS record was due: what it sent and
    /// the likely cause.
    #[error("the peer sent {0}, not TLS")]
    PlainHttp(&'static str),
    /// A handshake or alert record was empty (RFC 8446 5.1).
    #[error("an empty {0:?} record is not allowed")]
    EmptyFragment(ContentType),
    /// A record's legacy version field is not a TLS version.
    #[error("record version {0:#06x} is not TLS")]
    BadRecordVersion(u16),
    /// A change_cipher_spec record whose payload is not the single byte 1 (RFC 8446 5).
    #[error("change_cipher_spec payload is not the single byte 0x01")]
    InvalidChangeCipherSpec,
}

impl InvalidMessage {
    fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            // RFC 8446 6.2: a field "out of the specified range or the length of the
            // message was incorrect" is decode_error.
            Self::Truncated(_) | Self::TrailingData(_) | Self::Empty(_) | Self::TooLong { .. } => {
                A::DecodeError
            }
            Self::BadRecordVersion(_) => A::DecodeError,
            // RFC 8446 6.2: "a field in the handshake was incorrect or inconsistent".
            Self::IllegalValue(_) | Self::DuplicateExtension(_) => A::IllegalParameter,
            // RFC 8446 5.1, 5.2: over-long records get record_overflow.
            Self::RecordTooLarge { .. } => A::RecordOverflow,
            // RFC 8446 5: an unexpected record type gets unexpected_message.
            Self::UnknownContentType(_) | Self::EmptyFragment(_) | Self::PlainHttp(_) => {
                A::UnexpectedMessage
            }
            // RFC 8446 5: any other change_cipher_spec value gets unexpected_message.
            Self::InvalidChangeCipherSpec => A::UnexpectedMessage,
        }
    }
}

/// A protocol rule the peer broke. More variants arrive with the handshake code.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerMisbehaved {
    /// A handshake message was still incomplete when the keys changed (RFC 8446 5.1).
    #[error("a handshake message was split across a key change")]
    KeyChangeWithPendingFragment,
    /// Another record type arrived between the fragments of one handshake message (RFC 8446 5.1).
    #[error("a {0:?} record arrived between the fragments of a handshake message")]
    InterleavedWithHandshakeFragment(ContentType),
    /// The peer's key share is not a valid public key for its group.
    #[error("the peer's key share is not a valid public key for its group")]
    InvalidKeyShare,
    /// A TLS 1.3 record's plaintext was all padding, with no content type (RFC 8446 5.4).
    #[error("a protected record had no content type (all padding)")]
    MissingInnerContentType,
    /// The peer signed with a scheme we do not support or did not offer (RFC 8446 4.4.3).
    #[error("the peer signed with {0:?}, which was not offered")]
    UnsupportedSignatureScheme(SignatureScheme),
    /// The peer's signature scheme does not fit its certificate's key.
    #[error("the peer signed with {0:?}, which does not match its certificate's key")]
    SignatureSchemeDoesNotMatchKey(SignatureScheme),
    /// The peer sent an extension in reply that was never offered (RFC 8446 4.2).
    #[error("{message} carries extension {extension:?}, which was not offered")]
    UnsolicitedExtension {
        /// The message.
        message: &'static str,
        /// The extension.
        extension: ExtensionType,
    },
    /// The peer sent an extension in a message that may not carry it (RFC 8446 4.2).
    #[error("{message} may not carry extension {extension:?}")]
    ExtensionNotAllowed {
        /// The message.
        message: &'static str,
        /// The extension.
        extension: ExtensionType,
    },
    /// A required extension is missing.
    #[error("{message} lacks the required {extension:?} extension")]
    MissingExtension {
        /// The message.
        message: &'static str,
        /// The extension.
        extension: ExtensionType,
    },
    /// The server chose a cipher suite the client did not offer.
    #[error("the server chose cipher suite {0:?}, which was not offered")]
    SelectedUnofferedCipherSuite(CipherSuite),
    /// The server chose a key-exchange group the client sent no share for.
    #[error("the server chose group {0:?}, which was not offered")]
    SelectedUnofferedGroup(NamedGroup),
    /// The server chose a version the client did not offer.
    #[error("the server chose {0:?}, which was not offered")]
    SelectedUnofferedVersion(ProtocolVersion),
    /// A TLS 1.3 ServerHello or HelloRetryRequest whose legacy_version is not TLS 1.2
    /// (RFC 8446 4.1.3: it "MUST be set to 0x0303").
    #[error("the TLS 1.3 server hello's legacy_version is {0:?}, not TLS 1.2")]
    LegacyVersionNotTls12(ProtocolVersion),
    /// The server did not echo the client's legacy_session_id (RFC 8446 4.1.3), or a
    /// TLS 1.2 server echoed one that named no session to resume (RFC 5246 7.4.1.3).
    #[error("the server did not echo the client's session id, or echoed one that named no session")]
    WrongSessionIdEcho,
    /// The server chose a compression method other than null.
    #[error("the server chose compression, which is refused (CRIME)")]
    CompressionSelected,
    /// A TLS 1.2 ClientHello without null compression, which every ClientHello must
    /// offer (RFC 5246 7.4.1.2); we never compress (CRIME).
    #[error(
        "the ClientHello does not offer null compression, which RFC 5246 7.4.1.2 requires \
         (compression itself is refused: CRIME)"
    )]
    NullCompressionMissing,
    /// A HelloRetryRequest would not change the ClientHello (RFC 8446 4.1.4).
    #[error("the HelloRetryRequest asks for nothing new")]
    UselessHelloRetryRequest,
    /// A second HelloRetryRequest arrived (RFC 8446 4.1.4).
    #[error("the server sent a second HelloRetryRequest")]
    SecondHelloRetryRequest,
    /// The ServerHello after a HelloRetryRequest changed the suite (RFC 8446 4.1.4).
    #[error("the ServerHello's cipher suite differs from the HelloRetryRequest's")]
    HelloRetryRequestSuiteChanged,
    /// The ServerHello after a HelloRetryRequest did not keep its TLS 1.3
    /// selected_version (RFC 8446 4.1.4); `None`: it had no supported_versions.
    #[error("the ServerHello's version ({0:?}) differs from the HelloRetryRequest's (TLS 1.3)")]
    HelloRetryRequestVersionChanged(Option<ProtocolVersion>),
    /// The client's second ClientHello is not the one the HelloRetryRequest asked for.
    #[error("the second ClientHello does not answer the HelloRetryRequest: {0}")]
    BadRetriedClientHello(&'static str),
    /// The client retried with a lower version and TLS_FALLBACK_SCSV, though we support
    /// a higher one: a downgrade in progress (RFC 7507 3).
    #[error(
        "the client signals a fallback (TLS_FALLBACK_SCSV) to an older version though this \
         server supports {0:?}: someone may be forcing a downgrade"
    )]
    InappropriateFallback(ProtocolVersion),
    /// A TLS 1.3 downgrade sentinel appeared in a TLS 1.2 ServerHello (RFC 8446 4.1.3).
    #[error("the server's random carries the TLS 1.3 downgrade sentinel: a downgrade attack")]
    DowngradeDetected,
    /// The peer sent an empty certificate list where one is needed.
    #[error("the peer sent an empty certificate list")]
    EmptyCertificateList,
    /// A certificate_request_context was not what the protocol requires.
    #[error("the certificate_request_context is not the one expected")]
    BadCertificateRequestContext,
    /// The server selected an ALPN protocol the client did not offer (RFC 7301 3.2).
    #[error("the server selected an ALPN protocol that was not offered")]
    UnofferedAlpnProtocol,
    /// renegotiation_info was not empty on an initial handshake (RFC 5746 3.4, 3.6).
    #[error("the peer's renegotiation_info is not empty on an initial handshake")]
    BadRenegotiationInfo,
    /// The peer's ec_point_formats lacks the uncompressed format (RFC 8422 5.1.2).
    #[error("the peer does not accept uncompressed EC points")]
    UncompressedPointsNotOffered,
    /// A TLS 1.2 signature scheme does not fit the cipher suite's authentication.
    #[error("signature scheme {0:?} does not fit the negotiated cipher suite")]
    SignatureSchemeDoesNotMatchSuite(SignatureScheme),
    /// The server selected a PSK identity the client did not offer, or with a suite of
    /// another hash (RFC 8446 4.2.11).
    #[error("the server selected a pre-shared key that was not offered")]
    SelectedUnofferedPsk,
    /// The server accepted our 0-RTT data but not with the ticket's cipher suite or
    /// ALPN protocol, under which the data was sent (RFC 8446 4.2.10).
    #[error("the server accepted early data with another {0} than the ticket's")]
    EarlyDataParametersChanged(&'static str),
    /// A PSK binder did not verify (RFC 8446 4.2.11.2).
    #[error("the PSK binder does not verify")]
    IncorrectBinder,
    /// A resumed TLS 1.2 session came back with other parameters (RFC 5246 7.4.1.3).
    #[error("the resumed session's {0} differs from the original")]
    ResumedSessionMismatch(&'static str),
    /// Extended master secret use differs between a session and its resumption
    /// (RFC 7627 5.3).
    #[error("extended master secret use differs between the session and its resumption")]
    ExtendedMasterSecretMismatch,
    /// More 0-RTT data than max_early_data_size (RFC 8446 4.2.10).
    #[error("the peer sent more early data than allowed")]
    TooMuchEarlyData,
    /// Too many consecutive empty application-data records.
    #[error("the peer sent too many empty records in a row")]
    TooManyEmptyRecords,
    /// Too many TLS 1.3 middlebox-compatibility change_cipher_spec records (each is
    /// dropped, RFC 8446 5; a run of them is bounded by `Limits::max_empty_records`).
    #[error("the peer sent too many change_cipher_spec records")]
    TooManyChangeCipherSpecs,
    /// Too many warning alerts.
    #[error("the peer sent too many warning alerts (last: {0})")]
    TooManyWarningAlerts(AlertDescription),
    /// Too many post-handshake messages (KeyUpdate, NewSessionTicket, renegotiation
    /// requests) without application data between them.
    #[error("the peer sent too many post-handshake messages in a row without application data")]
    TooManyPostHandshakeMessages,
    /// Too many TLS 1.2 renegotiation requests (HelloRequest to a client, ClientHello
    /// to an established server), each of which we refuse.
    #[error("the peer asked to renegotiate too many times")]
    TooManyRenegotiationRequests,
    /// A record's plaintext exceeded 2^14 bytes after decryption (RFC 8446 5.2), or
    /// a TLS 1.3 inner plaintext (content, type and padding) 2^14 + 1 (RFC 8446 5.4).
    #[error(
        "a decrypted record is {0} bytes, over the limit (16,384 bytes of content; in TLS \
         1.3 16,385 with the content type and padding)"
    )]
    PlaintextTooLarge(usize),
}

impl PeerMisbehaved {
    fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            Self::KeyChangeWithPendingFragment
            | Self::InterleavedWithHandshakeFragment(_)
            | Self::MissingInnerContentType => A::UnexpectedMessage,
            Self::InvalidKeyShare
            | Self::UnsupportedSignatureScheme(_)
            | Self::SignatureSchemeDoesNotMatchKey(_) => A::IllegalParameter,
            Self::PlaintextTooLarge(_) => A::RecordOverflow,
            // RFC 7507 3.
            Self::InappropriateFallback(_) => A::InappropriateFallback,
            Self::UnsolicitedExtension { .. } => A::UnsupportedExtension,
            Self::MissingExtension { .. } => A::MissingExtension,
            Self::EmptyCertificateList => A::DecodeError,
            Self::ExtensionNotAllowed { .. }
            | Self::SelectedUnofferedCipherSuite(_)
            | Self::SelectedUnofferedGroup(_)
            | Self::SelectedUnofferedVersion(_)
            | Self::LegacyVersionNotTls12(_)
            | Self::WrongSessionIdEcho
            | Self::CompressionSelected
            | Self::UselessHelloRetryRequest
            | Self::HelloRetryRequestSuiteChanged
            | Self::HelloRetryRequestVersionChanged(_)
            | Self::BadRetriedClientHello(_)
            | Self::DowngradeDetected
            | Self::BadCertificateRequestContext
            | Self::UncompressedPointsNotOffered
            | Self::SignatureSchemeDoesNotMatchSuite(_)
            | Self::UnofferedAlpnProtocol
            | Self::SelectedUnofferedPsk
            | Self::NullCompressionMissing
            | Self::EarlyDataParametersChanged(_)
            | Self::ResumedSessionMismatch(_) => A::IllegalParameter,
            Self::ExtendedMasterSecretMismatch => A::HandshakeFailure,
            // RFC 8446 4.2.11.2: a bad binder is decrypt_error.
            Self::IncorrectBinder => A::DecryptError,
            Self::SecondHelloRetryRequest => A::UnexpectedMessage,
            // RFC 5746 3.4, 3.6: a bad renegotiation_info gets handshake_failure.
            Self::BadRenegotiationInfo => A::HandshakeFailure,
            Self::TooMuchEarlyData
            | Self::TooManyEmptyRecords
            | Self::TooManyWarningAlerts(_)
            | Self::TooManyPostHandshakeMessages
            | Self::TooManyChangeCipherSpecs
            | Self::TooManyRenegotiationRequests => A::UnexpectedMessage,
        }
    }
}

/// Nothing in common with the peer. More variants arrive with the handshake code.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerIncompatible {
    /// No cipher suite in common.
    #[error("no cipher suite in common with the peer")]
    NoCipherSuiteInCommon,
    /// No key-exchange group in common.
    #[error("no key-exchange group in common with the peer")]
    NoKxGroupInCommon,
    /// A TLS 1.2 client does not list the curve of our ECDSA certificate in
    /// supported_groups, so it could not check our signatures (RFC 8422 5.1.1).
    #[error(
        "the client does not support {0:?}, the curve of our ECDSA certificate (RFC 8422 \
         5.1.1): add a certificate on a curve it lists, or an RSA certificate"
    )]
    CertificateCurveNotOffered(NamedGroup),
    /// The client offers TLS 1.2 suites we have, but none for our certificate's key
    /// type (ECDHE_ECDSA vs ECDHE_RSA).
    #[error(
        "the client offers no TLS 1.2 cipher suite for our {0} certificate (only suites \
         for other key types): add a certificate of a type it offers"
    )]
    NoSuiteForCertificateKey(&'static str),
    /// The peer does not speak TLS 1.3 (or TLS 1.2 where enabled).
    #[error("the peer wants {0:?}, which this side does not enable")]
    VersionNotEnabled(ProtocolVersion),
    /// The peer's supported_versions holds only values we do not know (GREASE, or
    /// versions newer than TLS 1.3).
    #[error(
        "the peer's supported_versions lists no version this side knows (only GREASE or unknown values)"
    )]
    NoKnownVersion,
    /// The peer offers only versions we refuse.
    #[error(
        "the peer offers only versions before TLS 1.2, which are refused (deprecated, RFC 8996)"
    )]
    OnlyLegacyVersions,
    /// No ALPN protocol in common (RFC 7301 3.2).
    #[error("no ALPN protocol in common with the client")]
    NoApplicationProtocol,
    /// The server has no certificate for the client's request.
    #[error("no certificate for the requested server name")]
    NoCertificateForName,
    /// The peer does not do extended master secret (RFC 7627), which this side
    /// requires.
    #[error(
        "the peer does not support extended master secret (RFC 7627), which is required \
         (with_extended_master_secret_required(false) on the config builder allows such \
         peers, at the cost of the triple-handshake protection)"
    )]
    ExtendedMasterSecretRequired,
    /// The peer does not signal secure renegotiation (RFC 5746), which this side
    /// requires.
    #[error("the peer does not signal secure renegotiation (RFC 5746), which this side requires")]
    SecureRenegotiationRequired,
    /// The peer offers only what we refuse by design; the text names it and why.
    #[error("the peer offers only {0}")]
    OnlyRefused(alloc::string::String),
    /// No signature scheme in common.
    #[error("no signature scheme in common with the peer")]
    NoSignatureSchemeInCommon,
    /// The server chose TLS 1.2 while the client was sending 0-RTT data (RFC 8446 D.3).
    #[error("the server chose TLS 1.2, but early data was sent, which needs TLS 1.3")]
    EarlyDataNeedsTls13,
}

impl PeerIncompatible {
    fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            // RFC 8446 4.2.1: no acceptable version gets protocol_version.
            Self::VersionNotEnabled(_)
            | Self::OnlyLegacyVersions
            | Self::NoKnownVersion
            | Self::EarlyDataNeedsTls13 => A::ProtocolVersion,
            // RFC 7301 3.2.
            Self::NoApplicationProtocol => A::NoApplicationProtocol,
            // RFC 6066 3: the server may send unrecognized_name.
            Self::NoCertificateForName => A::UnrecognizedName,
            // RFC 8446 4.1.1: no acceptable parameters gets handshake_failure.
            _ => A::HandshakeFailure,
        }
    }
}

/// Why a peer's certificate was rejected. Each says what is wrong and, where it can,
/// what to fix; names are rendered as text (`CN=a.test, O=Example`).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The peer sent no certificate where one is required.
    #[error("the peer sent no certificate")]
    NoCertificate,
    /// The certificate is not valid DER X.509, or a field in it breaks RFC 5280; the
    /// text says which.
    #[error("the certificate is malformed ({0})")]
    BadEncoding(String),
    /// The certificate's validity ended.
    #[error("certificate expired at {} (now {})", Rfc3339(*not_after), Rfc3339(*now))]
    Expired {
        /// The end of the validity window.
        not_after: UnixTime,
        /// The time used for the check.
        now: UnixTime,
    },
    /// The certificate's validity has not started.
    #[error("certificate is not valid until {} (now {})", Rfc3339(*not_before), Rfc3339(*now))]
    NotValidYet {
        /// The start of the validity window.
        not_before: UnixTime,
        /// The time used for the check.
        now: UnixTime,
    },
    /// No chain leads to a trusted root, and the chain says no more than that (see
    /// [`Self::UnknownRoot`], [`Self::MissingIntermediate`] and [`Self::SelfSigned`]
    /// for the cases that can be told apart).
    #[error("certificate is issued by an unknown CA: no chain to a trusted root")]
    UnknownIssuer,
    /// The chain is complete up to a root CA, but that root is not in the root store.
    #[error(
        "the chain ends at the root CA {root}, which is not in the root store \
         (add it to the root store if you trust it)"
    )]
    UnknownRoot {
        /// The root's subject.
        root: String,
    },
    /// The issuer of a certificate in the chain is neither among the certificates the
    /// peer sent nor a trusted root: the peer left out an intermediate, or the issuer is
    /// a root this side does not trust.
    #[error(
        "cannot find {issuer}, the issuer of {subject}: it is neither among the \
         certificates the {peer} sent nor in the root store; either the {peer} did not \
         send the intermediate certificate (it should send its full chain), or {issuer} \
         is a root CA that is not trusted here (add it to the root store if you trust it)"
    )]
    MissingIntermediate {
        /// The certificate whose issuer is missing.
        subject: String,
        /// The issuer that could not be found.
        issuer: String,
        /// Who sent the chain: `"server"` or `"client"`.
        peer: &'static str,
    },
    /// The end-entity certificate is self-signed and not in the root store.
    #[error(
        "the certificate for {subject} is self-signed and not in the root store \
         (add it to the root store if it is really trusted)"
    )]
    SelfSigned {
        /// The certificate's subject (and issuer).
        subject: String,
    },
    /// A certificate in the chain has an RSA key too small to trust.
    #[error(
        "the RSA key of the certificate for {subject} is {bits} bits; at least {min} are \
         required (reissue it with a larger key)"
    )]
    WeakKey {
        /// The certificate with the weak key.
        subject: String,
        /// The key's modulus size.
        bits: usize,
        /// The smallest size accepted.
        min: usize,
    },
    /// The certificate does not name the server.
    #[error(
        "certificate is not valid for {expected} (certificate names: {}){}",
        names_list(presented),
        ip_spelled_as_dns(expected, presented)
    )]
    NotValidForName {
        /// The name the client asked for, typed: `DNS:a.test` or `IP:192.0.2.1`.
        expected: String,
        /// The subjectAltName entries of the certificate, typed the same way
        /// (`DNS:`, `IP:`, `URI:`, `email:`, `DirName:`).
        presented: Vec<String>,
    },
    /// The certificate is not for this purpose (extended key usage).
    #[error(
        "certificate is not valid for {0} (its extended key usage does not include it; \
         reissue it with that usage)"
    )]
    InvalidPurpose(&'static str),
    /// The certificate's extended key usage extension lists no purpose at all.
    #[error(
        "the certificate's extended key usage extension is empty, so it is valid for no \
         purpose (reissue it with the {0} usage, or without the extension)"
    )]
    EmptyExtendedKeyUsage(&'static str),
    /// The end-entity certificate's keyUsage leaves out digitalSignature, so its key
    /// may not sign the handshake (RFC 8446 4.4.2.2, RFC 5280 4.2.1.3).
    #[error(
        "the certificate for {subject} has a key usage extension without digitalSignature, \
         so its key may not sign a TLS handshake (reissue it with digitalSignature)"
    )]
    KeyUsageWithoutDigitalSignature {
        /// The certificate's subject.
        subject: String,
    },
    /// A CA certificate was presented as the end-entity certificate.
    #[error(
        "the certificate for {subject} is a CA certificate (basicConstraints cA) and cannot \
         be used as an end-entity certificate: present a leaf certificate issued by the CA"
    )]
    CaUsedAsEndEntity {
        /// The CA's subject.
        subject: String,
    },
    /// A certificate that is not a CA issued another certificate in the chain.
    #[error(
        "{} issued a certificate in the chain but is not a CA (its basicConstraints do not \
         say cA): the chain must go through CA certificates",
        subject.as_deref().unwrap_or("a certificate")
    )]
    EndEntityUsedAsCa {
        /// The subject of the certificate used as a CA, when it can be told.
        subject: Option<String>,
    },
    /// The end-entity certificate's names are outside a CA's name constraints.
    #[error(
        "the certificate's names are outside the names {} may issue for (its name \
         constraints)",
        ca.as_deref().unwrap_or("a CA in the chain")
    )]
    NameConstraintViolation {
        /// The subject of the constrained CA, when it can be told.
        ca: Option<String>,
    },
    /// The chain has more CAs below a CA than its path length constraint allows.
    #[error(
        "the chain has more intermediate CAs below {} than its path length constraint{} allows",
        ca.as_deref().unwrap_or("a CA"),
        path_len.map(|n| alloc::format!(" ({n})")).unwrap_or_default()
    )]
    PathLenConstraintViolated {
        /// The subject of the CA whose constraint was exceeded, when it can be told.
        ca: Option<String>,
        /// Its pathLenConstraint.
        path_len: Option<u64>,
    },
    /// The chain is longer than the verifier follows.
    #[error(
        "the chain has more than {max} intermediate certificates, more than the verifier \
         follows (the peer should send a shorter chain)"
    )]
    ChainTooLong {
        /// The most intermediates followed.
        max: usize,
    },
    /// Path building gave up at one of its work limits (many candidate issuers).
    #[error(
        "the chain could not be checked within the verifier's limit of {0} (the peer sent \
         too many candidate certificates)"
    )]
    PathSearchLimit(&'static str),
    /// A certificate has a critical extension the verifier does not understand
    /// (RFC 5280 4.2: such a certificate must be rejected).
    #[error(
        "{} has a critical extension{} that the verifier does not understand, so it must \
         be rejected (reissue it without that extension, or mark it non-critical)",
        subject.as_deref().unwrap_or("a certificate in the chain"),
        oid.as_deref().map(|o| alloc::format!(" ({o})")).unwrap_or_default()
    )]
    UnsupportedCriticalExtension {
        /// The certificate's subject, when it can be told.
        subject: Option<String>,
        /// The extension's OID in dotted form, when it can be told.
        oid: Option<String>,
    },
    /// A signature in the chain does not verify.
    #[error(
        "a signature in the certificate chain does not verify (a certificate was altered, \
         or it was signed by another key than its issuer's)"
    )]
    BadSignature,
    /// A signature algorithm in the chain is not supported.
    #[error("the certificate chain uses an unsupported signature algorithm")]
    UnsupportedSignatureAlgorithm,
    /// Any other rejection, with the verifier's reason as a sentence.
    #[error("{0}")]
    Other(String),
    /// A custom verifier refused a certificate for a reason of its own (a pin, a
    /// policy, a revocation service), given as a sentence.
    #[error("the certificate was rejected by the application's verifier: {0}")]
    ApplicationRejected(String),
}

fn names_list(names: &[String]) -> String {
    if names.is_empty() {
        return String::from("none");
    }
    names.join(", ")
}

/// RFC 6125 6.2.1, RFC 5280 4.2.1.6: an IP address matches only an iPAddress entry,
/// never a dNSName that happens to spell it.
fn ip_spelled_as_dns(expected: &str, presented: &[String]) -> &'static str {
    let spelled = expected
        .strip_prefix("IP:")
        .is_some_and(|ip| presented.iter().any(|p| p.strip_prefix("DNS:") == Some(ip)));
    if spelled {
        "; a DNS name that spells an IP address does not match that address: the \
         certificate needs an IP address entry"
    } else {
        ""
    }
}

impl CertificateError {
    fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        // RFC 8446 6.2 names the alert for each certificate failure.
        match self {
            Self::NoCertificate => A::CertificateRequired,
            Self::Expired { .. } | Self::NotValidYet { .. } => A::CertificateExpired,
            // "the CA certificate could not be located or could not be matched with a
            // known trust anchor".
            Self::UnknownIssuer
            | Self::UnknownRoot { .. }
            | Self::MissingIntermediate { .. }
            | Self::SelfSigned { .. } => A::UnknownCa,
            // "a certificate was of an unsupported type": not for this purpose, or with
            // an extension or algorithm we do not handle.
            Self::InvalidPurpose(_)
            | Self::EmptyExtendedKeyUsage(_)
            | Self::KeyUsageWithoutDigitalSignature { .. }
            | Self::UnsupportedCriticalExtension { .. }
            | Self::UnsupportedSignatureAlgorithm => A::UnsupportedCertificate,
            Self::BadSignature => A::DecryptError,
            // "a certificate was corrupt, contained signatures that did not verify
            // correctly, etc.": everything else wrong with the chain itself.
            Self::BadEncoding(_)
            | Self::NotValidForName { .. }
            | Self::WeakKey { .. }
            | Self::CaUsedAsEndEntity { .. }
            | Self::EndEntityUsedAsCa { .. }
            | Self::NameConstraintViolation { .. }
            | Self::PathLenConstraintViolated { .. }
            | Self::ChainTooLong { .. }
            | Self::PathSearchLimit(_)
            | Self::Other(_) => A::BadCertificate,
            // "some other (unspecified) issue arose in processing the certificate,
            // rendering it unacceptable": the chain may be fine, the application says no.
            Self::ApplicationRejected(_) => A::CertificateUnknown,
        }
    }
}

/// A configuration that cannot work, found while it is built or loaded. None of these
/// involve a peer, so none sends an alert.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A CA bundle file could not be loaded.
    #[error("cannot load trust roots from {path}: {reason}")]
    RootFile {
        /// The file, as given.
        path: String,
        /// Why.
        reason: RootLoadError,
    },
    /// PEM data given to [`crate::verify::RootStore::add_pem`] could not be loaded.
    #[error("cannot load trust roots from the PEM data: {0}")]
    RootPem(RootLoadError),
    /// A certificate given as a root cannot be a trust anchor.
    #[error("the certificate cannot be used as a trust root: {0}")]
    BadRoot(String),
    /// The platform's trust store gave no usable root.
    #[error(
        "no trust roots were loaded from the platform's certificate store ({} \
         certificates unusable; errors: {}); point SSL_CERT_FILE or SSL_CERT_DIR at a \
         CA bundle, or install the system's CA certificates",
        ignored,
        names_list(errors)
    )]
    NoNativeRoots {
        /// Certificates found but not usable as trust anchors.
        ignored: usize,
        /// What the platform loader reported.
        errors: Vec<String>,
    },
    /// A client was given an empty root store and no custom verifier.
    #[error(
        "no trust roots configured: add roots with RootStore::add_pem_file, the \
         webpki-roots or native-roots feature, or set a custom verifier"
    )]
    NoTrustRoots,
    /// A private key does not belong to the certificate it was paired with.
    #[error(
        "the private key does not match the certificate for {subject} (certificate key: \
         {certificate_key}, private key: {private_key})"
    )]
    KeyMismatch {
        /// The end-entity certificate's subject.
        subject: String,
        /// The type (and size) of the certificate's public key.
        certificate_key: String,
        /// The type (and size) of the private key's public half.
        private_key: String,
    },
}

/// Why trust roots could not be loaded from a file or PEM data.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RootLoadError {
    /// The file does not exist.
    #[error("the file does not exist")]
    NotFound,
    /// The file exists but may not be read.
    #[error("permission denied")]
    PermissionDenied,
    /// Another I/O error.
    #[error("it cannot be read ({0})")]
    Io(String),
    /// The data has no PEM section at all.
    #[error(
        "it is not PEM (no -----BEGIN line){}",
        if *looks_like_der { "; it looks like DER: convert it with `openssl x509 -inform der`" } else { "" }
    )]
    NotPem {
        /// The data starts like a DER SEQUENCE.
        looks_like_der: bool,
    },
    /// The PEM data holds other sections, but no CERTIFICATE.
    #[error("it holds no certificate (PEM sections found: {})", names_list(found))]
    NoCertificate {
        /// The labels of the sections found (`PRIVATE KEY`, ...).
        found: Vec<String>,
    },
    /// A PEM section is malformed.
    #[error("malformed PEM ({0})")]
    BadPem(String),
    /// Every certificate in it was unusable as a trust anchor.
    #[error("none of its {0} certificates can be used as a trust root")]
    NoUsableCertificate(usize),
}
