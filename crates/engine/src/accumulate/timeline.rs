//! Requests over time, in buckets, for the charts: counts, timeouts, p50/p99 and max.
//!
//! Buckets start one minute wide and double whenever there would be more than
//! [`MAX_BUCKETS`], so memory stays bounded however long the window. Within a bucket,
//! percentiles come from bins 1% wide (exact below 100 ms): a chart needs no more.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::model::{BucketFigures, TimelineFigures};

const MAX_BUCKETS: usize = 1440;
const START_WIDTH_MS: i64 = 60_000;
/// Charts read well with up to this many points.
const DISPLAY_POINTS: i64 = 120;

#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    width_ms: i64,
    /// Every bucket but `current`'s (its index is never a key here).
    buckets: BTreeMap<i64, Bucket>,
    /// The bucket of the last record, with its index, out of the map: records come mostly in
    /// time order, so most find it here.
    current: Option<(i64, Bucket)>,
}

#[derive(Debug, Clone, Default)]
struct Bucket {
    requests: u64,
    timeouts: u64,
    max_ms: u32,
    bins: Vec<u32>,
}

/// The bin of `ms`: the value itself below 100, then bins 1% wide. This is the definition;
/// records take [`bin_of`], which gives the same bin from a table.
fn bin_by_ln(ms: u32) -> usize {
    if ms < 100 {
        ms as usize
    } else {
        100 + ((f64::from(ms) / 100.0).ln() / 1.01f64.ln()) as usize
    }
}

/// Bits of a value after its highest one that [`BinTable::by_octave`] is indexed by.
const OCTAVE_BITS: u32 = 6;

/// [`bin_by_ln`] without a logarithm: where each bin from 100 starts, and the bin each
/// 1/64 of a doubling starts in (a 64th of a doubling is 1.1% at most, so that a value is
/// at most two bins past the bin its 64th starts in).
struct BinTable {
    /// The first value of bin `100 + i`.
    firsts: Vec<u32>,
    /// The bin of the first value from 100 in each 64th of each doubling, by the position
    /// of the highest bit (from [`OCTAVE_BITS`]) and the [`OCTAVE_BITS`] bits after it.
    by_octave: Vec<u16>,
}

static BINS: LazyLock<BinTable> = LazyLock::new(BinTable::new);

impl BinTable {
    /// The table of [`bin_by_ln`], which gives each value a bin no lower than a lower
    /// value's (the logarithm is monotonic).
    fn new() -> Self {
        let last = bin_by_ln(u32::MAX);
        let firsts = (100..=last)
            .map(|bin| {
                // near 100 * 1.01^(bin - 100), then to the first value the logarithm puts there
                let near = (100.0 * 1.01f64.powi(bin as i32 - 100)).min(f64::from(u32::MAX));
                let mut ms = (near as u32).max(100);
                while ms > 100 && bin_by_ln(ms - 1) >= bin {
                    ms -= 1;
                }
                while bin_by_ln(ms) < bin {
                    ms += 1;
                }
                ms
            })
            .collect();
        let by_octave = (OCTAVE_BITS..32)
            .flat_map(|high| {
                (0..1u32 << OCTAVE_BITS).map(move |after| {
                    let first = ((1 << OCTAVE_BITS) | after) << (high - OCTAVE_BITS);
                    bin_by_ln(first.max(100)) as u16
                })
            })
            .collect();
        BinTable { firsts, by_octave }
    }

    fn bin_of(&self, ms: u32) -> usize {
        if ms < 100 {
            return ms as usize;
        }
        let high = 31 - ms.leading_zeros();
        let after = (ms >> (high - OCTAVE_BITS)) & ((1 << OCTAVE_BITS) - 1);
        let mut bin =
            usize::from(self.by_octave[((high - OCTAVE_BITS) << OCTAVE_BITS | after) as usize]);
        while self
            .firsts
            .get(bin + 1 - 100)
            .is_some_and(|first| ms >= *first)
        {
            bin += 1;
        }
        bin
    }
}

fn bin_of(ms: u32) -> usize {
    BINS.bin_of(ms)
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
            current: None,
        }
    }
}

impl Timeline {
    pub(crate) fn record(&mut self, time_ms: i64, latency_ms: Option<u32>, timed_out: bool) {
        let index = time_ms.div_euclid(self.width_ms);
        let bucket = match &mut self.current {
            Some((current, bucket)) if *current == index => bucket,
            _ => self.make_current(index),
        };
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
        // the buckets are those of the map and the current one
        if self.buckets.len() + 1 > MAX_BUCKETS {
            self.widen(2);
        }
    }

    /// Puts the current bucket back in the map and takes the bucket `index` out of it.
    #[cold]
    fn make_current(&mut self, index: i64) -> &mut Bucket {
        self.put_back();
        let bucket = self.buckets.remove(&index).unwrap_or_default();
        &mut self.current.insert((index, bucket)).1
    }

    /// Puts the current bucket back in the map.
    fn put_back(&mut self) {
        if let Some((index, bucket)) = self.current.take() {
            self.buckets.insert(index, bucket);
        }
    }

    /// Adds another timeline (of a later part of the same input).
    pub(crate) fn merge(&mut self, mut other: Timeline) {
        self.put_back();
        other.put_back();
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
        self.put_back();
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
    pub(crate) fn figures(mut self) -> TimelineFigures {
        self.put_back();
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
    #[test]
    fn the_bin_table_gives_the_bins_of_the_logarithm() {
        let table = BinTable::new();
        assert_eq!(table.firsts[0], 100);
        assert_eq!(table.firsts.len() + 99, bin_by_ln(u32::MAX));
        // every value where the logarithm's bin changes, and those around it
        for (i, first) in table.firsts.iter().enumerate().skip(1) {
            assert!(bin_by_ln(first - 1) < 100 + i && bin_by_ln(*first) == 100 + i);
            for ms in first.saturating_sub(3)..=first.saturating_add(3) {
                assert_eq!(table.bin_of(ms), bin_by_ln(ms), "{ms}");
            }
        }
        // and where each 64th of a doubling starts
        for high in OCTAVE_BITS..32 {
            for after in 0..1u32 << OCTAVE_BITS {
                let first = ((1 << OCTAVE_BITS) | after) << (high - OCTAVE_BITS);
                for ms in [first.saturating_sub(1), first, first.saturating_add(1)] {
                    assert_eq!(table.bin_of(ms), bin_by_ln(ms), "{ms}");
                }
            }
        }
        for ms in (0..1_000_000).chain([u32::MAX - 1, u32::MAX]) {
            assert_eq!(table.bin_of(ms), bin_by_ln(ms), "{ms}");
        }
    }

    #[test]
    #[ignore = "every u32: about a minute in a release build (cargo test --release -- --ignored)"]
    fn the_bin_table_gives_the_bins_of_the_logarithm_for_every_value() {
        let table = BinTable::new();
        for ms in 0..=u32::MAX {
            assert_eq!(table.bin_of(ms), bin_by_ln(ms), "{ms}");
        }
    }

    #[test]
    fn records_out_of_time_order_count_as_in_order() {
        // two and a half hours, and 55 (the buckets widen)
        for span in [9_000_000, 200_000_000] {
            let records: Vec<(i64, u32)> = (0..20_000i64)
                .map(|i| ((i * 7919) % span, (i * 13 % 40_000) as u32))
                .collect();
            let mut in_order = records.clone();
            in_order.sort_unstable();
            let (mut shuffled, mut sorted) = (Timeline::default(), Timeline::default());
            for (time, ms) in records {
                shuffled.record(time, Some(ms), ms > 29_000);
            }
            for (time, ms) in in_order {
                sorted.record(time, Some(ms), ms > 29_000);
            }
            assert_eq!(shuffled.figures(), sorted.figures(), "{span}");
        }
    }
}
