//! The crate's `log` calls, behind the default `logging` feature: without it they
//! compile to nothing (arguments are still type-checked, so no unused warnings).
//!
//! Levels: `debug` carries the handshake facts (the same facts as the
//! [`crate::events`]); `trace` carries the record layer (content types, lengths,
//! key changes). Neither ever carries a secret value.

#[cfg(feature = "logging")]
macro_rules! debug {
    ($($arg:tt)+) => { ::log::debug!($($arg)+) };
}

#[cfg(not(feature = "logging"))]
macro_rules! debug {
    ($($arg:tt)+) => {{
        if false {
            let _ = ::core::format_args!($($arg)+);
        }
    }};
}

#[cfg(feature = "logging")]
macro_rules! trace {
    ($($arg:tt)+) => { ::log::trace!($($arg)+) };
}

#[cfg(not(feature = "logging"))]
macro_rules! trace {
    ($($arg:tt)+) => {{
        if false {
            let _ = ::core::format_args!($($arg)+);
        }
    }};
}

/// True if debug lines would be written: events are then built even without an
/// observer.
#[cfg(feature = "logging")]
pub(crate) fn debug_enabled() -> bool {
    ::log::log_enabled!(::log::Level::Debug)
}

/// Without the `logging` feature nothing is logged.
#[cfg(not(feature = "logging"))]
pub(crate) fn debug_enabled() -> bool {
    false
}
