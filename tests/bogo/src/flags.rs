//! The runner's command line: which flags the shim understands, and for which
//! connection (initial, resumed) each applies.
//!
//! The runner passes BoringSSL `bssl_shim` flags. A flag the shim does not know makes
//! it exit with [`UNIMPLEMENTED`], which the runner counts as "unimplemented" rather
//! than as a failure. Flags prefixed `-on-initial-`, `-on-resume-` and `-on-retry-`
//! apply to only the first connection, only the resumed ones, or (ECH retries, which
//! the shim does not do) none; `-on-shim-` applies always (it only matters when a
//! separate handshaker process exists, and the shim has none).

/// The exit code the runner reads as "this test needs something the shim lacks".
pub const UNIMPLEMENTED: i32 = 89;

/// Everything one connection needs from the command line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    pub port: u16,
    pub shim_id: u64,
    pub ipv6: bool,
    pub server: bool,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub trust_cert: Option<String>,
    pub resume_count: usize,
    pub shim_writes_first: bool,
    pub shim_shuts_down: bool,
    pub check_close_notify: bool,
    /// Wire values, e.g. 0x0303 for TLS 1.2.
    pub min_version: Option<u16>,
    pub max_version: Option<u16>,
    pub expect_version: Option<u16>,
    /// ALPN protocols to offer (client), decoded from the runner's wire format.
    pub advertise_alpn: Option<Vec<Vec<u8>>>,
    pub expect_alpn: Option<Vec<u8>>,
    pub expect_no_alpn: bool,
    /// The protocol a server selects.
    pub select_alpn: Option<Vec<u8>>,
    /// Key-exchange groups, most preferred first.
    pub curves: Vec<u16>,
    pub expect_curve_id: Option<u16>,
    pub host_name: Option<String>,
    pub expect_server_name: Option<String>,
    pub require_any_client_certificate: bool,
    pub verify_peer: bool,
    pub key_update: bool,
    pub export_keying_material: usize,
    pub export_label: Vec<u8>,
    pub export_context: Vec<u8>,
    pub use_export_context: bool,
    pub expect_session_miss: bool,
    pub expect_resumed: bool,
    pub expect_no_session: bool,
    /// `-async`: bytes cross the socket one at a time in each direction, as
    /// BoringSSL's async BIO does, so every record arrives split at every point.
    pub async_io: bool,
    pub verify_fail: bool,
    pub use_custom_verify_callback: bool,
    pub expect_verify_result: bool,
    /// Signature schemes (wire values) our key may use, most preferred first.
    pub signing_prefs: Vec<u16>,
    /// Signature schemes we accept from the peer, most preferred first.
    pub verify_prefs: Vec<u16>,
    pub expect_peer_signature_algorithm: Option<u16>,
    pub enable_early_data: bool,
    pub expect_accept_early_data: bool,
    pub expect_reject_early_data: bool,
    pub expect_ticket_supports_early_data: bool,
    pub expect_no_offer_early_data: bool,
    /// A compliance policy flag (`-fips-202205`, ...), see `compliance.rs`.
    pub compliance: Option<&'static str>,
    /// `-cnsa-202407`: prefer AES-256-GCM.
    pub cnsa_202407: bool,
    pub expect_hrr: bool,
    pub expect_no_hrr: bool,
}

/// Why the command line cannot be run.
#[derive(Debug, PartialEq)]
pub enum FlagError {
    /// A flag the shim does not implement (exit [`UNIMPLEMENTED`]).
    Unimplemented(String),
    /// A known flag with a missing or malformed value.
    BadValue(String),
}

/// Which connection of the test's sequence the options are for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Which {
    Initial,
    Resumed,
}

/// Flags that take no value.
const BOOL_FLAGS: &[&str] = &[
    "-server",
    "-ipv6",
    "-shim-writes-first",
    "-shim-shuts-down",
    "-check-close-notify",
    "-expect-no-alpn",
    "-require-any-client-certificate",
    "-verify-peer",
    "-key-update",
    "-use-export-context",
    "-expect-session-miss",
    "-expect-no-session",
    "-async",
    // The handshake runs inside the first read or write: for a sans-IO state machine
    // driven by the shim either way, this changes nothing.
    "-implicit-handshake",
    "-verify-fail",
    "-use-custom-verify-callback",
    "-expect-verify-result",
    "-enable-early-data",
    "-expect-accept-early-data",
    "-expect-reject-early-data",
    "-expect-ticket-supports-early-data",
    "-expect-no-offer-early-data",
    "-fips-202205",
    "-wpa-202304",
    "-cnsa1-202603",
    "-cnsa2-202603",
    "-cnsa-202407",
    "-expect-hrr",
    "-expect-no-hrr",
    // The client certificate comes from a callback rather than the configuration:
    // handclasp has one way to give it, so this changes nothing.
    "-use-old-client-cert-callback",
];

/// Flags that take one value.
const VALUE_FLAGS: &[&str] = &[
    "-port",
    "-shim-id",
    "-cert-file",
    "-key-file",
    "-trust-cert",
    "-resume-count",
    "-min-version",
    "-max-version",
    "-expect-version",
    "-advertise-alpn",
    "-expect-alpn",
    "-select-alpn",
    "-curves",
    "-expect-curve-id",
    "-host-name",
    "-expect-server-name",
    "-export-keying-material",
    "-export-label",
    "-export-context",
    "-signing-prefs",
    "-verify-prefs",
    "-expect-peer-signature-algorithm",
];

/// Every flag on the command line the shim does not know, without prefixes, for
/// finding which flags would turn the most unimplemented tests into real ones.
pub fn unknown_flags(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let (flag, _) = strip_prefix(&args[i], Which::Initial);
        i += 1;
        if VALUE_FLAGS.contains(&flag.as_str()) {
            i += 1;
        } else if !BOOL_FLAGS.contains(&flag.as_str()) {
            // An unknown flag's value (if any) does not start with '-' as a rule.
            if args.get(i).is_some_and(|v| !v.starts_with('-')) {
                i += 1;
            }
            out.push(flag);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Splits a prefixed flag into the flag and whether it applies to `which`.
fn strip_prefix(flag: &str, which: Which) -> (String, bool) {
    for (prefix, applies) in [
        ("-on-initial-", which == Which::Initial),
        ("-on-resume-", which == Which::Resumed),
        // ECH retry connections never happen here; the flag is still checked.
        ("-on-retry-", false),
        ("-on-shim-", true),
    ] {
        if let Some(rest) = flag.strip_prefix(prefix) {
            return (format!("-{rest}"), applies);
        }
    }
    (flag.to_string(), true)
}

/// Parses the command line (without the program name) for one connection.
pub fn parse(args: &[String], which: Which) -> Result<Options, FlagError> {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let (flag, applies) = strip_prefix(&args[i], which);
        i += 1;
        let value = if BOOL_FLAGS.contains(&flag.as_str()) {
            None
        } else if VALUE_FLAGS.contains(&flag.as_str()) {
            let v = args
                .get(i)
                .ok_or_else(|| FlagError::BadValue(format!("{flag} needs a value")))?;
            i += 1;
            Some(v.as_str())
        } else {
            return Err(FlagError::Unimplemented(args[i - 1].clone()));
        };
        if applies {
            apply(&mut o, &flag, value)?;
        }
    }
    Ok(o)
}

fn number<T: std::str::FromStr>(flag: &str, v: Option<&str>) -> Result<T, FlagError> {
    v.and_then(|v| v.parse().ok())
        .ok_or_else(|| FlagError::BadValue(format!("{flag}: not a number: {v:?}")))
}

fn apply(o: &mut Options, flag: &str, v: Option<&str>) -> Result<(), FlagError> {
    let s = || v.unwrap_or_default().to_string();
    match flag {
        "-server" => o.server = true,
        "-ipv6" => o.ipv6 = true,
        "-shim-writes-first" => o.shim_writes_first = true,
        "-shim-shuts-down" => o.shim_shuts_down = true,
        "-check-close-notify" => o.check_close_notify = true,
        "-expect-no-alpn" => o.expect_no_alpn = true,
        "-require-any-client-certificate" => o.require_any_client_certificate = true,
        "-verify-peer" => o.verify_peer = true,
        "-key-update" => o.key_update = true,
        "-use-export-context" => o.use_export_context = true,
        "-expect-session-miss" => o.expect_session_miss = true,
        "-expect-no-session" => o.expect_no_session = true,
        "-async" => o.async_io = true,
        "-implicit-handshake" => {}
        "-verify-fail" => o.verify_fail = true,
        "-use-custom-verify-callback" => o.use_custom_verify_callback = true,
        "-expect-verify-result" => o.expect_verify_result = true,
        "-enable-early-data" => o.enable_early_data = true,
        "-expect-accept-early-data" => o.expect_accept_early_data = true,
        "-expect-reject-early-data" => o.expect_reject_early_data = true,
        "-expect-ticket-supports-early-data" => o.expect_ticket_supports_early_data = true,
        "-expect-no-offer-early-data" => o.expect_no_offer_early_data = true,
        "-cnsa-202407" => o.cnsa_202407 = true,
        "-expect-hrr" => o.expect_hrr = true,
        "-expect-no-hrr" => o.expect_no_hrr = true,
        "-use-old-client-cert-callback" => {}
        f if crate::compliance::by_flag(f).is_some() => {
            o.compliance = crate::compliance::by_flag(f).map(|p| p.flag)
        }
        "-signing-prefs" => o.signing_prefs.push(number(flag, v)?),
        "-verify-prefs" => o.verify_prefs.push(number(flag, v)?),
        "-expect-peer-signature-algorithm" => {
            o.expect_peer_signature_algorithm = Some(number(flag, v)?)
        }
        "-port" => o.port = number(flag, v)?,
        "-shim-id" => o.shim_id = number(flag, v)?,
        "-cert-file" => o.cert_file = Some(s()),
        "-key-file" => o.key_file = Some(s()),
        "-trust-cert" => o.trust_cert = Some(s()),
        "-resume-count" => o.resume_count = number(flag, v)?,
        "-min-version" => o.min_version = Some(number(flag, v)?),
        "-max-version" => o.max_version = Some(number(flag, v)?),
        "-expect-version" => o.expect_version = Some(number(flag, v)?),
        "-advertise-alpn" => o.advertise_alpn = Some(decode_alpn_list(&s())?),
        "-expect-alpn" => o.expect_alpn = Some(s().into_bytes()),
        "-select-alpn" => o.select_alpn = Some(s().into_bytes()),
        "-curves" => o.curves.push(number(flag, v)?),
        "-expect-curve-id" => o.expect_curve_id = Some(number(flag, v)?),
        "-host-name" => o.host_name = Some(s()),
        "-expect-server-name" => o.expect_server_name = Some(s()),
        "-export-keying-material" => o.export_keying_material = number(flag, v)?,
        "-export-label" => o.export_label = s().into_bytes(),
        "-export-context" => o.export_context = s().into_bytes(),
        _ => return Err(FlagError::Unimplemented(flag.to_string())),
    }
    Ok(())
}

/// The runner passes ALPN lists in wire format: each protocol prefixed by its
/// one-byte length (`"\x03foo\x03bar"`).
pub fn decode_alpn_list(wire: &str) -> Result<Vec<Vec<u8>>, FlagError> {
    let bytes = wire.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let len = bytes[i] as usize;
        let proto = bytes
            .get(i + 1..i + 1 + len)
            .ok_or_else(|| FlagError::BadValue(format!("ALPN list {wire:?} is truncated")))?;
        out.push(proto.to_vec());
        i += 1 + len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn basic_server_flags() {
        let o = parse(
            &args(&[
                "-port",
                "4433",
                "-shim-id",
                "7",
                "-server",
                "-cert-file",
                "c.pem",
                "-key-file",
                "k.pem",
                "-resume-count",
                "1",
                "-curves",
                "29",
                "-curves",
                "23",
            ]),
            Which::Initial,
        )
        .unwrap();
        assert_eq!(o.port, 4433);
        assert_eq!(o.shim_id, 7);
        assert!(o.server);
        assert_eq!(o.cert_file.as_deref(), Some("c.pem"));
        assert_eq!(o.resume_count, 1);
        assert_eq!(o.curves, vec![29, 23]);
    }

    #[test]
    fn unknown_flag_is_unimplemented() {
        assert_eq!(
            parse(
                &args(&["-port", "1", "-enable-ocsp-stapling"]),
                Which::Initial
            ),
            Err(FlagError::Unimplemented("-enable-ocsp-stapling".into()))
        );
        // Also behind a connection prefix, even one that does not apply.
        assert_eq!(
            parse(&args(&["-on-resume-enable-ocsp-stapling"]), Which::Initial),
            Err(FlagError::Unimplemented(
                "-on-resume-enable-ocsp-stapling".into()
            ))
        );
    }

    #[test]
    fn prefixes_select_the_connection() {
        let a = args(&[
            "-on-initial-expect-alpn",
            "foo",
            "-on-resume-expect-alpn",
            "bar",
        ]);
        assert_eq!(
            parse(&a, Which::Initial).unwrap().expect_alpn.as_deref(),
            Some(&b"foo"[..])
        );
        assert_eq!(
            parse(&a, Which::Resumed).unwrap().expect_alpn.as_deref(),
            Some(&b"bar"[..])
        );
        let a = args(&["-on-retry-expect-alpn", "x", "-on-shim-expect-alpn", "y"]);
        assert_eq!(
            parse(&a, Which::Initial).unwrap().expect_alpn.as_deref(),
            Some(&b"y"[..])
        );
    }

    #[test]
    fn missing_or_bad_values() {
        assert!(matches!(
            parse(&args(&["-port"]), Which::Initial),
            Err(FlagError::BadValue(_))
        ));
        assert!(matches!(
            parse(&args(&["-min-version", "tls12"]), Which::Initial),
            Err(FlagError::BadValue(_))
        ));
    }

    #[test]
    fn alpn_wire_lists() {
        assert_eq!(
            decode_alpn_list("\x03foo\x03bar").unwrap(),
            vec![b"foo".to_vec(), b"bar".to_vec()]
        );
        assert_eq!(decode_alpn_list("").unwrap(), Vec::<Vec<u8>>::new());
        assert!(decode_alpn_list("\x05ab").is_err());
    }
}
