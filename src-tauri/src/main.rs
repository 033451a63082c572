//! The Ceiling desktop app: a thin Tauri shell. Each command hands the engine's work to a
//! blocking thread and returns the engine's `Analysis` to the webview as JSON; the app
//! computes nothing of its own.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;

use ceiling_engine::{expand_paths, Analysis, Analyzer, Settings};
use clap::Parser;
use serde::Serialize;

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

/// What the window should open first, as the command line asked.
#[tauri::command]
fn startup(launch: tauri::State<'_, Launch>) -> Launch {
    launch.inner().clone()
}

#[tauri::command]
async fn analyze_paths(paths: Vec<PathBuf>) -> Result<Analysis, String> {
    run_blocking(move || {
        let files = expand_paths(&paths).map_err(|e| e.to_string())?;
        let mut analyzer = Analyzer::new(Settings::default());
        // An input that fails is reported in the inputs panel; the others are still read.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let errors: Vec<String> = files
            .iter()
            .filter_map(|file| {
                analyzer
                    .read_path_with_threads(file, threads)
                    .err()
                    .map(|e| e.to_string())
            })
            .collect();
        let analysis = analyzer.finish();
        let nothing_read =
            analysis.requests == 0 && analysis.lambda.is_none() && analysis.execution.is_none();
        if nothing_read && !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        Ok(analysis)
    })
    .await
}

#[tauri::command]
async fn analyze_sample() -> Result<Analysis, String> {
    run_blocking(|| {
        let mut analyzer = Analyzer::new(Settings::default());
        for (name, bytes) in SAMPLE {
            analyzer.read(name, bytes).map_err(|e| e.to_string())?;
        }
        Ok(analyzer.finish())
    })
    .await
}

/// Runs engine work off the async runtime, so that the window stays responsive.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| format!("the analysis stopped unexpectedly: {e}"))?
}

fn main() {
    let launch = Launch::parse();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(launch)
        .invoke_handler(tauri::generate_handler![
            startup,
            analyze_paths,
            analyze_sample
        ])
        .run(tauri::generate_context!())
        .expect("the Ceiling window could not start");
}
