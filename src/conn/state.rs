//! What a handshake state machine is given and must answer: the contract between the
//! connection core (which knows no side) and the client's and server's states.

use super::CommonState;
use crate::enums::{ContentType, HandshakeType};
use crate::error::{Error, MessageKind};
use crate::msgs::{HandshakeMessage, HandshakePayload};

/// What a handshake state is given to handle.
pub(crate) enum Input<'a> {
    /// A whole handshake message and its encoding (for the transcript).
    Handshake {
        msg: HandshakeMessage,
        encoded: &'a [u8],
    },
    /// A TLS 1.2 ChangeCipherSpec.
    ChangeCipherSpec,
}

impl<'a> Input<'a> {
    /// The handshake message and its encoding, or the error for anything else.
    pub(crate) fn handshake(
        self,
        expected: &'static str,
    ) -> Result<(HandshakePayload, &'a [u8]), Error> {
        match self {
            Self::Handshake { msg, encoded } => Ok((msg.payload, encoded)),
            other => Err(other.unexpected(expected)),
        }
    }

    /// The error for a message the state cannot accept.
    pub(crate) fn unexpected(&self, expected: &'static str) -> Error {
        let got = match self {
            Self::Handshake { msg, .. } => MessageKind::Handshake(msg.typ()),
            Self::ChangeCipherSpec => MessageKind::Record(ContentType::ChangeCipherSpec),
        };
        Error::UnexpectedMessage { expected, got }
    }
}

/// Takes the one handshake message a state requires out of its [`Input`]: gives
/// `(body, encoding)` for a message of variant `$variant`, and returns
/// unexpected_message naming `$expected` for anything else.
macro_rules! require_message {
    ($input:expr, $variant:path, $expected:expr) => {
        match $input.handshake($expected)? {
            ($variant(body), encoded) => (body, encoded),
            (other, _) => return Err($crate::conn::unexpected(&other, $expected)),
        }
    };
}
pub(crate) use require_message;

/// The error for a handshake message a state cannot accept.
pub(crate) fn unexpected(payload: &HandshakePayload, expected: &'static str) -> Error {
    Error::UnexpectedMessage {
        expected,
        got: MessageKind::Handshake(payload.typ()),
    }
}

/// What the connection core needs of a handshake state machine. The core knows no
/// side: each rule that differs between client and server is a question the state
/// answers.
pub(crate) trait HandshakeState: Send + Sync {
    /// Handles one message (or a TLS 1.2 ChangeCipherSpec), moving to the next state
    /// in place. After an error the state is dropped, never used again.
    fn handle(&mut self, cx: &mut CommonState, input: Input<'_>) -> Result<(), Error>;

    /// The handshake types this state can take, and how to name them in an error.
    /// Any other type is unexpected_message, decided before its body is parsed
    /// (RFC 8446 6.2, RFC 5246 7.2.2: "an inappropriate message was received").
    fn expects(&self) -> (&'static str, &'static [HandshakeType]);

    /// A message this state drops unseen (and unhashed), e.g. a HelloRequest during a
    /// client's TLS 1.2 handshake (RFC 5246 7.4.1.1).
    fn ignores(&self, _typ: HandshakeType) -> bool {
        false
    }

    /// Whether a message of type `typ` asks to renegotiate (we refuse each, RFC 5746
    /// 4.2, 4.4), to count against [`super::Limits::max_renegotiation_requests`].
    fn is_renegotiation_request(&self, _cx: &CommonState, _typ: HandshakeType) -> bool {
        false
    }

    /// Whether a warning-level alert other than close_notify and user_canceled is
    /// tolerated now (RFC 5246 7.2) rather than fatal (RFC 8446 6.2): once TLS 1.2
    /// is agreed.
    fn tolerates_warning_alerts(&self, cx: &CommonState) -> bool {
        cx.agreed.is_tls12()
    }

    /// Whether one unprotected change_cipher_spec (RFC 8446 D.4 middlebox
    /// compatibility) may arrive now: only once a TLS 1.3 hello was sent or received.
    fn may_receive_compat_ccs(&self, cx: &CommonState) -> bool;
}
