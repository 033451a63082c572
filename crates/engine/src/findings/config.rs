//! Findings from the stage's configuration (`ceiling config`), exact and true before any
//! request timed out: a function allowed to run longer than its integration waits, and an
//! access-log format that lacks what the analysis needs, with one to paste.

use std::collections::BTreeSet;

use super::context::{timeout_under_s, Context};
use super::links;
use super::text::{advice, capitalized, duration, join};
use crate::model::{
    ApiKind, Evidence, Finding, FindingId, FunctionConfig, FunctionShare, RouteShare, Severity,
    StageConfig,
};
use crate::parse::access::{field_of_variable, Field};

/// A function whose configured timeout is above the integration timeout of a route that
/// invokes it.
struct Offender<'a> {
    function: &'a FunctionConfig,
    /// The shortest integration timeout of the routes that invoke it.
    integration_ms: u64,
    /// Those routes, in name order.
    routes: Vec<&'a str>,
}

fn offenders(config: &StageConfig) -> Vec<Offender<'_>> {
    config
        .functions
        .iter()
        .filter_map(|function| {
            let calling: Vec<(&str, u64)> = config
                .routes
                .iter()
                .filter_map(|route| {
                    let integration = route.integration.as_ref()?;
                    let called = integration.function.as_ref()?;
                    (called.name == function.name && called.qualifier == function.qualifier)
                        .then_some((route.route.as_str(), integration.timeout_ms))
                })
                .collect();
            let integration_ms = calling.iter().map(|(_, ms)| *ms).min()?;
            (function.timeout_ms > integration_ms).then(|| Offender {
                function,
                integration_ms,
                routes: calling
                    .iter()
                    .filter(|(_, ms)| *ms < function.timeout_ms)
                    .map(|(route, _)| *route)
                    .collect(),
            })
        })
        .collect()
}

/// `lambda-timeout-above-gateway` from the configuration: each function whose timeout is
/// above its integration's, with both values, whether or not the logs show it yet.
pub(super) fn timeout_above_integration(c: &Context<'_>) -> Option<Finding> {
    let config = c.analysis.config.as_ref()?;
    let offenders = offenders(config);
    if offenders.is_empty() {
        return None;
    }
    let over = |o: &Offender<'_>| {
        c.notes
            .invocations
            .iter()
            .filter(|i| {
                super::context::function_of_input(c.analysis, i.input) == o.function.name
                    && i.duration_ms > o.integration_ms as f64
            })
            .count() as u64
    };
    let names: Vec<String> = offenders.iter().map(|o| o.function.name.clone()).collect();
    let described: Vec<String> = offenders
        .iter()
        .map(|o| {
            let seen = match over(o) {
                0 => String::new(),
                1 => "; 1 invocation in these logs ran past it".to_owned(),
                n => format!("; {n} invocations in these logs ran past it"),
            };
            format!(
                "{}'s timeout is {} and its integration's {} ({}){seen}",
                o.function.name,
                duration(o.function.timeout_ms as f64),
                duration(o.integration_ms as f64),
                join(&o.routes.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>())
            )
        })
        .collect();
    let routes: BTreeSet<&str> = offenders.iter().flat_map(|o| o.routes.clone()).collect();
    Some(Finding {
        id: FindingId::LambdaTimeoutAboveGateway,
        reproduce: None,
        severity: Severity::High,
        title: format!(
            "{} {} a timeout above {} integration's",
            join(&names),
            if names.len() == 1 { "has" } else { "have" },
            if names.len() == 1 { "its" } else { "their" },
        ),
        summary: format!(
            "{}, as stage {} of {} is configured. A function allowed to run longer than the \
             gateway waits turns every slow request into a timeout with the work still going \
             on behind it.",
            join(&described),
            config.stage,
            config.api_name
        ),
        impact: offenders.iter().map(over).sum(),
        evidence: Evidence {
            functions: offenders
                .iter()
                .map(|o| FunctionShare {
                    function: o.function.name.clone(),
                    count: over(o),
                    source: o.function.log_group.clone(),
                })
                .collect(),
            routes: routes
                .iter()
                .map(|route| {
                    let figures = c.routes.get(route);
                    RouteShare {
                        route: (*route).to_owned(),
                        count: figures.map_or(0, |r| r.timeouts),
                        share: 0.0,
                        requests: figures.map_or(0, |r| r.requests),
                        p50_ms: figures.and_then(|r| r.latency.p50_ms),
                        p99_ms: figures.and_then(|r| r.latency.p99_ms),
                    }
                })
                .collect(),
            ..Evidence::default()
        },
        advice: offenders
            .iter()
            .map(|o| {
                advice(
                    format!(
                        "Set {}'s timeout to {} s (its timeout is {} and its integration's {}): \
                         its slow requests then fail as a prompt error the client can act on, \
                         and the function stops instead of running unseen.",
                        o.function.name,
                        timeout_under_s(o.integration_ms),
                        duration(o.function.timeout_ms as f64),
                        duration(o.integration_ms as f64),
                    ),
                    Some(links::LAMBDA_TIMEOUT),
                )
            })
            .collect(),
    })
}

/// What the analysis reads from an access record, the `$context` variable that gives it and
/// why it is needed.
struct Needed {
    fields: &'static [Field],
    variable: &'static str,
    why: &'static str,
}

fn needed(kind: ApiKind) -> Vec<Needed> {
    let mut needed = vec![
        Needed {
            fields: &[Field::RequestId, Field::ExtendedRequestId],
            variable: "$context.requestId",
            why: "to name the requests",
        },
        Needed {
            fields: &[Field::RequestTime, Field::RequestTimeEpoch],
            variable: "$context.requestTimeEpoch",
            why: "to place them in time",
        },
        Needed {
            fields: &[Field::Status],
            variable: "$context.status",
            why: "to count the timeouts",
        },
        Needed {
            fields: &[Field::ResponseLatency],
            variable: "$context.responseLatency",
            why: "the latency the client saw",
        },
        Needed {
            fields: &[Field::IntegrationLatency],
            variable: "$context.integrationLatency",
            why: "how long the integration took",
        },
    ];
    if kind == ApiKind::Rest {
        needed.push(Needed {
            fields: &[Field::ResourcePath],
            variable: "$context.resourcePath",
            why: "the route",
        });
        needed.push(Needed {
            fields: &[Field::ErrorResponseType],
            variable: "$context.error.responseType",
            why: "to tell a timeout from other 504s",
        });
    } else {
        needed.push(Needed {
            fields: &[Field::RouteKey],
            variable: "$context.routeKey",
            why: "the route",
        });
        needed.push(Needed {
            fields: &[Field::IntegrationError],
            variable: "$context.integrationErrorMessage",
            why: "why an integration failed",
        });
    }
    needed
}

/// A JSON access-log format with everything the analysis reads, for an API of `kind`.
pub(crate) fn recommended_format(kind: ApiKind) -> &'static str {
    match kind {
        ApiKind::Rest => concat!(
            r#"{"requestId":"$context.requestId","requestTimeEpoch":"$context.requestTimeEpoch","#,
            r#""httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","#,
            r#""status":"$context.status","responseLatency":"$context.responseLatency","#,
            r#""integrationLatency":"$context.integrationLatency","#,
            r#""integrationStatus":"$context.integration.status","#,
            r#""integrationRequestId":"$context.integration.requestId","#,
            r#""errorResponseType":"$context.error.responseType","#,
            r#""errorMessage":"$context.error.message","xrayTraceId":"$context.xrayTraceId"}"#
        ),
        ApiKind::Http | ApiKind::WebSocket => concat!(
            r#"{"requestId":"$context.requestId","requestTimeEpoch":"$context.requestTimeEpoch","#,
            r#""routeKey":"$context.routeKey","status":"$context.status","#,
            r#""responseLatency":"$context.responseLatency","#,
            r#""integrationLatency":"$context.integrationLatency","#,
            r#""integrationStatus":"$context.integrationStatus","#,
            r#""integrationRequestId":"$context.integration.requestId","#,
            r#""integrationErrorMessage":"$context.integrationErrorMessage"}"#
        ),
    }
}

/// The fields a format string's `$context` variables fill.
fn fields_of(format: &str) -> Vec<Field> {
    format
        .match_indices("$context.")
        .filter_map(|(at, marker)| {
            let rest = &format[at + marker.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .unwrap_or(rest.len());
            field_of_variable(rest[..end].trim_end_matches('.'))
        })
        .collect()
}

/// `access-log-incomplete`: the stage writes no access log, or its format lacks fields the
/// analysis reads; with a format to paste that has them all.
pub(super) fn access_log_incomplete(c: &Context<'_>) -> Option<Finding> {
    let config = c.analysis.config.as_ref()?;
    let kind = config.kind;
    let recommended = recommended_format(kind);
    let stage = format!("stage {} of {}", config.stage, config.api_name);
    let link = match kind {
        ApiKind::Rest => links::ACCESS_LOG_VARIABLES,
        _ => links::HTTP_LOG_VARIABLES,
    };
    let paste = advice(
        format!(
            "Set the stage's access-log format to this one line (stage settings, Logs and \
             tracing, Custom access logging; or `aws apigateway update-stage` / \
             `aws apigatewayv2 update-stage`): {recommended}"
        ),
        Some(link),
    );
    let Some(access) = &config.access_log else {
        return Some(Finding {
            id: FindingId::AccessLogIncomplete,
            reproduce: None,
            severity: Severity::Elevated,
            title: format!("{} writes no access log", capitalized(&stage)),
            summary: format!(
                "{} has no access logging: without it Ceiling cannot tell which routes time \
                 out, how often, or how close the others come; only the execution and Lambda \
                 logs are left.",
                capitalized(&stage)
            ),
            impact: 0,
            evidence: Evidence::default(),
            advice: vec![paste],
        });
    };
    let format = access.format.as_deref().unwrap_or_default();
    let present = fields_of(format);
    let missing: Vec<Needed> = needed(kind)
        .into_iter()
        .filter(|n| !n.fields.iter().any(|f| present.contains(f)))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let essential = missing.iter().any(|n| {
        n.fields
            .iter()
            .any(|f| matches!(f, Field::Status | Field::IntegrationLatency))
    });
    let variables: Vec<String> = missing.iter().map(|n| n.variable.to_owned()).collect();
    Some(Finding {
        id: FindingId::AccessLogIncomplete,
        reproduce: None,
        severity: if essential {
            Severity::Elevated
        } else {
            Severity::Low
        },
        title: format!(
            "The access-log format of {stage} lacks {}",
            join(&variables)
        ),
        summary: format!(
            "The format {stage} writes its access log with lacks {}. Where they would tell, \
             Ceiling falls back on weaker signals.",
            join(
                &missing
                    .iter()
                    .map(|n| format!("{} ({})", n.variable, n.why))
                    .collect::<Vec<_>>()
            )
        ),
        impact: 0,
        evidence: Evidence::default(),
        advice: vec![paste],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::access::Template;

    #[test]
    fn the_recommended_formats_give_every_field_needed_and_parse() {
        for kind in [ApiKind::Rest, ApiKind::Http, ApiKind::WebSocket] {
            let format = recommended_format(kind);
            let present = fields_of(format);
            for need in needed(kind) {
                assert!(
                    need.fields.iter().any(|f| present.contains(f)),
                    "{kind:?}: {}",
                    need.variable
                );
            }
            Template::parse(format).unwrap();
        }
        assert_eq!(
            fields_of("$context.requestId $context.integration.latency."),
            [Field::RequestId, Field::IntegrationLatency]
        );
    }
}
