//! The query behind each finding: the CloudWatch Logs Insights query that gives its figure
//! on the user's log groups and window, written for the field names the stage's access log
//! uses (the keys of its JSON records, as read), with links into the AWS console where the
//! region and the groups are known.
//!
//! Access-log queries need a JSON access log (Insights discovers a JSON record's keys; the
//! other formats would need a `parse` of the stage's own template). Lambda queries use the
//! fields Insights discovers in the text format's REPORT lines (`@type`, `@duration`,
//! `@initDuration`, `@memorySize`, `@maxMemoryUsed`), or, for a function whose group is in
//! Lambda's JSON log format (as its lines read, or its configuration, say), the keys of its
//! `platform.report` records as Insights flattens them (`type`, `record.status`,
//! `record.metrics.durationMs`, ...).

mod queries;

use queries::{ByFormat, JSON_REPORT};

use super::console;
use super::scan::Notes;
use crate::model::{
    Analysis, ConsoleLink, Finding, FindingId, LinkKind, LogGroupName, QueryFigure, Reproduce,
    Window,
};
use crate::parse::access::AccessKeys;

/// Events are written when a request ends: a window of request times is widened by this
/// before, and by this and the ceiling after, to hold their log events.
const MARGIN_MS: i64 = 60_000;

/// Console links to functions and samples a finding gives, at most.
const LINKED: usize = 3;

/// Gives each finding the query behind it, where the logs allow one.
pub(super) fn attach(findings: &mut [Finding], analysis: &Analysis, notes: &Notes<'_>) {
    let place = Place::new(analysis, notes);
    for finding in findings {
        finding.reproduce = place.reproduce(finding);
    }
}

/// Where the logs are and how the access log names its fields.
struct Place<'a> {
    analysis: &'a Analysis,
    notes: &'a Notes<'a>,
    keys: Option<&'a AccessKeys>,
    region: Option<&'a str>,
    access_groups: Vec<LogGroupName>,
    window: Option<Window>,
}

/// What a finding's query is made of, before the links.
struct Draft {
    shows: String,
    query: String,
    groups: Vec<LogGroupName>,
    window: Window,
    figure: Option<QueryFigure>,
}

impl<'a> Place<'a> {
    fn new(analysis: &'a Analysis, notes: &'a Notes<'a>) -> Self {
        let console = notes.console;
        let mut access_groups: Vec<LogGroupName> = analysis
            .inputs
            .iter()
            .filter(|input| input.kinds.keys().any(|k| k.starts_with("access log")))
            .filter(|input| console.log_groups.contains(&input.name))
            .map(|input| LogGroupName {
                name: input.name.clone(),
                known: true,
            })
            .collect();
        if access_groups.is_empty() {
            access_groups.push(LogGroupName {
                name: "<the stage's access-log group>".to_owned(),
                known: false,
            });
        }
        let ceiling = analysis.ceiling_ms as i64;
        let invocation_times = notes.invocations.iter().filter_map(|i| i.start_ms);
        let window = console
            .window
            .or_else(|| {
                analysis.window.map(|w| Window {
                    start_ms: w.start_ms.saturating_sub(MARGIN_MS),
                    end_ms: w.end_ms.saturating_add(ceiling + MARGIN_MS),
                })
            })
            .or_else(|| {
                let start = invocation_times.clone().min()?;
                let end = invocation_times.max()?;
                Some(Window {
                    start_ms: start.saturating_sub(MARGIN_MS),
                    end_ms: end.saturating_add(MAX_LAMBDA_MS + MARGIN_MS),
                })
            })
            .map(whole_seconds);
        Place {
            analysis,
            notes,
            keys: notes.access_keys,
            region: console
                .region
                .as_deref()
                .filter(|region| console::is_region(region)),
            access_groups,
            window,
        }
    }

    fn reproduce(&self, finding: &Finding) -> Option<Reproduce> {
        let window = self.window?;
        let draft = match finding.id {
            FindingId::IntegrationTimeout
            | FindingId::TimeoutsConcentrated
            | FindingId::TimeoutsSystemic => self.timeouts(window, self.analysis.integration_timeouts),
            FindingId::TimeoutBurst => {
                let burst = finding.evidence.windows.first()?;
                self.burst(burst.start_ms, burst.end_ms, burst.count)
            }
            FindingId::NearCeiling => self.near_misses(window),
            FindingId::P99NearCeiling => self.p99(window, finding),
            FindingId::BadGateway => self.by_status(window, 502, "bad_gateway", "502 answers per route"),
            FindingId::Throttled => self.by_status(window, 429, "throttled", "429 answers per route"),
            FindingId::AsyncCandidate => self.route_median(window, finding, false),
            FindingId::CacheCandidate => self.route_median(window, finding, true),
            FindingId::LargeResponse => self.large_responses(window, finding),
            FindingId::MissingLatencyFields => self.sample_records(window),
            FindingId::LambdaTimeout => self.lambda(
                window,
                finding,
                "timed-out invocations",
                &ByFormat {
                    text: "@message like \"Task timed out\" or (@type = \"REPORT\" and @message like \"Status: timeout\")".to_owned(),
                    json: format!("{JSON_REPORT} and record.status = \"timeout\""),
                    column: "timeouts",
                    text_stat: None,
                    json_stat: None,
                },
            ),
            FindingId::LambdaTimeoutAboveGateway | FindingId::LambdaOutlivedGateway => self.lambda(
                window,
                finding,
                "invocations that ran past the ceiling",
                &ByFormat {
                    text: format!(
                        "@type = \"REPORT\" and @duration > {}",
                        self.analysis.ceiling_ms
                    ),
                    json: format!(
                        "{JSON_REPORT} and record.metrics.durationMs > {}",
                        self.analysis.ceiling_ms
                    ),
                    column: "past_ceiling",
                    text_stat: Some("max(@duration) as longest_ms"),
                    json_stat: Some("max(record.metrics.durationMs) as longest_ms"),
                },
            ),
            FindingId::ColdStartTimeouts => self.cold_starts(window, finding),
            FindingId::SlowStep => self.slow_step(window, finding),
            // a finding on the stage's configuration: no log holds it
            FindingId::AccessLogIncomplete => None,
            FindingId::LambdaInitFailure => self.lambda(
                window,
                finding,
                "failed inits",
                &ByFormat {
                    text: "@message like \"INIT_REPORT\" and (@message like \"Status: timeout\" or @message like \"Status: error\")".to_owned(),
                    json: "type = \"platform.initReport\" and record.status != \"success\"".to_owned(),
                    column: "init_failures",
                    text_stat: None,
                    json_stat: None,
                },
            ),
            FindingId::MemoryPressure => {
                let percent = self.notes.thresholds.memory_percent;
                self.lambda(
                    window,
                    finding,
                    "invocations near their memory size",
                    &ByFormat {
                        text: format!(
                            "@type = \"REPORT\" and @maxMemoryUsed * 100 >= {percent} * @memorySize"
                        ),
                        json: format!(
                            "{JSON_REPORT} and record.metrics.maxMemoryUsedMB * 100 >= {percent} * record.metrics.memorySizeMB"
                        ),
                        column: "near_memory_size",
                        text_stat: Some("max(@maxMemoryUsed) as peak_bytes"),
                        json_stat: Some("max(record.metrics.maxMemoryUsedMB) as peak_mb"),
                    },
                )
            }
        }?;
        Some(self.finish(finding, draft))
    }

    /// The query, its groups and window, and the console links where the region is known.
    fn finish(&self, finding: &Finding, draft: Draft) -> Reproduce {
        let mut links = Vec::new();
        let mut missing = Vec::new();
        let all_known = draft.groups.iter().all(|g| g.known);
        match self.region {
            None => missing.push(
                "no region is known (set one with --region): the query is given, the console \
                 links are left out"
                    .to_owned(),
            ),
            Some(region) => {
                if all_known {
                    let names: Vec<&str> = draft.groups.iter().map(|g| g.name.as_str()).collect();
                    links.push(ConsoleLink {
                        kind: LinkKind::LogsInsights,
                        label: format!("Logs Insights: {}", draft.shows),
                        url: console::logs_insights(
                            region,
                            &draft.query,
                            &names,
                            draft.window.start_ms,
                            draft.window.end_ms,
                        ),
                    });
                } else {
                    missing.push(format!(
                        "the log group{} of {} {} not known (the inputs are files): run the \
                         query on {}",
                        if draft.groups.len() > 1 { "s" } else { "" },
                        if draft.groups.len() > 1 {
                            "these inputs"
                        } else {
                            "this input"
                        },
                        if draft.groups.len() > 1 { "are" } else { "is" },
                        draft
                            .groups
                            .iter()
                            .map(|g| g.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                self.sample_links(region, finding, &mut links);
            }
        }
        Reproduce {
            shows: draft.shows,
            query: draft.query,
            log_groups: draft.groups,
            window: draft.window,
            figure: draft.figure,
            links,
            note: (!missing.is_empty()).then(|| missing.join("; ")),
        }
    }

    /// The log events of a sample request or invocation, its trace, its functions.
    fn sample_links(&self, region: &str, finding: &Finding, links: &mut Vec<ConsoleLink>) {
        let ceiling = self.analysis.ceiling_ms as i64;
        let access = self.access_groups.first().filter(|g| g.known);
        let request = finding
            .evidence
            .requests
            .iter()
            .find_map(|r| Some((r, r.request_id.as_deref()?, r.time_ms?)));
        if let (Some(group), Some((_, id, time))) = (access, request) {
            links.push(ConsoleLink {
                kind: LinkKind::LogEvents,
                label: format!("Access-log events of request {id}"),
                url: console::log_events(
                    region,
                    &group.name,
                    id,
                    time - MARGIN_MS,
                    time + ceiling + MARGIN_MS,
                ),
            });
        }
        let invocation = finding
            .evidence
            .invocations
            .iter()
            .find_map(|i| Some((i, i.start_ms?)));
        if let Some((invocation, start)) = invocation {
            let group = self.function_group(&invocation.function);
            if group.known {
                links.push(ConsoleLink {
                    kind: LinkKind::LogEvents,
                    label: format!(
                        "Log events of invocation {} of {}",
                        invocation.request_id, invocation.function
                    ),
                    url: console::log_events(
                        region,
                        &group.name,
                        &invocation.request_id,
                        start - MARGIN_MS,
                        start + invocation.duration_ms as i64 + MARGIN_MS,
                    ),
                });
            }
        }
        if let Some(trace) = self.sample_trace(finding) {
            links.push(ConsoleLink {
                kind: LinkKind::XrayTrace,
                label: format!("X-Ray trace {trace}"),
                url: console::xray_trace(region, trace),
            });
        }
        let mut functions: Vec<&str> = finding
            .evidence
            .functions
            .iter()
            .map(|f| f.function.as_str())
            .chain(
                finding
                    .evidence
                    .invocations
                    .iter()
                    .map(|i| i.function.as_str()),
            )
            .collect();
        functions.dedup();
        let mut seen = Vec::new();
        for function in functions {
            if seen.len() == LINKED || seen.contains(&function) {
                continue;
            }
            seen.push(function);
            links.push(ConsoleLink {
                kind: LinkKind::LambdaFunction,
                label: format!("Lambda function {function}: configuration"),
                url: console::lambda_function(region, function),
            });
        }
    }

    /// The X-Ray trace id of one of the finding's sample requests or invocations.
    fn sample_trace(&self, finding: &Finding) -> Option<&'a str> {
        let from_requests = finding.evidence.requests.iter().find_map(|sample| {
            let id = sample.request_id.as_deref()?;
            self.notes
                .requests
                .iter()
                .find(|r| r.request_id.as_deref() == Some(id))?
                .trace_id
                .as_deref()
        });
        from_requests.or_else(|| {
            finding.evidence.invocations.iter().find_map(|sample| {
                self.notes
                    .invocations
                    .iter()
                    .find(|i| i.request_id == sample.request_id)?
                    .trace_id
                    .as_deref()
            })
        })
    }

    /// The log group of a function: the input it was read from, when that was a group;
    /// else the default group of a function of that name.
    fn function_group(&self, function: &str) -> LogGroupName {
        let source = self
            .analysis
            .lambda
            .iter()
            .flat_map(|l| &l.functions)
            .find(|f| f.function == function)
            .map(|f| f.source.as_str());
        match source {
            Some(source) if self.notes.console.log_groups.iter().any(|g| g == source) => {
                LogGroupName {
                    name: source.to_owned(),
                    known: true,
                }
            }
            _ => LogGroupName {
                name: format!("/aws/lambda/{function}"),
                known: false,
            },
        }
    }
}

/// The longest a Lambda invocation runs (15 minutes).
const MAX_LAMBDA_MS: i64 = 900_000;

/// A window widened to whole seconds, which is what a query's window is made of.
fn whole_seconds(window: Window) -> Window {
    Window {
        start_ms: window.start_ms.div_euclid(1000) * 1000,
        end_ms: (window.end_ms.div_euclid(1000) * 1000).saturating_add(999),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Analysis, FindingId, LinkKind, Reproduce};
    use crate::settings::{Console, Settings};
    use crate::Analyzer;

    const ACCESS: &str = "/aws/apigateway/orders-api/prod";

    /// Five gateway timeouts on a route, a 502 and a near miss, as a stage logs them in
    /// JSON with keys of its own, and a function's timed-out invocation.
    fn analysis(console: Console) -> Analysis {
        let mut access = String::new();
        for i in 0..5 {
            access.push_str(&format!(
                "{{\"requestId\":\"r{i}\",\"requestTimeEpoch\":{},\"http_method\":\"POST\",\"resource\":\"/jobs\",\"status\":504,\"latency\":29010,\"integration\":{{\"latency\":\"-\",\"status\":\"-\"}},\"xrayTraceId\":\"1-69aa9e36-a19a5b8592c9b046f446fe2{i}\"}}\n",
                1_772_787_600_000_i64 + i * 1000
            ));
        }
        access.push_str("{\"requestId\":\"b\",\"requestTimeEpoch\":1772787700000,\"http_method\":\"GET\",\"resource\":\"/pay\",\"status\":502,\"latency\":40,\"integration\":{\"latency\":38,\"status\":200}}\n");
        access.push_str("{\"requestId\":\"n\",\"requestTimeEpoch\":1772787800000,\"http_method\":\"GET\",\"resource\":\"/pay\",\"status\":200,\"latency\":27000,\"integration\":{\"latency\":26990,\"status\":200}}\n");
        let lambda = "2026-03-06T09:00:00.000Z START RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e Version: $LATEST\n\
             2026-03-06T09:00:30.000Z REPORT RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tInit Duration: 500.00 ms\tStatus: timeout\n";
        let mut analyzer = Analyzer::new(Settings {
            console,
            ..Settings::default()
        });
        analyzer.read(ACCESS, access.as_bytes()).unwrap();
        analyzer
            .read("/aws/lambda/jobs-fn", lambda.as_bytes())
            .unwrap();
        analyzer.finish()
    }

    fn reproduce(analysis: &Analysis, id: FindingId) -> &Reproduce {
        let finding = analysis.findings.iter().find(|f| f.id == id).unwrap();
        finding.reproduce.as_ref().unwrap_or_else(|| panic!("{id}"))
    }

    #[test]
    fn queries_use_the_stages_own_field_names() {
        let analysis = analysis(Console::default());
        let timeouts = reproduce(&analysis, FindingId::IntegrationTimeout);
        assert_eq!(
            timeouts.query,
            "# Ceiling: gateway timeouts per route\n\
             filter (status = 504 and not (integration.status = 504 and integration.latency < 23200))\n\
             | stats count(*) as timeouts by http_method, resource\n\
             | sort timeouts desc"
        );
        let figure = timeouts.figure.as_ref().unwrap();
        assert_eq!((figure.column.as_str(), figure.value), ("timeouts", 5.0));
        let bad = reproduce(&analysis, FindingId::BadGateway);
        assert!(
            bad.query.contains(
                "filter status = 502\n| stats count(*) as bad_gateway by http_method, resource"
            ),
            "{}",
            bad.query
        );
        let near = reproduce(&analysis, FindingId::NearCeiling);
        assert!(
            near.query
                .contains("filter integration.latency >= 26100 and not ("),
            "{}",
            near.query
        );
        assert_eq!(near.figure.as_ref().unwrap().value, 1.0);
        let lambda = reproduce(&analysis, FindingId::LambdaTimeout);
        assert!(lambda.query.contains("@message like \"Status: timeout\""));
        assert_eq!(lambda.log_groups[0].name, "/aws/lambda/jobs-fn");
    }

    /// A function's timed-out invocations, as `lines` of its log report them.
    fn lambda_only(lines: &str) -> Analysis {
        let mut analyzer = Analyzer::new(Settings::default());
        analyzer
            .read("/aws/lambda/jobs-fn", lines.as_bytes())
            .unwrap();
        analyzer.finish()
    }

    const JSON_TIMEOUT: &str = r#"{"time":"2026-03-06T09:00:30.000Z","type":"platform.report","record":{"requestId":"3364d63a-b18c-5ed6-97c7-85c6bf57800e","metrics":{"durationMs":30000.0,"billedDurationMs":30000,"memorySizeMB":128,"maxMemoryUsedMB":60,"initDurationMs":500.0},"status":"timeout"}}"#;
    const TEXT_TIMEOUT: &str = "2026-03-06T09:01:30.000Z REPORT RequestId: 4464d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout";

    #[test]
    fn lambda_queries_follow_the_log_format_the_lines_were_in() {
        let json = lambda_only(&format!("2026-03-06T09:00:30.000Z {JSON_TIMEOUT}\n"));
        let functions = &json.lambda.as_ref().unwrap().functions;
        assert_eq!(functions[0].json_reports, 1);
        let timeouts = reproduce(&json, FindingId::LambdaTimeout);
        assert_eq!(
            timeouts.query,
            "# Ceiling: timed-out invocations of jobs-fn\n\
             filter type = \"platform.report\" and record.status = \"timeout\"\n\
             | stats count(*) as timeouts"
        );
        // a group that holds both formats (its format changed in the window): either
        let both = lambda_only(&format!(
            "2026-03-06T09:00:30.000Z {JSON_TIMEOUT}\n{TEXT_TIMEOUT}\n"
        ));
        let timeouts = reproduce(&both, FindingId::LambdaTimeout);
        assert!(
            timeouts.query.contains(
                "filter (@message like \"Task timed out\" or (@type = \"REPORT\" and @message like \"Status: timeout\")) or (type = \"platform.report\" and record.status = \"timeout\")"
            ),
            "{}",
            timeouts.query
        );
        assert_eq!(timeouts.figure.as_ref().unwrap().value, 2.0);
        // text lines: the text query, as before
        let text = lambda_only(&format!("{TEXT_TIMEOUT}\n"));
        assert!(reproduce(&text, FindingId::LambdaTimeout)
            .query
            .contains("@type = \"REPORT\""));
    }

    #[test]
    fn without_a_region_or_a_group_the_links_are_left_out_and_said() {
        let analysis = analysis(Console::default());
        let timeouts = reproduce(&analysis, FindingId::IntegrationTimeout);
        assert!(timeouts.links.is_empty());
        assert!(timeouts.note.as_deref().unwrap().contains("no region"));
        assert!(!timeouts.log_groups[0].known);

        let files = analysis_with_region_only();
        let timeouts = reproduce(&files, FindingId::IntegrationTimeout);
        assert!(timeouts
            .links
            .iter()
            .all(|l| l.kind != LinkKind::LogsInsights));
        assert!(timeouts.note.as_deref().unwrap().contains("not known"));
        // a trace needs no group
        assert!(timeouts.links.iter().any(|l| l.kind == LinkKind::XrayTrace));
    }

    fn analysis_with_region_only() -> Analysis {
        analysis(Console {
            region: Some("eu-west-1".into()),
            ..Console::default()
        })
    }

    #[test]
    fn groups_and_a_region_give_every_link() {
        let analysis = analysis(Console {
            region: Some("eu-west-1".into()),
            log_groups: vec![ACCESS.into(), "/aws/lambda/jobs-fn".into()],
            window: None,
        });
        let timeouts = reproduce(&analysis, FindingId::IntegrationTimeout);
        assert_eq!(timeouts.note, None);
        let kinds: Vec<LinkKind> = timeouts.links.iter().map(|l| l.kind).collect();
        assert!(kinds.contains(&LinkKind::LogsInsights), "{kinds:?}");
        assert!(kinds.contains(&LinkKind::LogEvents), "{kinds:?}");
        assert!(kinds.contains(&LinkKind::XrayTrace), "{kinds:?}");
        let lambda = reproduce(&analysis, FindingId::LambdaTimeout);
        assert!(lambda.log_groups[0].known);
        assert!(lambda
            .links
            .iter()
            .any(|l| l.kind == LinkKind::LambdaFunction
                && l.url.ends_with("#/functions/jobs-fn?tab=configure")));
        for link in analysis
            .findings
            .iter()
            .flat_map(|f| &f.reproduce)
            .flat_map(|r| &r.links)
        {
            assert!(
                link.url
                    .starts_with("https://eu-west-1.console.aws.amazon.com/"),
                "{}",
                link.url
            );
        }
    }
}
