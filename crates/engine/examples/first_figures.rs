//! The desktop app's reading path on files, timed: `Analyzer::read_paths` on every core (as
//! src-tauri/src/reading.rs reads files) with the shared progress watched as the app's
//! ticker watches it, printing when the first lines and requests were counted, when reading
//! ended and when the analysis was finished. For checking that a large file shows figures
//! soon after it is opened and finishes in the CLI's time: `cargo run --release -p
//! ceiling-engine --example first_figures -- [--threads N] FILE...`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ceiling_engine::{Analyzer, Settings};

fn main() {
    let mut args = std::env::args_os().skip(1).peekable();
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
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
        "usage: first_figures [--threads N] FILE..."
    );
    let started = Instant::now();
    let mut analyzer = Analyzer::new(Settings::default());
    let progress = analyzer.progress();
    let done = Arc::new(AtomicBool::new(false));
    let watching = {
        let done = done.clone();
        std::thread::spawn(move || {
            let (mut first_lines, mut first_requests) = (None, None);
            while !done.load(Ordering::Relaxed) {
                if first_lines.is_none() && progress.lines_read() > 0 {
                    first_lines = Some(started.elapsed());
                }
                if first_requests.is_none() && progress.requests_read() > 0 {
                    first_requests = Some(started.elapsed());
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            (first_lines, first_requests)
        })
    };
    let errors = analyzer.read_paths(&files, threads, |_| {});
    let read = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let (first_lines, first_requests) = watching.join().expect("the watcher ends");
    for error in &errors {
        eprintln!("{error}");
    }
    let analysis = analyzer.finish();
    let finished = started.elapsed();
    let ms =
        |at: Option<Duration>| at.map_or("never".to_owned(), |d| format!("{} ms", d.as_millis()));
    println!(
        "threads {threads}: first lines counted {}, first requests {}, read {:.2} s, \
         finished {:.2} s; {} requests",
        ms(first_lines),
        ms(first_requests),
        read.as_secs_f64(),
        finished.as_secs_f64(),
        analysis.requests
    );
}
