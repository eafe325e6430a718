//! The alert and change_cipher_spec record payloads (RFC 8446 6, 5; RFC 5246 7.1, 7.2).

use alloc::vec::Vec;

use crate::codec::{Codec, Reader};
use crate::enums::{AlertDescription, AlertLevel};
use crate::error::InvalidMessage;

/// An alert record's payload: level and description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertMessage {
    /// warning or fatal.
    pub level: AlertLevel,
    /// What happened; unknown descriptions are kept.
    pub description: AlertDescription,
}

impl Codec for AlertMessage {
    fn encode(&self, out: &mut Vec<u8>) {
        self.level.encode(out);
        self.description.encode(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        // RFC 8446 6: only warning(1) and fatal(2) exist; anything else is not an alert
        // we can act on.
        let level = match AlertLevel::read(r)? {
            AlertLevel::Unknown(_) => return Err(InvalidMessage::IllegalValue("alert level")),
            level => level,
        };
        Ok(Self {
            level,
            description: AlertDescription::read(r)?,
        })
    }
}

/// The change_cipher_spec payload, which is always the single byte 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeCipherSpecPayload;

impl ChangeCipherSpecPayload {
    /// Decodes a whole change_cipher_spec record payload, which must be exactly `[1]`;
    /// anything else (including trailing bytes) is
    /// [`InvalidMessage::InvalidChangeCipherSpec`] (RFC 8446 5).
    pub fn read_payload(payload: &[u8]) -> Result<Self, InvalidMessage> {
        match payload {
            [1] => Ok(Self),
            _ => Err(InvalidMessage::InvalidChangeCipherSpec),
        }
    }
}

impl Codec for ChangeCipherSpecPayload {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(1);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        // RFC 8446 5: "any other change_cipher_spec value" than 0x01 is an error.
        if r.u8("change_cipher_spec")? != 1 {
            return Err(InvalidMessage::InvalidChangeCipherSpec);
        }
        Ok(Self)
    }
}
