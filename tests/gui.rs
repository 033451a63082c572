//! The desktop app end to end: the real binary in a virtual X display, driven through
//! tauri-driver and WebKitWebDriver as a user would click it.
//!
//! Needs Xvfb, WebKitWebDriver (Debian: webkit2gtk-driver) and tauri-driver, which
//! `scripts/setup.sh test` installs. With `CEILING_SCREENSHOTS=DIR` it saves what it saw.

#[path = "support/gen.rs"]
mod gen;
#[path = "support/moto.rs"]
mod moto;

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ceiling_engine::duration::format_ms;
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// A child process stopped with SIGTERM when dropped: tauri-driver stops its WebKitWebDriver
/// only on SIGTERM, and SIGKILL would leave that orphaned.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts Xvfb on a display it picks itself, and returns it with the display's name.
fn start_xvfb() -> (Process, String) {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb runs (scripts/setup.sh test installs it)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let display = format!(":{}", line.trim());
    (Process(child), display)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tauri_driver() -> PathBuf {
    let installed =
        PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo/bin/tauri-driver");
    if installed.exists() {
        installed
    } else {
        PathBuf::from("tauri-driver")
    }
}

/// The app under tauri-driver, with the command-line arguments given, and a WebDriver client.
/// Its settings live in a folder of its own, dropped with the session.
async fn launch(display: &str, args: &[&str]) -> (Process, Client) {
    launch_with(display, args, &[]).await
}

/// The app on the sample incident, read whole, its exports written into the folder returned.
async fn launch_sample_with_exports(display: &str) -> (tempfile::TempDir, Process, Client) {
    let exports = tempfile::tempdir().unwrap();
    let (driver, client) = launch_with(
        display,
        &["--sample"],
        &[("CEILING_TEST_SAVE_DIR", exports.path())],
    )
    .await;
    // read to its end: the findings and charts of the last view, not of a snapshot while the
    // Lambda logs are still being read
    wait_for_text(&client, "#figure-requests", "1,500").await;
    wait_until_shown(&client, "partial-note", false).await;
    (exports, driver, client)
}

/// What gen.py says the sample incident holds.
fn sample_truth() -> serde_json::Value {
    gen::read_truth(&gen::workspace_root().join("samples/orders-api-incident/truth.json"))
}

async fn launch_with(display: &str, args: &[&str], env: &[(&str, &Path)]) -> (Process, Client) {
    let config = tempfile::tempdir().unwrap().keep();
    launch_in(display, args, env, &config).await
}

/// The app with its settings in `config` (its XDG_CONFIG_HOME): a second launch in the same
/// folder finds what the first one saved.
async fn launch_in(
    display: &str,
    args: &[&str],
    env: &[(&str, &Path)],
    config: &Path,
) -> (Process, Client) {
    let port = free_port();
    let native_port = free_port();
    let driver = Command::new(tauri_driver())
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("DISPLAY", display)
        .env("XDG_CONFIG_HOME", config)
        .envs(env.iter().map(|(name, value)| (*name, *value)))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tauri-driver runs (scripts/setup.sh test installs it)");
    let driver = Process(driver);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("wry"));
    capabilities.insert(
        "tauri:options".into(),
        json!({ "application": env!("CARGO_BIN_EXE_ceiling-app"), "args": args }),
    );
    // tauri-driver listens before the WebKitWebDriver behind it does, and the first start of
    // WebKit on a fresh machine is slow: retry the session until a deadline.
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return (driver, client),
            Err(error) if Instant::now() < deadline => {
                eprintln!("no WebDriver session yet ({error}); retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => panic!("no WebDriver session with the app within 60 s: {error}"),
        }
    }
}

/// Waits until the element's text equals `expected`, and says what it saw if it never does.
async fn wait_for_text(client: &Client, css: &str, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            seen = element.text().await.unwrap_or_default();
            if seen == expected {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let message = match client.find(Locator::Id("message")).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    panic!("{css}: expected {expected:?}, saw {seen:?} (message: {message:?})");
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Checks the figures on screen against a truth.json: the request count and every status row.
async fn assert_figures(client: &Client, truth: &Value) {
    wait_for_text(
        client,
        "#figure-requests",
        &thousands(truth["requests"].as_u64().unwrap()),
    )
    .await;
    let status = truth["status"].as_object().unwrap();
    for (code, count) in status {
        let css = format!("#status-table tr[data-status='{code}'] td.count");
        wait_for_text(client, &css, &thousands(count.as_u64().unwrap())).await;
    }
    let rows = client
        .find_all(Locator::Css("#status-table tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), status.len(), "one row per status code");
    let timeouts = truth["integration_timeouts"].as_u64().unwrap();
    wait_for_text(client, "#figure-timeouts", &thousands(timeouts)).await;
    // The route table opens with the most timeouts (routes may tie for it).
    let top = truth["top_timeout_route"]["timeouts"].as_u64().unwrap();
    let first_route_timeouts = "#routes-table tbody tr:first-child td:nth-child(3)";
    wait_for_text(client, first_route_timeouts, &thousands(top)).await;
}

/// Saves what the window shows, from the top of the page or from the element `at`.
async fn screenshot_at(client: &Client, name: &str, at: Option<&str>) {
    if let Some(dir) = std::env::var_os("CEILING_SCREENSHOTS") {
        let scroll = match at {
            Some(css) => format!("document.querySelector({css:?}).scrollIntoView()"),
            None => "window.scrollTo(0, 0)".to_owned(),
        };
        client.execute(&scroll, vec![]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let png = client.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(name), png).unwrap();
    }
}

/// A profile `ceiling-test` in `region` with static keys (moto takes any), the profiles
/// `more_config` adds, and every call sent to `endpoint`: its files, and the variables that
/// point the app at them.
struct TestProfile {
    _dir: tempfile::TempDir,
    config: PathBuf,
    credentials: PathBuf,
    endpoint: PathBuf,
}

impl TestProfile {
    fn new(region: &str, more_config: &str, endpoint: String) -> TestProfile {
        let dir = tempfile::tempdir().unwrap();
        let (config, credentials) = (dir.path().join("config"), dir.path().join("credentials"));
        std::fs::write(
            &config,
            format!("[profile ceiling-test]\nregion = {region}\n{more_config}"),
        )
        .unwrap();
        std::fs::write(
            &credentials,
            "[ceiling-test]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        )
        .unwrap();
        TestProfile {
            _dir: dir,
            config,
            credentials,
            endpoint: PathBuf::from(endpoint),
        }
    }

    /// The app's AWS environment: these files, the endpoint, and no instance metadata.
    fn env(&self) -> Vec<(&'static str, &Path)> {
        vec![
            ("AWS_CONFIG_FILE", &self.config),
            ("AWS_SHARED_CREDENTIALS_FILE", &self.credentials),
            ("AWS_ENDPOINT_URL", &self.endpoint),
            ("AWS_EC2_METADATA_DISABLED", Path::new("true")),
        ]
    }
}

async fn screenshot(client: &Client, name: &str) {
    screenshot_at(client, name, None).await;
}

#[tokio::test]
async fn opens_a_file_from_the_command_line_and_the_sample_from_the_window() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().unwrap();
    let truth = gen::generate(
        dir.path(),
        &["--no-lambda", "--seed", "21", "--requests", "800"],
    );
    let fixture = dir.path().join("apigw-access.jsonl");

    let (_driver, client) = launch(&display, &[fixture.to_str().unwrap()]).await;
    assert_figures(&client, &truth).await;
    screenshot(&client, "gui-file.png").await;

    // Back through the window's own button: the bundled sample incident.
    client
        .find(Locator::Id("open-sample"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_figures(&client, &sample_truth()).await;
    screenshot(&client, "gui-sample.png").await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn starts_on_the_start_screen_and_reports_unreadable_files() {
    let (_xvfb, display) = start_xvfb();
    let (_driver, client) = launch(&display, &[]).await;
    let start = client.find(Locator::Id("drop-zone")).await.unwrap();
    assert!(start.is_displayed().await.unwrap());
    screenshot(&client, "gui-start.png").await;
    client.close().await.unwrap();

    let (_driver, client) = launch(&display, &["/nonexistent/access.log"]).await;
    wait_for_text(
        &client,
        "#message",
        "cannot open /nonexistent/access.log: No such file or directory (os error 2)",
    )
    .await;
    client.close().await.unwrap();
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
}

/// Waits until `count` elements match `css`.
async fn wait_for_count(client: &Client, css: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = 0;
    while Instant::now() < deadline {
        seen = client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |e| e.len());
        if seen == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: expected {count} elements, saw {seen}");
}

async fn is_shown(client: &Client, id: &str) -> bool {
    match client.find(Locator::Id(id)).await {
        Ok(element) => element.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

async fn wait_until_shown(client: &Client, id: &str, shown: bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if is_shown(client, id).await == shown {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("#{id} was not {}", if shown { "shown" } else { "hidden" });
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// The window reads only what the user chose: a named pipe named on the command line is
/// refused with a message (reading it would block for ever), and a path the window asks
/// for that nobody chose is refused however the page asks.
#[cfg(unix)]
#[tokio::test]
async fn reads_only_chosen_regular_files() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.log");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (_driver, client) = launch(&display, &[fifo.to_str().unwrap()]).await;
    wait_for_text(
        &client,
        "#message",
        &format!(
            "{} is a named pipe (FIFO): Ceiling reads saved log files only",
            fifo.display()
        ),
    )
    .await;

    let secret = dir.path().join("not-chosen.log");
    std::fs::write(&secret, "{\"requestId\":\"a\",\"status\":\"504\"}\n").unwrap();
    let answer = client
        .execute_async(
            "const [path, done] = arguments; \
             window.__TAURI__.core.invoke('analyze', { \
               source: { kind: 'paths', paths: [path] }, \
               request: { ceiling_ms: null, access_format: null, time_zone: 'UTC', \
                          focus: { route: null, window: null } }, \
               onProgress: new window.__TAURI__.core.Channel() }) \
             .then(() => done('read'), (error) => done(error));",
            vec![json!(secret)],
        )
        .await
        .unwrap();
    assert_eq!(answer["code"], json!("input-unreadable"), "{answer}");
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with("not-chosen.log was not chosen to be opened"),
        "{answer}"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn findings_focus_and_export_on_the_sample() {
    let (_xvfb, display) = start_xvfb();
    let (exports, _driver, client) = launch_sample_with_exports(&display).await;
    let truth = sample_truth();
    assert_figures(&client, &truth).await;

    // every expected finding is listed; the first is open with its advice and evidence
    for id in truth["expected_findings"].as_array().unwrap() {
        let css = format!("#findings details[data-id='{}']", id.as_str().unwrap());
        client
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|_| panic!("no finding {id}"));
    }
    let first = "#findings details:first-child";
    assert!(text_of(&client, &format!("{first} .advice")).await.len() > 40);
    assert!(text_of(&client, &format!("{first} .evidence"))
        .await
        .contains("apigw-access.jsonl:"));
    // another one expands on a click
    let second = "#findings details:nth-child(2)";
    let is_open = |client: Client| async move {
        client
            .execute(
                "return document.querySelector('#findings details:nth-child(2)').open",
                vec![],
            )
            .await
            .unwrap()
    };
    assert_eq!(is_open(client.clone()).await, json!(false));
    click(&client, &format!("{second} summary")).await;
    assert_eq!(is_open(client.clone()).await, json!(true));
    assert!(text_of(&client, &format!("{second} .advice")).await.len() > 40);
    wait_for_count(&client, "#charts figure", 4).await;
    screenshot(&client, "gui-dashboard.png").await;
    screenshot_at(&client, "gui-charts.png", Some("#charts")).await;

    // focus on a route: every view is of that route; Escape leaves the focus
    click(
        &client,
        "#routes-table tr[data-route='POST /api/process'] td.name",
    )
    .await;
    wait_until_shown(&client, "focus-bar", true).await;
    wait_for_count(&client, "#routes-table tbody tr", 1).await;
    let process = truth["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == "POST /api/process")
        .unwrap();
    let figure = |key: &str| thousands(process[key].as_u64().unwrap());
    wait_for_text(&client, "#figure-requests", &figure("requests")).await;
    wait_for_text(&client, "#figure-timeouts", &figure("timeouts")).await;
    screenshot(&client, "gui-focus.png").await;
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{e00c}")
        .await
        .unwrap();
    wait_until_shown(&client, "focus-bar", false).await;
    wait_for_text(&client, "#figure-requests", "1,500").await;
    // the whole re-read, not a snapshot of it, is what the export writes
    wait_until_shown(&client, "partial-note", false).await;

    // the PDF report, written by the app where the save dialog would have put it
    click(&client, "#export-menu summary").await;
    click(&client, "[data-export='pdf']").await;
    let pdf = exports.path().join("ceiling-report.pdf");
    wait_for_text(&client, "#message", &format!("Wrote {}", pdf.display())).await;
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("What happened") && text.contains("POST /api/reports/generate"));
    click(&client, "#export-menu summary").await;
    click(&client, "[data-export='findings-csv']").await;
    let csv = exports.path().join("ceiling-findings.csv");
    wait_for_text(&client, "#message", &format!("Wrote {}", csv.display())).await;
    assert!(std::fs::read_to_string(&csv)
        .unwrap()
        .contains("integration-timeout"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_large_input_shows_progress_and_cancel_stops_it() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().unwrap();
    // 200 MB of access log, gzipped: one stream, read on one thread, so it takes a while
    let big = dir.path().join("big-access.jsonl.gz");
    let script = r#"
import gzip, sys
record = '{"requestId":"%08d-1111-2222-3333-444444444444","requestTimeEpoch":"%d","httpMethod":"GET","resourcePath":"/orders/{id}","status":"200","responseLatency":"%d","integrationLatency":"%d"}\n'
with gzip.open(sys.argv[1], "wt", compresslevel=1) as out:
    written, i = 0, 0
    while written < 200_000_000:
        line = record % (i, 1772787600000 + i * 7, 50 + i % 997, 40 + i % 997)
        out.write(line)
        written += len(line)
        i += 1
"#;
    let status = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&big)
        .status()
        .unwrap();
    assert!(status.success());
    // a small input first: once it is read, the window shows its figures and findings while
    // the big one is still being read
    let small = dir.path().join("a-small-access.jsonl");
    let mut log = String::new();
    for i in 0..50 {
        let status = if i % 10 == 0 { "504" } else { "200" };
        log.push_str(
            &json!({ "requestId": format!("s{i}"), "httpMethod": "GET",
            "resourcePath": "/reports", "status": status,
            "responseLatency": if status == "504" { "29010" } else { "900" },
            "errorResponseType": if status == "504" { "INTEGRATION_TIMEOUT" } else { "-" },
            "requestTimeEpoch": (1_772_787_600_000_i64 + i * 1_000).to_string() })
            .to_string(),
        );
        log.push('\n');
    }
    std::fs::write(&small, log).unwrap();
    let (_driver, client) =
        launch(&display, &[small.to_str().unwrap(), big.to_str().unwrap()]).await;
    wait_until_shown(&client, "progress", true).await;
    wait_until_shown(&client, "results", true).await;
    assert!(
        is_shown(&client, "progress").await,
        "the big input is still being read"
    );
    wait_for_text(&client, "#figure-requests", "50").await;
    assert!(text_of(&client, "#partial-note")
        .await
        .starts_with("Still reading"));
    assert!(text_of(&client, "#findings")
        .await
        .contains("integration-timeout"));
    let deadline = Instant::now() + Duration::from_secs(30);
    while text_of(&client, "#progress-text").await.is_empty() {
        assert!(Instant::now() < deadline, "no progress shown");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let progress = text_of(&client, "#progress-text").await;
    assert!(
        progress.contains(" of ") && progress.contains("lines"),
        "{progress}"
    );
    screenshot(&client, "gui-progress.png").await;
    let clicked = Instant::now();
    click(&client, "#cancel").await;
    wait_until_shown(&client, "progress", false).await;
    assert!(
        clicked.elapsed() < Duration::from_secs(5),
        "cancel took {:?}",
        clicked.elapsed()
    );
    wait_until_shown(&client, "partial-note", true).await;
    let read: u64 = text_of(&client, "#figure-requests")
        .await
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(
        read > 50 && read < 900_000,
        "{read} requests read of about 1.1 million"
    );
    assert!(text_of(&client, "#partial-note")
        .await
        .starts_with("Partial"));
    client.close().await.unwrap();
}

#[tokio::test]
async fn log_text_is_only_ever_text_in_the_window() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().unwrap();
    let hostile = r#"/<img src=x onerror="window.__pwned=1">/<script>window.__pwned=2</script>"#;
    let mut log = String::new();
    for i in 0..12 {
        let record = json!({
            "requestId": format!("r{i}"),
            "requestTimeEpoch": (1_772_787_600_000_i64 + i * 60_000).to_string(),
            "httpMethod": "GET",
            "resourcePath": hostile,
            "status": if i % 4 == 0 { "504" } else { "200" },
            "responseLatency": if i % 4 == 0 { "29010" } else { "120" },
            "integrationLatency": if i % 4 == 0 { "-" } else { "100" },
            "errorResponseType": if i % 4 == 0 { "INTEGRATION_TIMEOUT" } else { "-" },
        });
        log.push_str(&record.to_string());
        log.push('\n');
    }
    let file = dir.path().join("hostile.jsonl");
    std::fs::write(&file, log).unwrap();
    let (_driver, client) = launch(&display, &[file.to_str().unwrap()]).await;
    wait_for_text(&client, "#figure-requests", "12").await;
    let route = format!("GET {hostile}");
    wait_for_text(&client, "#routes-table tbody td.name", &route).await;
    assert!(text_of(&client, "#findings").await.contains(&route));
    let verdict = client
        .execute(
            "return [window.__pwned === undefined, document.querySelectorAll('img[src=\"x\"]').length, document.scripts.length]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        verdict,
        json!([true, 0, 1]),
        "markup from the log reached the page"
    );
    client.close().await.unwrap();
}

#[tokio::test]
async fn fetches_log_groups_from_cloudwatch_through_a_profile() {
    let moto = moto::MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (truth, _, _) = moto::recent_incident(dir.path(), "1000", "9");
    let region = "eu-west-1";
    moto.put_file(
        region,
        "/aws/apigateway/orders-access",
        &dir.path().join("apigw-access.jsonl"),
    );
    moto.put_file(
        region,
        "/aws/lambda/reports-fn",
        &dir.path().join("lambda-reports-fn.log"),
    );
    moto.logs(
        region,
        "CreateLogGroup",
        &json!({ "logGroupName": "/ecs/unrelated" }),
    );
    let with_mfa = format!(
        "\n[profile with-mfa]\nregion = {region}\n\
         role_arn = arn:aws:iam::123456789012:role/Reader\nsource_profile = ceiling-test\n\
         mfa_serial = arn:aws:iam::123456789012:mfa/oncall\n"
    );
    let aws = TestProfile::new(region, &with_mfa, moto.endpoint());
    let env = aws.env();
    let (_xvfb, display) = start_xvfb();
    let (_driver, client) = launch_with(&display, &[], &env).await;
    wait_for_count(&client, "#aws-profile option[value='ceiling-test']", 1).await;
    // a profile that assumes its role with MFA: the code field shows, and without a code
    // the app says what it needs
    wait_until_shown(&client, "aws-mfa-row", false).await;
    click(&client, "#aws-profile option[value='with-mfa']").await;
    wait_until_shown(&client, "aws-mfa-row", true).await;
    click(&client, "#aws-list").await;
    wait_until_shown(&client, "message", true).await;
    let message = text_of(&client, "#message").await;
    assert!(message.contains("mfa/oncall"), "{message}");
    client
        .find(Locator::Id("aws-mfa"))
        .await
        .unwrap()
        .send_keys("123456")
        .await
        .unwrap();
    click(&client, "#aws-list").await;
    wait_for_count(&client, "#aws-groups input", 3).await;
    screenshot(&client, "gui-aws-mfa.png").await;
    // another profile: the groups listed for the last one go
    click(&client, "#aws-profile option[value='ceiling-test']").await;
    wait_until_shown(&client, "aws-mfa-row", false).await;
    wait_for_count(&client, "#aws-groups input", 0).await;
    click(&client, "#aws-list").await;
    wait_for_count(&client, "#aws-groups input", 3).await;
    // the groups Ceiling reads come first
    let first = client
        .find(Locator::Css("#aws-groups li:first-child"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    assert_eq!(first.as_deref(), Some("suggested"));
    click(
        &client,
        "#aws-groups input[value='/aws/apigateway/orders-access']",
    )
    .await;
    click(&client, "#aws-groups input[value='/aws/lambda/reports-fn']").await;
    click(&client, "#aws-preset option[value='12h']").await;
    screenshot(&client, "gui-aws.png").await;
    click(&client, "#aws-fetch").await;
    assert_figures(&client, &truth).await;
    let inputs = text_of(&client, "#inputs-table").await;
    assert!(inputs.contains("/aws/lambda/reports-fn"), "{inputs}");

    client.close().await.unwrap();
}

/// Presses keys on the page, as a user would with nothing focused: `\u{e009}` is Control.
async fn press(client: &Client, keys: &str) {
    client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

/// Empties the field at `css` as a user would: select all, delete.
async fn empty_by_keys(client: &Client, css: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.send_keys(&format!("{CONTROL}a")).await.unwrap();
    field.send_keys("\u{e003}").await.unwrap();
}

/// Types `text` into the field at `css`, replacing what it held.
async fn type_into(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

const CONTROL: &str = "\u{e009}";

#[tokio::test]
async fn keys_an_error_with_its_hint_and_settings_and_recent_inputs_kept_across_a_restart() {
    let (_xvfb, display) = start_xvfb();
    let sample = gen::workspace_root().join("samples/orders-api-incident");
    let access = sample.join("apigw-access.jsonl");
    let truth = gen::read_truth(&sample.join("truth.json"));
    let config = tempfile::tempdir().unwrap();
    let exports = tempfile::tempdir().unwrap();
    let env = [
        ("CEILING_TEST_OPEN", access.as_path()),
        ("CEILING_TEST_SAVE_DIR", exports.path()),
    ];
    let (driver, client) = launch_in(&display, &[], &env, config.path()).await;
    wait_until_shown(&client, "recent-empty", true).await;

    // Ctrl+O with a format string that is none: the message says why, the hint what to do
    type_into(&client, "#access-format", "not a format").await;
    press(&client, &format!("{CONTROL}o")).await;
    wait_for_text(
        &client,
        "#message",
        "access-log format: 'not a format' holds no $context variable",
    )
    .await;
    assert!(text_of(&client, "#message-hint")
        .await
        .starts_with("Paste the stage's access-log format"));
    screenshot(&client, "gui-error.png").await;
    client
        .find(Locator::Id("access-format"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    press(&client, &format!("{CONTROL}o")).await;
    assert_figures(&client, &truth).await;
    assert!(!is_shown(&client, "notice").await, "the error stays shown");

    // Ctrl+F goes to the route filter, which keeps the routes that match
    press(&client, &format!("{CONTROL}f")).await;
    let focused = client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, json!("route-filter"));
    let routes = truth["routes"].as_array().unwrap();
    let matching = routes
        .iter()
        .filter(|r| r["route"].as_str().unwrap().contains("reports"))
        .count();
    type_into(&client, "#route-filter", "reports").await;
    wait_for_count(&client, "#routes-table tbody tr", matching).await;
    empty_by_keys(&client, "#route-filter").await;
    wait_for_count(&client, "#routes-table tbody tr", routes.len()).await;

    // a column sorts largest first, then smallest first
    let requests: Vec<u64> = routes
        .iter()
        .map(|r| r["requests"].as_u64().unwrap())
        .collect();
    let first_requests = "#routes-table tbody tr:first-child td:nth-child(2)";
    click(&client, "#routes-table th[data-key='requests']").await;
    wait_for_text(
        &client,
        first_requests,
        &thousands(*requests.iter().max().unwrap()),
    )
    .await;
    click(&client, "#routes-table th[data-key='requests']").await;
    wait_for_text(
        &client,
        first_requests,
        &thousands(*requests.iter().min().unwrap()),
    )
    .await;

    // Ctrl+E exports the PDF report
    press(&client, &format!("{CONTROL}e")).await;
    let pdf = exports.path().join("ceiling-report.pdf");
    wait_for_text(&client, "#message", &format!("Wrote {}", pdf.display())).await;
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));

    // a raised ceiling applies at once
    click(&client, "#open-settings").await;
    type_into(&client, "#setting-ceiling", "45").await;
    click(&client, "#save-settings").await;
    wait_for_text(&client, "#figure-ceiling", "ceiling 45.0 s").await;
    client.close().await.unwrap();
    drop(driver);

    // after a restart: the ceiling is kept, and the file opened is first among the recent
    let (_driver, client) = launch_in(&display, &[], &[], config.path()).await;
    wait_for_count(&client, "#recent li", 1).await;
    assert!(!is_shown(&client, "recent-empty").await);
    let recent = std::fs::canonicalize(&access).unwrap();
    wait_for_text(&client, "#recent button", recent.to_str().unwrap()).await;
    click(&client, "#recent button").await;
    assert_figures(&client, &truth).await;
    wait_for_text(&client, "#figure-ceiling", "ceiling 45.0 s").await;
    click(&client, "#open-settings").await;
    let ceiling = client
        .find(Locator::Id("setting-ceiling"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(ceiling.as_deref(), Some("45"));
    client.close().await.unwrap();
}

/// A mouse move to `x` pixels right of the centre of `element`.
fn mouse_to(element: &fantoccini::elements::Element, x: f64) -> PointerAction {
    PointerAction::MoveToElement {
        element: element.clone(),
        duration: Some(Duration::from_millis(100)),
        x,
        y: 0.0,
    }
}

#[tokio::test]
async fn chart_read_out_drag_to_focus_copy_buttons_and_exports_on_the_sample() {
    let (_xvfb, display) = start_xvfb();
    let (exports, _driver, client) = launch_sample_with_exports(&display).await;
    let truth = sample_truth();
    wait_for_text(&client, "#figure-requests", "1,500").await;
    wait_for_count(&client, "#charts figure", 4).await;

    // durations read as the engine writes them, exact ties included
    let p99 = truth["overall"]["p99_ms"].as_f64().unwrap();
    wait_for_text(&client, "#figure-p99", &format_ms(p99)).await;
    let values = [
        0.5, 1.5, 2.5, 850.0, 999.5, 1000.0, 18_250.0, 18_750.0, 1234.56,
    ];
    let written = client
        .execute_async(
            "const [values, done] = arguments; \
             import('./format.js').then((m) => done(values.map(m.formatMs)));",
            vec![json!(values)],
        )
        .await
        .unwrap();
    let expected: Vec<String> = values.iter().map(|v| format_ms(*v)).collect();
    assert_eq!(written, json!(expected));

    // pointing at the latency chart reads its values out
    let chart = client
        .find(Locator::Css("figure[data-chart='latency'] img"))
        .await
        .unwrap();
    client
        .execute(
            "document.querySelector(\"figure[data-chart='latency'] img\").scrollIntoView({ block: 'center' })",
            vec![],
        )
        .await
        .unwrap();
    let (_, _, width, _) = chart.rectangle().await.unwrap();
    client
        .perform_actions(MouseActions::new("mouse".into()).then(mouse_to(&chart, 0.0)))
        .await
        .unwrap();
    let readout = text_of(&client, "figure[data-chart='latency'] .readout").await;
    assert!(
        readout.starts_with("2026-03-06 ") && readout.contains(" UTC: p50 "),
        "{readout}"
    );

    // dragging across it focuses on that window; "Show everything" goes back
    let drag = MouseActions::new("mouse".into())
        .then(mouse_to(&chart, -width * 0.3))
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(mouse_to(&chart, -width * 0.1))
        .then(mouse_to(&chart, width * 0.1))
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(drag).await.unwrap();
    wait_until_shown(&client, "focus-bar", true).await;
    wait_until_shown(&client, "partial-note", false).await;
    let focus = text_of(&client, "#focus-what").await;
    assert!(
        focus.starts_with("2026-03-06 ") && focus.contains(" to ") && focus.ends_with(" UTC"),
        "{focus}"
    );
    let focused: u64 = text_of(&client, "#figure-requests")
        .await
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(
        focused > 0 && focused < 1500,
        "{focused} requests in the window"
    );
    click(&client, "#clear-focus").await;
    wait_until_shown(&client, "focus-bar", false).await;
    wait_for_text(&client, "#figure-requests", "1,500").await;
    wait_until_shown(&client, "partial-note", false).await;

    // a request id's copy button puts it on the clipboard: pasted, it filters the routes
    let sample = "#findings details:first-child .evidence li.sample";
    let id = text_of(&client, &format!("{sample} code")).await;
    click(&client, &format!("{sample} button.copy")).await;
    wait_for_text(&client, &format!("{sample} button.copy"), "Copied").await;
    let filter = client.find(Locator::Id("route-filter")).await.unwrap();
    filter.send_keys(&format!("{CONTROL}v")).await.unwrap();
    assert_eq!(filter.prop("value").await.unwrap(), Some(id));
    wait_for_count(&client, "#routes-table tbody tr", 0).await;

    // the reports and the findings, from the export menu
    for (kind, file, holds) in [
        ("html", "ceiling-report.html", "POST /api/reports/generate"),
        ("md", "ceiling-report.md", "POST /api/reports/generate"),
        (
            "findings-json",
            "ceiling-findings.json",
            "\"integration-timeout\"",
        ),
    ] {
        click(&client, "#export-menu summary").await;
        click(&client, &format!("[data-export='{kind}']")).await;
        let path = exports.path().join(file);
        wait_for_text(&client, "#message", &format!("Wrote {}", path.display())).await;
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(holds), "{file} lacks {holds}");
    }
    // every expected finding is exported (the file's layout is the report crate's)
    let findings = std::fs::read_to_string(exports.path().join("ceiling-findings.json")).unwrap();
    for id in truth["expected_findings"].as_array().unwrap() {
        assert!(
            findings.contains(&id.to_string()),
            "the exported findings lack {id}"
        );
    }
    client.close().await.unwrap();
}

#[tokio::test]
async fn times_are_shown_in_the_machine_zone_by_name() {
    let (_xvfb, display) = start_xvfb();
    let config = tempfile::tempdir().unwrap();
    // local time chosen in an earlier run, in the folder Tauri names after the app
    let folder = config.path().join("dev.ceiling.desktop");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("preferences.json"),
        json!({ "ceiling_ms": null, "local_time": true, "recent": [] }).to_string(),
    )
    .unwrap();
    let env = [("TZ", Path::new("Europe/Berlin"))];
    let (_driver, client) = launch_in(&display, &["--sample"], &env, config.path()).await;
    wait_for_text(&client, "#figure-requests", "1,500").await;
    // the timeouts fell between 10:00:04 and 10:53:09 UTC, in Berlin's winter time
    let evidence = text_of(&client, "#findings details:first-child .evidence").await;
    assert!(
        evidence.contains("2026-03-06 11:00:04 to 2026-03-06 11:53:09 Europe/Berlin: 10"),
        "{evidence}"
    );
    click(&client, "#open-settings").await;
    wait_for_text(
        &client,
        "#setting-local-zone",
        "This computer's time zone (Europe/Berlin)",
    )
    .await;
    // on the night clocks go forward, each instant is shown at the offset it had
    let written = client
        .execute_async(
            "const [done] = arguments; import('./format.js').then((m) => done([\
               m.formatTime(Date.UTC(2026, 2, 29, 0, 30), 'Europe/Berlin'),\
               m.formatTime(Date.UTC(2026, 2, 29, 1, 30), 'Europe/Berlin')]));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        written,
        json!(["2026-03-29 01:30:00", "2026-03-29 03:30:00"])
    );
    client.close().await.unwrap();
}

/// A `slow-step` finding opens its sample invocations onto their timelines: the lines as
/// text, the longest gap marked, the ceiling drawn.
#[tokio::test]
async fn a_slow_step_opens_onto_its_invocation_timeline() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().unwrap();
    gen::generate(
        dir.path(),
        &["--seed", "1", "--app-lines", "--requests", "6000"],
    );
    let files: Vec<String> = [
        "apigw-access.jsonl",
        "lambda-process-fn.log",
        "lambda-reports-fn.log",
    ]
    .iter()
    .map(|f| dir.path().join(f).to_string_lossy().into_owned())
    .collect();
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let (_driver, client) = launch(&display, &args).await;
    wait_for_text(&client, "#figure-requests", "6,000").await;
    wait_until_shown(&client, "partial-note", false).await;
    wait_for_count(&client, "details.finding[data-id=\"slow-step\"]", 2).await;
    client
        .execute(
            "for (const d of document.querySelectorAll('details.finding[data-id=\"slow-step\"]')) d.open = true",
            vec![],
        )
        .await
        .unwrap();
    let text = text_of(&client, "#findings").await;
    assert!(
        text.contains("Calling inventory-service for order"),
        "{text}"
    );
    assert!(text.contains("Running report query for account"), "{text}");
    let marks = client
        .execute(
            "const t = document.querySelector('.invocation-timeline .timeline'); return [t.querySelectorAll('.timeline-line.marked').length > 0, t.querySelectorAll('.timeline-ceiling').length > 0, t.querySelectorAll('.timeline-gap').length > 0]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(marks, json!([true, true, true]));
    screenshot_at(&client, "timeline.png", Some(".invocation-timeline")).await;
    client.close().await.unwrap();
}

/// Waits until the reading is over and read in full: no progress shown, no partial note
/// (up to 90 s: a debug build beside other builds reads the sample slowly).
async fn wait_until_read(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while is_shown(client, "progress").await || is_shown(client, "partial-note").await {
        assert!(
            Instant::now() < deadline,
            "still reading after 90 s: {:?} {:?}",
            text_of(client, "#partial-note").await,
            text_of(client, "#progress-figures").await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A stand-in for the desktop's `xdg-open` (the first launcher the opener plugin tries on
/// Linux), which writes each address it is asked to open into `opened` instead of opening a
/// browser. Returns the folder to put first on PATH.
fn fake_xdg_open(dir: &Path, opened: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("xdg-open");
    // the opener probes a launcher without arguments before using it
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n[ -n \"$1\" ] && printf '%s\\n' \"$1\" >> '{}'\nexit 0\n",
            opened.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// PATH with `first` before the machine's own.
fn path_with(first: &Path) -> PathBuf {
    let mut paths = vec![first.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    PathBuf::from(std::env::join_paths(paths).unwrap())
}

/// The addresses the stand-in `xdg-open` was asked to open, waiting up to `wait` for at
/// least `least` of them.
async fn opened_urls(opened: &Path, least: usize, wait: Duration) -> Vec<String> {
    let deadline = Instant::now() + wait;
    loop {
        let urls: Vec<String> = std::fs::read_to_string(opened)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect();
        if urls.len() >= least || Instant::now() >= deadline {
            return urls;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// "Reproduce in CloudWatch" under each finding: the query with its copy button and, for
/// files with no region, the note why there are no links; once the region is set, the
/// console links, each opened in the default browser through the opener plugin, whose
/// scope refuses every address that is not the AWS console's.
#[tokio::test]
async fn reproduce_in_cloudwatch_copies_the_query_and_opens_console_links_only() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().unwrap();
    let opened = dir.path().join("opened.txt");
    let path = path_with(&fake_xdg_open(dir.path(), &opened));
    let env = [("PATH", path.as_path())];
    let (_driver, client) = launch_with(&display, &["--sample"], &env).await;
    wait_for_text(&client, "#figure-requests", "1,500").await;
    wait_until_read(&client).await;

    // without a region, the query and the note, no link
    let first = "#findings details:first-child";
    let query = text_of(&client, &format!("{first} .reproduce pre.query")).await;
    assert!(
        query.contains("stats") || query.contains("filter"),
        "{query}"
    );
    let note = text_of(&client, &format!("{first} .reproduce-note")).await;
    assert!(note.contains("region"), "{note}");
    wait_for_count(&client, "#findings .console-link", 0).await;

    // the copy button puts the query on the clipboard: pasted into the route filter (a
    // one-line field, where each line break becomes a space), it is the query shown
    click(&client, &format!("{first} .reproduce button.copy")).await;
    wait_for_text(
        &client,
        &format!("{first} .reproduce button.copy"),
        "Copied",
    )
    .await;
    let filter = client.find(Locator::Id("route-filter")).await.unwrap();
    filter.send_keys(&format!("{CONTROL}v")).await.unwrap();
    let pasted = filter.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(pasted, query.replace('\n', " "));
    empty_by_keys(&client, "#route-filter").await;

    // the files' region set: the findings link to the console
    click(&client, "#open-settings").await;
    type_into(&client, "#setting-region", "eu-west-1").await;
    click(&client, "#save-settings").await;
    // the sample read again, to its end
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .find_all(Locator::Css("#findings .console-link"))
        .await
        .map_or(0, |l| l.len())
        == 0
        || is_shown(&client, "progress").await
    {
        assert!(Instant::now() < deadline, "no console link with a region");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_until_read(&client).await;
    client
        .execute(
            "for (const d of document.querySelectorAll('#findings details.finding')) d.open = true",
            vec![],
        )
        .await
        .unwrap();
    let link = client
        .find(Locator::Css("#findings .console-link"))
        .await
        .unwrap();
    let url = link.attr("title").await.unwrap().unwrap();
    assert!(
        url.starts_with("https://eu-west-1.console.aws.amazon.com/"),
        "{url}"
    );
    client
        .execute(
            "document.querySelector('#findings .console-link').scrollIntoView({ block: 'center' })",
            vec![],
        )
        .await
        .unwrap();
    link.click().await.unwrap();
    assert_eq!(
        opened_urls(&opened, 1, Duration::from_secs(10)).await,
        [url.as_str()]
    );
    assert!(text_of(&client, "#message")
        .await
        .starts_with("Opened in your browser: "));
    // the first finding alone open, from its advice to its console links
    client
        .execute(
            "document.querySelectorAll('#findings details.finding').forEach((d, i) => { d.open = i === 0; })",
            vec![],
        )
        .await
        .unwrap();
    screenshot_at(
        &client,
        "reproduce.png",
        Some("#findings details:first-child h4:nth-of-type(2)"),
    )
    .await;

    // the window may open nothing else, however it asks
    for refused in [
        "https://evil.example/",
        "https://evil.example/.console.aws.amazon.com/",
        "https://evil.example?.console.aws.amazon.com/",
        "https://eu-west-1.console.aws.amazon.com.evil.example/",
        "https://user@evil.example#.console.aws.amazon.com/",
        "http://eu-west-1.console.aws.amazon.com/cloudwatch/home",
        "file:///etc/passwd",
    ] {
        let answer = client
            .execute_async(
                "const [url, done] = arguments; \
                 window.__TAURI__.core.invoke('plugin:opener|open_url', { url }) \
                 .then(() => done('opened'), (error) => done(String(error)));",
                vec![json!(refused)],
            )
            .await
            .unwrap();
        assert_ne!(answer, json!("opened"), "{refused} was opened");
    }
    // and a console address it may
    let allowed = "https://console.aws.amazon.com/cloudwatch/home?region=us-west-2";
    let answer = client
        .execute_async(
            "const [url, done] = arguments; \
             window.__TAURI__.core.invoke('plugin:opener|open_url', { url }) \
             .then(() => done('opened'), (error) => done(String(error)));",
            vec![json!(allowed)],
        )
        .await
        .unwrap();
    assert_eq!(answer, json!("opened"));
    assert_eq!(
        opened_urls(&opened, 2, Duration::from_secs(10)).await,
        [url, allowed.to_owned()]
    );
    client.close().await.unwrap();
}

/// The records of an access log (JSON lines with `requestTimeEpoch`) from `from` to `to`
/// (ms since the epoch), written to `out`; lines that are no record are left out.
fn access_window(log: &Path, from: i64, to: i64, out: &Path) {
    let text = String::from_utf8_lossy(&std::fs::read(log).unwrap()).into_owned();
    let kept: String = text
        .lines()
        .filter(|line| {
            // gen.py's garbage lines are left out with the records of other times
            let record: Value = serde_json::from_str(line).unwrap_or(Value::Null);
            let time = record["requestTimeEpoch"]
                .as_str()
                .and_then(|t| t.parse().ok());
            time.is_some_and(|time: i64| (from..to).contains(&time))
        })
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(out, kept).unwrap();
}

/// "Compare with…": a gen.py incident's burst quarter hour against a calm quarter hour calls
/// the burst's route slower and the others unchanged, and exports the comparison's report;
/// the window against itself shows no change.
#[tokio::test]
async fn compare_with_a_calm_window_calls_the_burst_route_slower() {
    let (_xvfb, display) = start_xvfb();
    let dir = tempfile::tempdir().unwrap();
    // as crates/engine/tests/compare.rs generates it; the access log alone is read
    gen::generate(dir.path(), &["--seed", "13"]);
    let log = dir.path().join("apigw-access.jsonl");
    let at = |time: &str| ceiling_engine::parse_iso_ms(time).unwrap();
    let calm = dir.path().join("calm.jsonl");
    let burst = dir.path().join("burst.jsonl");
    access_window(
        &log,
        at("2026-03-06T09:50:00Z"),
        at("2026-03-06T10:05:00Z"),
        &calm,
    );
    access_window(
        &log,
        at("2026-03-06T10:10:00Z"),
        at("2026-03-06T10:25:00Z"),
        &burst,
    );
    // what the open dialog answers: a link, pointed at the calm window, then at the burst
    let chosen = dir.path().join("chosen.jsonl");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&calm, &chosen).unwrap();
    let exports = tempfile::tempdir().unwrap();
    let env = [
        ("CEILING_TEST_OPEN", chosen.as_path()),
        ("CEILING_TEST_SAVE_DIR", exports.path()),
    ];
    let (_driver, client) = launch_with(&display, &[burst.to_str().unwrap()], &env).await;
    wait_until_shown(&client, "results", true).await;
    wait_until_read(&client).await;

    // the burst shown; the calm window picked as the one before it
    click(&client, "#compare-open").await;
    wait_until_shown(&client, "compare-dialog", true).await;
    click(&client, "#compare-files").await;
    wait_until_shown(&client, "comparison", true).await;
    let first = "#comparison-routes tbody tr:first-child";
    wait_for_text(&client, &format!("{first} td.name"), "POST /api/process").await;
    assert_eq!(
        text_of(&client, &format!("{first} td:nth-child(9)")).await,
        "slower"
    );
    assert_eq!(
        text_of(&client, &format!("{first} td:nth-child(10)")).await,
        "more"
    );
    let rows = client
        .find_all(Locator::Css("#comparison-routes tbody tr"))
        .await
        .unwrap();
    for row in &rows[1..] {
        let latency = row.attr("data-latency").await.unwrap().unwrap();
        assert!(
            latency == "unchanged" || latency == "too-few-requests",
            "{}: {latency}",
            row.attr("data-route").await.unwrap().unwrap()
        );
    }
    assert_eq!(
        text_of(&client, "#comparison-windows").await,
        format!("Before: {}. After: {}.", chosen.display(), burst.display())
    );
    assert!(text_of(&client, "#comparison-summary")
        .await
        .contains("POST /api/process"));
    wait_for_count(&client, "#comparison-chart figure img", 1).await;
    screenshot_at(&client, "compare.png", Some("#comparison")).await;

    // the comparison's report, as Markdown and PDF
    click(&client, "[data-compare-export='md']").await;
    let md = exports.path().join("ceiling-comparison.md");
    wait_for_text(&client, "#message", &format!("Wrote {}", md.display())).await;
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("POST /api/process"), "{text}");
    click(&client, "[data-compare-export='pdf']").await;
    let pdf = exports.path().join("ceiling-comparison.pdf");
    wait_for_text(&client, "#message", &format!("Wrote {}", pdf.display())).await;
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));

    // the same window against itself: nothing changed
    std::fs::remove_file(&chosen).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&burst, &chosen).unwrap();
    click(&client, "#compare-open").await;
    click(&client, "#compare-files").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .find(Locator::Css(first))
        .await
        .unwrap()
        .attr("data-latency")
        .await
        .unwrap()
        .as_deref()
        == Some("slower")
    {
        assert!(
            Instant::now() < deadline,
            "the second comparison never showed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let verdicts = client
        .execute(
            "return [...document.querySelectorAll('#comparison-routes tbody tr')].map((r) => r.dataset.latency)",
            vec![],
        )
        .await
        .unwrap();
    for verdict in verdicts.as_array().unwrap() {
        assert!(
            verdict == "unchanged" || verdict == "too-few-requests",
            "{verdicts}"
        );
    }
    let changes = client
        .execute(
            "return [...document.querySelectorAll('#comparison-findings li[data-change]')].map((l) => l.dataset.change)",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        changes.as_array().unwrap().iter().all(|c| c == "unchanged"),
        "{changes}"
    );
    client.close().await.unwrap();
}

/// The Python of moto's virtual environment, which has boto3 (for tests/support/make_api.py).
fn moto_python() -> PathBuf {
    let server = std::env::var_os("CEILING_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap())
                .join(".cache/ceiling/moto-venv/bin/moto_server")
        });
    server.with_file_name("python3")
}

/// The API panel, as a new user meets it: a profile, an API and a stage picked, the
/// configuration read shown (POST /reports at its integration's 10 s, reports-fn's 30 s
/// timeout), and "Analyze last hour" fetching the stage's own groups with it applied, no
/// group chosen and no format pasted; after a restart the fetch, configuration included,
/// is there to fetch again.
#[tokio::test]
async fn the_api_panel_reads_a_stage_and_analyzes_its_last_hour() {
    let moto = moto::MotoServer::start();
    let region = "eu-west-1";
    let made = Command::new(moto_python())
        .arg(gen::workspace_root().join("tests/support/make_api.py"))
        .args([&moto.endpoint(), region])
        .output()
        .expect("moto's Python runs make_api.py");
    assert!(
        made.status.success(),
        "make_api.py failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let ids: Value = serde_json::from_slice(&made.stdout).unwrap();
    let rest = ids["rest"].as_str().unwrap().to_owned();

    // the last half hour of the stage's access log, in its own format: four requests to
    // POST /reports time out at its 10 s, four succeed just under it, one GET is fast
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let start = now - 30 * 60_000;
    let record = |id: String, time: i64, status: u16, route: (&str, &str), latency: (u32, &str)| {
        json!({
            "timestamp": time,
            "message": json!({
                "requestId": id, "requestTimeEpoch": time.to_string(), "status": status.to_string(),
                "httpMethod": route.0, "resourcePath": route.1,
                "responseLatency": latency.0.to_string(), "integrationLatency": latency.1,
            }).to_string(),
        })
    };
    let mut events: Vec<Value> = (0..8)
        .map(|i| {
            let time = start + i * 60_000;
            if i % 2 == 0 {
                record(
                    format!("r{i}"),
                    time,
                    504,
                    ("POST", "/reports"),
                    (10_020, "-"),
                )
            } else {
                record(
                    format!("r{i}"),
                    time,
                    200,
                    ("POST", "/reports"),
                    (9_450, "9400"),
                )
            }
        })
        .collect();
    events.push(record(
        "g1".to_owned(),
        start + 9 * 60_000,
        200,
        ("GET", "/orders/{id}"),
        (40, "35"),
    ));
    let access = "/aws/apigateway/orders-access";
    moto.logs(
        region,
        "CreateLogStream",
        &json!({ "logGroupName": access, "logStreamName": "prod" }),
    );
    moto.logs(
        region,
        "PutLogEvents",
        &json!({ "logGroupName": access, "logStreamName": "prod", "logEvents": events }),
    );
    // the stage's other groups exist, empty, as they would in an account
    for group in [
        format!("API-Gateway-Execution-Logs_{rest}/prod"),
        "/aws/lambda/reports-fn".to_owned(),
        "/aws/lambda/orders-fn".to_owned(),
    ] {
        moto.logs(region, "CreateLogGroup", &json!({ "logGroupName": group }));
    }

    let aws = TestProfile::new(region, "", moto.endpoint());
    let env = aws.env();
    let settings = tempfile::tempdir().unwrap();
    let (_xvfb, display) = start_xvfb();
    let (driver, client) = launch_in(&display, &[], &env, settings.path()).await;
    wait_for_count(&client, "#aws-profile option[value='ceiling-test']", 1).await;
    click(&client, "#aws-profile option[value='ceiling-test']").await;
    click(&client, "#api-list").await;
    wait_for_count(&client, &format!("#api-select option[value='{rest}']"), 1).await;
    click(&client, &format!("#api-select option[value='{rest}']")).await;
    click(&client, "#api-stage option[value='prod']").await;
    wait_until_shown(&client, "api-config", true).await;
    wait_for_text(
        &client,
        "#api-routes tr[data-route='POST /reports'] td.timeout",
        "10.0 s",
    )
    .await;
    let reports = text_of(&client, "#api-routes tr[data-route='POST /reports']").await;
    assert!(reports.contains("reports-fn:live"), "{reports}");
    wait_for_text(
        &client,
        "#api-functions tr[data-function='reports-fn'] td.timeout",
        "30.0 s",
    )
    .await;
    let facts = text_of(&client, "#api-facts").await;
    assert!(facts.contains(access), "{facts}");
    assert!(facts.contains("$context.requestId"), "{facts}");
    screenshot_at(&client, "api-panel.png", Some("#api-panel")).await;

    // the last hour of the stage's own groups, with the configuration applied
    click(&client, "#api-analyze").await;
    wait_for_text(&client, "#figure-requests", "9").await;
    wait_for_text(&client, "#figure-timeouts", "4").await;
    wait_until_read(&client).await;
    let findings = text_of(&client, "#findings").await;
    assert!(
        findings.contains("at its own integration timeout of 10.0 s"),
        "{findings}"
    );
    wait_for_count(
        &client,
        "#findings details[data-id='lambda-timeout-above-gateway']",
        1,
    )
    .await;
    let inputs = text_of(&client, "#inputs-table").await;
    assert!(inputs.contains(access), "{inputs}");
    client.close().await.unwrap();
    drop(driver);

    // after a restart, the fetch is kept with its configuration, to fetch again
    let (_driver, client) = launch_in(&display, &[], &env, settings.path()).await;
    wait_until_shown(&client, "saved-fetch", true).await;
    wait_for_text(&client, "#fetch-again", "orders-api prod, 1h to now").await;
    click(&client, "#fetch-again").await;
    wait_for_text(&client, "#figure-timeouts", "4").await;
    wait_for_count(
        &client,
        "#findings details[data-id='lambda-timeout-above-gateway']",
        1,
    )
    .await;
    client.close().await.unwrap();
}

/// A gen.py-shaped request of the access log (its JSON format) at `time_ms`: a 504 at the
/// 29 s ceiling (INTEGRATION_TIMEOUT), or a 200 served in `served_in` ms by the invocation
/// `invocation`.
fn live_access_line(id: &str, time_ms: i64, served_in: Option<u32>, invocation: &str) -> Value {
    let timed_out = served_in.is_none();
    let (status, latency, integration, error) = match served_in {
        None => (
            "504",
            "29003".to_owned(),
            "-".to_owned(),
            "INTEGRATION_TIMEOUT",
        ),
        Some(ms) => ("200", (ms + 7).to_string(), ms.to_string(), "-"),
    };
    json!({
        "timestamp": time_ms,
        "message": json!({
            "requestId": id, "ip": "203.0.113.7", "requestTimeEpoch": time_ms.to_string(),
            "httpMethod": "POST", "resourcePath": "/api/reports/generate",
            "path": "/prod/api/reports/generate", "status": status, "protocol": "HTTP/1.1",
            "responseLength": "41", "responseLatency": latency, "integrationLatency": integration,
            "integrationStatus": if timed_out { "-" } else { "200" },
            "integrationRequestId": invocation,
            "errorMessage": if timed_out { "Endpoint request timed out" } else { "-" },
            "errorResponseType": error,
        })
        .to_string(),
    })
}

/// A Lambda invocation's lines as gen.py writes them (START, a log line, "Task timed out"
/// for one that outlived its 30 s timeout, END, REPORT), from `time_ms`.
fn live_lambda_lines(invocation: &str, time_ms: i64, served_in: Option<u32>) -> Vec<Value> {
    let timed_out = served_in.is_none();
    let duration: f64 = served_in.map_or(30_034.11, |ms| f64::from(ms) - 4.48);
    let end = time_ms + duration as i64;
    let iso = |ms: i64| moto::iso(ms).replace('Z', ".000Z");
    let mut lines = vec![
        (
            time_ms,
            format!("START RequestId: {invocation} Version: $LATEST"),
        ),
        (
            time_ms + 2,
            format!(
                "{}\t{invocation}\tINFO\thandling POST /api/reports/generate",
                iso(time_ms + 2)
            ),
        ),
    ];
    if timed_out {
        lines.push((
            end,
            format!(
                "{} {invocation} Task timed out after 30.03 seconds",
                iso(end)
            ),
        ));
    }
    lines.push((end, format!("END RequestId: {invocation}")));
    lines.push((
        end,
        format!(
            "REPORT RequestId: {invocation}\tDuration: {duration:.2} ms\tBilled Duration: {} ms\t\
             Memory Size: 1024 MB\tMax Memory Used: 551 MB\t",
            duration.ceil() as u64
        ),
    ));
    lines
        .into_iter()
        .map(|(ms, message)| json!({ "timestamp": ms, "message": message }))
        .collect()
}

/// `n` requests served in 180 ms, 100 ms apart from `from_ms`.
fn served(from_ms: i64, n: usize) -> Vec<(i64, Option<u32>)> {
    (0..n)
        .map(|i| (from_ms + 100 * i as i64, Some(180)))
        .collect()
}

/// Puts requests into moto's access group and their invocations into the function's, in
/// time order: one per entry of `requests`, at its time, served in its milliseconds or
/// (None) timed out.
fn put_live_requests(moto: &moto::MotoServer, tag: &str, requests: &[(i64, Option<u32>)]) {
    let mut requests = requests.to_vec();
    requests.sort();
    let mut access = Vec::new();
    let mut lambda = Vec::new();
    for (i, (time, served_in)) in requests.into_iter().enumerate() {
        let invocation = format!("{tag}-{i:04}-4ffe-11d1-93b6116b2575");
        access.push(live_access_line(
            &format!("{tag}-req-{i}"),
            time,
            served_in,
            &invocation,
        ));
        lambda.extend(live_lambda_lines(&invocation, time - 5, served_in));
    }
    lambda.sort_by_key(|e| e["timestamp"].as_i64());
    for (group, events) in [
        ("/aws/apigateway/orders-access", access),
        ("/aws/lambda/reports-fn", lambda),
    ] {
        moto.logs(
            "eu-west-1",
            "PutLogEvents",
            &json!({ "logGroupName": group, "logStreamName": "live", "logEvents": events }),
        );
    }
}

fn epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// The element's text once it holds `part`.
async fn wait_for_text_containing(
    client: &Client,
    css: &str,
    part: &str,
    wait: Duration,
) -> String {
    let deadline = Instant::now() + wait;
    let mut seen = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            seen = element.text().await.unwrap_or_default();
            if seen.contains(part) {
                return seen;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css}: expected text holding {part:?}, saw {seen:?}");
}

/// Waits up to `wait` until `count` elements match `css`; returns how long it took.
async fn wait_for_count_within(
    client: &Client,
    css: &str,
    count: usize,
    wait: Duration,
) -> Duration {
    let started = Instant::now();
    let mut seen = 0;
    while started.elapsed() < wait {
        seen = client
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |e| e.len());
        if seen == count {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css}: expected {count} elements within {wait:?}, saw {seen}");
}

/// "Watch live" against moto, which has no Live Tail (its streaming- host does not resolve):
/// the view says the watch polls and why; a window chosen shows at once; gateway timeouts
/// put into moto while the watch runs show as a critical finding within two seconds, with a
/// desktop notification of its title alone, and clear when the five-minute window moves past
/// them; the export writes what is watched; Pause stops the figures changing, and Stop ends
/// the session.
#[tokio::test]
async fn watch_live_shows_findings_appear_and_clear_and_pauses_and_stops() {
    let moto = moto::MotoServer::start();
    let region = "eu-west-1";
    for group in ["/aws/apigateway/orders-access", "/aws/lambda/reports-fn"] {
        moto.logs(region, "CreateLogGroup", &json!({ "logGroupName": group }));
        moto.logs(
            region,
            "CreateLogStream",
            &json!({ "logGroupName": group, "logStreamName": "live" }),
        );
    }
    // calm traffic 10 to 7 minutes ago: in the backfill and the 15-minute window, out of
    // the 5-minute one
    let calm_from = epoch_ms() - 10 * 60_000;
    put_live_requests(&moto, "c0a1b2c3", &served(calm_from, 20));

    let aws = TestProfile::new(region, "", moto.endpoint());
    let exports = tempfile::tempdir().unwrap();
    let notifications = exports.path().join("notifications.jsonl");
    let mut env = aws.env();
    env.push(("CEILING_TEST_SAVE_DIR", exports.path()));
    env.push(("CEILING_TEST_NOTIFICATIONS", &notifications));
    let (_xvfb, display) = start_xvfb();
    let (_driver, client) = launch_with(&display, &[], &env).await;
    wait_for_count(&client, "#aws-profile option[value='ceiling-test']", 1).await;
    click(&client, "#aws-profile option[value='ceiling-test']").await;
    click(&client, "#aws-list").await;
    wait_for_count(&client, "#aws-groups input", 2).await;
    click(
        &client,
        "#aws-groups input[value='/aws/apigateway/orders-access']",
    )
    .await;
    click(&client, "#aws-groups input[value='/aws/lambda/reports-fn']").await;
    click(&client, "#aws-watch").await;

    // the backfill's calm traffic, in the last 15 minutes; moto has no Live Tail
    wait_until_shown(&client, "live", true).await;
    wait_for_text(&client, "#figure-requests", "20").await;
    let opened = Instant::now();
    let source = wait_for_text_containing(
        &client,
        "#live-source",
        "Polling FilterLogEvents every 2.0 s, because Live Tail is not available",
        Duration::from_secs(120),
    )
    .await;
    eprintln!("polling after {:?}: {source}", opened.elapsed());
    assert!(source.contains("Every event is read"), "{source}");
    assert_eq!(
        text_of(&client, "#live-sampled").await,
        "Every event is counted: the figures are exact."
    );
    // another window shows at once: the last five minutes hold none of it
    click(&client, "#live-window option[value='5']").await;
    wait_for_text(&client, "#figure-requests", "0").await;

    // A watch started while one runs replaces it: here with a quarter-second poll, which
    // the window's own button leaves at 2 s.
    client
        .execute_async(
            "const [done] = arguments; import('./live.js').then((live) => { \
               live.watchLive({ profile: 'ceiling-test', region: null, mfa_code: null, \
                 groups: ['/aws/apigateway/orders-access', '/aws/lambda/reports-fn'] }, \
                 { everyMs: 250 }); done(); });",
            vec![],
        )
        .await
        .unwrap();
    // the new watch tries Live Tail again before it polls
    wait_for_text_containing(
        &client,
        "#live-source",
        "every 250 ms",
        Duration::from_secs(120),
    )
    .await;
    wait_for_text(&client, "#figure-requests", "0").await;

    // Timeouts at the start of the oldest minute of the 5-minute window, put in while the
    // minute has at least 25 s to run: the window moves past them at its end.
    loop {
        let second = epoch_ms() % 60_000 / 1000;
        if (3..35).contains(&second) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // and steady traffic since, of 0.3 to 6 s, that stays in the window
    let now = epoch_ms();
    let oldest_minute = (now / 60_000 - 4) * 60_000;
    let mut incident: Vec<(i64, Option<u32>)> = (0..10)
        .map(|i| (oldest_minute + 1_000 + 100 * i, (i >= 6).then_some(180)))
        .collect();
    let steady_from = oldest_minute + 60_000;
    let steady_every = (now - 2_000 - steady_from) / 30;
    incident.extend((0..30).map(|i| {
        let latency = 300 + (i * 7919 % 5_700) as u32;
        (steady_from + i * steady_every, Some(latency))
    }));
    put_live_requests(&moto, "d5346860", &incident);
    let appeared = wait_for_count_within(
        &client,
        "#findings details[data-id='integration-timeout']",
        1,
        Duration::from_secs(2),
    )
    .await;
    eprintln!("the finding appeared {appeared:?} after its events were put");
    wait_for_text(&client, "#figure-timeouts", "6").await;
    wait_for_count(
        &client,
        "#findings details.critical[data-id='integration-timeout']",
        1,
    )
    .await;
    wait_for_count(
        &client,
        "#live-changes li[data-change='appeared'][data-id='integration-timeout']",
        1,
    )
    .await;
    let title = text_of(
        &client,
        "#findings details[data-id='integration-timeout'] .title",
    )
    .await;
    // the chart of the window, drawn
    let deadline = Instant::now() + Duration::from_secs(10);
    while client
        .execute(
            "const image = document.querySelector('#live-chart img'); \
             return !!image && image.complete && image.naturalWidth > 0;",
            vec![],
        )
        .await
        .unwrap()
        != json!(true)
    {
        assert!(Instant::now() < deadline, "the live chart was not drawn");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    screenshot_at(&client, "live.png", Some("#live")).await;

    // the desktop notification: the finding's title, nothing else of the logs
    let notified = std::fs::read_to_string(&notifications).unwrap_or_default();
    let lines: Vec<Value> = notified
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(
        lines.contains(&json!({ "title": "Critical finding appeared", "body": title })),
        "{notified}"
    );
    assert!(
        lines.iter().all(|line| !line.to_string().contains("req-")),
        "no request id in a notification: {notified}"
    );

    // what is watched exports as any analysis does
    click(&client, "#export-menu summary").await;
    click(&client, "[data-export='findings-json']").await;
    let findings = exports.path().join("ceiling-findings.json");
    wait_for_text(
        &client,
        "#message",
        &format!("Wrote {}", findings.display()),
    )
    .await;
    let exported = std::fs::read_to_string(&findings).unwrap();
    assert!(exported.contains("\"integration-timeout\""), "{exported}");

    // Pause: the figures stand while events come in; on resume they catch up
    click(&client, "#live-pause").await;
    wait_for_text_containing(&client, "#live-state", "Paused at", Duration::from_secs(5)).await;
    let events = text_of(&client, "#live-events").await;
    put_live_requests(&moto, "e7f8a9b0", &served(epoch_ms() - 2_000, 3));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(text_of(&client, "#figure-requests").await, "40");
    assert_eq!(text_of(&client, "#live-events").await, events);
    click(&client, "#live-pause").await;
    wait_for_text(&client, "#figure-requests", "43").await;

    // the window moves past the timeouts: the finding clears, and says so
    let cleared = wait_for_count_within(
        &client,
        "#live-changes li[data-change='cleared'][data-id='integration-timeout']",
        1,
        Duration::from_secs(70),
    )
    .await;
    eprintln!("the finding cleared {cleared:?} later");
    wait_for_count(
        &client,
        "#findings details[data-id='integration-timeout']",
        0,
    )
    .await;
    wait_for_text(&client, "#figure-timeouts", "0").await;
    let notified = std::fs::read_to_string(&notifications).unwrap();
    assert!(
        notified
            .contains(&json!({ "title": "Critical finding cleared", "body": title }).to_string()),
        "{notified}"
    );

    // Stop ends the session: nothing more is read
    click(&client, "#live-stop").await;
    wait_for_text(&client, "#live-state", "Stopped").await;
    let events = text_of(&client, "#live-events").await;
    put_live_requests(&moto, "f1e2d3c4", &served(epoch_ms() - 1_000, 2));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(text_of(&client, "#live-events").await, events);
    assert_eq!(text_of(&client, "#figure-requests").await, "33");
    let pause = client.find(Locator::Id("live-pause")).await.unwrap();
    assert!(!pause.is_enabled().await.unwrap());
    client.close().await.unwrap();
}

/// "Compare with…" on log groups: the burst quarter hour of a gen.py incident fetched from
/// CloudWatch Logs (moto), then compared with the calm window before it fetched from the
/// same groups: the burst's route is slower, the others unchanged or too few.
#[tokio::test]
async fn compare_with_another_window_of_the_log_groups() {
    let moto = moto::MotoServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (_, start, _) = moto::recent_incident(dir.path(), "20000", "13");
    let region = "eu-west-1";
    moto.put_file(
        region,
        "/aws/apigateway/orders-access",
        &dir.path().join("apigw-access.jsonl"),
    );
    let aws = TestProfile::new(region, "", moto.endpoint());
    let env = aws.env();
    let (_xvfb, display) = start_xvfb();
    let (_driver, client) = launch_with(&display, &[], &env).await;
    wait_for_count(&client, "#aws-profile option[value='ceiling-test']", 1).await;
    click(&client, "#aws-profile option[value='ceiling-test']").await;
    click(&client, "#aws-list").await;
    wait_for_count(&client, "#aws-groups input", 1).await;
    click(
        &client,
        "#aws-groups input[value='/aws/apigateway/orders-access']",
    )
    .await;
    // the burst's quarter hour (70 to 85 minutes in), then the twenty minutes before it
    let minute = 60_000;
    click(&client, "#aws-preset option[value='custom']").await;
    type_into(&client, "#aws-since", &moto::iso(start + 70 * minute)).await;
    type_into(&client, "#aws-until", &moto::iso(start + 85 * minute - 1)).await;
    click(&client, "#aws-fetch").await;
    wait_until_shown(&client, "results", true).await;
    wait_until_read(&client).await;
    click(&client, "#compare-open").await;
    wait_until_shown(&client, "compare-dialog", true).await;
    wait_until_shown(&client, "compare-cloud", true).await;
    type_into(&client, "#compare-since", &moto::iso(start + 50 * minute)).await;
    type_into(
        &client,
        "#compare-until",
        &moto::iso(start + 70 * minute - 1),
    )
    .await;
    click(&client, "#compare-fetch").await;
    wait_until_shown(&client, "comparison", true).await;
    let first = "#comparison-routes tbody tr:first-child";
    wait_for_text(&client, &format!("{first} td.name"), "POST /api/process").await;
    assert_eq!(
        text_of(&client, &format!("{first} td:nth-child(9)")).await,
        "slower"
    );
    let rows = client
        .find_all(Locator::Css("#comparison-routes tbody tr"))
        .await
        .unwrap();
    assert!(rows.len() > 3);
    for row in &rows[1..] {
        let latency = row.attr("data-latency").await.unwrap().unwrap();
        assert!(
            latency == "unchanged" || latency == "too-few-requests",
            "{}: {latency}",
            row.attr("data-route").await.unwrap().unwrap()
        );
    }
    client.close().await.unwrap();
}
