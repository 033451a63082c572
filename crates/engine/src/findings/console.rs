//! Links into the AWS console, in the console's own encodings: Logs Insights with a query,
//! its log groups and window filled in; a log group's events matching a request id; a
//! Lambda function's configuration; an X-Ray trace.
//!
//! The Logs Insights page keeps its state after `#logsV2:logs-insights$3FqueryDetail$3D`
//! (`?queryDetail=` with `%` written `$`) as a JSURL value: `~(key~value~...)` objects,
//! `~(~item~item)` arrays, `~'text` strings whose characters other than letters, digits,
//! `-`, `_` and `.` are written `*hh` (`**hhhh` past 0xff) and `$` as `!`. Console
//! pages under `logsV2:log-groups` take their path and query percent-encoded twice, `%`
//! again written `$`.

use crate::time::format_utc;

/// `2026-03-06T10:10:05.120Z`, as the console writes an absolute time.
fn format_iso_ms(ms: i64) -> String {
    let utc = format_utc(ms);
    let (date, time) = utc
        .trim_end_matches(" UTC")
        .split_once(' ')
        .unwrap_or_default();
    format!("{date}T{time}.{:03}Z", ms.rem_euclid(1000))
}

/// The console's address for `region`.
fn console(region: &str, service: &str) -> String {
    format!("https://{region}.console.aws.amazon.com/{service}/home?region={region}")
}

/// A string as JSURL writes it, without its leading `~'`.
fn jsurl_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => out.push(c),
            '$' => out.push('!'),
            c if (c as u32) < 0x100 => out.push_str(&format!("*{:02x}", c as u32)),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("**{unit:04x}"));
                }
            }
        }
    }
    out
}

/// Logs Insights with `query` over `groups` from `start_ms` to `end_ms` (UTC), ready to run.
pub(super) fn logs_insights(
    region: &str,
    query: &str,
    groups: &[&str],
    start_ms: i64,
    end_ms: i64,
) -> String {
    let sources: String = groups
        .iter()
        .map(|group| format!("~'{}", jsurl_text(group)))
        .collect();
    format!(
        "{}#logsV2:logs-insights$3FqueryDetail$3D~(end~'{}~start~'{}~timeType~'ABSOLUTE~tz~'UTC\
         ~editorString~'{}~source~({}))",
        console(region, "cloudwatch"),
        jsurl_text(&format_iso_ms(end_ms)),
        jsurl_text(&format_iso_ms(start_ms)),
        jsurl_text(query),
        if sources.is_empty() { "~" } else { &sources },
    )
}

/// Percent-encoding of everything but the unreserved characters (RFC 3986).
fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A value inside a `logsV2:log-groups` address: encoded twice, `%` written `$`.
fn twice(text: &str) -> String {
    percent(&percent(text)).replace('%', "$")
}

/// The events of `group` that hold `term` (a request id), from `start_ms` to `end_ms`.
pub(super) fn log_events(
    region: &str,
    group: &str,
    term: &str,
    start_ms: i64,
    end_ms: i64,
) -> String {
    format!(
        "{}#logsV2:log-groups/log-group/{}/log-events$3FfilterPattern$3D{}$26start$3D{start_ms}\
         $26end$3D{end_ms}",
        console(region, "cloudwatch"),
        twice(group),
        twice(&format!("\"{term}\"")),
    )
}

/// A Lambda function's configuration page.
pub(super) fn lambda_function(region: &str, function: &str) -> String {
    format!(
        "{}#/functions/{}?tab=configure",
        console(region, "lambda"),
        percent(function)
    )
}

/// The X-Ray trace `trace_id` (`1-5f84c7a1-...`), in the CloudWatch console.
pub(super) fn xray_trace(region: &str, trace_id: &str) -> String {
    // `Root=1-...;Sampled=1`, as a header gives it, holds the id after `Root=`
    let id = trace_id
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))
        .unwrap_or(trace_id);
    format!(
        "{}#xray:traces/{}",
        console(region, "cloudwatch"),
        percent(id)
    )
}

/// Whether `region` looks like an AWS region name (`eu-west-1`, `us-gov-west-1`): links are
/// made for nothing else.
pub(super) fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A JSURL value read back: objects as (key, value) pairs, arrays, strings, numbers.
    #[derive(Debug, PartialEq)]
    enum Jsurl {
        Text(String),
        Number(String),
        Array(Vec<Jsurl>),
        Object(Vec<(String, Jsurl)>),
    }

    impl Jsurl {
        fn get(&self, key: &str) -> &Jsurl {
            match self {
                Jsurl::Object(pairs) => &pairs.iter().find(|(k, _)| k == key).unwrap().1,
                _ => panic!("not an object"),
            }
        }
        fn text(&self) -> &str {
            match self {
                Jsurl::Text(text) => text,
                other => panic!("not a string: {other:?}"),
            }
        }
    }

    /// Reads JSURL as the library the console uses writes it.
    fn parse(text: &str) -> Jsurl {
        let chars: Vec<char> = text.chars().collect();
        let mut at = 0;
        let value = value(&chars, &mut at);
        assert_eq!(at, chars.len(), "trailing text in {text}");
        value
    }

    fn word(chars: &[char], at: &mut usize) -> String {
        let mut out = String::new();
        while *at < chars.len() && !matches!(chars[*at], '~' | ')' | '\'') {
            match chars[*at] {
                '*' if chars.get(*at + 1) == Some(&'*') => {
                    let hex: String = chars[*at + 2..*at + 6].iter().collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    *at += 6;
                }
                '*' => {
                    let hex: String = chars[*at + 1..*at + 3].iter().collect();
                    out.push(u8::from_str_radix(&hex, 16).unwrap() as char);
                    *at += 3;
                }
                '!' => {
                    out.push('$');
                    *at += 1;
                }
                c => {
                    out.push(c);
                    *at += 1;
                }
            }
        }
        out
    }

    fn value(chars: &[char], at: &mut usize) -> Jsurl {
        assert_eq!(chars[*at], '~', "a value starts with ~ at {at}");
        *at += 1;
        match chars[*at] {
            '\'' => {
                *at += 1;
                Jsurl::Text(word(chars, at))
            }
            '(' => {
                *at += 1;
                if chars[*at] == '~' {
                    // an array: `~(~a~b)`, or `~(~)` when empty
                    let mut items = Vec::new();
                    if chars[*at + 1] == ')' {
                        *at += 2;
                        return Jsurl::Array(items);
                    }
                    while chars[*at] != ')' {
                        items.push(value(chars, at));
                    }
                    *at += 1;
                    Jsurl::Array(items)
                } else {
                    let mut pairs = Vec::new();
                    loop {
                        let key = word(chars, at);
                        pairs.push((key, value(chars, at)));
                        match chars[*at] {
                            ')' => break,
                            '~' => *at += 1,
                            c => panic!("unexpected {c}"),
                        }
                    }
                    *at += 1;
                    Jsurl::Object(pairs)
                }
            }
            _ => Jsurl::Number(word(chars, at)),
        }
    }

    const DETAIL: &str = "#logsV2:logs-insights$3FqueryDetail$3D";

    /// A link copied from the console (a public project's test names it as its sample),
    /// read back: the encoding read here is the console's.
    #[test]
    fn the_consoles_own_link_reads_back() {
        let copied = "https://console.aws.amazon.com/cloudwatch/home?region=us-west-2#logsV2:logs-insights$3FqueryDetail$3D~(end~'2025-05-30T05*3a00*3a00.000Z~start~'2025-05-30T04*3a00*3a00.000Z~timeType~'ABSOLUTE~tz~'LOCAL~editorString~'fields*20*40timestamp*2c*20*40message*2c*20*40logStream*2c*20*40log*0a*7c*20sort*20*40timestamp*20desc*0a*7c*20limit*2010000~queryId~'66cfc23a-37bd-44b6-b0fd-dd12d4a40cdc~source~(~'arn*3aaws*3alogs*3aus-west-2*3a632745187633*3alog-group*3aprod-11155111-bonsai-prover-11155111)~lang~'CWLI)";
        let (_, state) = copied.split_once(DETAIL).unwrap();
        let detail = parse(state);
        assert_eq!(
            detail.get("editorString").text(),
            "fields @timestamp, @message, @logStream, @log\n| sort @timestamp desc\n| limit 10000"
        );
        assert_eq!(detail.get("start").text(), "2025-05-30T04:00:00.000Z");
        assert_eq!(detail.get("end").text(), "2025-05-30T05:00:00.000Z");
        assert_eq!(
            detail.get("source"),
            &Jsurl::Array(vec![Jsurl::Text(
                "arn:aws:logs:us-west-2:632745187633:log-group:prod-11155111-bonsai-prover-11155111"
                    .into()
            )])
        );
        // and what the console wrote is what this module writes for the same values
        let query = detail.get("editorString").text();
        assert!(copied.contains(&format!("editorString~'{}~", jsurl_text(query))));
        assert!(copied.contains(&format!(
            "start~'{}~",
            jsurl_text("2025-05-30T04:00:00.000Z")
        )));
    }

    #[test]
    fn a_link_reads_back_to_its_query_groups_and_window() {
        let query = "# timeouts per route\nfilter status = 504 or `error.type` = \"$x\"\n| stats count(*) as timeouts by httpMethod, resourcePath\n| sort timeouts desc";
        let groups = ["/aws/apigateway/orders-api/prod", "/aws/lambda/reports-fn"];
        let link = logs_insights(
            "eu-west-1",
            query,
            &groups,
            1_772_787_600_000,
            1_772_794_800_999,
        );
        assert!(link.starts_with(
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:"
        ));
        let (_, state) = link.split_once(DETAIL).unwrap();
        // only what a URL fragment may hold, unescaped
        assert!(state
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "~'()*!-_.".contains(c)));
        let detail = parse(state);
        assert_eq!(detail.get("editorString").text(), query);
        assert_eq!(detail.get("start").text(), "2026-03-06T09:00:00.000Z");
        assert_eq!(detail.get("end").text(), "2026-03-06T11:00:00.999Z");
        assert_eq!(detail.get("timeType").text(), "ABSOLUTE");
        assert_eq!(
            detail.get("source"),
            &Jsurl::Array(groups.iter().map(|g| Jsurl::Text((*g).into())).collect())
        );
        assert_eq!(jsurl_text("é€"), "*e9**20ac");
    }

    #[test]
    fn log_group_pages_are_encoded_twice() {
        // as the console writes a group's search for "ERROR" (alarm texts and tools quote it)
        assert_eq!(twice("/aws/lambda/f"), "$252Faws$252Flambda$252Ff");
        assert_eq!(twice("\"ERROR\""), "$2522ERROR$2522");
        let link = log_events("us-east-1", "/aws/lambda/f", "a-1", 1000, 2000);
        assert_eq!(
            link,
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1\
             #logsV2:log-groups/log-group/$252Faws$252Flambda$252Ff/log-events\
             $3FfilterPattern$3D$2522a-1$2522$26start$3D1000$26end$3D2000"
        );
        assert_eq!(
            lambda_function("us-east-1", "reports-fn"),
            "https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1\
             #/functions/reports-fn?tab=configure"
        );
        assert_eq!(
            xray_trace(
                "us-east-1",
                "Root=1-69aa9e36-a19a5b8592c9b046f446fe22;Sampled=1"
            ),
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1\
             #xray:traces/1-69aa9e36-a19a5b8592c9b046f446fe22"
        );
    }

    #[test]
    fn only_region_names_make_links() {
        for region in ["eu-west-1", "us-gov-west-1", "ap-southeast-4"] {
            assert!(is_region(region), "{region}");
        }
        for text in ["", "eu-west", "EU-WEST-1", "eu-west-1.evil.com/x", "eu--1"] {
            assert!(!is_region(text), "{text}");
        }
    }
}
