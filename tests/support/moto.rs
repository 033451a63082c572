//! A moto server on 127.0.0.1: a local AWS endpoint for the cloud tests, started on a free
//! port and stopped when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct MotoServer {
    child: Child,
    port: u16,
}

/// Where scripts/setup.sh installs moto, unless CEILING_MOTO_SERVER names another.
fn moto_server_path() -> PathBuf {
    if let Some(path) = std::env::var_os("CEILING_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache")
        });
    cache.join("ceiling/moto-venv/bin/moto_server")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl MotoServer {
    pub fn start() -> MotoServer {
        let program = moto_server_path();
        assert!(
            program.exists(),
            "{} not found: run `scripts/setup.sh test` to install moto",
            program.display()
        );
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut server = MotoServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("moto_server exited before listening: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// Calls a CloudWatch Logs action directly, as test setup independent of the code under
    /// test. moto reads the region from the credential scope and checks no signature.
    pub fn logs(&self, region: &str, action: &str, body: &serde_json::Value) -> serde_json::Value {
        let body = body.to_string();
        let request = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
             Content-Type: application/x-amz-json-1.1\r\n\
             X-Amz-Target: Logs_20140328.{action}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/logs/aws4_request, SignedHeaders=host, Signature=00\r\n\
             Content-Length: {length}\r\nConnection: close\r\n\r\n{body}",
            port = self.port,
            length = body.len(),
        );
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
        assert!(
            head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
            "{action} failed: {response}"
        );
        let body = decode_body(head, body);
        if body.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&body).unwrap()
        }
    }
}

/// Undoes chunked transfer encoding, which the server may use.
fn decode_body(head: &str, body: &str) -> String {
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return body.to_owned();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

/// A gen.py incident (`requests`, `seed`) written into `dir` in S3-export lines, that began
/// three hours ago: CloudWatch keeps what is recent. Returns its truth.json, its start and
/// the time it was written, in ms since the epoch.
pub fn recent_incident(
    dir: &std::path::Path,
    requests: &str,
    seed: &str,
) -> (serde_json::Value, i64, i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let start = (now - 3 * 3_600_000) / 60_000 * 60_000;
    let truth = super::gen::generate(
        dir,
        &[
            "--requests",
            requests,
            "--seed",
            seed,
            "--wrap",
            "s3",
            "--garbage",
            "0",
            "--start",
            &iso(start),
        ],
    );
    (truth, start, now)
}

/// ISO 8601 in UTC, as gen.py and --since take it.
pub fn iso(ms: i64) -> String {
    ceiling_engine::format_utc(ms)
        .replace(' ', "T")
        .replace("TUTC", "Z")
}

impl MotoServer {
    /// Puts a file of `<ISO time> <message>` lines (gen.py's S3 wrapping) into a new log
    /// group; returns the number of events.
    pub fn put_file(&self, region: &str, group: &str, file: &std::path::Path) -> usize {
        self.logs(
            region,
            "CreateLogGroup",
            &serde_json::json!({ "logGroupName": group }),
        );
        self.logs(
            region,
            "CreateLogStream",
            &serde_json::json!({ "logGroupName": group, "logStreamName": "2026/stream" }),
        );
        let text = std::fs::read_to_string(file).unwrap();
        let mut events: Vec<(i64, String)> = Vec::new();
        for line in text.lines() {
            let (time, message) = line.split_once(' ').unwrap_or((line, ""));
            match ceiling_engine::parse_iso_ms(time) {
                Some(ms) => events.push((ms, message.to_owned())),
                // a line without a time continues the event before it
                None => events.last_mut().unwrap().1.push_str(&format!("\n{line}")),
            }
        }
        events.sort_by_key(|(ms, _)| *ms);
        for batch in events.chunks(5_000) {
            let batch: Vec<serde_json::Value> = batch
                .iter()
                .map(|(ms, message)| serde_json::json!({ "timestamp": ms, "message": message }))
                .collect();
            self.logs(
                region,
                "PutLogEvents",
                &serde_json::json!({
                    "logGroupName": group,
                    "logStreamName": "2026/stream",
                    "logEvents": batch,
                }),
            );
        }
        events.len()
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
