//! The analyzer: reads inputs into the accumulators, one after another or a large file on
//! several threads, and finishes them into an [`Analysis`] with its correlation, findings
//! and story. Orchestration only: reading is in [`crate::read`], counting in
//! [`crate::accumulate`], judging in [`crate::findings`].

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::accumulate::{Accumulator, Accumulators, Finish};
use crate::correlate;
use crate::findings::{self, Notes};
use crate::model::{AggregateFunction, Aggregates, Analysis, InputReport};
use crate::parse::access::AccessParser;
use crate::read::chunks::{chunk_boundaries, open_range};
use crate::read::input::{open_path, Error, Progress};
use crate::read::{InputState, Reading};
use crate::settings::{Console, Settings};

/// Reads inputs one after another and accumulates what they hold.
///
/// Cloning an analyzer copies what it has read, so that [`Analyzer::snapshot`] can show the
/// figures so far while reading goes on.
#[derive(Debug, Clone)]
pub struct Analyzer {
    settings: Settings,
    parser: AccessParser,
    acc: Accumulators,
    inputs: Vec<InputReport>,
    progress: Arc<Progress>,
}

impl Analyzer {
    pub fn new(settings: Settings) -> Self {
        Analyzer {
            parser: AccessParser::new(settings.access_format.clone()),
            acc: Accumulators::new(&settings),
            settings,
            inputs: Vec::new(),
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
        let mut state = InputState::start(name, self.inputs.len() as u32);
        let outcome = self.reading().read_into(&mut state, reader, true);
        self.finish_input(state);
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
                        let mut state = InputState::start(&name, index);
                        let outcome = open_range(path, start, end)
                            .map_err(|source| Error::Open {
                                path: name.clone(),
                                source,
                            })
                            .and_then(|reader| {
                                worker.reading().read_into(&mut state, reader, false)
                            });
                        (worker, state, outcome)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a reading thread panicked"))
                .collect()
        });
        let mut merged = InputState::start(&name, index);
        let mut outcome = Ok(());
        let mut line_offset = 0;
        for (worker, state, result) in results {
            let lines = state.report.lines;
            self.acc.merge(worker.acc, line_offset);
            self.parser.adopt_keys(&worker.parser);
            merged.merge(state, line_offset);
            line_offset += lines;
            if outcome.is_ok() {
                outcome = result;
            }
        }
        self.finish_input(merged);
        outcome
    }

    fn reading(&mut self) -> Reading<'_> {
        Reading {
            parser: &mut self.parser,
            acc: &mut self.acc,
            progress: &self.progress,
        }
    }

    fn finish_input(&mut self, state: InputState) {
        self.inputs.push(state.finish(self.parser.given()));
    }

    /// Takes a server's figures over the whole window (CloudWatch Logs Insights), for the
    /// analysis to put in place of the counts and percentiles of the records read, which
    /// are then the notable requests only. The analysis says which figures are approximate.
    pub fn set_aggregates(&mut self, aggregates: Aggregates) {
        self.acc.gateway.set_server_counts(aggregates);
    }

    /// Takes a server's counts of a function's invocations over the whole window, for the
    /// analysis to put in place of those of its records read (the notable ones only).
    pub fn add_function_aggregate(&mut self, aggregate: AggregateFunction) {
        self.acc.lambda.add_server_counts(aggregate);
    }

    /// Says where the logs live in AWS (their region, which inputs are log groups, the
    /// window fetched), once a connection has told: for the query behind each finding.
    pub fn set_console(&mut self, console: Console) {
        self.settings.console = console;
    }

    /// The analysis of everything read.
    pub fn finish(self) -> Analysis {
        let Analyzer {
            settings,
            parser,
            acc:
                Accumulators {
                    gateway,
                    mut lambda,
                    mut execution,
                },
            inputs,
            ..
        } = self;
        let ceiling_ms = settings.ceiling_for(gateway.api());
        let invocations = lambda.take_notable();
        let execution_lines = execution.take_notable();
        // Pairs point into the notable requests, which finishing hands on in the same order.
        let (correlation, pairs) = correlate::pair(gateway.notable(), &invocations, ceiling_ms);
        let finish = Finish {
            ceiling_ms,
            correlation: &correlation,
        };
        // Without an access log, the execution log tells the gateway's timeouts and 502s.
        let no_access_log = gateway.requests() == 0;
        let execution_timeouts = execution.timeouts().filter(|_| no_access_log);
        let execution_bad_gateway = execution.completed(502).filter(|_| no_access_log);
        let gateway = gateway.finish(&finish);
        let (lambda, lambda_approximate) = lambda.finish(&finish);
        let execution = execution.finish(&finish);
        let rejected_lines = inputs
            .iter()
            .flat_map(|input| &input.rejected)
            .map(|rejection| rejection.count)
            .sum();
        let mut approximate = gateway.approximate;
        approximate.extend(lambda_approximate);
        let mut analysis = Analysis {
            ceiling_ms,
            api: gateway.api,
            requests: gateway.requests,
            rejected_lines,
            status: gateway.status,
            requests_without_status: gateway.requests_without_status,
            integration_timeouts: execution_timeouts.unwrap_or(gateway.integration_timeouts),
            near_ceiling: gateway.near_ceiling,
            bad_gateway: execution_bad_gateway.unwrap_or(gateway.bad_gateway),
            overall: gateway.overall,
            routes: gateway.routes,
            lambda,
            execution,
            correlation,
            window: gateway.window,
            timeline: gateway.timeline,
            inputs,
            what_happened: Default::default(),
            findings: Vec::new(),
            approximate,
        };
        let notes = Notes {
            thresholds: &settings.thresholds,
            requests: &gateway.notable,
            invocations: &invocations,
            execution: &execution_lines,
            pairs: &pairs,
            fields: gateway.fields_seen,
            console: &settings.console,
            access_keys: parser.sample_keys(),
        };
        analysis.findings = findings::assess(&analysis, &notes);
        analysis.what_happened = findings::what_happened(&analysis, &notes);
        analysis
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
