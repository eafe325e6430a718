//! The server's ClientHello: parsed once, every parameter negotiated once (version,
//! suite, group, server name, ALPN, resumption, certificate), and the result handed
//! as one value to the TLS 1.3 or the TLS 1.2 flight.
//!
//! ```text
//! ClientHello -> choose_version -> negotiate_tls13 -> Tls13Hello -> tls13::start
//!                                                  -> HelloRetryRequest (tls13::send_retry)
//!                               -> negotiate_tls12 -> Tls12Hello -> tls12::start
//! ```

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use pki_types::DnsName;

use super::ServerState;
use super::config::ServerConfig;
use super::negotiated::{FullTls12, Retry, Tls12Handshake, Tls12Hello, Tls13Hello};
use super::resolver::ClientHelloInfo;
use super::resume;
use crate::cert::CertifiedKey;
use crate::conn::{CommonState, Input, require_message};
use crate::crypto::{SignatureAlgorithm, Signer, SigningKey, Tls13CipherSuite};
use crate::enums::{
    CipherSuite, Compression, ECPointFormat, ExtensionType, NamedGroup, ProtocolVersion,
    SignatureScheme,
};
use crate::error::{Error, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use crate::msgs::{ClientHello, HandshakePayload, KeyShareEntry};
use crate::tls12::scheme_fits_suite;
use crate::verify::schemes_allowed_in;

/// What the TLS 1.3 negotiation decided.
enum Tls13Outcome<'a> {
    Proceed(Tls13Hello<'a>),
    /// No usable key share: ask for this group (RFC 8446 4.1.4).
    Retry {
        config: Arc<ServerConfig>,
        hello: ClientHello,
        suite: &'static Tls13CipherSuite,
        group: NamedGroup,
    },
}

/// Waiting for a ClientHello (the first, or the second after a HelloRetryRequest).
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

    /// Waiting for the second ClientHello, after a HelloRetryRequest.
    pub(super) fn after_retry(config: Arc<ServerConfig>, retry: Retry) -> Self {
        Self {
            config,
            retry: Some(retry),
        }
    }

    pub(super) fn handle(
        self,
        cx: &mut CommonState,
        input: Input<'_>,
    ) -> Result<ServerState, Error> {
        let (hello, encoded) =
            require_message!(input, HandshakePayload::ClientHello, "ClientHello");
        cx.emit_client_hello(&hello);
        cx.set_client_random(hello.random);
        if choose_version(&self.config, &hello)? == ProtocolVersion::TLSv1_2 {
            if self.retry.is_some() {
                return Err(PeerMisbehaved::BadRetriedClientHello("it dropped TLS 1.3").into());
            }
            let (negotiated, handshake) = negotiate_tls12(self.config, hello, encoded)?;
            return super::tls12::start(cx, negotiated, handshake);
        }
        match self.negotiate_tls13(hello, encoded)? {
            Tls13Outcome::Proceed(negotiated) => super::tls13::start(cx, negotiated),
            Tls13Outcome::Retry {
                config,
                hello,
                suite,
                group,
            } => {
                let retry = super::tls13::send_retry(cx, &config, &hello, encoded, suite, group)?;
                Ok(ServerState::ExpectClientHello(Self::after_retry(
                    config, retry,
                )))
            }
        }
    }

    /// RFC 8446 4.1.1: suite, key share, server name, ALPN, resumption and certificate
    /// for a TLS 1.3 ClientHello; or the group to ask for in a HelloRetryRequest.
    fn negotiate_tls13(
        self,
        hello: ClientHello,
        encoded: &[u8],
    ) -> Result<Tls13Outcome<'_>, Error> {
        let config = self.config;
        // RFC 8446 4.1.2: a TLS 1.3 ClientHello offers exactly the null compression.
        if hello.compression_methods != [Compression::Null] {
            return Err(InvalidMessage::IllegalValue("legacy_compression_methods").into());
        }
        let suite = match &self.retry {
            Some(retry) => retry.suite,
            None => choose_suite(&config, &hello)?,
        };
        if !hello.cipher_suites.contains(&suite.suite) {
            return Err(PeerMisbehaved::BadRetriedClientHello(
                "the chosen suite is no longer offered",
            )
            .into());
        }
        let client_schemes = required(
            hello.signature_schemes(),
            ExtensionType::SignatureAlgorithms,
        )?;
        let groups = required(hello.supported_groups(), ExtensionType::SupportedGroups)?;
        let shares = required(hello.key_shares(), ExtensionType::KeyShare)?;
        check_key_shares(shares, groups)?;
        let sni = server_name(&hello)?;
        let alpn = choose_alpn(&config, &hello)?;
        if let Some(retry) = &self.retry {
            check_retried_hello(retry, &hello, shares)?;
        }
        // RFC 8446 4.2.8: use a share the client sent for a group we accept (our
        // preference order); otherwise ask for one with a HelloRetryRequest.
        let Some(group) = config
            .provider
            .kx_groups
            .iter()
            .copied()
            .find(|group| shares.iter().any(|s| s.group == group.name()))
        else {
            if self.retry.is_some() {
                return Err(PeerMisbehaved::BadRetriedClientHello("no usable key share").into());
            }
            let group = config
                .provider
                .kx_groups
                .iter()
                .map(|g| g.name())
                .find(|name| groups.contains(name))
                .ok_or(PeerIncompatible::NoKxGroupInCommon)?;
            return Ok(Tls13Outcome::Retry {
                config,
                hello,
                suite,
                group,
            });
        };
        // RFC 8446 2.2: a valid ticket skips the certificate; otherwise pick one.
        let retry_transcript = self.retry.map(|retry| retry.transcript);
        let resumed = resume::tls13(
            &config,
            &hello,
            encoded,
            suite,
            retry_transcript.as_ref(),
            sni.as_deref(),
            alpn.as_deref(),
        )?;
        let identity = match resumed {
            Some(_) => None,
            None => Some(choose_certificate(
                &config,
                &hello,
                sni.as_deref(),
                client_schemes,
            )?),
        };
        Ok(Tls13Outcome::Proceed(Tls13Hello {
            config,
            hello,
            encoded,
            suite,
            group,
            sni,
            alpn,
            resumed,
            identity,
            retry_transcript,
        }))
    }
}

/// An extension a TLS 1.3 ClientHello must carry (RFC 8446 9.2: missing_extension).
fn required<T>(value: Option<T>, extension: ExtensionType) -> Result<T, Error> {
    value.ok_or_else(|| {
        PeerMisbehaved::MissingExtension {
            message: "ClientHello",
            extension,
        }
        .into()
    })
}

/// RFC 8446 4.2.8: one share per group, each for a group in supported_groups.
fn check_key_shares(shares: &[KeyShareEntry], groups: &[NamedGroup]) -> Result<(), Error> {
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
    Ok(())
}

/// RFC 5246 7.4.1.2, RFC 8422: compression, renegotiation signal, extended master
/// secret, point formats, server name, ALPN, then a session to resume or a
/// certificate, suite, signature scheme and group for a full TLS 1.2 handshake.
fn negotiate_tls12(
    config: Arc<ServerConfig>,
    hello: ClientHello,
    encoded: &[u8],
) -> Result<(Tls12Hello<'_>, Tls12Handshake), Error> {
    // RFC 5246 7.4.1.2: null compression must be offered; we never compress (CRIME).
    if !hello.compression_methods.contains(&Compression::Null) {
        return Err(PeerMisbehaved::NullCompressionMissing.into());
    }
    // RFC 5746 4.2: we never renegotiate, so the attack the signal guards against
    // (a renegotiation spliced onto a victim's connection) cannot happen here; like
    // OpenSSL, GnuTLS and rustls we accept clients that do not signal, unless the
    // configuration requires it.
    let secure_renegotiation = secure_renegotiation_signaled(&hello)?;
    if !secure_renegotiation && config.require_secure_renegotiation {
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
    let sni = server_name(&hello)?;
    let alpn = choose_alpn(&config, &hello)?;
    // RFC 5246 7.3 / RFC 5077 3.1: resume the offered session if we can.
    let handshake = match resume::tls12(&config, &hello, extended_master_secret, sni.as_deref())? {
        Some(resumed) => Tls12Handshake::Resumed(resumed),
        None => Tls12Handshake::Full(full_tls12_handshake(&config, &hello, sni.as_deref())?),
    };
    let negotiated = Tls12Hello {
        config,
        hello,
        encoded,
        sni,
        alpn,
        extended_master_secret,
        secure_renegotiation,
    };
    Ok((negotiated, handshake))
}

/// A full TLS 1.2 handshake's certificate, suite (server preference, for the key's
/// type), signature scheme and group.
fn full_tls12_handshake(
    config: &ServerConfig,
    hello: &ClientHello,
    sni: Option<&str>,
) -> Result<FullTls12, Error> {
    // RFC 5246 7.4.1.4.1: without signature_algorithms the client accepts only SHA-1,
    // which we refuse.
    let client_schemes = schemes_allowed_in(
        hello.signature_schemes().unwrap_or_default(),
        ProtocolVersion::TLSv1_2,
    );
    let certified = choose_certificate_key(config, hello, sni, &client_schemes)?;
    // RFC 8422 5.1.3: ECDHE_ECDSA suites also carry Ed25519 signatures.
    let key_type = match certified.key.algorithm() {
        SignatureAlgorithm::Ed25519 => SignatureAlgorithm::Ecdsa,
        other => other,
    };
    // RFC 8422 5.1.1: an ECDSA certificate's curve must be one the client supports,
    // or it could not check our signatures.
    let groups = hello.supported_groups().unwrap_or_default();
    if let Some(curve) = ecdsa_curve(&*certified.key).filter(|c| !groups.contains(c)) {
        return Err(PeerIncompatible::CertificateCurveNotOffered(curve).into());
    }
    let offered = |s: &&crate::crypto::Tls12CipherSuite| hello.cipher_suites.contains(&s.suite);
    let Some(suite) = config
        .provider
        .tls12_cipher_suites()
        .filter(offered)
        .find(|s| s.sign == key_type)
    else {
        // Say the likelier cause: suites in common, but for another key type.
        if config.provider.tls12_cipher_suites().any(|s| offered(&s)) {
            let key = match key_type {
                SignatureAlgorithm::Rsa => "RSA",
                _ => "ECDSA or Ed25519",
            };
            return Err(PeerIncompatible::NoSuiteForCertificateKey(key).into());
        }
        return Err(refused_suites(&hello.cipher_suites));
    };
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
        .copied()
        // RFC 8422 5.1.1 curves only: the hybrid ML-KEM groups are TLS 1.3's
        // (draft-ietf-tls-ecdhe-mlkem 3).
        .filter(|g| g.usable_in_tls12())
        .find(|g| groups.contains(&g.name()))
        .ok_or(PeerIncompatible::NoKxGroupInCommon)?;
    Ok(FullTls12 {
        suite,
        certified,
        signer,
        group,
    })
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

/// Picks the version (RFC 8446 4.2.1). With supported_versions, the best of ours
/// it lists, and legacy_version is ignored. Without it the client speaks TLS 1.2 or
/// earlier, whatever legacy_version says: a ClientHello "from the future" (0x0304,
/// 0x0400, ...) without supported_versions gets TLS 1.2 (RFC 5246 E.1, RFC 8446 D.2).
fn choose_version(config: &ServerConfig, hello: &ClientHello) -> Result<ProtocolVersion, Error> {
    let chosen = choose_offered_version(config, hello);
    // RFC 7507 3: a client that retried with a lower version says so with
    // TLS_FALLBACK_SCSV; if we support a higher one, someone forced the retry.
    if hello
        .cipher_suites
        .contains(&CipherSuite::TLS_FALLBACK_SCSV)
    {
        let ours = config.versions.iter().copied().max_by_key(|v| v.to_wire());
        let theirs = match &chosen {
            Ok(version) => version.to_wire(),
            // The client offers only versions below any of ours, or one we disabled.
            Err(Error::PeerIncompatible(PeerIncompatible::OnlyLegacyVersions)) => 0,
            Err(Error::PeerIncompatible(PeerIncompatible::VersionNotEnabled(v))) => v.to_wire(),
            Err(_) => return chosen,
        };
        if let Some(ours) = ours.filter(|v| v.to_wire() > theirs) {
            return Err(PeerMisbehaved::InappropriateFallback(ours).into());
        }
    }
    chosen
}

/// [`choose_version`] without the fallback check.
fn choose_offered_version(
    config: &ServerConfig,
    hello: &ClientHello,
) -> Result<ProtocolVersion, Error> {
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
fn choose_alpn(config: &ServerConfig, hello: &ClientHello) -> Result<Option<Vec<u8>>, Error> {
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
fn choose_certificate_key(
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

/// The TLS 1.3 certificate and its signer.
fn choose_certificate(
    config: &ServerConfig,
    hello: &ClientHello,
    sni: Option<&str>,
    client_schemes: &[SignatureScheme],
) -> Result<(Arc<CertifiedKey>, Box<dyn Signer>), Error> {
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
