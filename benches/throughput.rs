//! Throughput of the engine on generated incidents, next to DuckDB computing the same figures
//! from the same JSON access log on the same machine, in alternating pairs.
//!
//! `cargo bench --bench throughput` writes its inputs with ../shared/bench/gen.py into
//! target/bench-data (once), then:
//!
//! - on the 1M-request JSON access log, plain, as one gzip and as a folder of four gzip
//!   objects, runs Ceiling (in this process) and DuckDB (a Python process; its own timing,
//!   without Python's start) in rounds, each contender once per round, the order reversed
//!   every other round, and reports the median of the per-round ratios with their range;
//!   the gzip rounds also time inflating the file into nothing (the floor under reading it);
//! - reads every other format and wrapping (a smaller incident, `FORMAT_REQUESTS`), plain
//!   and gzip, on 1 and 2 threads, the median of three runs, with its lines/s as a ratio to
//!   the JSON row's and its time as a ratio to `wc -l` (plain) or to inflating (gzip).
//!
//! `cargo bench --bench throughput -- json` runs only the plain JSON log's pairs (the parts:
//! `json`, `gzip`, `folder`, `formats`; none named: all). `CEILING_BENCH_DATA` names another
//! folder for the inputs. Each paired run also reports the contenders' CPU time (user and
//! system, all threads: Ceiling's from /proc/self/stat around its run, DuckDB's from Python's
//! `time.process_time()` around its query), and the pair ratios of it: on a machine whose
//! other work takes the cores, CPU time is the steadier of the two.
//!
//! The machine's `nproc` and load average are printed with each part. The DuckDB runs need
//! `duckdb` from PyPI (`CEILING_BENCH_PYTHON` names a Python that has it; by default the venv
//! at ~/.cache/ceiling/bench-venv). Compare ratios, not seconds: machines are noisy.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ceiling_engine::{Analyzer, Settings, Template};

const REQUESTS: &str = "1000000";
/// The other formats' incidents are a fifth of the size, to keep the bench's run short.
const FORMAT_REQUESTS: &str = "200000";
/// Rounds of the paired runs.
const ROUNDS: usize = 7;

fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CEILING_BENCH_DATA") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data")
}

/// Writes an incident once; returns its folder.
fn incident(name: &str, requests: &str, args: &[&str]) -> PathBuf {
    let dir = data_dir().join(name);
    if !dir.join("truth.json").exists() {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen.py");
        let status = Command::new("python3")
            .arg(script)
            .arg("--out")
            .arg(&dir)
            .args(["--requests", requests, "--seed", "7"])
            .args(args)
            .status()
            .expect("python3 runs gen.py");
        assert!(status.success(), "gen.py failed");
    }
    dir
}

/// `lines` of `source` gzipped into `target` (once), at gzip's default level.
fn gzip_lines(source: &Path, target: &Path, lines: std::ops::Range<usize>) {
    if target.exists() {
        return;
    }
    let partial = target.with_extension("partial");
    let mut encoder = flate2::write::GzEncoder::new(
        std::io::BufWriter::new(std::fs::File::create(&partial).unwrap()),
        flate2::Compression::default(),
    );
    let reader = BufReader::new(std::fs::File::open(source).unwrap());
    for line in reader.split(b'\n').skip(lines.start).take(lines.len()) {
        encoder.write_all(&line.unwrap()).unwrap();
        encoder.write_all(b"\n").unwrap();
    }
    encoder.finish().unwrap().flush().unwrap();
    std::fs::rename(partial, target).unwrap();
}

fn line_count(path: &Path) -> usize {
    let mut reader = BufReader::new(std::fs::File::open(path).unwrap());
    let (mut lines, mut buffer) = (0, vec![0; 1 << 20]);
    loop {
        match reader.read(&mut buffer).unwrap() {
            0 => return lines,
            n => lines += buffer[..n].iter().filter(|b| **b == b'\n').count(),
        }
    }
}

/// The machine: cores and load average, printed with each part of the bench.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("nproc {cores}, load average {}", load.join(" "))
}

/// Peak resident memory of this process since the last reset, in MB.
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

/// CPU seconds (user and system, every thread) this process has used so far, from
/// /proc/self/stat (in clock ticks, 100 a second on Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // the fields after the command name (which is in parentheses and may hold spaces)
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<f64>().ok());
    ticks(11)
        .zip(ticks(12))
        .map_or(0.0, |(user, system)| (user + system) / 100.0)
}

struct Run {
    seconds: f64,
    cpu_seconds: f64,
    lines: u64,
    requests: u64,
    peak_mb: f64,
}

fn ceiling_once(files: &[PathBuf], threads: usize, template: Option<&Path>) -> Run {
    let access_format =
        template.map(|t| Template::parse(&std::fs::read_to_string(t).unwrap()).unwrap());
    reset_peak_rss();
    let cpu_start = cpu_seconds();
    let start = Instant::now();
    let mut analyzer = Analyzer::new(Settings {
        access_format,
        ..Settings::default()
    });
    let errors = analyzer.read_paths(files, threads, |_| {});
    assert!(errors.is_empty(), "{errors:?}");
    let analysis = analyzer.finish();
    Run {
        seconds: start.elapsed().as_secs_f64(),
        cpu_seconds: cpu_seconds() - cpu_start,
        lines: analysis.inputs.iter().map(|i| i.lines).sum(),
        requests: analysis.requests,
        peak_mb: peak_rss_mb(),
    }
}

/// DuckDB's seconds, CPU seconds and requests on `path` (a file or a glob).
fn duckdb_once(path: &str, threads: usize) -> Option<(Timed, u64)> {
    let python = std::env::var_os("CEILING_BENCH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap())
                .join(".cache/ceiling/bench-venv/bin/python")
        });
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/duckdb_reference.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(path)
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
    let timed = Timed {
        seconds: result["seconds"].as_f64()?,
        cpu_seconds: result["cpu_seconds"].as_f64()?,
    };
    Some((timed, result["requests"].as_u64()?))
}

/// Inflating gzip files into nothing, one after another: the floor under reading them.
fn inflate_once(files: &[PathBuf]) -> Timed {
    let cpu_start = cpu_seconds();
    let start = Instant::now();
    for file in files {
        let file = BufReader::with_capacity(256 * 1024, std::fs::File::open(file).unwrap());
        let mut decoder = flate2::bufread::MultiGzDecoder::new(file);
        std::io::copy(&mut decoder, &mut std::io::sink()).unwrap();
    }
    Timed {
        seconds: start.elapsed().as_secs_f64(),
        cpu_seconds: cpu_seconds() - cpu_start,
    }
}

/// `wc -l` on the files, as a whole process.
fn wc_once(files: &[PathBuf]) -> f64 {
    let start = Instant::now();
    let status = Command::new("wc")
        .arg("-l")
        .args(files)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("wc runs");
    assert!(status.success());
    start.elapsed().as_secs_f64()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One timed run: wall seconds and CPU seconds.
#[derive(Debug, Clone, Copy)]
struct Timed {
    seconds: f64,
    cpu_seconds: f64,
}

/// One contender of a paired comparison: a name and one timed run (`None`: not available).
type Contender<'a> = (&'a str, Box<dyn FnMut() -> Option<Timed> + 'a>);

/// Runs the contenders once each per round (after one warm-up round), the order reversed
/// every other round, and prints each one's median seconds and, for each pair `(a, b)`, the
/// median and range of the per-round ratio of b's seconds to a's (how many times as fast
/// as b contender a is).
fn paired(
    title: &str,
    megabytes: f64,
    mut contenders: Vec<Contender<'_>>,
    pairs: &[(usize, usize)],
) {
    println!("\n{title} ({megabytes:.0} MB); {}", machine());
    for (_, run) in &mut contenders {
        run();
    }
    let mut times = vec![Vec::new(); contenders.len()];
    for round in 0..ROUNDS {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..contenders.len()).collect()
        } else {
            (0..contenders.len()).rev().collect()
        };
        for k in order {
            if let Some(timed) = (contenders[k].1)() {
                times[k].push((round, timed));
            }
        }
    }
    for ((name, _), runs) in contenders.iter().zip(&times) {
        if runs.is_empty() {
            println!("  {name:<34} not run");
            continue;
        }
        let mut seconds: Vec<f64> = runs.iter().map(|r| r.1.seconds).collect();
        let mut cpu: Vec<f64> = runs.iter().map(|r| r.1.cpu_seconds).collect();
        let m = median(&mut seconds);
        println!(
            "  {name:<34} median {m:>6.2} s {:>6.0} MB/s (runs {:.2}..{:.2} s); CPU median {:.2} s",
            megabytes / m,
            seconds[0],
            seconds[seconds.len() - 1],
            median(&mut cpu)
        );
    }
    for &(a, b) in pairs {
        for (what, of) in [
            ("wall", (|t: &Timed| t.seconds) as fn(&Timed) -> f64),
            ("CPU", |t: &Timed| t.cpu_seconds),
        ] {
            let mut ratios: Vec<f64> = times[a]
                .iter()
                .filter_map(|(round, ta)| {
                    let tb = times[b].iter().find(|(r, _)| r == round)?.1;
                    Some(of(&tb) / of(ta))
                })
                .collect();
            if ratios.is_empty() {
                continue;
            }
            let m = median(&mut ratios);
            println!(
                "  {} / {} ({what}): median {m:.2}x over {} pairs (range {:.2}x..{:.2}x)",
                contenders[a].0,
                contenders[b].0,
                ratios.len(),
                ratios[0],
                ratios[ratios.len() - 1]
            );
        }
    }
    println!("  after: {}", machine());
}

/// A Ceiling contender, which also keeps its peak RSS and checks its request count.
fn ceiling<'a>(
    files: &'a [PathBuf],
    threads: usize,
    peak: &'a std::cell::Cell<f64>,
    requests: &'a std::cell::Cell<u64>,
) -> Box<dyn FnMut() -> Option<Timed> + 'a> {
    Box::new(move || {
        let run = ceiling_once(files, threads, None);
        peak.set(peak.get().max(run.peak_mb));
        requests.set(run.requests);
        Some(Timed {
            seconds: run.seconds,
            cpu_seconds: run.cpu_seconds,
        })
    })
}

fn duckdb<'a>(
    path: &'a str,
    threads: usize,
    requests: &'a std::cell::Cell<u64>,
) -> Box<dyn FnMut() -> Option<Timed> + 'a> {
    Box::new(move || {
        let (timed, counted) = duckdb_once(path, threads)?;
        requests.set(counted);
        Some(timed)
    })
}

/// The paired comparisons on the 1M-request JSON access log, those of `parts` (see the
/// module's comment).
fn head_to_head(json: &Path, parts: &[String]) {
    let wanted = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    let plain = vec![json.to_path_buf()];
    let dir = json.parent().unwrap();
    let gzip = vec![dir.join("apigw-access.jsonl.gz")];
    let lines = line_count(json);
    if wanted("gzip") {
        gzip_lines(json, &gzip[0], 0..lines);
    }
    let folder = dir.join("objects");
    let objects: Vec<PathBuf> = (0..4)
        .map(|k| folder.join(format!("part-{k}.jsonl.gz")))
        .collect();
    if wanted("folder") {
        std::fs::create_dir_all(&folder).unwrap();
        for (k, part) in objects.iter().enumerate() {
            gzip_lines(json, part, lines * k / 4..lines * (k + 1) / 4);
        }
    }
    let glob = folder.join("*.jsonl.gz").display().to_string();
    let mb = |files: &[PathBuf]| -> f64 {
        files
            .iter()
            .map(|f| f.metadata().unwrap().len())
            .sum::<u64>() as f64
            / 1e6
    };
    let peak = std::cell::Cell::new(0.0);
    let (ours, theirs) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let json_path = json.display().to_string();
    if wanted("json") {
        paired(
            "JSON access log, Ceiling and DuckDB in turn",
            mb(&plain),
            vec![
                ("Ceiling, 1 thread", ceiling(&plain, 1, &peak, &ours)),
                ("DuckDB, 1 thread", duckdb(&json_path, 1, &theirs)),
                ("Ceiling, 2 threads", ceiling(&plain, 2, &peak, &ours)),
                ("DuckDB, 2 threads", duckdb(&json_path, 2, &theirs)),
            ],
            &[(0, 1), (2, 3), (2, 0)],
        );
        report_checks(&peak, &ours, &theirs);
    }
    let gzip_path = gzip[0].display().to_string();
    if wanted("gzip") {
        paired(
            "One gzip of the JSON access log, compressed",
            mb(&gzip),
            vec![
                ("Ceiling, 1 thread", ceiling(&gzip, 1, &peak, &ours)),
                ("Ceiling, 2 threads", ceiling(&gzip, 2, &peak, &ours)),
                ("DuckDB, 2 threads", duckdb(&gzip_path, 2, &theirs)),
                ("inflating alone", Box::new(|| Some(inflate_once(&gzip)))),
            ],
            &[(1, 0), (1, 2), (3, 1)],
        );
        report_checks(&peak, &ours, &theirs);
    }
    if wanted("folder") {
        paired(
            "A folder of four gzip objects of the JSON access log",
            mb(&objects),
            vec![
                ("Ceiling, 1 thread", ceiling(&objects, 1, &peak, &ours)),
                ("Ceiling, 2 threads", ceiling(&objects, 2, &peak, &ours)),
                ("DuckDB, 2 threads", duckdb(&glob, 2, &theirs)),
            ],
            &[(1, 0), (1, 2)],
        );
        report_checks(&peak, &ours, &theirs);
    }
}

fn report_checks(
    peak: &std::cell::Cell<f64>,
    ours: &std::cell::Cell<u64>,
    theirs: &std::cell::Cell<u64>,
) {
    println!("  Ceiling's peak RSS: {:.0} MB", peak.replace(0.0));
    let (ours, theirs) = (ours.get(), theirs.get());
    if theirs != 0 && ours != theirs {
        println!("  requests differ: Ceiling {ours}, DuckDB {theirs}");
    }
}

/// One row of the formats table: the files to read and the template, if the stage's format
/// is given.
struct Case {
    label: &'static str,
    files: Vec<PathBuf>,
    template: Option<PathBuf>,
}

fn format_cases() -> Vec<Case> {
    let access = |name: &'static str, label: &'static str, args: &[&str], file: &str| {
        let dir = incident(name, FORMAT_REQUESTS, &[&["--no-lambda"], args].concat());
        Case {
            label,
            files: vec![dir.join(file)],
            template: None,
        }
    };
    let given = |mut case: Case| {
        case.template = Some(case.files[0].with_file_name("apigw-access-format.txt"));
        case
    };
    let lambda = |name: &'static str, label: &'static str, args: &[&str]| {
        let dir = incident(name, FORMAT_REQUESTS, args);
        Case {
            label,
            files: ["orders-fn", "payments-fn", "process-fn", "reports-fn"]
                .iter()
                .map(|f| dir.join(format!("lambda-{f}.log")))
                .collect(),
            template: None,
        }
    };
    vec![
        access("f-json", "JSON access log", &[], "apigw-access.jsonl"),
        access(
            "f-nested",
            "nested JSON",
            &["--format", "nested"],
            "apigw-access.jsonl",
        ),
        given(access(
            "f-clf",
            "CLF, format given",
            &["--format", "clf"],
            "apigw-access.log",
        )),
        given(access(
            "f-csv",
            "CSV, format given",
            &["--format", "csv"],
            "apigw-access.csv",
        )),
        access("f-xml", "XML", &["--format", "xml"], "apigw-access.xml"),
        access("f-kv", "key-value", &["--format", "kv"], "apigw-access.log"),
        lambda("f-lambda-text", "Lambda text logs (4)", &[]),
        lambda(
            "f-lambda-json",
            "Lambda JSON logs (4)",
            &["--lambda-format", "json"],
        ),
        access(
            "f-s3",
            "JSON in S3 export lines",
            &["--wrap", "s3"],
            "apigw-access.jsonl",
        ),
        access(
            "f-tail",
            "JSON in `aws logs tail`",
            &["--wrap", "tail"],
            "apigw-access.jsonl",
        ),
        access(
            "f-filter",
            "filter-log-events JSON",
            &["--wrap", "filter-json"],
            "apigw-access.json",
        ),
    ]
}

fn median_run(files: &[PathBuf], threads: usize, template: Option<&Path>) -> Run {
    ceiling_once(files, threads, template);
    let mut runs: Vec<Run> = (0..3)
        .map(|_| ceiling_once(files, threads, template))
        .collect();
    runs.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
    runs.swap_remove(1)
}

fn formats_table() {
    println!(
        "\nEvery format, {FORMAT_REQUESTS} requests (median of 3 in-process runs); {}",
        machine()
    );
    println!(
        "{:<26} {:>4} {:>3} {:>7} {:>7} {:>10} {:>6} {:>8} {:>12}",
        "input", "gz", "thr", "seconds", "MB/s", "lines/s", "RSS MB", "x JSON", "x wc/inflate"
    );
    let mut json_lines_per_s = [[0.0; 2]; 2];
    for case in format_cases() {
        for gz in [false, true] {
            let files: Vec<PathBuf> = if gz {
                case.files
                    .iter()
                    .map(|file| {
                        let mut name = file.file_name().unwrap().to_os_string();
                        name.push(".gz");
                        let target = file.with_file_name(name);
                        gzip_lines(file, &target, 0..usize::MAX);
                        target
                    })
                    .collect()
            } else {
                case.files.clone()
            };
            let bytes: u64 = files.iter().map(|f| f.metadata().unwrap().len()).sum();
            let mut reference: Vec<f64> = (0..3)
                .map(|_| {
                    if gz {
                        inflate_once(&files).seconds
                    } else {
                        wc_once(&files)
                    }
                })
                .collect();
            let reference = median(&mut reference);
            for threads in [1, 2] {
                let run = median_run(&files, threads, case.template.as_deref());
                let lines_per_s = run.lines as f64 / run.seconds;
                if case.label == "JSON access log" {
                    json_lines_per_s[gz as usize][threads - 1] = lines_per_s;
                }
                println!(
                    "{:<26} {:>4} {threads:>3} {:>7.2} {:>7.0} {:>10.0} {:>6.0} {:>7.2}x {:>11.2}x",
                    case.label,
                    if gz { "gzip" } else { "" },
                    run.seconds,
                    bytes as f64 / 1e6 / run.seconds,
                    lines_per_s,
                    run.peak_mb,
                    lines_per_s / json_lines_per_s[gz as usize][threads - 1],
                    reference / run.seconds,
                );
            }
        }
    }
    println!("after: {}", machine());
    println!(
        "x JSON: lines/s over the JSON access log's on the same compression and threads; \
         x wc/inflate: the time of `wc -l` (plain) or of inflating alone (gzip) over Ceiling's"
    );
}

fn main() {
    // the parts named on the command line (cargo adds `--bench`)
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    println!("Ceiling throughput bench; {}", machine());
    let json = incident("json", REQUESTS, &["--no-lambda"]);
    head_to_head(&json.join("apigw-access.jsonl"), &parts);
    if parts.is_empty() || parts.iter().any(|p| p == "formats") {
        formats_table();
    }
}
