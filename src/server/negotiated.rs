//! What the server's ClientHello negotiation settles, handed to the flight of the
//! chosen version (and, for a HelloRetryRequest, what the retry fixed).

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::config::ServerConfig;
use crate::cert::CertifiedKey;
use crate::crypto::{Signer, SupportedKxGroup, Tls12CipherSuite, Tls13CipherSuite};
use crate::enums::NamedGroup;
use crate::error::Error;
use crate::key_schedule::HandshakeHash;
use crate::key_schedule::tls12::MasterSecret;
use crate::msgs::ClientHello;

/// What a HelloRetryRequest fixed, for checking the second ClientHello.
pub(super) struct Retry {
    pub(super) suite: &'static Tls13CipherSuite,
    pub(super) group: NamedGroup,
    pub(super) cookie: Option<Vec<u8>>,
    pub(super) session_id: Vec<u8>,
    pub(super) transcript: HandshakeHash,
}

/// Everything a TLS 1.3 ClientHello settled, for the server's flight.
pub(super) struct Tls13Hello<'a> {
    pub(super) config: Arc<ServerConfig>,
    pub(super) hello: ClientHello,
    /// The ClientHello's encoding, for the transcript.
    pub(super) encoded: &'a [u8],
    pub(super) suite: &'static Tls13CipherSuite,
    pub(super) group: &'static dyn SupportedKxGroup,
    pub(super) sni: Option<String>,
    pub(super) alpn: Option<Vec<u8>>,
    /// The PSK accepted, if the client resumes.
    pub(super) resumed: Option<Resumption>,
    /// The certificate and its signer, for a full handshake.
    pub(super) identity: Option<(Arc<CertifiedKey>, Box<dyn Signer>)>,
    /// The transcript through our HelloRetryRequest, if we sent one.
    pub(super) retry_transcript: Option<HandshakeHash>,
}

impl Tls13Hello<'_> {
    /// The client's key share for the chosen group (found when it was chosen).
    pub(super) fn client_share(&self) -> Result<&[u8], Error> {
        self.hello
            .key_shares()
            .unwrap_or_default()
            .iter()
            .find(|s| s.group == self.group.name())
            .map(|s| s.payload.as_slice())
            .ok_or(Error::Internal("the chosen key share vanished"))
    }
}

/// Everything a TLS 1.2 ClientHello settled, for the server's flight.
pub(super) struct Tls12Hello<'a> {
    pub(super) config: Arc<ServerConfig>,
    pub(super) hello: ClientHello,
    pub(super) encoded: &'a [u8],
    pub(super) sni: Option<String>,
    pub(super) alpn: Option<Vec<u8>>,
    pub(super) extended_master_secret: bool,
    /// The client signalled secure renegotiation (RFC 5746 3.6), so we answer it.
    pub(super) secure_renegotiation: bool,
}

/// A full TLS 1.2 handshake, or the abbreviated one resuming a session.
pub(super) enum Tls12Handshake {
    Full(FullTls12),
    Resumed(ResumedTls12),
}

/// What a full TLS 1.2 handshake uses: the suite (server preference, for the key's
/// type), the certificate and its signer, and the ECDHE group.
pub(super) struct FullTls12 {
    pub(super) suite: &'static Tls12CipherSuite,
    pub(super) certified: Arc<CertifiedKey>,
    pub(super) signer: Box<dyn Signer>,
    pub(super) group: &'static dyn SupportedKxGroup,
}

/// A TLS 1.2 session the client offered and we resume: its suite and master secret.
pub(super) struct ResumedTls12 {
    pub(super) suite: &'static Tls12CipherSuite,
    pub(super) master: MasterSecret,
    pub(super) extended_master_secret: bool,
}

/// What a successful PSK lookup gives: the identity's index, its PSK, and whether
/// its 0-RTT data is accepted.
pub(super) struct Resumption {
    pub(super) index: u16,
    pub(super) psk: Vec<u8>,
    pub(super) early_data: bool,
}
