//! Logs Insights CSV exports read as a stream: the header says which column holds
//! `@message` and which `@timestamp`, and each row is an event handed on as it is read.

use std::io::Read;

use super::document::{insights_time, OwnedEvent};

/// Why a CSV export stopped giving events.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CsvError {
    #[error("{0}")]
    Header(csv::Error),
    #[error("no @message column")]
    NoMessageColumn,
    #[error("row {row}: {source}")]
    Row { row: u64, source: csv::Error },
    #[error("stopped")]
    Stopped,
}

/// Reads the rows of a Logs Insights CSV export (its header first) from `reader`, handing
/// each to `sink` with the number of the line it ends on; `sink` returns false to stop.
pub(crate) fn insights_csv_events(
    reader: impl Read,
    mut sink: impl FnMut(OwnedEvent, u64) -> bool,
) -> Result<(), CsvError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = reader.headers().map_err(CsvError::Header)?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let message = column("@message").ok_or(CsvError::NoMessageColumn)?;
    let timestamp = column("@timestamp");
    let mut row = csv::StringRecord::new();
    let mut index = 1;
    loop {
        index += 1;
        match reader.read_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(source) => return Err(CsvError::Row { row: index, source }),
        }
        let event = OwnedEvent {
            group: None,
            time_ms: timestamp.and_then(|c| row.get(c)).and_then(insights_time),
            message: row.get(message).unwrap_or_default().to_owned(),
        };
        if !sink(event, reader.position().line()) {
            return Err(CsvError::Stopped);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insights_csv_with_quoted_multiline_messages() {
        let csv = "@timestamp,@message\n2026-03-06 09:00:00.000,\"{\"\"status\"\":504}\"\n2026-03-06 09:00:01.000,\"line one\nline two\"\n";
        let mut events = Vec::new();
        insights_csv_events(csv.as_bytes(), |event, _| {
            events.push(event);
            true
        })
        .unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].message, r#"{"status":504}"#);
        assert_eq!(events[1].message, "line one\nline two");
        assert!(super::super::decode::is_insights_csv_header(
            b"@timestamp,@message"
        ));
    }
}
