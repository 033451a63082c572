//! What the findings are decided from besides the figures: the notable records the analyzer
//! kept, and the bursts of timeouts found in them (tested against chance in `chance`).

use super::chance::{self, Counts, Draws, Rules};
use crate::accumulate::{NotableExecution, NotableInvocation, NotableRequest, StepNotes};
use crate::correlate::Pair;
use crate::model::{Analysis, TimelineFigures, Window};
use crate::parse::access::FieldSet;
use crate::settings::Thresholds;

/// Bursts reported, at most.
const BURSTS: usize = 3;
/// Buckets the scan looks at, at most: a longer period is scanned in wider buckets (a whole
/// multiple of the timeline's), so that the scan's memory and time are bounded whatever span
/// the logs' times claim. Two hours of one-minute buckets fit.
const SCAN_BUCKETS: i128 = 240;

/// What the analyzer kept besides the figures, for evidence.
pub(crate) struct Notes<'a> {
    pub(crate) thresholds: &'a Thresholds,
    pub(crate) requests: &'a [NotableRequest],
    pub(crate) invocations: &'a [NotableInvocation],
    pub(crate) execution: &'a [NotableExecution],
    pub(crate) pairs: &'a [Pair],
    pub(crate) fields: FieldSet,
    /// The invocations' timelines and the steps of each function.
    pub(crate) steps: &'a StepNotes,
    /// Where the logs live in AWS, and how the access log names its fields: for the query
    /// behind each finding.
    pub(crate) console: &'a crate::settings::Console,
    pub(crate) access_keys: Option<&'a crate::parse::access::AccessKeys>,
}

/// A window in which timeouts came much faster than elsewhere, more than chance gives.
pub(super) struct Burst<'a> {
    /// The scanned window, bucket-aligned.
    pub(super) from: i64,
    pub(super) to: i64,
    /// The first and last timeout in it.
    pub(super) start_ms: i64,
    pub(super) end_ms: i64,
    pub(super) timeouts: Vec<&'a NotableRequest>,
    /// How many of the test's [`chance::ROUNDS`] draws gave a window at least as strong.
    pub(super) beaten: u32,
}

impl Burst<'_> {
    /// The p-value of the window: how often chance alone gives one as strong.
    pub(super) fn p_value(&self) -> f64 {
        chance::p_value(self.beaten)
    }
}

/// The period in scan buckets: bucket-aligned, at most [`SCAN_BUCKETS`] (and one for the
/// alignment), in i128 so that no span of times overflows.
struct Grid {
    first: i128,
    width: i128,
    buckets: usize,
}

impl Grid {
    fn new(start_ms: i64, end_ms: i64, bucket_ms: i64) -> Grid {
        let (start, end) = (
            i128::from(start_ms.min(end_ms)),
            i128::from(start_ms.max(end_ms)),
        );
        let base = i128::from(bucket_ms.max(1));
        let span = end.div_euclid(base) - start.div_euclid(base) + 1;
        let width = base * ((span + SCAN_BUCKETS - 1) / SCAN_BUCKETS);
        let first = start.div_euclid(width);
        Grid {
            first,
            width,
            buckets: (end.div_euclid(width) - first + 1) as usize,
        }
    }

    /// The bucket of a time; times outside the period go to its first or last bucket.
    fn bucket(&self, ms: i64) -> usize {
        (i128::from(ms).div_euclid(self.width) - self.first).clamp(0, self.buckets as i128 - 1)
            as usize
    }

    /// Where bucket `i` starts, in ms (saturated to the range of times).
    fn start_ms(&self, i: usize) -> i64 {
        let ms = (self.first + i as i128) * self.width;
        ms.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
}

/// Windows where timeouts arrive several times faster, per request served, than elsewhere,
/// and faster than chance explains (`burst-p-value-per-mille`), strongest first.
pub(super) fn find_bursts<'a>(analysis: &Analysis, notes: &Notes<'a>) -> Vec<Burst<'a>> {
    match analysis.window {
        Some(window) => bursts_in(window, &analysis.timeline, notes),
        None => Vec::new(),
    }
}

/// [`find_bursts`] over a period and its timeline, whatever times they hold.
fn bursts_in<'a>(window: Window, timeline: &TimelineFigures, notes: &Notes<'a>) -> Vec<Burst<'a>> {
    let thresholds = notes.thresholds;
    let Some(allowed) = chance::allowed(thresholds.burst_p_value_per_mille) else {
        return Vec::new();
    };
    let grid = Grid::new(window.start_ms, window.end_ms, timeline.bucket_ms);
    let timed_out: Vec<&NotableRequest> = notes
        .requests
        .iter()
        .filter(|r| r.timed_out && r.time_ms.is_some())
        .collect();
    let total = timed_out.len() as u64;
    if total < thresholds.burst_min_timeouts || grid.buckets < 4 {
        return Vec::new();
    }
    let mut timeouts = vec![0u64; grid.buckets];
    for request in &timed_out {
        timeouts[grid.bucket(request.time_ms.unwrap_or(0))] += 1;
    }
    // The requests served per bucket, from the timeline; without one, time alone.
    let mut traffic = vec![0u64; grid.buckets];
    for bucket in &timeline.buckets {
        let served = &mut traffic[grid.bucket(bucket.start_ms)];
        *served = served.saturating_add(bucket.requests);
    }
    if traffic.iter().all(|n| *n == 0) {
        traffic.fill(1);
    }
    let counts = Counts::new(&timeouts, &traffic);
    let rules = Rules {
        min_timeouts: thresholds.burst_min_timeouts,
        rate_ratio: f64::from(thresholds.burst_rate_ratio),
    };
    // The candidate windows, strongest first, each holding none of the ones before (Kulldorff's
    // secondary clusters): found before the draws, which then need to tell apart only rounds
    // at least as strong as the weakest of them.
    let mut taken = vec![false; grid.buckets];
    let mut windows = Vec::with_capacity(BURSTS);
    while windows.len() < BURSTS {
        let Some(window @ (_, start, end)) = counts.strongest(&taken, rules) else {
            break;
        };
        taken[start..end].iter_mut().for_each(|t| *t = true);
        windows.push(window);
    }
    let Some(&(observed, _, _)) = windows.first() else {
        return Vec::new();
    };
    let floor = windows.iter().map(|w| w.0).fold(observed, f64::min);
    // The draws are made once, against the strongest window; the later ones, weaker, are
    // judged against the same draws.
    let draws = Draws::against(&counts, observed, floor, allowed, rules);
    let mut bursts = Vec::new();
    for (strength, start, end) in windows {
        let beaten = draws.beating(strength);
        if !draws.complete() || beaten > allowed {
            break;
        }
        let (from, to) = (grid.start_ms(start), grid.start_ms(end));
        let inside: Vec<&NotableRequest> = timed_out
            .iter()
            .copied()
            .filter(|r| (start..end).contains(&grid.bucket(r.time_ms.unwrap_or(0))))
            .collect();
        let times = || inside.iter().filter_map(|r| r.time_ms);
        bursts.push(Burst {
            from,
            to,
            start_ms: times().min().unwrap_or(from),
            end_ms: times().max().unwrap_or(to),
            beaten,
            timeouts: inside,
        });
    }
    bursts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BucketFigures;

    fn timeout(time_ms: i64) -> NotableRequest {
        NotableRequest {
            input: 0,
            line: 1,
            route: "POST /process".to_owned(),
            time_ms: Some(time_ms),
            time_precision_ms: 1,
            status: Some(504),
            response_latency_ms: Some(29_010),
            integration_latency_ms: None,
            timed_out: true,
            error: None,
            request_id: None,
            integration_request_id: None,
            trace_id: None,
        }
    }

    #[test]
    fn the_grid_holds_any_span_in_a_bounded_number_of_buckets() {
        for (start, end, bucket) in [
            (i64::MIN, i64::MAX, 60_000),
            (i64::MIN, i64::MAX, 1),
            (i64::MAX, i64::MIN, 0),
            (0, i64::MAX, i64::MAX),
            (-5, 5, 1),
        ] {
            let grid = Grid::new(start, end, bucket);
            assert!((1..=SCAN_BUCKETS as usize + 1).contains(&grid.buckets));
            assert_eq!(grid.bucket(i64::MIN), 0);
            assert_eq!(grid.bucket(i64::MAX), grid.buckets - 1);
            assert!(grid.start_ms(0) <= start.min(end));
            let _ = grid.start_ms(grid.buckets);
        }
        // two hours of minutes stay minutes
        let grid = Grid::new(0, 2 * 3_600_000 - 1, 60_000);
        assert_eq!((grid.buckets, grid.width), (120, 60_000));
    }

    #[test]
    fn a_burst_is_found_whatever_span_the_times_claim() {
        // the timeline of a log whose times run from 1970 to the end of i64, with a wrapped
        // (small) bucket width: a burst in the middle of the span, and timeouts at both ends
        let thresholds = Thresholds::default();
        let middle = i64::MAX / 2;
        let mut requests: Vec<NotableRequest> = (0..20).map(|i| timeout(middle + i)).collect();
        requests.extend([timeout(0), timeout(i64::MAX), timeout(i64::MIN)]);
        let timeline = TimelineFigures {
            bucket_ms: 60_000,
            buckets: [0, middle, i64::MAX]
                .into_iter()
                .map(|start_ms| BucketFigures {
                    start_ms,
                    requests: 1_000,
                    timeouts: 0,
                    p50_ms: None,
                    p99_ms: None,
                    max_ms: None,
                })
                .collect(),
            timeouts_by_route: Vec::new(),
        };
        let notes = Notes {
            thresholds: &thresholds,
            requests: &requests,
            invocations: &[],
            execution: &[],
            pairs: &[],
            fields: FieldSet::default(),
            steps: &Default::default(),
            console: &Default::default(),
            access_keys: None,
        };
        let window = Window {
            start_ms: i64::MIN,
            end_ms: i64::MAX,
        };
        let bursts = bursts_in(window, &timeline, &notes);
        assert_eq!(bursts.len(), 1);
        assert_eq!(bursts[0].timeouts.len(), 20);
        assert_eq!(
            (bursts[0].start_ms, bursts[0].end_ms),
            (middle, middle + 19)
        );
        assert!(bursts[0].from <= middle && bursts[0].to > middle + 19);
    }
}
