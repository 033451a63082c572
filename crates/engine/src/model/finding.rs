//! Findings as the views receive them: a stable id, a severity, the figures in words, the
//! evidence behind them and the advice.

use serde::{Deserialize, Serialize};

/// The stable id of a finding (design.md, "The findings catalogue"), serialised as its
/// kebab-case name. Ids are never renamed or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingId {
    IntegrationTimeout,
    NearCeiling,
    P99NearCeiling,
    BadGateway,
    TimeoutsConcentrated,
    TimeoutsSystemic,
    TimeoutBurst,
    LambdaOutlivedGateway,
    LambdaTimeoutAboveGateway,
    LambdaTimeout,
    ColdStartTimeouts,
    LambdaInitFailure,
    MemoryPressure,
    AsyncCandidate,
    CacheCandidate,
    LargeResponse,
    MissingLatencyFields,
    Throttled,
    SlowStep,
    AccessLogIncomplete,
}

impl FindingId {
    /// Every id, in the catalogue's order.
    pub const ALL: [FindingId; 20] = [
        FindingId::IntegrationTimeout,
        FindingId::NearCeiling,
        FindingId::P99NearCeiling,
        FindingId::BadGateway,
        FindingId::TimeoutsConcentrated,
        FindingId::TimeoutsSystemic,
        FindingId::TimeoutBurst,
        FindingId::LambdaOutlivedGateway,
        FindingId::LambdaTimeoutAboveGateway,
        FindingId::LambdaTimeout,
        FindingId::ColdStartTimeouts,
        FindingId::LambdaInitFailure,
        FindingId::MemoryPressure,
        FindingId::AsyncCandidate,
        FindingId::CacheCandidate,
        FindingId::LargeResponse,
        FindingId::MissingLatencyFields,
        FindingId::Throttled,
        FindingId::SlowStep,
        FindingId::AccessLogIncomplete,
    ];

    /// The id as JSON, the CLI and the report write it: `integration-timeout`.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingId::IntegrationTimeout => "integration-timeout",
            FindingId::NearCeiling => "near-ceiling",
            FindingId::P99NearCeiling => "p99-near-ceiling",
            FindingId::BadGateway => "bad-gateway",
            FindingId::TimeoutsConcentrated => "timeouts-concentrated",
            FindingId::TimeoutsSystemic => "timeouts-systemic",
            FindingId::TimeoutBurst => "timeout-burst",
            FindingId::LambdaOutlivedGateway => "lambda-outlived-gateway",
            FindingId::LambdaTimeoutAboveGateway => "lambda-timeout-above-gateway",
            FindingId::LambdaTimeout => "lambda-timeout",
            FindingId::ColdStartTimeouts => "cold-start-timeouts",
            FindingId::LambdaInitFailure => "lambda-init-failure",
            FindingId::MemoryPressure => "memory-pressure",
            FindingId::AsyncCandidate => "async-candidate",
            FindingId::CacheCandidate => "cache-candidate",
            FindingId::LargeResponse => "large-response",
            FindingId::MissingLatencyFields => "missing-latency-fields",
            FindingId::Throttled => "throttled",
            FindingId::SlowStep => "slow-step",
            FindingId::AccessLogIncomplete => "access-log-incomplete",
        }
    }
}

impl std::fmt::Display for FindingId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a finding matters, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Elevated,
    Low,
    Info,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Elevated,
        Severity::Low,
        Severity::Info,
    ];

    /// The one name of a severity, as JSON, the CLI, the app and the report write it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Elevated => "elevated",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A text that names no severity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a severity (critical, high, elevated, low, info)")]
pub struct UnknownSeverity(pub String);

impl std::str::FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownSeverity(text.to_owned()))
    }
}

/// One finding of the catalogue, with the evidence behind it and what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id from design.md's catalogue (`integration-timeout`, ...).
    pub id: FindingId,
    pub severity: Severity,
    pub title: String,
    /// The finding in a few sentences, with its figures.
    pub summary: String,
    /// Requests (or invocations) it concerns: orders findings of the same severity.
    pub impact: u64,
    pub evidence: Evidence,
    pub advice: Vec<Advice>,
    /// The Logs Insights query that gives the finding's figure, and console links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<super::Reproduce>,
}

/// What a finding rests on: enough to find the raw lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub routes: Vec<RouteShare>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub windows: Vec<TimeWindow>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub functions: Vec<FunctionShare>,
    /// A sample of the requests, most telling first.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub requests: Vec<RequestSample>,
    /// A sample of the invocations, most telling first.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub invocations: Vec<InvocationSample>,
    /// `slow-step`: the step, its share and sample timelines.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub steps: Option<super::SlowStep>,
}

/// A route's part in a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteShare {
    pub route: String,
    /// The route's requests that the finding is about.
    pub count: u64,
    /// `count` as a share (0 to 1) of the finding's total.
    pub share: f64,
    /// All requests of the route.
    pub requests: u64,
    pub p50_ms: Option<u32>,
    pub p99_ms: Option<u32>,
}

/// A stretch of time in a finding (milliseconds since the epoch, UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub start_ms: i64,
    pub end_ms: i64,
    pub count: u64,
    /// The route with most of the window's count.
    pub route: Option<String>,
}

/// A function's part in a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionShare {
    pub function: String,
    pub count: u64,
    /// The input its log came from.
    pub source: String,
}

/// Where a sample was read: the input and its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub input: String,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSample {
    pub request_id: Option<String>,
    pub route: String,
    pub time_ms: Option<i64>,
    /// `None` where the log has no status.
    pub status: Option<u16>,
    pub response_latency_ms: Option<u32>,
    pub integration_latency_ms: Option<u32>,
    pub error: Option<String>,
    pub source: Source,
}

impl RequestSample {
    /// The status as shown: the code, or a note that the log has none.
    pub fn status_text(&self) -> String {
        self.status
            .map_or_else(|| "(no status)".to_owned(), |status| status.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvocationSample {
    /// The Lambda request id.
    pub request_id: String,
    pub function: String,
    pub start_ms: Option<i64>,
    pub duration_ms: f64,
    pub init_ms: Option<f64>,
    pub timed_out: bool,
    /// The gateway request it ran for, when paired.
    pub gateway_request_id: Option<String>,
    /// How the pairing was made: integration request id, X-Ray trace id, function and time.
    pub paired_by: Option<String>,
    pub source: Source,
}

/// One step to take, with the AWS documentation that explains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advice {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub link: Option<String>,
}

/// The story at the top of an analysis: a headline and a few sentences.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WhatHappened {
    pub headline: String,
    pub points: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialise_as_the_catalogue_names_them() {
        for id in FindingId::ALL {
            let json = serde_json::to_value(id).unwrap();
            assert_eq!(json, serde_json::Value::String(id.as_str().to_owned()));
            assert_eq!(serde_json::from_value::<FindingId>(json).unwrap(), id);
        }
    }

    #[test]
    fn severities_read_back_from_their_names() {
        for severity in Severity::ALL {
            assert_eq!(severity.name().parse::<Severity>(), Ok(severity));
            assert_eq!(
                severity.name().to_uppercase().parse::<Severity>(),
                Ok(severity)
            );
            let json = serde_json::to_value(severity).unwrap();
            assert_eq!(json, serde_json::Value::String(severity.name().to_owned()));
        }
        assert!("urgent".parse::<Severity>().is_err());
    }
}
