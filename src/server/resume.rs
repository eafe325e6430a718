//! Which offered session a ClientHello resumes: a TLS 1.3 PSK identity (with its
//! binder and 0-RTT verdict, RFC 8446 4.2.10, 4.2.11) or a TLS 1.2 session id or
//! ticket (RFC 5246 7.3, RFC 5077 3.1).

use alloc::vec::Vec;

use super::config::ServerConfig;
use super::negotiated::{ResumedTls12, Resumption};
use crate::codec::Codec;
use crate::crypto::{SupportedCipherSuite, Tls13CipherSuite};
use crate::enums::{ExtensionType, ProtocolVersion, PskKeyExchangeMode};
use crate::error::{Error, InvalidMessage, PeerMisbehaved};
use crate::key_schedule::HandshakeHash;
use crate::key_schedule::constant_time_eq;
use crate::key_schedule::tls12::{MASTER_SECRET_LEN, MasterSecret};
use crate::key_schedule::tls13::{KeyScheduleEarly, PskKind};
use crate::msgs::{ClientExtension, ClientHello, PskIdentity};
use crate::resumption::ServerSessionValue;
use crate::time::current_time;

/// RFC 8446 4.2.11: the first offered identity that opens as a session of ours,
/// still fresh, of a suite with the same hash, for the same server name and ALPN
/// protocol, and whose binder verifies. Returns its index and PSK. A bad binder is
/// fatal (4.2.11.2); any other mismatch falls back to a full handshake.
pub(super) fn tls13(
    config: &ServerConfig,
    hello: &ClientHello,
    encoded: &[u8],
    suite: &'static Tls13CipherSuite,
    retry_transcript: Option<&HandshakeHash>,
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
    if !modes.contains(&PskKeyExchangeMode::PSK_DHE_KE) || config.tickets == 0 {
        return Ok(None);
    }
    let now = current_time(&*config.time)?;
    // Each identity costs a ticket decryption and a binder; a client has no reason
    // to offer more than a few, so only the first ones are tried.
    const MAX_IDENTITIES_TRIED: usize = 4;
    for (index, identity) in offer
        .identities
        .iter()
        .enumerate()
        .take(MAX_IDENTITIES_TRIED)
    {
        let Some(value) = super::tickets::open(config, &identity.identity, now) else {
            continue;
        };
        let same_hash = matches!(
            config.provider.find_cipher_suite(value.suite),
            Some(SupportedCipherSuite::Tls13(original)) if original.hash.algorithm() == suite.hash.algorithm()
        );
        let same_peer = value.server_name == sni.unwrap_or_default().as_bytes()
            && value.alpn == alpn.unwrap_or_default();
        if value.version != ProtocolVersion::TLSv1_3
            || !value.fresh(now.as_secs())
            || !same_hash
            || !same_peer
            || !super::tickets::client_auth_satisfied(config, &value)
        {
            continue;
        }
        // RFC 8446 4.2.11.2: the binder covers the transcript up to the ClientHello
        // cut before the binders list.
        let cut = encoded.len().saturating_sub(offer.binders_encoded_len());
        let truncated = encoded.get(..cut).unwrap_or_default();
        let hash = match retry_transcript {
            Some(transcript) => transcript.hash_given(truncated),
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
            && retry_transcript.is_none()
            && accepts_early_data(config, hello, suite, &value, identity, now.as_secs());
        let index =
            u16::try_from(index).map_err(|_| InvalidMessage::IllegalValue("PSK identity index"))?;
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
    config: &ServerConfig,
    hello: &ClientHello,
    suite: &'static Tls13CipherSuite,
    value: &ServerSessionValue,
    identity: &PskIdentity,
    now: u64,
) -> bool {
    /// How far the client's idea of the ticket age may be from ours (RFC 8446 8.3).
    const AGE_TOLERANCE_MS: u64 = 10_000;
    if !hello.early_data_offered()
        || config.max_early_data_size == 0
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
    match (&config.ticketer, &config.anti_replay) {
        (None, _) => true,
        (Some(_), Some(guard)) => guard.first_use(&identity.identity, now, until),
        (Some(_), None) => false,
    }
}

/// The session the client offers (a ticket, else a session id), if we still have it
/// and it matches: same suite offered, same extended master secret use (RFC 7627
/// 5.3: otherwise a full handshake), same server name (RFC 6066 3).
pub(super) fn tls12(
    config: &ServerConfig,
    hello: &ClientHello,
    extended_master_secret: bool,
    sni: Option<&str>,
) -> Result<Option<ResumedTls12>, Error> {
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
    let Some(value) = plain.and_then(|p| ServerSessionValue::read_bytes(&p, "session").ok()) else {
        return Ok(None);
    };
    let Some(SupportedCipherSuite::Tls12(suite)) = config.provider.find_cipher_suite(value.suite)
    else {
        return Ok(None);
    };
    let Ok(master) = <[u8; MASTER_SECRET_LEN]>::try_from(value.secret.as_slice()) else {
        return Ok(None);
    };
    let usable = value.version == ProtocolVersion::TLSv1_2
        && value.fresh(now.as_secs())
        && hello.cipher_suites.contains(&value.suite)
        && value.extended_master_secret == extended_master_secret
        && value.server_name == sni.unwrap_or_default().as_bytes()
        && super::tickets::client_auth_satisfied(config, &value);
    Ok(usable.then(|| ResumedTls12 {
        suite,
        master: MasterSecret::from_bytes(suite, &master),
        extended_master_secret,
    }))
}
