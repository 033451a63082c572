//! The gateway's findings: timeouts, near misses, p99, 502s, where and when the timeouts
//! fall, and the advice for a slow route.

use std::collections::{BTreeMap, BTreeSet};

use super::context::{Context, CONCENTRATED_TIMEOUT_SHARE, LISTED, SAMPLES};
use super::links;
use super::text::{
    advice, between, capitalized, duration, duration_u32, join, of_all, percent, plural,
};
use crate::accumulate::NotableRequest;
use crate::model::{
    Advice, ApiKind, Evidence, Finding, FindingId, RequestSample, RouteFigures, RouteShare,
    Severity, TimeWindow,
};
use crate::parse::access::Field;

pub(super) fn integration_timeout(c: &Context<'_>) -> Option<Finding> {
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
                status: Some(504),
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
            .map(|r| match c.own_ceiling_ms(&r.route) {
                Some(own) => format!(
                    "{} ({} of them, at its own integration timeout of {})",
                    r.route,
                    r.count,
                    duration(own as f64)
                ),
                None => format!("{} ({} of them)", r.route, r.count),
            })
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
        id: FindingId::IntegrationTimeout,
        severity,
        title: format!(
            "{} timed out at the {} integration ceiling",
            plural(timeouts, "request", "requests"),
            c.ceiling()
        ),
        summary,
        impact: timeouts,
        reproduce: None,
        evidence,
        advice: steps,
    })
}

/// What to do about the timeouts of one route: its burst, if most of them came in one, else
/// its latency profile.
pub(super) fn route_timeout_advice(c: &Context<'_>, share: &RouteShare) -> Option<Advice> {
    let route = c.routes.get(share.route.as_str())?;
    let in_burst = c.bursts().iter().find(|burst| {
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
pub(super) fn slow_route_advice(c: &Context<'_>, share: &RouteShare) -> Option<Advice> {
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
pub(super) fn ceiling_advice(c: &Context<'_>) -> Advice {
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

pub(super) fn near_ceiling(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    if a.near_ceiling == 0 {
        return None;
    }
    let near_ms =
        |ceiling_ms: u64| (ceiling_ms * u64::from(c.thresholds.near_ceiling_percent)).div_ceil(100);
    let threshold_ms = near_ms(a.ceiling_ms);
    // each route against its own ceiling, where the stage's configuration gives one
    let is_near = |r: &NotableRequest| {
        !r.timed_out
            && r.integration_latency_ms
                .is_some_and(|ms| u64::from(ms) >= near_ms(c.route_ceiling_ms(&r.route)))
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
        .map(|r| match c.own_ceiling_ms(&r.route) {
            Some(own) => format!(
                "{} ({}, from {} against its own integration timeout of {})",
                r.route,
                r.count,
                duration(near_ms(own) as f64),
                duration(own as f64)
            ),
            None => format!("{} ({})", r.route, r.count),
        })
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
        id: FindingId::NearCeiling,
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
        reproduce: None,
        evidence: Evidence {
            routes,
            requests,
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

pub(super) fn p99_near_ceiling(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    let threshold = c.thresholds.p99_near_ceiling_ms(a.ceiling_ms);
    let above = |p99: Option<u32>| p99.is_some_and(|ms| u64::from(ms) >= threshold);
    // each route against its own ceiling, where the stage's configuration gives one
    let route_above = |r: &RouteFigures| {
        let own = c
            .thresholds
            .p99_near_ceiling_ms(c.route_ceiling_ms(&r.route));
        r.latency.p99_ms.is_some_and(|ms| u64::from(ms) >= own)
    };
    let mut routes: Vec<&RouteFigures> = a.routes.iter().filter(|r| route_above(r)).collect();
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
            share: r.latency.p99_ms.map_or(0.0, |ms| {
                f64::from(ms) / c.route_ceiling_ms(&r.route) as f64
            }),
            requests: r.requests,
            p50_ms: r.latency.p50_ms,
            p99_ms: r.latency.p99_ms,
        })
        .collect();
    let described: Vec<String> = shares
        .iter()
        .take(4)
        .map(|r| match c.own_ceiling_ms(&r.route) {
            Some(own) => format!(
                "{} (p99 {}, against its own integration timeout of {})",
                r.route,
                duration_u32(r.p99_ms),
                duration(own as f64)
            ),
            None => format!("{} (p99 {})", r.route, duration_u32(r.p99_ms)),
        })
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
        id: FindingId::P99NearCeiling,
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
        reproduce: None,
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

pub(super) fn bad_gateway(c: &Context<'_>) -> Option<Finding> {
    let a = c.analysis;
    if a.bad_gateway == 0 {
        return None;
    }
    let is_502 = |r: &NotableRequest| r.status == Some(502);
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
        id: FindingId::BadGateway,
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
        reproduce: None,
        evidence: Evidence {
            routes,
            requests,
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

/// `timeouts-concentrated` or `timeouts-systemic`, when the timeouts are enough to tell.
pub(super) fn timeout_pattern(c: &Context<'_>) -> Option<Finding> {
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
            id: FindingId::TimeoutsConcentrated,
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
            reproduce: None,
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
            id: FindingId::TimeoutsSystemic,
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
            reproduce: None,
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
