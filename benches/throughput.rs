//! Throughput of the engine on generated incidents, next to DuckDB computing the same figures
//! from the same JSON access log on the same machine.
//!
//! `cargo bench --bench throughput` writes its inputs with ../shared/bench/gen.py into
//! target/bench-data (once), reads each with 1 and 2 threads, and prints MB/s, lines/s and peak
//! RSS per run; for the JSON access log, Ceiling and DuckDB run in turn on 1 and 2 threads
//! (so that the machine's slow spells weigh on both) and the ratios of their bests. The
//! DuckDB run needs `duckdb` from PyPI (`CEILING_BENCH_PYTHON` names a Python that has it; by
//! default the venv at ~/.cache/ceiling/bench-venv). Compare ratios, not seconds: machines are
//! noisy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ceiling_engine::{Analyzer, Settings, Template};

const REQUESTS: &str = "1000000";

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data")
}

/// Writes an incident once; returns its folder.
fn incident(name: &str, args: &[&str]) -> PathBuf {
    let dir = data_dir().join(name);
    if !dir.join("truth.json").exists() {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen.py");
        let status = Command::new("python3")
            .arg(script)
            .arg("--out")
            .arg(&dir)
            .args(["--requests", REQUESTS, "--seed", "7"])
            .args(args)
            .status()
            .expect("python3 runs gen.py");
        assert!(status.success(), "gen.py failed");
    }
    dir
}

/// Peak resident memory of this process so far, in MB (each run resets it where the kernel
/// lets it; otherwise it is the peak over every run up to this one).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn reset_peak_rss() {
    // Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Run {
    seconds: f64,
    mb_per_s: f64,
    lines_per_s: f64,
    peak_mb: f64,
}

/// The best of three runs, after one that warms the page cache.
fn run(files: &[PathBuf], threads: usize, template: Option<&Path>) -> Run {
    once(files, threads, template);
    (0..3)
        .map(|_| once(files, threads, template))
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .unwrap()
}

fn once(files: &[PathBuf], threads: usize, template: Option<&Path>) -> Run {
    let access_format =
        template.map(|t| Template::parse(&std::fs::read_to_string(t).unwrap()).unwrap());
    let bytes: u64 = files.iter().map(|f| f.metadata().unwrap().len()).sum();
    reset_peak_rss();
    let start = Instant::now();
    let mut analyzer = Analyzer::new(Settings {
        access_format,
        ..Settings::default()
    });
    for file in files {
        analyzer.read_path_with_threads(file, threads).unwrap();
    }
    let analysis = analyzer.finish();
    let seconds = start.elapsed().as_secs_f64();
    let lines: u64 = analysis.inputs.iter().map(|i| i.lines).sum();
    Run {
        seconds,
        mb_per_s: bytes as f64 / 1e6 / seconds,
        lines_per_s: lines as f64 / seconds,
        peak_mb: peak_rss_mb(),
    }
}

/// Ceiling and DuckDB on the same file, one run of each in turn for five rounds (after a
/// warm-up of each), so that a slow spell of this shared machine weighs on both: the best
/// seconds of each. `None` when DuckDB is not installed.
fn head_to_head(file: &Path, threads: usize) -> Option<(f64, f64)> {
    let files = [file.to_path_buf()];
    once(&files, threads, None);
    duckdb_once(file, threads)?;
    let (mut ceiling, mut duckdb) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        ceiling = ceiling.min(once(&files, threads, None).seconds);
        duckdb = duckdb.min(duckdb_once(file, threads)?);
    }
    Some((ceiling, duckdb))
}

fn duckdb_once(file: &Path, threads: usize) -> Option<f64> {
    let python = std::env::var_os("CEILING_BENCH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap())
                .join(".cache/ceiling/bench-venv/bin/python")
        });
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/duckdb_reference.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(file)
        .arg(threads.to_string())
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "DuckDB reference run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    result["seconds"].as_f64()
}

fn main() {
    let json = incident("json", &["--no-lambda"]);
    let clf = incident("clf", &["--no-lambda", "--format", "clf"]);
    let gzip = incident("gzip", &["--no-lambda", "--gzip"]);
    let lambda = incident("lambda", &[]);
    let lambda_logs: Vec<PathBuf> = ["orders-fn", "payments-fn", "process-fn", "reports-fn"]
        .iter()
        .map(|f| lambda.join(format!("lambda-{f}.log")))
        .collect();
    let cases: Vec<(&str, Vec<PathBuf>, Option<PathBuf>)> = vec![
        (
            "JSON access log",
            vec![json.join("apigw-access.jsonl")],
            None,
        ),
        (
            "CLF access log (format given)",
            vec![clf.join("apigw-access.log")],
            Some(clf.join("apigw-access-format.txt")),
        ),
        (
            "gzip JSON access log",
            vec![gzip.join("apigw-access.jsonl.gz")],
            None,
        ),
        ("Lambda text logs (4 groups)", lambda_logs, None),
    ];
    println!(
        "{:<32} {:>7} {:>9} {:>10} {:>12} {:>9}",
        "input", "threads", "seconds", "MB/s", "lines/s", "peak MB"
    );
    for (label, files, template) in &cases {
        for threads in [1, 2] {
            let result = run(files, threads, template.as_deref());
            println!(
                "{label:<32} {threads:>7} {:>9.2} {:>10.0} {:>12.0} {:>9.1}",
                result.seconds, result.mb_per_s, result.lines_per_s, result.peak_mb
            );
        }
    }
    let file = json.join("apigw-access.jsonl");
    let megabytes = file.metadata().unwrap().len() as f64 / 1e6;
    println!();
    println!(
        "Reference: DuckDB, the same counts and per-route percentiles from the JSON access log \
         ({megabytes:.0} MB), run in turn with Ceiling (best of five each)"
    );
    let mut ceiling_json = [0.0; 2];
    for threads in [1, 2] {
        match head_to_head(&file, threads) {
            Some((ceiling, duckdb)) => {
                ceiling_json[threads - 1] = ceiling;
                println!(
                    "{threads} thread(s): Ceiling {ceiling:.2} s ({:.0} MB/s), DuckDB {duckdb:.2} s \
                     ({:.0} MB/s); Ceiling is {:.2}x as fast",
                    megabytes / ceiling,
                    megabytes / duckdb,
                    duckdb / ceiling
                );
            }
            None => println!(
                "DuckDB {threads} thread(s): not run (install duckdb, see the file's header)"
            ),
        }
    }
    if ceiling_json.iter().all(|s| *s > 0.0) {
        println!(
            "Ceiling on 2 threads is {:.2}x its 1-thread speed",
            ceiling_json[0] / ceiling_json[1]
        );
    }
}
