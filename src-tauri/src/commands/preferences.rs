//! The settings, recent inputs and last fetch the app remembers between runs, in
//! `preferences.json` of the app's config folder.

use std::path::PathBuf;

use tauri::Manager;

use crate::error::Error;
use crate::transport::{Preferences, Source};

/// Recent inputs remembered on the start screen.
const RECENT: usize = 8;

fn preferences_path(app: &tauri::AppHandle) -> Result<PathBuf, Error> {
    app.path()
        .app_config_dir()
        .map(|dir| dir.join("preferences.json"))
        .map_err(|e| Error::preferences(format!("no folder for the app's settings: {e}")))
}

/// The preferences written last; the defaults when there are none or they do not read.
fn read_preferences(app: &tauri::AppHandle) -> Preferences {
    preferences_path(app)
        .ok()
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn write_preferences(app: &tauri::AppHandle, preferences: &Preferences) -> Result<(), Error> {
    let path = preferences_path(app)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::preferences(format!("cannot create {}: {e}", dir.display())))?;
    }
    let text = serde_json::to_vec_pretty(preferences)
        .map_err(|e| Error::internal(format!("the settings do not serialise: {e}")))?;
    std::fs::write(&path, text)
        .map_err(|e| Error::preferences(format!("cannot write {}: {e}", path.display())))
}

/// Puts `paths` first among the recent inputs.
pub fn remember(app: &tauri::AppHandle, paths: &[PathBuf]) {
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

/// Keeps `source`, a fetch read in full, as the one to fetch again (with its stage's
/// configuration, when it has one).
pub fn remember_fetch(app: &tauri::AppHandle, source: &Source) {
    let mut preferences = read_preferences(app);
    preferences.fetch = Some(source.clone());
    // Forgetting the fetch is no reason to fail an analysis.
    let _ = write_preferences(app, &preferences);
}

#[tauri::command]
pub fn load_preferences(app: tauri::AppHandle) -> Preferences {
    read_preferences(&app)
}

#[tauri::command]
pub fn save_preferences(
    app: tauri::AppHandle,
    ceiling_ms: Option<u64>,
    local_time: bool,
    console_region: Option<String>,
) -> Result<(), Error> {
    let mut preferences = read_preferences(&app);
    preferences.ceiling_ms = ceiling_ms;
    preferences.local_time = local_time;
    preferences.console_region = console_region.filter(|r| !r.trim().is_empty());
    write_preferences(&app, &preferences)
}
