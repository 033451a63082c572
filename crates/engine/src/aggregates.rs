//! Figures a server computed over more requests than were read: CloudWatch Logs Insights
//! over a window too large to download. The records read beside them are then the notable
//! requests only (timeouts, 5xx answers, near misses), so the counts, statuses and
//! percentiles come from here, and everything about the notable requests (which timed out,
//! on which route, when, paired with which invocation) from the records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, Percentiles};
use crate::timeline::BucketFigures;

/// Requests counted by a server, per status, per route and per time bin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregates {
    /// Who computed them, as the analysis names it ("CloudWatch Logs Insights").
    pub source: String,
    pub status: BTreeMap<u16, u64>,
    pub requests_without_status: u64,
    pub overall: Percentiles,
    pub routes: Vec<AggregateRoute>,
    /// The width of the time bins, in milliseconds.
    pub bin_ms: i64,
    pub bins: Vec<AggregateBin>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateRoute {
    /// `METHOD /resource/path`, or the route key, as the engine names routes.
    pub route: String,
    pub requests: u64,
    pub latency: Percentiles,
}

/// A function's invocations counted by a server over a window whose log was not downloaded;
/// its notable invocations (timeouts, errors, the slow ones) are read as records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AggregateFunction {
    /// The function, as the engine names it from its log group.
    pub function: String,
    /// The log group, for the function's source.
    pub source: String,
    pub invocations: u64,
    pub cold_starts: u64,
    /// Durations of its invocations (init not included).
    pub duration: Percentiles,
    pub memory_mb: Option<u32>,
    pub max_memory_used_mb: Option<u32>,
}

impl AggregateFunction {
    /// Puts the server's counts of the function in place of those of the records read.
    pub(crate) fn apply(self, analysis: &mut Analysis) {
        let lambda = analysis.lambda.get_or_insert_with(Default::default);
        let function = match lambda
            .functions
            .iter_mut()
            .find(|f| f.function == self.function)
        {
            Some(function) => function,
            None => {
                lambda.functions.push(crate::analysis::FunctionFigures {
                    function: self.function.clone(),
                    source: self.source.clone(),
                    ..Default::default()
                });
                lambda.functions.last_mut().expect("just pushed")
            }
        };
        function.invocations = self.invocations.max(function.invocations);
        function.cold_starts = self.cold_starts.max(function.cold_starts);
        function.duration = self.duration;
        function.memory_mb = function.memory_mb.max(self.memory_mb);
        function.max_memory_used_mb = function.max_memory_used_mb.max(self.max_memory_used_mb);
        lambda.invocations = lambda.functions.iter().map(|f| f.invocations).sum();
        lambda.cold_starts = lambda.functions.iter().map(|f| f.cold_starts).sum();
        analysis.approximate.push(format!(
            "{}: invocations, cold starts and durations were counted by CloudWatch Logs \
             Insights (durations with its approximate pct()); its timeouts, errors and slow \
             invocations were read in full, and its memory pressure is of those alone.",
            self.function
        ));
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateBin {
    pub start_ms: i64,
    pub requests: u64,
    pub p50_ms: Option<u32>,
    pub p99_ms: Option<u32>,
    pub max_ms: Option<u32>,
}

impl Aggregates {
    fn requests(&self) -> u64 {
        self.status.values().sum::<u64>() + self.requests_without_status
    }

    /// Puts the server's figures in place of those of the records read, and says so in
    /// `analysis.approximate`. `timeout_times` are the times of the timed-out requests read,
    /// which the time bins count.
    pub(crate) fn apply(self, analysis: &mut Analysis, timeout_times: impl Iterator<Item = i64>) {
        let source = self.source.clone();
        analysis.requests = self.requests();
        analysis.bad_gateway = self.status.get(&502).copied().unwrap_or(0);
        analysis.requests_without_status = self.requests_without_status;
        analysis.overall = self.overall.clone();
        for aggregate in &self.routes {
            match analysis
                .routes
                .iter_mut()
                .find(|r| r.route == aggregate.route)
            {
                Some(route) => {
                    route.requests = aggregate.requests.max(route.requests);
                    route.latency = aggregate.latency.clone();
                }
                None => analysis.routes.push(crate::analysis::RouteFigures {
                    route: aggregate.route.clone(),
                    requests: aggregate.requests,
                    latency: aggregate.latency.clone(),
                    ..Default::default()
                }),
            }
        }
        analysis.routes.sort_by(|a, b| {
            b.timeouts
                .cmp(&a.timeouts)
                .then(b.latency.p99_ms.cmp(&a.latency.p99_ms))
                .then(a.route.cmp(&b.route))
        });
        analysis.status = self.status;
        if self.bin_ms > 0 && !self.bins.is_empty() {
            let mut timeouts: BTreeMap<i64, u64> = BTreeMap::new();
            for time in timeout_times {
                *timeouts
                    .entry(time.div_euclid(self.bin_ms) * self.bin_ms)
                    .or_insert(0) += 1;
            }
            analysis.timeline.bucket_ms = self.bin_ms;
            analysis.timeline.buckets = self
                .bins
                .iter()
                .map(|bin| BucketFigures {
                    start_ms: bin.start_ms,
                    requests: bin.requests,
                    timeouts: timeouts.get(&bin.start_ms).copied().unwrap_or(0),
                    p50_ms: bin.p50_ms,
                    p99_ms: bin.p99_ms,
                    max_ms: bin.max_ms,
                })
                .collect();
            let first = self.bins.first().map(|b| b.start_ms);
            let last = self.bins.last().map(|b| b.start_ms + self.bin_ms - 1);
            if let (Some(start_ms), Some(end_ms)) = (first, last) {
                analysis.window = Some(crate::analysis::Window { start_ms, end_ms });
            }
        }
        analysis.approximate = vec![
            format!(
                "Requests, statuses and the time bins were counted by {source} over the whole \
                 window; the timeouts, 502s and near misses were read in full."
            ),
            format!(
                "Percentiles (overall, per route, per bin) are {source}'s pct(), an \
                 approximation, not the exact nearest rank Ceiling computes from records."
            ),
        ];
    }
}
