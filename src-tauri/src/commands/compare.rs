//! "Compare with…": the analysis shown against another window (other files, or another
//! window of the same log groups), compared by the engine, and the comparison's report.

use ceiling_engine::{compare, CompareSettings};
use ceiling_report::{Format, ReportOptions};
use tauri::ipc::Channel;

use crate::commands::{export, inputs};
use crate::error::{Code, Error};
use crate::reading;
use crate::state::{AppState, Compared};
use crate::transport::{ComparisonView, ProgressUpdate, Request, Source};

fn nothing_to_compare() -> Error {
    Error::new(
        Code::NothingToCompare,
        "nothing to compare yet: open some logs first",
        Some("Open one window's logs, then choose Compare with… for the other."),
    )
}

/// Reads `source` as the other window and compares it with the analysis shown: the shown
/// one is the after window when `shown_is_after`, else the before window. Paths are read
/// only when the user chose them, as for `analyze`.
#[tauri::command]
pub async fn compare_with(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    source: Source,
    request: Request,
    shown_is_after: bool,
    on_progress: Channel<ProgressUpdate>,
) -> Result<ComparisonView, Error> {
    if let Source::Paths { paths } = &source {
        inputs::check_chosen(&app, paths)?;
    }
    let (shown, zone) = {
        let last = state.last.lock()?;
        let loaded = last.as_ref().ok_or_else(nothing_to_compare)?;
        (loaded.analysis.clone(), loaded.zone)
    };
    let other = reading::read(&state, source, &request, on_progress)
        .await?
        .analysis;
    let (before, after) = if shown_is_after {
        (other, shown)
    } else {
        (shown, other)
    };
    let comparison = compare(&before, &after, &CompareSettings::default());
    let chart = ceiling_report::comparison_chart(&comparison);
    *state.compared.lock()? = Some(Compared {
        comparison: comparison.clone(),
        zone,
    });
    Ok(ComparisonView::new(comparison, chart))
}

/// Writes the last comparison's report as `kind` (`pdf`, `html`, `md`) where the user says
/// in the save dialog; returns the path, or None when the dialog was cancelled.
#[tauri::command]
pub async fn export_comparison(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    kind: String,
) -> Result<Option<String>, Error> {
    let format: Format = kind.parse()?;
    let (comparison, zone) = {
        let compared = state.compared.lock()?;
        let compared = compared.as_ref().ok_or_else(nothing_to_compare)?;
        (compared.comparison.clone(), compared.zone)
    };
    let file_name = format!("ceiling-comparison.{}", format.extension());
    let Some(target) = export::save_target(&app, format, file_name).await? else {
        return Ok(None);
    };
    let written_to = target.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let options = ReportOptions {
            zone,
            ..ReportOptions::now()
        };
        let bytes = ceiling_report::render_comparison(&comparison, options, format)?;
        std::fs::write(&target, bytes)
            .map_err(|e| Error::export(format!("cannot write {}: {e}", target.display())))
    })
    .await??;
    Ok(Some(written_to.display().to_string()))
}
