//! Fuzz target `message`: see [`handclasp_fuzz::message`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handclasp_fuzz::message(data));
