//! The output model: what an analysis is made of, as every view (the CLI, the app, the
//! report) receives it. Plain serialisable values that depend on nothing else in the engine;
//! every other module builds them or reads them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod aggregates;
mod bins;
mod config;
mod finding;
mod reproduce;
mod steps;
mod timeline;

pub use aggregates::{AggregateBin, AggregateFunction, AggregateRoute, Aggregates};
pub use bins::LatencyBins;
pub use config::{
    AccessLogConfig, ApiSummary, ConfigNote, ExecutionLogConfig, FunctionConfig, FunctionRef,
    IntegrationConfig, RouteConfig, StageConfig,
};
pub use finding::{
    Advice, Evidence, Finding, FindingId, FunctionShare, InvocationSample, RequestSample,
    RouteShare, Severity, Source, TimeWindow, UnknownSeverity, WhatHappened,
};
pub use reproduce::{insights_field, ConsoleLink, LinkKind, LogGroupName, QueryFigure, Reproduce};
pub use steps::{InvocationTimeline, SlowStep, TimelineGap, TimelineLine};
pub use timeline::{BucketFigures, RouteTimeouts, TimelineFigures};

/// What Ceiling found in a set of inputs: the value every view (CLI, app, report) shows.
///
/// Where a figure has the same meaning as a key of the benchmark generator's `truth.json`, it
/// has that key (design.md, "Contracts").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The integration timeout the analysis measured against.
    pub ceiling_ms: u64,
    /// The kind of API the access log is from, when it has one.
    pub api: Option<ApiKind>,
    /// Access-log records read: one per request API Gateway answered.
    pub requests: u64,
    /// Lines that could not be read as any record, over all inputs.
    pub rejected_lines: u64,
    /// Requests per HTTP status code.
    pub status: BTreeMap<u16, u64>,
    /// Requests whose record has no status (a format that leaves it out, a record cut
    /// before it): counted in `requests`, not in `status`.
    #[serde(default)]
    pub requests_without_status: u64,
    /// Requests the gateway answered with a timeout (504; 503 for HTTP APIs).
    pub integration_timeouts: u64,
    /// Requests that succeeded with an integration latency at or above 90% of the ceiling.
    pub near_ceiling: u64,
    /// 502 Bad Gateway answers, kept apart from timeouts.
    pub bad_gateway: u64,
    /// Response latency over all requests that have one.
    pub overall: Percentiles,
    /// Per route, most timeouts first, then highest p99.
    pub routes: Vec<RouteFigures>,
    /// Lambda figures, when Lambda logs were read.
    pub lambda: Option<LambdaFigures>,
    /// Execution-log figures, when execution logs were read.
    pub execution: Option<ExecutionFigures>,
    /// How requests and invocations were paired.
    pub correlation: Correlation,
    /// The first and last request, in milliseconds since the epoch.
    pub window: Option<Window>,
    pub timeline: TimelineFigures,
    /// What was read from each input, in the order given.
    pub inputs: Vec<InputReport>,
    /// The story in a few sentences, composed from the findings and figures.
    pub what_happened: WhatHappened,
    /// What the figures mean and what to do, most severe and widest first.
    pub findings: Vec<Finding>,
    /// Which figures come from a server's aggregation rather than from records read (see
    /// [`Aggregates`]), and how far they can be trusted; empty when every figure is exact.
    #[serde(default)]
    pub approximate: Vec<String>,
    /// The stage's configuration the analysis applied (`ceiling config`), when one was
    /// given: its routes' own ceilings, its functions' timeouts, its access-log format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<StageConfig>,
}

/// A span of time in ms since the epoch, UTC, both ends included: what an analysis covers, or
/// a fetch reads. Read from the user's text with [`Window::from_text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// Nearest-rank percentiles of response latency, at 1 ms resolution.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Requests with a numeric response latency (the population of the percentiles).
    pub measured: u64,
    pub p50_ms: Option<u32>,
    pub p95_ms: Option<u32>,
    pub p99_ms: Option<u32>,
    pub max_ms: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteFigures {
    /// `METHOD /resource/path` (REST), the route key (HTTP, WebSocket).
    pub route: String,
    pub requests: u64,
    pub timeouts: u64,
    pub bad_gateway: u64,
    /// Response latency of the route's requests (flattened: `p50_ms`, ... beside `route`).
    #[serde(flatten)]
    pub latency: Percentiles,
    /// Distinct concrete paths of a GET route (`$context.path`), when the log has them and
    /// there are at most [`DISTINCT_PATHS_CAP`].
    pub distinct_paths: Option<u64>,
    /// The largest response body, in bytes, where the log has `responseLength`.
    pub max_response_bytes: Option<u64>,
    /// Responses at or above the large-response threshold.
    pub large_responses: u64,
    /// On the [`OTHER_ROUTES`] row only: how many distinct routes it holds, counted up to
    /// [`FOLDED_ROUTES_COUNTED`] (that figure then means "at least").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folded_routes: Option<u64>,
    /// The distribution behind `latency`, binned, for comparing two windows; empty where the
    /// percentiles are a server's (and then left out of JSON, as in analyses saved before
    /// the bins were written).
    #[serde(default, skip_serializing_if = "LatencyBins::is_empty")]
    pub latency_bins: LatencyBins,
}

impl RouteFigures {
    /// Whether this is the row of the routes past [`ROUTES_CAP`], not one route.
    pub fn is_other_routes(&self) -> bool {
        self.folded_routes.is_some()
    }
}

/// Routes kept apart, at most; the others are counted together under [`OTHER_ROUTES`],
/// the last row of [`Analysis::routes`].
pub const ROUTES_CAP: usize = 2_000;

/// The name of the row of the routes past [`ROUTES_CAP`].
pub const OTHER_ROUTES: &str = "other routes";

/// The routes folded under [`OTHER_ROUTES`] are counted up to this many.
pub const FOLDED_ROUTES_COUNTED: usize = 100_000;

/// Distinct paths of a route are counted up to this many; beyond, the route is not a
/// candidate for caching by path.
pub const DISTINCT_PATHS_CAP: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LambdaFigures {
    /// Invocations reported (REPORT lines, platform.report records).
    pub invocations: u64,
    /// Invocations with an init phase (Init Duration, initDurationMs).
    pub cold_starts: u64,
    /// Invocations that timed out (Status: timeout, "Task timed out").
    pub timeouts: u64,
    /// Timed-out invocations that ran longer than the ceiling: the function's timeout is above it.
    pub timeouts_above_ceiling: u64,
    /// Invocations that kept running after the gateway had answered with a timeout.
    pub outlived_gateway: u64,
    /// Of those, the ones that started cold.
    pub gateway_timeouts_on_cold_start: u64,
    pub max_init_ms: Option<f64>,
    /// Invocations that used 90% or more of their memory.
    pub memory_pressure: u64,
    /// Init phases that failed (INIT_REPORT Status: timeout or error).
    pub init_failures: u64,
    /// The same figures per function (one per Lambda log), most timeouts first.
    pub functions: Vec<FunctionFigures>,
}

/// One function's invocations, as its log group (or exported file) shows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionFigures {
    /// The log group without `/aws/lambda/`, or the file name without `lambda-` and extension.
    pub function: String,
    /// The input the function's lines came from.
    pub source: String,
    pub invocations: u64,
    pub cold_starts: u64,
    pub timeouts: u64,
    /// The function's timeout, as its timed-out invocations show it (whole seconds).
    pub timeout_ms: Option<u32>,
    /// Duration of its invocations (init not included).
    pub duration: Percentiles,
    pub max_init_ms: Option<f64>,
    pub mean_init_ms: Option<f64>,
    /// `java:21.v22`, `python3.12`, ... from INIT_START or platform.initStart.
    pub runtime: Option<String>,
    pub memory_mb: Option<u32>,
    pub max_memory_used_mb: Option<u32>,
    pub memory_pressure: u64,
    pub init_failures: u64,
    /// Of `invocations`, those reported in Lambda's JSON log format (`platform.report`
    /// records); the others were text REPORT lines. Left out of JSON when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub json_reports: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionFigures {
    pub lines: u64,
    /// "Execution failed due to a timeout error".
    pub timeouts: u64,
    /// "Method completed with status: N", per status.
    pub completed: BTreeMap<u16, u64>,
}

/// The account of one input: nothing read from it goes unmentioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputReport {
    /// The path as given, or the name of an in-memory input.
    pub name: String,
    pub compression: Compression,
    pub wrapping: Wrapping,
    /// Lines read, blank ones included.
    pub lines: u64,
    /// Log events found (a line in most inputs; an element of a JSON document).
    pub events: u64,
    /// Events read as records (ignored ones not counted).
    pub records: u64,
    /// Events per kind and format, ignored ones included (their kind says so).
    pub kinds: BTreeMap<String, u64>,
    /// Events that are known and irrelevant (application lines, continuation lines of
    /// multi-line events, subscription control messages).
    pub ignored: u64,
    pub blank_lines: u64,
    /// Lines rejected, grouped by reason, with the first line numbers of each.
    pub rejected: Vec<Rejection>,
    /// Why reading stopped early, if it did; what was read before is in the analysis.
    pub error: Option<String>,
}

/// Lines of one input rejected for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub reason: String,
    pub count: u64,
    /// The first few line numbers (from 1; for a JSON document, event numbers).
    pub first_lines: Vec<u64>,
}

/// REST, HTTP and WebSocket APIs differ in their ceiling and in how a timeout is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiKind {
    Rest,
    Http,
    WebSocket,
}

/// How an input was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
}

/// How an input's events were wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Wrapping {
    /// One message per line, as the service wrote it.
    Raw,
    /// CreateExportTask objects: `<ISO time> <message>`.
    S3Export,
    /// `aws logs tail` (detailed): `<time> <stream> <message>`.
    TailDetailed,
    /// `aws logs tail --format short`: `<time> <message>`.
    TailShort,
    /// A JSON document: filter-log-events, get-log-events, a subscription payload (decoded or
    /// base64 in awslogs.data, Kinesis or Firehose records), or Logs Insights results.
    JsonDocument,
    /// Logs Insights "Download table (CSV)".
    InsightsCsv,
    /// `HH:MM:SS  <message>`, as some consoles and copied terminals print: no date.
    ClockTime,
    /// `Thu Aug 31 01:07:25 UTC 2017 : <message>`, the console's test-invoke output.
    ConsoleTime,
    /// A Logs Insights result copied as a Markdown table: `| time | message |`.
    MarkdownTable,
    /// A Logs Insights result copied as tab-separated text: a line of column names
    /// (`@timestamp`, then the query's fields), then a row per result.
    InsightsTable,
    /// `sam logs`: `<stream> <UTC time without zone> <message>`, a JSON message indented
    /// over the lines after it.
    SamLogs,
}

impl Wrapping {
    /// How the views name the wrapping: `S3 export`, `aws logs tail`.
    pub fn label(self) -> &'static str {
        match self {
            Wrapping::Raw => "lines",
            Wrapping::S3Export => "S3 export",
            Wrapping::TailDetailed => "aws logs tail",
            Wrapping::TailShort => "aws logs tail (short)",
            Wrapping::JsonDocument => "JSON document",
            Wrapping::InsightsCsv => "Logs Insights CSV",
            Wrapping::ClockTime => "lines with times of day",
            Wrapping::ConsoleTime => "console test output",
            Wrapping::MarkdownTable => "Markdown table",
            Wrapping::InsightsTable => "Logs Insights table (tab-separated)",
            Wrapping::SamLogs => "sam logs",
        }
    }
}

/// How the gateway's timeouts were paired with invocations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correlation {
    /// Paired through `integration.requestId`.
    pub by_request_id: u64,
    /// Paired through the X-Ray trace id.
    pub by_trace_id: u64,
    /// Paired by time and function.
    pub by_time: u64,
    /// Timed-out requests for which no invocation was found.
    pub unmatched_timeouts: u64,
    /// Paired invocations that had started cold.
    pub matched_cold: u64,
}

impl Correlation {
    pub fn matched(&self) -> u64 {
        self.by_request_id + self.by_trace_id + self.by_time
    }
}
