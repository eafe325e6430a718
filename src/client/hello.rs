//! The client's hello exchange: building and sending ClientHello (RFC 8446 4.1.2),
//! then handling ServerHello or HelloRetryRequest (4.1.3, 4.1.4).

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use pki_types::ServerName;

use super::ClientState;
use super::config::ClientConfig;
use super::tls13;
use crate::codec::{Codec, LengthPrefix, put_prefixed};
use crate::conn::{CommonState, EarlyDataStatus, Input};
use crate::crypto::{
    ActiveKeyExchange, HashOutput, SupportedCipherSuite, SupportedKxGroup, Tls13CipherSuite,
};
use crate::enums::{
    Compression, ECPointFormat, ExtensionType, HandshakeType, ProtocolVersion, PskKeyExchangeMode,
    ServerNameType,
};
use crate::error::{Error, PeerIncompatible, PeerMisbehaved};
use crate::events::{HandshakeEvent, Secret};
use crate::key_schedule::tls13::{KeyScheduleEarly, PskKind};
use crate::key_schedule::{HandshakeHash, HandshakeHashBuffer};
use crate::msgs::{
    ClientExtension, ClientHello, HandshakePayload, HelloRetryRequest, KeyShareEntry,
    PresharedKeyOffer, PskIdentity, ServerHello, ServerNameEntry,
};
use crate::resumption::{Tls12ClientSession, Tls13ClientSession};
use crate::time::current_time;
use crate::tls13::{DOWNGRADE_TLS11, DOWNGRADE_TLS12, OfferedExtensions, check_reply_extensions};

/// Builds and queues the first ClientHello; returns the state awaiting the reply.
pub(super) fn start_handshake(
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    cx: &mut CommonState,
) -> Result<ClientState, Error> {
    let mut random = [0u8; 32];
    cx.random(&mut random)?;
    cx.set_client_random(random);
    let tls12_session = find_tls12_session(&config, &server_name)?;
    // A TLS 1.2 session is resumed by its id (RFC 5246 7.4.1.2). Otherwise, in TLS 1.3
    // middlebox compatibility mode (RFC 8446 D.4), or to detect that a TLS 1.2 ticket
    // was accepted (RFC 5077 3.4), the id is 32 random bytes. A client without TLS 1.3
    // has no compatibility mode: its id "is empty if no session_id is available"
    // (RFC 5246 7.4.1.2).
    let compat = config.middlebox_compat && config.versions.contains(&ProtocolVersion::TLSv1_3);
    let session_id = match &tls12_session {
        Some(session) if !session.session_id.is_empty() => session.session_id.clone(),
        _ if compat || tls12_session.is_some() => {
            let mut id = vec![0u8; 32];
            cx.random(&mut id)?;
            id
        }
        _ => Vec::new(),
    };
    // Key shares are a TLS 1.3 thing; TLS 1.2 exchanges keys after ServerKeyExchange.
    let mut key_shares = Vec::new();
    if config.versions.contains(&ProtocolVersion::TLSv1_3) {
        for group in key_share_groups(&config) {
            key_shares.push(group.start()?);
        }
    }
    let resuming = find_ticket(&config, &server_name)?;
    // RFC 8446 4.2.10: 0-RTT only with a ticket that allows it, when the application
    // asked for it.
    let early_data =
        config.enable_early_data && resuming.as_ref().is_some_and(|(s, _)| s.max_early_data > 0);
    let mut hello = build_client_hello(
        &config,
        &server_name,
        Offer {
            random,
            session_id,
            key_shares: &key_shares,
            cookie: None,
            ticket: resuming.as_ref().map(|(session, suite)| (session, *suite)),
            tls12_session: tls12_session.as_ref(),
            early_data,
        },
    );
    let mut transcript = HandshakeHashBuffer::new();
    let resuming = match resuming {
        Some((session, suite)) => Some(bind_psk(&mut hello, session, suite, |truncated| {
            transcript.hash_for_binder(suite.hash, truncated)
        })?),
        None => None,
    };
    let encoded = cx.send_first_client_hello(|out| encode_client_hello(&hello, out))?;
    transcript.add_message(encoded);
    cx.emit_client_hello(&hello);
    let mut sent_ccs = false;
    if let (true, Some(ticket)) = (early_data, &resuming) {
        sent_ccs = start_early_data(cx, &config, ticket, &transcript)?;
    }
    Ok(ClientState::ExpectServerHello(Box::new(
        ExpectServerHello {
            config,
            server_name,
            hello,
            key_shares,
            transcript: Transcript::Buffer(transcript),
            retried: None,
            sent_ccs,
            resuming,
            tls12_session,
        },
    )))
}

/// The groups the first ClientHello sends shares for (RFC 8446 4.2.8): the first
/// `key_shares` of the provider's and, when none of those is a classical (EC)DHE group
/// (a post-quantum hybrid leads), the first classical one too: a server without the
/// hybrid then needs no HelloRetryRequest.
fn key_share_groups(config: &ClientConfig) -> Vec<&'static dyn SupportedKxGroup> {
    let groups = &config.provider.kx_groups;
    let mut chosen: Vec<_> = groups.iter().copied().take(config.key_shares).collect();
    if !chosen.iter().any(|g| g.usable_in_tls12()) {
        if let Some(classical) = groups.iter().copied().find(|g| g.usable_in_tls12()) {
            chosen.push(classical);
        }
    }
    chosen
}

/// RFC 8446 2.3, 7.1: early data goes under client_early_traffic_secret, derived
/// from the ticket's PSK and the ClientHello. Returns whether the compatibility CCS
/// was sent (it goes before the first protected record, RFC 8446 D.4).
fn start_early_data(
    cx: &mut CommonState,
    config: &ClientConfig,
    ticket: &OfferedTicket,
    transcript: &HandshakeHashBuffer,
) -> Result<bool, Error> {
    let hello_hash = transcript.hash_given(ticket.suite.hash, &[]);
    let secret = ticket
        .early
        .client_early_traffic_secret(hello_hash.as_ref())?;
    cx.secret_derived(Secret::ClientEarlyTraffic, secret.secret_bytes());
    if config.middlebox_compat {
        cx.send_compat_ccs()?;
    }
    cx.set_tls13_write_key(&secret)?;
    cx.early_data.offer(ticket.session.max_early_data as usize);
    Ok(config.middlebox_compat)
}

/// A fresh TLS 1.2 session for this server whose suite we still offer.
fn find_tls12_session(
    config: &ClientConfig,
    server_name: &ServerName<'_>,
) -> Result<Option<Tls12ClientSession>, Error> {
    let Some(store) = &config.session_store else {
        return Ok(None);
    };
    if !config.versions.contains(&ProtocolVersion::TLSv1_2) {
        return Ok(None);
    }
    let now = current_time(&*config.time)?.as_secs();
    let name = super::session_key(server_name);
    Ok(store.tls12_session(&name).filter(|session| {
        session.fresh(now)
            && matches!(config.provider.find_cipher_suite(session.suite), Some(SupportedCipherSuite::Tls12(_)))
            // RFC 7627 5.3: a session without extended master secret is never resumed
            // by a client that requires it.
            && (session.extended_master_secret || !config.require_ems)
    }))
}

/// A fresh TLS 1.3 ticket for this server whose suite we still offer (RFC 8446
/// 4.6.1: tickets are single use, so it is taken out of the store).
fn find_ticket(
    config: &ClientConfig,
    server_name: &ServerName<'_>,
) -> Result<Option<(Tls13ClientSession, &'static Tls13CipherSuite)>, Error> {
    let Some(store) = &config.session_store else {
        return Ok(None);
    };
    if !config.versions.contains(&ProtocolVersion::TLSv1_3) {
        return Ok(None);
    }
    let now_ms = current_time(&*config.time)?.as_secs().saturating_mul(1000);
    let name = super::session_key(server_name);
    while let Some(session) = store.take_tls13_ticket(&name) {
        if !session.fresh(now_ms) {
            continue;
        }
        if let Some(SupportedCipherSuite::Tls13(suite)) =
            config.provider.find_cipher_suite(session.suite)
        {
            return Ok(Some((session, suite)));
        }
    }
    Ok(None)
}

/// A TLS 1.3 ticket offered in our ClientHello, with its PSK's Early Secret (made for
/// the binder; the handshake goes on from it if the server accepts the ticket).
struct OfferedTicket {
    session: Tls13ClientSession,
    suite: &'static Tls13CipherSuite,
    early: KeyScheduleEarly,
}

/// RFC 8446 4.2.11.2: the binder is an HMAC, under the PSK's binder key, of the
/// transcript up to and including the ClientHello cut before the binders.
fn bind_psk(
    hello: &mut ClientHello,
    session: Tls13ClientSession,
    suite: &'static Tls13CipherSuite,
    binder_hash: impl FnOnce(&[u8]) -> HashOutput,
) -> Result<OfferedTicket, Error> {
    // Room for a typical hello with a ticket, so the encoding is allocated once.
    let mut truncated = Vec::with_capacity(1024);
    hello.encode_for_binders(&mut truncated);
    let hash = binder_hash(&truncated);
    let early = KeyScheduleEarly::with_psk(suite, &session.psk)?;
    let binder = early
        .binder_key(PskKind::Resumption)?
        .binder(hash.as_ref())?;
    hello.set_single_psk_binder(binder.as_ref())?;
    Ok(OfferedTicket {
        session,
        suite,
        early,
    })
}

/// What one ClientHello offers beyond the config.
struct Offer<'a> {
    random: [u8; 32],
    session_id: Vec<u8>,
    key_shares: &'a [Box<dyn ActiveKeyExchange>],
    /// The HelloRetryRequest's cookie, echoed (RFC 8446 4.2.2).
    cookie: Option<Vec<u8>>,
    /// A TLS 1.3 ticket to resume with, and its suite.
    ticket: Option<(&'a Tls13ClientSession, &'static Tls13CipherSuite)>,
    /// A TLS 1.2 session to resume.
    tls12_session: Option<&'a Tls12ClientSession>,
    /// Offer 0-RTT early data (RFC 8446 4.2.10).
    early_data: bool,
}

fn build_client_hello(
    config: &ClientConfig,
    server_name: &ServerName<'_>,
    offer: Offer<'_>,
) -> ClientHello {
    let Offer {
        random,
        session_id,
        key_shares,
        cookie,
        ticket: resuming,
        tls12_session,
        early_data,
    } = offer;
    let provider = &config.provider;
    let tls13 = config.versions.contains(&ProtocolVersion::TLSv1_3);
    let tls12 = config.versions.contains(&ProtocolVersion::TLSv1_2);
    // Room for every extension we may send, so the vector is allocated once.
    let mut extensions = Vec::with_capacity(16);
    // RFC 6066 3: SNI carries DNS names only, never IP literals.
    if let (true, ServerName::DnsName(dns)) = (config.enable_sni, server_name) {
        extensions.push(ClientExtension::ServerName(vec![ServerNameEntry {
            typ: ServerNameType::HostName,
            name: dns.as_ref().as_bytes().to_vec(),
        }]));
    }
    // A TLS 1.2-only offer leaves out the TLS 1.3-only (hybrid) groups.
    extensions.push(ClientExtension::SupportedGroups(
        provider
            .kx_groups
            .iter()
            .filter(|g| tls13 || g.usable_in_tls12())
            .map(|g| g.name())
            .collect(),
    ));
    // The TLS 1.2 list is the wider one (it adds RSA PKCS#1 v1.5); a TLS 1.3 server
    // choosing one of those is refused by the verifier (RFC 8446 4.2.3).
    let sig_version = if tls12 {
        ProtocolVersion::TLSv1_2
    } else {
        ProtocolVersion::TLSv1_3
    };
    extensions.push(ClientExtension::SignatureAlgorithms(
        config.verifier.supported_verify_schemes(sig_version),
    ));
    if tls13 {
        extensions.push(ClientExtension::SupportedVersions(config.versions.clone()));
        extensions.push(ClientExtension::KeyShare(
            key_shares
                .iter()
                .map(|kx| KeyShareEntry {
                    group: kx.group(),
                    payload: kx.public_key().to_vec(),
                })
                .collect(),
        ));
    }
    if tls12 {
        // RFC 8422 5.1.2: only uncompressed points.
        extensions.push(ClientExtension::EcPointFormats(vec![
            ECPointFormat::Uncompressed,
        ]));
        // RFC 7627 5.1.
        extensions.push(ClientExtension::ExtendedMasterSecret);
        // RFC 5746 3.4: an empty renegotiation_info signals secure renegotiation
        // support on an initial handshake.
        extensions.push(ClientExtension::RenegotiationInfo(Vec::new()));
        if config.session_store.is_some() {
            // RFC 5077 3.2: our ticket, or an empty one to ask for a ticket.
            let ticket = tls12_session
                .and_then(|s| s.ticket.clone())
                .unwrap_or_default();
            extensions.push(ClientExtension::SessionTicket(ticket));
        }
    }
    if !config.alpn_protocols.is_empty() {
        extensions.push(ClientExtension::Alpn(config.alpn_protocols.clone()));
    }
    if let Some(cookie) = cookie {
        // RFC 8446 4.2.2: echo the HelloRetryRequest's cookie.
        extensions.push(ClientExtension::Cookie(cookie));
    }
    if tls13 && config.session_store.is_some() {
        // RFC 8446 4.2.9: without this a server may not send tickets. Only psk_dhe_ke:
        // a resumption keeps forward secrecy.
        extensions.push(ClientExtension::PskKeyExchangeModes(vec![
            PskKeyExchangeMode::PSK_DHE_KE,
        ]));
    }
    if early_data {
        extensions.push(ClientExtension::EarlyData);
    }
    if let Some((session, suite)) = resuming {
        let now_ms = config
            .time
            .now()
            .map_or(0, |t| t.as_secs().saturating_mul(1000));
        // RFC 8446 4.2.11.1: the age in milliseconds plus age_add, modulo 2^32.
        let age = now_ms.saturating_sub(session.received_ms) as u32;
        // RFC 8446 4.2.11: pre_shared_key is last; the binder is filled in afterwards.
        extensions.push(ClientExtension::PreSharedKey(PresharedKeyOffer {
            identities: vec![PskIdentity {
                identity: session.ticket.clone(),
                obfuscated_ticket_age: age.wrapping_add(session.age_add),
            }],
            binders: vec![vec![0; suite.hash.output_len()]],
        }));
    }
    ClientHello {
        // RFC 8446 4.1.2: legacy_version is TLS 1.2; the real offer is supported_versions.
        legacy_version: ProtocolVersion::TLSv1_2,
        random,
        session_id,
        cipher_suites: provider
            .tls13_cipher_suites()
            .filter(|_| tls13)
            .map(|s| s.suite)
            .chain(
                provider
                    .tls12_cipher_suites()
                    .filter(|_| tls12)
                    .map(|s| s.suite),
            )
            .collect(),
        compression_methods: vec![Compression::Null],
        extensions: Some(extensions),
    }
}

/// The transcript before the suite is known (a buffer), or after a HelloRetryRequest
/// fixed it (a running hash).
enum Transcript {
    Buffer(HandshakeHashBuffer),
    Hash(HandshakeHash),
}

impl Transcript {
    /// The buffered transcript, for a TLS 1.2 handshake (which never follows a
    /// HelloRetryRequest).
    fn into_buffer(self) -> Option<HandshakeHashBuffer> {
        match self {
            Self::Buffer(buffer) => Some(buffer),
            Self::Hash(_) => None,
        }
    }

    fn into_hash(self, suite: &'static Tls13CipherSuite) -> HandshakeHash {
        match self {
            Self::Buffer(buffer) => buffer.start_hash(suite.hash),
            Self::Hash(hash) => hash,
        }
    }
}

pub(crate) struct ExpectServerHello {
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    hello: ClientHello,
    key_shares: Vec<Box<dyn ActiveKeyExchange>>,
    transcript: Transcript,
    /// The suite a HelloRetryRequest chose, once one arrived.
    retried: Option<&'static Tls13CipherSuite>,
    sent_ccs: bool,
    /// The ticket offered, and the suite it belongs to.
    resuming: Option<OfferedTicket>,
    /// The TLS 1.2 session offered (by id or ticket).
    tls12_session: Option<Tls12ClientSession>,
}

impl ExpectServerHello {
    /// True if the ClientHello offered TLS 1.2 alone.
    pub(super) fn offers_only_tls12(&self) -> bool {
        self.config.versions == [ProtocolVersion::TLSv1_2]
    }

    /// TLS 1.2 was offered and no HelloRetryRequest settled TLS 1.3 (RFC 8446 4.1.4).
    pub(super) fn may_be_answered_with_tls12(&self) -> bool {
        self.config.versions.contains(&ProtocolVersion::TLSv1_2) && self.retried.is_none()
    }

    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ClientState, Error> {
        match input {
            Input::Handshake { msg, encoded } => match msg.payload {
                HandshakePayload::ServerHello(sh) => self.server_hello(cx, sh, encoded),
                HandshakePayload::HelloRetryRequest(hrr) => {
                    self.hello_retry_request(cx, hrr, encoded)
                }
                _ => Err(Input::Handshake { msg, encoded }.unexpected("ServerHello")),
            },
            other => Err(other.unexpected("ServerHello")),
        }
    }

    fn offered_extensions(&self) -> Result<OfferedExtensions, Error> {
        OfferedExtensions::of(self.hello.extensions())
    }

    /// The TLS 1.3 suite the server chose, if we offered it.
    fn offered_suite(
        &self,
        suite: crate::enums::CipherSuite,
    ) -> Result<&'static Tls13CipherSuite, Error> {
        match self.config.provider.find_cipher_suite(suite) {
            Some(SupportedCipherSuite::Tls13(s)) if self.hello.cipher_suites.contains(&suite) => {
                Ok(s)
            }
            _ => Err(PeerMisbehaved::SelectedUnofferedCipherSuite(suite).into()),
        }
    }

    fn server_hello(
        self,
        cx: &mut CommonState,
        sh: ServerHello,
        encoded: &[u8],
    ) -> Result<ClientState, Error> {
        // RFC 8446 4.1.4: the HelloRetryRequest's selected_version "MUST be retained
        // in the ServerHello" (illegal_parameter if it changes).
        if self.retried.is_some() && sh.supported_version() != Some(ProtocolVersion::TLSv1_3) {
            return Err(
                PeerMisbehaved::HelloRetryRequestVersionChanged(sh.supported_version()).into(),
            );
        }
        let version = match sh.supported_version() {
            Some(v) => v,
            // RFC 8446 4.1.3: a server that picked TLS 1.2 or below uses legacy_version.
            None if sh.legacy_version == ProtocolVersion::TLSv1_2
                && self.config.versions.contains(&ProtocolVersion::TLSv1_2)
                && self.retried.is_none() =>
            {
                self.check_downgrade(&sh)?;
                // RFC 8446 D.3: a client that attempted 0-RTT must fail the connection
                // on a TLS 1.2 ServerHello. The alert goes in plaintext: the server
                // has no early-data key.
                if cx.early_data.status() == EarlyDataStatus::Offered {
                    cx.drop_early_data_key();
                    return Err(PeerIncompatible::EarlyDataNeedsTls13.into());
                }
                return super::tls12::server_hello(
                    cx,
                    super::tls12::Hello {
                        config: self.config,
                        server_name: self.server_name,
                        client_hello: self.hello,
                        transcript: self
                            .transcript
                            .into_buffer()
                            .ok_or(Error::Internal("TLS 1.2 after a HelloRetryRequest"))?,
                        session: self.tls12_session,
                    },
                    sh,
                    encoded,
                );
            }
            None => return Err(self.refuse_legacy_server(&sh)),
        };
        // RFC 8446 4.2.1: the version must be one offered, and not before TLS 1.3.
        if version != ProtocolVersion::TLSv1_3 || !self.config.versions.contains(&version) {
            return Err(PeerMisbehaved::SelectedUnofferedVersion(version).into());
        }
        // RFC 8446 4.1.3: "the legacy_version field MUST be set to 0x0303".
        if sh.legacy_version != ProtocolVersion::TLSv1_2 {
            return Err(PeerMisbehaved::LegacyVersionNotTls12(sh.legacy_version).into());
        }
        if sh.session_id != self.hello.session_id {
            return Err(PeerMisbehaved::WrongSessionIdEcho.into());
        }
        if sh.compression_method != Compression::Null {
            return Err(PeerMisbehaved::CompressionSelected.into());
        }
        let suite = self.offered_suite(sh.cipher_suite)?;
        // RFC 8446 4.1.4: the ServerHello must keep the HelloRetryRequest's suite.
        if self.retried.is_some_and(|s| s.suite != suite.suite) {
            return Err(PeerMisbehaved::HelloRetryRequestSuiteChanged.into());
        }
        // RFC 8446 4.2.11: the server may only pick the identity we offered, with a
        // suite of the same hash as the ticket's.
        let psk_accepted = match (sh.psk_index(), &self.resuming) {
            (None, _) => false,
            (Some(0), Some(ticket)) if ticket.suite.hash.algorithm() == suite.hash.algorithm() => {
                true
            }
            (Some(_), _) => return Err(PeerMisbehaved::SelectedUnofferedPsk.into()),
        };
        check_reply_extensions(
            sh.extensions(),
            self.offered_extensions()?.as_slice(),
            &[
                ExtensionType::KeyShare,
                ExtensionType::SupportedVersions,
                ExtensionType::PreSharedKey,
            ],
            "ServerHello",
        )?;
        let share = sh.key_share().ok_or(PeerMisbehaved::MissingExtension {
            message: "ServerHello",
            extension: ExtensionType::KeyShare,
        })?;
        let mut key_shares = self.key_shares;
        let position = key_shares
            .iter()
            .position(|kx| kx.group() == share.group)
            .ok_or(PeerMisbehaved::SelectedUnofferedGroup(share.group))?;
        let our_kx = key_shares.swap_remove(position);
        drop(key_shares);
        let public_key_len = our_kx.public_key().len();
        let shared = our_kx.complete(&share.payload)?;

        cx.agreed.set_version(version);
        cx.agreed.set_suite(SupportedCipherSuite::Tls13(suite));
        cx.agreed.set_group(share.group);
        cx.emit(|| HandshakeEvent::ServerHello {
            version,
            cipher_suite: suite.suite,
            group: Some(share.group),
            resumed: psk_accepted,
        });
        cx.emit(|| HandshakeEvent::KeyExchange {
            group: share.group,
            public_key_len,
        });

        let early_data_terms = match (&self.resuming, cx.early_data.status()) {
            (Some(ticket), EarlyDataStatus::Offered) => {
                Some((ticket.suite.suite, ticket.session.alpn.clone()))
            }
            _ => None,
        };
        let psk_schedule = match self.resuming.filter(|_| psk_accepted) {
            Some(ticket) => Some(ticket.early.with_suite(suite)?),
            None => None,
        };
        let mut transcript = self.transcript.into_hash(suite);
        transcript.add_message(encoded);
        tls13::start_handshake_keys(
            cx,
            tls13::HandshakeStart {
                config: self.config,
                server_name: self.server_name,
                suite,
                transcript,
                shared,
                offered_extensions: OfferedExtensions::of(self.hello.extensions())?,
                psk_schedule,
                early_data_terms,
                sent_ccs: self.sent_ccs,
            },
        )
    }

    /// RFC 8446 4.1.3: a TLS 1.3 client that sees the sentinel in a TLS 1.2 or older
    /// ServerHello must abort: someone stripped TLS 1.3 from the offer.
    fn check_downgrade(&self, sh: &ServerHello) -> Result<(), Error> {
        let tail = sh.random.get(24..).unwrap_or_default();
        let tls13 = self.config.versions.contains(&ProtocolVersion::TLSv1_3);
        if tls13 && (tail == DOWNGRADE_TLS12 || tail == DOWNGRADE_TLS11) {
            return Err(PeerMisbehaved::DowngradeDetected.into());
        }
        Ok(())
    }

    /// A ServerHello without supported_versions: the server chose TLS 1.2 or older.
    fn refuse_legacy_server(&self, sh: &ServerHello) -> Error {
        if let Err(downgrade) = self.check_downgrade(sh) {
            return downgrade;
        }
        match sh.legacy_version {
            ProtocolVersion::TLSv1_2 => {
                PeerIncompatible::VersionNotEnabled(ProtocolVersion::TLSv1_2).into()
            }
            ProtocolVersion::TLSv1_3 => {
                PeerMisbehaved::SelectedUnofferedVersion(ProtocolVersion::TLSv1_3).into()
            }
            _ => PeerIncompatible::OnlyLegacyVersions.into(),
        }
    }

    fn hello_retry_request(
        self,
        cx: &mut CommonState,
        hrr: HelloRetryRequest,
        encoded: &[u8],
    ) -> Result<ClientState, Error> {
        if self.retried.is_some() {
            return Err(PeerMisbehaved::SecondHelloRetryRequest.into());
        }
        match hrr.supported_version() {
            Some(ProtocolVersion::TLSv1_3) => {}
            Some(other) => return Err(PeerMisbehaved::SelectedUnofferedVersion(other).into()),
            None => {
                return Err(PeerMisbehaved::MissingExtension {
                    message: "HelloRetryRequest",
                    extension: ExtensionType::SupportedVersions,
                }
                .into());
            }
        }
        // RFC 8446 4.1.4: the HelloRetryRequest has the ServerHello's structure, and
        // its legacy_version "MUST be set to 0x0303" (4.1.3).
        if hrr.legacy_version != ProtocolVersion::TLSv1_2 {
            return Err(PeerMisbehaved::LegacyVersionNotTls12(hrr.legacy_version).into());
        }
        if hrr.session_id != self.hello.session_id {
            return Err(PeerMisbehaved::WrongSessionIdEcho.into());
        }
        if hrr.compression_method != Compression::Null {
            return Err(PeerMisbehaved::CompressionSelected.into());
        }
        let suite = self.offered_suite(hrr.cipher_suite)?;
        check_reply_extensions(
            &hrr.extensions,
            &[
                ExtensionType::KeyShare,
                ExtensionType::SupportedVersions,
                ExtensionType::Cookie,
            ],
            &[
                ExtensionType::KeyShare,
                ExtensionType::SupportedVersions,
                ExtensionType::Cookie,
            ],
            "HelloRetryRequest",
        )?;
        let requested = hrr.requested_group();
        let cookie = hrr.cookie().map(<[u8]>::to_vec);
        // RFC 8446 4.1.4: a retry that would change nothing is illegal_parameter, as is
        // a group we did not offer or already sent a share for.
        if requested.is_none() && cookie.is_none() {
            return Err(PeerMisbehaved::UselessHelloRetryRequest.into());
        }
        let mut key_shares = self.key_shares;
        if let Some(group) = requested {
            let offered = self
                .hello
                .supported_groups()
                .unwrap_or_default()
                .contains(&group);
            let already_sent = key_shares.iter().any(|kx| kx.group() == group);
            if !offered || already_sent {
                return Err(PeerMisbehaved::SelectedUnofferedGroup(group).into());
            }
            let kx_group = self
                .config
                .provider
                .find_kx_group(group)
                .ok_or(PeerMisbehaved::SelectedUnofferedGroup(group))?;
            key_shares = vec![kx_group.start()?];
        }
        cx.emit(|| HandshakeEvent::HelloRetryRequest {
            group: requested,
            cookie: cookie.is_some(),
        });
        // RFC 8446 4.2.10: a retry rejects early data; ClientHello2 goes in plaintext.
        if cx.early_data.status() == EarlyDataStatus::Offered {
            cx.early_data.settle(false);
            cx.drop_early_data_key();
        }

        // RFC 8446 4.4.1: ClientHello1 is replaced by its hash in a message_hash.
        let mut transcript = self.transcript.into_hash(suite);
        transcript.rollup_for_hrr();
        transcript.add_message(encoded);

        // RFC 8446 D.4: the compatibility CCS goes before the second flight.
        let mut sent_ccs = self.sent_ccs;
        if self.config.middlebox_compat && !sent_ccs {
            cx.send_compat_ccs()?;
            sent_ccs = true;
        }
        // The ticket stays on offer only if the retry's suite shares its hash.
        let resuming = self
            .resuming
            .filter(|ticket| ticket.suite.hash.algorithm() == suite.hash.algorithm());
        let mut hello = build_client_hello(
            &self.config,
            &self.server_name,
            Offer {
                random: self.hello.random,
                session_id: self.hello.session_id.clone(),
                key_shares: &key_shares,
                cookie,
                ticket: resuming.as_ref().map(|t| (&t.session, t.suite)),
                tls12_session: self.tls12_session.as_ref(),
                // RFC 8446 4.1.2: no early data after a HelloRetryRequest.
                early_data: false,
            },
        );
        // RFC 8446 4.2.11.2: after a retry the binder covers ClientHello1's hash,
        // the HelloRetryRequest and the truncated ClientHello2.
        let resuming = match resuming {
            Some(ticket) => Some(bind_psk(
                &mut hello,
                ticket.session,
                ticket.suite,
                |truncated| transcript.hash_given(truncated),
            )?),
            None => None,
        };
        let encoded = cx.send_handshake_with(|out| encode_client_hello(&hello, out))?;
        transcript.add_message(encoded);
        cx.emit_client_hello(&hello);
        Ok(ClientState::ExpectServerHello(Box::new(
            ExpectServerHello {
                config: self.config,
                server_name: self.server_name,
                hello,
                key_shares,
                transcript: Transcript::Hash(transcript),
                retried: Some(suite),
                sent_ccs,
                resuming,
                tls12_session: self.tls12_session,
            },
        )))
    }
}

/// The ClientHello as a handshake message (header included), encoded from a borrow:
/// the state keeps the hello to check the server's answer against it.
fn encode_client_hello(hello: &ClientHello, out: &mut Vec<u8>) {
    HandshakeType::ClientHello.encode(out);
    put_prefixed(out, LengthPrefix::U24, |out| hello.encode(out));
}
