//! What the findings are decided from besides the figures: the notable records the analyzer
//! kept, and the bursts of timeouts found in them.

use crate::accumulate::{NotableExecution, NotableInvocation, NotableRequest};
use crate::correlate::Pair;
use crate::model::Analysis;
use crate::parse::access::FieldSet;
use crate::settings::Thresholds;

/// Bursts reported, at most.
const BURSTS: usize = 3;

/// What the analyzer kept besides the figures, for evidence.
pub(crate) struct Notes<'a> {
    pub(crate) thresholds: &'a Thresholds,
    pub(crate) requests: &'a [NotableRequest],
    pub(crate) invocations: &'a [NotableInvocation],
    pub(crate) execution: &'a [NotableExecution],
    pub(crate) pairs: &'a [Pair],
    pub(crate) fields: FieldSet,
}

/// A window in which timeouts came much faster than elsewhere.
pub(super) struct Burst<'a> {
    /// The scanned window, bucket-aligned.
    pub(super) from: i64,
    pub(super) to: i64,
    /// The first and last timeout in it.
    pub(super) start_ms: i64,
    pub(super) end_ms: i64,
    pub(super) timeouts: Vec<&'a NotableRequest>,
}

/// Windows where timeouts arrive several times faster than elsewhere, strongest first.
pub(super) fn find_bursts<'a>(analysis: &Analysis, notes: &Notes<'a>) -> Vec<Burst<'a>> {
    let thresholds = notes.thresholds;
    let Some(window) = analysis.window else {
        return Vec::new();
    };
    let bucket_ms = analysis.timeline.bucket_ms.max(1);
    let first = window.start_ms.div_euclid(bucket_ms);
    let buckets = (window.end_ms.div_euclid(bucket_ms) - first + 1) as usize;
    let timed_out: Vec<&NotableRequest> = notes
        .requests
        .iter()
        .filter(|r| r.timed_out && r.time_ms.is_some())
        .collect();
    let total = timed_out.len() as u64;
    if total < thresholds.burst_min_timeouts || buckets < 4 {
        return Vec::new();
    }
    let mut counts = vec![0u64; buckets];
    for request in &timed_out {
        let bucket = request.time_ms.unwrap_or(0).div_euclid(bucket_ms) - first;
        counts[bucket.clamp(0, buckets as i64 - 1) as usize] += 1;
    }
    let mut prefix = vec![0u64; buckets + 1];
    for (i, n) in counts.iter().enumerate() {
        prefix[i + 1] = prefix[i] + n;
    }
    let mut taken = vec![false; buckets];
    let mut bursts = Vec::new();
    while bursts.len() < BURSTS {
        // The window with the highest likelihood ratio of a raised rate (Kulldorff's scan
        // statistic, time only), among windows no longer than half the period.
        let mut best: Option<(f64, usize, usize)> = None;
        for start in 0..buckets {
            for end in start + 1..=(start + buckets / 2).min(buckets) {
                if taken[end - 1] {
                    break;
                }
                let inside = prefix[end] - prefix[start];
                let length = end - start;
                if inside < thresholds.burst_min_timeouts {
                    continue;
                }
                let expected = total as f64 * length as f64 / buckets as f64;
                let outside = total - inside;
                let rate_in = inside as f64 / length as f64;
                let rate_out = outside as f64 / (buckets - length).max(1) as f64;
                if rate_in < f64::from(thresholds.burst_rate_ratio) * rate_out {
                    continue;
                }
                let mut ratio = inside as f64 * (inside as f64 / expected).ln();
                if outside > 0 {
                    ratio += outside as f64 * (outside as f64 / (total as f64 - expected)).ln();
                }
                if best.is_none_or(|(r, _, _)| ratio > r) {
                    best = Some((ratio, start, end));
                }
            }
        }
        let Some((_, start, end)) = best else { break };
        taken[start..end].iter_mut().for_each(|t| *t = true);
        let from = (first + start as i64) * bucket_ms;
        let to = (first + end as i64) * bucket_ms;
        let inside: Vec<&NotableRequest> = timed_out
            .iter()
            .copied()
            .filter(|r| r.time_ms.is_some_and(|t| t >= from && t < to))
            .collect();
        bursts.push(Burst {
            from,
            to,
            start_ms: inside
                .iter()
                .filter_map(|r| r.time_ms)
                .min()
                .unwrap_or(from),
            end_ms: inside.iter().filter_map(|r| r.time_ms).max().unwrap_or(to),
            timeouts: inside,
        });
    }
    bursts
}
