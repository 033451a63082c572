//! `slow-step`: on incidents written by gen.py with `--app-lines` (text and JSON Lambda
//! formats, several seeds) the finding names exactly the truth's `slow_steps` (function,
//! templates, inside or outside the burst window) and never a `no_slow_step` function;
//! without `--app-lines` it never fires. Small hand-made logs, one per runtime's format,
//! check the lines read and their sources by hand.

use std::path::{Path, PathBuf};
use std::process::Command;

use ceiling_engine::{Analysis, Analyzer, FindingId, Settings, SlowStep};

fn generate(out: &Path, args: &[&str]) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/gen.py");
    assert!(script.exists(), "{} is missing", script.display());
    let status = Command::new("python3")
        .arg(&script)
        .arg("--out")
        .arg(out)
        .args(args)
        .status()
        .expect("python3 runs gen.py");
    assert!(status.success(), "gen.py {args:?} failed");
    serde_json::from_str(&std::fs::read_to_string(out.join("truth.json")).unwrap()).unwrap()
}

fn analyze(dir: &Path, threads: usize) -> Analysis {
    let mut analyzer = Analyzer::new(Settings::default());
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("apigw-access.") || name.starts_with("lambda-")
        })
        .collect();
    files.sort();
    for file in files {
        analyzer.read_path_with_threads(&file, threads).unwrap();
    }
    analyzer.finish()
}

fn slow_steps(analysis: &Analysis) -> Vec<&SlowStep> {
    analysis
        .findings
        .iter()
        .filter(|f| f.id == FindingId::SlowStep)
        .map(|f| f.evidence.steps.as_ref().expect("slow-step has its step"))
        .collect()
}

fn ms(iso: &str) -> i64 {
    ceiling_engine::parse_iso_ms(iso).unwrap()
}

/// The findings against the truth: the same functions, templates and windows.
fn check(truth: &serde_json::Value, analysis: &Analysis, what: &str) {
    let found = slow_steps(analysis);
    let expected = truth["slow_steps"].as_array().unwrap();
    let mut names: Vec<&str> = found.iter().map(|s| s.function.as_str()).collect();
    let mut wanted: Vec<&str> = expected
        .iter()
        .map(|s| s["function"].as_str().unwrap())
        .collect();
    names.sort();
    wanted.sort();
    assert_eq!(names, wanted, "{what}: slow-step functions");
    for step in &found {
        let truth = expected
            .iter()
            .find(|s| s["function"] == step.function.as_str())
            .unwrap();
        assert_eq!(step.after, truth["after"], "{what}: {}", step.function);
        assert_eq!(step.before, truth["before"], "{what}: {}", step.function);
        assert!(step.median_share > 0.5, "{what}: {step:?}");
        assert!((2..=3).contains(&step.samples.len()), "{what}: samples");
        for sample in &step.samples {
            assert!(!sample.lines.is_empty());
            assert!(sample.lines.iter().all(|l| l.source.line > 0
                && l.source
                    .input
                    .ends_with(&format!("lambda-{}.log", step.function))));
        }
        match (&step.window, truth.get("window")) {
            (None, None) => {}
            (Some(window), Some(range)) => {
                let (start, end) = (
                    ms(range[0].as_str().unwrap()),
                    ms(range[1].as_str().unwrap()),
                );
                let slack = 3 * 60_000;
                assert!(
                    (window.start_ms - start).abs() <= slack
                        && (window.end_ms - end).abs() <= slack,
                    "{what}: {} window {window:?} against {range}",
                    step.function
                );
            }
            (found, wanted) => panic!(
                "{what}: {} window {found:?} against {wanted:?}",
                step.function
            ),
        }
    }
    for spread in truth["no_slow_step"].as_array().unwrap() {
        assert!(
            found.iter().all(|s| s.function != spread.as_str().unwrap()),
            "{what}: slow-step for {spread}, whose time is spread"
        );
    }
}

#[test]
fn names_the_truths_slow_steps_in_text_and_json_logs() {
    for (format, seed) in [("text", "1"), ("json", "2"), ("text", "5"), ("json", "7")] {
        let dir = tempfile::tempdir().unwrap();
        let truth = generate(
            dir.path(),
            &["--seed", seed, "--app-lines", "--lambda-format", format],
        );
        assert!(!truth["slow_steps"].as_array().unwrap().is_empty());
        let analysis = analyze(dir.path(), 1);
        check(&truth, &analysis, &format!("{format} seed {seed}"));
        let story = analysis.what_happened.points.join(" ");
        assert!(
            story.contains("the wait after 'Calling inventory-service for order {}'"),
            "{story}"
        );
    }
}

#[test]
fn never_fires_without_application_lines() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &["--seed", "1"]);
    let analysis = analyze(dir.path(), 1);
    assert!(slow_steps(&analysis).is_empty());
}

/// A file large enough to be read in parts: the parts' timelines join at the merge and the
/// finding is the one a single thread gives.
#[test]
fn threads_give_the_same_steps() {
    let dir = tempfile::tempdir().unwrap();
    generate(
        dir.path(),
        &["--seed", "3", "--app-lines", "--requests", "6000"],
    );
    let log = std::fs::read(dir.path().join("lambda-reports-fn.log")).unwrap();
    let big = tempfile::tempdir().unwrap();
    let mut copies = Vec::new();
    while copies.len() < 17 * 1024 * 1024 {
        copies.extend_from_slice(&log);
    }
    std::fs::write(big.path().join("lambda-reports-fn.log"), &copies).unwrap();
    let one = analyze(big.path(), 1);
    let two = analyze(big.path(), 2);
    assert!(!slow_steps(&one).is_empty());
    assert_eq!(one.findings, two.findings);
}

/// Five invocations that wait 24 s after one line, in a runtime's format.
fn hand_made(format: &str) -> String {
    let mut log = String::new();
    for i in 0..5 {
        let id = format!("0000000{i}-1111-2222-3333-444444444444");
        let at = |s: f64| {
            let ms = (i * 60_000) as f64 + s * 1000.0;
            let (m, s, f) = (
                (ms / 60_000.0) as u32,
                (ms / 1000.0) as u32 % 60,
                ms as u32 % 1000,
            );
            (
                format!("2026-03-06T09:{m:02}:{s:02}.{f:03}Z"),
                format!("2026-03-06 09:{m:02}:{s:02}.{f:03}"),
                format!("2026/03/06 09:{m:02}:{s:02}"),
            )
        };
        let (start, _, _) = at(0.0);
        log += &format!("START RequestId: {id} Version: $LATEST\n");
        let messages = [
            (0.5, "Handling order 91".to_owned()),
            (1.0, format!("Calling payments-api for order {i}")),
            (25.0, "payments-api answered 200 in 24000 ms".to_owned()),
        ];
        for (t, message) in &messages {
            let (iso, java, go) = at(*t);
            log += &match format {
                "node" => format!("{iso}\t{id}\tINFO\t{message}\n"),
                "python" => format!("[INFO]\t{iso}\t{id}\t{message}\n"),
                "java" => format!("{java} {id} INFO  OrderHandler - {message}\n"),
                "dotnet" => format!("{iso}\t{id}\tinfo\t{message}\n"),
                "go" => format!("{go} {message}\n"),
                "json" => format!("{{\"timestamp\":\"{iso}\",\"level\":\"INFO\",\"requestId\":\"{id}\",\"message\":\"{message}\"}}\n"),
                _ => unreachable!(),
            };
        }
        let _ = start;
        log += &format!("END RequestId: {id}\n");
        let (end, _, _) = at(25.5);
        // the REPORT carries the end time as a CloudWatch export writes it
        log += &format!("{end} REPORT RequestId: {id}\tDuration: 25500.00 ms\tBilled Duration: 25500 ms\tMemory Size: 512 MB\tMax Memory Used: 100 MB\n");
    }
    log
}

#[test]
fn every_runtime_format_by_hand() {
    for format in ["node", "python", "java", "dotnet", "go", "json"] {
        let log = hand_made(format);
        let mut analyzer = Analyzer::new(Settings::default());
        analyzer
            .read("lambda-orders-fn.log", log.as_bytes())
            .unwrap();
        let analysis = analyzer.finish();
        let steps = slow_steps(&analysis);
        assert_eq!(steps.len(), 1, "{format}: {:?}", analysis.findings);
        let step = steps[0];
        assert_eq!(step.function, "orders-fn");
        assert_eq!(step.after, "Calling payments-api for order {}", "{format}");
        assert_eq!(step.before, "payments-api answered {} in {} ms", "{format}");
        // 24 s of 25.5 s
        assert_eq!(step.median_share, 0.94, "{format}");
        assert_eq!(
            (step.invocations, step.slow_invocations),
            (5, 5),
            "{format}"
        );
        let sample = &step.samples[0];
        assert_eq!(sample.lines.len(), 3, "{format}");
        // each invocation is six lines: START, three lines, END, REPORT
        let first = 6 * (sample.request_id.as_bytes()[7] - b'0') as u64;
        let lines: Vec<u64> = sample.lines.iter().map(|l| l.source.line).collect();
        assert_eq!(lines, [first + 2, first + 3, first + 4], "{format}");
        assert_eq!(
            sample.lines[1].message,
            format!("Calling payments-api for order {}", first / 6)
        );
        let gap = sample.longest_gap.unwrap();
        assert_eq!(
            (gap.after, gap.before, gap.ms),
            (Some(1), Some(2), 24_000),
            "{format}"
        );
        let advice = &analysis
            .findings
            .iter()
            .find(|f| f.id == FindingId::SlowStep)
            .unwrap()
            .advice[0]
            .text;
        assert!(
            advice.contains("payments-api") && advice.contains("timeout"),
            "{advice}"
        );
    }
}
