//! Post-handshake messages only TLS 1.3 uses: NewSessionTicket (RFC 8446 4.6.1).

use alloc::vec::Vec;

use super::ext_server::NewSessionTicketExtension;
use super::extensions::{find, put_extension_block, read_extension_block, read_non_empty_opaque};
use crate::codec::{Codec, LengthPrefix, Reader, put_opaque};
use crate::enums::ExtensionType;
use crate::error::InvalidMessage;

/// TLS 1.3 NewSessionTicket (RFC 8446 4.6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicketTls13 {
    /// `uint32 ticket_lifetime`, seconds (at most 7 days; checked by the handshake).
    pub lifetime: u32,
    /// `uint32 ticket_age_add`.
    pub age_add: u32,
    /// `opaque ticket_nonce<0..255>`.
    pub nonce: Vec<u8>,
    /// `opaque ticket<1..2^16-1>`.
    pub ticket: Vec<u8>,
    /// The extensions (early_data).
    pub extensions: Vec<NewSessionTicketExtension>,
}

impl NewSessionTicketTls13 {
    /// The early_data `max_early_data_size` (RFC 8446 4.2.10), if 0-RTT is allowed.
    pub fn max_early_data_size(&self) -> Option<u32> {
        match find(&self.extensions, ExtensionType::EarlyData)? {
            NewSessionTicketExtension::EarlyData(max) => Some(*max),
            _ => None,
        }
    }
}

impl Codec for NewSessionTicketTls13 {
    fn encode(&self, out: &mut Vec<u8>) {
        self.lifetime.encode(out);
        self.age_add.encode(out);
        put_opaque(out, LengthPrefix::U8, &self.nonce);
        put_opaque(out, LengthPrefix::U16, &self.ticket);
        put_extension_block(out, &self.extensions);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            lifetime: r.u32("ticket_lifetime")?,
            age_add: r.u32("ticket_age_add")?,
            nonce: r.opaque(LengthPrefix::U8, "ticket_nonce")?.to_vec(),
            ticket: read_non_empty_opaque(r, LengthPrefix::U16, "ticket")?,
            extensions: read_extension_block(r, "NewSessionTicket extensions")?,
        })
    }
}
