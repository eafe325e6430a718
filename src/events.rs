//! Handshake events: what each step offered, chose, verified and derived, delivered to
//! an optional [`HandshakeObserver`] in the config (nothing is built when there is none).

use alloc::vec::Vec;
use core::fmt::Debug;

use pki_types::{CertificateDer, UnixTime};

use crate::enums::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

/// Which end of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The client.
    Client,
    /// The server.
    Server,
}

/// What the hello offered (sent by a client, or received by a server).
#[derive(Debug)]
pub struct HelloOffer<'a> {
    /// Offered protocol versions, most preferred first.
    pub versions: &'a [ProtocolVersion],
    /// Offered cipher suites, most preferred first.
    pub cipher_suites: &'a [CipherSuite],
    /// Supported key-exchange groups.
    pub groups: &'a [NamedGroup],
    /// Groups a key share was sent for.
    pub key_share_groups: &'a [NamedGroup],
    /// Offered signature schemes.
    pub signature_schemes: &'a [SignatureScheme],
    /// The server name (SNI), if sent.
    pub server_name: Option<&'a str>,
    /// Offered ALPN protocols.
    pub alpn: &'a [Vec<u8>],
}

/// One step of a handshake.
#[non_exhaustive]
#[derive(Debug)]
pub enum HandshakeEvent<'a> {
    /// The client sent (or the server received) a ClientHello.
    ClientHello(HelloOffer<'a>),
    /// A HelloRetryRequest asked for another key share and/or a cookie.
    HelloRetryRequest {
        /// The group asked for, if any.
        group: Option<NamedGroup>,
        /// True if a cookie must be echoed.
        cookie: bool,
    },
    /// The server chose the parameters (ServerHello).
    ServerHello {
        /// The version chosen.
        version: ProtocolVersion,
        /// The cipher suite chosen.
        cipher_suite: CipherSuite,
        /// The key-exchange group chosen.
        group: NamedGroup,
    },
    /// The ephemeral key exchange completed: the shared secret exists and is forward
    /// secret (both key pairs are discarded after use).
    KeyExchange {
        /// The group.
        group: NamedGroup,
        /// Our public key's length in bytes.
        public_key_len: usize,
    },
    /// Handshake traffic keys were derived and installed.
    HandshakeKeysInstalled {
        /// The suite whose AEAD and hash are used.
        cipher_suite: CipherSuite,
    },
    /// The peer's certificate chain passed the verifier.
    CertificateVerified {
        /// The chain, end-entity first.
        chain: &'a [CertificateDer<'a>],
        /// The name it was checked for (clients only).
        server_name: Option<&'a str>,
        /// The time it was checked at.
        now: UnixTime,
    },
    /// The peer proved it holds the certificate's key (CertificateVerify).
    SignatureVerified {
        /// The scheme used.
        scheme: SignatureScheme,
    },
    /// We signed the transcript with our certificate's key.
    SignatureSent {
        /// The scheme used.
        scheme: SignatureScheme,
    },
    /// The peer's Finished matched the transcript.
    FinishedVerified,
    /// We sent our Finished.
    FinishedSent,
    /// Application traffic keys were derived.
    ApplicationKeysInstalled,
    /// The handshake is complete.
    HandshakeComplete {
        /// The version.
        version: ProtocolVersion,
        /// The cipher suite.
        cipher_suite: CipherSuite,
        /// The ALPN protocol, if one was agreed.
        alpn: Option<&'a [u8]>,
    },
    /// Traffic keys were updated (TLS 1.3 KeyUpdate).
    KeyUpdate {
        /// True for our sending keys, false for the peer's.
        ours: bool,
    },
    /// We sent an alert.
    AlertSent(AlertDescription),
    /// The peer sent an alert.
    AlertReceived(AlertDescription),
}

/// Receives [`HandshakeEvent`]s as they happen.
pub trait HandshakeObserver: Send + Sync + Debug {
    /// Called once per event, in order.
    fn on_event(&self, side: Side, event: &HandshakeEvent<'_>);
}
