//! The text of the queries behind the findings: access-log queries on the keys the stage's
//! JSON records use, Lambda queries on the fields Insights discovers in text REPORT lines or
//! on the keys of JSON-format `platform.*` records, as each function's group is written.

use super::{whole_seconds, Draft, Place, MARGIN_MS};
use crate::findings::context::function_of_input;
use crate::model::{
    insights_field as field, ApiKind, Finding, FindingId, QueryFigure, RouteFigures, Window,
    OTHER_ROUTES,
};
use crate::parse::access::AccessKeys;

impl<'a> Place<'a> {
    // --- access-log queries ---

    /// The access log's keys, when it is JSON with a status and a route.
    fn access(&self) -> Option<Access<'a>> {
        let keys = self.keys?;
        let status = field(keys.status.as_deref()?);
        let route = match (&keys.route_key, &keys.http_method, &keys.resource_path) {
            (Some(key), _, None) => Route::Key(field(key)),
            (_, Some(method), Some(resource)) => {
                Route::MethodResource(field(method), field(resource))
            }
            _ => return None,
        };
        Some(Access {
            keys,
            status,
            route,
        })
    }

    fn draft(
        &self,
        shows: &str,
        commands: Vec<String>,
        window: Window,
        figure: Option<QueryFigure>,
    ) -> Draft {
        Draft {
            shows: shows.to_owned(),
            query: query(shows, &commands),
            groups: self.access_groups.clone(),
            window,
            figure,
        }
    }

    /// The condition of a gateway timeout, as the engine judges one.
    fn timeout_condition(&self, access: &Access<'_>) -> String {
        let keys = access.keys;
        if self.analysis.api == Some(ApiKind::Http) {
            return format!("{} = 503", access.status);
        }
        let mut timeout = format!("{} = 504", access.status);
        // a 504 the backend itself returned, quickly, is no gateway timeout
        if let (Some(integration_status), Some(latency)) =
            (&keys.integration_status, &keys.integration_latency)
        {
            timeout = format!(
                "({timeout} and not ({} = 504 and {} < {}))",
                field(integration_status),
                field(latency),
                self.analysis.ceiling_ms * 80 / 100
            );
        }
        match &keys.error_response_type {
            Some(response_type) => format!(
                "{timeout} or {} = \"INTEGRATION_TIMEOUT\"",
                field(response_type)
            ),
            None => timeout,
        }
    }

    pub(super) fn timeouts(&self, window: Window, timeouts: u64) -> Option<Draft> {
        let access = self.access()?;
        let by = access.route.fields();
        Some(self.draft(
            "gateway timeouts per route",
            vec![
                format!("filter {}", self.timeout_condition(&access)),
                format!("stats count(*) as timeouts by {by}"),
                "sort timeouts desc".to_owned(),
            ],
            window,
            Some(QueryFigure {
                column: "timeouts".to_owned(),
                value: timeouts as f64,
            }),
        ))
    }

    pub(super) fn burst(&self, start_ms: i64, end_ms: i64, count: u64) -> Option<Draft> {
        let access = self.access()?;
        let by = access.route.fields();
        let ceiling = self.analysis.ceiling_ms as i64;
        let window = whole_seconds(Window {
            start_ms: start_ms.saturating_sub(MARGIN_MS),
            end_ms: end_ms.saturating_add(ceiling + MARGIN_MS),
        });
        let mut condition = format!("({})", self.timeout_condition(&access));
        // the burst is of request times; events are stamped when the request ends
        if let Some(epoch) = &access.keys.request_time_epoch {
            condition = format!(
                "{condition} and {epoch} >= {start_ms} and {epoch} <= {end_ms}",
                epoch = field(epoch)
            );
        }
        Some(self.draft(
            "the burst's timeouts per route",
            vec![
                format!("filter {condition}"),
                format!("stats count(*) as timeouts by {by}"),
                "sort timeouts desc".to_owned(),
            ],
            window,
            Some(QueryFigure {
                column: "timeouts".to_owned(),
                value: count as f64,
            }),
        ))
    }

    pub(super) fn near_misses(&self, window: Window) -> Option<Draft> {
        let access = self.access()?;
        let latency = field(access.keys.integration_latency.as_deref()?);
        let percent = u64::from(self.notes.thresholds.near_ceiling_percent);
        let near_ms = |ceiling_ms: u64| (ceiling_ms * percent).div_ceil(100);
        let threshold = near_ms(self.analysis.ceiling_ms);
        // the routes with a ceiling of their own are judged against it, the rest against
        // the analysis'
        let own: Vec<(String, u64)> = match &self.analysis.config {
            Some(config) => self
                .analysis
                .routes
                .iter()
                .filter_map(|r| {
                    let ceiling = config.ceiling_of(&r.route)?;
                    let route = access.route.equals(&r.route)?;
                    (ceiling != self.analysis.ceiling_ms).then(|| (route, near_ms(ceiling)))
                })
                .collect(),
            None => Vec::new(),
        };
        let near = if own.is_empty() {
            format!("{latency} >= {threshold}")
        } else {
            let mut cases: Vec<String> = own
                .iter()
                .map(|(route, ms)| format!("({route} and {latency} >= {ms})"))
                .collect();
            let others: Vec<String> = own
                .iter()
                .map(|(route, _)| format!("not ({route})"))
                .collect();
            cases.push(format!(
                "({} and {latency} >= {threshold})",
                others.join(" and ")
            ));
            format!("({})", cases.join(" or "))
        };
        Some(self.draft(
            "near misses per route",
            vec![
                format!(
                    "filter {near} and not ({})",
                    self.timeout_condition(&access)
                ),
                format!(
                    "stats count(*) as near_misses, max({latency}) as closest_ms by {}",
                    access.route.fields()
                ),
                "sort near_misses desc".to_owned(),
            ],
            window,
            Some(QueryFigure {
                column: "near_misses".to_owned(),
                value: self.analysis.near_ceiling as f64,
            }),
        ))
    }

    /// The route of a finding's first route share, when it is one route.
    fn first_route(&self, finding: &Finding) -> Option<&'a RouteFigures> {
        let route = finding.evidence.routes.first()?;
        self.analysis
            .routes
            .iter()
            .find(|r| r.route == route.route && r.route != OTHER_ROUTES)
    }

    pub(super) fn p99(&self, window: Window, finding: &Finding) -> Option<Draft> {
        let access = self.access()?;
        let latency = field(access.keys.response_latency.as_deref()?);
        let stats = format!("stats count({latency}) as measured, pct({latency}, 99) as p99");
        let (shows, commands, p99) = match self.first_route(finding) {
            Some(route) => (
                format!("p99 response latency of {}", route.route),
                vec![
                    format!("filter {}", access.route.equals(&route.route)?),
                    stats,
                ],
                route.latency.p99_ms?,
            ),
            None => (
                "p99 response latency".to_owned(),
                vec![stats],
                self.analysis.overall.p99_ms?,
            ),
        };
        Some(self.draft(
            &shows,
            commands,
            window,
            Some(QueryFigure {
                column: "p99".to_owned(),
                value: f64::from(p99),
            }),
        ))
    }

    pub(super) fn by_status(
        &self,
        window: Window,
        status: u16,
        column: &str,
        shows: &str,
    ) -> Option<Draft> {
        let access = self.access()?;
        let value = self.analysis.status.get(&status).copied().unwrap_or(0);
        Some(self.draft(
            shows,
            vec![
                format!("filter {} = {status}", access.status),
                format!("stats count(*) as {column} by {}", access.route.fields()),
                format!("sort {column} desc"),
            ],
            window,
            Some(QueryFigure {
                column: column.to_owned(),
                value: value as f64,
            }),
        ))
    }

    /// A slow route's requests and median latency (async and cache candidates).
    pub(super) fn route_median(
        &self,
        window: Window,
        finding: &Finding,
        cache: bool,
    ) -> Option<Draft> {
        let access = self.access()?;
        let latency = field(access.keys.response_latency.as_deref()?);
        let route = self.first_route(finding)?;
        let (column, value) = if cache {
            ("requests", route.requests as f64)
        } else {
            ("p50", f64::from(route.latency.p50_ms?))
        };
        Some(self.draft(
            &format!("requests and median latency of {}", route.route),
            vec![
                format!("filter {}", access.route.equals(&route.route)?),
                format!(
                    "stats count(*) as requests, pct({latency}, 50) as p50, pct({latency}, 99) as p99"
                ),
            ],
            window,
            Some(QueryFigure {
                column: column.to_owned(),
                value,
            }),
        ))
    }

    pub(super) fn large_responses(&self, window: Window, finding: &Finding) -> Option<Draft> {
        let access = self.access()?;
        let length = field(access.keys.response_length.as_deref()?);
        Some(self.draft(
            "large responses per route",
            vec![
                format!(
                    "filter {length} >= {}",
                    self.notes.thresholds.large_response_bytes
                ),
                format!(
                    "stats count(*) as large_responses, max({length}) as largest_bytes by {}",
                    access.route.fields()
                ),
                "sort large_responses desc".to_owned(),
            ],
            window,
            Some(QueryFigure {
                column: "large_responses".to_owned(),
                value: finding.impact as f64,
            }),
        ))
    }

    /// A few access-log records, to see which fields the stage's format has.
    pub(super) fn sample_records(&self, window: Window) -> Option<Draft> {
        self.keys?;
        Some(self.draft(
            "a few access-log records, with the fields they have",
            vec![
                "fields @timestamp, @message".to_owned(),
                "sort @timestamp desc".to_owned(),
                "limit 20".to_owned(),
            ],
            window,
            None,
        ))
    }

    // --- Lambda queries ---

    /// How the log groups of `functions` write their reports: as the lines read say, else
    /// as the functions' configuration says, else in text.
    fn log_format(&self, functions: &[&str]) -> LogFormat {
        let of = |function: &str| {
            let read = self
                .analysis
                .lambda
                .iter()
                .flat_map(|l| &l.functions)
                .find(|f| f.function == function && f.invocations > 0);
            if let Some(read) = read {
                return match read.json_reports {
                    0 => LogFormat::Text,
                    n if n == read.invocations => LogFormat::Json,
                    _ => LogFormat::Both,
                };
            }
            let configured = self
                .analysis
                .config
                .iter()
                .flat_map(|c| &c.functions)
                .find(|f| f.name == function);
            match configured {
                Some(f) if f.log_format.eq_ignore_ascii_case("json") => LogFormat::Json,
                _ => LogFormat::Text,
            }
        };
        let mut formats = functions.iter().map(|f| of(f));
        let first = formats.next().unwrap_or(LogFormat::Text);
        if formats.all(|f| f == first) {
            first
        } else {
            LogFormat::Both
        }
    }

    /// A query over the log groups of the finding's functions, in their log format; its
    /// figure the sum of their counts in the finding.
    pub(super) fn lambda(
        &self,
        window: Window,
        finding: &Finding,
        shows: &str,
        by_format: &ByFormat,
    ) -> Option<Draft> {
        let functions = &finding.evidence.functions;
        if functions.is_empty() {
            return None;
        }
        let figure = (finding.id != FindingId::LambdaOutlivedGateway).then(|| QueryFigure {
            column: by_format.column.to_owned(),
            value: functions.iter().map(|f| f.count).sum::<u64>() as f64,
        });
        let names: Vec<&str> = functions.iter().map(|f| f.function.as_str()).collect();
        Some(Draft {
            shows: format!("{shows} of {}", names.join(", ")),
            query: query(
                &format!("{shows} of {}", names.join(", ")),
                &by_format.commands(self.log_format(&names)),
            ),
            groups: names.iter().map(|f| self.function_group(f)).collect(),
            window,
            figure,
        })
    }

    /// The lines of the step's function that open the slow step, in time order: a reader
    /// follows each to the next line of its request id. No query can measure the gap, so
    /// there is no figure to compare.
    pub(super) fn slow_step(&self, window: Window, finding: &Finding) -> Option<Draft> {
        let step = finding.evidence.steps.as_ref()?;
        // the longest run of the template's fixed words: `like` takes no placeholders
        let words = step
            .after
            .split("{}")
            .map(str::trim)
            .max_by_key(|part| part.len())
            .filter(|part| !part.is_empty() && step.after != "START")?;
        let shows = format!("the lines before the slow step of {}", step.function);
        Some(Draft {
            query: query(
                &shows,
                &[
                    format!("filter @message like {}", literal(words)),
                    "fields @timestamp, @requestId, @message".to_owned(),
                    "sort @timestamp asc".to_owned(),
                    "limit 100".to_owned(),
                ],
            ),
            shows,
            groups: vec![self.function_group(&step.function)],
            window,
            figure: None,
        })
    }

    /// The cold starts of the function behind the finding's first cold timeout.
    pub(super) fn cold_starts(&self, window: Window, finding: &Finding) -> Option<Draft> {
        let function = finding
            .evidence
            .functions
            .first()
            .map(|f| f.function.clone())
            .or_else(|| {
                let sample = finding.evidence.invocations.first()?;
                Some(sample.function.clone())
            })
            .or_else(|| {
                let invocation = self.notes.invocations.first()?;
                Some(function_of_input(self.analysis, invocation.input))
            })?;
        let figures = self
            .analysis
            .lambda
            .iter()
            .flat_map(|l| &l.functions)
            .find(|f| f.function == function)?;
        let shows = format!("cold starts of {function}");
        let by_format = ByFormat {
            text: "@type = \"REPORT\" and ispresent(@initDuration)".to_owned(),
            json: format!("{JSON_REPORT} and ispresent(record.metrics.initDurationMs)"),
            column: "cold_starts",
            text_stat: Some("max(@initDuration) as longest_init_ms"),
            json_stat: Some("max(record.metrics.initDurationMs) as longest_init_ms"),
        };
        Some(Draft {
            query: query(
                &shows,
                &by_format.commands(self.log_format(&[function.as_str()])),
            ),
            shows,
            groups: vec![self.function_group(&function)],
            window,
            figure: Some(QueryFigure {
                column: "cold_starts".to_owned(),
                value: figures.cold_starts as f64,
            }),
        })
    }
}

/// The condition of a JSON-format invocation report.
pub(super) const JSON_REPORT: &str = "type = \"platform.report\"";

/// How a function's log group writes its reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogFormat {
    /// Text REPORT lines, whose fields Insights discovers (`@duration`, ...).
    Text,
    /// Lambda's JSON log format: `platform.report` records, whose keys Insights flattens
    /// with dots (`record.metrics.durationMs`, ...).
    Json,
    /// Both in one query: groups of either format, or a group that changed format.
    Both,
}

/// A Lambda query in both log formats: the condition of the events it counts, and a further
/// statistic, in each.
pub(super) struct ByFormat {
    pub(super) text: String,
    pub(super) json: String,
    /// The count's column: the finding's figure.
    pub(super) column: &'static str,
    pub(super) text_stat: Option<&'static str>,
    pub(super) json_stat: Option<&'static str>,
}

impl ByFormat {
    /// The query's `filter` and `stats` commands for groups in `format`.
    fn commands(&self, format: LogFormat) -> Vec<String> {
        let count = format!("count(*) as {}", self.column);
        let (filter, stats): (String, Vec<String>) = match format {
            LogFormat::Text => (
                self.text.clone(),
                self.text_stat.map(str::to_owned).into_iter().collect(),
            ),
            LogFormat::Json => (
                self.json.clone(),
                self.json_stat.map(str::to_owned).into_iter().collect(),
            ),
            LogFormat::Both => {
                let text = self.text_stat.map(str::to_owned);
                // a statistic of the same name in both takes the format's name in the JSON one
                let json =
                    self.json_stat
                        .map(|stat| match (text.as_deref(), stat.rsplit_once(" as ")) {
                            (Some(t), Some((_, name))) if t.ends_with(&format!(" as {name}")) => {
                                format!("{stat}_json")
                            }
                            _ => stat.to_owned(),
                        });
                (
                    format!("({}) or ({})", self.text, self.json),
                    text.into_iter().chain(json).collect(),
                )
            }
        };
        let stats: Vec<String> = std::iter::once(count).chain(stats).collect();
        vec![
            format!("filter {filter}"),
            format!("stats {}", stats.join(", ")),
        ]
    }
}

/// A string literal of the query language.
fn literal(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A query: a comment saying what it shows, then its commands, one a line.
fn query(shows: &str, commands: &[String]) -> String {
    format!("# Ceiling: {shows}\n{}", commands.join("\n| "))
}

/// The access log's field names, quoted for queries.
struct Access<'a> {
    keys: &'a AccessKeys,
    status: String,
    route: Route,
}

/// How the access log names a route: a route key, or a method and a resource.
enum Route {
    Key(String),
    MethodResource(String, String),
}

impl Route {
    fn fields(&self) -> String {
        match self {
            Route::Key(key) => key.clone(),
            Route::MethodResource(method, resource) => format!("{method}, {resource}"),
        }
    }

    /// The condition that a record is of `route` (`METHOD /resource`, or a route key).
    fn equals(&self, route: &str) -> Option<String> {
        match self {
            Route::Key(key) => Some(format!("{key} = {}", literal(route))),
            Route::MethodResource(method, resource) => {
                let (verb, path) = route.split_once(' ')?;
                Some(format!(
                    "{method} = {} and {resource} = {}",
                    literal(verb),
                    literal(path)
                ))
            }
        }
    }
}
