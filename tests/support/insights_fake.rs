//! A stand-in for CloudWatch Logs Insights on 127.0.0.1, which moto cannot be: it runs the
//! queries Ceiling sends over the log groups it is given, exactly (nearest-rank
//! percentiles): for an access log, statuses, overall, per route, per bin and the notable
//! requests; for a function's text-format log, REPORT statistics and the notable lines. It
//! answers the first GetQueryResults of each query with `Running`, and returns at most
//! 10,000 rows, as the service does. FilterLogEvents gives a group's first event, for the
//! sample Ceiling takes. The volume query (events and bytes in the window) is answered
//! times [`InsightsFake::volume_scale`]: a window too large to download, without the data.

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::http::{read_request, respond};

const MAX_ROWS: usize = 10_000;

/// A record of the access log, with what the queries look at.
struct Record {
    message: String,
    time_ms: i64,
    fields: BTreeMap<String, String>,
}

impl Record {
    fn number(&self, field: &str) -> Option<f64> {
        self.fields.get(field)?.parse().ok()
    }

    /// A figure of a REPORT line: `Duration: 31037.28 ms` for `Duration`.
    fn report(&self, name: &str) -> Option<f64> {
        let at = self.message.find(&format!("\t{name}: "))? + name.len() + 3;
        self.message[at..].split_whitespace().next()?.parse().ok()
    }

    fn is_report(&self) -> bool {
        self.message.starts_with("REPORT ")
    }
}

#[derive(Default)]
struct Queries {
    /// Per query id: the rows, and whether it was polled once already.
    answers: BTreeMap<String, (Vec<Value>, bool)>,
}

pub struct InsightsFake {
    port: u16,
    /// Queries for an access log's notable requests: more than one when a window was split.
    pub notable_queries: Arc<AtomicUsize>,
    /// Queries started, per log group.
    pub queries: Arc<Mutex<BTreeMap<String, usize>>>,
    /// The volume query's answer is this many times the window's events and bytes (1 at
    /// first).
    pub volume_scale: Arc<AtomicU64>,
}

impl InsightsFake {
    /// Serves `groups`, each with its events (time, message) in time order.
    pub fn start(groups: Vec<(String, Vec<(i64, String)>)>) -> InsightsFake {
        let records: BTreeMap<String, Vec<Record>> = groups
            .into_iter()
            .map(|(group, events)| {
                let records = events
                    .into_iter()
                    .map(|(time_ms, message)| {
                        let mut fields = BTreeMap::new();
                        if let Ok(value) = serde_json::from_str::<Value>(&message) {
                            flatten("", &value, &mut fields);
                        }
                        Record {
                            message,
                            time_ms,
                            fields,
                        }
                    })
                    .collect();
                (group, records)
            })
            .collect();
        let records = Arc::new(records);
        let queries: Arc<Mutex<Queries>> = Arc::default();
        let notable_queries = Arc::new(AtomicUsize::new(0));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let counter = notable_queries.clone();
        let volume_scale = Arc::new(AtomicU64::new(1));
        let scale = volume_scale.clone();
        let started: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
        let per_group = started.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (records, queries, counter, scale, per_group) = (
                    records.clone(),
                    queries.clone(),
                    counter.clone(),
                    scale.clone(),
                    per_group.clone(),
                );
                std::thread::spawn(move || {
                    serve(client, &records, &queries, &counter, &scale, &per_group)
                });
            }
        });
        InsightsFake {
            port,
            notable_queries,
            queries: started,
            volume_scale,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn serve(
    mut client: TcpStream,
    groups: &BTreeMap<String, Vec<Record>>,
    queries: &Mutex<Queries>,
    notable: &AtomicUsize,
    volume_scale: &AtomicU64,
    per_group: &Mutex<BTreeMap<String, usize>>,
) {
    while let Some((head, body)) = read_request(&mut client) {
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let answer = if head.contains("Logs_20140328.FilterLogEvents") {
            let first = &groups[request["logGroupName"].as_str().unwrap()][0];
            json!({ "events": [{ "eventId": "1", "timestamp": first.time_ms,
                "message": first.message, "logStreamName": "s" }] })
        } else if head.contains("Logs_20140328.StartQuery") {
            let query = request["queryString"].as_str().unwrap_or_default();
            let (start, end) = (
                request["startTime"].as_i64().unwrap() * 1000,
                request["endTime"].as_i64().unwrap() * 1000 + 999,
            );
            let group = request["logGroupNames"][0].as_str().unwrap();
            *per_group
                .lock()
                .unwrap()
                .entry(group.to_owned())
                .or_default() += 1;
            // the events of every group named, as the service queries them together
            let within: Vec<&Record> = request["logGroupNames"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|name| &groups[name.as_str().unwrap()])
                .filter(|r| (start..=end).contains(&r.time_ms))
                .collect();
            // an access log's notable requests: 5xx and the rest
            if query.starts_with("fields") && query.contains(" >= 500") {
                notable.fetch_add(1, Ordering::SeqCst);
            }
            let rows = if query.starts_with("stats count(*) as events, sum(strlen(@message))") {
                let scale = volume_scale.load(Ordering::SeqCst);
                let bytes: usize = within.iter().map(|r| r.message.len()).sum();
                vec![row(&[
                    ("events", (within.len() as u64 * scale).to_string()),
                    ("bytes", (bytes as u64 * scale).to_string()),
                ])]
            } else {
                run(query, &within)
            };
            let mut queries = queries.lock().unwrap();
            let id = format!("q{}", queries.answers.len());
            queries.answers.insert(id.clone(), (rows, false));
            json!({ "queryId": id })
        } else if head.contains("Logs_20140328.GetQueryResults") {
            let id = request["queryId"].as_str().unwrap_or_default();
            let mut queries = queries.lock().unwrap();
            let (rows, polled) = queries.answers.get_mut(id).unwrap();
            if *polled {
                json!({ "status": "Complete", "results": rows })
            } else {
                *polled = true;
                json!({ "status": "Running", "results": [] })
            }
        } else {
            respond(
                &mut client,
                "400 Bad Request",
                Some("UnknownOperationException"),
                "{}",
            );
            continue;
        };
        respond(&mut client, "200 OK", None, &answer.to_string());
    }
}

/// The fields of a JSON message as Insights discovers them: nested keys joined by dots.
fn flatten(prefix: &str, value: &Value, fields: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, value, fields);
            }
        }
        Value::String(text) => {
            fields.insert(prefix.to_owned(), text.clone());
        }
        other => {
            fields.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// `2026-03-06 09:00:00.000`, as Insights writes times.
fn insights_time(ms: i64) -> String {
    ceiling_engine::format_utc(ms).replace(" UTC", &format!(".{:03}", ms.rem_euclid(1000)))
}

/// A raw event as a query that lists them gives it.
fn raw_row(record: &Record) -> Value {
    row(&[
        ("@timestamp", insights_time(record.time_ms)),
        ("@message", record.message.clone()),
    ])
}

/// The number after `marker` in `query`: a threshold Ceiling wrote into it.
fn threshold(query: &str, marker: &str) -> Option<f64> {
    let at = query.find(marker)? + marker.len();
    query[at..].split_whitespace().next()?.parse().ok()
}

fn row(cells: &[(&str, String)]) -> Value {
    Value::Array(
        cells
            .iter()
            .map(|(field, value)| json!({ "field": field, "value": value }))
            .collect(),
    )
}

/// `count(x)`, nearest-rank `pct(x, 50/95/99)` and `max(x)` of `values`.
fn percentiles(mut values: Vec<f64>) -> Vec<(&'static str, String)> {
    values.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
        values
            .get(rank - 1)
            .map_or(String::new(), |v| v.to_string())
    };
    vec![
        ("measured", values.len().to_string()),
        ("p50", pct(50.0)),
        ("p95", pct(95.0)),
        ("p99", pct(99.0)),
        (
            "max",
            values.last().map_or(String::new(), |v| v.to_string()),
        ),
    ]
}

/// `count(*)` and the latency percentiles of `records`.
fn stats(records: &[&Record], latency: &str) -> Vec<(&'static str, String)> {
    let mut cells = vec![("requests", records.len().to_string())];
    cells.extend(percentiles(
        records.iter().filter_map(|r| r.number(latency)).collect(),
    ));
    cells
}

/// How a function's reports give their figures, in one log format or the other.
struct Report {
    duration: fn(&Record) -> Option<f64>,
    init: fn(&Record) -> Option<f64>,
    memory: fn(&Record) -> Option<f64>,
    memory_used: fn(&Record) -> Option<f64>,
    /// The names of the memory columns (bytes in the text format, MB in the JSON one).
    memory_columns: (&'static str, &'static str),
}

/// A function's report statistics: invocations, cold starts, durations and memory.
fn function_stats(reports: &[&Record], report: &Report) -> Vec<Value> {
    let max = |figure: fn(&Record) -> Option<f64>| {
        reports
            .iter()
            .filter_map(|r| figure(r))
            .fold(0.0, f64::max)
            .to_string()
    };
    let mut cells = vec![
        ("invocations", reports.len().to_string()),
        (
            "cold",
            reports
                .iter()
                .filter(|r| (report.init)(r).is_some())
                .count()
                .to_string(),
        ),
    ];
    cells.extend(percentiles(
        reports
            .iter()
            .filter_map(|r| (report.duration)(r))
            .collect(),
    ));
    cells.push((report.memory_columns.0, max(report.memory)));
    cells.push((report.memory_columns.1, max(report.memory_used)));
    vec![row(&cells)]
}

/// The text format: REPORT lines, memory in bytes as Insights gives it.
const TEXT_REPORT: Report = Report {
    duration: |r| r.report("Duration"),
    init: |r| r.report("Init Duration"),
    memory: |r| r.report("Memory Size").map(|mb| mb * 1e6),
    memory_used: |r| r.report("Max Memory Used").map(|mb| mb * 1e6),
    memory_columns: ("memory", "memory_used"),
};

/// The JSON format: platform.report records, memory in MB.
const JSON_REPORT: Report = Report {
    duration: |r| r.number("record.metrics.durationMs"),
    init: |r| r.number("record.metrics.initDurationMs"),
    memory: |r| r.number("record.metrics.memorySizeMB"),
    memory_used: |r| r.number("record.metrics.maxMemoryUsedMB"),
    memory_columns: ("memory_mb", "memory_used_mb"),
};

/// A JSON-format function's notable records: slow or unsuccessful invocations and inits.
fn json_function_notable(query: &str, records: &[&Record]) -> Vec<Value> {
    let threshold = threshold(query, "durationMs >= ").unwrap();
    let field = |r: &Record, name: &str| r.fields.get(name).cloned().unwrap_or_default();
    records
        .iter()
        .filter(|r| match field(r, "type").as_str() {
            "platform.report" => {
                r.number("record.metrics.durationMs")
                    .is_some_and(|d| d >= threshold)
                    || field(r, "record.status") != "success"
            }
            "platform.initReport" => field(r, "record.status") != "success",
            _ => false,
        })
        .take(MAX_ROWS)
        .map(|r| raw_row(r))
        .collect()
}

/// A function's notable lines: slow, timed-out or failed invocations and failed inits.
fn function_notable(query: &str, records: &[&Record]) -> Vec<Value> {
    let threshold = threshold(query, "@duration >= ").unwrap();
    records
        .iter()
        .filter(|r| {
            (r.is_report()
                && (r.report("Duration").is_some_and(|d| d >= threshold)
                    || r.message.contains("Status: timeout")
                    || r.message.contains("Status: error")))
                || r.message.contains("Task timed out")
                || r.message.starts_with("INIT_REPORT")
        })
        .take(MAX_ROWS)
        .map(|r| raw_row(r))
        .collect()
}

/// The start of each query Ceiling sends for its own reading (ceiling_cloud::insights).
const FETCH_QUERIES: &[&str] = &[
    "filter @type = \"REPORT\" | stats",
    "filter type = \"platform.report\" | stats",
    "fields @timestamp, @message | filter",
    "stats count(*) as requests",
];

/// Runs one of the queries Ceiling writes (see ceiling_cloud::insights); any other query
/// (the query behind a finding) through the interpreter of the query language.
fn run(query: &str, records: &[&Record]) -> Vec<Value> {
    if !FETCH_QUERIES.iter().any(|start| query.starts_with(start)) {
        let events: Vec<(i64, &str)> = records
            .iter()
            .map(|r| (r.time_ms, r.message.as_str()))
            .collect();
        return super::insights_query::run(query, &events)
            .into_iter()
            .map(|cells| {
                let cells: Vec<(&str, String)> =
                    cells.iter().map(|(f, v)| (f.as_str(), v.clone())).collect();
                row(&cells)
            })
            .collect();
    }
    if query.starts_with("filter @type = \"REPORT\" | stats") {
        let reports: Vec<&Record> = records.iter().copied().filter(|r| r.is_report()).collect();
        return function_stats(&reports, &TEXT_REPORT);
    }
    if query.starts_with("fields @timestamp, @message | filter (@type = \"REPORT\"") {
        return function_notable(query, records);
    }
    if query.starts_with("filter type = \"platform.report\" | stats") {
        let reports: Vec<&Record> = records
            .iter()
            .copied()
            .filter(|r| r.fields.get("type").map(String::as_str) == Some("platform.report"))
            .collect();
        return function_stats(&reports, &JSON_REPORT);
    }
    if query.starts_with("fields @timestamp, @message | filter (type = \"platform.report\"") {
        return json_function_notable(query, records);
    }
    if query.contains("filter type = \"platform.initStart\"") {
        return records
            .iter()
            .rev()
            .find(|r| r.fields.get("type").map(String::as_str) == Some("platform.initStart"))
            .map(|r| raw_row(r))
            .into_iter()
            .collect();
    }
    if query.contains("filter @message like /^INIT_START/") {
        // the latest one
        return records
            .iter()
            .rev()
            .find(|r| r.message.starts_with("INIT_START"))
            .map(|r| raw_row(r))
            .into_iter()
            .collect();
    }
    let group = |key: &dyn Fn(&Record) -> String| {
        let mut groups: BTreeMap<String, Vec<&Record>> = BTreeMap::new();
        for record in records {
            groups.entry(key(record)).or_default().push(record);
        }
        groups
    };
    if query.starts_with("stats count(*) as requests by status") {
        return group(&|r| r.fields["status"].clone())
            .into_iter()
            .map(|(status, rs)| row(&[("status", status), ("requests", rs.len().to_string())]))
            .collect();
    }
    if let Some(by) = query.split(" by ").nth(1) {
        if by.starts_with("bin(") {
            let expression = &by[..=by.find(')').unwrap()];
            let minutes: i64 = by[4..by.find('m').unwrap()].parse().unwrap();
            let width = minutes * 60_000;
            return group(&|r| format!("{:020}", r.time_ms.div_euclid(width) * width))
                .into_iter()
                .map(|(start, rs)| {
                    let mut cells = vec![(expression, insights_time(start.parse().unwrap()))];
                    cells.extend(stats(&rs, "responseLatency"));
                    row(&cells)
                })
                .collect();
        }
        return group(&|r| format!("{}\t{}", r.fields["httpMethod"], r.fields["resourcePath"]))
            .into_iter()
            .map(|(route, rs)| {
                let (method, resource) = route.split_once('\t').unwrap();
                let mut cells = vec![
                    ("httpMethod", method.to_owned()),
                    ("resourcePath", resource.to_owned()),
                ];
                cells.extend(stats(&rs, "responseLatency"));
                row(&cells)
            })
            .collect();
    }
    if query.starts_with("stats count(*) as requests") {
        return vec![row(&stats(records, "responseLatency"))];
    }
    // the notable requests: the thresholds are read back from the query
    let threshold = |field: &str| threshold(query, &format!("{field} >= "));
    let mut notable: Vec<&&Record> = records
        .iter()
        .filter(|r| {
            r.number("status").is_some_and(|s| s >= 500.0)
                || ["integrationLatency", "responseLatency"]
                    .iter()
                    .any(|f| matches!((r.number(f), threshold(f)), (Some(v), Some(t)) if v >= t))
                || r.fields.get("errorResponseType").map(String::as_str)
                    == Some("INTEGRATION_TIMEOUT")
        })
        .collect();
    notable.sort_by_key(|r| r.time_ms);
    notable
        .into_iter()
        .take(MAX_ROWS)
        .map(|r| raw_row(r))
        .collect()
}
