//! The client's TLS 1.3 handshake after ServerHello (RFC 8446 2, 4.3-4.4), then
//! post-handshake messages. Handlers read top to bottom in the order of the flight:
//! EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify,
//! Finished; then our [Certificate, CertificateVerify], Finished.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::{CertificateDer, ServerName};

use super::ClientState;
use super::config::ClientConfig;
use crate::conn::agreed::KeyExporter;
use crate::conn::{CommonState, EarlyDataStatus, Input, require_message, unexpected};
use crate::crypto::{SharedSecret, Tls13CipherSuite};
use crate::enums::{CipherSuite, ExtensionType, ProtocolVersion};
use crate::error::{Error, PeerMisbehaved};
use crate::events::{HandshakeEvent, Secret};
use crate::key_schedule::HandshakeHash;
use crate::key_schedule::tls13::{
    KeyScheduleEarly, KeyScheduleHandshake, ResumptionSecret, TrafficSecret,
};
use crate::msgs::NewSessionTicketTls13;
use crate::msgs::{CertificateRequestTls13, CertificateTls13, HandshakePayload, ServerExtension};
use crate::resumption::Tls13ClientSession;
use crate::tls13::{
    OfferedExtensions, certificate_verify_message, check_reply_extensions, send_certificate_verify,
};
use crate::verify::schemes_allowed_in;

/// What the hello exchange hands over.
pub(super) struct HandshakeStart {
    pub(super) config: Arc<ClientConfig>,
    pub(super) server_name: ServerName<'static>,
    /// The suite the ServerHello chose.
    pub(super) suite: &'static Tls13CipherSuite,
    pub(super) transcript: HandshakeHash,
    pub(super) shared: SharedSecret,
    pub(super) offered_extensions: OfferedExtensions,
    pub(super) sent_ccs: bool,
    /// The Early Secret of our ticket's PSK (made for its binder), when the server
    /// accepted the ticket.
    pub(super) psk_schedule: Option<KeyScheduleEarly>,
    /// With 0-RTT data on offer: the suite and ALPN protocol it was sent under.
    pub(super) early_data_terms: Option<(CipherSuite, Option<Vec<u8>>)>,
}

/// What every state up to the client's Finished carries.
pub(crate) struct Handshake {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    transcript: HandshakeHash,
    key_schedule: KeyScheduleHandshake,
    client_secret: TrafficSecret,
    server_secret: TrafficSecret,
    offered_extensions: OfferedExtensions,
    sent_ccs: bool,
    /// A PSK resumption: the server does not authenticate with a certificate.
    resumed: bool,
    early_data_terms: Option<(CipherSuite, Option<Vec<u8>>)>,
}

/// Derives the handshake secrets (RFC 8446 7.1) and installs the server's key.
pub(super) fn start_handshake_keys(
    cx: &mut CommonState,
    start: HandshakeStart,
) -> Result<ClientState, Error> {
    let suite = start.suite;
    let hello_hash = start.transcript.current();
    // RFC 8446 7.1: the early secret comes from the PSK when resuming, else from zeros.
    let resumed = start.psk_schedule.is_some();
    let early = match start.psk_schedule {
        Some(early) => early,
        None => KeyScheduleEarly::without_psk(suite)?,
    };
    cx.agreed.set_resumed(resumed);
    let key_schedule = early.into_handshake(&start.shared, hello_hash.as_ref())?;
    let client_secret = key_schedule.client_handshake_traffic_secret()?;
    let server_secret = key_schedule.server_handshake_traffic_secret()?;
    cx.secret_derived(Secret::ClientHandshakeTraffic, client_secret.secret_bytes());
    cx.secret_derived(Secret::ServerHandshakeTraffic, server_secret.secret_bytes());
    cx.set_tls13_read_key(&server_secret)?;
    // Our write key is installed now, though our next flight waits for the
    // server's: an alert we send before then must be protected too (RFC 8446 5).
    // With early data on offer, the early key stays until the server answers.
    if cx.early_data.status() != EarlyDataStatus::Offered {
        cx.set_tls13_write_key(&client_secret)?;
    }
    if start.config.middlebox_compat && !start.sent_ccs {
        cx.owe_compat_ccs();
    }
    cx.emit(|| HandshakeEvent::HandshakeKeysInstalled {
        cipher_suite: suite.suite,
    });
    Ok(ClientState::ExpectEncryptedExtensions(
        ExpectEncryptedExtensions(Box::new(Handshake {
            config: start.config,
            server_name: start.server_name,
            transcript: start.transcript,
            key_schedule,
            client_secret,
            server_secret,
            offered_extensions: start.offered_extensions,
            sent_ccs: start.sent_ccs,
            resumed,
            early_data_terms: start.early_data_terms,
        })),
    ))
}

/// RFC 8446 4.3.1: the extensions EncryptedExtensions may carry (those for which the
/// RFC lists "EE"), provided the client offered them.
const ENCRYPTED_EXTENSIONS_ALLOWED: &[ExtensionType] = &[
    ExtensionType::ServerName,
    ExtensionType::MaxFragmentLength,
    ExtensionType::SupportedGroups,
    ExtensionType::UseSrtp,
    ExtensionType::Heartbeat,
    ExtensionType::ALProtocolNegotiation,
    ExtensionType::RecordSizeLimit,
    ExtensionType::EarlyData,
];

/// RFC 8446 4.4.2: the extensions a CertificateEntry may carry ("CT" in 4.2's
/// table), when the ClientHello asked for them.
const CERTIFICATE_ENTRY_ALLOWED: &[ExtensionType] =
    &[ExtensionType::StatusRequest, ExtensionType::SCT];

pub(crate) struct ExpectEncryptedExtensions(Box<Handshake>);

impl ExpectEncryptedExtensions {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        let (extensions, encoded) = require_message!(
            input,
            HandshakePayload::EncryptedExtensions,
            "EncryptedExtensions"
        );
        let mut hs = self.0;
        check_reply_extensions(
            &extensions,
            hs.offered_extensions.as_slice(),
            ENCRYPTED_EXTENSIONS_ALLOWED,
            "EncryptedExtensions",
        )?;
        for ext in &extensions {
            if let ServerExtension::Alpn(protocol) = ext {
                // RFC 7301 3.2: the server's choice must be one the client offered.
                if !hs.config.alpn_protocols.contains(protocol) {
                    return Err(PeerMisbehaved::UnofferedAlpnProtocol.into());
                }
                cx.agreed.set_alpn(Some(protocol.clone()));
            }
        }
        // RFC 8446 4.2.10: the server's verdict on our early data. Acceptance needs
        // the PSK we offered to have been accepted.
        if cx.early_data.status() == EarlyDataStatus::Offered {
            let accepted = extensions
                .iter()
                .any(|e| matches!(e, ServerExtension::EarlyData));
            if accepted && !hs.resumed {
                return Err(PeerMisbehaved::ExtensionNotAllowed {
                    message: "EncryptedExtensions",
                    extension: ExtensionType::EarlyData,
                }
                .into());
            }
            // RFC 8446 4.2.10: accepted early data keeps the ticket's suite (its key
            // protected the data) and ALPN protocol (the data may depend on it).
            if let (true, Some((suite, alpn))) = (accepted, &hs.early_data_terms) {
                if cx.agreed.suite().map(|s| s.suite()) != Some(*suite) {
                    return Err(PeerMisbehaved::EarlyDataParametersChanged("cipher suite").into());
                }
                if cx.agreed.alpn() != alpn.as_deref() {
                    return Err(PeerMisbehaved::EarlyDataParametersChanged("ALPN protocol").into());
                }
            }
            cx.early_data.settle(accepted);
            if !accepted {
                cx.set_tls13_write_key(&hs.client_secret)?;
            }
        }
        cx.emit_with(|emit| {
            emit(&HandshakeEvent::EncryptedExtensions {
                alpn: cx.agreed.alpn(),
                server_name_acknowledged: extensions
                    .iter()
                    .any(|e| matches!(e, ServerExtension::ServerNameAck)),
                early_data_accepted: cx.early_data.status() == EarlyDataStatus::Accepted,
            })
        });
        hs.transcript.add_message(encoded);
        // RFC 8446 2.2: a PSK handshake skips the server's certificate.
        if hs.resumed {
            return Ok(ClientState::ExpectFinished(ExpectFinished {
                hs,
                client_auth: None,
            }));
        }
        Ok(ClientState::ExpectCertificateOrCertRequest(
            ExpectCertificateOrCertRequest(hs),
        ))
    }
}

pub(crate) struct ExpectCertificateOrCertRequest(Box<Handshake>);

impl ExpectCertificateOrCertRequest {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        match input {
            Input::Handshake {
                msg:
                    crate::msgs::HandshakeMessage {
                        payload: HandshakePayload::CertificateRequestTls13(request),
                    },
                encoded,
            } => {
                let mut hs = self.0;
                // RFC 8446 4.3.2: in the handshake the context is empty, and
                // signature_algorithms must be present.
                if !request.context.is_empty() {
                    return Err(PeerMisbehaved::BadCertificateRequestContext.into());
                }
                if request.signature_schemes().is_none() {
                    return Err(PeerMisbehaved::MissingExtension {
                        message: "CertificateRequest",
                        extension: ExtensionType::SignatureAlgorithms,
                    }
                    .into());
                }
                hs.transcript.add_message(encoded);
                Ok(ClientState::ExpectCertificate(ExpectCertificate {
                    hs,
                    client_auth: Some(request),
                }))
            }
            input => ExpectCertificate {
                hs: self.0,
                client_auth: None,
            }
            .handle(cx, input),
        }
    }
}

pub(crate) struct ExpectCertificate {
    hs: Box<Handshake>,
    client_auth: Option<CertificateRequestTls13>,
}

impl ExpectCertificate {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        let (certificate, encoded) =
            require_message!(input, HandshakePayload::CertificateTls13, "Certificate");
        let mut hs = self.hs;
        // RFC 8446 4.4.2: the server's context is empty; 4.4.2.4: an empty list is
        // decode_error.
        if !certificate.context.is_empty() {
            return Err(PeerMisbehaved::BadCertificateRequestContext.into());
        }
        // RFC 8446 4.4.2: "Extensions in the Certificate message from the server MUST
        // correspond to ones from the ClientHello message"; 4.2: unsupported_extension.
        for entry in &certificate.entries {
            check_reply_extensions(
                &entry.extensions,
                hs.offered_extensions.as_slice(),
                CERTIFICATE_ENTRY_ALLOWED,
                "Certificate",
            )?;
        }
        let ocsp = certificate
            .entries
            .first()
            .and_then(|e| e.ocsp_response())
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        let chain: Vec<CertificateDer<'static>> = certificate
            .entries
            .into_iter()
            .map(|entry| CertificateDer::from(entry.cert))
            .collect();
        let end_entity = super::verify_server_chain(cx, &hs.config, &hs.server_name, chain, &ocsp)?;
        hs.transcript.add_message(encoded);
        Ok(ClientState::ExpectCertificateVerify(
            ExpectCertificateVerify {
                hs,
                end_entity,
                client_auth: self.client_auth,
            },
        ))
    }
}

pub(crate) struct ExpectCertificateVerify {
    hs: Box<Handshake>,
    /// The server's verified certificate, whose key signs the CertificateVerify.
    end_entity: CertificateDer<'static>,
    client_auth: Option<CertificateRequestTls13>,
}

impl ExpectCertificateVerify {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        let (signed, encoded) = require_message!(
            input,
            HandshakePayload::CertificateVerify,
            "CertificateVerify"
        );
        let mut hs = self.hs;
        // RFC 8446 4.4.3: the scheme must be one the client offered.
        let offered = hs
            .config
            .verifier
            .supported_verify_schemes(ProtocolVersion::TLSv1_3);
        if !offered.contains(&signed.scheme) {
            return Err(PeerMisbehaved::UnsupportedSignatureScheme(signed.scheme).into());
        }
        let message = certificate_verify_message(true, &hs.transcript.current());
        hs.config.verifier.verify_signature(
            ProtocolVersion::TLSv1_3,
            &message,
            &self.end_entity,
            signed.scheme,
            &signed.signature,
        )?;
        cx.emit(|| HandshakeEvent::SignatureVerified {
            scheme: signed.scheme,
        });
        hs.transcript.add_message(encoded);
        Ok(ClientState::ExpectFinished(ExpectFinished {
            hs,
            client_auth: self.client_auth,
        }))
    }
}

pub(crate) struct ExpectFinished {
    hs: Box<Handshake>,
    client_auth: Option<CertificateRequestTls13>,
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
        // RFC 8446 4.4.4: checked in constant time against the transcript so far.
        hs.server_secret
            .finished_key()?
            .check(hs.transcript.current().as_ref(), &verify_data)?;
        cx.emit(|| HandshakeEvent::FinishedVerified);
        hs.transcript.add_message(encoded);

        // RFC 8446 7.1: the application secrets hash the transcript through the
        // server's Finished.
        let traffic = hs
            .key_schedule
            .into_traffic(hs.transcript.current().as_ref())?;
        let server_app = traffic.server_application_traffic_secret()?;
        let client_app = traffic.client_application_traffic_secret()?;
        cx.secret_derived(Secret::ClientApplicationTraffic, client_app.secret_bytes());
        cx.secret_derived(Secret::ServerApplicationTraffic, server_app.secret_bytes());
        cx.set_tls13_read_key(&server_app)?;

        // Our second flight, under the client handshake key (installed already).
        if hs.config.middlebox_compat && !hs.sent_ccs {
            cx.send_compat_ccs()?;
        }
        // RFC 8446 4.5: accepted early data ends with EndOfEarlyData, under the early
        // key; then the handshake key takes over.
        if cx.early_data.status() == EarlyDataStatus::Accepted {
            let encoded = cx.send_handshake(HandshakePayload::EndOfEarlyData)?;
            hs.transcript.add_message(encoded);
            cx.set_tls13_write_key(&hs.client_secret)?;
        }
        cx.open_flight();
        if let Some(request) = &self.client_auth {
            send_client_certificate(cx, &hs.config, request, &mut hs.transcript)?;
        }
        let verify_data = hs
            .client_secret
            .finished_key()?
            .verify_data(hs.transcript.current().as_ref());
        let encoded = cx.send_handshake_with(|out| {
            crate::msgs::HandshakeMessage::encode_finished(verify_data.as_ref(), out)
        })?;
        hs.transcript.add_message(encoded);
        cx.emit(|| HandshakeEvent::FinishedSent);
        cx.close_flight()?;

        cx.set_tls13_write_key(&client_app)?;
        let exporter = traffic.exporter()?;
        cx.secret_derived(Secret::ExporterMaster, exporter.secret_bytes());
        cx.agreed.set_exporter(KeyExporter::Tls13(exporter));
        cx.keep_tls13_traffic_secrets(server_app, client_app);
        // RFC 8446 4.6.1: tickets that arrive later derive from this secret.
        let resumption = traffic.resumption_master_secret(hs.transcript.current().as_ref())?;
        cx.emit(|| HandshakeEvent::SecretDerived(Secret::ResumptionMaster));
        cx.complete_handshake()?;
        Ok(ClientState::Traffic(Traffic {
            config: hs.config,
            server_name: hs.server_name,
            resumption,
        }))
    }
}

/// RFC 8446 4.4.2, 4.4.3: our Certificate (empty if we have none that fits) and, with
/// a certificate, our CertificateVerify.
fn send_client_certificate(
    cx: &mut CommonState,
    config: &ClientConfig,
    request: &CertificateRequestTls13,
    transcript: &mut HandshakeHash,
) -> Result<(), Error> {
    let acceptable = schemes_allowed_in(
        request.signature_schemes().unwrap_or_default(),
        ProtocolVersion::TLSv1_3,
    );
    let identity = config.client_auth.as_ref().and_then(|certified| {
        certified
            .key
            .choose_scheme(&acceptable)
            .map(|signer| (certified, signer))
    });
    // RFC 8446 4.4.2: the request's context, and an empty list without a certificate.
    let chain = identity
        .iter()
        .flat_map(|(certified, _)| certified.chain.iter().map(|cert| cert.as_ref()));
    let encoded =
        cx.send_handshake_with(|out| CertificateTls13::encode_chain(&request.context, chain, out))?;
    transcript.add_message(encoded);
    if let Some((_, signer)) = identity {
        send_certificate_verify(cx, &*signer, false, transcript)?;
    }
    Ok(())
}

/// After the handshake: session tickets and key updates.
pub(crate) struct Traffic {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    resumption: ResumptionSecret,
}

impl Traffic {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        const EXPECTED: &str = "NewSessionTicket or KeyUpdate";
        match input.handshake(EXPECTED)?.0 {
            HandshakePayload::NewSessionTicketTls13(ticket) => {
                self.store_ticket(cx, ticket)?;
                Ok(ClientState::Traffic(self))
            }
            HandshakePayload::KeyUpdate(request) => {
                cx.receive_key_update(request)?;
                Ok(ClientState::Traffic(self))
            }
            other => Err(unexpected(&other, EXPECTED)),
        }
    }

    /// RFC 8446 4.6.1: keeps the ticket and the PSK it stands for, if resumption is on.
    fn store_ticket(&self, cx: &CommonState, ticket: NewSessionTicketTls13) -> Result<(), Error> {
        let Some(store) = &self.config.session_store else {
            return Ok(());
        };
        // "Servers MUST NOT use any value greater than 604800 seconds"; 0 means
        // "discard immediately".
        const WEEK: u32 = 604_800;
        cx.emit(|| HandshakeEvent::Ticket {
            ours: false,
            lifetime_secs: ticket.lifetime,
            max_early_data: ticket.max_early_data_size().unwrap_or(0),
        });
        if ticket.lifetime == 0 {
            return Ok(());
        }
        let (Some(suite), Some(now)) = (cx.agreed.suite(), self.config.time.now()) else {
            return Ok(());
        };
        let psk = self.resumption.psk_for_ticket(&ticket.nonce)?;
        store.insert_tls13_ticket(
            &super::session_key(&self.server_name),
            Tls13ClientSession {
                suite: suite.suite(),
                max_early_data: ticket.max_early_data_size().unwrap_or(0),
                ticket: ticket.ticket,
                psk: psk.secret_bytes().to_vec(),
                age_add: ticket.age_add,
                received_ms: now.as_secs().saturating_mul(1000),
                lifetime: ticket.lifetime.min(WEEK),
                alpn: cx.agreed.alpn().map(<[u8]>::to_vec),
            },
        );
        Ok(())
    }
}
