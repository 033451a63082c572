//! Fuzz target: see `ceiling_fuzz::analyzer`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ceiling_fuzz::analyzer(data));
