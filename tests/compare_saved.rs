//! `ceiling compare` on analyses saved with `analyze --json`: two saved windows compare as
//! the logs they were saved from, latency test included (the saved analysis holds each
//! route's latency bins); a file saved without bins still compares, and says that the
//! latency test is unavailable.

#[path = "support/gen.rs"]
mod gen;
#[path = "support/windows.rs"]
mod windows;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The files gen.py writes for the incident.
const FILES: [&str; 5] = [
    "apigw-access.jsonl",
    "lambda-orders-fn.log",
    "lambda-payments-fn.log",
    "lambda-process-fn.log",
    "lambda-reports-fn.log",
];

/// `ceiling ARGS`, which must succeed: what it printed.
fn ceiling(args: &[&str]) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ceiling {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn compare_json(before: &Path, after: &Path) -> Value {
    let (before, after) = (before.to_str().unwrap(), after.to_str().unwrap());
    serde_json::from_slice(&ceiling(&["compare", before, "--with", after, "--json"])).unwrap()
}

#[test]
fn saved_analyses_compare_as_their_logs() {
    let dir = tempfile::tempdir().unwrap();
    gen::generate(
        dir.path(),
        &["--seed", "13", "--wrap", "s3", "--garbage", "0"],
    );
    let at = |time: &str| ceiling_engine::parse_iso_ms(time).unwrap();
    let (calm, burst) = (dir.path().join("calm"), dir.path().join("burst"));
    let cut = |from: &str, to: &str, out: &Path| {
        windows::cut_window(dir.path(), &FILES, at(from), at(to), out)
    };
    cut("2026-03-06T09:50:00Z", "2026-03-06T10:05:00Z", &calm);
    cut("2026-03-06T10:10:00Z", "2026-03-06T10:25:00Z", &burst);
    let from_logs = compare_json(&calm, &burst);
    assert_eq!(from_logs["routes"][0]["route"], "POST /api/process");
    assert_eq!(from_logs["routes"][0]["latency"], "slower");

    // each window saved as `analyze --json` writes it, then the two saved files compared
    let save = |window: &Path, name: &str| {
        let saved = dir.path().join(name);
        std::fs::write(
            &saved,
            ceiling(&["analyze", window.to_str().unwrap(), "--json"]),
        )
        .unwrap();
        saved
    };
    let (calm_saved, burst_saved) = (save(&calm, "calm.json"), save(&burst, "burst.json"));
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&calm_saved).unwrap()).unwrap();
    let bins = &saved["routes"][0]["latency_bins"];
    assert!(
        bins.as_array()
            .is_some_and(|b| !b.is_empty() && b[0].as_array().unwrap().len() == 2),
        "the bins are saved as [lowest_ms, count] pairs: {bins}"
    );
    let from_saved = compare_json(&calm_saved, &burst_saved);
    assert_eq!(from_saved, from_logs, "saved analyses against their logs");

    // a file saved before the bins were written: the latency is not tested, and said so;
    // the counts' tests are as before
    let mut old = saved.clone();
    for route in old["routes"].as_array_mut().unwrap() {
        route.as_object_mut().unwrap().remove("latency_bins");
    }
    let old_saved = dir.path().join("old.json");
    std::fs::write(&old_saved, serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    let from_old = compare_json(&old_saved, &burst_saved);
    let routes = from_old["routes"].as_array().unwrap();
    assert_eq!(routes.len(), from_logs["routes"].as_array().unwrap().len());
    for route in routes {
        let was = from_logs["routes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["route"] == route["route"])
            .unwrap();
        let latency = route["latency"].as_str().unwrap();
        match was["latency"].as_str().unwrap() {
            // too few requests, new or gone: said before any test
            "too-few-requests" | "new" | "gone" => assert_eq!(route["latency"], was["latency"]),
            _ => assert_eq!(latency, "not-tested", "{route}"),
        }
        assert!(route["latency_test"].is_null(), "{route}");
        assert_eq!(route["timeouts"], was["timeouts"], "{route}");
        assert_eq!(route["p99_change_ms"], was["p99_change_ms"], "{route}");
    }
    let summary = from_old["summary"].to_string();
    assert!(summary.contains("latency test is unavailable"), "{summary}");
    let text = String::from_utf8(ceiling(&[
        "compare",
        old_saved.to_str().unwrap(),
        "--with",
        burst_saved.to_str().unwrap(),
    ]))
    .unwrap();
    assert!(text.contains("not tested"), "{text}");
    assert!(text.contains("latency test is unavailable"), "{text}");

    // a saved analysis goes alone on its side
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args([
            "compare",
            calm_saved.to_str().unwrap(),
            burst.to_str().unwrap(),
        ])
        .args(["--with", burst_saved.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("compared on its own"), "{said}");
}
