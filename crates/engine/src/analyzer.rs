//! The analyzer: reads inputs into the accumulators, one after another or a large file on
//! several threads, and finishes them into an [`Analysis`] with its correlation, findings
//! and story. Orchestration only: reading is in [`crate::read`], counting in
//! [`crate::accumulate`], judging in [`crate::findings`].

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::accumulate::{Accumulator, Accumulators, Finish};
use crate::correlate;
use crate::findings::{self, Notes};
use crate::model::{AggregateFunction, Aggregates, Analysis, InputReport, StageConfig};
use crate::parse::access::{AccessKeys, AccessParser};
use crate::read::chunks::{chunk_boundaries, open_range};
use crate::read::inflate::Inflate;
use crate::read::input::{open_path, Error, Progress};
use crate::read::parallel::read_in_order;
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
    /// Notes of figures left approximate by where the records came from, given by the
    /// caller (a server's answer cut at its row limit), for the analysis' `approximate`.
    approximate: Vec<String>,
    /// The stage's configuration, applied by the findings.
    config: Option<StageConfig>,
}

impl Analyzer {
    pub fn new(settings: Settings) -> Self {
        Analyzer {
            parser: AccessParser::new(settings.access_format.clone()),
            acc: Accumulators::new(&settings),
            settings,
            inputs: Vec::new(),
            progress: Arc::new(Progress::default()),
            approximate: Vec::new(),
            config: None,
        }
    }

    /// An analyzer that applies a stage's configuration (`ceiling config`): the stage's
    /// access-log format where `settings` gives none, the longest of its integration
    /// timeouts as the ceiling where `settings` sets none, and, in the findings, each route
    /// judged against its own integration's timeout and each function's configured timeout.
    /// The settings are [`Settings::applying`] the configuration.
    pub fn with_config(settings: Settings, config: StageConfig) -> Self {
        let mut analyzer = Analyzer::new(settings.applying(&config));
        analyzer
            .acc
            .gateway
            .set_config(Some(Arc::new(config.clone())));
        analyzer.config = Some(config);
        analyzer
    }

    /// The routes of the stage's configuration whose requests are notable from another
    /// latency than [`Settings::notable_ms`], each with it ([`Settings::notable_ms_of`] its
    /// integration's timeout): what a server that counts the rest of a window must return
    /// in full for them, as the analysis keeps evidence and counts near misses against
    /// the route's own ceiling.
    pub fn notable_routes(&self) -> Vec<(String, u64)> {
        let Some(config) = &self.config else {
            return Vec::new();
        };
        let stage_ms = self.settings.notable_ms();
        config
            .routes
            .iter()
            .filter_map(|route| {
                let ms = self
                    .settings
                    .notable_ms_of(route.integration.as_ref()?.timeout_ms);
                (ms != stage_ms).then(|| (route.route.clone(), ms))
            })
            .collect()
    }

    /// An analyzer over accumulators read elsewhere, with the reports of their inputs:
    /// the merged minutes of a live window ([`crate::live::Rolling`]), to finish.
    pub(crate) fn of_parts(
        settings: Settings,
        parser: AccessParser,
        acc: Accumulators,
        inputs: Vec<InputReport>,
        config: Option<StageConfig>,
    ) -> Analyzer {
        Analyzer {
            settings,
            parser,
            acc,
            inputs,
            progress: Arc::new(Progress::default()),
            approximate: Vec::new(),
            config,
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
        self.read_path_on(path, Inflate::Here)
    }

    /// Reads a file, with gzip inflated where `inflate` says.
    fn read_path_on(&mut self, path: &Path, inflate: Inflate) -> Result<(), Error> {
        let opened = open_path(path, &self.progress)?;
        let mut state = InputState::start(&input_name(path), self.inputs.len() as u32);
        let outcome = self
            .reading()
            .read_opened(&mut state, opened, true, inflate);
        self.finish_input(state);
        outcome
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

    /// Reads a file with up to `threads` threads: [`Analyzer::read_paths`] with one path.
    pub fn read_path_with_threads(&mut self, path: &Path, threads: usize) -> Result<(), Error> {
        let errors = self.read_paths(std::slice::from_ref(&path.to_path_buf()), threads, |_| {});
        errors.into_iter().next().map_or(Ok(()), Err)
    }

    /// Reads files (gzip or plain, `-` for stdin) with up to `threads` threads, as if one
    /// after another: the analysis is the one a single thread gives. Each input is read by a
    /// worker of its own, and a large plain file is cut at line breaks into one chunk per
    /// thread, and with cores to spare a gzip input is inflated on a thread of its own while
    /// its lines are read on another; the parts are merged in order. `after_input` sees the analyzer after each
    /// input is added (for a window's figures so far). Returns the errors of the inputs
    /// that failed, in order; what an input held up to its error is kept, and once the
    /// reading is cancelled the inputs not started are left out.
    pub fn read_paths(
        &mut self,
        paths: &[PathBuf],
        threads: usize,
        mut after_input: impl FnMut(&Analyzer),
    ) -> Vec<Error> {
        let mut errors = Vec::new();
        let mut plan = Plan::default();
        for path in paths {
            match chunk_boundaries(path, threads) {
                Ok(chunks) => plan.add(path, chunks),
                Err(source) => errors.push((
                    plan.inputs.len(),
                    Error::Open {
                        path: path.display().to_string(),
                        source,
                    },
                )),
            }
        }
        if threads <= 1 || plan.pieces.len() <= 1 {
            for (input, path) in plan.inputs.iter().enumerate() {
                let before = self.inputs.len();
                let inflate = if threads > 1 {
                    Inflate::Apart
                } else {
                    Inflate::Here
                };
                if let Err(error) = self.read_path_on(path, inflate) {
                    errors.push((input, error));
                }
                if self.inputs.len() > before {
                    after_input(self);
                }
            }
        } else {
            let mut merging = Merging::default();
            let settings = self.settings.clone();
            let config = self.acc.gateway.config().cloned();
            let progress = self.progress();
            let base = self.inputs.len() as u32;
            // with cores to spare, a gzip input is inflated on a thread of its own; else
            // once a worker has no input left to read
            let cores_to_spare = plan.pieces.len() < threads;
            read_in_order(
                plan.pieces.len(),
                threads,
                &progress,
                || AccessParser::new(settings.access_format.clone()),
                |parser, k, spare| {
                    let mut acc = Accumulators::new(&settings);
                    acc.gateway.set_config(config.clone());
                    let inflate = if cores_to_spare {
                        Inflate::Apart
                    } else {
                        Inflate::WhenSpare(spare.clone())
                    };
                    plan.read(k, base, acc, parser, &progress, inflate)
                },
                |k, read| {
                    let piece = &plan.pieces[k];
                    if let Some(read) = read {
                        merging.add(self, piece, read);
                    }
                    if piece.last {
                        let before = self.inputs.len();
                        if let Some((input, error)) = merging.finish(self) {
                            errors.push((input, error));
                        }
                        if self.inputs.len() > before {
                            after_input(self);
                        }
                    }
                },
            );
        }
        errors.sort_by_key(|(input, _)| *input);
        errors.into_iter().map(|(_, error)| error).collect()
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

    /// Says in the analysis' `approximate` that some figures are approximate for a reason
    /// only the caller knows: a server that returned its most rows and left some out.
    pub fn add_approximate(&mut self, note: String) {
        self.approximate.push(note);
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
            approximate: noted,
            config,
            ..
        } = self;
        let ceiling_ms = settings.ceiling_for(gateway.api());
        let invocations = lambda.take_notable();
        let steps = lambda.take_steps();
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
        approximate.extend(noted);
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
            config,
        };
        let notes = Notes {
            thresholds: &settings.thresholds,
            requests: &gateway.notable,
            invocations: &invocations,
            execution: &execution_lines,
            pairs: &pairs,
            fields: gateway.fields_seen,
            steps: &steps,
            console: &settings.console,
            access_keys: parser.sample_keys(),
        };
        analysis.findings = findings::assess(&analysis, &notes);
        analysis.what_happened = findings::what_happened(&analysis, &notes);
        analysis
    }
}

/// The pieces a list of inputs is read in: each input whole, or its chunks.
#[derive(Default)]
struct Plan<'a> {
    inputs: Vec<&'a Path>,
    pieces: Vec<Piece>,
}

struct Piece {
    input: usize,
    /// The bytes of a chunk; `None` for the whole input.
    range: Option<(u64, u64)>,
    /// The input's last piece.
    last: bool,
}

/// What a worker read of one piece.
struct PieceRead {
    acc: Accumulators,
    state: InputState,
    outcome: Result<(), Error>,
    /// The access log's field names as the worker's parser found them (for the queries
    /// behind the findings).
    access_keys: Option<AccessKeys>,
}

impl<'a> Plan<'a> {
    fn add(&mut self, path: &'a Path, chunks: Option<Vec<u64>>) {
        let input = self.inputs.len();
        self.inputs.push(path);
        match chunks {
            Some(chunks) => {
                for range in chunks.windows(2) {
                    self.pieces.push(Piece {
                        input,
                        range: Some((range[0], range[1])),
                        last: range[1] == *chunks.last().unwrap(),
                    });
                }
            }
            None => self.pieces.push(Piece {
                input,
                range: None,
                last: true,
            }),
        }
    }

    /// Reads piece `k`, whose input is the `base + input`-th of the analysis, into `acc`,
    /// empty accumulators of its own.
    fn read(
        &self,
        k: usize,
        base: u32,
        mut acc: Accumulators,
        parser: &mut AccessParser,
        progress: &Arc<Progress>,
        inflate: Inflate,
    ) -> PieceRead {
        let piece = &self.pieces[k];
        let path = self.inputs[piece.input];
        let name = input_name(path);
        let mut state = InputState::start(&name, base + piece.input as u32);
        let mut reading = Reading {
            parser,
            acc: &mut acc,
            progress,
        };
        let outcome = match piece.range {
            Some((start, end)) => open_range(path, start, end, progress)
                .map_err(|source| Error::Open {
                    path: name.clone(),
                    source,
                })
                .and_then(|opened| reading.read_opened(&mut state, opened, false, Inflate::Here)),
            None => open_path(path, progress)
                .and_then(|opened| reading.read_opened(&mut state, opened, true, inflate)),
        };
        PieceRead {
            acc,
            state,
            outcome,
            access_keys: parser.sample_keys().cloned(),
        }
    }
}

/// The input being merged from its pieces, in order.
#[derive(Default)]
struct Merging {
    state: Option<InputState>,
    input: usize,
    line_offset: u64,
    outcome: Option<Error>,
}

impl Merging {
    fn add(&mut self, analyzer: &mut Analyzer, piece: &Piece, read: PieceRead) {
        let lines = read.state.report.lines;
        analyzer.acc.merge(read.acc, self.line_offset);
        analyzer.parser.adopt_keys(read.access_keys);
        self.input = piece.input;
        match &mut self.state {
            Some(state) => state.merge(read.state, self.line_offset),
            None => self.state = Some(read.state),
        }
        self.line_offset += lines;
        if let (None, Err(error)) = (&self.outcome, read.outcome) {
            self.outcome = Some(error);
        }
    }

    /// Ends the input merged so far (if any piece of it was read): its report goes into the
    /// analysis; returns its error, with its position among the inputs.
    fn finish(&mut self, analyzer: &mut Analyzer) -> Option<(usize, Error)> {
        let merging = std::mem::take(self);
        let state = merging.state?;
        analyzer.finish_input(state);
        merging.outcome.map(|error| (merging.input, error))
    }
}

fn input_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "stdin".to_owned()
    } else {
        path.display().to_string()
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
