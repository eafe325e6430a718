//! The server side: [`ServerConfig`] and [`ServerConnection`], and the [`Acceptor`]
//! that reads a ClientHello before the config is chosen.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::{Deref, DerefMut};

use crate::conn::{CommonState, Connection, EarlyDataStatus, HandshakeState, Input};
use pki_types::CertificateDer;

use crate::enums::{HandshakeType, ProtocolVersion};
use crate::error::{CertificateError, Error, PeerMisbehaved};
use crate::events::HandshakeEvent;
use crate::events::Side;
use crate::msgs::DigitallySigned;
use crate::time::current_time;
use crate::verify::ClientCertVerifier;

mod acceptor;
pub(crate) mod config;
mod hello;
mod negotiated;
mod resolver;
mod resume;
mod tickets;
mod tls12;
mod tls13;

pub use acceptor::{AcceptError, Accepted, Acceptor, ClientHello};
pub use config::{ServerConfig, ServerConfigBuilder};
pub use resolver::{ClientHelloInfo, ResolvesServerCert, SingleCertResolver, SniResolver};

/// A server connection. Create it for each accepted transport connection, then drive
/// it through the [`Connection`] methods it dereferences to.
#[derive(Debug)]
pub struct ServerConnection {
    conn: Connection,
}

impl ServerConnection {
    /// A connection waiting for a ClientHello.
    pub fn new(config: Arc<ServerConfig>) -> Result<Self, Error> {
        let mut common = CommonState::new(
            Side::Server,
            config.provider.clone(),
            config.limits,
            config.observer.clone(),
            config.key_log.clone(),
        )?;
        common.set_record_padding(config.record_padding);
        let state = ServerState::ExpectClientHello(hello::ExpectClientHello::new(config));
        Ok(Self {
            conn: Connection::new(common, alloc::boxed::Box::new(state)),
        })
    }

    /// Whether 0-RTT early data was accepted ([`EarlyDataStatus::Accepted`]; it is
    /// delivered through the ordinary plaintext reader, before the handshake
    /// completes) or not.
    pub fn early_data_status(&self) -> EarlyDataStatus {
        self.conn.common().early_data.status()
    }

    /// How many bytes of 0-RTT early data were received.
    pub fn received_early_data(&self) -> usize {
        self.conn.common().early_data.received()
    }

    /// The server name the client asked for (SNI), once the ClientHello arrived.
    pub fn server_name(&self) -> Option<&str> {
        self.conn.common().agreed.sni()
    }
}

impl Deref for ServerConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl DerefMut for ServerConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// A client certificate that passed the verifier: what its CertificateVerify is
/// checked against.
struct VerifiedClient {
    verifier: Arc<dyn ClientCertVerifier>,
    end_entity: CertificateDer<'static>,
}

/// Checks the client's chain and keeps it. `Ok(None)`: the client sent none, and
/// none is required (RFC 8446 4.4.2.4, RFC 5246 7.4.6); a required one missing is
/// `certificate_required`.
fn verify_client_chain(
    cx: &mut CommonState,
    config: &ServerConfig,
    verifier: &Arc<dyn ClientCertVerifier>,
    chain: Vec<CertificateDer<'static>>,
) -> Result<Option<VerifiedClient>, Error> {
    let Some((end_entity, intermediates)) = chain.split_first() else {
        if verifier.client_auth_mandatory() {
            return Err(CertificateError::NoCertificate.into());
        }
        return Ok(None);
    };
    cx.emit_with(|emit| emit(&HandshakeEvent::CertificateReceived { chain: &chain }));
    let now = current_time(&*config.time)?;
    verifier.verify_client_cert(end_entity, intermediates, now)?;
    crate::verify::leaf_may_sign(end_entity)?;
    cx.emit_with(|emit| {
        emit(&HandshakeEvent::CertificateVerified {
            chain: &chain,
            server_name: None,
            now,
        })
    });
    let verified = VerifiedClient {
        verifier: verifier.clone(),
        end_entity: end_entity.clone(),
    };
    cx.agreed.set_peer_certificates(chain);
    Ok(Some(verified))
}

/// Checks the client's CertificateVerify: a scheme we asked for (RFC 8446 4.4.3,
/// RFC 5246 7.4.8) and a valid signature over `message` by its certificate's key.
fn verify_client_signature(
    cx: &CommonState,
    client: &VerifiedClient,
    version: ProtocolVersion,
    message: &[u8],
    signed: &DigitallySigned,
) -> Result<(), Error> {
    let verifier = &client.verifier;
    if !verifier
        .supported_verify_schemes(version)
        .contains(&signed.scheme)
    {
        return Err(PeerMisbehaved::UnsupportedSignatureScheme(signed.scheme).into());
    }
    verifier.verify_signature(
        version,
        message,
        &client.end_entity,
        signed.scheme,
        &signed.signature,
    )?;
    cx.emit(|| HandshakeEvent::SignatureVerified {
        scheme: signed.scheme,
    });
    Ok(())
}

/// The server's handshake states, in the order of RFC 8446 2.
pub(crate) enum ServerState {
    ExpectClientHello(hello::ExpectClientHello),
    ExpectEndOfEarlyData(tls13::ExpectEndOfEarlyData),
    ExpectCertificate(tls13::ExpectCertificate),
    ExpectCertificateVerify(tls13::ExpectCertificateVerify),
    ExpectFinished(tls13::ExpectFinished),
    Traffic(tls13::Traffic),
    ExpectCertificate12(tls12::ExpectCertificate),
    ExpectClientKeyExchange12(tls12::ExpectClientKeyExchange),
    ExpectCertificateVerify12(tls12::ExpectCertificateVerify),
    ExpectChangeCipherSpec12(tls12::ExpectChangeCipherSpec),
    ExpectFinished12(tls12::ExpectFinished),
    Traffic12(tls12::Traffic),
}

impl HandshakeState for ServerState {
    fn handle(&mut self, cx: &mut CommonState, input: Input<'_>) -> Result<(), Error> {
        // The placeholder is never seen: on error the connection drops the state.
        let current = core::mem::replace(self, Self::Traffic12(tls12::Traffic));
        *self = current.next(cx, input)?;
        Ok(())
    }

    fn expects(&self) -> (&'static str, &'static [HandshakeType]) {
        use HandshakeType as T;
        match self {
            Self::ExpectClientHello(_) => ("ClientHello", &[T::ClientHello]),
            Self::ExpectEndOfEarlyData(_) => ("EndOfEarlyData", &[T::EndOfEarlyData]),
            Self::ExpectCertificate(_) | Self::ExpectCertificate12(_) => {
                ("Certificate", &[T::Certificate])
            }
            Self::ExpectCertificateVerify(_) | Self::ExpectCertificateVerify12(_) => {
                ("CertificateVerify", &[T::CertificateVerify])
            }
            Self::ExpectFinished(_) | Self::ExpectFinished12(_) => ("Finished", &[T::Finished]),
            Self::Traffic(_) => ("KeyUpdate", &[T::KeyUpdate]),
            Self::ExpectClientKeyExchange12(_) => ("ClientKeyExchange", &[T::ClientKeyExchange]),
            Self::ExpectChangeCipherSpec12(_) => ("ChangeCipherSpec", &[]),
            // RFC 5746 4.4: a renegotiating ClientHello is refused with a warning.
            Self::Traffic12(_) => (
                "no handshake message after the handshake",
                &[T::ClientHello],
            ),
        }
    }

    /// RFC 5746 4.4: a ClientHello on an established TLS 1.2 connection asks to
    /// renegotiate (refused).
    fn is_renegotiation_request(&self, _cx: &CommonState, typ: HandshakeType) -> bool {
        typ == HandshakeType::ClientHello && matches!(self, Self::Traffic12(_))
    }

    /// Only once we chose TLS 1.3 (after a HelloRetryRequest the client may send one
    /// before its second ClientHello).
    fn may_receive_compat_ccs(&self, cx: &CommonState) -> bool {
        cx.agreed.version() == Some(ProtocolVersion::TLSv1_3)
    }
}

impl ServerState {
    fn next(self, cx: &mut CommonState, input: Input<'_>) -> Result<Self, Error> {
        match self {
            Self::ExpectClientHello(s) => s.handle(cx, input),
            Self::ExpectEndOfEarlyData(s) => s.handle(cx, input),
            Self::ExpectCertificate(s) => s.handle(cx, input),
            Self::ExpectCertificateVerify(s) => s.handle(cx, input),
            Self::ExpectFinished(s) => s.handle(cx, input),
            Self::Traffic(s) => s.handle(cx, input),
            Self::ExpectCertificate12(s) => s.handle(cx, input),
            Self::ExpectClientKeyExchange12(s) => s.handle(cx, input),
            Self::ExpectCertificateVerify12(s) => s.handle(cx, input),
            Self::ExpectChangeCipherSpec12(s) => s.handle(cx, input),
            Self::ExpectFinished12(s) => s.handle(cx, input),
            Self::Traffic12(s) => s.handle(cx, input),
        }
    }
}
