//! Accumulating records into an [`Analysis`].

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::access::{self, RejectReason};
use crate::input::{open_path, Compression, Error, LineReader};
use crate::settings::Settings;

/// How many line numbers a rejection keeps as examples.
const REJECTED_LINE_SAMPLES: usize = 5;

/// What Ceiling found in a set of inputs: the value every view (CLI, app, report) shows.
///
/// Where a figure has the same meaning as a key of the benchmark generator's `truth.json`, it
/// has that key (design.md, "Contracts").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The integration timeout the analysis measured against.
    pub ceiling_ms: u64,
    /// Access-log records read: one per request API Gateway answered.
    pub requests: u64,
    /// Lines that could not be read as any record, over all inputs.
    pub rejected_lines: u64,
    /// Requests per HTTP status code.
    pub status: BTreeMap<u16, u64>,
    /// What was read from each input, in the order given.
    pub inputs: Vec<InputReport>,
}

/// The account of one input: nothing read from it goes unmentioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputReport {
    /// The path as given, or the name of an in-memory input.
    pub name: String,
    pub compression: Compression,
    /// Lines read, blank ones included.
    pub lines: u64,
    /// Lines read as records.
    pub records: u64,
    pub blank_lines: u64,
    /// Lines rejected, grouped by reason, with the first line numbers of each.
    pub rejected: Vec<Rejection>,
}

/// Lines of one input rejected for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub reason: String,
    pub count: u64,
    /// The first few line numbers (from 1), to find the lines in the file.
    pub first_lines: Vec<u64>,
}

/// Reads inputs one after another and accumulates what they hold.
#[derive(Debug)]
pub struct Analyzer {
    settings: Settings,
    requests: u64,
    status: BTreeMap<u16, u64>,
    inputs: Vec<InputReport>,
}

impl Analyzer {
    pub fn new(settings: Settings) -> Self {
        Analyzer {
            settings,
            requests: 0,
            status: BTreeMap::new(),
            inputs: Vec::new(),
        }
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

    /// Reads one input from any reader. On a read error, what was read before it is kept in
    /// the analysis and the error names the input and the last line read.
    pub fn read(&mut self, name: &str, reader: impl Read) -> Result<(), Error> {
        let read_error = |line, source| Error::Read {
            name: name.to_owned(),
            line,
            source,
        };
        let mut lines = LineReader::new(reader).map_err(|source| read_error(0, source))?;
        let mut report = InputReport {
            name: name.to_owned(),
            compression: lines.compression(),
            lines: 0,
            records: 0,
            blank_lines: 0,
            rejected: Vec::new(),
        };
        let mut rejections: BTreeMap<RejectReason, Rejection> = BTreeMap::new();
        let mut line = Vec::with_capacity(4096);
        let outcome = loop {
            match lines.next_line(&mut line) {
                Ok(true) => {}
                Ok(false) => break Ok(()),
                Err(source) => break Err(read_error(lines.line_number(), source)),
            }
            report.lines += 1;
            if line.trim_ascii().is_empty() {
                report.blank_lines += 1;
                continue;
            }
            match access::parse_line(&line) {
                Ok(record) => {
                    report.records += 1;
                    self.requests += 1;
                    *self.status.entry(record.status).or_insert(0) += 1;
                }
                Err(reason) => {
                    let rejection = rejections.entry(reason).or_insert_with(|| Rejection {
                        reason: reason.describe().to_owned(),
                        count: 0,
                        first_lines: Vec::new(),
                    });
                    rejection.count += 1;
                    if rejection.first_lines.len() < REJECTED_LINE_SAMPLES {
                        rejection.first_lines.push(lines.line_number());
                    }
                }
            }
        };
        report.rejected = rejections.into_values().collect();
        self.inputs.push(report);
        outcome
    }

    /// The analysis of everything read so far.
    pub fn finish(self) -> Analysis {
        let rejected_lines = self
            .inputs
            .iter()
            .flat_map(|input| &input.rejected)
            .map(|rejection| rejection.count)
            .sum();
        Analysis {
            ceiling_ms: self.settings.ceiling_ms,
            requests: self.requests,
            rejected_lines,
            status: self.status,
            inputs: self.inputs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_is_accounted_for() {
        let log = b"{\"status\":\"200\"}\r\n\nnot a record\n{\"status\":504}\n{\"status\":\"5";
        let mut analyzer = Analyzer::new(Settings::default());
        analyzer.read("mixed.log", &log[..]).unwrap();
        let analysis = analyzer.finish();
        assert_eq!(analysis.requests, 2);
        assert_eq!(analysis.rejected_lines, 2);
        let input = &analysis.inputs[0];
        assert_eq!((input.lines, input.records, input.blank_lines), (5, 2, 1));
        let rejected: Vec<_> = input
            .rejected
            .iter()
            .map(|r| (r.reason.as_str(), r.count, r.first_lines.clone()))
            .collect();
        assert_eq!(
            rejected,
            [
                ("not an API Gateway access-log record", 1, vec![3]),
                ("malformed or truncated JSON record", 1, vec![5]),
            ]
        );
    }

    #[test]
    fn a_failing_reader_keeps_what_was_read_and_names_the_line() {
        struct FailsAfter<'a>(&'a [u8]);
        impl Read for FailsAfter<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() {
                    return Err(std::io::Error::other("device gone"));
                }
                let n = self.0.len().min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut analyzer = Analyzer::new(Settings::default());
        let error = analyzer
            .read(
                "flaky.log",
                FailsAfter(b"{\"status\":200}\n{\"status\":504}\n"),
            )
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot read flaky.log after line 2: device gone"
        );
        assert_eq!(analyzer.finish().requests, 2);
    }
}
