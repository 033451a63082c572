//! `ceiling`: the command-line twin of the Ceiling desktop app. It runs the same engine over
//! log files and prints what it found, for a terminal, a script or CI.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use ceiling_engine::{
    expand_paths, format_utc, Analysis, Analyzer, Console, Focus, Progress, Reproduce, Settings,
    Severity, Template, Thresholds,
};
mod cloud;
mod compare;
mod config;
mod watch;

use ceiling_report::{Format, ReportOptions, Zone};
use clap::{Parser, Subcommand};

/// Exit code for unusable input or arguments (design.md, "Contracts").
const EXIT_UNUSABLE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "ceiling",
    version,
    about = "Why does my API Gateway return 504?"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyze API Gateway and Lambda logs: files (plain or gzip; `-` reads stdin; folders are
    /// read whole), or log groups fetched from CloudWatch Logs (--log-group).
    Analyze(AnalyzeArgs),
    /// Save a time window of log groups as gzip exports that `ceiling analyze` re-opens.
    Fetch(FetchArgs),
    /// Compare two windows, before and after a deploy: files (BEFORE... --with AFTER...) or
    /// two windows of the same log groups (--log-group G --before START/LENGTH --after
    /// LENGTH). A change is called only where its test supports it.
    Compare(compare::CompareArgs),
    /// Read an API's configuration from the account: list the APIs and stages, or save one
    /// stage's (log groups, access-log format, integration timeouts, functions) for
    /// `ceiling analyze --config`.
    Config(config::ConfigArgs),
    Watch(watch::WatchArgs),
}

#[derive(clap::Args)]
struct FetchArgs {
    #[command(flatten)]
    cloud: cloud::CloudArgs,
    /// Where to save: a file ending in `.gz` holds every group (each event keeps its group,
    /// so functions keep their names when it is re-opened); anything else is a folder that
    /// gets one `.jsonl.gz` per group.
    #[arg(long, value_name = "FILE|FOLDER")]
    out: PathBuf,
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// Log files or folders to read.
    #[arg(value_name = "FILE", required_unless_present_any = ["log_groups", "config"])]
    files: Vec<PathBuf>,
    /// A stage's configuration saved by `ceiling config --out`: its access-log format, each
    /// route's integration timeout as its ceiling, its functions' timeouts. With --profile
    /// and no file or --log-group, the stage's log groups are fetched.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    cloud: cloud::CloudArgs,
    /// Print the analysis as one JSON document.
    #[arg(long)]
    json: bool,
    /// The integration timeout to measure against [default: 29s; 30s for HTTP APIs].
    #[arg(long, value_name = "DURATION", value_parser = parse_ceiling)]
    ceiling: Option<u64>,
    /// The stage's access-log format string ($context template), for formats Ceiling cannot
    /// recognise alone (CLF or CSV with extra fields, custom layouts); `@FILE` reads it from a
    /// file.
    #[arg(long, value_name = "TEMPLATE", value_parser = parse_template)]
    access_format: Option<Template>,
    /// Threads to read with [default: all cores]; large plain files are cut into parts.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Also write the report to this file; the format follows the extension (.pdf, .html,
    /// .md), or the findings alone (.json, .csv).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The time zone of the report's times: UTC, an offset such as +02:00, a name such as
    /// Europe/Berlin (each time at the offset in force then), or `local`.
    #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = Zone::parse)]
    time_zone: Zone,
    /// Change when a finding fires, e.g. `async-p50-ms=8s` or `burst-min-timeouts=10`
    /// (repeatable; docs/findings.md lists them).
    #[arg(long, value_name = "NAME=VALUE")]
    threshold: Vec<String>,
    /// Look at one route only (`METHOD /resource`, as the analysis names it).
    #[arg(long, value_name = "ROUTE")]
    route: Option<String>,
    /// Exit with 1 when a finding of this severity or a worse one is reported.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    text.parse()
        .map_err(|e: ceiling_engine::UnknownSeverity| e.to_string())
}

fn parse_ceiling(text: &str) -> Result<u64, String> {
    let ms = ceiling_engine::duration::parse_ms(text).map_err(|e| e.to_string())?;
    ceiling_engine::check_ceiling(ms).map_err(|e| e.to_string())
}

fn parse_template(text: &str) -> Result<Template, String> {
    let text = match text.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?
        }
        None => text.to_owned(),
    };
    Template::parse(&text).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Fetch(args) => cloud::fetch_to(&args.cloud, &args.out).map(|()| Verdict::Ran),
        Command::Compare(args) => compare::run(&args),
        Command::Config(args) => config::run(&args).map(|()| Verdict::Ran),
        Command::Watch(args) => watch::run(&args),
    };
    match result {
        Ok(Verdict::Ran) => ExitCode::SUCCESS,
        Ok(Verdict::FailOn) => ExitCode::FAILURE,
        Err(reason) => {
            eprintln!("ceiling: {reason}");
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

/// How a run that could read its inputs ended.
enum Verdict {
    Ran,
    /// A finding at or above `--fail-on` was reported.
    FailOn,
}

fn analyze(args: &AnalyzeArgs) -> Result<Verdict, String> {
    // Refuse an unknown report format before spending time on the logs.
    if let Some(path) = args.report.as_deref() {
        Format::of_path(path).map_err(|e| e.to_string())?;
    }
    let files = expand_paths(&args.files).map_err(|e| e.to_string())?;
    let mut thresholds = Thresholds::default();
    for assignment in &args.threshold {
        thresholds.set(assignment).map_err(|e| e.to_string())?;
    }
    let settings = Settings {
        ceiling_ms: args.ceiling,
        access_format: args.access_format.clone(),
        thresholds,
        focus: Focus {
            route: args.route.clone(),
            window: None,
        },
        // files: --region names where their groups live, for the console links; a cloud
        // reading sets what its connection resolved
        console: Console {
            region: args.cloud.region.clone(),
            ..Console::default()
        },
    };
    let stage = args.config.as_deref().map(config::load).transpose()?;
    let settings = match &stage {
        Some(stage) => settings.applying(stage),
        None => settings,
    };
    // requests from this latency up are read raw even where Logs Insights counts
    let notable_ms = settings.notable_ms();
    // with a stage and nothing else named, the stage's own log groups are fetched
    let mut cloud_args = args.cloud.clone();
    if let Some(stage) = stage.as_ref().filter(|_| files.is_empty()) {
        if cloud_args.log_groups.is_empty() {
            cloud_args.log_groups = stage.log_groups();
        }
    }
    let mut analyzer = match stage {
        Some(stage) => Analyzer::with_config(settings, stage),
        None => Analyzer::new(settings),
    };
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    let bar = show_progress(&files, analyzer.progress());
    // What an unreadable input held up to the error is kept; the others are still read.
    for error in analyzer.read_paths(&files, threads, |_| {}) {
        bar.suspend(|| eprintln!("ceiling: warning: {error}"));
    }
    bar.finish();
    if !cloud_args.log_groups.is_empty() {
        analyzer = cloud::fetch_into(&cloud_args, analyzer, notable_ms)?;
    }
    let analysis = analyzer.finish();
    if analysis.requests == 0 && analysis.lambda.is_none() && analysis.execution.is_none() {
        return Err(no_records_reason(&analysis));
    }
    if let Some(path) = args.report.as_deref() {
        let options = ReportOptions {
            zone: args.time_zone,
            ..ReportOptions::now()
        };
        ceiling_report::write(&analysis, options, path).map_err(|e| e.to_string())?;
    }
    print_output(|out| match args.json {
        true => serde_json::to_writer_pretty(&mut *out, &analysis)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        false => write_summary(out, &analysis),
    })?;
    let failed = args
        .fail_on
        .is_some_and(|worst| analysis.findings.iter().any(|f| f.severity <= worst));
    Ok(if failed {
        Verdict::FailOn
    } else {
        Verdict::Ran
    })
}

/// Inputs at least this large get a progress bar, when stderr is a terminal.
const PROGRESS_MIN_BYTES: u64 = 64 * 1024 * 1024;

/// A progress bar on stderr, redrawn from the engine's byte count by a thread of its own.
struct ProgressView {
    bar: indicatif::ProgressBar,
    /// Dropping it tells the drawing thread to stop.
    stop: Option<mpsc::Sender<()>>,
    drawer: Option<std::thread::JoinHandle<()>>,
}

impl ProgressView {
    fn suspend(&self, print: impl FnOnce()) {
        self.bar.suspend(print);
    }

    fn finish(mut self) {
        self.stop.take();
        if let Some(drawer) = self.drawer.take() {
            let _ = drawer.join();
        }
        self.bar.finish_and_clear();
    }
}

fn show_progress(files: &[PathBuf], progress: Arc<Progress>) -> ProgressView {
    let total: u64 = files
        .iter()
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    let wanted = std::io::stderr().is_terminal() && total >= PROGRESS_MIN_BYTES;
    if !wanted {
        return ProgressView {
            bar: indicatif::ProgressBar::hidden(),
            stop: None,
            drawer: None,
        };
    }
    let target = indicatif::ProgressDrawTarget::stderr_with_hz(4);
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), target);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec}, {eta} left",
    ) {
        bar.set_style(style);
    }
    let (stop, stopped) = mpsc::channel::<()>();
    let drawn = bar.clone();
    let drawer = std::thread::spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) =
            stopped.recv_timeout(Duration::from_millis(250))
        {
            drawn.set_position(progress.bytes_read());
        }
    });
    ProgressView {
        bar,
        stop: Some(stop),
        drawer: Some(drawer),
    }
}

/// Says why nothing could be analyzed, naming each input and its first rejected line.
/// Writes a command's result on stdout with `write`. A closed pipe (`ceiling analyze ... |
/// head`) is the reader's choice, not an error.
pub(crate) fn print_output(
    write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>,
) -> Result<(), String> {
    match write(&mut std::io::stdout().lock()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the output: {e}"))
        }
        _ => Ok(()),
    }
}

fn no_records_reason(analysis: &Analysis) -> String {
    let mut reasons = Vec::new();
    for input in &analysis.inputs {
        match input.rejected.first() {
            Some(rejection) => reasons.push(format!(
                "{}: line {}: {}",
                input.name,
                rejection.first_lines.first().copied().unwrap_or(0),
                rejection.reason
            )),
            None => reasons.push(match &input.error {
                Some(error) => error.clone(),
                None if input.kinds.is_empty() => format!("{}: empty", input.name),
                None => {
                    let kinds: Vec<&str> = input.kinds.keys().map(String::as_str).collect();
                    format!("{}: only {}", input.name, kinds.join(", "))
                }
            }),
        }
    }
    format!(
        "no API Gateway or Lambda log records found ({})",
        reasons.join("; ")
    )
}

fn duration(ms: Option<u32>) -> String {
    ceiling_engine::duration::format_opt_ms(ms.map(f64::from))
}

/// `1234567` as `1,234,567`.
fn count(n: u64) -> String {
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

/// How many routes the table shows before it says how many more there are.
const ROUTES_SHOWN: usize = 15;

/// Width the text output wraps at.
const WIDTH: usize = 100;

/// Writes `text` wrapped at [`WIDTH`], the first line after `first`, the others after
/// `indent`.
fn wrapped(out: &mut impl Write, first: &str, indent: &str, text: &str) -> std::io::Result<()> {
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            writeln!(out, "{line}")?;
            line = indent.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    writeln!(out, "{line}")
}

fn write_findings(out: &mut impl Write, analysis: &Analysis) -> std::io::Result<()> {
    let story = &analysis.what_happened;
    writeln!(out, "What happened")?;
    wrapped(out, "  ", "  ", &story.headline)?;
    for point in &story.points {
        wrapped(out, "  - ", "    ", point)?;
    }
    writeln!(out)?;
    if analysis.findings.is_empty() {
        writeln!(out, "No findings.")?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "Findings (most severe first)")?;
    for finding in &analysis.findings {
        let severity = format!("{:?}", finding.severity).to_uppercase();
        writeln!(out)?;
        wrapped(
            out,
            &format!("{severity:<9} "),
            "          ",
            &format!("{} [{}]", finding.title, finding.id),
        )?;
        wrapped(out, "          ", "          ", &finding.summary)?;
        let evidence = &finding.evidence;
        // a slow step's window counts the slow invocations that started in it
        let counted = if evidence.steps.is_some() {
            "slow invocations"
        } else {
            "requests"
        };
        for window in &evidence.windows {
            writeln!(
                out,
                "          window: {} to {} ({} {counted})",
                format_utc(window.start_ms),
                format_utc(window.end_ms),
                window.count
            )?;
        }
        for sample in evidence.requests.iter().take(3) {
            writeln!(
                out,
                "          request {} {} {} at {}:{}",
                sample.request_id.as_deref().unwrap_or("(no id)"),
                sample.route,
                sample.status_text(),
                sample.source.input,
                sample.source.line
            )?;
        }
        for sample in evidence.invocations.iter().take(3) {
            writeln!(
                out,
                "          invocation {} of {}: {}{} at {}:{}",
                sample.request_id,
                sample.function,
                duration(Some(sample.duration_ms.round() as u32)),
                sample
                    .init_ms
                    .map(|ms| format!(" after an init of {}", duration(Some(ms.round() as u32))))
                    .unwrap_or_default(),
                sample.source.input,
                sample.source.line
            )?;
        }
        if let Some(step) = &evidence.steps {
            write_step(out, step)?;
        }
        for (i, step) in finding.advice.iter().enumerate() {
            wrapped(
                out,
                &format!("       {}. ", i + 1),
                "          ",
                &step.text,
            )?;
            if let Some(link) = &step.link {
                writeln!(out, "          {link}")?;
            }
        }
        if let Some(reproduce) = &finding.reproduce {
            write_reproduce(out, reproduce)?;
        }
    }
    writeln!(out)?;
    Ok(())
}

/// A `slow-step` finding's step and its share, and the first sample's timeline with the
/// longest gap marked.
fn write_step(out: &mut impl Write, step: &ceiling_engine::SlowStep) -> std::io::Result<()> {
    wrapped(
        out,
        "          step: ",
        "                ",
        &format!(
            "'{}' -> '{}': a median {:.0}% of the time, the longest wait in {} of {} slow \
             invocations",
            step.after,
            step.before,
            100.0 * step.median_share,
            step.invocations,
            step.slow_invocations
        ),
    )?;
    let Some(sample) = step.samples.first() else {
        return Ok(());
    };
    writeln!(
        out,
        "          timeline of {} ({}{}):",
        sample.request_id,
        duration(Some(sample.duration_ms.round() as u32)),
        if sample.timed_out { ", timed out" } else { "" }
    )?;
    let start = sample.start_ms;
    let gap = sample.longest_gap;
    let mark = |out: &mut dyn Write, after: Option<usize>| -> std::io::Result<()> {
        match gap.filter(|g| g.after == after) {
            Some(g) => writeln!(
                out,
                "            ... {} ...",
                duration(Some(u32::try_from(g.ms).unwrap_or(u32::MAX)))
            ),
            None => Ok(()),
        }
    };
    mark(out, None)?;
    for (i, line) in sample.lines.iter().enumerate() {
        let at = match (line.time_ms, start) {
            (Some(t), Some(s)) => format!("+{:.1} s", (t - s) as f64 / 1000.0),
            _ => "?".to_owned(),
        };
        writeln!(
            out,
            "            {at:>8}  {:<5} {}  ({}:{})",
            line.level.as_deref().unwrap_or(""),
            line.message,
            line.source.input,
            line.source.line
        )?;
        mark(out, Some(i))?;
    }
    Ok(())
}

fn write_summary(out: &mut impl Write, analysis: &Analysis) -> std::io::Result<()> {
    write_findings(out, analysis)?;
    for note in &analysis.approximate {
        writeln!(out, "Approximate: {note}")?;
    }
    let api = match analysis.api {
        Some(ceiling_engine::ApiKind::Rest) => ", REST API",
        Some(ceiling_engine::ApiKind::Http) => ", HTTP API",
        Some(ceiling_engine::ApiKind::WebSocket) => ", WebSocket API",
        None => "",
    };
    writeln!(
        out,
        "{} requests, ceiling {}{api}",
        count(analysis.requests),
        duration(u32::try_from(analysis.ceiling_ms).ok())
    )?;
    if let Some(stage) = &analysis.config {
        config::write_applied(out, stage, analysis.ceiling_ms)?;
    }
    if analysis.requests > 0 {
        let share = 100.0 * analysis.integration_timeouts as f64 / analysis.requests as f64;
        writeln!(
            out,
            "  gateway timeouts {} ({share:.2} %), near the ceiling {}, 502 Bad Gateway {}",
            count(analysis.integration_timeouts),
            count(analysis.near_ceiling),
            count(analysis.bad_gateway)
        )?;
        let overall = &analysis.overall;
        writeln!(
            out,
            "  response latency p50 {}, p95 {}, p99 {}, max {}",
            duration(overall.p50_ms),
            duration(overall.p95_ms),
            duration(overall.p99_ms),
            duration(overall.max_ms)
        )?;
        let mut statuses: Vec<String> = analysis
            .status
            .iter()
            .map(|(status, n)| format!("{status}: {}", count(*n)))
            .collect();
        if analysis.requests_without_status > 0 {
            statuses.push(format!(
                "not in the log: {}",
                count(analysis.requests_without_status)
            ));
        }
        writeln!(out, "  status {}", statuses.join(", "))?;
        writeln!(out)?;
        writeln!(
            out,
            "{:<40} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9}",
            "route (most timeouts first)", "requests", "timeouts", "p50", "p95", "p99", "max"
        )?;
        for route in analysis.routes.iter().take(ROUTES_SHOWN) {
            writeln!(
                out,
                "{:<40} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9}",
                route.route,
                count(route.requests),
                count(route.timeouts),
                duration(route.latency.p50_ms),
                duration(route.latency.p95_ms),
                duration(route.latency.p99_ms),
                duration(route.latency.max_ms)
            )?;
        }
        if analysis.routes.len() > ROUTES_SHOWN {
            writeln!(
                out,
                "... and {} more routes (--json lists all)",
                analysis.routes.len() - ROUTES_SHOWN
            )?;
        }
    }
    if let Some(lambda) = &analysis.lambda {
        writeln!(out)?;
        writeln!(
            out,
            "Lambda: {} invocations, {} cold starts{}, {} timed out ({} with a timeout above the ceiling), {} near their memory size",
            count(lambda.invocations),
            count(lambda.cold_starts),
            lambda
                .max_init_ms
                .map(|ms| format!(" (longest init {})", duration(Some(ms.round() as u32))))
                .unwrap_or_default(),
            count(lambda.timeouts),
            count(lambda.timeouts_above_ceiling),
            count(lambda.memory_pressure)
        )?;
        writeln!(
            out,
            "  {} kept running after the gateway timed out ({} of them cold starts)",
            count(lambda.outlived_gateway),
            count(lambda.gateway_timeouts_on_cold_start)
        )?;
    }
    if let Some(execution) = &analysis.execution {
        writeln!(
            out,
            "Execution log: {} lines, {} integration timeouts",
            count(execution.lines),
            count(execution.timeouts)
        )?;
    }
    writeln!(out)?;
    for input in &analysis.inputs {
        let kinds: Vec<String> = input
            .kinds
            .iter()
            .map(|(kind, n)| format!("{kind} {}", count(*n)))
            .collect();
        writeln!(
            out,
            "{}: {} lines ({}), {}",
            input.name,
            count(input.lines),
            input.wrapping.label(),
            kinds.join(", ")
        )?;
        for rejection in &input.rejected {
            let lines: Vec<String> = rejection.first_lines.iter().map(u64::to_string).collect();
            writeln!(
                out,
                "  {} line(s) rejected: {} (first at line {})",
                count(rejection.count),
                rejection.reason,
                lines.join(", ")
            )?;
        }
        if let Some(error) = &input.error {
            writeln!(out, "  reading stopped: {error}")?;
        }
    }
    Ok(())
}

/// The query behind a finding, under it: where to run it, the query, the console links.
fn write_reproduce(out: &mut impl Write, reproduce: &Reproduce) -> std::io::Result<()> {
    let groups: Vec<&str> = reproduce
        .log_groups
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    wrapped(
        out,
        "          ",
        "          ",
        &format!(
            "Reproduce in CloudWatch Logs Insights ({}), on {}, {} to {}:",
            reproduce.shows,
            groups.join(", "),
            format_utc(reproduce.window.start_ms),
            format_utc(reproduce.window.end_ms)
        ),
    )?;
    for line in reproduce.query.lines() {
        writeln!(out, "            {line}")?;
    }
    for link in &reproduce.links {
        writeln!(out, "          {}: {}", link.label, link.url)?;
    }
    if let Some(note) = &reproduce.note {
        wrapped(out, "          (", "           ", &format!("{note})"))?;
    }
    Ok(())
}
