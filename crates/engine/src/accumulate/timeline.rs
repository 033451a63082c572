//! Requests over time, in buckets, for the charts: counts, timeouts, p50/p99 and max.
//!
//! Buckets start one minute wide and double whenever there would be more than
//! [`MAX_BUCKETS`], so memory stays bounded however long the window. Within a bucket,
//! percentiles come from bins 1% wide (exact below 100 ms): a chart needs no more.

use std::collections::BTreeMap;

use crate::model::{BucketFigures, TimelineFigures};

const MAX_BUCKETS: usize = 1440;
const START_WIDTH_MS: i64 = 60_000;
/// Charts read well with up to this many points.
const DISPLAY_POINTS: i64 = 120;

#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    width_ms: i64,
    buckets: BTreeMap<i64, Bucket>,
}

#[derive(Debug, Clone, Default)]
struct Bucket {
    requests: u64,
    timeouts: u64,
    max_ms: u32,
    bins: Vec<u32>,
}

fn bin_of(ms: u32) -> usize {
    if ms < 100 {
        ms as usize
    } else {
        100 + ((f64::from(ms) / 100.0).ln() / 1.01f64.ln()) as usize
    }
}

fn value_of(bin: usize) -> u32 {
    if bin < 100 {
        bin as u32
    } else {
        (100.0 * 1.01f64.powi(bin as i32 - 100 + 1)).round() as u32
    }
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            width_ms: START_WIDTH_MS,
            buckets: BTreeMap::new(),
        }
    }
}

impl Timeline {
    pub(crate) fn record(&mut self, time_ms: i64, latency_ms: Option<u32>, timed_out: bool) {
        let bucket = self
            .buckets
            .entry(time_ms.div_euclid(self.width_ms))
            .or_default();
        bucket.requests += 1;
        bucket.timeouts += u64::from(timed_out);
        if let Some(ms) = latency_ms {
            bucket.max_ms = bucket.max_ms.max(ms);
            let bin = bin_of(ms);
            if bucket.bins.len() <= bin {
                bucket.bins.resize(bin + 1, 0);
            }
            bucket.bins[bin] += 1;
        }
        if self.buckets.len() > MAX_BUCKETS {
            self.widen(2);
        }
    }

    /// Adds another timeline (of a later part of the same input).
    pub(crate) fn merge(&mut self, mut other: Timeline) {
        if other.width_ms > self.width_ms {
            self.widen(other.width_ms / self.width_ms);
        } else if other.width_ms < self.width_ms {
            other.widen(self.width_ms / other.width_ms);
        }
        for (index, bucket) in other.buckets {
            self.buckets.entry(index).or_default().absorb(&bucket);
        }
        if self.buckets.len() > MAX_BUCKETS {
            self.widen(2);
        }
    }

    fn widen(&mut self, factor: i64) {
        let old = std::mem::take(&mut self.buckets);
        self.width_ms = self.width_ms.saturating_mul(factor);
        for (index, bucket) in old {
            self.buckets
                .entry(index.div_euclid(factor))
                .or_default()
                .absorb(&bucket);
        }
    }

    /// The timeline in display buckets: the smallest round width that gives at most about
    /// [`DISPLAY_POINTS`] buckets over the window.
    pub(crate) fn figures(&self) -> TimelineFigures {
        let (Some(first), Some(last)) = (self.buckets.keys().next(), self.buckets.keys().last())
        else {
            return TimelineFigures {
                bucket_ms: self.width_ms,
                buckets: Vec::new(),
                timeouts_by_route: Vec::new(),
            };
        };
        // times read from a log may lie anywhere in i64: saturating, the span of the most
        // distant ones is just very long
        let span = last
            .saturating_sub(*first)
            .saturating_add(1)
            .saturating_mul(self.width_ms);
        const MINUTE: i64 = 60_000;
        let widths = [
            1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080,
        ]
        .map(|m| m * MINUTE);
        let width = widths
            .into_iter()
            .find(|w| *w >= self.width_ms && w % self.width_ms == 0 && span / w <= DISPLAY_POINTS)
            .unwrap_or_else(|| {
                (span / DISPLAY_POINTS / self.width_ms + 1).saturating_mul(self.width_ms)
            });
        let mut display: BTreeMap<i64, Bucket> = BTreeMap::new();
        for (index, bucket) in &self.buckets {
            let start = index
                .saturating_mul(self.width_ms)
                .div_euclid(width)
                .saturating_mul(width);
            display.entry(start).or_default().absorb(bucket);
        }
        let buckets = display
            .into_iter()
            .map(|(start_ms, bucket)| BucketFigures {
                start_ms,
                requests: bucket.requests,
                timeouts: bucket.timeouts,
                p50_ms: bucket.percentile(50),
                p99_ms: bucket.percentile(99),
                max_ms: bucket.percentile(100).map(|_| bucket.max_ms),
            })
            .collect();
        TimelineFigures {
            bucket_ms: width,
            buckets,
            timeouts_by_route: Vec::new(),
        }
    }
}

impl Bucket {
    fn absorb(&mut self, other: &Bucket) {
        self.requests += other.requests;
        self.timeouts += other.timeouts;
        self.max_ms = self.max_ms.max(other.max_ms);
        if self.bins.len() < other.bins.len() {
            self.bins.resize(other.bins.len(), 0);
        }
        for (mine, theirs) in self.bins.iter_mut().zip(&other.bins) {
            *mine += theirs;
        }
    }

    fn percentile(&self, percent: u64) -> Option<u32> {
        let count: u64 = self.bins.iter().map(|n| u64::from(*n)).sum();
        if count == 0 {
            return None;
        }
        let rank = (percent * count).div_ceil(100).max(1);
        let mut seen = 0;
        for (bin, n) in self.bins.iter().enumerate() {
            seen += u64::from(*n);
            if seen >= rank {
                return Some(value_of(bin).min(self.max_ms));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_hours_give_minute_buckets_with_close_percentiles() {
        let mut timeline = Timeline::default();
        let start = 1_772_787_600_000;
        for i in 0..7200i64 {
            let latency = if i % 100 == 0 {
                29_010
            } else {
                200 + (i % 7) as u32
            };
            timeline.record(start + i * 1000, Some(latency), latency > 29_000);
        }
        let figures = timeline.figures();
        assert_eq!(figures.bucket_ms, 60_000);
        assert_eq!(figures.buckets.len(), 120);
        let first = &figures.buckets[0];
        assert_eq!(
            (first.requests, first.timeouts, first.max_ms),
            (60, 1, Some(29_010))
        );
        let p50 = first.p50_ms.unwrap();
        assert!((200..=209).contains(&p50), "{p50}");
        assert_eq!(first.p99_ms, Some(29_010));
    }

    #[test]
    fn times_at_the_ends_of_i64_give_buckets_without_overflow() {
        let mut timeline = Timeline::default();
        for time in [i64::MIN, -1, 0, 1_772_787_600_000, i64::MAX] {
            timeline.record(time, Some(u32::MAX), true);
        }
        let figures = timeline.figures();
        assert_eq!(figures.buckets.iter().map(|b| b.requests).sum::<u64>(), 5);
        assert!(figures.buckets.len() <= 5);
    }

    #[test]
    fn long_windows_widen_the_buckets() {
        let mut timeline = Timeline::default();
        for day in 0..40i64 {
            for hour in 0..24 {
                timeline.record(day * 86_400_000 + hour * 3_600_000, Some(10), false);
            }
        }
        assert!(timeline.buckets.len() <= MAX_BUCKETS);
        let figures = timeline.figures();
        assert!(figures.buckets.len() <= 121, "{}", figures.buckets.len());
        assert_eq!(figures.buckets.iter().map(|b| b.requests).sum::<u64>(), 960);
    }
}
