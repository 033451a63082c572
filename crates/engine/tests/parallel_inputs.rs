//! Several inputs read on several threads (issue 14): a folder of gzip objects, a large plain
//! file cut into chunks, Lambda logs whose invocations span two inputs, a document and an
//! input that cannot be opened give the same analysis, and the same errors in the same
//! order, on 1, 2, 3 and 8 threads.

use std::io::Write;
use std::path::{Path, PathBuf};

use ceiling_engine::{Analyzer, Settings};

fn access_line(i: u64) -> String {
    let (status, latency) = match i % 97 {
        0 => ("504", "29001".to_owned()),
        1 => ("502", "12".to_owned()),
        _ => ("200", (i * 37 % 4000).to_string()),
    };
    let route = ["/orders", "/search", "/reports/{id}", "/payments"][(i % 4) as usize];
    let method = if i % 3 == 0 { "POST" } else { "GET" };
    format!(
        r#"{{"requestId":"req-{i}","requestTimeEpoch":"{}","httpMethod":"{method}","resourcePath":"{route}","status":"{status}","responseLatency":"{latency}","integrationLatency":"{latency}","integrationRequestId":"inv-{i}"}}"#,
        1_772_787_600_000 + i * 7
    )
}

fn gzip(path: &Path, text: &str) {
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();
}

/// The inputs, in the order they are read.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    // S3 export objects: each a range of the requests
    for part in 0..6u64 {
        let text: String = (part * 3000..(part + 1) * 3000)
            .map(|i| access_line(i) + "\n")
            .collect();
        let path = dir.join(format!("export-{part}.gz"));
        gzip(
            &path,
            &format!(
                "2026-03-06T09:00:00.000Z {}",
                text.replace('\n', "\n2026-03-06T09:00:00.000Z ")
            ),
        );
        files.push(path);
    }
    // a plain file large enough to be cut into chunks
    let mut large = String::new();
    let mut i = 18_000;
    while large.len() < 20 * 1024 * 1024 {
        large.push_str(&access_line(i));
        large.push('\n');
        i += 1;
    }
    files.push(dir.join("large.jsonl"));
    std::fs::write(files.last().unwrap(), large).unwrap();
    files.push(dir.join("missing.log"));
    // a function's log in two inputs, one invocation across them
    let id = "3364d63a-b18c-5ed6-97c7-85c6bf57800e";
    files.push(dir.join("lambda-reports-fn.log"));
    std::fs::write(
        files.last().unwrap(),
        format!(
            "2026-03-06T09:00:01.000Z START RequestId: {id} Version: $LATEST\n\
             2026-03-06T09:00:02.000Z some application line\n"
        ),
    )
    .unwrap();
    files.push(dir.join("lambda-reports-fn-2.log"));
    std::fs::write(
        files.last().unwrap(),
        format!(
            "2026-03-06T09:00:31.000Z END RequestId: {id}\n\
             2026-03-06T09:00:31.000Z REPORT RequestId: {id}\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\tStatus: timeout\n"
        ),
    )
    .unwrap();
    files.push(dir.join("events.json"));
    std::fs::write(
        files.last().unwrap(),
        format!(
            r#"{{"events":[{{"timestamp":1772787600000,"message":{}}}]}}"#,
            serde_json::to_string(&access_line(999_999)).unwrap()
        ),
    )
    .unwrap();
    files
}

fn analyze(files: &[PathBuf], threads: usize) -> (serde_json::Value, Vec<String>, usize) {
    let mut analyzer = Analyzer::new(Settings::default());
    let mut seen = 0;
    let errors = analyzer.read_paths(files, threads, |_| seen += 1);
    let errors = errors.iter().map(ToString::to_string).collect();
    (
        serde_json::to_value(analyzer.finish()).unwrap(),
        errors,
        seen,
    )
}

#[test]
fn several_inputs_read_the_same_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let files = inputs(dir.path());
    let (one, errors, seen) = analyze(&files, 1);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("missing.log"), "{errors:?}");
    assert_eq!(one["inputs"].as_array().unwrap().len(), files.len() - 1);
    assert_eq!(seen, files.len() - 1);
    assert!(
        one["requests"].as_u64().unwrap() > 50_000,
        "{}",
        one["requests"]
    );
    for threads in [2, 3, 8] {
        let many = analyze(&files, threads);
        assert_eq!(many.1, errors, "errors on {threads} threads");
        assert_eq!(many.2, seen, "inputs seen on {threads} threads");
        assert!(many.0 == one, "{threads} threads differ from one");
    }
    // the same as reading them one by one with one analyzer
    let mut analyzer = Analyzer::new(Settings::default());
    for file in &files {
        let _ = analyzer.read_path(file);
    }
    assert!(serde_json::to_value(analyzer.finish()).unwrap() == one);
}

#[test]
fn a_cancelled_reading_reads_no_further_input() {
    let dir = tempfile::tempdir().unwrap();
    let files = inputs(dir.path());
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.progress().cancel();
    let errors = analyzer.read_paths(&files, 2, |_| {});
    assert!(errors
        .iter()
        .all(|e| e.to_string().contains("cancelled") || e.to_string().contains("missing.log")));
    let analysis = analyzer.finish();
    assert_eq!(analysis.requests, 0);
}
