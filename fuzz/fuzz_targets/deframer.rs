//! Fuzz target `deframer`: see [`handclasp_fuzz::deframer`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handclasp_fuzz::deframer(data));
