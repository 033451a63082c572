//! What a function printed: its application lines in every runtime's format, read into a
//! time, a level, the request id and the message, and messages reduced to templates (the
//! words that vary between invocations replaced by `{}`), so that the steps of different
//! invocations compare.

use std::borrow::Cow;

use serde::Deserialize;

use super::lambda::looks_like_request_id;

/// An application line: what the function printed, and when.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppLine<'a> {
    /// The invocation's request id, empty when the line names none (Go's `log` package,
    /// Python's lines printed outside a handler).
    pub(crate) request_id: &'a [u8],
    /// The time the line itself shows (times without a zone read as UTC).
    pub(crate) time_ms: Option<i64>,
    pub(crate) level: Option<&'a str>,
    pub(crate) message: Cow<'a, str>,
}

/// Levels the runtimes write: Node.js, Python and Java in capitals, .NET's short forms.
const LEVELS: &[&str] = &[
    "TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL", "trce", "dbug",
    "info", "warn", "fail", "crit", "trace", "debug", "error", "fatal",
];

fn level_of(word: &[u8]) -> Option<&str> {
    let word = std::str::from_utf8(word).ok()?;
    LEVELS.contains(&word).then_some(word)
}

/// Reads an application line in the text formats:
///
/// - Node.js and .NET: `2026-03-06T09:00:00.150Z\t<request id>\tINFO\t<message>` (older
///   Node.js runtimes write no level);
/// - Python: `[INFO]\t2026-03-06T09:00:00.150Z\t<request id>\t<message>`, the id empty
///   outside a handler;
/// - Java with log4j2 (`aws-lambda-java-log4j2`): `2026-03-06 09:00:00.150 <request id>
///   INFO  Handler - <message>`, the id also written `<id>`;
/// - Go's `log` package: `2026/03/06 09:00:00 <message>`, with no request id.
pub(crate) fn parse_text(line: &[u8]) -> Option<AppLine<'_>> {
    if let Some(rest) = line.strip_prefix(b"[") {
        // Python: [LEVEL]\t<time>\t<id>\t<message>
        let end = memchr::memchr(b']', rest).filter(|end| *end <= 8)?;
        let level = level_of(&rest[..end])?;
        let rest = rest[end + 1..].strip_prefix(b"\t")?;
        let (stamp, rest) = split_tab(rest)?;
        let time_ms = crate::time::parse_iso(stamp)?;
        let (id, message) = split_tab(rest).unwrap_or((rest, b""));
        if !id.is_empty() && !looks_like_request_id(id) {
            return None;
        }
        return Some(AppLine {
            request_id: id,
            time_ms: Some(time_ms),
            level: Some(level),
            message: String::from_utf8_lossy(message.trim_ascii()),
        });
    }
    if let Some(end) = crate::time::iso_prefix_len(line) {
        // Node.js / .NET: <time>\t<id>\t[LEVEL\t]<message>
        let time_ms = crate::time::parse_iso(&line[..end])?;
        let rest = line[end..].strip_prefix(b"\t")?;
        let (id, rest) = split_tab(rest)?;
        if !looks_like_request_id(id) {
            return None;
        }
        let (level, message) = match split_tab(rest) {
            Some((word, message)) if level_of(word).is_some() => (level_of(word), message),
            _ => (None, rest),
        };
        return Some(AppLine {
            request_id: id,
            time_ms: Some(time_ms),
            level,
            message: String::from_utf8_lossy(message.trim_ascii()),
        });
    }
    java(line).or_else(|| go(line))
}

/// `2026-03-06 09:00:00.150 <id> INFO  Handler - message` (log4j2 with the request id).
fn java(line: &[u8]) -> Option<AppLine<'_>> {
    if line.len() < 20 || line[10] != b' ' {
        return None;
    }
    let stamp_end = line[11..].iter().position(|b| *b == b' ').map(|p| p + 11)?;
    let time_ms = crate::time::parse_iso(&line[..stamp_end])?;
    let mut words = line[stamp_end..]
        .split(|b| *b == b' ')
        .filter(|w| !w.is_empty());
    let id = words.next()?;
    let id = id
        .strip_prefix(b"<")
        .and_then(|id| id.strip_suffix(b">"))
        .unwrap_or(id);
    if !looks_like_request_id(id) {
        return None;
    }
    let level_word = words.next()?;
    let level = level_of(level_word)?;
    // the message follows the logger's name and ` - `, else the level
    let after_level = memchr::memmem::find(line, level_word).map(|p| p + level_word.len())?;
    let rest = &line[after_level..];
    let message = match memchr::memmem::find(rest, b" - ") {
        Some(p) if !rest[..p].trim_ascii().contains(&b' ') => &rest[p + 3..],
        _ => rest,
    };
    Some(AppLine {
        request_id: id,
        time_ms: Some(time_ms),
        level: Some(level),
        message: String::from_utf8_lossy(message.trim_ascii()),
    })
}

/// `2026/03/06 09:00:00 message` (Go's `log` package; whole seconds, no request id).
fn go(line: &[u8]) -> Option<AppLine<'_>> {
    let head = line.get(..19)?;
    let shape = head.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'/',
        10 => *b == b' ',
        13 | 16 => *b == b':',
        _ => b.is_ascii_digit(),
    });
    if !shape || line.get(19).is_some_and(|b| !matches!(b, b' ' | b'.')) {
        return None;
    }
    let mut stamp = [0u8; 19];
    stamp.copy_from_slice(head);
    stamp[4] = b'-';
    stamp[7] = b'-';
    let time_ms = crate::time::parse_iso(&stamp)?;
    let rest = &line[19..];
    let message = match rest.strip_prefix(b".") {
        // log.Lmicroseconds: .123456 after the seconds
        Some(fraction) => &fraction[fraction.iter().take_while(|b| b.is_ascii_digit()).count()..],
        None => rest,
    };
    Some(AppLine {
        request_id: b"",
        time_ms: Some(time_ms),
        level: None,
        message: String::from_utf8_lossy(message.trim_ascii()),
    })
}

fn split_tab(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let tab = memchr::memchr(b'\t', text)?;
    Some((&text[..tab], &text[tab + 1..]))
}

/// An application record of the JSON log format:
/// `{"timestamp":"..","level":"INFO","requestId":"..","message":".."}` (Powertools and
/// other loggers write `msg`, `time`, `request_id` or `function_request_id`).
pub(crate) fn parse_json(line: &[u8]) -> Option<AppLine<'_>> {
    let record: JsonApp<'_> = serde_json::from_slice(line).ok()?;
    let message = record.message.or(record.msg)?;
    let time_ms = record
        .timestamp
        .or(record.time)
        .and_then(|t| crate::time::parse_iso(t.as_bytes()));
    let level = record.level.and_then(|l| level_of(l.as_bytes()));
    let request_id = record
        .request_id
        .or(record.aws_request_id)
        .or(record.function_request_id)
        .map_or(&b""[..], str::as_bytes);
    Some(AppLine {
        request_id,
        time_ms,
        level,
        message,
    })
}

#[derive(Deserialize)]
struct JsonApp<'a> {
    #[serde(borrow, default)]
    timestamp: Option<&'a str>,
    #[serde(borrow, default)]
    time: Option<&'a str>,
    #[serde(borrow, default)]
    level: Option<&'a str>,
    #[serde(borrow, default, rename = "requestId")]
    request_id: Option<&'a str>,
    #[serde(borrow, default, rename = "AWSRequestId")]
    aws_request_id: Option<&'a str>,
    #[serde(borrow, default)]
    function_request_id: Option<&'a str>,
    #[serde(borrow, default, deserialize_with = "text")]
    message: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "text")]
    msg: Option<Cow<'a, str>>,
}

/// A message: a string as written, or any other JSON value (an object logged) as its text.
fn text<'de, D>(deserializer: D) -> Result<Option<Cow<'de, str>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text<'a> {
        #[serde(borrow)]
        Str(Cow<'a, str>),
        Other(serde_json::Value),
    }
    Ok(Some(match Text::deserialize(deserializer)? {
        Text::Str(text) => text,
        Text::Other(value) => Cow::Owned(value.to_string()),
    }))
}

/// The longest template kept, in characters: past it, messages are one step.
const TEMPLATE_CHARS: usize = 160;

/// A message as a template: quoted values, UUIDs and every word holding a digit (numbers,
/// ids, durations such as `443ms`, hex) become `{}`, so that "Query returned 48201 rows"
/// and "Query returned 3 rows" are one step. A word is a run of letters and digits, as
/// `gen.py` cuts them (`s3://bucket/4f2a.pdf` is `{}://bucket/{}.pdf`).
pub(crate) fn template(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(TEMPLATE_CHARS));
    let bytes = message.as_bytes();
    let mut i = 0;
    while i < bytes.len() && out.len() < TEMPLATE_CHARS {
        let b = bytes[i];
        if matches!(b, b'"' | b'\'') {
            let close = bytes[i + 1..].iter().position(|c| *c == b);
            // a quote in a word ("don't") is no quoted value
            let opens = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
            if let (Some(close), true) = (close, opens) {
                out.push_str("{}");
                i += close + 2;
                continue;
            }
        }
        if b.is_ascii_alphanumeric() {
            let run = bytes[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-')
                .count();
            if looks_like_request_id(&bytes[i..i + run.min(36)]) && run == 36 {
                out.push_str("{}");
                i += 36;
                continue;
            }
            let word = bytes[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            let text = &message[i..i + word];
            if text.bytes().any(|c| c.is_ascii_digit()) {
                out.push_str("{}");
            } else {
                out.push_str(text);
            }
            i += word;
            continue;
        }
        let len = message[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&message[i..i + len]);
        i += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "9445d011-9f85-4d05-ff1a-128126c41c95";

    fn text(line: &str) -> AppLine<'_> {
        parse_text(line.as_bytes()).unwrap_or_else(|| panic!("not read: {line}"))
    }

    #[test]
    fn every_runtime_format() {
        let node = text("2026-03-06T09:00:00.384Z\t9445d011-9f85-4d05-ff1a-128126c41c95\tINFO\tLoaded 100 products in 135 ms");
        assert_eq!(node.request_id, ID.as_bytes());
        assert_eq!(node.level, Some("INFO"));
        assert_eq!(node.message, "Loaded 100 products in 135 ms");
        assert_eq!(
            node.time_ms,
            crate::time::parse_iso(b"2026-03-06T09:00:00.384Z")
        );

        let python = text("[WARNING]\t2026-04-30T20:07:48.380Z\t47534fdc-8470-4cab-b5f0-5be8a641fb13\tVergent POST https://api.omniapay.com/cardtokens -> 404: ");
        assert_eq!(python.level, Some("WARNING"));
        assert_eq!(
            python.message,
            "Vergent POST https://api.omniapay.com/cardtokens -> 404:"
        );
        let outside =
            text("[INFO]\t2026-04-30T20:07:47.959Z\t\tFound credentials in environment variables.");
        assert_eq!(outside.request_id, b"");
        assert_eq!(
            outside.message,
            "Found credentials in environment variables."
        );

        let java = text("2026-03-06 09:00:07.783 9445d011-9f85-4d05-ff1a-128126c41c95 INFO  ReportHandler - Running report query for account 7813");
        assert_eq!(java.request_id, ID.as_bytes());
        assert_eq!(java.message, "Running report query for account 7813");
        assert_eq!(
            java.time_ms,
            crate::time::parse_iso(b"2026-03-06T09:00:07.783Z")
        );
        let java = text("2026-03-06 09:00:07 <9445d011-9f85-4d05-ff1a-128126c41c95> ERROR Handler:42 - boom - again");
        assert_eq!(
            (java.level, &*java.message),
            (Some("ERROR"), "boom - again")
        );

        let dotnet = text("2026-03-06T09:00:00.384Z\t9445d011-9f85-4d05-ff1a-128126c41c95\tfail\tCalling orders-db");
        assert_eq!(dotnet.level, Some("fail"));
        let old_node =
            text("2018-08-26T02:13:13.948Z\t9445d011-9f85-4d05-ff1a-128126c41c95\tno level here");
        assert_eq!(
            (old_node.level, &*old_node.message),
            (None, "no level here")
        );

        let go = text("2020/03/27 03:40:05 AWS_LAMBDA_FUNCTION_NAME=blank-go-function");
        assert_eq!(go.request_id, b"");
        assert_eq!(go.message, "AWS_LAMBDA_FUNCTION_NAME=blank-go-function");
        assert_eq!(go.time_ms, crate::time::parse_iso(b"2020-03-27T03:40:05Z"));

        assert_eq!(parse_text(b"hello world"), None);
        assert_eq!(parse_text(b"2026-03-06T09:00:00Z not-an-id INFO x"), None);
    }

    #[test]
    fn json_records() {
        let line = parse_json(br#"{"timestamp": "2026-03-06T09:00:00.150Z", "level": "INFO", "requestId": "258623e0-75d7-4ad1-b8ed-f435049d18a2", "message": "Processing order 592430 (5 items)"}"#).unwrap();
        assert_eq!(line.message, "Processing order 592430 (5 items)");
        assert_eq!(line.level, Some("INFO"));
        assert_eq!(line.request_id, b"258623e0-75d7-4ad1-b8ed-f435049d18a2");
        let escaped =
            parse_json(br#"{"level":"ERROR","msg":"said \"no\"","function_request_id":"r"}"#)
                .unwrap();
        assert_eq!(escaped.message, "said \"no\"");
        assert_eq!(escaped.time_ms, None);
        let object = parse_json(br#"{"level":"INFO","message":{"rows":3}}"#).unwrap();
        assert_eq!(object.message, r#"{"rows":3}"#);
    }

    #[test]
    fn templates_replace_what_varies() {
        assert_eq!(
            template("Running report query for account 7813"),
            "Running report query for account {}"
        );
        assert_eq!(
            template("inventory-service answered 200 in 443 ms"),
            "inventory-service answered {} in {} ms"
        );
        assert_eq!(
            template("Uploaded report to s3://reports-bucket/4821/9f3a.pdf"),
            "Uploaded report to {}://reports-bucket/{}/{}.pdf"
        );
        assert_eq!(
            template("Fetching 'orders' for abcdefab-cdef-abcd-efab-cdefabcdefab took 1.5s"),
            "Fetching {} for {} took {}.{}"
        );
        assert_eq!(template(r#"GET "https://x/y" don't"#), "GET {} don't");
    }
}
