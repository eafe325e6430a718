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
        assert!(r.contains("kind: PeerIncompatible(NoCipherSuiteInCommon)"), "{r}");
        assert!(r.contains("alert: handshake_failure"), "{r}");
        assert!(r.starts_with("handclasp error: no cipher suite in common"), "{r}");
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
