use super::*;
use crate::FindingId;

const ACCESS: &str = "/aws/apigateway/orders-access";
const LAMBDA: &str = "/aws/lambda/reports-fn";
/// 2026-03-06T09:00:00Z
const T0: i64 = 1_772_787_600_000;

fn access(id: usize, time_ms: i64, status: u16, latency: &str) -> String {
    let timeout = if status == 504 {
        r#","error":{"responseType":"INTEGRATION_TIMEOUT"}"#
    } else {
        ""
    };
    format!(
        r#"{{"requestId":"r{id}","requestTimeEpoch":{time_ms},"httpMethod":"POST","resourcePath":"/api/reports/generate","status":"{status}","responseLatency":"{latency}","integrationLatency":"{latency}"{timeout}}}"#
    )
}

/// A small incident over four minutes: requests each 10 s, timeouts in the third minute,
/// and the invocation behind each request, one of them started in one minute and
/// reported in the next.
fn incident() -> Vec<(&'static str, i64, String)> {
    let mut events = Vec::new();
    for i in 0..24 {
        let time = T0 + i as i64 * 10_000;
        let timed_out = (12..18).contains(&i);
        let (status, latency) = if timed_out {
            (504, "29010".to_owned())
        } else {
            (200, format!("{}", 1_000 + i * 10))
        };
        events.push((ACCESS, time + 40, access(i, time, status, &latency)));
        let id = format!("3364d63a-b18c-5ed6-97c7-85c6bf5780{i:02}");
        let duration = if timed_out { 30_000.0 } else { 1_000.0 };
        events.push((
            LAMBDA,
            time,
            format!("START RequestId: {id} Version: $LATEST"),
        ));
        events.push((
            LAMBDA,
            time + duration as i64,
            format!(
                "REPORT RequestId: {id}\tDuration: {duration:.2} ms\tBilled Duration: {duration:.0} ms\tMemory Size: 1024 MB\tMax Memory Used: 100 MB"
            ),
        ));
    }
    events.sort_by_key(|(_, time, _)| *time);
    events
}

/// The same events as a file analysis reads them: one filter-log-events document a group.
fn from_files(events: &[(&str, i64, String)]) -> Analysis {
    let mut analyzer = Analyzer::new(Settings::default());
    for group in [ACCESS, LAMBDA] {
        let events: Vec<serde_json::Value> = events
            .iter()
            .filter(|(g, _, _)| *g == group)
            .map(|(_, time, message)| {
                serde_json::json!({"logStreamName": "s", "timestamp": time, "message": message})
            })
            .collect();
        let document = serde_json::json!({ "logGroupName": group, "events": events });
        analyzer
            .read(group, document.to_string().as_bytes())
            .unwrap();
    }
    analyzer.finish()
}

fn rolling(events: &[(&'static str, i64, String)]) -> Rolling {
    let mut rolling = Rolling::new(Settings::default());
    for (group, timestamp_ms, message) in events {
        rolling.add(
            LiveEvent {
                group,
                timestamp_ms: *timestamp_ms,
                message,
            },
            false,
        );
    }
    rolling
}

fn ids(analysis: &Analysis) -> Vec<FindingId> {
    analysis.findings.iter().map(|f| f.id).collect()
}

#[test]
fn since_start_is_the_analysis_of_the_same_events_read_from_files() {
    let events = incident();
    let live = rolling(&events).analysis(LiveWindow::SinceStart, T0 + 3_600_000);
    let files = from_files(&events);
    assert_eq!(live.requests, 24);
    assert_eq!(live.integration_timeouts, 6);
    let lambda = live.lambda.as_ref().unwrap();
    // the invocations started in one minute and reported in the next are counted once
    assert_eq!(lambda.invocations, 24);
    assert_eq!(live.requests, files.requests);
    assert_eq!(live.status, files.status);
    assert_eq!(live.overall, files.overall);
    assert_eq!(
        serde_json::to_value(&live.routes).unwrap(),
        serde_json::to_value(&files.routes).unwrap()
    );
    assert_eq!(
        serde_json::to_value(&live.lambda).unwrap(),
        serde_json::to_value(&files.lambda).unwrap()
    );
    assert_eq!(ids(&live), ids(&files));
    assert_eq!(live.what_happened.headline, files.what_happened.headline);
    let names: Vec<&str> = live.inputs.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [LAMBDA, ACCESS],
        "each group an input, in the order first seen"
    );
    assert_eq!(live.inputs[1].records, 24);
    assert!(live.approximate.is_empty(), "{:?}", live.approximate);
}

#[test]
fn a_window_shows_its_minutes_and_its_findings_clear_when_it_moves_past_them() {
    let events = incident();
    let rolling = rolling(&events);
    // the timeouts are in the third minute (09:02)
    let during = rolling.analysis(LiveWindow::Last { minutes: 1 }, T0 + 2 * 60_000 + 30_000);
    assert_eq!(during.requests, 6);
    assert_eq!(during.integration_timeouts, 6);
    assert!(ids(&during).contains(&FindingId::IntegrationTimeout));
    let window = during.findings[0].reproduce.as_ref().map(|r| r.window);
    let after = rolling.analysis(LiveWindow::Last { minutes: 5 }, T0 + 8 * 60_000);
    assert_eq!(after.requests, 0);
    assert!(!ids(&after).contains(&FindingId::IntegrationTimeout));
    let five = rolling.analysis(LiveWindow::Last { minutes: 5 }, T0 + 5 * 60_000);
    assert_eq!((five.requests, five.integration_timeouts), (18, 6));
    // a window's queries cover the window
    if let Some(window) = window {
        assert_eq!(window.start_ms, T0 + 2 * 60_000);
    }
}

#[test]
fn an_invocation_across_two_minutes_counts_once_in_either_window() {
    let id = "595492f6-0000-0000-0000-000000000000";
    let events = vec![
        (
            LAMBDA,
            T0 + 59_900,
            format!("START RequestId: {id} Version: $LATEST"),
        ),
        (
            LAMBDA,
            T0 + 65_000,
            format!("REPORT RequestId: {id}\tDuration: 5100.00 ms\tBilled Duration: 5100 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB"),
        ),
    ];
    let rolling = rolling(&events);
    let invocations = |analysis: Analysis| analysis.lambda.map(|l| l.invocations);
    assert_eq!(
        invocations(rolling.analysis(LiveWindow::SinceStart, T0)),
        Some(1)
    );
    assert_eq!(
        invocations(rolling.analysis(LiveWindow::Last { minutes: 1 }, T0 + 60_000)),
        Some(1)
    );
    assert_eq!(
        invocations(rolling.analysis(LiveWindow::Last { minutes: 1 }, T0)),
        Some(1)
    );
}

#[test]
fn late_and_sampled_events_are_counted_and_the_sample_is_said() {
    let mut events = incident();
    // an access record that arrives after the rest, in a minute long done
    let third = events
        .iter()
        .enumerate()
        .filter(|(_, (group, _, _))| *group == ACCESS)
        .nth(2)
        .map(|(i, _)| i)
        .unwrap();
    let late = events.remove(third);
    let mut rolling = rolling(&events);
    rolling.add(
        LiveEvent {
            group: late.0,
            timestamp_ms: late.1,
            message: &late.2,
        },
        true,
    );
    let all = rolling.analysis(LiveWindow::SinceStart, T0 + 3_600_000);
    assert_eq!(all.requests + all.lambda.as_ref().unwrap().invocations, 48);
    assert_eq!(all.approximate.len(), 1, "{:?}", all.approximate);
    assert!(all.approximate[0].contains("sampled 1 of the 72 events"));
    let later = rolling.analysis(LiveWindow::Last { minutes: 1 }, T0 + 3 * 60_000);
    assert!(
        later.approximate.is_empty(),
        "the sample is in another minute"
    );
}

#[test]
fn minutes_past_the_kept_ones_are_merged_into_everything_earlier() {
    let mut rolling = Rolling::new(Settings::default()).keeping(5);
    for minute in 0..100 {
        let time = T0 + minute * 60_000;
        let status = if minute % 10 == 0 { 504 } else { 200 };
        let record = access(minute as usize, time, status, "1200");
        rolling.add(
            LiveEvent {
                group: ACCESS,
                timestamp_ms: time,
                message: &record,
            },
            false,
        );
        assert!(rolling.minutes.len() <= 5);
    }
    let now = T0 + 99 * 60_000;
    let all = rolling.analysis(LiveWindow::SinceStart, now);
    assert_eq!((all.requests, all.integration_timeouts), (100, 10));
    assert_eq!(all.inputs[0].events, 100);
    // a window longer than the minutes kept shows the minutes kept
    let long = rolling.analysis(LiveWindow::Last { minutes: 60 }, now);
    assert_eq!(long.requests, 5);
    assert_eq!(rolling.events(), 100);
}

#[test]
fn an_invocation_started_in_one_minute_and_timed_out_in_the_next_counts_once() {
    let id = "595492f6-0000-0000-0000-000000000001";
    let events = vec![
        (LAMBDA, T0 + 50_000, format!("START RequestId: {id} Version: $LATEST")),
        (
            LAMBDA,
            T0 + 80_000,
            format!("{id} Task timed out after 30.00 seconds"),
        ),
        (
            LAMBDA,
            T0 + 80_001,
            format!("REPORT RequestId: {id}\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB"),
        ),
    ];
    let files = from_files(&events);
    let live = rolling(&events).analysis(LiveWindow::SinceStart, T0);
    let counts = |a: &Analysis| a.lambda.as_ref().map(|l| (l.invocations, l.timeouts));
    assert_eq!(counts(&files), Some((1, 1)));
    assert_eq!(counts(&live), Some((1, 1)));
}

/// The part before the kept minutes keeps at most its cap of notable records: "since the
/// start" still counts every timeout, and says what is of the records kept; a window of
/// the kept minutes says nothing of it.
#[test]
fn the_earlier_part_keeps_its_counts_and_a_bounded_number_of_notable_records() {
    let mut rolling = Rolling::new(Settings::default()).keeping(1);
    let timeouts = 2 * EARLIER_NOTABLE_CAP + 1_000;
    for i in 0..timeouts {
        // 100 a second: three minutes and more retired into the earlier part
        let time = T0 + i as i64 * 10;
        let message = access(i, time, 504, "29010");
        rolling.add(
            LiveEvent {
                group: ACCESS,
                timestamp_ms: time,
                message: &message,
            },
            false,
        );
    }
    let now = T0 + timeouts as i64 * 10;
    let all = rolling.analysis(LiveWindow::SinceStart, now);
    assert_eq!(all.requests, timeouts as u64);
    assert_eq!(all.integration_timeouts, timeouts as u64);
    let note = all
        .approximate
        .iter()
        .find(|n| n.contains("notable"))
        .expect("the note of the records left out");
    assert!(
        note.contains(&format!("first {EARLIER_NOTABLE_CAP}")),
        "{note}"
    );
    let last = rolling.analysis(LiveWindow::Last { minutes: 1 }, now);
    assert!(last.approximate.is_empty(), "{:?}", last.approximate);
}
