//! Reading one input: lines, or the document its first line opens, each event classified
//! (access record, Lambda line, execution-log line, or nothing) and handed to its
//! accumulator, with the input's account kept in an [`InputState`].

use std::io::Read;
use std::sync::Arc;

use super::decode;
use super::input::{Counted, Error, Line, LineReader, Progress};
use super::state::{
    ignore_control_messages, note, reject, EventEnd, InputState, RejectReason, FIELD_SAMPLE_RECORDS,
};
use crate::accumulate::{
    AccessObservation, Accumulator, Accumulators, At, ExecutionObservation, LambdaObservation, Seen,
};
use crate::model::Wrapping;
use crate::parse::access::{self, AccessFormat, AccessParser, AccessRecord};
use crate::parse::execution::{self, ExecutionLine};
use crate::parse::lambda::{self, LambdaLine};

/// Lines between two updates of the shared progress.
const PROGRESS_LINES: u64 = 8192;

/// What an input is read into: the access-log parser (which learns the records' layout as
/// it goes) and the accumulators, with the progress to tell and watch for Cancel.
pub(crate) struct Reading<'a> {
    pub(crate) parser: &'a mut AccessParser,
    pub(crate) acc: &'a mut Accumulators,
    pub(crate) progress: &'a Arc<Progress>,
}

impl Reading<'_> {
    /// Reads lines from `reader` into `state`. With `whole_input`, the first line may open a
    /// JSON document or a CSV export, which is then read whole.
    pub(crate) fn read_into(
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
            progress: Arc::clone(self.progress),
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
        let mut told = (
            0,
            self.acc.gateway.requests(),
            self.acc.gateway.integration_timeouts(),
        );
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

    /// Adds the lines, requests and timeouts read since `told` to the shared progress.
    fn tell_progress(&self, state: &InputState, told: &mut (u64, u64, u64)) {
        self.progress.add(
            state.report.lines - told.0,
            self.acc.gateway.requests() - told.1,
            self.acc.gateway.integration_timeouts() - told.2,
        );
        *told = (
            state.report.lines,
            self.acc.gateway.requests(),
            self.acc.gateway.integration_timeouts(),
        );
    }

    /// One line of a line-oriented input: its wrapper's prefix off, then the event.
    fn text_line(&mut self, state: &mut InputState, number: u64, line: &[u8]) {
        if self.table_line(state, number, line) {
            return;
        }
        if decode::opens_insights_preamble(line) || state.in_insights_preamble {
            state.in_insights_preamble = !decode::closes_insights_preamble(line);
            state.set_aside("Logs Insights export header (ignored)");
            return;
        }
        if decode::is_paste_markup(line) {
            state.set_aside("markup around pasted logs (ignored)");
            return;
        }
        let (wrapping, time_ms, message) = decode::strip_prefix(line);
        if state.report.events == 0 {
            state.report.wrapping = wrapping;
        } else if wrapping == Wrapping::Raw && state.report.wrapping != Wrapping::Raw {
            // A line without the wrapper's prefix continues the event before it.
            state.set_aside("continuation lines of multi-line events");
            return;
        }
        let open = state.open_event && wrapping == Wrapping::Raw;
        let end = self.event(state, number, time_ms, message, open);
        if end == EventEnd::Continued {
            state.set_aside("continuation lines of multi-line events");
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
            state.set_aside("Logs Insights table headers (ignored)");
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
                state.report.error = Some(reason.to_string());
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
            state.set_aside("empty messages (ignored)");
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

    /// An access record, for the gateway's figures.
    fn access_record(
        &mut self,
        state: &mut InputState,
        number: u64,
        event_time: Option<i64>,
        record: &AccessRecord<'_>,
    ) {
        let sample_fields = state.records_sampled < FIELD_SAMPLE_RECORDS;
        let observation = AccessObservation {
            record,
            event_time,
            sample_fields,
        };
        let seen = self.acc.gateway.observe(observation, at(state, number));
        if sample_fields && seen == Seen::Counted {
            state.records_sampled += 1;
        }
        account(state, seen);
    }

    /// A line of a function's log, for the Lambda figures.
    fn lambda_line(
        &mut self,
        state: &mut InputState,
        number: u64,
        time_ms: Option<i64>,
        line: LambdaLine<'_>,
    ) {
        state.saw_lambda = true;
        let observation = LambdaObservation {
            line,
            time_ms,
            function: &state.function,
            source: &state.report.name,
        };
        let seen = self.acc.lambda.observe(observation, at(state, number));
        account(state, seen);
    }

    /// An execution-log line, for the execution figures.
    fn execution_line(
        &mut self,
        state: &mut InputState,
        number: u64,
        message: &[u8],
        line: ExecutionLine,
    ) {
        let observation = ExecutionObservation { line, message };
        let seen = self.acc.execution.observe(observation, at(state, number));
        account(state, seen);
    }
}

fn at(state: &InputState, line: u64) -> At {
    At {
        input: state.index,
        line,
    }
}

/// Counts an observation in the input's report as its accumulator says.
fn account(state: &mut InputState, seen: Seen) {
    match seen {
        Seen::Counted => {}
        Seen::CountedAs(kind) => state.count(kind),
        Seen::SetAside(kind) => state.set_aside(kind),
    }
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
        state.set_aside("Lambda application lines (ignored)");
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
