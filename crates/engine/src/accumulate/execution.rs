//! The execution log's figures: its lines, the timeouts it reports, the statuses methods
//! completed with (a map bounded by the HTTP statuses, at most 1,000 keys), and the timeout
//! lines kept as evidence.

use super::{
    add_counts, extend_notable, Accumulator, At, Finish, NotableExecution, Seen, NOTABLE_CAP,
};
use crate::model::ExecutionFigures;
use crate::parse::execution::{self, ExecutionLine};

/// The execution log's part of the analysis.
#[derive(Debug, Clone, Default)]
pub(crate) struct Execution {
    figures: Option<ExecutionFigures>,
    notable: Vec<NotableExecution>,
    /// The most timeout lines merges keep ([`NOTABLE_CAP`] when `None`).
    pub(super) notable_cap: Option<usize>,
    /// Timeout lines merges found no room for under `notable_cap`.
    pub(super) notable_dropped: u64,
}

/// One execution-log line: what it says, and its text (for the request id).
pub(crate) struct ExecutionObservation<'a> {
    pub(crate) line: ExecutionLine,
    pub(crate) message: &'a [u8],
}

impl Execution {
    /// The timeouts the execution log reports, if one was read.
    pub(crate) fn timeouts(&self) -> Option<u64> {
        self.figures.as_ref().map(|f| f.timeouts)
    }

    /// The requests the execution log says completed with `status`, if one was read.
    pub(crate) fn completed(&self, status: u16) -> Option<u64> {
        self.figures
            .as_ref()
            .map(|f| f.completed.get(&status).copied().unwrap_or(0))
    }

    /// The timeout lines kept, for evidence; the figures no longer need them.
    pub(crate) fn take_notable(&mut self) -> Vec<NotableExecution> {
        std::mem::take(&mut self.notable)
    }
}

impl Accumulator for Execution {
    type Observation<'a> = ExecutionObservation<'a>;
    type Figures = Option<ExecutionFigures>;

    fn observe(&mut self, observation: ExecutionObservation<'_>, at: At) -> Seen {
        let figures = self.figures.get_or_insert_with(ExecutionFigures::default);
        figures.lines += 1;
        match observation.line {
            ExecutionLine::Timeout => {
                figures.timeouts += 1;
                if self.notable.len() < NOTABLE_CAP {
                    self.notable.push(NotableExecution {
                        input: at.input,
                        line: at.line,
                        request_id: execution::request_id(observation.message)
                            .map(|id| String::from_utf8_lossy(id).into_owned()),
                    });
                }
            }
            ExecutionLine::Completed { status } => {
                *figures.completed.entry(status).or_insert(0) += 1
            }
            ExecutionLine::Step => {}
        }
        Seen::CountedAs("execution log")
    }

    fn merge(&mut self, later: Execution, line_offset: u64) {
        let Execution {
            figures,
            notable,
            notable_cap: _,
            notable_dropped,
        } = later;
        if let Some(theirs) = figures {
            let ExecutionFigures {
                lines,
                timeouts,
                completed,
            } = theirs;
            let mine = self.figures.get_or_insert_with(ExecutionFigures::default);
            mine.lines += lines;
            mine.timeouts += timeouts;
            add_counts(&mut mine.completed, completed);
        }
        let cap = self.notable_cap.unwrap_or(NOTABLE_CAP);
        self.notable_dropped += notable_dropped
            + extend_notable(&mut self.notable, notable, line_offset, cap, |e| {
                &mut e.line
            });
    }

    fn finish(self, _: &Finish<'_>) -> Option<ExecutionFigures> {
        self.figures
    }
}
