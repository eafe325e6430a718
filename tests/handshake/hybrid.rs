//! The post-quantum hybrid groups (draft-ietf-tls-ecdhe-mlkem) between our client and
//! our server: chosen by default, the share sizes on the wire, HelloRetryRequest both
//! ways, record fragmentation of the large shares, and never in TLS 1.2.
use crate::common;

use std::sync::Arc;

use common::events::{Recorder, Seen, assert_in_order};
use common::pair::{Chunking, Pair};
use common::pki::{Ca, LeafSpec, NOV_2026, at};
use common::provider;
use common::tamper::{decode_message, split_records};
use handclasp::crypto::CryptoProvider;
use handclasp::enums::{NamedGroup, ProtocolVersion};
use handclasp::events::Side;
use handclasp::time::FixedTime;
use handclasp::unstable::msgs::{ClientExtension, HandshakePayload, ServerExtension};
use handclasp::verify::RootStore;
use handclasp::{ClientConfig, Limits, ServerConfig};

const HYBRID: NamedGroup = NamedGroup::X25519MLKEM768;
const P256_HYBRID: NamedGroup = NamedGroup::SecP256r1MLKEM768;

struct Setup {
    client: Arc<CryptoProvider>,
    server: Arc<CryptoProvider>,
    versions: &'static [ProtocolVersion],
    limits: Limits,
}

impl Default for Setup {
    fn default() -> Self {
        let default = Arc::new(handclasp::crypto::ring::default_provider());
        Self {
            client: default.clone(),
            server: default,
            versions: &[ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2],
            limits: Limits::default(),
        }
    }
}

fn groups(groups: &[NamedGroup]) -> Arc<CryptoProvider> {
    provider::with(&provider::all_suites(), groups)
}

fn pair(setup: Setup, rec: &Arc<Recorder>) -> Pair {
    let ca = Ca::root("hybrid root");
    let leaf = ca.issue(&LeafSpec::server(&["pq.test"]));
    let mut roots = RootStore::empty();
    roots.add(&ca.cert).unwrap();
    let time = Arc::new(FixedTime(at(NOV_2026)));
    let client = ClientConfig::builder_with_provider(setup.client)
        .with_root_store(roots)
        .with_protocol_versions(setup.versions)
        .with_time_provider(time.clone())
        .with_limits(setup.limits)
        .with_observer(rec.clone())
        .build()
        .unwrap();
    let server = ServerConfig::builder_with_provider(setup.server)
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap()
        .with_time_provider(time)
        .with_limits(setup.limits)
        .with_observer(rec.clone())
        .build()
        .unwrap();
    Pair::new(Arc::new(client), Arc::new(server), "pq.test")
}

/// The (group, share length) of each key share in the client's first flight.
fn client_shares(pair: &Pair) -> Vec<(NamedGroup, usize)> {
    let records = split_records(pair.client.pending_tls());
    let HandshakePayload::ClientHello(ch) = decode_message(&records[0]).payload else {
        panic!("no ClientHello");
    };
    ch.extensions
        .iter()
        .flatten()
        .find_map(|e| match e {
            ClientExtension::KeyShare(shares) => {
                Some(shares.iter().map(|s| (s.group, s.payload.len())).collect())
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// The (group, share length) of the server's ServerHello key share.
fn server_share(pair: &Pair) -> (NamedGroup, usize) {
    let records = split_records(pair.server.pending_tls());
    let HandshakePayload::ServerHello(sh) = decode_message(&records[0]).payload else {
        panic!("no ServerHello");
    };
    sh.extensions
        .iter()
        .flatten()
        .find_map(|e| match e {
            ServerExtension::KeyShare(share) => Some((share.group, share.payload.len())),
            _ => None,
        })
        .unwrap()
}

fn assert_negotiated(pair: &mut Pair, group: NamedGroup) {
    for conn in [&*pair.client, &*pair.server] {
        assert_eq!(conn.negotiated_group(), Some(group));
        assert_eq!(conn.protocol_version(), Some(ProtocolVersion::TLSv1_3));
    }
    pair.send_and_receive(true, b"from the client");
    pair.send_and_receive(false, b"from the server");
}

#[test]
fn defaults_negotiate_x25519mlkem768_with_an_x25519_share_beside_it() {
    let rec = Arc::new(Recorder::default());
    let mut pair = pair(Setup::default(), &rec);
    // draft-ietf-tls-ecdhe-mlkem 4.1: ML-KEM-768 encapsulation key (1,184) then the
    // X25519 key (32); the classical share is a separate 32-byte X25519 entry.
    assert_eq!(
        client_shares(&pair),
        [(HYBRID, 1216), (NamedGroup::X25519, 32)]
    );
    pair.client_to_server().unwrap();
    // Ciphertext (1,088) then the server's X25519 key (32).
    assert_eq!(server_share(&pair), (HYBRID, 1120));
    pair.handshake().unwrap();
    assert_negotiated(&mut pair, HYBRID);
    for side in [Side::Client, Side::Server] {
        assert!(
            !rec.of(side).iter().any(|e| matches!(e, Seen::Hrr { .. })),
            "{side:?}"
        );
        assert_in_order(
            &rec.of(side),
            &[
                Seen::KeyExchange(HYBRID),
                Seen::Complete(ProtocolVersion::TLSv1_3),
            ],
            &format!("{side:?}"),
        );
    }
    assert!(HYBRID.is_post_quantum());
    assert!(!NamedGroup::X25519.is_post_quantum());
}

#[test]
fn secp256r1mlkem768_puts_the_p256_point_first() {
    let rec = Arc::new(Recorder::default());
    let mut pair = pair(
        Setup {
            client: groups(&[P256_HYBRID, NamedGroup::secp256r1]),
            ..Setup::default()
        },
        &rec,
    );
    // draft-ietf-tls-ecdhe-mlkem 4.1: the uncompressed P-256 point (65) then the
    // encapsulation key (1,184); the server answers 65 + 1,088.
    assert_eq!(
        client_shares(&pair),
        [(P256_HYBRID, 1249), (NamedGroup::secp256r1, 65)]
    );
    pair.client_to_server().unwrap();
    assert_eq!(server_share(&pair), (P256_HYBRID, 1153));
    pair.handshake().unwrap();
    assert_negotiated(&mut pair, P256_HYBRID);
}

#[test]
fn a_classical_server_takes_the_x25519_share_without_a_retry() {
    let rec = Arc::new(Recorder::default());
    let mut pair = pair(
        Setup {
            server: groups(&[NamedGroup::X25519, NamedGroup::secp256r1]),
            ..Setup::default()
        },
        &rec,
    );
    pair.handshake().unwrap();
    assert_negotiated(&mut pair, NamedGroup::X25519);
    assert!(
        !rec.of(Side::Client)
            .iter()
            .any(|e| matches!(e, Seen::Hrr { .. }))
    );
}

#[test]
fn a_server_requiring_the_hybrid_asks_a_classical_client_for_it() {
    // RFC 8446 4.1.4: the client sent only an X25519 share, but supports the hybrid.
    let rec = Arc::new(Recorder::default());
    let mut pair = pair(
        Setup {
            client: groups(&[NamedGroup::X25519, HYBRID]),
            server: groups(&[HYBRID]),
            ..Setup::default()
        },
        &rec,
    );
    assert_eq!(client_shares(&pair), [(NamedGroup::X25519, 32)]);
    pair.handshake().unwrap();
    assert_negotiated(&mut pair, HYBRID);
    let hrr = Seen::Hrr {
        group: Some(HYBRID),
        cookie: false,
    };
    assert_eq!(rec.count(Side::Client, &hrr), 1);
}

#[test]
fn a_classical_server_asks_a_hybrid_client_for_its_group() {
    // The other way: shares for the hybrid and P-384, a server with X25519 only.
    let rec = Arc::new(Recorder::default());
    let mut pair = pair(
        Setup {
            client: groups(&[HYBRID, NamedGroup::secp384r1, NamedGroup::X25519]),
            server: groups(&[NamedGroup::X25519]),
            ..Setup::default()
        },
        &rec,
    );
    assert_eq!(
        client_shares(&pair),
        [(HYBRID, 1216), (NamedGroup::secp384r1, 97)]
    );
    pair.handshake().unwrap();
    assert_negotiated(&mut pair, NamedGroup::X25519);
    let hrr = Seen::Hrr {
        group: Some(NamedGroup::X25519),
        cookie: false,
    };
    assert_eq!(rec.count(Side::Client, &hrr), 1);
}

#[test]
fn the_large_shares_cross_small_records_and_any_split() {
    // 256-byte fragments: the ClientHello and ServerHello each span several records,
    // reassembled under the handshake size limit.
    for chunking in [Chunking::Whole, Chunking::Bytewise, Chunking::Random(7)] {
        let rec = Arc::new(Recorder::default());
        let limits = Limits {
            max_fragment: 256,
            ..Limits::default()
        };
        let mut pair = pair(
            Setup {
                limits,
                ..Setup::default()
            },
            &rec,
        )
        .with_chunking(chunking);
        let records = split_records(pair.client.pending_tls());
        assert!(
            records.len() >= 6,
            "{chunking:?}: {} records",
            records.len()
        );
        pair.handshake()
            .unwrap_or_else(|e| panic!("{chunking:?}: {e}"));
        assert_negotiated(&mut pair, HYBRID);
    }
}

#[test]
fn tls12_never_offers_or_chooses_a_hybrid() {
    // A TLS 1.2-only client leaves the hybrids out of supported_groups; a TLS 1.2
    // server (here offered them by a 1.3-capable client) picks a classical group.
    let rec = Arc::new(Recorder::default());
    let pair12 = pair(
        Setup {
            versions: &[ProtocolVersion::TLSv1_2],
            ..Setup::default()
        },
        &rec,
    );
    let records = split_records(pair12.client.pending_tls());
    let HandshakePayload::ClientHello(ch) = decode_message(&records[0]).payload else {
        panic!("no ClientHello");
    };
    let offered = ch.supported_groups().unwrap().to_vec();
    assert_eq!(
        offered,
        [
            NamedGroup::X25519,
            NamedGroup::secp256r1,
            NamedGroup::secp384r1
        ]
    );

    let rec = Arc::new(Recorder::default());
    let mut pair = pair(
        Setup {
            server: provider::with(
                &provider::suites_of(ProtocolVersion::TLSv1_2),
                &[HYBRID, NamedGroup::X25519],
            ),
            ..Setup::default()
        },
        &rec,
    );
    pair.handshake().unwrap();
    for conn in [&*pair.client, &*pair.server] {
        assert_eq!(conn.protocol_version(), Some(ProtocolVersion::TLSv1_2));
        assert_eq!(conn.negotiated_group(), Some(NamedGroup::X25519));
    }
}
