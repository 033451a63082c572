//! "Watch live": log groups watched during an incident, in the window. The cloud crate's
//! `watch()` runs on a task (a backfill of the last minutes, then Live Tail, or polling
//! FilterLogEvents where Live Tail is denied or unavailable); its events go into the
//! engine's rolling analysis, and after each round the chosen window's analysis goes to the
//! window as an ordinary [`View`] with a chart of its latest minutes, the watch's status and
//! the findings that appeared and cleared. A critical finding that appears or clears is also
//! a desktop notification, which carries the finding's title and nothing else of the logs.
//!
//! One watch runs at a time: a watch started while one runs stops it, and so does an
//! analysis opened in the window. Pause freezes the figures where they stand (no request
//! goes out; on resume the watch catches up), Stop ends the session. What the window shows
//! is the last analysis, so the export menu writes the window watched.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ceiling_cloud::live::watch::{watch, Notice, Status, Switches, WatchRequest};
use ceiling_cloud::{now_ms, Connection, Target};
use ceiling_engine::live::{LiveEvent, LiveWindow, Rolling, MINUTES_KEPT};
use ceiling_engine::{Console, FindingId, Focus, Settings, Severity, StageConfig};
use ceiling_report::{Chart, Zone};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager};

use crate::error::Error;
use crate::reading::settings_of;
use crate::state::{AppState, Loaded};
use crate::transport::{Completeness, Request, View};

/// The log groups to watch: by name, or a stage's own (the API panel's configuration,
/// applied to the analysis as a fetch applies it).
#[derive(Debug, Clone, Deserialize)]
pub struct WatchSource {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// The MFA device's code, for a profile with `mfa_serial`; never stored.
    #[serde(default)]
    pub mfa_code: Option<String>,
    /// Read when `config` is None or names none itself.
    pub groups: Vec<String>,
    #[serde(default)]
    pub config: Option<Box<StageConfig>>,
}

/// How to watch.
#[derive(Debug, Clone, Deserialize)]
pub struct WatchOptions {
    /// The window shown: the last N minutes (at most [`MINUTES_KEPT`]), or None for
    /// everything since the watch began, the backfill included.
    pub window_minutes: Option<u32>,
    /// Time between two polling rounds, where the watch polls [default: 2 s].
    #[serde(default)]
    pub every_ms: Option<u64>,
}

/// How long the backfill reads before going live.
const BACKFILL_MS: i64 = 15 * 60_000;

/// What the window hears of a watch.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LiveUpdate {
    /// How the watch stands, with the window's analysis unless paused.
    Update(Box<LiveView>),
    /// The session ended: stopped, replaced by another watch or analysis, or failed.
    Ended {
        session: u64,
        reason: Ending,
        error: Option<Error>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    Stopped,
    /// Another watch or an analysis took the window.
    Replaced,
    Failed,
}

/// A finding that appeared or cleared while watching, and when.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub at_ms: i64,
    pub appeared: bool,
    pub id: FindingId,
    pub severity: Severity,
    pub title: String,
}

/// The watch as the live view shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LiveView {
    pub session: u64,
    pub at_ms: i64,
    pub started_ms: i64,
    /// None: since the start.
    pub window_minutes: Option<u32>,
    /// What the backfill read before going live, and the polling interval.
    pub backfill_ms: i64,
    pub every_ms: u64,
    /// The watch's own status after its last round (None before the first).
    pub status: Option<Status>,
    /// Whether the figures are frozen by Pause.
    pub paused: bool,
    /// Why the watch polls instead of following Live Tail.
    pub polling_because: Option<String>,
    /// The last reconnection or retry, until a round succeeds.
    pub note: Option<String>,
    /// Findings that appeared and cleared, newest last.
    pub changes: Vec<Change>,
    /// The window's analysis; None when it did not change (paused).
    pub view: Option<View>,
    /// Integration latency against the ceiling over the window, to now.
    pub chart: Option<Chart>,
}

/// The watch running, if one is.
#[derive(Default)]
pub struct Watching(Mutex<Option<Arc<Session>>>);

/// Numbers the sessions, so that the window tells an old session's last words apart.
static SESSIONS: AtomicU64 = AtomicU64::new(1);

/// Changes kept for the view.
const CHANGES_KEPT: usize = 20;

struct Session {
    id: u64,
    switches: Switches,
    replaced: AtomicBool,
    channel: Channel<LiveUpdate>,
    app: AppHandle,
    live: Mutex<Live>,
}

/// What a session holds between rounds.
struct Live {
    rolling: Rolling,
    settings: Settings,
    zone: Zone,
    window: LiveWindow,
    started_ms: i64,
    every_ms: u64,
    status: Option<Status>,
    /// When Pause froze the figures.
    paused_at: Option<i64>,
    polling_because: Option<String>,
    note: Option<String>,
    /// The findings of the last analysis shown; None before the first.
    shown: Option<Vec<(FindingId, Severity, String)>>,
    changes: Vec<Change>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // a panic in a round leaves the figures as they were: still worth showing
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// An SDK error's text without the debug form of its source the SDK appends, in
/// parentheses (` (DispatchFailure(DispatchFailure { ...`), which tells the user nothing.
fn without_debug(text: &str) -> &str {
    let debug = text.match_indices(" (").find(|(at, _)| {
        let rest = &text[at + 2..];
        rest.starts_with(|c: char| c.is_ascii_uppercase())
            && rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .is_some_and(|end| rest[end..].starts_with('('))
    });
    debug.map_or(text, |(at, _)| &text[..at])
}

fn window_of(minutes: Option<u32>) -> LiveWindow {
    match minutes {
        Some(minutes) => LiveWindow::Last {
            minutes: minutes.clamp(1, MINUTES_KEPT),
        },
        None => LiveWindow::SinceStart,
    }
}

impl Session {
    fn on(&self, notice: Notice) {
        let mut live = lock(&self.live);
        match notice {
            Notice::Batch(batch) => {
                for event in &batch.events {
                    live.rolling.add(
                        LiveEvent {
                            group: &event.group,
                            timestamp_ms: event.timestamp_ms,
                            message: &event.message,
                        },
                        batch.sampled,
                    );
                }
                return;
            }
            Notice::Live => return,
            Notice::Status(status) => {
                live.note = None;
                live.status = Some(status);
            }
            Notice::Polling { error } => {
                live.polling_because = Some(without_debug(&error.to_string()).to_owned());
            }
            Notice::Reconnecting { reason } => {
                live.note = Some(format!("{reason}; reconnecting"));
            }
            Notice::Retrying {
                error,
                attempt,
                retry_in,
            } => {
                live.note = Some(format!(
                    "{error}; retrying in {} (attempt {attempt})",
                    ceiling_engine::duration::format_ms(retry_in.as_millis() as f64)
                ));
            }
        }
        let refresh = if live.paused_at.is_some() {
            Refresh::Status
        } else {
            Refresh::Events
        };
        self.send(&mut live, refresh);
    }

    /// Sends the view: with the window's analysis worked out again unless `refresh` is
    /// only the status.
    fn send(&self, live: &mut Live, refresh: Refresh) {
        let at = live.paused_at.unwrap_or_else(now_ms);
        let (view, chart) = match refresh {
            Refresh::Status => (None, None),
            Refresh::Events | Refresh::Window => {
                let (view, chart) = self.analyze(live, at, refresh == Refresh::Events);
                (Some(view), chart)
            }
        };
        let update = LiveView {
            session: self.id,
            at_ms: at,
            started_ms: live.started_ms,
            window_minutes: match live.window {
                LiveWindow::Last { minutes } => Some(minutes),
                LiveWindow::SinceStart => None,
            },
            backfill_ms: BACKFILL_MS,
            every_ms: live.every_ms,
            status: live.status.clone(),
            paused: live.paused_at.is_some(),
            polling_because: live.polling_because.clone(),
            note: live.note.clone(),
            changes: live.changes.clone(),
            view,
            chart,
        };
        // a window gone has nothing more to hear; its watch stops
        if self
            .channel
            .send(LiveUpdate::Update(Box::new(update)))
            .is_err()
        {
            self.switches.stop.store(true, Ordering::Relaxed);
        }
    }

    /// The window's analysis at `at`, kept for exports; when `note_changes`, the findings
    /// that appeared or cleared since the last one are noted (and the critical ones
    /// notified), otherwise (another window chosen) the findings are only the new baseline.
    fn analyze(&self, live: &mut Live, at: i64, note_changes: bool) -> (View, Option<Chart>) {
        let analysis = live.rolling.analysis(live.window, at);
        let findings: Vec<(FindingId, Severity, String)> = analysis
            .findings
            .iter()
            .map(|f| (f.id, f.severity, f.title.clone()))
            .collect();
        if let (true, Some(before)) = (note_changes, live.shown.as_ref()) {
            let appeared = findings
                .iter()
                .filter(|(id, _, _)| !before.iter().any(|(b, _, _)| b == id))
                .map(|f| (true, f.clone()));
            let cleared = before
                .iter()
                .filter(|(id, _, _)| !findings.iter().any(|(f, _, _)| f == id))
                .map(|f| (false, f.clone()));
            let changes: Vec<_> = appeared.chain(cleared).collect();
            for (appeared, (id, severity, title)) in changes {
                if severity == Severity::Critical {
                    notify(&self.app, appeared, &title);
                }
                live.changes.push(Change {
                    at_ms: at,
                    appeared,
                    id,
                    severity,
                    title,
                });
            }
            let excess = live.changes.len().saturating_sub(CHANGES_KEPT);
            live.changes.drain(..excess);
        }
        live.shown = Some(findings);
        let start = match live.window {
            LiveWindow::Last { minutes } => {
                (at.div_euclid(60_000) - i64::from(minutes) + 1) * 60_000
            }
            LiveWindow::SinceStart => {
                let first = analysis.timeline.buckets.first().map(|b| b.start_ms);
                first.map_or(live.started_ms - BACKFILL_MS, |first| {
                    first.min(live.started_ms - BACKFILL_MS)
                })
            }
        };
        let chart = ceiling_report::latency_between(&analysis, live.zone, (start, at));
        let charts = ceiling_report::charts(&analysis, live.zone);
        if let Ok(mut last) = self.app.state::<AppState>().last.lock() {
            *last = Some(Loaded {
                analysis: analysis.clone(),
                zone: live.zone,
            });
        }
        let view = View::new(
            analysis,
            charts,
            Completeness::Complete,
            Vec::new(),
            &live.settings,
        );
        (view, chart)
    }

    fn stop(&self, replaced: bool) {
        self.replaced.store(replaced, Ordering::Relaxed);
        self.switches.stop.store(true, Ordering::Relaxed);
    }
}

/// What a view sent recomputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refresh {
    /// The status alone: the figures stand (paused).
    Status,
    /// The window's analysis, with the findings' changes noted.
    Events,
    /// The analysis of another window chosen: a new baseline of findings.
    Window,
}

/// Set by the GUI tests: notifications are written to this file, one JSON line each, for
/// want of a notification server under Xvfb. Read only in builds with the `test-dialogs`
/// feature, which a release never has.
#[cfg(feature = "test-dialogs")]
const TEST_NOTIFICATIONS: &str = "CEILING_TEST_NOTIFICATIONS";

/// A desktop notification that a critical finding appeared or cleared: its title alone.
fn notify(app: &AppHandle, appeared: bool, title: &str) {
    let heading = if appeared {
        "Critical finding appeared"
    } else {
        "Critical finding cleared"
    };
    #[cfg(feature = "test-dialogs")]
    if let Some(path) = std::env::var_os(TEST_NOTIFICATIONS) {
        use std::io::Write;
        let line = serde_json::json!({ "title": heading, "body": title });
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{line}");
        }
        return;
    }
    use tauri_plugin_notification::NotificationExt;
    // Where the system has no notification service, the live view still shows the change.
    let _ = app
        .notification()
        .builder()
        .title(heading)
        .body(title)
        .show();
}

/// Starts watching `source` as `request` and `options` say, stopping the watch that ran;
/// sends the view on `on_update` after each round, until stopped. Returns the session's
/// number once the connection is open (its failure is this command's).
#[tauri::command]
pub async fn watch_start(
    app: AppHandle,
    watching: tauri::State<'_, Watching>,
    source: WatchSource,
    request: Request,
    options: WatchOptions,
    on_update: Channel<LiveUpdate>,
) -> Result<u64, Error> {
    stop_running(&watching, true);
    let zone = Zone::parse(&request.time_zone)?;
    let settings = Settings {
        // the live view has no focus: each window is all of what came
        focus: Focus::default(),
        ..settings_of(&request)?
    };
    let WatchSource {
        profile,
        region,
        mfa_code,
        groups,
        config,
    } = source;
    let groups = match &config {
        Some(stage) if groups.is_empty() => stage.log_groups(),
        _ => groups,
    };
    let (settings, mut rolling) = match config {
        Some(stage) => {
            let settings = settings.applying(&stage);
            (settings.clone(), Rolling::with_config(settings, *stage))
        }
        None => (settings.clone(), Rolling::new(settings)),
    };
    let target = Target {
        profile,
        region,
        mfa_code,
    };
    let connection = Connection::open(&target).await?;
    rolling.set_console(Console {
        region: Some(connection.region().to_owned()),
        log_groups: groups.clone(),
        window: None,
    });
    let every_ms = options.every_ms.unwrap_or(2_000).max(100);
    let request = WatchRequest {
        backfill_ms: BACKFILL_MS,
        poll_every: Duration::from_millis(every_ms),
        ..WatchRequest::new(groups)
    };
    let session = Arc::new(Session {
        id: SESSIONS.fetch_add(1, Ordering::Relaxed),
        switches: Switches::default(),
        replaced: AtomicBool::new(false),
        channel: on_update,
        app: app.clone(),
        live: Mutex::new(Live {
            rolling: rolling.keeping(MINUTES_KEPT),
            settings,
            zone,
            window: window_of(options.window_minutes),
            started_ms: now_ms(),
            every_ms,
            status: None,
            paused_at: None,
            polling_because: None,
            note: None,
            shown: None,
            changes: Vec::new(),
        }),
    });
    // another watch started while this one connected
    stop_running(&watching, true);
    *lock(&watching.0) = Some(session.clone());
    let id = session.id;
    tauri::async_runtime::spawn(async move {
        let watched = watch(&connection, &request, &session.switches, |notice| {
            session.on(notice)
        })
        .await;
        let (reason, error) = match watched {
            Ok(()) if session.replaced.load(Ordering::Relaxed) => (Ending::Replaced, None),
            Ok(()) => (Ending::Stopped, None),
            Err(error) => (Ending::Failed, Some(Error::from(error))),
        };
        let watching = session.app.state::<Watching>();
        let mut current = lock(&watching.0);
        if current.as_ref().is_some_and(|s| s.id == session.id) {
            *current = None;
        }
        drop(current);
        // the window may be gone: nothing to tell then
        let _ = session.channel.send(LiveUpdate::Ended {
            session: session.id,
            reason,
            error,
        });
    });
    Ok(id)
}

/// Stops the watch running, if one is; `replaced`: another watch or an analysis takes
/// the window.
fn stop_running(watching: &Watching, replaced: bool) {
    if let Some(session) = lock(&watching.0).take() {
        session.stop(replaced);
    }
}

/// Stops the watch running because an analysis takes the window.
pub fn stop_for_analysis(app: &AppHandle) {
    stop_running(&app.state::<Watching>(), true);
}

/// The session running, if it is `session`.
fn running(watching: &Watching, session: u64) -> Option<Arc<Session>> {
    lock(&watching.0)
        .as_ref()
        .filter(|s| s.id == session)
        .cloned()
}

/// Pauses (the figures stand; no request goes out) or resumes the watch `session`.
#[tauri::command]
pub fn watch_pause(watching: tauri::State<'_, Watching>, session: u64, paused: bool) {
    let Some(session) = running(&watching, session) else {
        return;
    };
    let mut live = lock(&session.live);
    session.switches.pause.store(paused, Ordering::Relaxed);
    live.paused_at = if paused { Some(now_ms()) } else { None };
    session.send(&mut live, Refresh::Status);
}

/// Stops the watch `session`; it sends its end once the request in flight is done.
#[tauri::command]
pub fn watch_stop(watching: tauri::State<'_, Watching>, session: u64) {
    if let Some(session) = running(&watching, session) {
        lock(&watching.0).take();
        session.stop(false);
    }
}

/// Shows another window of the watch `session` (the last N minutes, or None: since the
/// start), at once.
#[tauri::command]
pub fn watch_window(
    watching: tauri::State<'_, Watching>,
    session: u64,
    window_minutes: Option<u32>,
) {
    let Some(session) = running(&watching, session) else {
        return;
    };
    let mut live = lock(&session.live);
    live.window = window_of(window_minutes);
    session.send(&mut live, Refresh::Window);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_the_last_minutes_kept_or_everything() {
        assert_eq!(window_of(Some(5)), LiveWindow::Last { minutes: 5 });
        assert_eq!(window_of(Some(0)), LiveWindow::Last { minutes: 1 });
        assert_eq!(
            window_of(Some(10_000)),
            LiveWindow::Last {
                minutes: MINUTES_KEPT
            }
        );
        assert_eq!(window_of(None), LiveWindow::SinceStart);
    }

    #[test]
    fn the_sdk_debug_form_is_cut_from_an_error_text() {
        let text = "Live Tail is not available: dispatch failure: io error: dns error: failed \
                    to lookup address information (DispatchFailure(DispatchFailure { source: \
                    ConnectorError { kind: Io } }))";
        assert_eq!(
            without_debug(text),
            "Live Tail is not available: dispatch failure: io error: dns error: failed to \
             lookup address information"
        );
        // words in parentheses stay
        let plain = "the session ended (after 3 hours)";
        assert_eq!(without_debug(plain), plain);
        assert_eq!(
            without_debug("denied (AccessDenied)"),
            "denied (AccessDenied)"
        );
    }
}
