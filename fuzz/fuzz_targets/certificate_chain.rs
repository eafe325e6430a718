//! Fuzz target `certificate_chain`: see [`handclasp_fuzz::certificate_chain`] for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| handclasp_fuzz::certificate_chain(data));
