//! Every TLS 1.2 and TLS 1.3 handshake message and extension, as plain owned values.
//!
//! Each type implements [`crate::codec::Codec`] (or, for [`HandshakeMessage`], a read
//! that takes the negotiated version, because TLS 1.2 and 1.3 give different bodies to
//! Certificate, CertificateRequest and NewSessionTicket). Decoding never panics: every
//! length is checked and malformed input becomes an [`crate::InvalidMessage`] naming the
//! field.
//!
//! Extensions live in one enum per block they can appear in ([`ClientExtension`],
//! [`ServerExtension`], [`HelloRetryExtension`], [`CertReqExtension`],
//! [`CertificateExtension`], [`NewSessionTicketExtension`]); every block is read by the
//! same generic code ([`read_extension_block`]), which rejects a type that appears
//! twice (RFC 8446 4.2) and keeps unknown extensions (RFC 8701 GREASE) as raw bytes
//! that re-encode unchanged.

mod alert;
mod certificate;
mod ext_client;
mod ext_server;
mod extensions;
mod handshake;
mod hello;
mod tls12;
mod tls13;

#[cfg(test)]
mod tests;

pub use alert::{AlertMessage, ChangeCipherSpecPayload};
pub use certificate::{
    CertificateEntry, CertificateRequestTls12, CertificateRequestTls13, CertificateTls12,
    CertificateTls13, DigitallySigned,
};
pub use ext_client::ClientExtension;
pub use ext_server::{
    CertReqExtension, CertificateExtension, HelloRetryExtension, NewSessionTicketExtension,
    ServerExtension,
};
pub use extensions::{
    CertificateStatus, CertificateStatusRequest, Extension, KeyShareEntry, PresharedKeyOffer,
    PskIdentity, ServerNameEntry, encode_extension, find as find_extension, put_extension_block,
    read_extension, read_extension_block,
};
pub use handshake::{HandshakeMessage, HandshakePayload};
pub use hello::{
    ClientHello, HELLO_RETRY_REQUEST_RANDOM, HelloRetryRequest, MAX_SESSION_ID_LEN, ServerHello,
    ServerHelloOrRetry,
};
pub use tls12::{
    EcdheClientKeyExchange, EcdheParams, EcdheServerKeyExchange, NewSessionTicketTls12,
};
pub use tls13::NewSessionTicketTls13;
