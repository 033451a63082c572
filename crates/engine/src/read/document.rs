//! JSON documents walked as a stream: `filter-log-events`/`get-log-events` output,
//! GetQueryResults and Logs Insights JSON exports, subscription payloads (plain,
//! base64+gzip or zlib, in Kinesis or Firehose records), each event handed to a sink as soon
//! as it is read. Nothing is built for the document as a whole, so a document of any size is
//! read in the memory of one event; the payloads nested in it are decoded as streams too,
//! within the input's [`Budget`].

use std::fmt;
use std::io::Read;

use base64::Engine as _;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize as _;
use serde_json::Value;

use super::blocks::Elements;
use super::budget::{Budget, DocumentError, Metered, Over, Stop};
use crate::time;

/// One event of a document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OwnedEvent {
    pub(crate) time_ms: Option<i64>,
    pub(crate) message: String,
    /// The log group the document says the event is from (a fetch of several groups saved
    /// in one file, a subscription payload, a Logs Insights row's `@log`).
    pub(crate) group: Option<String>,
}

/// A walk of one or more documents: the sink the events go to, and what was seen.
pub(crate) struct Walk<'s> {
    sink: &'s mut dyn FnMut(OwnedEvent) -> bool,
    budget: &'s mut Budget,
    /// CloudWatch's subscription CONTROL_MESSAGEs: checks that the subscription works.
    pub(crate) control_messages: u64,
    /// Events handed to the sink in this document.
    pub(crate) events: u64,
    /// Whether a key that holds events was seen (`events: []` is a document, if empty).
    pub(crate) containers: u64,
    stop: Option<Stop>,
    /// The first error of a nested payload, kept to be told rather than serde's message.
    nested: Option<DocumentError>,
    /// Where the arrays of a large value are read from directly, element by element (not
    /// within a nested payload, which serde reads from its own decoder).
    pub(crate) direct: Option<&'s dyn Elements>,
}

/// Deepest nesting walked; deeper values are skipped.
const MAX_DEPTH: usize = 8;

/// Cells of a Logs Insights row, or fields of an object kept to be told as one event,
/// beyond which the rest of the value is dropped.
const MAX_KEPT_BYTES: usize = 1 << 20;

/// GetQueryResults answers at most 10,000 rows; up to this many are held to be put in time
/// order (PowerShell's and the console's answers come newest first).
const ROWS_SORTED: usize = 10_000;

impl<'s> Walk<'s> {
    pub(crate) fn new(budget: &'s mut Budget, sink: &'s mut dyn FnMut(OwnedEvent) -> bool) -> Self {
        Walk {
            sink,
            budget,
            control_messages: 0,
            events: 0,
            containers: 0,
            stop: None,
            nested: None,
            direct: None,
        }
    }

    /// Walks one JSON value read from `de`. The error says why it stopped early.
    pub(crate) fn value<'de, D: Deserializer<'de, Error = serde_json::Error>>(
        &mut self,
        de: D,
    ) -> Result<(), DocumentError> {
        let result = Node {
            walk: self,
            depth: 0,
        }
        .deserialize(de);
        match (result, self.stop, self.nested.take()) {
            (Ok(()), _, _) => Ok(()),
            (Err(_), Some(Stop::Over(over)), _) => Err(DocumentError::Over(over)),
            (Err(_), Some(Stop::Sink), _) => Err(DocumentError::Stopped),
            (Err(_), None, Some(nested)) => Err(nested),
            (Err(error), None, None) => Err(DocumentError::Json(error)),
        }
    }

    fn emit<E: de::Error>(&mut self, event: OwnedEvent) -> Result<(), E> {
        if self.events >= self.budget.limits.events {
            return Err(self.stopped(Stop::Over(Over::Events)));
        }
        self.events += 1;
        if (self.sink)(event) {
            Ok(())
        } else {
            Err(self.stopped(Stop::Sink))
        }
    }

    fn stopped<E: de::Error>(&mut self, stop: Stop) -> E {
        self.stop.get_or_insert(stop);
        E::custom("stopped")
    }

    /// base64, then gzip or zlib (CloudWatch subscriptions use gzip; some tools re-encode
    /// with zlib), then JSON, walked as it decompresses.
    fn payload<E: de::Error>(&mut self, data: &str, depth: usize) -> Result<(), E> {
        if self.budget.payloads >= self.budget.limits.payloads {
            return Err(self.stopped(Stop::Over(Over::Payloads)));
        }
        self.budget.payloads += 1;
        let bytes = match base64::engine::general_purpose::STANDARD.decode(data.trim()) {
            Ok(bytes) => bytes,
            Err(error) => return Err(self.nested_error(DocumentError::Base64(error))),
        };
        let decoder: Box<dyn Read + '_> = if bytes.starts_with(&[0x1f, 0x8b]) {
            Box::new(flate2::read::MultiGzDecoder::new(&bytes[..]))
        } else if bytes.first() == Some(&0x78) {
            Box::new(flate2::read::ZlibDecoder::new(&bytes[..]))
        } else {
            Box::new(&bytes[..])
        };
        let left = self.budget.limits.decoded_bytes - self.budget.decoded_bytes;
        let mut metered = Metered {
            inner: decoder,
            read: 0,
            payload_limit: self.budget.limits.payload_bytes,
            input_left: left,
            over: None,
            failed: None,
        };
        let mut de = serde_json::Deserializer::from_reader(&mut metered);
        let direct = self.direct.take();
        let result = Node { walk: self, depth }.deserialize(&mut de);
        self.direct = direct;
        self.budget.decoded_bytes += metered.read;
        if let Some(over) = metered.over {
            return Err(self.stopped(Stop::Over(over)));
        }
        match result {
            Ok(()) => Ok(()),
            Err(_) if self.stop.is_some() || self.nested.is_some() => Err(E::custom("stopped")),
            Err(error) => Err(self.nested_error(match metered.failed {
                Some(io) => DocumentError::Decompress(io),
                None => DocumentError::PayloadJson(error),
            })),
        }
    }

    fn nested_error<E: de::Error>(&mut self, error: DocumentError) -> E {
        let message = E::custom(&error);
        self.nested.get_or_insert(error);
        message
    }
}

/// Any value of a document, walked for the events it holds.
struct Node<'w, 's> {
    walk: &'w mut Walk<'s>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        if self.depth > MAX_DEPTH {
            return IgnoredAny::deserialize(de).map(drop);
        }
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let depth = self.depth + 1;
        if let Some(direct) = self.walk.direct.take() {
            let walk = &mut *self.walk;
            let read = direct.elements(true, &mut |element| {
                element.read(Node {
                    walk: &mut *walk,
                    depth,
                })
            });
            self.walk.direct = Some(direct);
            return read.map_err(de::Error::custom);
        }
        while seq
            .next_element_seed(Node {
                walk: &mut *self.walk,
                depth,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let walk = self.walk;
        let depth = self.depth + 1;
        let mut group: Option<String> = None;
        let mut control = false;
        // the fields of a Logs Insights row or of a Lambda platform record
        let mut kept = serde_json::Map::new();
        let mut room = MAX_KEPT_BYTES;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "logEvents" | "events" | "Events" => {
                    walk.containers += 1;
                    if control {
                        walk.control_messages += 1;
                        map.next_value::<IgnoredAny>()?;
                    } else {
                        map.next_value_seed(Events {
                            walk: &mut *walk,
                            group: group.as_deref(),
                        })?;
                    }
                }
                "awslogs" => {
                    walk.containers += 1;
                    map.next_value_seed(AwsLogs {
                        walk: &mut *walk,
                        depth,
                    })?;
                }
                "Records" | "records" => {
                    walk.containers += 1;
                    map.next_value_seed(Records {
                        walk: &mut *walk,
                        depth,
                    })?;
                }
                "results" | "Results" => {
                    walk.containers += 1;
                    map.next_value_seed(Rows {
                        walk: &mut *walk,
                        buffered: Vec::new(),
                        streaming: false,
                    })?;
                }
                _ => {
                    let value: Value = map.next_value_seed(Kept { room: &mut room })?;
                    match key.as_str() {
                        "messageType" => control = value.as_str() == Some("CONTROL_MESSAGE"),
                        "logGroup" | "logGroupName" => {
                            group = value.as_str().map(str::to_owned);
                        }
                        _ => {}
                    }
                    kept.insert(key, value);
                }
            }
        }
        if control && walk.containers == 0 {
            walk.control_messages += 1;
        }
        if kept.contains_key("@message") {
            if let Some(event) = insights_row(&Value::Object(kept)) {
                walk.emit(event)?;
            }
        } else if kept
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("platform."))
        {
            // a Lambda JSON-format record, pretty-printed
            let time_ms = kept
                .get("time")
                .and_then(Value::as_str)
                .and_then(|t| time::parse_iso(t.as_bytes()));
            walk.emit(OwnedEvent {
                group: None,
                time_ms,
                message: Value::Object(kept).to_string(),
            })?;
        }
        Ok(())
    }
}

/// A value kept whole, within `room` bytes of strings: past it, the rest is dropped (null).
struct Kept<'r> {
    room: &'r mut usize,
}

impl<'de> DeserializeSeed<'de> for Kept<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Kept<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        if v.len() > *self.room {
            *self.room = 0;
            return Ok(Value::Null);
        }
        *self.room -= v.len();
        Ok(Value::String(v.to_owned()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Kept {
            room: &mut *self.room,
        })? {
            if *self.room > 0 {
                items.push(item);
            }
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Kept {
                room: &mut *self.room,
            })?;
            if *self.room > 0 {
                object.insert(key, value);
            }
        }
        Ok(Value::Object(object))
    }
}

/// `logEvents` or `events`: `[{"timestamp": .., "message": ..}, ...]`.
struct Events<'w, 's> {
    walk: &'w mut Walk<'s>,
    group: Option<&'w str>,
}

impl<'de> DeserializeSeed<'de> for Events<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Events<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of log events")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let group = self.group;
        if let Some(direct) = self.walk.direct.take() {
            let walk = &mut *self.walk;
            let read = direct.elements(false, &mut |element| {
                let event = element.read(std::marker::PhantomData::<Option<EventFields>>)?;
                emit_event(walk, group, event)
            });
            self.walk.direct = Some(direct);
            return read.map_err(de::Error::custom);
        }
        while let Some(event) = seq.next_element::<Option<EventFields>>()? {
            emit_event(self.walk, group, event)?;
        }
        Ok(())
    }
}

/// An element of `logEvents` or `events`, as an event if it has a message.
fn emit_event<E: de::Error>(
    walk: &mut Walk<'_>,
    group: Option<&str>,
    event: Option<EventFields>,
) -> Result<(), E> {
    let Some(EventFields {
        message: Some(message),
        timestamp,
    }) = event
    else {
        return Ok(());
    };
    walk.emit(OwnedEvent {
        group: group.map(str::to_owned),
        time_ms: timestamp.and_then(|t| epoch_ms(&t)),
        message,
    })
}

/// The fields of a log event the engine reads; the others are skipped unread.
#[derive(serde::Deserialize)]
struct EventFields {
    #[serde(alias = "Message")]
    message: Option<String>,
    #[serde(alias = "Timestamp")]
    timestamp: Option<Value>,
}

/// A time in epoch milliseconds, however it was written (PowerShell writes some as floats).
fn epoch_ms(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        .or_else(|| value.as_str().and_then(insights_time))
}

/// `awslogs`: `{"data": "<base64>"}`.
struct AwsLogs<'w, 's> {
    walk: &'w mut Walk<'s>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for AwsLogs<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        #[derive(serde::Deserialize)]
        struct Data {
            data: Option<String>,
        }
        if let Some(Data { data: Some(data) }) = Option::<Data>::deserialize(de)? {
            self.walk.payload(&data, self.depth)?;
        }
        Ok(())
    }
}

/// `Records` or `records`: Kinesis (`{"kinesis": {"data"}}`) or Firehose (`{"data"}`).
struct Records<'w, 's> {
    walk: &'w mut Walk<'s>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Records<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Records<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of records")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        #[derive(serde::Deserialize)]
        struct Data {
            data: Option<String>,
        }
        #[derive(serde::Deserialize)]
        struct Record {
            kinesis: Option<Data>,
            data: Option<String>,
        }
        while let Some(record) = seq.next_element::<Option<Record>>()? {
            let Some(record) = record else { continue };
            let data = record.kinesis.and_then(|k| k.data).or(record.data);
            if let Some(data) = data {
                self.walk.payload(&data, self.depth)?;
            }
        }
        Ok(())
    }
}

/// `results`: Logs Insights rows, put in time order where there are few enough to hold.
struct Rows<'w, 's> {
    walk: &'w mut Walk<'s>,
    buffered: Vec<OwnedEvent>,
    /// More rows than are held came: the rest are handed on as they come.
    streaming: bool,
}

impl<'de> DeserializeSeed<'de> for Rows<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rows")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        if let Some(direct) = self.walk.direct.take() {
            let read = direct.elements(false, &mut |element| {
                let mut room = MAX_KEPT_BYTES;
                let row = element.read(Kept { room: &mut room })?;
                self.row(&row)
            });
            self.walk.direct = Some(direct);
            read.map_err(de::Error::custom)?;
        } else {
            loop {
                let mut room = MAX_KEPT_BYTES;
                let Some(row) = seq.next_element_seed(Kept { room: &mut room })? else {
                    break;
                };
                self.row(&row)?;
            }
        }
        if self.buffered.iter().all(|event| event.time_ms.is_some()) {
            self.buffered.sort_by_key(|event| event.time_ms);
        }
        for event in std::mem::take(&mut self.buffered) {
            self.walk.emit(event)?;
        }
        Ok(())
    }
}

impl Rows<'_, '_> {
    /// One row: held to be sorted while there are few, else handed on in the order given.
    fn row<E: de::Error>(&mut self, row: &Value) -> Result<(), E> {
        let Some(event) = insights_row(row) else {
            return Ok(());
        };
        if self.streaming {
            return self.walk.emit(event);
        }
        self.buffered.push(event);
        if self.buffered.len() > ROWS_SORTED {
            // too many to hold: in the order given
            self.streaming = true;
            for event in std::mem::take(&mut self.buffered) {
                self.walk.emit(event)?;
            }
        }
        Ok(())
    }
}

/// A Logs Insights row: `[{"field":"@message","value":..}, ...]` from GetQueryResults, or
/// `{"@timestamp":..,"@message":..}` from a JSON export.
fn insights_row(row: &Value) -> Option<OwnedEvent> {
    let (mut message, mut time_ms, mut group) = (None, None, None);
    let mut take = |field: &str, value: &Value| match field {
        "@message" => message = value.as_str().map(str::to_owned),
        // `<account>:<group>`
        "@log" => {
            group = value.as_str().map(|log| {
                log.split_once(':')
                    .map_or(log, |(_, group)| group)
                    .to_owned()
            })
        }
        "@timestamp" => time_ms = epoch_ms(value),
        _ => {}
    };
    match row {
        Value::Array(cells) => {
            for cell in cells {
                let field = cell.get("field").or_else(|| cell.get("Field"));
                let value = cell.get("value").or_else(|| cell.get("Value"));
                if let (Some(field), Some(value)) = (field.and_then(Value::as_str), value) {
                    take(field, value);
                }
            }
        }
        Value::Object(object) => {
            for (field, value) in object {
                take(field, value);
            }
        }
        _ => {}
    }
    Some(OwnedEvent {
        time_ms,
        message: message?,
        group,
    })
}

/// Logs Insights writes `2026-11-26 10:00:00.000`; a local endpoint may write epoch ms.
pub(crate) fn insights_time(text: &str) -> Option<i64> {
    time::parse_iso(text.as_bytes()).or_else(|| text.trim().parse().ok())
}

/// What a document held, its events collected (for a document already in memory).
#[derive(Debug, Default)]
pub(crate) struct DocumentEvents {
    pub(crate) events: Vec<OwnedEvent>,
    pub(crate) control_messages: u64,
    /// Keys that hold events were seen: a document, not a record.
    pub(crate) containers: u64,
}

/// The events of a JSON document in memory, or of several concatenated ones, within
/// `budget` (the document's size bounds what is collected), with why they stopped, if they
/// did before its end.
pub(crate) fn document_events(
    bytes: &[u8],
    budget: &mut Budget,
) -> (DocumentEvents, Result<(), DocumentError>) {
    let mut events = Vec::new();
    let mut sink = |event| {
        events.push(event);
        true
    };
    let mut walk = Walk::new(budget, &mut sink);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut any = false;
    let outcome = loop {
        match de_end(&mut de) {
            Ok(true) if any => break Ok(()),
            Ok(true) => break Err(DocumentError::Empty),
            Ok(false) => {}
            Err(error) => break Err(DocumentError::Json(error)),
        }
        any = true;
        if let Err(error) = walk.value(&mut de) {
            break Err(error);
        }
    };
    let (control_messages, containers) = (walk.control_messages, walk.containers);
    let document = DocumentEvents {
        events,
        control_messages,
        containers,
    };
    (document, outcome)
}

/// Whether only whitespace is left in `de`.
fn de_end(
    de: &mut serde_json::Deserializer<serde_json::de::SliceRead<'_>>,
) -> serde_json::Result<bool> {
    match de.end() {
        Ok(()) => Ok(true),
        Err(error) if error.classify() == serde_json::error::Category::Syntax => Ok(false),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::budget::Limits;
    use std::io::Write;

    fn events_of(bytes: &[u8]) -> Result<DocumentEvents, DocumentError> {
        let (document, outcome) = document_events(bytes, &mut Budget::default());
        outcome.map(|()| document)
    }

    #[test]
    fn subscription_payloads_plain_gzip_and_in_firehose_records() {
        let payload = r#"{"messageType":"DATA_MESSAGE","logGroup":"/aws/lambda/f","logStream":"s","logEvents":[{"id":"1","timestamp":1000,"message":"START RequestId: a"},{"id":"2","timestamp":2000,"message":"END RequestId: a"}]}"#;
        let plain = events_of(payload.as_bytes()).unwrap();
        assert_eq!(plain.events.len(), 2);
        assert_eq!(plain.events[1].time_ms, Some(2000));

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(payload.as_bytes()).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        let wrapped = format!(r#"{{"awslogs":{{"data":"{b64}"}}}}"#);
        assert_eq!(events_of(wrapped.as_bytes()).unwrap().events, plain.events);
        let firehose = format!(
            r#"{{"records":[{{"recordId":"1","data":"{b64}"}},{{"recordId":"2","data":"{b64}"}}]}}"#
        );
        assert_eq!(events_of(firehose.as_bytes()).unwrap().events.len(), 4);

        let control = r#"{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#;
        let control = events_of(control.as_bytes()).unwrap();
        assert_eq!((control.events.len(), control.control_messages), (0, 1));
    }

    #[test]
    fn filter_log_events_insights_results_and_concatenated_documents() {
        let doc = r#"{"events":[{"logStreamName":"s","timestamp":5,"message":"REPORT RequestId: a\tDuration: 1.00 ms\n","eventId":"1"}],"searchedLogStreams":[]}
{"events":[],"nextForwardToken":"f/1"}"#;
        let events = events_of(doc.as_bytes()).unwrap().events;
        assert_eq!(events.len(), 1);
        let results = r#"{"results":[[{"field":"@timestamp","value":"2026-03-06 09:00:00.000"},{"field":"@message","value":"{\"status\":504}"},{"field":"@ptr","value":"x"}]],"status":"Complete"}"#;
        let events = events_of(results.as_bytes()).unwrap().events;
        assert_eq!(events[0].message, r#"{"status":504}"#);
        assert_eq!(events[0].time_ms, Some(1_772_787_600_000));
        assert!(events_of(b"{\"events\": [").is_err());
    }

    #[test]
    fn past_a_budget_the_walk_stops_keeping_what_it_read() {
        let payload = r#"{"logGroup":"/aws/lambda/f","logEvents":[{"timestamp":1,"message":"START RequestId: a"}]}"#;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(payload.as_bytes()).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        let firehose =
            format!(r#"{{"records":[{{"data":"{b64}"}},{{"data":"{b64}"}},{{"data":"{b64}"}}]}}"#);
        let small = |limits: Limits| {
            let mut budget = Budget::new(limits);
            let (document, outcome) = document_events(firehose.as_bytes(), &mut budget);
            (document.events.len(), outcome.err().map(|e| e.to_string()))
        };
        let payloads = Limits {
            payloads: 2,
            ..Limits::DEFAULT
        };
        let (kept, error) = small(payloads);
        assert_eq!(kept, 2);
        assert!(error
            .unwrap()
            .contains("nested payloads past the budget per input"));
        let bytes = Limits {
            decoded_bytes: payload.len() as u64 * 2,
            ..Limits::DEFAULT
        };
        assert_eq!(small(bytes).0, 2);
        let events = Limits {
            events: 1,
            ..Limits::DEFAULT
        };
        assert_eq!(small(events).0, 1);
        // a gzip bomb: one payload past its own budget
        let per_payload = Limits {
            payload_bytes: 10,
            ..Limits::DEFAULT
        };
        let (kept, error) = small(per_payload);
        assert_eq!(kept, 0);
        assert!(error.unwrap().contains("bytes per payload"));
    }
}
