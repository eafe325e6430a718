//! The zero-copy path (`Connection::process_in_place` and `Connection::seal_into`):
//! whole connections driven through it alone, in any chunking, with key updates,
//! close_notify, tampering, and its refusal to be mixed with the buffered path.
use crate::common;

use std::sync::Arc;

use common::events::{Recorder, Seen};
use common::pki::{self, NOV_2026, at};
use handclasp::crypto::{CryptoProvider, SupportedCipherSuite};
use handclasp::enums::{AlertDescription, ProtocolVersion};
use handclasp::events::Side;
use handclasp::pki_types::ServerName;
use handclasp::time::FixedTime;
use handclasp::verify::RootStore;
use handclasp::{
    ClientConfig, ClientConnection, Connection, Error, ServerConfig, ServerConnection,
};

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2];

fn pair(
    version: ProtocolVersion,
    recorder: &Arc<Recorder>,
) -> (ClientConnection, ServerConnection) {
    pair_with(
        handclasp::crypto::ring::default_provider(),
        version,
        recorder,
    )
}

/// A client and a server for "a.test" with `provider`, speaking only `version`.
fn pair_with(
    provider: CryptoProvider,
    version: ProtocolVersion,
    recorder: &Arc<Recorder>,
) -> (ClientConnection, ServerConnection) {
    let (root, leaf) = pki::server_chain(&["a.test"]);
    let mut roots = RootStore::empty();
    roots.add(&root.cert).unwrap();
    let provider = Arc::new(provider);
    let time = Arc::new(FixedTime(at(NOV_2026)));
    let client = ClientConfig::builder_with_provider(provider.clone())
        .with_root_store(roots)
        .with_protocol_versions(&[version])
        .with_time_provider(time.clone())
        .with_observer(recorder.clone())
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .with_time_provider(time)
        .with_observer(recorder.clone())
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
        .build()
        .unwrap();
    (
        ClientConnection::new(Arc::new(client), ServerName::try_from("a.test").unwrap()).unwrap(),
        ServerConnection::new(Arc::new(server)).unwrap(),
    )
}

/// One side's receive buffer, filled in pieces and drained only with
/// `process_in_place`.
#[derive(Default)]
struct Inbox {
    buf: Vec<u8>,
    plaintext: Vec<u8>,
    calls_with_partial_record: usize,
}

impl Inbox {
    /// Processes everything whole in the buffer; returns the first error.
    fn process(&mut self, conn: &mut Connection) -> Result<(), Error> {
        loop {
            let done = conn.process_in_place(&mut self.buf)?;
            if done.consumed == 0 {
                if !self.buf.is_empty() {
                    self.calls_with_partial_record += 1;
                }
                return Ok(());
            }
            // The plaintext is a part of the consumed bytes of our own buffer.
            assert!(done.plaintext.len() <= done.consumed);
            self.plaintext.extend_from_slice(done.plaintext);
            let consumed = done.consumed;
            self.buf.drain(..consumed);
        }
    }
}

/// A tiny deterministic generator of piece sizes.
struct Pieces(u64);

impl Pieces {
    fn next(&mut self, available: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (1 + (self.0 as usize) % 3000).min(available)
    }
}

/// Moves `wire` into `inbox` in pieces, processing after each.
fn deliver(
    wire: &mut Vec<u8>,
    inbox: &mut Inbox,
    conn: &mut Connection,
    pieces: &mut Pieces,
) -> Result<(), Error> {
    let mut at = 0;
    while at < wire.len() {
        let n = pieces.next(wire.len() - at);
        inbox.buf.extend_from_slice(&wire[at..at + n]);
        at += n;
        inbox.process(conn)?;
    }
    wire.clear();
    Ok(())
}

/// Takes what the connection queued (handshake flights, alerts, key updates).
fn take_pending(conn: &mut Connection, wire: &mut Vec<u8>) {
    let pending = conn.pending_tls();
    let n = pending.len();
    wire.extend_from_slice(pending);
    conn.consume_tls(n);
}

struct InPlacePair {
    client: ClientConnection,
    server: ServerConnection,
    client_inbox: Inbox,
    server_inbox: Inbox,
    pieces: Pieces,
}

impl InPlacePair {
    fn new(version: ProtocolVersion, recorder: &Arc<Recorder>, seed: u64) -> Self {
        Self::of(pair(version, recorder), seed)
    }

    fn of((client, server): (ClientConnection, ServerConnection), seed: u64) -> Self {
        Self {
            client,
            server,
            client_inbox: Inbox::default(),
            server_inbox: Inbox::default(),
            pieces: Pieces(seed | 1),
        }
    }

    /// Delivers `wire` to the server (in pieces, in place), emptying it.
    fn deliver_to_server(&mut self, wire: &mut Vec<u8>) -> Result<(), Error> {
        deliver(
            wire,
            &mut self.server_inbox,
            &mut self.server,
            &mut self.pieces,
        )
    }

    /// Delivers `wire` to the client (in pieces, in place), emptying it.
    fn deliver_to_client(&mut self, wire: &mut Vec<u8>) -> Result<(), Error> {
        deliver(
            wire,
            &mut self.client_inbox,
            &mut self.client,
            &mut self.pieces,
        )
    }

    fn client_to_server(&mut self, wire: &mut Vec<u8>) -> Result<(), Error> {
        take_pending(&mut self.client, wire);
        self.deliver_to_server(wire)
    }

    fn server_to_client(&mut self, wire: &mut Vec<u8>) -> Result<(), Error> {
        take_pending(&mut self.server, wire);
        self.deliver_to_client(wire)
    }

    fn handshake(&mut self) {
        let mut wire = Vec::new();
        for _ in 0..6 {
            self.client_to_server(&mut wire).unwrap();
            self.server_to_client(&mut wire).unwrap();
        }
        assert!(!self.client.is_handshaking() && !self.server.is_handshaking());
        assert!(!self.client.wants_write() && !self.server.wants_write());
    }
}

fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 251) as u8 ^ salt).collect()
}

#[test]
fn whole_connection_in_place_any_chunking() {
    for version in VERSIONS {
        for seed in [1, 7, 1234] {
            let recorder = Arc::new(Recorder::default());
            let mut p = InPlacePair::new(version, &recorder, seed);
            p.handshake();
            assert_eq!(p.client.protocol_version(), Some(version));

            let up = pattern(300_000, 1);
            let down = pattern(70_001, 2);
            let mut wire = Vec::new();
            for chunk in up.chunks(20_000) {
                p.client.seal_into(chunk, &mut wire).unwrap();
            }
            p.deliver_to_server(&mut wire).unwrap();
            p.server.seal_into(&down, &mut wire).unwrap();
            p.deliver_to_client(&mut wire).unwrap();
            assert!(
                p.server_inbox.calls_with_partial_record > 0
                    && p.client_inbox.calls_with_partial_record > 0,
                "records arrived split: some calls had to wait for the rest"
            );
            assert!(
                p.server_inbox.plaintext == up,
                "{version:?} seed {seed}: up"
            );
            assert!(
                p.client_inbox.plaintext == down,
                "{version:?} seed {seed}: down"
            );
        }
    }
}

#[test]
fn seal_into_sends_a_queued_key_update_first() {
    let recorder = Arc::new(Recorder::default());
    let mut p = InPlacePair::new(ProtocolVersion::TLSv1_3, &recorder, 3);
    p.handshake();
    let mut wire = Vec::new();
    // The KeyUpdate is queued in pending_tls; seal_into must put it before the data
    // sealed under the new key, or the server could not open the data.
    p.client.refresh_traffic_keys(true).unwrap();
    assert!(p.client.wants_write());
    p.client.seal_into(b"after our update", &mut wire).unwrap();
    assert!(
        !p.client.wants_write(),
        "the queued KeyUpdate moved to the output"
    );
    p.deliver_to_server(&mut wire).unwrap();
    assert_eq!(p.server_inbox.plaintext, b"after our update");
    // The server's answering KeyUpdate goes out ahead of its own data.
    p.server.seal_into(b"and the answer", &mut wire).unwrap();
    p.deliver_to_client(&mut wire).unwrap();
    assert_eq!(p.client_inbox.plaintext, b"and the answer");
    for side in [Side::Client, Side::Server] {
        assert_eq!(recorder.count(side, &Seen::KeyUpdate { ours: true }), 1);
        assert_eq!(recorder.count(side, &Seen::KeyUpdate { ours: false }), 1);
    }
}

#[test]
fn a_record_is_processed_only_once_whole() {
    for version in VERSIONS {
        let recorder = Arc::new(Recorder::default());
        let mut p = InPlacePair::new(version, &recorder, 5);
        p.handshake();
        let mut wire = Vec::new();
        p.client.seal_into(b"byte by byte", &mut wire).unwrap();
        let mut buf = Vec::new();
        for (i, byte) in wire.iter().enumerate() {
            buf.push(*byte);
            let done = p.server.process_in_place(&mut buf).unwrap();
            if i + 1 < wire.len() {
                assert_eq!(done.consumed, 0, "{version:?}: used up a partial record");
            } else {
                assert_eq!(done.consumed, wire.len());
                assert_eq!(done.plaintext, b"byte by byte");
            }
        }
    }
}

#[test]
fn close_notify_in_place_ignores_what_follows() {
    for version in VERSIONS {
        let recorder = Arc::new(Recorder::default());
        let mut p = InPlacePair::new(version, &recorder, 9);
        p.handshake();
        let mut wire = Vec::new();
        p.client.seal_into(b"last words", &mut wire).unwrap();
        p.client.send_close_notify();
        take_pending(&mut p.client, &mut wire);
        assert_eq!(
            p.client.seal_into(b"more", &mut wire),
            Err(Error::ApiMisuse("write after send_close_notify"))
        );
        // Garbage after close_notify is ignored, not even framed (RFC 8446 6.1).
        wire.extend_from_slice(&[0xff; 40]);
        let total = wire.len();
        let first = p.server.process_in_place(&mut wire).unwrap();
        assert_eq!(first.plaintext, b"last words");
        let consumed = first.consumed;
        wire.drain(..consumed);
        let rest = p.server.process_in_place(&mut wire).unwrap();
        assert_eq!(rest.consumed, total - consumed, "{version:?}");
        assert!(rest.plaintext.is_empty());
        assert!(p.server.peer_has_closed());
        assert!(p.server.error().is_none());
    }
}

#[test]
fn tampered_record_in_place_is_final_and_alerts_the_peer() {
    for version in VERSIONS {
        let recorder = Arc::new(Recorder::default());
        let mut p = InPlacePair::new(version, &recorder, 11);
        p.handshake();
        let mut wire = Vec::new();
        p.client.seal_into(b"do not touch", &mut wire).unwrap();
        let last = wire.len() - 1;
        wire[last] ^= 1;
        assert_eq!(
            p.server.process_in_place(&mut wire),
            Err(Error::DecryptError)
        );
        assert_eq!(p.server.error(), Some(&Error::DecryptError));
        // Final: every later call gives the same error, on either path.
        let mut again = wire.clone();
        assert_eq!(
            p.server.process_in_place(&mut again),
            Err(Error::DecryptError)
        );
        assert_eq!(p.server.process_new_packets(), Err(Error::DecryptError));
        // The alert went to the client, which fails on it.
        let mut alert = Vec::new();
        take_pending(&mut p.server, &mut alert);
        assert_eq!(
            p.client.process_in_place(&mut alert).unwrap_err(),
            Error::AlertReceived(AlertDescription::BadRecordMac)
        );
    }
}

#[test]
fn the_two_receive_paths_do_not_mix() {
    let recorder = Arc::new(Recorder::default());
    let mut p = InPlacePair::new(ProtocolVersion::TLSv1_3, &recorder, 13);
    p.handshake();
    let mut wire = Vec::new();
    p.client.seal_into(b"first", &mut wire).unwrap();
    let first_len = wire.len();
    p.client.seal_into(b"second", &mut wire).unwrap();

    // Half a record fed to the buffered path: the in-place path refuses, without
    // failing the connection.
    assert_eq!(p.server.read_tls_from_slice(&wire[..3]), 3);
    let mut tail = wire[3..].to_vec();
    let misuse = p.server.process_in_place(&mut tail);
    assert!(matches!(misuse, Err(Error::ApiMisuse(_))), "{misuse:?}");
    assert!(p.server.error().is_none());

    // The buffered path finishes the first record; its plaintext waits in the queue,
    // so the in-place path still refuses until it is read.
    assert_eq!(
        p.server.read_tls_from_slice(&wire[3..first_len]),
        first_len - 3
    );
    p.server.process_new_packets().unwrap();
    let mut rest = wire[first_len..].to_vec();
    let misuse = p.server.process_in_place(&mut rest);
    assert!(matches!(misuse, Err(Error::ApiMisuse(_))), "{misuse:?}");
    let mut read = [0u8; 16];
    assert_eq!(p.server.read_plaintext(&mut read), 5);
    assert_eq!(&read[..5], b"first");

    let rest_len = rest.len();
    let done = p.server.process_in_place(&mut rest).unwrap();
    assert_eq!((done.consumed, done.plaintext), (rest_len, &b"second"[..]));
    assert!(p.server.error().is_none());
}

#[test]
fn seal_into_needs_an_established_connection() {
    let recorder = Arc::new(Recorder::default());
    let (mut client, _server) = pair(ProtocolVersion::TLSv1_3, &recorder);
    let mut out = Vec::new();
    assert!(matches!(
        client.seal_into(b"too early", &mut out),
        Err(Error::ApiMisuse(_))
    ));
    assert!(out.is_empty());
}

/// Seals `data` in place in records of at most `piece` bytes (empty `data`: one empty
/// record), sending what the connection queued (a KeyUpdate) before retrying a record
/// it refused for that. Returns how many records were sealed.
fn seal_records_in_place(
    conn: &mut Connection,
    data: &[u8],
    piece: usize,
    wire: &mut Vec<u8>,
) -> usize {
    let chunks: Vec<&[u8]> = match data.is_empty() {
        true => vec![&[]],
        false => data.chunks(piece).collect(),
    };
    for chunk in &chunks {
        let (before, after) = conn.in_place_room(chunk.len()).unwrap();
        let mut record = vec![0xee; before + chunk.len() + after];
        record[before..before + chunk.len()].copy_from_slice(chunk);
        loop {
            take_pending(conn, wire);
            match conn.seal_in_place(&mut record, chunk.len()) {
                Ok(()) => break,
                Err(Error::ApiMisuse(_)) if conn.wants_write() => continue,
                Err(e) => panic!("seal_in_place: {e}"),
            }
        }
        wire.extend_from_slice(&record);
    }
    chunks.len()
}

#[test]
fn records_sealed_in_place_open_on_both_receive_paths() {
    for version in VERSIONS {
        let recorder = Arc::new(Recorder::default());
        let mut p = InPlacePair::new(version, &recorder, 17);
        p.handshake();
        let (before, after) = p.client.in_place_room(100).unwrap();
        match version {
            // Header; inner type byte and tag.
            ProtocolVersion::TLSv1_3 => assert_eq!((before, after), (5, 17)),
            // Header and GCM explicit nonce (the default suite is AES-GCM); tag.
            _ => assert_eq!((before, after), (13, 16)),
        }
        let data = pattern(100_000, 3);
        let mut wire = Vec::new();
        assert_eq!(
            seal_records_in_place(&mut p.client, &data, 16384, &mut wire),
            7
        );
        // An empty record is allowed too (and counted as one, RFC 8446 5.4).
        let before_empty = wire.len();
        assert_eq!(seal_records_in_place(&mut p.client, &[], 1, &mut wire), 1);
        assert_eq!(wire.len() - before_empty, before + after);
        seal_records_in_place(&mut p.client, b"tail", 3, &mut wire);
        let mut expected = data.clone();
        expected.extend_from_slice(b"tail");
        p.deliver_to_server(&mut wire).unwrap();
        assert!(p.server_inbox.plaintext == expected, "{version:?}");

        // The server answers with a record sealed in place; the client reads it
        // through the buffered path.
        let mut buffered_wire = Vec::new();
        seal_records_in_place(&mut p.server, b"answer", 16384, &mut buffered_wire);
        assert_eq!(
            p.client.read_tls_from_slice(&buffered_wire),
            buffered_wire.len()
        );
        p.client.process_new_packets().unwrap();
        let mut read = [0u8; 16];
        assert_eq!(p.client.read_plaintext(&mut read), 6);
        assert_eq!(&read[..6], b"answer");
    }
}

#[test]
fn seal_in_place_refuses_misuse_without_harm() {
    let recorder = Arc::new(Recorder::default());
    let (mut client, _) = pair(ProtocolVersion::TLSv1_3, &recorder);
    assert!(matches!(client.in_place_room(10), Err(Error::ApiMisuse(_))));
    assert!(matches!(
        client.seal_in_place(&mut [0; 32], 10),
        Err(Error::ApiMisuse(_))
    ));

    let mut p = InPlacePair::new(ProtocolVersion::TLSv1_3, &recorder, 19);
    p.handshake();
    let (before, after) = p.client.in_place_room(5).unwrap();
    // Wrong room: refused, and no sequence number is used up.
    let mut short = vec![0; before + 5 + after - 1];
    assert!(matches!(
        p.client.seal_in_place(&mut short, 5),
        Err(Error::ApiMisuse(_))
    ));
    // More than a record holds.
    let big = 16385;
    let (b, a) = p.client.in_place_room(big).unwrap();
    let mut too_big = vec![0; b + big + a];
    assert!(p.client.seal_in_place(&mut too_big, big).is_err());
    // Pending bytes (a KeyUpdate) must go first.
    p.client.refresh_traffic_keys(false).unwrap();
    let mut record = vec![0; before + 5 + after];
    record[before..before + 5].copy_from_slice(b"hello");
    assert!(matches!(
        p.client.seal_in_place(&mut record, 5),
        Err(Error::ApiMisuse(_))
    ));
    assert!(
        p.client.error().is_none(),
        "misuse does not fail the connection"
    );
    let mut wire = Vec::new();
    take_pending(&mut p.client, &mut wire);
    p.client.seal_in_place(&mut record, 5).unwrap();
    wire.extend_from_slice(&record);
    p.deliver_to_server(&mut wire).unwrap();
    assert_eq!(p.server_inbox.plaintext, b"hello");
    // After close_notify nothing more is sealed.
    p.client.send_close_notify();
    take_pending(&mut p.client, &mut wire);
    record[before..before + 5].copy_from_slice(b"again");
    assert!(matches!(
        p.client.seal_in_place(&mut record, 5),
        Err(Error::ApiMisuse(_))
    ));
}

/// AES-128-GCM whose confidentiality limit is a handful of records, so the key wears
/// out within a test (RFC 8446 5.5).
#[derive(Debug)]
struct ShortLivedAead;

impl handclasp::crypto::AeadAlgorithm for ShortLivedAead {
    fn key_len(&self) -> usize {
        handclasp::crypto::ring::AES_128_GCM.key_len()
    }
    fn new_key(&self, key: &[u8]) -> Result<Box<dyn handclasp::crypto::AeadKey>, Error> {
        handclasp::crypto::ring::AES_128_GCM.new_key(key)
    }
    fn confidentiality_limit(&self) -> u64 {
        6
    }
    fn name(&self) -> &'static str {
        "AES-128-GCM, worn out after 6 records"
    }
}

static SHORT_LIVED: ShortLivedAead = ShortLivedAead;
static SHORT_LIVED_SUITE: handclasp::crypto::Tls13CipherSuite =
    handclasp::crypto::Tls13CipherSuite {
        suite: handclasp::enums::CipherSuite::TLS13_AES_128_GCM_SHA256,
        hash: &handclasp::crypto::ring::SHA256,
        hmac: &handclasp::crypto::ring::HMAC_SHA256,
        aead: &SHORT_LIVED,
    };

#[test]
fn a_worn_out_key_is_replaced_before_a_record_sealed_in_place() {
    let mut provider = handclasp::crypto::ring::default_provider();
    provider.cipher_suites = vec![SupportedCipherSuite::Tls13(&SHORT_LIVED_SUITE)];
    let recorder = Arc::new(Recorder::default());
    let mut p = InPlacePair::of(pair_with(provider, ProtocolVersion::TLSv1_3, &recorder), 23);
    p.handshake();
    let data = pattern(20 * 1000, 4);
    let mut wire = Vec::new();
    // 20 records under keys that last 6: at least three KeyUpdates, each sent before
    // the record that needed it.
    seal_records_in_place(&mut p.client, &data, 1000, &mut wire);
    p.deliver_to_server(&mut wire).unwrap();
    assert!(p.server_inbox.plaintext == data);
    assert!(recorder.count(Side::Client, &Seen::KeyUpdate { ours: true }) >= 3);
    assert_eq!(
        recorder.count(Side::Client, &Seen::KeyUpdate { ours: true }),
        recorder.count(Side::Server, &Seen::KeyUpdate { ours: false })
    );
}

static SHORT_LIVED_TLS12_SUITE: handclasp::crypto::Tls12CipherSuite =
    handclasp::crypto::Tls12CipherSuite {
        suite: handclasp::enums::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        hash: &handclasp::crypto::ring::SHA256,
        hmac: &handclasp::crypto::ring::HMAC_SHA256,
        aead: &SHORT_LIVED,
        nonce: handclasp::crypto::Tls12Nonce::GcmExplicit,
        sign: handclasp::crypto::SignatureAlgorithm::Ecdsa,
    };

#[test]
fn a_worn_out_tls12_key_refuses_more_data_but_still_closes() {
    let mut provider = handclasp::crypto::ring::default_provider();
    provider.cipher_suites = vec![SupportedCipherSuite::Tls12(&SHORT_LIVED_TLS12_SUITE)];
    let recorder = Arc::new(Recorder::default());
    let mut p = InPlacePair::of(pair_with(provider, ProtocolVersion::TLSv1_2, &recorder), 29);
    p.handshake();
    // TLS 1.2 cannot replace a key (RFC 5246): once the next record would be the last
    // the AEAD allows, application data is refused.
    let mut wire = Vec::new();
    let mut sealed = Vec::new();
    let refused = loop {
        match p.client.seal_into(b"0123456789", &mut wire) {
            Ok(()) => sealed.extend_from_slice(b"0123456789"),
            Err(e) => break e,
        }
        assert!(sealed.len() < 1000, "the worn-out key was never noticed");
    };
    assert_eq!(refused, Error::EncryptError);
    assert!(!sealed.is_empty());
    let (before, after) = p.client.in_place_room(3).unwrap();
    let mut record = vec![0; before + 3 + after];
    assert_eq!(
        p.client.seal_in_place(&mut record, 3),
        Err(Error::EncryptError)
    );
    // The last record the key allows is the close_notify.
    p.client.send_close_notify();
    take_pending(&mut p.client, &mut wire);
    p.deliver_to_server(&mut wire).unwrap();
    assert_eq!(p.server_inbox.plaintext, sealed);
    assert!(p.server.peer_has_closed());
}
