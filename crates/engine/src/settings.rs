//! What the user can set about an analysis.

use serde::{Deserialize, Serialize};

use crate::model::{ApiKind, StageConfig, Window};
use crate::parse::access::Template;

/// API Gateway's default integration timeout for REST and WebSocket APIs, in milliseconds.
pub const DEFAULT_CEILING_MS: u64 = 29_000;

/// The integration timeout of HTTP APIs, which cannot be raised.
pub const HTTP_API_CEILING_MS: u64 = 30_000;

/// The longest ceiling a setting may give: Lambda's own longest timeout (15 minutes). The
/// highest integration timeout AWS is known to grant a REST API is 5 minutes; no
/// integration waited on longer than this is a Lambda function's, and figures in
/// milliseconds stay far from overflowing.
pub const MAX_CEILING_MS: u64 = 900_000;

/// A ceiling that cannot be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CeilingError {
    #[error("the ceiling must be longer than 0 ms")]
    Zero,
    #[error("the ceiling must be at most 15 min (900000 ms), not {0} ms")]
    TooLong(u64),
}

/// Checks a ceiling the user gives: more than 0 and at most [`MAX_CEILING_MS`].
pub fn check_ceiling(ms: u64) -> Result<u64, CeilingError> {
    match ms {
        0 => Err(CeilingError::Zero),
        ms if ms > MAX_CEILING_MS => Err(CeilingError::TooLong(ms)),
        ms => Ok(ms),
    }
}

/// Settings of one analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The integration timeout the gateway enforces. `None`: 29 s, or 30 s when the access
    /// log is an HTTP API's. Regional and private REST APIs can raise it by a quota request
    /// since June 2024. A value past [`MAX_CEILING_MS`] (or 0) is read as that bound (as
    /// 1 ms); [`check_ceiling`] tells the user so before.
    pub ceiling_ms: Option<u64>,
    /// The stage's access-log format string, for formats that cannot be recognised alone.
    pub access_format: Option<Template>,
    /// When each finding fires.
    pub thresholds: Thresholds,
    /// What to look at: everything, or one route, or a time window.
    pub focus: Focus,
    /// Where the logs live in AWS, for the queries and console links that reproduce each
    /// finding.
    pub console: Console,
}

/// Where the logs of an analysis live in AWS: what the queries and console links that
/// reproduce each finding need beyond the logs themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Console {
    /// The region of the log groups (a cloud reading's, or `--region` for files); without
    /// one, the queries are given and the links left out.
    pub region: Option<String>,
    /// The inputs that are CloudWatch log groups, by name: a cloud reading names each input
    /// after its group.
    pub log_groups: Vec<String>,
    /// The window the groups were read over, when they were fetched.
    pub window: Option<Window>,
}

/// Requests and invocations at or above this share of the ceiling are kept as notable:
/// evidence of the findings, and candidates for pairing.
pub(crate) const NOTABLE_PERCENT: u64 = 80;

impl Settings {
    /// These settings with what a stage's configuration (`ceiling config`) tells where they
    /// say nothing: its access-log format (when it parses), and the longest of its
    /// integration timeouts as the ceiling.
    pub fn applying(mut self, config: &StageConfig) -> Settings {
        if self.access_format.is_none() {
            self.access_format = config
                .access_log
                .as_ref()
                .and_then(|a| a.format.as_deref())
                .and_then(|format| Template::parse(format).ok());
        }
        if self.ceiling_ms.is_none() {
            self.ceiling_ms = config
                .routes
                .iter()
                .filter_map(|r| r.integration.as_ref())
                .map(|i| i.timeout_ms)
                .max();
        }
        self
    }

    /// The ceiling set, within its bounds.
    fn ceiling_set(&self) -> Option<u64> {
        self.ceiling_ms.map(|ms| ms.clamp(1, MAX_CEILING_MS))
    }

    fn ceiling_or_default(&self) -> u64 {
        self.ceiling_set().unwrap_or(DEFAULT_CEILING_MS)
    }

    /// The ceiling to judge against: the one set (within its bounds), else the default of
    /// the API's kind.
    pub fn ceiling_for(&self, api: Option<ApiKind>) -> u64 {
        self.ceiling_set().unwrap_or(match api {
            Some(ApiKind::Http) => HTTP_API_CEILING_MS,
            _ => DEFAULT_CEILING_MS,
        })
    }

    /// The latency from which the engine keeps a request or invocation as notable, against
    /// the ceiling set (or the REST default, before the logs tell the API's kind).
    pub(crate) fn evidence_from_ms(&self) -> u64 {
        self.ceiling_or_default() * NOTABLE_PERCENT / 100
    }

    /// The latency from which a request or invocation must be read as a record: kept as
    /// evidence, or a near miss by the thresholds, whichever starts lower. A server that
    /// counts the rest of a window is asked for these in full.
    pub fn notable_ms(&self) -> u64 {
        self.notable_ms_of(self.ceiling_or_default())
    }

    /// As [`Settings::notable_ms`], for a route whose integration has a ceiling of its own,
    /// `ceiling_ms`.
    pub fn notable_ms_of(&self, ceiling_ms: u64) -> u64 {
        let near = ceiling_ms * u64::from(self.thresholds.near_ceiling_percent) / 100;
        (ceiling_ms * NOTABLE_PERCENT / 100).min(near)
    }
}

/// The part of the logs an analysis looks at. Requests outside it are set aside (and
/// counted as such in the inputs); with a window, so are invocations that ended outside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Focus {
    /// `METHOD /resource`, as the analysis names routes.
    pub route: Option<String>,
    /// Start and end, in ms since the epoch.
    pub window: Option<(i64, i64)>,
}

impl Focus {
    pub fn is_everything(&self) -> bool {
        self.route.is_none() && self.window.is_none()
    }

    pub(crate) fn holds_time(&self, time_ms: Option<i64>) -> bool {
        match (self.window, time_ms) {
            (Some((start, end)), Some(time)) => time >= start && time <= end,
            // a record without a time cannot be placed: it stays out of a window
            (Some(_), None) => false,
            (None, _) => true,
        }
    }

    pub(crate) fn holds(&self, route: &str, time_ms: Option<i64>) -> bool {
        self.route.as_deref().is_none_or(|focus| focus == route) && self.holds_time(time_ms)
    }
}

/// The thresholds of the findings, one value each (docs/findings.md). Names are kebab-case,
/// as `ceiling analyze --threshold NAME=VALUE` takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Thresholds {
    /// `near-ceiling`: a successful request whose integration latency is at or above this
    /// percentage of the ceiling.
    pub near_ceiling_percent: u32,
    /// `p99-near-ceiling`: a p99 (overall or of a route) at or above this percentage.
    pub p99_percent: u32,
    /// `timeouts-concentrated`, `timeouts-systemic`: timeouts needed to call a pattern.
    pub pattern_min_timeouts: u64,
    /// `timeouts-concentrated`: the routes holding 80% of the timeouts carry at most this
    /// percentage of the traffic.
    pub concentrated_traffic_percent: u32,
    /// `timeout-burst`: timeouts a window needs.
    pub burst_min_timeouts: u64,
    /// `timeout-burst`: how many times the rate outside the window the rate inside must be,
    /// per request served.
    pub burst_rate_ratio: u32,
    /// `timeout-burst`: the p-value a window must stay under, in thousandths: how often
    /// chance alone, the same timeouts drawn at random over the same traffic, gives a window
    /// as strong (a Monte Carlo test of 999 draws, so values under 2 report no burst).
    pub burst_p_value_per_mille: u32,
    /// `memory-pressure`: an invocation using at least this percentage of its memory size.
    pub memory_percent: u32,
    /// `async-candidate`: a route whose median latency is at least this.
    pub async_p50_ms: u32,
    /// `async-candidate`, `cache-candidate`: requests a route needs before its median counts.
    pub route_min_requests: u64,
    /// `cache-candidate`: a GET route whose median latency is at least this.
    pub cache_p50_ms: u32,
    /// `cache-candidate`: the percentage of requests that repeat a path asked before (when
    /// the log has paths).
    pub cache_repeat_percent: u32,
    /// `large-response`: a response body at least this many bytes (API Gateway's payload
    /// limit is 10 MB).
    pub large_response_bytes: u64,
    /// `slow-step`: the median share of the slow invocations' durations that one step
    /// (the gap after one log line) must hold, in percent.
    #[serde(default = "default_step_share_percent")]
    pub step_share_percent: u32,
    /// `slow-step`: the slow (timed-out or long) invocations with application lines a
    /// function needs, and the least of them the step must be the longest gap of.
    #[serde(default = "default_step_min_invocations")]
    pub step_min_invocations: u64,
}

fn default_step_share_percent() -> u32 {
    50
}

fn default_step_min_invocations() -> u64 {
    5
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            near_ceiling_percent: 90,
            p99_percent: 80,
            pattern_min_timeouts: 5,
            concentrated_traffic_percent: 50,
            burst_min_timeouts: 5,
            burst_rate_ratio: 3,
            burst_p_value_per_mille: 10,
            memory_percent: 90,
            async_p50_ms: 10_000,
            route_min_requests: 5,
            cache_p50_ms: 2_000,
            cache_repeat_percent: 25,
            large_response_bytes: 9 * 1024 * 1024,
            step_share_percent: default_step_share_percent(),
            step_min_invocations: default_step_min_invocations(),
        }
    }
}

/// Why a `NAME=VALUE` sets no threshold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThresholdError {
    #[error("'{0}' is not NAME=VALUE")]
    NotAnAssignment(String),
    #[error("{name}: {source}")]
    Duration {
        name: String,
        source: crate::duration::DurationError,
    },
    #[error("{name}: '{value}' is not a whole number")]
    NotANumber { name: String, value: String },
    #[error("no threshold named '{name}' (there are: {})", known.join(", "))]
    Unknown { name: String, known: Vec<String> },
    #[error("{name}: {value} is out of range")]
    OutOfRange { name: String, value: u64 },
}

impl Thresholds {
    /// The p99 latency from which `p99-near-ceiling` speaks, against `ceiling_ms`: the line
    /// the charts and the routes table mark too.
    pub fn p99_near_ceiling_ms(&self, ceiling_ms: u64) -> u64 {
        (ceiling_ms * u64::from(self.p99_percent)).div_ceil(100)
    }

    /// Sets one threshold from `NAME=VALUE` (a duration for the `-ms` ones: `8s`).
    pub fn set(&mut self, assignment: &str) -> Result<(), ThresholdError> {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| ThresholdError::NotAnAssignment(assignment.to_owned()))?;
        let (name, value) = (name.trim(), value.trim());
        let number = if name.ends_with("-ms") {
            crate::duration::parse_ms(value).map_err(|source| ThresholdError::Duration {
                name: name.to_owned(),
                source,
            })?
        } else {
            value
                .parse::<u64>()
                .map_err(|_| ThresholdError::NotANumber {
                    name: name.to_owned(),
                    value: value.to_owned(),
                })?
        };
        // The names are the serialised field names: one list, the struct's own.
        let mut all = serde_json::to_value(&*self).expect("thresholds are plain numbers");
        let known: Vec<String> = all
            .as_object()
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        match all.get_mut(name) {
            Some(slot) => *slot = number.into(),
            None => {
                return Err(ThresholdError::Unknown {
                    name: name.to_owned(),
                    known,
                })
            }
        }
        *self = serde_json::from_value(all).map_err(|_| ThresholdError::OutOfRange {
            name: name.to_owned(),
            value: number,
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_set_by_name_with_typed_failures() {
        let mut thresholds = Thresholds::default();
        thresholds.set("async-p50-ms=8s").unwrap();
        assert_eq!(thresholds.async_p50_ms, 8_000);
        thresholds.set("memory-percent = 85").unwrap();
        assert_eq!(thresholds.memory_percent, 85);
        assert!(matches!(
            thresholds.set("memory-percent"),
            Err(ThresholdError::NotAnAssignment(_))
        ));
        assert!(matches!(
            thresholds.set("memory-percent=lots"),
            Err(ThresholdError::NotANumber { .. })
        ));
        assert!(matches!(
            thresholds.set("async-p50-ms=8x"),
            Err(ThresholdError::Duration { .. })
        ));
        let unknown = thresholds.set("nonsense=1").unwrap_err();
        assert!(unknown.to_string().contains("memory-percent"), "{unknown}");
        assert!(matches!(
            thresholds.set("memory-percent=99999999999"),
            Err(ThresholdError::OutOfRange { .. })
        ));
    }
}
