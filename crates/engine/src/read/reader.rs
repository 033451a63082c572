//! Reading one input: lines, or the document its first line opens, each event classified
//! (access record, Lambda line, execution-log line, or nothing) and handed to its
//! accumulator, with the input's account kept in an [`InputState`].

use std::io::Read;
use std::sync::Arc;

use super::budget::DocumentError;
use super::decode;
use super::document::{document_events, OwnedEvent};
use super::inflate::{Inflate, SpareCores};
use super::input::{Counted, Error, Line, LineReader, Opened, Progress};
use super::state::{
    ignore_control_messages, note, reject, EventEnd, InputState, RejectReason, FIELD_SAMPLE_RECORDS,
};
use super::streams::Left;
use crate::accumulate::{
    AccessObservation, Accumulator, Accumulators, At, ExecutionObservation, LambdaObservation, Seen,
};
use crate::model::Wrapping;
use crate::parse::access::{self, AccessFormat, AccessParser, AccessRecord};
use crate::parse::execution::{self, ExecutionLine};
use crate::parse::lambda::{self, LambdaLine};

/// Lines between two updates of the shared progress.
pub(super) const PROGRESS_LINES: u64 = 8192;

/// What the shared progress has been told of an input: its lines, the requests and the
/// timeouts read.
pub(super) type Told = (u64, u64, u64);

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
        let lines = LineReader::new(self.counted(reader));
        self.read_lines(state, lines, whole_input)
    }

    /// [`Reading::read_into`], with gzip inflated on a thread of its own (with
    /// `when_spare`, once a core is spare).
    pub(crate) fn read_into_inflating(
        &mut self,
        state: &mut InputState,
        reader: impl Read + Send + 'static,
        whole_input: bool,
        when_spare: Option<SpareCores>,
    ) -> Result<(), Error> {
        let lines = LineReader::inflating(self.counted(reader), when_spare);
        self.read_lines(state, lines, whole_input)
    }

    /// [`Reading::read_into`] on an input opened by [`super::input::open_path`] or
    /// [`super::chunks::open_range`], its gzip inflated where `inflate` says.
    pub(crate) fn read_opened(
        &mut self,
        state: &mut InputState,
        opened: Opened,
        whole_input: bool,
        inflate: Inflate,
    ) -> Result<(), Error> {
        match (opened, inflate) {
            (Opened::Mapped(mapped), _) => {
                let lines = LineReader::<std::io::Empty>::mapped(mapped);
                self.read_lines(state, lines, whole_input)
            }
            (Opened::Reader(reader), Inflate::Here) => self.read_into(state, reader, whole_input),
            (Opened::Reader(reader), Inflate::Apart) => {
                self.read_into_inflating(state, reader, whole_input, None)
            }
            (Opened::Reader(reader), Inflate::WhenSpare(spare)) => {
                self.read_into_inflating(state, reader, whole_input, Some(spare))
            }
        }
    }

    fn counted<R: Read>(&self, inner: R) -> Counted<R> {
        Counted {
            inner,
            progress: Arc::clone(self.progress),
        }
    }

    fn read_lines(
        &mut self,
        state: &mut InputState,
        lines: std::io::Result<LineReader<impl Read>>,
        whole_input: bool,
    ) -> Result<(), Error> {
        let name = state.report.name.clone();
        let read_error = |line, source| Error::Read {
            name: name.clone(),
            line,
            source,
        };
        let mut lines = match lines {
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
            if state.cut {
                break Ok(());
            }
            if self.progress.is_cancelled() {
                break Err(Error::Cancelled {
                    name: name.clone(),
                    line: lines.line_number(),
                });
            }
            if first && starts_concatenated(&mut lines) {
                // records one after another with no line break between them
                first = false;
                match self.read_values(state, &mut lines, None, &mut told) {
                    Ok(Left::End) => break Ok(()),
                    Ok(Left::Text) => continue,
                    Err(error) => break Err(error),
                }
            }
            let number = lines.line_number() + 1;
            if !first {
                // a line the buffer holds whole is read where it lies, unless it opens a value
                match lines.buffered_line() {
                    Err(source) => break Err(read_error(number - 1, source)),
                    Ok(Some((text, taken))) => {
                        let blank = text.trim_ascii().is_empty();
                        if blank || opening(state, number, text) == Opening::No {
                            state.report.lines += 1;
                            if blank {
                                state.report.blank_lines += 1;
                            } else {
                                self.text_line(state, number, text);
                            }
                            lines.consume_line(taken);
                            continue;
                        }
                    }
                    Ok(None) => {}
                }
            }
            let outcome = match lines.next_line(&mut line) {
                Ok(outcome) => outcome,
                Err(source) => break Err(read_error(lines.line_number(), source)),
            };
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
            if std::mem::take(&mut first) && decode::is_insights_csv_header(&line) {
                match self.read_csv(state, &mut lines, &line, number, &mut told) {
                    Ok(()) => break Ok(()),
                    Err(error) => break Err(error),
                }
            }
            let sam_json_time = match opening(state, number, &line) {
                Opening::No => {
                    self.text_line(state, number, &line);
                    continue;
                }
                Opening::Document => None,
                Opening::SamLogsJson(time) => Some(time),
            };
            let head = std::mem::take(&mut line);
            let value_head: &[u8] = if sam_json_time.is_some() { b"{" } else { &head };
            if sam_json_time.is_some() {
                state.pending_time = sam_json_time;
            }
            let first_event = state.report.events == 0;
            let read = self.read_values(state, &mut lines, Some((value_head, number)), &mut told);
            if sam_json_time.is_some() && first_event {
                state.report.wrapping = Wrapping::SamLogs;
            }
            line = head;
            match read {
                Ok(Left::End) => break Ok(()),
                Ok(Left::Text) => continue,
                Err(error) => break Err(error),
            }
        };
        self.tell_progress(state, &mut told);
        if let Err(error) = &outcome {
            state.report.error = Some(error.to_string());
        }
        outcome
    }

    /// Adds the lines, requests and timeouts read since `told` to the shared progress.
    pub(super) fn tell_progress(&self, state: &InputState, told: &mut Told) {
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
    pub(super) fn text_line(&mut self, state: &mut InputState, number: u64, line: &[u8]) {
        if line.first() == Some(&b'{') && state.table.is_none() && !state.in_insights_preamble {
            // a JSON record: no table header, markup, time or wrapper's prefix starts with a
            // brace, so none of the checks below would find one
            return self.text_event(state, number, Wrapping::Raw, None, line);
        }
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
        let alone = line.trim_ascii();
        if crate::time::iso_prefix_len(alone) == Some(alone.len()) {
            // a time alone on its line, as the console writes it above a record it shows
            state.pending_time = crate::time::parse_iso(alone);
            state.set_aside("time lines above records (ignored)");
            return;
        }
        let (wrapping, time_ms, message) = decode::strip_prefix(line);
        if time_ms.is_some() && message.trim_ascii().is_empty() {
            // a time alone on its line, as the console writes it above a record it shows
            state.pending_time = time_ms;
            state.set_aside("time lines above records (ignored)");
            return;
        }
        self.text_event(state, number, wrapping, time_ms, message);
    }

    /// The event of a line, its wrapper's prefix taken off.
    fn text_event(
        &mut self,
        state: &mut InputState,
        number: u64,
        wrapping: Wrapping,
        time_ms: Option<i64>,
        message: &[u8],
    ) {
        let time_ms = time_ms.or(state.pending_time.take());
        // A line without the wrapper's prefix continues the event before it, unless it is
        // a record of its own (a second paste of bare lines after wrapped ones).
        let mut open = state.open_event && wrapping == Wrapping::Raw;
        if state.report.events == 0 {
            state.report.wrapping = wrapping;
        } else if wrapping == Wrapping::Raw && state.report.wrapping != Wrapping::Raw {
            open = true;
        }
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
                state.count_format(AccessFormat::InsightsTable);
                state.saw_access = true;
                self.access_record(state, number, row.time_ms, &record);
            } else {
                note(&mut state.unrecognised, RejectReason::Unrecognised, number);
            }
        }
        state.table = Some(table);
        true
    }

    /// Classifies one event and adds it to the figures.
    /// Reads one event. With `open`, the event before it may go on (see [`EventEnd`]), and a
    /// line that is nothing of its own is taken as part of it, for the caller to count.
    pub(crate) fn event(
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
                state.count_format(format);
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
                    if !state.in_envelope {
                        if let Some((line, time)) = decode::envelope(message) {
                            state.in_envelope = true;
                            let end =
                                self.event(state, number, time.or(time_ms), line.as_bytes(), open);
                            state.in_envelope = false;
                            return end;
                        }
                    }
                }
                return unrecognised(state, RejectReason::Access(error), number, message, open);
            }
            None => {
                if let Some(line) = lambda::parse(message) {
                    let application = matches!(line, LambdaLine::Application(_));
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
    pub(super) fn document_event(
        &mut self,
        state: &mut InputState,
        number: u64,
        event: &OwnedEvent,
    ) {
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
        let (document, outcome) = document_events(message, &mut state.budget);
        match outcome {
            Ok(()) | Err(DocumentError::Over(_)) => {}
            Err(_) => return reject(state, RejectReason::Document, number),
        }
        if document.events.is_empty() && document.control_messages == 0 {
            reject(state, RejectReason::NoEvents, number);
        }
        ignore_control_messages(state, document.control_messages);
        for event in &document.events {
            self.document_event(state, number, event);
        }
        if let Err(DocumentError::Over(over)) = outcome {
            state.cut_at(over, number);
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

/// Whether an input starts with JSON records one after another on one line (`}{`), as
/// Kinesis Data Firehose writes them to S3: looked for in what is buffered, before a line
/// that may be far longer than a line can be is read.
fn starts_concatenated(lines: &mut LineReader<impl Read>) -> bool {
    let Ok(head) = lines.peek() else {
        return false;
    };
    let head = head.trim_ascii_start();
    let line = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
    line.starts_with(b"{") && memchr::memmem::find(line, b"}{").is_some()
}

/// What a line (not blank) opens, if anything, that is read as a value over the lines after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opening {
    No,
    /// A document on the first line, or a record pasted pretty-printed further on.
    Document,
    /// A JSON message that `sam logs` indents over the lines under its prefixed first line,
    /// with the prefix's time.
    SamLogsJson(i64),
}

fn opening(state: &InputState, number: u64, line: &[u8]) -> Opening {
    let opens = if number == 1 || state.report.events == 0 {
        decode::opens_document(line)
    } else {
        line.trim_ascii() == b"{"
    };
    if opens {
        return Opening::Document;
    }
    if line.first() == Some(&b'{') {
        // a JSON record: `sam logs` puts its stream's name first
        return Opening::No;
    }
    match decode::sam_logs_opening_brace(line) {
        Some(time) => Opening::SamLogsJson(time),
        None => Opening::No,
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
    matches!(message.first(), Some(b'R' | b'S' | b'E' | b'I' | b'X'))
        && [
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
