//! Reading log groups from CloudWatch Logs into an analysis, through the cloud crate's one
//! entry point: the window from the user's text, the connection, then Logs Insights for what
//! it can count and a download of the rest, with each group's progress shown.

use std::sync::Arc;

use ceiling_cloud::{now_ms, Connection, Reading, Target, Update, Window};
use ceiling_engine::{Analysis, Analyzer, Console};

use crate::error::Error;
use crate::progress::Interim;
use crate::state::AppState;

/// Log groups to read over a window, `since` and `until` as the CLI takes them (`2h`,
/// ISO 8601).
pub struct Groups {
    pub target: Target,
    pub groups: Vec<String>,
    pub since: String,
    pub until: String,
}

/// Reads the groups into `analyzer`; returns the analysis and, for each group whose reading
/// stopped early (what it got before is in the analysis), why.
pub async fn read_groups(
    state: &AppState,
    read: Groups,
    mut analyzer: Analyzer,
    notable_ms: u64,
    interim: Arc<Interim>,
) -> Result<(Analysis, Vec<Error>), Error> {
    let Groups {
        target,
        groups,
        since,
        until,
    } = read;
    let window = Window::from_text(&since, &until, now_ms())
        .map_err(|e| Error::fetch_window(e.to_string()))?;
    let connection = Connection::open(&target).await?;
    // each group is an input named after it: the queries behind the findings run there
    analyzer.set_console(Console {
        region: Some(connection.region().to_owned()),
        log_groups: groups.clone(),
        window: Some(window),
    });
    let reading = Reading::new(connection, groups, window)?.notable_ms(notable_ms);
    *state.fetch.lock()? = Some(reading.cancel_switch());
    let show = move |update: Update<'_>| match update {
        Update::Counting(done) | Update::Fetching(done) => interim.group(done),
        Update::GroupRead(analyzer) => interim.snapshot(analyzer),
        // where Insights counts, the analysis lists what is approximate
        Update::Note(_) => {}
    };
    let read = reading.run(analyzer, show).await;
    // the findings are worked out off the runtime's workers
    let (analysis, outcome) = tauri::async_runtime::spawn_blocking(move || read.finish()).await??;
    let failures = outcome
        .failures
        .into_iter()
        .map(|failure| Error {
            message: failure.to_string(),
            ..Error::from(failure.error)
        })
        .collect();
    Ok((analysis, failures))
}
