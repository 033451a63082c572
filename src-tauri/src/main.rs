//! The Ceiling desktop app: a thin Tauri shell. Commands hand the engine's work to a blocking
//! thread, stream its progress through a channel, and return the engine's `Analysis` with the
//! report crate's charts; reports are written by Rust. The app computes nothing of its own.
//!
//! - [`commands`]: the `#[tauri::command]`s the window calls, by area;
//! - [`transport`]: the types that cross to and from the window;
//! - [`error`]: the one error of every command, `{code, message, hint}` in the window;
//! - [`reading`]: one analysis from request to view, over [`cloud`] for log groups, with
//!   [`progress`] while it runs and the [`sample`] incident bundled;
//! - [`state`]: what the app holds between commands.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod cloud;
mod commands;
mod error;
mod progress;
mod reading;
mod sample;
mod state;
mod transport;

use clap::Parser;

fn main() {
    let launch = transport::Launch::parse();
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .manage(launch)
        .manage(state::AppState::default())
        .manage(commands::inputs::Chosen::default())
        .manage(commands::watch::Watching::default())
        .on_window_event(commands::inputs::on_window_event)
        .invoke_handler(tauri::generate_handler![
            commands::startup,
            commands::preferences::load_preferences,
            commands::preferences::save_preferences,
            commands::analyze::analyze,
            commands::analyze::cancel,
            commands::export::export,
            commands::compare::compare_with,
            commands::compare::export_comparison,
            commands::inputs::pick_paths,
            commands::aws::aws_profiles,
            commands::aws::aws_log_groups,
            commands::aws::aws_apis,
            commands::aws::aws_stage,
            commands::watch::watch_start,
            commands::watch::watch_pause,
            commands::watch::watch_stop,
            commands::watch::watch_window
        ])
        .run(tauri::generate_context!())
        .expect("the Ceiling window could not start");
}
