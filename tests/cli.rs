//! The `ceiling` command line, run as a user runs it, on incidents written by gen.py.

#[path = "support/gen.rs"]
mod gen;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn ceiling(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(args)
        .output()
        .expect("the ceiling binary runs")
}

fn analyze_json(args: &[&str]) -> Value {
    let output = ceiling(&[&["analyze", "--json"], args].concat());
    assert!(
        output.status.success(),
        "ceiling analyze failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--json prints one JSON document")
}

fn assert_figures_match(analysis: &Value, truth: &Value) {
    for key in ["requests", "status", "rejected_lines", "ceiling_ms"] {
        assert_eq!(analysis[key], truth[key], "{key} differs from truth.json");
    }
}

#[test]
fn json_access_logs_give_the_requests_and_statuses_of_truth() {
    for (seed, requests) in [("1", "3000"), ("7", "20000")] {
        let dir = tempfile::tempdir().unwrap();
        let truth = gen::generate(
            dir.path(),
            &[
                "--no-lambda",
                "--seed",
                seed,
                "--requests",
                requests,
                "--garbage",
                "4",
            ],
        );
        let log = dir.path().join("apigw-access.jsonl");
        let analysis = analyze_json(&[log.to_str().unwrap()]);
        assert_figures_match(&analysis, &truth);
        let input = &analysis["inputs"][0];
        assert_eq!(input["records"], truth["requests"]);
        assert_eq!(input["compression"], "none");
    }
}

#[test]
fn gzip_exports_and_stdin_read_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let truth = gen::generate(dir.path(), &["--no-lambda", "--seed", "5", "--gzip"]);
    let gz = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.to_string_lossy().contains("apigw-access"))
        .expect("gen.py wrote the access log");
    let from_file = analyze_json(&[gz.to_str().unwrap()]);
    assert_figures_match(&from_file, &truth);
    assert_eq!(from_file["inputs"][0]["compression"], "gzip");

    let mut child = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(["analyze", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&gz).unwrap())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let from_stdin: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_figures_match(&from_stdin, &truth);
    assert_eq!(from_stdin["inputs"][0]["name"], "stdin");
}

#[test]
fn rejected_lines_are_counted_with_their_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    std::fs::write(
        &log,
        "{\"status\":\"200\"}\nnot a record\n{\"status\":\"504\"}\n{\"status\":\"20\n",
    )
    .unwrap();
    let analysis = analyze_json(&[log.to_str().unwrap()]);
    assert_eq!(analysis["requests"], 2);
    assert_eq!(analysis["rejected_lines"], 2);
    let rejected = &analysis["inputs"][0]["rejected"];
    assert_eq!(rejected[0]["first_lines"], serde_json::json!([2]));
    assert_eq!(rejected[1]["first_lines"], serde_json::json!([4]));
}

#[test]
fn unusable_inputs_exit_2_with_a_reason_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.log");
    let output = ceiling(&["analyze", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot open") && stderr.contains("nope.log"),
        "{stderr}"
    );

    let junk = dir.path().join("junk.log");
    std::fs::write(&junk, "hello\nworld\n").unwrap();
    let output = ceiling(&["analyze", junk.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("junk.log: line 1"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line of reason: {stderr}");

    let output = ceiling(&["analyze", "--ceiling", "soon", junk.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_ceiling_setting_and_the_markdown_report() {
    let dir = tempfile::tempdir().unwrap();
    let truth = gen::generate(dir.path(), &["--no-lambda", "--requests", "500"]);
    let log = dir.path().join("apigw-access.jsonl");
    let report = dir.path().join("review.md");
    let analysis = analyze_json(&[
        "--ceiling",
        "45s",
        "--report",
        report.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(analysis["ceiling_ms"], 45_000);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("ceiling: **45 s**"), "{text}");
    let timeouts = truth["status"]["504"].as_u64().unwrap();
    assert!(text.contains(&format!("| 504 | {timeouts} |")), "{text}");

    let output = ceiling(&["analyze", "--report", "out.docx", log.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("out.docx"));
}
