//! Fuzz target: arbitrary bytes as an access log of the CSV format given as the stage's
//! template (`ceiling_fuzz::CSV_FORMAT`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ceiling_fuzz::access(ceiling_fuzz::CSV_FORMAT, data));
