//! Live sources: log events as they arrive in CloudWatch Logs, for a watch that keeps its
//! figures up to date during an incident. Whatever the source (Live Tail, or polling
//! FilterLogEvents the way `aws logs tail --follow` does, or the backfill before either), it
//! hands on [`LiveBatch`]es of [`LiveEvent`]s, and [`Seen`] keeps each event once across
//! sources, reconnections and the overlaps they re-read.

pub mod poll;
pub mod tail;
pub mod watch;

use std::collections::{HashSet, VecDeque};
use std::hash::BuildHasher;

/// One log event as a live source delivers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    /// The log group's name (not its ARN).
    pub group: String,
    pub stream: String,
    /// When the event happened, in milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// When CloudWatch Logs took it in; later than `timestamp_ms` by the ingestion lag.
    pub ingestion_ms: i64,
    pub message: String,
}

/// What a live source hands on at a time: events, and whether they are all there were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveBatch {
    pub events: Vec<LiveEvent>,
    /// Live Tail sends at most 500 events a second and samples above that; a sampled
    /// batch's events are a sample of the events that matched in its second.
    pub sampled: bool,
}

/// The events already kept, so that an event read twice (by a backfill and then a Live Tail
/// session, or by a reconnection that re-reads an overlap) counts once.
///
/// Live Tail events carry no event id, so an event is known by its group, stream,
/// timestamp and message. Only events within `horizon_ms` of the newest timestamp seen are
/// remembered: a re-read never goes further back than the overlap a source re-reads, so
/// the memory is bounded by the events of one horizon, not of the session.
#[derive(Debug)]
pub struct Seen {
    horizon_ms: i64,
    newest_ms: i64,
    keys: HashSet<u64>,
    /// The keys in the order they were added, with their timestamps, to forget the old.
    order: VecDeque<(i64, u64)>,
    hasher: std::collections::hash_map::RandomState,
}

impl Seen {
    /// Remembers the events of the last `horizon_ms` (at least the overlap any source
    /// re-reads after a reconnection).
    pub fn new(horizon_ms: i64) -> Seen {
        Seen {
            horizon_ms,
            newest_ms: i64::MIN,
            keys: HashSet::new(),
            order: VecDeque::new(),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Whether `event` is new (and is now remembered). An event older than the horizon is
    /// taken as new: no source re-reads that far back, so it is a late arrival.
    pub fn first_time(&mut self, event: &LiveEvent) -> bool {
        if event.timestamp_ms < self.newest_ms.saturating_sub(self.horizon_ms) {
            return true;
        }
        // A 64-bit key: two events of one horizon (some hundred thousand at most) collide
        // with a chance below one in 10^8.
        let key = self.hasher.hash_one((
            &event.group,
            &event.stream,
            event.timestamp_ms,
            &event.message,
        ));
        if !self.keys.insert(key) {
            return false;
        }
        self.order.push_back((event.timestamp_ms, key));
        if event.timestamp_ms > self.newest_ms {
            self.newest_ms = event.timestamp_ms;
            self.forget_old();
        }
        true
    }

    /// How many events are remembered now.
    pub fn remembered(&self) -> usize {
        self.keys.len()
    }

    fn forget_old(&mut self) {
        let oldest_kept = self.newest_ms.saturating_sub(self.horizon_ms);
        // Keys come roughly in time order; one out of order stays until those before it go,
        // which only delays its forgetting.
        while let Some(&(timestamp_ms, key)) = self.order.front() {
            if timestamp_ms >= oldest_kept {
                break;
            }
            self.order.pop_front();
            self.keys.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(stream: &str, timestamp_ms: i64, message: &str) -> LiveEvent {
        LiveEvent {
            group: "/aws/lambda/orders".to_owned(),
            stream: stream.to_owned(),
            timestamp_ms,
            ingestion_ms: timestamp_ms + 500,
            message: message.to_owned(),
        }
    }

    #[test]
    fn an_event_read_twice_counts_once() {
        let mut seen = Seen::new(60_000);
        assert!(seen.first_time(&event("a", 1_000, "START")));
        assert!(!seen.first_time(&event("a", 1_000, "START")));
        // the same message at the same time on another stream is another event
        assert!(seen.first_time(&event("b", 1_000, "START")));
        assert!(seen.first_time(&event("a", 1_001, "START")));
    }

    #[test]
    fn memory_is_bounded_by_the_horizon() {
        let mut seen = Seen::new(10_000);
        for second in 0..1_000_i64 {
            for k in 0..50 {
                assert!(seen.first_time(&event("a", second * 1_000, &format!("line {k}"))));
            }
        }
        // 11 seconds of 50 events at most
        assert!(seen.remembered() <= 11 * 50, "{}", seen.remembered());
        // a re-read within the horizon is still known
        assert!(!seen.first_time(&event("a", 995_000, "line 3")));
    }
}
