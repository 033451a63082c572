//! A gen.py incident as log events, to put into moto a little at a time while a watch runs:
//! each event with its own time, in the order of those times, as a live system writes them.

use std::path::Path;

use super::moto::MotoServer;

/// One log event of the incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub group: String,
    pub timestamp_ms: i64,
    pub message: String,
}

/// The events of gen.py's S3-export files (`<ISO time> <message>`, a line without a time
/// continuing the event before it, as `MotoServer::put_file` reads them), each file the
/// group named beside it, all in time order.
pub fn load(dir: &Path, groups: &[(&str, &str)]) -> Vec<Event> {
    let mut events = Vec::new();
    for (group, file) in groups {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let mut of_file: Vec<Event> = Vec::new();
        for line in text.lines() {
            let (time, message) = line.split_once(' ').unwrap_or((line, ""));
            match ceiling_engine::parse_iso_ms(time) {
                Some(ms) => of_file.push(Event {
                    group: (*group).to_owned(),
                    timestamp_ms: ms,
                    message: message.to_owned(),
                }),
                None => of_file
                    .last_mut()
                    .unwrap()
                    .message
                    .push_str(&format!("\n{line}")),
            }
        }
        events.extend(of_file);
    }
    events.sort_by_key(|e| e.timestamp_ms);
    events
}

/// Creates each group with the one stream the events go to.
pub fn create_groups(moto: &MotoServer, region: &str, groups: &[(&str, &str)]) {
    for (group, _) in groups {
        moto.logs(
            region,
            "CreateLogGroup",
            &serde_json::json!({ "logGroupName": group }),
        );
        moto.logs(
            region,
            "CreateLogStream",
            &serde_json::json!({ "logGroupName": group, "logStreamName": "2026/stream" }),
        );
    }
}

/// Puts `events` into their groups, each group's in time order.
pub fn put(moto: &MotoServer, region: &str, events: &[Event]) {
    let mut groups: Vec<&str> = events.iter().map(|e| e.group.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    for group in groups {
        let mut of_group: Vec<&Event> = events.iter().filter(|e| e.group == group).collect();
        of_group.sort_by_key(|e| e.timestamp_ms);
        for batch in of_group.chunks(5_000) {
            let batch: Vec<serde_json::Value> = batch
                .iter()
                .map(|e| serde_json::json!({ "timestamp": e.timestamp_ms, "message": e.message }))
                .collect();
            moto.logs(
                region,
                "PutLogEvents",
                &serde_json::json!({
                    "logGroupName": group,
                    "logStreamName": "2026/stream",
                    "logEvents": batch,
                }),
            );
        }
    }
}
