//! Findings: what the figures mean and what to do about them, each with the routes, time
//! windows, requests and invocations behind it (design.md, "The findings catalogue").
//!
//! Every finding is decided by a rule from the finished figures and the notable requests and
//! invocations the analyzer kept ([`Notes`]); the thresholds are [`crate::Thresholds`], one
//! value each. Advice names the routes, functions and numbers of this incident, never a
//! generic checklist. The rules are listed once, in [`RULES`], with the ids each can give.
//!
//! Modules: `context` (what rules read), `config` (the rules from the stage's
//! configuration), `scan` (the notes, and the burst scan), `chance`
//! (the burst scan's significance test), `text` (how
//! figures are worded), `links` (AWS documentation); the rules by subject in `gateway`,
//! `bursts`, `lambda`, `routes` and `steps` (where the time went inside invocations);
//! `story` writes "what happened" from the findings; `reproduce` gives each finding the Logs
//! Insights query behind it, and `console` the links into the AWS console.

mod bursts;
mod chance;
mod config;
mod console;
mod context;
mod gateway;
mod lambda;
mod links;
mod reproduce;
mod routes;
mod scan;
mod steps;
mod story;
mod text;

use crate::model::{Analysis, Finding, FindingId};
use context::Context;
pub(crate) use scan::Notes;
pub(crate) use story::what_happened;

/// How a rule gives its findings: at most one, or any number (one per burst).
#[derive(Clone, Copy)]
enum Check {
    One(fn(&Context<'_>) -> Option<Finding>),
    Many(fn(&Context<'_>) -> Vec<Finding>),
}

/// One rule of the catalogue: the ids it can give and how it decides.
struct Rule {
    ids: &'static [FindingId],
    check: Check,
}

const fn one(ids: &'static [FindingId], check: fn(&Context<'_>) -> Option<Finding>) -> Rule {
    Rule {
        ids,
        check: Check::One(check),
    }
}

/// Every rule, in the order of the catalogue. A new finding is its rule here, one line.
const RULES: &[Rule] = &[
    one(
        &[FindingId::IntegrationTimeout],
        gateway::integration_timeout,
    ),
    one(&[FindingId::NearCeiling], gateway::near_ceiling),
    one(&[FindingId::P99NearCeiling], gateway::p99_near_ceiling),
    one(&[FindingId::BadGateway], gateway::bad_gateway),
    one(
        &[FindingId::TimeoutsConcentrated, FindingId::TimeoutsSystemic],
        gateway::timeout_pattern,
    ),
    Rule {
        ids: &[FindingId::TimeoutBurst],
        check: Check::Many(bursts::timeout_bursts),
    },
    one(
        &[FindingId::LambdaOutlivedGateway],
        lambda::lambda_outlived_gateway,
    ),
    one(
        &[FindingId::LambdaTimeoutAboveGateway],
        lambda::lambda_timeout_above_gateway,
    ),
    one(&[FindingId::LambdaTimeout], lambda::lambda_timeout),
    one(&[FindingId::ColdStartTimeouts], lambda::cold_start_timeouts),
    one(
        &[FindingId::LambdaInitFailure],
        lambda::lambda_init_failures,
    ),
    one(&[FindingId::MemoryPressure], lambda::memory_pressure),
    one(&[FindingId::AsyncCandidate], routes::async_candidate),
    one(&[FindingId::CacheCandidate], routes::cache_candidate),
    one(&[FindingId::LargeResponse], routes::large_response),
    one(
        &[FindingId::MissingLatencyFields],
        routes::missing_latency_fields,
    ),
    one(&[FindingId::Throttled], routes::throttled),
    Rule {
        ids: &[FindingId::SlowStep],
        check: Check::Many(steps::slow_steps),
    },
    one(
        &[FindingId::AccessLogIncomplete],
        config::access_log_incomplete,
    ),
];

/// Every finding the analysis supports, most severe first, then by impact.
pub(crate) fn assess(analysis: &Analysis, notes: &Notes<'_>) -> Vec<Finding> {
    let context = Context::new(analysis, notes);
    let mut findings = Vec::new();
    for rule in RULES {
        let given = match rule.check {
            Check::One(check) => check(&context).into_iter().collect(),
            Check::Many(check) => check(&context),
        };
        debug_assert!(
            given.iter().all(|f| rule.ids.contains(&f.id)),
            "a rule gave a finding its line in RULES does not list"
        );
        findings.extend(given);
    }
    findings.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.impact.cmp(&a.impact))
            .then(a.id.as_str().cmp(b.id.as_str()))
    });
    reproduce::attach(&mut findings, analysis, notes);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_has_exactly_one_rule() {
        for id in FindingId::ALL {
            let rules = RULES.iter().filter(|r| r.ids.contains(&id)).count();
            assert_eq!(rules, 1, "{id}");
        }
    }
}
