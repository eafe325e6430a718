//! What the shim prints on stderr when a test fails.
//!
//! The runner checks that the shim's stderr contains the test's expected error. Its
//! expected errors are BoringSSL's (`:NO_SHARED_CIPHER:`); `config.json`'s `ErrorMap`
//! translates each into substrings of what this module prints for the matching
//! handclasp error. The report names the error three ways, so the map can be as
//! precise as the case needs:
//!
//! ```text
//! handclasp error: no cipher suite in common with the peer
//! kind: PeerIncompatible(NoCipherSuiteInCommon)
//! alert: handshake_failure
//! ```
//!
//! `kind` is the error's `Debug` form (the variant path, stable across wording
//! changes); `alert` is the alert the library sends for it (`none` for errors that
//! send none, such as a received alert).

use handclasp::Error;

/// The report for a library error.
pub fn library_error(err: &Error) -> String {
    let alert = match err.alert() {
        Some(a) => a.name().to_string(),
        None => "none".to_string(),
    };
    format!("handclasp error: {err}\nkind: {err:?}\nalert: {alert}\n")
}

/// The report for a check the shim makes itself (an `-expect-*` flag that did not
/// hold, an I/O failure).
pub fn shim_error(what: &str) -> String {
    format!("shim error: {what}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use handclasp::enums::AlertDescription;
    use handclasp::error::{PeerIncompatible, PeerMisbehaved};

    #[test]
    fn report_names_kind_and_alert() {
        let r = library_error(&Error::PeerIncompatible(
            PeerIncompatible::NoCipherSuiteInCommon,
        ));
        assert!(
            r.contains("kind: PeerIncompatible(NoCipherSuiteInCommon)"),
            "{r}"
        );
        assert!(r.contains("alert: handshake_failure"), "{r}");
        assert!(
            r.starts_with("handclasp error: peer is incompatible: no cipher suite"),
            "{r}"
        );
    }

    #[test]
    fn received_alert_sends_none() {
        let r = library_error(&Error::AlertReceived(AlertDescription::RecordOverflow));
        assert!(r.contains("kind: AlertReceived(RecordOverflow)"), "{r}");
        assert!(r.contains("alert: none"), "{r}");
    }

    #[test]
    fn peer_misbehaved_kind() {
        let r = library_error(&Error::PeerMisbehaved(PeerMisbehaved::DowngradeDetected));
        assert!(r.contains("kind: PeerMisbehaved(DowngradeDetected)"), "{r}");
    }
}

#[cfg(test)]
mod config_tests {
    /// config.json parses as the runner's shim configuration, every disabled pattern
    /// has a reason that is a policy or names what the shim lacks, and every error
    /// mapping has at least one non-empty target.
    #[test]
    fn config_json_is_well_formed() {
        let text = include_str!("../config.json");
        let v: serde_json::Value = serde_json::from_str(text).expect("config.json parses");
        let disabled = v["DisabledTests"].as_object().expect("DisabledTests");
        for (pattern, reason) in disabled {
            let reason = reason.as_str().unwrap_or_default();
            assert!(
                reason.starts_with("policy: ")
                    || reason.starts_with("not implemented in the shim yet: "),
                "{pattern}: reason {reason:?} must be a policy or an unimplemented flag"
            );
        }
        let map = v["ErrorMap"].as_object().expect("ErrorMap");
        for (bogo, ours) in map {
            // BoringSSL error codes (`:NO_SHARED_CIPHER:`), or a message bssl_shim prints
            // itself (`Unexpected SSL_shutdown result: ...`).
            assert!(
                (bogo.starts_with(':') && bogo.ends_with(':')) || bogo.contains(' '),
                "{bogo}"
            );
            let ours = ours.as_array().expect("a list");
            assert!(!ours.is_empty(), "{bogo} maps to nothing");
            assert!(
                ours.iter()
                    .all(|s| !s.as_str().unwrap_or_default().is_empty())
            );
        }
    }

    /// The mapping targets match what `library_error` prints for the errors they are
    /// meant to catch.
    #[test]
    fn error_map_matches_reports() {
        use handclasp::Error;
        use handclasp::error::{InvalidMessage, PeerIncompatible, PeerMisbehaved};
        let v: serde_json::Value = serde_json::from_str(include_str!("../config.json")).unwrap();
        let matches = |bogo: &str, err: Error| {
            let report = super::library_error(&err);
            v["ErrorMap"][bogo]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| report.contains(s.as_str().unwrap()))
        };
        assert!(matches(
            ":NO_SHARED_CIPHER:",
            Error::PeerIncompatible(PeerIncompatible::NoCipherSuiteInCommon)
        ));
        assert!(matches(
            ":DECODE_ERROR:",
            Error::InvalidMessage(InvalidMessage::TrailingData("x"))
        ));
        assert!(matches(
            ":BAD_ECPOINT:",
            Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare)
        ));
        assert!(matches(":DIGEST_CHECK_FAILED:", Error::BadFinished));
        assert!(matches(
            ":DECRYPTION_FAILED_OR_BAD_RECORD_MAC:",
            Error::DecryptError
        ));
        assert!(!matches(":NO_SHARED_CIPHER:", Error::DecryptError));
    }
}
