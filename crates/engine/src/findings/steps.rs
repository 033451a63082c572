//! `slow-step`: the step (the wait after one of the function's own log lines) that holds
//! most of the time of a function's slow or timed-out invocations, with sample timelines and
//! advice written from the step's words.
//!
//! Where no step holds most of the time (the time is spread over the handler's steps), no
//! finding is given: there is no one step to name, and guessing one would mislead.

use super::context::{function_of_input, Context, LISTED};
use super::text::{advice, between, plural};
use crate::accumulate::{AppTimeline, StepStats};
use crate::model::{
    Evidence, Finding, FindingId, FunctionShare, InvocationTimeline, Severity, SlowStep,
    TimeWindow, TimelineGap, TimelineLine,
};

/// Sample timelines a finding shows.
const SAMPLES: usize = 3;

/// One finding per function whose slow invocations one step holds.
pub(super) fn slow_steps(ctx: &Context<'_>) -> Vec<Finding> {
    let min = ctx.thresholds.step_min_invocations.max(1);
    let share_needed = f64::from(ctx.thresholds.step_share_percent) / 100.0;
    let mut findings = Vec::new();
    for (function, steps) in &ctx.notes.steps.functions {
        if steps.slow < min {
            continue;
        }
        // the step that is the longest gap of the most slow invocations (ties: by template)
        let Some((after, stats)) = steps
            .steps
            .iter()
            .filter(|(_, s)| s.longest_slow > 0)
            .max_by(|a, b| a.1.longest_slow.cmp(&b.1.longest_slow).then(b.0.cmp(a.0)))
        else {
            continue;
        };
        let median = stats.share_slow.median().unwrap_or(0.0);
        if stats.longest_slow < min || 2 * stats.longest_slow < steps.slow || median <= share_needed
        {
            continue;
        }
        let before = stats
            .next
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or_else(|| "END".to_owned(), |(t, _)| t.clone());
        let median_all = stats.share_all.median();
        let window = median_all
            .filter(|all| *all <= share_needed)
            .and_then(|_| window_of(stats));
        let samples = samples(ctx, function, after);
        let step = SlowStep {
            function: function.clone(),
            after: after.clone(),
            before,
            invocations: stats.longest_slow,
            slow_invocations: steps.slow,
            median_share: median,
            median_share_all: median_all,
            invocations_with_lines: steps.with_lines,
            window,
            samples,
        };
        findings.push(finding(ctx, step));
    }
    findings
}

/// The window in which the slow invocations the step held started: from the minute of the
/// 5th percentile of their starts to the end of the minute of the 95th.
fn window_of(stats: &StepStats) -> Option<TimeWindow> {
    let total: u64 = stats.minutes.values().sum();
    if total == 0 {
        return None;
    }
    let low = total * 5 / 100;
    let high = (total * 95).div_ceil(100).saturating_sub(1);
    let mut seen = 0;
    let (mut start, mut end) = (None, None);
    for (minute, n) in &stats.minutes {
        if start.is_none() && seen + n > low {
            start = Some(*minute);
        }
        if end.is_none() && seen + n > high {
            end = Some(minute + 60_000);
        }
        seen += n;
    }
    Some(TimeWindow {
        start_ms: start?,
        end_ms: end?,
        count: total,
        route: None,
    })
}

/// The slow invocations the step held, timed-out ones first, then the longest.
fn samples(ctx: &Context<'_>, function: &str, after: &str) -> Vec<InvocationTimeline> {
    let mut chosen: Vec<&AppTimeline> = ctx
        .notes
        .steps
        .timelines
        .iter()
        .filter(|t| t.function == function && t.slow)
        .filter(|t| {
            t.longest()
                .is_some_and(|gap| t.template_at(gap.after, true) == after)
        })
        .collect();
    chosen.sort_by(|a, b| {
        b.timed_out
            .cmp(&a.timed_out)
            .then(b.duration_ms.total_cmp(&a.duration_ms))
            .then((a.at.input, a.at.line).cmp(&(b.at.input, b.at.line)))
    });
    chosen
        .into_iter()
        .take(SAMPLES)
        .map(|t| timeline(ctx, t))
        .collect()
}

/// A timeline as the views receive it.
pub(super) fn timeline(ctx: &Context<'_>, t: &AppTimeline) -> InvocationTimeline {
    InvocationTimeline {
        request_id: t.request_id.clone(),
        function: t.function.clone(),
        start_ms: t.start_ms,
        end_ms: t.end_ms,
        duration_ms: t.duration_ms,
        timed_out: t.timed_out,
        lines: t
            .lines
            .iter()
            .map(|line| TimelineLine {
                time_ms: line.time_ms,
                level: line.level.clone(),
                message: line.message.clone(),
                source: ctx.source(line.at.input, line.at.line),
            })
            .collect(),
        lines_left_out: t.left_out,
        longest_gap: t.longest().map(|gap| TimelineGap {
            after: gap.after,
            before: gap.before,
            ms: gap.ms,
        }),
        source: ctx.source(t.at.input, t.at.line),
    }
}

fn finding(ctx: &Context<'_>, step: SlowStep) -> Finding {
    let function = &step.function;
    let share = format!("{:.0}%", 100.0 * step.median_share);
    let until = if step.before == "END" {
        "until the invocation ended or timed out".to_owned()
    } else {
        format!("until '{}'", step.before)
    };
    let held = match (&step.window, step.median_share_all) {
        (Some(window), all) => format!(
            " It holds the time only {}{}: the step slowed down then.",
            between(window.start_ms, window.end_ms),
            all.map(|all| format!(
                "; over all {} it holds a median {:.0}%",
                plural(step.invocations_with_lines, "invocation", "invocations"),
                100.0 * all
            ))
            .unwrap_or_default()
        ),
        (None, Some(all)) => format!(
            " Over all {} it holds a median {:.0}%: it is where the function always spends \
             its time.",
            plural(step.invocations_with_lines, "invocation", "invocations"),
            100.0 * all
        ),
        (None, None) => String::new(),
    };
    let timeouts = ctx.functions.get(function).map_or(0, |f| f.timeouts);
    let severity = if timeouts > 0 || ctx.analysis.integration_timeouts > 0 {
        Severity::High
    } else {
        Severity::Elevated
    };
    let source = ctx
        .functions
        .get(function)
        .map(|f| f.source.clone())
        .unwrap_or_default();
    let invocations = step
        .samples
        .iter()
        .filter_map(|sample| {
            ctx.notes
                .invocations
                .iter()
                .position(|i| {
                    i.request_id == sample.request_id
                        && function_of_input(ctx.analysis, i.input) == *function
                })
                .map(|i| ctx.invocation_sample(i))
        })
        .take(LISTED)
        .collect();
    Finding {
        id: FindingId::SlowStep,
        reproduce: None,
        severity,
        title: format!("{function} waits after '{}'", step.after),
        summary: format!(
            "In {} of {} slow or timed-out invocations of {function} with log lines, the \
             longest wait follows '{}' ({until}), a median {share} of their time.{held}",
            step.invocations, step.slow_invocations, step.after
        ),
        impact: step.invocations,
        advice: advise(ctx, &step),
        evidence: Evidence {
            functions: vec![FunctionShare {
                function: function.clone(),
                count: step.invocations,
                source,
            }],
            windows: step.window.iter().cloned().collect(),
            invocations,
            steps: Some(step),
            ..Evidence::default()
        },
    }
}

/// What the step's words name: a query, a call to another service, or neither.
enum Dependency {
    Query,
    Call(Option<String>),
    Unnamed,
}

fn dependency(words: &str) -> Dependency {
    let lower = words.to_lowercase();
    let has = |w: &[&str]| w.iter().any(|w| lower.contains(w));
    let service = lower
        .split(|c: char| c.is_whitespace() || c == '\'' || c == '"')
        .find(|w| {
            (w.ends_with("-service") || w.ends_with("-api") || w.ends_with("service"))
                && w.len() > "service".len()
        })
        .map(str::to_owned);
    if has(&[
        "query", "sql", "select ", "database", "dynamodb", "postgres", "mysql", " rds", "db ",
    ]) {
        Dependency::Query
    } else if service.is_some()
        || has(&[
            "http",
            "calling",
            "request to",
            "fetching",
            "api ",
            "invoke",
            "call to",
        ])
    {
        Dependency::Call(service)
    } else {
        Dependency::Unnamed
    }
}

fn advise(ctx: &Context<'_>, step: &SlowStep) -> Vec<crate::model::Advice> {
    let timeout = format!(
        "{} s",
        ctx.suggested_function_timeout_s().saturating_sub(2).max(1)
    );
    let ceiling = ctx.ceiling();
    let quoted = format!("'{}'", step.after);
    let mut list = Vec::new();
    match dependency(&format!("{} {}", step.after, step.before)) {
        Dependency::Query => {
            list.push(advice(
                format!(
                    "The query after {quoted} holds the time: look at its plan, add an index \
                     on what it filters and sorts by, and page or limit the rows it returns; \
                     give it a statement timeout well under the {ceiling} ceiling (e.g. \
                     {timeout}) so that it fails cleanly instead of the gateway timing out."
                ),
                None,
            ));
            list.push(advice(
                "Cache its results where the same query repeats (the same account, the same \
                 report), or precompute them.",
                None,
            ));
        }
        Dependency::Call(service) => {
            let name = service.unwrap_or_else(|| "the call".to_owned());
            list.push(advice(
                format!(
                    "The wait after {quoted} is {name}: give the call a client timeout well \
                     under the {ceiling} ceiling (e.g. {timeout}) with at most one retry, so \
                     that a slow {name} fails fast instead of holding the invocation."
                ),
                None,
            ));
            list.push(advice(
                format!(
                    "Cache or batch what {name} returns, and watch its latency: when it slows \
                     down, this function does."
                ),
                None,
            ));
        }
        Dependency::Unnamed => list.push(advice(
            format!(
                "Time the work that follows {quoted} (add a log line inside it): it holds the \
                 time, and a timeout on what it waits for, well under the {ceiling} ceiling, \
                 keeps a slow run from becoming a gateway timeout."
            ),
            None,
        )),
    }
    if step.window.is_none() {
        list.push(advice(
            format!(
                "If the step cannot be made fast enough, make the route asynchronous: accept \
                 the request, queue the work and answer 202, and let the client fetch the \
                 result (the step takes a median {:.0}% of the time of the slow invocations).",
                100.0 * step.median_share
            ),
            None,
        ));
    }
    list
}

/// The step of a function a story or another finding can cite: `the wait after '...'`.
pub(super) fn cite(step: &SlowStep) -> String {
    format!("the wait after '{}'", step.after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_named_by_the_words() {
        assert!(matches!(
            dependency("Running report query for account {}"),
            Dependency::Query
        ));
        assert!(matches!(
            dependency("Calling inventory-service for order {}"),
            Dependency::Call(Some(ref s)) if s == "inventory-service"
        ));
        assert!(matches!(
            dependency("Rendering PDF ({} pages)"),
            Dependency::Unnamed
        ));
    }
}
