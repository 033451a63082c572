//! Fuzz target: see `ceiling_fuzz::template`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ceiling_fuzz::template(data));
