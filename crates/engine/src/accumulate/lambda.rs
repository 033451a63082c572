//! The functions' figures, from their platform lines: invocations, cold starts, timeouts,
//! durations, memory, and the notable invocations kept for pairing and evidence. Counts a
//! server made of a function whose log was not downloaded enter here too.

use std::collections::BTreeMap;

use super::invocations::{Invocations, Kept, Recent, TimeoutLine};
use super::steps::{Ended, StepNotes, Steps};
use super::{
    add_counts, extend_notable, max_f64, Accumulator, At, Finish, Histogram, NotableInvocation,
    Seen, NOTABLE_CAP,
};
use crate::model::{AggregateFunction, FunctionFigures, LambdaFigures};
use crate::parse::lambda::LambdaLine;
use crate::settings::{Focus, Settings};

/// The Lambda logs' part of the analysis.
#[derive(Debug, Clone)]
pub(crate) struct Lambda {
    focus: Focus,
    notable_threshold_ms: u32,
    memory_percent: u32,
    /// Whether any Lambda line was read: without one the analysis has no Lambda part.
    seen: bool,
    /// Invocations between their first line and their REPORT, and the last REPORTs read,
    /// so that each is counted once however many lines tell it (bounded there).
    invocations: Invocations,
    /// Bounded by the functions read: one per log group or input.
    functions: BTreeMap<String, FunctionStats>,
    notable: Vec<NotableInvocation>,
    /// The most notable invocations merges keep ([`NOTABLE_CAP`] when `None`).
    pub(super) notable_cap: Option<usize>,
    /// Notable invocations merges found no room for under `notable_cap`.
    pub(super) notable_dropped: u64,
    /// The notable invocation of the last REPORT of an input, for an XRAY line that follows.
    last_invocation: Option<(u32, usize)>,
    /// A server's counts of functions whose logs were counted rather than downloaded.
    server_counts: Vec<AggregateFunction>,
    /// The application lines of open invocations, the steps they show, and the timelines
    /// of notable invocations (bounded there).
    steps: Steps,
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
    json_reports: u64,
}

impl FunctionStats {
    fn merge(&mut self, later: FunctionStats) {
        let FunctionStats {
            source,
            invocations,
            cold_starts,
            timeouts,
            timed_out_settings,
            duration,
            max_init_ms,
            total_init_us,
            runtime,
            memory_mb,
            max_memory_used_mb,
            memory_pressure,
            init_failures,
            json_reports,
        } = later;
        if self.source.is_empty() {
            self.source = source;
        }
        self.invocations += invocations;
        self.cold_starts += cold_starts;
        self.timeouts += timeouts;
        add_counts(&mut self.timed_out_settings, timed_out_settings);
        self.duration.merge(&duration);
        self.max_init_ms = max_f64(self.max_init_ms, max_init_ms);
        self.total_init_us += total_init_us;
        self.runtime = self.runtime.take().or(runtime);
        self.memory_mb = self.memory_mb.max(memory_mb);
        self.max_memory_used_mb = self.max_memory_used_mb.max(max_memory_used_mb);
        self.memory_pressure += memory_pressure;
        self.init_failures += init_failures;
        self.json_reports += json_reports;
    }

    fn figures(self, function: String) -> FunctionFigures {
        FunctionFigures {
            function,
            source: self.source,
            invocations: self.invocations,
            cold_starts: self.cold_starts,
            timeouts: self.timeouts,
            timeout_ms: self.timed_out_settings.keys().next_back().copied(),
            duration: self.duration.percentiles(),
            max_init_ms: self.max_init_ms,
            mean_init_ms: (self.cold_starts > 0)
                .then(|| self.total_init_us as f64 / 1000.0 / self.cold_starts as f64),
            runtime: self.runtime,
            memory_mb: self.memory_mb,
            max_memory_used_mb: self.max_memory_used_mb,
            memory_pressure: self.memory_pressure,
            init_failures: self.init_failures,
            json_reports: self.json_reports,
        }
    }
}

/// One line of a function's log.
pub(crate) struct LambdaObservation<'a, 'l> {
    pub(crate) line: LambdaLine<'l>,
    pub(crate) time_ms: Option<i64>,
    /// The function whose log it is.
    pub(crate) function: &'a str,
    /// The input it came from.
    pub(crate) source: &'a str,
}

impl Lambda {
    pub(crate) fn new(settings: &Settings) -> Self {
        Lambda {
            focus: settings.focus.clone(),
            notable_threshold_ms: settings.evidence_from_ms() as u32,
            memory_percent: settings.thresholds.memory_percent,
            seen: false,
            invocations: Invocations::default(),
            functions: BTreeMap::new(),
            notable: Vec::new(),
            notable_cap: None,
            notable_dropped: 0,
            last_invocation: None,
            server_counts: Vec::new(),
            steps: Steps::default(),
        }
    }

    /// The timelines of notable invocations and the steps of each function.
    pub(crate) fn take_steps(&mut self) -> StepNotes {
        self.steps.finish()
    }

    /// Takes a server's counts of a function's invocations over the whole window, to finish
    /// with in place of those of its records read (the notable ones only).
    pub(crate) fn add_server_counts(&mut self, counts: AggregateFunction) {
        self.server_counts.push(counts);
    }

    /// The notable invocations, with the "Task timed out" lines whose REPORT never came
    /// counted as timed-out invocations too; the figures no longer need them.
    pub(crate) fn take_notable(&mut self) -> Vec<NotableInvocation> {
        self.settle_open();
        std::mem::take(&mut self.notable)
    }

    /// Invocations whose REPORT never came: one that started is an invocation (the capture
    /// ended while it ran), and one a line says timed out is a timed-out invocation lasting
    /// as long as the line says, with or without its START.
    fn settle_open(&mut self) {
        for (request_id, open) in self.invocations.drain_open() {
            let function = self.functions.entry(open.function).or_default();
            function.invocations += u64::from(open.started || open.timed_out.is_some());
            if let Some(seconds) = open.timed_out {
                count_timeout_line(
                    function,
                    &mut self.notable,
                    request_id,
                    open.at,
                    open.time_ms,
                    seconds,
                );
            }
        }
    }
}

/// A timeout that a line tells and no REPORT of this part does: the invocation timed out
/// after `seconds`, ending at `time_ms`.
fn count_timeout_line(
    function: &mut FunctionStats,
    notable: &mut Vec<NotableInvocation>,
    request_id: String,
    at: At,
    time_ms: Option<i64>,
    seconds: Option<f64>,
) {
    function.timeouts += 1;
    let duration_ms = seconds.map_or(0.0, |s| s * 1000.0);
    if let Some(seconds) = seconds {
        *function
            .timed_out_settings
            .entry(setting_ms(seconds))
            .or_insert(0) += 1;
    }
    if notable.len() < NOTABLE_CAP {
        notable.push(NotableInvocation {
            input: at.input,
            line: at.line,
            request_id,
            start_ms: time_ms.map(|end| end.saturating_sub(whole_ms(duration_ms))),
            duration_ms,
            init_ms: None,
            timed_out: true,
            trace_id: None,
        });
    }
}

/// A REPORT that did not say its invocation timed out, and a later line that did.
fn count_late_timeout(
    functions: &mut BTreeMap<String, FunctionStats>,
    notable: &mut Vec<NotableInvocation>,
    recent: Recent,
    request_id: String,
    seconds: Option<f64>,
) {
    let function = functions.entry(recent.function).or_default();
    function.timeouts += 1;
    let duration_ms = match &recent.kept {
        Kept::Notable(i) => notable.get(*i).map(|n| n.duration_ms),
        Kept::Candidate(candidate) => Some(candidate.duration_ms),
        Kept::Nothing => None,
    };
    if let Some(seconds) = seconds.or(duration_ms.map(|ms| ms / 1000.0)) {
        *function
            .timed_out_settings
            .entry(setting_ms(seconds))
            .or_insert(0) += 1;
    }
    match recent.kept {
        Kept::Notable(i) => {
            if let Some(invocation) = notable.get_mut(i) {
                invocation.timed_out = true;
            }
        }
        Kept::Candidate(mut candidate) if notable.len() < NOTABLE_CAP => {
            candidate.request_id = request_id;
            candidate.timed_out = true;
            notable.push(candidate);
        }
        _ => {}
    }
}

/// Lambda timeouts are whole seconds and a timed-out invocation overruns its timeout by
/// well under one: the whole seconds are the setting, in ms (saturating for absurd values).
fn setting_ms(seconds: f64) -> u32 {
    (seconds.floor() as u32).saturating_mul(1000)
}

/// A duration read from a log in whole milliseconds, whatever it holds: saturating at the
/// ends of `i64`, 0 for NaN.
fn whole_ms(ms: f64) -> i64 {
    ms.round() as i64
}

impl Accumulator for Lambda {
    type Observation<'a> = LambdaObservation<'a, 'a>;
    /// The figures, if any Lambda log was read, and what a server counted, said in words.
    type Figures = (Option<LambdaFigures>, Vec<String>);

    fn observe(&mut self, observation: LambdaObservation<'_, '_>, at: At) -> Seen {
        let LambdaObservation {
            line,
            time_ms,
            function: name,
            source,
        } = observation;
        self.seen = true;
        let function = match self.functions.get_mut(name) {
            Some(function) => function,
            None => self
                .functions
                .entry(name.to_owned())
                .or_insert_with(|| FunctionStats {
                    source: source.to_owned(),
                    ..FunctionStats::default()
                }),
        };
        match line {
            LambdaLine::Report(report) if !self.focus.holds_time(time_ms) => {
                self.steps
                    .forget(&String::from_utf8_lossy(report.request_id), at);
                Seen::SetAside("invocations outside the focus (set aside)")
            }
            LambdaLine::Report(report) => {
                function.invocations += 1;
                function.json_reports += u64::from(report.json);
                let id = String::from_utf8_lossy(report.request_id).into_owned();
                let timed_out =
                    report.timed_out | self.invocations.report(&id, name, report.timed_out);
                function
                    .duration
                    .record(report.duration_ms.round().min(f64::from(u32::MAX)) as u32);
                if let Some(init) = report.init_ms {
                    function.cold_starts += 1;
                    // saturating: `as` caps absurd values, the sum saturates
                    function.total_init_us = function
                        .total_init_us
                        .saturating_add((init * 1000.0).round() as u64);
                    function.max_init_ms = max_f64(function.max_init_ms, Some(init));
                }
                if let Some(size) = report.memory_mb {
                    function.memory_mb = function.memory_mb.max(Some(size));
                }
                if let Some(used) = report.max_memory_mb {
                    function.max_memory_used_mb = function.max_memory_used_mb.max(Some(used));
                }
                if let (Some(size), Some(used)) = (report.memory_mb, report.max_memory_mb) {
                    let threshold = f64::from(self.memory_percent) / 100.0;
                    function.memory_pressure +=
                        u64::from(f64::from(used) >= threshold * f64::from(size));
                }
                if timed_out {
                    function.timeouts += 1;
                    let setting = setting_ms(report.duration_ms / 1000.0);
                    *function.timed_out_settings.entry(setting).or_insert(0) += 1;
                }
                let total_ms = report.duration_ms + report.init_ms.unwrap_or(0.0);
                self.last_invocation = None;
                let notable = timed_out || total_ms >= f64::from(self.notable_threshold_ms);
                self.steps.report(Ended {
                    request_id: &id,
                    function: name,
                    at,
                    time_ms,
                    duration_ms: report.duration_ms,
                    timed_out,
                    slow: notable,
                });
                let invocation = NotableInvocation {
                    input: at.input,
                    line: at.line,
                    // filled in if it is kept
                    request_id: String::new(),
                    start_ms: time_ms.map(|end| end.saturating_sub(whole_ms(report.duration_ms))),
                    duration_ms: report.duration_ms,
                    init_ms: report.init_ms,
                    timed_out,
                    trace_id: report
                        .trace_id
                        .map(|t| String::from_utf8_lossy(t).into_owned()),
                };
                let kept = if !notable {
                    Kept::Candidate(invocation)
                } else if self.notable.len() < NOTABLE_CAP {
                    self.last_invocation = Some((at.input, self.notable.len()));
                    self.notable.push(NotableInvocation {
                        request_id: id.clone(),
                        ..invocation
                    });
                    Kept::Notable(self.notable.len() - 1)
                } else {
                    Kept::Nothing
                };
                let recent = Recent {
                    function: name.to_owned(),
                    timed_out,
                    kept,
                };
                self.invocations.remember(id, recent);
                Seen::CountedAs("Lambda REPORT")
            }
            LambdaLine::TaskTimedOut {
                request_id,
                seconds,
            } => {
                let id = String::from_utf8_lossy(request_id);
                match self.invocations.timeout(&id, name, at, time_ms, seconds) {
                    TimeoutLine::Opened | TimeoutLine::Repeated => {}
                    TimeoutLine::AfterReport(recent) => {
                        let recent = recent.clone();
                        count_late_timeout(
                            &mut self.functions,
                            &mut self.notable,
                            recent,
                            id.into_owned(),
                            seconds,
                        );
                    }
                    TimeoutLine::Alone => count_timeout_line(
                        function,
                        &mut self.notable,
                        id.into_owned(),
                        at,
                        time_ms,
                        seconds,
                    ),
                }
                Seen::CountedAs("Lambda timeout lines")
            }
            LambdaLine::Start { .. } if !self.focus.holds_time(time_ms) => {
                Seen::SetAside("invocations outside the focus (set aside)")
            }
            LambdaLine::Start { request_id } => {
                let id = String::from_utf8_lossy(request_id);
                self.invocations.start(&id, name, at, time_ms);
                self.steps.start(&id, name, at, time_ms);
                Seen::CountedAs("Lambda platform lines")
            }
            LambdaLine::InitStart { runtime } => {
                if let (None, Some(runtime)) = (&function.runtime, runtime) {
                    function.runtime = Some(String::from_utf8_lossy(runtime).into_owned());
                }
                Seen::CountedAs("Lambda platform lines")
            }
            LambdaLine::InitFailed { .. } => {
                function.init_failures += 1;
                Seen::CountedAs("Lambda platform lines")
            }
            LambdaLine::Xray { trace_id } => {
                if let Some(invocation) = self
                    .last_invocation
                    .filter(|(input, _)| *input == at.input)
                    .and_then(|(_, i)| self.notable.get_mut(i))
                {
                    invocation.trace_id = Some(String::from_utf8_lossy(trace_id).into_owned());
                }
                Seen::CountedAs("Lambda platform lines")
            }
            LambdaLine::Platform => Seen::CountedAs("Lambda platform lines"),
            LambdaLine::Application(line) => {
                if let Some(line) = line {
                    self.steps.line(name, at, time_ms, line);
                }
                Seen::SetAside("Lambda application lines (ignored)")
            }
        }
    }

    fn merge(&mut self, later: Lambda, line_offset: u64) {
        let Lambda {
            // settings: the same for every part
            focus: _,
            notable_threshold_ms: _,
            memory_percent: _,
            seen,
            invocations,
            functions,
            notable,
            notable_cap: _,
            notable_dropped,
            // an XRAY line belongs to the REPORT before it in the same part
            last_invocation: _,
            server_counts,
            steps,
        } = later;
        self.steps.merge(steps, line_offset);
        self.seen |= seen;
        for (function, stats) in functions {
            self.functions.entry(function).or_default().merge(stats);
        }
        // An invocation whose lines fall in two parts is matched up here.
        let offset = self.notable.len();
        let cap = self.notable_cap.unwrap_or(NOTABLE_CAP);
        let room = cap.saturating_sub(offset);
        let late = self.invocations.merge(invocations, line_offset, |i| {
            (i < room).then_some(offset + i)
        });
        self.notable_dropped += notable_dropped
            + extend_notable(&mut self.notable, notable, line_offset, cap, |i| {
                &mut i.line
            });
        for (request_id, recent, seconds) in late {
            count_late_timeout(
                &mut self.functions,
                &mut self.notable,
                recent,
                request_id,
                seconds,
            );
        }
        self.server_counts.extend(server_counts);
    }

    fn finish(mut self, finish: &Finish<'_>) -> Self::Figures {
        self.settle_open();
        if !self.seen && self.server_counts.is_empty() && self.functions.is_empty() {
            return (None, Vec::new());
        }
        let ceiling_ms = finish.ceiling_ms;
        let timeouts_above_ceiling = self
            .functions
            .values()
            .flat_map(|f| {
                let above = u32::try_from(ceiling_ms)
                    .unwrap_or(u32::MAX)
                    .saturating_add(1);
                f.timed_out_settings.range(above..)
            })
            .map(|(_, n)| n)
            .sum();
        let mut functions: Vec<FunctionFigures> = self
            .functions
            .into_iter()
            .map(|(name, function)| function.figures(name))
            .collect();
        let mut approximate = Vec::new();
        for counts in self.server_counts {
            approximate.push(take_server_counts(&mut functions, counts));
        }
        functions.sort_by(|a, b| {
            b.timeouts
                .cmp(&a.timeouts)
                .then(b.duration.p99_ms.cmp(&a.duration.p99_ms))
        });
        let figures = LambdaFigures {
            invocations: functions.iter().map(|f| f.invocations).sum(),
            cold_starts: functions.iter().map(|f| f.cold_starts).sum(),
            timeouts: functions.iter().map(|f| f.timeouts).sum(),
            timeouts_above_ceiling,
            outlived_gateway: finish.correlation.matched(),
            gateway_timeouts_on_cold_start: finish.correlation.matched_cold,
            max_init_ms: functions
                .iter()
                .filter_map(|f| f.max_init_ms)
                .reduce(f64::max),
            memory_pressure: functions.iter().map(|f| f.memory_pressure).sum(),
            init_failures: functions.iter().map(|f| f.init_failures).sum(),
            functions,
        };
        (Some(figures), approximate)
    }
}

/// Puts a server's counts of a function in place of those of its records read; says so.
fn take_server_counts(functions: &mut Vec<FunctionFigures>, counts: AggregateFunction) -> String {
    let function = match functions
        .iter_mut()
        .position(|f| f.function == counts.function)
    {
        Some(i) => &mut functions[i],
        None => {
            functions.push(FunctionFigures {
                function: counts.function.clone(),
                source: counts.source.clone(),
                ..Default::default()
            });
            functions.last_mut().expect("just pushed")
        }
    };
    function.invocations = counts.invocations.max(function.invocations);
    function.cold_starts = counts.cold_starts.max(function.cold_starts);
    function.duration = counts.duration;
    function.memory_mb = function.memory_mb.max(counts.memory_mb);
    function.max_memory_used_mb = function.max_memory_used_mb.max(counts.max_memory_used_mb);
    format!(
        "{}: invocations, cold starts and durations were counted by CloudWatch Logs \
         Insights (durations with its approximate pct()); its timeouts, errors and slow \
         invocations were read in full, and its memory pressure is of those alone.",
        counts.function
    )
}

/// The function a Lambda log is of, from the input's name: the log group without
/// `/aws/lambda/`, or a file's name without `lambda-` and its extensions
/// (`exports/lambda-orders-fn.log.gz` is `orders-fn`).
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
