//! From an input's bytes to log events, whatever wrapped them: raw lines, S3 export lines,
//! `aws logs tail` output, `filter-log-events`/`get-log-events` documents, subscription
//! payloads (plain, base64+gzip or zlib, in Kinesis or Firehose records), and Logs Insights
//! exports (CSV, JSON). Recognised by content, never by file name.

use crate::model::Wrapping;
use crate::time;

/// The columns of a Logs Insights result copied as tab-separated text. The console's copy
/// puts extra tabs in the header (and sometimes in a row), so a row's cells are matched to
/// the names by the non-empty ones when they are as many, by position when the row has
/// exactly the header's cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InsightsTable {
    /// Every cell of the header line, empty ones included.
    header: Vec<String>,
    names: Vec<String>,
}

/// A row of an [`InsightsTable`]: its time, and its cells under their column names.
pub(crate) struct InsightsRow<'t, 'a> {
    pub(crate) time_ms: Option<i64>,
    pub(crate) cells: Vec<(&'t str, &'a [u8])>,
}

impl InsightsTable {
    /// The table a header line opens: `@timestamp` first, then at least one more name, each
    /// a plain field name (`@message`, `status`, `error.message`).
    pub(crate) fn of_header(line: &[u8]) -> Option<InsightsTable> {
        if !line.starts_with(b"@timestamp\t") {
            return None;
        }
        let text = std::str::from_utf8(line).ok()?.trim_end();
        let header: Vec<String> = text
            .split('\t')
            .map(|cell| cell.trim().to_owned())
            .collect();
        let names: Vec<String> = header.iter().filter(|n| !n.is_empty()).cloned().collect();
        let plain = |name: &String| {
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '_' | '.' | '-'))
        };
        (names.len() >= 2 && names.iter().all(plain)).then_some(InsightsTable { header, names })
    }

    /// The row `line` is, if it is one: a time in the first cell, and cells that fit.
    pub(crate) fn row<'t, 'a>(&'t self, line: &'a [u8]) -> Option<InsightsRow<'t, 'a>> {
        let cells: Vec<&[u8]> = line
            .trim_ascii_end()
            .split(|b| *b == b'\t')
            .map(<[u8]>::trim_ascii)
            .collect();
        let time_ms = time::parse_iso(cells.first()?)?;
        let filled: Vec<&[u8]> = cells.iter().copied().filter(|c| !c.is_empty()).collect();
        let cells = if filled.len() == self.names.len() {
            self.names.iter().map(String::as_str).zip(filled).collect()
        } else if cells.len() == self.header.len() {
            self.header
                .iter()
                .zip(cells)
                .filter(|(name, _)| !name.is_empty())
                .map(|(name, cell)| (name.as_str(), cell))
                .collect()
        } else {
            return None;
        };
        Some(InsightsRow {
            time_ms: Some(time_ms),
            cells,
        })
    }
}

/// Whether a line opens the header the Logs Insights console writes above a result copied as
/// Markdown (region, log groups, times and the query, up to a `---` line).
pub(crate) fn opens_insights_preamble(line: &[u8]) -> bool {
    line.trim_ascii() == b"**CloudWatch Logs Insights**"
}

/// Whether a line ends that header.
pub(crate) fn closes_insights_preamble(line: &[u8]) -> bool {
    line.trim_ascii() == b"---"
}

/// Whether a line is markup around logs pasted into an issue or a chat, not a log line: a
/// code fence, an elision (`...`), or a `# heading` naming the log group below it.
pub(crate) fn is_paste_markup(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    line.starts_with(b"```")
        || line == b"..."
        || line == "\u{2026}".as_bytes()
        || line.starts_with(b"# ")
}

/// Whether the first line of an input opens a JSON document rather than a JSON record per
/// line: a lone `{` or `[` (pretty-printed output), or an array; not a text line that starts
/// with a bracket, as Python's `[INFO]` lines do.
pub(crate) fn opens_document(first_line: &[u8]) -> bool {
    let line = first_line.trim_ascii();
    line == b"{" || super::frames::opens_array(line)
}

/// Whether a one-line JSON object is a wrapper of events rather than a log record.
pub(crate) fn is_wrapper_line(line: &[u8]) -> bool {
    const KEYS: [&[u8]; 6] = [
        b"\"logEvents\"",
        b"\"awslogs\"",
        b"\"Records\"",
        b"\"records\"",
        b"\"events\"",
        b"\"results\"",
    ];
    line.trim_ascii_start().starts_with(b"{")
        && KEYS
            .iter()
            .any(|key| memchr::memmem::find(line, key).is_some())
}

/// The log line a JSON-lines envelope of a log tool carries, with its time: Docker's and
/// Fluent Bit's `log`, Vector's and Logstash's `message`, a Logs Insights row's `@message`.
/// The line is unescaped (its tabs and line breaks were `\t` and `\n`).
pub(crate) fn envelope(line: &[u8]) -> Option<(String, Option<i64>)> {
    let serde_json::Value::Object(mut object) = serde_json::from_slice(line).ok()? else {
        return None;
    };
    let (key, message) =
        ["@message", "message", "log"]
            .iter()
            .find_map(|key| match object.remove(*key) {
                Some(serde_json::Value::String(text)) if !text.trim().is_empty() => {
                    Some((*key, text))
                }
                _ => None,
            })?;
    let time = ["@timestamp", "timestamp", "time", "date"]
        .iter()
        .find_map(|key| match object.get(*key)? {
            serde_json::Value::String(text) => time::parse_iso(text.trim().as_bytes()),
            serde_json::Value::Number(n) => n.as_i64(),
            _ => None,
        });
    // `{"message": "Endpoint request timed out"}` alone is an answer's body, not an envelope
    if key == "message" && time.is_none() {
        return None;
    }
    Some((message.trim_end().to_owned(), time))
}

/// Whether a line is the header of a Logs Insights CSV export.
pub(crate) fn is_insights_csv_header(line: &[u8]) -> bool {
    memchr::memmem::find(line, b"@message").is_some()
        && memchr::memchr(b',', line).is_some()
        && !line.starts_with(b"{")
}

/// Splits a line-oriented event into its time and message, by the wrapping's prefix.
pub(crate) fn strip_prefix(line: &[u8]) -> (Wrapping, Option<i64>, &[u8]) {
    let line = line.trim_ascii_start();
    if line.first() == Some(&b'{') {
        // a JSON record or document: no wrapping puts a brace first
        return (Wrapping::Raw, None, line);
    }
    if let Some(message) = markdown_message(line) {
        return (Wrapping::MarkdownTable, None, message);
    }
    if let Some((time_ms, message)) = strip_sam_logs(line) {
        return (Wrapping::SamLogs, Some(time_ms), message);
    }
    let Some(end) = time::iso_prefix_len(line) else {
        if let Some(message) = strip_clock(line) {
            return (Wrapping::ClockTime, None, message);
        }
        if let Some(message) = strip_console_date(line) {
            return (Wrapping::ConsoleTime, None, message);
        }
        return (Wrapping::Raw, None, line);
    };
    if line.get(end) != Some(&b' ') {
        // `<time>\t<request id>\t...` is a Lambda application line, not a wrapper.
        return (Wrapping::Raw, None, line);
    }
    let stamp = &line[..end];
    let time_ms = time::parse_iso(stamp);
    let rest = &line[end + 1..];
    let has_offset = stamp.len() > 6
        && matches!(stamp[stamp.len() - 6], b'+' | b'-')
        && stamp[stamp.len() - 3] == b':';
    if has_offset {
        // aws logs tail: the stream name comes next
        let stream_end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
        let message = rest.get(stream_end + 1..).unwrap_or_default();
        return (Wrapping::TailDetailed, time_ms, message);
    }
    let short = !stamp.contains(&b'.') && !stamp.ends_with(b"Z");
    let wrapping = if short {
        Wrapping::TailShort
    } else {
        Wrapping::S3Export
    };
    (wrapping, time_ms, rest)
}

/// `2023/02/03/[$LATEST]8514... 2023-02-03T09:24:34.095000 INIT_START ...` to its time and
/// message. `sam logs` prints the stream, then the time in UTC as Python's `isoformat()`
/// writes it (microseconds, no zone), then the message.
fn strip_sam_logs(line: &[u8]) -> Option<(i64, &[u8])> {
    // a Lambda stream's name: `YYYY/MM/DD/[version]id`
    let shaped = line.len() > 12
        && line[..4].iter().all(u8::is_ascii_digit)
        && line[4] == b'/'
        && line[7] == b'/'
        && line[10] == b'/'
        && line[11] == b'[';
    if !shaped {
        return None;
    }
    let after_stream = memchr::memchr(b' ', line)? + 1;
    let rest = &line[after_stream..];
    let end = time::iso_prefix_len(rest)?;
    let stamp = &rest[..end];
    let zoned = stamp.ends_with(b"Z") || stamp[19..].iter().any(|b| matches!(b, b'+' | b'-'));
    if zoned || rest.get(end).is_some_and(|b| *b != b' ') {
        return None;
    }
    let time_ms = time::parse_iso(stamp)?;
    Some((time_ms, rest.get(end + 1..).unwrap_or_default()))
}

/// The time of a `sam logs` line whose message opens a JSON value alone (`... {`): `sam
/// logs` indents JSON messages over the lines that follow.
pub(crate) fn sam_logs_opening_brace(line: &[u8]) -> Option<i64> {
    let (time_ms, message) = strip_sam_logs(line.trim_ascii_start())?;
    (message.trim_ascii() == b"{").then_some(time_ms)
}

/// The message of a Markdown table row (`| 2024-06-21 ... | REPORT RequestId: ... |`): its
/// widest cell, which in a Logs Insights copy is `@message`. A separator row gives nothing.
fn markdown_message(line: &[u8]) -> Option<&[u8]> {
    let row = line.trim_ascii_end().strip_prefix(b"|")?;
    // a row pasted into an issue may be cut before its closing bar
    let row = match row.strip_suffix(b"|") {
        Some(whole) => whole,
        None if memchr::memchr(b'|', row).is_some() => row,
        None => return None,
    };
    let widest = row
        .split(|b| *b == b'|')
        .map(<[u8]>::trim_ascii)
        .max_by_key(|cell| cell.len())?;
    let separator = widest.iter().all(|b| matches!(b, b'-' | b':'));
    // the header row names the query's fields: `| @timestamp | @message | @log |`
    let header = row
        .split(|b| *b == b'|')
        .map(<[u8]>::trim_ascii)
        .all(|cell| cell.starts_with(b"@"));
    Some(if separator || header { &[][..] } else { widest })
}

/// `21:00:54  INIT_START ...` to `INIT_START ...`.
fn strip_clock(line: &[u8]) -> Option<&[u8]> {
    let clock = line.get(..8)?;
    let shaped = clock.iter().enumerate().all(|(i, b)| {
        if i == 2 || i == 5 {
            *b == b':'
        } else {
            b.is_ascii_digit()
        }
    });
    let rest = line.get(8..)?;
    (shaped && rest.first().is_some_and(u8::is_ascii_whitespace)).then(|| rest.trim_ascii_start())
}

/// `Thu Aug 31 01:07:25 UTC 2017 : Starting execution ...` to `Starting execution ...`.
fn strip_console_date(line: &[u8]) -> Option<&[u8]> {
    // the weekday first: it rules out nearly every line before any search
    let weekday = [
        &b"Mon "[..],
        b"Tue ",
        b"Wed ",
        b"Thu ",
        b"Fri ",
        b"Sat ",
        b"Sun ",
    ]
    .iter()
    .any(|day| line.starts_with(day));
    if !weekday {
        return None;
    }
    let separator = memchr::memmem::find(&line[..line.len().min(40)], b" : ")?;
    (separator >= 24).then(|| &line[separator + 3..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_console_line_keeps_its_date() {
        let (wrapping, _, message) = strip_prefix(b"Thu Aug 31 01:07:25 UTC 2017 : x");
        assert_eq!((wrapping, message), (Wrapping::ConsoleTime, &b"x"[..]));
        let (wrapping, _, _) = strip_prefix(b"Thursday : not a console date");
        assert_eq!(wrapping, Wrapping::Raw);
    }

    #[test]
    fn sam_logs_lines_give_their_utc_time_and_message() {
        // as aws-sam-cli's CWPrettyPrintFormatter writes them: stream, isoformat() time, message
        let (wrapping, time, message) = strip_prefix(
            b"2023/02/03/[$LATEST]851411a899b545eea2cffeba4cfbec81 2023-02-03T09:24:35.252000 START RequestId: 7f Version: $LATEST",
        );
        assert_eq!(
            (wrapping, time, message),
            (
                Wrapping::SamLogs,
                Some(1_675_416_275_252),
                &b"START RequestId: 7f Version: $LATEST"[..]
            )
        );
        // isoformat() leaves the fraction out when it is zero
        let (wrapping, time, _) =
            strip_prefix(b"2023/02/03/[7]ab 2023-02-03T09:24:35 END RequestId: 7f");
        assert_eq!(
            (wrapping, time),
            (Wrapping::SamLogs, Some(1_675_416_275_000))
        );
        assert_eq!(
            sam_logs_opening_brace(b"2023/02/03/[$LATEST]ab 2023-02-03T09:24:36.531000 {"),
            Some(1_675_416_276_531)
        );
        // a path that merely looks like a stream, or a zoned time, is not sam's
        for line in [
            &b"2023/02/03/[x]ab not-a-time START RequestId: 7f"[..],
            b"2023/02/03/[x]ab 2023-02-03T09:24:35Z START RequestId: 7f",
            b"2023/02/03/report.txt 2023-02-03T09:24:35 x",
        ] {
            assert_ne!(
                strip_prefix(line).0,
                Wrapping::SamLogs,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn prefixes_of_exports_and_tail() {
        let (wrapping, time, message) =
            strip_prefix(b"2026-03-06T09:00:00.531Z START RequestId: a");
        assert_eq!(
            (wrapping, time, message),
            (
                Wrapping::S3Export,
                Some(1_772_787_600_531),
                &b"START RequestId: a"[..]
            )
        );
        let (wrapping, _, message) = strip_prefix(
            b"2026-03-06T09:00:00.531000+00:00 2026/03/06/[$LATEST]abc END RequestId: a",
        );
        assert_eq!(
            (wrapping, message),
            (Wrapping::TailDetailed, &b"END RequestId: a"[..])
        );
        let (wrapping, _, message) = strip_prefix(b"2026-03-06T09:00:00 {\"status\":200}");
        assert_eq!(
            (wrapping, message),
            (Wrapping::TailShort, &b"{\"status\":200}"[..])
        );
        let (wrapping, _, _) = strip_prefix(
            b"2026-03-06T09:00:00.003Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tINFO\thi",
        );
        assert_eq!(wrapping, Wrapping::Raw);
        let (wrapping, _, message) = strip_prefix(b"  2016-10-01T10:47:56.901Z START RequestId: a");
        assert_eq!(
            (wrapping, message),
            (Wrapping::S3Export, &b"START RequestId: a"[..])
        );
        let (wrapping, _, message) =
            strip_prefix(b"21:00:54  INIT_START Runtime Version: python:3.12");
        assert_eq!(
            (wrapping, message),
            (
                Wrapping::ClockTime,
                &b"INIT_START Runtime Version: python:3.12"[..]
            )
        );
        let (wrapping, _, message) =
            strip_prefix(b"Thu Aug 31 01:07:25 UTC 2017 : HTTP Method: POST");
        assert_eq!(
            (wrapping, message),
            (Wrapping::ConsoleTime, &b"HTTP Method: POST"[..])
        );
    }

    #[test]
    fn a_tab_separated_insights_copy_maps_cells_to_names() {
        let table = InsightsTable::of_header(b"@timestamp\t\tsourceIP\tpath\t\tresponse").unwrap();
        let names = |line: &[u8]| {
            table.row(line).map(|row| {
                row.cells
                    .iter()
                    .map(|(name, cell)| format!("{name}={}", String::from_utf8_lossy(cell)))
                    .collect::<Vec<_>>()
            })
        };
        let want = [
            "@timestamp=2024-06-04 18:49:48.942",
            "sourceIP=192.0.2.1",
            "path=/a",
            "response=X",
        ];
        // cells as many as the names, whatever the tabs between them
        assert_eq!(
            names(b"2024-06-04 18:49:48.942\t192.0.2.1\t/a\tX").unwrap(),
            want
        );
        assert_eq!(
            names(b"2024-06-04 18:49:48.942\t192.0.2.1\t/a\t\tX").unwrap(),
            want
        );
        // an empty value, placed by the header's own cells
        assert_eq!(
            names(b"2024-06-04 18:49:48.942\t\t\t/a\t\tX").unwrap(),
            [
                "@timestamp=2024-06-04 18:49:48.942",
                "sourceIP=",
                "path=/a",
                "response=X"
            ]
        );
        assert_eq!(names(b"..."), None);
        assert_eq!(names(b"2024-06-04 18:49:48.942\tonly two"), None);
        assert!(InsightsTable::of_header(b"@timestamp\tnot a name!").is_none());
        assert!(InsightsTable::of_header(b"time\tstatus").is_none());
    }
}
