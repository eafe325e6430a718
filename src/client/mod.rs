//! The client side: [`ClientConfig`] and [`ClientConnection`].

use alloc::sync::Arc;
use core::ops::{Deref, DerefMut};

use pki_types::ServerName;

use crate::conn::{CommonState, Connection, Input, State};
use crate::error::Error;
use crate::events::Side;

pub(crate) mod config;
mod hello;
mod tls12;
mod tls13;

pub use config::{ClientConfig, ClientConfigBuilder};

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
        let state = hello::start_handshake(config, server_name, &mut common)?;
        Ok(Self {
            conn: Connection::new(common, State::Client(state)),
        })
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

/// The client's handshake states, in the order of RFC 8446 2.
pub(crate) enum ClientState {
    ExpectServerHello(hello::ExpectServerHello),
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

impl ClientState {
    pub(crate) fn handle(self, cx: &mut CommonState, input: Input<'_>) -> Result<Self, Error> {
        match self {
            Self::ExpectServerHello(s) => s.handle(cx, input),
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
