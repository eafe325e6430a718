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

impl core::fmt::Display for Side {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Client => "client",
            Self::Server => "server",
        })
    }
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
        /// The key-exchange group chosen. `None` on a TLS 1.2 client, which learns the
        /// group from ServerKeyExchange (reported by [`HandshakeEvent::KeyExchange`]),
        /// and in a TLS 1.2 resumption, which has no key exchange.
        group: Option<NamedGroup>,
        /// True if the server resumes a session (TLS 1.3 PSK, or a TLS 1.2 session id
        /// or ticket): no certificate follows.
        resumed: bool,
    },
    /// TLS 1.3 EncryptedExtensions: the server's answers to the ClientHello extensions
    /// that are not needed to derive the handshake keys (RFC 8446 4.3.1).
    EncryptedExtensions {
        /// The ALPN protocol the server chose, if any.
        alpn: Option<&'a [u8]>,
        /// The server acknowledged the client's server name (RFC 6066 3).
        server_name_acknowledged: bool,
        /// The server accepted 0-RTT early data (RFC 8446 4.2.10).
        early_data_accepted: bool,
    },
    /// A secret of the key schedule was derived. Only its name is reported, never its
    /// value (the key log is the one way to export values, for debugging).
    SecretDerived(Secret),
    /// The peer's certificate chain arrived and goes to the verifier next.
    CertificateReceived {
        /// The chain, end-entity first.
        chain: &'a [CertificateDer<'a>],
    },
    /// The ephemeral key exchange completed: the shared secret exists and is forward
    /// secret (both key pairs are discarded after use). Whether it also resists a
    /// quantum computer: [`NamedGroup::is_post_quantum`].
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
    /// TLS 1.2 ChangeCipherSpec: records in one direction are protected from now on
    /// with the keys from the key block (RFC 5246 7.1).
    ChangeCipherSpec {
        /// True for the records we send, false for the peer's.
        ours: bool,
    },
    /// A session ticket (TLS 1.3 NewSessionTicket, or a TLS 1.2 RFC 5077 ticket) was
    /// received (client) or sent (server).
    Ticket {
        /// True if we sent it (server), false if we received it (client).
        ours: bool,
        /// How long it may be used, in seconds.
        lifetime_secs: u32,
        /// The most 0-RTT data it allows (0: none; always 0 in TLS 1.2).
        max_early_data: u32,
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

/// A secret of the key schedule, named by the label its RFC derives it with.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secret {
    /// TLS 1.3 client_early_traffic_secret, for 0-RTT data (RFC 8446 7.1).
    ClientEarlyTraffic,
    /// TLS 1.3 client_handshake_traffic_secret (RFC 8446 7.1).
    ClientHandshakeTraffic,
    /// TLS 1.3 server_handshake_traffic_secret (RFC 8446 7.1).
    ServerHandshakeTraffic,
    /// TLS 1.3 client_application_traffic_secret_0 (RFC 8446 7.1).
    ClientApplicationTraffic,
    /// TLS 1.3 server_application_traffic_secret_0 (RFC 8446 7.1).
    ServerApplicationTraffic,
    /// TLS 1.3 exporter_master_secret (RFC 8446 7.1, 7.5).
    ExporterMaster,
    /// TLS 1.3 resumption_master_secret, from which tickets' PSKs derive (RFC 8446 7.1).
    ResumptionMaster,
    /// The TLS 1.2 master secret: with the extended master secret (RFC 7627 4) it is
    /// bound to the handshake's transcript; without it, only to the two randoms
    /// (RFC 5246 8.1).
    Tls12Master {
        /// True if derived with the extended master secret.
        extended: bool,
    },
    /// The TLS 1.2 key block: both directions' keys and IVs (RFC 5246 6.3).
    Tls12KeyBlock,
}

impl Secret {
    /// The label the RFC derives it with ("c hs traffic", "extended master secret", ...).
    pub fn label(self) -> &'static str {
        match self {
            Self::ClientEarlyTraffic => "c e traffic",
            Self::ClientHandshakeTraffic => "c hs traffic",
            Self::ServerHandshakeTraffic => "s hs traffic",
            Self::ClientApplicationTraffic => "c ap traffic",
            Self::ServerApplicationTraffic => "s ap traffic",
            Self::ExporterMaster => "exp master",
            Self::ResumptionMaster => "res master",
            Self::Tls12Master { extended: true } => "extended master secret",
            Self::Tls12Master { extended: false } => "master secret",
            Self::Tls12KeyBlock => "key expansion",
        }
    }

    /// The NSS key log label (SSLKEYLOGFILE) for secrets the key log records.
    pub(crate) fn key_log_label(self) -> Option<&'static str> {
        match self {
            Self::ClientEarlyTraffic => Some("CLIENT_EARLY_TRAFFIC_SECRET"),
            Self::ClientHandshakeTraffic => Some("CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
            Self::ServerHandshakeTraffic => Some("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
            Self::ClientApplicationTraffic => Some("CLIENT_TRAFFIC_SECRET_0"),
            Self::ServerApplicationTraffic => Some("SERVER_TRAFFIC_SECRET_0"),
            Self::ExporterMaster => Some("EXPORTER_SECRET"),
            Self::Tls12Master { .. } => Some("CLIENT_RANDOM"),
            Self::ResumptionMaster | Self::Tls12KeyBlock => None,
        }
    }
}

/// Receives [`HandshakeEvent`]s as they happen.
pub trait HandshakeObserver: Send + Sync + Debug {
    /// Called once per event, in order.
    fn on_event(&self, side: Side, event: &HandshakeEvent<'_>);
}

/// One line per event, for the debug log: the facts, never secret values.
impl core::fmt::Display for HandshakeEvent<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        use HandshakeEvent as E;
        match self {
            E::ClientHello(offer) => write!(
                f,
                "ClientHello: versions {:?}, suites {:?}, groups {:?}, key shares {:?}, \
                 signature schemes {:?}, server name {:?}, ALPN {}",
                offer.versions,
                offer.cipher_suites,
                offer.groups,
                offer.key_share_groups,
                offer.signature_schemes,
                offer.server_name.unwrap_or("(none)"),
                Protocols(offer.alpn),
            ),
            E::HelloRetryRequest { group, cookie } => {
                write!(f, "HelloRetryRequest: group {group:?}, cookie {cookie}")
            }
            E::ServerHello {
                version,
                cipher_suite,
                group,
                resumed,
            } => {
                write!(f, "ServerHello: {version:?}, {cipher_suite:?}, ")?;
                match group {
                    Some(group) => write!(f, "group {group:?}")?,
                    None if *resumed => f.write_str("no key exchange")?,
                    None => f.write_str("group to come in ServerKeyExchange")?,
                }
                f.write_str(if *resumed {
                    ", resumed"
                } else {
                    ", full handshake"
                })
            }
            E::EncryptedExtensions {
                alpn,
                server_name_acknowledged,
                early_data_accepted,
            } => write!(
                f,
                "EncryptedExtensions: ALPN {}, server name acknowledged {server_name_acknowledged}, \
                 early data accepted {early_data_accepted}",
                Protocol(*alpn),
            ),
            E::KeyExchange {
                group,
                public_key_len,
            } => write!(
                f,
                "key exchange: {group:?} (ephemeral, forward secret, {}), our share {public_key_len} bytes",
                if group.is_post_quantum() {
                    "post-quantum hybrid"
                } else {
                    "not post-quantum"
                }
            ),
            E::SecretDerived(secret) => write!(f, "derived secret \"{}\"", secret.label()),
            E::HandshakeKeysInstalled { cipher_suite } => {
                write!(f, "handshake traffic keys installed ({cipher_suite:?})")
            }
            E::CertificateReceived { chain } => {
                write!(f, "Certificate: chain of {} received", chain.len())
            }
            E::CertificateVerified {
                chain, server_name, ..
            } => write!(
                f,
                "certificate chain of {} verified for {}",
                chain.len(),
                server_name.unwrap_or("client authentication")
            ),
            E::SignatureVerified { scheme } => {
                write!(f, "peer's handshake signature verified ({scheme:?})")
            }
            E::SignatureSent { scheme } => write!(f, "handshake signature sent ({scheme:?})"),
            E::FinishedVerified => f.write_str("peer's Finished verified"),
            E::FinishedSent => f.write_str("Finished sent"),
            E::ApplicationKeysInstalled => f.write_str("application traffic keys installed"),
            E::HandshakeComplete {
                version,
                cipher_suite,
                alpn,
            } => write!(
                f,
                "handshake complete: {version:?}, {cipher_suite:?}, ALPN {}",
                Protocol(*alpn)
            ),
            E::ChangeCipherSpec { ours: true } => f.write_str("ChangeCipherSpec sent"),
            E::ChangeCipherSpec { ours: false } => f.write_str("ChangeCipherSpec received"),
            E::Ticket {
                ours,
                lifetime_secs,
                max_early_data,
            } => write!(
                f,
                "session ticket {}: lifetime {lifetime_secs} s, max early data {max_early_data}",
                if *ours { "sent" } else { "received" }
            ),
            E::KeyUpdate { ours: true } => f.write_str("KeyUpdate: our sending keys updated"),
            E::KeyUpdate { ours: false } => f.write_str("KeyUpdate: peer's sending keys updated"),
            E::AlertSent(alert) => write!(f, "alert sent: {alert}"),
            E::AlertReceived(alert) => write!(f, "alert received: {alert}"),
        }
    }
}

/// An ALPN protocol id as text where it is printable.
struct Protocol<'a>(Option<&'a [u8]>);

impl core::fmt::Display for Protocol<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            None => f.write_str("(none)"),
            Some(id) => match core::str::from_utf8(id) {
                Ok(text) => write!(f, "{text:?}"),
                Err(_) => write!(f, "{id:02x?}"),
            },
        }
    }
}

/// A list of ALPN protocol ids.
struct Protocols<'a>(&'a [Vec<u8>]);

impl core::fmt::Display for Protocols<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("[")?;
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            Protocol(Some(id)).fmt(f)?;
        }
        f.write_str("]")
    }
}
