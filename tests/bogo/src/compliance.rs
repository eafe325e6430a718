//! BoringSSL's compliance policies (`-fips-202205`, `-wpa-202304`, `-cnsa1-202603`,
//! `-cnsa2-202603`, `-cnsa-202407`), expressed as what handclasp can restrict: the
//! provider's cipher suites and groups, the schemes our key signs with and the
//! schemes we accept, and the versions. The lists are the policies' published
//! contents (the runner's `compliance_policy_tests.go` checks each entry).

/// A policy: wire values of everything it allows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    pub flag: &'static str,
    pub suites: &'static [u16],
    pub groups: &'static [u16],
    pub schemes: &'static [u16],
    pub tls13_only: bool,
}

const TLS13_AES_128_GCM: u16 = 0x1301;
const TLS13_AES_256_GCM: u16 = 0x1302;
const ECDHE_ECDSA_AES_128_GCM: u16 = 0xc02b;
const ECDHE_ECDSA_AES_256_GCM: u16 = 0xc02c;
const ECDHE_RSA_AES_128_GCM: u16 = 0xc02f;
const ECDHE_RSA_AES_256_GCM: u16 = 0xc030;
const SECP256R1: u16 = 23;
const SECP384R1: u16 = 24;
const MLKEM1024: u16 = 0x0202;
const RSA_PKCS1_SHA256: u16 = 0x0401;
const RSA_PKCS1_SHA384: u16 = 0x0501;
const RSA_PKCS1_SHA512: u16 = 0x0601;
const ECDSA_P256_SHA256: u16 = 0x0403;
const ECDSA_P384_SHA384: u16 = 0x0503;
const RSA_PSS_SHA256: u16 = 0x0804;
const RSA_PSS_SHA384: u16 = 0x0805;
const RSA_PSS_SHA512: u16 = 0x0806;

pub const POLICIES: &[Policy] = &[
    Policy {
        flag: "-fips-202205",
        suites: &[
            TLS13_AES_128_GCM,
            TLS13_AES_256_GCM,
            ECDHE_ECDSA_AES_128_GCM,
            ECDHE_ECDSA_AES_256_GCM,
            ECDHE_RSA_AES_128_GCM,
            ECDHE_RSA_AES_256_GCM,
        ],
        groups: &[SECP256R1, SECP384R1],
        schemes: &[
            ECDSA_P256_SHA256,
            ECDSA_P384_SHA384,
            RSA_PSS_SHA256,
            RSA_PSS_SHA384,
            RSA_PSS_SHA512,
            RSA_PKCS1_SHA256,
            RSA_PKCS1_SHA384,
            RSA_PKCS1_SHA512,
        ],
        tls13_only: false,
    },
    Policy {
        flag: "-wpa-202304",
        suites: &[
            TLS13_AES_256_GCM,
            ECDHE_ECDSA_AES_256_GCM,
            ECDHE_RSA_AES_256_GCM,
        ],
        groups: &[SECP384R1],
        schemes: &[
            ECDSA_P384_SHA384,
            RSA_PSS_SHA384,
            RSA_PSS_SHA512,
            RSA_PKCS1_SHA384,
            RSA_PKCS1_SHA512,
        ],
        tls13_only: false,
    },
    Policy {
        flag: "-cnsa1-202603",
        suites: &[
            TLS13_AES_256_GCM,
            ECDHE_ECDSA_AES_256_GCM,
            ECDHE_RSA_AES_256_GCM,
        ],
        groups: &[MLKEM1024, SECP384R1],
        schemes: &[ECDSA_P384_SHA384, RSA_PSS_SHA384, RSA_PKCS1_SHA384],
        tls13_only: false,
    },
    Policy {
        flag: "-cnsa2-202603",
        suites: &[TLS13_AES_256_GCM],
        groups: &[MLKEM1024],
        schemes: &[ECDSA_P384_SHA384, RSA_PSS_SHA384],
        tls13_only: true,
    },
];

/// The policy a flag names.
pub fn by_flag(flag: &str) -> Option<&'static Policy> {
    POLICIES.iter().find(|p| p.flag == flag)
}

/// `-cnsa-202407`: AES-256-GCM first, then AES-128-GCM, then ChaCha20-Poly1305 (the
/// TLS 1.3 suites' order of preference; nothing is removed).
pub const CNSA_202407_ORDER: &[u16] = &[TLS13_AES_256_GCM, TLS13_AES_128_GCM, 0x1303];

/// Keeps `want` in `policy`'s list (all of it when the list is empty), in the order of
/// `want`.
pub fn keep(want: &[u16], allowed: &[u16]) -> Vec<u16> {
    want.iter()
        .copied()
        .filter(|w| allowed.contains(w))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_is_found_by_its_flag() {
        for p in POLICIES {
            assert_eq!(by_flag(p.flag), Some(p));
        }
        assert_eq!(by_flag("-fips-2022"), None);
    }

    #[test]
    fn keep_intersects_in_our_order() {
        assert_eq!(keep(&[3, 1, 2], &[1, 3]), vec![3, 1]);
    }
}
