//! Discovery of an API's configuration (ceiling-cloud's `config`) against a real local
//! endpoint: a moto server, in which boto3 creates a REST and an HTTP API with stages,
//! access logging, integrations with their timeouts and the Lambda functions behind them;
//! then the configuration Ceiling reads is checked, and the CLI's `ceiling config`.

#[path = "support/aws_env.rs"]
mod aws_env;
#[path = "support/config_proxy.rs"]
mod config_proxy;
#[allow(dead_code)]
#[path = "support/gen.rs"]
mod gen;
#[path = "support/http.rs"]
mod http;
#[allow(dead_code)]
#[path = "support/insights_fake.rs"]
mod insights_fake;
#[path = "support/insights_query.rs"]
mod insights_query;
#[allow(dead_code)]
#[path = "support/moto.rs"]
mod moto;

use std::path::{Path, PathBuf};
use std::process::Command;

use ceiling_cloud::config::{list_apis, read_stage};
use ceiling_cloud::{Connection, Error, Target};
use ceiling_engine::{ApiKind, ApiSummary, StageConfig};
use serde_json::{json, Value};

const REGION: &str = "eu-west-1";

/// The Python of moto's virtual environment, which has boto3.
fn venv_python() -> PathBuf {
    let server = std::env::var_os("CEILING_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/ceiling/moto-venv/bin/moto_server")
        });
    server.with_file_name("python3")
}

/// The APIs of tests/support/make_api.py, created in `moto`: their ids.
fn make_api(moto: &moto::MotoServer) -> (String, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/make_api.py");
    let output = Command::new(venv_python())
        .arg(script)
        .args([&moto.endpoint(), REGION])
        .output()
        .expect("moto's Python runs make_api.py");
    assert!(
        output.status.success(),
        "make_api.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ids: Value = serde_json::from_slice(&output.stdout).unwrap();
    (
        ids["rest"].as_str().unwrap().to_owned(),
        ids["http"].as_str().unwrap().to_owned(),
    )
}

fn check_rest_stage(stage: &StageConfig, rest: &str) {
    assert_eq!(
        (stage.api_name.as_str(), stage.kind, stage.region.as_str()),
        ("orders-api", ApiKind::Rest, REGION)
    );
    let access = stage.access_log.as_ref().expect("the stage logs access");
    assert_eq!(
        access.log_group.as_deref(),
        Some("/aws/apigateway/orders-access")
    );
    assert!(access
        .format
        .as_deref()
        .unwrap()
        .contains("\"integrationLatency\":\"$context.integrationLatency\""));
    let execution = stage.execution_log.as_ref().unwrap();
    assert_eq!(
        execution.log_group,
        format!("API-Gateway-Execution-Logs_{rest}/prod")
    );
    assert_eq!(execution.logging_level.as_deref(), Some("INFO"));
    assert!(execution.data_trace);
    assert_eq!(stage.tracing, Some(true));
    let routes: Vec<&str> = stage.routes.iter().map(|r| r.route.as_str()).collect();
    assert_eq!(routes, ["GET /orders", "GET /orders/{id}", "POST /reports"]);
    // the route with its own 10 s timeout, and the function's alias behind it
    assert_eq!(stage.ceiling_of("POST /reports"), Some(10_000));
    let reports = stage.route("POST /reports").unwrap();
    let integration = reports.integration.as_ref().unwrap();
    assert_eq!(integration.kind, "AWS_PROXY");
    assert!(integration.timeout_set);
    let function = integration.function.as_ref().unwrap();
    assert_eq!(
        (function.name.as_str(), function.qualifier.as_deref()),
        ("reports-fn", Some("live"))
    );
    // no timeout given: the REST default
    assert_eq!(stage.ceiling_of("GET /orders/{id}"), Some(29_000));
    let mock = stage
        .route("GET /orders")
        .unwrap()
        .integration
        .as_ref()
        .unwrap();
    assert_eq!((mock.kind.as_str(), &mock.function), ("MOCK", &None));

    let names: Vec<&str> = stage.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["orders-fn", "reports-fn"]);
    let reports = stage.function("reports-fn").unwrap();
    assert_eq!(reports.qualifier.as_deref(), Some("live"));
    assert_eq!(reports.timeout_ms, 30_000);
    assert_eq!(reports.memory_mb, Some(512));
    assert_eq!(reports.runtime.as_deref(), Some("python3.12"));
    assert_eq!(reports.architecture.as_deref(), Some("arm64"));
    assert!(!reports.snap_start);
    assert_eq!(reports.log_group, "/aws/lambda/reports-fn");
    assert_eq!(reports.log_format, "Text");
    let orders = stage.function("orders-fn").unwrap();
    assert_eq!(
        (orders.timeout_ms, orders.reserved_concurrency),
        (5_000, Some(5))
    );
    // moto does not implement ListProvisionedConcurrencyConfigs: the alias's provisioned
    // concurrency is a note of one sentence, and the rest is read
    assert_eq!(reports.provisioned_concurrency, None);
    assert_eq!(stage.notes.len(), 1, "{:?}", stage.notes);
    assert_eq!(stage.notes[0].subject, "function reports-fn:live");
    assert_eq!(
        stage.notes[0].detail,
        "its provisioned concurrency could not be read: this endpoint does not support \
         lambda:ListProvisionedConcurrencyConfigs"
    );
    assert_eq!(
        stage.log_groups(),
        [
            "/aws/apigateway/orders-access".to_owned(),
            format!("API-Gateway-Execution-Logs_{rest}/prod"),
            "/aws/lambda/orders-fn".to_owned(),
            "/aws/lambda/reports-fn".to_owned(),
        ]
    );
}

fn check_http_stage(stage: &StageConfig) {
    assert_eq!(
        (stage.api_name.as_str(), stage.kind),
        ("shop-api", ApiKind::Http)
    );
    let access = stage.access_log.as_ref().unwrap();
    assert_eq!(access.log_group.as_deref(), Some("shop-access"));
    assert_eq!(
        access.format.as_deref(),
        Some("$context.requestId $context.routeKey $context.status")
    );
    // HTTP APIs write no execution log and have no X-Ray setting
    assert_eq!((&stage.execution_log, stage.tracing), (&None, None));
    assert_eq!(stage.ceiling_of("GET /items"), Some(8_000));
    let names: Vec<&str> = stage.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["orders-fn"]);
    assert_eq!(stage.functions[0].qualifier, None);
    // no alias or version: no provisioned concurrency to ask for, nothing left out
    assert!(stage.notes.is_empty(), "{:?}", stage.notes);
}

// One test function: it sets process-wide variables, which parallel tests would race on.
#[test]
fn discovers_the_apis_stages_routes_and_functions_of_an_account() {
    let moto = moto::MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    aws_env::use_aws_files(
        dir.path(),
        &format!("[profile ceiling-test]\nregion = {REGION}\n"),
        aws_env::TEST_CREDENTIALS,
        &moto.endpoint(),
    );
    let (rest, http) = make_api(&moto);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let target = Target {
            profile: Some("ceiling-test".to_owned()),
            ..Target::default()
        };
        let connection = Connection::open(&target).await.unwrap();
        let apis = list_apis(&connection).await.unwrap();
        assert_eq!(
            apis,
            [
                ApiSummary {
                    id: rest.clone(),
                    name: "orders-api".to_owned(),
                    kind: ApiKind::Rest,
                    stages: vec!["dev".to_owned(), "prod".to_owned()],
                },
                ApiSummary {
                    id: http.clone(),
                    name: "shop-api".to_owned(),
                    kind: ApiKind::Http,
                    stages: vec!["live".to_owned()],
                },
            ]
        );
        check_rest_stage(
            &read_stage(&connection, &rest, "prod").await.unwrap(),
            &rest,
        );
        check_http_stage(&read_stage(&connection, &http, "live").await.unwrap());
        // a stage without access logging says so
        let dev = read_stage(&connection, &rest, "dev").await.unwrap();
        assert_eq!(dev.access_log, None);
        let missing = read_stage(&connection, &rest, "staging").await.unwrap_err();
        assert!(matches!(missing, Error::NotFound { .. }), "{missing}");
        assert_eq!(
            missing.to_string(),
            format!("stage staging of API {rest} not found in this account and region")
        );
        let missing = read_stage(&connection, "nosuchapi", "prod")
            .await
            .unwrap_err();
        assert_eq!(
            missing.to_string(),
            "API nosuchapi not found in this account and region"
        );
    });
    the_cli_saves_a_stage_and_the_analysis_applies_it(dir.path(), &rest);
    insights_reads_the_near_misses_of_a_route_with_its_own_ceiling(dir.path());
    the_stand_in_gives_what_moto_cannot(&moto, dir.path(), &rest);
}

fn ceiling(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ceiling {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// One access record of the stage's format.
fn record(
    id: &str,
    time_ms: i64,
    status: u16,
    route: (&str, &str),
    latencies: (u32, &str),
) -> String {
    format!(
        r#"{{"requestId":"{id}","requestTimeEpoch":"{time_ms}","status":"{status}","httpMethod":"{}","resourcePath":"{}","responseLatency":"{}","integrationLatency":"{}"}}"#,
        route.0, route.1, latencies.0, latencies.1
    ) + "\n"
}

/// `ceiling config` lists and saves; `ceiling analyze --config` judges POST /reports at its
/// integration's 10 s and finds reports-fn's 30 s timeout above it, from a log that has no
/// Lambda line at all.
fn the_cli_saves_a_stage_and_the_analysis_applies_it(dir: &Path, rest: &str) {
    let listed = ceiling(&["config", "--profile", "ceiling-test"]);
    let line = listed.lines().find(|l| l.starts_with(rest)).unwrap();
    assert!(
        line.contains("orders-api") && line.contains("stages: dev, prod"),
        "{line}"
    );
    let saved = dir.join("stage.json");
    let saved_path = saved.to_str().unwrap();
    let shown = ceiling(&[
        "config",
        "--profile",
        "ceiling-test",
        "--api",
        rest,
        "--stage",
        "prod",
        "--out",
        saved_path,
    ]);
    assert!(
        shown.contains("access log: /aws/apigateway/orders-access"),
        "{shown}"
    );
    let reports = shown.lines().find(|l| l.contains("POST /reports")).unwrap();
    assert!(
        reports.contains("timeout 10.0 s -> reports-fn:live"),
        "{reports}"
    );
    assert!(
        shown.contains("not read: function reports-fn:live"),
        "{shown}"
    );
    let stage: StageConfig =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(stage.ceiling_of("POST /reports"), Some(10_000));

    // Eight requests to POST /reports: four time out at its 10 s, four succeed just under
    // it; one fast GET /orders/{id}. No Lambda log is given.
    let mut log = String::new();
    for i in 0..8 {
        let time = 1_780_000_000_000 + i64::from(i) * 1000;
        let id = format!("r{i}");
        log.push_str(&if i % 2 == 0 {
            record(&id, time, 504, ("POST", "/reports"), (10_020, "-"))
        } else {
            record(&id, time, 200, ("POST", "/reports"), (9_450, "9400"))
        });
    }
    log.push_str(&record(
        "g1",
        1_780_000_009_000,
        200,
        ("GET", "/orders/{id}"),
        (40, "35"),
    ));
    let access = dir.join("access.log");
    std::fs::write(&access, log).unwrap();
    let access_path = access.to_str().unwrap();
    let analysis: Value = serde_json::from_str(&ceiling(&[
        "analyze",
        "--config",
        saved_path,
        access_path,
        "--json",
    ]))
    .unwrap();
    // the configuration is part of the analysis; the ceiling is the stage's longest
    assert_eq!(analysis["config"]["api_id"], rest);
    assert_eq!(analysis["ceiling_ms"], 29_000);
    assert_eq!(analysis["integration_timeouts"], 4);
    let finding = |id: &str| {
        analysis["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {:#}", analysis["findings"]))
            .clone()
    };
    let text_of = |finding: &Value, key: &str| finding[key].as_str().unwrap().to_owned();
    let timeouts = finding("integration-timeout");
    assert!(
        text_of(&timeouts, "summary")
            .contains("POST /reports (4 of them, at its own integration timeout of 10.0 s)"),
        "{timeouts:#}"
    );
    // a p99 of 10 s is far from 29 s, but the whole of the route's own 10 s
    let p99 = finding("p99-near-ceiling");
    assert!(
        text_of(&p99, "summary").contains("against its own integration timeout of 10.0 s"),
        "{p99:#}"
    );
    let above = finding("lambda-timeout-above-gateway");
    assert!(
        text_of(&above, "summary").starts_with(
            "reports-fn's timeout is 30.0 s and its integration's 10.0 s (POST /reports)"
        ),
        "{above:#}"
    );
    assert!(
        text_of(&above["advice"][0], "text").starts_with("Set reports-fn's timeout to 8 s"),
        "{above:#}"
    );
    // the stage's format lacks only $context.error.responseType
    let format = finding("access-log-incomplete");
    assert_eq!(format["severity"], "low");
    assert_eq!(
        format["title"],
        "The access-log format of stage prod of orders-api lacks $context.error.responseType"
    );
    assert!(text_of(&format["advice"][0], "text")
        .contains(r#""errorResponseType":"$context.error.responseType""#));
    // without the configuration, none of this is said
    let bare: Value = serde_json::from_str(&ceiling(&["analyze", access_path, "--json"])).unwrap();
    assert!(bare.get("config").is_none());
    let ids: Vec<&str> = bare["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(!ids.contains(&"lambda-timeout-above-gateway"), "{ids:?}");
    assert!(!ids.contains(&"access-log-incomplete"), "{ids:?}");
    // the text summary and the report say what was applied
    let report = dir.join("review.md");
    let text = ceiling(&[
        "analyze",
        "--config",
        saved_path,
        access_path,
        "--report",
        report.to_str().unwrap(),
    ]);
    let report = std::fs::read_to_string(report).unwrap();
    let section = &report[report
        .find("## Configuration")
        .expect("a Configuration section")..];
    assert!(
        section.contains(r"| POST /reports | AWS\_PROXY | 10.0 s | reports-fn:live |"),
        "{section}"
    );
    assert!(
        text.contains("routes with their own ceiling: POST /reports 10.0 s"),
        "{text}"
    );
}

/// The access log the CLI test wrote (dir/access.log) counted by Logs Insights (the
/// project's stand-in), with the stage's configuration: the near misses of POST /reports,
/// at 9.4 s, are notable against its own 10 s though far under the stage's 29 s, so the
/// notable-records query asks for them, and the analysis counts the 4 of them as the one
/// of the file does.
fn insights_reads_the_near_misses_of_a_route_with_its_own_ceiling(dir: &Path) {
    let access = dir.join("access.log");
    let events: Vec<(i64, String)> = std::fs::read_to_string(&access)
        .unwrap()
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            let time = record["requestTimeEpoch"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            (time, line.to_owned())
        })
        .collect();
    let group = "/aws/apigateway/orders-access";
    let fake = insights_fake::InsightsFake::start(vec![(group.to_owned(), events)]);
    let saved = dir.join("stage.json");
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(["analyze", "--config", saved.to_str().unwrap()])
        .args(["--profile", "ceiling-test", "--log-group", group])
        .args([
            "--since",
            "2026-05-28T20:00:00Z",
            "--until",
            "2026-05-28T21:00:00Z",
        ])
        .args(["--insights", "always", "--json"])
        .env("AWS_ENDPOINT_URL", fake.endpoint())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("counted by Logs Insights"), "{stderr}");
    let counted: Value = serde_json::from_slice(&output.stdout).unwrap();
    let from_file: Value = serde_json::from_str(&ceiling(&[
        "analyze",
        "--config",
        saved.to_str().unwrap(),
        access.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    assert_eq!(counted["requests"], 9);
    assert_eq!(from_file["near_ceiling"], 4);
    assert_eq!(counted["near_ceiling"], from_file["near_ceiling"]);
    let near = counted["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "near-ceiling")
        .unwrap_or_else(|| panic!("no near-ceiling in {:#}", counted["findings"]));
    assert!(
        near["summary"].as_str().unwrap().contains(
            "POST /reports (4, from 9.0 s against its own integration timeout of 10.0 s)"
        ),
        "{near:#}"
    );
    // the near misses are kept as evidence, as the file's are
    assert_eq!(near["evidence"]["requests"].as_array().unwrap().len(), 4);
}

/// The account as the stand-in answers for it: prod's execution log delivered to S3 and to
/// a log group of the user's, dev's to another group; reports-fn provisioned with 5
/// environments on its alias `live` and 2 on version 1.
fn account(rest: &str) -> config_proxy::Account {
    let arn = |kind: &str, name: &str| format!("arn:aws:logs:{REGION}:123456789012:{kind}:{name}");
    let source = |name: &str, stage: &str| {
        json!({
            "name": name,
            "arn": arn("delivery-source", name),
            "resourceArns": [format!(
                "arn:aws:apigateway:{REGION}:123456789012:/restapis/{rest}/stages/{stage}"
            )],
            "service": "apigateway",
            "logType": "EXECUTION_LOGS",
        })
    };
    let delivery = |id: &str, source: &str, destination: &str, kind: &str| {
        json!({
            "id": id,
            "arn": arn("delivery", id),
            "deliverySourceName": source,
            "deliveryDestinationArn": arn("delivery-destination", destination),
            "deliveryDestinationType": kind,
        })
    };
    let destination = |name: &str, kind: &str, resource: &str| {
        json!({
            "name": name,
            "arn": arn("delivery-destination", name),
            "deliveryDestinationType": kind,
            "deliveryDestinationConfiguration": { "destinationResourceArn": resource },
        })
    };
    let provisioned = |qualifier: &str, environments: u32| {
        json!({
            "FunctionArn": format!("arn:aws:lambda:{REGION}:123456789012:function:reports-fn:{qualifier}"),
            "RequestedProvisionedConcurrentExecutions": environments,
            "AvailableProvisionedConcurrentExecutions": environments,
            "AllocatedProvisionedConcurrentExecutions": environments,
            "Status": "READY",
            "LastModified": "2026-11-30T10:00:00.000+0000",
        })
    };
    config_proxy::Account {
        delivery_sources: vec![source("dev-exec", "dev"), source("prod-exec", "prod")],
        deliveries: vec![
            delivery("d1", "prod-exec", "prod-archive", "S3"),
            delivery("d2", "dev-exec", "dev-logs", "CWL"),
            delivery("d3", "prod-exec", "prod-logs", "CWL"),
        ],
        delivery_destinations: vec![
            destination("prod-archive", "S3", "arn:aws:s3:::orders-execution-logs"),
            destination("dev-logs", "CWL", &arn("log-group", "dev-execution")),
            destination(
                "prod-logs",
                "CWL",
                &arn("log-group", "/aws/vendedlogs/orders-execution:*"),
            ),
        ],
        provisioned: [(
            "reports-fn".to_owned(),
            vec![provisioned("1", 2), provisioned("live", 5)],
        )]
        .into(),
        denied: Vec::new(),
    }
}

/// Through the stand-in in front of moto: the stage's execution log is read where its
/// delivery takes it, and reports-fn:live's provisioned concurrency is read, then reaches
/// the cold-start advice; with those calls denied, each is a note naming the permission and
/// the rest is read as before.
fn the_stand_in_gives_what_moto_cannot(moto: &moto::MotoServer, dir: &Path, rest: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let read = |account: config_proxy::Account| {
        let proxy = config_proxy::ConfigProxy::start(moto.port(), account);
        std::env::set_var("AWS_ENDPOINT_URL", proxy.endpoint());
        runtime.block_on(async {
            let target = Target {
                profile: Some("ceiling-test".to_owned()),
                ..Target::default()
            };
            let connection = Connection::open(&target).await.unwrap();
            read_stage(&connection, rest, "prod").await.unwrap()
        })
    };
    let stage = read(account(rest));
    assert!(stage.notes.is_empty(), "{:?}", stage.notes);
    let execution = stage.execution_log.as_ref().unwrap();
    assert_eq!(execution.log_group, "/aws/vendedlogs/orders-execution");
    assert_eq!(execution.logging_level.as_deref(), Some("INFO"));
    assert!(stage
        .log_groups()
        .contains(&"/aws/vendedlogs/orders-execution".to_owned()));
    let reports = stage.function("reports-fn").unwrap();
    assert_eq!(reports.provisioned_concurrency, Some(5));
    // orders-fn is invoked unqualified ($LATEST), which has none to ask for
    assert_eq!(
        stage.function("orders-fn").unwrap().provisioned_concurrency,
        None
    );

    let denied = read(config_proxy::Account {
        denied: vec![
            "DescribeDeliverySources",
            "ListProvisionedConcurrencyConfigs",
        ],
        ..account(rest)
    });
    let notes: Vec<(&str, &str)> = denied
        .notes
        .iter()
        .map(|n| (n.subject.as_str(), n.detail.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            (
                "stage prod",
                "the delivery of its execution log could not be read: the credentials may \
                 not call logs:DescribeDeliverySources"
            ),
            (
                "function reports-fn:live",
                "its provisioned concurrency could not be read: the credentials may not call \
                 lambda:ListProvisionedConcurrencyConfigs"
            ),
        ]
    );
    // the standard group, and the rest as read before
    assert_eq!(
        denied.execution_log.as_ref().unwrap().log_group,
        format!("API-Gateway-Execution-Logs_{rest}/prod")
    );
    assert_eq!(
        denied
            .function("reports-fn")
            .unwrap()
            .provisioned_concurrency,
        None
    );
    assert_eq!(denied.routes, stage.routes);
    let destination_denied = read(config_proxy::Account {
        denied: vec!["GetDeliveryDestination"],
        ..account(rest)
    });
    assert_eq!(
        destination_denied.notes[0].detail,
        "the delivery of its execution log could not be read: the credentials may not call \
         logs:GetDeliveryDestination"
    );
    // delivered to S3 only: a note says so (the execution log keeps its standard name)
    let mut archived = account(rest);
    archived.deliveries.retain(|d| d["id"] != "d3");
    let archived = read(archived);
    assert_eq!(
        archived.notes[0].detail,
        "its execution log is delivered to S3 only, which Ceiling does not read"
    );
    assert_eq!(
        archived.execution_log.as_ref().unwrap().log_group,
        format!("API-Gateway-Execution-Logs_{rest}/prod")
    );

    // the CLI saves what the stand-in gave, and the cold-start advice knows the 5
    // environments: a timeout whose invocation ran a 5 s init spilled over beyond them
    let proxy = config_proxy::ConfigProxy::start(moto.port(), account(rest));
    let saved = dir.join("provisioned.json");
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args([
            "config",
            "--profile",
            "ceiling-test",
            "--api",
            rest,
            "--stage",
            "prod",
        ])
        .args(["--out", saved.to_str().unwrap()])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/engine/tests/findings/cold-start-timeouts/fires/input");
    let analyze = |config: &Path| -> Value {
        serde_json::from_str(&ceiling(&[
            "analyze",
            "--config",
            config.to_str().unwrap(),
            case.join("apigw-access.jsonl").to_str().unwrap(),
            case.join("lambda-reports-fn.log").to_str().unwrap(),
            "--json",
        ]))
        .unwrap()
    };
    let advice = |analysis: &Value| -> Vec<String> {
        analysis["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "cold-start-timeouts")
            .unwrap_or_else(|| panic!("no cold-start-timeouts in {:#}", analysis["findings"]))
            ["advice"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["text"].as_str().unwrap().to_owned())
            .collect()
    };
    let provisioned = advice(&analyze(&saved));
    assert!(
        provisioned.iter().any(|a| a.starts_with(
            "reports-fn has a provisioned concurrency of 5, and these requests still waited \
             for an init"
        )),
        "{provisioned:#?}"
    );
    assert!(
        !provisioned.iter().any(|a| a.starts_with("Give reports-fn")),
        "{provisioned:#?}"
    );
    // read through moto alone, the configuration knows of none: provisioned concurrency
    // is offered instead
    let offered = advice(&analyze(&dir.join("stage.json")));
    assert!(
        offered
            .iter()
            .any(|a| a.starts_with("Give reports-fn provisioned concurrency")),
        "{offered:#?}"
    );
}
