//! The server's TLS 1.3 handshake (RFC 8446 2): ClientHello in; ServerHello,
//! EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify, Finished
//! out; then the client's [Certificate, CertificateVerify], Finished.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use pki_types::CertificateDer;

use super::ServerState;
use super::config::ServerConfig;
use super::negotiated::{Retry, Tls13Hello};
use crate::cert::CertifiedKey;
use crate::conn::agreed::KeyExporter;
use crate::conn::{CommonState, Input, require_message, unexpected};
use crate::crypto::{
    CompletedKeyExchange, HashOutput, SharedSecret, Signer, SupportedCipherSuite, Tls13CipherSuite,
};
use crate::enums::{Compression, HandshakeType, NamedGroup, ProtocolVersion, PskKeyExchangeMode};
use crate::error::{Error, PeerMisbehaved};
use crate::events::{HandshakeEvent, Secret};
use crate::key_schedule::tls13::{
    KeyScheduleEarly, KeyScheduleHandshake, KeyScheduleTraffic, ResumptionSecret, TrafficSecret,
};
use crate::key_schedule::{HandshakeHash, HandshakeHashBuffer};
use crate::msgs::{
    CertReqExtension, CertificateRequestTls13, CertificateTls13, ClientHello, HandshakeMessage,
    HandshakePayload, HelloRetryExtension, HelloRetryRequest, KeyShareEntry, ServerExtension,
    ServerHello,
};
use crate::msgs::{NewSessionTicketExtension, NewSessionTicketTls13};
use crate::resumption::ServerSessionValue;
use crate::time::current_time;
use crate::tls13::{certificate_verify_message, check_reply_extensions, send_certificate_verify};
use crate::verify::ClientCertVerifier;

/// The server's first TLS 1.3 flight for a negotiated ClientHello, step by step in
/// the order of RFC 8446 2: ServerHello, handshake keys, EncryptedExtensions,
/// [CertificateRequest], [Certificate, CertificateVerify], Finished, application
/// keys.
pub(super) fn start(cx: &mut CommonState, mut n: Tls13Hello<'_>) -> Result<ServerState, Error> {
    let psk_dhe_offered = n
        .hello
        .psk_modes()
        .is_some_and(|modes| modes.contains(&PskKeyExchangeMode::PSK_DHE_KE));
    let accept_early_data = n.resumed.as_ref().is_some_and(|r| r.early_data);
    cx.agreed.set_version(ProtocolVersion::TLSv1_3);
    cx.agreed.set_suite(SupportedCipherSuite::Tls13(n.suite));
    cx.agreed.set_group(n.group.name());
    cx.agreed.set_alpn(n.alpn.take());
    cx.agreed.set_sni(n.sni.take());
    cx.agreed.set_resumed(n.resumed.is_some());

    // After a HelloRetryRequest the transcript already holds message_hash and the
    // retry; otherwise it starts with this ClientHello.
    let retried = n.retry_transcript.is_some();
    let mut transcript = match n.retry_transcript.take() {
        Some(transcript) => transcript,
        None => HandshakeHashBuffer::new().start_hash(n.suite.hash),
    };
    transcript.add_message(n.encoded);
    // The early secrets hash the transcript through the ClientHello (RFC 8446 7.1).
    let client_hello_hash = transcript.current();

    let shared = send_server_hello(cx, &n, &mut transcript, retried)?;
    let keys = install_handshake_keys(cx, &n, &shared, &transcript, client_hello_hash)?;
    // EncryptedExtensions to Finished: one flight under one key, packed together.
    cx.open_flight();
    send_encrypted_extensions(cx, n.resumed.is_some(), accept_early_data, &mut transcript)?;
    // RFC 8446 4.3.2: a CertificateRequest never in a PSK handshake.
    let client_verifier = n
        .config
        .client_verifier
        .clone()
        .filter(|_| n.identity.is_some());
    if let Some(verifier) = &client_verifier {
        send_certificate_request(cx, &**verifier, &mut transcript)?;
    }
    if let Some((certified, signer)) = &n.identity {
        send_certificate_and_verify(cx, certified, &**signer, &mut transcript)?;
    }
    send_finished(cx, &keys.server_hs, &mut transcript)?;
    cx.close_flight()?;

    // Application secrets hash the transcript through our Finished (RFC 8446 7.1).
    let traffic = keys.schedule.into_traffic(transcript.current().as_ref())?;
    let server_app = traffic.server_application_traffic_secret()?;
    let client_app = traffic.client_application_traffic_secret()?;
    cx.secret_derived(Secret::ClientApplicationTraffic, client_app.secret_bytes());
    cx.secret_derived(Secret::ServerApplicationTraffic, server_app.secret_bytes());
    cx.set_tls13_write_key(&server_app)?;
    let exporter = traffic.exporter()?;
    cx.secret_derived(Secret::ExporterMaster, exporter.secret_bytes());
    cx.agreed.set_exporter(KeyExporter::Tls13(exporter));
    if accept_early_data {
        cx.start_half_rtt()?;
    }

    let hs = Box::new(Handshake {
        config: n.config,
        transcript,
        client_hs: keys.client_hs,
        client_app,
        server_app,
        traffic,
        psk_dhe_offered,
    });
    Ok(match client_verifier {
        _ if accept_early_data => ServerState::ExpectEndOfEarlyData(ExpectEndOfEarlyData(hs)),
        Some(verifier) => ServerState::ExpectCertificate(ExpectCertificate { hs, verifier }),
        None => ServerState::ExpectFinished(ExpectFinished(hs)),
    })
}

/// RFC 8446 4.1.3: our key share and the ServerHello (with the compatibility CCS
/// after it, D.4); returns the shared secret.
fn send_server_hello(
    cx: &mut CommonState,
    n: &Tls13Hello<'_>,
    transcript: &mut HandshakeHash,
    retried: bool,
) -> Result<SharedSecret, Error> {
    // RFC 8446 4.2.8; a hybrid group encapsulates to the client's key instead
    // (draft-ietf-tls-ecdhe-mlkem 3).
    let CompletedKeyExchange {
        public_key: our_public,
        secret: shared,
    } = n.group.respond(n.client_share()?)?;
    let public_key_len = our_public.len();
    let mut random = [0u8; 32];
    cx.random(&mut random)?;
    let group = n.group.name();
    let server_hello = ServerHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random,
        session_id: n.hello.session_id.clone(),
        cipher_suite: n.suite.suite,
        compression_method: Compression::Null,
        extensions: Some(
            [
                Some(ServerExtension::SupportedVersions(ProtocolVersion::TLSv1_3)),
                Some(ServerExtension::KeyShare(KeyShareEntry {
                    group,
                    payload: our_public,
                })),
                // RFC 8446 4.2.11: the index of the identity we accepted.
                n.resumed
                    .as_ref()
                    .map(|r| ServerExtension::PreSharedKey(r.index)),
            ]
            .into_iter()
            .flatten()
            .collect(),
        ),
    };
    let encoded = cx.send_handshake(HandshakePayload::ServerHello(server_hello))?;
    transcript.add_message(encoded);
    let suite = n.suite.suite;
    let resumed = n.resumed.is_some();
    cx.emit(|| HandshakeEvent::ServerHello {
        version: ProtocolVersion::TLSv1_3,
        cipher_suite: suite,
        group: Some(group),
        resumed,
    });
    cx.emit(|| HandshakeEvent::KeyExchange {
        group,
        public_key_len,
    });
    // RFC 8446 D.4: the compatibility CCS follows our first handshake message,
    // when the client asked for compatibility mode with a session id.
    if !n.hello.session_id.is_empty() && !retried {
        cx.send_compat_ccs()?;
    }
    Ok(shared)
}

/// The handshake key schedule and the secrets the later states need.
struct HandshakeKeys {
    schedule: KeyScheduleHandshake,
    server_hs: TrafficSecret,
    client_hs: TrafficSecret,
}

/// RFC 8446 7.1: the handshake secrets; our write key, and the read key for the
/// client's next records: accepted 0-RTT data, or its handshake flight (rejected
/// 0-RTT records are skipped, 4.2.10).
fn install_handshake_keys(
    cx: &mut CommonState,
    n: &Tls13Hello<'_>,
    shared: &SharedSecret,
    transcript: &HandshakeHash,
    client_hello_hash: HashOutput,
) -> Result<HandshakeKeys, Error> {
    let early = match &n.resumed {
        Some(r) => KeyScheduleEarly::with_psk(n.suite, &r.psk)?,
        None => KeyScheduleEarly::without_psk(n.suite)?,
    };
    // RFC 8446 7.1: 0-RTT is read under client_early_traffic_secret, from the PSK
    // and the ClientHello.
    let client_early = match &n.resumed {
        Some(r) if r.early_data => {
            let secret = early.client_early_traffic_secret(client_hello_hash.as_ref())?;
            cx.secret_derived(Secret::ClientEarlyTraffic, secret.secret_bytes());
            Some(secret)
        }
        _ => None,
    };
    let schedule = early.into_handshake(shared, transcript.current().as_ref())?;
    let server_hs = schedule.server_handshake_traffic_secret()?;
    let client_hs = schedule.client_handshake_traffic_secret()?;
    cx.secret_derived(Secret::ClientHandshakeTraffic, client_hs.secret_bytes());
    cx.secret_derived(Secret::ServerHandshakeTraffic, server_hs.secret_bytes());
    cx.set_tls13_write_key(&server_hs)?;
    match &client_early {
        Some(secret) => {
            cx.set_tls13_read_key(secret)?;
            cx.early_data.accept(n.config.max_early_data_size as usize);
        }
        None => {
            cx.set_tls13_read_key(&client_hs)?;
            // RFC 8446 4.2.10: rejected 0-RTT records fail to decrypt and are
            // skipped, up to what we would have accepted. A second ClientHello
            // (after a HelloRetryRequest) has no early data (4.1.2), so the
            // skipping that began with the retry ends here: from now on a record
            // that fails to decrypt is bad_record_mac at once.
            let skip = n
                .hello
                .early_data_offered()
                .then(|| early_data_skip_budget(&n.config));
            cx.early_data.skip_rejected(skip);
        }
    }
    let suite = n.suite.suite;
    cx.emit(|| HandshakeEvent::HandshakeKeysInstalled {
        cipher_suite: suite,
    });
    Ok(HandshakeKeys {
        schedule,
        server_hs,
        client_hs,
    })
}

/// RFC 8446 4.3.1: EncryptedExtensions.
fn send_encrypted_extensions(
    cx: &mut CommonState,
    resumed: bool,
    accept_early_data: bool,
    transcript: &mut HandshakeHash,
) -> Result<(), Error> {
    let mut extensions = Vec::new();
    // RFC 6066 3: an empty server_name acknowledges that SNI was used, but "when
    // resuming a session, the server MUST NOT include a server_name extension".
    let sni_ack = cx.agreed.sni().is_some() && !resumed;
    if sni_ack {
        extensions.push(ServerExtension::ServerNameAck);
    }
    if let Some(protocol) = cx.agreed.alpn() {
        extensions.push(ServerExtension::Alpn(protocol.to_vec()));
    }
    if accept_early_data {
        extensions.push(ServerExtension::EarlyData);
    }
    cx.emit_with(|emit| {
        emit(&HandshakeEvent::EncryptedExtensions {
            alpn: cx.agreed.alpn(),
            server_name_acknowledged: sni_ack,
            early_data_accepted: accept_early_data,
        })
    });
    let encoded = cx.send_handshake(HandshakePayload::EncryptedExtensions(extensions))?;
    transcript.add_message(encoded);
    Ok(())
}

/// RFC 8446 4.3.2: CertificateRequest (never in a PSK handshake).
fn send_certificate_request(
    cx: &mut CommonState,
    verifier: &dyn ClientCertVerifier,
    transcript: &mut HandshakeHash,
) -> Result<(), Error> {
    let mut extensions = vec![CertReqExtension::SignatureAlgorithms(
        verifier.supported_verify_schemes(ProtocolVersion::TLSv1_3),
    )];
    let hints = verifier.root_hint_subjects();
    if !hints.is_empty() {
        extensions.push(CertReqExtension::CertificateAuthorities(hints));
    }
    let encoded = cx.send_handshake(HandshakePayload::CertificateRequestTls13(
        CertificateRequestTls13 {
            context: Vec::new(),
            extensions,
        },
    ))?;
    transcript.add_message(encoded);
    Ok(())
}

/// RFC 8446 4.4.2, 4.4.3: Certificate and CertificateVerify.
fn send_certificate_and_verify(
    cx: &mut CommonState,
    certified: &CertifiedKey,
    signer: &dyn Signer,
    transcript: &mut HandshakeHash,
) -> Result<(), Error> {
    let chain = certified.chain.iter().map(|cert| cert.as_ref());
    let encoded = cx.send_handshake_with(|out| CertificateTls13::encode_chain(&[], chain, out))?;
    transcript.add_message(encoded);
    send_certificate_verify(cx, signer, true, transcript)
}

/// RFC 8446 4.4.4: our Finished.
fn send_finished(
    cx: &mut CommonState,
    server_hs: &TrafficSecret,
    transcript: &mut HandshakeHash,
) -> Result<(), Error> {
    let verify_data = server_hs
        .finished_key()?
        .verify_data(transcript.current().as_ref());
    let encoded =
        cx.send_handshake_with(|out| HandshakeMessage::encode_finished(verify_data.as_ref(), out))?;
    transcript.add_message(encoded);
    cx.emit(|| HandshakeEvent::FinishedSent);
    Ok(())
}

/// Sends a HelloRetryRequest asking for `group` (RFC 8446 4.1.4); returns what it
/// fixed, for checking the second ClientHello.
pub(super) fn send_retry(
    cx: &mut CommonState,
    config: &ServerConfig,
    hello: &ClientHello,
    encoded: &[u8],
    suite: &'static Tls13CipherSuite,
    group: NamedGroup,
) -> Result<Retry, Error> {
    let mut buffer = HandshakeHashBuffer::new();
    buffer.add_message(encoded);
    let mut transcript = buffer.start_hash(suite.hash);
    // RFC 8446 4.4.1: ClientHello1 is replaced by a message_hash.
    transcript.rollup_for_hrr();
    let mut extensions = vec![
        HelloRetryExtension::SupportedVersions(ProtocolVersion::TLSv1_3),
        HelloRetryExtension::KeyShare(group),
    ];
    let cookie = if config.hrr_cookie {
        let mut cookie = vec![0u8; 32];
        cx.random(&mut cookie)?;
        extensions.push(HelloRetryExtension::Cookie(cookie.clone()));
        Some(cookie)
    } else {
        None
    };
    let retry = HelloRetryRequest {
        legacy_version: ProtocolVersion::TLSv1_2,
        session_id: hello.session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: Compression::Null,
        extensions,
    };
    // The version is settled by the retry (RFC 8446 4.1.4).
    cx.agreed.set_version(ProtocolVersion::TLSv1_3);
    let encoded = cx.send_handshake(HandshakePayload::HelloRetryRequest(retry))?;
    transcript.add_message(encoded);
    cx.emit(|| HandshakeEvent::HelloRetryRequest {
        group: Some(group),
        cookie: cookie.is_some(),
    });
    // RFC 8446 D.4: the compatibility CCS follows our first handshake message.
    if !hello.session_id.is_empty() {
        cx.send_compat_ccs()?;
    }
    // RFC 8446 4.2.10: 0-RTT records sent with ClientHello1 are skipped.
    if hello.early_data_offered() {
        cx.early_data
            .skip_rejected(Some(early_data_skip_budget(config)));
    }
    Ok(Retry {
        suite,
        group,
        cookie,
        session_id: hello.session_id.clone(),
        transcript,
    })
}

/// How many bytes of rejected 0-RTT records to skip (RFC 8446 4.2.10): what we would
/// accept, and at least one full record.
fn early_data_skip_budget(config: &ServerConfig) -> usize {
    (config.max_early_data_size as usize).max(crate::record::MAX_TLS13_CIPHERTEXT)
}

/// What the states after our Finished carry.
pub(crate) struct Handshake {
    config: Arc<ServerConfig>,
    transcript: HandshakeHash,
    client_hs: TrafficSecret,
    client_app: TrafficSecret,
    server_app: TrafficSecret,
    traffic: KeyScheduleTraffic,
    /// The client can resume with psk_dhe_ke, so tickets are worth sending.
    psk_dhe_offered: bool,
}

/// Reading accepted 0-RTT data until the client's EndOfEarlyData (RFC 8446 4.5).
pub(crate) struct ExpectEndOfEarlyData(Box<Handshake>);

impl ExpectEndOfEarlyData {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (payload, encoded) = input.handshake("EndOfEarlyData")?;
        if payload != HandshakePayload::EndOfEarlyData {
            return Err(unexpected(&payload, "EndOfEarlyData"));
        }
        let mut hs = self.0;
        hs.transcript.add_message(encoded);
        // The rest of the client's flight is under its handshake key.
        cx.early_data.end();
        cx.set_tls13_read_key(&hs.client_hs)?;
        Ok(ServerState::ExpectFinished(ExpectFinished(hs)))
    }
}

/// Waiting for the client's certificate, which `verifier` checks.
pub(crate) struct ExpectCertificate {
    hs: Box<Handshake>,
    verifier: Arc<dyn ClientCertVerifier>,
}

impl ExpectCertificate {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (certificate, encoded) =
            require_message!(input, HandshakePayload::CertificateTls13, "Certificate");
        let mut hs = self.hs;
        // RFC 8446 4.4.2: the context echoes the CertificateRequest's (empty).
        if !certificate.context.is_empty() {
            return Err(PeerMisbehaved::BadCertificateRequestContext.into());
        }
        // RFC 8446 4.4.2: a client's entries may only answer extensions of our
        // CertificateRequest, and we ask for none that go there (4.2:
        // unsupported_extension).
        for entry in &certificate.entries {
            check_reply_extensions(&entry.extensions, &[], &[], "Certificate")?;
        }
        hs.transcript.add_message(encoded);
        let chain = certificate
            .entries
            .into_iter()
            .map(|entry| CertificateDer::from(entry.cert))
            .collect();
        Ok(
            match super::verify_client_chain(cx, &hs.config, &self.verifier, chain)? {
                Some(client) => {
                    ServerState::ExpectCertificateVerify(ExpectCertificateVerify { hs, client })
                }
                None => ServerState::ExpectFinished(ExpectFinished(hs)),
            },
        )
    }
}

pub(crate) struct ExpectCertificateVerify {
    hs: Box<Handshake>,
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
        let mut hs = self.hs;
        let message = certificate_verify_message(false, &hs.transcript.current());
        super::verify_client_signature(
            cx,
            &self.client,
            ProtocolVersion::TLSv1_3,
            &message,
            &signed,
        )?;
        hs.transcript.add_message(encoded);
        Ok(ServerState::ExpectFinished(ExpectFinished(hs)))
    }
}

pub(crate) struct ExpectFinished(Box<Handshake>);

impl ExpectFinished {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (verify_data, encoded) =
            require_message!(input, HandshakePayload::Finished, "Finished");
        let mut hs = self.0;
        // RFC 8446 4.4.4: checked in constant time.
        hs.client_hs
            .finished_key()?
            .check(hs.transcript.current().as_ref(), &verify_data)?;
        cx.emit(|| HandshakeEvent::FinishedVerified);
        cx.set_tls13_read_key(&hs.client_app)?;
        cx.keep_tls13_traffic_secrets(hs.client_app, hs.server_app);
        cx.complete_handshake()?;
        // RFC 8446 4.6.1: tickets derive from the resumption secret, which hashes the
        // transcript through the client's Finished.
        if hs.psk_dhe_offered && hs.config.tickets > 0 {
            hs.transcript.add_message(encoded);
            let resumption = hs
                .traffic
                .resumption_master_secret(hs.transcript.current().as_ref())?;
            cx.emit(|| HandshakeEvent::SecretDerived(Secret::ResumptionMaster));
            // The tickets share a record, like the flight before them.
            cx.open_flight();
            send_tickets(cx, &hs.config, &resumption)?;
            cx.close_flight()?;
        }
        Ok(ServerState::Traffic(Traffic))
    }
}

/// RFC 8446 4.6.1: `config.tickets` NewSessionTickets, each with its own nonce (so
/// its own PSK) and age_add.
fn send_tickets(
    cx: &mut CommonState,
    config: &ServerConfig,
    resumption: &ResumptionSecret,
) -> Result<(), Error> {
    let Some(SupportedCipherSuite::Tls13(suite)) = cx.agreed.suite() else {
        return Ok(());
    };
    let now = current_time(&*config.time)?;
    let lifetime = config
        .ticketer
        .as_ref()
        .map_or(TICKET_LIFETIME, |t| t.lifetime().min(TICKET_LIFETIME));
    // One session value, message and encoding buffer serve every ticket: only the
    // nonce, PSK, age_add and ticket change, so the rest is allocated once.
    let mut value = ServerSessionValue {
        version: ProtocolVersion::TLSv1_3,
        suite: suite.suite,
        secret: Vec::new(),
        created: now.as_secs(),
        lifetime,
        age_add: 0,
        extended_master_secret: true,
        server_name: cx.agreed.sni().unwrap_or_default().as_bytes().to_vec(),
        alpn: cx.agreed.alpn().unwrap_or_default().to_vec(),
        max_early_data: config.max_early_data_size,
        client_authenticated: cx.agreed.peer_certificates().is_some(),
    };
    let mut message = NewSessionTicketTls13 {
        lifetime,
        age_add: 0,
        nonce: Vec::new(),
        ticket: Vec::new(),
        // RFC 8446 4.6.1: early_data announces how much 0-RTT the ticket allows.
        extensions: match config.max_early_data_size {
            0 => Vec::new(),
            max => vec![NewSessionTicketExtension::EarlyData(max)],
        },
    };
    let mut scratch = Vec::new();
    for i in 0..config.tickets.min(255) {
        message.nonce.clear();
        message.nonce.push(i as u8);
        let psk = resumption.psk_for_ticket(&message.nonce)?;
        let mut age_add = [0u8; 4];
        cx.random(&mut age_add)?;
        let age_add = u32::from_be_bytes(age_add);
        value.secret.clear();
        value.secret.extend_from_slice(psk.secret_bytes());
        value.age_add = age_add;
        let Some(ticket) = super::tickets::seal(config, &value, now, &mut scratch) else {
            return Ok(());
        };
        message.age_add = age_add;
        message.ticket = ticket;
        cx.emit(|| HandshakeEvent::Ticket {
            ours: true,
            lifetime_secs: message.lifetime,
            max_early_data: config.max_early_data_size,
        });
        cx.send_handshake_with(|out| {
            HandshakeMessage::encode_body_of(HandshakeType::NewSessionTicket, &message, out)
        })?;
    }
    Ok(())
}

/// How long our TLS 1.3 tickets are valid at most: one day (RFC 8446 4.6.1 allows a week).
const TICKET_LIFETIME: u32 = 24 * 3600;

/// After the handshake: key updates.
pub(crate) struct Traffic;

impl Traffic {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        match input {
            Input::Handshake {
                msg:
                    HandshakeMessage {
                        payload: HandshakePayload::KeyUpdate(request),
                    },
                ..
            } => {
                cx.receive_key_update(request)?;
                Ok(ServerState::Traffic(self))
            }
            other => Err(other.unexpected("KeyUpdate")),
        }
    }
}
