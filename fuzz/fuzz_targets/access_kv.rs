//! Fuzz target: arbitrary bytes as an access log of the KV format given as the stage's
//! template (`ceiling_fuzz::KV_FORMAT`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ceiling_fuzz::access(ceiling_fuzz::KV_FORMAT, data));
