//! The analysis engine of Ceiling: it reads API Gateway and Lambda logs and computes the
//! figures that tell why an API answered 504 Gateway Timeout.
//!
//! Data flows one way: an input (a file, a folder, stdin or an in-memory export) is decoded
//! into lines, each line is classified and parsed into a record, and an [`Analyzer`]
//! accumulates records into an [`Analysis`], a plain serializable value that the CLI, the
//! desktop app and the report all show. Memory is bounded by what the analysis keeps (status
//! codes, rejected-line samples), never by the number of lines read.
//!
//! ```
//! use ceiling_engine::{Analyzer, Settings};
//!
//! let log = br#"{"requestId":"a1","status":"504"}
//! {"requestId":"a2","status":200}
//! "#;
//! let mut analyzer = Analyzer::new(Settings::default());
//! analyzer.read("inline", &log[..]).unwrap();
//! let analysis = analyzer.finish();
//! assert_eq!(analysis.requests, 2);
//! assert_eq!(analysis.status[&504], 1);
//! ```

mod access;
mod aggregates;
mod analysis;
mod correlate;
mod decode;
pub mod duration;
mod execution;
mod findings;
mod histogram;
mod input;
mod lambda;
mod settings;
mod time;
mod timeline;

pub use access::{access_keys, AccessKeys, ApiKind, Template, TemplateError};
pub use aggregates::{AggregateBin, AggregateFunction, AggregateRoute, Aggregates};
pub use analysis::{
    function_name, Analysis, Analyzer, ExecutionFigures, FunctionFigures, InputReport,
    LambdaFigures, Percentiles, Rejection, RouteFigures, Window, DISTINCT_PATHS_CAP,
};
pub use correlate::Correlation;
pub use decode::Wrapping;
pub use findings::{
    Advice, Evidence, Finding, FunctionShare, InvocationSample, RequestSample, RouteShare,
    Severity, Source, TimeWindow, UnknownSeverity, WhatHappened,
};
pub use input::{expand_paths, Compression, Error, Progress};
pub use settings::{Focus, Settings, Thresholds, DEFAULT_CEILING_MS, HTTP_API_CEILING_MS};
pub use time::{format_utc, parse_iso_ms};
pub use timeline::{BucketFigures, RouteTimeouts, TimelineFigures};
