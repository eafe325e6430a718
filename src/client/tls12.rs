//! The client's TLS 1.2 handshake (RFC 5246 7.3, RFC 8422 for ECDHE), after a
//! ServerHello that chose TLS 1.2:
//!
//! ```text
//! ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone
//!   -> [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished
//! <- ChangeCipherSpec, Finished
//! ```

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::{CertificateDer, ServerName};

use super::ClientState;
use super::config::ClientConfig;
use crate::conn::agreed::KeyExporter;
use crate::conn::{CommonState, Input, require_message, unexpected};
use crate::crypto::{
    SharedSecret, SignatureAlgorithm, Signer, SupportedCipherSuite, Tls12CipherSuite,
};
use crate::enums::{
    AlertDescription, AlertLevel, ClientCertificateType, Compression, ECPointFormat, ExtensionType,
    ProtocolVersion, SignatureScheme,
};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::events::{HandshakeEvent, Secret};
use crate::key_schedule::tls12::{MasterSecret, Sender, Tls12Keys};
use crate::key_schedule::{HandshakeHash, HandshakeHashBuffer};
use crate::msgs::{
    ClientHello, DigitallySigned, EcdheClientKeyExchange, HandshakeMessage, HandshakePayload,
    ServerExtension, ServerHello,
};
use crate::resumption::Tls12ClientSession;
use crate::tls12::{scheme_fits_suite, server_key_exchange_message};
use crate::tls13::{OfferedExtensions, check_reply_extensions};
use crate::verify::{scheme_allowed_in, schemes_allowed_in};

/// What the hello exchange hands over.
pub(super) struct Hello {
    pub(super) config: Arc<ClientConfig>,
    pub(super) server_name: ServerName<'static>,
    pub(super) client_hello: ClientHello,
    /// The buffered transcript (a TLS 1.2 handshake never follows a
    /// HelloRetryRequest, so no hash was started).
    pub(super) transcript: HandshakeHashBuffer,
    /// The TLS 1.2 session we offered, if any.
    pub(super) session: Option<Tls12ClientSession>,
}

/// What every TLS 1.2 state carries.
pub(crate) struct Handshake {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    suite: &'static Tls12CipherSuite,
    transcript: HandshakeHash,
    client_random: [u8; 32],
    server_random: [u8; 32],
    /// Our ClientHello: what the server's choices are checked against.
    offered: ClientHello,
    extended_master_secret: bool,
    /// The server's session id, under which it may resume this session.
    session_id: Vec<u8>,
    /// The server promised a NewSessionTicket (RFC 5077 3.2).
    ticket_expected: bool,
    /// The ticket we resumed with, kept if the server sends no new one.
    old_ticket: Option<Vec<u8>>,
    resumed: bool,
}

/// RFC 5246 7.4.1.4 and the RFCs defining each: what a TLS 1.2 ServerHello may carry.
const SERVER_HELLO_ALLOWED: &[ExtensionType] = &[
    ExtensionType::ServerName,
    ExtensionType::MaxFragmentLength,
    ExtensionType::StatusRequest,
    ExtensionType::ECPointFormats,
    ExtensionType::ALProtocolNegotiation,
    ExtensionType::SCT,
    ExtensionType::ExtendedMasterSecret,
    ExtensionType::RecordSizeLimit,
    ExtensionType::SessionTicket,
    ExtensionType::RenegotiationInfo,
    // Not defined for a TLS 1.2 ServerHello, but offered, so not forbidden (RFC 5246
    // 7.4.1.4): some servers echo it; it is ignored.
    ExtensionType::SupportedGroups,
];

pub(super) fn server_hello(
    cx: &mut CommonState,
    hello: Hello,
    sh: ServerHello,
    encoded: &[u8],
) -> Result<ClientState, Error> {
    let offered = OfferedExtensions::of(hello.client_hello.extensions())?;
    if sh.compression_method != Compression::Null {
        return Err(PeerMisbehaved::CompressionSelected.into());
    }
    let suite = match hello.config.provider.find_cipher_suite(sh.cipher_suite) {
        Some(SupportedCipherSuite::Tls12(suite))
            if hello.client_hello.cipher_suites.contains(&sh.cipher_suite) =>
        {
            suite
        }
        _ => return Err(PeerMisbehaved::SelectedUnofferedCipherSuite(sh.cipher_suite).into()),
    };
    check_reply_extensions(
        sh.extensions(),
        offered.as_slice(),
        SERVER_HELLO_ALLOWED,
        "ServerHello",
    )?;
    // RFC 5746 3.4: on an initial handshake renegotiation_info must be present (we
    // require the indication) and empty.
    match sh.renegotiation_info() {
        Some([]) => {}
        Some(_) => return Err(PeerMisbehaved::BadRenegotiationInfo.into()),
        None => return Err(PeerIncompatible::SecureRenegotiationRequired.into()),
    }
    // RFC 7627 5.3: a client that requires extended master secret aborts without it.
    let extended_master_secret = sh.has_extension(ExtensionType::ExtendedMasterSecret);
    if !extended_master_secret && hello.config.require_ems {
        return Err(PeerIncompatible::ExtendedMasterSecretRequired.into());
    }
    for ext in sh.extensions() {
        match ext {
            // RFC 8422 5.2: the server's list must contain the uncompressed format.
            ServerExtension::EcPointFormats(formats)
                if !formats.contains(&ECPointFormat::Uncompressed) =>
            {
                return Err(PeerMisbehaved::UncompressedPointsNotOffered.into());
            }
            ServerExtension::Alpn(protocol) => {
                if !hello.config.alpn_protocols.contains(protocol) {
                    return Err(PeerMisbehaved::UnofferedAlpnProtocol.into());
                }
                cx.agreed.set_alpn(Some(protocol.clone()));
            }
            _ => {}
        }
    }

    let buffer = hello.transcript;
    // TLS 1.2 client authentication signs the whole handshake (RFC 5246 7.4.8), so
    // the raw messages are kept when we might be asked for a certificate.
    let mut transcript = if hello.config.client_auth.is_some() {
        buffer.start_hash_keeping_raw(suite.hash)
    } else {
        buffer.start_hash(suite.hash)
    };
    transcript.add_message(encoded);
    cx.agreed.set_version(ProtocolVersion::TLSv1_2);
    cx.agreed.set_suite(SupportedCipherSuite::Tls12(suite));

    // RFC 5246 7.4.1.3, RFC 5077 3.4: echoing the session id we sent means the
    // server resumes the session we offered; suite and extended master secret must
    // be the session's (RFC 7627 5.3).
    let echoed = !sh.session_id.is_empty() && sh.session_id == hello.client_hello.session_id;
    if echoed && hello.session.is_none() {
        // We offered no session: the id was TLS 1.3 compatibility mode's random one
        // (RFC 8446 D.4), and there is nothing to resume.
        return Err(PeerMisbehaved::WrongSessionIdEcho.into());
    }
    let resumed = match &hello.session {
        Some(session) if echoed => {
            if session.suite != suite.suite {
                return Err(PeerMisbehaved::ResumedSessionMismatch("cipher suite").into());
            }
            if session.extended_master_secret != extended_master_secret {
                return Err(PeerMisbehaved::ExtendedMasterSecretMismatch.into());
            }
            Some(MasterSecret::from_bytes(suite, &session.master_secret))
        }
        _ => None,
    };
    // RFC 5246 7.4.3: the group arrives with ServerKeyExchange (KeyExchange event).
    cx.emit(|| HandshakeEvent::ServerHello {
        version: ProtocolVersion::TLSv1_2,
        cipher_suite: suite.suite,
        group: None,
        resumed: resumed.is_some(),
    });
    let hs = Box::new(Handshake {
        config: hello.config,
        server_name: hello.server_name,
        suite,
        transcript,
        client_random: hello.client_hello.random,
        // Moved, not copied: the groups and schemes it offers check ServerKeyExchange.
        offered: hello.client_hello,
        server_random: sh.random,
        extended_master_secret,
        session_id: sh.session_id.clone(),
        ticket_expected: sh.has_extension(ExtensionType::SessionTicket),
        old_ticket: hello.session.and_then(|s| s.ticket),
        resumed: resumed.is_some(),
    });
    if let Some(master) = resumed {
        // RFC 5246 7.3: the abbreviated handshake; the server's CCS and Finished come next.
        cx.agreed.set_resumed(true);
        let keys = master.key_block(&hs.client_random, &hs.server_random)?;
        cx.emit(|| HandshakeEvent::SecretDerived(Secret::Tls12KeyBlock));
        return Ok(ClientState::ExpectChangeCipherSpec12(
            ExpectChangeCipherSpec {
                hs,
                master,
                keys,
                new_ticket: None,
            },
        ));
    }
    Ok(ClientState::ExpectCertificate12(ExpectCertificate(hs)))
}

pub(crate) struct ExpectCertificate(Box<Handshake>);

impl ExpectCertificate {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        let (certificate, encoded) =
            require_message!(input, HandshakePayload::CertificateTls12, "Certificate");
        let mut hs = self.0;
        let chain: Vec<CertificateDer<'static>> = certificate
            .certs
            .into_iter()
            .map(CertificateDer::from)
            .collect();
        let end_entity = super::verify_server_chain(cx, &hs.config, &hs.server_name, chain, &[])?;
        hs.transcript.add_message(encoded);
        Ok(ClientState::ExpectServerKeyExchange12(
            ExpectServerKeyExchange { hs, end_entity },
        ))
    }
}

pub(crate) struct ExpectServerKeyExchange {
    hs: Box<Handshake>,
    /// The server's verified certificate, whose key signs the ECDHE parameters.
    end_entity: CertificateDer<'static>,
}

impl ExpectServerKeyExchange {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        let (ske, encoded) = require_message!(
            input,
            HandshakePayload::ServerKeyExchange,
            "ServerKeyExchange"
        );
        let mut hs = self.hs;
        let group = ske.params.group;
        let offered_groups = hs.offered.supported_groups().unwrap_or_default();
        if !offered_groups.contains(&group) {
            return Err(PeerMisbehaved::SelectedUnofferedGroup(group).into());
        }
        // A hybrid ML-KEM group is offered for TLS 1.3 only (draft-ietf-tls-ecdhe-mlkem
        // 3): in ServerKeyExchange it was not offered.
        let kx_group = hs
            .config
            .provider
            .find_kx_group(group)
            .filter(|g| g.usable_in_tls12())
            .ok_or(PeerMisbehaved::SelectedUnofferedGroup(group))?;
        // RFC 5246 7.4.3: the scheme must be one we offered, and fit the suite.
        let scheme = ske.signature.scheme;
        let offered_schemes = hs.offered.signature_schemes().unwrap_or_default();
        if !offered_schemes.contains(&scheme)
            || !scheme_allowed_in(scheme, ProtocolVersion::TLSv1_2)
        {
            return Err(PeerMisbehaved::UnsupportedSignatureScheme(scheme).into());
        }
        if !scheme_fits_suite(scheme, hs.suite) {
            return Err(PeerMisbehaved::SignatureSchemeDoesNotMatchSuite(scheme).into());
        }
        let message =
            server_key_exchange_message(&hs.client_random, &hs.server_random, &ske.params);
        hs.config.verifier.verify_signature(
            ProtocolVersion::TLSv1_2,
            &message,
            &self.end_entity,
            scheme,
            &ske.signature.signature,
        )?;
        cx.emit(|| HandshakeEvent::SignatureVerified { scheme });
        let our_kx = kx_group.start()?;
        let public = our_kx.public_key().to_vec();
        let shared = our_kx.complete(&ske.params.public)?;
        cx.agreed.set_group(group);
        cx.emit(|| HandshakeEvent::KeyExchange {
            group,
            public_key_len: public.len(),
        });
        hs.transcript.add_message(encoded);
        Ok(ClientState::ExpectServerHelloDone12(
            ExpectServerHelloDone {
                hs,
                public,
                shared,
                client_auth: None,
            },
        ))
    }
}

pub(crate) struct ExpectServerHelloDone {
    hs: Box<Handshake>,
    public: Vec<u8>,
    shared: SharedSecret,
    /// The CertificateRequest's acceptable schemes and key types, if one came.
    client_auth: Option<(Vec<SignatureScheme>, Vec<ClientCertificateType>)>,
}

impl ExpectServerHelloDone {
    pub(super) fn handle(
        mut self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        let (payload, encoded) = input.handshake("CertificateRequest or ServerHelloDone")?;
        match payload {
            HandshakePayload::CertificateRequestTls12(request) if self.client_auth.is_none() => {
                self.hs.transcript.add_message(encoded);
                self.client_auth = Some((request.sig_schemes, request.cert_types));
                Ok(ClientState::ExpectServerHelloDone12(self))
            }
            HandshakePayload::ServerHelloDone => {
                self.hs.transcript.add_message(encoded);
                self.client_flight(cx)
            }
            other => Err(unexpected(&other, "CertificateRequest or ServerHelloDone")),
        }
    }

    /// RFC 5246 7.3: [Certificate], ClientKeyExchange, [CertificateVerify],
    /// ChangeCipherSpec, Finished.
    fn client_flight(self, cx: &mut CommonState) -> Result<ClientState, Error> {
        let mut hs = self.hs;
        let signer = match &self.client_auth {
            Some((schemes, types)) => {
                send_client_certificate(cx, &hs.config, schemes, types, &mut hs.transcript)?
            }
            None => None,
        };
        let encoded = cx.send_handshake(HandshakePayload::ClientKeyExchange(
            EcdheClientKeyExchange {
                public: self.public,
            },
        ))?;
        hs.transcript.add_message(encoded);

        // RFC 7627 4: the session hash covers the handshake through ClientKeyExchange.
        let master = if hs.extended_master_secret {
            MasterSecret::extended(hs.suite, &self.shared, hs.transcript.current().as_ref())?
        } else {
            MasterSecret::classic(hs.suite, &self.shared, &hs.client_random, &hs.server_random)?
        };
        drop(self.shared);
        cx.secret_derived(
            Secret::Tls12Master {
                extended: hs.extended_master_secret,
            },
            master.secret_bytes(),
        );

        if let Some(signer) = signer {
            // RFC 5246 7.4.8: the signature covers every handshake message so far.
            let transcript = hs.transcript.raw_transcript().ok_or(Error::Internal(
                "client authentication without the raw transcript",
            ))?;
            let signature = signer.sign(transcript)?;
            let scheme = signer.scheme();
            let encoded =
                cx.send_handshake(HandshakePayload::CertificateVerify(DigitallySigned {
                    scheme,
                    signature,
                }))?;
            hs.transcript.add_message(encoded);
            cx.emit(|| HandshakeEvent::SignatureSent { scheme });
        }
        hs.transcript.drop_raw();

        let keys = master.key_block(&hs.client_random, &hs.server_random)?;
        cx.emit(|| HandshakeEvent::SecretDerived(Secret::Tls12KeyBlock));
        cx.send_change_cipher_spec()?;
        cx.set_tls12_write_key(hs.suite, keys.client_key(), keys.client_iv())?;
        let verify_data = master.verify_data(Sender::Client, hs.transcript.current().as_ref())?;
        let encoded =
            cx.send_handshake_with(|out| HandshakeMessage::encode_finished(&verify_data, out))?;
        hs.transcript.add_message(encoded);
        cx.emit(|| HandshakeEvent::FinishedSent);
        Ok(ClientState::ExpectChangeCipherSpec12(
            ExpectChangeCipherSpec {
                hs,
                master,
                keys,
                new_ticket: None,
            },
        ))
    }
}

/// Our Certificate for a TLS 1.2 CertificateRequest: a key of an accepted type that
/// can sign with an accepted scheme, or an empty list. Returns the signer for
/// CertificateVerify when a certificate was sent.
fn send_client_certificate(
    cx: &mut CommonState,
    config: &ClientConfig,
    schemes: &[SignatureScheme],
    types: &[ClientCertificateType],
    transcript: &mut HandshakeHash,
) -> Result<Option<alloc::boxed::Box<dyn Signer>>, Error> {
    let acceptable = schemes_allowed_in(schemes, ProtocolVersion::TLSv1_2);
    let identity = config.client_auth.as_ref().and_then(|certified| {
        // RFC 8422 5.5: ecdsa_sign covers ECDSA and EdDSA keys.
        let key_type = match certified.key.algorithm() {
            SignatureAlgorithm::Rsa => ClientCertificateType::RSASign,
            SignatureAlgorithm::Ecdsa | SignatureAlgorithm::Ed25519 => {
                ClientCertificateType::ECDSASign
            }
        };
        if !types.contains(&key_type) {
            return None;
        }
        certified
            .key
            .choose_scheme(&acceptable)
            .map(|signer| (certified, signer))
    });
    // RFC 5246 7.4.6: without a certificate, an empty list.
    let chain = identity
        .iter()
        .flat_map(|(certified, _)| certified.chain.iter().map(|c| c.as_ref()));
    let encoded =
        cx.send_handshake_with(|out| crate::msgs::CertificateTls12::encode_chain(chain, out))?;
    transcript.add_message(encoded);
    Ok(identity.map(|(_, signer)| signer))
}

pub(crate) struct ExpectChangeCipherSpec {
    hs: Box<Handshake>,
    master: MasterSecret,
    keys: Tls12Keys,
    /// A NewSessionTicket's ticket and lifetime hint (RFC 5077 3.3).
    new_ticket: Option<(Vec<u8>, u32)>,
}

impl ExpectChangeCipherSpec {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        match input {
            // RFC 5077 3.3: a NewSessionTicket "MUST be sent if the server included a
            // SessionTicket extension in the ServerHello".
            Input::ChangeCipherSpec if self.hs.ticket_expected && self.new_ticket.is_none() => {
                Err(input.unexpected("NewSessionTicket (promised in the ServerHello)"))
            }
            Input::ChangeCipherSpec => {
                cx.set_tls12_read_key(
                    self.hs.suite,
                    self.keys.server_key(),
                    self.keys.server_iv(),
                )?;
                Ok(ClientState::ExpectFinished12(ExpectFinished {
                    hs: self.hs,
                    master: self.master,
                    keys: self.keys,
                    new_ticket: self.new_ticket,
                }))
            }
            // RFC 5077 3.3: a promised ticket comes just before the server's CCS.
            Input::Handshake {
                msg:
                    HandshakeMessage {
                        payload: HandshakePayload::NewSessionTicketTls12(ticket),
                    },
                encoded,
            } if self.hs.ticket_expected && self.new_ticket.is_none() => {
                let mut state = self;
                state.hs.transcript.add_message(encoded);
                cx.emit(|| HandshakeEvent::Ticket {
                    ours: false,
                    lifetime_secs: ticket.lifetime_hint,
                    max_early_data: 0,
                });
                state.new_ticket = Some((ticket.ticket, ticket.lifetime_hint));
                Ok(ClientState::ExpectChangeCipherSpec12(state))
            }
            other => Err(other.unexpected("ChangeCipherSpec")),
        }
    }
}

pub(crate) struct ExpectFinished {
    hs: Box<Handshake>,
    master: MasterSecret,
    keys: Tls12Keys,
    new_ticket: Option<(Vec<u8>, u32)>,
}

impl ExpectFinished {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        let (verify_data, encoded) =
            require_message!(input, HandshakePayload::Finished, "Finished");
        let mut hs = self.hs;
        self.master.check_verify_data(
            Sender::Server,
            hs.transcript.current().as_ref(),
            &verify_data,
        )?;
        cx.emit(|| HandshakeEvent::FinishedVerified);
        if hs.resumed {
            // RFC 5246 7.3: in an abbreviated handshake our CCS and Finished come last.
            hs.transcript.add_message(encoded);
            cx.send_change_cipher_spec()?;
            cx.set_tls12_write_key(hs.suite, self.keys.client_key(), self.keys.client_iv())?;
            let verify_data = self
                .master
                .verify_data(Sender::Client, hs.transcript.current().as_ref())?;
            cx.send_handshake_with(|out| HandshakeMessage::encode_finished(&verify_data, out))?;
            cx.emit(|| HandshakeEvent::FinishedSent);
        }
        store_session(&hs, &self.master, self.new_ticket);
        cx.agreed.set_exporter(KeyExporter::Tls12 {
            master: self.master,
            client_random: hs.client_random,
            server_random: hs.server_random,
        });
        cx.complete_handshake()?;
        Ok(ClientState::Traffic12(Traffic))
    }
}

/// Keeps the session for resumption (RFC 5246 7.4.1.2, RFC 5077 3.4), if the server
/// gave it an id or a ticket.
fn store_session(hs: &Handshake, master: &MasterSecret, new_ticket: Option<(Vec<u8>, u32)>) {
    const DEFAULT_LIFETIME: u32 = 24 * 3600;
    let (Some(store), Some(now)) = (&hs.config.session_store, hs.config.time.now()) else {
        return;
    };
    let (ticket, lifetime) = match new_ticket {
        // A lifetime hint of 0 means "unspecified" (RFC 5077 3.3).
        Some((ticket, hint)) => (
            Some(ticket),
            if hint == 0 {
                DEFAULT_LIFETIME
            } else {
                hint.min(DEFAULT_LIFETIME)
            },
        ),
        None => (hs.old_ticket.clone(), DEFAULT_LIFETIME),
    };
    if hs.session_id.is_empty() && ticket.is_none() {
        return;
    }
    store.set_tls12_session(
        &super::session_key(&hs.server_name),
        Tls12ClientSession {
            suite: hs.suite.suite,
            session_id: hs.session_id.clone(),
            ticket,
            master_secret: *master.secret_bytes(),
            extended_master_secret: hs.extended_master_secret,
            created: now.as_secs(),
            lifetime,
        },
    );
}

/// After a TLS 1.2 handshake: renegotiation is refused.
pub(crate) struct Traffic;

impl Traffic {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        let (payload, _) = input.handshake("no handshake message")?;
        match payload {
            // RFC 5746 4.2 / RFC 5246 7.4.1.1: we do not renegotiate; a HelloRequest
            // gets a no_renegotiation warning and the connection goes on.
            HandshakePayload::HelloRequest => {
                cx.send_alert(AlertLevel::Warning, AlertDescription::NoRenegotiation);
                Ok(ClientState::Traffic12(self))
            }
            other => Err(unexpected(
                &other,
                "no handshake message after the handshake",
            )),
        }
    }
}
