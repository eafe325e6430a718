//! Messages only TLS 1.2 uses: the ECDHE key exchange (RFC 8422 5.4, 5.7) and the
//! TLS 1.2 NewSessionTicket (RFC 5077 3.3).

use alloc::vec::Vec;

use super::certificate::DigitallySigned;
use super::extensions::read_non_empty_opaque;
use crate::codec::{Codec, LengthPrefix, Reader, put_opaque};
use crate::enums::{ECCurveType, NamedGroup};
use crate::error::InvalidMessage;

/// `ServerECDHParams` (RFC 8422 5.4): a named curve and the server's ephemeral point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcdheParams {
    /// The group (`ECParameters` with `curve_type = named_curve`).
    pub group: NamedGroup,
    /// The encoded public value, `opaque point<1..2^8-1>`.
    pub public: Vec<u8>,
}

impl Codec for EcdheParams {
    fn encode(&self, out: &mut Vec<u8>) {
        ECCurveType::NamedCurve.encode(out);
        self.group.encode(out);
        put_opaque(out, LengthPrefix::U8, &self.public);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        // RFC 8422 5.4: explicit curves are deprecated; only named_curve is accepted.
        if ECCurveType::read(r)? != ECCurveType::NamedCurve {
            return Err(InvalidMessage::IllegalValue("ECCurveType"));
        }
        Ok(Self {
            group: NamedGroup::read(r)?,
            public: read_non_empty_opaque(r, LengthPrefix::U8, "ECPoint")?,
        })
    }
}

/// ServerKeyExchange for ECDHE suites (RFC 8422 5.4): parameters and their signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcdheServerKeyExchange {
    /// The signed parameters.
    pub params: EcdheParams,
    /// The signature over client_random + server_random + params.
    pub signature: DigitallySigned,
}

impl EcdheServerKeyExchange {
    /// The encoded `ServerECDHParams`, the part of the signed content after the two
    /// randoms (RFC 8422 5.4).
    pub fn params_encoding(&self) -> Vec<u8> {
        self.params.get_encoding()
    }
}

impl Codec for EcdheServerKeyExchange {
    fn encode(&self, out: &mut Vec<u8>) {
        self.params.encode(out);
        self.signature.encode(out);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            params: EcdheParams::read(r)?,
            signature: DigitallySigned::read(r)?,
        })
    }
}

/// ClientKeyExchange for ECDHE suites (RFC 8422 5.7): the client's ephemeral point,
/// `opaque point<1..2^8-1>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcdheClientKeyExchange {
    /// The encoded public value.
    pub public: Vec<u8>,
}

impl Codec for EcdheClientKeyExchange {
    fn encode(&self, out: &mut Vec<u8>) {
        put_opaque(out, LengthPrefix::U8, &self.public);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            public: read_non_empty_opaque(r, LengthPrefix::U8, "ECPoint")?,
        })
    }
}

/// TLS 1.2 NewSessionTicket (RFC 5077 3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicketTls12 {
    /// `uint32 ticket_lifetime_hint`, seconds; 0 means unspecified.
    pub lifetime_hint: u32,
    /// `opaque ticket<0..2^16-1>`.
    pub ticket: Vec<u8>,
}

impl Codec for NewSessionTicketTls12 {
    fn encode(&self, out: &mut Vec<u8>) {
        self.lifetime_hint.encode(out);
        put_opaque(out, LengthPrefix::U16, &self.ticket);
    }
    fn read(r: &mut Reader<'_>) -> Result<Self, InvalidMessage> {
        Ok(Self {
            lifetime_hint: r.u32("ticket_lifetime_hint")?,
            ticket: r.opaque(LengthPrefix::U16, "ticket")?.to_vec(),
        })
    }
}
