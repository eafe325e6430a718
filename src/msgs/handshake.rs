//! The handshake message framing (RFC 8446 4: `HandshakeType msg_type; uint24 length;`
//! then the body) and the enum of every body.

use alloc::vec::Vec;

use super::certificate::{
    CertificateRequestTls12, CertificateRequestTls13, CertificateTls12, CertificateTls13,
    DigitallySigned,
};
use super::ext_server::ServerExtension;
use super::extensions::{CertificateStatus, put_extension_block, read_extension_block};
use super::hello::{ClientHello, HelloRetryRequest, ServerHello, ServerHelloOrRetry};
use super::tls12::{EcdheClientKeyExchange, EcdheServerKeyExchange, NewSessionTicketTls12};
use super::tls13::NewSessionTicketTls13;
use crate::codec::{Codec, LengthPrefix, Reader, put_prefixed};
use crate::enums::{HandshakeType, KeyUpdateRequest, ProtocolVersion};
use crate::error::InvalidMessage;

/// The body of a handshake message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakePayload {
    /// hello_request (TLS 1.2, RFC 5246 7.4.1.1): empty.
    HelloRequest,
    /// client_hello.
    ClientHello(ClientHello),
    /// server_hello that is not a HelloRetryRequest.
    ServerHello(ServerHello),
    /// server_hello with the HelloRetryRequest random (RFC 8446 4.1.4).
    HelloRetryRequest(HelloRetryRequest),
    /// encrypted_extensions (RFC 8446 4.3.1).
    EncryptedExtensions(Vec<ServerExtension>),
    /// certificate, TLS 1.2 form.
    CertificateTls12(CertificateTls12),
    /// certificate, TLS 1.3 form.
    CertificateTls13(CertificateTls13),
    /// server_key_exchange for ECDHE (TLS 1.2).
    ServerKeyExchange(EcdheServerKeyExchange),
    /// certificate_request, TLS 1.2 form.
    CertificateRequestTls12(CertificateRequestTls12),
    /// certificate_request, TLS 1.3 form.
    CertificateRequestTls13(CertificateRequestTls13),
    /// server_hello_done (TLS 1.2): empty.
    ServerHelloDone,
    /// certificate_verify.
    CertificateVerify(DigitallySigned),
    /// client_key_exchange for ECDHE (TLS 1.2).
    ClientKeyExchange(EcdheClientKeyExchange),
    /// finished: `opaque verify_data[Hash.length]`, the whole body.
    Finished(Vec<u8>),
    /// new_session_ticket, TLS 1.2 form (RFC 5077).
    NewSessionTicketTls12(NewSessionTicketTls12),
    /// new_session_ticket, TLS 1.3 form.
    NewSessionTicketTls13(NewSessionTicketTls13),
    /// key_update (RFC 8446 4.6.3).
    KeyUpdate(KeyUpdateRequest),
    /// end_of_early_data (RFC 8446 4.5): empty.
    EndOfEarlyData,
    /// certificate_status (TLS 1.2, RFC 6066 8).
    CertificateStatus(CertificateStatus),
    /// A message type this library does not decode; its body is kept.
    Unknown {
        /// The handshake type.
        typ: HandshakeType,
        /// The raw body.
        body: Vec<u8>,
    },
}

impl HandshakePayload {
    /// The handshake type this body is sent under.
    pub fn typ(&self) -> HandshakeType {
        use HandshakeType as T;
        match self {
            Self::HelloRequest => T::HelloRequest,
            Self::ClientHello(_) => T::ClientHello,
            Self::ServerHello(_) | Self::HelloRetryRequest(_) => T::ServerHello,
            Self::EncryptedExtensions(_) => T::EncryptedExtensions,
            Self::CertificateTls12(_) | Self::CertificateTls13(_) => T::Certificate,
            Self::ServerKeyExchange(_) => T::ServerKeyExchange,
            Self::CertificateRequestTls12(_) | Self::CertificateRequestTls13(_) => {
                T::CertificateRequest
            }
            Self::ServerHelloDone => T::ServerHelloDone,
            Self::CertificateVerify(_) => T::CertificateVerify,
            Self::ClientKeyExchange(_) => T::ClientKeyExchange,
            Self::Finished(_) => T::Finished,
            Self::NewSessionTicketTls12(_) | Self::NewSessionTicketTls13(_) => T::NewSessionTicket,
            Self::KeyUpdate(_) => T::KeyUpdate,
            Self::EndOfEarlyData => T::EndOfEarlyData,
            Self::CertificateStatus(_) => T::CertificateStatus,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    fn encode_body(&self, out: &mut Vec<u8>) {
        match self {
            Self::HelloRequest | Self::ServerHelloDone | Self::EndOfEarlyData => {}
            Self::ClientHello(ch) => ch.encode(out),
            Self::ServerHello(sh) => sh.encode(out),
            Self::HelloRetryRequest(hrr) => hrr.encode(out),
            Self::EncryptedExtensions(exts) => put_extension_block(out, exts),
            Self::CertificateTls12(c) => c.encode(out),
            Self::CertificateTls13(c) => c.encode(out),
            Self::ServerKeyExchange(ske) => ske.encode(out),
            Self::CertificateRequestTls12(cr) => cr.encode(out),
            Self::CertificateRequestTls13(cr) => cr.encode(out),
            Self::CertificateVerify(cv) => cv.encode(out),
            Self::ClientKeyExchange(cke) => cke.encode(out),
            Self::Finished(data) | Self::Unknown { body: data, .. } => out.extend_from_slice(data),
            Self::NewSessionTicketTls12(t) => t.encode(out),
            Self::NewSessionTicketTls13(t) => t.encode(out),
            Self::KeyUpdate(req) => req.encode(out),
            Self::CertificateStatus(status) => status.encode(out),
        }
    }

    /// Decodes a body of type `typ`. `version` picks between the TLS 1.2 and TLS 1.3
    /// forms of Certificate, CertificateRequest and NewSessionTicket.
    fn read_body(
        typ: HandshakeType,
        r: &mut Reader<'_>,
        version: ProtocolVersion,
    ) -> Result<Self, InvalidMessage> {
        use HandshakeType as T;
        let tls13 = version == ProtocolVersion::TLSv1_3;
        Ok(match typ {
            T::HelloRequest => Self::HelloRequest,
            T::ClientHello => Self::ClientHello(ClientHello::read(r)?),
            T::ServerHello => match ServerHelloOrRetry::read(r)? {
                ServerHelloOrRetry::ServerHello(sh) => Self::ServerHello(sh),
                ServerHelloOrRetry::HelloRetryRequest(hrr) => Self::HelloRetryRequest(hrr),
            },
            T::EncryptedExtensions => {
                Self::EncryptedExtensions(read_extension_block(r, "EncryptedExtensions")?)
            }
            T::Certificate if tls13 => Self::CertificateTls13(CertificateTls13::read(r)?),
            T::Certificate => Self::CertificateTls12(CertificateTls12::read(r)?),
            T::ServerKeyExchange => Self::ServerKeyExchange(EcdheServerKeyExchange::read(r)?),
            T::CertificateRequest if tls13 => {
                Self::CertificateRequestTls13(CertificateRequestTls13::read(r)?)
            }
            T::CertificateRequest => {
                Self::CertificateRequestTls12(CertificateRequestTls12::read(r)?)
            }
            T::ServerHelloDone => Self::ServerHelloDone,
            T::CertificateVerify => Self::CertificateVerify(DigitallySigned::read(r)?),
            T::ClientKeyExchange => Self::ClientKeyExchange(EcdheClientKeyExchange::read(r)?),
            T::Finished => Self::Finished(r.rest().to_vec()),
            T::NewSessionTicket if tls13 => {
                Self::NewSessionTicketTls13(NewSessionTicketTls13::read(r)?)
            }
            T::NewSessionTicket => Self::NewSessionTicketTls12(NewSessionTicketTls12::read(r)?),
            // RFC 8446 4.6.3: a request_update other than 0 or 1 gets illegal_parameter.
            T::KeyUpdate => match KeyUpdateRequest::read(r)? {
                KeyUpdateRequest::Unknown(_) => {
                    return Err(InvalidMessage::IllegalValue("KeyUpdateRequest"));
                }
                req => Self::KeyUpdate(req),
            },
            T::EndOfEarlyData => Self::EndOfEarlyData,
            T::CertificateStatus => Self::CertificateStatus(CertificateStatus::read(r)?),
            typ => Self::Unknown {
                typ,
                body: r.rest().to_vec(),
            },
        })
    }
}

/// A handshake message: a type, a `u24` length and a body (RFC 8446 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeMessage {
    /// The body; it also determines the message type.
    pub payload: HandshakePayload,
}

impl From<HandshakePayload> for HandshakeMessage {
    fn from(payload: HandshakePayload) -> Self {
        Self { payload }
    }
}

impl HandshakeMessage {
    /// The size of the header: type (1) and length (3).
    pub const HEADER_LEN: usize = 4;

    /// The message's handshake type.
    pub fn typ(&self) -> HandshakeType {
        self.payload.typ()
    }

    /// Appends the encoding (header and body) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.typ().encode(out);
        put_prefixed(out, LengthPrefix::U24, |out| self.payload.encode_body(out));
    }

    /// Appends a Finished message (header included) carrying `verify_data`: the bytes
    /// of encoding a [`HandshakePayload::Finished`], without copying `verify_data`
    /// into one first.
    pub fn encode_finished(verify_data: &[u8], out: &mut Vec<u8>) {
        HandshakeType::Finished.encode(out);
        put_prefixed(out, LengthPrefix::U24, |out| {
            out.extend_from_slice(verify_data);
        });
    }

    /// Appends a handshake message (header included) of type `typ` whose body is
    /// `body`'s encoding: for sending a message the caller keeps (no
    /// [`HandshakePayload`] has to own it). `typ` must be the type of that body.
    pub fn encode_body_of(typ: HandshakeType, body: &impl Codec, out: &mut Vec<u8>) {
        typ.encode(out);
        put_prefixed(out, LengthPrefix::U24, |out| body.encode(out));
    }

    /// The encoding (header and body) as a new vector.
    pub fn get_encoding(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Reads one message. `version` is the negotiated version (or TLS 1.2 before one is
    /// negotiated); it selects the form of the messages whose body differs between
    /// TLS 1.2 and 1.3. ClientHello and ServerHello decode the same either way.
    ///
    /// The body must be consumed exactly ([`InvalidMessage::TrailingData`] otherwise).
    pub fn read_version(
        r: &mut Reader<'_>,
        version: ProtocolVersion,
    ) -> Result<Self, InvalidMessage> {
        let typ = HandshakeType::read(r)?;
        let mut body = r.sub(LengthPrefix::U24, "handshake message body")?;
        let payload = HandshakePayload::read_body(typ, &mut body, version)?;
        body.expect_empty("handshake message body")?;
        Ok(Self { payload })
    }

    /// Decodes one message that must fill `bytes` exactly.
    pub fn read_bytes(bytes: &[u8], version: ProtocolVersion) -> Result<Self, InvalidMessage> {
        let mut r = Reader::new(bytes);
        let msg = Self::read_version(&mut r, version)?;
        r.expect_empty("handshake message")?;
        Ok(msg)
    }

    /// The encoding a PSK binder is computed over: the whole ClientHello up to, but
    /// not including, the binders list (RFC 8446 4.2.11.2 "Truncate(ClientHello1)").
    ///
    /// Because pre_shared_key is always the last extension, the binders are the last
    /// bytes of the message. For any other message, or a ClientHello without a PSK
    /// offer, this is the whole encoding.
    pub fn encoding_for_binders(&self) -> Vec<u8> {
        match &self.payload {
            HandshakePayload::ClientHello(ch) => {
                let mut out = Vec::new();
                ch.encode_for_binders(&mut out);
                out
            }
            _ => self.get_encoding(),
        }
    }
}
