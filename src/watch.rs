//! `ceiling watch`: log groups watched live during an incident. The last minutes are read
//! first (a backfill), then the events as they arrive; the figures and findings of a window
//! (the last 15 minutes by default) are recomputed as they come. On a terminal a compact
//! status is redrawn; otherwise (or with `--json`) one JSON line is printed per change, each
//! the window's analysis with the keys of `analyze --json` and a `watch` object.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use ceiling_cloud::live::watch::{watch, Notice, Status, Switches, WatchRequest};
use ceiling_cloud::now_ms;
use ceiling_engine::live::{LiveEvent, LiveWindow, Rolling, MINUTES_KEPT};
use ceiling_engine::{format_utc, Analysis, Console, FindingId, Settings, Severity, Thresholds};

use crate::cloud::{CloudArgs, InsightsMode};
use crate::{parse_ceiling, parse_severity, Verdict};

/// Watch log groups live during an incident: a backfill of the last minutes (--since), then
/// the events as they arrive (FilterLogEvents every few seconds), with the figures and
/// findings of the last minutes (--window) recomputed as they come. Stop with Ctrl-C, or
/// --for.
#[derive(clap::Args)]
pub struct WatchArgs {
    /// The AWS profile [default: AWS_PROFILE, then default].
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// The region [default: AWS_REGION, then the profile's].
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// The MFA device's current code, for a profile that assumes its role with
    /// `mfa_serial` [default: asked for on the terminal].
    #[arg(long, value_name = "CODE")]
    mfa_code: Option<String>,
    /// A log group to watch (repeat it: the access log group and the functions').
    #[arg(long = "log-group", value_name = "GROUP", required = true)]
    log_groups: Vec<String>,
    /// How far back to read before going live.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    since: u64,
    /// The window the figures and findings are of: the last minutes (5m, 15m, 1h; at most
    /// 3h), or `all`, everything since the watch began (the backfill included).
    #[arg(long, value_name = "DURATION|all", default_value = "15m", value_parser = parse_window)]
    window: LiveWindow,
    /// Print one JSON line per change (the default when stdout is not a terminal).
    #[arg(long)]
    json: bool,
    /// Exit with 1 the moment a finding of this severity or a worse one appears.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// The integration timeout to measure against [default: 29s; 30s for HTTP APIs].
    #[arg(long, value_name = "DURATION", value_parser = parse_ceiling)]
    ceiling: Option<u64>,
    /// Change when a finding fires, e.g. `burst-min-timeouts=10` (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    threshold: Vec<String>,
    /// Time between two polling rounds.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    every: u64,
    /// What each round reads again before the newest event of a group, for events that
    /// reach CloudWatch late.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    overlap: u64,
    /// Stop after this long [default: run until Ctrl-C].
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    run_for: Option<u64>,
    /// Poll FilterLogEvents only, without Live Tail (which is billed per minute).
    #[arg(long)]
    poll: bool,
}

fn parse_duration(text: &str) -> Result<u64, String> {
    ceiling_engine::duration::parse_ms(text).map_err(|e| e.to_string())
}

/// The longest "last" window, in minutes: a Live Tail session's three hours.
const LONGEST_WINDOW_MINUTES: u64 = 180;

fn parse_window(text: &str) -> Result<LiveWindow, String> {
    if text.eq_ignore_ascii_case("all") {
        return Ok(LiveWindow::SinceStart);
    }
    let ms = parse_duration(text)?;
    let minutes = ms.div_ceil(60_000);
    if minutes == 0 || minutes > LONGEST_WINDOW_MINUTES {
        return Err(format!(
            "a window from 1m to {LONGEST_WINDOW_MINUTES}m, or `all`"
        ));
    }
    Ok(LiveWindow::Last {
        minutes: minutes as u32,
    })
}

pub fn run(args: &WatchArgs) -> Result<Verdict, String> {
    let mut thresholds = Thresholds::default();
    for assignment in &args.threshold {
        thresholds.set(assignment).map_err(|e| e.to_string())?;
    }
    let settings = Settings {
        ceiling_ms: args.ceiling,
        thresholds,
        ..Settings::default()
    };
    let kept = match args.window {
        LiveWindow::Last { minutes } => minutes.max(MINUTES_KEPT),
        LiveWindow::SinceStart => MINUTES_KEPT,
    };
    let mut view = View {
        rolling: Rolling::new(settings).keeping(kept),
        window: args.window,
        json: args.json || !std::io::stdout().is_terminal(),
        fail_on: args.fail_on,
        started: Instant::now(),
        started_ms: now_ms(),
        run_for: args.run_for.map(Duration::from_millis),
        groups: args.log_groups.len(),
        every: args.every,
        status: None,
        live: false,
        retrying: None,
        closed: false,
        last: None,
        changes: Vec::new(),
        failed: false,
        write_error: None,
    };
    let cloud = CloudArgs {
        profile: args.profile.clone(),
        region: args.region.clone(),
        mfa_code: args.mfa_code.clone(),
        log_groups: args.log_groups.clone(),
        since: "15m".to_owned(),
        until: "now".to_owned(),
        insights: InsightsMode::Never,
    };
    let request = WatchRequest {
        backfill_ms: i64::try_from(args.since).unwrap_or(i64::MAX),
        poll_every: Duration::from_millis(args.every),
        overlap_ms: i64::try_from(args.overlap).unwrap_or(i64::MAX),
        live_tail: !args.poll,
        ..WatchRequest::new(args.log_groups.clone())
    };
    let switches = Switches::default();
    crate::cloud::runtime()?.block_on(async {
        let connection = crate::cloud::connect(&cloud).await?;
        view.rolling.set_console(Console {
            region: Some(connection.region().to_owned()),
            log_groups: args.log_groups.clone(),
            window: None,
        });
        watch(&connection, &request, &switches, |notice| {
            view.on(notice, &switches)
        })
        .await
        .map_err(|e| e.to_string())
    })?;
    if let Some(error) = view.write_error {
        return Err(error);
    }
    Ok(if view.failed {
        Verdict::FailOn
    } else {
        Verdict::Ran
    })
}

/// A finding shown: its id, severity and title.
type Shown = (FindingId, Severity, String);

/// A finding that appeared or cleared, and when.
struct Change {
    at_ms: i64,
    appeared: bool,
    id: FindingId,
    severity: Severity,
    title: String,
}

/// What the watch shows, and what it has shown.
struct View {
    rolling: Rolling,
    window: LiveWindow,
    json: bool,
    fail_on: Option<Severity>,
    started: Instant,
    started_ms: i64,
    run_for: Option<Duration>,
    groups: usize,
    every: u64,
    status: Option<Status>,
    live: bool,
    /// The last error the watch goes on after, until a round succeeds.
    retrying: Option<String>,
    /// The output was closed by its reader.
    closed: bool,
    /// The last analysis shown, as JSON, and its findings.
    last: Option<(serde_json::Value, Vec<Shown>)>,
    /// The findings that appeared and cleared, newest last.
    changes: Vec<Change>,
    failed: bool,
    write_error: Option<String>,
}

/// Changes the terminal view lists.
const CHANGES_SHOWN: usize = 6;
/// Routes the terminal view lists.
const ROUTES_SHOWN: usize = 8;

impl View {
    fn on(&mut self, notice: Notice, switches: &Switches) {
        match notice {
            Notice::Batch(batch) => {
                for event in &batch.events {
                    self.rolling.add(
                        LiveEvent {
                            group: &event.group,
                            timestamp_ms: event.timestamp_ms,
                            message: &event.message,
                        },
                        batch.sampled,
                    );
                }
            }
            Notice::Live => self.live = true,
            Notice::Status(status) => {
                self.retrying = None;
                self.status = Some(status);
                self.show();
            }
            Notice::Retrying {
                error,
                attempt,
                retry_in,
            } => {
                let note = format!(
                    "{error}; retrying in {} (attempt {attempt})",
                    ceiling_engine::duration::format_ms(retry_in.as_millis() as f64)
                );
                if self.json {
                    eprintln!("ceiling: warning: {note}");
                }
                self.retrying = Some(note);
                self.show();
            }
            Notice::Polling { error } => {
                self.source_note(format!("{error}; polling FilterLogEvents instead"))
            }
            Notice::Reconnecting { reason } => self.source_note(format!("{reason}; reconnecting")),
        }
        let over = self.run_for.is_some_and(|d| self.started.elapsed() >= d);
        if over || self.failed || self.closed || self.write_error.is_some() {
            switches
                .stop
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// A note on the source, shown until the next status.
    fn source_note(&mut self, note: String) {
        if self.json {
            eprintln!("ceiling: note: {note}");
        }
        self.retrying = Some(note);
        self.show();
    }

    /// The window's analysis now, the changes in its findings noted, shown.
    fn show(&mut self) {
        let now = now_ms();
        let analysis = self.rolling.analysis(self.window, now);
        let findings: Vec<Shown> = analysis
            .findings
            .iter()
            .map(|f| (f.id, f.severity, f.title.clone()))
            .collect();
        let before = self
            .last
            .as_ref()
            .map(|(_, f)| f.clone())
            .unwrap_or_default();
        let mut new = Vec::new();
        let mut cleared = Vec::new();
        for (id, severity, title) in &findings {
            if !before.iter().any(|(b, _, _)| b == id) {
                new.push(*id);
                self.note(now, true, *id, *severity, title);
            }
        }
        for (id, severity, title) in &before {
            if !findings.iter().any(|(f, _, _)| f == id) {
                cleared.push(*id);
                self.note(now, false, *id, *severity, title);
            }
        }
        if let Some(worst) = self.fail_on {
            self.failed |= findings.iter().any(|(_, severity, _)| *severity <= worst);
        }
        let value = serde_json::to_value(&analysis).expect("an analysis serializes");
        let changed = self.last.as_ref().is_none_or(|(last, _)| *last != value);
        let written = if self.json {
            if changed {
                self.write_line(value.clone(), &new, &cleared)
            } else {
                Ok(())
            }
        } else {
            self.draw(&analysis)
        };
        match written {
            // the reader is gone (`| head`): its choice, the watch ends
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => self.closed = true,
            Err(error) => self.write_error = Some(format!("cannot write the output: {error}")),
            Ok(()) => {}
        }
        self.last = Some((value, findings));
    }

    fn note(&mut self, at_ms: i64, appeared: bool, id: FindingId, severity: Severity, title: &str) {
        self.changes.push(Change {
            at_ms,
            appeared,
            id,
            severity,
            title: title.to_owned(),
        });
        if self.changes.len() > CHANGES_SHOWN {
            self.changes.remove(0);
        }
    }

    /// One JSON line: the analysis, with the watch's status, window and the findings that
    /// appeared and cleared since the line before.
    fn write_line(
        &self,
        mut value: serde_json::Value,
        new: &[FindingId],
        cleared: &[FindingId],
    ) -> std::io::Result<()> {
        let window = match self.window {
            LiveWindow::Last { minutes } => serde_json::json!({ "last_minutes": minutes }),
            LiveWindow::SinceStart => serde_json::json!("all"),
        };
        let watch = serde_json::json!({
            "at_ms": now_ms(),
            "window": window,
            "live": self.live,
            "status": self.status,
            "retrying": self.retrying,
            "new_findings": new,
            "cleared_findings": cleared,
        });
        if let Some(object) = value.as_object_mut() {
            object.insert("watch".to_owned(), watch);
        }
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &value)?;
        writeln!(out)?;
        out.flush()
    }

    /// The terminal view, redrawn whole.
    fn draw(&self, analysis: &Analysis) -> std::io::Result<()> {
        let mut screen = Vec::new();
        self.write_screen(&mut screen, analysis)?;
        let mut out = std::io::stdout().lock();
        // home, clear: the view is redrawn in place
        out.write_all(b"\x1b[H\x1b[2J")?;
        out.write_all(&screen)?;
        out.flush()
    }

    fn write_screen(&self, out: &mut impl Write, analysis: &Analysis) -> std::io::Result<()> {
        let window = match self.window {
            LiveWindow::Last { minutes } => format!("last {minutes} min"),
            LiveWindow::SinceStart => "everything since the start".to_owned(),
        };
        let status = self.status.as_ref();
        write!(
            out,
            "ceiling watch: {} log group{}, polling every {}, {window}, since {}",
            self.groups,
            if self.groups == 1 { "" } else { "s" },
            ceiling_engine::duration::format_ms(self.every as f64),
            format_utc(self.started_ms)
        )?;
        if let Some(status) = status {
            write!(
                out,
                ", {:.1} events/s, {} events, {} reconnections",
                status.events_per_second, status.events, status.reconnections
            )?;
            if status.sampled {
                write!(out, ", SAMPLED")?;
            }
        }
        writeln!(out)?;
        if !self.live {
            writeln!(out, "reading the backfill ...")?;
        }
        if let Some(note) = &self.retrying {
            writeln!(out, "! {note}")?;
        }
        writeln!(out)?;
        let ceiling = analysis.ceiling_ms as f64;
        let p99 = analysis.overall.p99_ms.map(f64::from);
        writeln!(
            out,
            "{} requests, {} gateway timeouts, {} 502s; p99 {} against a ceiling of {}{}",
            analysis.requests,
            analysis.integration_timeouts,
            analysis.bad_gateway,
            ceiling_engine::duration::format_opt_ms(p99),
            ceiling_engine::duration::format_ms(ceiling),
            p99.map(|p| format!(" ({:.0} %)", 100.0 * p / ceiling))
                .unwrap_or_default()
        )?;
        if let Some(lambda) = &analysis.lambda {
            writeln!(
                out,
                "{} invocations, {} cold starts, {} timed out",
                lambda.invocations, lambda.cold_starts, lambda.timeouts
            )?;
        }
        let routes: Vec<_> = analysis.routes.iter().take(ROUTES_SHOWN).collect();
        if !routes.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "{:<40} {:>9} {:>8} {:>9} {:>6}",
                "route (most timeouts first)", "requests", "timeouts", "p99", "ceil."
            )?;
            for route in routes {
                let p99 = route.latency.p99_ms.map(f64::from);
                writeln!(
                    out,
                    "{:<40} {:>9} {:>8} {:>9} {:>6}",
                    route.route,
                    route.requests,
                    route.timeouts,
                    ceiling_engine::duration::format_opt_ms(p99),
                    p99.map(|p| format!("{:.0}%", 100.0 * p / ceiling))
                        .unwrap_or_default()
                )?;
            }
        }
        writeln!(out)?;
        if analysis.findings.is_empty() {
            writeln!(out, "No findings in the window.")?;
        }
        for finding in &analysis.findings {
            writeln!(
                out,
                "{:<9} {} [{}]",
                finding.severity.name().to_uppercase(),
                finding.title,
                finding.id.as_str()
            )?;
        }
        if !self.changes.is_empty() {
            writeln!(out)?;
            for change in &self.changes {
                writeln!(
                    out,
                    "{} {:<8} {} {} [{}]",
                    format_utc(change.at_ms),
                    if change.appeared {
                        "appeared"
                    } else {
                        "cleared"
                    },
                    change.severity.name(),
                    change.title,
                    change.id.as_str()
                )?;
            }
        }
        for note in &analysis.approximate {
            writeln!(out, "Approximate: {note}")?;
        }
        Ok(())
    }
}
