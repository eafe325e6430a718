//! The connection core shared by client and server: the process loop, the bounded
//! buffers, alerts, close_notify and the public I/O methods.
//!
//! # The sans-IO contract
//!
//! The connection never touches a socket. The caller:
//! 1. feeds what it received: [`Connection::read_tls`] (from any `std::io::Read`) or
//!    [`Connection::read_tls_from_slice`];
//! 2. calls [`Connection::process_new_packets`], which decrypts, runs the handshake and
//!    queues replies; an error here is final and its alert is queued for sending;
//! 3. writes out what is pending: [`Connection::write_tls`] (to any `std::io::Write`) or
//!    [`Connection::pending_tls`] then [`Connection::consume_tls`];
//! 4. reads and writes plaintext through [`Connection::reader`] / [`Connection::writer`]
//!    (or [`Connection::read_plaintext`] / [`Connection::write_plaintext`]).
//!
//! For bulk data, [`Connection::process_in_place`] and [`Connection::seal_into`] replace
//! steps 1, 2 and 4 without copying through the connection's buffers: records are
//! opened in the caller's receive buffer and sealed onto the caller's transmit buffer.
//!
//! [`Connection::wants_read`] and [`Connection::wants_write`] say which I/O would make
//! progress. Plaintext written before the handshake finishes is queued and sent as
//! soon as keys exist.

use pki_types::CertificateDer;

use crate::codec::Codec;
use crate::crypto::SupportedCipherSuite;
use crate::enums::{
    AlertDescription, AlertLevel, ContentType, HandshakeType, KeyUpdateRequest, NamedGroup,
    ProtocolVersion,
};
use crate::error::{Error, InvalidMessage, MessageKind, PeerMisbehaved};
use crate::events::HandshakeEvent;
use crate::msgs::{AlertMessage, ChangeCipherSpecPayload, HandshakeMessage};
use crate::record::{
    Deframer, HandshakeJoiner, InboundRecord, MAX_PLAINTEXT, MAX_TLS12_CIPHERTEXT,
    MAX_TLS13_CIPHERTEXT, Plaintext,
};

pub(crate) mod agreed;
pub(crate) mod common;
mod early;
mod in_place;
mod limits;
mod queue;
mod state;
#[cfg(feature = "std")]
mod stdio;

pub use early::EarlyDataStatus;
pub use in_place::InPlace;
pub use limits::{Limits, MAX_CLIENT_HELLO};
#[cfg(feature = "std")]
pub use stdio::{Reader, Writer};

pub(crate) use common::CommonState;
pub(crate) use state::{HandshakeState, Input, require_message, unexpected};

/// Where a connection stands after [`Connection::process_new_packets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoState {
    /// Bytes waiting to be written to the peer.
    pub tls_bytes_to_write: usize,
    /// Decrypted bytes waiting to be read by the application.
    pub plaintext_bytes_to_read: usize,
    /// The peer sent close_notify: no more data will come.
    pub peer_has_closed: bool,
}

/// A TLS connection, client or server: the part of the API both sides share.
///
/// `ClientConnection` and `ServerConnection`
/// dereference to this.
pub struct Connection {
    deframer: Deframer,
    inner: Inner,
}

struct Inner {
    common: CommonState,
    joiner: HandshakeJoiner,
    /// `None` after an error.
    state: Option<alloc::boxed::Box<dyn HandshakeState>>,
    /// Boxed: a connection rarely fails, and the box keeps every connection smaller.
    error: Option<alloc::boxed::Box<Error>>,
    /// The transport reported end of stream.
    peer_eof: bool,
    /// Middlebox-compatibility change_cipher_spec records dropped so far.
    compat_ccs: u32,
    empty_records: u32,
    warning_alerts: u32,
    /// Post-handshake handshake messages since the last application data.
    post_handshake_messages: u32,
    /// NewSessionTickets since the last application data.
    new_session_tickets: u32,
    renegotiation_requests: u32,
    /// Application data was received: the receive buffers are in steady use.
    app_data_received: bool,
}

impl Connection {
    pub(crate) fn new(common: CommonState, state: alloc::boxed::Box<dyn HandshakeState>) -> Self {
        // Only a side that starts by taking a ClientHello (a server) allows the larger
        // cap.
        let takes_client_hello = state.expects().1.contains(&HandshakeType::ClientHello);
        let max_client_hello = match takes_client_hello {
            true => common.limits.max_client_hello,
            false => common.limits.max_handshake_message,
        };
        let joiner =
            HandshakeJoiner::with_caps(common.limits.max_handshake_message, max_client_hello);
        Self {
            deframer: {
                let mut deframer = Deframer::new();
                deframer.set_hold_limit(common.limits.received_plaintext);
                deframer
            },
            inner: Inner {
                common,
                joiner,
                state: Some(state),
                error: None,
                peer_eof: false,
                compat_ccs: 0,
                empty_records: 0,
                warning_alerts: 0,
                post_handshake_messages: 0,
                new_session_tickets: 0,
                renegotiation_requests: 0,
                app_data_received: false,
            },
        }
    }

    /// Feeds received bytes; returns how many were taken. Fewer than offered (maybe 0)
    /// means the input buffer is full, or the application has not read enough of the
    /// received plaintext: call [`Self::process_new_packets`] or read, then feed the rest.
    pub fn read_tls_from_slice(&mut self, data: &[u8]) -> usize {
        if !self.may_take_input() {
            return 0;
        }
        self.deframer.feed(data)
    }

    /// Reads received bytes from `rd` (one `read` call). `Ok(0)` means the transport
    /// reached end of stream; if that happens without a close_notify, later plaintext
    /// reads report a truncation.
    #[cfg(feature = "std")]
    pub fn read_tls(&mut self, rd: &mut dyn std::io::Read) -> std::io::Result<usize> {
        if !self.may_take_input() {
            return Err(std::io::Error::other(
                "received plaintext buffer full: read plaintext before feeding more",
            ));
        }
        let n = self.deframer.read(rd)?;
        if n == 0 {
            self.inner.peer_eof = true;
        }
        Ok(n)
    }

    /// Tells the connection the transport reached end of stream (the `&[u8]` path's
    /// equivalent of `read_tls` returning 0).
    pub fn note_peer_eof(&mut self) {
        self.inner.peer_eof = true;
    }

    fn may_take_input(&self) -> bool {
        self.deframer.held() < self.inner.common.limits.received_plaintext
    }

    /// Processes every whole record received so far: decrypts, runs the handshake,
    /// queues replies and received plaintext. An error is final: it is returned now
    /// and by every later call, and its alert is queued to be written.
    pub fn process_new_packets(&mut self) -> Result<IoState, Error> {
        self.check_not_failed()?;
        match self.process() {
            Ok(()) => {
                self.release_idle_buffers();
                Ok(self.io_state())
            }
            Err(error) => Err(self.fail(error)),
        }
    }

    /// The error the connection failed with, again, if it did: every call after a
    /// failure returns it.
    fn check_not_failed(&self) -> Result<(), Error> {
        match &self.inner.error {
            Some(error) => Err(Error::clone(error)),
            None => Ok(()),
        }
    }

    /// Makes `error` final: its alert is queued, the handshake state dropped, and
    /// every later call returns it.
    fn fail(&mut self, error: Error) -> Error {
        self.inner.common.send_fatal_alert_for(&error);
        self.inner.state = None;
        self.inner.error = Some(alloc::boxed::Box::new(error.clone()));
        error
    }

    fn process(&mut self) -> Result<(), Error> {
        loop {
            if !self.may_take_input() {
                return Ok(());
            }
            if self.inner.common.received_close_notify {
                // RFC 8446 6.1: "Any data received after a closure alert has been
                // received MUST be ignored." Not even framed: the bytes are dropped.
                self.deframer.clear();
                return Ok(());
            }
            let base = self.deframer.base_address();
            let Some(record) = self.deframer.next_record()? else {
                return Ok(());
            };
            // Application data stays where it was opened, in the record buffer, until
            // the application reads it: one copy, into the application's buffer.
            if let Some(plaintext) = self.inner.handle_record(record)? {
                let (at, len) = (plaintext.as_ptr() as usize, plaintext.len());
                self.deframer.hold(at.wrapping_sub(base), len)?;
            }
            self.deframer
                .set_max_payload_len(self.inner.max_record_payload());
        }
    }

    fn io_state(&self) -> IoState {
        IoState {
            tls_bytes_to_write: self.inner.common.sendable.len(),
            plaintext_bytes_to_read: self.deframer.held(),
            peer_has_closed: self.inner.common.received_close_notify,
        }
    }

    /// The bytes waiting to be sent to the peer. After sending some, call
    /// [`Self::consume_tls`] with how many.
    pub fn pending_tls(&self) -> &[u8] {
        self.inner.common.sendable.as_slice()
    }

    /// Marks `n` bytes of [`Self::pending_tls`] as sent.
    pub fn consume_tls(&mut self, n: usize) {
        self.inner.common.sendable.consume(n);
        self.release_idle_buffers();
    }

    /// Once the handshake is over, gives back the capacity its buffers grew to (the
    /// server's flight, the certificate message) as each becomes empty, so an idle
    /// connection holds no handshake-sized buffer. Only until application data flows
    /// in that direction: from then on the buffers keep their working size, so bulk
    /// transfer allocates nothing per record.
    fn release_idle_buffers(&mut self) {
        let inner = &mut self.inner;
        if !inner.common.traffic {
            return;
        }
        if !inner.app_data_received {
            self.deframer.release_if_empty();
            inner.joiner.release_if_empty();
        }
        if !inner.common.app_data_sent {
            inner.common.sendable.release_if_empty();
        }
        inner.common.handshake_scratch = alloc::vec::Vec::new();
    }

    /// Writes pending bytes to `wr` (one `write` call); returns how many were written.
    #[cfg(feature = "std")]
    pub fn write_tls(&mut self, wr: &mut dyn std::io::Write) -> std::io::Result<usize> {
        let n = wr.write(self.pending_tls())?;
        self.consume_tls(n);
        Ok(n)
    }

    /// Copies received plaintext into `buf`; returns how many bytes (0 when none is
    /// waiting: see [`Self::peer_has_closed`] to tell the end of the stream).
    pub fn read_plaintext(&mut self, buf: &mut [u8]) -> usize {
        self.deframer.read_held(buf)
    }

    /// Queues plaintext to send; returns how much was accepted, which is less than
    /// `data.len()` when the send buffer (or, before the handshake completes, the early
    /// plaintext buffer) is full.
    pub fn write_plaintext(&mut self, data: &[u8]) -> Result<usize, Error> {
        self.check_not_failed()?;
        self.inner.common.write_plaintext(data)
    }

    /// A reader of received plaintext (`std::io::Read`).
    #[cfg(feature = "std")]
    pub fn reader(&mut self) -> Reader<'_> {
        Reader::new(self)
    }

    /// A writer of plaintext to send (`std::io::Write`).
    #[cfg(feature = "std")]
    pub fn writer(&mut self) -> Writer<'_> {
        Writer::new(self)
    }

    /// True if reading from the peer would make progress: the handshake needs input
    /// (even with 0-RTT data already waiting to be read), or the connection is open
    /// and all received plaintext has been read.
    pub fn wants_read(&self) -> bool {
        self.inner.error.is_none()
            && !self.inner.common.received_close_notify
            && (self.is_handshaking() || self.deframer.held() == 0)
    }

    /// True if there are bytes to write to the peer.
    pub fn wants_write(&self) -> bool {
        !self.inner.common.sendable.is_empty()
    }

    /// True until the handshake completes.
    pub fn is_handshaking(&self) -> bool {
        !self.inner.common.traffic
    }

    /// Queues a close_notify alert (RFC 8446 6.1): we will send no more data.
    pub fn send_close_notify(&mut self) {
        self.inner.common.send_close_notify();
    }

    /// True once the peer's close_notify arrived: every byte it sent has been received.
    pub fn peer_has_closed(&self) -> bool {
        self.inner.common.received_close_notify
    }

    /// True if the transport ended without a close_notify (a possible truncation attack).
    pub fn truncated(&self) -> bool {
        self.inner.peer_eof && !self.inner.common.received_close_notify
    }

    /// The error that ended the connection, if any.
    pub fn error(&self) -> Option<&Error> {
        self.inner.error.as_deref()
    }

    /// True if the handshake resumed an earlier session (TLS 1.3 PSK, TLS 1.2 session id
    /// or ticket): no certificate was exchanged.
    pub fn is_resumed(&self) -> bool {
        self.inner.common.agreed.resumed()
    }

    /// The negotiated protocol version, once known.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.inner.common.agreed.version()
    }

    /// The negotiated cipher suite, once known.
    pub fn negotiated_cipher_suite(&self) -> Option<SupportedCipherSuite> {
        self.inner.common.agreed.suite()
    }

    /// The negotiated key-exchange group, once known.
    pub fn negotiated_group(&self) -> Option<NamedGroup> {
        self.inner.common.agreed.group()
    }

    /// The ALPN protocol agreed on, if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.inner.common.agreed.alpn()
    }

    /// The peer's certificate chain (end-entity first), once verified.
    pub fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.inner.common.agreed.peer_certificates()
    }

    /// Derives keying material (RFC 8446 7.5, RFC 5705) after the handshake.
    pub fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        match self.inner.common.agreed.exporter() {
            Some(exporter) => exporter.export(label, context, out),
            None => Err(Error::ApiMisuse(
                "keying material can be exported only after the handshake",
            )),
        }
    }

    /// Replaces our sending keys now (TLS 1.3 KeyUpdate, RFC 8446 4.6.3); with
    /// `request_peer`, asks the peer to replace its keys too.
    pub fn refresh_traffic_keys(&mut self, request_peer: bool) -> Result<(), Error> {
        self.check_not_failed()?;
        if !self.inner.common.traffic {
            return Err(Error::ApiMisuse(
                "key updates are possible only after the handshake",
            ));
        }
        let request = if request_peer {
            KeyUpdateRequest::UpdateRequested
        } else {
            KeyUpdateRequest::UpdateNotRequested
        };
        self.inner.common.send_key_update(request)
    }

    pub(crate) fn common_mut(&mut self) -> &mut CommonState {
        &mut self.inner.common
    }

    pub(crate) fn common(&self) -> &CommonState {
        &self.inner.common
    }
}

impl Inner {
    fn max_record_payload(&self) -> usize {
        match (&self.common.decrypter, self.common.agreed.version()) {
            (None, _) => MAX_PLAINTEXT,
            (Some(_), Some(ProtocolVersion::TLSv1_2)) => MAX_TLS12_CIPHERTEXT,
            (Some(_), _) => MAX_TLS13_CIPHERTEXT,
        }
    }

    fn accepts_plaintext_alert(&self, typ: ContentType) -> bool {
        typ == ContentType::Alert && !self.common.traffic && !self.common.agreed.is_tls12()
    }

    fn handle_ccs(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.joiner
            .check_interleaved(ContentType::ChangeCipherSpec)?;
        ChangeCipherSpecPayload::read_payload(payload)?;
        if self.common.agreed.is_tls12() {
            // RFC 5246 7.1: ChangeCipherSpec switches the read key, so it must not cut
            // a handshake message in two.
            if !self.joiner.is_empty() {
                return Err(PeerMisbehaved::KeyChangeWithPendingFragment.into());
            }
            self.run_state(Input::ChangeCipherSpec)?;
            self.common.read_key_changed = false;
            return Ok(());
        }
        // RFC 8446 5: an unprotected change_cipher_spec of value 1 received after the
        // first ClientHello and before the peer's Finished is dropped (middlebox
        // compatibility, D.4); any other is an unexpected record. Dropped ones are
        // bounded like empty records, so they cannot keep us busy.
        let may_be_tls13 = self
            .state
            .as_ref()
            .is_some_and(|state| state.may_receive_compat_ccs(&self.common));
        if self.common.traffic || !may_be_tls13 {
            return Err(unexpected_change_cipher_spec());
        }
        self.compat_ccs += 1;
        if self.compat_ccs > self.common.limits.max_empty_records {
            return Err(PeerMisbehaved::TooManyChangeCipherSpecs.into());
        }
        Ok(())
    }

    /// Decrypts one whole record in place and acts on it. Returns the application
    /// data it carried, where it lies (in the record's buffer).
    #[inline]
    fn handle_record<'a>(&mut self, record: InboundRecord<'a>) -> Result<Option<&'a [u8]>, Error> {
        // The middlebox-compatibility change_cipher_spec is never protected (RFC 8446
        // 5), and a TLS 1.2 one comes before the read key changes (RFC 5246 7.1): both
        // are routed before decryption. Under a TLS 1.2 read key a change_cipher_spec
        // record is protected like any other (RFC 5246 6.2.3), so a bare one fails to
        // authenticate (bad_record_mac).
        let tls12_protected = self.common.agreed.is_tls12() && self.common.decrypter.is_some();
        if record.typ == ContentType::ChangeCipherSpec && !tls12_protected {
            let payload: &[u8] = record.payload;
            self.handle_ccs(payload)?;
            return Ok(None);
        }
        let plaintext_alert = self.accepts_plaintext_alert(record.typ);
        let plain = match &mut self.common.decrypter {
            // A peer that fails before it has our handshake keys (e.g. on our
            // ServerHello) can only send its alert in plaintext; protected TLS 1.3
            // records always carry the outer type application_data (RFC 8446 5.2), so
            // an alert-typed record is plaintext.
            Some(_) if plaintext_alert => {
                self.unprotected_alert(record.payload)?;
                return Ok(None);
            }
            Some(decrypter) => {
                let len = record.payload.len();
                match decrypter.open(record) {
                    Ok(plain) => {
                        // Past any rejected early data (RFC 8446 4.2.10).
                        self.common.early_data.skip_rejected(None);
                        plain
                    }
                    Err(Error::DecryptError) if self.common.early_data.skip(len) => {
                        return Ok(None);
                    }
                    Err(error) => return Err(error),
                }
            }
            None => {
                // After a HelloRetryRequest, 0-RTT records sent with the first
                // ClientHello are skipped (RFC 8446 4.2.10).
                if record.typ == ContentType::ApplicationData
                    && self.common.early_data.skip(record.payload.len())
                {
                    return Ok(None);
                }
                if record.typ == ContentType::ApplicationData {
                    return Err(application_data_before_keys());
                }
                trace!(
                    "{}: plaintext record received: {:?}, {} bytes",
                    self.common.side,
                    record.typ,
                    record.payload.len()
                );
                Plaintext {
                    typ: record.typ,
                    payload: record.payload,
                }
            }
        };
        self.dispatch(plain)
    }

    fn dispatch<'a>(&mut self, plain: Plaintext<'a>) -> Result<Option<&'a [u8]>, Error> {
        if plain.typ != ContentType::Handshake {
            // RFC 8446 5.1: handshake messages are not interleaved with other types.
            self.joiner.check_interleaved(plain.typ)?;
        }
        match plain.typ {
            ContentType::Handshake => self.handshake_records(plain.payload).map(|()| None),
            ContentType::Alert => self.alert(plain.payload).map(|()| None),
            ContentType::ApplicationData => self.application_data(plain.payload),

            ContentType::ChangeCipherSpec => Err(Error::UnexpectedMessage {
                expected: "an unprotected change_cipher_spec",
                got: MessageKind::Record(ContentType::ChangeCipherSpec),
            }),
            other => Err(InvalidMessage::UnknownContentType(other.to_wire()).into()),
        }
    }

    fn handshake_records(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.joiner.push(payload)?;
        let version = self
            .common
            .agreed
            .version()
            .unwrap_or(ProtocolVersion::TLSv1_2);
        while let Some(message) = self.joiner.next_message() {
            let typ = message.typ;
            let Some(state) = self.state.as_mut() else {
                return Err(Error::Internal("no handshake state"));
            };
            let ignored = state.ignores(typ);
            // A type the state cannot take is unexpected_message whatever its body
            // holds, so it is refused before the body is parsed.
            let (expected, types) = state.expects();
            if !ignored && !types.contains(&typ) {
                return Err(Error::UnexpectedMessage {
                    expected,
                    got: MessageKind::Handshake(typ),
                });
            }
            let msg = HandshakeMessage::read_bytes(message.encoding, version)?;
            // Each refused renegotiation costs us a warning, or a pass through the
            // handshake: bounded.
            if state.is_renegotiation_request(&self.common, typ) {
                self.renegotiation_requests += 1;
                if self.renegotiation_requests > self.common.limits.max_renegotiation_requests {
                    return Err(PeerMisbehaved::TooManyRenegotiationRequests.into());
                }
            }
            if ignored {
                continue;
            }
            // Each post-handshake message costs us work or a reply: a run of them
            // with no application data between is bounded (tickets apart: a server
            // may send many, RFC 8446 4.6.1).
            if self.common.traffic {
                let (count, max) = match typ {
                    HandshakeType::NewSessionTicket => (
                        &mut self.new_session_tickets,
                        self.common.limits.max_new_session_tickets,
                    ),
                    _ => (
                        &mut self.post_handshake_messages,
                        self.common.limits.max_post_handshake_messages,
                    ),
                };
                *count += 1;
                if *count > max {
                    return Err(PeerMisbehaved::TooManyPostHandshakeMessages.into());
                }
            }
            let input = Input::Handshake {
                msg,
                encoded: message.encoding,
            };
            state.handle(&mut self.common, input)?;
            if self.common.read_key_changed {
                self.common.read_key_changed = false;
                // RFC 8446 5.1: a key change must fall on a record boundary.
                if !self.joiner.is_empty() {
                    return Err(PeerMisbehaved::KeyChangeWithPendingFragment.into());
                }
            }
        }
        Ok(())
    }

    fn run_state(&mut self, input: Input<'_>) -> Result<(), Error> {
        let Some(state) = self.state.as_mut() else {
            return Err(Error::Internal("no handshake state"));
        };
        state.handle(&mut self.common, input)
    }

    fn alert(&mut self, payload: &[u8]) -> Result<(), Error> {
        let alert = read_alert(payload)?;
        self.common
            .emit(|| HandshakeEvent::AlertReceived(alert.description));
        match (alert.level, alert.description) {
            (_, AlertDescription::CloseNotify) => {
                self.common.received_close_notify = true;
                Ok(())
            }
            // RFC 8446 6.1: user_canceled is followed by close_notify; tolerate it.
            (AlertLevel::Warning, AlertDescription::UserCanceled) => {
                self.count_warning(alert.description)
            }
            // RFC 8446 6.2: in TLS 1.3 every other alert is fatal whatever its level;
            // RFC 5246 7.2: in TLS 1.2 a warning lets the connection go on.
            (AlertLevel::Warning, description)
                if self
                    .state
                    .as_ref()
                    .map_or(self.common.agreed.is_tls12(), |state| {
                        state.tolerates_warning_alerts(&self.common)
                    }) =>
            {
                self.count_warning(description)
            }
            (_, description) => Err(Error::AlertReceived(description)),
        }
    }

    /// An alert in plaintext while a read key is installed: from a TLS 1.3 peer that
    /// failed before it had our keys, or from anyone on the path. Unauthenticated, it
    /// can only end the handshake: never close the connection cleanly (RFC 8446 6.1)
    /// nor be tolerated as a warning, or an attacker could truncate accepted early
    /// data undetected.
    fn unprotected_alert(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.joiner.check_interleaved(ContentType::Alert)?;
        let alert = read_alert(payload)?;
        self.common
            .emit(|| HandshakeEvent::AlertReceived(alert.description));
        Err(Error::AlertReceived(alert.description))
    }

    fn count_warning(&mut self, description: AlertDescription) -> Result<(), Error> {
        self.warning_alerts += 1;
        if self.warning_alerts > self.common.limits.max_warning_alerts {
            return Err(PeerMisbehaved::TooManyWarningAlerts(description).into());
        }
        Ok(())
    }

    fn application_data<'a>(&mut self, payload: &'a [u8]) -> Result<Option<&'a [u8]>, Error> {
        // Before the handshake completes, only a server reading accepted 0-RTT data
        // takes application data (RFC 8446 2.3: 0-RTT flows from client to server; a
        // client must never take data under the server's not-yet-authenticated
        // handshake key).
        let early = !self.common.traffic;
        if early && self.common.early_data.accepting().is_none() {
            return Err(Error::UnexpectedMessage {
                expected: "a handshake message (application data before Finished)",
                got: MessageKind::Record(ContentType::ApplicationData),
            });
        }
        if payload.is_empty() {
            self.empty_records += 1;
            if self.empty_records > self.common.limits.max_empty_records {
                return Err(PeerMisbehaved::TooManyEmptyRecords.into());
            }
            return Ok(None);
        }
        self.empty_records = 0;
        self.post_handshake_messages = 0;
        self.new_session_tickets = 0;
        self.app_data_received = true;
        if early {
            // Accepted 0-RTT data, within max_early_data_size (RFC 8446 4.2.10).
            self.common.early_data.receive(payload.len())?;
        }
        Ok(Some(payload))
    }
}

/// One alert record's alert. RFC 8446 5.1: alerts are never fragmented, so a record
/// holds exactly one; an empty alert record is an unexpected record (5.1, 6), not a
/// short one.
fn read_alert(payload: &[u8]) -> Result<AlertMessage, Error> {
    if payload.is_empty() {
        return Err(InvalidMessage::EmptyFragment(ContentType::Alert).into());
    }
    Ok(AlertMessage::read_bytes(payload, "alert")?)
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("side", &self.inner.common.side)
            .field("handshaking", &self.is_handshaking())
            .field("version", &self.inner.common.agreed.version())
            .field("error", &self.inner.error)
            .finish_non_exhaustive()
    }
}

// Connections move between threads and async tasks: keep them Send + Sync.
const _: fn() = || {
    fn check<T: Send + Sync>() {}
    check::<Connection>();
};

/// A change_cipher_spec where none may come: after the handshake, or before the first
/// ClientHello (RFC 8446 5). Shared with the server's `Acceptor`, which refuses the
/// records before a ClientHello as a connection does.
pub(crate) fn unexpected_change_cipher_spec() -> Error {
    Error::UnexpectedMessage {
        expected: "no change_cipher_spec (TLS 1.3 drops them only during the handshake)",
        got: MessageKind::Record(ContentType::ChangeCipherSpec),
    }
}

/// Application data before any key is installed (no 0-RTT precedes a ClientHello,
/// RFC 8446 2.3).
pub(crate) fn application_data_before_keys() -> Error {
    Error::UnexpectedMessage {
        expected: "a handshake message (no keys yet)",
        got: MessageKind::Record(ContentType::ApplicationData),
    }
}
