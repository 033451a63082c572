//! The text of Ceiling's Logs Insights queries and the reading of their rows: pure, no
//! request is sent here. Queries are built from the keys a sampled message of the group has
//! ([`AccessKeys`]): every team names its access-log fields its own way. The rows become the
//! engine's [`Aggregates`] and [`AggregateFunction`]s, and the notable rows a document the
//! engine reads as it reads a Logs Insights export.

use std::collections::BTreeMap;

use ceiling_engine::{
    insights_field as field, AccessKeys, AggregateBin, AggregateFunction, AggregateRoute,
    Aggregates, Percentiles,
};
use serde::Serialize;

use super::notable::Notable;
use crate::window::Window;

/// The most rows a query returns; a window with more notable requests is split in two.
pub const MAX_ROWS: usize = 10_000;

/// One row of a query's results, each field by name.
pub type Row = BTreeMap<String, String>;

/// How much a window of a group holds, counted by the service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Volume {
    pub events: u64,
    pub bytes: u64,
}

impl Volume {
    pub const QUERY: &'static str = "stats count(*) as events, sum(strlen(@message)) as bytes";

    pub fn of_rows(rows: &[Row]) -> Volume {
        let number = |row: &Row, name: &str| row.get(name).and_then(|v| number(v)).unwrap_or(0.0);
        Volume {
            events: rows.iter().map(|r| number(r, "events")).sum::<f64>() as u64,
            bytes: rows.iter().map(|r| number(r, "bytes")).sum::<f64>() as u64,
        }
    }

    /// Seconds a download of this volume takes at the FilterLogEvents budget: a page holds at
    /// most 10,000 events or 1 MB, and 5 pages go out per second.
    pub fn download_seconds(&self) -> f64 {
        let pages_by_events = self.events as f64 / 10_000.0;
        let pages_by_bytes = self.bytes as f64 / 1_000_000.0;
        pages_by_events.max(pages_by_bytes).ceil()
            / f64::from(crate::fetch::FILTER_LOG_EVENTS_PER_SECOND)
    }
}

/// The queries over one access-log group, built from the keys its messages use.
#[derive(Debug, Clone)]
pub struct AccessQueries {
    keys: AccessKeys,
    bin_minutes: i64,
    /// Latencies at or above these (ms) make a request notable.
    notable: Notable,
}

impl AccessQueries {
    /// Queries for a group whose messages have `keys`; `None` without a status and a route
    /// (method and resource, or a route key), which the figures are counted by.
    pub fn new(
        keys: AccessKeys,
        window: Window,
        notable: impl Into<Notable>,
    ) -> Option<AccessQueries> {
        keys.status.as_ref()?;
        let routed = keys.route_key.is_some()
            || (keys.http_method.is_some() && keys.resource_path.is_some());
        if !routed {
            return None;
        }
        // about 120 bins over the window, in whole minutes
        let minutes = (window.end_ms - window.start_ms).max(60_000) / 60_000;
        let bin_minutes = (minutes / 120).max(1);
        Some(AccessQueries {
            keys,
            bin_minutes,
            notable: notable.into(),
        })
    }

    fn latency(&self) -> Option<String> {
        self.keys.response_latency.as_deref().map(field)
    }

    fn percentiles(&self) -> String {
        match self.latency() {
            Some(latency) => format!(
                ", count({latency}) as measured, pct({latency}, 50) as p50, \
                 pct({latency}, 95) as p95, pct({latency}, 99) as p99, max({latency}) as max"
            ),
            None => String::new(),
        }
    }

    fn route_fields(&self) -> String {
        match &self.keys.route_key {
            Some(route_key) if self.keys.resource_path.is_none() => field(route_key),
            _ => format!(
                "{}, {}",
                field(self.keys.http_method.as_deref().unwrap_or_default()),
                field(self.keys.resource_path.as_deref().unwrap_or_default())
            ),
        }
    }

    /// Requests per status.
    pub fn statuses(&self) -> String {
        let status = field(self.keys.status.as_deref().unwrap_or_default());
        format!("stats count(*) as requests by {status}")
    }

    /// Requests and latency percentiles over the whole window.
    pub fn overall(&self) -> String {
        format!("stats count(*) as requests{}", self.percentiles())
    }

    /// Requests and latency percentiles per route.
    pub fn routes(&self) -> String {
        format!(
            "stats count(*) as requests{} by {}",
            self.percentiles(),
            self.route_fields()
        )
    }

    /// Requests and latency percentiles per time bin.
    pub fn bins(&self) -> String {
        let percentiles = match self.latency() {
            Some(latency) => format!(
                ", pct({latency}, 50) as p50, pct({latency}, 99) as p99, max({latency}) as max"
            ),
            None => String::new(),
        };
        format!(
            "stats count(*) as requests{percentiles} by bin({}m)",
            self.bin_minutes
        )
    }

    /// The raw events of the notable requests: 5xx answers, timeouts said as such, and
    /// latencies near the ceiling.
    pub fn notable(&self) -> String {
        let mut conditions = vec![format!(
            "{} >= 500",
            field(self.keys.status.as_deref().unwrap_or_default())
        )];
        conditions.extend(self.notable.condition(&self.keys));
        if let Some(response_type) = &self.keys.error_response_type {
            conditions.push(format!(
                "{} = \"INTEGRATION_TIMEOUT\"",
                field(response_type)
            ));
        }
        format!(
            "fields @timestamp, @message | filter {} | sort @timestamp asc | limit {MAX_ROWS}",
            conditions.join(" or ")
        )
    }

    fn route_of(&self, row: &Row) -> Option<String> {
        match &self.keys.route_key {
            Some(route_key) if self.keys.resource_path.is_none() => row.get(route_key).cloned(),
            _ => {
                let method = row.get(self.keys.http_method.as_deref()?)?;
                let resource = row.get(self.keys.resource_path.as_deref()?)?;
                Some(format!("{method} {resource}"))
            }
        }
    }

    /// The aggregates of the four stats queries' rows.
    pub fn aggregates(
        &self,
        statuses: &[Row],
        overall: &[Row],
        routes: &[Row],
        bins: &[Row],
    ) -> Aggregates {
        let status_key = self.keys.status.as_deref().unwrap_or_default();
        let mut aggregates = Aggregates {
            source: "CloudWatch Logs Insights".to_owned(),
            bin_ms: self.bin_minutes * 60_000,
            ..Aggregates::default()
        };
        for row in statuses {
            let requests = count(row);
            match row
                .get(status_key)
                .and_then(|s| s.trim().parse::<u16>().ok())
            {
                Some(status @ 100..=599) => {
                    *aggregates.status.entry(status).or_insert(0) += requests
                }
                _ => aggregates.requests_without_status += requests,
            }
        }
        if let Some(row) = overall.first() {
            aggregates.overall = percentiles(row);
        }
        aggregates.routes = routes
            .iter()
            .filter_map(|row| {
                Some(AggregateRoute {
                    route: self.route_of(row)?,
                    requests: count(row),
                    latency: percentiles(row),
                })
            })
            .collect();
        aggregates.bins = bins
            .iter()
            .filter_map(|row| {
                Some(AggregateBin {
                    // the column is named after the expression, `bin(5m)`
                    start_ms: ceiling_engine::parse_iso_ms(
                        row.iter().find(|(name, _)| name.starts_with("bin("))?.1,
                    )?,
                    requests: count(row),
                    p50_ms: milliseconds(row, "p50"),
                    p99_ms: milliseconds(row, "p99"),
                    max_ms: milliseconds(row, "max"),
                })
            })
            .collect();
        aggregates.bins.sort_by_key(|bin| bin.start_ms);
        aggregates
    }
}

/// The queries over a function's log group, on the fields Logs Insights discovers in its
/// platform lines: in the text format, the REPORT line's `@duration`, `@initDuration`,
/// `@memorySize` and `@maxMemoryUsed` (memory in bytes); in the JSON format, the
/// `platform.report` record's `record.metrics.*` (memory in MB).
#[derive(Debug, Clone)]
pub struct FunctionQueries {
    /// Durations at or above this (ms) make an invocation notable.
    notable_ms: u64,
    json: bool,
}

impl FunctionQueries {
    /// For a function logging in the text format.
    pub fn text(notable_ms: u64) -> FunctionQueries {
        FunctionQueries {
            notable_ms,
            json: false,
        }
    }

    /// For a function logging in the JSON format.
    pub fn json(notable_ms: u64) -> FunctionQueries {
        FunctionQueries {
            notable_ms,
            json: true,
        }
    }

    /// Invocations, cold starts, durations and memory over the whole window.
    pub fn stats(&self) -> String {
        if self.json {
            let metric = |name: &str| format!("record.metrics.{name}");
            let duration = metric("durationMs");
            format!(
                "filter type = \"platform.report\" | stats count(*) as invocations, \
                 count({init}) as cold, count({duration}) as measured, \
                 pct({duration}, 50) as p50, pct({duration}, 95) as p95, \
                 pct({duration}, 99) as p99, max({duration}) as max, \
                 max({memory}) as memory_mb, max({used}) as memory_used_mb",
                init = metric("initDurationMs"),
                memory = metric("memorySizeMB"),
                used = metric("maxMemoryUsedMB"),
            )
        } else {
            "filter @type = \"REPORT\" | stats count(*) as invocations, \
             count(@initDuration) as cold, count(@duration) as measured, \
             pct(@duration, 50) as p50, pct(@duration, 95) as p95, pct(@duration, 99) as p99, \
             max(@duration) as max, max(@memorySize) as memory, max(@maxMemoryUsed) as memory_used"
                .to_owned()
        }
    }

    /// The raw lines of the notable invocations: slow, timed out or failed, and failed inits.
    pub fn notable(&self) -> String {
        let filter = if self.json {
            format!(
                "(type = \"platform.report\" and (record.metrics.durationMs >= {} \
                 or record.status != \"success\")) or (type = \"platform.initReport\" \
                 and record.status != \"success\")",
                self.notable_ms
            )
        } else {
            format!(
                "(@type = \"REPORT\" and (@duration >= {} \
                 or @message like /Status: (timeout|error)/)) or @message like /Task timed out/ \
                 or @message like /^INIT_REPORT/",
                self.notable_ms
            )
        };
        format!("fields @timestamp, @message | filter {filter} | sort @timestamp asc | limit {MAX_ROWS}")
    }

    /// The latest start of an init, which names the runtime (SnapStart advice depends on it).
    pub fn runtime(&self) -> String {
        let filter = if self.json {
            "type = \"platform.initStart\""
        } else {
            "@message like /^INIT_START/"
        };
        format!("fields @timestamp, @message | filter {filter} | sort @timestamp desc | limit 1")
    }

    /// The function's aggregate from the stats query's row.
    pub fn aggregate(&self, group: &str, rows: &[Row]) -> AggregateFunction {
        let row = rows.first().cloned().unwrap_or_default();
        let value = |name: &str| row.get(name).and_then(|v| number(v));
        let whole = |name: &str| value(name).map_or(0, |n| n as u64);
        // memory in bytes in the text format, in MB in the JSON one
        let megabytes = |bytes: &str, megabytes: &str| {
            value(bytes)
                .map(|b| b / 1e6)
                .or_else(|| value(megabytes))
                .map(|mb| mb.round() as u32)
        };
        AggregateFunction {
            function: ceiling_engine::function_name(group),
            source: group.to_owned(),
            invocations: whole("invocations"),
            cold_starts: whole("cold"),
            duration: percentiles(&row),
            memory_mb: megabytes("memory", "memory_mb"),
            max_memory_used_mb: megabytes("memory_used", "memory_used_mb"),
        }
    }
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// The request count of a stats row: `requests` in Ceiling's queries, `count(*)` in a
/// query written by hand.
fn count(row: &Row) -> u64 {
    row.get("requests")
        .or_else(|| row.get("count(*)"))
        .and_then(|v| number(v))
        .map_or(0, |n| n.round() as u64)
}

fn milliseconds(row: &Row, name: &str) -> Option<u32> {
    number(row.get(name)?).map(|ms| ms.round().clamp(0.0, f64::from(u32::MAX)) as u32)
}

fn percentiles(row: &Row) -> Percentiles {
    Percentiles {
        measured: row
            .get("measured")
            .and_then(|v| number(v))
            .map_or(0, |n| n as u64),
        p50_ms: milliseconds(row, "p50"),
        p95_ms: milliseconds(row, "p95"),
        p99_ms: milliseconds(row, "p99"),
        max_ms: milliseconds(row, "max"),
    }
}

/// Rows of a GetQueryResults answer as JSON (`{"results": [[{"field", "value"}, ...]]}`),
/// as the AWS CLI prints it and as saved responses hold it.
pub fn rows_of_json(json: &serde_json::Value) -> Vec<Row> {
    json["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            row.as_array()
                .into_iter()
                .flatten()
                .filter_map(|cell| {
                    Some((
                        cell["field"].as_str()?.to_owned(),
                        cell["value"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .collect()
}

/// Rows as a GetQueryResults JSON document, which the engine reads as a Logs Insights export.
pub fn json_of_rows(rows: &[Row]) -> Vec<u8> {
    let mut document = RowsDocument::default();
    for row in rows {
        document.push(row);
    }
    document.finish()
}

/// A GetQueryResults JSON document written a row at a time, as the answers come: one row a
/// line under a lone `{`, which the engine streams, with no line to outgrow however many
/// rows it holds. Only the document is kept, not the rows it was written from.
#[derive(Debug, Default)]
pub struct RowsDocument {
    bytes: Vec<u8>,
    rows: usize,
}

impl RowsDocument {
    pub fn push(&mut self, row: &Row) {
        self.bytes.extend_from_slice(if self.rows == 0 {
            b"{\n\"results\": [\n"
        } else {
            b",\n"
        });
        let cells: Vec<serde_json::Value> = row
            .iter()
            .map(|(field, value)| serde_json::json!({ "field": field, "value": value }))
            .collect();
        serde_json::to_writer(&mut self.bytes, &cells).expect("rows serialize");
        self.rows += 1;
    }

    /// The rows written.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The document, closed.
    pub fn finish(mut self) -> Vec<u8> {
        if self.rows == 0 {
            self.bytes.extend_from_slice(b"{\n\"results\": [\n");
        }
        self.bytes.extend_from_slice(b"\n]}\n");
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ceiling_engine::{access_keys, Analyzer, Settings};

    const WINDOW: Window = Window {
        start_ms: 1_772_787_600_000, // 2026-03-06T09:00:00Z
        end_ms: 1_772_794_799_999,   // two hours
    };

    /// A record as gen.py's JSON format writes it.
    fn record(id: &str, minute: u32, route: (&str, &str), status: u16, latency: u32) -> String {
        format!(
            r#"{{"requestId":"{id}","requestTime":"06/Mar/2026:09:{minute:02}:00 +0000","requestTimeEpoch":"{}","httpMethod":"{}","resourcePath":"{}","status":"{status}","responseLatency":"{latency}","integrationLatency":"{}","errorResponseType":"{}"}}"#,
            WINDOW.start_ms + i64::from(minute) * 60_000,
            route.0,
            route.1,
            if status == 504 {
                "-".to_owned()
            } else {
                latency.saturating_sub(10).to_string()
            },
            if status == 504 {
                "INTEGRATION_TIMEOUT"
            } else {
                "-"
            },
        )
    }

    fn queries() -> AccessQueries {
        let sample = record("a", 0, ("GET", "/orders"), 200, 120);
        let keys = access_keys(sample.as_bytes()).expect("an access record");
        AccessQueries::new(keys, WINDOW, 26_100).expect("a status and a route")
    }

    /// A time as Insights writes it: `2026-03-06 09:30:00.000`, UTC.
    fn insights_time(ms: i64) -> String {
        ceiling_engine::format_utc(ms).replace(" UTC", ".000")
    }

    fn row(cells: &[(&str, &str)]) -> Row {
        cells
            .iter()
            .map(|(f, v)| ((*f).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn queries_use_the_keys_a_sampled_message_has() {
        let q = queries();
        assert_eq!(q.statuses(), "stats count(*) as requests by status");
        assert_eq!(
            q.routes(),
            "stats count(*) as requests, count(responseLatency) as measured, \
             pct(responseLatency, 50) as p50, pct(responseLatency, 95) as p95, \
             pct(responseLatency, 99) as p99, max(responseLatency) as max \
             by httpMethod, resourcePath"
        );
        // two hours in about 120 bins
        assert!(q.bins().ends_with("by bin(1m)"), "{}", q.bins());
        assert_eq!(
            q.notable(),
            "fields @timestamp, @message | filter status >= 500 or integrationLatency >= 26100 \
             or responseLatency >= 26100 or errorResponseType = \"INTEGRATION_TIMEOUT\" \
             | sort @timestamp asc | limit 10000"
        );
    }

    #[test]
    fn nested_keys_and_route_keys_are_named_as_insights_names_them() {
        let http = br#"{"requestId":"a","routeKey":"POST /jobs","status":503,"integration":{"latency":"-"},"responseLatency":30001}"#;
        let q = AccessQueries::new(access_keys(http).unwrap(), WINDOW, 27_000).unwrap();
        assert!(q.routes().ends_with("by routeKey"), "{}", q.routes());
        assert!(
            q.notable().contains("integration.latency >= 27000"),
            "{}",
            q.notable()
        );
        let odd = br#"{"request id":"a","status code":"200","method":"GET","resource":"/x"}"#;
        let q = AccessQueries::new(access_keys(odd).unwrap(), WINDOW, 1).unwrap();
        assert_eq!(q.statuses(), "stats count(*) as requests by `status code`");
        // a message that is no access record, or has no route, gives no queries
        assert!(access_keys(b"START RequestId: a Version: $LATEST").is_none());
        let unrouted = br#"{"requestId":"a","status":"200"}"#;
        assert!(AccessQueries::new(access_keys(unrouted).unwrap(), WINDOW, 1).is_none());
    }

    #[test]
    fn recorded_answers_read_as_rows() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let cli = root
            .join("../../../shared/data/real/cli_get_query_results_output__awscli_examples.json");
        let cli: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(cli).unwrap()).unwrap();
        let rows = rows_of_json(&cli);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["@message"], "Test BENCHMARK 3");
        assert_eq!(rows[0]["@timestamp"], "2024-05-19 06:10:35.743");

        // six months of a production API, counted by status with a hand-written query
        let azul = root.join("tests/fixtures/azul_7470_stats_by_status.json");
        let azul: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(azul).unwrap()).unwrap();
        let aggregates = queries().aggregates(&rows_of_json(&azul), &[], &[], &[]);
        assert_eq!(aggregates.status[&200], 355_094 + 10_211);
        assert_eq!(aggregates.status[&403], 27_432 + 6_955 + 49 + 886);
        assert_eq!(aggregates.status.values().sum::<u64>(), 469_757);
    }

    #[test]
    fn the_merged_analysis_counts_from_insights_and_reads_the_timeouts() {
        let q = queries();
        // what Insights answers for a window of 10,000 requests, 40 of them timeouts on
        // POST /reports and 2 near misses
        let statuses = [
            row(&[("status", "200"), ("requests", "9958")]),
            row(&[("status", "504"), ("requests", "40")]),
            row(&[("status", "502"), ("requests", "2")]),
        ];
        let overall = [row(&[
            ("requests", "10000"),
            ("measured", "10000"),
            ("p50", "120.0"),
            ("p95", "850"),
            ("p99", "28500.5"),
            ("max", "29010"),
        ])];
        let routes = [
            row(&[
                ("httpMethod", "GET"),
                ("resourcePath", "/orders"),
                ("requests", "9000"),
                ("measured", "9000"),
                ("p50", "110"),
                ("p95", "400"),
                ("p99", "700"),
                ("max", "900"),
            ]),
            row(&[
                ("httpMethod", "POST"),
                ("resourcePath", "/reports"),
                ("requests", "1000"),
                ("measured", "1000"),
                ("p50", "9000"),
                ("p95", "29001"),
                ("p99", "29008"),
                ("max", "29010"),
            ]),
        ];
        let bins: Vec<Row> = (0..120)
            .map(|minute| {
                let start = insights_time(WINDOW.start_ms + minute * 60_000);
                let requests = if minute == 30 { "240" } else { "82" };
                row(&[
                    ("bin(1m)", start.as_str()),
                    ("requests", requests),
                    ("p50", "120"),
                ])
            })
            .collect();
        let aggregates = q.aggregates(&statuses, &overall, &routes, &bins);
        assert_eq!(aggregates.bins.len(), 120);

        // the notable requests come back raw: the 40 timeouts (in minute 30) and the 502s
        let mut notable = Vec::new();
        for i in 0..40 {
            let message = record(&format!("t{i}"), 30, ("POST", "/reports"), 504, 29_005);
            let time = insights_time(WINDOW.start_ms + 30 * 60_000);
            notable.push(row(&[
                ("@timestamp", time.as_str()),
                ("@message", &message),
            ]));
        }
        for i in 0..2 {
            let message = record(&format!("b{i}"), 45, ("GET", "/orders"), 502, 35);
            notable.push(row(&[("@message", &message)]));
        }
        let mut analyzer = Analyzer::new(Settings::default());
        analyzer
            .read("/aws/apigateway/prod", &json_of_rows(&notable)[..])
            .unwrap();
        analyzer.set_aggregates(aggregates);
        let analysis = analyzer.finish();

        assert_eq!(analysis.requests, 10_000);
        assert_eq!(analysis.status[&504], 40);
        assert_eq!(
            analysis.integration_timeouts, 40,
            "read from the raw events"
        );
        assert_eq!(analysis.bad_gateway, 2);
        assert_eq!(analysis.overall.p99_ms, Some(28_501));
        let reports = analysis
            .routes
            .iter()
            .find(|r| r.route == "POST /reports")
            .unwrap();
        assert_eq!((reports.requests, reports.timeouts), (1_000, 40));
        assert_eq!(
            analysis.routes[0].route, "POST /reports",
            "most timeouts first"
        );
        let orders = analysis
            .routes
            .iter()
            .find(|r| r.route == "GET /orders")
            .unwrap();
        assert_eq!((orders.requests, orders.bad_gateway), (9_000, 2));
        assert_eq!(analysis.timeline.bucket_ms, 60_000);
        assert_eq!(analysis.timeline.buckets[30].timeouts, 40);
        assert_eq!(analysis.timeline.buckets[30].requests, 240);
        assert!(!analysis.approximate.is_empty());
        assert!(analysis
            .approximate
            .iter()
            .any(|note| note.contains("pct()")));
        // the findings see the whole window: 40 of 10,000, not 40 of 42
        let timeout = analysis
            .findings
            .iter()
            .find(|f| f.id == ceiling_engine::FindingId::IntegrationTimeout)
            .unwrap();
        assert!(
            timeout.summary.contains("40 of 10000"),
            "{}",
            timeout.summary
        );
    }

    #[test]
    fn a_function_is_counted_by_insights_and_its_slow_invocations_read() {
        let queries = FunctionQueries::text(26_100);
        assert!(queries
            .stats()
            .starts_with("filter @type = \"REPORT\" | stats count(*)"));
        assert!(
            queries.notable().contains("@duration >= 26100"),
            "{}",
            queries.notable()
        );
        // Insights gives memory in bytes and durations in milliseconds, as floats
        let stats = [row(&[
            ("invocations", "50000"),
            ("cold", "1200.0"),
            ("measured", "50000"),
            ("p50", "812.4"),
            ("p95", "15000"),
            ("p99", "29500"),
            ("max", "31037.28"),
            ("memory", "1024000000"),
            ("memory_used", "512000000"),
        ])];
        let aggregate = queries.aggregate("/aws/lambda/reports-fn", &stats);
        assert_eq!(aggregate.function, "reports-fn");
        assert_eq!(
            (aggregate.invocations, aggregate.cold_starts),
            (50_000, 1_200)
        );
        assert_eq!(aggregate.duration.p50_ms, Some(812));
        assert_eq!(
            (aggregate.memory_mb, aggregate.max_memory_used_mb),
            (Some(1024), Some(512))
        );
        // the JSON format's platform.report records, memory in MB
        let json = FunctionQueries::json(26_100);
        assert!(json
            .stats()
            .contains("pct(record.metrics.durationMs, 99) as p99"));
        assert!(json
            .notable()
            .contains("record.metrics.durationMs >= 26100"));
        let in_mb = [row(&[
            ("invocations", "3"),
            ("memory_mb", "512"),
            ("memory_used_mb", "300"),
        ])];
        let in_mb = json.aggregate("/aws/lambda/orders-fn", &in_mb);
        assert_eq!(
            (in_mb.memory_mb, in_mb.max_memory_used_mb),
            (Some(512), Some(300))
        );

        // the raw lines: two invocations that ran past the gateway, one of them timed out
        let lines = [
            "REPORT RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 31037.28 ms\tBilled Duration: 31038 ms\tMemory Size: 1024 MB\tMax Memory Used: 512 MB",
            "REPORT RequestId: 4464d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 60000.00 ms\tBilled Duration: 60000 ms\tMemory Size: 1024 MB\tMax Memory Used: 300 MB\tStatus: timeout",
        ];
        let notable: Vec<Row> = lines
            .iter()
            .map(|line| {
                row(&[
                    ("@timestamp", "2026-03-06 09:30:00.000"),
                    ("@message", line),
                ])
            })
            .collect();
        let mut analyzer = Analyzer::new(Settings::default());
        analyzer
            .read("/aws/lambda/reports-fn", &json_of_rows(&notable)[..])
            .unwrap();
        analyzer.add_function_aggregate(aggregate);
        let analysis = analyzer.finish();
        let lambda = analysis.lambda.as_ref().unwrap();
        assert_eq!((lambda.invocations, lambda.cold_starts), (50_000, 1_200));
        assert_eq!(lambda.timeouts, 1, "read from the raw lines");
        let function = &lambda.functions[0];
        assert_eq!(function.duration.p99_ms, Some(29_500));
        assert_eq!(function.timeout_ms, Some(60_000));
        assert!(analysis
            .approximate
            .iter()
            .any(|n| n.starts_with("reports-fn:")));
        assert!(analysis
            .findings
            .iter()
            .any(|f| f.id == ceiling_engine::FindingId::LambdaTimeoutAboveGateway));
    }
}
