//! Fuzz target: arbitrary bytes as an access log of the JSON format given as the stage's
//! template (`ceiling_fuzz::JSON_FORMAT`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ceiling_fuzz::access(ceiling_fuzz::JSON_FORMAT, data));
