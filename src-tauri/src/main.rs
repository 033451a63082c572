//! The Ceiling desktop app: a thin Tauri shell. Commands hand the engine's work to a blocking
//! thread, stream its progress through a channel, and return the engine's `Analysis` with the
//! report crate's charts; reports are written by Rust. The app computes nothing of its own.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ceiling_cloud::fetch::{fetch_into_analyzer, parse_time, Fetcher, GroupProgress, Window};
use ceiling_cloud::insights;
use ceiling_cloud::{Connection, LogGroup, ProfileInfo, Target};
use ceiling_engine::{expand_paths, Analysis, Analyzer, Focus, Progress, Settings, Template};
use ceiling_report::{Chart, Format, ReportOptions, Zone};
use clap::Parser;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::Manager;
use tauri_plugin_dialog::DialogExt;

/// The bundled sample incident: two hours of a REST API whose report route times out, its
/// access log and its four functions' logs, written by shared/bench/gen.py (samples/README.md).
const SAMPLE: [(&str, &[u8]); 5] = [
    (
        "sample/apigw-access.jsonl",
        include_bytes!("../../samples/orders-api-incident/apigw-access.jsonl"),
    ),
    (
        "sample/lambda-orders-fn.log",
        include_bytes!("../../samples/orders-api-incident/lambda-orders-fn.log"),
    ),
    (
        "sample/lambda-payments-fn.log",
        include_bytes!("../../samples/orders-api-incident/lambda-payments-fn.log"),
    ),
    (
        "sample/lambda-process-fn.log",
        include_bytes!("../../samples/orders-api-incident/lambda-process-fn.log"),
    ),
    (
        "sample/lambda-reports-fn.log",
        include_bytes!("../../samples/orders-api-incident/lambda-reports-fn.log"),
    ),
];

/// How often the window hears of progress: a few times a second.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Recent inputs remembered on the start screen.
const RECENT: usize = 8;
/// Set by the GUI tests: exports go into this folder instead of through the save dialog,
/// which WebDriver cannot drive.
const TEST_SAVE_DIR: &str = "CEILING_TEST_SAVE_DIR";

/// Command line of the desktop app.
#[derive(Parser, Debug, Clone, Serialize)]
#[command(name = "ceiling-app", version, about = "The Ceiling desktop app")]
struct Launch {
    /// Open the bundled sample incident.
    #[arg(long)]
    sample: bool,
    /// Log files or folders to open.
    #[arg(value_name = "FILE")]
    paths: Vec<PathBuf>,
}

/// What to analyze.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
enum Source {
    Paths {
        paths: Vec<PathBuf>,
    },
    Sample,
    /// Log groups fetched from CloudWatch Logs over a window (`since`/`until` as the CLI
    /// takes them: `2h`, ISO 8601).
    Cloud {
        profile: Option<String>,
        region: Option<String>,
        /// The MFA device's code, for a profile with `mfa_serial`; never stored.
        #[serde(default, skip_serializing)]
        mfa_code: Option<String>,
        groups: Vec<String>,
        since: String,
        until: String,
    },
}

/// What the window sets about an analysis.
#[derive(Debug, Clone, Default, Deserialize)]
struct Request {
    /// None: 29 s, or 30 s for HTTP APIs.
    ceiling_ms: Option<u64>,
    /// The stage's access-log format string, pasted by the user.
    access_format: Option<String>,
    /// The zone of the charts' times, in minutes east of UTC.
    zone_offset_minutes: i32,
    focus: Focus,
}

/// Progress of a running analysis, a few times a second.
#[derive(Debug, Clone, Serialize)]
struct ProgressUpdate {
    bytes: u64,
    total_bytes: u64,
    lines: u64,
    requests: u64,
    timeouts: u64,
    elapsed_ms: u64,
    /// Per log group, when fetching from CloudWatch Logs.
    groups: Vec<GroupProgress>,
    /// The analysis of the inputs read so far, once another one is done: the window fills
    /// in while the rest is read.
    so_far: Option<View>,
}

/// What the window shows: the analysis and its charts.
#[derive(Debug, Clone, Serialize)]
struct View {
    analysis: Analysis,
    charts: Vec<Chart>,
    /// The reading was cancelled, or a fetch stopped early: the figures are of what was
    /// read until then.
    partial: bool,
    /// Why it is partial, one line each.
    notes: Vec<String>,
}

/// The last analysis, for exports.
struct Loaded {
    analysis: Analysis,
    zone: Zone,
}

#[derive(Default)]
struct AppState {
    /// The running analysis's progress, to cancel it.
    job: Mutex<Option<Arc<Progress>>>,
    /// The running fetch's switch, to cancel it.
    fetch: Mutex<Option<Arc<AtomicBool>>>,
    last: Mutex<Option<Loaded>>,
}

/// What the app remembers between runs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct Preferences {
    /// The ceiling the user set, None for the default.
    ceiling_ms: Option<u64>,
    /// Show times in the machine's zone instead of UTC.
    local_time: bool,
    /// Files and folders opened lately, newest first.
    recent: Vec<PathBuf>,
}

fn preferences_path(app: &tauri::AppHandle) -> Result<PathBuf, String> {
    app.path()
        .app_config_dir()
        .map(|dir| dir.join("preferences.json"))
        .map_err(|e| format!("no folder for the app's settings: {e}"))
}

fn read_preferences(app: &tauri::AppHandle) -> Preferences {
    preferences_path(app)
        .ok()
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn write_preferences(app: &tauri::AppHandle, preferences: &Preferences) -> Result<(), String> {
    let path = preferences_path(app)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let text = serde_json::to_vec_pretty(preferences).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// What the window should open first, as the command line asked.
#[tauri::command]
fn startup(launch: tauri::State<'_, Launch>) -> Launch {
    launch.inner().clone()
}

#[tauri::command]
fn load_preferences(app: tauri::AppHandle) -> Preferences {
    read_preferences(&app)
}

#[tauri::command]
fn save_preferences(
    app: tauri::AppHandle,
    ceiling_ms: Option<u64>,
    local_time: bool,
) -> Result<(), String> {
    let mut preferences = read_preferences(&app);
    preferences.ceiling_ms = ceiling_ms;
    preferences.local_time = local_time;
    write_preferences(&app, &preferences)
}

fn remember(app: &tauri::AppHandle, paths: &[PathBuf]) {
    let mut preferences = read_preferences(app);
    for path in paths.iter().rev() {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        preferences.recent.retain(|p| p != &path);
        preferences.recent.insert(0, path);
    }
    preferences.recent.truncate(RECENT);
    // Forgetting the recent list is no reason to fail an analysis.
    let _ = write_preferences(app, &preferences);
}

/// What the reading threads leave for the progress reports.
#[derive(Default)]
struct Interim {
    groups: Mutex<Vec<GroupProgress>>,
    so_far: Mutex<Option<View>>,
}

impl Interim {
    /// Keeps a snapshot of `analyzer`, to send with the next progress report.
    fn snapshot(&self, analyzer: &Analyzer, zone: Zone) {
        let analysis = analyzer.snapshot();
        if analysis.requests == 0 && analysis.lambda.is_none() {
            return;
        }
        let view = View {
            charts: ceiling_report::charts(&analysis, zone),
            analysis,
            partial: true,
            notes: vec!["still reading".to_owned()],
        };
        if let Ok(mut so_far) = self.so_far.lock() {
            *so_far = Some(view);
        }
    }
}

/// Sends progress until `done`, every [`PROGRESS_EVERY`].
fn report_progress(
    progress: Arc<Progress>,
    total_bytes: u64,
    interim: Arc<Interim>,
    channel: Channel<ProgressUpdate>,
    done: Arc<AtomicBool>,
) {
    let started = Instant::now();
    while !done.load(Ordering::Relaxed) {
        let update = ProgressUpdate {
            bytes: progress.bytes_read(),
            total_bytes,
            lines: progress.lines_read(),
            requests: progress.requests_read(),
            timeouts: progress.timeouts_seen(),
            elapsed_ms: started.elapsed().as_millis() as u64,
            groups: interim.groups.lock().map(|g| g.clone()).unwrap_or_default(),
            so_far: interim.so_far.lock().ok().and_then(|mut v| v.take()),
        };
        if channel.send(update).is_err() {
            return;
        }
        std::thread::sleep(PROGRESS_EVERY);
    }
}

fn settings_of(request: &Request) -> Result<Settings, String> {
    let access_format = match request.access_format.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => {
            Some(Template::parse(text).map_err(|e| format!("the access-log format: {e}"))?)
        }
        _ => None,
    };
    Ok(Settings {
        ceiling_ms: request.ceiling_ms,
        access_format,
        focus: request.focus.clone(),
        ..Settings::default()
    })
}

/// Reads the source into an analysis; stops early, keeping what it read, when cancelled.
fn read_source(
    analyzer: &mut Analyzer,
    source: &Source,
    files: &[PathBuf],
    interim: &Interim,
    zone: Zone,
) -> Result<bool, String> {
    let progress = analyzer.progress();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut errors = Vec::new();
    match source {
        Source::Sample => {
            for (index, (name, bytes)) in SAMPLE.iter().enumerate() {
                if let Err(error) = analyzer.read(name, *bytes) {
                    errors.push(error.to_string());
                }
                if index + 1 < SAMPLE.len() {
                    interim.snapshot(analyzer, zone);
                }
            }
        }
        Source::Cloud { .. } => return Err("a CloudWatch source is fetched, not read".to_owned()),
        Source::Paths { .. } => {
            for (index, file) in files.iter().enumerate() {
                if progress.is_cancelled() {
                    break;
                }
                // An input that fails is reported in the inputs panel; the others are read.
                if let Err(error) = analyzer.read_path_with_threads(file, threads) {
                    errors.push(error.to_string());
                }
                if index + 1 < files.len() {
                    interim.snapshot(analyzer, zone);
                }
            }
        }
    }
    if progress.is_cancelled() {
        Ok(true)
    } else if errors.is_empty() {
        Ok(false)
    } else {
        Err(errors.join("\n"))
    }
}

#[tauri::command]
async fn analyze(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    source: Source,
    request: Request,
    on_progress: Channel<ProgressUpdate>,
) -> Result<View, String> {
    let settings = settings_of(&request)?;
    let notable_ms = settings.notable_ms();
    let zone = Zone::from_offset_minutes(request.zone_offset_minutes)?;
    let mut analyzer = Analyzer::new(settings);
    let progress = analyzer.progress();
    if let Some(previous) = state
        .job
        .lock()
        .map_err(|e| e.to_string())?
        .replace(progress.clone())
    {
        previous.cancel();
    }
    let files = match &source {
        Source::Paths { paths } => expand_paths(paths).map_err(|e| e.to_string())?,
        _ => Vec::new(),
    };
    let total_bytes = match &source {
        Source::Sample => SAMPLE.iter().map(|(_, bytes)| bytes.len() as u64).sum(),
        Source::Paths { .. } => files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum(),
        // unknown until fetched
        Source::Cloud { .. } => 0,
    };
    let interim: Arc<Interim> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (progress, done, interim) = (progress.clone(), done.clone(), interim.clone());
        std::thread::spawn(move || {
            report_progress(progress, total_bytes, interim, on_progress, done)
        })
    };
    let outcome = match source.clone() {
        Source::Cloud {
            profile,
            region,
            mfa_code,
            groups,
            since,
            until,
        } => {
            let target = Target {
                profile,
                region,
                mfa_code,
            };
            let fetched = fetch(&state, &target, &groups, &since, &until).await;
            match fetched {
                Ok((window, mut fetcher)) => {
                    let runtime = tokio::runtime::Handle::current();
                    let interim = interim.clone();
                    tauri::async_runtime::spawn_blocking(move || {
                        // An access log too large to download is counted by Logs Insights
                        // (the analysis then lists what is approximate); where Insights
                        // cannot, the group is downloaded, which the notes need not tell.
                        let show = |done: &GroupProgress| {
                            if let Ok(mut shown) = interim.groups.lock() {
                                match shown.iter_mut().find(|g| g.group == done.group) {
                                    Some(group) => *group = done.clone(),
                                    None => shown.push(done.clone()),
                                }
                            }
                        };
                        let download = insights::count_with_insights(
                            &runtime,
                            &fetcher,
                            &groups,
                            window,
                            insights::Mode::Auto,
                            notable_ms,
                            &mut analyzer,
                            show,
                        )
                        .download;
                        let fetched = fetch_into_analyzer(
                            &runtime,
                            &mut fetcher,
                            &download,
                            window,
                            &mut analyzer,
                            show,
                            |analyzer| interim.snapshot(analyzer, zone),
                        );
                        let notes: Vec<String> = fetched
                            .failures
                            .iter()
                            .map(|(group, error)| format!("{group}: {error}"))
                            .collect();
                        (analyzer.finish(), Ok(notes))
                    })
                    .await
                    .map_err(|e| format!("the fetch stopped unexpectedly: {e}"))
                }
                Err(error) => Err(error),
            }
        }
        work_source => tauri::async_runtime::spawn_blocking(move || {
            let read = read_source(&mut analyzer, &work_source, &files, &interim, zone);
            let notes = read.map(|partial| {
                if partial {
                    vec!["reading was cancelled".to_owned()]
                } else {
                    Vec::new()
                }
            });
            (analyzer.finish(), notes)
        })
        .await
        .map_err(|e| format!("the analysis stopped unexpectedly: {e}")),
    };
    done.store(true, Ordering::Relaxed);
    let _ = ticker.join();
    let (analysis, read) = outcome?;
    let nothing_read =
        analysis.requests == 0 && analysis.lambda.is_none() && analysis.execution.is_none();
    let notes = match read {
        Ok(notes) if nothing_read && !notes.is_empty() => return Err(notes.join("\n")),
        Ok(notes) => notes,
        Err(errors) if nothing_read => return Err(errors),
        // what could be read is shown; the inputs panel says what could not
        Err(_) => Vec::new(),
    };
    let partial = !notes.is_empty();
    if let Source::Paths { paths } = &source {
        if !partial {
            remember(&app, paths);
        }
    }
    let charts = ceiling_report::charts(&analysis, zone);
    *state.last.lock().map_err(|e| e.to_string())? = Some(Loaded {
        analysis: analysis.clone(),
        zone,
    });
    Ok(View {
        analysis,
        charts,
        partial,
        notes,
    })
}

/// Opens the connection and the window of a fetch, and makes it cancellable.
async fn fetch(
    state: &AppState,
    target: &Target,
    groups: &[String],
    since: &str,
    until: &str,
) -> Result<(Window, Fetcher), String> {
    if groups.is_empty() {
        return Err("choose at least one log group".to_owned());
    }
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let window = Window {
        start_ms: parse_time(since, now_ms).map_err(|e| format!("from: {e}"))?,
        end_ms: parse_time(until, now_ms).map_err(|e| format!("to: {e}"))?,
    };
    if window.start_ms >= window.end_ms {
        return Err("the window must start before it ends".to_owned());
    }
    let connection = Connection::open(target).await.map_err(|e| e.to_string())?;
    let fetcher = Fetcher::new(connection);
    *state.fetch.lock().map_err(|e| e.to_string())? = Some(fetcher.cancel_switch());
    Ok((window, fetcher))
}

/// The profiles of the AWS config and credentials files: names, regions and kinds only.
#[tauri::command]
async fn aws_profiles() -> Result<Vec<ProfileInfo>, String> {
    ceiling_cloud::profiles().await.map_err(|e| e.to_string())
}

/// A log group for the browser, and whether Ceiling reads its kind.
#[derive(Debug, Clone, Serialize)]
struct GroupChoice {
    #[serde(flatten)]
    group: LogGroup,
    suggested: bool,
    /// The kind a sampled message showed, for a group whose name does not tell.
    holds: Option<&'static str>,
}

/// Groups whose names tell nothing that get a message sampled: each sample is a request.
const GROUPS_SAMPLED: usize = 25;

/// The log groups whose names start with `prefix`, the ones Ceiling reads first.
#[tauri::command]
async fn aws_log_groups(
    profile: Option<String>,
    region: Option<String>,
    mfa_code: Option<String>,
    prefix: Option<String>,
) -> Result<Vec<GroupChoice>, String> {
    let target = Target {
        profile,
        region,
        mfa_code,
    };
    let connection = Connection::open(&target).await.map_err(|e| e.to_string())?;
    let prefix = prefix.filter(|p| !p.trim().is_empty());
    let groups = connection
        .log_groups(prefix.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    let mut choices: Vec<GroupChoice> = groups
        .into_iter()
        .map(|group| GroupChoice {
            suggested: ceiling_cloud::is_relevant(&group.name),
            group,
            holds: None,
        })
        .collect();
    // A stage's access log may have any name: a message of it tells.
    for choice in choices
        .iter_mut()
        .filter(|c| !c.suggested && c.group.stored_bytes != Some(0))
        .take(GROUPS_SAMPLED)
    {
        if let Ok(Some(kind)) = connection.kind_of_group(&choice.group.name).await {
            choice.holds = Some(kind);
            choice.suggested = true;
        }
    }
    choices.sort_by_key(|c| !c.suggested);
    Ok(choices)
}

/// Stops the running analysis within a line (a fetch after its page in flight); it returns
/// what it read.
#[tauri::command]
fn cancel(state: tauri::State<'_, AppState>) {
    if let Ok(job) = state.job.lock() {
        if let Some(progress) = job.as_ref() {
            progress.cancel();
        }
    }
    if let Ok(fetch) = state.fetch.lock() {
        if let Some(switch) = fetch.as_ref() {
            switch.store(true, Ordering::Relaxed);
        }
    }
}

/// Writes the last analysis as `kind` (`pdf`, `html`, `md`, `findings-json`,
/// `findings-csv`) where the user says in the save dialog; returns the path, or None when
/// the dialog was cancelled.
#[tauri::command]
async fn export(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    kind: String,
) -> Result<Option<String>, String> {
    let format: Format = kind.parse()?;
    let (analysis, zone) = {
        let last = state.last.lock().map_err(|e| e.to_string())?;
        let loaded = last
            .as_ref()
            .ok_or("nothing to export yet: open some logs first")?;
        (loaded.analysis.clone(), loaded.zone)
    };
    let file_name = format.file_name();
    let target = match std::env::var_os(TEST_SAVE_DIR) {
        Some(dir) => Some(Path::new(&dir).join(&file_name)),
        None => {
            let dialog = app
                .dialog()
                .file()
                .set_title(format!("Export the {}", format.description()))
                .set_file_name(&file_name)
                .add_filter(format.description(), &[format.extension()]);
            let chosen = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
                .await
                .map_err(|e| e.to_string())?;
            match chosen {
                Some(path) => Some(path.into_path().map_err(|e| e.to_string())?),
                None => None,
            }
        }
    };
    let Some(target) = target else {
        return Ok(None);
    };
    let written_to = target.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let options = ReportOptions {
            zone,
            ..ReportOptions::now()
        };
        let bytes = ceiling_report::render(&analysis, options, format)?;
        std::fs::write(&target, bytes)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))
    })
    .await
    .map_err(|e| e.to_string())??;
    Ok(Some(written_to.display().to_string()))
}

fn main() {
    let launch = Launch::parse();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(launch)
        .manage(AppState::default())
        .invoke_handler(tauri::generate_handler![
            startup,
            load_preferences,
            save_preferences,
            analyze,
            cancel,
            export,
            aws_profiles,
            aws_log_groups
        ])
        .run(tauri::generate_context!())
        .expect("the Ceiling window could not start");
}
