//! Invocations told by more than one line: a START, a "Task timed out" line (written before
//! or after the REPORT, and again in the error the function prints), and the REPORT. Each
//! invocation is counted once, however many lines say it, and one whose REPORT the capture
//! does not hold is counted from its START.

use std::collections::{HashMap, VecDeque};

use super::{At, NotableInvocation};

/// Invocations whose REPORT has not come, at most: more than any function runs at once.
/// Past it, a START is left for its REPORT to count, and a timeout line is counted at once.
const OPEN_CAP: usize = 100_000;
/// REPORTs kept for a timeout line that follows its REPORT: the line comes within
/// milliseconds, among at most the lines of the other invocations running meanwhile.
const RECENT_CAP: usize = 1_024;
/// REPORTs of a part whose START or timeout line came before the part, kept for the merge
/// with the part before: those at a part's start, and then any up to this many.
const ORPHANS_CAP: usize = 10_000;

/// An invocation whose REPORT has not been read: its START, or a line saying it timed out.
#[derive(Debug, Clone)]
pub(super) struct Open {
    pub(super) function: String,
    pub(super) at: At,
    pub(super) time_ms: Option<i64>,
    pub(super) started: bool,
    /// A line said it timed out, after this many seconds if the line says.
    pub(super) timed_out: Option<Option<f64>>,
}

/// A REPORT read, for a timeout line that follows it.
#[derive(Debug, Clone)]
pub(super) struct Recent {
    pub(super) function: String,
    pub(super) timed_out: bool,
    pub(super) kept: Kept,
}

/// What is kept of a REPORT's invocation for evidence.
#[derive(Debug, Clone)]
pub(super) enum Kept {
    /// Its place among the notable invocations.
    Notable(usize),
    /// Not notable (yet): what it would be if it turned out to have timed out.
    Candidate(NotableInvocation),
    /// Nothing: the notable invocations were full, or it was read in another part.
    Nothing,
}

/// A REPORT whose START or timeout line this part did not hold.
#[derive(Debug, Clone)]
pub(super) struct Orphan {
    request_id: String,
    function: String,
    timed_out: bool,
}

/// What a timeout line turned out to be.
pub(super) enum TimeoutLine<'a> {
    /// The first word of an invocation whose REPORT has not come: kept open.
    Opened,
    /// Another word about an invocation already counted as timed out.
    Repeated,
    /// The REPORT came first and did not say it timed out: it did.
    AfterReport(&'a mut Recent),
    /// No room to keep it open: count it now.
    Alone,
}

/// The invocations between their first line and their REPORT.
#[derive(Debug, Clone, Default)]
pub(super) struct Invocations {
    /// Bounded: at most [`OPEN_CAP`]; an entry leaves when its REPORT comes.
    open: HashMap<String, Open>,
    /// Bounded: the last [`RECENT_CAP`] REPORTs, by request id.
    recent: VecDeque<(String, Recent)>,
    /// Bounded: at most [`ORPHANS_CAP`].
    orphans: Vec<Orphan>,
}

impl Invocations {
    pub(super) fn start(&mut self, request_id: &str, function: &str, at: At, time_ms: Option<i64>) {
        if let Some(open) = self.open.get_mut(request_id) {
            open.started = true;
        } else if self.open.len() < OPEN_CAP && !request_id.is_empty() {
            self.open.insert(
                request_id.to_owned(),
                Open {
                    function: function.to_owned(),
                    at,
                    time_ms,
                    started: true,
                    timed_out: None,
                },
            );
        }
    }

    pub(super) fn timeout(
        &mut self,
        request_id: &str,
        function: &str,
        at: At,
        time_ms: Option<i64>,
        seconds: Option<f64>,
    ) -> TimeoutLine<'_> {
        if let Some(open) = self.open.get_mut(request_id) {
            if open.timed_out.is_some() {
                return TimeoutLine::Repeated;
            }
            open.timed_out = Some(seconds);
            return TimeoutLine::Opened;
        }
        if let Some(i) = self.recent.iter().rposition(|(id, _)| id == request_id) {
            let recent = &mut self.recent[i].1;
            if recent.timed_out {
                return TimeoutLine::Repeated;
            }
            recent.timed_out = true;
            return TimeoutLine::AfterReport(recent);
        }
        if self.open.len() >= OPEN_CAP {
            return TimeoutLine::Alone;
        }
        self.open.insert(
            request_id.to_owned(),
            Open {
                function: function.to_owned(),
                at,
                time_ms,
                started: false,
                timed_out: Some(seconds),
            },
        );
        TimeoutLine::Opened
    }

    /// The REPORT of `request_id`: whether an earlier line said it timed out.
    pub(super) fn report(&mut self, request_id: &str, function: &str, timed_out: bool) -> bool {
        match self.open.remove(request_id) {
            Some(open) => {
                if !open.started && self.orphans.len() < ORPHANS_CAP {
                    // Opened by its timeout line: its START may be in an earlier part, for
                    // the merge to close; the timeout is counted here.
                    self.orphans.push(Orphan {
                        request_id: request_id.to_owned(),
                        function: function.to_owned(),
                        timed_out: true,
                    });
                }
                open.timed_out.is_some()
            }
            None => {
                if self.orphans.len() < ORPHANS_CAP {
                    self.orphans.push(Orphan {
                        request_id: request_id.to_owned(),
                        function: function.to_owned(),
                        timed_out,
                    });
                }
                false
            }
        }
    }

    /// Remembers a REPORT for a timeout line that may follow it.
    pub(super) fn remember(&mut self, request_id: String, recent: Recent) {
        if self.recent.len() == RECENT_CAP {
            self.recent.pop_front();
        }
        self.recent.push_back((request_id, recent));
    }

    /// The invocations whose REPORT never came, in the order of their first line.
    pub(super) fn drain_open(&mut self) -> Vec<(String, Open)> {
        let mut open: Vec<(String, Open)> = self.open.drain().collect();
        open.sort_by_key(|(_, o)| (o.at.input, o.at.line));
        open
    }

    /// Adds what a later part read, whose lines start after `line_offset` lines and whose
    /// notable invocations start at `notable_offset` among these (those past the cap,
    /// `None`). Returns the timeouts to count: REPORTs of one part that another part's line
    /// says timed out (their request id, function and what is kept of them).
    pub(super) fn merge(
        &mut self,
        later: Invocations,
        line_offset: u64,
        notable_offset: impl Fn(usize) -> Option<usize>,
    ) -> Vec<(String, Recent, Option<f64>)> {
        let Invocations {
            open,
            recent,
            orphans,
        } = later;
        let mut late = Vec::new();
        for orphan in orphans {
            match self.open.remove(&orphan.request_id) {
                Some(mine) => {
                    if let (Some(seconds), false) = (mine.timed_out, orphan.timed_out) {
                        late.push((
                            orphan.request_id,
                            Recent {
                                function: orphan.function,
                                timed_out: true,
                                kept: Kept::Nothing,
                            },
                            seconds,
                        ));
                    }
                }
                None if self.orphans.len() < ORPHANS_CAP => self.orphans.push(orphan),
                None => {}
            }
        }
        let mut open: Vec<(String, Open)> = open.into_iter().collect();
        open.sort_by_key(|(_, o)| o.at.line);
        for (id, mut theirs) in open {
            theirs.at.line += line_offset;
            if let (false, Some(seconds)) = (theirs.started, theirs.timed_out) {
                if let Some(i) = self.recent.iter().rposition(|(rid, _)| *rid == id) {
                    let recent = &mut self.recent[i].1;
                    if !recent.timed_out {
                        recent.timed_out = true;
                        late.push((id, recent.clone(), seconds));
                    }
                    continue;
                }
            }
            match self.open.get_mut(&id) {
                Some(mine) => {
                    mine.started |= theirs.started;
                    mine.timed_out = mine.timed_out.or(theirs.timed_out);
                }
                None => {
                    self.open.insert(id, theirs);
                }
            }
        }
        for (id, mut theirs) in recent {
            theirs.kept = match theirs.kept {
                Kept::Notable(i) => notable_offset(i).map_or(Kept::Nothing, Kept::Notable),
                Kept::Candidate(mut candidate) => {
                    candidate.line += line_offset;
                    Kept::Candidate(candidate)
                }
                Kept::Nothing => Kept::Nothing,
            };
            self.remember(id, theirs);
        }
        late
    }
}
