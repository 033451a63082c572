//! `ceiling compare` on two windows of the same log groups, fetched from CloudWatch Logs (a
//! moto server on 127.0.0.1): a gen.py incident's calm quarter hour against its burst calls
//! the burst's route slower and the others unchanged, with the figures of the same windows'
//! files read directly; a window against itself shows no change.

#[path = "support/aws_env.rs"]
mod aws_env;
#[path = "support/cli.rs"]
mod cli;
#[path = "support/gen.rs"]
mod gen;
#[path = "support/moto.rs"]
mod moto;
#[path = "support/windows.rs"]
mod windows;

use std::path::Path;

use cli::ceiling_json;
use serde_json::Value;

const REGION: &str = "eu-west-1";

/// The incident's route whose latency goes up ninefold from 70 to 85 minutes in.
const BURST_ROUTE: &str = "POST /api/process";

/// `ceiling compare` of two windows of the groups: `--before START/LENGTH --after AFTER`.
fn compare_groups(before: &str, after: &str) -> Value {
    let mut args = vec![
        "compare",
        "--profile",
        "ceiling-test",
        "--before",
        before,
        "--after",
        after,
    ];
    for (group, _) in gen::INCIDENT_GROUPS {
        args.extend(["--log-group", group]);
    }
    ceiling_json(&args)
}

fn route<'a>(comparison: &'a Value, name: &str) -> &'a Value {
    comparison["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == name)
        .unwrap_or_else(|| panic!("no route {name}"))
}

/// The figures of each route of one side of a comparison, as an analysis shows them.
fn side_figures(comparison: &Value, side: &str) -> Vec<Value> {
    comparison["routes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r[side].is_null())
        .map(|r| {
            let s = &r[side];
            serde_json::json!([
                r["route"],
                s["requests"],
                s["timeouts"],
                s["latency"]["p99_ms"]
            ])
        })
        .collect()
}

fn analysis_figures(analysis: &Value) -> Vec<Value> {
    let mut routes: Vec<Value> = analysis["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::json!([r["route"], r["requests"], r["timeouts"], r["p99_ms"]]))
        .collect();
    routes.sort_by_key(|r| r[0].as_str().unwrap().to_owned());
    routes
}

fn sorted(mut figures: Vec<Value>) -> Vec<Value> {
    figures.sort_by_key(|r| r[0].as_str().unwrap().to_owned());
    figures
}

#[test]
fn compares_two_windows_of_log_groups_as_their_files() {
    let moto = moto::MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (_, start, _) = moto::recent_incident(dir.path(), "20000", "13");
    for (group, file) in gen::INCIDENT_GROUPS {
        moto.put_file(REGION, group, &dir.path().join(file));
    }
    let aws = tempfile::tempdir().unwrap();
    aws_env::use_aws_files(
        aws.path(),
        &format!("[profile ceiling-test]\nregion = {REGION}\n"),
        aws_env::TEST_CREDENTIALS,
        &moto.endpoint(),
    );

    // the twenty minutes before the burst, then the burst's quarter hour (70 to 85 minutes
    // in), right after them
    let minute = 60_000;
    let (calm_start, burst_start) = (start + 50 * minute, start + 70 * minute);
    let fetched = compare_groups(&format!("{}/20m", moto::iso(calm_start)), "15m");

    // the same windows cut from the files, by the events' times, and read directly
    let files: Vec<&str> = gen::INCIDENT_GROUPS.iter().map(|(_, file)| *file).collect();
    let (calm, burst) = (dir.path().join("calm"), dir.path().join("burst"));
    let cut =
        |from: i64, to: i64, out: &Path| windows::cut_window(dir.path(), &files, from, to, out);
    cut(calm_start, burst_start, &calm);
    cut(burst_start, burst_start + 15 * minute, &burst);
    let (calm, burst) = (calm.to_str().unwrap(), burst.to_str().unwrap());
    let from_files = ceiling_json(&["compare", calm, "--with", burst]);
    assert_eq!(fetched, from_files, "fetched windows against their files");

    // the burst's route first and slower, with more timeouts; the rest unchanged
    let first = &fetched["routes"][0];
    assert_eq!(first["route"], BURST_ROUTE, "{}", fetched["routes"]);
    assert_eq!(first["latency"], "slower");
    assert_eq!(first["timeouts"], "more");
    assert!(first["p99_change_ms"].as_i64().unwrap() > 5_000, "{first}");
    let mut unchanged = 0;
    for route in &fetched["routes"].as_array().unwrap()[1..] {
        let latency = route["latency"].as_str().unwrap();
        assert!(
            latency == "unchanged" || latency == "too-few-requests",
            "{}: {latency}",
            route["route"]
        );
        unchanged += usize::from(latency == "unchanged");
        assert_ne!(route["timeouts"], "more", "{route}");
    }
    assert!(unchanged >= 3, "{}", fetched["routes"]);
    let summary = fetched["summary"][0].as_str().unwrap();
    assert!(summary.contains(BURST_ROUTE), "{summary}");
    let process = fetched["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "process-fn")
        .unwrap();
    assert!(process["p99_change_ms"].as_i64().unwrap() > 0, "{process}");

    // each window's requests, timeouts and p99 per route: those of its files analyzed
    for (side, files) in [("before", calm), ("after", burst)] {
        let analysis = ceiling_json(&["analyze", files]);
        assert_eq!(
            sorted(side_figures(&fetched, side)),
            analysis_figures(&analysis),
            "the {side} window"
        );
        assert_eq!(
            fetched[side]["requests"], analysis["requests"],
            "the {side} window"
        );
    }
    assert_eq!(route(&fetched, BURST_ROUTE)["before"]["timeouts"], 0);

    // the burst against itself: nothing changed
    let itself = compare_groups(
        &format!("{}/15m", moto::iso(burst_start)),
        &format!("{}/15m", moto::iso(burst_start)),
    );
    assert_eq!(itself["before"], itself["after"]);
    for route in itself["routes"].as_array().unwrap() {
        let latency = route["latency"].as_str().unwrap();
        assert!(
            latency == "unchanged" || latency == "too-few-requests",
            "{route}"
        );
        assert_eq!(route["p99_change_ms"], 0, "{route}");
        assert_ne!(route["timeouts"], "more", "{route}");
        assert_ne!(route["timeouts"], "fewer", "{route}");
    }
    assert!(itself["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["change"] == "unchanged"));
    let summary = itself["summary"][0].as_str().unwrap();
    assert!(summary.starts_with("No route got slower"), "{summary}");
}
