//! The commands the window calls, by area. Each is a few lines over the crates or the
//! shell's modules, and fails with [`crate::error::Error`].

pub mod analyze;
pub mod aws;
pub mod compare;
pub mod export;
pub mod inputs;
pub mod preferences;
pub mod watch;

use crate::transport::Launch;

/// What the window should open first, as the command line asked.
#[tauri::command]
pub fn startup(launch: tauri::State<'_, Launch>) -> Launch {
    launch.inner().clone()
}
