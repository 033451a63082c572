//! The story at the top of an analysis, composed from the findings and figures.

use super::context::{Context, CONCENTRATED_TIMEOUT_SHARE};
use super::scan::Notes;
use super::steps;
use super::text::{between, duration, duration_u32, join, percent, plural};
use crate::model::{Analysis, Finding, FindingId, RouteShare, Severity, SlowStep, WhatHappened};

/// The story at the top: how many timed out, when, where, whether Lambda kept running, the
/// likely cause and the first thing to do.
pub(crate) fn what_happened(analysis: &Analysis, notes: &Notes<'_>) -> WhatHappened {
    let a = analysis;
    let context = Context::new(analysis, notes);
    let find = |id: FindingId| a.findings.iter().find(|f| f.id == id);
    let mut points = Vec::new();
    let headline = if a.integration_timeouts > 0 {
        let when = find(FindingId::IntegrationTimeout)
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
    if let Some(f) =
        find(FindingId::TimeoutsConcentrated).or_else(|| find(FindingId::TimeoutsSystemic))
    {
        points.push(f.summary.clone());
    } else if let Some(f) = find(FindingId::IntegrationTimeout) {
        if let Some(route) = f.evidence.routes.first() {
            points.push(format!(
                "{} has {} of them ({:.0}%).",
                route.route,
                route.count,
                100.0 * route.share
            ));
        }
    }
    for burst in a
        .findings
        .iter()
        .filter(|f| f.id == FindingId::TimeoutBurst)
    {
        points.push(burst.summary.clone());
        if let Some((route, function, step)) = burst_step(&context, burst) {
            points.push(format!("The burst on {route} is {step} in {function}."));
        }
    }
    for step in steady_steps(a) {
        points.push(format!(
            "In {} of {} slow invocations of {}, {} held a median {:.0}% of the time.",
            step.invocations,
            step.slow_invocations,
            step.function,
            steps::cite(step),
            100.0 * step.median_share
        ));
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
    let causes = likely_causes(a, &context);
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

/// The causes the findings support, the one the evidence supports most first: cold starts when
/// every timeout was cold, else a burst beyond chance, else the routes the timeouts
/// concentrate on, else a dependency the routes share; then the other causes.
fn likely_causes(a: &Analysis, context: &Context<'_>) -> Vec<String> {
    let find = |id: FindingId| a.findings.iter().find(|f| f.id == id);
    let mut causes = Vec::new();
    let cold = a
        .lambda
        .as_ref()
        .map_or(0, |l| l.gateway_timeouts_on_cold_start);
    let all_cold = a.integration_timeouts > 0 && cold >= a.integration_timeouts;
    let cold_decided =
        find(FindingId::ColdStartTimeouts).is_some_and(|f| f.severity == Severity::High);
    if all_cold {
        causes.push(format!(
            "every one of the {} timeouts ran on a cold start{}",
            a.integration_timeouts,
            if cold_decided {
                ", and the init pushed requests over the ceiling"
            } else {
                ""
            }
        ));
    }
    for step in steady_steps(a) {
        causes.push(format!(
            "{} in {} holds a median {:.0}% of its slow invocations",
            steps::cite(step),
            step.function,
            100.0 * step.median_share
        ));
    }
    let mut bursts = 0;
    for f in a
        .findings
        .iter()
        .filter(|f| f.id == FindingId::TimeoutBurst)
    {
        if let (Some(window), Some(route)) = (f.evidence.windows.first(), f.evidence.routes.first())
        {
            bursts += 1;
            let because = burst_step(context, f)
                .map(|(_, function, step)| format!(": {step} in {function}"))
                .unwrap_or_default();
            causes.push(format!(
                "{} slowed down {}{because}",
                route.route,
                between(window.start_ms, window.end_ms)
            ));
        }
    }
    if let (0, Some(f)) = (bursts, find(FindingId::TimeoutsConcentrated)) {
        causes.push(format!(
            "something in {} ({})",
            join(&concentrated_routes(&f.evidence.routes)),
            f.title.to_lowercase()
        ));
    }
    if let Some(f) = find(FindingId::TimeoutsSystemic) {
        causes.push(format!(
            "a dependency the routes share ({})",
            f.title.to_lowercase()
        ));
    }
    if let Some(f) = find(FindingId::AsyncCandidate) {
        for route in &f.evidence.routes {
            causes.push(format!(
                "{} is slow by design (median {})",
                route.route,
                duration_u32(route.p50_ms)
            ));
        }
    }
    if cold_decided && !all_cold {
        causes.push("cold starts pushed some requests over the ceiling".to_owned());
    }
    if let Some(f) = find(FindingId::LambdaTimeoutAboveGateway) {
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
    causes
}

/// The slow step of a function behind a burst's route whose window overlaps the burst's.
/// The slow steps that hold their function's time throughout, not only inside a window.
fn steady_steps(a: &Analysis) -> impl Iterator<Item = &SlowStep> {
    a.findings
        .iter()
        .filter(|f| f.id == FindingId::SlowStep)
        .filter_map(|f| f.evidence.steps.as_ref())
        .filter(|s| s.window.is_none())
}

fn burst_step(context: &Context<'_>, burst: &Finding) -> Option<(String, String, String)> {
    let window = burst.evidence.windows.first()?;
    let route = burst.evidence.routes.first()?;
    let functions = context.functions_of(&route.route);
    context
        .analysis
        .findings
        .iter()
        .filter(|f| f.id == FindingId::SlowStep)
        .filter_map(|f| f.evidence.steps.as_ref())
        .find(|s| {
            s.window
                .as_ref()
                .is_some_and(|w| w.start_ms <= window.end_ms && window.start_ms <= w.end_ms)
                && (functions.is_empty() || functions.contains(&s.function))
        })
        .map(|s| (route.route.clone(), s.function.clone(), steps::cite(s)))
}

/// The routes of a concentrated pattern: the fewest, most timed-out first, that hold its
/// share of the timeouts.
fn concentrated_routes(routes: &[RouteShare]) -> Vec<String> {
    let mut held = 0.0;
    let mut names = Vec::new();
    for route in routes {
        if held >= CONCENTRATED_TIMEOUT_SHARE {
            break;
        }
        held += route.share;
        names.push(route.route.clone());
    }
    names
}
