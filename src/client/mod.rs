//! The client side: [`ClientConfig`] and [`ClientConnection`].

use alloc::borrow::Cow;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};

use pki_types::{CertificateDer, ServerName};

use crate::conn::{CommonState, Connection, EarlyDataStatus, HandshakeState, Input};
use crate::enums::HandshakeType;
use crate::error::{Error, PeerMisbehaved};
use crate::events::HandshakeEvent;
use crate::events::Side;
use crate::time::current_time;
use crate::verify::webpki::server_name_text;

pub(crate) mod config;
mod hello;
mod tls12;
mod tls13;

pub use config::{ClientConfig, ClientConfigBuilder};

/// The session store's key for a server: the DNS name as it is (no allocation), or
/// the text form of an IP address.
pub(crate) fn session_key<'a>(server_name: &'a ServerName<'_>) -> Cow<'a, str> {
    match server_name {
        ServerName::DnsName(dns) => Cow::Borrowed(dns.as_ref()),
        other => Cow::Owned(server_name_text(other)),
    }
}

/// A client connection. Create it, then drive it through the [`Connection`] methods
/// it dereferences to; the ClientHello is queued at once.
#[derive(Debug)]
pub struct ClientConnection {
    conn: Connection,
}

impl ClientConnection {
    /// Starts a handshake with the server called `server_name` (a DNS name, sent as
    /// SNI and checked against the certificate; or an IP address, checked but never
    /// sent).
    pub fn new(config: Arc<ClientConfig>, server_name: ServerName<'static>) -> Result<Self, Error> {
        let mut common = CommonState::new(
            Side::Client,
            config.provider.clone(),
            config.limits,
            config.observer.clone(),
            config.key_log.clone(),
        )?;
        common.set_record_padding(config.record_padding);
        let state = hello::start_handshake(config, server_name, &mut common)?;
        Ok(Self {
            conn: Connection::new(common, alloc::boxed::Box::new(state)),
        })
    }
}

impl ClientConnection {
    /// Writes 0-RTT early data (RFC 8446 2.3): possible right after [`Self::new`]
    /// when the config enables early data and a resumable ticket allows it, until the
    /// server answers. Returns how much was accepted (at most what the ticket allows).
    /// See [`Self::early_data_status`] for the server's verdict.
    pub fn write_early_data(&mut self, data: &[u8]) -> Result<usize, Error> {
        if let Some(error) = self.conn.error() {
            return Err(error.clone());
        }
        self.conn.common_mut().write_early_data(data)
    }

    /// Whether early data was offered, and the server's verdict once known.
    pub fn early_data_status(&self) -> EarlyDataStatus {
        self.conn.common().early_data.status()
    }
}

impl Deref for ClientConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl DerefMut for ClientConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Checks the server's chain for `server_name` and keeps it (RFC 8446 4.4.2.4,
/// RFC 5246 7.4.2: an empty chain is refused). Returns the verified end-entity
/// certificate, whose key must sign the handshake.
fn verify_server_chain(
    cx: &mut CommonState,
    config: &ClientConfig,
    server_name: &ServerName<'_>,
    chain: Vec<CertificateDer<'static>>,
    ocsp: &[u8],
) -> Result<CertificateDer<'static>, Error> {
    let (end_entity, intermediates) = chain
        .split_first()
        .ok_or(PeerMisbehaved::EmptyCertificateList)?;
    cx.emit_with(|emit| emit(&HandshakeEvent::CertificateReceived { chain: &chain }));
    let now = current_time(&*config.time)?;
    config
        .verifier
        .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)?;
    crate::verify::leaf_may_sign(end_entity)?;
    cx.emit_with(|emit| {
        let name = server_name_text(server_name);
        emit(&HandshakeEvent::CertificateVerified {
            chain: &chain,
            server_name: Some(&name),
            now,
        });
    });
    let end_entity = end_entity.clone();
    cx.agreed.set_peer_certificates(chain);
    Ok(end_entity)
}

/// The client's handshake states, in the order of RFC 8446 2.
pub(crate) enum ClientState {
    ExpectServerHello(alloc::boxed::Box<hello::ExpectServerHello>),
    ExpectEncryptedExtensions(tls13::ExpectEncryptedExtensions),
    ExpectCertificateOrCertRequest(tls13::ExpectCertificateOrCertRequest),
    ExpectCertificate(tls13::ExpectCertificate),
    ExpectCertificateVerify(tls13::ExpectCertificateVerify),
    ExpectFinished(tls13::ExpectFinished),
    Traffic(tls13::Traffic),
    ExpectCertificate12(tls12::ExpectCertificate),
    ExpectServerKeyExchange12(tls12::ExpectServerKeyExchange),
    ExpectServerHelloDone12(tls12::ExpectServerHelloDone),
    ExpectChangeCipherSpec12(tls12::ExpectChangeCipherSpec),
    ExpectFinished12(tls12::ExpectFinished),
    Traffic12(tls12::Traffic),
}

impl HandshakeState for ClientState {
    fn handle(&mut self, cx: &mut CommonState, input: Input<'_>) -> Result<(), Error> {
        // The placeholder is never seen: on error the connection drops the state.
        let current = core::mem::replace(self, Self::Traffic12(tls12::Traffic));
        *self = current.next(cx, input)?;
        Ok(())
    }

    fn expects(&self) -> (&'static str, &'static [HandshakeType]) {
        use HandshakeType as T;
        match self {
            Self::ExpectServerHello(_) => ("ServerHello", &[T::ServerHello]),
            Self::ExpectEncryptedExtensions(_) => {
                ("EncryptedExtensions", &[T::EncryptedExtensions])
            }
            Self::ExpectCertificateOrCertRequest(_) => (
                "Certificate or CertificateRequest",
                &[T::Certificate, T::CertificateRequest],
            ),
            Self::ExpectCertificate(_) | Self::ExpectCertificate12(_) => {
                ("Certificate", &[T::Certificate])
            }
            Self::ExpectCertificateVerify(_) => ("CertificateVerify", &[T::CertificateVerify]),
            Self::ExpectFinished(_) | Self::ExpectFinished12(_) => ("Finished", &[T::Finished]),
            Self::Traffic(_) => (
                "NewSessionTicket or KeyUpdate",
                &[T::NewSessionTicket, T::KeyUpdate],
            ),
            Self::ExpectServerKeyExchange12(_) => ("ServerKeyExchange", &[T::ServerKeyExchange]),
            Self::ExpectServerHelloDone12(_) => (
                "CertificateRequest or ServerHelloDone",
                &[T::CertificateRequest, T::ServerHelloDone],
            ),
            // RFC 5077 3.3: a promised ticket comes just before the server's CCS.
            Self::ExpectChangeCipherSpec12(_) => ("ChangeCipherSpec", &[T::NewSessionTicket]),
            Self::Traffic12(_) => (
                "no handshake message after the handshake",
                &[T::HelloRequest],
            ),
        }
    }

    /// RFC 5246 7.4.1.1: a client in the middle of a TLS 1.2 handshake ignores
    /// HelloRequest.
    /// That includes waiting for the ServerHello when only TLS 1.2 was offered.
    fn ignores(&self, typ: HandshakeType) -> bool {
        typ == HandshakeType::HelloRequest
            && match self {
                Self::ExpectServerHello(hello) => hello.offers_only_tls12(),
                Self::ExpectCertificate12(_)
                | Self::ExpectServerKeyExchange12(_)
                | Self::ExpectServerHelloDone12(_)
                | Self::ExpectChangeCipherSpec12(_)
                | Self::ExpectFinished12(_) => true,
                _ => false,
            }
    }

    /// RFC 5246 7.4.1.1, RFC 5746 4.2: in TLS 1.2 a HelloRequest asks the client to
    /// renegotiate (refused, or ignored during the handshake).
    fn is_renegotiation_request(&self, cx: &CommonState, typ: HandshakeType) -> bool {
        typ == HandshakeType::HelloRequest && (cx.agreed.is_tls12() || self.ignores(typ))
    }

    /// Before the ServerHello, a server we offered TLS 1.2 may be a TLS 1.2 one
    /// warning that it does not know the name we sent (RFC 6066 3: legal, if NOT
    /// RECOMMENDED); it then goes on with its ServerHello.
    fn tolerates_warning_alerts(&self, cx: &CommonState) -> bool {
        match self {
            Self::ExpectServerHello(hello) => hello.may_be_answered_with_tls12(),
            _ => cx.agreed.is_tls12(),
        }
    }

    /// Our ClientHello went first: a compatibility CCS may come unless the server
    /// chose TLS 1.2.
    fn may_receive_compat_ccs(&self, cx: &CommonState) -> bool {
        !cx.agreed.is_tls12()
    }
}

impl ClientState {
    fn next(self, cx: &mut CommonState, input: Input<'_>) -> Result<Self, Error> {
        match self {
            Self::ExpectServerHello(s) => (*s).handle(cx, input),
            Self::ExpectEncryptedExtensions(s) => s.handle(cx, input),
            Self::ExpectCertificateOrCertRequest(s) => s.handle(cx, input),
            Self::ExpectCertificate(s) => s.handle(cx, input),
            Self::ExpectCertificateVerify(s) => s.handle(cx, input),
            Self::ExpectFinished(s) => s.handle(cx, input),
            Self::Traffic(s) => s.handle(cx, input),
            Self::ExpectCertificate12(s) => s.handle(cx, input),
            Self::ExpectServerKeyExchange12(s) => s.handle(cx, input),
            Self::ExpectServerHelloDone12(s) => s.handle(cx, input),
            Self::ExpectChangeCipherSpec12(s) => s.handle(cx, input),
            Self::ExpectFinished12(s) => s.handle(cx, input),
            Self::Traffic12(s) => s.handle(cx, input),
        }
    }
}
