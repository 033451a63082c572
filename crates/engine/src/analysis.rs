//! Reading inputs into an [`Analysis`]: decoding, classifying each event, accumulating.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::access::{
    self, AccessError, AccessFormat, AccessParser, AccessRecord, ApiKind, Field, FieldSet, Latency,
};
use crate::aggregates::{AggregateFunction, Aggregates};
use crate::correlate::{self, Correlation, NotableExecution, NotableInvocation, NotableRequest};
use crate::decode::{self, Wrapping};
use crate::execution::{self, ExecutionLine};
use crate::findings::{self, Finding, WhatHappened};
use crate::histogram::Histogram;
use crate::input::{open_path, Compression, Counted, Error, Line, LineReader, Progress};
use crate::lambda::{self, LambdaLine};
use crate::settings::{Settings, DEFAULT_CEILING_MS, HTTP_API_CEILING_MS};
use crate::timeline::{Timeline, TimelineFigures};

/// Lines between two updates of the shared progress.
const PROGRESS_LINES: u64 = 8192;
/// How many line numbers a rejection keeps as examples.
const REJECTED_LINE_SAMPLES: usize = 5;
/// Notable requests and invocations kept for evidence and correlation, at most.
const NOTABLE_CAP: usize = 200_000;

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
}

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

impl Percentiles {
    fn of(histogram: &Histogram) -> Percentiles {
        Percentiles {
            measured: histogram.count(),
            p50_ms: histogram.percentile(50),
            p95_ms: histogram.percentile(95),
            p99_ms: histogram.percentile(99),
            max_ms: histogram.max(),
        }
    }
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
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RejectReason {
    Access(AccessError),
    Unrecognised,
    TooLong,
    Document,
    NoEvents,
}

impl RejectReason {
    fn describe(self) -> &'static str {
        match self {
            RejectReason::Access(AccessError::MalformedJson) => {
                "malformed or truncated JSON record"
            }
            RejectReason::Access(AccessError::NoStatus) => "JSON record without a status field",
            RejectReason::Access(AccessError::BadStatus) => "status is not an HTTP status code",
            RejectReason::Unrecognised => "not an API Gateway or Lambda log line",
            RejectReason::TooLong => "line longer than 16 MB",
            RejectReason::Document => "unreadable JSON document",
            RejectReason::NoEvents => "JSON document without log events",
        }
    }
}

#[derive(Debug, Clone, Default)]
struct RouteStats {
    requests: u64,
    timeouts: u64,
    bad_gateway: u64,
    latency: Histogram,
    paths: DistinctPaths,
    max_response_bytes: Option<u64>,
    large_responses: u64,
}

/// The concrete paths a GET route was asked for, to tell repeated identical requests.
#[derive(Debug, Clone, Default)]
enum DistinctPaths {
    /// No path seen (not a GET, or `$context.path` not logged).
    #[default]
    Unknown,
    Counting(FxHashSet<Box<[u8]>>),
    TooMany,
}

impl DistinctPaths {
    fn add(&mut self, path: &[u8]) {
        match self {
            DistinctPaths::Unknown => {
                *self = DistinctPaths::Counting(FxHashSet::from_iter([path.into()]));
            }
            DistinctPaths::Counting(paths) if !paths.contains(path) => {
                if paths.len() == DISTINCT_PATHS_CAP {
                    *self = DistinctPaths::TooMany;
                } else {
                    paths.insert(path.into());
                }
            }
            _ => {}
        }
    }

    fn merge(&mut self, other: DistinctPaths) {
        match other {
            DistinctPaths::Unknown => {}
            DistinctPaths::TooMany => *self = DistinctPaths::TooMany,
            DistinctPaths::Counting(paths) => {
                for path in paths {
                    self.add(&path);
                }
            }
        }
    }

    fn count(&self) -> Option<u64> {
        match self {
            DistinctPaths::Counting(paths) => Some(paths.len() as u64),
            _ => None,
        }
    }
}

/// Lambda figures, per function; the totals are their sums.
#[derive(Debug, Clone, Default)]
struct LambdaStats {
    /// "Task timed out" lines whose REPORT has not been read yet, by request id.
    pending_task_timeouts: HashMap<String, PendingTimeout>,
    functions: BTreeMap<String, FunctionStats>,
}

/// A "Task timed out" line waiting for its REPORT; if none comes, it stands for the
/// invocation.
#[derive(Debug, Clone)]
struct PendingTimeout {
    function: String,
    input: u32,
    line: u64,
    time_ms: Option<i64>,
    seconds: Option<f64>,
}

#[derive(Debug, Clone, Default)]
struct FunctionStats {
    source: String,
    invocations: u64,
    cold_starts: u64,
    timeouts: u64,
    /// Timed-out invocations per the timeout they show (whole seconds, in ms).
    timed_out_settings: BTreeMap<u32, u64>,
    duration: Histogram,
    max_init_ms: Option<f64>,
    /// In microseconds: integers add up the same in any order, so threads agree exactly.
    total_init_us: u64,
    runtime: Option<String>,
    memory_mb: Option<u32>,
    max_memory_used_mb: Option<u32>,
    memory_pressure: u64,
    init_failures: u64,
}

impl FunctionStats {
    fn merge(&mut self, other: FunctionStats) {
        if self.source.is_empty() {
            self.source = other.source;
        }
        self.invocations += other.invocations;
        self.cold_starts += other.cold_starts;
        self.timeouts += other.timeouts;
        for (setting, n) in other.timed_out_settings {
            *self.timed_out_settings.entry(setting).or_insert(0) += n;
        }
        self.duration.merge(&other.duration);
        self.max_init_ms = max_f64(self.max_init_ms, other.max_init_ms);
        self.total_init_us += other.total_init_us;
        self.runtime = self.runtime.take().or(other.runtime);
        self.memory_mb = self.memory_mb.max(other.memory_mb);
        self.max_memory_used_mb = self.max_memory_used_mb.max(other.max_memory_used_mb);
        self.memory_pressure += other.memory_pressure;
        self.init_failures += other.init_failures;
    }

    fn figures(self, function: String) -> FunctionFigures {
        FunctionFigures {
            function,
            source: self.source,
            invocations: self.invocations,
            cold_starts: self.cold_starts,
            timeouts: self.timeouts,
            timeout_ms: self.timed_out_settings.keys().next_back().copied(),
            duration: Percentiles::of(&self.duration),
            max_init_ms: self.max_init_ms,
            mean_init_ms: (self.cold_starts > 0)
                .then(|| self.total_init_us as f64 / 1000.0 / self.cold_starts as f64),
            runtime: self.runtime,
            memory_mb: self.memory_mb,
            max_memory_used_mb: self.max_memory_used_mb,
            memory_pressure: self.memory_pressure,
            init_failures: self.init_failures,
        }
    }
}

fn max_f64(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// What one input is being read into, until it is done.
struct InputState {
    index: u32,
    report: InputReport,
    rejections: BTreeMap<RejectReason, Rejection>,
    access_formats: BTreeMap<AccessFormat, u64>,
    kinds: BTreeMap<&'static str, u64>,
    /// Lines recognised as nothing (or as broken access records): rejected, unless the input
    /// turns out to be a Lambda log, where they are what the function printed.
    unrecognised: BTreeMap<RejectReason, Rejection>,
    saw_access: bool,
    saw_lambda: bool,
    /// The notable invocation of the last REPORT, for an XRAY line that follows it.
    last_invocation: Option<usize>,
    /// The function a Lambda log holds, named after the input.
    function: String,
    /// Access records whose fields have been noted in `fields_seen` so far.
    records_sampled: u32,
    /// The Logs Insights table whose rows the lines are, after its header line.
    table: Option<decode::InsightsTable>,
    /// Inside the header the Logs Insights console writes above a Markdown copy.
    in_insights_preamble: bool,
    /// The last line's event may go on over the next lines (see [`EventEnd::Open`]).
    open_event: bool,
    /// The event being read is from a function's log group, as its document says.
    from_lambda_group: bool,
}

/// What an event turned out to be, for the lines after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventEnd {
    /// Complete in itself.
    Closed,
    /// An execution-log line or a function's own log line: the lines after it that are
    /// nothing of their own (a request body, a stack trace) belong to it. CloudWatch keeps
    /// such an event whole; a plain-text copy spreads it over lines.
    Open,
    /// One of those lines, part of the event before it.
    Continued,
}

/// The access records of each input whose fields are noted, to tell which fields the
/// stage's format has.
const FIELD_SAMPLE_RECORDS: u32 = 1_000;

/// Reads inputs one after another and accumulates what they hold.
#[derive(Debug, Clone)]
pub struct Analyzer {
    settings: Settings,
    parser: AccessParser,
    notable_threshold_ms: u32,
    requests: u64,
    status: BTreeMap<u16, u64>,
    requests_without_status: u64,
    api_kinds: BTreeMap<ApiKind, u64>,
    integration_timeouts: u64,
    bad_gateway: u64,
    overall: Histogram,
    /// Integration latency of requests that did not time out, for near-ceiling counts.
    integration: Histogram,
    routes: FxHashMap<String, RouteStats>,
    window: Option<Window>,
    timeline: Timeline,
    lambda: Option<LambdaStats>,
    execution: Option<ExecutionFigures>,
    notable_requests: Vec<NotableRequest>,
    notable_invocations: Vec<NotableInvocation>,
    notable_execution: Vec<NotableExecution>,
    /// The access-log fields seen in sampled records.
    fields_seen: FieldSet,
    /// A server's counts over the whole window, when only the notable records were read.
    aggregates: Option<Aggregates>,
    /// The same, for functions whose logs were counted rather than downloaded.
    function_aggregates: Vec<AggregateFunction>,
    inputs: Vec<InputReport>,
    /// Reused for route names, so that a known route costs no allocation.
    route_scratch: String,
    progress: Arc<Progress>,
}

impl Analyzer {
    pub fn new(settings: Settings) -> Self {
        Analyzer {
            parser: AccessParser::new(settings.access_format.clone()),
            notable_threshold_ms: settings.evidence_from_ms() as u32,
            settings,
            requests: 0,
            status: BTreeMap::new(),
            requests_without_status: 0,
            api_kinds: BTreeMap::new(),
            integration_timeouts: 0,
            bad_gateway: 0,
            overall: Histogram::default(),
            integration: Histogram::default(),
            routes: FxHashMap::default(),
            window: None,
            timeline: Timeline::default(),
            lambda: None,
            execution: None,
            notable_requests: Vec::new(),
            notable_invocations: Vec::new(),
            notable_execution: Vec::new(),
            fields_seen: FieldSet::default(),
            aggregates: None,
            function_aggregates: Vec::new(),
            inputs: Vec::new(),
            route_scratch: String::new(),
            progress: Arc::new(Progress::default()),
        }
    }

    /// The analysis of what was read so far, leaving the analyzer to read on: what a window
    /// shows while the rest is still being read.
    pub fn snapshot(&self) -> Analysis {
        self.clone().finish()
    }

    /// The reading's progress and its cancel switch, to hand to another thread.
    pub fn progress(&self) -> Arc<Progress> {
        Arc::clone(&self.progress)
    }

    /// Reads a file (gzip or plain), or stdin for `-`.
    pub fn read_path(&mut self, path: &Path) -> Result<(), Error> {
        let reader = open_path(path)?;
        let name = if path.as_os_str() == "-" {
            "stdin".to_owned()
        } else {
            path.display().to_string()
        };
        self.read(&name, reader)
    }

    /// Reads one input from any reader. On a read error (a truncated gzip, a device gone),
    /// what was read before it stays in the analysis, the input's report says where reading
    /// stopped, and the error names the input and the last line read.
    pub fn read(&mut self, name: &str, reader: impl Read) -> Result<(), Error> {
        let mut state = self.start_input(name);
        let outcome = self.read_into(&mut state, reader, true);
        self.finish_input(state);
        outcome
    }

    /// Reads lines from `reader` into `state`. With `whole_input`, the first line may open a
    /// JSON document or a CSV export, which is then read whole.
    fn read_into(
        &mut self,
        state: &mut InputState,
        reader: impl Read,
        whole_input: bool,
    ) -> Result<(), Error> {
        let name = state.report.name.clone();
        let read_error = |line, source| Error::Read {
            name: name.clone(),
            line,
            source,
        };
        let reader = Counted {
            inner: reader,
            progress: Arc::clone(&self.progress),
        };
        let mut lines = match LineReader::new(reader) {
            Ok(lines) => lines,
            Err(source) => {
                let error = read_error(0, source);
                state.report.error = Some(error.to_string());
                return Err(error);
            }
        };
        state.report.compression = lines.compression();
        let mut line = Vec::with_capacity(4096);
        let mut first = whole_input;
        // what the shared progress has been told of this input so far
        let mut told = (0, self.requests, self.integration_timeouts);
        let outcome = loop {
            if state.report.lines - told.0 >= PROGRESS_LINES {
                self.tell_progress(state, &mut told);
            }
            if self.progress.is_cancelled() {
                break Err(Error::Cancelled {
                    name: name.clone(),
                    line: lines.line_number(),
                });
            }
            let outcome = match lines.next_line(&mut line) {
                Ok(outcome) => outcome,
                Err(source) => break Err(read_error(lines.line_number(), source)),
            };
            let number = lines.line_number();
            match outcome {
                Line::End => break Ok(()),
                Line::TooLong => {
                    state.report.lines += 1;
                    state.report.events += 1;
                    reject(state, RejectReason::TooLong, number);
                    continue;
                }
                Line::Read => {}
            }
            state.report.lines += 1;
            if line.trim_ascii().is_empty() {
                state.report.blank_lines += 1;
                continue;
            }
            if first {
                first = false;
                let csv = decode::is_insights_csv_header(&line);
                if csv || decode::opens_document(&line) {
                    line.push(b'\n');
                    if let Err(source) = lines.read_rest(&mut line) {
                        break Err(read_error(lines.line_number(), source));
                    }
                    state.report.lines +=
                        memchr::memchr_iter(b'\n', &line[..line.len() - 1]).count() as u64;
                    self.read_document(state, &line, number, csv);
                    break Ok(());
                }
            }
            self.text_line(state, number, &line);
        };
        self.tell_progress(state, &mut told);
        if let Err(error) = &outcome {
            state.report.error = Some(error.to_string());
        }
        outcome
    }

    /// Reads a file with up to `threads` threads. A large plain file is cut at line breaks
    /// into one chunk per thread, each chunk read by an analyzer of its own, and the results
    /// merged in order: the analysis is the one a single thread gives. Gzip, documents, stdin
    /// and small files are read on this thread.
    pub fn read_path_with_threads(&mut self, path: &Path, threads: usize) -> Result<(), Error> {
        let chunks = match chunk_boundaries(path, threads) {
            Ok(Some(chunks)) => chunks,
            Ok(None) => return self.read_path(path),
            Err(source) => {
                return Err(Error::Open {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        let name = path.display().to_string();
        let index = self.inputs.len() as u32;
        let results: Vec<(Analyzer, InputState, Result<(), Error>)> = std::thread::scope(|scope| {
            let workers: Vec<_> = chunks
                .windows(2)
                .map(|range| {
                    let (start, end) = (range[0], range[1]);
                    let (settings, name) = (self.settings.clone(), name.clone());
                    let progress = self.progress();
                    scope.spawn(move || {
                        let mut worker = Analyzer::new(settings);
                        worker.progress = progress;
                        let mut state = worker.start_input(&name);
                        state.index = index;
                        let outcome = open_range(path, start, end)
                            .map_err(|source| Error::Open {
                                path: name.clone(),
                                source,
                            })
                            .and_then(|reader| worker.read_into(&mut state, reader, false));
                        (worker, state, outcome)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a reading thread panicked"))
                .collect()
        });
        let mut merged = self.start_input(&name);
        let mut outcome = Ok(());
        let mut line_offset = 0;
        for (worker, state, result) in results {
            let lines = state.report.lines;
            self.absorb(worker, line_offset);
            merged.absorb(state, line_offset);
            line_offset += lines;
            if outcome.is_ok() {
                outcome = result;
            }
        }
        self.finish_input(merged);
        outcome
    }

    /// Adds the lines, requests and timeouts read since `told` to the shared progress.
    fn tell_progress(&self, state: &InputState, told: &mut (u64, u64, u64)) {
        self.progress.add(
            state.report.lines - told.0,
            self.requests - told.1,
            self.integration_timeouts - told.2,
        );
        *told = (state.report.lines, self.requests, self.integration_timeouts);
    }

    /// Adds what another analyzer read from a later part of the same input, whose line
    /// numbers start after `line_offset` lines of this one.
    fn absorb(&mut self, other: Analyzer, line_offset: u64) {
        self.requests += other.requests;
        for (status, n) in other.status {
            *self.status.entry(status).or_insert(0) += n;
        }
        self.requests_without_status += other.requests_without_status;
        for (kind, n) in other.api_kinds {
            *self.api_kinds.entry(kind).or_insert(0) += n;
        }
        self.integration_timeouts += other.integration_timeouts;
        self.bad_gateway += other.bad_gateway;
        self.overall.merge(&other.overall);
        self.integration.merge(&other.integration);
        for (route, stats) in other.routes {
            let mine = self.routes.entry(route).or_default();
            mine.requests += stats.requests;
            mine.timeouts += stats.timeouts;
            mine.bad_gateway += stats.bad_gateway;
            mine.latency.merge(&stats.latency);
            mine.paths.merge(stats.paths);
            mine.max_response_bytes = mine.max_response_bytes.max(stats.max_response_bytes);
            mine.large_responses += stats.large_responses;
        }
        self.fields_seen.extend(other.fields_seen);
        if let Some(theirs) = other.window {
            let window = self.window.get_or_insert(theirs);
            window.start_ms = window.start_ms.min(theirs.start_ms);
            window.end_ms = window.end_ms.max(theirs.end_ms);
        }
        self.timeline.merge(other.timeline);
        if let Some(theirs) = other.lambda {
            let mine = self.lambda.get_or_insert_with(LambdaStats::default);
            for (function, stats) in theirs.functions {
                mine.functions.entry(function).or_default().merge(stats);
            }
            // A "Task timed out" line whose REPORT fell in a later part stays pending, and is
            // counted as a timeout at the end, as the REPORT would have been.
            mine.pending_task_timeouts
                .extend(theirs.pending_task_timeouts);
        }
        if let Some(theirs) = other.execution {
            let mine = self.execution.get_or_insert_with(ExecutionFigures::default);
            mine.lines += theirs.lines;
            mine.timeouts += theirs.timeouts;
            for (status, n) in theirs.completed {
                *mine.completed.entry(status).or_insert(0) += n;
            }
        }
        let room = NOTABLE_CAP.saturating_sub(self.notable_requests.len());
        self.notable_requests
            .extend(other.notable_requests.into_iter().take(room).map(|mut r| {
                r.line += line_offset;
                r
            }));
        let room = NOTABLE_CAP.saturating_sub(self.notable_execution.len());
        self.notable_execution
            .extend(other.notable_execution.into_iter().take(room).map(|mut e| {
                e.line += line_offset;
                e
            }));
        let room = NOTABLE_CAP.saturating_sub(self.notable_invocations.len());
        self.notable_invocations
            .extend(
                other
                    .notable_invocations
                    .into_iter()
                    .take(room)
                    .map(|mut i| {
                        i.line += line_offset;
                        i
                    }),
            );
    }

    /// One line of a line-oriented input: its wrapper's prefix off, then the event.
    fn text_line(&mut self, state: &mut InputState, number: u64, line: &[u8]) {
        if self.table_line(state, number, line) {
            return;
        }
        if decode::opens_insights_preamble(line) || state.in_insights_preamble {
            state.in_insights_preamble = !decode::closes_insights_preamble(line);
            state.report.ignored += 1;
            *state
                .kinds
                .entry("Logs Insights export header (ignored)")
                .or_insert(0) += 1;
            return;
        }
        if decode::is_paste_markup(line) {
            state.report.ignored += 1;
            *state
                .kinds
                .entry("markup around pasted logs (ignored)")
                .or_insert(0) += 1;
            return;
        }
        let (wrapping, time_ms, message) = decode::strip_prefix(line);
        if state.report.events == 0 {
            state.report.wrapping = wrapping;
        } else if wrapping == Wrapping::Raw && state.report.wrapping != Wrapping::Raw {
            // A line without the wrapper's prefix continues the event before it.
            state.report.ignored += 1;
            *state
                .kinds
                .entry("continuation lines of multi-line events")
                .or_insert(0) += 1;
            return;
        }
        let open = state.open_event && wrapping == Wrapping::Raw;
        let end = self.event(state, number, time_ms, message, open);
        if end == EventEnd::Continued {
            state.report.ignored += 1;
            *state
                .kinds
                .entry("continuation lines of multi-line events")
                .or_insert(0) += 1;
        } else {
            state.report.events += 1;
        }
        state.open_event = end != EventEnd::Closed;
    }

    /// A line of a Logs Insights table copied as tab-separated text, if it is one: the
    /// header (which opens the table), or a row (an event where the table has `@message`,
    /// else an access record from the columns it has). Any other line closes the table.
    fn table_line(&mut self, state: &mut InputState, number: u64, line: &[u8]) -> bool {
        if let Some(table) = decode::InsightsTable::of_header(line) {
            if state.report.events == 0 {
                state.report.wrapping = Wrapping::InsightsTable;
            }
            state.table = Some(table);
            state.report.ignored += 1;
            *state
                .kinds
                .entry("Logs Insights table headers (ignored)")
                .or_insert(0) += 1;
            return true;
        }
        let Some(table) = state.table.take() else {
            return false;
        };
        let Some(row) = table.row(line) else {
            // the table ends here, unless this is an elision inside it
            if decode::is_paste_markup(line) && !line.trim_ascii().starts_with(b"#") {
                state.table = Some(table);
            }
            return false;
        };
        state.report.events += 1;
        if let Some(&(_, message)) = row.cells.iter().find(|(name, _)| *name == "@message") {
            self.event(state, number, row.time_ms, message, false);
        } else {
            let mut record = AccessRecord::default();
            if access::record_of_cells(&row.cells, &mut record) {
                *state
                    .access_formats
                    .entry(AccessFormat::InsightsTable)
                    .or_insert(0) += 1;
                state.saw_access = true;
                self.access_record(state, number, row.time_ms, &record);
            } else {
                note(&mut state.unrecognised, RejectReason::Unrecognised, number);
            }
        }
        state.table = Some(table);
        true
    }

    fn start_input(&mut self, name: &str) -> InputState {
        InputState {
            index: self.inputs.len() as u32,
            report: InputReport {
                name: name.to_owned(),
                compression: Compression::None,
                wrapping: Wrapping::Raw,
                lines: 0,
                events: 0,
                records: 0,
                kinds: BTreeMap::new(),
                ignored: 0,
                blank_lines: 0,
                rejected: Vec::new(),
                error: None,
            },
            rejections: BTreeMap::new(),
            access_formats: BTreeMap::new(),
            kinds: BTreeMap::new(),
            unrecognised: BTreeMap::new(),
            saw_access: false,
            saw_lambda: false,
            last_invocation: None,
            function: function_name(name),
            records_sampled: 0,
            table: None,
            in_insights_preamble: false,
            open_event: false,
            from_lambda_group: false,
        }
    }

    fn finish_input(&mut self, mut state: InputState) {
        let unrecognised: u64 = state.unrecognised.values().map(|r| r.count).sum();
        if state.saw_lambda && !state.saw_access {
            state.report.ignored += unrecognised;
            if unrecognised > 0 {
                *state
                    .kinds
                    .entry("Lambda application lines (ignored)")
                    .or_insert(0) += unrecognised;
            }
        } else {
            for (reason, pending) in std::mem::take(&mut state.unrecognised) {
                let rejection = state.rejections.entry(reason).or_insert_with(|| Rejection {
                    reason: reason.describe().to_owned(),
                    count: 0,
                    first_lines: Vec::new(),
                });
                rejection.count += pending.count;
                rejection.first_lines.extend(pending.first_lines);
                rejection.first_lines.sort_unstable();
                rejection.first_lines.truncate(REJECTED_LINE_SAMPLES);
            }
        }
        let given = self.parser.given();
        for (format, count) in state.access_formats {
            state.report.kinds.insert(format.describe(given), count);
        }
        for (kind, count) in state.kinds {
            state.report.kinds.insert(kind.to_owned(), count);
        }
        let classified: u64 = state.report.kinds.values().sum();
        state.report.records = classified - state.report.ignored;
        state.report.rejected = state.rejections.into_values().collect();
        self.inputs.push(state.report);
    }

    fn read_document(&mut self, state: &mut InputState, bytes: &[u8], first_line: u64, csv: bool) {
        state.report.wrapping = if csv {
            Wrapping::InsightsCsv
        } else {
            Wrapping::JsonDocument
        };
        let events = if csv {
            decode::insights_csv_events(bytes).map(|events| decode::DocumentEvents {
                events,
                control_messages: 0,
            })
        } else {
            decode::document_events(bytes)
        };
        match events {
            Ok(document) if document.events.is_empty() && document.control_messages == 0 => {
                state.report.events += 1;
                reject(state, RejectReason::NoEvents, first_line);
            }
            Ok(document) => {
                ignore_control_messages(state, document.control_messages);
                for (index, event) in document.events.iter().enumerate() {
                    state.report.events += 1;
                    self.document_event(state, index as u64 + 1, event);
                }
            }
            Err(reason) if csv => {
                state.report.events += 1;
                reject(state, RejectReason::Document, 1);
                state.report.error = Some(reason);
            }
            // Pretty-printed records one after another, some of them broken: each block
            // between blank lines is a document of its own.
            Err(_)
                if blank_line_blocks(bytes)
                    .all(|(_, block)| block.trim_ascii_start().starts_with(b"{")) =>
            {
                for (offset, block) in blank_line_blocks(bytes) {
                    let number = first_line + offset;
                    match decode::document_events(block) {
                        Ok(document) => {
                            for event in &document.events {
                                state.report.events += 1;
                                self.document_event(state, number, event);
                            }
                        }
                        Err(_) => {
                            state.report.events += 1;
                            reject(state, RejectReason::Document, number);
                        }
                    }
                }
            }
            // Not one JSON document after all (say, an invoke response printed before the
            // function's log lines): read it line by line.
            Err(_) => {
                state.report.wrapping = Wrapping::Raw;
                let text = bytes.strip_suffix(b"\n").unwrap_or(bytes);
                for (index, line) in text.split(|b| *b == b'\n').enumerate() {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    if line.trim_ascii().is_empty() {
                        state.report.blank_lines += 1;
                        continue;
                    }
                    self.text_line(state, first_line + index as u64, line);
                }
            }
        }
    }

    /// Classifies one event and adds it to the figures.
    /// Reads one event. With `open`, the event before it may go on (see [`EventEnd`]), and a
    /// line that is nothing of its own is taken as part of it, for the caller to count.
    fn event(
        &mut self,
        state: &mut InputState,
        number: u64,
        time_ms: Option<i64>,
        message: &[u8],
        open: bool,
    ) -> EventEnd {
        let message = message.trim_ascii();
        if message.is_empty() {
            state.report.ignored += 1;
            *state.kinds.entry("empty messages (ignored)").or_insert(0) += 1;
            return EventEnd::Closed;
        }
        if starts_with_platform_word(message) {
            if let Some(line) = lambda::parse(message) {
                self.lambda_line(state, number, time_ms, line);
                return EventEnd::Closed;
            }
        }
        let mut record = AccessRecord::default();
        match self.parser.parse(message, &mut record) {
            Some((format, Ok(()))) => {
                *state.access_formats.entry(format).or_insert(0) += 1;
                state.saw_access = true;
                self.access_record(state, number, time_ms, &record);
            }
            Some((_, Err(error))) => {
                if message.starts_with(b"{") {
                    if let Some(line) = lambda::parse(message) {
                        self.lambda_line(state, number, time_ms, line);
                        return EventEnd::Closed;
                    }
                    if decode::is_wrapper_line(message) {
                        self.wrapped_events(state, number, message);
                        return EventEnd::Closed;
                    }
                }
                return unrecognised(state, RejectReason::Access(error), number, message, open);
            }
            None => {
                if let Some(line) = lambda::parse(message) {
                    let application = line == LambdaLine::Application;
                    self.lambda_line(state, number, time_ms, line);
                    if application {
                        return EventEnd::Open;
                    }
                } else if let Some(line) = execution::parse(message) {
                    self.execution_line(state, number, message, line);
                    return EventEnd::Open;
                } else {
                    return unrecognised(state, RejectReason::Unrecognised, number, message, open);
                }
            }
        }
        EventEnd::Closed
    }

    /// An event of a document. One that names a function's log group (a fetch of several
    /// groups saved in one file) is that function's, whatever the input is called.
    fn document_event(&mut self, state: &mut InputState, number: u64, event: &decode::OwnedEvent) {
        let function = event
            .group
            .as_deref()
            .and_then(|group| group.strip_prefix("/aws/lambda/"));
        let input_function = function.map(|f| std::mem::replace(&mut state.function, f.to_owned()));
        state.from_lambda_group = function.is_some();
        self.event(
            state,
            number,
            event.time_ms,
            event.message.as_bytes(),
            false,
        );
        state.from_lambda_group = false;
        if let Some(input_function) = input_function {
            state.function = input_function;
        }
    }

    /// A one-line subscription payload or filter-log-events document among lines.
    fn wrapped_events(&mut self, state: &mut InputState, number: u64, message: &[u8]) {
        match decode::document_events(message) {
            Ok(document) if document.events.is_empty() && document.control_messages == 0 => {
                reject(state, RejectReason::NoEvents, number)
            }
            Ok(document) => {
                ignore_control_messages(state, document.control_messages);
                for event in &document.events {
                    self.document_event(state, number, event);
                }
            }
            Err(_) => reject(state, RejectReason::Document, number),
        }
    }

    fn access_record(
        &mut self,
        state: &mut InputState,
        number: u64,
        event_time: Option<i64>,
        record: &AccessRecord<'_>,
    ) {
        let Ok(status) = record.logged_status() else {
            return;
        };
        if !self.settings.focus.is_everything() {
            route_name(record, &mut self.route_scratch);
            let time = record.time_ms().or(event_time);
            if !self.settings.focus.holds(&self.route_scratch, time) {
                *state
                    .kinds
                    .entry("requests outside the focus (set aside)")
                    .or_insert(0) += 1;
                state.report.ignored += 1;
                return;
            }
        }
        self.requests += 1;
        match status {
            Some(status) => *self.status.entry(status).or_insert(0) += 1,
            None => self.requests_without_status += 1,
        }
        let api = record.api_kind();
        *self.api_kinds.entry(api).or_insert(0) += 1;

        let timed_out = is_gateway_timeout(record, status, api, self.notable_threshold_ms);
        let latency = record.response_latency_ms();
        let integration = record.integration_latency();
        self.integration_timeouts += u64::from(timed_out);
        self.bad_gateway += u64::from(status == Some(502));
        if let (Latency::Ms(ms), false) = (integration, timed_out) {
            self.integration.record(ms);
        }
        if let Some(ms) = latency {
            self.overall.record(ms);
        }

        route_name(record, &mut self.route_scratch);
        let route = match self.routes.get_mut(self.route_scratch.as_str()) {
            Some(route) => route,
            None => self.routes.entry(self.route_scratch.clone()).or_default(),
        };
        route.requests += 1;
        route.timeouts += u64::from(timed_out);
        route.bad_gateway += u64::from(status == Some(502));
        if let Some(ms) = latency {
            route.latency.record(ms);
        }
        if self.route_scratch.starts_with("GET ") {
            if let Some(path) = record.bytes(Field::Path) {
                route.paths.add(path);
            }
        }
        if let Some(bytes) = record.response_length() {
            route.max_response_bytes = route.max_response_bytes.max(Some(bytes));
            route.large_responses +=
                u64::from(bytes >= self.settings.thresholds.large_response_bytes);
        }
        if state.records_sampled < FIELD_SAMPLE_RECORDS {
            state.records_sampled += 1;
            self.fields_seen.note(record);
        }

        let time_ms = record.time_ms().or(event_time);
        if let Some(time) = time_ms {
            let window = self.window.get_or_insert(Window {
                start_ms: time,
                end_ms: time,
            });
            window.start_ms = window.start_ms.min(time);
            window.end_ms = window.end_ms.max(time);
            self.timeline.record(time, latency, timed_out);
        }

        let integration_ms = match integration {
            Latency::Ms(ms) => Some(ms),
            _ => None,
        };
        let notable = timed_out
            || status == Some(502)
            || integration_ms
                .or(latency)
                .is_some_and(|ms| ms >= self.notable_threshold_ms);
        if notable && self.notable_requests.len() < NOTABLE_CAP {
            let text = |field| {
                record
                    .bytes(field)
                    .map(|raw| String::from_utf8_lossy(raw).into_owned())
            };
            self.notable_requests.push(NotableRequest {
                input: state.index,
                line: number,
                route: self.route_scratch.clone(),
                time_ms,
                time_precision_ms: if record.has_precise_time() { 1 } else { 1000 },
                status,
                response_latency_ms: latency,
                integration_latency_ms: integration_ms,
                timed_out,
                // the integration's own message is the most specific, when the log has it
                error: record
                    .bytes(Field::IntegrationError)
                    .or_else(|| record.error_message())
                    .or_else(|| record.bytes(Field::ErrorResponseType))
                    .map(|raw| String::from_utf8_lossy(raw).into_owned()),
                request_id: text(Field::RequestId),
                integration_request_id: text(Field::IntegrationRequestId),
                trace_id: text(Field::XrayTraceId),
            });
        }
    }

    fn lambda_line(
        &mut self,
        state: &mut InputState,
        number: u64,
        time_ms: Option<i64>,
        line: LambdaLine<'_>,
    ) {
        state.saw_lambda = true;
        let lambda = self.lambda.get_or_insert_with(LambdaStats::default);
        let function = match lambda.functions.get_mut(state.function.as_str()) {
            Some(function) => function,
            None => lambda
                .functions
                .entry(state.function.clone())
                .or_insert_with(|| FunctionStats {
                    source: state.report.name.clone(),
                    ..FunctionStats::default()
                }),
        };
        let kind = match line {
            LambdaLine::Report(_) if !self.settings.focus.holds_time(time_ms) => {
                state.report.ignored += 1;
                "invocations outside the focus (set aside)"
            }
            LambdaLine::Report(report) => {
                function.invocations += 1;
                let id = String::from_utf8_lossy(report.request_id);
                let timed_out =
                    report.timed_out | lambda.pending_task_timeouts.remove(id.as_ref()).is_some();
                function
                    .duration
                    .record(report.duration_ms.round().min(f64::from(u32::MAX)) as u32);
                if let Some(init) = report.init_ms {
                    function.cold_starts += 1;
                    function.total_init_us += (init * 1000.0).round() as u64;
                    function.max_init_ms = max_f64(function.max_init_ms, Some(init));
                }
                if let Some(size) = report.memory_mb {
                    function.memory_mb = function.memory_mb.max(Some(size));
                }
                if let Some(used) = report.max_memory_mb {
                    function.max_memory_used_mb = function.max_memory_used_mb.max(Some(used));
                }
                if let (Some(size), Some(used)) = (report.memory_mb, report.max_memory_mb) {
                    let threshold = f64::from(self.settings.thresholds.memory_percent) / 100.0;
                    function.memory_pressure +=
                        u64::from(f64::from(used) >= threshold * f64::from(size));
                }
                if timed_out {
                    function.timeouts += 1;
                    // Lambda timeouts are whole seconds and a timed-out invocation overruns
                    // its timeout by well under one: the whole seconds are the setting.
                    let setting_ms = (report.duration_ms / 1000.0).floor() as u32 * 1000;
                    *function.timed_out_settings.entry(setting_ms).or_insert(0) += 1;
                }
                let total_ms = report.duration_ms + report.init_ms.unwrap_or(0.0);
                state.last_invocation = None;
                if (timed_out || total_ms >= f64::from(self.notable_threshold_ms))
                    && self.notable_invocations.len() < NOTABLE_CAP
                {
                    state.last_invocation = Some(self.notable_invocations.len());
                    self.notable_invocations.push(NotableInvocation {
                        input: state.index,
                        line: number,
                        request_id: id.into_owned(),
                        start_ms: time_ms.map(|end| end - report.duration_ms.round() as i64),
                        duration_ms: report.duration_ms,
                        init_ms: report.init_ms,
                        timed_out,
                        trace_id: report
                            .trace_id
                            .map(|t| String::from_utf8_lossy(t).into_owned()),
                    });
                }
                "Lambda REPORT"
            }
            LambdaLine::TaskTimedOut {
                request_id,
                seconds,
            } => {
                lambda.pending_task_timeouts.insert(
                    String::from_utf8_lossy(request_id).into_owned(),
                    PendingTimeout {
                        function: state.function.clone(),
                        input: state.index,
                        line: number,
                        time_ms,
                        seconds,
                    },
                );
                "Lambda timeout lines"
            }
            LambdaLine::InitStart { runtime } => {
                if let (None, Some(runtime)) = (&function.runtime, runtime) {
                    function.runtime = Some(String::from_utf8_lossy(runtime).into_owned());
                }
                "Lambda platform lines"
            }
            LambdaLine::InitFailed { .. } => {
                function.init_failures += 1;
                "Lambda platform lines"
            }
            LambdaLine::Xray { trace_id } => {
                if let Some(invocation) = state
                    .last_invocation
                    .and_then(|i| self.notable_invocations.get_mut(i))
                {
                    invocation.trace_id = Some(String::from_utf8_lossy(trace_id).into_owned());
                }
                "Lambda platform lines"
            }
            LambdaLine::Platform => "Lambda platform lines",
            LambdaLine::Application => {
                state.report.ignored += 1;
                "Lambda application lines (ignored)"
            }
        };
        *state.kinds.entry(kind).or_insert(0) += 1;
    }

    fn execution_line(
        &mut self,
        state: &mut InputState,
        number: u64,
        message: &[u8],
        line: ExecutionLine,
    ) {
        let figures = self.execution.get_or_insert_with(ExecutionFigures::default);
        figures.lines += 1;
        match line {
            ExecutionLine::Timeout => {
                figures.timeouts += 1;
                if self.notable_execution.len() < NOTABLE_CAP {
                    self.notable_execution.push(NotableExecution {
                        input: state.index,
                        line: number,
                        request_id: execution::request_id(message)
                            .map(|id| String::from_utf8_lossy(id).into_owned()),
                    });
                }
            }
            ExecutionLine::Completed { status } => {
                *figures.completed.entry(status).or_insert(0) += 1
            }
            ExecutionLine::Step => {}
        }
        *state.kinds.entry("execution log").or_insert(0) += 1;
    }

    /// "Task timed out" lines whose REPORT never came are timed-out invocations too, lasting
    /// as long as the line says.
    fn settle_pending_timeouts(&mut self) {
        let Some(lambda) = self.lambda.as_mut() else {
            return;
        };
        let mut pending: Vec<(String, PendingTimeout)> =
            lambda.pending_task_timeouts.drain().collect();
        pending.sort_by_key(|(_, p)| (p.input, p.line));
        for (request_id, timeout) in pending {
            let function = lambda.functions.entry(timeout.function).or_default();
            function.timeouts += 1;
            let duration_ms = timeout.seconds.map_or(0.0, |s| s * 1000.0);
            if timeout.seconds.is_some() {
                let setting_ms = timeout.seconds.unwrap_or(0.0).floor() as u32 * 1000;
                *function.timed_out_settings.entry(setting_ms).or_insert(0) += 1;
            }
            if self.notable_invocations.len() < NOTABLE_CAP {
                self.notable_invocations.push(NotableInvocation {
                    input: timeout.input,
                    line: timeout.line,
                    request_id,
                    start_ms: timeout.time_ms.map(|end| end - duration_ms.round() as i64),
                    duration_ms,
                    init_ms: None,
                    timed_out: true,
                    trace_id: None,
                });
            }
        }
    }

    /// The analysis of everything read so far.
    /// Takes a server's figures over the whole window (CloudWatch Logs Insights), for the
    /// analysis to put in place of the counts and percentiles of the records read, which
    /// are then the notable requests only. The analysis says which figures are approximate.
    pub fn set_aggregates(&mut self, aggregates: Aggregates) {
        self.aggregates = Some(aggregates);
    }

    /// Takes a server's counts of a function's invocations over the whole window, for the
    /// analysis to put in place of those of its records read (the notable ones only).
    pub fn add_function_aggregate(&mut self, aggregate: AggregateFunction) {
        self.function_aggregates.push(aggregate);
    }

    pub fn finish(mut self) -> Analysis {
        self.settle_pending_timeouts();
        let api = self
            .api_kinds
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(kind, _)| *kind);
        let ceiling_ms = self.settings.ceiling_ms.unwrap_or(match api {
            Some(ApiKind::Http) => HTTP_API_CEILING_MS,
            _ => DEFAULT_CEILING_MS,
        });
        let thresholds = &self.settings.thresholds;
        let near_ceiling = self.integration.count_at_or_above(
            (ceiling_ms * u64::from(thresholds.near_ceiling_percent)).div_ceil(100) as u32,
        );
        let rejected_lines = self
            .inputs
            .iter()
            .flat_map(|input| &input.rejected)
            .map(|rejection| rejection.count)
            .sum();
        let mut routes: Vec<RouteFigures> = self
            .routes
            .into_iter()
            .map(|(route, stats)| RouteFigures {
                route,
                requests: stats.requests,
                timeouts: stats.timeouts,
                bad_gateway: stats.bad_gateway,
                latency: Percentiles::of(&stats.latency),
                distinct_paths: stats.paths.count(),
                max_response_bytes: stats.max_response_bytes,
                large_responses: stats.large_responses,
            })
            .collect();
        routes.sort_by(|a, b| {
            b.timeouts
                .cmp(&a.timeouts)
                .then(b.latency.p99_ms.cmp(&a.latency.p99_ms))
                .then(a.route.cmp(&b.route))
        });
        let (correlation, pairs) = correlate::pair(
            &self.notable_requests,
            &self.notable_invocations,
            ceiling_ms,
        );
        let lambda = self.lambda.map(|stats| {
            let timeouts_above_ceiling = stats
                .functions
                .values()
                .flat_map(|f| f.timed_out_settings.range(ceiling_ms as u32 + 1..))
                .map(|(_, n)| n)
                .sum();
            let mut functions: Vec<FunctionFigures> = stats
                .functions
                .into_iter()
                .map(|(name, function)| function.figures(name))
                .collect();
            functions.sort_by(|a, b| {
                b.timeouts
                    .cmp(&a.timeouts)
                    .then(b.duration.p99_ms.cmp(&a.duration.p99_ms))
            });
            LambdaFigures {
                invocations: functions.iter().map(|f| f.invocations).sum(),
                cold_starts: functions.iter().map(|f| f.cold_starts).sum(),
                timeouts: functions.iter().map(|f| f.timeouts).sum(),
                timeouts_above_ceiling,
                outlived_gateway: correlation.matched(),
                gateway_timeouts_on_cold_start: correlation.matched_cold,
                max_init_ms: functions
                    .iter()
                    .filter_map(|f| f.max_init_ms)
                    .reduce(f64::max),
                memory_pressure: functions.iter().map(|f| f.memory_pressure).sum(),
                init_failures: functions.iter().map(|f| f.init_failures).sum(),
                functions,
            }
        });
        // Without an access log, the execution log tells the gateway's timeouts.
        let integration_timeouts = match &self.execution {
            Some(execution) if self.requests == 0 => execution.timeouts,
            _ => self.integration_timeouts,
        };
        let mut analysis = Analysis {
            ceiling_ms,
            api,
            requests: self.requests,
            rejected_lines,
            status: self.status,
            requests_without_status: self.requests_without_status,
            integration_timeouts,
            near_ceiling,
            bad_gateway: self.bad_gateway,
            overall: Percentiles::of(&self.overall),
            routes,
            lambda,
            execution: self.execution,
            correlation,
            window: self.window,
            timeline: self.timeline.figures(),
            inputs: self.inputs,
            what_happened: WhatHappened::default(),
            findings: Vec::new(),
            approximate: Vec::new(),
        };
        let timeouts = || {
            self.notable_requests
                .iter()
                .filter(|r| r.timed_out)
                .filter_map(|r| Some((r.route.as_str(), r.time_ms?)))
        };
        if let Some(aggregates) = self.aggregates.take() {
            aggregates.apply(&mut analysis, timeouts().map(|(_, time)| time));
        }
        for aggregate in std::mem::take(&mut self.function_aggregates) {
            aggregate.apply(&mut analysis);
        }
        analysis.timeline.add_route_timeouts(timeouts());
        let notes = findings::Notes {
            thresholds: &self.settings.thresholds,
            requests: &self.notable_requests,
            invocations: &self.notable_invocations,
            execution: &self.notable_execution,
            pairs: &pairs,
            fields: self.fields_seen,
        };
        analysis.findings = findings::assess(&analysis, &notes);
        analysis.what_happened = findings::what_happened(&analysis, &notes);
        analysis
    }
}

impl InputState {
    /// Adds the account of a later part of the same input.
    fn absorb(&mut self, other: InputState, line_offset: u64) {
        if self.report.lines == 0 && self.report.events == 0 {
            self.report.wrapping = other.report.wrapping;
            self.report.compression = other.report.compression;
        }
        self.report.lines += other.report.lines;
        self.report.events += other.report.events;
        self.report.ignored += other.report.ignored;
        self.report.blank_lines += other.report.blank_lines;
        if self.report.error.is_none() {
            self.report.error = other.report.error;
        }
        for (format, n) in other.access_formats {
            *self.access_formats.entry(format).or_insert(0) += n;
        }
        for (kind, n) in other.kinds {
            *self.kinds.entry(kind).or_insert(0) += n;
        }
        merge_rejections(&mut self.rejections, other.rejections, line_offset);
        merge_rejections(&mut self.unrecognised, other.unrecognised, line_offset);
        self.saw_access |= other.saw_access;
        self.saw_lambda |= other.saw_lambda;
    }
}

/// The function a Lambda log holds, from the input's name: `/aws/lambda/orders-fn` and
/// `exports/lambda-orders-fn.log.gz` are both `orders-fn`.
/// The function a Lambda log is of, from the input's name: the log group without
/// `/aws/lambda/`, or a file's name without `lambda-` and its extensions.
pub fn function_name(input: &str) -> String {
    let base = input.rsplit(['/', '\\']).next().unwrap_or(input);
    let mut stem = base;
    for extension in [".gz", ".log", ".txt", ".json", ".jsonl", ".ndjson", ".csv"] {
        stem = stem.strip_suffix(extension).unwrap_or(stem);
    }
    let stem = stem.strip_prefix("lambda-").unwrap_or(stem);
    if stem.is_empty() {
        input.to_owned()
    } else {
        stem.to_owned()
    }
}

fn merge_rejections(
    mine: &mut BTreeMap<RejectReason, Rejection>,
    theirs: BTreeMap<RejectReason, Rejection>,
    line_offset: u64,
) {
    for (reason, rejection) in theirs {
        let merged = mine.entry(reason).or_insert_with(|| Rejection {
            reason: rejection.reason.clone(),
            count: 0,
            first_lines: Vec::new(),
        });
        merged.count += rejection.count;
        merged
            .first_lines
            .extend(rejection.first_lines.iter().map(|line| line + line_offset));
        merged.first_lines.sort_unstable();
        merged.first_lines.truncate(REJECTED_LINE_SAMPLES);
    }
}

/// Files smaller than this are read by one thread: starting threads would cost more.
const PARALLEL_MIN_BYTES: u64 = 16 * 1024 * 1024;

/// Where to cut a plain file into `threads` chunks at line breaks (the first offset is 0,
/// the last the file's length), or `None` when it is to be read whole: stdin, one thread, a
/// small file, gzip, or a JSON document or CSV export.
fn chunk_boundaries(path: &Path, threads: usize) -> std::io::Result<Option<Vec<u64>>> {
    use std::io::{BufRead, BufReader, Seek, SeekFrom};
    if threads <= 1 || path.as_os_str() == "-" {
        return Ok(None);
    }
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len < PARALLEL_MIN_BYTES {
        return Ok(None);
    }
    let mut reader = BufReader::new(&mut file);
    let head = reader.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(None);
    }
    let first_line = head
        .split(|b| *b == b'\n')
        .find(|line| !line.trim_ascii().is_empty())
        .unwrap_or_default();
    if decode::opens_document(first_line) || decode::is_insights_csv_header(first_line) {
        return Ok(None);
    }
    let mut boundaries = vec![0];
    for k in 1..threads as u64 {
        reader.seek(SeekFrom::Start(len * k / threads as u64))?;
        let mut skipped = Vec::new();
        let read = reader.read_until(b'\n', &mut skipped)? as u64;
        let boundary = (len * k / threads as u64 + read).min(len);
        if boundary > *boundaries.last().unwrap() && boundary < len {
            boundaries.push(boundary);
        }
    }
    boundaries.push(len);
    Ok(Some(boundaries))
}

/// The bytes `start..end` of a file.
fn open_range(path: &Path, start: u64, end: u64) -> std::io::Result<impl Read> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    Ok(file.take(end - start))
}

/// The blocks of text between blank lines, each with the number of lines before it.
fn blank_line_blocks(bytes: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut start: Option<(u64, usize)> = None;
    let mut offset = 0;
    let mut blocks = Vec::new();
    for (line_number, line) in (0u64..).zip(bytes.split_inclusive(|b| *b == b'\n')) {
        if line.trim_ascii().is_empty() {
            if let Some((first, begin)) = start.take() {
                blocks.push((first, &bytes[begin..offset]));
            }
        } else if start.is_none() {
            start = Some((line_number, offset));
        }
        offset += line.len();
    }
    if let Some((first, begin)) = start {
        blocks.push((first, &bytes[begin..]));
    }
    blocks.into_iter()
}

/// Counts a subscription payload's CONTROL_MESSAGE events as known and irrelevant.
fn ignore_control_messages(state: &mut InputState, count: u64) {
    if count > 0 {
        state.report.ignored += count;
        *state
            .kinds
            .entry("subscription control messages (ignored)")
            .or_insert(0) += count;
    }
}

fn reject(state: &mut InputState, reason: RejectReason, number: u64) {
    note(&mut state.rejections, reason, number);
}

/// Counts a line under `reason`, keeping the first line numbers.
fn note(rejections: &mut BTreeMap<RejectReason, Rejection>, reason: RejectReason, number: u64) {
    let rejection = rejections.entry(reason).or_insert_with(|| Rejection {
        reason: reason.describe().to_owned(),
        count: 0,
        first_lines: Vec::new(),
    });
    rejection.count += 1;
    if rejection.first_lines.len() < REJECTED_LINE_SAMPLES {
        rejection.first_lines.push(number);
    }
}

/// A line that is no record: part of the open event before it, or noted as unrecognised
/// (rejected, or an application's line in a Lambda log), opening an event of its own when it
/// starts as an application's line does.
fn unrecognised(
    state: &mut InputState,
    reason: RejectReason,
    number: u64,
    message: &[u8],
    open: bool,
) -> EventEnd {
    if state.from_lambda_group {
        // what a function printed, whatever else the input holds
        state.report.ignored += 1;
        *state
            .kinds
            .entry("Lambda application lines (ignored)")
            .or_insert(0) += 1;
        return EventEnd::Closed;
    }
    if lambda::starts_application_line(message) {
        note(&mut state.unrecognised, reason, number);
        EventEnd::Open
    } else if open {
        EventEnd::Continued
    } else {
        note(&mut state.unrecognised, reason, number);
        EventEnd::Closed
    }
}

fn starts_with_platform_word(message: &[u8]) -> bool {
    [
        &b"REPORT "[..],
        b"START ",
        b"END ",
        b"INIT_",
        b"XRAY ",
        b"EXTENSION ",
        b"RESTORE_",
    ]
    .iter()
    .any(|word| message.starts_with(word))
}

/// Whether the gateway answered this request with an integration timeout.
///
/// REST and WebSocket APIs answer 504 (gateway response INTEGRATION_TIMEOUT); a 504 that the
/// backend itself returned through a proxy integration carries its own integration status and
/// a latency well below the ceiling, and is no gateway timeout. HTTP APIs answer 503 Service
/// Unavailable with no integration status.
fn is_gateway_timeout(
    record: &AccessRecord<'_>,
    status: Option<u16>,
    api: ApiKind,
    notable_ms: u32,
) -> bool {
    let said_timeout = record.bytes(Field::ErrorResponseType) == Some(b"INTEGRATION_TIMEOUT")
        || record
            .error_message()
            .is_some_and(|m| memchr::memmem::find(m, b"Endpoint request timed out").is_some());
    match status {
        Some(504) => {
            let backend_504 = record.integration_status() == Some(504)
                && matches!(record.integration_latency(), Latency::Ms(ms) if ms < notable_ms);
            said_timeout || !backend_504
        }
        Some(503) => {
            api == ApiKind::Http
                && record.integration_status().is_none()
                && record
                    .error_message()
                    .is_none_or(|m| m == b"Service Unavailable")
        }
        _ => said_timeout,
    }
}

/// `METHOD /resource/path` for REST, the route key for HTTP and WebSocket APIs, the concrete
/// path when the log has neither.
fn route_name(record: &AccessRecord<'_>, out: &mut String) {
    out.clear();
    let push = |out: &mut String, field| {
        if let Some(value) = record.text(field) {
            if value.escaped {
                crate::access::json::unescape(value.raw, out);
            } else {
                match std::str::from_utf8(value.raw) {
                    Ok(text) => out.push_str(text),
                    Err(_) => out.push_str(&String::from_utf8_lossy(value.raw)),
                }
            }
            true
        } else {
            false
        }
    };
    if record.has(Field::ResourcePath) || !record.has(Field::RouteKey) {
        if push(out, Field::HttpMethod) {
            out.push(' ');
        }
        if !push(out, Field::ResourcePath) && !push(out, Field::Path) {
            out.push_str("(no route in the log)");
        }
    } else if !push(out, Field::RouteKey) {
        out.push_str("(no route in the log)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of every kind the engine reads, for the robustness test below.
    const CORPUS: &[&str] = &[
        r#"{"requestId":"a","status":"504","integration":{"latency":"-","status":"-"},"error":{"messageString":""Endpoint request timed out""},"tags":[1,{"x":"y"},"z"]}"#,
        r#"<request id="a"><status>502</status><responseLatency>12</responseLatency></request>"#,
        r#"198.51.100.1 - - [06/Mar/2026:09:00:00 +0000] "GET /a HTTP/1.1" 200 12 rid ext="#,
        "requestId: a, status: 201, resourcePath: /x, y, responseLatency: 5",
        "2026-03-06T09:00:00.000Z REPORT RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 30000.00 ms\tInit Duration: 5.00 ms\tStatus: timeout",
        r#"{"time":"2026-07-09T06:05:50.581Z","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":5000.0},"status":"timeout"}}"#,
        r#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"START RequestId: a"}]}"#,
        "(fbcaf9e5-d535-40a1-891c-7b70118cf7e8) Execution failed due to a timeout error",
        "2026-03-06T09:00:00.531000+00:00 2026/03/06/[$LATEST]abc Task timed out after 30.02 seconds",
    ];

    /// Every prefix of every line, and every line with each byte replaced, is read without a
    /// panic or a hang, and every line is accounted for.
    #[test]
    fn no_cut_or_corrupted_line_breaks_the_reader() {
        let mut mangled = Vec::new();
        for line in CORPUS {
            let bytes = line.as_bytes();
            for cut in 0..bytes.len() {
                mangled.push(bytes[..cut].to_vec());
            }
            for (i, replacement) in bytes
                .iter()
                .enumerate()
                .map(|(i, _)| (i, [b'"', b'}', b']', b'\\', 0xff][i % 5]))
            {
                let mut copy = bytes.to_vec();
                copy[i] = replacement;
                mangled.push(copy);
            }
        }
        let mut input = Vec::new();
        for line in &mangled {
            input.extend_from_slice(line);
            input.push(b'\n');
        }
        let mut analyzer = Analyzer::new(Settings::default());
        analyzer.read("mangled", &input[..]).unwrap();
        let analysis = analyzer.finish();
        let report = &analysis.inputs[0];
        assert_eq!(report.lines, mangled.len() as u64);
        let rejected: u64 = report.rejected.iter().map(|r| r.count).sum();
        // One account per line: the corpus's one wrapped document holds one event.
        let accounted = report.records + rejected + report.ignored + report.blank_lines;
        assert_eq!(accounted, report.lines, "{report:?}");
    }
}
