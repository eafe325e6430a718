//! Turning session state into tickets and back: sealed by the config's ticketer
//! (stateless), or kept in its session store under a random id (stateful).

use alloc::vec;
use alloc::vec::Vec;

use pki_types::UnixTime;

use super::config::ServerConfig;
use crate::codec::Codec;
use crate::enums::ProtocolVersion;
use crate::resumption::ServerSessionValue;

/// A ticket for `value`: sealed by the ticketer, or the id it is stored under.
/// `None` when the config keeps no state and has no ticketer, or storing failed.
/// `scratch` holds the encoding on its way to the ticketer; a caller sealing several
/// tickets passes the same one, so it is allocated once.
pub(super) fn seal(
    config: &ServerConfig,
    value: &ServerSessionValue,
    now: UnixTime,
    scratch: &mut Vec<u8>,
) -> Option<Vec<u8>> {
    scratch.clear();
    scratch.reserve(SESSION_HINT);
    value.encode(scratch);
    if let Some(ticketer) = &config.ticketer {
        return ticketer.encrypt(scratch, now);
    }
    let store = config.session_store.as_ref()?;
    let mut id = vec![0u8; 32];
    config.provider.secure_random.fill(&mut id).ok()?;
    store
        .put(id.clone(), core::mem::take(scratch))
        .then_some(id)
}

/// Room for a typical encoded session (secret, SNI, ALPN), so its encoding is
/// allocated once.
const SESSION_HINT: usize = 256;

/// The encoding of `value` for a ticket or the session store, allocated once.
pub(super) fn encode_session(value: &ServerSessionValue) -> Vec<u8> {
    let mut plain = Vec::with_capacity(SESSION_HINT);
    value.encode(&mut plain);
    plain
}

/// The TLS 1.3 session a ticket stands for. Stored sessions are taken out: a stateful
/// ticket is single use (RFC 8446 8.1). The store also holds TLS 1.2 sessions under
/// ids sent in the clear (RFC 5246 7.4.1.3): those are left in place, so an
/// eavesdropper cannot destroy them by offering their ids as TLS 1.3 PSK identities.
pub(super) fn open(
    config: &ServerConfig,
    ticket: &[u8],
    now: UnixTime,
) -> Option<ServerSessionValue> {
    let decode = |plain: Vec<u8>| ServerSessionValue::read_bytes(&plain, "session").ok();
    match &config.ticketer {
        Some(ticketer) => decode(ticketer.decrypt(ticket, now)?),
        None => {
            let store = config.session_store.as_ref()?;
            let stored = decode(store.get(ticket)?)?;
            if stored.version != ProtocolVersion::TLSv1_3 {
                return None;
            }
            // Taken out only now that it is known to be a TLS 1.3 ticket.
            store.take(ticket)?;
            Some(stored)
        }
    }
}

/// A resumed handshake skips client authentication (RFC 8446 2.2, RFC 5246 7.3), so a
/// server that requires a client certificate resumes only sessions in which one was
/// verified: a ticket may come from another config that shares the ticket keys but
/// does not ask for certificates.
pub(super) fn client_auth_satisfied(config: &ServerConfig, value: &ServerSessionValue) -> bool {
    value.client_authenticated
        || !config
            .client_verifier
            .as_ref()
            .is_some_and(|verifier| verifier.client_auth_mandatory())
}
