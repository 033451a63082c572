//! The whole watch through Live Tail, against a stand-in for CloudWatch Logs behind the SDK's
//! HTTP boundary (support/cloud.rs) that answers from one scripted log of events with their
//! ingestion times: the backfill (FilterLogEvents pages), a first Live Tail session and the
//! polling round over the gap before it, a SessionTimeoutException, the reconnection and the
//! round over the gap between the sessions, then the second session. Events read by both
//! sources, and events ingested late, are each handed on once.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use ceiling_cloud::live::watch::{watch, Notice, SourceKind, Switches, WatchRequest};
use ceiling_cloud::live::LiveEvent;
use ceiling_cloud::Connection;
use support::cloud::{Cloud, Scripted};

const ACCESS: &str = "/aws/apigateway/orders-access";
const FUNCTION: &str = "/aws/lambda/orders";
const STREAM_A: &str = "2026/12/01/[$LATEST]aaaa";
const STREAM_B: &str = "2026/12/01/[$LATEST]bbbb";

fn connection(cloud: &Cloud) -> Connection {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        )))
        .http_client(cloud.clone())
        .build();
    Connection::from_config(config, "test".to_owned()).unwrap()
}

/// The script, in milliseconds from `base` (when the watch starts): each event's group,
/// stream, timestamp, ingestion time and message.
fn script(base: i64) -> Vec<Scripted> {
    let mut events = Vec::new();
    let mut add = |group: &str, stream: &str, at: i64, ingested: i64, message: String| {
        events.push(Scripted {
            group: group.to_owned(),
            stream: stream.to_owned(),
            timestamp_ms: base + at,
            ingestion_ms: base + ingested,
            message,
        });
    };
    // Before either backfill's window (60 s, 300 s): never handed on.
    add(
        ACCESS,
        "access",
        -310_000,
        -309_000,
        "GET /older 200".into(),
    );
    // Before the 60-second window only.
    add(ACCESS, "access", -70_000, -69_000, "GET /old 200".into());
    // The backfill: two pages of the access log, four of the function's, two streams.
    for at in [
        -58_000, -57_000, -56_000, -55_000, -40_000, -20_000, -10_000, -2_000,
    ] {
        add(
            ACCESS,
            "access",
            at,
            at + 500,
            format!("GET /orders 200 at {at}"),
        );
    }
    for (k, at) in (-54_000..-3_000).step_by(3_700).enumerate() {
        let stream = if k % 2 == 0 { STREAM_A } else { STREAM_B };
        add(
            FUNCTION,
            stream,
            at,
            at + 400,
            format!("START RequestId: r{k}"),
        );
    }
    // Ingested 35 s late, before the watch: the backfill reads it.
    add(
        FUNCTION,
        STREAM_A,
        -40_000,
        -5_000,
        "late before the watch".into(),
    );
    // Ingested 118.6 s late (within the tail's 120-second overlap) while the backfill reads
    // the function's pages: after the access log's first page went past its timestamp,
    // before the first session opens; older than the reconnection's re-read (which starts
    // 120 s before the newest ingestion the first session delivers, 4.4 s). Only the round
    // over the gap before the first session reads it; outside the 60-second window.
    add(
        ACCESS,
        "access",
        -118_000,
        600,
        "late during the backfill".into(),
    );
    // The first session (opens after the backfill, about 1 s in; updates on whole seconds).
    add(ACCESS, "access", 2_100, 2_300, "GET /orders 504".into());
    add(
        FUNCTION,
        STREAM_B,
        2_500,
        2_600,
        "Task timed out after 29.00 seconds".into(),
    );
    add(FUNCTION, STREAM_A, 3_200, 3_400, "END RequestId: r3".into());
    add(
        ACCESS,
        "access",
        -30_000,
        3_600,
        "late in the first session".into(),
    );
    add(
        ACCESS,
        "access",
        -65_000,
        3_700,
        "65 s late in the first session".into(),
    );
    add(ACCESS, "access", 4_200, 4_400, "GET /report 200".into());
    // The first session times out at 5.5 s: ingested after its last update (5 s), these
    // reach no session; only the round over the gap reads them.
    add(
        FUNCTION,
        STREAM_A,
        5_000,
        5_200,
        "between the sessions".into(),
    );
    add(
        FUNCTION,
        STREAM_B,
        -50_000,
        5_300,
        "late between the sessions".into(),
    );
    // Just after the second session opens: read by it and, likely, by the gap's round.
    add(
        FUNCTION,
        STREAM_A,
        5_600,
        5_650,
        "as the second session opens".into(),
    );
    // The second session.
    add(
        ACCESS,
        "access",
        6_100,
        6_300,
        "GET /orders 200 again".into(),
    );
    add(
        FUNCTION,
        STREAM_B,
        5_900,
        6_800,
        "REPORT RequestId: r5".into(),
    );
    add(
        ACCESS,
        "access",
        1_000,
        7_500,
        "late in the second session".into(),
    );
    add(FUNCTION, STREAM_A, 8_000, 8_200, "the last event".into());
    events
}

/// Backfill, a session, a timeout, a reconnection, the gap, a session: every event of a
/// 5-minute window handed on exactly once, none lost, with the notices in order.
#[tokio::test]
async fn a_watch_through_live_tail_hands_on_each_event_once_across_a_reconnection() {
    watch_through_a_reconnection(300_000).await;
}

/// The same with a 1-minute window, shorter than the re-reads after the backfill and the
/// reconnection: what they find before the watch's start is not handed on.
#[tokio::test]
async fn the_re_reads_of_a_watch_through_live_tail_stay_in_its_window() {
    watch_through_a_reconnection(60_000).await;
}

async fn watch_through_a_reconnection(backfill_ms: i64) {
    let base = ceiling_cloud::now_ms();
    let world = script(base);
    let cloud = Cloud::new(world.clone(), vec![base + 5_500], base);
    let connection = connection(&cloud);
    let request = WatchRequest {
        backfill_ms,
        ..WatchRequest::new(vec![ACCESS.to_owned(), FUNCTION.to_owned()])
    };
    let switches = Switches::default();
    let mut handed: Vec<LiveEvent> = Vec::new();
    let mut notices: Vec<String> = Vec::new();
    let mut last_status = None;
    let watched = watch(&connection, &request, &switches, |notice| {
        let line = match &notice {
            Notice::Batch(batch) => {
                handed.extend(batch.events.iter().cloned());
                return;
            }
            Notice::Live => "live".to_owned(),
            Notice::Status(status) => {
                last_status = Some(status.clone());
                format!(
                    "status {:?} reconnections {}",
                    status.source, status.reconnections
                )
            }
            Notice::Reconnecting { reason } => format!("reconnecting: {reason}"),
            Notice::Polling { error } => format!("polling: {error}"),
            Notice::Retrying { error, .. } => format!("retrying: {error}"),
        };
        if notices.last() != Some(&line) {
            notices.push(line);
        }
    });
    let stopper = async {
        // two updates past the last event's ingestion
        let end = base + 10_500;
        tokio::time::sleep(Duration::from_millis(
            (end - ceiling_cloud::now_ms()) as u64,
        ))
        .await;
        switches.stop.store(true, Ordering::Relaxed);
    };
    let (watched, ()) = tokio::time::timeout(Duration::from_secs(40), async {
        tokio::join!(watched, stopper)
    })
    .await
    .expect("the watch ended");
    watched.unwrap();
    let requests = cloud.requests();

    // Every event of the window, once; the one before it, never.
    let key = |e: &LiveEvent| {
        (
            e.group.clone(),
            e.stream.clone(),
            e.timestamp_ms,
            e.message.clone(),
        )
    };
    let mut got: Vec<_> = handed.iter().map(key).collect();
    got.sort();
    let mut expected: Vec<_> = world
        .iter()
        .filter(|e| e.timestamp_ms >= base - backfill_ms)
        .map(|e| {
            (
                e.group.clone(),
                e.stream.clone(),
                e.timestamp_ms,
                e.message.clone(),
            )
        })
        .collect();
    expected.sort();
    let mut repeated = got.clone();
    repeated.dedup();
    assert_eq!(
        repeated.len(),
        got.len(),
        "an event handed on twice\n{requests:#?}"
    );
    let lost: Vec<_> = expected.iter().filter(|e| !got.contains(e)).collect();
    assert!(
        lost.is_empty(),
        "lost: {lost:#?}\nrequests: {requests:#?}\n{notices:#?}"
    );
    assert_eq!(got, expected);
    // the ingestion times as CloudWatch gave them
    for event in &handed {
        let scripted = world
            .iter()
            .find(|s| s.message == event.message && s.timestamp_ms == event.timestamp_ms)
            .unwrap();
        assert_eq!(event.ingestion_ms, scripted.ingestion_ms, "{event:?}");
    }

    // The notices: live, the reconnection, then the status of Live Tail after it.
    let position = |wanted: &dyn Fn(&String) -> bool| notices.iter().position(wanted);
    let live = position(&|n| n == "live").expect("live");
    let reconnecting = position(&|n| n.starts_with("reconnecting")).expect("reconnecting");
    assert_eq!(
        notices[reconnecting],
        "reconnecting: the Live Tail session reached its 3-hour limit"
    );
    let status_after = notices[reconnecting..]
        .iter()
        .position(|n| n == "status LiveTail reconnections 1");
    assert!(
        live < reconnecting && status_after.is_some(),
        "{notices:#?}"
    );
    assert!(
        !notices
            .iter()
            .any(|n| n.starts_with("polling") || n.starts_with("retrying")),
        "{notices:#?}"
    );
    let status = last_status.unwrap();
    assert_eq!(status.source, SourceKind::LiveTail);
    assert_eq!(status.reconnections, 1);
    assert_eq!(status.events, expected.len() as u64);
    // the gap rounds read again what the tail and the backfill had read
    assert!(status.duplicates >= 5, "{status:?}");
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.starts_with("StartLiveTail"))
            .count(),
        2,
        "{requests:#?}"
    );
}
