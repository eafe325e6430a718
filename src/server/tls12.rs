//! The server's TLS 1.2 handshake (RFC 5246 7.3, RFC 8422 for ECDHE):
//!
//! ```text
//! <- ClientHello
//! -> ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone
//! <- [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished
//! -> ChangeCipherSpec, Finished
//! ```

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use pki_types::{CertificateDer, UnixTime};

use super::ServerState;
use super::config::ServerConfig;
use super::negotiated::{FullTls12, ResumedTls12, Tls12Handshake, Tls12Hello};
use crate::conn::agreed::KeyExporter;
use crate::conn::{CommonState, Input, require_message, unexpected};
use crate::crypto::{ActiveKeyExchange, SupportedCipherSuite, Tls12CipherSuite};
use crate::enums::{
    AlertDescription, AlertLevel, ClientCertificateType, Compression, ECPointFormat, ExtensionType,
    ProtocolVersion,
};
use crate::error::Error;
use crate::events::{HandshakeEvent, Secret};
use crate::key_schedule::tls12::{MasterSecret, Sender, Tls12Keys};
use crate::key_schedule::{HandshakeHash, HandshakeHashBuffer};
use crate::msgs::{
    CertificateRequestTls12, CertificateTls12, DigitallySigned, EcdheParams,
    EcdheServerKeyExchange, HandshakePayload, NewSessionTicketTls12, ServerExtension, ServerHello,
};
use crate::resumption::ServerSessionValue;
use crate::time::current_time;
use crate::tls12::server_key_exchange_message;
use crate::tls13::DOWNGRADE_TLS12;
use crate::verify::ClientCertVerifier;

/// What every TLS 1.2 state carries.
pub(crate) struct Handshake {
    config: Arc<ServerConfig>,
    suite: &'static Tls12CipherSuite,
    transcript: HandshakeHash,
    client_random: [u8; 32],
    server_random: [u8; 32],
    extended_master_secret: bool,
    /// The id this session is stored under (empty: not stored by id).
    session_id: Vec<u8>,
    /// We promised a NewSessionTicket (RFC 5077 3.2).
    issue_ticket: bool,
    resumed: bool,
}

impl Handshake {
    /// What to remember of this session for resumption.
    fn session_value(
        &self,
        cx: &CommonState,
        master: &MasterSecret,
        now: u64,
    ) -> ServerSessionValue {
        ServerSessionValue {
            version: ProtocolVersion::TLSv1_2,
            suite: self.suite.suite,
            secret: master.secret_bytes().to_vec(),
            created: now,
            lifetime: TLS12_SESSION_LIFETIME,
            age_add: 0,
            extended_master_secret: self.extended_master_secret,
            server_name: cx.agreed.sni().unwrap_or_default().as_bytes().to_vec(),
            alpn: Vec::new(),
            max_early_data: 0,
            client_authenticated: cx.agreed.peer_certificates().is_some(),
        }
    }
}

/// How long a TLS 1.2 session may be resumed: one day.
const TLS12_SESSION_LIFETIME: u32 = 24 * 3600;

/// The server's TLS 1.2 flight for a negotiated ClientHello: the full handshake or
/// the abbreviated one resuming a session.
pub(super) fn start(
    cx: &mut CommonState,
    mut n: Tls12Hello<'_>,
    handshake: Tls12Handshake,
) -> Result<ServerState, Error> {
    cx.agreed.set_version(ProtocolVersion::TLSv1_2);
    cx.agreed.set_alpn(n.alpn.take());
    cx.agreed.set_sni(n.sni.take());
    // The flight's messages share records (RFC 5246 6.2.1 lets them), as in TLS 1.3;
    // a resumption's ChangeCipherSpec closes it before the protected Finished.
    cx.open_flight();
    let state = match handshake {
        Tls12Handshake::Full(full_handshake) => full(cx, n, full_handshake)?,
        Tls12Handshake::Resumed(resumed) => resume(cx, n, resumed)?,
    };
    cx.close_flight()?;
    Ok(state)
}

/// RFC 5246 7.3: ServerHello, Certificate, ServerKeyExchange, [CertificateRequest],
/// ServerHelloDone.
fn full(cx: &mut CommonState, n: Tls12Hello<'_>, choice: FullTls12) -> Result<ServerState, Error> {
    let FullTls12 {
        suite,
        certified,
        signer,
        group,
    } = choice;
    let config = n.config;
    cx.agreed.set_suite(SupportedCipherSuite::Tls12(suite));
    cx.agreed.set_group(group.name());

    // The hash starts from an empty buffer, so none is allocated for the ClientHello.
    let buffer = HandshakeHashBuffer::new();
    let mut transcript = if config.client_verifier.is_some() {
        buffer.start_hash_keeping_raw(suite.hash)
    } else {
        buffer.start_hash(suite.hash)
    };
    transcript.add_message(n.encoded);

    // ServerHello (RFC 5246 7.4.1.3). RFC 5077 3.2: a client that sent session_ticket
    // gets a ticket; otherwise the session is stored under a fresh id, if we keep a
    // store.
    let issue_ticket =
        config.ticketer.is_some() && n.hello.has_extension(ExtensionType::SessionTicket);
    let session_id = if !issue_ticket && config.session_store.is_some() {
        let mut id = vec![0u8; 32];
        cx.random(&mut id)?;
        id
    } else {
        Vec::new()
    };
    let hello_extensions = ServerHelloExtensions {
        secure_renegotiation: n.secure_renegotiation,
        extended_master_secret: n.extended_master_secret,
        point_formats: n.hello.has_extension(ExtensionType::ECPointFormats),
        sni_ack: cx.agreed.sni().is_some(),
        issue_ticket,
    };
    let server_random = send_server_hello(
        cx,
        &config,
        suite,
        session_id.clone(),
        &hello_extensions,
        &mut transcript,
    )?;
    cx.emit(|| HandshakeEvent::ServerHello {
        version: ProtocolVersion::TLSv1_2,
        cipher_suite: suite.suite,
        group: Some(group.name()),
        resumed: false,
    });

    // Certificate (RFC 5246 7.4.2).
    let chain = certified.chain.iter().map(|c| c.as_ref());
    let encoded = cx.send_handshake_with(|out| CertificateTls12::encode_chain(chain, out))?;
    transcript.add_message(encoded);

    // ServerKeyExchange (RFC 8422 5.4).
    let our_kx = group.start()?;
    let params = EcdheParams {
        group: group.name(),
        public: our_kx.public_key().to_vec(),
    };
    let message = server_key_exchange_message(&n.hello.random, &server_random, &params);
    let scheme = signer.scheme();
    let signature = signer.sign(&message)?;
    let encoded = cx.send_handshake(HandshakePayload::ServerKeyExchange(
        EcdheServerKeyExchange {
            params,
            signature: DigitallySigned { scheme, signature },
        },
    ))?;
    transcript.add_message(encoded);
    cx.emit(|| HandshakeEvent::SignatureSent { scheme });

    // CertificateRequest (RFC 5246 7.4.4).
    if let Some(verifier) = &config.client_verifier {
        let encoded = cx.send_handshake(HandshakePayload::CertificateRequestTls12(
            CertificateRequestTls12 {
                cert_types: vec![
                    ClientCertificateType::ECDSASign,
                    ClientCertificateType::RSASign,
                ],
                sig_schemes: verifier.supported_verify_schemes(ProtocolVersion::TLSv1_2),
                authorities: verifier.root_hint_subjects(),
            },
        ))?;
        transcript.add_message(encoded);
    }
    let encoded = cx.send_handshake(HandshakePayload::ServerHelloDone)?;
    transcript.add_message(encoded);

    let client_verifier = config.client_verifier.clone();
    let hs = Box::new(Handshake {
        config,
        suite,
        transcript,
        client_random: n.hello.random,
        server_random,
        extended_master_secret: n.extended_master_secret,
        session_id,
        issue_ticket,
        resumed: false,
    });
    Ok(match client_verifier {
        Some(verifier) => ServerState::ExpectCertificate12(ExpectCertificate {
            hs,
            kx: our_kx,
            verifier,
        }),
        None => ServerState::ExpectClientKeyExchange12(ExpectClientKeyExchange {
            hs,
            kx: our_kx,
            client: None,
        }),
    })
}

/// Which extensions our TLS 1.2 ServerHello carries.
struct ServerHelloExtensions {
    /// RFC 5746 3.6: an empty renegotiation_info answers the client's signal, and
    /// only a signal (an unsolicited extension would be fatal to the client).
    secure_renegotiation: bool,
    extended_master_secret: bool,
    /// RFC 8422 5.2: echoed when the client sent ec_point_formats.
    point_formats: bool,
    /// RFC 6066 3: an empty server_name acknowledges SNI (never when resuming).
    sni_ack: bool,
    issue_ticket: bool,
}

/// RFC 5246 7.4.1.3: our ServerHello; returns the server random (with the TLS 1.3
/// downgrade sentinel when we also speak TLS 1.3, RFC 8446 4.1.3).
fn send_server_hello(
    cx: &mut CommonState,
    config: &ServerConfig,
    suite: &'static Tls12CipherSuite,
    session_id: Vec<u8>,
    ext: &ServerHelloExtensions,
    transcript: &mut HandshakeHash,
) -> Result<[u8; 32], Error> {
    let mut server_random = [0u8; 32];
    cx.random(&mut server_random)?;
    if config.versions.contains(&ProtocolVersion::TLSv1_3) {
        server_random[24..].copy_from_slice(&DOWNGRADE_TLS12);
    }
    // Room for every extension we may send, so the vector is allocated once.
    let mut extensions = Vec::with_capacity(6);
    if ext.secure_renegotiation {
        extensions.push(ServerExtension::RenegotiationInfo(Vec::new()));
    }
    if ext.extended_master_secret {
        extensions.push(ServerExtension::ExtendedMasterSecret);
    }
    if ext.point_formats {
        extensions.push(ServerExtension::EcPointFormats(vec![
            ECPointFormat::Uncompressed,
        ]));
    }
    if ext.sni_ack {
        extensions.push(ServerExtension::ServerNameAck);
    }
    if let Some(protocol) = cx.agreed.alpn() {
        extensions.push(ServerExtension::Alpn(protocol.to_vec()));
    }
    if ext.issue_ticket {
        extensions.push(ServerExtension::SessionTicketAck);
    }
    let encoded = cx.send_handshake(HandshakePayload::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: server_random,
        session_id,
        cipher_suite: suite.suite,
        compression_method: Compression::Null,
        extensions: Some(extensions),
    }))?;
    transcript.add_message(encoded);
    Ok(server_random)
}

pub(crate) struct ExpectCertificate {
    hs: Box<Handshake>,
    kx: alloc::boxed::Box<dyn ActiveKeyExchange>,
    /// Checks the client's certificate (we sent a CertificateRequest).
    verifier: Arc<dyn ClientCertVerifier>,
}

impl ExpectCertificate {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (certificate, encoded) =
            require_message!(input, HandshakePayload::CertificateTls12, "Certificate");
        let mut hs = self.hs;
        hs.transcript.add_message(encoded);
        let chain = certificate
            .certs
            .into_iter()
            .map(CertificateDer::from)
            .collect();
        let client = super::verify_client_chain(cx, &hs.config, &self.verifier, chain)?;
        Ok(ServerState::ExpectClientKeyExchange12(
            ExpectClientKeyExchange {
                hs,
                kx: self.kx,
                client,
            },
        ))
    }
}

pub(crate) struct ExpectClientKeyExchange {
    hs: Box<Handshake>,
    kx: alloc::boxed::Box<dyn ActiveKeyExchange>,
    /// The client's verified certificate, if it sent one.
    client: Option<super::VerifiedClient>,
}

impl ExpectClientKeyExchange {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (cke, encoded) = require_message!(
            input,
            HandshakePayload::ClientKeyExchange,
            "ClientKeyExchange"
        );
        let mut hs = self.hs;
        let group = self.kx.group();
        let public_key_len = self.kx.public_key().len();
        let shared = self.kx.complete(&cke.public)?;
        cx.emit(|| HandshakeEvent::KeyExchange {
            group,
            public_key_len,
        });
        hs.transcript.add_message(encoded);
        // RFC 7627 4: the session hash covers the handshake through ClientKeyExchange.
        let master = if hs.extended_master_secret {
            MasterSecret::extended(hs.suite, &shared, hs.transcript.current().as_ref())?
        } else {
            MasterSecret::classic(hs.suite, &shared, &hs.client_random, &hs.server_random)?
        };
        cx.secret_derived(
            Secret::Tls12Master {
                extended: hs.extended_master_secret,
            },
            master.secret_bytes(),
        );
        let keys = master.key_block(&hs.client_random, &hs.server_random)?;
        cx.emit(|| HandshakeEvent::SecretDerived(Secret::Tls12KeyBlock));
        let next = Keyed { hs, master, keys };
        Ok(match self.client {
            Some(client) => ServerState::ExpectCertificateVerify12(ExpectCertificateVerify {
                keyed: next,
                client,
            }),
            None => ServerState::ExpectChangeCipherSpec12(ExpectChangeCipherSpec(next)),
        })
    }
}

/// The states once the master secret exists.
pub(crate) struct Keyed {
    hs: Box<Handshake>,
    master: MasterSecret,
    keys: Tls12Keys,
}

pub(crate) struct ExpectCertificateVerify {
    keyed: Keyed,
    client: super::VerifiedClient,
}

impl ExpectCertificateVerify {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (signed, encoded) = require_message!(
            input,
            HandshakePayload::CertificateVerify,
            "CertificateVerify"
        );
        let mut keyed = self.keyed;
        // RFC 5246 7.4.8: the signature covers every handshake message so far.
        let transcript = keyed.hs.transcript.raw_transcript().ok_or(Error::Internal(
            "client authentication without the raw transcript",
        ))?;
        super::verify_client_signature(
            cx,
            &self.client,
            ProtocolVersion::TLSv1_2,
            transcript,
            &signed,
        )?;
        keyed.hs.transcript.add_message(encoded);
        keyed.hs.transcript.drop_raw();
        Ok(ServerState::ExpectChangeCipherSpec12(
            ExpectChangeCipherSpec(keyed),
        ))
    }
}

pub(crate) struct ExpectChangeCipherSpec(Keyed);

impl ExpectChangeCipherSpec {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        match input {
            Input::ChangeCipherSpec => {
                let keyed = self.0;
                cx.set_tls12_read_key(
                    keyed.hs.suite,
                    keyed.keys.client_key(),
                    keyed.keys.client_iv(),
                )?;
                Ok(ServerState::ExpectFinished12(ExpectFinished(keyed)))
            }
            other => Err(other.unexpected("ChangeCipherSpec")),
        }
    }
}

pub(crate) struct ExpectFinished(Keyed);

impl ExpectFinished {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (verify_data, encoded) =
            require_message!(input, HandshakePayload::Finished, "Finished");
        let Keyed {
            mut hs,
            master,
            keys,
        } = self.0;
        master.check_verify_data(
            Sender::Client,
            hs.transcript.current().as_ref(),
            &verify_data,
        )?;
        cx.emit(|| HandshakeEvent::FinishedVerified);
        if !hs.resumed {
            hs.transcript.add_message(encoded);
            let now = current_time(&*hs.config.time)?;
            let value = hs.session_value(cx, &master, now.as_secs());
            if hs.issue_ticket {
                // RFC 5077 3.3: the ticket comes before our ChangeCipherSpec.
                send_ticket(cx, &hs.config, &value, now, &mut hs.transcript)?;
            } else if let (Some(store), false) =
                (&hs.config.session_store, hs.session_id.is_empty())
            {
                store.put(
                    hs.session_id.clone(),
                    super::tickets::encode_session(&value),
                );
            }
            send_ccs_and_finished(cx, &mut hs, &master, &keys)?;
        }

        cx.agreed.set_exporter(KeyExporter::Tls12 {
            master,
            client_random: hs.client_random,
            server_random: hs.server_random,
        });
        cx.complete_handshake()?;
        Ok(ServerState::Traffic12(Traffic))
    }
}

/// RFC 5246 7.4.9: our ChangeCipherSpec, then Finished under the new key.
fn send_ccs_and_finished(
    cx: &mut CommonState,
    hs: &mut Handshake,
    master: &MasterSecret,
    keys: &Tls12Keys,
) -> Result<(), Error> {
    cx.send_change_cipher_spec()?;
    cx.set_tls12_write_key(hs.suite, keys.server_key(), keys.server_iv())?;
    let verify_data = master.verify_data(Sender::Server, hs.transcript.current().as_ref())?;
    let encoded = cx.send_handshake_with(|out| {
        crate::msgs::HandshakeMessage::encode_finished(&verify_data, out)
    })?;
    hs.transcript.add_message(encoded);
    cx.emit(|| HandshakeEvent::FinishedSent);
    Ok(())
}

/// RFC 5077 3.3: a NewSessionTicket for `value`.
fn send_ticket(
    cx: &mut CommonState,
    config: &ServerConfig,
    value: &ServerSessionValue,
    now: UnixTime,
    transcript: &mut HandshakeHash,
) -> Result<(), Error> {
    let ticket = config
        .ticketer
        .as_ref()
        .and_then(|t| t.encrypt(&super::tickets::encode_session(value), now))
        .unwrap_or_default();
    // An empty ticket tells the client we could not issue one after all (RFC 5077 3.3).
    if !ticket.is_empty() {
        cx.emit(|| HandshakeEvent::Ticket {
            ours: true,
            lifetime_secs: value.lifetime,
            max_early_data: 0,
        });
    }
    let encoded = cx.send_handshake(HandshakePayload::NewSessionTicketTls12(
        NewSessionTicketTls12 {
            lifetime_hint: value.lifetime,
            ticket,
        },
    ))?;
    transcript.add_message(encoded);
    Ok(())
}

/// RFC 5246 7.3: the abbreviated handshake. ServerHello echoing the session id,
/// [NewSessionTicket], ChangeCipherSpec, Finished; then the client's CCS and Finished.
fn resume(
    cx: &mut CommonState,
    n: Tls12Hello<'_>,
    resumed: ResumedTls12,
) -> Result<ServerState, Error> {
    let ResumedTls12 {
        suite,
        master,
        extended_master_secret,
    } = resumed;
    let config = n.config;
    cx.agreed.set_suite(SupportedCipherSuite::Tls12(suite));
    cx.agreed.set_resumed(true);

    let mut transcript = HandshakeHashBuffer::new().start_hash(suite.hash);
    transcript.add_message(n.encoded);
    let issue_ticket =
        config.ticketer.is_some() && n.hello.has_extension(ExtensionType::SessionTicket);
    let hello_extensions = ServerHelloExtensions {
        secure_renegotiation: n.secure_renegotiation,
        extended_master_secret,
        point_formats: n.hello.has_extension(ExtensionType::ECPointFormats),
        sni_ack: false,
        issue_ticket,
    };
    let server_random = send_server_hello(
        cx,
        &config,
        suite,
        n.hello.session_id.clone(),
        &hello_extensions,
        &mut transcript,
    )?;
    cx.emit(|| HandshakeEvent::ServerHello {
        version: ProtocolVersion::TLSv1_2,
        cipher_suite: suite.suite,
        group: None,
        resumed: true,
    });

    let mut hs = Box::new(Handshake {
        config,
        suite,
        transcript,
        client_random: n.hello.random,
        server_random,
        extended_master_secret,
        session_id: n.hello.session_id.clone(),
        issue_ticket,
        resumed: true,
    });
    let keys = master.key_block(&hs.client_random, &hs.server_random)?;
    cx.emit(|| HandshakeEvent::SecretDerived(Secret::Tls12KeyBlock));
    if issue_ticket {
        let now = current_time(&*hs.config.time)?;
        let fresh = hs.session_value(cx, &master, now.as_secs());
        let config = hs.config.clone();
        send_ticket(cx, &config, &fresh, now, &mut hs.transcript)?;
    }
    send_ccs_and_finished(cx, &mut hs, &master, &keys)?;
    Ok(ServerState::ExpectChangeCipherSpec12(
        ExpectChangeCipherSpec(Keyed { hs, master, keys }),
    ))
}

/// After a TLS 1.2 handshake: renegotiation is refused.
pub(crate) struct Traffic;

impl Traffic {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (payload, _) = input.handshake("no handshake message")?;
        match payload {
            // RFC 5746 4.4: we do not renegotiate; a ClientHello gets a
            // no_renegotiation warning and the connection goes on.
            HandshakePayload::ClientHello(_) => {
                cx.send_alert(AlertLevel::Warning, AlertDescription::NoRenegotiation);
                Ok(ServerState::Traffic12(self))
            }
            other => Err(unexpected(
                &other,
                "no handshake message after the handshake",
            )),
        }
    }
}
