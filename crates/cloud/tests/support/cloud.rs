//! A stand-in for CloudWatch Logs behind the SDK's own HTTP boundary (its `HttpClient` and
//! `HttpConnector` traits): it answers each request by its `X-Amz-Target` from one scripted
//! log of events with their ingestion times, as the service is documented to answer, so
//! that requests of a Live Tail session and of polling rounds can interleave in any order.
//!
//! What it follows (CloudWatch Logs API reference):
//! - **FilterLogEvents**: the events of the group ingested by the time of the request with a
//!   timestamp from `startTime` to `endTime`, both included ("events with a timestamp before
//!   this time are not returned", "... later than this time are not returned"), sorted by
//!   timestamp, then ingestion time, then the PutLogEvents request (here the script's order);
//!   streams interleaved. A page holds up to `limit` events (10,000 by default), and fewer:
//!   here at most [`PAGE`], as a page cut at 1 MB would be. A `nextToken` goes on after the
//!   last event returned, so an event ingested later with an earlier timestamp is not in
//!   the pages that follow.
//! - **StartLiveTail**: an event stream of a `sessionStart`, then every second a
//!   `sessionUpdate` of the events ingested in that second since the session opened (empty
//!   ones too), until the session's scripted end, where a `SessionTimeoutException` closes
//!   it; what was ingested after the last update is not delivered by that session.
//! - **sts:GetCallerIdentity** (no target header: the query protocol's `Action`).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::shared::IntoShared;
use aws_smithy_types::body::SdkBody;
use serde_json::{json, Value};

use super::frames::{caller_identity_xml, frame, live_tail_result};

/// The most events a FilterLogEvents page holds here.
pub const PAGE: usize = 4;

/// One event of the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scripted {
    pub group: String,
    pub stream: String,
    pub timestamp_ms: i64,
    pub ingestion_ms: i64,
    pub message: String,
}

/// Where a FilterLogEvents token goes on from: the query, and the sort key of the last
/// event returned.
#[derive(Debug, Clone)]
struct Cursor {
    group: String,
    start_ms: i64,
    end_ms: i64,
    after: (i64, i64, usize),
}

#[derive(Debug, Default)]
struct State {
    tokens: HashMap<String, Cursor>,
    /// Requests in the order they came: the target and, for a page, its start time.
    requests: Vec<String>,
    sessions: usize,
}

/// The stand-in: the script, and when each Live Tail session times out (absolute, in
/// milliseconds since the epoch; sessions past the list run until closed).
#[derive(Debug, Clone)]
pub struct Cloud {
    events: Arc<Vec<Scripted>>,
    session_ends_ms: Arc<Vec<i64>>,
    /// The whole seconds on which Live Tail sends its updates are counted from here.
    clock_ms: i64,
    state: Arc<Mutex<State>>,
}

impl Cloud {
    pub fn new(events: Vec<Scripted>, session_ends_ms: Vec<i64>, clock_ms: i64) -> Cloud {
        Cloud {
            events: Arc::new(events),
            session_ends_ms: Arc::new(session_ends_ms),
            clock_ms,
            state: Arc::default(),
        }
    }

    /// The requests answered so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }

    fn answer(&self, request: HttpRequest) -> HttpResponse {
        let target = request
            .headers()
            .get("x-amz-target")
            .unwrap_or_default()
            .to_owned();
        let body = request.body().bytes().unwrap_or_default().to_vec();
        match target.as_str() {
            "Logs_20140328.FilterLogEvents" => {
                self.filter_log_events(&serde_json::from_slice(&body).unwrap())
            }
            "Logs_20140328.StartLiveTail" => {
                self.start_live_tail(&serde_json::from_slice(&body).unwrap())
            }
            "" if String::from_utf8_lossy(&body).contains("Action=GetCallerIdentity") => {
                self.log("GetCallerIdentity".to_owned());
                caller_identity()
            }
            other => {
                self.log(format!("unknown {other}"));
                answer(
                    400,
                    "application/x-amz-json-1.1",
                    json!({"__type": "UnknownOperationException"}).to_string(),
                )
            }
        }
    }

    fn log(&self, line: String) {
        self.state.lock().unwrap().requests.push(line);
    }

    fn filter_log_events(&self, body: &Value) -> HttpResponse {
        let now = ceiling_cloud::now_ms();
        let mut state = self.state.lock().unwrap();
        let cursor = match body["nextToken"].as_str() {
            Some(token) => state.tokens[token].clone(),
            None => Cursor {
                group: body["logGroupName"]
                    .as_str()
                    .or(body["logGroupIdentifier"].as_str())
                    .unwrap()
                    .to_owned(),
                start_ms: body["startTime"].as_i64().unwrap_or(i64::MIN),
                end_ms: body["endTime"].as_i64().unwrap_or(i64::MAX),
                after: (i64::MIN, i64::MIN, 0),
            },
        };
        state.requests.push(format!(
            "FilterLogEvents {} from {}{}",
            cursor.group,
            cursor.start_ms - self.clock_ms,
            if body["nextToken"].is_string() {
                " (next page)"
            } else {
                ""
            }
        ));
        let limit = body["limit"].as_u64().map_or(10_000, |l| l as usize);
        let mut matching: Vec<(usize, &Scripted)> = self
            .events
            .iter()
            .enumerate()
            .filter(|(seq, e)| {
                e.group == cursor.group
                    && e.ingestion_ms <= now
                    && e.timestamp_ms >= cursor.start_ms
                    && e.timestamp_ms <= cursor.end_ms
                    && (e.timestamp_ms, e.ingestion_ms, *seq) > cursor.after
            })
            .collect();
        matching.sort_by_key(|(seq, e)| (e.timestamp_ms, e.ingestion_ms, *seq));
        let page = limit.min(PAGE);
        let more = matching.len() > page;
        matching.truncate(page);
        let events: Vec<Value> = matching
            .iter()
            .map(|(seq, e)| {
                json!({
                    "logStreamName": e.stream,
                    "timestamp": e.timestamp_ms,
                    "message": e.message,
                    "ingestionTime": e.ingestion_ms,
                    "eventId": format!("{seq:056}"),
                })
            })
            .collect();
        let mut answer_body = json!({ "events": events, "searchedLogStreams": [] });
        if more {
            let (seq, last) = matching.last().unwrap();
            let token = format!("token-{}", state.tokens.len());
            state.tokens.insert(
                token.clone(),
                Cursor {
                    after: (last.timestamp_ms, last.ingestion_ms, *seq),
                    ..cursor
                },
            );
            answer_body["nextToken"] = token.into();
        }
        answer(200, "application/x-amz-json-1.1", answer_body.to_string())
    }

    fn start_live_tail(&self, body: &Value) -> HttpResponse {
        let opened_ms = ceiling_cloud::now_ms();
        let arns: Vec<String> = body["logGroupIdentifiers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|arn| arn.as_str().unwrap().to_owned())
            .collect();
        let groups: Vec<String> = arns
            .iter()
            .map(|arn| arn.split(":log-group:").nth(1).unwrap().to_owned())
            .collect();
        let session = {
            let mut state = self.state.lock().unwrap();
            state.sessions += 1;
            state
                .requests
                .push(format!("StartLiveTail {}", opened_ms - self.clock_ms));
            state.sessions
        };
        let ends_ms = self.session_ends_ms.get(session - 1).copied();
        let (sender, frames) = tokio::sync::mpsc::unbounded_channel::<bytes::Bytes>();
        let events = Arc::clone(&self.events);
        let clock_ms = self.clock_ms;
        tokio::spawn(async move {
            let send = |bytes: Vec<u8>| sender.send(bytes.into()).is_ok();
            send(frame("event", "initial-response", json!({})));
            send(frame(
                "event",
                "sessionStart",
                json!({
                    "requestId": format!("request-{session}"),
                    "sessionId": format!("session-{session}"),
                    "logGroupIdentifiers": arns,
                }),
            ));
            let mut delivered_to = opened_ms;
            loop {
                let now = ceiling_cloud::now_ms();
                let tick = clock_ms + ((now - clock_ms) / 1_000 + 1) * 1_000;
                if let Some(ends) = ends_ms.filter(|&ends| ends <= tick) {
                    sleep_until(ends).await;
                    send(frame(
                        "exception",
                        "SessionTimeoutException",
                        json!({"message": "Session timed out after 3 hours"}),
                    ));
                    return;
                }
                sleep_until(tick).await;
                let results: Vec<Value> = events
                    .iter()
                    .filter(|e| {
                        groups.contains(&e.group)
                            && e.ingestion_ms > delivered_to
                            && e.ingestion_ms <= tick
                    })
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
                delivered_to = tick;
                let update = json!({
                    "sessionMetadata": {"sampled": false},
                    "sessionResults": results,
                });
                if !send(frame("event", "sessionUpdate", update)) {
                    // the session was closed
                    return;
                }
            }
        });
        let mut response = HttpResponse::new(
            200.try_into().unwrap(),
            SdkBody::from_body_1_x(Frames(frames)),
        );
        response
            .headers_mut()
            .insert("content-type", "application/vnd.amazon.eventstream");
        response
    }
}

async fn sleep_until(at_ms: i64) {
    let wait = (at_ms - ceiling_cloud::now_ms()).max(0);
    tokio::time::sleep(Duration::from_millis(wait as u64)).await;
}

/// A session's stream: the frames as the session task sends them, open until it ends.
struct Frames(tokio::sync::mpsc::UnboundedReceiver<bytes::Bytes>);

impl http_body::Body for Frames {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<bytes::Bytes>, std::io::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|bytes| bytes.map(|b| Ok(http_body::Frame::data(b))))
    }
}

impl HttpConnector for Cloud {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        HttpConnectorFuture::ready(Ok(self.answer(request)))
    }
}

impl HttpClient for Cloud {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.clone().into_shared()
    }
}

fn answer(status: u16, content_type: &'static str, body: String) -> HttpResponse {
    let mut response = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body));
    response.headers_mut().insert("content-type", content_type);
    response
}

fn caller_identity() -> HttpResponse {
    answer(200, "text/xml", caller_identity_xml())
}
