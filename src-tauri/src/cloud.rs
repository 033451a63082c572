//! Reading log groups from CloudWatch Logs into an analysis: the connection and window of a
//! fetch, then Logs Insights for what it can count and a download of the rest.

use std::sync::Arc;

use ceiling_cloud::fetch::{fetch_into_analyzer, parse_time, Fetcher, GroupProgress, Window};
use ceiling_cloud::{insights, Connection, Target};
use ceiling_engine::{Analysis, Analyzer};

use crate::error::{Code, Error};
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

/// Reads the groups into `analyzer`; returns the analysis and, for each group whose fetch
/// failed (what it got before is in the analysis), why.
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
    let (window, mut fetcher) = fetch(state, &target, &groups, &since, &until).await?;
    let runtime = tokio::runtime::Handle::current();
    let read = tauri::async_runtime::spawn_blocking(move || {
        // An access log too large to download is counted by Logs Insights (the analysis
        // then lists what is approximate); where Insights cannot, the group is downloaded,
        // which the notes need not tell.
        let show = |done: &GroupProgress| interim.group(done);
        let download = insights::count_with_insights(
            &runtime,
            &fetcher,
            &groups,
            window,
            insights::Mode::Auto,
            notable_ms,
            &mut analyzer,
            show,
        )
        .download;
        let fetched = fetch_into_analyzer(
            &runtime,
            &mut fetcher,
            &download,
            window,
            &mut analyzer,
            show,
            |analyzer| interim.snapshot(analyzer),
        );
        let failures = fetched
            .failures
            .into_iter()
            // the cloud crate tells why in text
            .map(|(group, error)| {
                Error::new(
                    Code::AwsRequest,
                    format!("{group}: {error}"),
                    Some("Fetch again: what was fetched before it stopped is shown."),
                )
            })
            .collect();
        (analyzer.finish(), failures)
    })
    .await?;
    Ok(read)
}

/// Opens the connection and the window of a fetch, and makes it cancellable.
async fn fetch(
    state: &AppState,
    target: &Target,
    groups: &[String],
    since: &str,
    until: &str,
) -> Result<(Window, Fetcher), Error> {
    if groups.is_empty() {
        return Err(Error::fetch_window("choose at least one log group"));
    }
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let window = Window {
        start_ms: parse_time(since, now_ms)
            .map_err(|e| Error::fetch_window(format!("from: {e}")))?,
        end_ms: parse_time(until, now_ms).map_err(|e| Error::fetch_window(format!("to: {e}")))?,
    };
    if window.start_ms >= window.end_ms {
        return Err(Error::fetch_window("the window must start before it ends"));
    }
    let connection = Connection::open(target).await?;
    let fetcher = Fetcher::new(connection);
    *state.fetch.lock()? = Some(fetcher.cancel_switch());
    Ok((window, fetcher))
}
