//! Where the time went inside invocations: each invocation's application lines gathered
//! between its START and its REPORT, the gaps between them measured as steps (the template
//! of the line before a gap, and of the line after it), the steps counted per function, and
//! the lines of notable invocations kept as their timelines.
//!
//! Notability is known only at the REPORT (or after correlation), so the lines of every open
//! invocation are held until then, in bounded memory, and dropped unless the invocation
//! turns out notable or among its function's slowest.

use std::collections::{BTreeMap, HashMap};

use super::At;
use crate::parse::app::{template, AppLine};

/// Lines kept of one invocation, at most: a handler logs a handful per step, and the steps
/// of a slow invocation show in its first few dozen lines; the rest are counted.
pub(crate) const LINES_CAP: usize = 40;
/// Bytes of a message kept (cut at a character boundary): enough for a step's words.
const MESSAGE_BYTES: usize = 240;
/// Invocations open at once (lines read, no REPORT yet), at most: more than any function's
/// concurrency in one log, and what a capture cut mid-invocation leaves behind.
const OPEN_CAP: usize = 10_000;
/// Lines held for open invocations, in all: 100,000 lines of at most ~300 bytes each bound
/// the open part to about 30 MB even when thousands of invocations run at once.
const OPEN_LINES_CAP: usize = 100_000;
/// Timelines of notable invocations kept, at most: 500 of at most 40 lines, a few MB; the
/// earliest (by their REPORT's place in the input) are kept, whichever part read them.
const KEPT_CAP: usize = 500;
/// The slowest invocations kept per function, besides the notable ones.
const SLOWEST: usize = 3;
/// Invocations whose REPORT a part read without their START (the START is in the part
/// before, or before the capture), kept to be joined at the merge: the earliest.
const HEADLESS_CAP: usize = 1_000;
/// Lines without a request id a part read before its first START of an input, kept for the
/// invocation the part before left open.
const STRAY_CAP: usize = 200;
/// Steps (templates before a gap) counted per function: past it a function's messages are
/// not templates that repeat, and later new ones are not counted.
const STEPS_CAP: usize = 200;
/// Templates after a step counted per step.
const NEXT_CAP: usize = 16;
/// Minutes in which a step's slow invocations started, per step: two weeks.
const MINUTES_CAP: usize = 20_160;

/// One application line of an invocation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) time_ms: Option<i64>,
    pub(crate) level: Option<String>,
    pub(crate) message: String,
    pub(crate) at: At,
}

/// An invocation whose lines are being gathered.
#[derive(Debug, Clone, Default)]
struct Open {
    function: String,
    /// Its START's time, when this part read its START.
    start_ms: Option<i64>,
    started: bool,
    lines: Vec<Line>,
    left_out: u32,
}

/// An invocation whose REPORT came, with its lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AppTimeline {
    pub(crate) request_id: String,
    pub(crate) function: String,
    pub(crate) start_ms: Option<i64>,
    pub(crate) end_ms: Option<i64>,
    pub(crate) duration_ms: f64,
    pub(crate) timed_out: bool,
    /// Timed out or long (from the evidence threshold on).
    pub(crate) slow: bool,
    pub(crate) lines: Vec<Line>,
    pub(crate) left_out: u32,
    /// Where its REPORT was read.
    pub(crate) at: At,
}

/// A gap between two moments of an invocation: from its START (`after` `None`) or a line, to
/// the next line or its end (`before` `None`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Gap {
    pub(crate) after: Option<usize>,
    pub(crate) before: Option<usize>,
    pub(crate) ms: i64,
}

impl AppTimeline {
    /// The gaps between its START, its lines (those with a time) and its end, in order.
    pub(crate) fn gaps(&self) -> Vec<Gap> {
        let mut gaps = Vec::new();
        let mut last: (Option<usize>, Option<i64>) = (None, self.start_ms);
        for (i, line) in self.lines.iter().enumerate() {
            let Some(time) = line.time_ms else { continue };
            if let Some(from) = last.1 {
                gaps.push(Gap {
                    after: last.0,
                    before: Some(i),
                    ms: time.saturating_sub(from).max(0),
                });
            }
            last = (Some(i), Some(time));
        }
        if let (Some(from), Some(end)) = (last.1, self.end_ms) {
            if !self.lines.is_empty() {
                gaps.push(Gap {
                    after: last.0,
                    before: None,
                    ms: end.saturating_sub(from).max(0),
                });
            }
        }
        gaps
    }

    /// The longest gap (the first of equals).
    pub(crate) fn longest(&self) -> Option<Gap> {
        self.gaps()
            .into_iter()
            .reduce(|best, gap| if gap.ms > best.ms { gap } else { best })
    }

    /// The template of the moment a gap starts or ends at: a line's, `START` or `END`.
    pub(crate) fn template_at(&self, line: Option<usize>, start: bool) -> String {
        match line {
            Some(i) => template(&self.lines[i].message),
            None if start => "START".to_owned(),
            None => "END".to_owned(),
        }
    }
}

/// Shares of an invocation's duration, in whole percent: a histogram of 101 bins.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shares(Vec<u64>);

impl Default for Shares {
    fn default() -> Self {
        Shares(vec![0; 101])
    }
}

impl Shares {
    fn record(&mut self, share: f64) {
        let bin = (share.clamp(0.0, 1.0) * 100.0).round() as usize;
        self.0[bin] += 1;
    }

    fn merge(&mut self, other: &Shares) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine += theirs;
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The median share (the lower one of an even count), to the percent.
    pub(crate) fn median(&self) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = (n - 1) / 2;
        let mut seen = 0;
        for (bin, count) in self.0.iter().enumerate() {
            seen += count;
            if seen > rank {
                return Some(bin as f64 / 100.0);
            }
        }
        None
    }
}

/// One step of a function: the gaps that follow a template.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StepStats {
    /// Slow invocations in which it is the longest gap.
    pub(crate) longest_slow: u64,
    /// Its share of each slow invocation that has it (its longest occurrence).
    pub(crate) share_slow: Shares,
    /// Its share of every invocation that has it.
    pub(crate) share_all: Shares,
    /// The templates after it, when it is a slow invocation's longest gap (`END`: the gap
    /// runs to the end or the timeout).
    pub(crate) next: BTreeMap<String, u64>,
    /// The minutes in which the slow invocations it is the longest gap of started.
    pub(crate) minutes: BTreeMap<i64, u64>,
}

impl StepStats {
    fn merge(&mut self, later: StepStats) {
        let StepStats {
            longest_slow,
            share_slow,
            share_all,
            next,
            minutes,
        } = later;
        self.longest_slow += longest_slow;
        self.share_slow.merge(&share_slow);
        self.share_all.merge(&share_all);
        for (template, n) in next {
            if self.next.len() < NEXT_CAP || self.next.contains_key(&template) {
                *self.next.entry(template).or_insert(0) += n;
            }
        }
        for (minute, n) in minutes {
            if self.minutes.len() < MINUTES_CAP || self.minutes.contains_key(&minute) {
                *self.minutes.entry(minute).or_insert(0) += n;
            }
        }
    }
}

/// A function's steps.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FunctionSteps {
    /// Invocations with at least two application lines with a time.
    pub(crate) with_lines: u64,
    /// Of those, the slow ones (timed out, or long).
    pub(crate) slow: u64,
    pub(crate) steps: BTreeMap<String, StepStats>,
}

impl FunctionSteps {
    /// Counts an invocation's steps. One line divides nothing: the wait after it is the
    /// whole handler ("handling GET /search", then the work), so an invocation needs two
    /// lines with a time to have steps.
    fn count(&mut self, timeline: &AppTimeline) {
        let timed = timeline
            .lines
            .iter()
            .filter(|l| l.time_ms.is_some())
            .count();
        let gaps = timeline.gaps();
        let duration = timeline.duration_ms;
        if timed < 2 || duration <= 0.0 {
            return;
        }
        self.with_lines += 1;
        self.slow += u64::from(timeline.slow);
        let longest = timeline.longest();
        // each step's longest occurrence in this invocation
        let mut seen: BTreeMap<String, i64> = BTreeMap::new();
        for gap in &gaps {
            let after = timeline.template_at(gap.after, true);
            let ms = seen.entry(after).or_insert(0);
            *ms = (*ms).max(gap.ms);
        }
        for (after, ms) in seen {
            if self.steps.len() >= STEPS_CAP && !self.steps.contains_key(&after) {
                continue;
            }
            let is_longest =
                longest.is_some_and(|l| timeline.template_at(l.after, true) == after && l.ms == ms);
            let step = self.steps.entry(after).or_default();
            let share = ms as f64 / duration;
            step.share_all.record(share);
            if timeline.slow {
                step.share_slow.record(share);
                if is_longest {
                    step.longest_slow += 1;
                    let next = longest.map_or_else(
                        || "END".to_owned(),
                        |l| timeline.template_at(l.before, false),
                    );
                    if step.next.len() < NEXT_CAP || step.next.contains_key(&next) {
                        *step.next.entry(next).or_insert(0) += 1;
                    }
                    if let Some(start) = timeline.start_ms {
                        let minute = start.div_euclid(60_000) * 60_000;
                        if step.minutes.len() < MINUTES_CAP || step.minutes.contains_key(&minute) {
                            *step.minutes.entry(minute).or_insert(0) += 1;
                        }
                    }
                }
            }
        }
    }

    fn merge(&mut self, later: FunctionSteps) {
        let FunctionSteps {
            with_lines,
            slow,
            steps,
        } = later;
        self.with_lines += with_lines;
        self.slow += slow;
        for (after, stats) in steps {
            if self.steps.len() < STEPS_CAP || self.steps.contains_key(&after) {
                self.steps.entry(after).or_default().merge(stats);
            }
        }
    }
}

/// Per input: the invocations open on it, for lines that name none.
#[derive(Debug, Clone, Default)]
struct Stream {
    open: u32,
    /// The last invocation started on it.
    last: Option<String>,
    /// Whether this part read a START or REPORT of the input yet.
    settled: bool,
    /// Whether this part read a START of the input.
    started: bool,
    /// Lines without an id before that, for the part before to place.
    stray: Vec<(String, Line)>,
}

/// How an invocation ended, as its REPORT says.
pub(crate) struct Ended<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) function: &'a str,
    pub(crate) at: At,
    pub(crate) time_ms: Option<i64>,
    pub(crate) duration_ms: f64,
    pub(crate) timed_out: bool,
    pub(crate) slow: bool,
}

/// The steps of every function and the timelines kept.
#[derive(Debug, Clone, Default)]
pub(crate) struct Steps {
    /// Bounded: at most [`OPEN_CAP`] invocations and [`OPEN_LINES_CAP`] lines in all.
    open: HashMap<String, Open>,
    open_lines: usize,
    /// Bounded by the inputs.
    streams: HashMap<u32, Stream>,
    /// Bounded: at most [`HEADLESS_CAP`].
    headless: Vec<AppTimeline>,
    /// Bounded by the functions and [`STEPS_CAP`].
    functions: BTreeMap<String, FunctionSteps>,
    /// Bounded: at most [`KEPT_CAP`].
    kept: Vec<AppTimeline>,
    /// Bounded: at most [`SLOWEST`] per function.
    slowest: BTreeMap<String, Vec<AppTimeline>>,
}

/// What the findings read of the steps.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct StepNotes {
    /// The timelines kept: notable invocations and each function's slowest, in the order
    /// of their REPORTs.
    pub(crate) timelines: Vec<AppTimeline>,
    pub(crate) functions: BTreeMap<String, FunctionSteps>,
}

impl Steps {
    pub(crate) fn start(&mut self, request_id: &str, function: &str, at: At, time_ms: Option<i64>) {
        let stream = self.streams.entry(at.input).or_default();
        stream.settled = true;
        stream.started = true;
        if request_id.is_empty()
            || (self.open.len() >= OPEN_CAP && !self.open.contains_key(request_id))
        {
            return;
        }
        let open = self.open.entry(request_id.to_owned()).or_default();
        if !open.started {
            stream.open += 1;
        }
        open.function = function.to_owned();
        open.started = true;
        open.start_ms = time_ms;
        stream.last = Some(request_id.to_owned());
    }

    /// An application line; `time_ms` is the event's time, when it has one.
    pub(crate) fn line(&mut self, function: &str, at: At, time_ms: Option<i64>, app: AppLine<'_>) {
        let mut message = app.message.into_owned();
        if message.len() > MESSAGE_BYTES {
            let mut end = MESSAGE_BYTES;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        let line = Line {
            time_ms: time_ms.or(app.time_ms),
            level: app.level.map(str::to_owned),
            message,
            at,
        };
        let id = if app.request_id.is_empty() {
            let stream = self.streams.entry(at.input).or_default();
            match (&stream.last, stream.open) {
                (Some(last), 1) => last.clone(),
                _ if !stream.settled => {
                    if stream.stray.len() < STRAY_CAP {
                        stream.stray.push((function.to_owned(), line));
                    }
                    return;
                }
                _ => return,
            }
        } else {
            String::from_utf8_lossy(app.request_id).into_owned()
        };
        if !self.open.contains_key(&id) && self.open.len() >= OPEN_CAP {
            return;
        }
        let open = self.open.entry(id).or_insert_with(|| Open {
            function: function.to_owned(),
            ..Open::default()
        });
        if open.lines.len() < LINES_CAP && self.open_lines < OPEN_LINES_CAP {
            open.lines.push(line);
            self.open_lines += 1;
        } else {
            open.left_out += 1;
        }
    }

    /// An invocation's REPORT outside the focus: its lines are dropped.
    pub(crate) fn forget(&mut self, request_id: &str, at: At) {
        if let Some(open) = self.open.remove(request_id) {
            self.close_stream(at.input, request_id, open.started);
            self.open_lines -= open.lines.len();
        }
    }

    fn close_stream(&mut self, input: u32, request_id: &str, started: bool) {
        let stream = self.streams.entry(input).or_default();
        stream.settled = true;
        if started {
            stream.open = stream.open.saturating_sub(1);
        }
        if stream.last.as_deref() == Some(request_id) {
            stream.last = None;
        }
    }

    /// An invocation's REPORT: its lines become its timeline.
    pub(crate) fn report(&mut self, ended: Ended<'_>) {
        let open = self.open.remove(ended.request_id);
        let started = open.as_ref().is_some_and(|o| o.started);
        self.close_stream(ended.at.input, ended.request_id, started);
        let open = open.unwrap_or_default();
        self.open_lines -= open.lines.len();
        let timeline = AppTimeline {
            request_id: ended.request_id.to_owned(),
            function: ended.function.to_owned(),
            start_ms: open.start_ms.or_else(|| {
                ended
                    .time_ms
                    .map(|end| end.saturating_sub(ended.duration_ms.round() as i64))
            }),
            end_ms: ended.time_ms,
            duration_ms: ended.duration_ms,
            timed_out: ended.timed_out,
            slow: ended.slow,
            lines: open.lines,
            left_out: open.left_out,
            at: ended.at,
        };
        if started {
            self.settle(timeline);
        } else {
            self.headless.push(timeline);
            keep_earliest(&mut self.headless, HEADLESS_CAP);
        }
    }

    /// Counts an invocation whose lines are all in, and keeps its timeline if it is notable
    /// or among its function's slowest.
    fn settle(&mut self, timeline: AppTimeline) {
        if timeline.lines.is_empty() {
            return;
        }
        self.functions
            .entry(timeline.function.clone())
            .or_default()
            .count(&timeline);
        let slowest = self.slowest.entry(timeline.function.clone()).or_default();
        if timeline.slow {
            self.kept.push(timeline);
            keep_earliest(&mut self.kept, KEPT_CAP);
        } else {
            slowest.push(timeline);
            keep_slowest(slowest);
        }
    }

    /// Adds what a later part read, whose lines start after `line_offset` lines.
    pub(crate) fn merge(&mut self, later: Steps, line_offset: u64) {
        let Steps {
            open,
            // recounted below from the lines joined
            open_lines: _,
            streams,
            headless,
            functions,
            kept,
            slowest,
        } = later;
        let shift = |lines: &mut Vec<Line>| {
            for line in lines {
                line.at.line += line_offset;
            }
        };
        // Lines without an id at the start of the later part belong to the invocation
        // this part left alone on that input.
        let mut streams: Vec<(u32, Stream)> = streams.into_iter().collect();
        streams.sort_by_key(|(input, _)| *input);
        for (input, theirs) in &mut streams {
            let mine = self.streams.entry(*input).or_default();
            let target = match (&mine.last, mine.open) {
                (Some(last), 1) => Some(last.clone()),
                _ => None,
            };
            for (function, mut line) in theirs.stray.drain(..) {
                line.at.line += line_offset;
                match target.as_ref().and_then(|id| self.open.get_mut(id)) {
                    Some(open) => push_line(open, line, &mut self.open_lines),
                    None if !mine.settled && mine.stray.len() < STRAY_CAP => {
                        mine.stray.push((function, line));
                    }
                    None => {}
                }
            }
        }
        let mut open: Vec<(String, Open)> = open.into_iter().collect();
        open.sort_by_key(|(_, o)| o.lines.first().map(|l| l.at.line));
        for (id, mut theirs) in open {
            shift(&mut theirs.lines);
            let known = self.open.contains_key(&id);
            if known && !theirs.started {
                let mine = self.open.get_mut(&id).expect("known");
                for line in theirs.lines {
                    push_line(mine, line, &mut self.open_lines);
                }
                mine.left_out += theirs.left_out;
            } else if known || self.open.len() < OPEN_CAP {
                self.open_lines += theirs.lines.len();
                if let Some(old) = self.open.insert(id, theirs) {
                    self.open_lines -= old.lines.len();
                }
            }
        }
        for (name, stats) in functions {
            self.functions.entry(name).or_default().merge(stats);
        }
        for mut timeline in kept {
            timeline.at.line += line_offset;
            shift(&mut timeline.lines);
            self.kept.push(timeline);
        }
        keep_earliest(&mut self.kept, KEPT_CAP);
        for (function, timelines) in slowest {
            let mine = self.slowest.entry(function).or_default();
            for mut timeline in timelines {
                timeline.at.line += line_offset;
                shift(&mut timeline.lines);
                mine.push(timeline);
            }
            keep_slowest(mine);
        }
        for mut timeline in headless {
            timeline.at.line += line_offset;
            shift(&mut timeline.lines);
            match self.open.remove(&timeline.request_id) {
                Some(mine) => {
                    self.open_lines -= mine.lines.len();
                    let mut lines = mine.lines;
                    let room = LINES_CAP.saturating_sub(lines.len());
                    let over = timeline.lines.len().saturating_sub(room) as u32;
                    lines.extend(timeline.lines.drain(..).take(room));
                    timeline.lines = lines;
                    timeline.left_out += mine.left_out + over;
                    if mine.started {
                        timeline.start_ms = mine.start_ms;
                    }
                    self.close_stream(timeline.at.input, &timeline.request_id, mine.started);
                    if mine.started {
                        self.settle(timeline);
                    } else {
                        self.headless.push(timeline);
                    }
                }
                None => self.headless.push(timeline),
            }
        }
        keep_earliest(&mut self.headless, HEADLESS_CAP);
        for (input, theirs) in streams {
            let mine = self.streams.entry(input).or_default();
            mine.open += theirs.open;
            if theirs.started {
                mine.last = theirs.last;
            }
            mine.settled |= theirs.settled;
            mine.started |= theirs.started;
        }
    }

    /// The timelines kept and the steps counted, with the invocations whose START no part
    /// read counted from the lines their parts hold.
    pub(crate) fn finish(&mut self) -> StepNotes {
        for timeline in std::mem::take(&mut self.headless) {
            self.settle(timeline);
        }
        let mut timelines = std::mem::take(&mut self.kept);
        for (_, slowest) in std::mem::take(&mut self.slowest) {
            timelines.extend(slowest);
        }
        timelines.sort_by_key(|t| (t.at.input, t.at.line));
        StepNotes {
            timelines,
            functions: std::mem::take(&mut self.functions),
        }
    }
}

fn push_line(open: &mut Open, line: Line, open_lines: &mut usize) {
    if open.lines.len() < LINES_CAP && *open_lines < OPEN_LINES_CAP {
        open.lines.push(line);
        *open_lines += 1;
    } else {
        open.left_out += 1;
    }
}

/// Keeps the `cap` timelines whose REPORTs come first: the same ones whatever the parts.
fn keep_earliest(timelines: &mut Vec<AppTimeline>, cap: usize) {
    if timelines.len() > cap {
        timelines.sort_by_key(|t| (t.at.input, t.at.line));
        timelines.truncate(cap);
    }
}

/// Keeps a function's [`SLOWEST`] timelines, longest first (then the earliest).
fn keep_slowest(timelines: &mut Vec<AppTimeline>) {
    timelines.sort_by(|a, b| {
        b.duration_ms
            .total_cmp(&a.duration_ms)
            .then((a.at.input, a.at.line).cmp(&(b.at.input, b.at.line)))
    });
    timelines.truncate(SLOWEST);
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    enum Event {
        Start(&'static str),
        Line(&'static str, &'static str),
        Report(&'static str, f64),
    }

    fn feed(steps: &mut Steps, events: &[(i64, Event)], first_line: u64, offset: u64) {
        for (i, (time, event)) in events.iter().enumerate() {
            let at = At {
                input: 0,
                line: first_line + i as u64 - offset,
            };
            match event {
                Event::Start(id) => steps.start(id, "f", at, Some(*time)),
                Event::Line(id, message) => steps.line(
                    "f",
                    at,
                    Some(*time),
                    AppLine {
                        request_id: id.as_bytes(),
                        time_ms: None,
                        level: Some("INFO"),
                        message: Cow::Borrowed(message),
                    },
                ),
                Event::Report(id, duration_ms) => steps.report(Ended {
                    request_id: id,
                    function: "f",
                    at,
                    time_ms: Some(*time),
                    duration_ms: *duration_ms,
                    timed_out: false,
                    slow: *duration_ms >= 10_000.0,
                }),
            }
        }
    }

    /// Interleaved invocations, one whose lines name no request id, and one that began
    /// before the capture: cut anywhere, the parts merge into what one reading gives.
    #[test]
    fn parts_merge_into_one_reading() {
        use Event::*;
        let events = vec![
            (0, Line("z", "Waiting on queue 3")),
            (100, Report("z", 12_000.0)),
            (1_000, Start("a")),
            (1_100, Line("a", "Calling stock-service for 12")),
            (1_200, Start("b")),
            (1_300, Line("b", "Loading 4 rows")),
            (13_000, Line("a", "stock-service answered in 11900 ms")),
            (13_100, Report("a", 12_100.0)),
            (14_000, Line("b", "Loaded 4 rows")),
            (14_500, Report("b", 13_300.0)),
            (20_000, Start("c")),
            (20_100, Line("", "no id here 1")),
            (31_000, Line("", "no id here 2")),
            (31_500, Report("c", 11_500.0)),
        ];
        let mut whole = Steps::default();
        feed(&mut whole, &events, 1, 0);
        let expected = whole.finish();
        // z has one line: no steps
        assert_eq!(expected.functions["f"].with_lines, 3);
        let c = expected
            .timelines
            .iter()
            .find(|t| t.request_id == "c")
            .unwrap();
        assert_eq!(c.lines.len(), 2);
        assert_eq!(c.longest().unwrap().ms, 10_900);
        for cut in 0..=events.len() {
            let mut first = Steps::default();
            let mut second = Steps::default();
            feed(&mut first, &events[..cut], 1, 0);
            feed(&mut second, &events[cut..], cut as u64 + 1, cut as u64);
            first.merge(second, cut as u64);
            assert_eq!(first.finish(), expected, "cut at {cut}");
        }
    }

    #[test]
    fn shares_and_their_median() {
        let mut shares = Shares::default();
        for share in [0.1, 0.9, 0.8] {
            shares.record(share);
        }
        assert_eq!(shares.count(), 3);
        assert_eq!(shares.median(), Some(0.8));
    }
}
