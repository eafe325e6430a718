//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod adversary;
pub mod early;
pub mod events;
pub mod openssl;
pub mod pair;
pub mod peers;
pub mod pki;
pub mod pki_errors;
pub mod provider;
pub mod tamper;

/// Decodes hex, ignoring whitespace. Panics on bad input (test data only).
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| {
            u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).expect("bad hex digit")
        })
        .collect()
}

/// The text of RFC 8448 (TLS 1.3 traces), with a reader for its labelled hex values.
pub struct Rfc8448 {
    text: &'static str,
}

impl Rfc8448 {
    /// Loads the copy in tests/data.
    pub fn load() -> Self {
        Self {
            text: include_str!("../data/rfc8448.txt"),
        }
    }

    /// Returns the bytes of the first value labelled `label (N octets):` that follows the
    /// first occurrence of `anchor` (a distinctive piece of text, e.g. a section heading
    /// or a step like `{server}  derive secret "tls13 s hs traffic"`). Page headers and
    /// footers inside the value are skipped.
    pub fn value(&self, anchor: &str, label: &str) -> Vec<u8> {
        let start = self
            .text
            .find(anchor)
            .unwrap_or_else(|| panic!("anchor {anchor:?} not in RFC 8448"));
        let rest = &self.text[start..];
        let needle = format!("{label} (");
        let at = rest
            .find(&needle)
            .unwrap_or_else(|| panic!("{label:?} not found after {anchor:?}"));
        let rest = &rest[at + needle.len()..];
        let close = rest.find(" octets):").expect("octet count");
        let n: usize = rest[..close]
            .trim()
            .parse()
            .expect("octet count is a number");
        let rest = &rest[close + " octets):".len()..];
        let mut out = Vec::with_capacity(n);
        for line in rest.lines() {
            if line.contains("[Page") || line.contains("RFC 8448") {
                continue;
            }
            for token in line.split_whitespace() {
                if out.len() == n {
                    return out;
                }
                if token.len() == 2 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.push(u8::from_str_radix(token, 16).unwrap());
                }
            }
            if out.len() == n {
                return out;
            }
        }
        panic!(
            "{label:?} after {anchor:?}: only {} of {n} octets found",
            out.len()
        );
    }
}
