//! Exports of the last analysis: the report (PDF, HTML, Markdown) and the findings (JSON,
//! CSV), written by Rust where the user says in the save dialog.

#[cfg(feature = "test-dialogs")]
use std::path::Path;
use std::path::PathBuf;

use ceiling_report::{Format, ReportOptions};
use tauri_plugin_dialog::DialogExt;

use crate::error::{Code, Error};
use crate::state::AppState;

/// Set by the GUI tests: exports go into this folder instead of through the save dialog,
/// which WebDriver cannot drive. Read only in builds with the `test-dialogs` feature, which
/// the GUI tests build with and a release never has.
#[cfg(feature = "test-dialogs")]
const TEST_SAVE_DIR: &str = "CEILING_TEST_SAVE_DIR";

/// Writes the last analysis as `kind` (`pdf`, `html`, `md`, `findings-json`,
/// `findings-csv`) where the user says in the save dialog; returns the path, or None when
/// the dialog was cancelled.
#[tauri::command]
pub async fn export(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    kind: String,
) -> Result<Option<String>, Error> {
    let format: Format = kind.parse()?;
    let (analysis, zone) = {
        let last = state.last.lock()?;
        let loaded = last.as_ref().ok_or_else(|| {
            Error::new(
                Code::NothingToExport,
                "nothing to export yet: open some logs first",
                Some("Open log files, a folder or the sample incident, then export."),
            )
        })?;
        (loaded.analysis.clone(), loaded.zone)
    };
    let file_name = format.file_name();
    let Some(target) = save_target(&app, format, file_name).await? else {
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
            .map_err(|e| Error::export(format!("cannot write {}: {e}", target.display())))
    })
    .await??;
    Ok(Some(written_to.display().to_string()))
}

/// Where the user says to save `file_name` in the save dialog; None when cancelled.
pub(crate) async fn save_target(
    app: &tauri::AppHandle,
    format: Format,
    file_name: String,
) -> Result<Option<PathBuf>, Error> {
    #[cfg(feature = "test-dialogs")]
    if let Some(dir) = std::env::var_os(TEST_SAVE_DIR) {
        return Ok(Some(Path::new(&dir).join(&file_name)));
    }
    let dialog = app
        .dialog()
        .file()
        .set_title(format!("Export the {}", format.description()))
        .set_file_name(&file_name)
        .add_filter(format.description(), &[format.extension()]);
    let chosen = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file()).await?;
    chosen
        .map(|path| path.into_path().map_err(|e| Error::export(e.to_string())))
        .transpose()
}
