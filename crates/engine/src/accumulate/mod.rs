//! Accumulators: what the analysis remembers of the records read, in memory bounded by routes,
//! functions and time buckets rather than by lines.
//!
//! Each accumulator owns one part of the figures ([`Gateway`] the access log's, [`Lambda`] the
//! functions', [`Execution`] the execution log's) and implements [`Accumulator`]: it
//! observes records, merges with another accumulator that read a later part of the same
//! input (the chunks of a large file read in parallel), and finishes into its part of the
//! [`crate::model::Analysis`]. Every merge takes the other accumulator apart field by field,
//! so a field that is added and not merged does not compile.

mod execution;
mod gateway;
mod histogram;
mod invocations;
mod lambda;
mod notable;
mod routes;
mod steps;
mod timeline;

pub(crate) use execution::{Execution, ExecutionObservation};
pub(crate) use gateway::{AccessObservation, Gateway};
pub use lambda::function_name;
pub(crate) use lambda::{Lambda, LambdaObservation};
pub(crate) use notable::{NotableExecution, NotableInvocation, NotableRequest};
pub(crate) use steps::{AppTimeline, StepNotes, StepStats};

use crate::model::Correlation;
use crate::settings::Settings;

/// Where an observation was read: the input (its index in the analysis) and the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At {
    pub(crate) input: u32,
    pub(crate) line: u64,
}

/// How an input's report accounts for an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Counted, under the kind the reader names (an access log's format).
    Counted,
    /// Counted, under this kind.
    CountedAs(&'static str),
    /// Read but set aside (outside the focus, or nothing the figures use), under this kind.
    SetAside(&'static str),
}

/// What every accumulator is given to finish.
pub(crate) struct Finish<'a> {
    /// The ceiling the analysis judges against, in milliseconds.
    pub(crate) ceiling_ms: u64,
    /// How the gateway's timeouts were paired with invocations.
    pub(crate) correlation: &'a Correlation,
}

/// One part of the figures, built record by record and mergeable.
pub(crate) trait Accumulator: Sized {
    /// One thing it counts.
    type Observation<'a>;
    /// Its part of the analysis.
    type Figures;

    /// Counts one observation read at `at`.
    fn observe(&mut self, observation: Self::Observation<'_>, at: At) -> Seen;

    /// Adds what `later` read from a later part of the same input, whose line numbers start
    /// after `line_offset` lines of this one.
    fn merge(&mut self, later: Self, line_offset: u64);

    /// Its figures.
    fn finish(self, finish: &Finish<'_>) -> Self::Figures;
}

/// Every accumulator of an analysis.
#[derive(Debug, Clone)]
pub(crate) struct Accumulators {
    pub(crate) gateway: Gateway,
    pub(crate) lambda: Lambda,
    pub(crate) execution: Execution,
}

impl Accumulators {
    pub(crate) fn new(settings: &Settings) -> Self {
        Accumulators {
            gateway: Gateway::new(settings),
            lambda: Lambda::new(settings),
            execution: Execution::default(),
        }
    }

    /// From now on, keeps at most `cap` of each kind of notable record (requests,
    /// invocations, execution-log timeouts) when later parts are merged in: for a part
    /// that gathers a long run of merged parts (a live watch's minutes older than the kept
    /// hour). What finds no room is counted ([`Accumulators::notable_dropped`]); the counts
    /// and percentiles stay exact, since they never come from the notable records.
    pub(crate) fn cap_notable(&mut self, cap: usize) {
        self.gateway.notable_cap = Some(cap);
        self.lambda.notable_cap = Some(cap);
        self.execution.notable_cap = Some(cap);
    }

    /// Notable records that found no room in merges under [`Accumulators::cap_notable`].
    pub(crate) fn notable_dropped(&self) -> u64 {
        self.gateway.notable_dropped + self.lambda.notable_dropped + self.execution.notable_dropped
    }

    /// Adds what `later` read from a later part of the same input (see
    /// [`Accumulator::merge`]).
    pub(crate) fn merge(&mut self, later: Accumulators, line_offset: u64) {
        let Accumulators {
            gateway,
            lambda,
            execution,
        } = later;
        self.gateway.merge(gateway, line_offset);
        self.lambda.merge(lambda, line_offset);
        self.execution.merge(execution, line_offset);
    }
}

/// The largest of two optional values.
pub(crate) fn max_f64(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Adds up two maps of counts.
pub(crate) fn add_counts<K: Ord>(
    mine: &mut std::collections::BTreeMap<K, u64>,
    theirs: std::collections::BTreeMap<K, u64>,
) {
    for (key, n) in theirs {
        *mine.entry(key).or_insert(0) += n;
    }
}

/// Appends the notable items of a later part, with their line numbers moved past
/// `line_offset`, up to `cap` in all; returns how many found no room.
pub(crate) fn extend_notable<T>(
    mine: &mut Vec<T>,
    theirs: Vec<T>,
    line_offset: u64,
    cap: usize,
    line: impl Fn(&mut T) -> &mut u64,
) -> u64 {
    let room = cap.saturating_sub(mine.len());
    let dropped = theirs.len().saturating_sub(room) as u64;
    mine.extend(theirs.into_iter().take(room).map(|mut item| {
        *line(&mut item) += line_offset;
        item
    }));
    dropped
}

pub(crate) use histogram::Histogram;
pub(crate) use notable::NOTABLE_CAP;
pub(crate) use timeline::Timeline;
