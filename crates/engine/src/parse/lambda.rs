//! Lambda log lines: the platform's START/END/REPORT/INIT_* lines in the text format, the
//! `platform.*` records of the JSON format, and the timeout lines of older runtimes.

use serde::Deserialize;

use super::app::{self, AppLine};

/// What a Lambda log line says, as far as the analysis cares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LambdaLine<'a> {
    /// The end of an invocation, with its figures (text `REPORT` or JSON `platform.report`).
    Report(Report<'a>),
    /// `START RequestId: ...` or `platform.start`: an invocation began; its REPORT, if the
    /// capture holds it, says the rest.
    Start { request_id: &'a [u8] },
    /// `END`, `platform.runtimeDone`, ...: platform lines whose content the report repeats.
    Platform,
    /// `INIT_START Runtime Version: java:21.v22 ...`: a cold start, naming the runtime.
    InitStart { runtime: Option<&'a [u8]> },
    /// `INIT_REPORT ... Status: timeout|error`: an init phase that failed.
    InitFailed { status: &'a [u8] },
    /// `<time> <request id> Task timed out after 30.03 seconds` (runtimes before 2025), also
    /// as the `errorMessage` of an error the function's log prints, and `RequestId: <id>
    /// Error: Task timed out after 3.00 seconds`. The request id is the one the line names
    /// (empty when it names none).
    TaskTimedOut {
        request_id: &'a [u8],
        seconds: Option<f64>,
    },
    /// `XRAY TraceId: ...` on its own line, after the REPORT it belongs to.
    Xray { trace_id: &'a [u8] },
    /// What the function itself printed: its time, level, request id and message, when
    /// the line can be read as such (`None`: a record that names a level and a message but
    /// is cut short or not JSON after all).
    Application(Option<AppLine<'a>>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Report<'a> {
    pub(crate) request_id: &'a [u8],
    pub(crate) duration_ms: f64,
    pub(crate) memory_mb: Option<u32>,
    pub(crate) max_memory_mb: Option<u32>,
    pub(crate) init_ms: Option<f64>,
    pub(crate) restore_ms: Option<f64>,
    pub(crate) trace_id: Option<&'a [u8]>,
    pub(crate) timed_out: bool,
    pub(crate) error_type: Option<&'a [u8]>,
    /// A JSON-format `platform.report` record, not a text REPORT line.
    pub(crate) json: bool,
}

/// Whether a line that is no Lambda line still opens an event of its own, as a function's
/// log lines do: a `[LEVEL]` or a date first (looser than [`LambdaLine::Application`],
/// which also wants the request id). Lines after an event that start with neither (a stack
/// trace, the rest of a printed object or request body) belong to that event.
pub(crate) fn starts_application_line(line: &[u8]) -> bool {
    let level = line
        .strip_prefix(b"[")
        .and_then(|rest| {
            let end = memchr::memchr(b']', rest)?;
            Some(&rest[..end])
        })
        .is_some_and(|word| !word.is_empty() && word.iter().all(u8::is_ascii_uppercase));
    level || crate::time::iso_prefix_len(line).is_some()
}

/// Reads a line as a Lambda line, or `None` if it is none.
pub(crate) fn parse(line: &[u8]) -> Option<LambdaLine<'_>> {
    let line = line.trim_ascii();
    if line.starts_with(b"{") {
        return parse_json(line);
    }
    if let Some(rest) = line.strip_prefix(b"REPORT ") {
        return parse_report(rest).map(LambdaLine::Report);
    }
    if let Some(rest) = line.strip_prefix(b"START RequestId:") {
        let rest = rest.trim_ascii_start();
        let end = rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len());
        return Some(LambdaLine::Start {
            request_id: &rest[..end],
        });
    }
    if line.starts_with(b"END RequestId:")
        || line.starts_with(b"EXTENSION ")
        || line.starts_with(b"RESTORE_START")
        || line.starts_with(b"RESTORE_REPORT")
    {
        return Some(LambdaLine::Platform);
    }
    if let Some(rest) = line.strip_prefix(b"INIT_START ") {
        let mut runtime = None;
        for_each_pair(rest, |key, value| {
            if key == b"Runtime Version" {
                runtime = Some(value);
            }
        });
        return Some(LambdaLine::InitStart { runtime });
    }
    if let Some(rest) = line.strip_prefix(b"INIT_REPORT ") {
        let mut status = None;
        for_each_pair(rest, |key, value| {
            if key == b"Status" {
                status = Some(value);
            }
        });
        return Some(match status {
            Some(status) if status != b"success" => LambdaLine::InitFailed { status },
            _ => LambdaLine::Platform,
        });
    }
    if let Some(rest) = line.strip_prefix(b"XRAY TraceId: ") {
        let end = rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len());
        return Some(LambdaLine::Xray {
            trace_id: &rest[..end],
        });
    }
    if let Some(timeout) = task_timed_out(line) {
        return Some(timeout);
    }
    if let Some(line) = app::parse_text(line) {
        return Some(LambdaLine::Application(Some(line)));
    }
    if is_application_line(line) {
        return Some(LambdaLine::Application(loose_application_line(line)));
    }
    None
}

/// An application line whose tabs became spaces (a copy from a console): `[LEVEL] <time>
/// <id> <message>` or `<time> <id> [LEVEL] <message>`.
fn loose_application_line(line: &[u8]) -> Option<AppLine<'_>> {
    let mut rest = line;
    let mut level = None;
    if let Some(after) = line.strip_prefix(b"[") {
        let end = memchr::memchr(b']', after)?;
        level = std::str::from_utf8(&after[..end]).ok();
        rest = after[end + 1..].trim_ascii_start();
    }
    let end = crate::time::iso_prefix_len(rest)?;
    let time_ms = crate::time::parse_iso(&rest[..end]);
    rest = rest[end..].trim_ascii_start();
    let id_end = rest
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(rest.len());
    let request_id = &rest[..id_end];
    rest = rest[id_end..].trim_ascii_start();
    if level.is_none() {
        let word_end = rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len());
        let word = &rest[..word_end];
        if !word.is_empty() && word.iter().all(u8::is_ascii_uppercase) {
            level = std::str::from_utf8(word).ok();
            rest = rest[word_end..].trim_ascii_start();
        }
    }
    Some(AppLine {
        request_id,
        time_ms,
        level,
        message: String::from_utf8_lossy(rest.trim_ascii_end()),
    })
}

/// A line that says an invocation timed out: `<time> <id> Task timed out after N seconds`,
/// `RequestId: <id> Error: Task timed out after N seconds`, or either inside an error
/// record the function printed. The request id is the last word before the message that
/// looks like one, else the last word.
fn task_timed_out(line: &[u8]) -> Option<LambdaLine<'_>> {
    const SAID: &[u8] = b"Task timed out after ";
    let at = memchr::memmem::find(line, SAID)?;
    let before = &line[..at];
    let words = || {
        before
            .split(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b':' | b','))
            .filter(|word| !word.is_empty())
    };
    let request_id = words()
        .rfind(|word| looks_like_request_id(word))
        .or_else(|| {
            let last = before.trim_ascii_end();
            let start = last
                .iter()
                .rposition(u8::is_ascii_whitespace)
                .map_or(0, |p| p + 1);
            Some(&last[start..]).filter(|word| !word.contains(&b'{'))
        })
        .unwrap_or_default();
    let seconds = line[at + SAID.len()..]
        .split(|b| b.is_ascii_whitespace())
        .next()
        .and_then(number);
    Some(LambdaLine::TaskTimedOut {
        request_id,
        seconds,
    })
}

/// `2024-05-20T16:29:45.009Z\t<request id>\tINFO\t...` and Python's
/// `[INFO]\t2024-05-20T16:29:45.009Z\t<request id>\t...`.
fn is_application_line(line: &[u8]) -> bool {
    let line = match line.strip_prefix(b"[") {
        Some(rest) => match memchr::memchr(b']', rest) {
            Some(end) if end <= 8 => rest[end + 1..].trim_ascii_start(),
            _ => return false,
        },
        None => line,
    };
    crate::time::iso_prefix_len(line).is_some_and(|end| {
        let rest = line[end..].trim_ascii_start();
        let id_len = rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len());
        looks_like_request_id(&rest[..id_len])
    })
}

/// A Lambda request id: a UUID (AWS's documentation samples obfuscate some hex as `xmpl`).
pub(crate) fn looks_like_request_id(raw: &[u8]) -> bool {
    raw.len() == 36
        && raw.iter().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *b == b'-'
            } else {
                b.is_ascii_alphanumeric()
            }
        })
}

/// `RequestId: id\tDuration: 12.3 ms\tBilled Duration: 13 ms\t...`: fields separated by tabs
/// or spaces, in any order.
fn parse_report(rest: &[u8]) -> Option<Report<'_>> {
    let mut report = Report::default();
    let mut has_duration = false;
    for_each_pair(rest, |key, value| match key {
        b"RequestId" => report.request_id = value,
        b"Duration" => {
            if let Some(ms) = number(value) {
                report.duration_ms = ms;
                has_duration = true;
            }
        }
        b"Memory Size" => report.memory_mb = number(value).map(|mb| mb as u32),
        b"Max Memory Used" => report.max_memory_mb = number(value).map(|mb| mb as u32),
        b"Init Duration" => report.init_ms = number(value),
        b"Restore Duration" => report.restore_ms = number(value),
        b"XRAY TraceId" => report.trace_id = Some(value),
        b"Status" => report.timed_out = value == b"timeout",
        b"Error Type" => report.error_type = Some(value),
        _ => {}
    });
    (has_duration && !report.request_id.is_empty()).then_some(report)
}

/// Walks `Key: value` pairs where a key is one or more words ending in `:` and its value the
/// one word after it (a unit such as `ms` or `MB` may follow the value). Words are separated
/// by whitespace, or by `\t` and `\n` written out as text (as some forwarders escape them).
fn for_each_pair<'a>(text: &'a [u8], mut visit: impl FnMut(&'a [u8], &'a [u8])) {
    let mut at = 0;
    let mut key_start: Option<usize> = None;
    while let Some((start, end)) = next_word(text, &mut at) {
        let word = &text[start..end];
        let first = *key_start.get_or_insert(start);
        if word.ends_with(b":") {
            let key = &text[first..end - 1];
            key_start = None;
            if let Some((value_start, value_end)) = next_word(text, &mut at) {
                visit(collapse(key), &text[value_start..value_end]);
            }
        } else if matches!(word, b"ms" | b"MB") {
            key_start = None;
        }
    }
}

/// The next word from `*at`: its start and end.
fn next_word(text: &[u8], at: &mut usize) -> Option<(usize, usize)> {
    let separator_len = |i: usize| -> usize {
        match text[i] {
            b if b.is_ascii_whitespace() => 1,
            b'\\' if matches!(text.get(i + 1), Some(b't' | b'n')) => 2,
            _ => 0,
        }
    };
    let mut i = *at;
    while i < text.len() {
        match separator_len(i) {
            0 => break,
            n => i += n,
        }
    }
    if i >= text.len() {
        *at = i;
        return None;
    }
    let start = i;
    while i < text.len() && separator_len(i) == 0 {
        i += 1;
    }
    *at = i;
    Some((start, i))
}

/// Keys are compared as written with single spaces; logs that align with runs of spaces or
/// tabs between words of a key are rare, and such keys simply go unread.
fn collapse(key: &[u8]) -> &[u8] {
    key.trim_ascii()
}

fn number(raw: &[u8]) -> Option<f64> {
    std::str::from_utf8(raw).ok()?.parse().ok()
}

/// A JSON-format Lambda line: a `platform.*` record or an application record.
fn parse_json(line: &[u8]) -> Option<LambdaLine<'_>> {
    if memchr::memmem::find(line, b"\"platform.").is_none() {
        // {"errorMessage":"2020-11-10T05:46:57.874Z <id> Task timed out after 3.07 seconds"},
        // an error the function printed: not a document of events that holds such a line
        let error_record = memchr::memmem::find(line, b"\"errorMessage\"").is_some()
            && memchr::memmem::find(line, b"\"logEvents\"").is_none()
            && memchr::memmem::find(line, b"\"events\"").is_none();
        if let Some(timeout) = task_timed_out(line).filter(|_| error_record) {
            return Some(timeout);
        }
        // {"timestamp":"..","level":"INFO","requestId":"..","message":".."}
        let app = memchr::memmem::find(line, b"\"level\"").is_some()
            && (memchr::memmem::find(line, b"\"message\"").is_some()
                || memchr::memmem::find(line, b"\"msg\"").is_some());
        return app.then(|| LambdaLine::Application(app::parse_json(line)));
    }
    let record: JsonLine<'_> = serde_json::from_slice(line).ok()?;
    Some(match record.kind {
        "platform.report" => {
            let body = record.record?;
            let metrics = body.metrics.unwrap_or_default();
            LambdaLine::Report(Report {
                request_id: body.request_id?.as_bytes(),
                duration_ms: metrics.duration_ms?,
                memory_mb: metrics.memory_size_mb,
                max_memory_mb: metrics.max_memory_used_mb,
                init_ms: metrics.init_duration_ms,
                restore_ms: metrics.restore_duration_ms,
                trace_id: body
                    .tracing
                    .and_then(|t| t.value)
                    .map(|v| trace_root(v.as_bytes())),
                timed_out: body.status == Some("timeout"),
                error_type: body.error_type.map(str::as_bytes),
                json: true,
            })
        }
        "platform.start" => match record.record.and_then(|r| r.request_id) {
            Some(id) => LambdaLine::Start {
                request_id: id.as_bytes(),
            },
            None => LambdaLine::Platform,
        },
        "platform.initStart" => LambdaLine::InitStart {
            runtime: record
                .record
                .and_then(|r| r.runtime_version)
                .map(str::as_bytes),
        },
        "platform.initReport" => match record.record.and_then(|r| r.status) {
            Some(status) if status != "success" => LambdaLine::InitFailed {
                status: status.as_bytes(),
            },
            _ => LambdaLine::Platform,
        },
        _ => LambdaLine::Platform,
    })
}

/// `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=...;Sampled=1` to the trace id.
fn trace_root(value: &[u8]) -> &[u8] {
    let value = value.strip_prefix(b"Root=").unwrap_or(value);
    let end = memchr::memchr(b';', value).unwrap_or(value.len());
    &value[..end]
}

#[derive(Deserialize)]
struct JsonLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow)]
    record: Option<JsonRecord<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonRecord<'a> {
    #[serde(borrow)]
    request_id: Option<&'a str>,
    #[serde(borrow)]
    status: Option<&'a str>,
    #[serde(borrow)]
    error_type: Option<&'a str>,
    #[serde(borrow)]
    runtime_version: Option<&'a str>,
    metrics: Option<JsonMetrics>,
    #[serde(borrow)]
    tracing: Option<JsonTracing<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct JsonMetrics {
    duration_ms: Option<f64>,
    #[serde(rename = "memorySizeMB")]
    memory_size_mb: Option<u32>,
    #[serde(rename = "maxMemoryUsedMB")]
    max_memory_used_mb: Option<u32>,
    init_duration_ms: Option<f64>,
    restore_duration_ms: Option<f64>,
}

#[derive(Deserialize)]
struct JsonTracing<'a> {
    #[serde(borrow)]
    value: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(line: &str) -> Report<'_> {
        match parse(line.as_bytes()) {
            Some(LambdaLine::Report(report)) => report,
            other => panic!("not a report: {other:?}"),
        }
    }

    #[test]
    fn text_reports_with_tabs_spaces_and_extras() {
        let r = report("REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 128.83 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true\t");
        assert_eq!(r.request_id, b"c793869b-ee49-115b-a5b6-4fd21e8dedac");
        assert_eq!(r.duration_ms, 128.83);
        assert_eq!((r.memory_mb, r.max_memory_mb), (Some(128), Some(74)));
        assert_eq!(r.init_ms, Some(166.62));
        assert_eq!(
            r.trace_id,
            Some(&b"1-5d9d007f-0a8c7fd02xmpl480aed55ef0"[..])
        );
        assert!(!r.timed_out);

        let r = report("REPORT RequestId: 595492f6-0000-0000-0000-000000000000 Duration: 5000.00 ms Billed Duration: 5579 ms Memory Size: 3008 MB Max Memory Used: 113 MB Init Duration: 578.07 ms Status: timeout");
        assert!(r.timed_out);
        assert_eq!(r.duration_ms, 5000.0);
        assert_eq!(r.init_ms, Some(578.07));

        let r = report("REPORT RequestId: 4725a167-0000-0000-0000-000000000000\tDuration: 469.40 ms\tBilled Duration: 500 ms\tMemory Size: 1024 MB\tMax Memory Used: 1024 MB\tRestore Duration: 474.16 ms\tBilled Restore Duration: 75 ms\tStatus: error\tError Type: Runtime.OutOfMemory");
        assert_eq!(r.restore_ms, Some(474.16));
        assert_eq!(r.error_type, Some(&b"Runtime.OutOfMemory"[..]));

        let r = report(
            r"REPORT RequestId: db275f87-a934-471a-8980-b63bf4dc1beb\tDuration: 1.76 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 48 MB\tInit Duration: 120.96 ms\t\n",
        );
        assert_eq!(
            (r.duration_ms, r.init_ms, r.max_memory_mb),
            (1.76, Some(120.96), Some(48))
        );
    }

    #[test]
    fn json_platform_records() {
        let r = report(
            r#"{"time":"2026-07-09T06:05:50.581Z","type":"platform.report","record":{"requestId":"aec7a529-47f9-4090-be01-c9ed91bf83cf","metrics":{"durationMs":5000.0,"billedDurationMs":5000,"memorySizeMB":128,"maxMemoryUsedMB":94},"status":"timeout"}}"#,
        );
        assert!(r.timed_out && r.json);
        assert_eq!(r.memory_mb, Some(128));
        let r = report(
            r#"{"time":"x","type":"platform.report","record":{"status":"success","requestId":"79b5e81f-0000-0000-0000-000000000000","metrics":{"durationMs":1233.96,"billedDurationMs":1698,"memorySizeMB":256,"maxMemoryUsedMB":123,"initDurationMs":463.512}}}"#,
        );
        assert_eq!(r.init_ms, Some(463.512));
        assert_eq!(
            parse(br#"{"time":"x","type":"platform.start","record":{"requestId":"a","version":"$LATEST"}}"#),
            Some(LambdaLine::Start { request_id: b"a" })
        );
        assert!(matches!(
            parse(br#"{"timestamp":"x","level":"INFO","requestId":"a","message":"hi"}"#),
            Some(LambdaLine::Application(Some(AppLine {
                request_id: b"a",
                ..
            })))
        ));
        assert_eq!(
            parse(br#"{"time":"x","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"timeout","metrics":{"durationMs":9999.8}}}"#),
            Some(LambdaLine::InitFailed { status: b"timeout" })
        );
    }

    #[test]
    fn timeouts_init_failures_and_application_lines() {
        assert_eq!(
            parse(b"2018-08-26T02:13:13.948Z 3364d63a-b18c-5ed6-97c7-85c6bf57800e Task timed out after 30.02 seconds"),
            Some(LambdaLine::TaskTimedOut {
                request_id: b"3364d63a-b18c-5ed6-97c7-85c6bf57800e",
                seconds: Some(30.02)
            })
        );
        assert_eq!(
            parse(b"INIT_START Runtime Version: nodejs:18.v4\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:cfb8"),
            Some(LambdaLine::InitStart { runtime: Some(b"nodejs:18.v4") })
        );
        assert_eq!(
            parse(br#"{"time":"2024-10-18T19:38:39.661Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"python:3.12.v40"}}"#),
            Some(LambdaLine::InitStart { runtime: Some(b"python:3.12.v40") })
        );
        assert_eq!(
            parse(b"INIT_REPORT Init Duration: 9999.79 ms    Phase: init    Status: timeout"),
            Some(LambdaLine::InitFailed { status: b"timeout" })
        );
        assert!(matches!(
            parse(b"2019-06-07T19:11:20.562Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tINFO\tENVIRONMENT VARIABLES"),
            Some(LambdaLine::Application(Some(AppLine { level: Some("INFO"), .. })))
        ));
        assert!(matches!(
            parse(b"[ERROR]\t2024-01-01T00:00:00.000Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tboom"),
            Some(LambdaLine::Application(Some(AppLine {
                level: Some("ERROR"),
                ..
            })))
        ));
        match parse(b"[DEBUG] 2024-01-01T00:00:00.000Z c793869b-ee49-115b-a5b6-4fd21e8dedac tabs   as spaces") {
            Some(LambdaLine::Application(Some(line))) => {
                assert_eq!(line.request_id, b"c793869b-ee49-115b-a5b6-4fd21e8dedac");
                assert_eq!((line.level, &*line.message), (Some("DEBUG"), "tabs   as spaces"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse(b"START RequestId: abc Version: $LATEST"),
            Some(LambdaLine::Start { request_id: b"abc" })
        );
        assert_eq!(parse(b"END RequestId: abc"), Some(LambdaLine::Platform));
        assert_eq!(parse(b"hello"), None);
    }

    #[test]
    fn timeouts_said_in_error_messages_name_their_invocation() {
        let id = &b"160788cd-45ff-4583-809f-c7e31127cb95"[..];
        for line in [
            &br#"{"errorMessage": "2020-11-10T05:46:57.874Z 160788cd-45ff-4583-809f-c7e31127cb95 Task timed out after 3.07 seconds"}"#[..],
            br#"{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: 160788cd-45ff-4583-809f-c7e31127cb95 Error: Task timed out after 3.07 seconds"}"#,
            b"RequestId: 160788cd-45ff-4583-809f-c7e31127cb95 Error: Task timed out after 3.07 seconds",
        ] {
            assert_eq!(
                parse(line),
                Some(LambdaLine::TaskTimedOut {
                    request_id: id,
                    seconds: Some(3.07)
                }),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
