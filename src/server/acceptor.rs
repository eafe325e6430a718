//! Reading the ClientHello before choosing the [`ServerConfig`]: the [`Acceptor`].
//!
//! The acceptor frames records and joins the ClientHello with the same record-layer
//! pieces a [`ServerConnection`] uses ([`split_record`], [`HandshakeJoiner`], the
//! message decoders), and refuses every record before the hello exactly as a fresh
//! `ServerConnection` would. Nothing it decides depends on a config: the negotiation
//! happens in [`Accepted::into_connection`], which replays the received bytes into a
//! real connection.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{ServerConfig, ServerConnection};
use crate::codec::Codec;
use crate::conn::Limits;
use crate::enums::{
    AlertDescription, AlertLevel, CipherSuite, ContentType, HandshakeType, NamedGroup,
    ProtocolVersion, SignatureScheme,
};
use crate::error::{Error, InvalidMessage, MessageKind, PeerMisbehaved};
use crate::msgs::{self, AlertMessage, ChangeCipherSpecPayload, HandshakePayload};
use crate::record::{
    HEADER_LEN, HandshakeJoiner, InboundRecord, LEGACY_RECORD_VERSION, MAX_PLAINTEXT,
    encode_plain_record, split_record,
};

/// The most received bytes the acceptor holds unframed: one plaintext record and its
/// header (RFC 8446 5.1, RFC 5246 6.2.1).
const RECORD_BUFFER: usize = HEADER_LEN + MAX_PLAINTEXT;

/// Reads a ClientHello before any [`ServerConfig`] is chosen, so the application can
/// pick the config (certificate, ALPN protocols, versions...) from what the client
/// asked for, e.g. after fetching a certificate asynchronously.
///
/// Feed it received bytes ([`Acceptor::read_tls`] or [`Acceptor::read_tls_from_slice`])
/// and call [`Acceptor::accept`] until it returns the [`Accepted`] hello; then call
/// [`Accepted::into_connection`] with the chosen config. The connection it returns has
/// seen every byte the acceptor received, as if it had been there from the start.
///
/// Before the ClientHello only plaintext handshake records are legal (RFC 8446 5.1,
/// RFC 5246 6.2): anything else fails with the error and alert a fresh
/// [`ServerConnection`] would give, see [`Acceptor::accept`].
///
/// # Memory
///
/// The ClientHello is capped by [`Limits::max_client_hello`] (checked as soon as its
/// header arrives, before its body is buffered). The acceptor holds at most that cap
/// plus the 4-byte message header, the rest of the record that completes the hello,
/// and one record-sized read (2^14 + 5 bytes) of unframed input: each
/// `read_tls` reads at most that much.
///
/// # Example
///
/// Blocking use; the "socket" here is a byte slice written by an in-memory client.
///
/// ```
/// use std::sync::Arc;
///
/// use handclasp::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
/// use handclasp::verify::RootStore;
/// use handclasp::{Acceptor, ClientConfig, ClientConnection, ServerConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let key = rcgen::KeyPair::generate()?;
/// # let cert = rcgen::CertificateParams::new(vec!["localhost".into()])?.self_signed(&key)?;
/// # let chain = vec![cert.der().clone()];
/// # let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
/// # let mut roots = RootStore::empty();
/// # roots.add(&chain[0])?;
/// # let client_config = Arc::new(ClientConfig::builder().with_root_store(roots).build()?);
/// let mut client = ClientConnection::new(client_config, ServerName::try_from("localhost")?)?;
/// let mut socket: &[u8] = client.pending_tls();
///
/// let mut acceptor = Acceptor::new();
/// let accepted = loop {
///     // Ok(0) is end of stream: the client left without a complete ClientHello.
///     if acceptor.read_tls(&mut socket)? == 0 {
///         return Err("the client closed the connection".into());
///     }
///     match acceptor.accept() {
///         Ok(Some(accepted)) => break accepted,
///         Ok(None) => continue,
///         Err(e) => {
///             // In real code: write `e.alert()` to the socket, then close it.
///             let _alert: &[u8] = e.alert();
///             return Err(e.into_error().into());
///         }
///     }
/// };
///
/// // Choose the config from the hello, e.g. a certificate per server name.
/// let hello = accepted.client_hello();
/// assert_eq!(hello.server_name(), Some("localhost"));
/// # let load_config = |_name: Option<&str>| -> Result<_, Box<dyn std::error::Error>> {
/// #     Ok(ServerConfig::builder().with_single_cert(chain.clone(), key.clone_key())?.build()?)
/// # };
/// let config: Arc<ServerConfig> = Arc::new(load_config(hello.server_name())?);
///
/// let server = accepted.into_connection(config)?;
/// // The ClientHello is already processed: the server's flight waits to be written.
/// assert!(server.wants_write());
/// # Ok(())
/// # }
/// ```
pub struct Acceptor {
    /// Received bytes not yet taken apart as records: at most one record and its
    /// header, or, once the hello is complete, its last record and what followed.
    pending: Vec<u8>,
    framing: Framing,
    state: State,
}

/// Where the acceptor stands.
enum State {
    /// Waiting for the rest of the ClientHello.
    Reading,
    /// The ClientHello is complete, for [`Acceptor::accept`] to hand out.
    Complete(Accepted),
    /// [`Acceptor::accept`] handed the ClientHello out.
    Taken,
    /// The bytes are not a ClientHello; final.
    Failed(AcceptError),
}

/// The record handling before the ClientHello, kept apart from the input buffer so a
/// record lent from that buffer can be handled.
struct Framing {
    limits: Limits,
    joiner: HandshakeJoiner,
    /// Handshake bytes pushed into the joiner: all ClientHello bytes until it completes.
    joined: usize,
    /// user_canceled warnings tolerated before the hello, replayed to the connection.
    warnings: u32,
}

/// What one record did.
enum Step {
    /// Consumed; the hello is not complete yet.
    Consumed,
    /// This record completed the ClientHello (`encoding`, header included), of which
    /// the first `earlier` bytes came in earlier records.
    Hello {
        encoding: Vec<u8>,
        hello: msgs::ClientHello,
        earlier: usize,
    },
}

impl Default for Acceptor {
    fn default() -> Self {
        Self::new()
    }
}

impl Acceptor {
    /// An acceptor with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// An acceptor bounded by `limits` ([`Limits::max_client_hello`],
    /// [`Limits::max_handshake_message`], [`Limits::max_warning_alerts`]). Give it the
    /// limits of the configs it chooses from, so it refuses what they would.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            pending: Vec::new(),
            framing: Framing {
                limits,
                // The caps a server's connection uses (see `Connection::new`).
                joiner: HandshakeJoiner::with_caps(
                    limits.max_handshake_message,
                    limits.max_client_hello,
                ),
                joined: 0,
                warnings: 0,
            },
            state: State::Reading,
        }
    }

    /// Feeds received bytes; returns how many were taken. While the ClientHello is
    /// incomplete it takes `data` in record-sized steps until the hello completes,
    /// keeping the rest of the step that completed it (at most 2^14 + 5 bytes: 0-RTT
    /// data, a compatibility change_cipher_spec) for the connection. It takes nothing
    /// (returns 0) once the ClientHello is complete or the input was found invalid:
    /// call [`Self::accept`], and give the bytes not taken to the connection.
    pub fn read_tls_from_slice(&mut self, mut data: &[u8]) -> usize {
        let mut taken = 0;
        while matches!(self.state, State::Reading) && !data.is_empty() {
            let room = RECORD_BUFFER.saturating_sub(self.pending.len());
            let (now, rest) = data.split_at(data.len().min(room));
            if now.is_empty() {
                break;
            }
            self.reserve(now.len());
            self.pending.extend_from_slice(now);
            taken += now.len();
            data = rest;
            self.process();
        }
        taken
    }

    /// Reads received bytes from `rd` with one `read` call of at most one record
    /// (2^14 + 5 bytes); returns how many. `Ok(0)` means the transport reached end of
    /// stream: the client left without completing its ClientHello, and
    /// [`Self::accept`] will keep returning `Ok(None)`, so give up. Fails with
    /// `ErrorKind::Other` once the ClientHello is complete or the input was found
    /// invalid: call [`Self::accept`].
    #[cfg(feature = "std")]
    pub fn read_tls(&mut self, rd: &mut dyn std::io::Read) -> std::io::Result<usize> {
        if !matches!(self.state, State::Reading) {
            return Err(std::io::Error::other(
                "the acceptor takes no more input: call accept",
            ));
        }
        let start = self.pending.len();
        let room = RECORD_BUFFER.saturating_sub(start);
        self.reserve(room);
        self.pending.resize(start + room, 0);
        let result = match self.pending.get_mut(start..) {
            Some(dest) => rd.read(dest),
            None => Err(std::io::Error::other("acceptor buffer bookkeeping failed")),
        };
        let n = result.as_ref().map_or(0, |n| (*n).min(room));
        self.pending.truncate(start + n);
        if n > 0 {
            self.process();
        }
        result
    }

    /// `Ok(Some(_))` once a whole ClientHello has arrived (exactly once), `Ok(None)`
    /// while more bytes are needed.
    ///
    /// An error means the bytes are not a valid start of a TLS connection; send
    /// [`AcceptError::alert`] to the client and close. The errors are the ones a fresh
    /// [`ServerConnection`] gives for the same bytes:
    /// - a record of an unknown type (RFC 8446 5: `unexpected_message`), not of
    ///   version 3.x, e.g. an SSLv2-style hello (`decode_error`), or over 2^14 bytes
    ///   (RFC 8446 5.1: `record_overflow`); a zero-length handshake record
    ///   (`unexpected_message`);
    /// - application data or a change_cipher_spec before the ClientHello
    ///   (`unexpected_message`), an alert (no alert is sent back; a close_notify is
    ///   reported as [`Error::AlertReceived`] too, as no ClientHello can follow);
    /// - a handshake message other than ClientHello (`unexpected_message`), one over
    ///   [`Limits::max_client_hello`] (`decode_error`), or a ClientHello that does not
    ///   decode (its decoding error's alert).
    ///
    /// A ClientHello that decodes but that the chosen config refuses fails later, in
    /// the connection. After an error the acceptor stays failed: every later call
    /// returns the same error and alert again. After the hello was returned, `accept`
    /// fails with [`Error::ApiMisuse`] (and no alert).
    pub fn accept(&mut self) -> Result<Option<Accepted>, AcceptError> {
        match core::mem::replace(&mut self.state, State::Taken) {
            State::Reading => {
                self.state = State::Reading;
                Ok(None)
            }
            State::Complete(accepted) => Ok(Some(accepted)),
            State::Taken => Err(AcceptError::new(Error::ApiMisuse(
                "the acceptor already returned its ClientHello",
            ))),
            State::Failed(error) => {
                self.state = State::Failed(error.clone());
                Err(error)
            }
        }
    }

    /// Makes room for `additional` more input bytes, growing geometrically (so input
    /// trickled a byte at a time does not reallocate at every byte) but never past
    /// one record.
    fn reserve(&mut self, additional: usize) {
        let needed = self.pending.len() + additional;
        let capacity = self.pending.capacity();
        if needed > capacity {
            let target = needed
                .max(capacity.saturating_mul(2))
                .clamp(1024, RECORD_BUFFER)
                .max(needed);
            self.pending.reserve_exact(target - self.pending.len());
        }
    }

    /// Takes apart every whole record received, until the ClientHello completes or
    /// the input is found invalid.
    fn process(&mut self) {
        let mut used = 0;
        let outcome = loop {
            let Some(buf) = self.pending.get_mut(used..) else {
                break Err(Error::Internal("acceptor cursor out of range"));
            };
            let record = match split_record(buf, MAX_PLAINTEXT) {
                Ok(Some((record, _))) => record,
                Ok(None) => break Ok(None),
                Err(e) => break Err(e),
            };
            let len = HEADER_LEN + record.payload.len();
            match self.framing.record(record) {
                Ok(Step::Consumed) => used += len,
                Ok(Step::Hello {
                    encoding,
                    hello,
                    earlier,
                }) => break Ok(Some((encoding, hello, earlier))),
                Err(e) => break Err(e),
            }
        };
        match outcome {
            Ok(None) => {
                // Only a partial record stays: fewer bytes than one record.
                self.pending.drain(..used);
            }
            Ok(Some((encoding, hello, earlier))) => {
                // The hello's last record (not consumed) and everything after it.
                let tail = self.pending.get(used..).unwrap_or_default();
                let replay = self.framing.replay(&encoding, earlier, tail);
                self.pending = Vec::new();
                self.framing.joiner = HandshakeJoiner::new();
                self.state = match replay {
                    Ok(replay) => State::Complete(Accepted::new(hello, replay)),
                    Err(e) => State::Failed(AcceptError::new(e)),
                };
            }
            Err(e) => {
                self.pending = Vec::new();
                self.framing.joiner = HandshakeJoiner::new();
                self.state = State::Failed(AcceptError::new(e));
            }
        }
    }
}

impl core::fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match &self.state {
            State::Reading => "reading",
            State::Complete(_) => "complete",
            State::Taken => "taken",
            State::Failed(_) => "failed",
        };
        // No received bytes: they may hold 0-RTT data.
        f.debug_struct("Acceptor")
            .field("state", &state)
            .field("unframed", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Framing {
    /// Handles one plaintext record before the ClientHello, with the checks and errors
    /// of the connection core in the same state (no keys, no version, expecting a
    /// ClientHello).
    fn record(&mut self, record: InboundRecord<'_>) -> Result<Step, Error> {
        let payload: &[u8] = record.payload;
        match record.typ {
            ContentType::Handshake => self.handshake(payload),
            ContentType::ChangeCipherSpec => {
                // RFC 8446 5.1: nothing may interleave with a handshake message's
                // fragments; RFC 8446 5: a compatibility change_cipher_spec is
                // dropped only after the first ClientHello.
                self.joiner
                    .check_interleaved(ContentType::ChangeCipherSpec)?;
                ChangeCipherSpecPayload::read_payload(payload)?;
                Err(crate::conn::unexpected_change_cipher_spec())
            }
            // No keys yet, and no 0-RTT can precede the ClientHello (RFC 8446 2.3).
            ContentType::ApplicationData => Err(crate::conn::application_data_before_keys()),
            ContentType::Alert => {
                self.joiner.check_interleaved(ContentType::Alert)?;
                self.alert(payload)
            }
            // `split_record` lets only the four known types through.
            other => Err(InvalidMessage::UnknownContentType(other.to_wire()).into()),
        }
    }

    fn handshake(&mut self, payload: &[u8]) -> Result<Step, Error> {
        let earlier = self.joined;
        self.joiner.push(payload)?;
        self.joined += payload.len();
        let Some(message) = self.joiner.next_message() else {
            return Ok(Step::Consumed);
        };
        // RFC 8446 4.1.2: the first message is the ClientHello; any other type is
        // refused before its body is parsed, as the server's first state does.
        if message.typ != HandshakeType::ClientHello {
            return Err(Error::UnexpectedMessage {
                expected: "ClientHello",
                got: MessageKind::Handshake(message.typ),
            });
        }
        // ClientHello decodes the same under either version.
        let parsed =
            msgs::HandshakeMessage::read_bytes(message.encoding, ProtocolVersion::TLSv1_2)?;
        let HandshakePayload::ClientHello(hello) = parsed.payload else {
            return Err(Error::Internal("a ClientHello decoded as another message"));
        };
        Ok(Step::Hello {
            encoding: message.encoding.to_vec(),
            hello,
            earlier,
        })
    }

    /// An alert before the ClientHello: RFC 8446 6.2, every alert but user_canceled
    /// ends the connection (TLS 1.2 warnings are tolerated only once TLS 1.2 is
    /// agreed).
    fn alert(&mut self, payload: &[u8]) -> Result<Step, Error> {
        // RFC 8446 5.1: alerts are never fragmented, and never empty.
        if payload.is_empty() {
            return Err(InvalidMessage::EmptyFragment(ContentType::Alert).into());
        }
        let alert = AlertMessage::read_bytes(payload, "alert")?;
        match (alert.level, alert.description) {
            // RFC 8446 6.1: user_canceled is followed by close_notify; tolerate it.
            (AlertLevel::Warning, AlertDescription::UserCanceled) => {
                self.warnings += 1;
                if self.warnings > self.limits.max_warning_alerts {
                    return Err(PeerMisbehaved::TooManyWarningAlerts(alert.description).into());
                }
                Ok(Step::Consumed)
            }
            // A close_notify (which a connection would take quietly) means no
            // ClientHello will come: reported like any other alert.
            (_, description) => Err(Error::AlertReceived(description)),
        }
    }

    /// The bytes that make a connection see what the acceptor saw: the tolerated
    /// warnings, the hello's bytes from earlier records re-framed (record boundaries
    /// inside a message do not matter, RFC 8446 5.1; the record version is ignored),
    /// then `tail` verbatim: the record that completed the hello and what followed.
    fn replay(&self, encoding: &[u8], earlier: usize, tail: &[u8]) -> Result<Vec<u8>, Error> {
        let earlier = encoding
            .get(..earlier)
            .ok_or(Error::Internal("acceptor hello length out of range"))?;
        let records = self.warnings as usize + earlier.len().div_ceil(MAX_PLAINTEXT);
        let mut out = Vec::with_capacity(records * HEADER_LEN + earlier.len() + tail.len() + 2);
        let warning = AlertMessage {
            level: AlertLevel::Warning,
            description: AlertDescription::UserCanceled,
        }
        .get_encoding();
        for _ in 0..self.warnings {
            encode_plain_record(
                ContentType::Alert,
                LEGACY_RECORD_VERSION,
                &warning,
                &mut out,
            )?;
        }
        for fragment in earlier.chunks(MAX_PLAINTEXT) {
            encode_plain_record(
                ContentType::Handshake,
                LEGACY_RECORD_VERSION,
                fragment,
                &mut out,
            )?;
        }
        out.extend_from_slice(tail);
        Ok(out)
    }
}

/// A whole ClientHello, read by an [`Acceptor`]: look at it with
/// [`Accepted::client_hello`], then start the connection with
/// [`Accepted::into_connection`].
pub struct Accepted {
    hello: msgs::ClientHello,
    /// The server name, checked and lower-cased as the connection will.
    server_name: Option<String>,
    /// What the connection is fed (see `Framing::replay`).
    replay: Vec<u8>,
}

impl Accepted {
    fn new(hello: msgs::ClientHello, replay: Vec<u8>) -> Self {
        // An invalid name is left for the connection to refuse (illegal_parameter).
        let server_name = super::hello::server_name(&hello).ok().flatten();
        Self {
            hello,
            server_name,
            replay,
        }
    }

    /// What the client asked for.
    pub fn client_hello(&self) -> ClientHello<'_> {
        ClientHello {
            hello: &self.hello,
            server_name: self.server_name.as_deref(),
        }
    }

    /// Starts the real connection with the chosen config and feeds it every byte the
    /// acceptor received: the ClientHello and whatever came after it (0-RTT data, a
    /// compatibility change_cipher_spec).
    ///
    /// The connection has processed them when this returns: its reply (ServerHello
    /// and the rest of its flight) waits in [`pending_tls`], and any 0-RTT data it
    /// accepted in [`read_plaintext`]. If the config refuses the hello (no common
    /// version, suite or ALPN protocol, no certificate, an extension the
    /// [`ClientHello`] view does not read is malformed...), the connection is still
    /// returned, failed like one that received the bytes itself: its next
    /// [`process_new_packets`] returns the error and its alert waits in `pending_tls`,
    /// to be written before closing.
    ///
    /// [`pending_tls`]: crate::Connection::pending_tls
    /// [`read_plaintext`]: crate::Connection::read_plaintext
    /// [`process_new_packets`]: crate::Connection::process_new_packets
    ///
    /// Fails only if the connection cannot be created ([`ServerConnection::new`]), or
    /// if its [`Limits::received_plaintext`] is too small to take the early data that
    /// came with the hello ([`Error::ApiMisuse`]).
    pub fn into_connection(self, config: Arc<ServerConfig>) -> Result<ServerConnection, Error> {
        let mut conn = ServerConnection::new(config)?;
        let mut rest = self.replay.as_slice();
        while !rest.is_empty() {
            let n = conn.read_tls_from_slice(rest);
            rest = rest.get(n..).unwrap_or_default();
            if conn.process_new_packets().is_err() {
                // Kept in the connection, with its alert queued.
                break;
            }
            if n == 0 {
                return Err(Error::ApiMisuse(
                    "Limits::received_plaintext is too small for the early data sent with the ClientHello",
                ));
            }
        }
        Ok(conn)
    }
}

impl core::fmt::Debug for Accepted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // No replayed bytes: they may hold 0-RTT data.
        f.debug_struct("Accepted")
            .field("client_hello", &self.client_hello())
            .field("received", &self.replay.len())
            .finish()
    }
}

/// A borrowed view of a ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2), as far as
/// choosing a config goes. Absent extensions read as empty.
#[derive(Clone, Copy, Debug)]
pub struct ClientHello<'a> {
    hello: &'a msgs::ClientHello,
    server_name: Option<&'a str>,
}

impl<'a> ClientHello<'a> {
    /// The server name the client asked for (RFC 6066 3 server_name), lower-cased;
    /// `None` if absent or not a DNS host name.
    pub fn server_name(&self) -> Option<&'a str> {
        self.server_name
    }

    /// The ALPN protocols offered (RFC 7301 3.1), in the client's preference order.
    pub fn alpn(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        self.hello
            .alpn_protocols()
            .unwrap_or_default()
            .iter()
            .map(Vec::as_slice)
    }

    /// The cipher suites offered, in the client's preference order (GREASE and
    /// unknown values included).
    pub fn cipher_suites(&self) -> &'a [CipherSuite] {
        &self.hello.cipher_suites
    }

    /// The signature_algorithms extension's schemes (RFC 8446 4.2.3).
    pub fn signature_schemes(&self) -> &'a [SignatureScheme] {
        self.hello.signature_schemes().unwrap_or_default()
    }

    /// The supported_versions extension's versions (RFC 8446 4.2.1); empty if absent
    /// (a client of TLS 1.2 or earlier, which states its version in legacy_version).
    pub fn supported_versions(&self) -> &'a [ProtocolVersion] {
        self.hello.supported_versions().unwrap_or_default()
    }

    /// The supported_groups extension's groups (RFC 8446 4.2.7, RFC 8422 5.1.1).
    pub fn named_groups(&self) -> &'a [NamedGroup] {
        self.hello.supported_groups().unwrap_or_default()
    }

    /// The groups the client sent a key share for (RFC 8446 4.2.8), in its order.
    pub fn key_share_groups(&self) -> impl Iterator<Item = NamedGroup> + use<'a> {
        self.hello
            .key_shares()
            .unwrap_or_default()
            .iter()
            .map(|share| share.group)
    }
}

/// Why an [`Acceptor`] failed: the [`Error`] and the alert record to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptError {
    error: Error,
    /// A whole plaintext record, or empty when no alert is due.
    alert: Vec<u8>,
}

impl AcceptError {
    fn new(error: Error) -> Self {
        let mut alert = Vec::new();
        if let Some(description) = error.alert() {
            let message = AlertMessage {
                level: AlertLevel::Fatal,
                description,
            };
            // Before the hello nothing is protected; the record version is the one a
            // connection sends its plaintext records with.
            if encode_plain_record(
                ContentType::Alert,
                LEGACY_RECORD_VERSION,
                &message.get_encoding(),
                &mut alert,
            )
            .is_err()
            {
                alert.clear();
            }
        }
        Self { error, alert }
    }

    /// What went wrong.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The fatal alert record (plaintext) to send to the client before closing; empty
    /// when no alert is due ([`Error::alert`] is `None`, e.g. the client sent one).
    pub fn alert(&self) -> &[u8] {
        &self.alert
    }

    /// The error, without the alert.
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl core::fmt::Display for AcceptError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "no valid ClientHello: {}", self.error)
    }
}

impl core::error::Error for AcceptError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

// Acceptors move between async tasks like connections do.
const _: fn() = || {
    fn check<T: Send + Sync>() {}
    check::<Acceptor>();
    check::<Accepted>();
    check::<AcceptError>();
};
