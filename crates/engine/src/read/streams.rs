//! Reading the documents of an input as streams: the JSON values a line opens (pretty-printed
//! output, records concatenated with no separator, a record pasted under the console's time
//! line), each held whole while small and walked as a stream when large, and Logs Insights CSV
//! exports row by row. Progress is told and Cancel heard between events, and nothing is kept
//! beyond the event being read.

use std::cell::{Cell, RefCell};
use std::io::{self, Cursor, Read};

use super::blocks::{Blocks, Shared};
use super::budget::DocumentError;
use super::document::{document_events, OwnedEvent, Walk};
use super::frames::{Frame, Frames};
use super::input::{Error, LineReader};
use super::insights_csv::{insights_csv_events, CsvError};
use super::reader::{Reading, Told, PROGRESS_LINES};
use super::state::{ignore_control_messages, reject, InputState, RejectReason};
use crate::model::Wrapping;

/// Where the stream of values left the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Left {
    /// The input is over.
    End,
    /// Text follows, to be read as lines.
    Text,
}

/// A reader that counts the line breaks passing through it.
struct Newlines<'c, R> {
    inner: R,
    count: &'c Cell<u64>,
}

impl<R: Read> Read for Newlines<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let breaks = memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        self.count.set(self.count.get() + breaks);
        Ok(n)
    }
}

/// Where a large value is read from, and the account of its lines.
pub(crate) struct Stream<'a, R> {
    source: &'a mut R,
    /// What the stream read past the value's end, to be read next.
    left_over: Vec<u8>,
    frames: &'a mut Frames,
    /// Line breaks already added to the report's lines.
    accounted: &'a mut u64,
    told: &'a mut Told,
}

impl Reading<'_> {
    /// Reads the JSON values that start at `head` (a line already read and counted, its
    /// number given, or nothing) and go on in `lines`, until the input ends or text follows
    /// them.
    pub(crate) fn read_values(
        &mut self,
        state: &mut InputState,
        lines: &mut LineReader<impl Read>,
        head: Option<(&[u8], u64)>,
        told: &mut Told,
    ) -> Result<Left, Error> {
        let name = state.report.name.clone();
        let (first, start) = match head {
            Some((line, number)) => {
                let mut first = line.to_vec();
                first.push(b'\n');
                (first, number)
            }
            None => (Vec::new(), lines.line_number() + 1),
        };
        if state.report.events == 0 {
            state.report.wrapping = Wrapping::JsonDocument;
        }
        let held_line = u64::from(!first.is_empty());
        let mut frames = Frames::default();
        // the line breaks added to the report's lines: the head's is counted already
        let mut accounted = held_line;
        let mut cursor = Cursor::new(first);
        let left = loop {
            if self.progress.is_cancelled() {
                break Err(Error::Cancelled {
                    name: name.clone(),
                    line: start + frames.newlines,
                });
            }
            if state.report.lines - told.0 >= PROGRESS_LINES {
                self.tell_progress(state, told);
            }
            let mut source = (&mut cursor).chain(lines.reader());
            let frame = match frames.next(&mut source) {
                Ok(frame) => frame,
                Err(source) => {
                    break Err(Error::Read {
                        name: name.clone(),
                        line: start + frames.newlines,
                        source,
                    })
                }
            };
            let number = start + frames.start;
            let outcome = match frame {
                Frame::End => break Ok(Left::End),
                Frame::Text => break Ok(Left::Text),
                Frame::Value(value) => {
                    self.held_value(state, &value, number);
                    Ok(())
                }
                Frame::Broken(value) => {
                    self.text_lines(state, &value, number);
                    Ok(())
                }
                Frame::Large(prefix) => {
                    let mut stream = Stream {
                        source: &mut source,
                        left_over: Vec::new(),
                        frames: &mut frames,
                        accounted: &mut accounted,
                        told: &mut *told,
                    };
                    let outcome = self.large_value(state, prefix, &mut stream, number);
                    let left_over = std::mem::take(&mut stream.left_over);
                    let unread = &cursor.get_ref()
                        [(cursor.position() as usize).min(cursor.get_ref().len())..];
                    let mut next = unread.to_vec();
                    next.extend(left_over);
                    cursor = Cursor::new(next);
                    outcome
                }
            };
            // a large value's stream counts its own lines, and may have counted past here
            state.report.lines += frames.newlines.saturating_sub(accounted);
            accounted = accounted.max(frames.newlines);
            if let Err(error) = outcome {
                break Err(error);
            }
            if state.cut {
                break Ok(Left::End);
            }
        };
        state.report.lines += frames.newlines.saturating_sub(accounted);
        if left.as_ref().is_ok_and(|left| *left == Left::End) && frames.partial {
            state.report.lines += 1;
        }
        lines.advance(frames.newlines.saturating_sub(held_line));
        // what the first line had left (text after a value on it) is read as a line
        let rest = &cursor.get_ref()[(cursor.position() as usize).min(cursor.get_ref().len())..];
        if left.as_ref().is_ok_and(|left| *left == Left::Text) && !rest.trim_ascii().is_empty() {
            let rest = rest.trim_ascii().to_vec();
            self.text_line(state, start + frames.newlines, &rest);
        }
        left
    }

    /// A value held whole: a document whose events are read, a record read like a line, or,
    /// if it is not JSON after all, lines.
    fn held_value(&mut self, state: &mut InputState, value: &[u8], number: u64) {
        let time = state.pending_time.take();
        let (document, outcome) = document_events(value, &mut state.budget);
        match outcome {
            Ok(()) | Err(DocumentError::Over(_)) => {}
            // not JSON after all (an invoke response's first line, a cut record): lines
            Err(_) => {
                state.pending_time = time;
                self.text_lines(state, value, number);
                return;
            }
        }
        if document.containers == 0 && document.events.is_empty() && document.control_messages == 0
        {
            // A record of its own, when on one line (records one after another, `}{`), under
            // the time line the console writes, or a log tool's envelope of a line printed
            // indented (`{"timestamp": ..., "message": "REPORT ..."}`); else a document
            // without events, as `aws lambda invoke` prints its answer above the log.
            if memchr::memchr(b'\n', value).is_some()
                && time.is_none()
                && super::decode::envelope(value).is_none()
            {
                state.set_aside("JSON documents without log events (ignored)");
                return;
            }
            state.report.events += 1;
            self.event(state, number, time, value, false);
            return;
        }
        if document.events.is_empty() && document.control_messages == 0 {
            state.report.events += 1;
            reject(state, RejectReason::NoEvents, number);
        }
        ignore_control_messages(state, document.control_messages);
        for event in &document.events {
            state.report.events += 1;
            self.document_event(state, number, event);
        }
        if let Err(DocumentError::Over(over)) = outcome {
            state.cut_at(over, number);
        }
    }

    /// The lines of what looked like a JSON value and is not, each read as a line.
    fn text_lines(&mut self, state: &mut InputState, text: &[u8], number: u64) {
        for (offset, line) in (0u64..).zip(text.split(|b| *b == b'\n')) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.trim_ascii().is_empty() {
                state.report.blank_lines += u64::from(offset > 0 || !line.is_empty());
            } else {
                self.text_line(state, number + offset, line);
            }
        }
    }

    /// A value too large to hold: walked as a stream from its start (`prefix`, already read)
    /// on through the stream's source, each event read as it comes.
    fn large_value(
        &mut self,
        state: &mut InputState,
        prefix: Vec<u8>,
        stream: &mut Stream<'_, impl Read>,
        number: u64,
    ) -> Result<(), Error> {
        // the prefix's line breaks are counted again as the stream reads it
        let prefix_breaks = memchr::memchr_iter(b'\n', &prefix).count() as u64;
        let newlines = Cell::new(stream.frames.newlines - prefix_breaks);
        let value_start = stream.frames.start;
        let mut source = Cursor::new(prefix).chain(&mut *stream.source);
        let blocks = RefCell::new(Blocks::new(&mut source, &newlines));
        let mut de = serde_json::Deserializer::from_reader(Shared(&blocks));
        let mut budget = std::mem::take(&mut state.budget);
        let (outcome, control) = {
            let accounted = &mut *stream.accounted;
            let told = &mut *stream.told;
            let mut sink = |event: OwnedEvent| {
                if self.progress.is_cancelled() {
                    return false;
                }
                state.report.events += 1;
                let line = number + newlines.get().saturating_sub(value_start);
                self.document_event(state, line, &event);
                if state.report.events % PROGRESS_LINES == 0 {
                    state.report.lines += newlines.get().saturating_sub(*accounted);
                    *accounted = (*accounted).max(newlines.get());
                    self.tell_progress(state, told);
                }
                true
            };
            let mut walk = Walk::new(&mut budget, &mut sink);
            walk.direct = Some(&blocks);
            let outcome = walk.value(&mut de);
            (outcome, walk.control_messages)
        };
        drop(de);
        state.budget = budget;
        ignore_control_messages(state, control);
        stream.left_over = blocks.into_inner().into_rest();
        stream.frames.newlines = newlines.get().max(*stream.accounted);
        // the value's last byte, a bracket, is on a line not yet ended
        stream.frames.partial = true;
        match outcome {
            Ok(()) => Ok(()),
            Err(DocumentError::Stopped) => Err(Error::Cancelled {
                name: state.report.name.clone(),
                line: number,
            }),
            Err(DocumentError::Over(over)) => {
                state.cut_at(over, number);
                Ok(())
            }
            Err(error) => {
                state.report.events += 1;
                reject(state, RejectReason::Document, number);
                state.report.error = Some(format!(
                    "{}: {error}; the events before it are kept, the rest of the input is not read",
                    state.report.name
                ));
                state.cut = true;
                Ok(())
            }
        }
    }

    /// A Logs Insights CSV export, from its header line (`header`, line `number`) on.
    pub(crate) fn read_csv(
        &mut self,
        state: &mut InputState,
        lines: &mut LineReader<impl Read>,
        header: &[u8],
        number: u64,
        told: &mut Told,
    ) -> Result<(), Error> {
        state.report.wrapping = Wrapping::InsightsCsv;
        let mut first = header.to_vec();
        first.push(b'\n');
        let newlines = Cell::new(0);
        let reader = Newlines {
            inner: Cursor::new(first).chain(lines.reader()),
            count: &newlines,
        };
        let base = state.report.lines;
        let mut rows = 0;
        let mut cancelled = false;
        let outcome = insights_csv_events(reader, |event, line| {
            if self.progress.is_cancelled() {
                cancelled = true;
                return false;
            }
            rows += 1;
            state.report.events += 1;
            self.document_event(state, number + line.saturating_sub(1), &event);
            if rows % PROGRESS_LINES == 0 {
                state.report.lines = base + line.saturating_sub(1);
                self.tell_progress(state, told);
                state.report.lines = base;
            }
            true
        });
        let counted = newlines.get().saturating_sub(1);
        state.report.lines = base + counted;
        lines.advance(counted);
        match outcome {
            Ok(()) if rows == 0 => {
                state.report.events += 1;
                reject(state, RejectReason::NoEvents, number);
            }
            Ok(()) => {}
            Err(CsvError::Stopped) if cancelled => {
                return Err(Error::Cancelled {
                    name: state.report.name.clone(),
                    line: lines.line_number(),
                })
            }
            Err(error) => {
                state.report.events += 1;
                reject(state, RejectReason::Document, number + rows);
                state.report.error = Some(error.to_string());
            }
        }
        Ok(())
    }
}
