//! The one way both front ends read CloudWatch Logs into an analysis: a [`Reading`] of a set
//! of groups over a window, each counted by Logs Insights or downloaded as the
//! [`insights::Mode`] and the group say, with progress, a cancel switch, and an account of
//! what was read ([`Read`]).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ceiling_engine::{Analysis, Analyzer};

use crate::fetch::{fetch_into_analyzer, Fetcher, GroupProgress};
use crate::insights::{self, Counted, Counting};
use crate::window::Window;
use crate::{Connection, Error, Failure};

/// What a reading tells while it runs.
#[derive(Debug)]
pub enum Update<'a> {
    /// Logs Insights answered another query of a group (`pages` are queries, `events` rows).
    Counting(&'a GroupProgress),
    /// Another page of a group was downloaded.
    Fetching(&'a GroupProgress),
    /// Something the user should know about how a group is read (counted by Insights, its
    /// volume), as it is decided.
    Note(&'a str),
    /// A group was read: the analyzer holds it. Called on the reading's task: keep it short.
    GroupRead(&'a Analyzer),
}

/// A reading of log groups over a window into an analyzer.
///
/// ```no_run
/// # async fn run() -> Result<(), ceiling_cloud::Error> {
/// use ceiling_cloud::{insights, Connection, Reading, Target, Window};
/// let connection = Connection::open(&Target::default()).await?;
/// let window = Window::from_text("2h", "now", ceiling_cloud::now_ms()).unwrap();
/// let groups = vec!["/aws/apigateway/orders-access".to_owned()];
/// let reading = Reading::new(connection, groups, window)?.insights(insights::Mode::Never);
/// let analyzer = ceiling_engine::Analyzer::new(ceiling_engine::Settings::default());
/// let read = reading.run(analyzer, |_| {}).await;
/// let (analysis, outcome) = read.finish()?;
/// println!("{} requests, {} groups cut short", analysis.requests, outcome.failures.len());
/// # Ok(())
/// # }
/// ```
pub struct Reading {
    fetcher: Fetcher,
    groups: Vec<String>,
    window: Window,
    mode: insights::Mode,
    notable_ms: u64,
}

/// What a reading did, besides what the analyzer holds.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The downloaded groups, with what each fetch got.
    pub downloaded: Vec<GroupProgress>,
    /// Groups whose reading stopped early, with why: their figures cover what was read.
    pub failures: Vec<Failure>,
    /// How groups were read (counted by Logs Insights, their volume, an Insights failure).
    pub notes: Vec<String>,
}

impl Outcome {
    /// Whether the user cancelled the reading.
    pub fn cancelled(&self) -> bool {
        self.failures.iter().any(Failure::is_cancel)
    }
}

/// A finished reading: the analyzer with what it read, and how it went.
pub struct Read {
    pub analyzer: Analyzer,
    pub outcome: Outcome,
}

impl Read {
    /// The analysis of what was read, unless nothing was and groups failed: then
    /// [`Error::NothingRead`], whose message says why each failed.
    pub fn finish(self) -> Result<(Analysis, Outcome), Error> {
        let analysis = self.analyzer.finish();
        let nothing =
            analysis.requests == 0 && analysis.lambda.is_none() && analysis.execution.is_none();
        if nothing && !self.outcome.failures.is_empty() {
            return Err(Error::NothingRead {
                failures: self.outcome.failures,
            });
        }
        Ok((analysis, self.outcome))
    }
}

impl Reading {
    /// A reading of `groups` over `window` through `connection`; Insights counts what is too
    /// large to download ([`insights::Mode::Auto`]) unless told otherwise.
    pub fn new(
        connection: Connection,
        groups: Vec<String>,
        window: Window,
    ) -> Result<Reading, Error> {
        if groups.is_empty() {
            return Err(Error::NoGroups);
        }
        Ok(Reading {
            fetcher: Fetcher::new(connection),
            groups,
            window,
            mode: insights::Mode::default(),
            notable_ms: ceiling_engine::Settings::default().notable_ms(),
        })
    }

    /// When Logs Insights counts a group instead of it being downloaded.
    pub fn insights(mut self, mode: insights::Mode) -> Reading {
        self.mode = mode;
        self
    }

    /// Requests and invocations from this latency up are read raw where Insights counts
    /// (the analyzer's `Settings::notable_ms`).
    pub fn notable_ms(mut self, ms: u64) -> Reading {
        self.notable_ms = ms;
        self
    }

    /// Downloads in pages of at most `events` events: more requests, finer progress.
    pub fn page_size(mut self, events: i32) -> Reading {
        self.fetcher = self.fetcher.with_page_size(events);
        self
    }

    /// A switch that stops the reading: a query on the service, a download after its page
    /// in flight. What was read before stays read.
    pub fn cancel_switch(&self) -> Arc<AtomicBool> {
        self.fetcher.cancel_switch()
    }

    /// The Logs Insights stage alone: counts into `analyzer` the groups the mode lets it,
    /// and says which are left to download.
    pub async fn count_with_insights(
        &self,
        analyzer: &mut Analyzer,
        progress: impl FnMut(&GroupProgress) + Send,
    ) -> Counted {
        let cancel = self.fetcher.cancel_switch();
        let counting = Counting {
            connection: self.fetcher.connection(),
            cancel: &cancel,
            window: self.window,
            mode: self.mode,
            notable_ms: self.notable_ms,
        };
        counting.count(&self.groups, analyzer, progress).await
    }

    /// Reads every group into `analyzer`, each as an input named after its group: counted
    /// by Logs Insights where the mode and the group say so, downloaded otherwise (the pages
    /// streaming into the engine as they arrive). A group that fails stops early and the
    /// others are still read; a cancel stops the reading. Runs on any tokio runtime: nothing
    /// in it blocks a worker (see [`fetch_into_analyzer`]).
    pub async fn run(
        mut self,
        mut analyzer: Analyzer,
        mut update: impl FnMut(Update<'_>) + Send,
    ) -> Read {
        let counted = self
            .count_with_insights(&mut analyzer, |done| update(Update::Counting(done)))
            .await;
        for note in &counted.notes {
            update(Update::Note(note));
        }
        // the download reports to two functions, which share the one update; a Mutex, not a
        // RefCell, so that the future stays Send
        let shared = std::sync::Mutex::new(&mut update);
        let tell = |what: Update<'_>| (shared.lock().unwrap_or_else(|e| e.into_inner()))(what);
        let (analyzer, fetched) = fetch_into_analyzer(
            &mut self.fetcher,
            &counted.download,
            self.window,
            analyzer,
            |done| tell(Update::Fetching(done)),
            |analyzer| tell(Update::GroupRead(analyzer)),
        )
        .await;
        Read {
            analyzer,
            outcome: Outcome {
                downloaded: fetched.groups,
                failures: fetched.failures,
                notes: counted.notes,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ceiling_engine::Settings;

    fn failed(group: &str) -> Outcome {
        Outcome {
            failures: vec![Failure {
                group: group.to_owned(),
                error: Error::Cancelled,
            }],
            ..Outcome::default()
        }
    }

    #[test]
    fn nothing_read_is_an_error_only_when_a_group_failed() {
        let empty = || Analyzer::new(Settings::default());
        let read = Read {
            analyzer: empty(),
            outcome: failed("/aws/lambda/a"),
        };
        match read.finish() {
            Err(Error::NothingRead { failures }) => assert_eq!(failures[0].group, "/aws/lambda/a"),
            other => panic!(
                "expected NothingRead, got {:?}",
                other.map(|(a, _)| a.requests)
            ),
        }
        // an empty window that failed nowhere is an empty analysis, not an error
        let quiet = Read {
            analyzer: empty(),
            outcome: Outcome::default(),
        };
        assert_eq!(quiet.finish().unwrap().0.requests, 0);
        // what was read before a failure is the analysis, with the failure told
        let mut analyzer = empty();
        let record = r#"{"requestId":"a","httpMethod":"GET","resourcePath":"/x","status":"200","responseLatency":"12"}"#;
        analyzer
            .read("/aws/apigateway/x", record.as_bytes())
            .unwrap();
        let partial = Read {
            analyzer,
            outcome: failed("/aws/lambda/b"),
        };
        let (analysis, outcome) = partial.finish().unwrap();
        assert_eq!(analysis.requests, 1);
        assert!(outcome.cancelled());
    }
}
