//! Exact latency percentiles at 1 ms resolution, in memory bounded by the range of values
//! seen rather than their number, and mergeable (parts of a file read in parallel).

use std::collections::BTreeMap;

use crate::model::{LatencyBins, Percentiles};

/// Milliseconds per page of counters; pages are allocated where values fall.
const PAGE: usize = 1024;
/// Values up to this many milliseconds (about 70 minutes) are counted in pages; beyond it, in
/// a map (API Gateway answers within its timeout, so such values are rare).
const PAGED_LIMIT: u32 = (PAGE * 4096) as u32;
/// Beyond [`PAGED_LIMIT`], values are counted in steps of about a thousandth of their size
/// (1024 steps per doubling), so that the map holds at most about 10,000 keys whatever
/// values a log holds.
const STEPS_PER_DOUBLING_BITS: u32 = 10;

/// The first value of the coarse step `ms` falls in, and the step's width.
fn coarse_step(ms: u32) -> (u32, u32) {
    let shift = (31 - ms.leading_zeros()).saturating_sub(STEPS_PER_DOUBLING_BITS);
    let width = 1u32 << shift;
    (ms & !(width - 1), width)
}

/// Values below this are their own bin in [`LatencyBins`]; above, bins are
/// 1/2^[`BIN_STEPS_BITS`] of a doubling wide.
const EXACT_BINS: u32 = 64;
const BIN_STEPS_BITS: u32 = 5;

/// The lowest value of the [`LatencyBins`] bin `ms` falls in.
fn bin_floor(ms: u32) -> u32 {
    if ms < EXACT_BINS {
        return ms;
    }
    let shift = (31 - ms.leading_zeros()) - BIN_STEPS_BITS;
    ms & !((1u32 << shift) - 1)
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Histogram {
    pages: Vec<Option<Box<[u32; PAGE]>>>,
    /// Bounded: keyed by [`coarse_step`], at most about 10,000 keys.
    beyond: BTreeMap<u32, u64>,
    count: u64,
    max: u32,
}

impl Histogram {
    /// The percentiles the views show, from every value recorded.
    pub(crate) fn percentiles(&self) -> Percentiles {
        Percentiles {
            measured: self.count(),
            p50_ms: self.percentile(50),
            p95_ms: self.percentile(95),
            p99_ms: self.percentile(99),
            max_ms: self.max(),
        }
    }

    /// Every value recorded, in the coarser bins of [`LatencyBins`].
    pub(crate) fn bins(&self) -> LatencyBins {
        let mut bins: Vec<(u32, u64)> = Vec::new();
        let mut add = |ms: u32, n: u64| {
            let floor = bin_floor(ms);
            match bins.last_mut() {
                Some((last, count)) if *last == floor => *count += n,
                _ => bins.push((floor, n)),
            }
        };
        for (page_index, page) in self.pages.iter().enumerate() {
            let Some(page) = page else { continue };
            for (slot, n) in page.iter().enumerate() {
                if *n > 0 {
                    add((page_index * PAGE + slot) as u32, u64::from(*n));
                }
            }
        }
        for (ms, n) in &self.beyond {
            add(*ms, *n);
        }
        LatencyBins(bins)
    }

    #[inline]
    pub(crate) fn record(&mut self, ms: u32) {
        self.count += 1;
        self.max = self.max.max(ms);
        // values past the pages index no page: they take the slow way
        match self.pages.get_mut(ms as usize / PAGE) {
            // A u32 per millisecond: four billion requests at one exact latency before it
            // would wrap, and saturating rather than wrapping if it ever did.
            Some(Some(counters)) => {
                let slot = &mut counters[ms as usize % PAGE];
                *slot = slot.saturating_add(1);
            }
            _ => self.record_in_new_page(ms),
        }
    }

    /// Counts `ms` where [`Histogram::record`] found no page for it: in a page allocated for
    /// it, or past the pages in `beyond`.
    #[cold]
    fn record_in_new_page(&mut self, ms: u32) {
        if ms >= PAGED_LIMIT {
            *self.beyond.entry(coarse_step(ms).0).or_insert(0) += 1;
            return;
        }
        let (page, slot) = (ms as usize / PAGE, ms as usize % PAGE);
        if self.pages.len() <= page {
            self.pages.resize_with(page + 1, || None);
        }
        let counters = self.pages[page].get_or_insert_with(|| Box::new([0; PAGE]));
        counters[slot] = counters[slot].saturating_add(1);
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    pub(crate) fn max(&self) -> Option<u32> {
        (self.count > 0).then_some(self.max)
    }

    pub(crate) fn merge(&mut self, other: &Histogram) {
        if self.pages.len() < other.pages.len() {
            self.pages.resize_with(other.pages.len(), || None);
        }
        for (mine, theirs) in self.pages.iter_mut().zip(&other.pages) {
            if let Some(theirs) = theirs {
                let mine = mine.get_or_insert_with(|| Box::new([0; PAGE]));
                for (a, b) in mine.iter_mut().zip(theirs.iter()) {
                    *a = a.saturating_add(*b);
                }
            }
        }
        for (ms, n) in &other.beyond {
            *self.beyond.entry(*ms).or_insert(0) += n;
        }
        self.count += other.count;
        self.max = self.max.max(other.max);
    }

    /// The nearest-rank percentile: the smallest value with at least `percent`% of the values
    /// at or below it.
    pub(crate) fn percentile(&self, percent: u32) -> Option<u32> {
        if self.count == 0 {
            return None;
        }
        let rank = (u64::from(percent) * self.count).div_ceil(100).max(1);
        let mut seen = 0u64;
        for (page_index, page) in self.pages.iter().enumerate() {
            let Some(page) = page else { continue };
            for (slot, n) in page.iter().enumerate() {
                seen += u64::from(*n);
                if seen >= rank {
                    return Some((page_index * PAGE + slot) as u32);
                }
            }
        }
        for (ms, n) in &self.beyond {
            seen += n;
            if seen >= rank {
                // the top of the step: a coarse value is never reported below the real one
                let (start, width) = coarse_step(*ms);
                return Some((start + (width - 1)).min(self.max));
            }
        }
        None
    }

    /// How many values are at or above `ms`.
    pub(crate) fn count_at_or_above(&self, ms: u32) -> u64 {
        let below: u64 = if ms >= PAGED_LIMIT {
            self.count
                - self
                    .beyond
                    .range(coarse_step(ms).0..)
                    .map(|(_, n)| n)
                    .sum::<u64>()
        } else {
            let mut below = 0;
            for (page_index, page) in self.pages.iter().enumerate() {
                let Some(page) = page else { continue };
                for (slot, n) in page.iter().enumerate() {
                    if page_index * PAGE + slot >= ms as usize {
                        return self.count - below;
                    }
                    below += u64::from(*n);
                }
            }
            below
        };
        self.count - below
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nearest_rank(sorted: &[u32], percent: u32) -> u32 {
        let rank = (percent as usize * sorted.len()).div_ceil(100).max(1);
        sorted[rank - 1]
    }

    #[test]
    fn percentiles_equal_nearest_rank_on_sorted_values() {
        let mut values: Vec<u32> = (0..5000u32).map(|i| (i * 7919) % 40_000).collect();
        values.push(5_000_000);
        let mut histogram = Histogram::default();
        for v in &values {
            histogram.record(*v);
        }
        values.sort_unstable();
        for p in [1, 50, 90, 95, 99, 100] {
            assert_eq!(
                histogram.percentile(p),
                Some(nearest_rank(&values, p)),
                "p{p}"
            );
        }
        assert_eq!(histogram.max(), Some(5_000_000));
        assert_eq!(
            histogram.count_at_or_above(26_100),
            values.iter().filter(|v| **v >= 26_100).count() as u64
        );
        assert_eq!(histogram.count_at_or_above(5_000_000), 1);
    }

    #[test]
    fn bins_hold_every_value_in_bins_a_few_percent_wide() {
        let mut histogram = Histogram::default();
        for ms in [3, 3, 63, 64, 65, 1000, 1031, 1032, 29_000, PAGED_LIMIT + 5] {
            histogram.record(ms);
        }
        let bins = histogram.bins();
        assert_eq!(bins.count(), 10);
        assert_eq!(
            bins.0,
            vec![
                (3, 2),
                (63, 1),
                (64, 2),
                (992, 1),
                (1024, 2),
                (28_672, 1),
                (bin_floor(PAGED_LIMIT), 1)
            ]
        );
        for ms in [100u32, 5_000, 29_999, u32::MAX] {
            let floor = bin_floor(ms);
            assert!(floor <= ms && ms - floor <= ms / 32, "{ms}: {floor}");
        }
    }

    #[test]
    fn values_past_the_pages_take_bounded_room() {
        let mut histogram = Histogram::default();
        for ms in (PAGED_LIMIT..u32::MAX).step_by(997) {
            histogram.record(ms);
        }
        histogram.record(u32::MAX);
        assert!(
            histogram.beyond.len() <= 11 * 1024,
            "{}",
            histogram.beyond.len()
        );
        assert_eq!(histogram.percentile(100), Some(u32::MAX));
        let p50 = histogram.percentile(50).unwrap();
        let middle = PAGED_LIMIT / 2 + u32::MAX / 2;
        assert!(p50.abs_diff(middle) < middle / 500, "{p50} vs {middle}");
    }
}
