//! Files as people save them (issue 13): crafted minimal fixtures of each shape, counted by
//! hand, and the measured failures of reading documents (a `[` first line read whole, a
//! document of any size read as a stream). Each fixture here is crafted, not a real sample.

use ceiling_engine::{Analysis, Analyzer, Settings};

fn analyse(name: &str, bytes: &[u8]) -> Analysis {
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read(name, bytes).unwrap();
    analyzer.finish()
}

const A504: &str = r#"{"requestId":"a1","httpMethod":"GET","resourcePath":"/slow","status":"504","responseLatency":"29001","integrationErrorMessage":"Endpoint request timed out"}"#;
const A200: &str = r#"{"requestId":"a2","httpMethod":"GET","resourcePath":"/fast","status":"200","responseLatency":"12"}"#;

#[test]
fn a_byte_order_mark_before_an_insights_json_export() {
    let text = format!(
        "\u{feff}[\n  {{\"@timestamp\": \"2026-03-06 09:00:00.000\", \"@message\": {}}},\n  {{\"@timestamp\": \"2026-03-06 09:00:01.000\", \"@message\": {}}}\n]\n",
        serde_json::to_string(A504).unwrap(),
        serde_json::to_string(A200).unwrap()
    );
    let analysis = analyse("insights.json", text.as_bytes());
    // by hand: two requests, one 504 timeout
    assert_eq!((analysis.requests, analysis.status[&504]), (2, 1));
    assert_eq!(analysis.integration_timeouts, 1);
}

#[test]
fn firehose_records_concatenated_with_no_separator() {
    let text = format!("{A504}{A200}{A200}");
    let analysis = analyse("firehose-object", text.as_bytes());
    // by hand: three requests, one 504 timeout, two 200
    assert_eq!(analysis.requests, 3);
    assert_eq!((analysis.status[&504], analysis.status[&200]), (1, 2));
    assert_eq!(analysis.integration_timeouts, 1);
}

#[test]
fn a_record_copied_from_the_console_under_its_time_line() {
    let pretty =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(A504).unwrap())
            .unwrap();
    let text = format!("{A200}\n2026-03-06T09:00:00.000Z\n{pretty}\n");
    let analysis = analyse("console-copy.txt", text.as_bytes());
    // by hand: two requests, the pasted one a 504 timeout
    assert_eq!((analysis.requests, analysis.status[&504]), (2, 1));
    assert_eq!(analysis.integration_timeouts, 1);
}

#[test]
fn json_lines_envelopes_of_log_tools() {
    let text = concat!(
        r#"{"log":"START RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e Version: $LATEST\n","stream":"stdout","time":"2026-03-06T09:00:00.000Z"}"#,
        "\n",
        r#"{"@timestamp":"2026-03-06T09:00:30.000Z","@message":"REPORT RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout"}"#,
        "\n",
        r#"{"timestamp":"2026-03-06T09:00:31.000Z","message":"END RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e"}"#,
        "\n",
    );
    let analysis = analyse("/aws/lambda/orders", text.as_bytes());
    let lambda = analysis.lambda.expect("a Lambda log");
    // by hand: one invocation, which timed out
    assert_eq!(lambda.invocations, 1);
    assert_eq!(lambda.timeouts, 1);
}

#[test]
fn a_file_whose_wrapping_changes_part_way() {
    let text = format!("2026-03-06T09:00:00 {A200}\n2026-03-06T09:00:01 {A200}\n{A504}\n{A504}\n");
    let analysis = analyse("two-pastes.txt", text.as_bytes());
    // by hand: four requests, two of them 504 timeouts
    assert_eq!((analysis.requests, analysis.status[&504]), (4, 2));
    assert_eq!(analysis.integration_timeouts, 2);
}

#[test]
fn a_python_bracket_first_line_is_a_line_and_the_rest_streams() {
    // measured: the whole input was read into memory as one document
    let mut text = String::from("[INFO]\t2026-03-06T09:00:00.000Z\tstarting\n");
    for _ in 0..5 {
        text.push_str(A504);
        text.push('\n');
    }
    let analysis = analyse("app.log", text.as_bytes());
    assert_eq!((analysis.requests, analysis.integration_timeouts), (5, 5));
}

#[test]
fn a_large_pretty_printed_document_streams_with_every_event() {
    // larger than what is held whole (4 MiB): walked as a stream
    let events: Vec<serde_json::Value> = (0..40_000)
        .map(|i| serde_json::json!({"timestamp": 1_772_787_600_000i64 + i, "message": if i % 4 == 0 { A504 } else { A200 }, "ingestionTime": 1}))
        .collect();
    let document = serde_json::json!({"events": events, "searchedLogStreams": []});
    let text = serde_json::to_string_pretty(&document).unwrap();
    assert!(text.len() > 5 << 20);
    let analysis = analyse("filter-log-events.json", text.as_bytes());
    assert_eq!(analysis.requests, 40_000);
    assert_eq!(analysis.status[&504], 10_000);
    assert_eq!(analysis.inputs[0].lines, text.lines().count() as u64);
}

#[test]
fn newest_first_query_results_with_floats_as_powershell_saves_them() {
    let row = |t: &str, m: &str| serde_json::json!([{"field": "@timestamp", "value": t}, {"field": "@message", "value": m}]);
    let start = "START RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e Version: $LATEST";
    let report = "REPORT RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 30000.00 ms\tBilled Duration: 30000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout";
    let document = serde_json::json!({
        "results": [row("2026-03-06 09:00:30.000", report), row("2026-03-06 09:00:00.000", start)],
        "statistics": {"recordsMatched": 2.0, "recordsScanned": 120.0, "bytesScanned": 9000.0},
        "status": "Complete"
    });
    let text = format!(
        "\u{feff}{}",
        serde_json::to_string_pretty(&document).unwrap()
    );
    let analysis = analyse("/aws/lambda/orders", text.as_bytes());
    let lambda = analysis.lambda.expect("a Lambda log");
    // by hand: one invocation, timed out
    assert_eq!((lambda.invocations, lambda.timeouts), (1, 1));
}
