//! The account of one input while it is read: how it is wrapped, what kinds of lines it
//! holds, what was rejected and why; finished into the input's [`InputReport`].

use std::collections::BTreeMap;

use super::budget::{Budget, Over};
use super::decode;
use crate::accumulate::function_name;
use crate::model::{Compression, InputReport, Rejection, Wrapping};
use crate::parse::access::{AccessError, AccessFormat, Template};

/// How many line numbers a rejection keeps as examples.
const REJECTED_LINE_SAMPLES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RejectReason {
    Access(AccessError),
    Unrecognised,
    TooLong,
    Document,
    NoEvents,
    Budget(Over),
}

impl RejectReason {
    pub(crate) fn describe(self) -> &'static str {
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
            RejectReason::Budget(over) => over.describe(),
        }
    }
}

/// What one input is being read into, until it is done.
#[derive(Clone)]
pub(crate) struct InputState {
    pub(crate) index: u32,
    pub(crate) report: InputReport,
    pub(crate) rejections: BTreeMap<RejectReason, Rejection>,
    /// The access records read of each format, but for the last run of one format, which is
    /// in `format_run` (counted there, without a look-up per record, until another comes).
    access_formats: BTreeMap<AccessFormat, u64>,
    format_run: Option<(AccessFormat, u64)>,
    pub(crate) kinds: BTreeMap<&'static str, u64>,
    /// Lines recognised as nothing (or as broken access records): rejected, unless the input
    /// turns out to be a Lambda log, where they are what the function printed.
    pub(crate) unrecognised: BTreeMap<RejectReason, Rejection>,
    pub(crate) saw_access: bool,
    pub(crate) saw_lambda: bool,
    /// The function a Lambda log holds, named after the input.
    pub(crate) function: String,
    /// Access records whose fields have been noted in `fields_seen` so far.
    pub(crate) records_sampled: u32,
    /// The Logs Insights table whose rows the lines are, after its header line.
    pub(crate) table: Option<decode::InsightsTable>,
    /// Inside the header the Logs Insights console writes above a Markdown copy.
    pub(crate) in_insights_preamble: bool,
    /// The last line's event may go on over the next lines (see [`EventEnd::Open`]).
    pub(crate) open_event: bool,
    /// The event being read is from a function's log group, as its document says.
    pub(crate) from_lambda_group: bool,
    /// What decoding this input's payloads has cost so far.
    pub(crate) budget: Budget,
    /// A budget ran out: the rest of the input is not read.
    pub(crate) cut: bool,
    /// The time of a line that held only a time, as the console writes above a record.
    pub(crate) pending_time: Option<i64>,
    /// Reading the line an envelope of a log tool carries (`{"log": ...}`).
    pub(crate) in_envelope: bool,
}

/// What an event turned out to be, for the lines after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventEnd {
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
pub(crate) const FIELD_SAMPLE_RECORDS: u32 = 1_000;

impl InputState {
    /// The state of a new input, the `index`-th of the analysis.
    pub(crate) fn start(name: &str, index: u32) -> InputState {
        InputState {
            index,
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
            format_run: None,
            kinds: BTreeMap::new(),
            unrecognised: BTreeMap::new(),
            saw_access: false,
            saw_lambda: false,
            function: function_name(name),
            records_sampled: 0,
            table: None,
            in_insights_preamble: false,
            open_event: false,
            from_lambda_group: false,
            budget: Budget::default(),
            cut: false,
            pending_time: None,
            in_envelope: false,
        }
    }

    /// The input's report, read with `given` as the stage's access-log format.
    pub(crate) fn finish(mut self, given: Option<&Template>) -> InputReport {
        let state = &mut self;
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
        state.end_format_run();
        for (format, count) in std::mem::take(&mut state.access_formats) {
            state.report.kinds.insert(format.describe(given), count);
        }
        for (kind, count) in std::mem::take(&mut state.kinds) {
            state.report.kinds.insert(kind.to_owned(), count);
        }
        let classified: u64 = state.report.kinds.values().sum();
        state.report.records = classified - state.report.ignored;
        state.report.rejected = std::mem::take(&mut state.rejections)
            .into_values()
            .collect();
        self.report
    }

    /// Adds the account of a later part of the same input.
    pub(crate) fn merge(&mut self, mut other: InputState, line_offset: u64) {
        other.end_format_run();
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

    /// Cuts the input past a budget: the rest is not read, what was read is kept, and the
    /// report says which budget at which line.
    pub(crate) fn cut_at(&mut self, over: Over, number: u64) {
        self.cut = true;
        reject(self, RejectReason::Budget(over), number);
        self.report.error.get_or_insert_with(|| {
            format!(
                "input cut at line {number}: {} ({}); the events before it are kept",
                over.describe(),
                over.limit(&self.budget.limits)
            )
        });
    }

    /// Counts one access record of `format` (inlined: it runs on every record).
    #[inline]
    pub(crate) fn count_format(&mut self, format: AccessFormat) {
        match &mut self.format_run {
            Some((last, count)) if *last == format => *count += 1,
            _ => {
                self.end_format_run();
                self.format_run = Some((format, 1));
            }
        }
    }

    fn end_format_run(&mut self) {
        if let Some((format, count)) = self.format_run.take() {
            *self.access_formats.entry(format).or_insert(0) += count;
        }
    }

    /// Counts one line or event under `kind`.
    pub(crate) fn count(&mut self, kind: &'static str) {
        *self.kinds.entry(kind).or_insert(0) += 1;
    }

    /// Counts one line or event under `kind`, as read and set aside.
    pub(crate) fn set_aside(&mut self, kind: &'static str) {
        self.report.ignored += 1;
        self.count(kind);
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

/// Counts a subscription payload's CONTROL_MESSAGE events as known and irrelevant.
pub(crate) fn ignore_control_messages(state: &mut InputState, count: u64) {
    if count > 0 {
        state.report.ignored += count;
        *state
            .kinds
            .entry("subscription control messages (ignored)")
            .or_insert(0) += count;
    }
}

pub(crate) fn reject(state: &mut InputState, reason: RejectReason, number: u64) {
    note(&mut state.rejections, reason, number);
}

/// Counts a line under `reason`, keeping the first line numbers.
pub(crate) fn note(
    rejections: &mut BTreeMap<RejectReason, Rejection>,
    reason: RejectReason,
    number: u64,
) {
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
