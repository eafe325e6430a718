//! The server's TLS 1.3 handshake (RFC 8446 2): ClientHello in; ServerHello,
//! EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify, Finished
//! out; then the client's [Certificate, CertificateVerify], Finished.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use pki_types::{CertificateDer, DnsName};

use super::ServerState;
use super::config::ServerConfig;
use super::resolver::ClientHelloInfo;
use crate::cert::CertifiedKey;
use crate::conn::common::{KeyExporter, Tls13Secrets};
use crate::conn::{CommonState, EarlyDataStatus, Input, unexpected};
use crate::crypto::{Signer, SupportedCipherSuite, Tls13CipherSuite};
use crate::enums::{
    Compression, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, PskKeyExchangeMode,
    SignatureScheme,
};
use crate::error::{Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use crate::events::HandshakeEvent;
use crate::key_schedule::constant_time_eq;
use crate::key_schedule::tls13::{
    KeyScheduleEarly, KeyScheduleTraffic, PskKind, ResumptionSecret, TrafficSecret,
};
use crate::key_schedule::{HandshakeHash, HandshakeHashBuffer};
use crate::msgs::{
    CertReqExtension, CertificateRequestTls13, CertificateTls13, ClientHello, DigitallySigned,
    HandshakeMessage, HandshakePayload, HelloRetryExtension, HelloRetryRequest, KeyShareEntry,
    ServerExtension, ServerHello,
};
use crate::msgs::{NewSessionTicketExtension, NewSessionTicketTls13, PskIdentity};
use crate::resumption::ServerSessionValue;
use crate::time::current_time;
use crate::tls13::certificate_verify_message;
use crate::verify::schemes_allowed_in;

/// What a HelloRetryRequest fixed, for checking the second ClientHello.
struct Retry {
    suite: &'static Tls13CipherSuite,
    group: NamedGroup,
    cookie: Option<Vec<u8>>,
    session_id: Vec<u8>,
    transcript: HandshakeHash,
}

pub(crate) struct ExpectClientHello {
    config: Arc<ServerConfig>,
    retry: Option<Retry>,
}

impl ExpectClientHello {
    pub(super) fn new(config: Arc<ServerConfig>) -> Self {
        Self {
            config,
            retry: None,
        }
    }

    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (payload, encoded) = input.handshake("ClientHello")?;
        let HandshakePayload::ClientHello(hello) = payload else {
            return Err(unexpected(&payload, "ClientHello"));
        };
        cx.emit_client_hello(&hello);
        cx.client_random = hello.random;
        if choose_version(&self.config, &hello)? == ProtocolVersion::TLSv1_2 {
            if self.retry.is_some() {
                return Err(PeerMisbehaved::BadRetriedClientHello("it dropped TLS 1.3").into());
            }
            return super::tls12::client_hello(cx, self.config, hello, encoded);
        }
        // RFC 8446 4.1.2: a TLS 1.3 ClientHello offers exactly the null compression.
        if hello.compression_methods != [Compression::Null] {
            return Err(InvalidMessage::IllegalValue("legacy_compression_methods").into());
        }
        let suite = match &self.retry {
            Some(retry) => retry.suite,
            None => choose_suite(&self.config, &hello)?,
        };
        if !hello.cipher_suites.contains(&suite.suite) {
            return Err(PeerMisbehaved::BadRetriedClientHello(
                "the chosen suite is no longer offered",
            )
            .into());
        }
        let client_schemes = hello
            .signature_schemes()
            .ok_or(PeerMisbehaved::MissingExtension {
                message: "ClientHello",
                extension: ExtensionType::SignatureAlgorithms,
            })?;
        let groups = hello
            .supported_groups()
            .ok_or(PeerMisbehaved::MissingExtension {
                message: "ClientHello",
                extension: ExtensionType::SupportedGroups,
            })?;
        let shares = hello.key_shares().ok_or(PeerMisbehaved::MissingExtension {
            message: "ClientHello",
            extension: ExtensionType::KeyShare,
        })?;
        // RFC 8446 4.2.8: one share per group, each for a group in supported_groups.
        for (i, share) in shares.iter().enumerate() {
            let repeated = shares
                .iter()
                .skip(i + 1)
                .any(|other| other.group == share.group);
            if repeated || !groups.contains(&share.group) {
                return Err(InvalidMessage::IllegalValue(
                    "key_share (duplicate or not in supported_groups)",
                )
                .into());
            }
        }
        let sni = server_name(&hello)?;
        let alpn = choose_alpn(&self.config, &hello)?;
        if let Some(retry) = &self.retry {
            check_retried_hello(retry, &hello, shares)?;
        }
        // RFC 8446 4.2.8: use a share the client sent for a group we accept (our
        // preference order); otherwise ask for one with a HelloRetryRequest.
        let share = self.config.provider.kx_groups.iter().find_map(|group| {
            shares
                .iter()
                .find(|s| s.group == group.name())
                .map(|s| (*group, s))
        });
        let Some((group, client_share)) = share else {
            if self.retry.is_some() {
                return Err(PeerMisbehaved::BadRetriedClientHello("no usable key share").into());
            }
            let group = self
                .config
                .provider
                .kx_groups
                .iter()
                .map(|g| g.name())
                .find(|name| groups.contains(name))
                .ok_or(PeerIncompatible::NoKxGroupInCommon)?;
            return self.send_retry(cx, &hello, encoded, suite, group);
        };

        // RFC 8446 2.2: a valid ticket skips the certificate; otherwise pick one.
        let resumed = self.resume(&hello, encoded, suite, sni.as_deref(), alpn.as_deref())?;
        let identity = match resumed {
            Some(_) => None,
            None => Some(choose_certificate(
                &self.config,
                &hello,
                sni.as_deref(),
                client_schemes,
            )?),
        };
        let psk_dhe_offered = hello
            .psk_modes()
            .is_some_and(|modes| modes.contains(&PskKeyExchangeMode::PSK_DHE_KE));
        let accept_early_data = resumed.as_ref().is_some_and(|r| r.early_data);

        // The key exchange.
        let our_kx = group.start()?;
        let our_public = our_kx.public_key().to_vec();
        let public_key_len = our_public.len();
        let shared = our_kx.complete(&client_share.payload)?;

        cx.version = Some(ProtocolVersion::TLSv1_3);
        cx.suite = Some(SupportedCipherSuite::Tls13(suite));
        cx.group = Some(group.name());
        cx.alpn = alpn;
        cx.sni = sni;
        cx.resumed = resumed.is_some();

        // After a HelloRetryRequest the transcript already holds message_hash and the
        // retry; otherwise it starts with this ClientHello.
        let retried = self.retry.is_some();
        let mut transcript = match self.retry {
            Some(retry) => retry.transcript,
            None => HandshakeHashBuffer::new().start_hash(suite.hash),
        };
        transcript.add_message(encoded);
        // The early secrets hash the transcript through the ClientHello (RFC 8446 7.1).
        let client_hello_hash = transcript.current();

        // ServerHello (RFC 8446 4.1.3).
        let mut random = [0u8; 32];
        cx.random(&mut random)?;
        let server_hello = ServerHello {
            legacy_version: ProtocolVersion::TLSv1_2,
            random,
            session_id: hello.session_id.clone(),
            cipher_suite: suite.suite,
            compression_method: Compression::Null,
            extensions: Some(
                [
                    Some(ServerExtension::SupportedVersions(ProtocolVersion::TLSv1_3)),
                    Some(ServerExtension::KeyShare(KeyShareEntry {
                        group: group.name(),
                        payload: our_public,
                    })),
                    // RFC 8446 4.2.11: the index of the identity we accepted.
                    resumed
                        .as_ref()
                        .map(|r| ServerExtension::PreSharedKey(r.index)),
                ]
                .into_iter()
                .flatten()
                .collect(),
            ),
        };
        let encoded_sh = cx.send_handshake(HandshakePayload::ServerHello(server_hello))?;
        transcript.add_message(encoded_sh);
        cx.emit(|| HandshakeEvent::ServerHello {
            version: ProtocolVersion::TLSv1_3,
            cipher_suite: suite.suite,
            group: group.name(),
        });
        cx.emit(|| HandshakeEvent::KeyExchange {
            group: group.name(),
            public_key_len,
        });
        // RFC 8446 D.4: the compatibility CCS follows our first handshake message,
        // when the client asked for compatibility mode with a session id.
        if !hello.session_id.is_empty() && !retried {
            cx.send_compat_ccs()?;
        }

        // Handshake keys (RFC 8446 7.1).
        let early = match &resumed {
            Some(r) => KeyScheduleEarly::with_psk(suite, &r.psk)?,
            None => KeyScheduleEarly::without_psk(suite)?,
        };
        // RFC 8446 7.1: 0-RTT is read under client_early_traffic_secret, from the PSK
        // and the ClientHello.
        let client_early = if accept_early_data {
            let secret = early.client_early_traffic_secret(client_hello_hash.as_ref())?;
            cx.log_secret("CLIENT_EARLY_TRAFFIC_SECRET", secret.secret_bytes());
            Some(secret)
        } else {
            None
        };
        let key_schedule = early.into_handshake(&shared, transcript.current().as_ref())?;
        let server_hs = key_schedule.server_handshake_traffic_secret()?;
        let client_hs = key_schedule.client_handshake_traffic_secret()?;
        cx.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", client_hs.secret_bytes());
        cx.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", server_hs.secret_bytes());
        cx.set_tls13_write_key(&server_hs)?;
        match &client_early {
            Some(secret) => {
                cx.set_tls13_read_key(secret)?;
                cx.early_data = EarlyDataStatus::Accepted;
                cx.early_data_to_accept = Some(self.config.max_early_data_size as usize);
            }
            None => {
                cx.set_tls13_read_key(&client_hs)?;
                // RFC 8446 4.2.10: rejected 0-RTT records fail to decrypt and are
                // skipped, up to what we would have accepted. A second ClientHello
                // (after a HelloRetryRequest) has no early data (4.1.2), so the
                // skipping that began with the retry ends here: from now on a record
                // that fails to decrypt is bad_record_mac at once.
                cx.skip_early_data = hello
                    .early_data_offered()
                    .then(|| early_data_skip_budget(&self.config));
            }
        }
        cx.emit(|| HandshakeEvent::HandshakeKeysInstalled {
            cipher_suite: suite.suite,
        });

        // EncryptedExtensions (RFC 8446 4.3.1).
        let mut extensions = Vec::new();
        if cx.sni.is_some() {
            // RFC 6066 3: an empty server_name acknowledges that SNI was used.
            extensions.push(ServerExtension::ServerNameAck);
        }
        if let Some(protocol) = &cx.alpn {
            extensions.push(ServerExtension::Alpn(protocol.clone()));
        }
        if accept_early_data {
            extensions.push(ServerExtension::EarlyData);
        }
        let encoded = cx.send_handshake(HandshakePayload::EncryptedExtensions(extensions))?;
        transcript.add_message(encoded);

        // CertificateRequest (RFC 8446 4.3.2; never in a PSK handshake, 4.3.2).
        let client_auth = self.config.client_verifier.is_some() && identity.is_some();
        if let (Some(verifier), true) = (&self.config.client_verifier, client_auth) {
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
        }

        // Certificate and CertificateVerify (RFC 8446 4.4.2, 4.4.3).
        if let Some((certified, signer)) = identity {
            let chain = certified.chain.iter().map(|cert| cert.as_ref());
            let encoded =
                cx.send_handshake_with(|out| CertificateTls13::encode_chain(&[], chain, out))?;
            transcript.add_message(encoded);
            let message = certificate_verify_message(true, &transcript.current());
            let scheme = signer.scheme();
            let signature = signer.sign(&message)?;
            let encoded =
                cx.send_handshake(HandshakePayload::CertificateVerify(DigitallySigned {
                    scheme,
                    signature,
                }))?;
            transcript.add_message(encoded);
            cx.emit(|| HandshakeEvent::SignatureSent { scheme });
        }

        // Finished (RFC 8446 4.4.4).
        let verify_data = server_hs
            .finished_key()?
            .verify_data(transcript.current().as_ref());
        let encoded = cx.send_handshake_with(|out| {
            HandshakeMessage::encode_finished(verify_data.as_ref(), out)
        })?;
        transcript.add_message(encoded);
        cx.emit(|| HandshakeEvent::FinishedSent);

        // Application secrets hash the transcript through our Finished (RFC 8446 7.1).
        let traffic = key_schedule.into_traffic(transcript.current().as_ref())?;
        let server_app = traffic.server_application_traffic_secret()?;
        let client_app = traffic.client_application_traffic_secret()?;
        cx.log_secret("CLIENT_TRAFFIC_SECRET_0", client_app.secret_bytes());
        cx.log_secret("SERVER_TRAFFIC_SECRET_0", server_app.secret_bytes());
        cx.set_tls13_write_key(&server_app)?;
        let exporter = traffic.exporter()?;
        cx.log_secret("EXPORTER_SECRET", exporter.secret_bytes());
        cx.exporter = Some(KeyExporter::Tls13(exporter));

        let hs = Box::new(Handshake {
            config: self.config,
            transcript,
            client_hs,
            client_app,
            server_app,
            traffic,
            psk_dhe_offered,
        });
        Ok(if accept_early_data {
            ServerState::ExpectEndOfEarlyData(ExpectEndOfEarlyData(hs))
        } else if client_auth {
            ServerState::ExpectCertificate(ExpectCertificate(hs))
        } else {
            ServerState::ExpectFinished(ExpectFinished(hs))
        })
    }

    /// RFC 8446 4.2.11: the first offered identity that opens as a session of ours,
    /// still fresh, of a suite with the same hash, for the same server name and ALPN
    /// protocol, and whose binder verifies. Returns its index and PSK. A bad binder is
    /// fatal (4.2.11.2); any other mismatch falls back to a full handshake.
    fn resume(
        &self,
        hello: &ClientHello,
        encoded: &[u8],
        suite: &'static Tls13CipherSuite,
        sni: Option<&str>,
        alpn: Option<&[u8]>,
    ) -> Result<Option<Resumption>, Error> {
        let Some(offer) = hello.psk_offer() else {
            return Ok(None);
        };
        // RFC 8446 4.2.9: a pre_shared_key needs psk_key_exchange_modes; we only do
        // psk_dhe_ke, so the resumption keeps forward secrecy.
        let modes = hello.psk_modes().ok_or(PeerMisbehaved::MissingExtension {
            message: "ClientHello",
            extension: ExtensionType::PSKKeyExchangeModes,
        })?;
        if !modes.contains(&PskKeyExchangeMode::PSK_DHE_KE) || self.config.tickets == 0 {
            return Ok(None);
        }
        let now = current_time(&*self.config.time)?;
        // Each identity costs a ticket decryption and a binder; a client has no reason
        // to offer more than a few, so only the first ones are tried.
        const MAX_IDENTITIES_TRIED: usize = 4;
        for (index, identity) in offer
            .identities
            .iter()
            .enumerate()
            .take(MAX_IDENTITIES_TRIED)
        {
            let Some(value) = super::tickets::open(&self.config, &identity.identity, now) else {
                continue;
            };
            let same_hash = matches!(
                self.config.provider.find_cipher_suite(value.suite),
                Some(SupportedCipherSuite::Tls13(original)) if original.hash.algorithm() == suite.hash.algorithm()
            );
            let same_peer = value.server_name == sni.unwrap_or_default().as_bytes()
                && value.alpn == alpn.unwrap_or_default();
            if value.version != ProtocolVersion::TLSv1_3
                || !value.fresh(now.as_secs())
                || !same_hash
                || !same_peer
                || !super::tickets::client_auth_satisfied(&self.config, &value)
            {
                continue;
            }
            // RFC 8446 4.2.11.2: the binder covers the transcript up to the ClientHello
            // cut before the binders list.
            let cut = encoded.len().saturating_sub(offer.binders_encoded_len());
            let truncated = encoded.get(..cut).unwrap_or_default();
            let hash = match &self.retry {
                Some(retry) => retry.transcript.hash_given(truncated),
                None => suite.hash.hash(truncated),
            };
            let expected = KeyScheduleEarly::with_psk(suite, &value.secret)?
                .binder_key(PskKind::Resumption)?
                .binder(hash.as_ref())?;
            let received = offer
                .binders
                .get(index)
                .map(Vec::as_slice)
                .unwrap_or_default();
            if !constant_time_eq(expected.as_ref(), received) {
                return Err(PeerMisbehaved::IncorrectBinder.into());
            }
            let early_data = index == 0
                && self.accepts_early_data(hello, suite, &value, identity, now.as_secs());
            let index = u16::try_from(index)
                .map_err(|_| InvalidMessage::IllegalValue("PSK identity index"))?;
            return Ok(Some(Resumption {
                index,
                psk: value.secret,
                early_data,
            }));
        }
        Ok(None)
    }

    /// RFC 8446 4.2.10, 8: 0-RTT is accepted for the first identity only, when we
    /// accept early data at all, the ticket allows it, nothing was retried, the suite
    /// is the ticket's, the ticket's age as the client tells it matches ours, and this
    /// is the ticket's first use (stateful tickets are single use by construction).
    fn accepts_early_data(
        &self,
        hello: &ClientHello,
        suite: &'static Tls13CipherSuite,
        value: &ServerSessionValue,
        identity: &PskIdentity,
        now: u64,
    ) -> bool {
        /// How far the client's idea of the ticket age may be from ours (RFC 8446 8.3).
        const AGE_TOLERANCE_MS: u64 = 10_000;
        if !hello.early_data_offered()
            || self.retry.is_some()
            || self.config.max_early_data_size == 0
            || value.max_early_data == 0
            || value.suite != suite.suite
        {
            return false;
        }
        // Our clock has whole seconds: allow for the rounding as well.
        const TOLERANCE_MS: u64 = AGE_TOLERANCE_MS + 1000;
        let client_age = u64::from(identity.obfuscated_ticket_age.wrapping_sub(value.age_add));
        let server_age = now.saturating_sub(value.created).saturating_mul(1000);
        if client_age.abs_diff(server_age) > TOLERANCE_MS {
            return false;
        }
        // A replay of this ClientHello (same client age) passes the check above
        // until our age of the ticket exceeds the client's by the tolerance: the
        // guard must remember it until then (RFC 8446 8.2, 8.3).
        let until = value
            .created
            .saturating_add(client_age.saturating_add(TOLERANCE_MS).div_ceil(1000));
        match (&self.config.ticketer, &self.config.anti_replay) {
            (None, _) => true,
            (Some(_), Some(guard)) => guard.first_use(&identity.identity, now, until),
            (Some(_), None) => false,
        }
    }

    /// Sends a HelloRetryRequest asking for `group` (RFC 8446 4.1.4).
    fn send_retry(
        self,
        cx: &mut CommonState,
        hello: &ClientHello,
        encoded: &[u8],
        suite: &'static Tls13CipherSuite,
        group: NamedGroup,
    ) -> Result<ServerState, Error> {
        let mut buffer = HandshakeHashBuffer::new();
        buffer.add_message(encoded);
        let mut transcript = buffer.start_hash(suite.hash);
        // RFC 8446 4.4.1: ClientHello1 is replaced by a message_hash.
        transcript.rollup_for_hrr();
        let mut extensions = vec![
            HelloRetryExtension::SupportedVersions(ProtocolVersion::TLSv1_3),
            HelloRetryExtension::KeyShare(group),
        ];
        let cookie = if self.config.hrr_cookie {
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
        cx.version = Some(ProtocolVersion::TLSv1_3);
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
            cx.skip_early_data = Some(early_data_skip_budget(&self.config));
        }
        Ok(ServerState::ExpectClientHello(ExpectClientHello {
            config: self.config,
            retry: Some(Retry {
                suite,
                group,
                cookie,
                session_id: hello.session_id.clone(),
                transcript,
            }),
        }))
    }
}

/// Picks the version (RFC 8446 4.2.1). With supported_versions, the best of ours
/// it lists, and legacy_version is ignored. Without it the client speaks TLS 1.2 or
/// earlier, whatever legacy_version says: a ClientHello "from the future" (0x0304,
/// 0x0400, ...) without supported_versions gets TLS 1.2 (RFC 5246 E.1, RFC 8446 D.2).
fn choose_version(config: &ServerConfig, hello: &ClientHello) -> Result<ProtocolVersion, Error> {
    use ProtocolVersion as V;
    let enabled = |v: V| config.versions.contains(&v);
    let Some(offered) = hello.supported_versions() else {
        return match hello.legacy_version.to_wire() {
            v if v < V::TLSv1_2.to_wire() => Err(PeerIncompatible::OnlyLegacyVersions.into()),
            _ if enabled(V::TLSv1_2) => Ok(V::TLSv1_2),
            _ => Err(PeerIncompatible::VersionNotEnabled(V::TLSv1_2).into()),
        };
    };
    if let Some(version) = [V::TLSv1_3, V::TLSv1_2]
        .into_iter()
        .find(|v| offered.contains(v) && enabled(*v))
    {
        return Ok(version);
    }
    // Nothing in common: say which case it is.
    if let Some(version) = [V::TLSv1_3, V::TLSv1_2]
        .into_iter()
        .find(|v| offered.contains(v))
    {
        return Err(PeerIncompatible::VersionNotEnabled(version).into());
    }
    if offered.iter().any(|v| v.to_wire() < V::TLSv1_2.to_wire()) {
        return Err(PeerIncompatible::OnlyLegacyVersions.into());
    }
    // RFC 8701: GREASE values (and versions newer than ours) are ignored; a list of
    // only those offers nothing.
    Err(PeerIncompatible::NoKnownVersion.into())
}

/// The first of our TLS 1.3 suites (server preference) that the client offers.
fn choose_suite(
    config: &ServerConfig,
    hello: &ClientHello,
) -> Result<&'static Tls13CipherSuite, Error> {
    config
        .provider
        .tls13_cipher_suites()
        .find(|s| hello.cipher_suites.contains(&s.suite))
        .ok_or_else(|| PeerIncompatible::NoCipherSuiteInCommon.into())
}

/// The client's SNI as a lower-case DNS name (RFC 6066 3: a host name, never an IP).
pub(super) fn server_name(hello: &ClientHello) -> Result<Option<String>, Error> {
    let Some(raw) = hello.server_name() else {
        return Ok(None);
    };
    let name = core::str::from_utf8(raw)
        .ok()
        .and_then(|s| DnsName::try_from(s).ok())
        .ok_or(InvalidMessage::IllegalValue(
            "server_name is not a DNS host name",
        ))?;
    // One allocation: the name is copied, then lowercased in place.
    let mut name = String::from(name.as_ref());
    name.make_ascii_lowercase();
    Ok(Some(name))
}

/// RFC 7301 3.2: the first of our protocols that the client offers; none in common is
/// `no_application_protocol`.
pub(super) fn choose_alpn(
    config: &ServerConfig,
    hello: &ClientHello,
) -> Result<Option<Vec<u8>>, Error> {
    let (Some(offered), false) = (hello.alpn_protocols(), config.alpn_protocols.is_empty()) else {
        return Ok(None);
    };
    config
        .alpn_protocols
        .iter()
        .find(|p| offered.contains(p))
        .cloned()
        .map(Some)
        .ok_or_else(|| PeerIncompatible::NoApplicationProtocol.into())
}

/// Asks the resolver for the chain to present (RFC 6066 3: by SNI).
pub(super) fn choose_certificate_key(
    config: &ServerConfig,
    hello: &ClientHello,
    sni: Option<&str>,
    client_schemes: &[SignatureScheme],
) -> Result<Arc<CertifiedKey>, Error> {
    let info = ClientHelloInfo {
        server_name: sni,
        signature_schemes: client_schemes,
        alpn: hello.alpn_protocols().unwrap_or_default(),
        cipher_suites: &hello.cipher_suites,
    };
    config
        .cert_resolver
        .resolve(&info)
        .ok_or_else(|| PeerIncompatible::NoCertificateForName.into())
}

fn choose_certificate(
    config: &ServerConfig,
    hello: &ClientHello,
    sni: Option<&str>,
    client_schemes: &[SignatureScheme],
) -> Result<(Arc<CertifiedKey>, alloc::boxed::Box<dyn Signer>), Error> {
    let certified = choose_certificate_key(config, hello, sni, client_schemes)?;
    // RFC 8446 4.4.3: the scheme is the client's choice order among those the key can
    // produce; PKCS#1 v1.5 is not allowed in TLS 1.3.
    let usable = schemes_allowed_in(client_schemes, ProtocolVersion::TLSv1_3);
    let signer = certified
        .key
        .choose_scheme(&usable)
        .ok_or(PeerIncompatible::NoSignatureSchemeInCommon)?;
    Ok((certified, signer))
}

/// What a successful PSK lookup gives: the identity's index, its PSK, and whether
/// its 0-RTT data is accepted.
struct Resumption {
    index: u16,
    psk: Vec<u8>,
    early_data: bool,
}

/// How many bytes of rejected 0-RTT records to skip (RFC 8446 4.2.10): what we would
/// accept, and at least one full record.
fn early_data_skip_budget(config: &ServerConfig) -> usize {
    (config.max_early_data_size as usize).max(crate::record::MAX_TLS13_CIPHERTEXT)
}

/// RFC 8446 4.1.2: the second ClientHello repeats the first, with one key share for
/// the requested group and the cookie echoed.
fn check_retried_hello(
    retry: &Retry,
    hello: &ClientHello,
    shares: &[KeyShareEntry],
) -> Result<(), Error> {
    if hello.session_id != retry.session_id {
        return Err(PeerMisbehaved::BadRetriedClientHello("the session id changed").into());
    }
    if shares.len() != 1 || shares.first().map(|s| s.group) != Some(retry.group) {
        return Err(PeerMisbehaved::BadRetriedClientHello(
            "the key share is not for the requested group",
        )
        .into());
    }
    if hello.cookie() != retry.cookie.as_deref() {
        return Err(PeerMisbehaved::BadRetriedClientHello("the cookie was not echoed").into());
    }
    // RFC 8446 4.1.2: "Early data is not permitted after a HelloRetryRequest."
    if hello.early_data_offered() {
        return Err(PeerMisbehaved::BadRetriedClientHello("it still offers early data").into());
    }
    Ok(())
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
        cx.early_data_to_accept = None;
        cx.set_tls13_read_key(&hs.client_hs)?;
        Ok(ServerState::ExpectFinished(ExpectFinished(hs)))
    }
}

pub(crate) struct ExpectCertificate(Box<Handshake>);

impl ExpectCertificate {
    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (payload, encoded) = input.handshake("Certificate")?;
        let HandshakePayload::CertificateTls13(certificate) = payload else {
            return Err(unexpected(&payload, "Certificate"));
        };
        let mut hs = self.0;
        // RFC 8446 4.4.2: the context echoes the CertificateRequest's (empty).
        if !certificate.context.is_empty() {
            return Err(PeerMisbehaved::BadCertificateRequestContext.into());
        }
        hs.transcript.add_message(encoded);
        let chain = certificate
            .entries
            .into_iter()
            .map(|entry| CertificateDer::from(entry.cert))
            .collect();
        Ok(if super::verify_client_chain(cx, &hs.config, chain)? {
            ServerState::ExpectCertificateVerify(ExpectCertificateVerify(hs))
        } else {
            ServerState::ExpectFinished(ExpectFinished(hs))
        })
    }
}

pub(crate) struct ExpectCertificateVerify(Box<Handshake>);

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
        let mut hs = self.0;
        let message = certificate_verify_message(false, &hs.transcript.current());
        super::verify_client_signature(
            cx,
            &hs.config,
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
        let (payload, encoded) = input.handshake("Finished")?;
        let HandshakePayload::Finished(verify_data) = payload else {
            return Err(unexpected(&payload, "Finished"));
        };
        let mut hs = self.0;
        // RFC 8446 4.4.4: checked in constant time.
        hs.client_hs
            .finished_key()?
            .check(hs.transcript.current().as_ref(), &verify_data)?;
        cx.emit(|| HandshakeEvent::FinishedVerified);
        cx.set_tls13_read_key(&hs.client_app)?;
        cx.tls13_secrets = Some(Tls13Secrets {
            read: hs.client_app,
            write: hs.server_app,
        });
        cx.complete_handshake()?;
        // RFC 8446 4.6.1: tickets derive from the resumption secret, which hashes the
        // transcript through the client's Finished.
        if hs.psk_dhe_offered && hs.config.tickets > 0 {
            hs.transcript.add_message(encoded);
            let resumption = hs
                .traffic
                .resumption_master_secret(hs.transcript.current().as_ref())?;
            send_tickets(cx, &hs.config, &resumption)?;
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
    let Some(SupportedCipherSuite::Tls13(suite)) = cx.suite else {
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
        server_name: cx.sni.as_deref().unwrap_or_default().as_bytes().to_vec(),
        alpn: cx.alpn.clone().unwrap_or_default(),
        max_early_data: config.max_early_data_size,
        client_authenticated: cx.peer_certificates.is_some(),
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
