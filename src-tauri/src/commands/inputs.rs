//! Choosing inputs: the native open dialog, opened by Rust so that the window needs no
//! dialog permission of its own.

use std::path::PathBuf;

use tauri_plugin_dialog::DialogExt;

use crate::error::Error;

/// Set by the GUI tests: what the open dialog would have chosen, as WebDriver cannot drive
/// the dialog.
const TEST_OPEN: &str = "CEILING_TEST_OPEN";

/// Files (or, with `folders`, folders) the user chooses in the open dialog; empty when it
/// was cancelled.
#[tauri::command]
pub async fn pick_paths(app: tauri::AppHandle, folders: bool) -> Result<Vec<PathBuf>, Error> {
    if let Some(path) = std::env::var_os(TEST_OPEN) {
        return Ok(vec![PathBuf::from(path)]);
    }
    let dialog = app.dialog().file().set_title(if folders {
        "Open log folders"
    } else {
        "Open log files"
    });
    let chosen = tauri::async_runtime::spawn_blocking(move || {
        if folders {
            dialog.blocking_pick_folders()
        } else {
            dialog.blocking_pick_files()
        }
    })
    .await?;
    chosen
        .unwrap_or_default()
        .into_iter()
        .map(|path| {
            path.into_path()
                .map_err(|e| Error::internal(format!("the dialog chose no path: {e}")))
        })
        .collect()
}
