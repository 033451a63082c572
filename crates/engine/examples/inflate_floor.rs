//! The floor under reading a gzip input: inflates a file into nothing, as the engine's
//! reader does (flate2's `MultiGzDecoder` over 256 KB reads, into 1 MB blocks), and prints
//! the seconds and the inflated MB/s, for benches/throughput.rs and docs/benchmarks.md to
//! compare the reading of the same file with. `cargo run --release -p ceiling-engine --example inflate_floor --
//! FILE.gz`.

use std::io::{BufReader, Read};
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .expect("usage: inflate_floor FILE.gz");
    let start = Instant::now();
    let file = BufReader::with_capacity(256 * 1024, std::fs::File::open(path)?);
    let mut decoder = flate2::bufread::MultiGzDecoder::new(file);
    let mut buffer = vec![0; 1024 * 1024];
    let mut inflated = 0u64;
    loop {
        match decoder.read(&mut buffer)? {
            0 => break,
            n => inflated += n as u64,
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\": {seconds:.4}, \"inflated_mb\": {:.1}, \"mb_per_s\": {:.0}}}",
        inflated as f64 / 1e6,
        inflated as f64 / 1e6 / seconds
    );
    Ok(())
}
