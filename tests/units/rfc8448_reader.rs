//! Checks the RFC 8448 reader the other tests rely on.
use crate::common;

#[test]
fn reads_a_value_across_a_page_break() {
    let rfc = common::Rfc8448::load();
    let ch = rfc.value("3.  Simple 1-RTT Handshake", "ClientHello");
    assert_eq!(ch.len(), 196);
    assert_eq!(&ch[..6], &[0x01, 0x00, 0x00, 0xc0, 0x03, 0x03]);
    assert_eq!(&ch[ch.len() - 4..], &[0x00, 0x02, 0x40, 0x01]);
    assert_eq!(common::hex("0a 0B\nff"), [0x0a, 0x0b, 0xff]);
}
