//! `ceiling compare`: two windows side by side, before and after a deploy. Each is read
//! from files (`BEFORE... --with AFTER...`) or fetched from the same log groups
//! (`--log-group G --before START/LENGTH --after LENGTH`), analysed as `ceiling analyze`
//! would, and compared by the engine ([`ceiling_engine::compare`]). A window may also be
//! an analysis saved with `analyze --json`, read back as it was written.

use std::io::Write;
use std::path::{Path, PathBuf};

use ceiling_engine::compare::{Comparison, FindingChangeKind, LatencyChange, RouteSide};
use ceiling_engine::{
    compare, duration::parse_ms, expand_paths, format_utc, parse_time, Analysis, Analyzer,
    CompareSettings, Console, Focus, Settings, Template, Thresholds, Window,
};
use ceiling_report::{Format, ReportOptions, Zone};

use crate::cloud::{self, CloudArgs, InsightsMode};
use crate::{count, duration, no_records_reason, print_output, show_progress, Verdict};

#[derive(clap::Args)]
pub struct CompareArgs {
    /// The before window's log files or folders, or an analysis saved with `analyze --json`.
    #[arg(value_name = "BEFORE")]
    before_files: Vec<PathBuf>,
    /// The after window's log files or folders, or a saved analysis.
    #[arg(long = "with", value_name = "AFTER", num_args = 1..)]
    after_files: Vec<PathBuf>,
    /// The AWS profile, for windows fetched from log groups [default: AWS_PROFILE, then
    /// default].
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// The region [default: AWS_REGION, then the profile's].
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// The MFA device's current code, for a profile with `mfa_serial`.
    #[arg(long, value_name = "CODE")]
    mfa_code: Option<String>,
    /// A log group to fetch both windows of (repeatable).
    #[arg(long = "log-group", value_name = "GROUP")]
    log_groups: Vec<String>,
    /// The before window of the log groups: its start (ISO 8601; without a zone, UTC; or
    /// 2h for two hours ago) and length, e.g. 2026-03-05T09:00/2h.
    #[arg(long, value_name = "START/LENGTH")]
    before: Option<String>,
    /// The after window: a length (the window of that length right after the before one),
    /// or START/LENGTH [default: as long as the before window, right after it].
    #[arg(long, value_name = "[START/]LENGTH")]
    after: Option<String>,
    /// When CloudWatch Logs Insights counts an access log on the server (as `analyze`).
    #[arg(long, value_enum, default_value_t = InsightsMode::Auto)]
    insights: InsightsMode,
    /// Print the comparison as one JSON document.
    #[arg(long)]
    json: bool,
    /// The integration timeout to measure against [default: 29s; 30s for HTTP APIs].
    #[arg(long, value_name = "DURATION", value_parser = crate::parse_ceiling)]
    ceiling: Option<u64>,
    /// The stage's access-log format string ($context template); `@FILE` reads it.
    #[arg(long, value_name = "TEMPLATE", value_parser = crate::parse_template)]
    access_format: Option<Template>,
    /// Threads to read with [default: all cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Also write the comparison's report to this file (.pdf, .html, .md).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The time zone of the report's times (as `analyze`).
    #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = Zone::parse)]
    time_zone: Zone,
    /// Change when a finding fires (as `analyze`; repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    threshold: Vec<String>,
    /// Look at one route only.
    #[arg(long, value_name = "ROUTE")]
    route: Option<String>,
    /// A change is called where its test's p-value is below this.
    #[arg(long, value_name = "P", default_value_t = CompareSettings::default().p_value)]
    p_value: f64,
    /// Routes and functions with fewer requests than this in a window are "too few
    /// requests".
    #[arg(long, value_name = "N", default_value_t = CompareSettings::default().min_requests)]
    min_requests: u64,
}

/// Where the two windows come from.
enum Windows {
    Files,
    Groups { before: Window, after: Window },
}

/// A time as `--before` takes it: as [`parse_time`], and ISO 8601 without a zone as UTC.
fn parse_start(text: &str, now_ms: i64) -> Result<i64, String> {
    parse_time(text, now_ms)
        .or_else(|error| {
            let utc = [format!("{text}Z"), format!("{text}:00Z")];
            utc.iter()
                .find_map(|t| parse_time(t, now_ms).ok())
                .ok_or(error)
        })
        .map_err(|e| e.to_string())
}

fn parse_length(text: &str) -> Result<i64, String> {
    match parse_ms(text) {
        Ok(0) => Err(format!("'{text}' is no length of time")),
        Ok(ms) => i64::try_from(ms).map_err(|_| format!("'{text}' is too long")),
        Err(e) => Err(e.to_string()),
    }
}

/// `START/LENGTH` as a window, both ends included.
fn parse_span(flag: &str, text: &str, now_ms: i64) -> Result<Window, String> {
    let (start, length) = text
        .rsplit_once('/')
        .ok_or_else(|| format!("{flag}: write START/LENGTH, e.g. 2026-03-05T09:00/2h"))?;
    let start_ms = parse_start(start, now_ms).map_err(|e| format!("{flag}: {e}"))?;
    let length = parse_length(length).map_err(|e| format!("{flag}: {e}"))?;
    Ok(Window {
        start_ms,
        end_ms: start_ms + length - 1,
    })
}

/// The two windows of `--before` and `--after`.
fn group_windows(
    before: &str,
    after: Option<&str>,
    now_ms: i64,
) -> Result<(Window, Window), String> {
    let before = parse_span("--before", before, now_ms)?;
    let after = match after {
        Some(text) if text.contains('/') => parse_span("--after", text, now_ms)?,
        Some(text) => {
            let length = parse_length(text).map_err(|e| format!("--after: {e}"))?;
            Window {
                start_ms: before.end_ms + 1,
                end_ms: before.end_ms + length,
            }
        }
        None => Window {
            start_ms: before.end_ms + 1,
            end_ms: before.end_ms + (before.end_ms - before.start_ms) + 1,
        },
    };
    Ok((before, after))
}

impl CompareArgs {
    fn windows(&self) -> Result<Windows, String> {
        match (&self.before, self.log_groups.is_empty()) {
            (None, true) => {
                if self.before_files.is_empty() || self.after_files.is_empty() {
                    return Err("name the before files and the after ones: ceiling compare \
                         BEFORE... --with AFTER... (or --log-group G --before START/LENGTH)"
                        .to_owned());
                }
                if self.after.is_some() {
                    return Err("--after needs --before and --log-group".to_owned());
                }
                Ok(Windows::Files)
            }
            (Some(before), false) => {
                if !self.before_files.is_empty() || !self.after_files.is_empty() {
                    return Err(
                        "compare either files (BEFORE... --with AFTER...) or windows of log \
                         groups (--before), not both"
                            .to_owned(),
                    );
                }
                let (before, after) =
                    group_windows(before, self.after.as_deref(), ceiling_engine::now_ms())?;
                Ok(Windows::Groups { before, after })
            }
            (Some(_), true) => Err("--before needs --log-group".to_owned()),
            (None, false) => Err("--log-group needs --before START/LENGTH".to_owned()),
        }
    }

    fn settings(&self) -> Result<Settings, String> {
        let mut thresholds = Thresholds::default();
        for assignment in &self.threshold {
            thresholds.set(assignment).map_err(|e| e.to_string())?;
        }
        Ok(Settings {
            ceiling_ms: self.ceiling,
            access_format: self.access_format.clone(),
            thresholds,
            focus: Focus {
                route: self.route.clone(),
                window: None,
            },
            // the region of the findings' console links; a cloud reading sets its own
            console: Console {
                region: self.region.clone(),
                ..Console::default()
            },
        })
    }

    fn cloud(&self) -> CloudArgs {
        CloudArgs {
            profile: self.profile.clone(),
            region: self.region.clone(),
            mfa_code: self.mfa_code.clone(),
            log_groups: self.log_groups.clone(),
            // the windows are given to the fetch directly
            since: String::new(),
            until: String::new(),
            insights: self.insights,
        }
    }
}

/// Saved analyses are this large at most: a larger `.json` file is a log.
const SAVED_ANALYSIS_MAX_BYTES: u64 = 256 << 20;

/// The analysis `path` holds, when it is one saved by `analyze --json`: a `.json` file that
/// reads as one (a JSON log, a document of log events, does not).
fn saved_analysis(path: &Path) -> Option<Analysis> {
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let size = std::fs::metadata(path).ok().filter(|m| m.is_file())?.len();
    if !json || size > SAVED_ANALYSIS_MAX_BYTES {
        return None;
    }
    let text = std::fs::read(path).ok()?;
    if !text.trim_ascii_start().starts_with(b"{") {
        return None;
    }
    serde_json::from_slice(&text).ok()
}

/// Reads one window's files: logs, or one analysis saved with `analyze --json`.
fn read_files(settings: &Settings, paths: &[PathBuf], threads: usize) -> Result<Analysis, String> {
    if let Some((path, saved)) = paths.iter().find_map(|p| Some((p, saved_analysis(p)?))) {
        if paths.len() > 1 {
            return Err(format!(
                "{}: a saved analysis is compared on its own, not with other inputs",
                path.display()
            ));
        }
        return Ok(saved);
    }
    let files = expand_paths(paths).map_err(|e| e.to_string())?;
    let mut analyzer = Analyzer::new(settings.clone());
    let bar = show_progress(&files, analyzer.progress());
    for file in &files {
        if let Err(error) = analyzer.read_path_with_threads(file, threads) {
            bar.suspend(|| eprintln!("ceiling: warning: {error}"));
        }
    }
    bar.finish();
    Ok(analyzer.finish())
}

fn check_read(which: &str, analysis: &Analysis) -> Result<(), String> {
    if analysis.requests == 0 && analysis.lambda.is_none() && analysis.execution.is_none() {
        return Err(format!(
            "the {which} window: {}",
            no_records_reason(analysis)
        ));
    }
    Ok(())
}

pub fn run(args: &CompareArgs) -> Result<Verdict, String> {
    if let Some(path) = args.report.as_deref() {
        match Format::of_path(path).map_err(|e| e.to_string())? {
            Format::Pdf | Format::Html | Format::Markdown => {}
            _ => return Err("a comparison's report is .pdf, .html or .md".to_owned()),
        }
    }
    if !(args.p_value > 0.0 && args.p_value < 1.0) {
        return Err("--p-value must be between 0 and 1".to_owned());
    }
    let windows = args.windows()?;
    let settings = args.settings()?;
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    let (before, after) = match windows {
        Windows::Files => (
            read_files(&settings, &args.before_files, threads)?,
            read_files(&settings, &args.after_files, threads)?,
        ),
        Windows::Groups { before, after } => {
            let cloud = args.cloud();
            let notable_ms = settings.notable_ms();
            let read = |window: Window| {
                cloud::fetch_window_into(
                    &cloud,
                    window,
                    Analyzer::new(settings.clone()),
                    notable_ms,
                )
                .map(Analyzer::finish)
            };
            (read(before)?, read(after)?)
        }
    };
    check_read("before", &before)?;
    check_read("after", &after)?;
    let compare_settings = CompareSettings {
        p_value: args.p_value,
        min_requests: args.min_requests,
        ..CompareSettings::default()
    };
    let comparison = compare(&before, &after, &compare_settings);
    if let Some(path) = args.report.as_deref() {
        let options = ReportOptions {
            zone: args.time_zone,
            ..ReportOptions::now()
        };
        ceiling_report::write_comparison(&comparison, options, path).map_err(|e| e.to_string())?;
    }
    print_output(|out| match args.json {
        true => serde_json::to_writer_pretty(&mut *out, &comparison)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        false => write_comparison(out, &comparison),
    })?;
    Ok(Verdict::Ran)
}

/// `a → b` of a figure of both windows, `-` for a window without it.
fn both<T>(before: Option<T>, after: Option<T>, show: impl Fn(T) -> String) -> String {
    let side = |v: Option<T>| v.map_or_else(|| "-".to_owned(), &show);
    format!("{} → {}", side(before), side(after))
}

fn window_line(
    out: &mut impl Write,
    name: &str,
    comparison: &Comparison,
    after: bool,
) -> std::io::Result<()> {
    let figures = if after {
        &comparison.after
    } else {
        &comparison.before
    };
    let span = figures.window.map_or_else(
        || "no request times".to_owned(),
        |w| format!("{} to {}", format_utc(w.start_ms), format_utc(w.end_ms)),
    );
    writeln!(
        out,
        "{name:<7} {span}: {} requests, {} timeouts, {} 502s, p99 {}",
        count(figures.requests),
        count(figures.timeouts),
        count(figures.bad_gateway),
        duration(figures.latency.p99_ms)
    )
}

fn latency_text(route: &ceiling_engine::compare::RouteComparison) -> String {
    match (route.latency, route.latency_test) {
        (LatencyChange::Slower | LatencyChange::Faster, Some(test)) => {
            format!("{} (p {})", route.latency.label(), p_text(test.p_value))
        }
        (change, _) => change.label().to_owned(),
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_owned()
    } else {
        format!("= {p:.3}")
    }
}

fn write_comparison(out: &mut impl Write, comparison: &Comparison) -> std::io::Result<()> {
    window_line(out, "Before", comparison, false)?;
    window_line(out, "After", comparison, true)?;
    writeln!(out)?;
    for line in &comparison.summary {
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<34} {:>17} {:>11} {:>17} {:>17}  {:<18} timeouts",
        "route (slower first)", "requests", "timeouts", "p50", "p99", "latency"
    )?;
    let side = |s: &Option<RouteSide>| s.clone();
    for route in &comparison.routes {
        let (b, a) = (side(&route.before), side(&route.after));
        writeln!(
            out,
            "{:<34} {:>17} {:>11} {:>17} {:>17}  {:<18} {}",
            route.route,
            both(
                b.as_ref().map(|s| s.requests),
                a.as_ref().map(|s| s.requests),
                count
            ),
            both(
                b.as_ref().map(|s| s.timeouts),
                a.as_ref().map(|s| s.timeouts),
                count
            ),
            both(
                b.as_ref().and_then(|s| s.latency.p50_ms),
                a.as_ref().and_then(|s| s.latency.p50_ms),
                |ms| duration(Some(ms))
            ),
            both(
                b.as_ref().and_then(|s| s.latency.p99_ms),
                a.as_ref().and_then(|s| s.latency.p99_ms),
                |ms| duration(Some(ms))
            ),
            latency_text(route),
            route.timeouts.label()
        )?;
    }
    if !comparison.functions.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{:<24} {:>17} {:>13} {:>11} {:>17}  timeouts",
            "function", "invocations", "cold starts", "timeouts", "p99 duration"
        )?;
        for function in &comparison.functions {
            let (b, a) = (function.before.as_ref(), function.after.as_ref());
            writeln!(
                out,
                "{:<24} {:>17} {:>13} {:>11} {:>17}  {}",
                function.function,
                both(b.map(|s| s.invocations), a.map(|s| s.invocations), count),
                both(b.map(|s| s.cold_starts), a.map(|s| s.cold_starts), count),
                both(b.map(|s| s.timeouts), a.map(|s| s.timeouts), count),
                both(
                    b.and_then(|s| s.duration.p99_ms),
                    a.and_then(|s| s.duration.p99_ms),
                    |ms| duration(Some(ms))
                ),
                function.timeouts.label()
            )?;
        }
    }
    writeln!(out)?;
    let unchanged = comparison
        .findings
        .iter()
        .filter(|f| f.change == FindingChangeKind::Unchanged)
        .count();
    for finding in comparison
        .findings
        .iter()
        .filter(|f| f.change != FindingChangeKind::Unchanged)
    {
        let severities = both(finding.before, finding.after, |s| s.name().to_owned());
        writeln!(
            out,
            "{:<12} {:<22} {} [{}]",
            finding.change.label(),
            severities,
            finding.title,
            finding.id
        )?;
    }
    writeln!(
        out,
        "{unchanged} findings in both windows at the same severity."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_772_794_800_000; // 2026-03-06T11:00:00Z

    #[test]
    fn windows_read_as_start_and_length() {
        let (before, after) = group_windows("2026-03-05T09:00/2h", Some("30m"), NOW).unwrap();
        let start = ceiling_engine::parse_iso_ms("2026-03-05T09:00:00Z").unwrap();
        assert_eq!(before.start_ms, start);
        assert_eq!(before.end_ms, start + 7_200_000 - 1);
        assert_eq!(after.start_ms, start + 7_200_000);
        assert_eq!(after.end_ms, start + 7_200_000 + 1_800_000 - 1);
        // without --after: as long as before, right after it
        let (_, after) = group_windows("2026-03-05T09:00:00+01:00/1h", None, NOW).unwrap();
        assert_eq!(after.start_ms, start);
        assert_eq!(after.end_ms - after.start_ms, 3_600_000 - 1);
        // an explicit after window, a day later
        let (_, after) =
            group_windows("2026-03-05T09:00/1h", Some("2026-03-06T09:00/1h"), NOW).unwrap();
        assert_eq!(after.start_ms, start + 86_400_000);
        // two hours ago, for an hour
        let (before, _) = group_windows("2h/1h", None, NOW).unwrap();
        assert_eq!(before.start_ms, NOW - 7_200_000);
        assert!(group_windows("2026-03-05T09:00", None, NOW).is_err());
        assert!(group_windows("2026-03-05T09:00/0m", None, NOW).is_err());
        assert!(group_windows("yesterday/1h", None, NOW).is_err());
    }
}
