//! The engine alone on files, as one whole process: reads the files named with
//! `Analyzer::read_paths` on `--threads N` (1 by default) and prints the Analysis JSON, for
//! timing and profiling the reading path without the CLI (`/usr/bin/time -v`, `perf`), and for
//! checking that a change leaves the analysis as it was. `cargo run --release -p
//! ceiling-engine --example analyze_files -- [--threads N] FILE...`.

use std::path::PathBuf;

use ceiling_engine::{Analyzer, Settings};

fn main() {
    let mut args = std::env::args_os().skip(1).peekable();
    let mut threads = 1;
    if args.peek().is_some_and(|a| a == "--threads") {
        args.next();
        threads = args
            .next()
            .and_then(|n| n.to_str()?.parse().ok())
            .expect("--threads N");
    }
    let files: Vec<PathBuf> = args.map(PathBuf::from).collect();
    assert!(
        !files.is_empty(),
        "usage: analyze_files [--threads N] FILE..."
    );
    let mut analyzer = Analyzer::new(Settings::default());
    let errors = analyzer.read_paths(&files, threads, |_| {});
    for error in &errors {
        eprintln!("{error}");
    }
    let analysis = analyzer.finish();
    println!(
        "{}",
        serde_json::to_string(&analysis).expect("an analysis serializes")
    );
}
