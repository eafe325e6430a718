//! Fuzz target `pem`: see [`handclasp_fuzz::pem`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handclasp_fuzz::pem(data));
