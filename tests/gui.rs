//! The desktop app end to end: the real binary in a virtual X display, driven through
//! tauri-driver and WebKitWebDriver as a user would click it.
//!
//! Needs Xvfb, WebKitWebDriver (Debian: webkit2gtk-driver) and tauri-driver, which
//! `scripts/setup.sh test` installs. With `CEILING_SCREENSHOTS=DIR` it saves what it saw.

#[path = "support/gen.rs"]
mod gen;

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
async fn launch(display: &str, args: &[&str]) -> (Process, Client) {
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

async fn screenshot(client: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("CEILING_SCREENSHOTS") {
        let png = client.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(name), png).unwrap();
    }
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
    let sample_truth =
        gen::read_truth(&gen::workspace_root().join("samples/orders-api-incident/truth.json"));
    assert_figures(&client, &sample_truth).await;
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
