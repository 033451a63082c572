//! The real log samples in ../shared/data/real, read as a user would bring them. The expected
//! counts were written by reading each file by hand (tests/real-samples.md has the reading,
//! file by file); where Ceiling's reading differs from that page, the comment says why.

use std::path::PathBuf;

use ceiling_engine::{Analysis, Analyzer, Settings};

/// What a sample must give: access records, execution-log lines, Lambda invocations (REPORT
/// lines and platform.report records), cold starts, Lambda timeouts, gateway timeouts seen in
/// the access log, and execution-log timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    access: u64,
    execution: u64,
    invocations: u64,
    cold: u64,
    lambda_timeouts: u64,
    gateway_timeouts: u64,
    execution_timeouts: u64,
}

const fn counts(
    access: u64,
    execution: u64,
    invocations: u64,
    cold: u64,
    lambda_timeouts: u64,
) -> Counts {
    Counts {
        access,
        execution,
        invocations,
        cold,
        lambda_timeouts,
        gateway_timeouts: 0,
        execution_timeouts: 0,
    }
}

fn analyze(relative: &str) -> Analysis {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/real");
    let path = root.join(relative);
    assert!(
        path.exists(),
        "{} is missing: the tests need the shared folder beside the project",
        path.display()
    );
    let mut analyzer = Analyzer::new(Settings::default());
    // Errors are part of what a sample shows; the counts say what was still read.
    let _ = analyzer.read_path(&path);
    analyzer.finish()
}

fn read(relative: &str) -> Counts {
    let analysis = analyze(relative);
    let lambda = analysis.lambda.as_ref();
    let execution = analysis.execution.as_ref();
    Counts {
        access: analysis.requests,
        execution: execution.map_or(0, |e| e.lines),
        invocations: lambda.map_or(0, |l| l.invocations),
        cold: lambda.map_or(0, |l| l.cold_starts),
        lambda_timeouts: lambda.map_or(0, |l| l.timeouts),
        gateway_timeouts: analysis.integration_timeouts,
        execution_timeouts: execution.map_or(0, |e| e.timeouts),
    }
}

/// The samples with API Gateway or Lambda records, and what each holds.
const WITH_RECORDS: &[(&str, Counts)] = &[
        ("apigw_rest_access_json__elastic_integrations.log", counts(5, 0, 0, 0, 0)),
        ("apigw_http_access_json__elastic_integrations.log", counts(5, 0, 0, 0, 0)),
        ("apigw_websocket_access_json__elastic_integrations.log", counts(4, 0, 0, 0, 0)),
        (
            "apigw_execution_log_504_502_500_scenarios__unidentified_readme.log",
            // without an access log, the execution log's timeouts are the gateway's
            Counts { execution_timeouts: 1, gateway_timeouts: 1, ..counts(0, 12, 0, 0, 0) },
        ),
        // The header line "Execution log for request test-request" counts as an execution-log
        // line here; the hand count puts it aside.
        ("apigw_test_invoke_execution_log_utc_datestamp__awsdocs_apigw.log", counts(0, 19, 0, 0, 0)),
        ("cwl_subscription_decoded_apigw_execution_logs__tmobile_jazz.json", counts(0, 14, 0, 0, 0)),
        ("serverless_aws_logs_parser/pb_events__0_api_gateway_succesful_request_no_ip.log", counts(0, 18, 0, 0, 0)),
        ("serverless_aws_logs_parser/pb_events__1_api_gateway_successful_request.log", counts(0, 26, 0, 0, 0)),
        ("serverless_aws_logs_parser/pb_events__2_api_gateway_error_request.log", counts(0, 18, 0, 0, 0)),
        ("serverless_aws_logs_parser/pb_file__0_api-gateway_two-events.log", counts(0, 44, 0, 0, 0)),
        ("serverless_aws_logs_parser/pb_events__3_lambda_event.log", counts(0, 0, 1, 0, 0)),
        ("serverless_aws_logs_parser/rt_file__1_lambda_two-events.log", counts(0, 0, 2, 0, 0)),
        ("lambda_python_importerror_status_error__cif_portal_search.log", counts(0, 0, 1, 0, 0)),
        ("lambda_python_394_events__cif_portal_payments.log", counts(0, 0, 2, 1, 0)),
        ("lambda_go_invalid_entrypoint_init_report__ipgiraffe.log", counts(0, 0, 1, 0, 0)),
        ("lambda_node_emoji_multiline_tab_continuation__unidentified_canvas_layer_readme.log", counts(0, 0, 1, 1, 0)),
        ("lambda_dev_guide/cli_invoke_log_type_tail_decoded_output.log", counts(0, 0, 1, 0, 0)),
        ("lambda_dev_guide/cli_invoke_then_get_log_events_concatenated_json_output.txt", counts(0, 0, 1, 0, 0)),
        ("lambda_dev_guide/golang_console_function_logs.log", counts(0, 0, 1, 1, 0)),
        ("lambda_dev_guide/java_console_function_logs.log", counts(0, 0, 1, 1, 0)),
        ("lambda_dev_guide/nodejs_console_function_logs.log", counts(0, 0, 1, 1, 0)),
        ("lambda_dev_guide/python_console_function_logs.log", counts(0, 0, 1, 1, 0)),
        ("cwl_subscription_decoded_lambda_coldstart__datadog.json", counts(0, 0, 1, 1, 0)),
        ("cwl_subscription_decoded_lambda_node_invocation__datadog.json", counts(0, 0, 1, 0, 0)),
        ("cwl_subscription_decoded_lambda_node_2018__tmobile_jazz.json", counts(0, 0, 1, 0, 0)),
        // Hand count: 2 timeouts, the same "Task timed out after 30.03 seconds" line of one
        // invocation (63a96020-...) in two payloads; a timeout counts once per invocation.
        // Invocations 11: the 10 REPORTs, and 63a96020-..., which no START or REPORT tells.
        (
            "cwl_subscription_decoded_node_multiline_json_errors_report_variants__cloudwatch_logs_shipper.ndjson",
            counts(0, 0, 11, 4, 1),
        ),
        ("lambda_report_lines_text_and_json__datadog_forwarder_tests.txt", counts(0, 0, 7, 3, 1)),
        ("lambda_text_and_json_logs_snapstart__aws_lambda_power_tuning.txt", counts(0, 0, 9, 4, 0)),
        // Blocks of pretty-printed platform records, four of them not valid JSON (rejected).
        // Hand count: 1 timeout, a platform.runtimeDone with "status": "timeout" of an
        // invocation (6f7f0961f83442118a7af6fe80b88, an id cut short) whose report is not in
        // the file; the engine takes a Lambda timeout from an invocation's report or its
        // "Task timed out" line, and counts no invocation without its report.
        ("lambda_dev_guide/telemetry_logs_api_platform_event_examples_raw_blocks.txt", counts(0, 0, 1, 1, 0)),
        // Logs Insights results copied as Markdown tables. Hand count: 2 invocations, one
        // with its REPORT and one (ae5146f9...) whose START is there and whose REPORT the
        // excerpt cut off; an invocation whose capture ended is still an invocation.
        (
            "issue_excerpts/azul_6852_logs_insights_md_table_lambda_report_31s_python_chalice__TRUNCATED.md",
            counts(0, 0, 2, 0, 0),
        ),
        // A Markdown row cut off mid-object, before its status: read up to the cut, it is an
        // INTEGRATION_TIMEOUT, so a gateway timeout whose status the row no longer holds.
        (
            "issue_excerpts/azul_6284_logs_insights_md_table_apigw_access_504_INTEGRATION_TIMEOUT__TRUNCATED.md",
            Counts { gateway_timeouts: 1, ..counts(1, 0, 0, 0, 0) },
        ),
        // A Logs Insights result copied as tab-separated text, with projected columns and no
        // status: 7 INTEGRATION_FAILURE requests, then an execution-log section of one line.
        (
            "issue_excerpts/azul_pr6624_logs_insights_tsv_access_INTEGRATION_FAILURE_and_exec__TRUNCATED.txt",
            counts(7, 1, 0, 0, 0),
        ),
    ];
// The rest of the folder holds no API Gateway or Lambda records (curl output, unrelated test
// messages, control messages only, a stats table): WITHOUT_RECORDS, below.

#[test]
fn every_real_sample_reads_as_read_by_hand() {
    let mut failures = Vec::new();
    for &(file, want) in WITH_RECORDS {
        let got = read(file);
        if got != want {
            failures.push(format!("{file}\n   want {want:?}\n   got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} sample(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each real sample with a timeout in it gives the finding for that timeout, whose evidence
/// points at the line that shows it.
#[test]
fn real_timeouts_give_their_findings() {
    let cases = [
        // "(id) Execution failed due to a timeout error"
        ("apigw_execution_log_504_502_500_scenarios__unidentified_readme.log", "integration-timeout"),
        // "<time> <id> Task timed out after 30.03 seconds"
        (
            "cwl_subscription_decoded_node_multiline_json_errors_report_variants__cloudwatch_logs_shipper.ndjson",
            "lambda-timeout",
        ),
        // platform.report with "status": "timeout"
        ("lambda_report_lines_text_and_json__datadog_forwarder_tests.txt", "lambda-timeout"),
        // "error_responseType": "INTEGRATION_TIMEOUT" in a row cut before its status
        (
            "issue_excerpts/azul_6284_logs_insights_md_table_apigw_access_504_INTEGRATION_TIMEOUT__TRUNCATED.md",
            "integration-timeout",
        ),
    ];
    for (file, id) in cases {
        let analysis = analyze(file);
        let finding = analysis
            .findings
            .iter()
            .find(|f| f.id.as_str() == id)
            .unwrap_or_else(|| panic!("{file}: no {id} finding"));
        let evidence = &finding.evidence;
        let sources: Vec<_> = evidence
            .requests
            .iter()
            .map(|r| &r.source)
            .chain(evidence.invocations.iter().map(|i| &i.source))
            .collect();
        assert!(
            sources
                .iter()
                .any(|s| s.input.ends_with(file) && s.line > 0),
            "{file}: {id} names no source line: {evidence:?}"
        );
        assert!(!finding.advice.is_empty(), "{file}: {id} has no advice");
    }
}

/// What reading a sample's one input found: log events (after unwrapping: a line, an
/// element of a document, a decoded subscription event), events ignored as known and
/// irrelevant, and events rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Found {
    events: u64,
    ignored: u64,
    rejected: u64,
}

const fn found(events: u64, ignored: u64, rejected: u64) -> Found {
    Found {
        events,
        ignored,
        rejected,
    }
}

fn found_in(analysis: &Analysis) -> Found {
    assert_eq!(analysis.inputs.len(), 1, "one input per sample");
    let input = &analysis.inputs[0];
    Found {
        events: input.events,
        ignored: input.ignored,
        rejected: input.rejected.iter().map(|r| r.count).sum(),
    }
}

/// Files with no API Gateway or Lambda record in them give no figures. A zero is also what
/// a failed decode gives, so each is checked against what its reading found: the events
/// the hand count finds in it (a base64 payload decoded to its two events, not rejected
/// whole), and where they went. The engine rejects text it cannot tell from a broken log
/// line (curl output, unrelated messages, application lines without a timestamp) where the
/// hand count calls it "other/ignored"; the comments say where that departs.
const WITHOUT_RECORDS: &[(&str, Found)] = &[
    // hand: 0 events, 16 lines other (curl -v). Read as 15 raw lines and a blank one,
    // all rejected: curl's text is no log, and its JSON body has no status.
    (
        "apigw_504_client_response_headers_curl__unidentified_readme.txt",
        found(15, 0, 15),
    ),
    // hand: 3 events of unrelated text ("Example Event 1"), both duplicates kept
    (
        "cli_get_log_events_output__awscli_examples.json",
        found(3, 0, 3),
    ),
    // hand: 3 rows of unrelated text ("Test BENCHMARK 3/2/1")
    (
        "cli_get_query_results_output__awscli_examples.json",
        found(3, 0, 3),
    ),
    // hand: base64, then zlib (not gzip), then 2 events "[ERROR] ... test message",
    // application text with no timestamp or request id: rejected, not ignored
    (
        "cwl_subscription_b64_ZLIB_policyLevel__powertools.json",
        found(2, 0, 2),
    ),
    // hand: base64, then gzip, then the same 2 events
    (
        "cwl_subscription_b64_gzip_lambda_event__powertools.json",
        found(2, 0, 2),
    ),
    // hand: 0 data events, 1 control message skipped without a rejection
    (
        "firehose_transform_event_cwl_gzip_control_message__nhs_spine_core.json",
        found(0, 1, 0),
    ),
    // hand: 1 event of unrelated text
    (
        "otel_firehose_cwlog/extracted_fields_both.ndjson",
        found(1, 0, 1),
    ),
    // hand: 2 events of unrelated text ("Hello world, ...")
    (
        "otel_firehose_cwlog/multiple_records.ndjson",
        found(2, 0, 2),
    ),
    // hand: 0 events, 1 control message; the engine counts the control message as an
    // event, ignored
    ("otel_firehose_cwlog/only_control.ndjson", found(1, 1, 0)),
    // hand: 2 events of unrelated text and 1 non-CWL JSON record rejected
    (
        "otel_firehose_cwlog/some_invalid_records.ndjson",
        found(3, 0, 3),
    ),
    // hand: 0 events, 29 lines of a stats table (28 ignored here, 1 blank)
    (
        "issue_excerpts/azul_7470_logs_insights_stats_by_status_integration_error__TRUNCATED.md",
        found(0, 28, 0),
    ),
    // hand: 2 [DEBUG] application lines (tabs as spaces) and a fence, all ignored
    (
        "issue_excerpts/azul_5501_lambda_python_debug_lines_tabs_as_spaces__TRUNCATED.txt",
        found(2, 3, 0),
    ),
    // hand: a JSON export broken three ways (cut short, link markup, a line break in a
    // string): 0 parsed, 1 document rejected. Read line by line instead: 9 lines after
    // the fence, 2 malformed JSON records and 7 rejected lines. Its START line would be
    // no invocation in any case (an invocation is counted from its report).
    (
        "issue_excerpts/azul_5768_logs_insights_json_export_lambda_python__TRUNCATED.txt",
        found(9, 1, 9),
    ),
];

#[test]
fn samples_without_records_give_no_figures() {
    let mut failures = Vec::new();
    for &(file, want) in WITHOUT_RECORDS {
        let analysis = analyze(file);
        let got = (read(file), found_in(&analysis));
        if got != (counts(0, 0, 0, 0, 0), want) {
            failures.push(format!("{file}\n   want {want:?}\n   got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} sample(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Requests whose log has no status are counted, apart from the statuses, and their routes
/// come from the columns the table has.
#[test]
fn a_table_without_a_status_column_counts_its_requests_apart() {
    let analysis = analyze(
        "issue_excerpts/azul_pr6624_logs_insights_tsv_access_INTEGRATION_FAILURE_and_exec__TRUNCATED.txt",
    );
    assert_eq!(analysis.requests, 7);
    assert_eq!(analysis.requests_without_status, 7);
    assert!(analysis.status.is_empty());
    assert_eq!(analysis.integration_timeouts, 0);
    let routes: Vec<_> = analysis
        .routes
        .iter()
        .map(|r| (r.route.as_str(), r.requests))
        .collect();
    assert_eq!(routes, [("/health/progress", 5), ("/index/projects", 2)]);
    let input = &analysis.inputs[0];
    assert_eq!(input.rejected, []);
    assert_eq!(
        input.ignored, 6,
        "2 column headers, a fence, 2 headings, an elision"
    );
}

/// Every sample of the folder is in one of the two lists above, so that a sample added
/// later is counted by hand before it passes. The format strings are no logs: they are
/// templates, seeds of the template fuzz target (fuzz/corpus/template).
#[test]
fn every_sample_in_the_folder_is_checked() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/real");
    let mut unlisted = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let name = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let listed = WITH_RECORDS.iter().any(|(f, _)| *f == name)
                || WITHOUT_RECORDS.iter().any(|(f, _)| *f == name);
            if !listed && name != "PROVENANCE.md" && !name.starts_with("format_strings/") {
                unlisted.push(name);
            }
        }
    }
    unlisted.sort();
    assert!(unlisted.is_empty(), "samples no test counts: {unlisted:?}");
}
