//! The Lambda findings: invocations that outlived the gateway, timeouts above the ceiling
//! and below it, cold starts, failed inits and memory pressure.

use std::collections::{BTreeMap, BTreeSet};

use super::context::{function_of_input, Context, LISTED, SAMPLES};
use super::links;
use super::text::{advice, duration, duration_u32, join, percent, plural};
use crate::correlate::Pair;
use crate::model::{
    Advice, Evidence, Finding, FindingId, FunctionFigures, FunctionShare, InvocationSample,
    Severity,
};

/// Invocation samples for `pairs`, the most telling (longest past the ceiling) first.
pub(super) fn paired_samples(
    c: &Context<'_>,
    keep: impl Fn(&Pair) -> bool,
) -> Vec<InvocationSample> {
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

pub(super) fn function_shares(
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

pub(super) fn lambda_outlived_gateway(c: &Context<'_>) -> Option<Finding> {
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
        id: FindingId::LambdaOutlivedGateway,
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
        reproduce: None,
        evidence: Evidence {
            routes: c.route_shares(routes),
            functions,
            invocations: paired_samples(c, |_| true),
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

pub(super) fn lambda_timeout_above_gateway(c: &Context<'_>) -> Option<Finding> {
    // The stage's configuration says it exactly, before any invocation ran too long.
    if let Some(finding) = super::config::timeout_above_integration(c) {
        return Some(finding);
    }
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
        id: FindingId::LambdaTimeoutAboveGateway,
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
        reproduce: None,
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

pub(super) fn lambda_timeout(c: &Context<'_>) -> Option<Finding> {
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
        id: FindingId::LambdaTimeout,
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
        reproduce: None,
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

pub(super) fn cold_start_timeouts(c: &Context<'_>) -> Option<Finding> {
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
        advice_list.extend(super::config::cold_start_remedies(c, f, &inits));
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
        id: FindingId::ColdStartTimeouts,
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
        reproduce: None,
        evidence: Evidence {
            routes: c.route_shares(routes),
            functions,
            invocations: paired_samples(c, |p| c.notes.invocations[p.invocation].init_ms.is_some()),
            ..Evidence::default()
        },
        advice: advice_list,
    })
}

pub(super) fn lambda_init_failures(c: &Context<'_>) -> Option<Finding> {
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
        id: FindingId::LambdaInitFailure,
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
        reproduce: None,
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
pub(super) fn suggested_memory_mb(peak_mb: u32, current_mb: u32) -> u32 {
    let wanted = (f64::from(peak_mb) * 1.5).ceil() as u32;
    // Lambda's largest memory size is 10,240 MB: a function at or near it is offered that,
    // never less than it has (a log may claim more).
    let floor = current_mb.saturating_add(128).min(10_240);
    wanted
        .div_ceil(128)
        .saturating_mul(128)
        .clamp(floor, 10_240)
}

pub(super) fn memory_pressure(c: &Context<'_>) -> Option<Finding> {
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
        id: FindingId::MemoryPressure,
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
        reproduce: None,
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
