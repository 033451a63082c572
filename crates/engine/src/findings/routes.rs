//! The findings about a route's design or the log's: asynchronous work, caching, large
//! responses, missing fields, throttling.

use super::context::{whole_route, Context};
use super::links;
use super::text::{advice, duration, duration_u32, join, percent, plural};
use crate::model::{ApiKind, Evidence, Finding, FindingId, RouteFigures, RouteShare, Severity};
use crate::parse::access::Field;

pub(super) fn async_candidate(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let slow: Vec<&RouteFigures> = a
        .routes
        .iter()
        .filter(|r| {
            // the folded routes are no one route to make asynchronous
            !r.is_other_routes()
                && r.latency.measured >= c.thresholds.route_min_requests
                && r.latency
                    .p50_ms
                    .is_some_and(|ms| ms >= c.thresholds.async_p50_ms)
        })
        .collect();
    if slow.is_empty() {
        return None;
    }
    let shares: Vec<RouteShare> = slow.iter().map(|r| whole_route(r, a.requests)).collect();
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
        id: FindingId::AsyncCandidate,
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
        reproduce: None,
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

pub(super) fn cache_candidate(c: &Context<'_>) -> Option<Finding> {
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
        .map(|r| whole_route(r, a.requests))
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
        id: FindingId::CacheCandidate,
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
        reproduce: None,
        evidence: Evidence {
            routes: shares,
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

pub(super) fn large_response(c: &Context<'_>) -> Option<Finding> {
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
        id: FindingId::LargeResponse,
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
        reproduce: None,
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

pub(super) fn missing_latency_fields(c: &Context<'_>) -> Option<Finding> {
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
        id: FindingId::MissingLatencyFields,
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
        reproduce: None,
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

pub(super) fn throttled(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let count = a.status.get(&429).copied().unwrap_or(0);
    if count == 0 {
        return None;
    }
    Some(Finding {
        id: FindingId::Throttled,
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
        reproduce: None,
        evidence: Evidence::default(),
        advice: vec![advice(
            "If these callers are legitimate, raise the stage or usage-plan rate and burst \
             limits; if you raised the integration timeout above 29 s, check whether the \
             account's throttle quota was lowered with it.",
            Some(links::QUOTAS),
        )],
    })
}
