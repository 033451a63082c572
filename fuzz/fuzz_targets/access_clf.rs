//! Fuzz target: arbitrary bytes as an access log of the CLF format given as the stage's
//! template (`ceiling_fuzz::CLF_FORMAT`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ceiling_fuzz::access(ceiling_fuzz::CLF_FORMAT, data));
