//! Fuzz target `client`: see [`handclasp_fuzz::client`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handclasp_fuzz::client(data));
