//! The timeline of an analysis: requests, timeouts and latency per time bucket.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The timeline of an analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineFigures {
    pub bucket_ms: i64,
    pub buckets: Vec<BucketFigures>,
    /// Timeouts per bucket of the routes with most timeouts (then `other routes`), each
    /// count aligned with `buckets`.
    pub timeouts_by_route: Vec<RouteTimeouts>,
}

/// One route's timeouts over the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTimeouts {
    pub route: String,
    pub timeouts: Vec<u64>,
}

/// Routes the timeline tells apart; the others are summed as `other routes`.
const ROUTES_APART: usize = 5;

impl TimelineFigures {
    /// Sets `timeouts_by_route` from the times and routes of the timed-out requests.
    pub(crate) fn add_route_timeouts<'a>(
        &mut self,
        timeouts: impl Iterator<Item = (&'a str, i64)>,
    ) {
        let index: BTreeMap<i64, usize> = self
            .buckets
            .iter()
            .enumerate()
            .map(|(i, b)| (b.start_ms, i))
            .collect();
        let mut by_route: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for (route, time) in timeouts {
            let start = time.div_euclid(self.bucket_ms) * self.bucket_ms;
            if let Some(&i) = index.get(&start) {
                by_route
                    .entry(route)
                    .or_insert_with(|| vec![0; self.buckets.len()])[i] += 1;
            }
        }
        let mut routes: Vec<(&str, Vec<u64>)> = by_route.into_iter().collect();
        routes
            .sort_by_key(|(route, counts)| (std::cmp::Reverse(counts.iter().sum::<u64>()), *route));
        let mut apart: Vec<RouteTimeouts> = Vec::new();
        let mut other = vec![0; self.buckets.len()];
        for (i, (route, counts)) in routes.into_iter().enumerate() {
            if i < ROUTES_APART {
                apart.push(RouteTimeouts {
                    route: route.to_owned(),
                    timeouts: counts,
                });
            } else {
                other.iter_mut().zip(counts).for_each(|(o, c)| *o += c);
            }
        }
        if other.iter().any(|c| *c > 0) {
            apart.push(RouteTimeouts {
                route: "other routes".to_owned(),
                timeouts: other,
            });
        }
        self.timeouts_by_route = apart;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketFigures {
    /// Milliseconds since the epoch, UTC.
    pub start_ms: i64,
    pub requests: u64,
    pub timeouts: u64,
    /// Approximate (within 1%) percentiles of response latency; absent without latencies.
    pub p50_ms: Option<u32>,
    pub p99_ms: Option<u32>,
    pub max_ms: Option<u32>,
}
