//! The live watch against a real local endpoint (moto): a gen.py incident put into moto a
//! slice at a time while the watch runs, each event with its own time, some of them twice
//! and some late, gives for its whole period the figures of its files, each event counted
//! once; and `ceiling watch` does the same from the command line, with --json and --fail-on.

#[path = "support/gen.rs"]
mod gen;
// the helpers the cloud tests use beside the ones used here
#[path = "support/aws_env.rs"]
mod aws_env;
#[path = "support/figures.rs"]
mod figures;
#[allow(dead_code)]
#[path = "support/moto.rs"]
mod moto;
#[path = "support/replay.rs"]
mod replay;

use std::process::Command;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ceiling_cloud::live::watch::{watch, Notice, Switches, WatchRequest};
use ceiling_cloud::{Connection, Target};
use ceiling_engine::live::{LiveEvent, LiveWindow, Rolling};
use ceiling_engine::{Analyzer, Settings};
use serde_json::Value;

const REGION: &str = "eu-west-1";

// One test function: it sets process-wide variables, which parallel tests would race on.
#[test]
fn an_incident_watched_as_it_arrives_gives_the_figures_of_its_files() {
    let moto = moto::MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    aws_env::use_aws_files(
        dir.path(),
        &format!("[profile ceiling-test]\nregion = {REGION}\n"),
        aws_env::TEST_CREDENTIALS,
        &moto.endpoint(),
    );
    // an incident of two hours that ended ten minutes ago
    let now = ceiling_cloud::now_ms();
    let start = (now - 130 * 60_000) / 60_000 * 60_000;
    let truth = gen::generate(
        dir.path(),
        &[
            "--requests",
            "1500",
            "--seed",
            "21",
            "--wrap",
            "s3",
            "--garbage",
            "0",
            "--start",
            &moto::iso(start),
        ],
    );
    let mut files = Analyzer::new(Settings::default());
    for (_, file) in gen::INCIDENT_GROUPS {
        files.read_path(&dir.path().join(file)).unwrap();
    }
    let files = serde_json::to_value(files.finish()).unwrap();
    assert_eq!(files["requests"], truth["requests"]);

    let events = replay::load(dir.path(), &gen::INCIDENT_GROUPS);
    replay::create_groups(&moto, REGION, &gen::INCIDENT_GROUPS);
    let watched = watch_while_replaying(&moto, &events);
    let live = watched.analysis(LiveWindow::SinceStart, ceiling_cloud::now_ms());
    assert_eq!(watched.events(), events.len() as u64, "each event once");
    let live = serde_json::to_value(live).unwrap();
    assert_eq!(
        figures::figures(&live),
        figures::figures(&files),
        "watched against files"
    );

    cli_watch(&files, events.len());
}

/// Puts the first third of `events` into moto, starts a watch (whose backfill reads it),
/// then puts the rest in twenty slices of their time while the watch runs: in each slice
/// some events of the slice before come again (a duplicate in CloudWatch, under another
/// event id) and one group's events are held back to the next slice (a late delivery: older
/// than events of other groups already read, in their own order as a stream's events are).
/// Returns the watch's rolling analysis once it has every event.
fn watch_while_replaying(moto: &moto::MotoServer, events: &[replay::Event]) -> Rolling {
    let first = events.len() / 3;
    replay::put(moto, REGION, &events[..first]);
    let rolling = Arc::new(Mutex::new(Rolling::new(Settings::default())));
    let switches = Arc::new(Switches::default());
    let watcher = {
        let (rolling, switches) = (Arc::clone(&rolling), Arc::clone(&switches));
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let target = Target {
                    profile: Some("ceiling-test".to_owned()),
                    ..Target::default()
                };
                let connection = Connection::open(&target).await.unwrap();
                let groups = gen::INCIDENT_GROUPS
                    .iter()
                    .map(|(g, _)| (*g).to_owned())
                    .collect();
                let request = WatchRequest {
                    backfill_ms: 3 * 3_600_000,
                    poll_every: Duration::from_millis(200),
                    // sped up about 300 times, a lag of a second or two is minutes
                    overlap_ms: 10 * 60_000,
                    ..WatchRequest::new(groups)
                };
                let mut notices = Vec::new();
                watch(&connection, &request, &switches, |notice| match notice {
                    Notice::Batch(batch) => {
                        let mut rolling = rolling.lock().unwrap();
                        for e in &batch.events {
                            let event = LiveEvent {
                                group: &e.group,
                                timestamp_ms: e.timestamp_ms,
                                message: &e.message,
                            };
                            rolling.add(event, batch.sampled);
                        }
                    }
                    other => notices.push(other),
                })
                .await
                .unwrap();
                notices
            })
        })
    };
    let rest = &events[first..];
    let slices = 20;
    let size = rest.len().div_ceil(slices);
    let mut held: Vec<replay::Event> = Vec::new();
    let mut previous: &[replay::Event] = &events[..first];
    let mut duplicated = 0;
    for (k, slice) in rest.chunks(size).enumerate() {
        let mut put: Vec<replay::Event> = std::mem::take(&mut held);
        // one group's delivery is late: its events of the slice come with the next one
        let late = gen::INCIDENT_GROUPS[k % gen::INCIDENT_GROUPS.len()].0;
        for event in slice {
            if event.group == late {
                held.push(event.clone());
            } else {
                put.push(event.clone());
            }
        }
        for event in previous.iter().rev().step_by(29).take(10) {
            put.push(event.clone());
            duplicated += 1;
        }
        replay::put(moto, REGION, &put);
        previous = slice;
        std::thread::sleep(Duration::from_millis(250));
    }
    replay::put(moto, REGION, &held);
    assert!(duplicated > 0);
    let deadline = Instant::now() + Duration::from_secs(90);
    while rolling.lock().unwrap().events() < events.len() as u64 {
        assert!(
            Instant::now() < deadline,
            "the watch has {} of {} events",
            rolling.lock().unwrap().events(),
            events.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // a few more rounds: nothing comes twice
    std::thread::sleep(Duration::from_secs(2));
    switches.stop.store(true, Ordering::Relaxed);
    let notices = watcher.join().unwrap();
    assert!(notices.iter().any(|n| matches!(n, Notice::Live)));
    let status = notices
        .iter()
        .rev()
        .find_map(|n| match n {
            Notice::Status(status) => Some(status.clone()),
            _ => None,
        })
        .expect("a status");
    assert_eq!(status.events, events.len() as u64);
    assert!(status.duplicates >= duplicated, "{status:?}");
    assert_eq!(status.reconnections, 0);
    Arc::try_unwrap(rolling)
        .ok()
        .expect("the watch is over")
        .into_inner()
        .unwrap()
}

/// `ceiling watch` against the groups now holding the whole incident (and its duplicates):
/// JSON lines, the last with the figures of the files; --fail-on ends it at once with 1.
fn cli_watch(files: &Value, events: usize) {
    let mut args = vec![
        "watch",
        "--profile",
        "ceiling-test",
        "--since",
        "3h",
        "--window",
        "all",
        "--every",
        "500ms",
    ];
    for (group, _) in &gen::INCIDENT_GROUPS {
        args.extend(["--log-group", group]);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(&args)
        .args(["--json", "--for", "5s"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // moto has no Live Tail (its streaming endpoint does not resolve): the watch says so
    // and polls
    assert!(
        stderr.contains("Live Tail is not available")
            && stderr.contains("polling FilterLogEvents instead"),
        "{stderr}"
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let last = lines.last().expect("a JSON line");
    assert_eq!(
        figures::figures(last),
        figures::figures(files),
        "ceiling watch against files"
    );
    assert_eq!(last["watch"]["status"]["events"], events);
    assert_eq!(last["watch"]["window"], "all");
    assert!(lines.iter().all(|line| line["watch"]["live"].is_boolean()));
    // a line per change: the figures of two lines in a row differ
    for pair in lines.windows(2) {
        let strip = |line: &Value| {
            let mut line = line.clone();
            line.as_object_mut().unwrap().remove("watch");
            line
        };
        assert_ne!(strip(&pair[0]), strip(&pair[1]));
    }

    let started = Instant::now();
    let failed = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(&args)
        .args(["--fail-on", "critical", "--for", "2m"])
        .output()
        .unwrap();
    assert_eq!(
        failed.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    // not a terminal: JSON lines, the last holding the critical finding
    let stdout = String::from_utf8(failed.stdout).unwrap();
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let severities: Vec<&str> = last["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert!(severities.contains(&"critical"), "{severities:?}");
    assert!(last["watch"]["new_findings"]
        .as_array()
        .is_some_and(|new| !new.is_empty()));

    let unusable = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(["watch", "--log-group", "g", "--window", "0m"])
        .output()
        .unwrap();
    assert_eq!(unusable.status.code(), Some(2));
}
