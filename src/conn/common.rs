//! The state a handshake shares with the connection: record protection, output,
//! received plaintext and the negotiated parameters. Handshake states receive
//! `&mut CommonState` and use it to send messages and install keys.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::agreed::Agreed;
use super::early::EarlyData;
use super::limits::Limits;
use super::queue::ByteQueue;
use crate::codec::Codec;
use crate::crypto::CryptoProvider;
use crate::crypto::Tls12CipherSuite;
use crate::enums::{AlertDescription, AlertLevel, ContentType, KeyUpdateRequest, NamedGroup};
use crate::error::Error;
use crate::events::{HandshakeEvent, HandshakeObserver, HelloOffer, Secret, Side};
use crate::key_log::KeyLog;
use crate::key_schedule::tls13::TrafficSecret;
use crate::msgs::{AlertMessage, ClientHello, HandshakeMessage, HandshakePayload};
use crate::record::{Fragmenter, Padding, RecordDecrypter, RecordEncrypter, encode_plain_record};

/// The TLS 1.3 traffic secrets kept after the handshake, for KeyUpdate (RFC 8446 4.6.3).
struct Tls13Secrets {
    read: TrafficSecret,
    write: TrafficSecret,
}

pub(crate) struct CommonState {
    pub(super) side: Side,
    pub(super) provider: Arc<CryptoProvider>,
    pub(super) limits: Limits,
    observer: Option<Arc<dyn HandshakeObserver>>,
    key_log: Option<Arc<dyn KeyLog>>,
    /// ClientHello.random, the key log's connection identifier.
    client_random: [u8; 32],

    encrypter: Option<RecordEncrypter>,
    /// The padding every TLS 1.3 write key is installed with (RFC 8446 5.4).
    record_padding: Padding,
    pub(super) decrypter: Option<RecordDecrypter>,
    fragmenter: Fragmenter,
    /// The legacy version on records we send in plaintext (RFC 8446 5.1: 0x0301 is
    /// allowed for the first ClientHello; 0x0303 afterwards).
    plain_record_version: u16,
    /// Set by a handshake state when it changes the read key, so the connection can
    /// check that no handshake bytes straddle the change (RFC 8446 5.1).
    pub(super) read_key_changed: bool,

    pub(super) sendable: ByteQueue,
    /// Where handshake messages are encoded before sending (released once idle).
    pub(super) handshake_scratch: Vec<u8>,
    early_plaintext: ByteQueue,
    /// Handshake messages of an open flight, sealed together when it closes (see
    /// [`Self::open_flight`]).
    flight: Option<Vec<u8>>,

    /// What the handshake negotiated, recorded by the handshake states.
    pub(crate) agreed: Agreed,
    tls13_secrets: Option<Tls13Secrets>,

    /// The handshake is complete: application data may flow both ways.
    pub(super) traffic: bool,
    /// A TLS 1.3 server that accepted 0-RTT may send before the client's Finished
    /// ("half-RTT" data, RFC 8446 2.3): set once its application key is installed.
    half_rtt: bool,
    /// 0-RTT early data: status and budgets.
    pub(crate) early_data: EarlyData,
    /// We answered a request for our KeyUpdate and sent no application data since:
    /// later requests are answered by it (RFC 8446 4.6.3).
    key_updated_while_silent: bool,
    /// See [`Self::owe_compat_ccs`].
    compat_ccs_owed: bool,
    pub(super) sent_close_notify: bool,
    pub(super) received_close_notify: bool,
    pub(super) sent_fatal_alert: bool,
    /// Application data was sent: the send buffer is in steady use (see
    /// [`super::Connection`]'s release of handshake buffers).
    pub(super) app_data_sent: bool,
}

impl CommonState {
    pub(crate) fn new(
        side: Side,
        provider: Arc<CryptoProvider>,
        limits: Limits,
        observer: Option<Arc<dyn HandshakeObserver>>,
        key_log: Option<Arc<dyn KeyLog>>,
    ) -> Result<Self, Error> {
        Ok(Self {
            side,
            provider,
            limits,
            observer,
            key_log,
            client_random: [0; 32],
            encrypter: None,
            record_padding: Padding::None,
            decrypter: None,
            fragmenter: Fragmenter::with_max_fragment(limits.max_fragment)?,
            plain_record_version: 0x0303,
            read_key_changed: false,
            sendable: ByteQueue::default(),
            handshake_scratch: Vec::new(),
            early_plaintext: ByteQueue::default(),
            flight: None,
            agreed: Agreed::default(),
            tls13_secrets: None,
            traffic: false,
            half_rtt: false,
            early_data: EarlyData::new(),
            key_updated_while_silent: false,
            compat_ccs_owed: false,
            sent_close_notify: false,
            received_close_notify: false,
            sent_fatal_alert: false,
            app_data_sent: false,
        })
    }

    /// Tells the observer, if any, about a handshake step, and logs it at debug level.
    pub(crate) fn emit(&self, event: impl FnOnce() -> HandshakeEvent<'static>) {
        self.emit_with(|emit| emit(&event()));
    }

    /// Tells the observer (and the debug log) about an event that borrows from the
    /// caller. Nothing is built when neither listens.
    pub(crate) fn emit_with(&self, f: impl FnOnce(&dyn Fn(&HandshakeEvent<'_>))) {
        let logging = crate::logging::debug_enabled();
        if self.observer.is_none() && !logging {
            return;
        }
        f(&|event| {
            if logging {
                debug!("{}: {event}", self.side);
            }
            if let Some(observer) = &self.observer {
                observer.on_event(self.side, event);
            }
        });
    }

    /// Names the connection in the key log by its ClientHello.random.
    pub(crate) fn set_client_random(&mut self, random: [u8; 32]) {
        self.client_random = random;
    }

    /// Reports a derived secret by name, and hands its value to the key log, if one
    /// is configured and the secret is one it records.
    pub(crate) fn secret_derived(&self, secret: Secret, value: &[u8]) {
        self.emit(|| HandshakeEvent::SecretDerived(secret));
        if let (Some(key_log), Some(label)) = (&self.key_log, secret.key_log_label()) {
            key_log.log(label, &self.client_random, value);
        }
    }

    /// Tells the observer what a ClientHello offers (sent or received).
    pub(crate) fn emit_client_hello(&self, hello: &ClientHello) {
        self.emit_with(|emit| {
            let key_share_groups: Vec<NamedGroup> = hello
                .key_shares()
                .unwrap_or_default()
                .iter()
                .map(|k| k.group)
                .collect();
            // RFC 8446 4.2.1: without supported_versions, legacy_version is the offer.
            let legacy = [hello.legacy_version];
            emit(&HandshakeEvent::ClientHello(HelloOffer {
                versions: hello.supported_versions().unwrap_or(&legacy),
                cipher_suites: &hello.cipher_suites,
                groups: hello.supported_groups().unwrap_or_default(),
                key_share_groups: &key_share_groups,
                signature_schemes: hello.signature_schemes().unwrap_or_default(),
                server_name: hello
                    .server_name()
                    .and_then(|n| core::str::from_utf8(n).ok()),
                alpn: hello.alpn_protocols().unwrap_or_default(),
            }));
        });
    }

    pub(crate) fn random(&self, buf: &mut [u8]) -> Result<(), Error> {
        self.provider.secure_random.fill(buf)
    }

    /// Encodes a handshake message and sends it; returns its bytes for the transcript.
    pub(crate) fn send_handshake(&mut self, payload: HandshakePayload) -> Result<&[u8], Error> {
        self.send_handshake_with(|out| HandshakeMessage::from(payload).encode(out))
    }

    /// Sends the handshake message (header included) that `encode` writes; returns
    /// its bytes for the transcript. The encoding goes to a buffer kept for the
    /// handshake, so sending a message allocates nothing once it has grown.
    pub(crate) fn send_handshake_with(
        &mut self,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<&[u8], Error> {
        // Sized so a typical message and flight need one allocation each (both are
        // given back once the connection is idle).
        const MESSAGE_HINT: usize = 256;
        const FLIGHT_HINT: usize = 1024;
        let queue = self.sendable.tail();
        if queue.capacity() == 0 {
            queue.reserve(FLIGHT_HINT);
        }
        let mut scratch = core::mem::take(&mut self.handshake_scratch);
        scratch.clear();
        scratch.reserve(MESSAGE_HINT);
        encode(&mut scratch);
        let sent = self.send_handshake_bytes(&scratch);
        self.handshake_scratch = scratch;
        sent.map(|()| self.handshake_scratch.as_slice())
    }

    /// Sends the client's first ClientHello (which `encode` writes), on a record of
    /// version 0x0301: RFC 8446 5.1 allows it for compatibility with old middleboxes
    /// and servers. Returns its bytes for the transcript.
    pub(crate) fn send_first_client_hello(
        &mut self,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<&[u8], Error> {
        self.plain_record_version = 0x0301;
        let sent = self.send_handshake_with(encode).map(|bytes| bytes.len());
        self.plain_record_version = 0x0303;
        sent?;
        Ok(self.handshake_scratch.as_slice())
    }

    /// Client: the server did not take our early data (a HelloRetryRequest or a TLS
    /// 1.2 answer), so what we send next goes in plaintext, not under the early key.
    pub(crate) fn drop_early_data_key(&mut self) {
        self.encrypter = None;
    }

    /// Sends already-encoded handshake message bytes.
    pub(crate) fn send_handshake_bytes(&mut self, encoded: &[u8]) -> Result<(), Error> {
        if let Some(flight) = &mut self.flight {
            flight.extend_from_slice(encoded);
            return Ok(());
        }
        self.send_record_payload(ContentType::Handshake, encoded)
    }

    /// Holds the handshake messages sent from now on, to put them into as few
    /// records as they fit (RFC 8446 5.1 lets messages share records): a server's
    /// EncryptedExtensions to Finished then travel as one record rather than four.
    /// Anything else sent, or a key change, closes the flight first.
    pub(crate) fn open_flight(&mut self) {
        if self.flight.is_none() {
            self.flight = Some(Vec::new());
        }
    }

    /// Seals and queues the messages of the open flight, if any.
    pub(crate) fn close_flight(&mut self) -> Result<(), Error> {
        match self.flight.take() {
            Some(messages) if !messages.is_empty() => {
                self.send_record_payload(ContentType::Handshake, &messages)
            }
            _ => Ok(()),
        }
    }

    /// Fragments and sends `payload` as records of type `typ`, protected if a write key
    /// is installed.
    fn send_record_payload(&mut self, typ: ContentType, payload: &[u8]) -> Result<(), Error> {
        // What was held goes first, in order.
        self.close_flight()?;
        if self.compat_ccs_owed && self.encrypter.is_some() {
            self.send_compat_ccs()?;
        }
        for fragment in self.fragmenter.fragment(payload) {
            match &mut self.encrypter {
                Some(encrypter) => encrypter.seal(typ, fragment, self.sendable.tail())?,
                None => {
                    encode_plain_record(
                        typ,
                        self.plain_record_version,
                        fragment,
                        self.sendable.tail(),
                    )?;
                    trace!(
                        "{}: plaintext record sent: {typ:?}, {} bytes",
                        self.side,
                        fragment.len()
                    );
                }
            }
        }
        Ok(())
    }

    /// RFC 8446 D.4: the middlebox-compatibility change_cipher_spec, always unprotected.
    pub(crate) fn send_compat_ccs(&mut self) -> Result<(), Error> {
        self.close_flight()?;
        self.compat_ccs_owed = false;
        encode_plain_record(
            ContentType::ChangeCipherSpec,
            0x0303,
            &[1],
            self.sendable.tail(),
        )
    }

    /// A TLS 1.3 client in middlebox-compatibility mode owes the change_cipher_spec
    /// before its first protected record (RFC 8446 D.4: "before its encrypted
    /// handshake flight"); that may be an alert, if the server's flight fails.
    pub(crate) fn owe_compat_ccs(&mut self) {
        self.compat_ccs_owed = true;
    }

    pub(crate) fn send_alert(&mut self, level: AlertLevel, description: AlertDescription) {
        let alert = AlertMessage { level, description }.get_encoding();
        // An alert that cannot be sealed (exhausted keys) is dropped: the connection is
        // ending anyway.
        if self.send_record_payload(ContentType::Alert, &alert).is_ok() {
            self.emit(|| HandshakeEvent::AlertSent(description));
        }
    }

    /// Sends the fatal alert for `error`, once.
    pub(crate) fn send_fatal_alert_for(&mut self, error: &Error) {
        if self.sent_fatal_alert {
            return;
        }
        // A flight cut short by the error is not sent.
        self.flight = None;
        if let Some(alert) = error.alert() {
            let alert = match self.agreed.is_tls12() {
                true => alert.in_tls12(),
                false => alert,
            };
            self.sent_fatal_alert = true;
            self.send_alert(AlertLevel::Fatal, alert);
        }
    }

    pub(crate) fn send_close_notify(&mut self) {
        if self.sent_close_notify || self.sent_fatal_alert {
            return;
        }
        self.sent_close_notify = true;
        self.send_alert(AlertLevel::Warning, AlertDescription::CloseNotify);
    }

    /// Keeps the TLS 1.3 application traffic secrets (both keys are installed by
    /// then), for the KeyUpdates to come (RFC 8446 4.6.3, 7.2).
    pub(crate) fn keep_tls13_traffic_secrets(&mut self, read: TrafficSecret, write: TrafficSecret) {
        self.tls13_secrets = Some(Tls13Secrets { read, write });
    }

    /// Installs a TLS 1.3 read key (RFC 8446 7.3) and notes the key change.
    pub(crate) fn set_tls13_read_key(&mut self, secret: &TrafficSecret) -> Result<(), Error> {
        let keys = secret.derive_key_iv()?;
        self.decrypter = Some(RecordDecrypter::tls13(
            secret.suite().aead,
            keys.key(),
            keys.iv(),
        )?);
        self.read_key_changed = true;
        trace!("{}: records received now use a new TLS 1.3 key", self.side);
        Ok(())
    }

    /// The padding for the TLS 1.3 write keys installed from now on.
    pub(crate) fn set_record_padding(&mut self, padding: Padding) {
        self.record_padding = padding;
    }

    /// Installs a TLS 1.3 write key (RFC 8446 7.3).
    pub(crate) fn set_tls13_write_key(&mut self, secret: &TrafficSecret) -> Result<(), Error> {
        // Messages held so far go under the key they were sent under.
        self.close_flight()?;
        let keys = secret.derive_key_iv()?;
        let mut encrypter = RecordEncrypter::tls13(secret.suite().aead, keys.key(), keys.iv())?;
        encrypter.set_padding(self.record_padding);
        self.encrypter = Some(encrypter);
        trace!("{}: records sent now use a new TLS 1.3 key", self.side);
        Ok(())
    }

    /// Installs a TLS 1.2 read key from the key block (RFC 5246 6.3) and notes the key
    /// change.
    pub(crate) fn set_tls12_read_key(
        &mut self,
        suite: &'static Tls12CipherSuite,
        key: &[u8],
        iv: &[u8],
    ) -> Result<(), Error> {
        self.decrypter = Some(RecordDecrypter::tls12(suite.aead, key, iv, suite.nonce)?);
        self.read_key_changed = true;
        self.emit(|| HandshakeEvent::ChangeCipherSpec { ours: false });
        Ok(())
    }

    /// Installs a TLS 1.2 write key from the key block (RFC 5246 6.3).
    pub(crate) fn set_tls12_write_key(
        &mut self,
        suite: &'static Tls12CipherSuite,
        key: &[u8],
        iv: &[u8],
    ) -> Result<(), Error> {
        self.close_flight()?;
        self.encrypter = Some(RecordEncrypter::tls12(suite.aead, key, iv, suite.nonce)?);
        self.emit(|| HandshakeEvent::ChangeCipherSpec { ours: true });
        Ok(())
    }

    /// RFC 5246 7.1: ChangeCipherSpec, always a one-byte record under the current
    /// (for us: no) protection.
    pub(crate) fn send_change_cipher_spec(&mut self) -> Result<(), Error> {
        self.send_record_payload(ContentType::ChangeCipherSpec, &[1])
    }

    /// The handshake is complete: tell the observer, then let application data flow.
    pub(crate) fn complete_handshake(&mut self) -> Result<(), Error> {
        self.emit(|| HandshakeEvent::ApplicationKeysInstalled);
        self.emit_with(|emit| {
            if let (Some(version), Some(suite)) = (self.agreed.version(), self.agreed.suite()) {
                emit(&HandshakeEvent::HandshakeComplete {
                    version,
                    cipher_suite: suite.suite(),
                    alpn: self.agreed.alpn(),
                });
            }
        });
        self.start_traffic()
    }

    /// The handshake is done: application data may flow, and what the application
    /// wrote early is sent now.
    fn start_traffic(&mut self) -> Result<(), Error> {
        self.traffic = true;
        let early = self.early_plaintext.take_all();
        self.send_application_data(&early)
    }

    /// A server that accepted 0-RTT data answers it at once: its application write
    /// key is installed after its Finished, and the client reads such data right after
    /// ours (RFC 8446 2.3, "0.5-RTT"). What the application wrote before is sent now.
    pub(crate) fn start_half_rtt(&mut self) -> Result<(), Error> {
        self.half_rtt = true;
        let early = self.early_plaintext.take_all();
        self.send_application_data(&early)
    }

    /// Sends 0-RTT data under the early key, within what the ticket allows.
    pub(crate) fn write_early_data(&mut self, data: &[u8]) -> Result<usize, Error> {
        let n = self.early_data.take_send_budget(data.len())?;
        let data = data.get(..n).unwrap_or(data);
        self.send_application_data(data)?;
        Ok(n)
    }

    /// Queues plaintext from the application; returns how much was accepted (bounded
    /// by the limits).
    pub(crate) fn write_plaintext(&mut self, data: &[u8]) -> Result<usize, Error> {
        if self.sent_close_notify {
            return Err(Error::ApiMisuse("write after send_close_notify"));
        }
        if !self.traffic && !self.half_rtt {
            let room = self
                .limits
                .early_plaintext
                .saturating_sub(self.early_plaintext.len());
            let data = data.get(..room).unwrap_or(data);
            self.early_plaintext.extend(data);
            return Ok(data.len());
        }
        let room = self.limits.send_buffer.saturating_sub(self.sendable.len());
        let data = data.get(..room).unwrap_or(data);
        self.send_application_data(data)?;
        Ok(data.len())
    }

    /// Seals `data` as application data straight into the caller's `out`, after
    /// whatever was already queued to send.
    pub(crate) fn seal_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if self.sent_close_notify {
            return Err(Error::ApiMisuse("write after send_close_notify"));
        }
        if !self.traffic {
            return Err(Error::ApiMisuse(
                "seal_into needs an established connection: use write_plaintext before",
            ));
        }
        // What is queued goes first, even when `data` makes no record.
        out.extend_from_slice(self.sendable.as_slice());
        self.sendable.consume(self.sendable.len());
        self.seal_application_data(data, Some(out))
    }

    /// The room around `len` bytes of application data a record sealed in place needs.
    pub(crate) fn in_place_room(&self, len: usize) -> Result<(usize, usize), Error> {
        match &self.encrypter {
            Some(encrypter) if self.traffic => {
                Ok(encrypter.in_place_room(ContentType::ApplicationData, len))
            }
            _ => Err(Error::ApiMisuse(
                "records are sealed in place only on an established connection",
            )),
        }
    }

    /// Seals the application data in `record` in place, as one record.
    pub(crate) fn seal_in_place(&mut self, record: &mut [u8], len: usize) -> Result<(), Error> {
        if self.sent_close_notify {
            return Err(Error::ApiMisuse("write after send_close_notify"));
        }
        // Held handshake messages belong before this record (the check below sees them).
        self.close_flight()?;
        self.in_place_room(len)?;
        if len > self.limits.max_fragment {
            return Err(Error::ApiMisuse(
                "a record sealed in place holds at most Limits::max_fragment bytes",
            ));
        }
        // RFC 8446 5.5: a worn-out key is replaced first; that KeyUpdate, like anything
        // else queued, must reach the peer before this record.
        self.update_write_key_if_worn_out()?;
        if !self.sendable.is_empty() {
            return Err(Error::ApiMisuse(
                "TLS bytes are pending and must go before this record: send pending_tls() first",
            ));
        }
        match &mut self.encrypter {
            Some(encrypter) => {
                encrypter.seal_in_place(ContentType::ApplicationData, record, len)?;
            }
            None => return Err(Error::Internal("application data without a write key")),
        }
        self.app_data_sent |= len > 0;
        self.key_updated_while_silent &= len == 0;
        Ok(())
    }

    fn send_application_data(&mut self, data: &[u8]) -> Result<(), Error> {
        self.seal_application_data(data, None)
    }

    /// Seals `data` as application data records: onto the send queue, or onto `out`
    /// after what the queue holds. A worn-out key is replaced first (its KeyUpdate
    /// goes on the queue, so it precedes the records under the new key either way).
    fn seal_application_data(
        &mut self,
        data: &[u8],
        mut out: Option<&mut Vec<u8>>,
    ) -> Result<(), Error> {
        self.close_flight()?;
        self.app_data_sent |= !data.is_empty();
        for fragment in self.fragmenter.fragment(data) {
            self.update_write_key_if_worn_out()?;
            let Some(encrypter) = &mut self.encrypter else {
                return Err(Error::Internal("application data without a write key"));
            };
            let target = match out.as_deref_mut() {
                Some(out) => {
                    out.extend_from_slice(self.sendable.as_slice());
                    self.sendable.consume(self.sendable.len());
                    out
                }
                None => self.sendable.tail(),
            };
            encrypter.seal(ContentType::ApplicationData, fragment, target)?;
        }
        self.key_updated_while_silent &= data.is_empty();
        Ok(())
    }

    /// RFC 8446 5.5: replace the write key before its AEAD confidentiality limit.
    /// TLS 1.2 has no way to replace a key: past the limit no more application data
    /// is sealed ([`Error::EncryptError`]); only close_notify may still go out.
    fn update_write_key_if_worn_out(&mut self) -> Result<(), Error> {
        let worn = self
            .encrypter
            .as_ref()
            .is_some_and(RecordEncrypter::needs_key_update);
        if !worn {
            return Ok(());
        }
        if self.tls13_secrets.is_some() {
            return self.send_key_update(KeyUpdateRequest::UpdateNotRequested);
        }
        Err(Error::EncryptError)
    }

    /// Sends a KeyUpdate under the current key, then switches to the next write key
    /// (RFC 8446 4.6.3).
    pub(crate) fn send_key_update(&mut self, request: KeyUpdateRequest) -> Result<(), Error> {
        let Some(secrets) = self.tls13_secrets.take() else {
            return Err(Error::ApiMisuse(
                "key updates need an established TLS 1.3 connection",
            ));
        };
        self.send_handshake(HandshakePayload::KeyUpdate(request))?;
        let write = secrets.write.next()?;
        self.set_tls13_write_key(&write)?;
        self.tls13_secrets = Some(Tls13Secrets {
            read: secrets.read,
            write,
        });
        self.emit(|| HandshakeEvent::KeyUpdate { ours: true });
        Ok(())
    }

    /// Handles a received KeyUpdate: next read key, and answer if asked (RFC 8446 4.6.3).
    pub(crate) fn receive_key_update(&mut self, request: KeyUpdateRequest) -> Result<(), Error> {
        let Some(secrets) = self.tls13_secrets.take() else {
            return Err(Error::Internal("KeyUpdate before traffic secrets exist"));
        };
        let read = secrets.read.next()?;
        self.set_tls13_read_key(&read)?;
        self.tls13_secrets = Some(Tls13Secrets {
            read,
            write: secrets.write,
        });
        self.emit(|| HandshakeEvent::KeyUpdate { ours: false });
        // RFC 8446 4.6.3: an implementation "which receives multiple KeyUpdates while
        // it is silent" responds with a single update: requests while we send no
        // application data get one answer, so nothing piles up in the send queue.
        if request == KeyUpdateRequest::UpdateRequested
            && !self.sent_close_notify
            && !self.key_updated_while_silent
        {
            self.send_key_update(KeyUpdateRequest::UpdateNotRequested)?;
            // This answer stands for every request until our next application data.
            self.key_updated_while_silent = true;
        }
        Ok(())
    }
}
