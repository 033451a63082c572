//! Comparisons of generated windows (shared/bench/gen.py): a calm quarter hour against the
//! quarter hour of the burst calls the burst's route slower and the others unchanged, and a
//! window against itself shows no change.

use std::path::{Path, PathBuf};
use std::process::Command;

use ceiling_engine::compare::{FindingChangeKind, LatencyChange, RateChange};
use ceiling_engine::{
    compare, expand_paths, parse_iso_ms, Analysis, Analyzer, CompareSettings, FindingId, Focus,
    Settings,
};

/// The incident's route whose latency goes up ninefold from 10:10 to 10:25.
const BURST_ROUTE: &str = "POST /api/process";

fn generate(out: &Path) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/gen.py");
    assert!(script.exists(), "{} is missing", script.display());
    let status = Command::new("python3")
        .arg(&script)
        .arg("--out")
        .arg(out)
        .args(["--seed", "13"])
        .status()
        .expect("python3 runs gen.py");
    assert!(status.success());
}

/// The incident's logs read over `from`..`to` (UTC).
fn analyze(dir: &Path, from: &str, to: &str) -> Analysis {
    let window = (parse_iso_ms(from).unwrap(), parse_iso_ms(to).unwrap());
    let mut analyzer = Analyzer::new(Settings {
        focus: Focus {
            route: None,
            window: Some(window),
        },
        ..Settings::default()
    });
    for file in expand_paths(&[dir.to_path_buf()]).unwrap() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("apigw-access.") || name.starts_with("lambda-") {
            analyzer
                .read(&name, std::fs::File::open(&file).unwrap())
                .unwrap();
        }
    }
    analyzer.finish()
}

#[test]
fn the_burst_route_is_slower_and_the_others_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let calm = analyze(dir.path(), "2026-03-06T09:50:00Z", "2026-03-06T10:05:00Z");
    let burst = analyze(dir.path(), "2026-03-06T10:10:00Z", "2026-03-06T10:25:00Z");
    let comparison = compare(&calm, &burst, &CompareSettings::default());

    let first = &comparison.routes[0];
    assert_eq!(first.route, BURST_ROUTE, "{:#?}", comparison.routes);
    assert_eq!(first.latency, LatencyChange::Slower);
    assert!(first.got_worse());
    let test = first.latency_test.unwrap();
    assert!(test.p_value < 1e-6 && test.effect > 0.9, "{test:?}");
    assert!(first.p50_change_ms.unwrap() > 5_000, "{first:?}");
    assert_eq!(first.timeouts, RateChange::More, "{first:?}");
    for route in &comparison.routes[1..] {
        assert_eq!(
            route.latency,
            LatencyChange::Unchanged,
            "{}: {:?}",
            route.route,
            route.latency_test
        );
        assert!(!route.got_worse(), "{route:?}");
    }
    assert!(
        comparison.summary[0].contains(BURST_ROUTE),
        "{:?}",
        comparison.summary
    );
    let process = comparison
        .functions
        .iter()
        .find(|f| f.function == "process-fn")
        .unwrap();
    assert!(process.p99_change_ms.unwrap() > 0, "{process:?}");
    // the burst's timeouts are new in its window, and on its route
    for id in [
        FindingId::IntegrationTimeout,
        FindingId::TimeoutsConcentrated,
    ] {
        let finding = comparison
            .findings
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("{id}: {:#?}", comparison.findings));
        assert_eq!(finding.change, FindingChangeKind::Appeared, "{finding:?}");
    }

    // with a higher bar on requests, the small routes say so rather than call a change
    let strict = CompareSettings {
        min_requests: 200,
        ..CompareSettings::default()
    };
    let strict = compare(&calm, &burst, &strict);
    let small = strict
        .routes
        .iter()
        .find(|r| r.route == "POST /payments")
        .unwrap();
    assert!(small.before.as_ref().unwrap().requests < 200);
    assert_eq!(small.latency, LatencyChange::TooFewRequests);
    assert_eq!(small.timeouts, RateChange::TooFewRequests);
    assert!(small.latency_test.is_none());
}

#[test]
fn a_window_against_itself_shows_no_change() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let whole = analyze(dir.path(), "2026-03-06T09:00:00Z", "2026-03-06T11:00:00Z");
    let comparison = compare(&whole, &whole, &CompareSettings::default());
    assert!(!comparison.routes.is_empty());
    for route in &comparison.routes {
        assert_eq!(route.latency, LatencyChange::Unchanged, "{route:?}");
        assert_eq!(route.timeouts, RateChange::Unchanged, "{route:?}");
        assert_eq!(route.p99_change_ms, Some(0));
        let test = route.latency_test.unwrap();
        assert_eq!(test.effect, 0.5);
        assert!(test.p_value > 0.99);
    }
    for function in &comparison.functions {
        assert_eq!(function.timeouts, RateChange::Unchanged, "{function:?}");
        assert_eq!(function.cold_starts, RateChange::Unchanged, "{function:?}");
    }
    assert!(!comparison.findings.is_empty());
    assert!(comparison
        .findings
        .iter()
        .all(|f| f.change == FindingChangeKind::Unchanged));
    assert!(comparison.summary[0].starts_with("No route got slower"));
    // the comparison is plain JSON
    let json = serde_json::to_value(&comparison).unwrap();
    assert_eq!(json["routes"][0]["latency"], "unchanged");
}
