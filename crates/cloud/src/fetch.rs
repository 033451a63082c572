//! Fetching a time window of log groups with FilterLogEvents, without the gaps, duplicates
//! and throttling failures other tools are known for: every page is followed until there is
//! no token (empty pages included), events are kept once by event id (also across fetches
//! of overlapping windows), every request waits for one shared budget (FilterLogEvents is
//! limited per account and region), and the SDK retries throttling and 5xx adaptively.
//!
//! Each page comes out as one line of JSON in the shape of `aws logs filter-log-events`
//! output, which the engine reads as it arrives and re-opens from a saved export.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ceiling_engine::Analyzer;

use serde::Serialize;
use tokio::sync::{mpsc, Mutex};
use tokio::time::Instant;

use crate::window::Window;
use crate::{Connection, Error, Failure};

/// FilterLogEvents calls per second per account and region (the service quota).
pub const FILTER_LOG_EVENTS_PER_SECOND: u32 = 5;

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
    pub(crate) async fn take(&self) {
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
    /// Per group fetched: one per log group the user chose.
    seen: HashMap<String, SeenIds>,
    cancel: Arc<AtomicBool>,
    /// Events per page asked for; None: the service's own (up to 10,000 or 1 MB).
    page_size: Option<i32>,
}

/// Ids of events handed out, the newest [`SEEN_CAP`] of a group: duplicates come from a
/// later window that overlaps the end of an earlier one (a live view polling on) and from
/// the events at a page's boundary, both among the newest handed out; an event older than
/// those can no longer come again. Kept as 64-bit hashes of the ids (the chance of two of
/// 250,000 ids sharing one is about 2e-9).
#[derive(Debug, Default)]
struct SeenIds {
    /// Bounded: at most [`SEEN_CAP`].
    ids: HashSet<u64>,
    /// The same ids, oldest first, to forget the oldest.
    order: VecDeque<u64>,
}

/// Event ids remembered per group, at most (about 6 MB).
const SEEN_CAP: usize = 250_000;

impl SeenIds {
    /// Whether `id` is new; remembers it.
    fn insert(&mut self, id: &str) -> bool {
        let mut hasher = DefaultHasher::new();
        id.hash(&mut hasher);
        let hash = hasher.finish();
        if !self.ids.insert(hash) {
            return false;
        }
        if self.order.len() == SEEN_CAP {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        self.order.push_back(hash);
        true
    }
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
        sink: impl FnMut(Page),
        progress: impl FnMut(&GroupProgress),
    ) -> Result<GroupProgress, (GroupProgress, Error)> {
        self.fetch_pages(group, window, Sink::Call(sink), progress)
            .await
    }

    async fn fetch_pages<F: FnMut(Page)>(
        &mut self,
        group: &str,
        window: Window,
        mut sink: Sink<'_, F>,
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
            let attempts_before = self.connection.attempts();
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
            let attempts = self.connection.attempts() - attempts_before;
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
                    if !seen.insert(id) {
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
                let page = Page {
                    group: group.to_owned(),
                    line,
                    events: count,
                };
                match &mut sink {
                    Sink::Call(sink) => sink(page),
                    // the reader stops only when the fetch is over
                    Sink::Send(sender) => {
                        let _ = sender.send(page.line).await;
                    }
                }
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

/// Where a fetch's pages go: a function, or the channel an engine reads from (waiting for
/// room in it, which holds the fetch to the engine's pace).
enum Sink<'a, F> {
    Call(F),
    Send(&'a mpsc::Sender<Vec<u8>>),
}

/// Pages in flight between a fetch and the engine.
const PAGES_IN_FLIGHT: usize = 16;

/// A reader over the pages a fetch sends, for the engine's line reader. It blocks on the
/// channel, so it lives on a blocking thread, never on a runtime's worker.
struct Pages {
    receiver: mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl Read for Pages {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.current.len() {
            match self.receiver.blocking_recv() {
                Some(page) => {
                    self.current = page;
                    self.at = 0;
                }
                // the fetch is over
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// How a fetch of several groups went.
#[derive(Debug, Default)]
pub struct Fetched {
    pub groups: Vec<GroupProgress>,
    /// Groups whose fetch stopped early, with why: their figures cover what was fetched.
    pub failures: Vec<Failure>,
}

impl Fetched {
    /// Adds the outcome of one group's fetch.
    pub fn add(&mut self, group: &str, result: Result<GroupProgress, (GroupProgress, Error)>) {
        match result {
            Ok(done) => self.groups.push(done),
            Err((done, error)) => {
                self.failures.push(Failure {
                    group: group.to_owned(),
                    error,
                });
                self.groups.push(done);
            }
        }
    }

    /// Whether no group gave an event.
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|g| g.events == 0)
    }

    /// The fetch, unless it fetched nothing because its groups failed: then
    /// [`Error::NothingRead`] with the failures.
    pub fn check(self) -> Result<Fetched, Error> {
        if self.is_empty() && !self.failures.is_empty() {
            return Err(Error::NothingRead {
                failures: self.failures,
            });
        }
        Ok(self)
    }
}

/// Fetches each group into `analyzer` as an input named after the group, and gives the
/// analyzer back. The engine reads each group on a blocking thread (`spawn_blocking`) from a
/// channel the pages go into as they arrive: a group is one streaming input, read while its
/// next pages are fetched, and its parsing never holds a worker of the runtime that drives
/// the network (so this runs on any runtime, current-thread ones included).
/// `after_group` sees the analyzer after each group, on the calling task: keep it short.
pub async fn fetch_into_analyzer(
    fetcher: &mut Fetcher,
    groups: &[String],
    window: Window,
    mut analyzer: Analyzer,
    mut progress: impl FnMut(&GroupProgress),
    mut after_group: impl FnMut(&Analyzer),
) -> (Analyzer, Fetched) {
    let mut fetched = Fetched::default();
    for group in groups {
        let (sender, receiver) = mpsc::channel::<Vec<u8>>(PAGES_IN_FLIGHT);
        let name = group.clone();
        let reader = tokio::task::spawn_blocking(move || {
            let pages = Pages {
                receiver,
                current: Vec::new(),
                at: 0,
            };
            // a read error is in the input's report; the fetch goes on regardless
            let _ = analyzer.read(&name, pages);
            analyzer
        });
        let result = fetcher
            .fetch_pages::<fn(Page)>(group, window, Sink::Send(&sender), &mut progress)
            .await;
        drop(sender);
        analyzer = match reader.await {
            Ok(analyzer) => analyzer,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };
        let cancelled = matches!(result, Err((_, Error::Cancelled)));
        fetched.add(group, result);
        after_group(&analyzer);
        if cancelled {
            break;
        }
    }
    (analyzer, fetched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_ids_are_bounded_and_forget_the_oldest() {
        let mut seen = SeenIds::default();
        assert!(seen.insert("a"));
        assert!(!seen.insert("a"));
        for i in 0..SEEN_CAP {
            assert!(seen.insert(&i.to_string()));
        }
        assert_eq!(seen.ids.len(), SEEN_CAP);
        assert_eq!(seen.order.len(), SEEN_CAP);
        assert!(seen.insert("a"), "the oldest id was forgotten");
        assert!(!seen.insert(&(SEEN_CAP - 1).to_string()));
    }

    #[test]
    fn a_fetch_of_nothing_says_why() {
        let progress = |events| GroupProgress {
            group: "g".to_owned(),
            events,
            ..GroupProgress::default()
        };
        let mut fetched = Fetched::default();
        fetched.add("g", Err((progress(0), Error::Cancelled)));
        assert!(matches!(fetched.check(), Err(Error::NothingRead { .. })));
        let mut fetched = Fetched::default();
        fetched.add("g", Err((progress(3), Error::Cancelled)));
        fetched.add("h", Ok(progress(0)));
        let fetched = fetched.check().unwrap();
        assert_eq!((fetched.groups.len(), fetched.failures.len()), (2, 1));
        assert!(Fetched::default().check().is_ok(), "no group failed");
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
