//! Fuzz target `handshake`: see [`handclasp_fuzz::handshake`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handclasp_fuzz::handshake(data));
