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
    pub status: u16,
    pub response_latency_ms: Option<u32>,
    pub integration_latency_ms: Option<u32>,
    pub error: Option<String>,
    pub source: Source,
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

fn advice(text: impl Into<String>, link: Option<&str>) -> Advice {
    Advice {
        text: text.into(),
        link: link.map(str::to_owned),
    }
}

/// Milliseconds as a person reads them: `850 ms`, `18.5 s`.
pub(crate) fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

fn duration_u32(ms: Option<u32>) -> String {
    ms.map_or_else(|| "-".to_owned(), |ms| duration(f64::from(ms)))
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".to_owned();
    }
    let share = 100.0 * part as f64 / whole as f64;
    if share >= 10.0 || share == 0.0 {
        format!("{share:.0}%")
    } else {
        format!("{share:.1}%")
    }
}

/// `3 of the 10 timeouts`, or `all 10 timeouts`.
fn of_all(part: u64, whole: u64, noun: &str) -> String {
    if part == whole {
        format!("all {whole} {noun}")
    } else {
        format!("{part} of the {whole} {noun}")
    }
}

/// The first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `a`, `a and b`, `a, b and c`.
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `10:10` when both times fall on the window's day, else with the date.
fn clock(ms: i64) -> String {
    format_utc(ms)[11..16].to_owned()
}

fn day(ms: i64) -> String {
    format_utc(ms)[..10].to_owned()
}

fn span(start_ms: i64, end_ms: i64) -> String {
    if day(start_ms) == day(end_ms) {
        format!(
            "{} {}–{} UTC",
            day(start_ms),
            clock(start_ms),
            clock(end_ms)
        )
    } else {
        format!("{} – {}", format_utc(start_ms), format_utc(end_ms))
    }
}

/// `between 10:11 and 10:22 UTC on 2026-03-06`, for a sentence.
fn between(start_ms: i64, end_ms: i64) -> String {
    if day(start_ms) == day(end_ms) {
        format!(
            "between {} and {} UTC on {}",
            clock(start_ms),
            clock(end_ms),
            day(start_ms)
        )
    } else {
        format!(
            "between {} and {}",
            format_utc(start_ms),
            format_utc(end_ms)
        )
    }
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

fn integration_timeout(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let timeouts = a.integration_timeouts;
    if timeouts == 0 {
        return None;
    }
    let from_execution_log = a.requests == 0;
    let share = timeouts as f64 / a.requests.max(1) as f64;
    let severity = if timeouts >= 50 || share >= 0.005 || (from_execution_log && timeouts >= 10) {
        Severity::Critical
    } else {
        Severity::High
    };
    let answered = match c.api() {
        Some(ApiKind::Http) => "503 Service Unavailable",
        _ => "504 Gateway Timeout",
    };
    let mut evidence = Evidence::default();
    let mut steps = Vec::new();
    let summary;
    if from_execution_log {
        summary = format!(
            "The execution log shows {} (\"Execution failed due to a timeout error\"): the integration \
             did not answer within the {} ceiling and the client got {answered}. Without the stage's \
             access log, Ceiling cannot tell which routes they were on.",
            plural(timeouts, "integration timeout", "integration timeouts"),
            c.ceiling()
        );
        for execution in c.notes.execution.iter().take(SAMPLES) {
            evidence.requests.push(RequestSample {
                request_id: execution.request_id.clone(),
                route: String::new(),
                time_ms: None,
                status: 504,
                response_latency_ms: None,
                integration_latency_ms: None,
                error: Some("Execution failed due to a timeout error".to_owned()),
                source: c.source(execution.input, execution.line),
            });
        }
        steps.push(advice(
            "Add the stage's access log (or its log group) to the analysis: it tells which routes \
             time out, how often, and how close the others come.",
            Some(links::ACCESS_LOG_VARIABLES),
        ));
    } else {
        evidence.routes = c.route_shares(a.routes.iter().map(|r| (r.route.clone(), r.timeouts)));
        let times: Vec<i64> = c
            .notes
            .requests
            .iter()
            .filter(|r| r.timed_out)
            .filter_map(|r| r.time_ms)
            .collect();
        if let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) {
            evidence.windows.push(TimeWindow {
                start_ms: *first,
                end_ms: *last,
                count: timeouts,
                route: evidence.routes.first().map(|r| r.route.clone()),
            });
        }
        evidence.requests = c.request_samples(
            |r| r.timed_out,
            &evidence.routes,
            |r| r.time_ms.unwrap_or(0),
        );
        let top: Vec<String> = evidence
            .routes
            .iter()
            .take(3)
            .map(|r| format!("{} ({} of them)", r.route, r.count))
            .collect();
        summary = format!(
            "{} of {} requests ({}) waited the whole {} for the integration and got {answered}. \
             Most are on {}.",
            timeouts,
            a.requests,
            percent(timeouts, a.requests),
            c.ceiling(),
            join(&top)
        );
        for route in evidence.routes.iter().take(3) {
            steps.extend(route_timeout_advice(c, route));
        }
        if !c.notes.fields.contains(Field::XrayTraceId) && c.api() == Some(ApiKind::Rest) {
            steps.push(advice(
                "Turn on X-Ray tracing for the stage and the functions, and log $context.xrayTraceId: \
                 the trace of a slow request shows which call (database, downstream API, init) took \
                 the time, and Ceiling pairs timed-out requests with their invocations exactly.",
                Some(links::XRAY),
            ));
        }
    }
    steps.push(ceiling_advice(c));
    Some(Finding {
        id: "integration-timeout".to_owned(),
        severity,
        title: format!(
            "{} timed out at the {} integration ceiling",
            plural(timeouts, "request", "requests"),
            c.ceiling()
        ),
        summary,
        impact: timeouts,
        evidence,
        advice: steps,
    })
}

/// What to do about the timeouts of one route: its burst, if most of them came in one, else
/// its latency profile.
fn route_timeout_advice(c: &Context<'_>, share: &RouteShare) -> Option<Advice> {
    let route = c.routes.get(share.route.as_str())?;
    let in_burst = c.bursts.iter().find(|burst| {
        let mine = burst
            .timeouts
            .iter()
            .filter(|r| r.route == route.route)
            .count() as u64;
        route.timeouts > 0 && mine * 10 >= route.timeouts * 6
    });
    if let Some(burst) = in_burst {
        let mine = burst
            .timeouts
            .iter()
            .filter(|r| r.route == route.route)
            .count();
        return Some(advice(
            format!(
                "{} of {} came {}, while it usually answers in {}: it slowed down \
                 then. Find what changed at that time (a deployment, a downstream incident, a \
                 database under load) and give its downstream calls timeouts well under the \
                 ceiling, so that the next such slowdown fails fast instead of holding requests.",
                capitalized(&of_all(mine as u64, route.timeouts, "timeouts")),
                route.route,
                between(burst.start_ms, burst.end_ms),
                duration_u32(route.latency.p50_ms)
            ),
            Some(links::TIMEOUT_504),
        ));
    }
    slow_route_advice(c, share)
}

/// What to do about a slow route, from its latency profile.
fn slow_route_advice(c: &Context<'_>, share: &RouteShare) -> Option<Advice> {
    let route = c.routes.get(share.route.as_str())?;
    let p50 = route.latency.p50_ms?;
    let functions = c.functions_of(&route.route);
    let behind = if functions.is_empty() {
        String::new()
    } else {
        format!(" ({})", join(&functions))
    };
    if p50 >= c.thresholds.async_p50_ms {
        return Some(advice(
            format!(
                "{}{behind} takes {} at the median: the work itself is longer than a client should \
                 wait on one HTTP request. Answer 202 Accepted with a status URL and do the work \
                 asynchronously (an asynchronous Lambda invoke or a queue; Step Functions when it \
                 has several steps).",
                route.route,
                duration(f64::from(p50))
            ),
            Some(links::ASYNC_INVOKE),
        ));
    }
    let p99 = route.latency.p99_ms.unwrap_or(p50);
    Some(advice(
        format!(
            "{}{behind} usually answers in {} but its p99 is {}: the timeouts are its slow tail. \
             Look for what makes some requests slow (a downstream call without its own timeout, a \
             lock, a cold start, a large payload) and give each downstream call a timeout well \
             under the ceiling, so a stuck call fails fast instead of holding the request.",
            route.route,
            duration(f64::from(p50)),
            duration(f64::from(p99))
        ),
        Some(links::TIMEOUT_504),
    ))
}

/// What the ceiling itself allows, by kind of API.
fn ceiling_advice(c: &Context<'_>) -> Advice {
    match c.api() {
        Some(ApiKind::Http) => advice(
            "HTTP APIs cannot wait longer than 30 s for an integration, and no quota request \
             changes that: the route has to answer sooner or hand the work off.",
            Some(links::HTTP_QUOTAS),
        ),
        Some(ApiKind::WebSocket) => advice(
            "WebSocket APIs cannot raise their 29 s integration timeout; long work has to answer \
             first and push its result over the connection later.",
            Some(links::WEBSOCKET_QUOTAS),
        ),
        _ => advice(
            format!(
                "Only if callers can really wait longer: since June 2024 a Regional or private REST \
                 API can raise the integration timeout above 29 s with a Service Quotas request \
                 (edge-optimized APIs cannot). AWS may lower the account's throttle quota in \
                 exchange, and Ceiling then needs the new value (--ceiling) to judge near misses. \
                 The ceiling used here is {}.",
                c.ceiling()
            ),
            Some(links::TIMEOUT_RAISE),
        ),
    }
}

fn near_ceiling(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    if a.near_ceiling == 0 {
        return None;
    }
    let threshold_ms = (a.ceiling_ms * u64::from(c.thresholds.near_ceiling_percent)).div_ceil(100);
    let is_near = |r: &NotableRequest| {
        !r.timed_out
            && r.integration_latency_ms
                .is_some_and(|ms| u64::from(ms) >= threshold_ms)
    };
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for request in c.notes.requests.iter().filter(|r| is_near(r)) {
        *counts.entry(request.route.clone()).or_insert(0) += 1;
    }
    let routes = c.route_shares(counts);
    let requests = c.request_samples(is_near, &routes, |r| {
        -i64::from(r.integration_latency_ms.unwrap_or(0))
    });
    let closest = requests
        .iter()
        .filter_map(|r| r.integration_latency_ms)
        .max();
    let names: Vec<String> = routes
        .iter()
        .take(3)
        .map(|r| format!("{} ({})", r.route, r.count))
        .collect();
    let severity = if a.near_ceiling as f64 >= 0.01 * a.requests as f64 {
        Severity::High
    } else {
        Severity::Elevated
    };
    let mut advice_list =
        vec![advice(
            format!(
            "These requests succeeded with less than {} to spare{}: the next slow dependency call \
             or cold start turns them into timeouts. Treat {} as the routes to fix first, before \
             they fail.",
            duration((a.ceiling_ms - threshold_ms) as f64),
            closest
                .map(|ms| format!(" (the closest took {})", duration(f64::from(ms))))
                .unwrap_or_default(),
            join(&routes.iter().take(3).map(|r| r.route.clone()).collect::<Vec<_>>())
        ),
            None,
        )];
    for route in routes.iter().take(2) {
        advice_list.extend(route_timeout_advice(c, route));
    }
    Some(Finding {
        id: "near-ceiling".to_owned(),
        severity,
        title: format!(
            "{} finished within {}% of the ceiling",
            plural(a.near_ceiling, "request", "requests"),
            100 - c.thresholds.near_ceiling_percent
        ),
        summary: format!(
            "{} succeeded with an integration latency of {} or more ({}% of the {} ceiling), on {}.",
            plural(a.near_ceiling, "request", "requests"),
            duration(threshold_ms as f64),
            c.thresholds.near_ceiling_percent,
            c.ceiling(),
            join(&names)
        ),
        impact: a.near_ceiling,
        evidence: Evidence {
            routes,
            requests,
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

fn p99_near_ceiling(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let threshold = (a.ceiling_ms * u64::from(c.thresholds.p99_percent)).div_ceil(100);
    let above = |p99: Option<u32>| p99.is_some_and(|ms| u64::from(ms) >= threshold);
    let mut routes: Vec<&RouteFigures> = a
        .routes
        .iter()
        .filter(|r| above(r.latency.p99_ms))
        .collect();
    let overall = above(a.overall.p99_ms);
    if routes.is_empty() && !overall {
        return None;
    }
    routes.sort_by_key(|r| std::cmp::Reverse(r.latency.p99_ms));
    let shares: Vec<RouteShare> = routes
        .iter()
        .take(LISTED)
        .map(|r| RouteShare {
            route: r.route.clone(),
            count: r.requests,
            share: r
                .latency
                .p99_ms
                .map_or(0.0, |ms| f64::from(ms) / a.ceiling_ms as f64),
            requests: r.requests,
            p50_ms: r.latency.p50_ms,
            p99_ms: r.latency.p99_ms,
        })
        .collect();
    let described: Vec<String> = shares
        .iter()
        .take(4)
        .map(|r| format!("{} (p99 {})", r.route, duration_u32(r.p99_ms)))
        .collect();
    let impact = routes.iter().map(|r| r.requests / 100).sum::<u64>().max(1);
    let mut summary =
        if overall {
            format!(
            "The p99 of all requests is {}, {}% of the {} ceiling: one request in a hundred is \
             close to timing out or has.",
            duration_u32(a.overall.p99_ms),
            a.overall.p99_ms.map_or(0, |ms| u64::from(ms) * 100 / a.ceiling_ms),
            c.ceiling()
        )
        } else {
            format!(
                "Overall p99 is {}, but some routes come within {}% of the {} ceiling.",
                duration_u32(a.overall.p99_ms),
                100 - c.thresholds.p99_percent,
                c.ceiling()
            )
        };
    if !described.is_empty() {
        summary.push_str(&format!(
            " Routes at or above {}: {}.",
            duration(threshold as f64),
            join(&described)
        ));
    }
    let mut advice_list = Vec::new();
    if let Some(worst) = shares.first() {
        advice_list.push(advice(
            format!(
                "Set an alarm on the p99 of {} (CloudWatch IntegrationLatency, p99 statistic) at \
                 {}, so the next regression shows up before it becomes 504s.",
                worst.route,
                duration(threshold as f64)
            ),
            None,
        ));
    }
    for route in shares.iter().take(2) {
        advice_list.extend(route_timeout_advice(c, route));
    }
    Some(Finding {
        id: "p99-near-ceiling".to_owned(),
        severity: if overall {
            Severity::High
        } else {
            Severity::Elevated
        },
        title: if overall {
            format!(
                "p99 latency is {} against a {} ceiling",
                duration_u32(a.overall.p99_ms),
                c.ceiling()
            )
        } else {
            format!(
                "{} a p99 within {}% of the ceiling",
                plural(routes.len() as u64, "route has", "routes have"),
                100 - c.thresholds.p99_percent
            )
        },
        summary,
        impact,
        evidence: Evidence {
            routes: shares,
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

/// What a 502's error text says about its cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum BadGatewayCause {
    FunctionTimeout,
    MalformedResponse,
    FunctionError,
    Other,
}

fn cause_of(error: Option<&str>) -> BadGatewayCause {
    let Some(error) = error else {
        return BadGatewayCause::Other;
    };
    let lower = error.to_ascii_lowercase();
    if lower.contains("timed out") {
        BadGatewayCause::FunctionTimeout
    } else if lower.contains("malformed") {
        BadGatewayCause::MalformedResponse
    } else if lower.contains("function error") || lower.contains("lambda") {
        BadGatewayCause::FunctionError
    } else {
        BadGatewayCause::Other
    }
}

fn bad_gateway(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    if a.bad_gateway == 0 {
        return None;
    }
    let is_502 = |r: &NotableRequest| r.status == 502;
    let routes = c.route_shares(a.routes.iter().map(|r| (r.route.clone(), r.bad_gateway)));
    let requests = c.request_samples(is_502, &routes, |r| r.time_ms.unwrap_or(0));
    let mut causes: BTreeMap<BadGatewayCause, (u64, BTreeSet<String>)> = BTreeMap::new();
    for request in c.notes.requests.iter().filter(|r| is_502(r)) {
        let entry = causes
            .entry(cause_of(request.error.as_deref()))
            .or_default();
        entry.0 += 1;
        entry.1.insert(request.route.clone());
    }
    let mut advice_list = Vec::new();
    let mut told = Vec::new();
    for (cause, (count, cause_routes)) in &causes {
        let on = join(&cause_routes.iter().take(3).cloned().collect::<Vec<_>>());
        match cause {
            BadGatewayCause::FunctionTimeout => {
                told.push(format!("{count} a function that timed out"));
                let functions: Vec<String> = cause_routes
                    .iter()
                    .flat_map(|r| c.functions_of(r))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .map(|f| match c.functions.get(&f).and_then(|f| f.timeout_ms) {
                        Some(ms) => format!("{f} (timeout {})", duration(f64::from(ms))),
                        None => f,
                    })
                    .collect();
                advice_list.push(advice(
                    format!(
                        "On {on} the function gave up before the gateway did{}: the client got a fast \
                         502 instead of waiting for a 504, which is the right configuration. What \
                         remains is why these requests were slow; the function's log for the \
                         request ids below shows where the time went.",
                        if functions.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", join(&functions))
                        }
                    ),
                    Some(links::LAMBDA_TIMEOUT),
                ));
            }
            BadGatewayCause::MalformedResponse => {
                told.push(format!("{count} a malformed proxy response"));
                advice_list.push(advice(
                    format!(
                        "On {on} the function returned something the proxy integration cannot use. \
                         It must return an object with statusCode (a number), headers (an object of \
                         strings) and body (a string: serialize JSON yourself), and isBase64Encoded \
                         for binary bodies. Check the code path that returns early or on error."
                    ),
                    Some(links::PROXY_RESPONSE),
                ));
            }
            BadGatewayCause::FunctionError => {
                told.push(format!("{count} a function error"));
                advice_list.push(advice(
                    format!(
                        "On {on} the function threw (Lambda Customer Function Error): find the \
                         exception in its log by the request ids below, and return a proper error \
                         response instead of letting it escape."
                    ),
                    None,
                ));
            }
            BadGatewayCause::Other => {
                told.push(format!("{count} an unlogged cause"));
                advice_list.push(advice(
                    format!(
                        "For the 502s on {on} the access log carries no integration error: add \
                         $context.integrationErrorMessage (or $context.integration.error) to the \
                         stage's log format, so the cause of each 502 is logged."
                    ),
                    Some(links::ACCESS_LOG_VARIABLES),
                ));
            }
        }
    }
    let severity = if a.bad_gateway as f64 >= 0.01 * a.requests as f64 {
        Severity::High
    } else {
        Severity::Elevated
    };
    Some(Finding {
        id: "bad-gateway".to_owned(),
        severity,
        title: format!(
            "{} answered 502 Bad Gateway (not timeouts)",
            plural(a.bad_gateway, "request", "requests")
        ),
        summary: format!(
            "{} of {} requests ({}) ended in 502: the integration answered, but with an error or a \
             response the gateway could not use. These are counted apart from the timeouts{}.",
            a.bad_gateway,
            a.requests,
            percent(a.bad_gateway, a.requests),
            if told.is_empty() {
                String::new()
            } else {
                format!("; by the logged error: {}", join(&told))
            }
        ),
        impact: a.bad_gateway,
        evidence: Evidence {
            routes,
            requests,
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

/// `timeouts-concentrated` or `timeouts-systemic`, when the timeouts are enough to tell.
fn timeout_pattern(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let timeouts: u64 = a.routes.iter().map(|r| r.timeouts).sum();
    if timeouts < c.thresholds.pattern_min_timeouts || a.requests == 0 {
        return None;
    }
    let mut by_timeouts: Vec<&RouteFigures> = a.routes.iter().filter(|r| r.timeouts > 0).collect();
    by_timeouts.sort_by_key(|r| std::cmp::Reverse(r.timeouts));
    let mut held = 0;
    let mut traffic = 0;
    let mut core = Vec::new();
    for route in &by_timeouts {
        if held as f64 >= CONCENTRATED_TIMEOUT_SHARE * timeouts as f64 {
            break;
        }
        held += route.timeouts;
        traffic += route.requests;
        core.push(*route);
    }
    let traffic_share = traffic as f64 / a.requests as f64;
    let routes_with_traffic = a.routes.len();
    let routes = c.route_shares(a.routes.iter().map(|r| (r.route.clone(), r.timeouts)));
    let requests = c.request_samples(|r| r.timed_out, &routes, |r| r.time_ms.unwrap_or(0));
    let concentrated = traffic_share * 100.0
        <= f64::from(c.thresholds.concentrated_traffic_percent)
        && core.len() <= 3.max(routes_with_traffic / 4);
    if concentrated {
        let names: Vec<String> = core
            .iter()
            .map(|r| format!("{} ({} of {} requests)", r.route, r.timeouts, r.requests))
            .collect();
        let mut advice_list = vec![advice(
            format!(
                "Look at what {} do that the other routes do not: their own queries, downstream \
                 calls and payload sizes. The rest of the API is healthy, so shared \
                 infrastructure (network, gateway, account limits) is unlikely to be the cause.",
                join(&core.iter().map(|r| r.route.clone()).collect::<Vec<_>>())
            ),
            None,
        )];
        for route in routes.iter().take(3) {
            advice_list.extend(route_timeout_advice(c, route));
        }
        return Some(Finding {
            id: "timeouts-concentrated".to_owned(),
            severity: Severity::High,
            title: format!(
                "{}% of the timeouts are on {} carrying {} of the traffic",
                (100 * held / timeouts),
                plural(core.len() as u64, "route", "routes"),
                percent(traffic, a.requests)
            ),
            summary: format!(
                "{} fall on {}, which carry {} of all requests: a \
                 cause in those routes, not a shared one.",
                capitalized(&of_all(held, timeouts, "timeouts")),
                join(&names),
                percent(traffic, a.requests)
            ),
            impact: held,
            evidence: Evidence {
                routes,
                requests,
                ..Evidence::default()
            },
            advice: advice_list,
        });
    }
    let spread = by_timeouts.len();
    if spread >= 3 && spread * 2 >= routes_with_traffic.min(20) {
        return Some(Finding {
            id: "timeouts-systemic".to_owned(),
            severity: Severity::Critical,
            title: format!(
                "Timeouts spread over {} routes, in step with their traffic",
                spread
            ),
            summary: format!(
                "{timeouts} timeouts fall on {spread} of {routes_with_traffic} routes, roughly in \
                 proportion to how busy each route is: something they share is slow, not one \
                 route's code."
            ),
            impact: timeouts,
            evidence: Evidence {
                routes,
                requests,
                ..Evidence::default()
            },
            advice: vec![
                advice(
                    "Check the dependency every route shares, in the windows below: database \
                     connections (pool exhaustion, too many connections from scaled-out Lambdas; \
                     RDS Proxy helps), a downstream API's latency, DynamoDB throttling, a NAT \
                     gateway or VPC endpoint.",
                    None,
                ),
                advice(
                    "Check Lambda's account and function concurrency (the Throttles and \
                     ConcurrentExecutions metrics) in the same windows: throttled invocations \
                     retried inside the gateway's wait look like slow requests.",
                    Some(links::LAMBDA_SCALING),
                ),
            ],
        });
    }
    None
}

/// Windows where timeouts arrive several times faster than elsewhere, strongest first.
fn find_bursts<'a>(analysis: &Analysis, notes: &Notes<'a>) -> Vec<Burst<'a>> {
    let thresholds = notes.thresholds;
    let Some(window) = analysis.window else {
        return Vec::new();
    };
    let bucket_ms = analysis.timeline.bucket_ms.max(1);
    let first = window.start_ms.div_euclid(bucket_ms);
    let buckets = (window.end_ms.div_euclid(bucket_ms) - first + 1) as usize;
    let timed_out: Vec<&NotableRequest> = notes
        .requests
        .iter()
        .filter(|r| r.timed_out && r.time_ms.is_some())
        .collect();
    let total = timed_out.len() as u64;
    if total < thresholds.burst_min_timeouts || buckets < 4 {
        return Vec::new();
    }
    let mut counts = vec![0u64; buckets];
    for request in &timed_out {
        let bucket = request.time_ms.unwrap_or(0).div_euclid(bucket_ms) - first;
        counts[bucket.clamp(0, buckets as i64 - 1) as usize] += 1;
    }
    let mut prefix = vec![0u64; buckets + 1];
    for (i, n) in counts.iter().enumerate() {
        prefix[i + 1] = prefix[i] + n;
    }
    let mut taken = vec![false; buckets];
    let mut bursts = Vec::new();
    while bursts.len() < BURSTS {
        // The window with the highest likelihood ratio of a raised rate (Kulldorff's scan
        // statistic, time only), among windows no longer than half the period.
        let mut best: Option<(f64, usize, usize)> = None;
        for start in 0..buckets {
            for end in start + 1..=(start + buckets / 2).min(buckets) {
                if taken[end - 1] {
                    break;
                }
                let inside = prefix[end] - prefix[start];
                let length = end - start;
                if inside < thresholds.burst_min_timeouts {
                    continue;
                }
                let expected = total as f64 * length as f64 / buckets as f64;
                let outside = total - inside;
                let rate_in = inside as f64 / length as f64;
                let rate_out = outside as f64 / (buckets - length).max(1) as f64;
                if rate_in < f64::from(thresholds.burst_rate_ratio) * rate_out {
                    continue;
                }
                let mut ratio = inside as f64 * (inside as f64 / expected).ln();
                if outside > 0 {
                    ratio += outside as f64 * (outside as f64 / (total as f64 - expected)).ln();
                }
                if best.is_none_or(|(r, _, _)| ratio > r) {
                    best = Some((ratio, start, end));
                }
            }
        }
        let Some((_, start, end)) = best else { break };
        taken[start..end].iter_mut().for_each(|t| *t = true);
        let from = (first + start as i64) * bucket_ms;
        let to = (first + end as i64) * bucket_ms;
        let inside: Vec<&NotableRequest> = timed_out
            .iter()
            .copied()
            .filter(|r| r.time_ms.is_some_and(|t| t >= from && t < to))
            .collect();
        bursts.push(Burst {
            from,
            to,
            start_ms: inside
                .iter()
                .filter_map(|r| r.time_ms)
                .min()
                .unwrap_or(from),
            end_ms: inside.iter().filter_map(|r| r.time_ms).max().unwrap_or(to),
            timeouts: inside,
        });
    }
    bursts
}

fn timeout_bursts(c: &Context<'_>) -> Vec<Finding> {
    let total = c
        .notes
        .requests
        .iter()
        .filter(|r| r.timed_out && r.time_ms.is_some())
        .count() as u64;
    c.bursts
        .iter()
        .map(|burst| burst_finding(c, burst, total))
        .collect()
}

fn burst_finding(c: &Context<'_>, burst: &Burst<'_>, total: u64) -> Finding {
    let a = c.analysis;
    let (inside, start_ms, end_ms) = (&burst.timeouts, burst.start_ms, burst.end_ms);
    let (from, to) = (burst.from, burst.to);
    let count = inside.len() as u64;
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for request in inside {
        *counts.entry(request.route.clone()).or_insert(0) += 1;
    }
    let routes = c.route_shares(counts);
    let top = routes.first().cloned();
    let in_window =
        |r: &NotableRequest| r.timed_out && r.time_ms.is_some_and(|t| t >= from && t < to);
    let requests = c.request_samples(in_window, &routes, |r| r.time_ms.unwrap_or(0));
    // Traffic inside the window against the rest, from the timeline.
    let (mut requests_in, mut buckets_in, mut requests_out, mut buckets_out) =
        (0u64, 0u64, 0u64, 0u64);
    for bucket in &a.timeline.buckets {
        // the timeouts themselves are left out: the question is whether load came first
        let served = bucket.requests - bucket.timeouts;
        if bucket.start_ms >= from && bucket.start_ms < to {
            requests_in += served;
            buckets_in += 1;
        } else {
            requests_out += served;
            buckets_out += 1;
        }
    }
    let traffic_ratio = if buckets_in > 0 && buckets_out > 0 && requests_out > 0 {
        Some((requests_in as f64 / buckets_in as f64) / (requests_out as f64 / buckets_out as f64))
    } else {
        None
    };
    let minutes = ((end_ms - start_ms) as f64 / 60_000.0).round().max(1.0);
    let period_ms = a.window.map_or(1, |w| (w.end_ms - w.start_ms).max(1));
    let window_ms = (to - from).max(1);
    let rate_ratio = (count as f64 / window_ms as f64)
        / ((total - count).max(1) as f64 / (period_ms - window_ms).max(1) as f64);
    let mut advice_list = Vec::new();
    match traffic_ratio {
        Some(ratio) if ratio >= 1.5 => advice_list.push(advice(
            format!(
                "Traffic was {ratio:.1} times its usual rate in this window: the timeouts \
                 followed load. Check Lambda concurrency (Throttles, ConcurrentExecutions) and \
                 the connection limits of the database or API behind the routes; reserved or \
                 provisioned concurrency and a connection proxy absorb such peaks."
            ),
            Some(links::LAMBDA_SCALING),
        )),
        _ => advice_list.push(advice(
            format!(
                "Traffic did not rise in this window, so something else changed: look for a \
                 deployment, a configuration change or a downstream incident {}, and at the \
                 latency of {}'s dependencies then.",
                between(start_ms, end_ms),
                top.as_ref()
                    .map_or("the affected routes", |r| r.route.as_str())
            ),
            None,
        )),
    }
    if let Some(top) = &top {
        advice_list.extend(slow_route_advice(c, top));
    }
    Finding {
        id: "timeout-burst".to_owned(),
        severity: Severity::High,
        title: format!(
            "{} timeouts in {} minutes, {}",
            count,
            minutes,
            span(start_ms, end_ms)
        ),
        summary: format!(
            "{} came {}{}, at {:.0} times the rate of the rest of the period.{}",
            capitalized(&of_all(count, total, "timeouts")),
            between(start_ms, end_ms),
            top.as_ref()
                .map(|r| {
                    if r.count == count {
                        format!(", all on {}", r.route)
                    } else {
                        format!(", {} of them on {}", r.count, r.route)
                    }
                })
                .unwrap_or_default(),
            rate_ratio,
            match traffic_ratio {
                Some(r) if r >= 1.5 =>
                    format!(" Traffic in the window was {r:.1} times its usual rate."),
                Some(r) if r <= 0.67 =>
                    format!(" Traffic in the window was lower than usual ({r:.1} times)."),
                Some(_) => " Traffic was at its usual rate.".to_owned(),
                None => String::new(),
            }
        ),
        impact: count,
        evidence: Evidence {
            routes,
            windows: vec![TimeWindow {
                start_ms,
                end_ms,
                count,
                route: top.map(|r| r.route),
            }],
            requests,
            ..Evidence::default()
        },
        advice: advice_list,
    }
}

/// Invocation samples for `pairs`, the most telling (longest past the ceiling) first.
fn paired_samples(c: &Context<'_>, keep: impl Fn(&Pair) -> bool) -> Vec<InvocationSample> {
    let mut pairs: Vec<&Pair> = c.notes.pairs.iter().filter(|p| keep(p)).collect();
    pairs.sort_by(|x, y| {
        let total = |p: &Pair| {
            let i = &c.notes.invocations[p.invocation];
            i.duration_ms + i.init_ms.unwrap_or(0.0)
        };
        total(y).total_cmp(&total(x))
    });
    pairs
        .into_iter()
        .take(SAMPLES)
        .map(|p| c.invocation_sample(p.invocation))
        .collect()
}

fn function_shares(
    c: &Context<'_>,
    functions: impl IntoIterator<Item = (String, u64)>,
) -> Vec<FunctionShare> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for (function, n) in functions {
        *counts.entry(function).or_insert(0) += n;
    }
    let mut shares: Vec<FunctionShare> = counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(function, count)| FunctionShare {
            source: c
                .functions
                .get(&function)
                .map_or_else(String::new, |f| f.source.clone()),
            function,
            count,
        })
        .collect();
    shares.sort_by_key(|f| std::cmp::Reverse(f.count));
    shares.truncate(LISTED);
    shares
}

fn lambda_outlived_gateway(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let lambda = a.lambda.as_ref()?;
    let pairs = c.notes.pairs;
    if pairs.is_empty() {
        return None;
    }
    let ceiling = a.ceiling_ms as f64;
    let past: f64 = pairs
        .iter()
        .map(|p| {
            let i = &c.notes.invocations[p.invocation];
            (i.duration_ms + i.init_ms.unwrap_or(0.0) - ceiling).max(0.0)
        })
        .sum();
    let functions = function_shares(
        c,
        pairs.iter().map(|p| {
            (
                function_of_input(a, c.notes.invocations[p.invocation].input),
                1,
            )
        }),
    );
    let mut routes: BTreeMap<String, u64> = BTreeMap::new();
    for pair in pairs {
        *routes
            .entry(c.notes.requests[pair.request].route.clone())
            .or_insert(0) += 1;
    }
    let correlation = &a.correlation;
    let methods: Vec<String> = [
        (correlation.by_request_id, "integration request id"),
        (correlation.by_trace_id, "X-Ray trace id"),
        (correlation.by_time, "function and start time"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, how)| format!("{n} by {how}"))
    .collect();
    let mut advice_list: Vec<Advice> = functions
        .iter()
        .map(|f| {
            let set = c
                .functions
                .get(&f.function)
                .and_then(|f| f.timeout_ms)
                .map(|ms| format!(" (it is at least {} now)", duration(f64::from(ms))))
                .unwrap_or_default();
            advice(
                format!(
                    "Set {}'s timeout to {} s{set}, below the {} ceiling: then it stops when the \
                     client can no longer get its answer, instead of running on unseen.",
                    f.function,
                    c.suggested_function_timeout_s(),
                    c.ceiling()
                ),
                Some(links::LAMBDA_TIMEOUT),
            )
        })
        .collect();
    advice_list.push(advice(
        "Clients retry a 504, so the abandoned invocation and its retry may both complete: make \
         the handler's writes idempotent (an idempotency key per request, conditional writes), \
         and have long loops check the time left (context.getRemainingTimeInMillis() and its \
         equivalents) to stop cleanly.",
        None,
    ));
    Some(Finding {
        id: "lambda-outlived-gateway".to_owned(),
        severity: Severity::High,
        title: format!(
            "{} kept running after the gateway gave up",
            plural(lambda.outlived_gateway, "invocation", "invocations")
        ),
        summary: format!(
            "{} of the gateway's timeouts had an invocation still running when the client got \
             the error: {} of compute past the ceiling, paid for, and whatever they wrote happened \
             without the client knowing. Paired {}.",
            lambda.outlived_gateway,
            duration(past),
            join(&methods)
        ),
        impact: lambda.outlived_gateway,
        evidence: Evidence {
            routes: c.route_shares(routes),
            functions,
            invocations: paired_samples(c, |_| true),
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

fn lambda_timeout_above_gateway(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let lambda = a.lambda.as_ref()?;
    let ceiling = a.ceiling_ms as f64;
    let offenders: Vec<&FunctionFigures> = lambda
        .functions
        .iter()
        .filter(|f| {
            f.timeout_ms.is_some_and(|ms| f64::from(ms) > ceiling)
                || f.duration.max_ms.is_some_and(|ms| f64::from(ms) > ceiling)
        })
        .collect();
    if offenders.is_empty() {
        return None;
    }
    let over = |f: &FunctionFigures| {
        c.notes
            .invocations
            .iter()
            .filter(|i| function_of_input(a, i.input) == f.function && i.duration_ms > ceiling)
            .count() as u64
    };
    let functions: Vec<FunctionShare> = offenders
        .iter()
        .map(|f| FunctionShare {
            function: f.function.clone(),
            count: over(f),
            source: f.source.clone(),
        })
        .collect();
    let impact: u64 = functions.iter().map(|f| f.count).sum();
    let names: Vec<String> = offenders.iter().map(|f| f.function.clone()).collect();
    let mut invocations: Vec<usize> = (0..c.notes.invocations.len())
        .filter(|&i| {
            let inv = &c.notes.invocations[i];
            inv.duration_ms > ceiling && names.contains(&function_of_input(a, inv.input))
        })
        .collect();
    invocations.sort_by(|&x, &y| {
        c.notes.invocations[y]
            .duration_ms
            .total_cmp(&c.notes.invocations[x].duration_ms)
    });
    let described: Vec<String> = offenders
        .iter()
        .map(|f| match f.timeout_ms {
            Some(ms) => format!(
                "{} timed out at {} ({} {} past the ceiling)",
                f.function,
                duration(f64::from(ms)),
                over(f),
                if over(f) == 1 {
                    "invocation ran"
                } else {
                    "invocations ran"
                }
            ),
            None => format!(
                "{} ran up to {}",
                f.function,
                duration_u32(f.duration.max_ms)
            ),
        })
        .collect();
    Some(Finding {
        id: "lambda-timeout-above-gateway".to_owned(),
        severity: Severity::High,
        title: format!(
            "{} {} a timeout above the {} ceiling",
            join(&names),
            if names.len() == 1 { "has" } else { "have" },
            c.ceiling()
        ),
        summary: format!(
            "{}. A function allowed to run longer than the gateway waits turns every slow request \
             into a 504 with the work still going on behind it.",
            join(&described)
        ),
        impact,
        evidence: Evidence {
            functions,
            invocations: invocations
                .into_iter()
                .take(SAMPLES)
                .map(|i| c.invocation_sample(i))
                .collect(),
            ..Evidence::default()
        },
        advice: offenders
            .iter()
            .map(|f| {
                advice(
                    format!(
                        "Set {}'s timeout to {} s (below the {} ceiling){}: its slow requests then \
                         fail as a prompt 502 the client can act on, and the function stops \
                         instead of running unseen.",
                        f.function,
                        c.suggested_function_timeout_s(),
                        c.ceiling(),
                        f.timeout_ms
                            .map(|ms| format!("; its log shows {}", duration(f64::from(ms))))
                            .unwrap_or_default()
                    ),
                    Some(links::LAMBDA_TIMEOUT),
                )
            })
            .collect(),
    })
}

fn lambda_timeout(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let lambda = a.lambda.as_ref()?;
    if lambda.timeouts == 0 {
        return None;
    }
    let timed_out: Vec<&FunctionFigures> =
        lambda.functions.iter().filter(|f| f.timeouts > 0).collect();
    let functions: Vec<FunctionShare> = timed_out
        .iter()
        .map(|f| FunctionShare {
            function: f.function.clone(),
            count: f.timeouts,
            source: f.source.clone(),
        })
        .collect();
    let mut invocations: Vec<usize> = (0..c.notes.invocations.len())
        .filter(|&i| c.notes.invocations[i].timed_out)
        .collect();
    invocations.sort_by_key(|&i| c.notes.invocations[i].start_ms);
    let ceiling = a.ceiling_ms as f64;
    let advice_list = timed_out
        .iter()
        .map(|f| match f.timeout_ms {
            Some(ms) if f64::from(ms) <= ceiling => advice(
                format!(
                    "{} gives up at {}, below the {} ceiling, so its callers get a prompt 502 \
                     rather than a 504: keep that. Its p99 is {}; find what stalls those \
                     invocations (the log lines before each timeout show the last step reached).",
                    f.function,
                    duration(f64::from(ms)),
                    c.ceiling(),
                    duration_u32(f.duration.p99_ms)
                ),
                None,
            ),
            Some(ms) => advice(
                format!(
                    "{} timed out at {}, above the {} ceiling: by then the gateway had already \
                     answered 504. Set its timeout to {} s.",
                    f.function,
                    duration(f64::from(ms)),
                    c.ceiling(),
                    c.suggested_function_timeout_s()
                ),
                Some(links::LAMBDA_TIMEOUT),
            ),
            None => advice(
                format!(
                    "{} timed out {}: its log shows where each invocation stopped.",
                    f.function,
                    plural(f.timeouts, "time", "times")
                ),
                None,
            ),
        })
        .collect();
    let described: Vec<String> = timed_out
        .iter()
        .map(|f| {
            format!(
                "{} {} of {}{}",
                f.function,
                f.timeouts,
                f.invocations,
                f.timeout_ms
                    .map(|ms| format!(" (at {})", duration(f64::from(ms))))
                    .unwrap_or_default()
            )
        })
        .collect();
    let share = lambda.timeouts as f64 / lambda.invocations.max(1) as f64;
    Some(Finding {
        id: "lambda-timeout".to_owned(),
        severity: if share >= 0.05 {
            Severity::Critical
        } else {
            Severity::High
        },
        title: format!(
            "{} timed out in Lambda",
            plural(lambda.timeouts, "invocation", "invocations")
        ),
        summary: format!(
            "{} of {} invocations ({}) hit their function's timeout: {}.",
            lambda.timeouts,
            lambda.invocations,
            percent(lambda.timeouts, lambda.invocations),
            join(&described)
        ),
        impact: lambda.timeouts,
        evidence: Evidence {
            functions,
            invocations: invocations
                .into_iter()
                .take(SAMPLES)
                .map(|i| c.invocation_sample(i))
                .collect(),
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

/// Whether SnapStart is offered for a runtime (`java:21.v22`, `python:3.12.v40`, ...).
fn snapstart_supported(runtime: &str) -> bool {
    let runtime = runtime.to_ascii_lowercase();
    let version = |prefix: &str| -> Option<f64> {
        let rest = runtime.strip_prefix(prefix)?.trim_start_matches(':');
        let number: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = number.split('.');
        let major: f64 = parts.next()?.parse().ok()?;
        let minor: f64 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0.0);
        Some(major + minor / 100.0)
    };
    version("java").is_some_and(|v| v >= 11.0)
        || version("python").is_some_and(|v| v >= 3.12)
        || version("dotnet").is_some_and(|v| v >= 8.0)
}

fn cold_start_timeouts(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    a.lambda.as_ref()?;
    let cold: Vec<&Pair> = c
        .notes
        .pairs
        .iter()
        .filter(|p| c.notes.invocations[p.invocation].init_ms.is_some())
        .collect();
    if cold.is_empty() {
        return None;
    }
    let inits: Vec<f64> = cold
        .iter()
        .filter_map(|p| c.notes.invocations[p.invocation].init_ms)
        .collect();
    let (low, high) = inits
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), i| (lo.min(*i), hi.max(*i)));
    let functions = function_shares(
        c,
        cold.iter().map(|p| {
            (
                function_of_input(a, c.notes.invocations[p.invocation].input),
                1,
            )
        }),
    );
    let mut routes: BTreeMap<String, u64> = BTreeMap::new();
    for pair in &cold {
        *routes
            .entry(c.notes.requests[pair.request].route.clone())
            .or_insert(0) += 1;
    }
    // Where the handler alone would have finished under the ceiling, init made the difference.
    let ceiling = a.ceiling_ms as f64;
    let decided: BTreeSet<String> = cold
        .iter()
        .filter(|p| c.notes.invocations[p.invocation].duration_ms < ceiling)
        .map(|p| function_of_input(a, c.notes.invocations[p.invocation].input))
        .collect();
    let decisive = cold
        .iter()
        .filter(|p| c.notes.invocations[p.invocation].duration_ms < ceiling)
        .count() as u64;
    let mut advice_list = Vec::new();
    if decisive < cold.len() as u64 {
        advice_list.push(advice(
            format!(
                "In {} of these the handler alone ran past the ceiling, init or not: for those, \
                 the slow handler is the cause (see the other findings), not the cold start.",
                cold.len() as u64 - decisive
            ),
            None,
        ));
    }
    for share in functions.iter().filter(|f| decided.contains(&f.function)) {
        let Some(f) = c.functions.get(&share.function) else {
            continue;
        };
        let inits = match (f.mean_init_ms, f.max_init_ms) {
            (Some(mean), Some(max)) => format!(
                "its {} cold starts took {} on average, up to {}",
                f.cold_starts,
                duration(mean),
                duration(max)
            ),
            _ => "its cold starts are long".to_owned(),
        };
        advice_list.push(advice(
            format!(
                "Give {} provisioned concurrency ({inits}): initialised environments take the \
                 requests that now wait for init. Size it to the concurrency the function reaches \
                 at peak, and schedule it if the peaks are predictable.",
                f.function
            ),
            Some(links::PROVISIONED),
        ));
        match f.runtime.as_deref() {
            Some(runtime) if snapstart_supported(runtime) => advice_list.push(advice(
                format!(
                    "{} runs on {runtime}, which supports SnapStart: it restores a snapshot of the \
                     initialised function instead of running init, usually cutting cold starts \
                     to a fraction of a second, without paying for idle capacity.",
                    f.function
                ),
                Some(links::SNAPSTART),
            )),
            _ => {}
        }
        advice_list.push(advice(
            format!(
                "Make {}'s init cheaper: a smaller deployment package, fewer dependencies loaded \
                 at start, clients created lazily for the code paths that need them. Its slow \
                 requests cannot absorb {} of init and still finish under {}.",
                f.function,
                duration(f.max_init_ms.unwrap_or(high)),
                c.ceiling()
            ),
            None,
        ));
    }
    Some(Finding {
        id: "cold-start-timeouts".to_owned(),
        severity: if decisive > 0 {
            Severity::High
        } else {
            Severity::Elevated
        },
        title: format!(
            "{} hit a cold start",
            plural(cold.len() as u64, "gateway timeout", "gateway timeouts")
        ),
        summary: format!(
            "{} of the timed-out requests ran on an invocation that started cold, with an init of \
             {} to {} on top of the handler's own time. In {decisive} of them the handler alone \
             would have finished within the {} ceiling: the init pushed them over.",
            cold.len(),
            duration(low),
            duration(high),
            c.ceiling()
        ),
        impact: cold.len() as u64,
        evidence: Evidence {
            routes: c.route_shares(routes),
            functions,
            invocations: paired_samples(c, |p| c.notes.invocations[p.invocation].init_ms.is_some()),
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

fn lambda_init_failures(c: &Context<'_>) -> Option<Finding> {
    let lambda = c.analysis.lambda.as_ref()?;
    if lambda.init_failures == 0 {
        return None;
    }
    let failing: Vec<&FunctionFigures> = lambda
        .functions
        .iter()
        .filter(|f| f.init_failures > 0)
        .collect();
    Some(Finding {
        id: "lambda-init-failure".to_owned(),
        severity: Severity::High,
        title: format!(
            "{} failed to initialise",
            plural(
                lambda.init_failures,
                "Lambda environment",
                "Lambda environments"
            )
        ),
        summary: format!(
            "INIT_REPORT shows a failed or timed-out init phase {} ({}). Lambda retries init \
             inside the invocation, so the request waits for init twice: a direct path to the \
             gateway's ceiling.",
            plural(lambda.init_failures, "time", "times"),
            join(
                &failing
                    .iter()
                    .map(|f| format!("{} {}", f.function, f.init_failures))
                    .collect::<Vec<_>>()
            )
        ),
        impact: lambda.init_failures,
        evidence: Evidence {
            functions: failing
                .iter()
                .map(|f| FunctionShare {
                    function: f.function.clone(),
                    count: f.init_failures,
                    source: f.source.clone(),
                })
                .collect(),
            ..Evidence::default()
        },
        advice: vec![advice(
            "Init is cut off at about 10 s: find the error or the slow step in the lines before \
             each INIT_REPORT (a missing environment variable, a failing import, a network call \
             at start), and move slow setup out of init or onto SnapStart.",
            Some(links::SNAPSTART),
        )],
    })
}

/// Memory to suggest: half again the peak, rounded up to 128 MB, within Lambda's range.
fn suggested_memory_mb(peak_mb: u32, current_mb: u32) -> u32 {
    let wanted = (f64::from(peak_mb) * 1.5).ceil() as u32;
    wanted
        .div_ceil(128)
        .saturating_mul(128)
        .clamp(current_mb + 128, 10_240)
}

fn memory_pressure(c: &Context<'_>) -> Option<Finding> {
    let lambda = c.analysis.lambda.as_ref()?;
    if lambda.memory_pressure == 0 {
        return None;
    }
    let tight: Vec<&FunctionFigures> = lambda
        .functions
        .iter()
        .filter(|f| f.memory_pressure > 0)
        .collect();
    let described: Vec<String> = tight
        .iter()
        .map(|f| match (f.max_memory_used_mb, f.memory_mb) {
            (Some(used), Some(size)) => format!(
                "{}: {} of {} invocations at {}% or more, peak {used} of {size} MB",
                f.function, f.memory_pressure, f.invocations, c.thresholds.memory_percent
            ),
            _ => format!("{}: {} invocations", f.function, f.memory_pressure),
        })
        .collect();
    let share = lambda.memory_pressure as f64 / lambda.invocations.max(1) as f64;
    Some(Finding {
        id: "memory-pressure".to_owned(),
        severity: if share >= 0.1 {
            Severity::Elevated
        } else {
            Severity::Low
        },
        title: format!(
            "{} used {}% or more of their memory",
            plural(lambda.memory_pressure, "invocation", "invocations"),
            c.thresholds.memory_percent
        ),
        summary: format!(
            "{}. Near its limit a function spends time collecting garbage, and one larger input \
             ends it with an out-of-memory error.",
            described.join("; ")
        ),
        impact: lambda.memory_pressure,
        evidence: Evidence {
            functions: tight
                .iter()
                .map(|f| FunctionShare {
                    function: f.function.clone(),
                    count: f.memory_pressure,
                    source: f.source.clone(),
                })
                .collect(),
            ..Evidence::default()
        },
        advice: tight
            .iter()
            .filter_map(|f| {
                let (used, size) = (f.max_memory_used_mb?, f.memory_mb?);
                Some(advice(
                    format!(
                        "Raise {}'s memory from {size} MB to {} MB (its peak is {used} MB). \
                         Lambda gives CPU in proportion to memory, so the function usually gets \
                         faster too, which matters for requests near the ceiling.",
                        f.function,
                        suggested_memory_mb(used, size)
                    ),
                    Some(links::LAMBDA_MEMORY),
                ))
            })
            .collect(),
    })
}

fn async_candidate(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let slow: Vec<&RouteFigures> = a
        .routes
        .iter()
        .filter(|r| {
            r.latency.measured >= c.thresholds.route_min_requests
                && r.latency
                    .p50_ms
                    .is_some_and(|ms| ms >= c.thresholds.async_p50_ms)
        })
        .collect();
    if slow.is_empty() {
        return None;
    }
    let shares: Vec<RouteShare> = slow
        .iter()
        .map(|r| RouteShare {
            route: r.route.clone(),
            count: r.requests,
            share: r.requests as f64 / a.requests.max(1) as f64,
            requests: r.requests,
            p50_ms: r.latency.p50_ms,
            p99_ms: r.latency.p99_ms,
        })
        .collect();
    let described: Vec<String> = slow
        .iter()
        .map(|r| {
            format!(
                "{} (median {}, {} of {} timed out)",
                r.route,
                duration_u32(r.latency.p50_ms),
                r.timeouts,
                r.requests
            )
        })
        .collect();
    let names: Vec<String> = slow.iter().map(|r| r.route.clone()).collect();
    let with_timeouts = slow.iter().any(|r| r.timeouts > 0);
    Some(Finding {
        id: "async-candidate".to_owned(),
        severity: if with_timeouts {
            Severity::High
        } else {
            Severity::Elevated
        },
        title: format!("Make {} asynchronous", join(&names)),
        summary: format!(
            "{}: half of the requests take {} or more, which leaves no room under a {} ceiling \
             for a slow day.",
            join(&described),
            duration(f64::from(c.thresholds.async_p50_ms)),
            c.ceiling()
        ),
        // at least half of each route's requests took the threshold or longer
        impact: slow.iter().map(|r| r.requests.div_ceil(2)).sum(),
        evidence: Evidence {
            routes: shares,
            ..Evidence::default()
        },
        advice: vec![
            advice(
                format!(
                    "Turn {} into a job: accept the request, store it, answer 202 Accepted with a \
                     job id and a status URL (GET /jobs/{{id}}), and run the work from a queue or an \
                     asynchronous Lambda invoke. The client polls the status URL or gets a \
                     callback (a webhook or a WebSocket message) when the result is ready.",
                    join(&names)
                ),
                Some(links::ASYNC_INVOKE),
            ),
            advice(
                "If the work has several steps (gather, render, store, notify), run it as a Step \
                 Functions state machine: each step gets its own timeout and retries, and the \
                 status endpoint reads the execution's state.",
                Some(links::STEP_FUNCTIONS),
            ),
        ],
    })
}

fn cache_candidate(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let paths_logged = c.notes.fields.contains(Field::Path);
    let candidates: Vec<&RouteFigures> = a
        .routes
        .iter()
        .filter(|r| {
            r.route.starts_with("GET ")
                && r.latency.measured >= c.thresholds.route_min_requests
                && r.latency
                    .p50_ms
                    .is_some_and(|ms| ms >= c.thresholds.cache_p50_ms)
                && match (paths_logged, r.distinct_paths) {
                    (true, Some(distinct)) => {
                        // the share of requests that asked again for a path already asked
                        (r.requests - distinct.min(r.requests)) * 100
                            >= r.requests * u64::from(c.thresholds.cache_repeat_percent)
                    }
                    (true, None) => false,
                    (false, _) => true,
                }
        })
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let shares: Vec<RouteShare> = candidates
        .iter()
        .map(|r| RouteShare {
            route: r.route.clone(),
            count: r.requests,
            share: r.requests as f64 / a.requests.max(1) as f64,
            requests: r.requests,
            p50_ms: r.latency.p50_ms,
            p99_ms: r.latency.p99_ms,
        })
        .collect();
    let mut advice_list = Vec::new();
    let mut described = Vec::new();
    for route in &candidates {
        let repeats = match route.distinct_paths {
            Some(distinct) if paths_logged => {
                described.push(format!(
                    "{}: {} requests for {} distinct paths (each asked {:.0} times on average), median {}",
                    route.route,
                    route.requests,
                    distinct,
                    route.requests as f64 / distinct.max(1) as f64,
                    duration_u32(route.latency.p50_ms)
                ));
                format!("its {distinct} paths repeat")
            }
            _ => {
                described.push(format!(
                    "{}: {} requests, median {}",
                    route.route,
                    route.requests,
                    duration_u32(route.latency.p50_ms)
                ));
                "whether requests repeat is not in the log (add $context.path to see it)".to_owned()
            }
        };
        let text = match c.api() {
            Some(ApiKind::Http) => format!(
                "{} is a slow read ({repeats}). HTTP APIs have no built-in cache: put CloudFront \
                 in front with a cache policy keyed on the path, and a TTL as long as the data \
                 may be stale (say 60 to 300 s).",
                route.route
            ),
            _ => format!(
                "Enable API Gateway caching for {} ({repeats}): a stage cache with a TTL as long \
                 as the data may be stale (say 300 s), keyed on the path parameter, so repeated \
                 requests are answered from the cache instead of waiting {} for the integration. \
                 Choose the smallest cache size that holds the working set; callers can be \
                 allowed to bypass it with Cache-Control: max-age=0 if they need fresh data.",
                route.route,
                duration_u32(route.latency.p50_ms)
            ),
        };
        advice_list.push(advice(text, Some(links::CACHING)));
    }
    Some(Finding {
        id: "cache-candidate".to_owned(),
        severity: Severity::Low,
        title: format!(
            "Cache {}",
            join(
                &candidates
                    .iter()
                    .map(|r| r.route.clone())
                    .collect::<Vec<_>>()
            )
        ),
        summary: format!(
            "Slow, read-only GETs asked again and again: {}.",
            described.join("; ")
        ),
        impact: candidates.iter().map(|r| r.requests).sum(),
        evidence: Evidence {
            routes: shares,
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

fn large_response(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let large: Vec<&RouteFigures> = a.routes.iter().filter(|r| r.large_responses > 0).collect();
    if large.is_empty() {
        return None;
    }
    let total: u64 = large.iter().map(|r| r.large_responses).sum();
    let described: Vec<String> = large
        .iter()
        .map(|r| {
            format!(
                "{} ({} responses, largest {:.1} MB)",
                r.route,
                r.large_responses,
                r.max_response_bytes.unwrap_or(0) as f64 / 1_048_576.0
            )
        })
        .collect();
    Some(Finding {
        id: "large-response".to_owned(),
        severity: Severity::Elevated,
        title: format!(
            "{} close to the 10 MB payload limit",
            plural(total, "response", "responses")
        ),
        summary: format!(
            "{}. API Gateway refuses payloads above 10 MB, and large bodies are slow to build and \
             to send.",
            join(&described)
        ),
        impact: total,
        evidence: Evidence {
            routes: c.route_shares(large.iter().map(|r| (r.route.clone(), r.large_responses))),
            ..Evidence::default()
        },
        advice: vec![advice(
            format!(
                "Return large results from {} as a presigned S3 URL, or paginate them: the \
                 client downloads the body from S3 directly and the request finishes quickly.",
                join(&large.iter().map(|r| r.route.clone()).collect::<Vec<_>>())
            ),
            Some(links::QUOTAS),
        )],
    })
}

fn missing_latency_fields(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let fields = c.notes.fields;
    if a.requests == 0 || fields.is_empty() {
        return None;
    }
    let http = c.api() == Some(ApiKind::Http);
    let mut missing = Vec::new();
    if !fields.contains(Field::IntegrationLatency) {
        missing.push((
            "$context.integrationLatency",
            "how long the integration took, so timeouts and near misses can be told apart from the gateway's own time",
        ));
    }
    if !fields.contains(Field::ResponseLatency) {
        missing.push((
            "$context.responseLatency",
            "the latency the client saw, for the percentiles",
        ));
    }
    let has_error = [
        Field::ErrorResponseType,
        Field::ErrorMessage,
        Field::ErrorMessageString,
        Field::IntegrationError,
    ]
    .iter()
    .any(|f| fields.contains(*f));
    if !has_error {
        missing.push(if http {
            (
                "$context.integrationErrorMessage",
                "why an integration failed (timeout, function error)",
            )
        } else {
            (
                "$context.error.responseType",
                "INTEGRATION_TIMEOUT and the other gateway responses, to tell a timeout from other 504s",
            )
        });
    }
    if missing.is_empty() {
        return None;
    }
    let variables: Vec<String> = missing.iter().map(|(v, _)| (*v).to_owned()).collect();
    let integration_missing = !fields.contains(Field::IntegrationLatency);
    Some(Finding {
        id: "missing-latency-fields".to_owned(),
        severity: if integration_missing {
            Severity::Elevated
        } else {
            Severity::Low
        },
        title: format!("The access log lacks {}", join(&variables)),
        summary: format!(
            "The stage's access-log format lacks {}. Where they would tell, Ceiling falls back on \
             weaker signals (status codes alone).",
            missing
                .iter()
                .map(|(variable, why)| format!("{variable} ({why})"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        impact: a.requests,
        evidence: Evidence::default(),
        advice: vec![advice(
            format!(
                "Add {} to the stage's access-log format (Stage → Logs and tracing → Custom access \
                 logging), for example \"integrationLatency\":\"$context.integrationLatency\" in \
                 a JSON format. Only new requests will have them.",
                join(&variables)
            ),
            Some(if http {
                links::HTTP_LOG_VARIABLES
            } else {
                links::ACCESS_LOG_VARIABLES
            }),
        )],
    })
}

fn throttled(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let count = a.status.get(&429).copied().unwrap_or(0);
    if count == 0 {
        return None;
    }
    Some(Finding {
        id: "throttled".to_owned(),
        severity: if count as f64 >= 0.01 * a.requests as f64 {
            Severity::Elevated
        } else {
            Severity::Info
        },
        title: format!(
            "{} throttled (429)",
            plural(count, "request was", "requests were")
        ),
        summary: format!(
            "{count} of {} requests ({}) were refused with 429 Too Many Requests by a stage, \
             method or usage-plan throttle, before reaching the integration. They are not \
             timeouts, but clients that retry them add to the load.",
            a.requests,
            percent(count, a.requests)
        ),
        impact: count,
        evidence: Evidence::default(),
        advice: vec![advice(
            "If these callers are legitimate, raise the stage or usage-plan rate and burst \
             limits; if you raised the integration timeout above 29 s, check whether the \
             account's throttle quota was lowered with it.",
            Some(links::QUOTAS),
        )],
    })
}

/// The story at the top: how many timed out, when, where, whether Lambda kept running, the
/// likely cause and the first thing to do.
pub(crate) fn what_happened(analysis: &Analysis, notes: &Notes<'_>) -> WhatHappened {
    let a = analysis;
    let context = Context::new(analysis, notes);
    let find = |id: &str| a.findings.iter().find(|f| f.id == id);
    let mut points = Vec::new();
    let headline = if a.integration_timeouts > 0 {
        let when = find("integration-timeout")
            .and_then(|f| f.evidence.windows.first())
            .map(|w| format!(", {}", between(w.start_ms, w.end_ms)))
            .unwrap_or_default();
        if a.requests > 0 {
            format!(
                "{} of {} requests ({}) timed out at the {} ceiling{when}.",
                a.integration_timeouts,
                a.requests,
                percent(a.integration_timeouts, a.requests),
                context.ceiling()
            )
        } else {
            format!(
                "The execution log shows {} at the {} ceiling.",
                plural(
                    a.integration_timeouts,
                    "integration timeout",
                    "integration timeouts"
                ),
                context.ceiling()
            )
        }
    } else if a.requests > 0 {
        format!(
            "None of the {} timed out at the {} ceiling{}.",
            plural(a.requests, "request", "requests"),
            context.ceiling(),
            a.overall
                .p99_ms
                .map(|ms| format!("; p99 was {}", duration(f64::from(ms))))
                .unwrap_or_default()
        )
    } else if let Some(lambda) = &a.lambda {
        format!(
            "{} Lambda invocations read, {} of them timed out; no gateway access log was given.",
            lambda.invocations, lambda.timeouts
        )
    } else {
        "Nothing to analyze.".to_owned()
    };
    if let Some(f) = find("timeouts-concentrated").or_else(|| find("timeouts-systemic")) {
        points.push(f.summary.clone());
    } else if let Some(f) = find("integration-timeout") {
        if let Some(route) = f.evidence.routes.first() {
            points.push(format!(
                "{} has {} of them ({:.0}%).",
                route.route,
                route.count,
                100.0 * route.share
            ));
        }
    }
    for burst in a.findings.iter().filter(|f| f.id == "timeout-burst") {
        points.push(burst.summary.clone());
    }
    match &a.lambda {
        Some(lambda) if lambda.outlived_gateway > 0 => points.push(format!(
            "Lambda kept running after {} of the timeouts{}: the work went on after the \
             client had its error.",
            lambda.outlived_gateway,
            if lambda.gateway_timeouts_on_cold_start > 0 {
                format!(
                    " ({} of them cold starts)",
                    lambda.gateway_timeouts_on_cold_start
                )
            } else {
                String::new()
            }
        )),
        Some(_) if a.integration_timeouts > 0 => points.push(
            "No invocation in the Lambda logs matches the timed-out requests: the functions \
             behind them may be in log groups that were not given."
                .to_owned(),
        ),
        Some(_) => {}
        None if a.integration_timeouts > 0 => points.push(
            "Without the functions' logs (/aws/lambda/<function>), Ceiling cannot tell whether \
             Lambda kept running after the timeouts, timed out itself, or started cold: add \
             them to see the Lambda findings."
                .to_owned(),
        ),
        None => {}
    }
    let mut causes = Vec::new();
    if let Some(f) = find("async-candidate") {
        for route in &f.evidence.routes {
            causes.push(format!(
                "{} is slow by design (median {})",
                route.route,
                duration_u32(route.p50_ms)
            ));
        }
    }
    for f in a.findings.iter().filter(|f| f.id == "timeout-burst") {
        if let (Some(window), Some(route)) = (f.evidence.windows.first(), f.evidence.routes.first())
        {
            causes.push(format!(
                "{} slowed down {}",
                route.route,
                between(window.start_ms, window.end_ms)
            ));
        }
    }
    if let Some(f) = find("timeouts-systemic") {
        causes.push(format!(
            "a dependency the routes share ({})",
            f.title.to_lowercase()
        ));
    }
    if find("cold-start-timeouts").is_some_and(|f| f.severity == Severity::High) {
        causes.push("cold starts pushed some requests over the ceiling".to_owned());
    }
    if let Some(f) = find("lambda-timeout-above-gateway") {
        let names: Vec<String> = f
            .evidence
            .functions
            .iter()
            .map(|f| f.function.clone())
            .collect();
        causes.push(format!(
            "{} may run longer than the gateway waits",
            join(&names)
        ));
    }
    if !causes.is_empty() && a.integration_timeouts > 0 {
        points.push(format!("Likely causes: {}.", causes.join("; ")));
    }
    let first_step = a
        .findings
        .iter()
        .filter(|f| f.severity <= Severity::High)
        .find_map(|f| f.advice.first().map(|advice| (f, advice)));
    if let Some((finding, step)) = first_step {
        points.push(format!("First: {} ({})", step.text, finding.id));
    }
    WhatHappened { headline, points }
}
