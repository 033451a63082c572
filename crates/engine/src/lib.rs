//! The analysis engine of Ceiling: it reads API Gateway and Lambda logs and computes the
//! figures that tell why an API answered 504 Gateway Timeout.
//!
//! # Map
//!
//! Dependencies point one way, from the top of this list to the bottom:
//!
//! | module | what it holds |
//! |---|---|
//! | [`live`] | a rolling analysis for a live watch: events into per-minute accumulators, any window a merge of minutes |
//! | [`Analyzer`] (`analyzer`) | orchestration: inputs into the accumulators, threads, then correlation and findings |
//! | [`compare`] | two analyses side by side: what changed per route, function and finding, with the tests that call a change |
//! | `findings` | the catalogue: one rule per finding, in one table, from the figures and the notable records |
//! | `correlate` | pairing the gateway's timeouts with the invocations behind them |
//! | `read` | inputs, lines, gzip, documents and wrappings, chunks for threads; each event classified and handed on |
//! | `accumulate` | the accumulators (gateway, Lambda, execution log): observe, merge, finish |
//! | `parse` | access records (any template), execution-log lines, Lambda lines |
//! | [`Settings`], [`duration`], time | what the user set; durations and times as people write them |
//! | `model` | the output: [`Analysis`], its figures and [`Finding`]s; depends on nothing else |
//!
//! Data flows one way: an input (a file, a folder, stdin or an in-memory export) is decoded
//! into events, each event is classified and parsed into a record, the accumulators count the
//! records, and [`Analyzer::finish`] turns them into an [`Analysis`], a plain serializable
//! value that the CLI, the desktop app and the report all show. Memory is bounded by what the
//! accumulators keep (routes, functions, time buckets, capped samples), never by the number of
//! lines read.
//!
//! ```
//! use ceiling_engine::{Analyzer, FindingId, Settings};
//!
//! let log = br#"{"requestId":"a1","status":"504","routeKey":"GET /slow"}
//! {"requestId":"a2","status":200,"routeKey":"GET /fast"}
//! "#;
//! let mut analyzer = Analyzer::new(Settings::default());
//! analyzer.read("inline", &log[..]).unwrap();
//! let analysis = analyzer.finish();
//! assert_eq!(analysis.requests, 2);
//! assert_eq!(analysis.status[&504], 1);
//! assert_eq!(analysis.integration_timeouts, 1);
//! assert!(analysis.findings.iter().any(|f| f.id == FindingId::IntegrationTimeout));
//! ```
//!
//! # Adding a figure
//!
//! A figure belongs to one accumulator in `accumulate/` (`gateway.rs`, `lambda.rs` or
//! `execution.rs`): add its field to the accumulator, count it in `observe`, add it up in
//! `merge` (which takes the other accumulator apart field by field, so a field left out
//! does not compile), and hand it on in `finish` to its field of the output in `model/`.
//! Nothing else changes: the parallel reader, snapshots and server-side counts go through
//! the same three functions.
//!
//! # Adding a finding
//!
//! A finding is a rule in `findings/`: a function from the finished figures and notes
//! (`Context`) to the findings it supports, plus one line in the table `RULES` of
//! `findings/mod.rs`, and its id in [`FindingId`] (a variant, its name in `as_str`, and in
//! `FindingId::ALL`).

mod accumulate;
mod analyzer;
pub mod compare;
mod correlate;
pub mod duration;
mod findings;
pub mod live;
mod model;
mod parse;
mod read;
mod settings;
mod time;
mod window;

pub use accumulate::function_name;
pub use analyzer::Analyzer;
pub use compare::{compare, CompareSettings, Comparison};
pub use model::*;
pub use parse::access::{access_keys, AccessKeys, Template, TemplateError};
pub use read::input::{expand_paths, Error, Progress};
pub use settings::{
    check_ceiling, CeilingError, Console, Focus, Settings, ThresholdError, Thresholds,
    DEFAULT_CEILING_MS, HTTP_API_CEILING_MS, MAX_CEILING_MS,
};
pub use time::{format_utc, parse_iso_ms};
pub use window::{now_ms, parse_time, TimeError, WindowError};
