//! Public log samples kept in tests/fixtures/public (their sources and hand counts are in its
//! PROVENANCE.md), read as a user would bring them, and the `sam logs` shape they taught.

use std::path::PathBuf;

use ceiling_engine::{Analysis, Analyzer, Settings, Wrapping};

fn analyze(name: &str) -> Analysis {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/public")
        .join(name);
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read_path(&path).unwrap();
    analyzer.finish()
}

/// What a sample's hand count says of its Lambda log.
#[derive(Debug, PartialEq)]
struct Lambda {
    invocations: u64,
    cold_starts: u64,
    timeouts: u64,
    init_failures: u64,
    longest_ms: Option<u32>,
    max_memory_used_mb: Option<u32>,
}

fn lambda(analysis: &Analysis) -> Lambda {
    let lambda = analysis.lambda.as_ref().expect("a Lambda log");
    assert_eq!(lambda.functions.len(), 1);
    let function = &lambda.functions[0];
    Lambda {
        invocations: lambda.invocations,
        cold_starts: lambda.cold_starts,
        timeouts: lambda.timeouts,
        init_failures: lambda.init_failures,
        longest_ms: function.duration.max_ms,
        max_memory_used_mb: function.max_memory_used_mb,
    }
}

const fn counted(
    invocations: u64,
    cold_starts: u64,
    longest_ms: u32,
    max_memory_used_mb: u32,
) -> Lambda {
    Lambda {
        invocations,
        cold_starts,
        timeouts: 0,
        init_failures: 0,
        longest_ms: Some(longest_ms),
        max_memory_used_mb: Some(max_memory_used_mb),
    }
}

#[test]
fn two_pastes_bare_lines_then_sam_logs() {
    let analysis =
        analyze("elastic_lambda_java_two_pastes_stream_prefixed__elastic_integrations.log");
    // durations are kept to the nearest millisecond: 4118.98 ms is 4119
    assert_eq!(lambda(&analysis), counted(2, 2, 4119, 152));
    let function = &analysis.lambda.as_ref().unwrap().functions[0];
    assert_eq!(function.runtime.as_deref(), Some("java:11.v15"));
    assert_eq!(function.max_init_ms, Some(1155.47));
    assert_eq!(function.mean_init_ms, Some(840.11));
    assert!(analysis.inputs[0].rejected.is_empty());
}

#[test]
fn node_report_with_xray_on_its_line() {
    let analysis = analyze("elastic_lambda_nodejs_plain_xray_same_line__elastic_integrations.log");
    assert_eq!(lambda(&analysis), counted(1, 1, 129, 74));
}

#[test]
fn a_capture_without_starts() {
    let analysis =
        analyze("elastic_lambda_plain_no_start_report_before_end__elastic_integrations.log");
    // the END of 38219c9c alone is no invocation
    assert_eq!(lambda(&analysis), counted(1, 1, 2235, 130));
}

#[test]
fn every_platform_event_of_the_json_format() {
    let analysis = analyze("elastic_lambda_platform_json_events__elastic_integrations.log");
    // aab10ce8's start and runtimeDone are there and its report is not: counted, not measured
    assert_eq!(lambda(&analysis), counted(2, 1, 27, 77));
    assert_eq!(
        analysis.lambda.as_ref().unwrap().functions[0]
            .duration
            .measured,
        1
    );
}

#[test]
fn python_report_with_spaces_for_tabs() {
    let analysis = analyze("elastic_lambda_python_plain_spaces_xray__elastic_integrations.log");
    assert_eq!(lambda(&analysis), counted(1, 1, 16, 56));
}

#[test]
fn a_failed_init_in_the_json_format() {
    let analysis = analyze("elastic_lambda_report_json_init_error__elastic_integrations.log");
    let expected = Lambda {
        init_failures: 1,
        ..counted(1, 0, 2, 77)
    };
    assert_eq!(lambda(&analysis), expected);
}

#[test]
fn a_log_tools_envelope_printed_indented() {
    let analysis = analyze("sumologic_cloudwatch_envelope_pretty_report__sumologic_docs.json");
    assert_eq!(lambda(&analysis), counted(1, 0, 50, 24));
}

/// `sam logs` of a function in Lambda's JSON log format, as aws-sam-cli writes it
/// (samcli/lib/observability/cw_logs/cw_log_formatters.py): the stream, the time in UTC by
/// Python's `isoformat()`, and each JSON message re-indented by `json.dumps(indent=2)`.
#[test]
fn sam_logs_of_a_json_format_function() {
    let stream = "2026/03/06/[$LATEST]3f1c2a9b8d7e4f60a1b2c3d4e5f60718";
    let log = format!(
        "{stream} 2026-03-06T09:00:00.120000 {{\n  \"time\": \"2026-03-06T09:00:00.120Z\",\n  \"type\": \"platform.start\",\n  \"record\": {{\n    \"requestId\": \"0d6f3e2a-1b4c-4d5e-8f90-a1b2c3d4e5f6\",\n    \"version\": \"$LATEST\"\n  }}\n}}\n\
         {stream} 2026-03-06T09:00:29.130000 {{\n  \"time\": \"2026-03-06T09:00:29.130Z\",\n  \"type\": \"platform.report\",\n  \"record\": {{\n    \"requestId\": \"0d6f3e2a-1b4c-4d5e-8f90-a1b2c3d4e5f6\",\n    \"metrics\": {{\n      \"durationMs\": 29003.5,\n      \"billedDurationMs\": 29004,\n      \"memorySizeMB\": 1024,\n      \"maxMemoryUsedMB\": 301,\n      \"initDurationMs\": 912.4\n    }},\n    \"status\": \"timeout\"\n  }}\n}}\n\
         {stream} 2026-03-06T09:01:00 {{\n  \"time\": \"2026-03-06T09:01:00.000Z\",\n  \"type\": \"platform.report\",\n  \"record\": {{\n    \"requestId\": \"5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716\",\n    \"metrics\": {{\n      \"durationMs\": 180.25,\n      \"billedDurationMs\": 181,\n      \"memorySizeMB\": 1024,\n      \"maxMemoryUsedMB\": 302\n    }},\n    \"status\": \"success\"\n  }}\n}}\n"
    );
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read("sam-logs.txt", log.as_bytes()).unwrap();
    let analysis = analyzer.finish();
    let expected = Lambda {
        timeouts: 1,
        ..counted(2, 1, 29004, 302)
    };
    assert_eq!(lambda(&analysis), expected);
    assert_eq!(analysis.inputs[0].wrapping, Wrapping::SamLogs);
    assert!(analysis.inputs[0].rejected.is_empty());
}
