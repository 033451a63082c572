//! Polling FilterLogEvents the way `aws logs tail --follow` does: each group read from the
//! newest timestamp seen in it, less an overlap for the ingestion lag (an event can reach
//! CloudWatch seconds after events that happened later), every page followed, each event
//! handed on once ([`Seen`], one per group, remembering a little more than the overlap).
//! The first round starts at the backfill's start, so the backfill is that round.
//!
//! An event that reaches CloudWatch later than the overlap after newer ones of its group is
//! not read: FilterLogEvents selects by the event's own time. The overlap is the trade: each
//! round reads it again (at 500 events a second, a 15-second overlap is 7,500 events).

use std::sync::atomic::{AtomicBool, Ordering};

use super::{LiveBatch, LiveEvent, Seen};
use crate::fetch::Budget;
use crate::{Connection, Error};

/// The overlap each round re-reads by default, in milliseconds.
pub const DEFAULT_OVERLAP_MS: i64 = 15_000;

/// What each group's [`Seen`] remembers beyond the overlap, in milliseconds.
const SEEN_MARGIN_MS: i64 = 60_000;

/// One group being followed.
#[derive(Debug)]
struct Followed {
    group: String,
    /// Where the next round starts.
    from_ms: i64,
    /// The newest timestamp seen in the group.
    newest_ms: Option<i64>,
    seen: Seen,
}

/// Follows log groups by polling FilterLogEvents.
#[derive(Debug)]
pub struct Poller {
    groups: Vec<Followed>,
    /// Where the watch begins: no round reads before it.
    start_ms: i64,
    overlap_ms: i64,
    /// Events read again in an overlap (or twice in CloudWatch) and kept once.
    duplicates: u64,
}

impl Poller {
    /// Follows `groups` from `start_ms` on (the backfill's start), each round re-reading
    /// `overlap_ms` before the newest event seen in a group, and remembering the events of
    /// at least `remember_ms` (more than any re-read of another source, such as the gap
    /// Live Tail leaves between two sessions) to keep each once.
    pub fn new(groups: &[String], start_ms: i64, overlap_ms: i64, remember_ms: i64) -> Poller {
        let overlap_ms = overlap_ms.max(0);
        let remember_ms = remember_ms.max(overlap_ms + SEEN_MARGIN_MS);
        Poller {
            groups: groups
                .iter()
                .map(|group| Followed {
                    group: group.clone(),
                    from_ms: start_ms,
                    newest_ms: None,
                    seen: Seen::new(remember_ms),
                })
                .collect(),
            start_ms,
            overlap_ms,
            duplicates: 0,
        }
    }

    /// Events read again and kept once, so far.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Whether `event`, from another source (Live Tail), is new to its group: then it is
    /// remembered and the group's next round starts from it, less the overlap. An event
    /// from before the poller's start (ingested that late) is not kept: no round would
    /// read it, and the watch covers the time from its start.
    pub fn keep(&mut self, event: &LiveEvent) -> bool {
        if event.timestamp_ms < self.start_ms {
            return false;
        }
        let Some(followed) = self.groups.iter_mut().find(|f| f.group == event.group) else {
            // a group not followed here has no memory to check against
            return true;
        };
        if !followed.seen.first_time(event) {
            self.duplicates += 1;
            return false;
        }
        followed.newest_ms = followed.newest_ms.max(Some(event.timestamp_ms));
        followed.from_ms = followed.from_ms.max(event.timestamp_ms - self.overlap_ms);
        true
    }

    /// Makes the next round start at `from_ms` at the latest in every group, to read again
    /// a stretch another source may have missed; never before the start the poller was
    /// given, whose earlier events are not the watch's.
    pub fn rewind(&mut self, from_ms: i64) {
        let from_ms = from_ms.max(self.start_ms);
        for followed in &mut self.groups {
            followed.from_ms = followed.from_ms.min(from_ms);
        }
    }

    /// One round: every group from where it stands to now, page after page, the new events
    /// of each page handed to `on` as they come. An error leaves each group where its last
    /// page left it: the next round goes on from there, and what it reads again is kept
    /// once. `stop` ends the round after the page in flight, with [`Error::Cancelled`].
    pub async fn round(
        &mut self,
        connection: &Connection,
        budget: &Budget,
        stop: &AtomicBool,
        mut on: impl FnMut(LiveBatch),
    ) -> Result<(), Error> {
        for followed in &mut self.groups {
            let mut token: Option<String> = None;
            loop {
                if stop.load(Ordering::Relaxed) {
                    return Err(Error::Cancelled);
                }
                budget.take().await;
                let page = connection
                    .client
                    .filter_log_events()
                    .log_group_name(&followed.group)
                    .start_time(followed.from_ms)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|error| {
                        connection.classify("logs:FilterLogEvents", Some(&followed.group), error)
                    })?;
                let mut events = Vec::new();
                for event in page.events() {
                    let event = LiveEvent {
                        group: followed.group.clone(),
                        stream: event.log_stream_name().unwrap_or_default().to_owned(),
                        timestamp_ms: event.timestamp().unwrap_or(followed.from_ms),
                        ingestion_ms: event.ingestion_time().unwrap_or_default(),
                        message: event.message().unwrap_or_default().to_owned(),
                    };
                    if followed.seen.first_time(&event) {
                        followed.newest_ms = followed.newest_ms.max(Some(event.timestamp_ms));
                        events.push(event);
                    } else {
                        self.duplicates += 1;
                    }
                }
                // Pages come in time order: whatever happens next, the group goes on from
                // its newest event less the overlap.
                if let Some(newest) = followed.newest_ms {
                    followed.from_ms = followed.from_ms.max(newest - self.overlap_ms);
                }
                if !events.is_empty() {
                    on(LiveBatch {
                        events,
                        sampled: false,
                    });
                }
                // An empty page with a token is not the end: only a missing token is.
                match page.next_token() {
                    Some(next) => token = Some(next.to_owned()),
                    None => break,
                }
            }
        }
        Ok(())
    }
}
