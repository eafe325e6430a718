//! Fuzz target `stream`: see [`handclasp_fuzz::stream`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handclasp_fuzz::stream(data));
