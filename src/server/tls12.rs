//! The server's TLS 1.2 handshake (RFC 5246 7.3, RFC 8422 for ECDHE):
//!
//! ```text
//! <- ClientHello
//! -> ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone
//! <- [Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished
//! -> ChangeCipherSpec, Finished
//! ```

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use pki_types::{CertificateDer, UnixTime};

use super::ServerState;
use super::config::ServerConfig;
use super::tls13::{choose_alpn, choose_certificate_key, server_name};
use crate::codec::Codec;
use crate::conn::common::KeyExporter;
use crate::conn::{CommonState, Input, unexpected};
use crate::crypto::{
    ActiveKeyExchange, SignatureAlgorithm, SigningKey, SupportedCipherSuite, Tls12CipherSuite,
};
use crate::enums::{
    AlertDescription, AlertLevel, CipherSuite, ClientCertificateType, Compression, ECPointFormat,
    ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::events::HandshakeEvent;
use crate::key_schedule::tls12::{MasterSecret, Sender, Tls12Keys};
use crate::key_schedule::{HandshakeHash, HandshakeHashBuffer};
use crate::msgs::{
    CertificateRequestTls12, CertificateTls12, ClientExtension, ClientHello, DigitallySigned,
    EcdheParams, EcdheServerKeyExchange, HandshakePayload, NewSessionTicketTls12, ServerExtension,
    ServerHello,
};
use crate::resumption::ServerSessionValue;
use crate::time::current_time;
use crate::tls12::{scheme_fits_suite, server_key_exchange_message};
use crate::tls13::DOWNGRADE_TLS12;
use crate::verify::schemes_allowed_in;

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
            server_name: cx.sni.as_deref().unwrap_or_default().as_bytes().to_vec(),
            alpn: Vec::new(),
            max_early_data: 0,
            client_authenticated: cx.peer_certificates.is_some(),
        }
    }
}

/// RFC 5746 3.6: whether the client signals secure renegotiation, with the SCSV or an
/// empty renegotiation_info; a non-empty one on an initial handshake is fatal.
fn secure_renegotiation_signaled(hello: &ClientHello) -> Result<bool, Error> {
    match hello.renegotiation_info() {
        Some([]) => Ok(true),
        Some(_) => Err(PeerMisbehaved::BadRenegotiationInfo.into()),
        None => Ok(hello
            .cipher_suites
            .contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV)),
    }
}

/// How long a TLS 1.2 session may be resumed: one day.
const TLS12_SESSION_LIFETIME: u32 = 24 * 3600;

/// Handles a ClientHello that negotiates TLS 1.2, and sends the server's flight.
pub(super) fn client_hello(
    cx: &mut CommonState,
    config: Arc<ServerConfig>,
    hello: ClientHello,
    encoded: &[u8],
) -> Result<ServerState, Error> {
    // RFC 5246 7.4.1.2: null compression must be offered; we never compress (CRIME).
    if !hello.compression_methods.contains(&Compression::Null) {
        return Err(
            PeerIncompatible::OnlyRefused(String::from("compression (refused: CRIME)")).into(),
        );
    }
    // RFC 5746 4.2: we never renegotiate, so the attack the signal guards against
    // (a renegotiation spliced onto a victim's connection) cannot happen here; like
    // OpenSSL, GnuTLS and rustls we accept clients that do not signal, unless the
    // configuration requires it.
    if !secure_renegotiation_signaled(&hello)? && config.require_secure_renegotiation {
        return Err(PeerIncompatible::SecureRenegotiationRequired.into());
    }
    // RFC 7627 5.3: a server that requires extended master secret refuses without it.
    let extended_master_secret = hello.has_extension(ExtensionType::ExtendedMasterSecret);
    if !extended_master_secret && config.require_ems {
        return Err(PeerIncompatible::ExtendedMasterSecretRequired.into());
    }
    // RFC 8422 5.1.2: without the uncompressed format we cannot send our point.
    if let Some(crate::msgs::ClientExtension::EcPointFormats(formats)) =
        hello.find_extension(ExtensionType::ECPointFormats)
    {
        if !formats.contains(&ECPointFormat::Uncompressed) {
            return Err(PeerMisbehaved::UncompressedPointsNotOffered.into());
        }
    }
    // RFC 5246 7.4.1.4.1: without signature_algorithms the client accepts only SHA-1,
    // which we refuse.
    let sni = server_name(&hello)?;
    let alpn = choose_alpn(&config, &hello)?;
    // RFC 5246 7.3 / RFC 5077 3.1: resume the offered session if we can.
    if let Some(value) = find_session(&config, &hello, extended_master_secret, sni.as_deref())? {
        cx.alpn = alpn;
        cx.sni = sni;
        return resume(cx, config, &hello, encoded, value);
    }
    let client_schemes = schemes_allowed_in(
        hello.signature_schemes().unwrap_or_default(),
        ProtocolVersion::TLSv1_2,
    );
    let certified = choose_certificate_key(&config, &hello, sni.as_deref(), &client_schemes)?;

    // Server preference among the client's suites, for our key's type (RFC 8422 5.1.3:
    // ECDHE_ECDSA suites also carry Ed25519 signatures).
    let key_type = match certified.key.algorithm() {
        SignatureAlgorithm::Ed25519 => SignatureAlgorithm::Ecdsa,
        other => other,
    };
    // RFC 8422 5.1.1: an ECDSA certificate's curve must be one the client supports,
    // or it could not check our signatures.
    let groups = hello.supported_groups().unwrap_or_default();
    let curve_ok = ecdsa_curve(&*certified.key).is_none_or(|curve| groups.contains(&curve));
    let suite = config
        .provider
        .tls12_cipher_suites()
        .find(|s| s.sign == key_type && curve_ok && hello.cipher_suites.contains(&s.suite))
        .ok_or_else(|| refused_suites(&hello.cipher_suites))?;
    let mut usable = Vec::with_capacity(client_schemes.len());
    usable.extend(
        client_schemes
            .iter()
            .copied()
            .filter(|s| scheme_fits_suite(*s, suite)),
    );
    let signer = certified
        .key
        .choose_scheme(&usable)
        .ok_or(PeerIncompatible::NoSignatureSchemeInCommon)?;
    let group = config
        .provider
        .kx_groups
        .iter()
        .find(|g| groups.contains(&g.name()))
        .ok_or(PeerIncompatible::NoKxGroupInCommon)?;

    cx.version = Some(ProtocolVersion::TLSv1_2);
    cx.suite = Some(SupportedCipherSuite::Tls12(suite));
    cx.group = Some(group.name());
    cx.alpn = alpn;
    cx.sni = sni;

    // The hash starts from an empty buffer, so none is allocated for the ClientHello.
    let buffer = HandshakeHashBuffer::new();
    let mut transcript = if config.client_verifier.is_some() {
        buffer.start_hash_keeping_raw(suite.hash)
    } else {
        buffer.start_hash(suite.hash)
    };
    transcript.add_message(encoded);

    // ServerHello (RFC 5246 7.4.1.3).
    let mut server_random = [0u8; 32];
    cx.random(&mut server_random)?;
    if config.versions.contains(&ProtocolVersion::TLSv1_3) {
        // RFC 8446 4.1.3: a TLS 1.3 server negotiating TLS 1.2 marks its random, so
        // a TLS 1.3 client can detect a downgrade.
        server_random[24..].copy_from_slice(&DOWNGRADE_TLS12);
    }
    // Room for every extension we may send, so the vector is allocated once.
    let mut extensions = Vec::with_capacity(6);
    // RFC 5746 3.6: an empty renegotiation_info answers the client's signal, and only
    // a signal (an unsolicited extension would be fatal to the client).
    if secure_renegotiation_signaled(&hello)? {
        extensions.push(ServerExtension::RenegotiationInfo(Vec::new()));
    }
    if extended_master_secret {
        extensions.push(ServerExtension::ExtendedMasterSecret);
    }
    if hello.has_extension(ExtensionType::ECPointFormats) {
        extensions.push(ServerExtension::EcPointFormats(vec![
            ECPointFormat::Uncompressed,
        ]));
    }
    if cx.sni.is_some() {
        extensions.push(ServerExtension::ServerNameAck);
    }
    if let Some(protocol) = &cx.alpn {
        extensions.push(ServerExtension::Alpn(protocol.clone()));
    }
    // RFC 5077 3.2: a client that sent session_ticket gets a ticket; otherwise the
    // session is stored under a fresh id, if we keep a store.
    let issue_ticket =
        config.ticketer.is_some() && hello.has_extension(ExtensionType::SessionTicket);
    if issue_ticket {
        extensions.push(ServerExtension::SessionTicketAck);
    }
    let session_id = if !issue_ticket && config.session_store.is_some() {
        let mut id = vec![0u8; 32];
        cx.random(&mut id)?;
        id
    } else {
        Vec::new()
    };
    let encoded = cx.send_handshake(HandshakePayload::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: server_random,
        session_id: session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: Compression::Null,
        extensions: Some(extensions),
    }))?;
    transcript.add_message(encoded);
    cx.emit(|| HandshakeEvent::ServerHello {
        version: ProtocolVersion::TLSv1_2,
        cipher_suite: suite.suite,
        group: group.name(),
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
    let message = server_key_exchange_message(&hello.random, &server_random, &params);
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

    let client_auth = config.client_verifier.is_some();
    let hs = Box::new(Handshake {
        config,
        suite,
        transcript,
        client_random: hello.random,
        server_random,
        extended_master_secret,
        session_id,
        issue_ticket,
        resumed: false,
    });
    Ok(if client_auth {
        ServerState::ExpectCertificate12(ExpectCertificate { hs, kx: our_kx })
    } else {
        ServerState::ExpectClientKeyExchange12(ExpectClientKeyExchange {
            hs,
            kx: our_kx,
            client_cert: false,
        })
    })
}

/// The curve of an ECDSA key, found by which scheme it can sign with.
fn ecdsa_curve(key: &dyn SigningKey) -> Option<NamedGroup> {
    if key.algorithm() != SignatureAlgorithm::Ecdsa {
        return None;
    }
    [
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            NamedGroup::secp256r1,
        ),
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            NamedGroup::secp384r1,
        ),
    ]
    .into_iter()
    .find(|(scheme, _)| key.supports_scheme(*scheme))
    .map(|(_, curve)| curve)
}

/// The error for a ClientHello with no suite we accept, naming what the client
/// offered instead when it is something we refuse by design.
fn refused_suites(offered: &[CipherSuite]) -> Error {
    let mut reasons: Vec<&'static str> = Vec::new();
    for suite in offered {
        if let Some(reason) = refusal_reason(u16::from(*suite)) {
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
    }
    if reasons.is_empty() {
        return PeerIncompatible::NoCipherSuiteInCommon.into();
    }
    PeerIncompatible::OnlyRefused(format!("cipher suites: {}", reasons.join("; "))).into()
}

/// Why a well-known TLS 1.2-and-earlier suite is refused (IANA TLS Cipher Suites
/// registry code points).
fn refusal_reason(code: u16) -> Option<&'static str> {
    Some(match code {
        0x0000..=0x0002 | 0x003b | 0xc001 | 0xc006 | 0xc00b | 0xc010 | 0xc015 => {
            "NULL encryption (no confidentiality)"
        }
        0x0003 | 0x0006 | 0x0008 | 0x000b | 0x000e | 0x0011 | 0x0014 | 0x0017 | 0x0019 => {
            "export-grade suites (deliberately weak)"
        }
        0x0004 | 0x0005 | 0x0018 | 0x0020 | 0x0024 | 0x008a | 0x008e | 0x0092 | 0xc002 | 0xc007
        | 0xc00c | 0xc011 | 0xc016 => "RC4 (broken stream cipher)",
        0x0034 | 0x003a | 0x001a | 0x001b | 0x006c | 0x006d | 0x00a6 | 0x00a7 | 0xc017..=0xc019 => {
            "anonymous key exchange (no authentication)"
        }
        0x0007
        | 0x0009
        | 0x000a
        | 0x002f
        | 0x0035
        | 0x003c
        | 0x003d
        | 0x0041
        | 0x0084
        | 0x0096
        | 0x009c
        | 0x009d
        | 0xc09c..=0xc0a3 => "RSA key exchange (no forward secrecy)",
        0xc003..=0xc005
        | 0xc008..=0xc00a
        | 0xc012..=0xc014
        | 0xc023..=0xc02a
        | 0x0033
        | 0x0039
        | 0x0067
        | 0x006b
        | 0x0016
        | 0x0013
        | 0x0032
        | 0x0038
        | 0x0040
        | 0x006a => "CBC mode (padding oracles, Lucky 13)",
        _ => return None,
    })
}

pub(crate) struct ExpectCertificate {
    hs: Box<Handshake>,
    kx: alloc::boxed::Box<dyn ActiveKeyExchange>,
}

impl ExpectCertificate {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (payload, encoded) = input.handshake("Certificate")?;
        let HandshakePayload::CertificateTls12(certificate) = payload else {
            return Err(unexpected(&payload, "Certificate"));
        };
        let mut hs = self.hs;
        hs.transcript.add_message(encoded);
        let chain = certificate
            .certs
            .into_iter()
            .map(CertificateDer::from)
            .collect();
        let client_cert = super::verify_client_chain(cx, &hs.config, chain)?;
        Ok(ServerState::ExpectClientKeyExchange12(
            ExpectClientKeyExchange {
                hs,
                kx: self.kx,
                client_cert,
            },
        ))
    }
}

pub(crate) struct ExpectClientKeyExchange {
    hs: Box<Handshake>,
    kx: alloc::boxed::Box<dyn ActiveKeyExchange>,
    client_cert: bool,
}

impl ExpectClientKeyExchange {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (payload, encoded) = input.handshake("ClientKeyExchange")?;
        let HandshakePayload::ClientKeyExchange(cke) = payload else {
            return Err(unexpected(&payload, "ClientKeyExchange"));
        };
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
        cx.log_secret("CLIENT_RANDOM", master.secret_bytes());
        let keys = master.key_block(&hs.client_random, &hs.server_random)?;
        let next = Keyed { hs, master, keys };
        Ok(if self.client_cert {
            ServerState::ExpectCertificateVerify12(ExpectCertificateVerify(next))
        } else {
            ServerState::ExpectChangeCipherSpec12(ExpectChangeCipherSpec(next))
        })
    }
}

/// The states once the master secret exists.
pub(crate) struct Keyed {
    hs: Box<Handshake>,
    master: MasterSecret,
    keys: Tls12Keys,
}

pub(crate) struct ExpectCertificateVerify(Keyed);

impl ExpectCertificateVerify {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (payload, encoded) = input.handshake("CertificateVerify")?;
        let HandshakePayload::CertificateVerify(signed) = payload else {
            return Err(unexpected(&payload, "CertificateVerify"));
        };
        let mut keyed = self.0;
        // RFC 5246 7.4.8: the signature covers every handshake message so far.
        let transcript = keyed.hs.transcript.raw_transcript().ok_or(Error::Internal(
            "client authentication without the raw transcript",
        ))?;
        super::verify_client_signature(
            cx,
            &keyed.hs.config,
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
        let (payload, encoded) = input.handshake("Finished")?;
        let HandshakePayload::Finished(verify_data) = payload else {
            return Err(unexpected(&payload, "Finished"));
        };
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

        cx.exporter = Some(KeyExporter::Tls12 {
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
    let encoded = cx.send_handshake(HandshakePayload::NewSessionTicketTls12(
        NewSessionTicketTls12 {
            lifetime_hint: value.lifetime,
            ticket,
        },
    ))?;
    transcript.add_message(encoded);
    Ok(())
}

/// The session the client offers (a ticket, else a session id), if we still have it
/// and it matches: same suite offered, same extended master secret use (RFC 7627
/// 5.3: otherwise a full handshake), same server name (RFC 6066 3).
fn find_session(
    config: &ServerConfig,
    hello: &ClientHello,
    extended_master_secret: bool,
    sni: Option<&str>,
) -> Result<Option<ServerSessionValue>, Error> {
    let now = current_time(&*config.time)?;
    let ticket = match hello.find_extension(ExtensionType::SessionTicket) {
        Some(ClientExtension::SessionTicket(ticket)) if !ticket.is_empty() => Some(ticket),
        _ => None,
    };
    let plain = match (ticket, &config.ticketer, &config.session_store) {
        (Some(ticket), Some(ticketer), _) => ticketer.decrypt(ticket, now),
        (_, _, Some(store)) if !hello.session_id.is_empty() => store.get(&hello.session_id),
        _ => None,
    };
    let value = plain.and_then(|p| ServerSessionValue::read_bytes(&p, "session").ok());
    Ok(value.filter(|v| {
        v.version == ProtocolVersion::TLSv1_2
            && v.fresh(now.as_secs())
            && hello.cipher_suites.contains(&v.suite)
            && matches!(
                config.provider.find_cipher_suite(v.suite),
                Some(SupportedCipherSuite::Tls12(_))
            )
            && v.extended_master_secret == extended_master_secret
            && v.server_name == sni.unwrap_or_default().as_bytes()
            && super::tickets::client_auth_satisfied(config, v)
    }))
}

/// RFC 5246 7.3: the abbreviated handshake. ServerHello echoing the session id,
/// [NewSessionTicket], ChangeCipherSpec, Finished; then the client's CCS and Finished.
fn resume(
    cx: &mut CommonState,
    config: Arc<ServerConfig>,
    hello: &ClientHello,
    encoded: &[u8],
    value: ServerSessionValue,
) -> Result<ServerState, Error> {
    let Some(SupportedCipherSuite::Tls12(suite)) = config.provider.find_cipher_suite(value.suite)
    else {
        return Err(Error::Internal("resumed session's suite vanished"));
    };
    let master: [u8; 48] = value
        .secret
        .as_slice()
        .try_into()
        .map_err(|_| Error::Internal("stored TLS 1.2 master secret has the wrong length"))?;
    let master = MasterSecret::from_bytes(suite, &master);
    cx.version = Some(ProtocolVersion::TLSv1_2);
    cx.suite = Some(SupportedCipherSuite::Tls12(suite));
    cx.resumed = true;

    let mut transcript = HandshakeHashBuffer::new().start_hash(suite.hash);
    transcript.add_message(encoded);
    let mut server_random = [0u8; 32];
    cx.random(&mut server_random)?;
    if config.versions.contains(&ProtocolVersion::TLSv1_3) {
        server_random[24..].copy_from_slice(&DOWNGRADE_TLS12);
    }
    // Room for every extension we may send, so the vector is allocated once.
    let mut extensions = Vec::with_capacity(6);
    // RFC 5746 3.6: an empty renegotiation_info answers the client's signal, and only
    // a signal (an unsolicited extension would be fatal to the client).
    if secure_renegotiation_signaled(hello)? {
        extensions.push(ServerExtension::RenegotiationInfo(Vec::new()));
    }
    if value.extended_master_secret {
        extensions.push(ServerExtension::ExtendedMasterSecret);
    }
    if hello.has_extension(ExtensionType::ECPointFormats) {
        extensions.push(ServerExtension::EcPointFormats(vec![
            ECPointFormat::Uncompressed,
        ]));
    }
    if let Some(protocol) = &cx.alpn {
        extensions.push(ServerExtension::Alpn(protocol.clone()));
    }
    let issue_ticket =
        config.ticketer.is_some() && hello.has_extension(ExtensionType::SessionTicket);
    if issue_ticket {
        extensions.push(ServerExtension::SessionTicketAck);
    }
    let encoded = cx.send_handshake(HandshakePayload::ServerHello(ServerHello {
        legacy_version: ProtocolVersion::TLSv1_2,
        random: server_random,
        session_id: hello.session_id.clone(),
        cipher_suite: suite.suite,
        compression_method: Compression::Null,
        extensions: Some(extensions),
    }))?;
    transcript.add_message(encoded);

    let mut hs = Box::new(Handshake {
        config,
        suite,
        transcript,
        client_random: hello.random,
        server_random,
        extended_master_secret: value.extended_master_secret,
        session_id: hello.session_id.clone(),
        issue_ticket,
        resumed: true,
    });
    let keys = master.key_block(&hs.client_random, &hs.server_random)?;
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
