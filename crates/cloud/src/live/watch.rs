//! A watch of log groups: a backfill of the last minutes, then the live events as they come,
//! with retries after errors (a network gone, credentials expired and renewed, a service
//! failing), Pause and Stop through [`Switches`], and [`Notice`]s that say what happens:
//! batches of new events, the moment the backfill is read, the status (events a second,
//! sampled or not, session time, reconnections) and each retry.
//!
//! The live source is Live Tail where it can be used, and polling where it cannot (denied,
//! unavailable, or not asked for): the backfill is a polling round; then each Live Tail
//! session, the first and each after a reconnection, is followed by a polling round over
//! the gap before the session opened: rewound, for the first, to when the round before it
//! began, and after a reconnection to the tail's resume point, each less the tail's
//! overlap for the ingestion lag, and never before the watch's start. Every event,
//! whichever source read it, goes through the poller's memory, so each counts once.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use super::poll::{Poller, DEFAULT_OVERLAP_MS};
use super::tail::{self, run_tail, Reconnect, TailNotice, TailRequest};
use super::LiveBatch;
use crate::fetch::{Budget, FILTER_LOG_EVENTS_PER_SECOND};
use crate::{now_ms, Connection, Error};

/// What to watch, and how.
#[derive(Debug, Clone)]
pub struct WatchRequest {
    pub groups: Vec<String>,
    /// How far back the backfill reads before going live, in milliseconds.
    pub backfill_ms: i64,
    /// Time between two polling rounds.
    pub poll_every: Duration,
    /// What each polling round re-reads before the newest event of a group, for events
    /// that reach CloudWatch late, in milliseconds.
    pub overlap_ms: i64,
    /// Live Tail first (polling where it cannot be used), or polling only.
    pub live_tail: bool,
}

impl WatchRequest {
    /// The last 15 minutes, then Live Tail, or a polling round every 2 seconds with a
    /// 15-second overlap where Live Tail cannot be used.
    pub fn new(groups: Vec<String>) -> WatchRequest {
        WatchRequest {
            groups,
            backfill_ms: 15 * 60_000,
            poll_every: Duration::from_secs(2),
            overlap_ms: DEFAULT_OVERLAP_MS,
            live_tail: true,
        }
    }
}

/// The switches a front end flips while a watch runs.
#[derive(Debug, Default)]
pub struct Switches {
    /// Paused: no request goes out; on resume the watch catches up from where it stood.
    pub pause: AtomicBool,
    /// Stopped: the watch ends after the request in flight.
    pub stop: AtomicBool,
}

/// Where the live events come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// FilterLogEvents, every few seconds.
    Polling,
    /// CloudWatch Logs Live Tail (StartLiveTail), sampled above 500 events a second.
    LiveTail,
}

/// How the watch stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub source: SourceKind,
    /// Since the watch began, in milliseconds.
    pub session_ms: u64,
    /// New events handed on, the backfill's included.
    pub events: u64,
    /// New events a second over the last ten seconds.
    pub events_per_second: f64,
    /// Whether the last events are a sample (Live Tail above its rate); polling reads all.
    pub sampled: bool,
    /// Times the watch went on after an error.
    pub reconnections: u64,
    /// Events read twice (an overlap re-read, a duplicate in CloudWatch) and kept once.
    pub duplicates: u64,
    pub paused: bool,
    /// The backfill is read: what comes now is live.
    pub live: bool,
}

/// What a watch tells as it runs.
#[derive(Debug)]
pub enum Notice {
    /// New events, each handed on once.
    Batch(LiveBatch),
    /// The backfill is read.
    Live,
    /// After each round, and every second while paused.
    Status(Status),
    /// Live Tail cannot be used (`error` says why): the watch polls from now on.
    Polling { error: Error },
    /// A Live Tail session ended (`reason`); a new one is opening.
    Reconnecting { reason: Reconnect },
    /// An error the watch goes on after, in `retry_in`.
    Retrying {
        error: Error,
        attempt: u32,
        retry_in: Duration,
    },
}

/// Longest wait between two attempts after errors.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Watches `request.groups` through `connection` until `switches.stop` (then `Ok`), or an
/// error it cannot go on after (a group that does not exist, access denied).
pub async fn watch(
    connection: &Connection,
    request: &WatchRequest,
    switches: &Switches,
    mut on: impl FnMut(Notice),
) -> Result<(), Error> {
    if request.groups.is_empty() {
        return Err(Error::NoGroups);
    }
    let mut tally = Tally::new();
    let mut poller = Poller::new(
        &request.groups,
        now_ms() - request.backfill_ms.max(0),
        request.overlap_ms,
        // what a Live Tail reconnection reads again, twice over
        2 * tail::DEFAULT_OVERLAP_MS,
    );
    // Live Tail once the backfill is read; polling where it is denied or unavailable, or
    // not asked for. Polling's first round is the backfill.
    let mut tailing = request.live_tail;
    let budget = Budget::per_second(FILTER_LOG_EVENTS_PER_SECOND);
    let mut failures: u32 = 0;
    loop {
        if switches.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        if switches.pause.load(Ordering::Relaxed) {
            tally.status.paused = true;
            on(Notice::Status(tally.report(&poller)));
            pause(switches, Duration::from_secs(1)).await;
            continue;
        }
        tally.status.paused = false;
        let round_began_ms = now_ms();
        let round = poller
            .round(connection, &budget, &switches.stop, |batch| {
                tally.count(batch.events.len());
                tally.status.sampled = batch.sampled;
                on(Notice::Batch(batch));
            })
            .await;
        let round = match round {
            Ok(()) if tailing => {
                if !tally.status.live {
                    tally.status.live = true;
                    on(Notice::Live);
                }
                on(Notice::Status(tally.report(&poller)));
                let tailed = follow_tail(
                    connection,
                    request,
                    switches,
                    (&mut poller, &budget, round_began_ms),
                    &mut tally,
                    &mut on,
                )
                .await;
                match tailed {
                    Err(error @ (Error::LiveTailDenied | Error::LiveTailUnavailable { .. })) => {
                        tailing = false;
                        tally.status.source = SourceKind::Polling;
                        tally.status.sampled = false;
                        on(Notice::Polling { error });
                        continue;
                    }
                    // stopped, or paused: the loop sees which
                    Ok(()) => continue,
                    Err(error) => Err(error),
                }
            }
            round => round,
        };
        match round {
            Ok(()) => {
                failures = 0;
                if !tally.status.live {
                    tally.status.live = true;
                    on(Notice::Live);
                }
            }
            Err(Error::Cancelled) => return Ok(()),
            Err(error) if goes_on_after(&error) => {
                failures += 1;
                tally.status.reconnections += 1;
                let retry_in = backoff(failures);
                on(Notice::Retrying {
                    error,
                    attempt: failures,
                    retry_in,
                });
                pause(switches, retry_in).await;
                continue;
            }
            Err(error) => return Err(error),
        }
        on(Notice::Status(tally.report(&poller)));
        pause(switches, request.poll_every).await;
    }
}

/// Follows Live Tail sessions until the watch is stopped or paused (then `Ok`) or the tail
/// ends with an error. Each session's opening is followed by a polling round that reads
/// what came before it opened: for the first session, from when the polling round before
/// it (`round_began_ms`) began, and after a reconnection, from the tail's resume point,
/// each less the tail's overlap for the ingestion lag (an event ingested while that round
/// ran, or between two sessions, can be older than the newest the poller has seen). Every
/// event goes through `poller`'s memory, so the overlaps count once.
async fn follow_tail(
    connection: &Connection,
    request: &WatchRequest,
    switches: &Switches,
    (poller, budget, round_began_ms): (&mut Poller, &Budget, i64),
    tally: &mut Tally,
    on: &mut impl FnMut(Notice),
) -> Result<(), Error> {
    let tail_request = TailRequest::new(request.groups.clone());
    let tail_stop = AtomicBool::new(false);
    let (sender, mut notices) = tokio::sync::mpsc::unbounded_channel();
    let tail = run_tail(connection, &tail_request, &tail_stop, move |notice| {
        // the follower below ends only once the tail has
        let _ = sender.send(notice);
    });
    let follow = async {
        let mut resume_from_ms = Some(round_began_ms.saturating_sub(tail_request.overlap_ms));
        let mut outcome = Ok(());
        loop {
            if switches.stop.load(Ordering::Relaxed) || switches.pause.load(Ordering::Relaxed) {
                tail_stop.store(true, Ordering::Relaxed);
            }
            // The switches are plain flags a front end sets: looked at every 100 ms.
            let notice =
                match tokio::time::timeout(Duration::from_millis(100), notices.recv()).await {
                    Ok(Some(notice)) => notice,
                    // the tail is over
                    Ok(None) => return outcome,
                    Err(_) => continue,
                };
            if outcome.is_err() {
                // a gap that could not be read: stop the tail, for the watch to retry
                continue;
            }
            match notice {
                TailNotice::Started { .. } => {
                    tally.status.source = SourceKind::LiveTail;
                    if let Some(from_ms) = resume_from_ms.take() {
                        poller.rewind(from_ms);
                    }
                    let gap = poller
                        .round(connection, budget, &tail_stop, |batch| {
                            tally.count(batch.events.len());
                            on(Notice::Batch(batch));
                        })
                        .await;
                    match gap {
                        Ok(()) | Err(Error::Cancelled) => {}
                        Err(error) => {
                            tail_stop.store(true, Ordering::Relaxed);
                            outcome = Err(error);
                        }
                    }
                }
                TailNotice::Batch(batch) => {
                    let sampled = batch.sampled;
                    let events: Vec<_> = batch
                        .events
                        .into_iter()
                        .filter(|event| poller.keep(event))
                        .collect();
                    tally.count(events.len());
                    tally.status.sampled = sampled;
                    if !events.is_empty() {
                        on(Notice::Batch(LiveBatch { events, sampled }));
                    }
                }
                TailNotice::Reconnecting {
                    reason,
                    resume_from_ms: from_ms,
                } => {
                    tally.status.reconnections += 1;
                    resume_from_ms = Some(resume_from_ms.map_or(from_ms, |r| r.min(from_ms)));
                    on(Notice::Reconnecting { reason });
                }
            }
            on(Notice::Status(tally.report(poller)));
        }
    };
    let (tailed, followed) = tokio::join!(tail, follow);
    tailed.and(followed)
}

/// The watch's status as it goes, and the one place it is reported from.
#[derive(Debug)]
struct Tally {
    status: Status,
    rate: Rate,
    started: Instant,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            status: Status {
                source: SourceKind::Polling,
                session_ms: 0,
                events: 0,
                events_per_second: 0.0,
                sampled: false,
                reconnections: 0,
                duplicates: 0,
                paused: false,
                live: false,
            },
            rate: Rate::default(),
            started: Instant::now(),
        }
    }

    /// `events` new events handed on now.
    fn count(&mut self, events: usize) {
        self.rate.add(Instant::now(), events as u64);
        self.status.events += events as u64;
    }

    /// The status now: the session's time, the rate and `poller`'s duplicates brought up
    /// to date.
    fn report(&mut self, poller: &Poller) -> Status {
        let now = Instant::now();
        self.status.duplicates = poller.duplicates();
        self.status.session_ms = now.duration_since(self.started).as_millis() as u64;
        self.status.events_per_second = self.rate.per_second(now);
        self.status.clone()
    }
}

/// Whether the watch goes on after `error`: the network, the service or the credentials
/// may come back (an SSO session renewed with `aws sso login` is picked up by the next
/// request); a missing group or a refused permission will not.
fn goes_on_after(error: &Error) -> bool {
    matches!(
        error,
        Error::Network { .. } | Error::Request { .. } | Error::Credentials { .. }
    )
}

/// The wait before the `failures`-th retry: 1, 2, 4 ... seconds, at most [`MAX_BACKOFF`].
fn backoff(failures: u32) -> Duration {
    let seconds = 1u64 << failures.saturating_sub(1).min(5);
    Duration::from_secs(seconds).min(MAX_BACKOFF)
}

/// Waits `wait`, or less once the watch is stopped (or, while paused, resumed).
async fn pause(switches: &Switches, wait: Duration) {
    let end = Instant::now() + wait;
    let paused = switches.pause.load(Ordering::Relaxed);
    while Instant::now() < end {
        if switches.stop.load(Ordering::Relaxed) || switches.pause.load(Ordering::Relaxed) != paused
        {
            return;
        }
        tokio::time::sleep((end - Instant::now()).min(Duration::from_millis(100))).await;
    }
}

/// Events a second over the last [`RATE_SPAN`].
#[derive(Debug, Default)]
struct Rate {
    counts: VecDeque<(Instant, u64)>,
}

const RATE_SPAN: Duration = Duration::from_secs(10);

impl Rate {
    fn add(&mut self, at: Instant, events: u64) {
        self.counts.push_back((at, events));
        self.forget(at);
    }

    fn per_second(&mut self, now: Instant) -> f64 {
        self.forget(now);
        let events: u64 = self.counts.iter().map(|(_, n)| n).sum();
        events as f64 / RATE_SPAN.as_secs_f64()
    }

    fn forget(&mut self, now: Instant) {
        while let Some(&(at, _)) = self.counts.front() {
            if now.duration_since(at) <= RATE_SPAN {
                break;
            }
            self.counts.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_thirty_seconds() {
        let waits: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn the_watch_goes_on_after_what_may_come_back() {
        let network = Error::Network {
            detail: "reset".to_owned(),
        };
        let expired = Error::Credentials {
            profile: "p".to_owned(),
            detail: "ExpiredToken".to_owned(),
        };
        assert!(goes_on_after(&network) && goes_on_after(&expired));
        let missing = Error::GroupNotFound {
            group: "g".to_owned(),
        };
        let denied = Error::AccessDenied {
            action: "logs:FilterLogEvents",
            group: None,
        };
        assert!(!goes_on_after(&missing) && !goes_on_after(&denied));
    }

    #[test]
    fn the_rate_is_of_the_last_ten_seconds() {
        let mut rate = Rate::default();
        let start = Instant::now();
        rate.add(start, 100);
        rate.add(start + Duration::from_secs(5), 50);
        assert_eq!(rate.per_second(start + Duration::from_secs(6)), 15.0);
        assert_eq!(rate.per_second(start + Duration::from_secs(12)), 5.0);
        assert_eq!(rate.per_second(start + Duration::from_secs(30)), 0.0);
    }

    #[tokio::test]
    async fn a_pause_ends_early_when_the_watch_is_stopped() {
        let switches = Switches::default();
        switches.stop.store(true, Ordering::Relaxed);
        let start = Instant::now();
        pause(&switches, Duration::from_secs(10)).await;
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}
