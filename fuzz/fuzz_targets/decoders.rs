//! Fuzz target: see `ceiling_fuzz::decoders`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ceiling_fuzz::decoders(data));
