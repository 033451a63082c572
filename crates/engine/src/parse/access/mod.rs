//! API Gateway access-log records, in whatever shape the stage's format gives them.
//!
//! The format is a template each team writes. JSON (flat or nested) and XML records name
//! their values, so an alias table finds the fields; CLF, CSV and other text formats are read
//! against a template: the console's presets are recognised without configuration, anything
//! else needs the stage's format string (`--access-format`). `key: value, ...` records (a
//! framework default) name their values too.

mod fields;
pub(crate) mod json;
mod layout;
mod template;
mod xml;

use fields::{field_of_name, normalize_name, NameBuffer, FIELD_COUNT};
pub(crate) use fields::{field_of_variable, Field};
use template::{match_positional, Shape, PRESETS};
pub use template::{Template, TemplateError};

use crate::model::ApiKind;

/// What `integrationLatency` held. A timed-out request has no real value: API Gateway writes
/// `-`, some tools report `-1`, and some logs hold a figure near the ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Latency {
    Absent,
    Dash,
    MinusOne,
    Ms(u32),
}

/// One access-log record, borrowed from its line.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccessRecord<'a> {
    /// Per field; the last slot, [`UNREAD`], belongs to no field: the layout reader writes
    /// the values the analysis does not read there, so that a value costs no branch.
    values: [Option<json::Value<'a>>; FIELD_COUNT + 1],
    /// [`AccessRecord::status`] once read: the parser checks it, then the analysis reads it.
    status: std::cell::Cell<Option<Result<u16, AccessError>>>,
}

/// The slot of [`AccessRecord`] that holds no field.
const UNREAD: usize = FIELD_COUNT;

/// A set of fields: those a stage's access-log format has been seen to carry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FieldSet(u32);

impl FieldSet {
    /// Adds the fields `record` holds, whatever their value (`-` included).
    pub(crate) fn note(&mut self, record: &AccessRecord<'_>) {
        for (index, value) in record.values[..FIELD_COUNT].iter().enumerate() {
            if value.is_some() {
                self.0 |= 1 << index;
            }
        }
    }

    pub(crate) fn extend(&mut self, other: FieldSet) {
        self.0 |= other.0;
    }

    pub(crate) fn contains(self, field: Field) -> bool {
        self.0 & (1 << field as u32) != 0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// How a line failed to be an access record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum AccessError {
    MalformedJson,
    NoStatus,
    BadStatus,
}

impl<'a> AccessRecord<'a> {
    fn set(&mut self, field: Field, value: json::Value<'a>) {
        if field == Field::Status {
            self.status.set(None);
        }
        let slot = &mut self.values[field as usize];
        // The first spelling wins when a record holds two (say `status` and `statusCode`).
        if slot.is_none() {
            *slot = Some(value);
        }
    }

    fn set_raw(&mut self, field: Field, raw: &'a [u8]) {
        self.set(
            field,
            json::Value {
                raw: raw.trim_ascii(),
                escaped: false,
            },
        );
    }

    /// The value of a field, `None` where absent, empty or `-`.
    pub(crate) fn text(&self, field: Field) -> Option<json::Value<'a>> {
        let value = self.values[field as usize]?;
        (!is_blank(value.raw)).then_some(value)
    }

    pub(crate) fn bytes(&self, field: Field) -> Option<&'a [u8]> {
        self.text(field).map(|value| value.raw)
    }

    fn number(&self, field: Field) -> Option<u64> {
        parse_u64(self.bytes(field)?)
    }

    pub(crate) fn response_length(&self) -> Option<u64> {
        self.number(Field::ResponseLength)
    }

    pub(crate) fn has(&self, field: Field) -> bool {
        self.values[field as usize].is_some()
    }

    pub(crate) fn status(&self) -> Result<u16, AccessError> {
        if let Some(known) = self.status.get() {
            return known;
        }
        let status = match self.bytes(Field::Status).map(parse_u64) {
            None => Err(AccessError::NoStatus),
            Some(Some(code @ 100..=599)) => Ok(code as u16),
            Some(_) => Err(AccessError::BadStatus),
        };
        self.status.set(Some(status));
        status
    }

    pub(crate) fn response_latency_ms(&self) -> Option<u32> {
        self.number(Field::ResponseLatency)
            .and_then(|ms| u32::try_from(ms).ok())
    }

    pub(crate) fn integration_latency(&self) -> Latency {
        match self.values[Field::IntegrationLatency as usize].map(|v| v.raw.trim_ascii()) {
            None | Some(b"" | b"null") => Latency::Absent,
            Some(b"-") => Latency::Dash,
            Some(b"-1") => Latency::MinusOne,
            Some(raw) => parse_u64(raw)
                .and_then(|ms| u32::try_from(ms).ok())
                .map_or(Latency::Absent, Latency::Ms),
        }
    }

    pub(crate) fn integration_status(&self) -> Option<u16> {
        self.number(Field::IntegrationStatus)
            .and_then(|code| u16::try_from(code).ok())
    }

    /// The error message, from `error.message` or the quoted `error.messageString`.
    pub(crate) fn error_message(&self) -> Option<&'a [u8]> {
        self.bytes(Field::ErrorMessage).or_else(|| {
            let quoted = self.bytes(Field::ErrorMessageString)?;
            let inner = quoted
                .strip_prefix(b"\\\"")
                .and_then(|v| v.strip_suffix(b"\\\""))
                .or_else(|| {
                    quoted
                        .strip_prefix(b"\"")
                        .and_then(|v| v.strip_suffix(b"\""))
                })
                .unwrap_or(quoted);
            (!inner.is_empty() && inner != b"-").then_some(inner)
        })
    }

    /// The request time in milliseconds since the epoch, from `requestTimeEpoch` or the
    /// CLF-formatted `requestTime`.
    pub(crate) fn time_ms(&self) -> Option<i64> {
        if let Some(epoch) = self.number(Field::RequestTimeEpoch) {
            let epoch = i64::try_from(epoch).ok()?;
            // Seconds where a template or a tool wrote them so; milliseconds otherwise.
            return Some(if epoch < 100_000_000_000 {
                epoch * 1000
            } else {
                epoch
            });
        }
        crate::time::parse_clf(self.bytes(Field::RequestTime)?)
            .or_else(|| crate::time::parse_iso(self.bytes(Field::RequestTime)?))
    }

    /// Whether the record's time has milliseconds (`requestTimeEpoch`), not whole seconds.
    pub(crate) fn has_precise_time(&self) -> bool {
        self.number(Field::RequestTimeEpoch)
            .is_some_and(|epoch| epoch >= 100_000_000_000)
    }

    /// The status, `None` where the log has none (a format without it, a record cut before
    /// it); an error where the status is there but not an HTTP status.
    pub(crate) fn logged_status(&self) -> Result<Option<u16>, AccessError> {
        match self.status() {
            Ok(status) => Ok(Some(status)),
            Err(AccessError::NoStatus) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Whether the record is plainly an API Gateway request even without a status: it has
    /// the extended request id, which only API Gateway writes, or a request id with the
    /// integration's figures or a method and resource. A function's own JSON lines have a
    /// request id and often an error type, so neither is enough alone.
    pub(crate) fn identifies_request(&self) -> bool {
        let has = |field| self.has(field);
        has(Field::ExtendedRequestId)
            || has(Field::RequestId)
                && (has(Field::IntegrationLatency)
                    || has(Field::IntegrationStatus)
                    || has(Field::HttpMethod) && has(Field::ResourcePath))
    }

    /// The API kind this record's fields suggest.
    pub(crate) fn api_kind(&self) -> ApiKind {
        if self.has(Field::EventType) || self.has(Field::ConnectionId) {
            ApiKind::WebSocket
        } else if self.has(Field::RouteKey) && !self.has(Field::ResourcePath) {
            ApiKind::Http
        } else {
            ApiKind::Rest
        }
    }
}

/// Whether a value says "nothing": empty, `-`, `null` or `(none)`. Tested on the first
/// byte, which for nearly every value is none of theirs (a match on the value's length
/// instead is a jump the processor mispredicts from field to field).
fn is_blank(raw: &[u8]) -> bool {
    match raw {
        [] | [b'-'] => true,
        [b'n', ..] => raw == b"null",
        [b'(', ..] => raw == b"(none)",
        _ => false,
    }
}

fn parse_u64(raw: &[u8]) -> Option<u64> {
    let parse = |digits: &[u8]| {
        digits
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
    };
    // plain digits, as nearly every record has them, without the searches below
    if (1..=19).contains(&raw.len()) {
        if let Some(n) = plain_digits(raw) {
            return Some(n);
        }
    }
    let raw = raw.trim_ascii();
    // "29000.0" from tools that write numbers as floats
    let digits = match memchr::memchr(b'.', raw) {
        Some(dot) if raw[dot + 1..].iter().all(|b| *b == b'0') => &raw[..dot],
        _ => raw,
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(parse(digits))
}

/// The number `raw` (1 to 19 bytes) writes if it is digits alone: eight digits at a time
/// (checked and combined within a word, as in Lemire's "Fast numeric parsing"), then one by
/// one.
fn plain_digits(raw: &[u8]) -> Option<u64> {
    const ZEROS: u64 = u64::from_le_bytes([b'0'; 8]);
    let mut n = 0u64;
    let mut rest = raw;
    while let Some((eight, after)) = rest.split_first_chunk::<8>() {
        let x = u64::from_le_bytes(*eight);
        // every byte 0x30 to 0x39: its high nibble 3, and still 3 after adding 6
        let nibbles = (x & 0xF0F0_F0F0_F0F0_F0F0)
            | (((x.wrapping_add(0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0) >> 4);
        if nibbles != 0x3333_3333_3333_3333 {
            return None;
        }
        // pairs, then fours, then the eight digits (the first digit is the lowest byte)
        let x = x - ZEROS;
        let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
        let x = (x.wrapping_mul(100) + (x >> 16)) & 0x0000_FFFF_0000_FFFF;
        let x = (x.wrapping_mul(10_000) + (x >> 32)) & 0xFFFF_FFFF;
        n = n * 100_000_000 + x;
        rest = after;
    }
    for byte in rest {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + u64::from(digit);
    }
    Some(n)
}

/// The formats an access record can come in, for the inputs report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum AccessFormat {
    Json,
    /// JSON records cut off before their end, read up to the cut.
    JsonCutShort,
    /// Rows of a Logs Insights table copied as tab-separated text, by their column names.
    InsightsTable,
    Xml,
    KeyValue,
    /// A console preset, by its index in [`PRESETS`].
    Preset(usize),
    /// The format string the user gave.
    Given,
}

impl AccessFormat {
    pub(crate) fn describe(self, given: Option<&Template>) -> String {
        match self {
            AccessFormat::Json => "access log, JSON".to_owned(),
            AccessFormat::JsonCutShort => {
                "access log, JSON records cut short (read up to the cut)".to_owned()
            }
            AccessFormat::InsightsTable => {
                "access log, Logs Insights table (the columns it has)".to_owned()
            }
            AccessFormat::Xml => "access log, XML".to_owned(),
            AccessFormat::KeyValue => "access log, key: value".to_owned(),
            AccessFormat::Preset(index) => format!("access log, {} preset", PRESETS[index].0),
            AccessFormat::Given => format!(
                "access log, {}",
                given.map_or("format given", |t| t.label.as_str())
            ),
        }
    }
}

/// Reads access records: with the format string given, or by recognising the shape.
#[derive(Debug, Clone)]
pub(crate) struct AccessParser {
    given: Option<Template>,
    presets: Vec<Template>,
    keys: json::KeyCache,
    /// The keys of the first JSON record read with a status: how the stage names its fields,
    /// for the queries that reproduce the findings.
    sample_keys: Option<AccessKeys>,
    /// Whether to take them (not while [`access_keys`] reads its one message).
    takes_keys: bool,
}

impl AccessParser {
    pub(crate) fn new(given: Option<Template>) -> Self {
        AccessParser {
            given,
            presets: PRESETS
                .iter()
                .map(|(label, text)| Template::preset(label, text))
                .collect(),
            keys: json::KeyCache::default(),
            sample_keys: None,
            takes_keys: true,
        }
    }

    pub(crate) fn given(&self) -> Option<&Template> {
        self.given.as_ref()
    }

    /// The keys of the first JSON access record read, where one was.
    pub(crate) fn sample_keys(&self) -> Option<&AccessKeys> {
        self.sample_keys.as_ref()
    }

    /// Takes the keys another parser found (a thread's, reading a later piece) where this
    /// one found none.
    pub(crate) fn adopt_keys(&mut self, later: Option<AccessKeys>) {
        if self.sample_keys.is_none() {
            self.sample_keys = later;
        }
    }

    /// Reads `line` as an access record into `record` (which starts empty). `None` when the
    /// line does not have the shape of any access format (it may be another kind of log
    /// line). The record is filled in place: it is large, and this runs once per line.
    pub(crate) fn parse<'a>(
        &mut self,
        line: &'a [u8],
        record: &mut AccessRecord<'a>,
    ) -> Option<(AccessFormat, Result<(), AccessError>)> {
        let trimmed = line.trim_ascii();
        let named = match self.given.as_ref().map(|template| &template.shape) {
            Some(Shape::Positional(tokens)) => {
                if match_positional(tokens, trimmed, &mut |field, value| {
                    record.set_raw(field, value)
                }) {
                    return Some((AccessFormat::Given, finish(record, true)));
                }
                *record = AccessRecord::default();
                None
            }
            Some(Shape::Named(names)) => Some(names.as_slice()),
            None => None,
        };
        // A JSON or XML template's own names first, then the names every template uses.
        let resolve = |name: &[u8]| {
            named
                .and_then(|names| Template::field_named(names, name))
                .or_else(|| field_of_name(name))
        };
        let format = |shape| {
            if named.is_some() {
                AccessFormat::Given
            } else {
                shape
            }
        };
        if trimmed.starts_with(b"{") {
            let scan = if self.keys.read_by_layout(trimmed, record) {
                Ok(json::Scan::Complete)
            } else {
                *record = AccessRecord::default();
                json::scan_fields(trimmed, &mut self.keys, &resolve, &mut |field, value| {
                    record.set(field, value)
                })
            };
            if matches!(scan, Ok(json::Scan::Complete))
                && self.takes_keys
                && self.sample_keys.is_none()
                && record.status().is_ok()
            {
                self.sample_keys = access_keys(trimmed);
            }
            return Some(match scan {
                Ok(json::Scan::Complete) => (format(AccessFormat::Json), finish(record, true)),
                // a cut record is taken only for what it plainly is
                Ok(json::Scan::CutShort) => (
                    AccessFormat::JsonCutShort,
                    finish(record, record.identifies_request()),
                ),
                Err(json::Malformed) => (format(AccessFormat::Json), finish(record, false)),
            });
        }
        if trimmed.starts_with(b"<") {
            let found = xml::scan(trimmed, &mut |name, value| {
                if let Some(field) = resolve(name) {
                    record.set_raw(field, value);
                }
            });
            return found.then(|| (format(AccessFormat::Xml), finish(record, true)));
        }
        for (index, preset) in self.presets.iter().enumerate() {
            let Shape::Positional(tokens) = &preset.shape else {
                continue;
            };
            *record = AccessRecord::default();
            if match_positional(tokens, trimmed, &mut |field, value| {
                record.set_raw(field, value)
            }) && record.status().is_ok()
                && looks_like_time(record.bytes(Field::RequestTime))
            {
                return Some((AccessFormat::Preset(index), Ok(())));
            }
        }
        *record = AccessRecord::default();
        if read_key_values(trimmed, record) {
            return Some((AccessFormat::KeyValue, finish(record, true)));
        }
        None
    }
}

/// The names CloudWatch Logs Insights gives the fields of a JSON access record (nested keys
/// joined by dots), for queries that count and rank on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AccessKeys {
    pub status: Option<String>,
    pub response_latency: Option<String>,
    pub integration_latency: Option<String>,
    pub http_method: Option<String>,
    pub resource_path: Option<String>,
    pub route_key: Option<String>,
    pub error_response_type: Option<String>,
    pub error_message: Option<String>,
    pub integration_status: Option<String>,
    pub request_id: Option<String>,
    pub xray_trace_id: Option<String>,
    pub response_length: Option<String>,
    pub request_time_epoch: Option<String>,
}

/// The keys of `message` when it is a JSON access record with a status: a sample of a log
/// group tells whether the group is a stage's access log, and how to query it.
pub fn access_keys(message: &[u8]) -> Option<AccessKeys> {
    let message = message.trim_ascii();
    let mut record = AccessRecord::default();
    let mut parser = AccessParser::new(None);
    parser.takes_keys = false;
    match parser.parse(message, &mut record)? {
        (AccessFormat::Json, Ok(())) if record.status().is_ok() => {}
        _ => return None,
    }
    let mut keys = AccessKeys::default();
    json::scan_dotted(message, &mut |name, dotted, _| {
        let slot = match field_of_name(name) {
            Some(Field::Status) => &mut keys.status,
            Some(Field::ResponseLatency) => &mut keys.response_latency,
            Some(Field::IntegrationLatency) => &mut keys.integration_latency,
            Some(Field::HttpMethod) => &mut keys.http_method,
            Some(Field::ResourcePath) => &mut keys.resource_path,
            Some(Field::RouteKey) => &mut keys.route_key,
            Some(Field::ErrorResponseType) => &mut keys.error_response_type,
            Some(Field::ErrorMessage) => &mut keys.error_message,
            Some(Field::IntegrationStatus) => &mut keys.integration_status,
            Some(Field::RequestId) => &mut keys.request_id,
            Some(Field::XrayTraceId) => &mut keys.xray_trace_id,
            Some(Field::ResponseLength) => &mut keys.response_length,
            Some(Field::RequestTimeEpoch) => &mut keys.request_time_epoch,
            _ => return,
        };
        // the first spelling wins, as it does when records are read
        slot.get_or_insert(dotted);
    })
    .ok()?;
    Some(keys)
}

/// The gateway response types (API Gateway's `GatewayResponse` model): the values of
/// `$context.error.responseType`.
const GATEWAY_RESPONSE_TYPES: &[&[u8]] = &[
    b"ACCESS_DENIED",
    b"API_CONFIGURATION_ERROR",
    b"AUTHORIZER_CONFIGURATION_ERROR",
    b"AUTHORIZER_FAILURE",
    b"BAD_REQUEST_BODY",
    b"BAD_REQUEST_PARAMETERS",
    b"DEFAULT_4XX",
    b"DEFAULT_5XX",
    b"EXPIRED_TOKEN",
    b"INTEGRATION_FAILURE",
    b"INTEGRATION_TIMEOUT",
    b"INVALID_API_KEY",
    b"INVALID_SIGNATURE",
    b"MISSING_AUTHENTICATION_TOKEN",
    b"QUOTA_EXCEEDED",
    b"REQUEST_TOO_LARGE",
    b"RESOURCE_NOT_FOUND",
    b"THROTTLED",
    b"UNAUTHORIZED",
    b"UNSUPPORTED_MEDIA_TYPE",
    b"WAF_FILTERED",
];

/// Fills `record` from named cells (the columns of a Logs Insights table); false when no
/// cell is an access-log field. A query may rename a field (`error.responseType as
/// response`): a column of no known name whose value is a gateway response type is read as
/// `error.responseType`.
pub(crate) fn record_of_cells<'a>(
    cells: &[(&str, &'a [u8])],
    record: &mut AccessRecord<'a>,
) -> bool {
    let mut any = false;
    for &(name, value) in cells {
        let mut normalized = NameBuffer::new();
        let named = normalize_name(name.as_bytes(), &mut normalized)
            .then(|| field_of_name(normalized.as_bytes()))
            .flatten();
        let field = named.or_else(|| {
            GATEWAY_RESPONSE_TYPES
                .contains(&value)
                .then_some(Field::ErrorResponseType)
        });
        if let Some(field) = field {
            record.set_raw(field, value);
            any = true;
        }
    }
    any
}

/// Whether a record that reads is one: it has a status, or (a log whose format leaves the
/// status out, or a record cut before it) enough to be plainly an API Gateway request.
fn finish(record: &AccessRecord<'_>, well_formed: bool) -> Result<(), AccessError> {
    if !well_formed {
        return Err(AccessError::MalformedJson);
    }
    match record.status() {
        Err(AccessError::NoStatus) if record.identifies_request() => Ok(()),
        status => status.map(|_| ()),
    }
}

fn looks_like_time(raw: Option<&[u8]>) -> bool {
    raw.is_some_and(|raw| {
        crate::time::parse_clf(raw).is_some() || crate::time::parse_iso(raw).is_some()
    })
}

/// `requestId: abc, ip: 1.2.3.4, status: 504, ...`: pairs joined by `, `, each `name: value`.
/// A piece without a known name continues the previous value (a value holding `, `). True
/// when at least a status was found among two or more known names.
fn read_key_values<'a>(line: &'a [u8], record: &mut AccessRecord<'a>) -> bool {
    let mut known = 0;
    let mut pending: Option<(Field, usize, usize)> = None;
    let mut start = 0;
    let flush = |pending: &mut Option<(Field, usize, usize)>, record: &mut AccessRecord<'a>| {
        if let Some((field, from, to)) = pending.take() {
            record.set_raw(field, &line[from..to]);
        }
    };
    while start <= line.len() {
        let end = find_pair(&line[start..], b',').map_or(line.len(), |p| start + p);
        let piece = &line[start..end];
        let named = find_pair(piece, b':').and_then(|colon| {
            let name = &piece[..colon];
            let plain = !name.is_empty()
                && name
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !plain {
                return None;
            }
            let mut buffer = fields::NameBuffer::new();
            fields::normalize_name(name, &mut buffer);
            Some((field_of_name(buffer.as_bytes()), start + colon + 2))
        });
        match named {
            Some((field, value_start)) => {
                flush(&mut pending, record);
                if let Some(field) = field {
                    known += 1;
                    pending = Some((field, value_start, end));
                }
            }
            None => match &mut pending {
                Some((_, _, to)) if known > 0 => *to = end,
                _ if known == 0 => return false,
                _ => {}
            },
        }
        start = end + 2;
    }
    flush(&mut pending, record);
    known >= 2 && record.has(Field::Status)
}

/// Where `first` followed by a space is in `text`: a search for a byte (a `memmem` finder
/// for two bytes would be built anew for every piece of every line).
fn find_pair(text: &[u8], first: u8) -> Option<usize> {
    let mut from = 0;
    while let Some(offset) = memchr::memchr(first, &text[from..]) {
        let at = from + offset;
        if text.get(at + 1) == Some(&b' ') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The record `line` reads as, if any.
    fn read<'a>(
        parser: &mut AccessParser,
        line: &'a [u8],
    ) -> Option<(AccessFormat, Result<AccessRecord<'a>, AccessError>)> {
        let mut record = AccessRecord::default();
        let (format, outcome) = parser.parse(line, &mut record)?;
        Some((format, outcome.map(|()| record)))
    }

    fn parse(parser: &mut AccessParser, line: &str) -> (AccessFormat, Result<u16, AccessError>) {
        let (format, record) = read(parser, line.as_bytes()).expect("an access record");
        (format, record.map(|r| r.status().unwrap()))
    }

    #[test]
    fn shapes_recognised_without_a_format() {
        let mut parser = AccessParser::new(None);
        assert_eq!(
            parse(&mut parser, r#"{"status":"504"}"#),
            (AccessFormat::Json, Ok(504))
        );
        assert_eq!(
            parse(
                &mut parser,
                r#"<request id="a"><status>502</status></request>"#
            ),
            (AccessFormat::Xml, Ok(502))
        );
        assert_eq!(
            parse(
                &mut parser,
                r#"198.51.100.1 - - [06/Mar/2026:09:00:00 +0000] "GET / HTTP/1.1" 200 12 rid ext="#
            ),
            (AccessFormat::Preset(0), Ok(200))
        );
        assert_eq!(
            parse(
                &mut parser,
                r#"198.51.100.1,-,-,06/Mar/2026:09:00:00 +0000,GET,/x,HTTP/1.1,429,12,rid,ext="#
            ),
            (AccessFormat::Preset(2), Ok(429))
        );
        assert_eq!(
            parse(
                &mut parser,
                "requestId: a, ip: 1.2.3.4, resourcePath: /a, b, status: 201, responseLatency: 5"
            ),
            (AccessFormat::KeyValue, Ok(201))
        );
        assert!(read(&mut parser, b"START RequestId: abc Version: $LATEST").is_none());
        assert!(read(&mut parser, b"hello world").is_none());
    }

    #[test]
    fn key_values_may_hold_commas() {
        let mut parser = AccessParser::new(None);
        let (_, record) = read(
            &mut parser,
            b"requestId: a, resourcePath: /a, b, status: 201, responseLatency: 5",
        )
        .unwrap();
        let record = record.unwrap();
        assert_eq!(record.bytes(Field::ResourcePath), Some(&b"/a, b"[..]));
        assert_eq!(record.response_latency_ms(), Some(5));
    }

    #[test]
    fn numbers_read_as_their_digits_say() {
        let cases: &[&[u8]] = &[
            b"0",
            b"504",
            b"12345678",
            b"1772787600001",
            b"9999999999999999999",
            b"0000000000000000001",
            b"1234567/",
            b"1234567:",
            b"12345678:",
            b"/2345678",
            b"123456789012345a",
            b"12 45678",
            b"29000.0",
            b" 504 ",
            b"-1",
            b"",
        ];
        for raw in cases {
            let expected = std::str::from_utf8(raw)
                .ok()
                .map(str::trim)
                .map(|text| text.strip_suffix(".0").unwrap_or(text))
                .and_then(|text| text.parse::<u64>().ok())
                .filter(|_| !raw.starts_with(b"-"));
            assert_eq!(parse_u64(raw), expected, "{}", String::from_utf8_lossy(raw));
        }
        // every byte in every place of eight, against the one-by-one reading
        for place in 0..8 {
            for byte in 0..=255u8 {
                let mut raw = *b"31415926";
                raw[place] = byte;
                let one_by_one = raw
                    .iter()
                    .all(u8::is_ascii_digit)
                    .then(|| raw.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')));
                assert_eq!(plain_digits(&raw), one_by_one);
            }
        }
    }

    #[test]
    fn latency_forms_and_pre_quoted_messages() {
        let mut parser = AccessParser::new(None);
        let mut latency = |line: &str| {
            read(&mut parser, line.as_bytes())
                .unwrap()
                .1
                .unwrap()
                .integration_latency()
        };
        assert_eq!(
            latency(r#"{"status":504,"integrationLatency":"-"}"#),
            Latency::Dash
        );
        assert_eq!(
            latency(r#"{"status":504,"integrationLatency":-}"#),
            Latency::Dash
        );
        assert_eq!(
            latency(r#"{"status":504,"integrationLatency":"-1"}"#),
            Latency::MinusOne
        );
        assert_eq!(
            latency(r#"{"status":504,"integration":{"latency":28993}}"#),
            Latency::Ms(28993)
        );
        assert_eq!(latency(r#"{"status":504}"#), Latency::Absent);
        let (_, record) = read(
            &mut parser,
            br#"{"status":"504","error_messageString":""Endpoint request timed out""}"#,
        )
        .unwrap();
        assert_eq!(
            record.unwrap().error_message(),
            Some(&b"Endpoint request timed out"[..])
        );
    }

    #[test]
    fn a_given_format_reads_extended_clf() {
        let template = Template::parse("$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod $context.routeKey $context.protocol\" $context.status $context.responseLength $context.requestId $context.responseLatency $context.integrationLatency $context.error.message").unwrap();
        let mut parser = AccessParser::new(Some(template));
        let (format, record) = read(&mut parser, br#"203.0.113.5 - - [06/Mar/2026:10:00:00 +0000] "POST POST /api/process HTTP/1.1" 503 41 abc= 30011 -1 Service Unavailable"#)
            .unwrap();
        assert_eq!(format, AccessFormat::Given);
        let record = record.unwrap();
        assert_eq!(record.status(), Ok(503));
        assert_eq!(record.integration_latency(), Latency::MinusOne);
        assert_eq!(record.error_message(), Some(&b"Service Unavailable"[..]));
        assert_eq!(record.api_kind(), ApiKind::Http);
        assert_eq!(
            record.bytes(Field::RouteKey),
            Some(&b"POST /api/process"[..])
        );
        assert_eq!(record.time_ms(), Some(1_772_791_200_000));
    }

    #[test]
    fn status_problems_are_told_apart() {
        let mut parser = AccessParser::new(None);
        assert_eq!(
            parse(&mut parser, r#"{"status":"-"}"#).1,
            Err(AccessError::NoStatus)
        );
        assert_eq!(
            parse(&mut parser, r#"{"status":"OK"}"#).1,
            Err(AccessError::BadStatus)
        );
        assert_eq!(
            parse(&mut parser, r#"{"status":"5"#).1,
            Err(AccessError::MalformedJson)
        );
    }
}
