//! Figures a server computed over more requests than were read: CloudWatch Logs Insights
//! over a window too large to download. The records read beside them are then the notable
//! requests only (timeouts, 5xx answers, near misses), so the counts, statuses and
//! percentiles come from here, and everything about the notable requests (which timed out,
//! on which route, when, paired with which invocation) from the records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Percentiles;

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

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateBin {
    pub start_ms: i64,
    pub requests: u64,
    pub p50_ms: Option<u32>,
    pub p99_ms: Option<u32>,
    pub max_ms: Option<u32>,
}
