//! Pieces of the TLS 1.3 handshake both sides use.

use core::ops::Deref;

use crate::conn::CommonState;
use crate::crypto::{HashOutput, MAX_HASH_LEN, Signer};
use crate::enums::ExtensionType;
use crate::error::{Error, PeerMisbehaved};
use crate::events::HandshakeEvent;
use crate::key_schedule::HandshakeHash;
use crate::msgs::{DigitallySigned, Extension, HandshakePayload};

/// RFC 8446 4.1.3: the last 8 bytes of ServerHello.random when a TLS 1.3-capable
/// server negotiates TLS 1.2 ...
pub(crate) const DOWNGRADE_TLS12: [u8; 8] = *b"DOWNGRD\x01";
/// ... or TLS 1.1 and below.
pub(crate) const DOWNGRADE_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// The length of the CertificateVerify context strings.
const CONTEXT_LEN: usize = 33;

/// The content a CertificateVerify signs (RFC 8446 4.4.3), on the stack: 64 spaces,
/// the context string, a zero byte, then the transcript hash. Dereferences to the
/// bytes.
pub(crate) struct SignedContent {
    buf: [u8; 64 + CONTEXT_LEN + 1 + MAX_HASH_LEN],
    len: usize,
}

impl Deref for SignedContent {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// The content a CertificateVerify signs (RFC 8446 4.4.3) for `transcript_hash`.
pub(crate) fn certificate_verify_message(
    server: bool,
    transcript_hash: &HashOutput,
) -> SignedContent {
    let context: &[u8; CONTEXT_LEN] = if server {
        b"TLS 1.3, server CertificateVerify"
    } else {
        b"TLS 1.3, client CertificateVerify"
    };
    let mut content = SignedContent {
        buf: [0x20; 64 + CONTEXT_LEN + 1 + MAX_HASH_LEN],
        len: 64,
    };
    // Always fits: the buffer is sized for the longest hash.
    for part in [&context[..], &[0], transcript_hash.as_ref()] {
        let end = content.len + part.len();
        if let Some(dst) = content.buf.get_mut(content.len..end) {
            dst.copy_from_slice(part);
            content.len = end;
        }
    }
    content
}

/// Signs the transcript so far and sends the CertificateVerify (RFC 8446 4.4.3), as
/// the server or the client.
pub(crate) fn send_certificate_verify(
    cx: &mut CommonState,
    signer: &dyn Signer,
    server: bool,
    transcript: &mut HandshakeHash,
) -> Result<(), Error> {
    let message = certificate_verify_message(server, &transcript.current());
    let scheme = signer.scheme();
    let signature = signer.sign(&message)?;
    let encoded = cx.send_handshake(HandshakePayload::CertificateVerify(DigitallySigned {
        scheme,
        signature,
    }))?;
    transcript.add_message(encoded);
    cx.emit(|| HandshakeEvent::SignatureSent { scheme });
    Ok(())
}

/// The extension types of a ClientHello we sent, kept inline: the server's replies
/// are checked against them (RFC 8446 4.2), and a hello of ours has at most 14.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OfferedExtensions {
    types: [ExtensionType; Self::MAX],
    len: usize,
}

impl OfferedExtensions {
    const MAX: usize = 16;

    /// The types of `extensions`, in order. More than [`Self::MAX`] is a bug in our
    /// ClientHello builder, reported as [`Error::Internal`].
    pub(crate) fn of<E: Extension>(extensions: &[E]) -> Result<Self, Error> {
        let mut offered = Self {
            types: [ExtensionType::Unknown(0); Self::MAX],
            len: 0,
        };
        for ext in extensions {
            let slot = offered
                .types
                .get_mut(offered.len)
                .ok_or(Error::Internal("too many ClientHello extensions"))?;
            *slot = ext.ext_type();
            offered.len += 1;
        }
        Ok(offered)
    }

    /// The offered types.
    pub(crate) fn as_slice(&self) -> &[ExtensionType] {
        self.types.get(..self.len).unwrap_or_default()
    }
}

/// Checks the extensions of a message the peer sent in reply to ours.
///
/// RFC 8446 4.2: a reply may only carry extensions that were offered
/// (`unsupported_extension` otherwise), and only those defined for that message
/// (`illegal_parameter` otherwise).
pub(crate) fn check_reply_extensions<E: Extension>(
    extensions: &[E],
    offered: &[ExtensionType],
    allowed_here: &[ExtensionType],
    message: &'static str,
) -> Result<(), Error> {
    for ext in extensions {
        let typ = ext.ext_type();
        if !offered.contains(&typ) {
            return Err(PeerMisbehaved::UnsolicitedExtension {
                message,
                extension: typ,
            }
            .into());
        }
        if !allowed_here.contains(&typ) {
            return Err(PeerMisbehaved::ExtensionNotAllowed {
                message,
                extension: typ,
            }
            .into());
        }
    }
    Ok(())
}
