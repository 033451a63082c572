//! The requests, invocations and execution-log lines kept beside the figures, for evidence
//! and for pairing timeouts with invocations. Each list is capped at [`NOTABLE_CAP`].

/// Notable requests and invocations kept for evidence and correlation, at most.
pub(crate) const NOTABLE_CAP: usize = 200_000;

/// A request kept for evidence and correlation: timed out, or close to the ceiling.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NotableRequest {
    pub(crate) input: u32,
    pub(crate) line: u64,
    pub(crate) route: String,
    pub(crate) time_ms: Option<i64>,
    /// 1 for times in milliseconds; 1000 for CLF times, which have whole seconds.
    pub(crate) time_precision_ms: u32,
    pub(crate) status: Option<u16>,
    pub(crate) response_latency_ms: Option<u32>,
    pub(crate) integration_latency_ms: Option<u32>,
    pub(crate) timed_out: bool,
    /// The integration's error message, else the gateway's, else the error type.
    pub(crate) error: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) integration_request_id: Option<String>,
    pub(crate) trace_id: Option<String>,
}

/// An execution-log line that says the integration timed out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NotableExecution {
    pub(crate) input: u32,
    pub(crate) line: u64,
    pub(crate) request_id: Option<String>,
}

/// An invocation kept for evidence and correlation: long, or timed out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NotableInvocation {
    pub(crate) input: u32,
    pub(crate) line: u64,
    pub(crate) request_id: String,
    /// When it started (its REPORT's time less its duration), if the log has times.
    pub(crate) start_ms: Option<i64>,
    pub(crate) duration_ms: f64,
    pub(crate) init_ms: Option<f64>,
    pub(crate) timed_out: bool,
    pub(crate) trace_id: Option<String>,
}
