//! A rolling analysis for a live watch: events come in as a live source delivers them, each
//! is read the way a fetched event is (the reader's one classification and parsing path),
//! and counted into the accumulators of the minute it happened in. Any window (the last 5,
//! 15 or 60 minutes, or everything since the watch began) is then the merge of its minutes'
//! accumulators, finished into an ordinary [`Analysis`] with its findings and story.
//!
//! Memory is bounded by the minutes kept ([`MINUTES_KEPT`] by default), not by the session:
//! a minute that falls out of the longest window is merged into one accumulator of
//! everything earlier, which "since the watch began" still shows. That part keeps its
//! counts whole but at most [`EARLIER_NOTABLE_CAP`] notable records of each kind (the
//! first), so that it stops growing: past them, the "since the start" window says in
//! `approximate` which of its figures are then of the records kept.
//!
//! An invocation whose START and REPORT fall in different minutes is paired by the merge,
//! as the parts of a file read in parallel are: each minute is a later part of the one
//! input its group is. A window that holds only one of the two counts the invocation from
//! the line it holds. Within a minute, a function's lines count in the order they come, as
//! in a file: a START that came after its own REPORT would count its invocation twice. Live
//! sources hand each stream's events in time order, so that only a capture out of order
//! (not CloudWatch's) does that.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::accumulate::{Accumulators, NOTABLE_CAP};
use crate::analyzer::Analyzer;
use crate::model::{Analysis, StageConfig, Window, Wrapping};
use crate::parse::access::AccessParser;
use crate::read::input::Progress;
use crate::read::{InputState, Reading};
use crate::settings::Settings;

/// Minutes kept one by one by default: the longest "last N minutes" window.
pub const MINUTES_KEPT: u32 = 60;

const MINUTE_MS: i64 = 60_000;

/// Notable records of each kind (requests, invocations, execution-log timeouts) the part
/// before the kept minutes keeps, at most: about 35 minutes of a watch at Live Tail's most
/// rate with a slow route (280 of each a minute), about 5 MB.
pub const EARLIER_NOTABLE_CAP: usize = 10_000;

/// One log event as a live source delivers it, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct LiveEvent<'a> {
    /// The log group's name: each group is one input of the analysis, named after it, and a
    /// group under `/aws/lambda/` is that function's log.
    pub group: &'a str,
    /// When it happened, in milliseconds since the epoch: the minute it is counted in.
    pub timestamp_ms: i64,
    pub message: &'a str,
}

/// The part of the session a window's analysis covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveWindow {
    /// The last `minutes` minutes up to now, the current one included (at most the minutes
    /// the rolling analysis keeps).
    Last { minutes: u32 },
    /// Everything read since the watch began, the backfill included.
    SinceStart,
}

/// What one minute (or everything before the kept minutes) holds.
#[derive(Clone)]
struct Part {
    acc: Accumulators,
    /// Each group's account of its events in the part, by the group's index.
    states: Vec<Option<InputState>>,
    events: u64,
    /// Events of the part that came in sampled batches.
    sampled: u64,
}

impl Part {
    fn new(settings: &Settings) -> Part {
        Part {
            acc: Accumulators::new(settings),
            states: Vec::new(),
            events: 0,
            sampled: 0,
        }
    }

    /// Adds a later part: its minutes come after this part's.
    fn merge(&mut self, later: Part) {
        let Part {
            acc,
            states,
            events,
            sampled,
        } = later;
        // line numbers are each group's event numbers over the session: no offset
        self.acc.merge(acc, 0);
        if self.states.len() < states.len() {
            self.states.resize_with(states.len(), || None);
        }
        for (mine, theirs) in self.states.iter_mut().zip(states) {
            match (mine.as_mut(), theirs) {
                (Some(mine), Some(theirs)) => mine.merge(theirs, 0),
                (None, theirs) => *mine = theirs,
                (Some(_), None) => {}
            }
        }
        self.events += events;
        self.sampled += sampled;
    }
}

/// A group the watch reads: its name, and how many events it has given.
struct Group {
    name: String,
    lambda: bool,
    events: u64,
}

/// The rolling analysis of a live watch.
pub struct Rolling {
    settings: Settings,
    config: Option<StageConfig>,
    parser: AccessParser,
    progress: Arc<Progress>,
    groups: Vec<Group>,
    by_name: HashMap<String, u32>,
    /// The kept minutes, by minute since the epoch.
    minutes: BTreeMap<i64, Part>,
    /// Everything before the kept minutes.
    earlier: Part,
    kept: u32,
    newest_minute: Option<i64>,
}

impl Rolling {
    pub fn new(settings: Settings) -> Rolling {
        let mut earlier = Part::new(&settings);
        earlier.acc.cap_notable(EARLIER_NOTABLE_CAP);
        Rolling {
            parser: AccessParser::new(settings.access_format.clone()),
            earlier,
            settings,
            config: None,
            progress: Arc::new(Progress::default()),
            groups: Vec::new(),
            by_name: HashMap::new(),
            minutes: BTreeMap::new(),
            kept: MINUTES_KEPT,
            newest_minute: None,
        }
    }

    /// A rolling analysis that applies a stage's configuration, as
    /// [`Analyzer::with_config`] does.
    pub fn with_config(settings: Settings, config: StageConfig) -> Rolling {
        let mut rolling = Rolling::new(settings.applying(&config));
        rolling.config = Some(config);
        rolling
    }

    /// Keeps `minutes` minutes one by one (at least one): the longest "last N minutes"
    /// window it can show. Memory grows with it.
    pub fn keeping(mut self, minutes: u32) -> Rolling {
        self.kept = minutes.max(1);
        self
    }

    /// The minutes kept one by one.
    pub fn minutes_kept(&self) -> u32 {
        self.kept
    }

    /// Says where the logs live in AWS (region, log groups), for the query behind each
    /// finding; each window's analysis names its own span.
    pub fn set_console(&mut self, console: crate::settings::Console) {
        self.settings.console = console;
    }

    /// Reads one event into the minute it happened in. `sampled`: it came in a batch that is
    /// a sample of the events of its second (Live Tail above 500 events a second).
    pub fn add(&mut self, event: LiveEvent<'_>, sampled: bool) {
        let index = self.group_index(event.group);
        let group = &mut self.groups[index as usize];
        group.events += 1;
        let number = group.events;
        let lambda = group.lambda;
        let minute = event.timestamp_ms.div_euclid(MINUTE_MS);
        if self.newest_minute.is_none_or(|newest| minute > newest) {
            self.newest_minute = Some(minute);
            self.retire_old_minutes();
        }
        let oldest_kept = self.oldest_kept_minute();
        let part = if minute >= oldest_kept {
            let settings = &self.settings;
            self.minutes
                .entry(minute)
                .or_insert_with(|| Part::new(settings))
        } else {
            // later than the kept minutes can take: counted with everything earlier
            &mut self.earlier
        };
        part.events += 1;
        part.sampled += u64::from(sampled);
        if part.states.len() <= index as usize {
            part.states.resize_with(index as usize + 1, || None);
        }
        let state = part.states[index as usize].get_or_insert_with(|| {
            let mut state = InputState::start(&self.groups[index as usize].name, index);
            state.report.wrapping = Wrapping::JsonDocument;
            state
        });
        let mut reading = Reading {
            parser: &mut self.parser,
            acc: &mut part.acc,
            progress: &self.progress,
        };
        // As a fetched document's event: one event, one line, and a function's group makes
        // what the function printed its application lines.
        state.report.lines += 1;
        state.report.events += 1;
        state.from_lambda_group = lambda;
        reading.event(
            state,
            number,
            Some(event.timestamp_ms),
            event.message.as_bytes(),
            false,
        );
        state.from_lambda_group = false;
    }

    /// Events read so far, of every group.
    pub fn events(&self) -> u64 {
        self.groups.iter().map(|g| g.events).sum()
    }

    /// The analysis of `window`, at `now_ms`: its minutes merged, finished with findings and
    /// story. Figures of events that came in sampled batches are said approximate.
    pub fn analysis(&self, window: LiveWindow, now_ms: i64) -> Analysis {
        let now_minute = now_ms.div_euclid(MINUTE_MS);
        let (mut part, span) = match window {
            LiveWindow::SinceStart => {
                let mut part = self.earlier.clone();
                // the kept minutes' records all find room, as in any analysis
                part.acc.cap_notable(NOTABLE_CAP);
                for minute in self.minutes.values() {
                    part.merge(minute.clone());
                }
                (part, None)
            }
            LiveWindow::Last { minutes } => {
                let minutes = i64::from(minutes.clamp(1, self.kept));
                let first = now_minute - minutes + 1;
                let mut part = Part::new(&self.settings);
                for minute in self.minutes.range(first..=now_minute).map(|(_, p)| p) {
                    part.merge(minute.clone());
                }
                // to the end of the current minute: the same span all through the minute
                let span = Window {
                    start_ms: first * MINUTE_MS,
                    end_ms: (now_minute + 1) * MINUTE_MS,
                };
                (part, Some(span))
            }
        };
        let inputs = self
            .groups
            .iter()
            .enumerate()
            .map(|(index, group)| {
                part.states
                    .get_mut(index)
                    .and_then(Option::take)
                    .unwrap_or_else(|| {
                        let mut state = InputState::start(&group.name, index as u32);
                        state.report.wrapping = Wrapping::JsonDocument;
                        state
                    })
                    .finish(self.parser.given())
            })
            .collect();
        let mut settings = self.settings.clone();
        if settings.console.log_groups.is_empty() {
            settings.console.log_groups = self.groups.iter().map(|g| g.name.clone()).collect();
        }
        if span.is_some() {
            settings.console.window = span;
        }
        let dropped = part.acc.notable_dropped();
        let mut analyzer = Analyzer::of_parts(
            settings,
            self.parser.clone(),
            part.acc,
            inputs,
            self.config.clone(),
        );
        if part.sampled > 0 {
            analyzer.add_approximate(sampled_note(part.sampled, part.events));
        }
        if dropped > 0 {
            analyzer.add_approximate(earlier_note(dropped, self.kept));
        }
        analyzer.finish()
    }

    fn group_index(&mut self, name: &str) -> u32 {
        if let Some(&index) = self.by_name.get(name) {
            return index;
        }
        let index = self.groups.len() as u32;
        self.groups.push(Group {
            name: name.to_owned(),
            lambda: name.starts_with("/aws/lambda/"),
            events: 0,
        });
        self.by_name.insert(name.to_owned(), index);
        index
    }

    fn oldest_kept_minute(&self) -> i64 {
        self.newest_minute
            .map_or(i64::MIN, |newest| newest - i64::from(self.kept) + 1)
    }

    /// Merges the minutes that fell out of the kept ones into everything earlier, oldest
    /// first.
    fn retire_old_minutes(&mut self) {
        let oldest_kept = self.oldest_kept_minute();
        while let Some(entry) = self.minutes.first_entry() {
            if *entry.key() >= oldest_kept {
                break;
            }
            self.earlier.merge(entry.remove());
        }
    }
}

/// The note in `approximate` for a window whose part before the kept minutes left notable
/// records out.
fn earlier_note(dropped: u64, kept: u32) -> String {
    format!(
        "Before the last {kept} minutes, the first {EARLIER_NOTABLE_CAP} notable requests and \
         invocations of each kind are kept and {dropped} more are not: there, the pairing of \
         timeouts with invocations (correlation) and the evidence are of the records kept; \
         requests, statuses, timeouts, near misses, invocations and percentiles stay exact"
    )
}

/// The note in `approximate` for a window that holds sampled events.
fn sampled_note(sampled: u64, events: u64) -> String {
    format!(
        "Live Tail sampled {sampled} of the {events} events of this window (it sends at most \
         500 events a second): counts in the seconds it sampled (requests, timeouts, 5xx, \
         invocations) are of the sample and lower than the real ones, and percentiles and \
         shares are estimated from it; figures of the seconds it did not sample are exact"
    )
}

#[cfg(test)]
mod tests;
