//! Fetching a time window of log groups with FilterLogEvents, without the gaps, duplicates
//! and throttling failures other tools are known for: every page is followed until there is
//! no token (empty pages included), events are kept once by event id (also across fetches
//! of overlapping windows), every request waits for one shared budget (FilterLogEvents is
//! limited per account and region), and the SDK retries throttling and 5xx adaptively.
//!
//! Each page comes out as one line of JSON in the shape of `aws logs filter-log-events`
//! output, which the engine reads as it arrives and re-opens from a saved export.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::time::Duration;

use ceiling_engine::Analyzer;

use serde::Serialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::{Connection, Error};

/// FilterLogEvents calls per second per account and region (the service quota).
pub const FILTER_LOG_EVENTS_PER_SECOND: u32 = 5;

/// A time window, in ms since the epoch, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// One request budget shared by every fetch of a connection: requests are spaced so that no
/// more than the quota per second go out.
#[derive(Debug)]
pub struct Budget {
    spacing: Duration,
    next: Mutex<Instant>,
}

impl Budget {
    pub fn per_second(requests: u32) -> Budget {
        Budget {
            spacing: Duration::from_secs(1) / requests.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for this request's turn.
    async fn take(&self) {
        let turn = {
            let mut next = self.next.lock().await;
            let turn = (*next).max(Instant::now());
            *next = turn + self.spacing;
            turn
        };
        tokio::time::sleep_until(turn).await;
    }
}

/// What a group's fetch got so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GroupProgress {
    pub group: String,
    pub pages: u64,
    pub events: u64,
    /// Bytes of the events' messages.
    pub bytes: u64,
    /// Events seen twice (a page boundary, an overlapping earlier fetch) and kept once.
    pub duplicates: u64,
    /// Requests sent again after throttling, a 5xx or a broken connection.
    pub retries: u64,
}

/// One page of a group, as a line the engine reads.
#[derive(Debug, Clone)]
pub struct Page {
    pub group: String,
    /// `{"logGroupName":...,"events":[...]}` and a newline.
    pub line: Vec<u8>,
    pub events: usize,
}

#[derive(Serialize)]
struct PageLine<'a> {
    #[serde(rename = "logGroupName")]
    group: &'a str,
    events: Vec<EventLine<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventLine<'a> {
    log_stream_name: Option<&'a str>,
    timestamp: Option<i64>,
    message: &'a str,
    event_id: Option<&'a str>,
}

/// Fetches windows of log groups through one connection and one budget, remembering the
/// events it has handed out so that a later, overlapping window adds only new ones.
pub struct Fetcher {
    connection: Connection,
    budget: Arc<Budget>,
    seen: HashMap<String, HashSet<String>>,
    cancel: Arc<AtomicBool>,
    /// Events per page asked for; None: the service's own (up to 10,000 or 1 MB).
    page_size: Option<i32>,
}

impl Fetcher {
    /// Asks for pages of at most `events` events: more requests, finer progress.
    pub fn with_page_size(mut self, events: i32) -> Fetcher {
        self.page_size = Some(events);
        self
    }

    pub fn new(connection: Connection) -> Fetcher {
        Fetcher {
            connection,
            budget: Arc::new(Budget::per_second(FILTER_LOG_EVENTS_PER_SECOND)),
            seen: HashMap::new(),
            cancel: Arc::new(AtomicBool::new(false)),
            page_size: None,
        }
    }

    /// The connection the fetcher's requests go through.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// A switch that stops the fetch after the page in flight.
    pub fn cancel_switch(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    /// Fetches `group` over `window`, handing each page to `sink` as it arrives. On an error
    /// the pages already handed out stay handed out; the error says how far it got.
    pub async fn fetch_group(
        &mut self,
        group: &str,
        window: Window,
        mut sink: impl FnMut(Page),
        mut progress: impl FnMut(&GroupProgress),
    ) -> Result<GroupProgress, (GroupProgress, Error)> {
        let mut done = GroupProgress {
            group: group.to_owned(),
            ..GroupProgress::default()
        };
        let seen = self.seen.entry(group.to_owned()).or_default();
        let mut token: Option<String> = None;
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Err((done, Error::Cancelled));
            }
            self.budget.take().await;
            let attempts_before = self.connection.attempts.load(Ordering::Relaxed);
            let response = self
                .connection
                .client
                .filter_log_events()
                .log_group_name(group)
                .start_time(window.start_ms)
                .end_time(window.end_ms)
                .set_next_token(token.take())
                .set_limit(self.page_size)
                .send()
                .await;
            let attempts = self.connection.attempts.load(Ordering::Relaxed) - attempts_before;
            done.retries += attempts.saturating_sub(1);
            let page = match response {
                Ok(page) => page,
                Err(error) => {
                    let error =
                        self.connection
                            .classify("logs:FilterLogEvents", Some(group), error);
                    return Err((done, error));
                }
            };
            done.pages += 1;
            let mut events = Vec::new();
            for event in page.events() {
                if let Some(id) = event.event_id() {
                    if !seen.insert(id.to_owned()) {
                        done.duplicates += 1;
                        continue;
                    }
                }
                let message = event.message().unwrap_or_default();
                done.bytes += message.len() as u64;
                events.push(EventLine {
                    log_stream_name: event.log_stream_name(),
                    timestamp: event.timestamp(),
                    message,
                    event_id: event.event_id(),
                });
            }
            done.events += events.len() as u64;
            if !events.is_empty() {
                let count = events.len();
                let mut line =
                    serde_json::to_vec(&PageLine { group, events }).expect("a page serializes");
                line.push(b'\n');
                sink(Page {
                    group: group.to_owned(),
                    line,
                    events: count,
                });
            }
            progress(&done);
            // An empty page with a token is not the end: only a missing token is.
            match page.next_token() {
                Some(next) => token = Some(next.to_owned()),
                None => return Ok(done),
            }
        }
    }
}

/// Pages in flight between a fetch and the engine.
const PAGES_IN_FLIGHT: usize = 16;

/// A reader over the pages a fetch sends, for the engine's line reader.
struct Pages {
    receiver: Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl Read for Pages {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.current.len() {
            match self.receiver.recv() {
                Ok(page) => {
                    self.current = page;
                    self.at = 0;
                }
                // the fetch is over
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// How a fetch of several groups went.
#[derive(Debug, Default, Serialize)]
pub struct Fetched {
    pub groups: Vec<GroupProgress>,
    /// Groups whose fetch stopped early, with why: their figures cover what was fetched.
    pub failures: Vec<(String, String)>,
}

/// Fetches each group into `analyzer` as an input named after the group: the pages go to
/// the engine, on a thread of its own, as they arrive. Blocks the calling thread, which
/// must not be one of `runtime`'s workers (call it from a blocking task or a plain thread);
/// `runtime` must be a multi-thread one, whose workers drive the network meanwhile.
pub fn fetch_into_analyzer(
    runtime: &tokio::runtime::Handle,
    fetcher: &mut Fetcher,
    groups: &[String],
    window: Window,
    analyzer: &mut Analyzer,
    mut progress: impl FnMut(&GroupProgress),
    mut after_group: impl FnMut(&Analyzer),
) -> Fetched {
    let mut fetched = Fetched::default();
    for group in groups {
        let (sender, receiver) = sync_channel::<Vec<u8>>(PAGES_IN_FLIGHT);
        let result = std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                let pages = Pages {
                    receiver,
                    current: Vec::new(),
                    at: 0,
                };
                // a read error is in the input's report; the fetch goes on regardless
                let _ = analyzer.read(group, pages);
            });
            let result = runtime.block_on(fetcher.fetch_group(
                group,
                window,
                |page| {
                    // the reader stops only when the fetch is over
                    let _ = sender.send(page.line);
                },
                &mut progress,
            ));
            drop(sender);
            reader.join().expect("the reading thread panicked");
            result
        });
        match result {
            Ok(done) => fetched.groups.push(done),
            Err((done, error)) => {
                fetched.failures.push((group.clone(), error.to_string()));
                fetched.groups.push(done);
                if matches!(error, Error::Cancelled) {
                    break;
                }
            }
        }
        after_group(analyzer);
    }
    fetched
}

/// A time as the user writes it: relative to `now_ms` (`15m`, `2h`, `2d1h20m`: that long
/// ago), `now`, or ISO 8601 with a zone (`2026-03-06T09:00:00Z`, `...+02:00`).
pub fn parse_time(text: &str, now_ms: i64) -> Result<i64, String> {
    let text = text.trim();
    if text == "now" {
        return Ok(now_ms);
    }
    if let Some(ms) = ceiling_engine::parse_iso_ms(text) {
        return Ok(ms);
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 7 * 86_400_000,
            _ => return Err(bad_time(text)),
        };
        let n: i64 = number.parse().map_err(|_| bad_time(text))?;
        total += n * unit;
        number.clear();
    }
    if !number.is_empty() || total == 0 {
        return Err(bad_time(text));
    }
    Ok(now_ms - total)
}

fn bad_time(text: &str) -> String {
    format!("'{text}' is not a time: write 15m, 2h, 2d1h20m (ago), now, or 2026-03-06T09:00:00Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_relative_and_absolute() {
        let now = 1_772_794_800_000; // 2026-03-06T11:00:00Z
        assert_eq!(parse_time("2h", now), Ok(now - 7_200_000));
        assert_eq!(
            parse_time("2d1h20m", now),
            Ok(now - (2 * 86_400 + 3_600 + 1_200) * 1000)
        );
        assert_eq!(parse_time("now", now), Ok(now));
        assert_eq!(
            parse_time("2026-03-06T09:00:00Z", now),
            Ok(1_772_787_600_000)
        );
        assert_eq!(
            parse_time("2026-03-06T10:00:00+01:00", now),
            Ok(1_772_787_600_000)
        );
        for bad in ["", "2", "2x", "yesterday", "h"] {
            assert!(parse_time(bad, now).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn the_budget_spaces_requests() {
        let budget = Budget::per_second(50);
        let start = Instant::now();
        for _ in 0..11 {
            budget.take().await;
        }
        // the first goes at once, then one every 20 ms
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(400), "{elapsed:?}");
    }
}
