//! API Gateway access-log records.
//!
//! The stage's access-log format is a template each team writes for itself. This module reads
//! the JSON templates, whose values API Gateway writes quoted (`"status":"504"`) or, when the
//! template leaves them unquoted, as bare numbers (`"status":504`).

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;

/// What the analysis takes from one access-log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AccessRecord {
    pub(crate) status: u16,
}

/// Why a line is not an access record. The texts are what the user reads next to the line
/// numbers, so they say what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RejectReason {
    NotJson,
    MalformedJson,
    NoStatus,
    BadStatus,
}

impl RejectReason {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            RejectReason::NotJson => "not an API Gateway access-log record",
            RejectReason::MalformedJson => "malformed or truncated JSON record",
            RejectReason::NoStatus => "JSON record without a status field",
            RejectReason::BadStatus => "status field is not an HTTP status code",
        }
    }
}

/// The fields of a JSON access record that the analysis reads; every other field is skipped
/// without being copied.
#[derive(Deserialize)]
struct JsonAccess {
    #[serde(default)]
    status: Option<Status>,
}

/// An HTTP status written as a number or a string; `-` (no value) reads as absent.
enum Status {
    Code(u16),
    Missing,
    Invalid,
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatusVisitor;
        impl<'de> Visitor<'de> for StatusVisitor {
            type Value = Status;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an HTTP status code")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Status, E> {
                Ok(status_code(v))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Status, E> {
                Ok(Status::Invalid)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Status, E> {
                Ok(Status::Invalid)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Status, E> {
                let v = v.trim();
                if v.is_empty() || v == "-" {
                    return Ok(Status::Missing);
                }
                Ok(v.parse().map_or(Status::Invalid, status_code))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Status, E> {
                Ok(Status::Missing)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Status, E> {
                Ok(Status::Invalid)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Status, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Status::Invalid)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Status, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Status::Invalid)
            }
        }
        deserializer.deserialize_any(StatusVisitor)
    }
}

fn status_code(value: u64) -> Status {
    match u16::try_from(value) {
        Ok(code @ 100..=599) => Status::Code(code),
        _ => Status::Invalid,
    }
}

/// Parses one line as an access record.
pub(crate) fn parse_line(line: &[u8]) -> Result<AccessRecord, RejectReason> {
    let trimmed = line.trim_ascii();
    if !trimmed.starts_with(b"{") {
        return Err(RejectReason::NotJson);
    }
    let record: JsonAccess =
        serde_json::from_slice(trimmed).map_err(|_| RejectReason::MalformedJson)?;
    match record.status {
        Some(Status::Code(status)) => Ok(AccessRecord { status }),
        Some(Status::Invalid) => Err(RejectReason::BadStatus),
        None | Some(Status::Missing) => Err(RejectReason::NoStatus),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(line: &str) -> Result<u16, RejectReason> {
        parse_line(line.as_bytes()).map(|record| record.status)
    }

    #[test]
    fn status_quoted_unquoted_and_with_spaces() {
        assert_eq!(status_of(r#"{"requestId":"x","status":"504"}"#), Ok(504));
        assert_eq!(
            status_of(r#"{"status":200,"protocol":"HTTP/1.1"}"#),
            Ok(200)
        );
        assert_eq!(
            status_of(r#"  {"requestId": "y","status": "429"}  "#),
            Ok(429)
        );
    }

    #[test]
    fn other_fields_of_any_shape_are_skipped() {
        let line = r#"{"status":"502","integration":{"latency":12,"error":"x"},"tags":[1,"a"]}"#;
        assert_eq!(status_of(line), Ok(502));
    }

    #[test]
    fn lines_that_are_not_records_say_why() {
        assert_eq!(
            status_of("START RequestId: abc"),
            Err(RejectReason::NotJson)
        );
        assert_eq!(
            status_of(r#"{"status":"50"#),
            Err(RejectReason::MalformedJson)
        );
        assert_eq!(
            status_of(r#"{"requestId":"x"}"#),
            Err(RejectReason::NoStatus)
        );
        assert_eq!(status_of(r#"{"status":"-"}"#), Err(RejectReason::NoStatus));
        assert_eq!(
            status_of(r#"{"status":"OK"}"#),
            Err(RejectReason::BadStatus)
        );
        assert_eq!(status_of(r#"{"status":42}"#), Err(RejectReason::BadStatus));
    }
}
