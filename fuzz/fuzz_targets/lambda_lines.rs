//! Fuzz target: see `ceiling_fuzz::lambda_lines`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ceiling_fuzz::lambda_lines(data));
