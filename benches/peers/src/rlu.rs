//! rustls (either provider, the configs of rl.rs) driven only through its unbuffered
//! API, handshake included: `process_tls_records` over the harness's own buffers,
//! handshake records encoded into the harness's output, application data encrypted
//! straight onto it (`WriteTraffic::encrypt`), received records processed where they
//! lie in the wire buffer.
//!
//! What rustls 0.23.46 does inside that API (read in its source): a received record
//! is decrypted in the caller's buffer, but its plaintext is then moved into a
//! `Vec` of rustls's own, and `ReadTraffic::next_record` hands out that `Vec`'s
//! bytes, which live only until the next record. So the payload does not lie in the
//! wire buffer, and an application that wants it after the next record must copy
//! it. This driver copies it into the [`Sink`] for the check with the copy's time
//! left out of the receive time ([`Sink::copy_untimed`]): the application had the
//! plaintext without a copy of its own, as with handclasp's in-place receive, and
//! rustls's internal copy stays counted. A payload that does lie in the wire buffer
//! (a later rustls) is noted in place instead. Likewise `encrypt` seals each record
//! in a buffer of its own and copies it into the caller's output (counted), but
//! wants that output initialised: the harness's zero-filling is left out of the
//! send time (see [`encrypt`]).

use std::ops::DerefMut;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use rustls::client::{ClientConnectionData, UnbufferedClientConnection};
use rustls::pki_types::ServerName;
use rustls::server::{ServerConnectionData, UnbufferedServerConnection};
use rustls::unbuffered::{
    ConnectionState, EncodeError, EncodeTlsData, EncryptError, InsufficientSizeError,
    UnbufferedConnectionCommon, UnbufferedStatus, WriteTraffic,
};
use rustls::{ClientConfig, HandshakeKind, ServerConfig};

use crate::endpoint::{Endpoint, Impl, Sink};
use crate::pki::NAME;
use crate::rl::Rustls;

/// `--rustls-buffered`: the bulk rows drive rustls through its buffered API (rl.rs)
/// instead of this one.
pub static BUFFERED: AtomicBool = AtomicBool::new(false);

/// Room for one record's framing: 5-byte header, 16-byte tag, and TLS 1.3's content
/// type byte or TLS 1.2's 8-byte explicit nonce.
const RECORD_OVERHEAD: usize = 32;
const MAX_FRAGMENT: usize = 16 * 1024;

pub struct RustlsUnbuffered {
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
}

impl RustlsUnbuffered {
    /// The same configs (shared) as the buffered driver's.
    pub fn new(rl: &Rustls) -> Self {
        Self {
            client: rl.client.clone(),
            server: rl.server.clone(),
        }
    }
}

/// One side: the connection, the handshake bytes it produced while receiving (sent
/// by the next [`Endpoint::send`]), and the time spent zero-filling output.
pub struct Unbuffered<C> {
    conn: C,
    pending: Vec<u8>,
    untimed: Duration,
}

impl Impl for RustlsUnbuffered {
    type Client = Unbuffered<UnbufferedClientConnection>;
    type Server = Unbuffered<UnbufferedServerConnection>;

    fn client(&self) -> Self::Client {
        let name = ServerName::try_from(NAME).unwrap();
        Unbuffered {
            conn: UnbufferedClientConnection::new(self.client.clone(), name).unwrap(),
            pending: Vec::new(),
            untimed: Duration::ZERO,
        }
    }

    fn server(&self) -> Self::Server {
        Unbuffered {
            conn: UnbufferedServerConnection::new(self.server.clone()).unwrap(),
            pending: Vec::new(),
            untimed: Duration::ZERO,
        }
    }
}

/// `process_tls_records`, which rustls defines separately for each side.
pub trait Conn: DerefMut<Target = UnbufferedConnectionCommon<Self::Data>> {
    type Data;
    fn process<'c, 'i>(&'c mut self, tls: &'i mut [u8]) -> UnbufferedStatus<'c, 'i, Self::Data>;
}

impl Conn for UnbufferedClientConnection {
    type Data = ClientConnectionData;
    fn process<'c, 'i>(&'c mut self, tls: &'i mut [u8]) -> UnbufferedStatus<'c, 'i, Self::Data> {
        self.process_tls_records(tls)
    }
}

impl Conn for UnbufferedServerConnection {
    type Data = ServerConnectionData;
    fn process<'c, 'i>(&'c mut self, tls: &'i mut [u8]) -> UnbufferedStatus<'c, 'i, Self::Data> {
        self.process_tls_records(tls)
    }
}

/// Runs `conn` over all of `tls` until it waits for the peer (or, with `data`, until
/// it has encrypted `data`): received application data goes to `app`, handshake
/// records and `data`'s records are appended to `out`. Panics if `tls` is not
/// consumed whole (the harness always delivers whole flights and records).
fn drive<C: Conn>(
    conn: &mut C,
    tls: &mut [u8],
    out: &mut Vec<u8>,
    mut app: Option<&mut Sink>,
    mut data: Option<(&[u8], &mut Duration)>,
) {
    let base = tls.as_ptr() as usize;
    let end = base + tls.len();
    // Bytes of `tls` discarded so far: the next call sees only what follows them.
    let mut at = 0;
    loop {
        let UnbufferedStatus { mut discard, state } = conn.process(&mut tls[at..]);
        match state.unwrap() {
            ConnectionState::ReadTraffic(mut records) => {
                let app = app
                    .as_deref_mut()
                    .expect("rustls gave application data while sending");
                while let Some(record) = records.next_record() {
                    let record = record.unwrap();
                    discard += record.discard;
                    let payload = record.payload;
                    let addr = payload.as_ptr() as usize;
                    if (base..end).contains(&addr) {
                        // Left in the wire buffer: the application has it there.
                        app.note_in_place(addr - base, payload.len());
                    } else {
                        // rustls 0.23: lent from a buffer of rustls's own until the
                        // next record; the application has it here without a copy of
                        // its own, so the harness's copy for the check is untimed.
                        app.copy_untimed(payload);
                    }
                }
            }
            ConnectionState::EncodeTlsData(mut record) => encode(&mut record, out),
            // The encoded bytes are in `out`, which the harness transmits.
            ConnectionState::TransmitTlsData(transmit) => transmit.done(),
            ConnectionState::WriteTraffic(mut traffic) => {
                if let Some((data, untimed)) = data.take() {
                    encrypt(&mut traffic, data, out, untimed);
                }
                assert_eq!(at + discard, tls.len(), "rustls left received bytes");
                return;
            }
            ConnectionState::BlockedHandshake => {
                assert!(data.is_none(), "write before the handshake finished");
                assert_eq!(at + discard, tls.len(), "rustls left received bytes");
                return;
            }
            other => panic!("unexpected rustls state {other:?}"),
        }
        at += discard;
    }
}

/// Encodes one handshake record onto the end of `out`.
fn encode<D>(record: &mut EncodeTlsData<'_, D>, out: &mut Vec<u8>) {
    let len = out.len();
    let mut room = 4096;
    loop {
        out.resize(len + room, 0);
        match record.encode(&mut out[len..]) {
            Ok(n) => {
                out.truncate(len + n);
                return;
            }
            Err(EncodeError::InsufficientSize(InsufficientSizeError { required_size })) => {
                room = required_size
            }
            Err(e) => panic!("rustls encode: {e}"),
        }
    }
}

/// Encrypts `data` onto the end of `out`. `encrypt` wants an initialised slice, so
/// the room is zero-filled first: no safe way around that with a `Vec` whose length
/// is its content, while an application would encrypt into a buffer it initialised
/// once (as rustls's examples do). That zero-filling is timed into `untimed`, which
/// the bulk driver takes out of the send time.
fn encrypt<D>(
    traffic: &mut WriteTraffic<'_, D>,
    data: &[u8],
    out: &mut Vec<u8>,
    untimed: &mut Duration,
) {
    let len = out.len();
    let mut room = data.len() + RECORD_OVERHEAD * (data.len() / MAX_FRAGMENT + 1);
    loop {
        crate::clock::untimed(untimed, || out.resize(len + room, 0));
        match traffic.encrypt(data, &mut out[len..]) {
            Ok(n) => {
                out.truncate(len + n);
                return;
            }
            Err(EncryptError::InsufficientSize(InsufficientSizeError { required_size })) => {
                room = required_size
            }
            Err(e) => panic!("rustls encrypt: {e}"),
        }
    }
}

impl<C: Conn> Endpoint for Unbuffered<C> {
    fn recv(&mut self, tls: &mut Vec<u8>, app: &mut Sink) {
        // Not cleared here: plaintext noted in place stays in `tls` for the caller.
        drive(&mut self.conn, tls, &mut self.pending, Some(app), None);
    }

    fn send(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.pending);
        self.pending.clear();
        drive(&mut self.conn, &mut [], out, None, None);
    }

    fn write(&mut self, data: &[u8], out: &mut Vec<u8>) {
        let data = (data, &mut self.untimed);
        drive(&mut self.conn, &mut [], out, None, Some(data));
    }

    fn take_untimed(&mut self) -> Duration {
        std::mem::take(&mut self.untimed)
    }

    fn handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    fn resumed(&self) -> bool {
        self.conn.handshake_kind() == Some(HandshakeKind::Resumed)
    }
}
