//! Live Tail's event-stream messages as the service frames them, written by the SDK's own
//! frame writer, and the other answers both stand-ins give: an event as Live Tail reports
//! it, and the caller's identity.

use aws_sdk_cloudwatchlogs::primitives::event_stream::{Header, HeaderValue, Message};
use serde_json::{json, Value};

/// The account the stand-ins answer for.
pub const ACCOUNT: &str = "123456789012";

/// One event of a sessionUpdate's `sessionResults`: Live Tail names a group `ACCOUNT:NAME`.
pub fn live_tail_result(
    group: &str,
    stream: &str,
    timestamp_ms: i64,
    ingestion_ms: i64,
    message: &str,
) -> Value {
    json!({
        "logGroupIdentifier": format!("{ACCOUNT}:{group}"),
        "logStreamName": stream,
        "timestamp": timestamp_ms,
        "ingestionTime": ingestion_ms,
        "message": message,
    })
}

/// sts:GetCallerIdentity's answer (XML, as STS's query protocol gives it) for [`ACCOUNT`].
pub fn caller_identity_xml() -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <GetCallerIdentityResult><Arn>arn:aws:iam::{ACCOUNT}:user/watcher</Arn>\
         <UserId>AIDAEXAMPLE</UserId><Account>{ACCOUNT}</Account></GetCallerIdentityResult>\
         <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\
         </GetCallerIdentityResponse>"
    )
}

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
