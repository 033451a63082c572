//! Logs Insights queries run against the service: a query started, polled with backoff
//! until it completes and stopped on cancel; the notable rows fetched over halves of the
//! window where a query fills its 10,000 rows, down to one second, whose rows past the limit
//! the analysis then says were left out; and [`Counting`], which plans each group
//! ([`super::plan`]) and gives the analyzer the counts of those Insights counts.
//!
//! The analyzer is fed between awaits, on the calling task: what it reads here is the
//! notable rows, written as a document while the answers come (a row a line, so that no
//! number of rows is too many), and the counts, which it only stores. The rows are read only
//! once every query of the group has answered: a group whose queries fail is downloaded
//! instead, and must not have been read twice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ceiling_engine::{AggregateFunction, Aggregates, Analyzer};

use crate::fetch::GroupProgress;
use crate::window::Window;
use crate::{Connection, Error};

use super::notable::Notable;
use super::plan::{Mode, Plan};
use super::queries::{AccessQueries, FunctionQueries, Row, RowsDocument, Volume, MAX_ROWS};

/// What [`Counting::count`] did: the groups still to download, and what to tell the user.
#[derive(Debug, Default)]
pub struct Counted {
    pub download: Vec<String>,
    pub notes: Vec<String>,
}

/// The notable rows of a group, as the document the engine reads, and the one-second
/// windows whose rows a query could not all return.
#[derive(Debug, Default)]
pub struct NotableRows {
    pub document: RowsDocument,
    /// The start (ms) of each one-second window that still filled a query's 10,000 rows:
    /// rows past them were left out.
    pub full_seconds: Vec<i64>,
}

impl NotableRows {
    /// Has `analyzer` read the rows as the input `group` (a read error is in the input's
    /// report), and tells in the analysis' approximate figures of seconds left short,
    /// whose rows are notable `what`. Gives the number of rows read.
    pub fn read_into(self, analyzer: &mut Analyzer, group: &str, what: &str) -> usize {
        let rows = self.document.rows();
        if let Some(note) = self.note(group, what) {
            analyzer.add_approximate(note);
        }
        let _ = analyzer.read(group, &self.document.finish()[..]);
        rows
    }

    /// What the analysis says of the seconds left short, if any were.
    pub fn note(&self, group: &str, what: &str) -> Option<String> {
        let first = *self.full_seconds.iter().min()?;
        let more = match self.full_seconds.len() - 1 {
            0 => String::new(),
            1 => " and one more second".to_owned(),
            n => format!(" and {n} more seconds"),
        };
        Some(format!(
            "{group}: Logs Insights returned its limit of {MAX_ROWS} notable {what} for the \
             one second at {}{more}, which cannot be split further; the rest of that second's \
             notable {what} were not read, so its timeouts, near misses and evidence are \
             counted from the first {MAX_ROWS} only.",
            ceiling_engine::format_utc(first)
        ))
    }
}

/// What a run of queries reports its progress to (queries answered as pages, rows as
/// events), and the switch that stops it.
pub struct Watch<'a> {
    cancel: &'a AtomicBool,
    progress: &'a mut (dyn FnMut(&GroupProgress) + Send),
    done: GroupProgress,
}

impl<'a> Watch<'a> {
    pub fn new(
        group: &str,
        cancel: &'a AtomicBool,
        progress: &'a mut (dyn FnMut(&GroupProgress) + Send),
    ) -> Watch<'a> {
        Watch {
            cancel,
            progress,
            done: GroupProgress {
                group: group.to_owned(),
                ..GroupProgress::default()
            },
        }
    }

    fn answered(&mut self, rows: usize) {
        self.done.pages += 1;
        self.done.events += rows as u64;
        (self.progress)(&self.done);
    }
}

/// Counting groups over a window with Logs Insights, through one connection.
pub struct Counting<'a> {
    pub connection: &'a Connection,
    /// Stops the queries, on the service too.
    pub cancel: &'a AtomicBool,
    pub window: Window,
    pub mode: Mode,
    /// Requests and invocations from this latency up are notable: read raw (requests on
    /// a route with a ceiling of its own, from the analyzer's
    /// [`Analyzer::notable_routes`]).
    pub notable_ms: u64,
}

impl Counting<'_> {
    /// Lets Logs Insights count the groups of `groups` it can, and the mode (for `Auto`,
    /// their volume) says to: the first access log (its notable requests read raw, its
    /// counts given to `analyzer`) and functions' logs (their notable invocations read raw).
    /// The rest is left to download. Its queries show in `progress`.
    pub async fn count(
        &self,
        groups: &[String],
        analyzer: &mut Analyzer,
        mut progress: impl FnMut(&GroupProgress) + Send,
    ) -> Counted {
        let mut counted = Counted::default();
        // the engine takes one set of request counts: the first access log that needs them
        let mut access_counted = false;
        let notable = Notable {
            ms: self.notable_ms,
            routes: analyzer.notable_routes(),
        };
        for group in groups {
            let plan = self.plan(group, &notable, &mut counted.notes).await;
            let mut watch = Watch::new(group, self.cancel, &mut progress);
            let outcome = match plan {
                Plan::Access(queries) if !access_counted => self
                    .connection
                    .insights_access(group, self.window, &queries, &mut watch)
                    .await
                    .map(|(aggregates, notable)| {
                        let rows = notable.read_into(analyzer, group, "requests");
                        analyzer.set_aggregates(aggregates);
                        access_counted = true;
                        format!(
                            "{group}: counted by Logs Insights; {rows} notable requests read in full"
                        )
                    }),
                Plan::Function(queries) => self
                    .connection
                    .insights_function(group, self.window, &queries, &mut watch)
                    .await
                    .map(|(aggregate, notable)| {
                        let rows = notable.read_into(analyzer, group, "invocation lines");
                        analyzer.add_function_aggregate(aggregate);
                        format!(
                            "{group}: counted by Logs Insights; {rows} notable invocation lines read in full"
                        )
                    }),
                Plan::Access(_) | Plan::Download => {
                    counted.download.push(group.clone());
                    continue;
                }
            };
            match outcome {
                Ok(note) => counted.notes.push(note),
                Err(error) => {
                    counted.notes.push(match error {
                        Error::Cancelled => format!("{group}: cancelled during Logs Insights"),
                        error => {
                            format!("{group}: Logs Insights failed ({error}); downloaded instead")
                        }
                    });
                    // after a cancel, the download stops at once and reports the group as
                    // cut short
                    counted.download.push(group.clone());
                }
            }
        }
        counted
    }

    /// How `group` is read: a sampled message says what Insights could count, and the mode
    /// (for `Auto`, the volume, which `notes` then tells) whether it should.
    async fn plan(&self, group: &str, notable: &Notable, notes: &mut Vec<String>) -> Plan {
        if !self.mode.samples() {
            return Plan::Download;
        }
        let Ok(sample) = self.connection.sample_message(group, self.window).await else {
            return Plan::Download;
        };
        let plan = Plan::of_sample(sample.as_deref(), self.window, notable);
        if !plan.counts() || !self.mode.weighs_volume() {
            return plan.under(self.mode, None);
        }
        let volume = match self
            .connection
            .volume(group, self.window, self.cancel)
            .await
        {
            Ok(volume) => Some(volume),
            Err(error) => {
                notes.push(format!(
                    "{group}: its volume could not be estimated ({error}); downloaded"
                ));
                None
            }
        };
        let plan = plan.under(self.mode, volume);
        if let (true, Some(volume)) = (plan.counts(), volume) {
            notes.push(format!(
                "{group}: {} events, {:.0} MB in the window, about {:.0} s to download",
                volume.events,
                volume.bytes as f64 / 1e6,
                volume.download_seconds()
            ));
        }
        plan
    }
}

impl Connection {
    /// Runs a Logs Insights query over `groups` and `window` and waits for its rows; the
    /// `cancel` switch stops the query on the service too.
    pub async fn query(
        &self,
        groups: &[String],
        window: Window,
        query: &str,
        cancel: &AtomicBool,
    ) -> Result<Vec<Row>, Error> {
        let started = self
            .client
            .start_query()
            .set_log_group_names(Some(groups.to_vec()))
            .start_time(window.start_ms.div_euclid(1000))
            .end_time(window.end_ms.div_euclid(1000))
            .query_string(query)
            .limit(MAX_ROWS as i32)
            .send()
            .await
            .map_err(|e| self.classify("logs:StartQuery", groups.first().map(String::as_str), e))?;
        let id = started.query_id().unwrap_or_default().to_owned();
        let mut wait = Duration::from_millis(250);
        loop {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(2));
            if cancel.load(Ordering::Relaxed) {
                // a query left running would go on scanning, and billing, on the service
                let _ = self.client.stop_query().query_id(&id).send().await;
                return Err(Error::Cancelled);
            }
            let answer = self
                .client
                .get_query_results()
                .query_id(&id)
                .send()
                .await
                .map_err(|e| self.classify("logs:GetQueryResults", None, e))?;
            use aws_sdk_cloudwatchlogs::types::QueryStatus;
            match answer.status() {
                Some(QueryStatus::Complete) => {
                    return Ok(answer
                        .results()
                        .iter()
                        .map(|row| {
                            row.iter()
                                .filter_map(|cell| {
                                    Some((cell.field()?.to_owned(), cell.value()?.to_owned()))
                                })
                                .collect()
                        })
                        .collect())
                }
                Some(QueryStatus::Running | QueryStatus::Scheduled) | None => continue,
                Some(other) => {
                    return Err(Error::Request {
                        action: "logs:StartQuery",
                        detail: format!(
                            "the Logs Insights query ended {}: {query}",
                            other.as_str()
                        ),
                    })
                }
            }
        }
    }

    /// A query whose answer shows in `watch`'s progress, and which its switch cancels.
    async fn watched_query(
        &self,
        groups: &[String],
        window: Window,
        query: &str,
        watch: &mut Watch<'_>,
    ) -> Result<Vec<Row>, Error> {
        let rows = self.query(groups, window, query, watch.cancel).await?;
        watch.answered(rows.len());
        Ok(rows)
    }

    /// The notable rows of `window`, added to `notable`, split in halves (at whole seconds,
    /// which is what a query's window is made of) where a query fills its 10,000 rows. A
    /// second that still fills them cannot be split: its first 10,000 rows are kept, and the
    /// second is listed in `notable`.
    pub async fn notable_rows(
        &self,
        group: &str,
        window: Window,
        query: &str,
        watch: &mut Watch<'_>,
        notable: &mut NotableRows,
    ) -> Result<(), Error> {
        let groups = [group.to_owned()];
        let seconds = |ms: i64| ms.div_euclid(1000);
        let mut pending = vec![(seconds(window.start_ms), seconds(window.end_ms))];
        while let Some((start, end)) = pending.pop() {
            let part = Window {
                start_ms: start * 1000,
                end_ms: end * 1000 + 999,
            };
            let found = self.watched_query(&groups, part, query, watch).await?;
            let full = found.len() >= MAX_ROWS;
            if full && end > start {
                // a full answer may have left rows out: asked again in halves
                let middle = start + (end - start) / 2;
                pending.push((middle + 1, end));
                pending.push((start, middle));
                continue;
            }
            if full {
                notable.full_seconds.push(part.start_ms);
            }
            for row in &found {
                notable.document.push(row);
            }
        }
        Ok(())
    }

    /// How much `window` of `group` holds, counted by Logs Insights.
    pub async fn volume(
        &self,
        group: &str,
        window: Window,
        cancel: &AtomicBool,
    ) -> Result<Volume, Error> {
        let rows = self
            .query(&[group.to_owned()], window, Volume::QUERY, cancel)
            .await?;
        Ok(Volume::of_rows(&rows))
    }

    /// A function's figures over `window` from Logs Insights: the aggregate, and the notable
    /// invocations' raw lines as a document the engine reads.
    pub async fn insights_function(
        &self,
        group: &str,
        window: Window,
        queries: &FunctionQueries,
        watch: &mut Watch<'_>,
    ) -> Result<(AggregateFunction, NotableRows), Error> {
        let groups = [group.to_owned()];
        let stats = self
            .watched_query(&groups, window, &queries.stats(), watch)
            .await?;
        let mut notable = NotableRows::default();
        for row in &self
            .watched_query(&groups, window, &queries.runtime(), watch)
            .await?
        {
            notable.document.push(row);
        }
        self.notable_rows(group, window, &queries.notable(), watch, &mut notable)
            .await?;
        Ok((queries.aggregate(group, &stats), notable))
    }

    /// An access-log group's figures over `window` from Logs Insights: the aggregates, and
    /// the notable requests' raw events as a document the engine reads.
    pub async fn insights_access(
        &self,
        group: &str,
        window: Window,
        queries: &AccessQueries,
        watch: &mut Watch<'_>,
    ) -> Result<(Aggregates, NotableRows), Error> {
        let groups = [group.to_owned()];
        let mut answers = Vec::new();
        for query in [
            queries.statuses(),
            queries.overall(),
            queries.routes(),
            queries.bins(),
        ] {
            answers.push(self.watched_query(&groups, window, &query, watch).await?);
        }
        let [statuses, overall, routes, bins] =
            <[Vec<Row>; 4]>::try_from(answers).expect("four queries, four answers");
        let mut notable = NotableRows::default();
        self.notable_rows(group, window, &queries.notable(), watch, &mut notable)
            .await?;
        let aggregates = queries.aggregates(&statuses, &overall, &routes, &bins);
        Ok((aggregates, notable))
    }
}
