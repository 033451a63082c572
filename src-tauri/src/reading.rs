//! One analysis, from the window's request to the view it shows: the settings, the source
//! read on a blocking thread (files, the sample, or log groups through [`crate::cloud`],
//! with a stage's configuration applied where the API panel read one),
//! progress while it runs, and what to say when nothing could be read.

use std::path::PathBuf;
use std::sync::Arc;

use ceiling_cloud::Target;
use ceiling_engine::{expand_paths, Analysis, Analyzer, Console, Settings, Template};
use ceiling_report::Zone;
use tauri::ipc::Channel;

use crate::cloud::{self, Groups};
use crate::commands::inputs;
use crate::error::Error;
use crate::progress::{Interim, Ticker};
use crate::sample::{self, SAMPLE};
use crate::state::{AppState, Loaded};
use crate::transport::{Completeness, ProgressUpdate, Request, Source, View};

/// What a reading ended with.
struct Outcome {
    analysis: Analysis,
    /// Why the analysis is of part of the source, one line each; empty when it is of all.
    notes: Vec<String>,
    /// What could not be read; the analysis is of the rest, and shows these per input.
    failures: Vec<Error>,
}

/// The engine's settings the window asked for.
pub(crate) fn settings_of(request: &Request) -> Result<Settings, Error> {
    let access_format = match request.access_format.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Some(Template::parse(text)?),
        _ => None,
    };
    Ok(Settings {
        ceiling_ms: request.ceiling_ms,
        access_format,
        focus: request.focus.clone(),
        console: Console {
            region: request
                .console_region
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            ..Console::default()
        },
        ..Settings::default()
    })
}

/// Reads `source` as `request` says, sending progress on `channel`; keeps the analysis
/// for exports. A cancelled reading returns what it read, as partial.
pub async fn analyze(
    state: &AppState,
    source: Source,
    request: &Request,
    channel: Channel<ProgressUpdate>,
) -> Result<View, Error> {
    let zone = Zone::parse(&request.time_zone)?;
    let view = read(state, source, request, channel).await?;
    *state.last.lock()? = Some(Loaded {
        analysis: view.analysis.clone(),
        zone,
    });
    Ok(view)
}

/// Reads `source` as [`analyze`] does, without keeping it: the other window of a
/// comparison.
pub async fn read(
    state: &AppState,
    source: Source,
    request: &Request,
    channel: Channel<ProgressUpdate>,
) -> Result<View, Error> {
    let settings = settings_of(request)?;
    let zone = Zone::parse(&request.time_zone)?;
    let stage = match &source {
        Source::Cloud { config, .. } => config.as_deref().cloned(),
        _ => None,
    };
    let (settings, analyzer) = match stage {
        Some(stage) => {
            let settings = settings.applying(&stage);
            (settings.clone(), Analyzer::with_config(settings, stage))
        }
        None => (settings.clone(), Analyzer::new(settings)),
    };
    let progress = analyzer.progress();
    state.start(progress.clone())?;
    let interim = Arc::new(Interim::new(settings.clone(), zone));
    let outcome = match source {
        Source::Cloud {
            profile,
            region,
            mfa_code,
            groups,
            since,
            until,
            config,
        } => {
            // a stage's own log groups, where none were chosen
            let groups = match config {
                Some(stage) if groups.is_empty() => stage.log_groups(),
                _ => groups,
            };
            let groups = Groups {
                target: Target {
                    profile,
                    region,
                    mfa_code,
                },
                groups,
                since,
                until,
            };
            // unknown until fetched
            let ticker = Ticker::start(progress, 0, interim.clone(), channel);
            let read =
                cloud::read_groups(state, groups, analyzer, settings.notable_ms(), interim).await;
            ticker.stop();
            let (analysis, failures) = read?;
            Outcome {
                analysis,
                notes: failures.iter().map(|f| f.message.clone()).collect(),
                failures,
            }
        }
        Source::Paths { paths } => {
            // Folders are followed through their symlinks, each once; a device, a pipe or a
            // socket, chosen or found in a folder, is refused, and the rest read.
            let mut refused = Vec::new();
            let files: Vec<PathBuf> = expand_paths(&paths)?
                .into_iter()
                .filter(|file| match inputs::check_regular(file) {
                    Ok(()) => true,
                    Err(error) => {
                        refused.push(error);
                        false
                    }
                })
                .collect();
            let total_bytes = files
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|m| m.len())
                .sum();
            let ticker = Ticker::start(progress, total_bytes, interim.clone(), channel);
            let read = tauri::async_runtime::spawn_blocking(move || {
                read_files(analyzer, &files, refused, &interim)
            })
            .await;
            ticker.stop();
            read?
        }
        Source::Sample => {
            let ticker = Ticker::start(progress, sample::total_bytes(), interim.clone(), channel);
            let read =
                tauri::async_runtime::spawn_blocking(move || read_sample(analyzer, &interim)).await;
            ticker.stop();
            read?
        }
    };
    settle(outcome, &settings, zone)
}

/// The view of a reading; an error when nothing could be read at all.
fn settle(outcome: Outcome, settings: &Settings, zone: Zone) -> Result<View, Error> {
    let Outcome {
        analysis,
        notes,
        failures,
    } = outcome;
    let nothing_read =
        analysis.requests == 0 && analysis.lambda.is_none() && analysis.execution.is_none();
    if nothing_read {
        if let Some(error) = Error::joined(failures) {
            return Err(error);
        }
    }
    let completeness = if notes.is_empty() {
        Completeness::Complete
    } else {
        Completeness::Partial
    };
    let charts = ceiling_report::charts(&analysis, zone);
    Ok(View::new(analysis, charts, completeness, notes, settings))
}

/// Reads the bundled sample.
fn read_sample(mut analyzer: Analyzer, interim: &Interim) -> Outcome {
    let mut failures = Vec::new();
    for (index, (name, bytes)) in SAMPLE.iter().enumerate() {
        if let Err(error) = analyzer.read(name, *bytes) {
            failures.push(Error::from(error));
        }
        if index + 1 < SAMPLE.len() {
            interim.snapshot(&analyzer);
        }
    }
    finished(analyzer, failures)
}

/// Reads the files on all cores, one file a worker (a large plain file cut into chunks),
/// with the figures so far shown after each file; stops early, keeping what it read, when
/// cancelled. `failures` holds the inputs refused before reading.
fn read_files(
    mut analyzer: Analyzer,
    files: &[PathBuf],
    mut failures: Vec<Error>,
    interim: &Interim,
) -> Outcome {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut added = 0;
    // An input that fails is reported in the inputs panel; the others are read.
    let errors = analyzer.read_paths(files, threads, |so_far| {
        added += 1;
        if added < files.len() {
            interim.snapshot(so_far);
        }
    });
    failures.extend(errors.into_iter().map(Error::from));
    finished(analyzer, failures)
}

fn finished(analyzer: Analyzer, failures: Vec<Error>) -> Outcome {
    let cancelled = analyzer.progress().is_cancelled();
    Outcome {
        analysis: analyzer.finish(),
        // what a cancelled reading failed to read is beside the point
        notes: if cancelled {
            vec!["reading was cancelled".to_owned()]
        } else {
            Vec::new()
        },
        failures: if cancelled { Vec::new() } else { failures },
    }
}
