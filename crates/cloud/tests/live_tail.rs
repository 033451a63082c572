//! Live Tail through the SDK's own HTTP boundary: the SDK's replay client answers each
//! request (checked against the one expected) with what CloudWatch Logs sends: for
//! StartLiveTail, event-stream frames written by the SDK's own frame writer.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use ceiling_cloud::live::tail::{run_tail, Reconnect, TailNotice, TailRequest};
use ceiling_cloud::live::{LiveEvent, Seen};
use ceiling_cloud::{Connection, Error};
use serde_json::{json, Value};

#[path = "support/frames.rs"]
mod frames;
use frames::{caller_identity_xml, frame, live_tail_result, ACCOUNT};

const ACCESS: &str = "/aws/apigateway/orders-access";
const FUNCTION: &str = "/aws/lambda/orders";

fn arn(group: &str) -> String {
    format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}")
}

/// A connection whose requests go to `replay`.
fn connection(replay: &StaticReplayClient) -> Connection {
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDTEST", "secret", None, None, "test",
        )))
        .http_client(replay.clone())
        .build();
    Connection::from_config(config, "test".to_owned()).unwrap()
}

fn initial_response() -> Vec<u8> {
    frame("event", "initial-response", json!({}))
}

fn session_start(session: &str, groups: &[&str]) -> Vec<u8> {
    frame(
        "event",
        "sessionStart",
        json!({
            "requestId": format!("request-{session}"),
            "sessionId": session,
            "logGroupIdentifiers": groups.iter().map(|g| arn(g)).collect::<Vec<_>>(),
        }),
    )
}

fn session_update(events: &[&LiveEvent], sampled: bool) -> Vec<u8> {
    let results: Vec<Value> = events
        .iter()
        .map(|e| {
            live_tail_result(
                &e.group,
                &e.stream,
                e.timestamp_ms,
                e.ingestion_ms,
                &e.message,
            )
        })
        .collect();
    frame(
        "event",
        "sessionUpdate",
        json!({"sessionMetadata": {"sampled": sampled}, "sessionResults": results}),
    )
}

fn exception(kind: &'static str, message: &str) -> Vec<u8> {
    frame("exception", kind, json!({ "message": message }))
}

fn start_live_tail(groups: &[&str], filter: Option<&str>) -> http::Request<SdkBody> {
    let mut body =
        json!({ "logGroupIdentifiers": groups.iter().map(|g| arn(g)).collect::<Vec<_>>() });
    if let Some(filter) = filter {
        body["logEventFilterPattern"] = filter.into();
    }
    http::Request::builder()
        .method("POST")
        .uri("https://stream-logs.us-east-1.amazonaws.com/")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "Logs_20140328.StartLiveTail")
        .body(SdkBody::from(body.to_string()))
        .unwrap()
}

fn stream(frames: &[Vec<u8>]) -> http::Response<SdkBody> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/vnd.amazon.eventstream")
        .body(SdkBody::from(frames.concat()))
        .unwrap()
}

fn refusal(code: &str, message: &str) -> http::Response<SdkBody> {
    http::Response::builder()
        .status(400)
        .header("content-type", "application/x-amz-json-1.1")
        .body(SdkBody::from(
            json!({ "__type": code, "message": message }).to_string(),
        ))
        .unwrap()
}

fn caller_identity() -> ReplayEvent {
    let request = http::Request::builder()
        .method("POST")
        .uri("https://sts.us-east-1.amazonaws.com/")
        .body(SdkBody::from("Action=GetCallerIdentity&Version=2011-06-15"))
        .unwrap();
    let answer = caller_identity_xml();
    let answer = http::Response::builder()
        .status(200)
        .header("content-type", "text/xml")
        .body(SdkBody::from(answer))
        .unwrap();
    ReplayEvent::new(request, answer)
}

fn event(group: &str, timestamp_ms: i64, ingestion_ms: i64, message: &str) -> LiveEvent {
    LiveEvent {
        group: group.to_owned(),
        stream: "2026/12/01/[$LATEST]abc".to_owned(),
        timestamp_ms,
        ingestion_ms,
        message: message.to_owned(),
    }
}

/// A session that times out, and the next one, lose and repeat no event: the first
/// delivers three events (its second update sampled), then times out with one event
/// ingested late and still buffered; one more is ingested between the sessions; the second
/// session delivers two. The watch's re-read of `[resume_from_ms, now]` (FilterLogEvents,
/// played here from the log groups' events) finds the lost ones, and one again that the
/// first session delivered, which a `Seen` keeps once.
#[tokio::test]
async fn a_session_that_times_out_reconnects_and_loses_and_repeats_no_event() {
    // a minute ahead, so that the events come after the sessions open, as live ones do
    let base = ceiling_cloud::now_ms() + 60_000;
    let overlap_ms = 1_000;
    let world = [
        event(ACCESS, base + 100, base + 300, "GET /orders 200"),
        event(FUNCTION, base + 150, base + 400, "START RequestId: a"),
        event(ACCESS, base + 1_000, base + 1_200, "GET /orders 504"),
        // ingested late: the first session was over before it could deliver it
        event(FUNCTION, base + 1_100, base + 1_900, "END RequestId: a"),
        // between the sessions
        event(ACCESS, base + 1_500, base + 3_000, "GET /orders 200"),
        event(FUNCTION, base + 2_500, base + 3_500, "START RequestId: b"),
        event(ACCESS, base + 3_000, base + 4_000, "GET /report 504"),
    ];
    let first = stream(&[
        initial_response(),
        session_start("s-1", &[ACCESS, FUNCTION]),
        session_update(&[&world[0], &world[1]], false),
        session_update(&[&world[2]], true),
        exception("SessionTimeoutException", "Session timed out after 3 hours"),
    ]);
    let second = stream(&[
        initial_response(),
        session_start("s-2", &[ACCESS, FUNCTION]),
        session_update(&[&world[5], &world[6]], false),
    ]);
    let filter = Some("-HealthCheck");
    let replay = StaticReplayClient::new(vec![
        // the access log is named, so its ARN needs the account
        caller_identity(),
        ReplayEvent::new(start_live_tail(&[ACCESS, FUNCTION], filter), first),
        ReplayEvent::new(start_live_tail(&[ACCESS, FUNCTION], filter), second),
    ]);
    let request = TailRequest {
        groups: vec![ACCESS.to_owned(), format!("{}:*", arn(FUNCTION))],
        filter_pattern: filter.map(str::to_owned),
        overlap_ms,
    };
    let stop = AtomicBool::new(false);
    let mut notices = Vec::new();
    run_tail(&connection(&replay), &request, &stop, |notice| {
        if let TailNotice::Batch(batch) = &notice {
            if batch.events.last() == world.last() {
                stop.store(true, Ordering::Relaxed);
            }
        }
        notices.push(notice);
    })
    .await
    .unwrap();
    replay.relaxed_requests_match();

    let kinds: Vec<&str> = notices
        .iter()
        .map(|notice| match notice {
            TailNotice::Started { .. } => "started",
            TailNotice::Batch(_) => "batch",
            TailNotice::Reconnecting { .. } => "reconnecting",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "batch",
            "batch",
            "reconnecting",
            "started",
            "batch"
        ]
    );

    // The watch's work: the gap re-read when the next session has started, and every
    // event kept once, whichever source read it.
    let mut seen = Seen::new(2 * overlap_ms);
    let mut kept: Vec<LiveEvent> = Vec::new();
    let mut repeats = 0;
    let mut keep = |event: &LiveEvent| {
        if seen.first_time(event) {
            kept.push(event.clone());
        } else {
            repeats += 1;
        }
    };
    let mut resume = None;
    for notice in &notices {
        match notice {
            TailNotice::Started {
                session_id, groups, ..
            } => {
                assert!(session_id.starts_with("s-"), "{session_id}");
                assert_eq!(groups, &[ACCESS, FUNCTION]);
                if let Some(from) = resume.take() {
                    // FilterLogEvents over [from, now], in timestamp order; now is when the
                    // second session opened: after the event between the sessions was
                    // ingested, before the second session's own
                    let now = base + 3_200;
                    let mut gap: Vec<&LiveEvent> = world
                        .iter()
                        .filter(|e| e.timestamp_ms >= from && e.ingestion_ms <= now)
                        .collect();
                    gap.sort_by_key(|e| e.timestamp_ms);
                    for event in gap {
                        keep(event);
                    }
                }
            }
            TailNotice::Batch(batch) => {
                for event in &batch.events {
                    keep(event);
                }
            }
            TailNotice::Reconnecting {
                reason,
                resume_from_ms,
            } => {
                assert_eq!(reason, &Reconnect::SessionTimeout);
                // the newest ingestion delivered less the overlap: early enough for the
                // late event (timestamp base + 1,100), not earlier
                assert_eq!(*resume_from_ms, base + 1_200 - overlap_ms);
                resume = Some(*resume_from_ms);
            }
        }
    }
    assert_eq!(kept, world, "every event, once, in the order it happened");
    // the sampled update's event, read again by the re-read of the overlap
    assert_eq!(repeats, 1);
    let sampled: Vec<bool> = notices
        .iter()
        .filter_map(|notice| match notice {
            TailNotice::Batch(batch) => Some(batch.sampled),
            _ => None,
        })
        .collect();
    assert_eq!(sampled, [false, true, false]);
}

/// StartLiveTail refused gives the typed error a watch falls back to polling on, naming the
/// IAM action, before any notice.
#[tokio::test]
async fn a_denied_start_live_tail_gives_the_denied_error() {
    let replay = StaticReplayClient::new(vec![ReplayEvent::new(
        start_live_tail(&[FUNCTION], None),
        refusal(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/watcher is not authorized to perform: \
             logs:StartLiveTail",
        ),
    )]);
    let request = TailRequest::new(vec![arn(FUNCTION)]);
    let stop = AtomicBool::new(false);
    let mut notices = Vec::new();
    let error = run_tail(&connection(&replay), &request, &stop, |n| notices.push(n))
        .await
        .unwrap_err();
    replay.relaxed_requests_match();
    assert!(matches!(error, Error::LiveTailDenied), "{error:?}");
    assert_eq!(error.code(), "live-tail-denied");
    assert!(error.to_string().contains("logs:StartLiveTail"), "{error}");
    assert!(notices.is_empty(), "{notices:?}");
}

/// A stream that failed is opened again; credentials refused then are read again once, and
/// refused again end the tail with the error that says to renew them.
#[tokio::test]
async fn credentials_refused_on_reconnecting_are_read_again_then_reported() {
    let update = event(FUNCTION, 1_000, 1_500, "START RequestId: a");
    let first = stream(&[
        initial_response(),
        session_start("s-1", &[FUNCTION]),
        session_update(&[&update], false),
        exception("SessionStreamingException", "internal error"),
    ]);
    let expired = || {
        refusal(
            "ExpiredTokenException",
            "The security token included in the request is expired",
        )
    };
    let replay = StaticReplayClient::new(vec![
        ReplayEvent::new(start_live_tail(&[FUNCTION], None), first),
        ReplayEvent::new(start_live_tail(&[FUNCTION], None), expired()),
        ReplayEvent::new(start_live_tail(&[FUNCTION], None), expired()),
    ]);
    let request = TailRequest {
        overlap_ms: 500,
        ..TailRequest::new(vec![arn(FUNCTION)])
    };
    let stop = AtomicBool::new(false);
    let mut reasons = Vec::new();
    let error = run_tail(&connection(&replay), &request, &stop, |notice| {
        if let TailNotice::Reconnecting {
            reason,
            resume_from_ms,
        } = notice
        {
            reasons.push((reason, resume_from_ms));
        }
    })
    .await
    .unwrap_err();
    replay.relaxed_requests_match();
    assert!(matches!(error, Error::Credentials { .. }), "{error:?}");
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        matches!(&reasons[0].0, Reconnect::StreamError { detail } if detail.contains("internal error")),
        "{reasons:?}"
    );
    assert!(
        matches!(&reasons[1].0, Reconnect::Credentials { .. }),
        "{reasons:?}"
    );
    // no session opened since: the re-read still starts where the failed stream left off,
    // or when that session opened if later (the local clock is far past these events)
    assert_eq!(reasons[0].1, reasons[1].1);
}

/// A body that gives its frames and then stays open, as a session's stream does between
/// updates.
struct OpenStream(Option<bytes::Bytes>);

impl http_body::Body for OpenStream {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, std::io::Error>>> {
        match self.0.take() {
            Some(frames) => Poll::Ready(Some(Ok(http_body::Frame::data(frames)))),
            None => Poll::Pending,
        }
    }
}

/// Stop ends a session waiting for its next update at once, with `Ok`.
#[tokio::test]
async fn stop_ends_the_tail_promptly() {
    let frames = [
        initial_response(),
        session_start("s-1", &[FUNCTION]),
        session_update(&[], false),
    ]
    .concat();
    let open = http::Response::builder()
        .status(200)
        .header("content-type", "application/vnd.amazon.eventstream")
        .body(SdkBody::from_body_1_x(OpenStream(Some(frames.into()))))
        .unwrap();
    let replay = StaticReplayClient::new(vec![ReplayEvent::new(
        start_live_tail(&[FUNCTION], None),
        open,
    )]);
    let connection = connection(&replay);
    let request = TailRequest::new(vec![arn(FUNCTION)]);
    let stop = AtomicBool::new(false);
    let updated = AtomicBool::new(false);
    let tail = run_tail(&connection, &request, &stop, |notice| {
        if matches!(notice, TailNotice::Batch(_)) {
            updated.store(true, Ordering::Relaxed);
        }
    });
    let stopper = async {
        while !updated.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // the session is open and waiting
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        Instant::now()
    };
    let (tailed, stopped_at) = tokio::time::timeout(Duration::from_secs(10), async {
        let (tailed, stopped_at) = tokio::join!(tail, stopper);
        (tailed, stopped_at)
    })
    .await
    .expect("the tail ended");
    let after_stop = stopped_at.elapsed();
    tailed.unwrap();
    assert!(after_stop < Duration::from_millis(250), "{after_stop:?}");
    replay.relaxed_requests_match();
}

/// Live Tail that cannot be had (the groups' class does not serve it, or its endpoint does
/// not answer before any session opened) gives the typed error a watch polls on.
#[tokio::test]
async fn live_tail_not_served_gives_the_unavailable_error() {
    let replay = StaticReplayClient::new(vec![ReplayEvent::new(
        start_live_tail(&[FUNCTION], None),
        refusal(
            "InvalidOperationException",
            "Live Tail is not supported for log groups of the Infrequent Access class",
        ),
    )]);
    let request = TailRequest::new(vec![arn(FUNCTION)]);
    let stop = AtomicBool::new(false);
    let error = run_tail(&connection(&replay), &request, &stop, |_| {})
        .await
        .unwrap_err();
    replay.relaxed_requests_match();
    assert!(
        matches!(&error, Error::LiveTailUnavailable { detail } if detail.contains("Infrequent Access")),
        "{error:?}"
    );
    assert_eq!(error.code(), "live-tail-unavailable");

    // no answer at all: the replay client has none to give
    let replay = StaticReplayClient::new(Vec::new());
    let error = run_tail(&connection(&replay), &request, &stop, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::LiveTailUnavailable { .. }),
        "{error:?}"
    );
}

/// The tail can be spawned on a multi-threaded runtime: its future is `Send` (this fails to
/// compile otherwise).
#[test]
fn the_tail_can_be_spawned() {
    fn spawnable<T: Send>(_: T) {}
    let replay = StaticReplayClient::new(Vec::new());
    let connection = connection(&replay);
    let request = TailRequest::new(vec![arn(FUNCTION)]);
    let stop = AtomicBool::new(false);
    spawnable(run_tail(&connection, &request, &stop, |_| {}));
}
