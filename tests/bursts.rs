//! `timeout-burst` against chance (issue 17): timeouts that fall at random over two hours give
//! no burst, a real one is found in every seed gen.py writes, and "what happened" leads with
//! the cause the evidence supports most.

#[path = "support/gen.rs"]
mod gen;

use ceiling_engine::{Analysis, Analyzer, FindingId, Settings};

/// 2026-03-06T09:00:00Z.
const T0: i64 = 1_772_787_600_000;
const HOUR: i64 = 3_600_000;

/// SplitMix64, for the incidents below: the same seed writes the same lines.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `low..high`.
    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + (self.next() % (high - low) as u64) as i64
    }

    fn hex(&mut self, digits: usize) -> String {
        (0..digits)
            .map(|_| char::from_digit((self.next() % 16) as u32, 16).unwrap())
            .collect()
    }
}

/// `2026-03-06T09:00:07.780Z` (the incidents stay within that day).
fn iso(ms: i64) -> String {
    let of_day = (ms - T0) + 9 * HOUR;
    assert!((0..24 * HOUR).contains(&of_day));
    format!(
        "2026-03-06T{:02}:{:02}:{:02}.{:03}Z",
        of_day / HOUR,
        of_day / 60_000 % 60,
        of_day / 1000 % 60,
        of_day % 1000
    )
}

/// A two-hour incident with steady traffic (a request every 3 s or so, half of them to
/// `POST /reports` on a Java function) where every cold start of reports-fn times out at the
/// gateway: `timeouts` of its requests, chosen by `pick` from their times. Returns the access
/// log and reports-fn's log, as gen.py writes them (JSON access records, text Lambda lines),
/// and the number of timeouts.
fn incident(seed: u64, pick: impl Fn(&mut Random, &[i64]) -> Vec<usize>) -> (String, String, u64) {
    let mut random = Random(seed);
    let mut times = Vec::new();
    let mut t = T0;
    while t < T0 + 2 * HOUR {
        times.push(t);
        t += random.range(1_000, 5_000);
    }
    let reports: Vec<i64> = times.iter().copied().filter(|t| t % 2 == 0).collect();
    let mut cold = vec![false; reports.len()];
    for i in pick(&mut random, &reports) {
        cold[i] = true;
    }
    let (mut access, mut lambda) = (String::new(), Vec::new());
    let mut report_index = 0;
    for &t in &times {
        let id = format!("{}-{}", random.hex(8), random.hex(12));
        let trace = format!("1-{:08x}-{}", t / 1000, random.hex(24));
        let route = if t % 2 == 0 { "/reports" } else { "/orders" };
        let method = if t % 2 == 0 { "POST" } else { "GET" };
        let timed_out = t % 2 == 0 && cold[report_index];
        let (status, latency, integration, error) = if timed_out {
            (
                "504",
                random.range(29_005, 29_030).to_string(),
                "-".to_owned(),
                "INTEGRATION_TIMEOUT",
            )
        } else {
            let ms = random.range(80, 900);
            ("200", ms.to_string(), (ms - 12).to_string(), "-")
        };
        access.push_str(&format!(
            r#"{{"requestId":"{id}","requestTimeEpoch":"{t}","httpMethod":"{method}","resourcePath":"{route}","path":"/prod{route}","status":"{status}","responseLatency":"{latency}","integrationLatency":"{integration}","errorResponseType":"{error}","integrationErrorMessage":"-","xrayTraceId":"{trace}"}}"#
        ));
        access.push('\n');
        if t % 2 == 0 {
            report_index += 1;
            let request_id = format!(
                "{}-{}-{}-{}-{}",
                random.hex(8),
                random.hex(4),
                random.hex(4),
                random.hex(4),
                random.hex(12)
            );
            let (init, duration) = if timed_out {
                (
                    Some(random.range(7_000, 9_500)),
                    random.range(24_000, 27_000),
                )
            } else {
                (None, random.range(60, 880))
            };
            let start = t + 20 + init.unwrap_or(0);
            let end = start + duration;
            lambda.push((
                start,
                format!(
                    "{} START RequestId: {request_id} Version: $LATEST",
                    iso(start)
                ),
            ));
            lambda.push((end, format!("{} END RequestId: {request_id}", iso(end))));
            lambda.push((
                end,
                format!(
                    "{} REPORT RequestId: {request_id}\tDuration: {duration}.00 ms\tBilled Duration: {} ms\tMemory Size: 1024 MB\tMax Memory Used: 310 MB\t{}XRAY TraceId: {trace}\tSegmentId: {}\tSampled: true\t",
                    iso(end),
                    duration + init.unwrap_or(0),
                    init.map(|ms| format!("Init Duration: {ms}.00 ms\t")).unwrap_or_default(),
                    random.hex(16)
                ),
            ));
        }
    }
    lambda.sort_by_key(|(t, _)| *t);
    let lambda: String = lambda.into_iter().map(|(_, line)| line + "\n").collect();
    let timeouts = cold.iter().filter(|c| **c).count() as u64;
    (access, lambda, timeouts)
}

fn analyze(files: &[(&str, &[u8])]) -> Analysis {
    let mut analyzer = Analyzer::new(Settings::default());
    for (name, bytes) in files {
        analyzer.read(name, *bytes).unwrap();
    }
    analyzer.finish()
}

fn bursts(analysis: &Analysis) -> Vec<&ceiling_engine::Finding> {
    analysis
        .findings
        .iter()
        .filter(|f| f.id == FindingId::TimeoutBurst)
        .collect()
}

fn likely_causes(analysis: &Analysis) -> &str {
    analysis
        .what_happened
        .points
        .iter()
        .find_map(|p| p.strip_prefix("Likely causes: "))
        .unwrap_or_else(|| panic!("no likely causes in {:?}", analysis.what_happened))
}

/// 55 to 70 of the requests, at random.
fn at_random(random: &mut Random, times: &[i64]) -> Vec<usize> {
    let count = random.range(55, 71) as usize;
    let mut chosen = Vec::new();
    while chosen.len() < count {
        let i = random.range(0, times.len() as i64) as usize;
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen
}

#[test]
fn timeouts_at_random_times_are_no_burst_and_the_cold_starts_lead() {
    let mut with_burst = Vec::new();
    for seed in 1..=20 {
        let (access, lambda, timeouts) = incident(seed, at_random);
        let analysis = analyze(&[
            ("apigw-access.jsonl", access.as_bytes()),
            ("lambda-reports-fn.log", lambda.as_bytes()),
        ]);
        assert_eq!(analysis.integration_timeouts, timeouts);
        assert!((55..=70).contains(&timeouts));
        let lambda = analysis.lambda.as_ref().unwrap();
        assert_eq!(
            lambda.gateway_timeouts_on_cold_start, timeouts,
            "seed {seed}"
        );
        if !bursts(&analysis).is_empty() {
            with_burst.push(seed);
        }
        let causes = likely_causes(&analysis);
        assert!(
            causes.starts_with(&format!(
                "every one of the {timeouts} timeouts ran on a cold start"
            )),
            "seed {seed}: {causes}"
        );
    }
    assert!(with_burst.len() <= 1, "bursts in seeds {with_burst:?}");
}

#[test]
fn timeouts_crowded_into_ten_minutes_of_the_same_traffic_are_a_burst() {
    // the same incidents, but a third of the timeouts fall between 10:00 and 10:10
    for seed in 1..=5 {
        let (access, lambda, _) = incident(seed, |random, times| {
            let mut chosen = at_random(random, times);
            let crowded: Vec<usize> = (0..times.len())
                .filter(|i| (T0 + HOUR..T0 + HOUR + 600_000).contains(&times[*i]))
                .filter(|i| !chosen.contains(i))
                .collect();
            let third = chosen.len() / 3;
            chosen.truncate(chosen.len() - third);
            chosen.extend(crowded.into_iter().step_by(3).take(third));
            chosen
        });
        let analysis = analyze(&[
            ("apigw-access.jsonl", access.as_bytes()),
            ("lambda-reports-fn.log", lambda.as_bytes()),
        ]);
        let found = bursts(&analysis);
        assert!(
            found.iter().any(|f| {
                let w = &f.evidence.windows[0];
                w.start_ms < T0 + HOUR + 600_000 && w.end_ms >= T0 + HOUR
            }),
            "seed {seed}: {:?}",
            found.iter().map(|f| &f.title).collect::<Vec<_>>()
        );
    }
}

#[test]
fn gen_py_s_burst_is_found_in_every_seed_and_leads_the_causes() {
    for seed in 1..=6 {
        let dir = tempfile::tempdir().unwrap();
        let truth = gen::generate(
            dir.path(),
            &["--requests", "20000", "--seed", &seed.to_string()],
        );
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy();
                name.starts_with("apigw-access.") || name.starts_with("lambda-")
            })
            .collect();
        names.sort();
        let contents: Vec<(String, Vec<u8>)> = names
            .iter()
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(p).unwrap(),
                )
            })
            .collect();
        let files: Vec<(&str, &[u8])> = contents
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .collect();
        let analysis = analyze(&files);
        let (start, end) = (
            ceiling_engine::parse_iso_ms(truth["timeout_burst"]["start"].as_str().unwrap())
                .unwrap(),
            ceiling_engine::parse_iso_ms(truth["timeout_burst"]["end"].as_str().unwrap()).unwrap(),
        );
        let found = bursts(&analysis);
        let burst = found
            .iter()
            .find(|f| {
                let w = &f.evidence.windows[0];
                w.start_ms < end && w.end_ms >= start
            })
            .unwrap_or_else(|| panic!("seed {seed}: no burst in {start}..{end}"));
        assert_eq!(
            burst.evidence.routes[0].route,
            truth["timeout_burst"]["route"].as_str().unwrap()
        );
        let causes = likely_causes(&analysis);
        assert!(
            causes.starts_with("POST /api/process slowed down between 10:1"),
            "seed {seed}: {causes}"
        );
    }
}
