//! A handshake observer that records the events tests look at, for both sides.

use std::sync::{Arc, Mutex};

use super::pair::Pair;
use handclasp::Error;

use handclasp::enums::{
    AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme,
};
use handclasp::events::{HandshakeEvent, HandshakeObserver, Side};

/// The events a test looks at, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Hrr {
        group: Option<NamedGroup>,
        cookie: bool,
    },
    ServerHello {
        version: ProtocolVersion,
        suite: CipherSuite,
        group: Option<NamedGroup>,
    },
    CertificateReceived,
    CertificateVerified,
    KeyExchange(NamedGroup),
    SignatureSent(SignatureScheme),
    SignatureVerified(SignatureScheme),
    KeyUpdate {
        ours: bool,
    },
    AlertSent(AlertDescription),
    AlertReceived(AlertDescription),
    Complete(ProtocolVersion),
}

/// Records the interesting events of both sides.
#[derive(Debug, Default)]
pub struct Recorder(Mutex<Vec<(Side, Seen)>>);

impl HandshakeObserver for Recorder {
    fn on_event(&self, side: Side, event: &HandshakeEvent<'_>) {
        let seen = match event {
            HandshakeEvent::HelloRetryRequest { group, cookie } => Seen::Hrr {
                group: *group,
                cookie: *cookie,
            },
            HandshakeEvent::ServerHello {
                version,
                cipher_suite,
                group,
                ..
            } => Seen::ServerHello {
                version: *version,
                suite: *cipher_suite,
                group: *group,
            },
            HandshakeEvent::CertificateReceived { .. } => Seen::CertificateReceived,
            HandshakeEvent::CertificateVerified { .. } => Seen::CertificateVerified,
            HandshakeEvent::KeyExchange { group, .. } => Seen::KeyExchange(*group),
            HandshakeEvent::SignatureSent { scheme } => Seen::SignatureSent(*scheme),
            HandshakeEvent::SignatureVerified { scheme } => Seen::SignatureVerified(*scheme),
            HandshakeEvent::KeyUpdate { ours } => Seen::KeyUpdate { ours: *ours },
            HandshakeEvent::AlertSent(a) => Seen::AlertSent(*a),
            HandshakeEvent::AlertReceived(a) => Seen::AlertReceived(*a),
            HandshakeEvent::HandshakeComplete { version, .. } => Seen::Complete(*version),
            _ => return,
        };
        self.0.lock().unwrap().push((side, seen));
    }
}

impl Recorder {
    /// Every recorded event of one side, in order.
    pub fn of(&self, side: Side) -> Vec<Seen> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(s, _)| *s == side)
            .map(|(_, e)| e.clone())
            .collect()
    }

    pub fn count(&self, side: Side, seen: &Seen) -> usize {
        self.of(side).iter().filter(|e| *e == seen).count()
    }

    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    /// The signature events of one side, in order.
    pub fn signatures(&self, side: Side) -> Vec<Seen> {
        self.of(side)
            .into_iter()
            .filter(|e| matches!(e, Seen::SignatureSent(_) | Seen::SignatureVerified(_)))
            .collect()
    }

    /// The alert events of one side, in order.
    pub fn alerts(&self, side: Side) -> Vec<Seen> {
        self.of(side)
            .into_iter()
            .filter(|e| matches!(e, Seen::AlertSent(_) | Seen::AlertReceived(_)))
            .collect()
    }
}

/// Each side closing first: close_notify stops the closer's writes, reaches the peer,
/// the other direction works until the peer closes too, and both sides' events show
/// the alerts in order.
pub fn check_close_notify(make_pair: impl Fn(&Arc<Recorder>) -> Pair) {
    for client_closes in [true, false] {
        let rec = Arc::new(Recorder::default());
        let mut pair = make_pair(&rec);
        pair.handshake().unwrap();
        let (closer, _) = pair.sides(client_closes);
        closer.send_close_notify();
        assert!(matches!(
            closer.write_plaintext(b"late"),
            Err(Error::ApiMisuse(_))
        ));
        if client_closes {
            pair.client_to_server().unwrap();
        } else {
            pair.server_to_client().unwrap();
        }
        let (closer, peer) = pair.sides(client_closes);
        assert!(peer.peer_has_closed());
        assert!(!closer.peer_has_closed());
        assert!(!peer.truncated());
        // The other direction still works until the peer closes too.
        pair.send_and_receive(!client_closes, b"last words");
        let (_, peer) = pair.sides(client_closes);
        peer.send_close_notify();
        if client_closes {
            pair.server_to_client().unwrap();
        } else {
            pair.client_to_server().unwrap();
        }
        assert!(pair.client.peer_has_closed());
        assert!(pair.server.peer_has_closed());
        let (closer, peer) = if client_closes {
            (Side::Client, Side::Server)
        } else {
            (Side::Server, Side::Client)
        };
        assert_eq!(
            rec.alerts(closer),
            [
                Seen::AlertSent(AlertDescription::CloseNotify),
                Seen::AlertReceived(AlertDescription::CloseNotify)
            ]
        );
        assert_eq!(
            rec.alerts(peer),
            [
                Seen::AlertReceived(AlertDescription::CloseNotify),
                Seen::AlertSent(AlertDescription::CloseNotify)
            ]
        );
    }
}

/// Asserts that `steps` appear in `events` in this order (other events may come
/// between them).
#[allow(dead_code)]
pub fn assert_in_order(events: &[Seen], steps: &[Seen], ctx: &str) {
    let mut rest = events.iter();
    for step in steps {
        assert!(
            rest.any(|e| e == step),
            "{ctx}: {step:?} missing or out of order in {events:?}"
        );
    }
}
