//! `timeout-burst`: timeouts that cluster in a window rather than spreading over the period.

use std::collections::BTreeMap;

use super::chance;
use super::context::Context;
use super::gateway::slow_route_advice;
use super::links;
use super::scan::Burst;
use super::text::{advice, between, capitalized, of_all, span};
use crate::accumulate::NotableRequest;
use crate::model::{Evidence, Finding, FindingId, Severity, TimeWindow};

pub(super) fn timeout_bursts(c: &Context<'_>) -> Vec<Finding> {
    let total = c
        .notes
        .requests
        .iter()
        .filter(|r| r.timed_out && r.time_ms.is_some())
        .count() as u64;
    c.bursts()
        .iter()
        .map(|burst| burst_finding(c, burst, total))
        .collect()
}

pub(super) fn burst_finding(c: &Context<'_>, burst: &Burst<'_>, total: u64) -> Finding {
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
        id: FindingId::TimeoutBurst,
        severity: Severity::High,
        title: format!(
            "{} timeouts in {} minute{}, {}",
            count,
            minutes,
            if minutes == 1.0 { "" } else { "s" },
            span(start_ms, end_ms)
        ),
        summary: format!(
            "{} came {}{}, at {:.0} times the rate of the rest of the period.{} {}",
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
            },
            chance_told(burst)
        ),
        impact: count,
        reproduce: None,
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

/// How often chance alone gives such a window, in words.
fn chance_told(burst: &Burst<'_>) -> String {
    let rounds = chance::ROUNDS;
    let beaten = if burst.beaten == 0 {
        "none".to_owned()
    } else {
        burst.beaten.to_string()
    };
    format!(
        "Drawn at random over the same traffic, the same number of timeouts gave a window as \
         strong in {beaten} of {rounds} draws (p = {:.3}).",
        burst.p_value()
    )
}
