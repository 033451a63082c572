//! Trust at any size and shape (issue 13): invocations told by several lines counted once,
//! captures cut mid-invocation, an execution log alone, absurd values, unbounded paths,
//! bursts of timeouts without ids, and a Python function's log of 1 GB. The `#[ignore]`d
//! tests are the full-size forms, run in release under `/usr/bin/time -v` (`cargo test
//! --release -p ceiling-engine --test scale_and_shapes -- --ignored --exact NAME`); the
//! others are their cheap forms. Measured on 2026-12-01 18:32 UTC, load average about 4
//! (docs/benchmarks.md, "Scale"): 10 M access lines 16 MB in 10.1 s; 300,000 requests on
//! 100,000 distinct paths 16 MB in 0.3 s; the burst of 50,000 33 MB in 0.5 s; the Python
//! log, 263 MB then 1,054 MB, 6.9 s then 26.0 s (generating it included), 14 to 42 MB.

use std::io::Read;
use std::time::Instant;

use ceiling_engine::{
    check_ceiling, Analysis, Analyzer, Settings, MAX_CEILING_MS, OTHER_ROUTES, ROUTES_CAP,
};

fn analyze(name: &str, text: &str) -> Analysis {
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read(name, text.as_bytes()).unwrap();
    analyzer.finish()
}

const ID: &str = "160788cd-45ff-4583-809f-c7e31127cb95";

/// The log of alexa-samples/skill-sample-nodejs-smarthome-switch#18: the REPORT, then the
/// timeout line; the invoke's error message repeats it.
#[test]
fn a_timeout_told_twice_is_one_timeout() {
    let log = format!(
        "2020-11-10T05:46:54.800Z START RequestId: {ID} Version: $LATEST\n\
         2020-11-10T05:46:57.874Z END RequestId: {ID}\n\
         2020-11-10T05:46:57.874Z REPORT RequestId: {ID}\tDuration: 3071.27 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\t\n\
         2020-11-10T05:46:57.874Z 2020-11-10T05:46:57.874Z {ID} Task timed out after 3.07 seconds\n\
         2020-11-10T05:46:57.875Z {{\"errorMessage\": \"2020-11-10T05:46:57.874Z {ID} Task timed out after 3.07 seconds\"}}\n"
    );
    let lambda = analyze("lambda-switch.log", &log).lambda.unwrap();
    assert_eq!((lambda.invocations, lambda.timeouts), (1, 1));

    // the newer order: the timeout line first, and the REPORT saying so too
    let log = format!(
        "2024-10-20T16:28:17.840Z {ID} Task timed out after 31.01 seconds\n\
         2024-10-20T16:28:17.841Z {{\"errorType\":\"Sandbox.Timedout\",\"errorMessage\":\"RequestId: {ID} Error: Task timed out after 31.01 seconds\"}}\n\
         2024-10-20T16:28:17.842Z REPORT RequestId: {ID}\tDuration: 31012.52 ms\tBilled Duration: 31000 ms\tStatus: timeout\n"
    );
    let lambda = analyze("lambda-forward.log", &log).lambda.unwrap();
    assert_eq!((lambda.invocations, lambda.timeouts), (1, 1));
    assert_eq!(lambda.functions[0].timeout_ms, Some(31_000));
}

#[test]
fn an_invocation_whose_capture_ended_before_its_report_is_counted() {
    let log = "2025-01-27T02:07:00.000Z START RequestId: 11111111-8097-48a6-a893-0e19821c44de Version: $LATEST\n\
               2025-01-27T02:07:01.000Z REPORT RequestId: 11111111-8097-48a6-a893-0e19821c44de\tDuration: 1000.00 ms\n\
               2025-01-27T02:07:03.708Z START RequestId: ae5146f9-8097-48a6-a893-0e19821c44de Version: $LATEST\n";
    let lambda = analyze("lambda-azul.log", log).lambda.unwrap();
    assert_eq!(lambda.invocations, 2);
}

/// A capture that holds an invocation's timeout line and neither its START nor its REPORT
/// (a Logs Insights query for the timeouts, a filter on "Task timed out"): one invocation,
/// timed out, however many lines say so.
#[test]
fn a_timeout_line_alone_is_one_invocation() {
    let log = format!(
        "2020-11-10T05:46:57.874Z {ID} Task timed out after 3.07 seconds\n\
         2020-11-10T05:46:57.875Z {{\"errorMessage\": \"2020-11-10T05:46:57.874Z {ID} Task timed out after 3.07 seconds\"}}\n\
         2020-11-10T05:47:10.000Z START RequestId: 22222222-45ff-4583-809f-c7e31127cb95 Version: $LATEST\n\
         2020-11-10T05:47:10.500Z REPORT RequestId: 22222222-45ff-4583-809f-c7e31127cb95\tDuration: 500.00 ms\tBilled Duration: 500 ms\tMemory Size: 128 MB\tMax Memory Used: 21 MB\n"
    );
    let lambda = analyze("lambda-timeouts-only.log", &log).lambda.unwrap();
    assert_eq!((lambda.invocations, lambda.timeouts), (2, 1));
    assert_eq!(lambda.functions[0].timeout_ms, Some(3_000));
}

#[test]
fn an_execution_log_alone_gives_its_502s() {
    let log = "(8212e5af-c174-48ce-85d5-729d73c6771a) Execution failed due to configuration error: Malformed Lambda proxy response\n\
               (8212e5af-c174-48ce-85d5-729d73c6771a) Method completed with status: 502\n";
    let analysis = analyze("execution.log", log);
    assert_eq!(analysis.bad_gateway, 1);
}

/// Values no real log holds, in every field that is added, multiplied or converted: no
/// panic in a debug build, and counts that stay counts.
#[test]
fn absurd_values_give_no_panic_and_sane_figures() {
    let mut log = String::new();
    for (i, value) in ["1e300", "18446744073709551615", "-5", "NaN", "inf"]
        .iter()
        .enumerate()
    {
        let id = format!("{i:08}-45ff-4583-809f-c7e31127cb95");
        log += &format!(
            "2020-11-10T05:46:57.874Z REPORT RequestId: {id}\tDuration: {value} ms\tInit Duration: {value} ms\tStatus: timeout\n"
        );
        log += &format!("2020-11-10T05:46:58.000Z {id}x Task timed out after {value} seconds\n");
    }
    log += "1970-01-01T00:00:00.000Z START RequestId: 99999999-45ff-4583-809f-c7e31127cb95\n";
    let lambda = analyze("lambda-absurd.log", &log).lambda.unwrap();
    // the five REPORTs, the START, and the five invocations only a timeout line tells
    assert_eq!(lambda.invocations, 11);
    assert_eq!(lambda.timeouts, 10);
    assert_eq!(lambda.cold_starts, 5);

    let mut access = String::new();
    for (time, latency) in [
        ("-9223372036854775808", "4294967295"),
        ("9223372036854775807", "1e300"),
        ("-1", "-1"),
        ("1e300", "99999999999999999999"),
    ] {
        access += &format!(
            "{{\"requestId\":\"r\",\"requestTimeEpoch\":\"{time}\",\"httpMethod\":\"GET\",\"resourcePath\":\"/x\",\"status\":\"504\",\"responseLatency\":\"{latency}\",\"integrationLatency\":\"{latency}\"}}\n"
        );
    }
    let analysis = analyze("access.log", &access);
    assert_eq!(analysis.requests, 4);
    assert_eq!(analysis.integration_timeouts, 4);

    let settings = Settings {
        ceiling_ms: Some(u64::MAX),
        ..Settings::default()
    };
    let mut analyzer = Analyzer::new(settings);
    analyzer.read("access.log", access.as_bytes()).unwrap();
    assert_eq!(analyzer.finish().ceiling_ms, MAX_CEILING_MS);
    assert!(check_ceiling(u64::MAX).is_err());
    assert!(check_ceiling(0).is_err());
    assert_eq!(check_ceiling(45_000), Ok(45_000));
}

/// Access lines made on the fly: `n` lines, the `i`-th from `line(i)`.
struct Lines<F> {
    n: u64,
    next: u64,
    line: F,
    buffer: Vec<u8>,
    at: usize,
}

impl<F: FnMut(u64, &mut Vec<u8>)> Read for Lines<F> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.buffer.len() {
            if self.next == self.n {
                return Ok(0);
            }
            self.buffer.clear();
            self.at = 0;
            for _ in 0..1024.min(self.n - self.next) {
                (self.line)(self.next, &mut self.buffer);
                self.next += 1;
            }
        }
        let n = out.len().min(self.buffer.len() - self.at);
        out[..n].copy_from_slice(&self.buffer[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn lines<F: FnMut(u64, &mut Vec<u8>)>(n: u64, line: F) -> Lines<F> {
    Lines {
        n,
        next: 0,
        line,
        buffer: Vec::new(),
        at: 0,
    }
}

/// `n` requests on concrete paths without resourcePath: a third to numbered users, a third to
/// hex blobs, a third to probes of distinct words.
fn distinct_paths(n: u64) {
    let words = |i: u64| -> String {
        let mut i = i;
        let mut word = String::new();
        loop {
            word.push((b'a' + (i % 26) as u8) as char);
            i /= 26;
            if i == 0 {
                break word;
            }
        }
    };
    let input = lines(n, |i, out| {
        let path = match i % 3 {
            0 => format!("/users/{i}"),
            1 => format!("/blobs/{:016x}", i.wrapping_mul(0x9e3779b97f4a7c15)),
            _ => format!("/probe/{}", words(i)),
        };
        let status = if i % 100 == 0 { 504 } else { 200 };
        out.extend_from_slice(
            format!(
                "{{\"requestId\":\"r{i}\",\"httpMethod\":\"GET\",\"path\":\"{path}\",\"status\":\"{status}\",\"responseLatency\":\"{}\"}}\n",
                i % 900
            )
            .as_bytes(),
        );
    });
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read("access.log", input).unwrap();
    let analysis = analyzer.finish();
    assert_eq!(analysis.requests, n);
    assert!(analysis.routes.len() <= ROUTES_CAP + 1);
    let users = analysis
        .routes
        .iter()
        .find(|r| r.route == "GET /users/{id}");
    assert_eq!(users.map(|r| r.requests), Some(n.div_ceil(3)));
    let blobs = analysis
        .routes
        .iter()
        .find(|r| r.route == "GET /blobs/{id}");
    assert_eq!(blobs.map(|r| r.requests), Some((n + 1) / 3));
    let total: u64 = analysis.routes.iter().map(|r| r.requests).sum();
    assert_eq!(total, n, "every request is under one row");
    let timeouts: u64 = analysis.routes.iter().map(|r| r.timeouts).sum();
    assert_eq!(timeouts, n.div_ceil(100));
    let probes = n / 3;
    if probes + 2 > ROUTES_CAP as u64 {
        let other = analysis.routes.last().unwrap();
        assert_eq!(other.route, OTHER_ROUTES);
        assert_eq!(other.folded_routes, Some(probes + 2 - ROUTES_CAP as u64));
    }
}

#[test]
fn distinct_concrete_paths_are_templated_and_capped() {
    distinct_paths(9_000);
}

#[test]
#[ignore = "full size: cargo test --release -- --ignored"]
fn one_hundred_thousand_distinct_concrete_paths() {
    distinct_paths(300_000);
}

/// A burst of `n` timeouts on one route within one minute, and `n` invocations behind them,
/// with no request or trace ids: each is paired by time.
fn timeout_burst(n: u64) {
    let start = 1_772_787_600_000i64;
    let mut analyzer = Analyzer::new(Settings::default());
    let access = lines(n, |i, out| {
        let time = start + (i as i64 * 60_000) / n as i64;
        out.extend_from_slice(
            format!(
                "{{\"requestId\":\"r{i}\",\"requestTimeEpoch\":\"{time}\",\"httpMethod\":\"POST\",\"resourcePath\":\"/slow\",\"status\":\"504\",\"responseLatency\":\"29010\",\"integrationLatency\":\"-\"}}\n"
            )
            .as_bytes(),
        );
    });
    analyzer.read("access.log", access).unwrap();
    let lambda = lines(n, |i, out| {
        let end = start + (i as i64 * 60_000) / n as i64 + 30_050;
        let utc = ceiling_engine::format_utc(end);
        let time = format!("{}T{}.{:03}Z", &utc[..10], &utc[11..19], end % 1000);
        out.extend_from_slice(
            format!(
                "{time} REPORT RequestId: {i:08x}-0000-4000-8000-000000000000\tDuration: 30000.00 ms\tStatus: timeout\n"
            )
            .as_bytes(),
        );
    });
    analyzer.read("lambda-slow.log", lambda).unwrap();
    let began = Instant::now();
    let analysis = analyzer.finish();
    eprintln!("finish of a burst of {n}: {:?}", began.elapsed());
    assert_eq!(analysis.integration_timeouts, n);
    assert_eq!(analysis.lambda.as_ref().unwrap().timeouts, n);
    assert_eq!(analysis.correlation.by_time, n);
    assert_eq!(analysis.correlation.unmatched_timeouts, 0);
}

#[test]
fn a_burst_of_timeouts_without_ids_is_paired_by_time() {
    timeout_burst(3_000);
}

#[test]
#[ignore = "full size: cargo test --release -- --ignored"]
fn a_burst_of_fifty_thousand_timeouts_without_ids() {
    timeout_burst(50_000);
}

/// `n` access lines over a day on 40 routes, one in 500 a timeout.
fn access_lines(n: u64) {
    let start = 1_772_787_600_000i64;
    let input = lines(n, |i, out| {
        let time = start + (i as i64 * 86_400_000) / n as i64;
        let (status, latency) = if i % 500 == 0 {
            (504, 29_010)
        } else {
            (200, i % 2_000)
        };
        out.extend_from_slice(
            format!(
                "{{\"requestId\":\"r{i}\",\"requestTimeEpoch\":\"{time}\",\"httpMethod\":\"GET\",\"resourcePath\":\"/r{}\",\"status\":\"{status}\",\"responseLatency\":\"{latency}\"}}\n",
                i % 40
            )
            .as_bytes(),
        );
    });
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read("access.log", input).unwrap();
    let analysis = analyzer.finish();
    assert_eq!(analysis.requests, n);
    assert_eq!(analysis.integration_timeouts, n.div_ceil(500));
    assert_eq!(analysis.routes.len(), 40);
    assert_eq!(analysis.status[&200], n - n.div_ceil(500));
}

#[test]
fn access_lines_at_scale_cheap() {
    access_lines(100_000);
}

#[test]
#[ignore = "full size: cargo test --release -- --ignored"]
fn ten_million_access_lines() {
    access_lines(10_000_000);
}

/// The peak resident memory of this process so far, in MB (Linux).
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// A Python function's log of `n` invocations, as the runtime prints it, made on the fly:
/// the init phase's `[INFO]` line first (so the input starts with `[`), then for each
/// invocation its START, `[INFO]` application lines (tab-separated level, time, request id,
/// message), for one in ten an `[ERROR]` with its traceback on the following lines, for one
/// in fifty the runtime's "Task timed out" line, then END and REPORT (with an Init Duration
/// for one in two hundred, a cold start). The invocations, timeouts and cold starts are
/// counted here from the same rules, not by the engine; returns the analysis and the bytes
/// read.
fn python_lambda_log(n: u64) -> (Analysis, u64) {
    let start = 1_772_787_600_000i64;
    let timed_out = |i: u64| i % 50 == 7;
    let cold = |i: u64| i % 200 == 0;
    let utc = |ms: i64| {
        let text = ceiling_engine::format_utc(ms);
        format!("{}T{}.{:03}Z", &text[..10], &text[11..19], ms % 1000)
    };
    let bytes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = std::sync::Arc::clone(&bytes);
    let input = lines(n, move |i, out| {
        let before = out.len();
        let at = start + i as i64 * 100;
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            i.wrapping_mul(2_654_435_761) & 0xffff_ffff,
            i & 0xffff,
            i % 0xfff,
            (i / 7) % 0xfff,
            i
        );
        if i == 0 {
            out.extend_from_slice(
                format!(
                    "[INFO]\t{}\t\tFound credentials in environment variables.\n",
                    utc(at - 500)
                )
                .as_bytes(),
            );
        }
        let mut text = format!("START RequestId: {id} Version: $LATEST\n");
        text += &format!(
            "[INFO]\t{}\t{id}\tProcessing order {i} for customer c{}\n",
            utc(at + 3),
            i % 977
        );
        text += &format!(
            "[INFO]\t{}\t{id}\tFetched 12 items from the catalogue in 41 ms\n",
            utc(at + 45)
        );
        if i % 10 == 3 {
            text += &format!(
                "[ERROR]\t{}\t{id}\tKeyError: 'price'\nTraceback (most recent call last):\n  File \"/var/task/app.py\", line 31, in handler\n    total = sum(item[\"price\"] for item in items)\n  File \"/var/task/app.py\", line 31, in <genexpr>\n    total = sum(item[\"price\"] for item in items)\nKeyError: 'price'\n",
                utc(at + 50)
            );
        }
        let duration = if timed_out(i) {
            text += &format!(
                "{} {id} Task timed out after 3.00 seconds\n",
                utc(at + 3_001)
            );
            3_000.41
        } else {
            60.0 + (i % 400) as f64 + 0.25
        };
        text += &format!("END RequestId: {id}\n");
        text += &format!(
            "REPORT RequestId: {id}\tDuration: {duration:.2} ms\tBilled Duration: {} ms\tMemory Size: 512 MB\tMax Memory Used: {} MB",
            duration.ceil() as u64,
            70 + i % 50
        );
        if cold(i) {
            text += "\tInit Duration: 412.77 ms";
        }
        text += "\t\n";
        out.extend_from_slice(text.as_bytes());
        counted.fetch_add(
            (out.len() - before) as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    });
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read("orders-python.log", input).unwrap();
    let analysis = analyzer.finish();
    let lambda = analysis.lambda.as_ref().expect("a Lambda log");
    assert_eq!(lambda.invocations, n);
    assert_eq!(
        lambda.timeouts,
        (0..n).filter(|&i| timed_out(i)).count() as u64
    );
    assert_eq!(
        lambda.cold_starts,
        (0..n).filter(|&i| cold(i)).count() as u64
    );
    assert_eq!(analysis.rejected_lines, 0);
    let read = bytes.load(std::sync::atomic::Ordering::Relaxed);
    (analysis, read)
}

#[test]
fn a_python_lambda_log_cheap() {
    let (_, bytes) = python_lambda_log(5_000);
    assert!(bytes > 2_000_000, "{bytes}");
}

/// 1 GB of a Python function's log (2 M invocations), and a quarter of it for the time's
/// growth with the input (a byte of the larger no slower than twice a byte of the smaller,
/// for the slow spells of a shared machine): under 150 MB at its peak.
#[test]
#[ignore = "full size: cargo test --release -- --ignored"]
fn a_python_lambda_log_of_one_gigabyte() {
    let mut seconds = Vec::new();
    for n in [500_000, 2_000_000] {
        let began = Instant::now();
        let (_, bytes) = python_lambda_log(n);
        let elapsed = began.elapsed().as_secs_f64();
        eprintln!(
            "{n} invocations, {:.0} MB: {elapsed:.1} s, peak RSS {:?} MB",
            bytes as f64 / 1e6,
            peak_rss_mb()
        );
        seconds.push((bytes, elapsed));
    }
    assert!(seconds[1].0 > 1_000_000_000, "{seconds:?}");
    let per_byte = |(bytes, elapsed): (u64, f64)| elapsed / bytes as f64;
    assert!(
        per_byte(seconds[1]) < 2.0 * per_byte(seconds[0]),
        "not linear: {seconds:?}"
    );
    if let Some(rss) = peak_rss_mb() {
        assert!(rss < 150, "peak RSS {rss} MB");
    }
}
