//! Live Tail's event-stream messages as the service frames them, written by the SDK's own
//! frame writer.

use aws_sdk_cloudwatchlogs::primitives::event_stream::{Header, HeaderValue, Message};
use serde_json::Value;

/// One event-stream message as the service frames it, written by the SDK's frame writer.
pub fn frame(message_type: &'static str, kind: &'static str, payload: Value) -> Vec<u8> {
    let type_header = match message_type {
        "exception" => ":exception-type",
        _ => ":event-type",
    };
    let message = Message::new(payload.to_string().into_bytes())
        .add_header(Header::new(
            ":message-type",
            HeaderValue::String(message_type.into()),
        ))
        .add_header(Header::new(type_header, HeaderValue::String(kind.into())))
        .add_header(Header::new(
            ":content-type",
            HeaderValue::String("application/json".into()),
        ));
    let mut bytes = Vec::new();
    aws_smithy_eventstream::frame::write_message_to(&message, &mut bytes).unwrap();
    bytes
}
