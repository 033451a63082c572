//! Findings from the stage's configuration (`ceiling config`), exact and true before any
//! request timed out: a function allowed to run longer than its integration waits, and an
//! access-log format that lacks what the analysis needs, with one to paste; and the
//! cold-start remedies a function's configuration leaves room for (provisioned
//! concurrency, SnapStart).

use std::collections::BTreeSet;

use super::context::{timeout_under_s, Context};
use super::links;
use super::text::{advice, capitalized, duration, join};
use crate::model::{
    Advice, ApiKind, Evidence, Finding, FindingId, FunctionConfig, FunctionFigures, FunctionShare,
    RouteShare, Severity, StageConfig,
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

/// Provisioned concurrency and SnapStart for a function whose cold starts decided timeouts,
/// as its configuration (when the stage's was read) leaves room for them: provisioned
/// concurrency where it has none, more of it where these requests spilled over beyond what
/// it has; SnapStart where the runtime offers it and it is off, and where it is on, why these
/// invocations still ran a whole init.
pub(super) fn cold_start_remedies(
    c: &Context<'_>,
    f: &FunctionFigures,
    inits: &str,
) -> Vec<Advice> {
    let configured = c
        .analysis
        .config
        .as_ref()
        .and_then(|config| config.function(&f.function));
    let mut remedies = Vec::new();
    match configured
        .and_then(|fc| fc.provisioned_concurrency)
        .filter(|&n| n > 0)
    {
        Some(provisioned) => remedies.push(advice(
            format!(
                "{} has a provisioned concurrency of {provisioned}, and these requests still \
                 waited for an init ({inits}): they spilled over beyond its {provisioned} \
                 initialised environments onto on-demand ones. Raise it to the concurrency the \
                 function reaches at peak (the ProvisionedConcurrencySpilloverInvocations metric \
                 counts the spillover), or let Application Auto Scaling follow the load.",
                f.function
            ),
            Some(links::PROVISIONED),
        )),
        None => remedies.push(advice(
            format!(
                "Give {} provisioned concurrency ({inits}): initialised environments take the \
                 requests that now wait for init. Size it to the concurrency the function reaches \
                 at peak, and schedule it if the peaks are predictable.",
                f.function
            ),
            Some(links::PROVISIONED),
        )),
    }
    let runtime = f
        .runtime
        .as_deref()
        .or(configured.and_then(|fc| fc.runtime.as_deref()));
    match (configured.map(|fc| fc.snap_start), runtime) {
        (Some(true), _) => remedies.push(advice(
            format!(
                "SnapStart is on for {}, yet these invocations ran a whole init: SnapStart \
                 restores published versions only, so the integration must invoke a published \
                 version or an alias of one, not $LATEST ({}).",
                f.function,
                match configured.and_then(|fc| fc.qualifier.as_deref()) {
                    Some(qualifier) => format!("it invokes {qualifier}: check what that names"),
                    None => "it invokes the function unqualified, which is $LATEST".to_owned(),
                }
            ),
            Some(links::SNAPSTART),
        )),
        (snap_start, Some(runtime)) if snapstart_supported(runtime) => remedies.push(advice(
            format!(
                "{} runs on {runtime}, which supports SnapStart{}: it restores a snapshot of the \
                 initialised function instead of running init, usually cutting cold starts to a \
                 fraction of a second, without paying for idle capacity.",
                f.function,
                if snap_start == Some(false) {
                    ", and has it off"
                } else {
                    ""
                }
            ),
            Some(links::SNAPSTART),
        )),
        _ => {}
    }
    remedies
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
    use crate::model::{Analysis, FunctionRef, IntegrationConfig, RouteConfig};
    use crate::parse::access::Template;
    use crate::{Analyzer, Settings};

    /// A stage whose POST /reports invokes reports-fn through an integration of 29 s.
    fn stage(function: FunctionConfig) -> StageConfig {
        StageConfig {
            api_id: "abc123".to_owned(),
            api_name: "orders".to_owned(),
            kind: ApiKind::Rest,
            stage: "prod".to_owned(),
            region: "eu-west-1".to_owned(),
            access_log: None,
            execution_log: None,
            tracing: Some(true),
            routes: vec![RouteConfig {
                route: "POST /reports".to_owned(),
                integration: Some(IntegrationConfig {
                    kind: "AWS_PROXY".to_owned(),
                    timeout_ms: 29_000,
                    timeout_set: true,
                    function: Some(FunctionRef {
                        name: function.name.clone(),
                        qualifier: function.qualifier.clone(),
                        arn: "arn:aws:lambda:eu-west-1:123456789012:function:reports-fn".to_owned(),
                    }),
                }),
            }],
            functions: vec![function],
            notes: Vec::new(),
        }
    }

    fn function() -> FunctionConfig {
        FunctionConfig {
            name: "reports-fn".to_owned(),
            qualifier: None,
            timeout_ms: 25_000,
            memory_mb: Some(512),
            runtime: Some("java21".to_owned()),
            architecture: Some("x86_64".to_owned()),
            snap_start: false,
            reserved_concurrency: None,
            provisioned_concurrency: None,
            log_group: "/aws/lambda/reports-fn".to_owned(),
            log_format: "Text".to_owned(),
        }
    }

    /// The cold-start case of the findings' cases (a 5 s init under a 25 s handler, paired by
    /// trace id), with the stage's configuration when one is given.
    fn analysis(config: Option<StageConfig>) -> Analysis {
        const CASE: &str = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/findings/cold-start-timeouts/fires/input/"
        );
        let mut analyzer = match config {
            Some(config) => Analyzer::with_config(Settings::default(), config),
            None => Analyzer::new(Settings::default()),
        };
        for file in ["apigw-access.jsonl", "lambda-reports-fn.log"] {
            analyzer
                .read_path(std::path::Path::new(&format!("{CASE}{file}")))
                .unwrap();
        }
        analyzer.finish()
    }

    fn advice_of(analysis: &Analysis, id: FindingId) -> Vec<String> {
        let finding = analysis.findings.iter().find(|f| f.id == id).unwrap();
        finding.advice.iter().map(|a| a.text.clone()).collect()
    }

    fn saying<'a>(advice: &'a [String], words: &str) -> Vec<&'a String> {
        advice.iter().filter(|a| a.contains(words)).collect()
    }

    #[test]
    fn cold_start_advice_knows_the_functions_provisioned_concurrency_and_snapstart() {
        // no configuration: provisioned concurrency offered, SnapStart not (the log names no
        // runtime)
        let plain = advice_of(&analysis(None), FindingId::ColdStartTimeouts);
        assert_eq!(
            saying(&plain, "Give reports-fn provisioned concurrency").len(),
            1
        );
        assert!(saying(&plain, "SnapStart").is_empty(), "{plain:?}");

        // none provisioned, Java with SnapStart off: both offered, the runtime from the
        // configuration
        let off = advice_of(
            &analysis(Some(stage(function()))),
            FindingId::ColdStartTimeouts,
        );
        assert_eq!(
            saying(&off, "Give reports-fn provisioned concurrency").len(),
            1
        );
        assert_eq!(
            saying(
                &off,
                "reports-fn runs on java21, which supports SnapStart, and has it off"
            )
            .len(),
            1,
            "{off:?}"
        );

        // 5 provisioned and exceeded: spillover, not "add provisioned concurrency"
        let provisioned = FunctionConfig {
            provisioned_concurrency: Some(5),
            ..function()
        };
        let spilled = advice_of(
            &analysis(Some(stage(provisioned))),
            FindingId::ColdStartTimeouts,
        );
        assert!(
            saying(&spilled, "Give reports-fn").is_empty(),
            "{spilled:?}"
        );
        let spillover = saying(&spilled, "has a provisioned concurrency of 5");
        assert_eq!(spillover.len(), 1, "{spilled:?}");
        assert!(spillover[0].contains("spilled over beyond its 5 initialised environments"));

        // SnapStart on, yet a whole init ran: $LATEST is invoked, which SnapStart does not
        // restore; no advice to turn it on
        let on = FunctionConfig {
            snap_start: true,
            ..function()
        };
        let snapped = advice_of(&analysis(Some(stage(on))), FindingId::ColdStartTimeouts);
        assert!(
            saying(&snapped, "supports SnapStart").is_empty(),
            "{snapped:?}"
        );
        assert_eq!(
            saying(&snapped, "SnapStart is on for reports-fn").len(),
            1,
            "{snapped:?}"
        );
        assert!(saying(&snapped, "unqualified, which is $LATEST").len() == 1);

        // a runtime without SnapStart: none offered
        let node = FunctionConfig {
            runtime: Some("nodejs22.x".to_owned()),
            ..function()
        };
        let none = advice_of(&analysis(Some(stage(node))), FindingId::ColdStartTimeouts);
        assert!(saying(&none, "SnapStart").is_empty(), "{none:?}");
    }

    #[test]
    fn a_route_with_its_own_ceiling_has_its_near_misses_counted_and_kept_against_it() {
        // GET /fast's integration waits 10 s, POST /slow's 29 s
        let mut config = stage(function());
        config.routes.push(RouteConfig {
            route: "GET /fast".to_owned(),
            integration: Some(IntegrationConfig {
                kind: "HTTP_PROXY".to_owned(),
                timeout_ms: 10_000,
                timeout_set: true,
                function: None,
            }),
        });
        let record = |id: usize, method: &str, path: &str, ms: u32| {
            format!(
                "{{\"requestId\":\"r{id}\",\"requestTimeEpoch\":{},\"httpMethod\":\"{method}\",\"resourcePath\":\"{path}\",\"status\":200,\"responseLatency\":{},\"integrationLatency\":{ms}}}\n",
                1_772_787_600_000_i64 + id as i64 * 1000,
                ms + 10
            )
        };
        let mut log = String::new();
        // 9.5 s on GET /fast: near its 10 s; 9.5 s and 20 s on POST /reports: far from 29 s
        log.push_str(&record(0, "GET", "/fast", 9_500));
        log.push_str(&record(1, "GET", "/fast", 3_000));
        log.push_str(&record(2, "POST", "/reports", 9_500));
        log.push_str(&record(3, "POST", "/reports", 20_000));
        let read = |analyzer: Option<StageConfig>| {
            let mut analyzer = match analyzer {
                Some(config) => Analyzer::with_config(Settings::default(), config),
                None => Analyzer::new(Settings::default()),
            };
            analyzer.read("access", log.as_bytes()).unwrap();
            analyzer.finish()
        };
        let plain = read(None);
        assert_eq!(plain.near_ceiling, 0);
        assert!(!plain
            .findings
            .iter()
            .any(|f| f.id == FindingId::NearCeiling));

        let judged = read(Some(config));
        assert_eq!((judged.ceiling_ms, judged.near_ceiling), (29_000, 1));
        let near = judged
            .findings
            .iter()
            .find(|f| f.id == FindingId::NearCeiling)
            .unwrap();
        assert!(
            near.summary.contains(
                "GET /fast (1, from 9.0 s against its own integration timeout of 10.0 s)"
            ),
            "{}",
            near.summary
        );
        // kept as evidence, though under 80% of the analysis' 29 s
        assert_eq!(near.evidence.requests.len(), 1);
        assert_eq!(near.evidence.requests[0].request_id.as_deref(), Some("r0"));
        let query = &near.reproduce.as_ref().unwrap().query;
        assert!(
            query.contains(
                "filter ((httpMethod = \"GET\" and resourcePath = \"/fast\" and integrationLatency >= 9000) \
                 or (not (httpMethod = \"GET\" and resourcePath = \"/fast\") and integrationLatency >= 26100))"
            ),
            "{query}"
        );
    }

    #[test]
    fn a_function_above_its_integration_is_told_to_go_2_s_under_it() {
        let above = FunctionConfig {
            timeout_ms: 30_000,
            ..function()
        };
        let advice = advice_of(
            &analysis(Some(stage(above))),
            FindingId::LambdaTimeoutAboveGateway,
        );
        assert!(
            advice[0].starts_with(
                "Set reports-fn's timeout to 27 s (its timeout is 30.0 s and its integration's 29.0 s)"
            ),
            "{advice:?}"
        );
    }

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
