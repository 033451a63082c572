//! Analyzing files, the sample or log groups, and stopping it.

use tauri::ipc::Channel;

use crate::commands::{inputs, preferences};
use crate::error::Error;
use crate::reading;
use crate::state::AppState;
use crate::transport::{Completeness, ProgressUpdate, Request, Source, View};

/// Analyzes `source`, sending progress on `on_progress`; files read in full join the
/// recent inputs, and a fetch read in full is kept to fetch again. Paths are read only when
/// the user chose them ([`inputs::check_chosen`]).
#[tauri::command]
pub async fn analyze(
    app: tauri::AppHandle,
    state: tauri::State<'_, AppState>,
    source: Source,
    request: Request,
    on_progress: Channel<ProgressUpdate>,
) -> Result<View, Error> {
    if let Source::Paths { paths } = &source {
        inputs::check_chosen(&app, paths)?;
    }
    // what is opened takes the window from a live watch
    super::watch::stop_for_analysis(&app);
    let view = reading::analyze(&state, source.clone(), &request, on_progress).await?;
    if view.completeness == Completeness::Complete {
        match &source {
            Source::Paths { paths } => preferences::remember(&app, paths),
            Source::Cloud { .. } => preferences::remember_fetch(&app, &source),
            Source::Sample => {}
        }
    }
    Ok(view)
}

/// Stops the running analysis within a line (a fetch after its page in flight); it returns
/// what it read.
#[tauri::command]
pub fn cancel(state: tauri::State<'_, AppState>) {
    state.cancel();
}
