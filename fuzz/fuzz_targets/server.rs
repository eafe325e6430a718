//! Fuzz target `server`: see [`handclasp_fuzz::server`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handclasp_fuzz::server(data));
