//! The `ceiling` command line, run as a user runs it, on incidents written by gen.py.

#[path = "support/gen.rs"]
mod gen;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use ceiling_engine::format_utc;
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

/// Every figure truth.json holds, compared with what `ceiling analyze` says.
fn truth_differences(analysis: &Value, truth: &Value) -> Vec<String> {
    let mut differences = Vec::new();
    let mut compare = |name: String, ours: &Value, theirs: &Value| {
        if ours != theirs {
            differences.push(format!("{name}: ceiling says {ours}, truth.json {theirs}"));
        }
    };
    for key in [
        "ceiling_ms",
        "requests",
        "rejected_lines",
        "status",
        "integration_timeouts",
        "near_ceiling",
        "bad_gateway",
    ] {
        compare(key.to_owned(), &analysis[key], &truth[key]);
    }
    for key in ["p50_ms", "p95_ms", "p99_ms"] {
        compare(
            format!("overall.{key}"),
            &analysis["overall"][key],
            &truth["overall"][key],
        );
    }
    let routes = analysis["routes"].as_array().unwrap();
    for expected in truth["routes"].as_array().unwrap() {
        let name = &expected["route"];
        match routes.iter().find(|r| &r["route"] == name) {
            Some(route) => {
                for key in [
                    "requests", "timeouts", "p50_ms", "p95_ms", "p99_ms", "max_ms",
                ] {
                    compare(format!("{name}.{key}"), &route[key], &expected[key]);
                }
            }
            None => compare(format!("route {name}"), &Value::Null, name),
        }
    }
    if truth["lambda"].is_null() {
        compare("lambda".to_owned(), &analysis["lambda"], &Value::Null);
    } else {
        for key in [
            "invocations",
            "cold_starts",
            "timeouts",
            "timeouts_above_ceiling",
            "outlived_gateway",
            "gateway_timeouts_on_cold_start",
            "memory_pressure",
        ] {
            compare(
                format!("lambda.{key}"),
                &analysis["lambda"][key],
                &truth["lambda"][key],
            );
        }
        let ours = analysis["lambda"]["max_init_ms"].as_f64().unwrap_or(0.0);
        let theirs = truth["lambda"]["max_init_ms"].as_f64().unwrap();
        if (ours - theirs).abs() > 0.01 {
            compare(
                "lambda.max_init_ms".to_owned(),
                &ours.into(),
                &theirs.into(),
            );
        }
    }
    differences.extend(finding_differences(analysis, truth));
    differences
}

/// truth.json's `expected_findings` reported, its `absent_findings` not, and the evidence of
/// the timeouts naming the top route and a window overlapping the burst.
fn finding_differences(analysis: &Value, truth: &Value) -> Vec<String> {
    let findings = analysis["findings"].as_array().unwrap();
    let with_id = |id: &str| -> Vec<&Value> { findings.iter().filter(|f| f["id"] == id).collect() };
    let mut differences = Vec::new();
    for id in truth["expected_findings"].as_array().unwrap() {
        if with_id(id.as_str().unwrap()).is_empty() {
            differences.push(format!("finding {id} expected, not reported"));
        }
    }
    for id in truth["absent_findings"].as_array().unwrap() {
        if !with_id(id.as_str().unwrap()).is_empty() {
            differences.push(format!("finding {id} reported, truth.json says absent"));
        }
    }
    let top = &truth["top_timeout_route"]["route"];
    if let Some(timeouts) = with_id("integration-timeout").first() {
        let routes = timeouts["evidence"]["routes"].as_array().unwrap();
        if !top.is_null() && !routes.iter().any(|r| &r["route"] == top) {
            differences.push(format!("integration-timeout evidence does not name {top}"));
        }
    }
    let expects_burst = truth["expected_findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|id| id == "timeout-burst");
    if expects_burst {
        // truth.json's times are `2026-03-06T10:10:00+00:00`; ours are milliseconds
        let as_ours = |iso: &Value| {
            iso.as_str()
                .unwrap()
                .replace('T', " ")
                .replace("+00:00", " UTC")
        };
        let (start, end) = (
            as_ours(&truth["timeout_burst"]["start"]),
            as_ours(&truth["timeout_burst"]["end"]),
        );
        let overlaps = with_id("timeout-burst").iter().any(|burst| {
            burst["evidence"]["windows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|window| {
                    let from = format_utc(window["start_ms"].as_i64().unwrap());
                    let to = format_utc(window["end_ms"].as_i64().unwrap());
                    from < end && to >= start
                })
        });
        if !overlaps {
            differences.push(format!("no timeout-burst window overlaps {start} to {end}"));
        }
    }
    differences
}

/// Writes an incident with gen.py, analyzes all it wrote (with the stage's format string
/// where the format needs one) and compares every figure with truth.json.
fn assert_incident_matches_truth(args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let truth = gen::generate(dir.path(), args);
    let mut command: Vec<String> = Vec::new();
    if matches!(truth["arguments"]["format"].as_str(), Some("clf" | "csv")) {
        let format = dir.path().join("apigw-access-format.txt");
        command.push("--access-format".into());
        command.push(format!("@{}", format.display()));
    }
    command.extend(incident_files(dir.path()));
    let command: Vec<&str> = command.iter().map(String::as_str).collect();
    let analysis = analyze_json(&command);
    let differences = truth_differences(&analysis, &truth);
    assert!(
        differences.is_empty(),
        "gen.py {args:?}:\n{}",
        differences.join("\n")
    );
}

#[test]
fn every_access_format_rest_and_http() {
    for api in ["rest", "http"] {
        for format in ["json", "nested", "kv", "clf", "csv", "xml"] {
            assert_incident_matches_truth(&[
                "--api",
                api,
                "--format",
                format,
                "--requests",
                "3000",
                "--seed",
                "2",
            ]);
        }
    }
}

/// The console's CLF and CSV presets are read without `--access-format`: what the preset
/// holds (statuses, routes, timeouts) is counted as truth.json counts it. gen.py adds the
/// latency fields after the preset's, which a reader without the format cannot name, so the
/// near misses are left to the format string.
#[test]
fn clf_and_csv_presets_read_without_the_format_string() {
    for (api, format) in [
        ("rest", "clf"),
        ("rest", "csv"),
        ("http", "clf"),
        ("http", "csv"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let truth = gen::generate(
            dir.path(),
            &[
                "--api",
                api,
                "--format",
                format,
                "--requests",
                "2000",
                "--seed",
                "4",
            ],
        );
        let files = incident_files(dir.path());
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        let analysis = analyze_json(&files);
        let case = format!("{api} {format}");
        for key in [
            "requests",
            "status",
            "integration_timeouts",
            "bad_gateway",
            "ceiling_ms",
        ] {
            assert_eq!(analysis[key], truth[key], "{case}: {key}");
        }
        let kinds = analysis["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|input| input["name"].as_str().unwrap().contains("apigw-access."))
            .map(|input| input["kinds"].clone())
            .unwrap();
        assert!(
            kinds
                .as_object()
                .unwrap()
                .keys()
                .any(|kind| kind.contains("preset")),
            "{case}: read as {kinds}"
        );
        for route in truth["routes"].as_array().unwrap() {
            let ours = analysis["routes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["route"] == route["route"])
                .unwrap_or_else(|| panic!("{case}: no route {}", route["route"]));
            for key in ["requests", "timeouts"] {
                assert_eq!(ours[key], route[key], "{case}: {} {key}", route["route"]);
            }
        }
    }
}

#[test]
fn every_wrapping_plain_and_gzip() {
    for wrap in ["none", "s3", "tail", "filter-json"] {
        for gzip in [false, true] {
            let mut args = vec!["--wrap", wrap, "--requests", "3000", "--seed", "3"];
            if gzip {
                args.push("--gzip");
            }
            assert_incident_matches_truth(&args);
        }
    }
}

#[test]
fn every_timeout_signature_and_lambda_format() {
    for latency in ["dash", "minus1", "near", "mixed"] {
        assert_incident_matches_truth(&[
            "--timeout-latency",
            latency,
            "--requests",
            "3000",
            "--seed",
            "4",
        ]);
    }
    for style in ["old", "new", "mixed"] {
        assert_incident_matches_truth(&[
            "--lambda-timeout-style",
            style,
            "--requests",
            "3000",
            "--seed",
            "5",
        ]);
    }
    for lambda in ["text", "json"] {
        assert_incident_matches_truth(&[
            "--lambda-format",
            lambda,
            "--no-xray",
            "--requests",
            "3000",
            "--seed",
            "6",
        ]);
    }
}

#[test]
fn larger_incidents_correlated_by_time_alone() {
    assert_incident_matches_truth(&[
        "--no-xray",
        "--format",
        "clf",
        "--requests",
        "100000",
        "--seed",
        "22",
    ]);
    assert_incident_matches_truth(&[
        "--lambda-format",
        "json",
        "--wrap",
        "s3",
        "--gzip",
        "--routes",
        "40",
        "--requests",
        "100000",
        "--seed",
        "23",
    ]);
}

#[test]
fn findings_over_seeds_and_sizes() {
    for args in [
        &["--requests", "5000", "--seed", "101"][..],
        &["--requests", "5000", "--seed", "102", "--no-xray"],
        &[
            "--requests",
            "20000",
            "--seed",
            "103",
            "--lambda-format",
            "json",
        ],
        &["--requests", "50000", "--seed", "104", "--no-lambda"],
        &["--requests", "500000", "--seed", "105", "--no-xray"],
    ] {
        assert_incident_matches_truth(args);
    }
}

#[test]
fn a_million_requests() {
    assert_incident_matches_truth(&["--requests", "1000000", "--seed", "31", "--no-lambda"]);
}

#[test]
fn threads_change_nothing_but_the_time() {
    let dir = tempfile::tempdir().unwrap();
    gen::generate(
        dir.path(),
        &["--requests", "150000", "--seed", "41", "--garbage", "40"],
    );
    let files = incident_files(dir.path());
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let one = analyze_json(&[&["--threads", "1"], &files[..]].concat());
    for threads in ["2", "3", "8"] {
        let many = analyze_json(&[&["--threads", threads], &files[..]].concat());
        assert_eq!(one, many, "--threads {threads} differs from --threads 1");
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
    let rejected = analysis["inputs"][0]["rejected"].as_array().unwrap();
    let lines_of = |reason: &str| {
        let rejection = rejected.iter().find(|r| r["reason"] == reason);
        rejection.map(|r| r["first_lines"].clone())
    };
    assert_eq!(
        lines_of("not an API Gateway or Lambda log line"),
        Some(serde_json::json!([2]))
    );
    assert_eq!(
        lines_of("malformed or truncated JSON record"),
        Some(serde_json::json!([4]))
    );
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

/// A folder is followed through its symlinks, and a link back up the tree reads nothing
/// twice: each record once, no "path too long" failure.
#[cfg(unix)]
#[test]
fn a_folder_with_a_symlink_loop_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(logs.join("api")).unwrap();
    std::fs::write(
        logs.join("api/access.log"),
        "{\"requestId\":\"a1\",\"status\":\"504\"}\n{\"requestId\":\"a2\",\"status\":\"200\"}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("..", logs.join("api/up")).unwrap();
    std::os::unix::fs::symlink(&logs, logs.join("again")).unwrap();
    let analysis = analyze_json(&[logs.to_str().unwrap()]);
    assert_eq!(analysis["requests"], 2, "{}", analysis["inputs"]);
    assert_eq!(analysis["inputs"].as_array().unwrap().len(), 1);
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
    assert!(text.contains("Integration ceiling: **45.0 s**"), "{text}");
    let timeouts = truth["status"]["504"].as_u64().unwrap();
    assert!(text.contains(&format!("| 504 | {timeouts} |")), "{text}");

    let output = ceiling(&["analyze", "--report", "out.docx", log.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("out.docx"));
}

/// What `pdftotext` reads from a PDF, with its line breaks and runs of spaces made single
/// spaces (a title may wrap).
fn pdf_text(pdf: &std::path::Path) -> String {
    let output = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (scripts/setup.sh test installs poppler-utils)");
    assert!(output.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn pdf_pages(pdf: &std::path::Path) -> u64 {
    let output = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo tells the pages")
}

#[test]
fn the_pdf_report_tells_the_incident() {
    let dir = tempfile::tempdir().unwrap();
    let truth = gen::generate(dir.path(), &["--requests", "20000", "--seed", "12"]);
    let pdf = dir.path().join("review.pdf");
    let mut args: Vec<String> = vec!["--report".into(), pdf.display().to_string()];
    args.extend(incident_files(dir.path()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let analysis = analyze_json(&args);
    let text = pdf_text(&pdf);
    for finding in analysis["findings"].as_array().unwrap() {
        let title = finding["title"].as_str().unwrap();
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(&title), "the PDF lacks the finding {title:?}");
    }
    let top = truth["top_timeout_route"]["route"].as_str().unwrap();
    assert!(text.contains(top), "the PDF does not name {top}");
    assert!(
        text.contains("Integration ceiling") && text.contains("29.0 s"),
        "{text}"
    );
    assert!(pdf_pages(&pdf) >= 4);
}

#[test]
fn log_text_stays_text_in_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "/<img src=x onerror=alert(1)>/שלום עולם/😀/<script>alert(2)</script>";
    let mut log = String::new();
    for i in 0..30 {
        let (path, status, latency) = if i % 3 == 0 {
            (hostile, "504", "29010")
        } else {
            ("/orders", "200", "120")
        };
        let record = serde_json::json!({
            "requestId": format!("r{i}"),
            "requestTimeEpoch": (1_772_787_600_000_i64 + i * 60_000).to_string(),
            "httpMethod": "GET",
            "resourcePath": path,
            "status": status,
            "responseLatency": latency,
            "integrationLatency": if status == "504" { "-" } else { "110" },
            "errorResponseType": if status == "504" { "INTEGRATION_TIMEOUT" } else { "-" },
        });
        log.push_str(&record.to_string());
        log.push('\n');
    }
    let input = dir.path().join("access.jsonl");
    std::fs::write(&input, log).unwrap();
    for name in ["r.pdf", "r.html", "r.md"] {
        let report = dir.path().join(name);
        let output = ceiling(&[
            "analyze",
            "--report",
            report.to_str().unwrap(),
            input.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{name}: {output:?}");
    }
    let pdf = pdf_text(&dir.path().join("r.pdf"));
    for piece in [
        "/<img src=x onerror=alert(1)>/",
        "שלום",
        "😀",
        "<script>alert(2)</script>",
    ] {
        assert!(pdf.contains(piece), "the PDF lacks {piece:?}: {pdf}");
    }
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(
        !html.contains("<img") && !html.contains("<script"),
        "markup got through"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;/שלום עולם/😀/&lt;script&gt;"));
    assert!(
        html.contains("default-src 'none'"),
        "the HTML report has no CSP"
    );
    let markdown = std::fs::read_to_string(dir.path().join("r.md")).unwrap();
    assert!(!markdown.contains("<img") && !markdown.contains("<script"));
}

/// The access log and function logs gen.py wrote into `dir`, sorted.
fn incident_files(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path().display().to_string())
        .filter(|path| path.contains("apigw-access.") || path.contains("lambda-"))
        .collect();
    files.sort();
    files
}

/// `ceiling analyze --json ARGS FILES`: the exit code and the JSON document.
fn analyze_json_status(args: &[&str], files: &[String]) -> (Option<i32>, Value) {
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let output = ceiling(&[&["analyze", "--json"], args, &files[..]].concat());
    let analysis = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code(), analysis)
}

#[test]
fn the_findings_as_json_and_csv_reports() {
    let dir = tempfile::tempdir().unwrap();
    let truth = gen::generate(dir.path(), &["--requests", "5000", "--seed", "7"]);
    let files = incident_files(dir.path());
    let (json_report, csv_report) = (dir.path().join("f.json"), dir.path().join("f.CSV"));
    let (_, analysis) = analyze_json_status(&["--report", json_report.to_str().unwrap()], &files);
    let (_, again) = analyze_json_status(&["--report", csv_report.to_str().unwrap()], &files);
    assert_eq!(analysis, again);
    let findings = analysis["findings"].as_array().unwrap();
    assert!(finding_differences(&analysis, &truth).is_empty());

    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_report).unwrap()).unwrap();
    assert_eq!(document["findings"], analysis["findings"]);
    for key in ["ceiling_ms", "requests", "integration_timeouts"] {
        assert_eq!(document[key], truth[key], "{key}");
    }
    assert_eq!(document["window"], analysis["window"]);
    assert_eq!(document["api"], "rest");

    let mut reader = csv::Reader::from_path(&csv_report).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["severity", "id", "title", "impact", "summary", "routes", "advice", "windows"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), findings.len());
    for (row, finding) in rows.iter().zip(findings) {
        assert_eq!(&row[0], finding["severity"].as_str().unwrap());
        assert_eq!(&row[1], finding["id"].as_str().unwrap());
        assert_eq!(&row[2], finding["title"].as_str().unwrap());
        assert_eq!(
            row[3].parse::<u64>().unwrap(),
            finding["impact"].as_u64().unwrap()
        );
    }
    let timeouts = rows
        .iter()
        .find(|r| &r[1] == "integration-timeout")
        .unwrap();
    assert_eq!(&timeouts[0], "critical");
    assert_eq!(
        timeouts[3].parse::<u64>().unwrap(),
        truth["integration_timeouts"]
    );
    let top = truth["top_timeout_route"]["route"].as_str().unwrap();
    assert!(
        timeouts[5].split("; ").any(|route| route == top),
        "{:?}",
        &timeouts[5]
    );
    // the windows in the report's zone, UTC here
    let burst = findings
        .iter()
        .find(|f| f["id"] == "timeout-burst")
        .unwrap();
    let window = &burst["evidence"]["windows"][0];
    let burst_row = rows.iter().find(|r| &r[1] == "timeout-burst").unwrap();
    assert!(burst_row[7].starts_with(&format!(
        "{} to {}",
        format_utc(window["start_ms"].as_i64().unwrap()),
        format_utc(window["end_ms"].as_i64().unwrap())
    )));
}

/// 2026-03-29T01:00:00Z, when Europe/Berlin goes from UTC+01:00 to UTC+02:00.
const BERLIN_SUMMER_MS: i64 = 1_774_746_000_000;

/// Berlin's clock at `ms`, worked out from that rule: `2026-03-29 03:10:00 UTC+02:00`.
fn berlin(ms: i64) -> String {
    let (hours, name) = if ms < BERLIN_SUMMER_MS {
        (1, "UTC+01:00")
    } else {
        (2, "UTC+02:00")
    };
    format_utc(ms + hours * 3_600_000).replace("UTC", name)
}

#[test]
fn time_zones_by_name_across_the_change_to_summer_time() {
    let dir = tempfile::tempdir().unwrap();
    // two hours from 00:00 UTC: the clocks change an hour in, the burst comes after
    let truth = gen::generate(
        dir.path(),
        &[
            "--requests",
            "3000",
            "--seed",
            "9",
            "--start",
            "2026-03-29T00:00:00Z",
        ],
    );
    let files = incident_files(dir.path());
    let report = dir.path().join("r.html");
    let (code, analysis) = analyze_json_status(
        &[
            "--time-zone",
            "Europe/Berlin",
            "--report",
            report.to_str().unwrap(),
        ],
        &files,
    );
    assert_eq!(code, Some(0));
    let html = std::fs::read_to_string(&report).unwrap();
    let window = &analysis["window"];
    let (start, end) = (
        window["start_ms"].as_i64().unwrap(),
        window["end_ms"].as_i64().unwrap(),
    );
    assert!(start < BERLIN_SUMMER_MS && end > BERLIN_SUMMER_MS);
    let cover = format!("{} to {}", berlin(start), berlin(end));
    assert!(cover.contains("UTC+01:00") && cover.contains("UTC+02:00"));
    assert!(html.contains(&cover), "the cover lacks {cover}");
    assert!(html.contains("Europe/Berlin") && html.contains("time (Europe/Berlin)"));
    // truth.json's burst, 01:10 to 01:25 UTC, is in summer time: 03:10 to 03:25
    assert_eq!(truth["timeout_burst"]["start"], "2026-03-29T01:10:00+00:00");
    let findings = analysis["findings"].as_array().unwrap();
    let burst = findings
        .iter()
        .find(|f| f["id"] == "timeout-burst")
        .unwrap();
    for window in burst["evidence"]["windows"].as_array().unwrap() {
        let (from, to) = (
            window["start_ms"].as_i64().unwrap(),
            window["end_ms"].as_i64().unwrap(),
        );
        let line = format!("Window: {} to {}", berlin(from), berlin(to));
        assert!(line.contains("03:"), "{line}");
        assert!(html.contains(&line), "the report lacks {line}");
    }
    // every sampled request at its own offset, those of winter time too
    let samples: Vec<&Value> = findings
        .iter()
        .flat_map(|f| f["evidence"]["requests"].as_array().into_iter().flatten())
        .filter(|r| r["time_ms"].is_i64())
        .collect();
    assert!(samples
        .iter()
        .any(|r| r["time_ms"].as_i64().unwrap() < BERLIN_SUMMER_MS));
    for sample in samples {
        let at = format!("at {}", berlin(sample["time_ms"].as_i64().unwrap()));
        assert!(html.contains(&at), "the report lacks {at}");
    }

    // the machine's zone by name, and the fixed offsets as before
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let local = dir.path().join("local.md");
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(["analyze", "--time-zone", "local", "--report"])
        .arg(&local)
        .args(&files)
        .env("TZ", "Europe/Berlin")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let markdown = std::fs::read_to_string(&local).unwrap();
    assert!(
        markdown.contains("Time zone: **Europe/Berlin**"),
        "{markdown}"
    );
    let fixed = dir.path().join("fixed.md");
    let output = ceiling(
        &[
            &[
                "analyze",
                "--time-zone",
                "+02:00",
                "--report",
                fixed.to_str().unwrap(),
            ],
            &files[..],
        ]
        .concat(),
    );
    assert!(output.status.success(), "{output:?}");
    let markdown = std::fs::read_to_string(&fixed).unwrap();
    assert!(
        markdown.contains("Time zone: **UTC\\+02:00**"),
        "{markdown}"
    );
    assert!(
        !markdown.contains("UTC\\+01:00"),
        "a fixed offset stays fixed"
    );

    let output = ceiling(&[&["analyze", "--time-zone", "Mars/Olympus"], &files[..]].concat());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Mars/Olympus"));
}

#[test]
fn fonts_are_embedded_in_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::new();
    // Latin, Hebrew and an emoji: the PDF needs more than one font
    for (i, path) in ["/orders", "/שלום", "/😀"]
        .iter()
        .cycle()
        .take(30)
        .enumerate()
    {
        let status = if i % 4 == 0 { "504" } else { "200" };
        let record = serde_json::json!({
            "requestId": format!("r{i}"),
            "requestTimeEpoch": (1_772_787_600_000_i64 + i as i64 * 60_000).to_string(),
            "httpMethod": "GET",
            "resourcePath": path,
            "status": status,
            "responseLatency": if status == "504" { "29010" } else { "120" },
            "integrationLatency": if status == "504" { "-" } else { "110" },
        });
        log.push_str(&record.to_string());
        log.push('\n');
    }
    let input = dir.path().join("access.jsonl");
    std::fs::write(&input, log).unwrap();
    let pdf = dir.path().join("r.pdf");
    let output = ceiling(&[
        "analyze",
        "--report",
        pdf.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let listed = match Command::new("pdffonts").arg(&pdf).output() {
        Ok(listed) => listed,
        Err(_) if std::env::var("CI").map_or(true, |ci| ci != "true") => {
            eprintln!(
                "skipped: pdffonts is missing (scripts/setup.sh test installs poppler-utils)"
            );
            return;
        }
        Err(e) => panic!("pdffonts does not run under CI: {e}"),
    };
    assert!(listed.status.success(), "{listed:?}");
    let text = String::from_utf8_lossy(&listed.stdout);
    // a header, a rule of dashes whose runs are the columns, then a font a line
    let mut lines = text.lines().skip(1);
    let rule = lines.next().expect("pdffonts prints its table");
    let mut columns = Vec::new();
    let mut start = None;
    for (i, c) in rule
        .char_indices()
        .chain(std::iter::once((rule.len(), ' ')))
    {
        match (c, start) {
            ('-', None) => start = Some(i),
            (' ', Some(from)) => {
                columns.push(from..i);
                start = None;
            }
            _ => {}
        }
    }
    let emb = columns[3].clone();
    let fonts: Vec<&str> = lines.collect();
    assert!(fonts.len() >= 2, "more than one font: {text}");
    for font in fonts {
        assert_eq!(font[emb.clone()].trim(), "yes", "not embedded: {font}");
    }
}

#[test]
fn fail_on_exits_1_only_when_a_finding_that_bad_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    gen::generate(dir.path(), &["--requests", "3000", "--seed", "3"]);
    let files = incident_files(dir.path());
    let (code, analysis) = analyze_json_status(&["--fail-on", "high"], &files);
    let severities: Vec<&str> = analysis["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert!(severities.contains(&"critical") || severities.contains(&"high"));
    assert_eq!(code, Some(1), "--fail-on high on an incident");
    assert_eq!(analyze_json_status(&[], &files).0, Some(0), "no --fail-on");

    let calm = dir.path().join("calm.jsonl");
    let mut log = String::new();
    for i in 0..200 {
        let record = serde_json::json!({
            "requestId": format!("c{i}"),
            "requestTimeEpoch": (1_772_787_600_000_i64 + i * 15_000).to_string(),
            "httpMethod": "GET",
            "resourcePath": "/orders",
            "status": "200",
            "responseLatency": (80 + i % 40).to_string(),
            "integrationLatency": (70 + i % 40).to_string(),
            "errorResponseType": "-",
        });
        log.push_str(&record.to_string());
        log.push('\n');
    }
    std::fs::write(&calm, log).unwrap();
    let calm = vec![calm.display().to_string()];
    let (code, analysis) = analyze_json_status(&["--fail-on", "high"], &calm);
    assert!(analysis["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| !matches!(f["severity"].as_str(), Some("critical" | "high"))));
    assert_eq!(code, Some(0), "--fail-on high on a calm log");
    let output = ceiling(&["analyze", "--fail-on", "dire", &calm[0]]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn route_limits_the_figures_to_that_route() {
    let dir = tempfile::tempdir().unwrap();
    let truth = gen::generate(dir.path(), &["--requests", "3000", "--seed", "4"]);
    let files = incident_files(dir.path());
    for expected in truth["routes"].as_array().unwrap().iter().take(3) {
        let route = expected["route"].as_str().unwrap();
        let (code, analysis) = analyze_json_status(&["--route", route], &files);
        assert_eq!(code, Some(0));
        let routes = analysis["routes"].as_array().unwrap();
        assert_eq!(routes.len(), 1, "{route}: {routes:?}");
        for key in [
            "route", "requests", "timeouts", "p50_ms", "p99_ms", "max_ms",
        ] {
            assert_eq!(routes[0][key], expected[key], "{route}: {key}");
        }
        assert_eq!(analysis["requests"], expected["requests"], "{route}");
        assert_eq!(
            analysis["integration_timeouts"], expected["timeouts"],
            "{route}"
        );
        assert_eq!(analysis["overall"]["p99_ms"], expected["p99_ms"], "{route}");
    }
}

/// The access log's lines whose request time falls in `from..to` (ms since the epoch).
fn access_lines_between(dir: &std::path::Path, from: i64, to: i64) -> String {
    let log = std::fs::read_to_string(dir.join("apigw-access.jsonl")).unwrap();
    log.lines()
        .filter(|line| {
            // the generator mixes in a few lines that are no record: they stay out
            let Ok(record) = serde_json::from_str::<Value>(line) else {
                return false;
            };
            let time: Option<i64> = record["requestTimeEpoch"]
                .as_str()
                .and_then(|t| t.parse().ok());
            time.is_some_and(|time| (from..to).contains(&time))
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn compare_calls_the_burst_route_slower_and_a_window_against_itself_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    gen::generate(dir.path(), &["--seed", "13", "--no-lambda"]);
    let minute = 60_000;
    let start = ceiling_engine::parse_iso_ms("2026-03-06T09:00:00Z").unwrap();
    let before = dir.path().join("before.jsonl");
    let after = dir.path().join("after.jsonl");
    std::fs::write(
        &before,
        access_lines_between(dir.path(), start + 50 * minute, start + 65 * minute),
    )
    .unwrap();
    std::fs::write(
        &after,
        access_lines_between(dir.path(), start + 70 * minute, start + 85 * minute),
    )
    .unwrap();
    let report = dir.path().join("compare.pdf");
    let (before_arg, after_arg) = (before.to_str().unwrap(), after.to_str().unwrap());
    let output = ceiling(&[
        "compare",
        before_arg,
        "--with",
        after_arg,
        "--json",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let comparison: Value = serde_json::from_slice(&output.stdout).unwrap();
    let routes = comparison["routes"].as_array().unwrap();
    assert_eq!(routes[0]["route"], "POST /api/process");
    assert_eq!(routes[0]["latency"], "slower");
    assert_eq!(routes[0]["timeouts"], "more");
    assert!(
        routes[1..].iter().all(|r| r["latency"] == "unchanged"),
        "{routes:?}"
    );
    let text = pdf_text(&report);
    assert!(text.contains("Ceiling comparison"), "{text}");
    assert!(
        text.contains("1 route slower: POST /api/process."),
        "{text}"
    );

    let output = ceiling(&["compare", after_arg, "--with", after_arg]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("No route got slower."), "{text}");
    assert!(!text.contains("slower (p"), "{text}");

    // files and log groups are not mixed; a comparison needs both sides
    let output = ceiling(&["compare", before_arg]);
    assert_eq!(output.status.code(), Some(2));
    let output = ceiling(&[
        "compare", before_arg, "--with", after_arg, "--before", "2h/1h",
    ]);
    assert_eq!(output.status.code(), Some(2));
}
