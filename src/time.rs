//! Time for certificate validity and ticket ages, supplied by the caller.
//!
//! The core never reads a clock itself: a [`TimeProvider`] in the config answers, so
//! tests can pin the time and embedded users can supply their own source.

use core::fmt::{self, Debug};

pub use pki_types::UnixTime;

/// Tells the current time.
pub trait TimeProvider: Send + Sync + Debug {
    /// The current time, or `None` if it is unknown (then certificates cannot be checked).
    fn now(&self) -> Option<UnixTime>;
}

/// The current time, or the error that says the provider does not know it.
pub(crate) fn current_time(time: &dyn TimeProvider) -> Result<UnixTime, crate::Error> {
    time.now().ok_or(crate::Error::ApiMisuse(
        "the time provider does not know the current time",
    ))
}

/// The system clock (`std` only).
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTime;

#[cfg(feature = "std")]
impl TimeProvider for SystemTime {
    fn now(&self) -> Option<UnixTime> {
        Some(UnixTime::now())
    }
}

/// A time that never moves: for tests and reproducible transcripts.
#[derive(Debug, Clone, Copy)]
pub struct FixedTime(pub UnixTime);

impl TimeProvider for FixedTime {
    fn now(&self) -> Option<UnixTime> {
        Some(self.0)
    }
}

/// Formats a [`UnixTime`] as RFC 3339 UTC, e.g. `2026-01-01T00:00:00Z`, for error messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Rfc3339(pub UnixTime);

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.as_secs();
        let days = secs / 86_400;
        let rem = secs % 86_400;
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl Debug for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day), using
/// the 400-year cycle of 146097 days.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of each year.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn formats_known_dates() {
        let at = |s| {
            Rfc3339(UnixTime::since_unix_epoch(core::time::Duration::from_secs(
                s,
            )))
            .to_string()
        };
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(at(1_795_906_799), "2026-11-28T22:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
    }
}
