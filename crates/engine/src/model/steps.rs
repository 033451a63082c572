//! Where the time went inside invocations: an invocation's timeline (its application lines
//! on a time axis, the longest gap between them) and the slow step a finding names.

use serde::{Deserialize, Serialize};

use super::{Source, TimeWindow};

/// One line a function printed during an invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineLine {
    pub time_ms: Option<i64>,
    pub level: Option<String>,
    /// As printed (cut at 240 bytes); shown as text, never as markup.
    pub message: String,
    pub source: Source,
}

/// A gap of a timeline: from its START (`after` `None`) or the line at `after`, to the line
/// at `before` or the invocation's end or timeout (`before` `None`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TimelineGap {
    pub after: Option<usize>,
    pub before: Option<usize>,
    pub ms: i64,
}

/// An invocation's application lines between its START and its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvocationTimeline {
    pub request_id: String,
    pub function: String,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub duration_ms: f64,
    pub timed_out: bool,
    pub lines: Vec<TimelineLine>,
    /// Lines past the number kept of one invocation.
    pub lines_left_out: u32,
    pub longest_gap: Option<TimelineGap>,
    /// Where its REPORT is.
    pub source: Source,
}

/// The step that holds most of a function's slow invocations' time (`slow-step`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlowStep {
    pub function: String,
    /// The template of the line before the gap (`START` when the gap opens the invocation).
    pub after: String,
    /// The template of the line after it, most often; `END` when the gap runs to the end
    /// or the timeout.
    pub before: String,
    /// Slow invocations in which it is the longest gap.
    pub invocations: u64,
    /// The function's slow (timed-out or long) invocations with application lines.
    pub slow_invocations: u64,
    /// Its median share of the slow invocations' durations.
    pub median_share: f64,
    /// Its median share of every invocation with lines that has it.
    pub median_share_all: Option<f64>,
    /// Invocations with application lines.
    pub invocations_with_lines: u64,
    /// When it holds in the slow invocations only: the window their starts fall in. `None`:
    /// it holds the time of the function's invocations throughout.
    pub window: Option<TimeWindow>,
    /// Two or three slow invocations it held, with their lines.
    pub samples: Vec<InvocationTimeline>,
}
