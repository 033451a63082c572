//! Exports of the last analysis: the report (PDF, HTML, Markdown) and the findings (JSON,
//! CSV), written by Rust where the user says in the save dialog.

use std::path::Path;

use ceiling_engine::Analysis;
use ceiling_report::{Format, ReportOptions};
use tauri_plugin_dialog::DialogExt;

use crate::error::{Code, Error};
use crate::state::AppState;

/// Set by the GUI tests: exports go into this folder instead of through the save dialog,
/// which WebDriver cannot drive.
const TEST_SAVE_DIR: &str = "CEILING_TEST_SAVE_DIR";

/// The findings as CSV: one row each, with its routes.
fn findings_csv(analysis: &Analysis) -> Result<Vec<u8>, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| e.to_string();
    writer
        .write_record([
            "severity", "id", "title", "impact", "summary", "routes", "advice",
        ])
        .map_err(failed)?;
    for finding in &analysis.findings {
        let severity = serde_json::to_value(finding.severity).map_err(|e| e.to_string())?;
        let routes: Vec<&str> = finding
            .evidence
            .routes
            .iter()
            .map(|r| r.route.as_str())
            .collect();
        let advice: Vec<&str> = finding.advice.iter().map(|a| a.text.as_str()).collect();
        writer
            .write_record([
                severity.as_str().unwrap_or_default(),
                &finding.id,
                &finding.title,
                &finding.impact.to_string(),
                &finding.summary,
                &routes.join("; "),
                &advice.join(" | "),
            ])
            .map_err(failed)?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// Writes the last analysis as `kind` (`pdf`, `html`, `md`, `findings-json`,
/// `findings-csv`) where the user says in the save dialog; returns the path, or None when
/// the dialog was cancelled.
#[tauri::command]
pub async fn export(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    kind: String,
) -> Result<Option<String>, Error> {
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
    let (extension, what) = match kind.as_str() {
        "pdf" => ("pdf", "PDF report"),
        "html" => ("html", "HTML report"),
        "md" => ("md", "Markdown report"),
        "findings-json" => ("json", "findings (JSON)"),
        "findings-csv" => ("csv", "findings (CSV)"),
        _ => return Err(Error::export(format!("cannot export as {kind}"))),
    };
    let file_name = match kind.as_str() {
        "findings-json" | "findings-csv" => format!("ceiling-findings.{extension}"),
        _ => format!("ceiling-report.{extension}"),
    };
    let target = match std::env::var_os(TEST_SAVE_DIR) {
        Some(dir) => Some(Path::new(&dir).join(&file_name)),
        None => {
            let dialog = app
                .dialog()
                .file()
                .set_title(format!("Export the {what}"))
                .set_file_name(&file_name)
                .add_filter(what, &[extension]);
            let chosen =
                tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file()).await?;
            match chosen {
                Some(path) => Some(path.into_path().map_err(|e| Error::export(e.to_string()))?),
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
        let bytes = match kind.as_str() {
            "findings-json" => {
                serde_json::to_vec_pretty(&analysis.findings).map_err(|e| e.to_string())?
            }
            "findings-csv" => findings_csv(&analysis)?,
            _ => {
                let format = Format::of_path(&target)?;
                ceiling_report::render(&analysis, options, format)?
            }
        };
        std::fs::write(&target, bytes)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))
    })
    .await?
    .map_err(Error::export)?;
    Ok(Some(written_to.display().to_string()))
}
