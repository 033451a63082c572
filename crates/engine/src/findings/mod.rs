//! Findings: what the figures mean and what to do about them, each with the routes, time
//! windows, requests and invocations behind it (design.md, "The findings catalogue").
//!
//! Every finding is decided from the finished figures and the notable requests and
//! invocations the analyzer kept; the thresholds are [`Thresholds`], one value each. Advice
//! names the routes, functions and numbers of this incident, never a generic checklist.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::access::{ApiKind, Field, FieldSet};
use crate::analysis::{Analysis, FunctionFigures, RouteFigures};
use crate::correlate::{NotableExecution, NotableInvocation, NotableRequest, Pair};
use crate::settings::Thresholds;
use crate::time::format_utc;

mod gateway;
mod lambda;
mod routes;
mod story;
mod text;

use gateway::*;
use lambda::*;
use routes::*;
pub(crate) use story::what_happened;
use text::*;

/// Samples of requests or invocations a finding shows, at most.
const SAMPLES: usize = 10;
/// Routes or functions a finding lists, at most.
const LISTED: usize = 10;
/// Bursts reported, at most.
const BURSTS: usize = 3;
/// The share of the timeouts that the routes of a concentrated pattern hold.
const CONCENTRATED_TIMEOUT_SHARE: f64 = 0.8;

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
    pub id: String,
    pub severity: Severity,
    pub title: String,
    /// The finding in a few sentences, with its figures.
    pub summary: String,
    /// Requests (or invocations) it concerns: orders findings of the same severity.
    pub impact: u64,
    pub evidence: Evidence,
    pub advice: Vec<Advice>,
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

/// What the analyzer kept besides the figures, for evidence.
pub(crate) struct Notes<'a> {
    pub(crate) thresholds: &'a Thresholds,
    pub(crate) requests: &'a [NotableRequest],
    pub(crate) invocations: &'a [NotableInvocation],
    pub(crate) execution: &'a [NotableExecution],
    pub(crate) pairs: &'a [Pair],
    pub(crate) fields: FieldSet,
}

mod links {
    pub(super) const QUOTAS: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html";
    pub(super) const TIMEOUT_RAISE: &str = "https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-integration-timeout-limit-29-seconds/";
    pub(super) const HTTP_QUOTAS: &str =
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html";
    pub(super) const WEBSOCKET_QUOTAS: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html";
    pub(super) const XRAY: &str =
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enabling-xray.html";
    pub(super) const ASYNC_INVOKE: &str =
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html";
    pub(super) const STEP_FUNCTIONS: &str =
        "https://docs.aws.amazon.com/step-functions/latest/dg/welcome.html";
    pub(super) const LAMBDA_TIMEOUT: &str =
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html";
    pub(super) const LAMBDA_MEMORY: &str =
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html";
    pub(super) const PROVISIONED: &str =
        "https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html";
    pub(super) const SNAPSTART: &str =
        "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html";
    pub(super) const PROXY_RESPONSE: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html";
    pub(super) const CACHING: &str =
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html";
    pub(super) const ACCESS_LOG_VARIABLES: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html";
    pub(super) const HTTP_LOG_VARIABLES: &str =
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html";
    pub(super) const TIMEOUT_504: &str =
        "https://repost.aws/knowledge-center/api-gateway-504-errors";
    pub(super) const LAMBDA_SCALING: &str =
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html";
}

/// A window in which timeouts came much faster than elsewhere.
struct Burst<'a> {
    /// The scanned window, bucket-aligned.
    from: i64,
    to: i64,
    /// The first and last timeout in it.
    start_ms: i64,
    end_ms: i64,
    timeouts: Vec<&'a NotableRequest>,
}

/// What everything in a finding refers to: figures, samples and who ran what.
struct Context<'a> {
    analysis: &'a Analysis,
    notes: &'a Notes<'a>,
    thresholds: &'a Thresholds,
    routes: HashMap<&'a str, &'a RouteFigures>,
    /// The functions each route was seen to invoke.
    route_functions: HashMap<&'a str, BTreeSet<String>>,
    functions: HashMap<String, &'a FunctionFigures>,
    bursts: Vec<Burst<'a>>,
}

impl<'a> Context<'a> {
    fn new(analysis: &'a Analysis, notes: &'a Notes<'a>) -> Self {
        let mut route_functions: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for pair in notes.pairs {
            let route = notes.requests[pair.request].route.as_str();
            let function = function_of_input(analysis, notes.invocations[pair.invocation].input);
            route_functions.entry(route).or_default().insert(function);
        }
        let by_id: HashMap<&str, &NotableInvocation> = notes
            .invocations
            .iter()
            .map(|i| (i.request_id.as_str(), i))
            .collect();
        for request in notes.requests {
            if let Some(invocation) = request
                .integration_request_id
                .as_deref()
                .and_then(|id| by_id.get(id))
            {
                route_functions
                    .entry(request.route.as_str())
                    .or_default()
                    .insert(function_of_input(analysis, invocation.input));
            }
        }
        Context {
            bursts: find_bursts(analysis, notes),
            analysis,
            notes,
            thresholds: notes.thresholds,
            routes: analysis
                .routes
                .iter()
                .map(|r| (r.route.as_str(), r))
                .collect(),
            route_functions,
            functions: analysis
                .lambda
                .iter()
                .flat_map(|l| &l.functions)
                .map(|f| (f.function.clone(), f))
                .collect(),
        }
    }

    fn ceiling(&self) -> String {
        duration(self.analysis.ceiling_ms as f64)
    }

    fn source(&self, input: u32, line: u64) -> Source {
        Source {
            input: self
                .analysis
                .inputs
                .get(input as usize)
                .map_or_else(String::new, |i| i.name.clone()),
            line,
        }
    }

    fn request_sample(&self, request: &NotableRequest) -> RequestSample {
        RequestSample {
            request_id: request.request_id.clone(),
            route: request.route.clone(),
            time_ms: request.time_ms,
            status: request.status,
            response_latency_ms: request.response_latency_ms,
            integration_latency_ms: request.integration_latency_ms,
            error: request.error.clone(),
            source: self.source(request.input, request.line),
        }
    }

    fn invocation_sample(&self, index: usize) -> InvocationSample {
        let invocation = &self.notes.invocations[index];
        let pair = self.notes.pairs.iter().find(|p| p.invocation == index);
        InvocationSample {
            request_id: invocation.request_id.clone(),
            function: function_of_input(self.analysis, invocation.input),
            start_ms: invocation.start_ms,
            duration_ms: invocation.duration_ms,
            init_ms: invocation.init_ms,
            timed_out: invocation.timed_out,
            gateway_request_id: pair
                .and_then(|p| self.notes.requests[p.request].request_id.clone()),
            paired_by: pair.map(|p| p.method.describe().to_owned()),
            source: self.source(invocation.input, invocation.line),
        }
    }

    /// Route shares of `counts` (route, count), largest first.
    fn route_shares(&self, counts: impl IntoIterator<Item = (String, u64)>) -> Vec<RouteShare> {
        let mut counts: Vec<(String, u64)> = counts.into_iter().filter(|(_, n)| *n > 0).collect();
        let total: u64 = counts.iter().map(|(_, n)| n).sum();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
            .into_iter()
            .take(LISTED)
            .map(|(route, count)| {
                let figures = self.routes.get(route.as_str());
                RouteShare {
                    share: count as f64 / total.max(1) as f64,
                    requests: figures.map_or(0, |r| r.requests),
                    p50_ms: figures.and_then(|r| r.latency.p50_ms),
                    p99_ms: figures.and_then(|r| r.latency.p99_ms),
                    route,
                    count,
                }
            })
            .collect()
    }

    /// Requests matching `keep`, a few per route in the order of `routes`, then by `order`.
    fn request_samples(
        &self,
        keep: impl Fn(&NotableRequest) -> bool,
        routes: &[RouteShare],
        order: impl Fn(&NotableRequest) -> i64,
    ) -> Vec<RequestSample> {
        let rank: HashMap<&str, usize> = routes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.route.as_str(), i))
            .collect();
        let mut chosen: Vec<&NotableRequest> =
            self.notes.requests.iter().filter(|r| keep(r)).collect();
        chosen.sort_by_key(|r| {
            (
                rank.get(r.route.as_str()).copied().unwrap_or(usize::MAX),
                order(r),
            )
        });
        // Round-robin over the routes so that each listed route has a sample.
        let mut by_route: Vec<Vec<&NotableRequest>> = Vec::new();
        for request in chosen {
            match by_route.last_mut() {
                Some(group) if group[0].route == request.route => group.push(request),
                _ => by_route.push(vec![request]),
            }
        }
        let mut samples = Vec::new();
        let mut depth = 0;
        while samples.len() < SAMPLES && by_route.iter().any(|g| g.len() > depth) {
            for group in &by_route {
                if let Some(request) = group.get(depth) {
                    if samples.len() < SAMPLES {
                        samples.push(self.request_sample(request));
                    }
                }
            }
            depth += 1;
        }
        samples
    }

    fn functions_of(&self, route: &str) -> Vec<String> {
        self.route_functions
            .get(route)
            .map(|f| f.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The timeout a function should have: a few seconds under the ceiling, so that its
    /// own failure reaches the client as a clean error before the gateway gives up.
    fn suggested_function_timeout_s(&self) -> u64 {
        let ceiling_s = self.analysis.ceiling_ms / 1000;
        if ceiling_s > 8 {
            ceiling_s - 4
        } else {
            ceiling_s.saturating_sub(1).max(1)
        }
    }

    fn api(&self) -> Option<ApiKind> {
        self.analysis.api
    }
}

/// A route as a whole in a finding: all its requests, as a share of all requests.
fn whole_route(route: &RouteFigures, all_requests: u64) -> RouteShare {
    RouteShare {
        route: route.route.clone(),
        count: route.requests,
        share: route.requests as f64 / all_requests.max(1) as f64,
        requests: route.requests,
        p50_ms: route.latency.p50_ms,
        p99_ms: route.latency.p99_ms,
    }
}

fn function_of_input(analysis: &Analysis, input: u32) -> String {
    let name = analysis
        .inputs
        .get(input as usize)
        .map_or("", |i| i.name.as_str());
    analysis
        .lambda
        .iter()
        .flat_map(|l| &l.functions)
        .find(|f| f.source == name)
        .map_or_else(|| name.to_owned(), |f| f.function.clone())
}

/// Every finding the analysis supports, most severe first, then by impact.
pub(crate) fn assess(analysis: &Analysis, notes: &Notes<'_>) -> Vec<Finding> {
    let context = Context::new(analysis, notes);
    let mut findings: Vec<Finding> = [
        integration_timeout(&context),
        near_ceiling(&context),
        p99_near_ceiling(&context),
        bad_gateway(&context),
        timeout_pattern(&context),
        lambda_outlived_gateway(&context),
        lambda_timeout_above_gateway(&context),
        lambda_timeout(&context),
        cold_start_timeouts(&context),
        lambda_init_failures(&context),
        memory_pressure(&context),
        async_candidate(&context),
        cache_candidate(&context),
        large_response(&context),
        missing_latency_fields(&context),
        throttled(&context),
    ]
    .into_iter()
    .flatten()
    .chain(timeout_bursts(&context))
    .collect();
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.impact.cmp(&a.impact))
            .then(a.id.cmp(&b.id))
    });
    findings
}
