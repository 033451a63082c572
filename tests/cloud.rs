//! crates/cloud against a real local endpoint: moto server, started and stopped here, reached
//! through a named profile in temporary AWS config files, as a user's machine would have them.

#[path = "support/aws_env.rs"]
mod aws_env;
#[path = "support/cli.rs"]
mod cli;
#[path = "support/fault_proxy.rs"]
mod fault_proxy;
#[path = "support/figures.rs"]
mod figures;
#[path = "support/gen.rs"]
mod gen;
#[path = "support/http.rs"]
mod http;
#[path = "support/insights_fake.rs"]
mod insights_fake;
#[path = "support/insights_query.rs"]
mod insights_query;
#[path = "support/moto.rs"]
mod moto;
#[path = "support/sso_portal.rs"]
mod sso_portal;
#[path = "support/sts_mfa.rs"]
mod sts_mfa;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ceiling_cloud::fetch::Fetcher;
use ceiling_cloud::{insights, Connection, Error, GroupKind, ProfileKind, Reading, Target};
use ceiling_cloud::{Update, Window};
use cli::ceiling_json;
use serde_json::{json, Value};

const REGION: &str = "eu-west-1";

/// A call that must answer within seconds: credential lookups that would hang (a metadata
/// service, an SSO portal) must fail fast instead.
async fn within<T>(call: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(20), call)
        .await
        .expect("the call hung")
}

/// The test owns the process environment: it points the AWS variables at its own files and
/// endpoint, and clears anything from the machine that would take precedence.
fn use_aws_files(dir: &std::path::Path, endpoint: &str) {
    let config = format!(
        "[profile ceiling-test]\nregion = {REGION}\n\n[profile no-region]\n\n\
         [profile via-process]\nregion = {REGION}\ncredential_process = sh -c \"echo \
         '{{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"testing\\\", \\\"SecretAccessKey\\\": \\\"testing\\\"}}'\"\n\n\
         [profile sso-user]\nregion = {REGION}\nsso_session = corp\nsso_account_id = 123456789012\n\
         sso_role_name = Reader\n\n[sso-session corp]\nsso_region = {REGION}\n\
         sso_start_url = https://corp.awsapps.com/start\n\n[profile no-keys]\nregion = {REGION}\n\n\
         [profile with-mfa]\nregion = {REGION}\nrole_arn = arn:aws:iam::123456789012:role/Reader\n\
         source_profile = ceiling-test\nmfa_serial = arn:aws:iam::123456789012:mfa/oncall\n"
    );
    let credentials = format!(
        "{}\n[no-region]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        aws_env::TEST_CREDENTIALS
    );
    aws_env::use_aws_files(dir, &config, &credentials, endpoint);
}

/// The profile with static keys the config files above hold.
fn test_profile() -> Target {
    Target {
        profile: Some("ceiling-test".to_owned()),
        region: None,
        mfa_code: None,
    }
}

// One test function: it sets process-wide variables, which parallel tests would race on.
#[test]
fn cloudwatch_logs_through_a_named_profile() {
    let moto = moto::MotoServer::start();
    let mut created = vec![
        "/aws/apigateway/orders-api-access".to_owned(),
        "API-Gateway-Execution-Logs_a1b2c3d4e5/prod".to_owned(),
        "/aws/lambda/orders-fn".to_owned(),
        "/aws/lambda/reports-fn".to_owned(),
    ];
    // More groups than two DescribeLogGroups pages (50 each) hold, so that paging is
    // exercised: 120 in all.
    created.extend((0..116).map(|i| format!("/aws/lambda/filler-{i:03}")));
    for name in &created {
        moto.logs(REGION, "CreateLogGroup", &json!({ "logGroupName": name }));
    }
    moto.logs(
        REGION,
        "PutRetentionPolicy",
        &json!({ "logGroupName": "/aws/lambda/reports-fn", "retentionInDays": 14 }),
    );
    // A group in another region must not show.
    moto.logs(
        "us-east-1",
        "CreateLogGroup",
        &json!({ "logGroupName": "/aws/lambda/elsewhere" }),
    );

    let dir = tempfile::tempdir().unwrap();
    use_aws_files(dir.path(), &moto.endpoint());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let target = test_profile();
        let connection = Connection::open(&target).await.unwrap();
        assert_eq!(
            connection.region(),
            REGION,
            "the region comes from the profile"
        );

        let groups = connection.log_groups(None).await.unwrap();
        let mut names: Vec<_> = groups.iter().map(|g| g.name.clone()).collect();
        names.sort();
        created.sort();
        assert_eq!(names, created);

        let lambda = connection.log_groups(Some("/aws/lambda/")).await.unwrap();
        assert_eq!(lambda.len(), 118);
        let searched = connection
            .log_groups(Some("/aws/lambda/filler-1"))
            .await
            .unwrap();
        assert_eq!(searched.len(), 16, "filler-100 to filler-115");
        let reports = lambda
            .iter()
            .find(|g| g.name == "/aws/lambda/reports-fn")
            .unwrap();
        assert_eq!(reports.retention_days, Some(14));
        assert!(reports.created_ms.is_some());

        let elsewhere = Target {
            profile: Some("ceiling-test".to_owned()),
            region: Some("us-east-1".to_owned()),
            mfa_code: None,
        };
        let groups = Connection::open(&elsewhere)
            .await
            .unwrap()
            .log_groups(None)
            .await
            .unwrap();
        assert_eq!(
            groups.len(),
            1,
            "an explicit region overrides the profile's"
        );

        let no_region = Target {
            profile: Some("no-region".to_owned()),
            region: None,
            mfa_code: None,
        };
        match Connection::open(&no_region).await {
            Err(error @ Error::NoRegion { .. }) => {
                assert!(error.to_string().contains("no-region"), "{error}")
            }
            other => panic!("expected NoRegion, got {other:?}"),
        }

        // the profile picker's list: names and kinds, never a key
        let profiles = ceiling_cloud::profiles().await.unwrap();
        let kinds: Vec<(&str, &str)> = profiles
            .iter()
            .map(|p| (p.name.as_str(), p.kind.label()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("ceiling-test", "keys"),
                ("no-keys", "other"),
                ("no-region", "keys"),
                ("sso-user", "sso"),
                ("via-process", "process"),
                ("with-mfa", "role")
            ]
        );
        let asks_mfa: Vec<&str> = profiles
            .iter()
            .filter(|p| p.mfa)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(asks_mfa, ["with-mfa"]);
        let open = |profile: &str| {
            let target = Target {
                profile: Some(profile.to_owned()),
                region: None,
                mfa_code: None,
            };
            async move { Connection::open(&target).await.unwrap() }
        };
        let via_process = within(open("via-process").await.log_groups(None))
            .await
            .unwrap();
        assert_eq!(
            via_process.len(),
            120,
            "credential_process works end to end"
        );
        match within(open("sso-user").await.log_groups(None)).await {
            Err(error @ Error::Credentials { .. }) => assert!(
                error
                    .to_string()
                    .contains("aws sso login --profile sso-user"),
                "{error}"
            ),
            other => panic!("expected the SSO login advice, got {other:?}"),
        }
        // a role assumed with an MFA code: refused without one, with the way to give it
        let mfa = |code: Option<&str>| Target {
            profile: Some("with-mfa".to_owned()),
            region: None,
            mfa_code: code.map(str::to_owned),
        };
        match Connection::open(&mfa(None)).await {
            Err(error @ Error::MfaRequired { .. }) => {
                let message = error.to_string();
                assert!(
                    message.contains("arn:aws:iam::123456789012:mfa/oncall"),
                    "{message}"
                );
                assert!(message.contains("--mfa-code"), "{message}");
            }
            other => panic!("expected MfaRequired, got {other:?}"),
        }
        let with_code = within(async {
            Connection::open(&mfa(Some("123456")))
                .await
                .unwrap()
                .log_groups(None)
                .await
        })
        .await
        .unwrap();
        assert_eq!(
            with_code.len(),
            120,
            "the role assumed with the code works end to end"
        );
        match within(async { open("no-keys").await.log_groups(None).await }).await {
            Err(error @ Error::NoCredentials { .. }) => {
                assert!(error.to_string().contains("profile no-keys"), "{error}")
            }
            other => panic!("expected NoCredentials, got {other:?}"),
        }
    });

    credentials_from_everywhere(dir.path(), &runtime);
    one_assume_role_per_mfa_code(dir.path(), &runtime);
    fetches_an_incident_as_its_files_read(&moto, &runtime);
    insights_counts_logs_as_their_files_read("30000", "text");
    insights_counts_logs_as_their_files_read("4000", "json");
    insights_reads_any_number_of_notable_rows();
}

/// An access log and four functions' logs (in the Lambda log format given) counted by Logs
/// Insights (a stand-in that runs Ceiling's queries exactly) give the figures of the same
/// logs read from their files, with the notable requests and invocations fetched raw over
/// windows split where a query fills its 10,000 rows, and say what is approximate.
fn insights_counts_logs_as_their_files_read(requests: &str, lambda_format: &str) {
    let dir = tempfile::tempdir().unwrap();
    gen::generate(
        dir.path(),
        &[
            "--requests",
            requests,
            "--seed",
            "3",
            "--wrap",
            "s3",
            "--garbage",
            "0",
            "--lambda-format",
            lambda_format,
        ],
    );
    let files = gen::INCIDENT_GROUPS;
    // each line an S3 export line: `<time> <message>`
    let groups = files
        .iter()
        .map(|(group, file)| {
            let events = std::fs::read_to_string(dir.path().join(file))
                .unwrap()
                .lines()
                .map(|line| {
                    let (time, message) = line.split_once(' ').unwrap();
                    (
                        ceiling_engine::parse_iso_ms(time).unwrap(),
                        message.to_owned(),
                    )
                })
                .collect();
            ((*group).to_owned(), events)
        })
        .collect();
    let fake = insights_fake::InsightsFake::start(groups);
    // near misses from 100 ms: most requests are notable, more than one query's 10,000 rows
    let tuning = ["--ceiling", "1s", "--threshold", "near-ceiling-percent=10"];
    let paths: Vec<String> = files
        .iter()
        .map(|(_, file)| dir.path().join(file).display().to_string())
        .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let from_file = ceiling_json(&[&["analyze"][..], &paths, &tuning].concat());
    let mut args = vec![
        "analyze",
        "--profile",
        "ceiling-test",
        "--since",
        "2026-03-06T08:55:00Z",
        "--until",
        "2026-03-06T11:05:00Z",
        "--insights",
        "always",
        "--json",
    ];
    for (group, _) in &files {
        args.extend(["--log-group", group]);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(&args)
        .args(tuning)
        .env("AWS_ENDPOINT_URL", fake.endpoint())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("counted by Logs Insights"), "{stderr}");
    let counted: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(counted["requests"], json!(requests.parse::<u64>().unwrap()));
    let mut want = figures::figures(&from_file);
    let mut got = figures::figures(&counted);
    for figures in [&mut want, &mut got] {
        let figures = figures.as_object_mut().unwrap();
        // the findings are assessed on the same figures, but bursts are seen in the
        // server's one-minute bins rather than the engine's own buckets
        figures.remove("findings");
        // memory pressure is of the invocations read (the notable ones), as it says
        figures["lambda"].as_array_mut().unwrap().pop();
    }
    assert_eq!(got, want, "counted by Insights against read from the files");
    assert_eq!(
        counted["lambda"]["functions"].as_array().unwrap().len(),
        4,
        "every function counted"
    );
    let runtimes = |analysis: &Value| -> Vec<Value> {
        let mut runtimes: Vec<Value> = analysis["lambda"]["functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| json!([f["function"], f["runtime"]]))
            .collect();
        runtimes.sort_by_key(|f| f[0].to_string());
        runtimes
    };
    assert_eq!(
        runtimes(&counted),
        runtimes(&from_file),
        "each function's runtime, from INIT_START"
    );
    // (a function without a cold start in the window has no runtime to name)
    assert!(runtimes(&from_file).iter().any(|f| !f[1].is_null()));
    // figures that only the raw lines can give are there, and agree
    for figure in ["invocations", "cold_starts", "timeouts", "outlived_gateway"] {
        assert!(
            from_file["lambda"][figure].as_u64().unwrap() > 0,
            "the incident has {figure}"
        );
    }
    // 30,000 requests with near misses from 100 ms fill more than one query's rows
    if requests == "30000" {
        let queries = fake
            .notable_queries
            .load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            queries > 1,
            "the notable requests were fetched over a split window"
        );
    }
    // what Logs Insights bills: five queries for an access log, three for a function, each
    // over the window once (more only where the notable rows were split)
    if requests == "4000" {
        let queries = fake.queries.lock().unwrap().clone();
        assert_eq!(queries.len(), files.len(), "{queries:?}");
        for (group, count) in &queries {
            let expected = if group.contains("access") { 5 } else { 3 };
            assert_eq!(*count, expected, "{group}: {queries:?}");
        }
    }
    // --insights auto: a window that would take long to download is counted, as always
    // counts it; one quick to download is downloaded
    if lambda_format == "text" {
        let auto: Vec<&str> = args
            .iter()
            .map(|a| if *a == "always" { "auto" } else { a })
            .collect();
        let auto_args = [&auto[..], &tuning].concat();
        let auto = || {
            let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
                .args(&auto_args)
                .env("AWS_ENDPOINT_URL", fake.endpoint())
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&output.stderr).into_owned();
            assert!(output.status.success(), "{said}");
            (
                serde_json::from_slice::<Value>(&output.stdout).unwrap(),
                said,
            )
        };
        fake.volume_scale
            .store(10_000, std::sync::atomic::Ordering::SeqCst);
        let (large, said) = auto();
        assert!(said.contains("s to download"), "{said}");
        assert!(said.contains("counted by Logs Insights"), "{said}");
        assert_eq!(
            figures::figures(&large),
            figures::figures(&counted),
            "auto counts as always does"
        );
        fake.volume_scale
            .store(1, std::sync::atomic::Ordering::SeqCst);
        let (_, said) = auto();
        assert!(!said.contains("counted by Logs Insights"), "{said}");
    }
    let approximate = counted["approximate"].as_array().unwrap();
    assert_eq!(
        approximate.len(),
        2 + 4,
        "the access log's two notes, one per function"
    );
    assert_eq!(from_file["approximate"], json!([]));

    // Cancel stops a query that is still running, and the group comes out cut short
    std::env::set_var("AWS_ENDPOINT_URL", fake.endpoint());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let target = test_profile();
    let group = "/aws/apigateway/orders-access".to_owned();
    let reading = Reading::new(
        runtime.block_on(Connection::open(&target)).unwrap(),
        vec![group.clone()],
        Window {
            start_ms: 1_772_787_300_000,
            end_ms: 1_772_795_100_000,
        },
    )
    .unwrap()
    .insights(insights::Mode::Always)
    .notable_ms(26_100);
    let switch = reading.cancel_switch();
    let mut analyzer = ceiling_engine::Analyzer::new(ceiling_engine::Settings::default());
    let counted = runtime.block_on(reading.count_with_insights(
        &mut analyzer,
        // the first query answered, the user presses Cancel
        |_| switch.store(true, std::sync::atomic::Ordering::SeqCst),
    ));
    assert_eq!(counted.download, [group]);
    assert!(
        counted.notes.iter().any(|n| n.contains("cancelled")),
        "{:?}",
        counted.notes
    );
    assert_eq!(
        analyzer.finish().requests,
        0,
        "no counts from a cancelled run"
    );
}

/// `ceiling ARGS` that must succeed: its JSON output and what it said on stderr.
fn ceiling_run(args: &[&str]) -> (Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "ceiling {args:?}: {stderr}");
    (serde_json::from_slice(&output.stdout).unwrap(), stderr)
}

/// A gen.py incident put into five log groups, fetched and analyzed, gives the figures of
/// the same incident read from its files; saved with `ceiling fetch`, it re-opens the same;
/// a second fetch of an overlapping window adds no event twice and misses none.
fn fetches_an_incident_as_its_files_read(
    moto: &moto::MotoServer,
    runtime: &tokio::runtime::Runtime,
) {
    // a recent incident: CloudWatch keeps what is recent
    let dir = tempfile::tempdir().unwrap();
    let (truth, start, now) = moto::recent_incident(dir.path(), "4000", "8");
    let groups = [
        ("/aws/apigateway/incident-access", "apigw-access.jsonl"),
        ("/aws/lambda/incident-orders-fn", "lambda-orders-fn.log"),
        ("/aws/lambda/incident-payments-fn", "lambda-payments-fn.log"),
        ("/aws/lambda/incident-process-fn", "lambda-process-fn.log"),
        ("/aws/lambda/incident-reports-fn", "lambda-reports-fn.log"),
    ];
    let mut put = Vec::new();
    for (group, file) in groups {
        put.push(moto.put_file(REGION, group, &dir.path().join(file)));
    }
    // a stage's access log under a name that tells nothing is known by a message of it
    let access = std::fs::read_to_string(dir.path().join("apigw-access.jsonl")).unwrap();
    let odd = dir.path().join("edge.jsonl");
    std::fs::write(&odd, access.lines().take(3).collect::<Vec<_>>().join("\n")).unwrap();
    moto.put_file(REGION, "team-edge-logs", &odd);
    runtime.block_on(async {
        let target = test_profile();
        let connection = Connection::open(&target).await.unwrap();
        let connection = &connection;
        let kind = |group: &'static str| async move {
            connection
                .kind_of_group(group)
                .await
                .unwrap()
                .map(GroupKind::label)
        };
        assert_eq!(kind("team-edge-logs").await, Some("access log"));
        assert_eq!(
            kind("/aws/lambda/incident-orders-fn").await,
            Some("Lambda log")
        );
    });

    let files: Vec<String> = groups
        .iter()
        .map(|(_, file)| dir.path().join(file).display().to_string())
        .collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let from_files = ceiling_json(&["analyze", files[0], files[1], files[2], files[3], files[4]]);
    assert_eq!(from_files["requests"], truth["requests"]);

    let (since, until) = (
        moto::iso(start - 300_000),
        moto::iso(start + 2 * 3_600_000 + 300_000),
    );
    let mut fetch_args = vec![
        "--profile",
        "ceiling-test",
        "--since",
        &since,
        "--until",
        &until,
    ];
    for (group, _) in &groups {
        fetch_args.extend(["--log-group", group]);
    }
    // --insights auto, the default: each group sampled and its volume asked for, which moto
    // cannot count, so downloaded
    let (fetched, auto_said) = ceiling_run(&[&["analyze", "--json"][..], &fetch_args].concat());
    assert!(
        !auto_said.contains("counted by Logs Insights"),
        "{auto_said}"
    );
    assert_eq!(
        figures::figures(&fetched),
        figures::figures(&from_files),
        "fetched against files"
    );
    let names: Vec<&str> = fetched["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, groups.map(|(g, _)| g));

    // --insights never downloads without sampling or asking
    let never = [
        &["analyze", "--json", "--insights", "never"][..],
        &fetch_args,
    ]
    .concat();
    let (never, never_said) = ceiling_run(&never);
    assert!(!never_said.contains("Logs Insights"), "{never_said}");
    assert!(!never_said.contains("volume"), "{never_said}");
    assert_eq!(
        figures::figures(&never),
        figures::figures(&from_files),
        "--insights never"
    );

    // a role assumed with the MFA code given on the command line; without one, and no
    // terminal to ask on, the reason names --mfa-code
    let with_mfa: Vec<&str> = fetch_args
        .iter()
        .map(|a| if *a == "ceiling-test" { "with-mfa" } else { a })
        .collect();
    let (by_role, _) = ceiling_run(
        &[
            &["analyze", "--json", "--mfa-code", "123456"][..],
            &with_mfa,
        ]
        .concat(),
    );
    assert_eq!(
        figures::figures(&by_role),
        figures::figures(&from_files),
        "--mfa-code"
    );
    let refused = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args([&["analyze"][..], &with_mfa].concat())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let reason = String::from_utf8_lossy(&refused.stderr);
    assert!(reason.contains("--mfa-code"), "{reason}");
    // with a terminal (script(1) gives it one), the code is asked for on it
    let on_terminal = [&[env!("CARGO_BIN_EXE_ceiling"), "analyze"][..], &with_mfa]
        .concat()
        .join(" ");
    let mut asked = Command::new("script")
        .args(["-qec", &on_terminal, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    // kept open until the run ends: the end of script's input would end the terminal's
    let mut typed = asked.stdin.take().unwrap();
    std::io::Write::write_all(&mut typed, b"123456\n").unwrap();
    let asked = asked.wait_with_output().unwrap();
    drop(typed);
    let screen = String::from_utf8_lossy(&asked.stdout);
    assert!(asked.status.success(), "{screen}");
    assert!(
        screen.contains("MFA code for arn:aws:iam::123456789012:mfa/oncall"),
        "{screen}"
    );

    // `ceiling fetch --out`, then the export analyzed
    let fetched_and_reopened = |out: &str| {
        let status = Command::new(env!("CARGO_BIN_EXE_ceiling"))
            .args([&["fetch", "--out", out][..], &fetch_args].concat())
            .status()
            .unwrap();
        assert!(status.success());
        ceiling_json(&["analyze", out])
    };
    let saved = tempfile::tempdir().unwrap();
    let reopened = fetched_and_reopened(&saved.path().display().to_string());
    assert_eq!(
        figures::figures(&reopened),
        figures::figures(&from_files),
        "a saved fetch re-opened"
    );

    // every group in one file: each function keeps its name
    let one = saved.path().join("incident.jsonl.gz").display().to_string();
    let reopened = fetched_and_reopened(&one);
    assert_eq!(
        figures::figures(&reopened),
        figures::figures(&from_files),
        "a fetch saved in one file re-opened"
    );
    let functions = |analysis: &Value| {
        let mut names: Vec<String> = analysis["lambda"]["functions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["function"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        functions(&reopened),
        [
            "incident-orders-fn",
            "incident-payments-fn",
            "incident-process-fn",
            "incident-reports-fn"
        ]
    );
    assert_eq!(reopened["rejected_lines"], 0);

    // two overlapping windows through one fetcher: every event once
    runtime.block_on(async {
        let target = test_profile();
        let mut fetcher =
            Fetcher::new(Connection::open(&target).await.unwrap()).with_page_size(1_000);
        let middle = start + 3_600_000;
        let (mut events, mut pages) = (0, 0);
        for window in [
            Window {
                start_ms: start - 300_000,
                end_ms: middle,
            },
            Window {
                start_ms: middle - 1_800_000,
                end_ms: start + 2 * 3_600_000 + 300_000,
            },
        ] {
            let progress = fetcher
                .fetch_group("/aws/lambda/incident-orders-fn", window, |_| {}, |_| {})
                .await
                .unwrap();
            events += progress.events;
            pages += progress.pages;
        }
        assert!(pages > 2, "the group is read in several pages");
        assert_eq!(
            events as usize, put[1],
            "each event once across overlapping windows"
        );
        // through a proxy that throttles, fails, drops a connection midway and serves an
        // empty page with a token: every event still comes exactly once
        let proxy = fault_proxy::FaultProxy::start(moto.port());
        std::env::set_var("AWS_ENDPOINT_URL", proxy.endpoint());
        let mut spoiled =
            Fetcher::new(Connection::open(&target).await.unwrap()).with_page_size(1_000);
        let mut ids = std::collections::HashSet::new();
        let whole = Window {
            start_ms: start - 300_000,
            end_ms: start + 2 * 3_600_000 + 300_000,
        };
        let progress = spoiled
            .fetch_group(
                "/aws/lambda/incident-orders-fn",
                whole,
                |page| {
                    let page: Value = serde_json::from_slice(&page.line).unwrap();
                    for event in page["events"].as_array().unwrap() {
                        assert!(ids.insert(event["eventId"].to_string()), "an event twice");
                    }
                },
                |_| {},
            )
            .await
            .unwrap();
        assert_eq!(
            progress.events as usize, put[1],
            "every event, through the faults"
        );
        assert_eq!(ids.len(), put[1]);
        assert_eq!(proxy.faults.load(std::sync::atomic::Ordering::SeqCst), 4);
        // the throttled, failed and dropped calls were retried: three calls more than pages
        let calls = proxy.calls.load(std::sync::atomic::Ordering::SeqCst) as u64;
        assert_eq!(calls, progress.pages + 3, "{progress:?}");
        assert_eq!(progress.retries, 3, "the retries are reported");
        std::env::set_var("AWS_ENDPOINT_URL", moto.endpoint());

        let missing = fetcher
            .fetch_group(
                "/aws/lambda/nothing-here",
                Window {
                    start_ms: start,
                    end_ms: now,
                },
                |_| {},
                |_| {},
            )
            .await;
        match missing {
            Err((_, Error::GroupNotFound { group })) => {
                assert_eq!(group, "/aws/lambda/nothing-here")
            }
            other => panic!("expected GroupNotFound, got {other:?}"),
        }
    });
    let whole = Window {
        start_ms: start - 300_000,
        end_ms: start + 2 * 3_600_000 + 300_000,
    };
    a_download_reports_progress_stops_on_cancel_and_keeps_what_it_got(moto, runtime, whole, put[1]);
}

/// The same groups through the other ways a user's machine holds credentials: a role
/// assumed from another profile without MFA, the AWS_ACCESS_KEY_ID/SECRET variables, and an
/// SSO profile whose portal grants the role for the cached token. The config file of
/// `use_aws_files` is swapped for one with the extra profiles, and put back.
fn credentials_from_everywhere(dir: &std::path::Path, runtime: &tokio::runtime::Runtime) {
    let config = dir.join("config-more");
    std::fs::write(
        &config,
        format!(
            "[profile ceiling-test]\nregion = {REGION}\n\n[profile plain-role]\nregion = {REGION}\n\
             role_arn = arn:aws:iam::123456789012:role/Reader\nsource_profile = ceiling-test\n\n\
             [profile sso-ok]\nregion = {REGION}\nsso_session = ok\nsso_account_id = 123456789012\n\
             sso_role_name = Reader\n\n[sso-session ok]\nsso_region = {REGION}\n\
             sso_start_url = https://ok.awsapps.com/start\n"
        ),
    )
    .unwrap();
    std::env::set_var("AWS_CONFIG_FILE", &config);
    let open = |target: Target| async move {
        within(async { Connection::open(&target).await?.log_groups(None).await })
            .await
            .map(|groups| groups.len())
    };
    let profile = |name: &str| Target {
        profile: Some(name.to_owned()),
        ..Target::default()
    };
    runtime.block_on(async {
        let all = open(test_profile()).await.unwrap();
        assert!(all > 0);

        // a role assumed from another profile, no MFA asked for
        let profiles = ceiling_cloud::profiles().await.unwrap();
        let role = profiles.iter().find(|p| p.name == "plain-role").unwrap();
        assert_eq!((role.kind, role.mfa), (ProfileKind::Role, false));
        assert_eq!(
            open(profile("plain-role")).await.unwrap(),
            all,
            "a role, no MFA"
        );

        // credentials and region from the environment alone, no profile named
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", REGION);
        let from_environment = open(Target::default()).await;
        for variable in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
            std::env::remove_var(variable);
        }
        assert_eq!(from_environment.unwrap(), all, "environment credentials");

        // SSO: the token `aws sso login` cached for the session (under the SHA-1 of its
        // name, "ok"), exchanged at the portal for the role's credentials
        let home = tempfile::tempdir().unwrap();
        let cache = home.path().join(".aws/sso/cache");
        std::fs::create_dir_all(&cache).unwrap();
        std::fs::write(
            cache.join("7a85f4764bbd6daf1c3545efbbf0f279a6dc0beb.json"),
            json!({ "accessToken": "ceiling-sso-token", "expiresAt": "2099-01-01T00:00:00Z",
                "region": REGION, "startUrl": "https://ok.awsapps.com/start" })
            .to_string(),
        )
        .unwrap();
        let portal = sso_portal::SsoPortal::start("ceiling-sso-token", "123456789012", "Reader");
        let real_home = std::env::var_os("HOME");
        std::env::set_var("HOME", home.path());
        std::env::set_var("AWS_ENDPOINT_URL_SSO", portal.endpoint());
        let through_sso = open(profile("sso-ok")).await;
        std::env::remove_var("AWS_ENDPOINT_URL_SSO");
        match real_home {
            Some(home) => std::env::set_var("HOME", home),
            None => std::env::remove_var("HOME"),
        }
        assert_eq!(through_sso.unwrap(), all, "an SSO profile end to end");
        assert_eq!(portal.granted.load(Ordering::SeqCst), 1);
    });
    std::env::set_var("AWS_CONFIG_FILE", dir.join("config"));
}

/// A window of a group, in Ceiling's progress: each update holds more than the last, a
/// read group shows in the analyzer; Cancel stops after the page in flight and keeps what
/// was read; expired credentials midway keep what came before and say why it stopped.
/// The events of a group's input, each counted under its kind (a fetched page is one
/// document of many events).
fn events_read(analysis: &ceiling_engine::Analysis) -> u64 {
    analysis.inputs[0].kinds.values().sum()
}

fn a_download_reports_progress_stops_on_cancel_and_keeps_what_it_got(
    moto: &moto::MotoServer,
    runtime: &tokio::runtime::Runtime,
    window: Window,
    in_group: usize,
) {
    let group = "/aws/lambda/incident-orders-fn".to_owned();
    let other = "/aws/lambda/incident-payments-fn".to_owned();
    let reading = |groups: &[&String]| {
        let connection = runtime.block_on(Connection::open(&test_profile())).unwrap();
        let groups = groups.iter().map(|g| (*g).clone()).collect();
        Reading::new(connection, groups, window)
            .unwrap()
            .insights(insights::Mode::Never)
            .page_size(1_000)
    };
    let analyzer = || ceiling_engine::Analyzer::new(ceiling_engine::Settings::default());

    // a normal download: the progress grows page by page to the whole group
    let mut seen = Vec::new();
    let mut reads = 0;
    let read = runtime.block_on(reading(&[&group]).run(analyzer(), |update| match update {
        Update::Fetching(done) => seen.push(done.events),
        Update::GroupRead(analyzer) => {
            reads += 1;
            assert_eq!(events_read(&analyzer.snapshot()), in_group as u64);
        }
        Update::Counting(_) | Update::Note(_) => panic!("--insights never counts nothing"),
    }));
    assert!(seen.len() > 2, "one update a page: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last().copied(), Some(in_group as u64));
    assert_eq!(reads, 1);
    let (analysis, outcome) = read.finish().unwrap();
    assert!(outcome.failures.is_empty() && outcome.notes.is_empty());
    assert_eq!(events_read(&analysis), in_group as u64);

    // Cancel after the second page: the first group keeps its two pages, the next is not read
    let cancelling = reading(&[&group, &other]);
    let switch: Arc<AtomicBool> = cancelling.cancel_switch();
    let read = runtime.block_on(cancelling.run(analyzer(), |update| {
        if let Update::Fetching(done) = update {
            if done.pages == 2 {
                switch.store(true, Ordering::SeqCst);
            }
        }
    }));
    assert!(read.outcome.cancelled());
    assert_eq!(
        read.outcome.downloaded.len(),
        1,
        "the next group is not read"
    );
    assert_eq!(read.outcome.downloaded[0].pages, 2);
    let (analysis, outcome) = read.finish().unwrap();
    assert_eq!(outcome.failures[0].group, group);
    assert_eq!(analysis.inputs.len(), 1);
    assert_eq!(events_read(&analysis), outcome.downloaded[0].events);
    assert!((1..in_group as u64).contains(&events_read(&analysis)));

    // the credentials expire after two pages, and no retry mends that
    let proxy = fault_proxy::FaultProxy::expiring_after(moto.port(), 2);
    std::env::set_var("AWS_ENDPOINT_URL", proxy.endpoint());
    let read = runtime.block_on(reading(&[&group]).run(analyzer(), |_| {}));
    std::env::set_var("AWS_ENDPOINT_URL", moto.endpoint());
    let (analysis, outcome) = read.finish().unwrap();
    assert_eq!(outcome.downloaded[0].pages, 2);
    assert_eq!(
        events_read(&analysis),
        outcome.downloaded[0].events,
        "the events fetched before the failure are in the analysis"
    );
    assert_eq!(outcome.downloaded[0].events, 2_000);
    match &outcome.failures[..] {
        [failure] => {
            assert_eq!(failure.group, group);
            assert!(
                matches!(failure.error, Error::Credentials { .. }),
                "{failure}"
            );
        }
        other => panic!("expected one failure, got {other:?}"),
    }
    assert!(proxy.faults.load(Ordering::SeqCst) >= 1);

    // the command line says so, and analyzes the group that came before the failure
    let proxy = fault_proxy::FaultProxy::expiring_after(moto.port(), 1);
    let (since, until) = (moto::iso(window.start_ms), moto::iso(window.end_ms));
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args([
            "analyze",
            "--profile",
            "ceiling-test",
            "--insights",
            "never",
        ])
        .args(["--since", &since, "--until", &until, "--json"])
        .args(["--log-group", &group, "--log-group", &other])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("stopped early"), "{stderr}");
    assert!(stderr.contains("(partial)"), "{stderr}");
    let partial: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(partial["lambda"]["invocations"].as_u64().unwrap() > 0);
    // every group refused: nothing fetched, and why
    let proxy = fault_proxy::FaultProxy::expiring_after(moto.port(), 0);
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args([
            "analyze",
            "--profile",
            "ceiling-test",
            "--insights",
            "never",
        ])
        .args(["--since", &since, "--until", &until, "--log-group", &group])
        .env("AWS_ENDPOINT_URL", proxy.endpoint())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// An access-log record as gen.py's JSON format writes it, with a user agent that makes each
/// row about 470 bytes.
fn access_record(id: usize, time_ms: i64, status: u16) -> String {
    let (latency, integration, error) = if status == 504 {
        ("29004", "-".to_owned(), "INTEGRATION_TIMEOUT")
    } else {
        ("120", "110".to_owned(), "-")
    };
    format!(
        r#"{{"requestId":"r{id:07}","requestTimeEpoch":"{time_ms}","httpMethod":"POST","resourcePath":"/api/reports/generate","status":"{status}","responseLatency":"{latency}","integrationLatency":"{integration}","errorResponseType":"{error}","userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}}"#
    )
}

/// 100,000 notable requests (gateway timeouts) over 100 minutes, a 51 MB document of rows,
/// counted by Logs Insights: every one reaches the engine, over as many queries as the
/// 10,000-row limit needs, with no size cliff. One second holds 12,000 more: split down to
/// that second, its query is still full, its first 10,000 are read and the analysis says
/// that the rest were left out.
fn insights_reads_any_number_of_notable_rows() {
    let start_ms = 1_772_787_600_000; // 2026-03-06T09:00:00Z
    let dense_ms = start_ms + 50 * 60_000; // 09:50:00
    let mut events = Vec::new();
    // the timeouts in the dense second, of which a query gives the first 10,000
    let mut dense = 0;
    for i in 0..6_000 {
        let second = start_ms + i * 1000;
        events.push((second, access_record(events.len(), second, 200)));
        // 100,000 timeouts, 16 or 17 a second
        for j in 0..(100_000 * (i + 1) / 6_000 - 100_000 * i / 6_000) {
            let time = second + 10 + j * 50;
            events.push((time, access_record(events.len(), time, 504)));
            dense += usize::from(second == dense_ms);
        }
        if second == dense_ms {
            dense += 12_000;
            for j in 0..12_000 {
                let time = second + 500 + j / 100;
                events.push((time, access_record(events.len(), time, 504)));
            }
        }
    }
    events.sort_by_key(|(time, _)| *time);
    let row_bytes: usize = events.iter().map(|(_, m)| m.len()).sum();
    assert!(row_bytes > 16 << 20, "{row_bytes} bytes of rows");
    let group = "/aws/apigateway/reports-access";
    let fake = insights_fake::InsightsFake::start(vec![(group.to_owned(), events)]);
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(["analyze", "--profile", "ceiling-test"])
        .args([
            "--since",
            "2026-03-06T09:00:00Z",
            "--until",
            "2026-03-06T10:40:00Z",
        ])
        .args(["--insights", "always", "--log-group", group, "--json"])
        .env("AWS_ENDPOINT_URL", fake.endpoint())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let counted: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(counted["requests"], json!(118_000), "counted by the server");
    assert_eq!(counted["status"]["504"], json!(112_000));
    // every timeout read but those past the dense second's 10,000
    let read = 112_000 - (dense - 10_000);
    assert!(
        stderr.contains(&format!("{read} notable requests read in full")),
        "{stderr}"
    );
    assert_eq!(counted["integration_timeouts"], json!(read));
    assert_eq!(counted["routes"][0]["timeouts"], json!(read));
    assert!(
        fake.notable_queries.load(Ordering::SeqCst) > 11,
        "the window was split"
    );
    let notes: Vec<&str> = counted["approximate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let left_out: Vec<&&str> = notes
        .iter()
        .filter(|n| n.contains("returned its limit of 10000 notable requests"))
        .collect();
    assert_eq!(left_out.len(), 1, "{notes:?}");
    assert!(
        left_out[0].contains("the one second at 2026-03-06 09:50:00 UTC,"),
        "{notes:?}"
    );
    assert!(left_out[0].starts_with(group), "{notes:?}");
}

/// One call of the AWS JSON protocol to the Logs Insights stand-in.
fn insights_call(endpoint: &str, target: &str, body: &Value) -> Value {
    use std::io::{Read, Write};
    let address = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let body = body.to_string();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {address}\r\nX-Amz-Target: Logs_20140328.{target}\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut answer = vec![0u8; length];
    stream.read_exact(&mut answer).unwrap();
    serde_json::from_slice(&answer).unwrap()
}

/// Every finding of a generated incident carries the query behind it and its console
/// links, and each query, run by the Logs Insights stand-in over the finding's groups and
/// window, gives the finding's own figure.
#[test]
fn each_findings_query_gives_its_figure() {
    findings_queries_give_their_figures("text");
}

/// As above, the functions' logs in Lambda's JSON format: the Lambda queries are on the
/// keys of the `platform.report` records.
#[test]
fn each_findings_query_gives_its_figure_on_json_lambda_logs() {
    let checked = findings_queries_give_their_figures("json");
    for id in [
        ceiling_engine::FindingId::LambdaTimeout,
        ceiling_engine::FindingId::LambdaTimeoutAboveGateway,
        ceiling_engine::FindingId::ColdStartTimeouts,
        ceiling_engine::FindingId::MemoryPressure,
    ] {
        let query = checked
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, q)| q)
            .unwrap_or_else(|| panic!("{id} not checked: {checked:?}"));
        assert!(
            query.contains("type = \"platform.report\""),
            "{id}: {query}"
        );
        assert!(!query.contains("@type"), "{id}: {query}");
    }
}

/// Runs each finding's query of a generated incident, its Lambda logs in `lambda_format`,
/// through the stand-in; returns the findings checked with their queries.
fn findings_queries_give_their_figures(
    lambda_format: &str,
) -> Vec<(ceiling_engine::FindingId, String)> {
    use ceiling_engine::{Analyzer, Console, LinkKind, Settings};
    let dir = tempfile::tempdir().unwrap();
    gen::generate(
        dir.path(),
        &[
            "--requests",
            "3000",
            "--seed",
            "13",
            "--wrap",
            "s3",
            "--garbage",
            "0",
            "--lambda-format",
            lambda_format,
        ],
    );
    let files = gen::INCIDENT_GROUPS;
    let mut analyzer = Analyzer::new(Settings {
        console: Console {
            region: Some(REGION.to_owned()),
            log_groups: files.iter().map(|(group, _)| (*group).to_owned()).collect(),
            window: None,
        },
        ..Settings::default()
    });
    let mut groups = Vec::new();
    for (group, file) in files {
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        // read as the group it stands for, as a cloud reading names its inputs
        analyzer.read(group, text.as_bytes()).unwrap();
        let events = text
            .lines()
            .map(|line| {
                let (time, message) = line.split_once(' ').unwrap();
                (
                    ceiling_engine::parse_iso_ms(time).unwrap(),
                    message.to_owned(),
                )
            })
            .collect();
        groups.push((group.to_owned(), events));
    }
    let analysis = analyzer.finish();
    let fake = insights_fake::InsightsFake::start(groups);
    assert!(analysis.findings.len() >= 10, "{:?}", analysis.findings);
    let mut checked = Vec::new();
    for finding in &analysis.findings {
        let reproduce = finding
            .reproduce
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no query", finding.id));
        assert!(
            reproduce
                .links
                .iter()
                .any(|l| l.kind == LinkKind::LogsInsights),
            "{}: {reproduce:?}",
            finding.id
        );
        assert_eq!(reproduce.note, None, "{}", finding.id);
        let Some(figure) = &reproduce.figure else {
            continue;
        };
        let names: Vec<&str> = reproduce
            .log_groups
            .iter()
            .map(|g| g.name.as_str())
            .collect();
        let started = insights_call(
            &fake.endpoint(),
            "StartQuery",
            &json!({
                "logGroupNames": names,
                "startTime": reproduce.window.start_ms.div_euclid(1000),
                "endTime": reproduce.window.end_ms.div_euclid(1000),
                "queryString": reproduce.query,
            }),
        );
        let id = json!({ "queryId": started["queryId"] });
        let mut answer = insights_call(&fake.endpoint(), "GetQueryResults", &id);
        while answer["status"] != "Complete" {
            answer = insights_call(&fake.endpoint(), "GetQueryResults", &id);
        }
        let total: f64 = answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap())
            .filter(|cell| cell["field"] == figure.column.as_str())
            .map(|cell| cell["value"].as_str().unwrap().parse::<f64>().unwrap())
            .sum();
        assert_eq!(
            total, figure.value,
            "{}: {}\n{answer}",
            finding.id, reproduce.query
        );
        checked.push((finding.id, reproduce.query.clone()));
    }
    assert!(
        checked.len() >= 10,
        "only {} findings checked",
        checked.len()
    );
    checked
}

/// A role assumed with an MFA code, against a stand-in of STS that refuses a code it has
/// already accepted, as the real service does: listing groups, discovery, a fetch, a re-run
/// with the same code, a re-run with none and another region all use the one AssumeRole the
/// first connection made; two connections opened at once spend one code; a second process
/// with the same code is refused, and says so.
fn one_assume_role_per_mfa_code(dir: &std::path::Path, runtime: &tokio::runtime::Runtime) {
    const SERIAL: &str = "arn:aws:iam::123456789012:mfa/oncall";
    let sts = sts_mfa::StsMfa::start(SERIAL);
    // profiles of their own: the ones above were opened already, against moto's STS
    let mut config = std::fs::read_to_string(dir.join("config")).unwrap();
    for (profile, role) in [("mfa-once", "Oncall"), ("mfa-twice", "Auditor")] {
        config.push_str(&format!(
            "\n[profile {profile}]\nregion = {REGION}\nrole_arn = arn:aws:iam::123456789012:role/{role}\n\
             source_profile = ceiling-test\nmfa_serial = {SERIAL}\n"
        ));
    }
    std::fs::write(dir.join("config"), config).unwrap();
    std::env::set_var("AWS_ENDPOINT_URL_STS", sts.endpoint());
    let target = |profile: &str, code: Option<&str>, region: Option<&str>| Target {
        profile: Some(profile.to_owned()),
        region: region.map(str::to_owned),
        mfa_code: code.map(str::to_owned),
    };
    let once = |code, region| target("mfa-once", code, region);
    runtime.block_on(async {
        let groups = within(async {
            let connection = Connection::open(&once(Some("111111"), None)).await?;
            connection.log_groups(None).await
        })
        .await
        .unwrap();
        assert_eq!(groups.len(), 120);
        assert_eq!(sts.granted.load(Ordering::SeqCst), 1);

        // discovery, then a re-run with the same code, as the app sends it each time
        let apis = ceiling_cloud::config::list_apis(
            &Connection::open(&once(Some("111111"), None)).await.unwrap(),
        )
        .await
        .unwrap();
        assert!(apis.is_empty(), "{apis:?}");
        // a fetch, on a connection opened without a code, and one in another region
        let reading = Reading::new(
            Connection::open(&once(None, None)).await.unwrap(),
            vec!["/aws/lambda/orders-fn".to_owned()],
            Window {
                start_ms: 0,
                end_ms: 1_000,
            },
        )
        .unwrap()
        .insights(insights::Mode::Never);
        let analyzer = ceiling_engine::Analyzer::new(ceiling_engine::Settings::default());
        let (_, outcome) = within(reading.run(analyzer, |_| {}))
            .await
            .finish()
            .unwrap();
        assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
        let elsewhere = Connection::open(&once(Some("111111"), Some("us-east-1")))
            .await
            .unwrap();
        assert_eq!(elsewhere.log_groups(None).await.unwrap().len(), 1);
        assert_eq!(
            (
                sts.granted.load(Ordering::SeqCst),
                sts.refused.load(Ordering::SeqCst)
            ),
            (1, 0),
            "one AssumeRole for the whole session"
        );

        // two connections at once, with one new code: one AssumeRole
        let twice = target("mfa-twice", Some("222222"), None);
        let (first, second) = tokio::join!(Connection::open(&twice), Connection::open(&twice));
        first.unwrap();
        second.unwrap();
        assert_eq!(sts.granted.load(Ordering::SeqCst), 2);
    });
    // another process holds no session: the code spent above is refused, as STS refuses it
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args([
            "analyze",
            "--profile",
            "mfa-once",
            "--mfa-code",
            "111111",
            "--log-group",
            "/aws/lambda/orders-fn",
            "--since",
            "1h",
        ])
        .output()
        .unwrap();
    let reason = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{reason}");
    assert!(
        reason.contains("MultiFactorAuthentication failed"),
        "{reason}"
    );
    assert_eq!(sts.refused.load(Ordering::SeqCst), 1);
    std::env::remove_var("AWS_ENDPOINT_URL_STS");
}
