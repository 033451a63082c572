//! Two analyses side by side, before and after (a deploy, yesterday and today): per route,
//! per function and per finding, what changed, with a change called only where the counts
//! support it ([`stats`]: a rank test on the latency distributions, a rate test on the
//! timeouts). A plain serialisable value, as [`Analysis`] is, for the CLI, the app and the
//! report.

pub mod stats;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{
    Analysis, Finding, FindingId, FunctionFigures, Percentiles, RouteFigures, Severity,
    TimelineFigures, Window,
};
use stats::{mann_whitney, rate_test, RankTest, RateTest};

/// When a comparison calls a change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CompareSettings {
    /// A change is called where a test's two-sided p-value is below this.
    pub p_value: f64,
    /// Routes (functions) with fewer requests (invocations) than this in either window are
    /// "too few requests": no change is called on them.
    pub min_requests: u64,
    /// The least shift of the latencies that counts as a change, as the rank test's effect
    /// away from 0.5 (0.05: a request after is slower than one before in at least 55% of
    /// pairs). Below it, a large window calls a shift of a few milliseconds significant
    /// that nobody would call slower.
    pub min_effect: f64,
}

impl Default for CompareSettings {
    fn default() -> Self {
        CompareSettings {
            p_value: 0.01,
            min_requests: 30,
            min_effect: 0.05,
        }
    }
}

/// Two analyses compared: the figures of each window and what changed between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub settings: CompareSettings,
    pub before: WindowFigures,
    pub after: WindowFigures,
    /// The change in a few sentences.
    pub summary: Vec<String>,
    /// Every route of either window: those that got slower (or timed out more) first, most
    /// slowed first; then the new ones, those that got better, the unchanged, the small and
    /// the gone.
    pub routes: Vec<RouteComparison>,
    /// Every function of either window, by name.
    pub functions: Vec<FunctionComparison>,
    /// The findings that appeared, resolved or changed severity, then those that stayed.
    pub findings: Vec<FindingChange>,
}

/// One window's totals, and its timeline for the charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowFigures {
    pub window: Option<Window>,
    pub ceiling_ms: u64,
    pub requests: u64,
    pub timeouts: u64,
    pub bad_gateway: u64,
    pub latency: Percentiles,
    pub invocations: u64,
    pub cold_starts: u64,
    pub lambda_timeouts: u64,
    pub timeline: TimelineFigures,
}

/// A route in one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteSide {
    pub requests: u64,
    pub timeouts: u64,
    pub bad_gateway: u64,
    pub latency: Percentiles,
}

/// What happened to a route's latency between the windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LatencyChange {
    Slower,
    /// Only in the after window.
    New,
    Faster,
    Unchanged,
    /// Fewer than [`CompareSettings::min_requests`] measured in a window.
    TooFewRequests,
    /// A window has percentiles without their distribution (a server's counts, or an
    /// analysis saved before its latency bins were written): nothing to test.
    NotTested,
    /// Only in the before window.
    Gone,
}

impl LatencyChange {
    /// As the views write it.
    pub fn label(self) -> &'static str {
        match self {
            LatencyChange::Slower => "slower",
            LatencyChange::New => "new",
            LatencyChange::Faster => "faster",
            LatencyChange::Unchanged => "unchanged",
            LatencyChange::TooFewRequests => "too few requests",
            LatencyChange::NotTested => "not tested",
            LatencyChange::Gone => "gone",
        }
    }
}

/// What happened to a rate (timeouts per request, cold starts per invocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RateChange {
    More,
    Fewer,
    Unchanged,
    TooFewRequests,
    /// The route or function is in one window only.
    OneWindow,
}

impl RateChange {
    pub fn label(self) -> &'static str {
        match self {
            RateChange::More => "more",
            RateChange::Fewer => "fewer",
            RateChange::Unchanged => "unchanged",
            RateChange::TooFewRequests => "too few requests",
            RateChange::OneWindow => "one window",
        }
    }
}

/// One route in both windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteComparison {
    pub route: String,
    pub before: Option<RouteSide>,
    pub after: Option<RouteSide>,
    pub latency: LatencyChange,
    /// The rank test of after's latencies against before's, where one was made.
    pub latency_test: Option<RankTest>,
    /// After minus before, where both windows have the percentile.
    pub p50_change_ms: Option<i64>,
    pub p95_change_ms: Option<i64>,
    pub p99_change_ms: Option<i64>,
    /// Timeouts per request.
    pub timeouts: RateChange,
    pub timeouts_test: Option<RateTest>,
}

impl RouteComparison {
    /// Whether the route got worse: slower, or more of its requests timed out.
    pub fn got_worse(&self) -> bool {
        self.latency == LatencyChange::Slower || self.timeouts == RateChange::More
    }
}

/// A function in one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionSide {
    pub invocations: u64,
    pub cold_starts: u64,
    pub timeouts: u64,
    pub duration: Percentiles,
}

/// One function in both windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionComparison {
    pub function: String,
    pub before: Option<FunctionSide>,
    pub after: Option<FunctionSide>,
    /// Timeouts per invocation.
    pub timeouts: RateChange,
    pub timeouts_test: Option<RateTest>,
    /// Cold starts per invocation.
    pub cold_starts: RateChange,
    pub cold_starts_test: Option<RateTest>,
    pub p99_change_ms: Option<i64>,
}

/// What happened to a finding between the windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingChangeKind {
    Appeared,
    MoreSevere,
    Resolved,
    LessSevere,
    Unchanged,
}

impl FindingChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            FindingChangeKind::Appeared => "appeared",
            FindingChangeKind::MoreSevere => "more severe",
            FindingChangeKind::Resolved => "resolved",
            FindingChangeKind::LessSevere => "less severe",
            FindingChangeKind::Unchanged => "unchanged",
        }
    }
}

/// A finding of either window, matched by its id and what it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingChange {
    pub id: FindingId,
    /// The one route (or else the one function) the finding is about, when it is about one.
    pub subject: Option<String>,
    /// The title of the after window's finding, else the before one's.
    pub title: String,
    pub change: FindingChangeKind,
    pub before: Option<Severity>,
    pub after: Option<Severity>,
    pub before_impact: Option<u64>,
    pub after_impact: Option<u64>,
}

/// Compares `after` with `before`.
pub fn compare(before: &Analysis, after: &Analysis, settings: &CompareSettings) -> Comparison {
    let mut routes = compare_routes(&before.routes, &after.routes, settings);
    routes.sort_by(|a, b| {
        route_rank(a)
            .cmp(&route_rank(b))
            .then(b.p99_change_ms.cmp(&a.p99_change_ms))
            .then(a.route.cmp(&b.route))
    });
    let functions = compare_functions(before, after, settings);
    let findings = compare_findings(&before.findings, &after.findings);
    let summary = summarise(&routes, &functions, &findings);
    Comparison {
        settings: *settings,
        before: window_figures(before),
        after: window_figures(after),
        summary,
        routes,
        functions,
        findings,
    }
}

fn window_figures(analysis: &Analysis) -> WindowFigures {
    let lambda = analysis.lambda.as_ref();
    WindowFigures {
        window: analysis.window,
        ceiling_ms: analysis.ceiling_ms,
        requests: analysis.requests,
        timeouts: analysis.integration_timeouts,
        bad_gateway: analysis.bad_gateway,
        latency: analysis.overall.clone(),
        invocations: lambda.map_or(0, |l| l.invocations),
        cold_starts: lambda.map_or(0, |l| l.cold_starts),
        lambda_timeouts: lambda.map_or(0, |l| l.timeouts),
        timeline: analysis.timeline.clone(),
    }
}

/// Routes that got worse first, then the rest by what happened to them.
fn route_rank(route: &RouteComparison) -> (u8, LatencyChange, RateChange) {
    (u8::from(!route.got_worse()), route.latency, route.timeouts)
}

fn change(before: Option<u32>, after: Option<u32>) -> Option<i64> {
    Some(i64::from(after?) - i64::from(before?))
}

/// A called change of a rate: `more` or `fewer` where the test supports it.
fn rate_change(test: Option<RateTest>, settings: &CompareSettings) -> RateChange {
    match test {
        Some(test) if test.p_value < settings.p_value => {
            if test.after_rate > test.before_rate {
                RateChange::More
            } else {
                RateChange::Fewer
            }
        }
        Some(_) => RateChange::Unchanged,
        None => RateChange::TooFewRequests,
    }
}

fn compare_routes(
    before: &[RouteFigures],
    after: &[RouteFigures],
    settings: &CompareSettings,
) -> Vec<RouteComparison> {
    let mut pairs: BTreeMap<&str, (Option<&RouteFigures>, Option<&RouteFigures>)> = BTreeMap::new();
    for route in before {
        pairs.entry(&route.route).or_default().0 = Some(route);
    }
    for route in after {
        pairs.entry(&route.route).or_default().1 = Some(route);
    }
    pairs
        .into_iter()
        .map(|(name, (b, a))| compare_route(name, b, a, settings))
        .collect()
}

fn route_side(route: &RouteFigures) -> RouteSide {
    RouteSide {
        requests: route.requests,
        timeouts: route.timeouts,
        bad_gateway: route.bad_gateway,
        latency: route.latency.clone(),
    }
}

fn compare_route(
    name: &str,
    before: Option<&RouteFigures>,
    after: Option<&RouteFigures>,
    settings: &CompareSettings,
) -> RouteComparison {
    let mut comparison = RouteComparison {
        route: name.to_owned(),
        before: before.map(route_side),
        after: after.map(route_side),
        latency: LatencyChange::NotTested,
        latency_test: None,
        p50_change_ms: None,
        p95_change_ms: None,
        p99_change_ms: None,
        timeouts: RateChange::OneWindow,
        timeouts_test: None,
    };
    let (b, a) = match (before, after) {
        (Some(b), Some(a)) => (b, a),
        (None, _) => {
            comparison.latency = LatencyChange::New;
            return comparison;
        }
        (_, None) => {
            comparison.latency = LatencyChange::Gone;
            return comparison;
        }
    };
    comparison.p50_change_ms = change(b.latency.p50_ms, a.latency.p50_ms);
    comparison.p95_change_ms = change(b.latency.p95_ms, a.latency.p95_ms);
    comparison.p99_change_ms = change(b.latency.p99_ms, a.latency.p99_ms);
    let enough = |r: &RouteFigures| r.requests >= settings.min_requests;
    if enough(b) && enough(a) {
        comparison.timeouts_test = rate_test(b.timeouts, b.requests, a.timeouts, a.requests);
        comparison.timeouts = rate_change(comparison.timeouts_test, settings);
    } else {
        comparison.timeouts = RateChange::TooFewRequests;
    }
    let measured = |r: &RouteFigures| r.latency.measured >= settings.min_requests;
    comparison.latency = if !measured(b) || !measured(a) {
        LatencyChange::TooFewRequests
    } else if b.latency_bins.is_empty() || a.latency_bins.is_empty() {
        LatencyChange::NotTested
    } else {
        let test = mann_whitney(&b.latency_bins.0, &a.latency_bins.0);
        comparison.latency_test = test;
        match test {
            Some(t)
                if t.p_value < settings.p_value
                    && (t.effect - 0.5).abs() >= settings.min_effect =>
            {
                if t.effect > 0.5 {
                    LatencyChange::Slower
                } else {
                    LatencyChange::Faster
                }
            }
            Some(_) => LatencyChange::Unchanged,
            None => LatencyChange::NotTested,
        }
    };
    comparison
}

fn compare_functions(
    before: &Analysis,
    after: &Analysis,
    settings: &CompareSettings,
) -> Vec<FunctionComparison> {
    let functions = |analysis: &Analysis| -> Vec<FunctionFigures> {
        analysis
            .lambda
            .as_ref()
            .map(|l| l.functions.clone())
            .unwrap_or_default()
    };
    let mut pairs: BTreeMap<String, (Option<FunctionSide>, Option<FunctionSide>)> = BTreeMap::new();
    let side = |f: &FunctionFigures| FunctionSide {
        invocations: f.invocations,
        cold_starts: f.cold_starts,
        timeouts: f.timeouts,
        duration: f.duration.clone(),
    };
    for f in functions(before) {
        pairs.entry(f.function.clone()).or_default().0 = Some(side(&f));
    }
    for f in functions(after) {
        pairs.entry(f.function.clone()).or_default().1 = Some(side(&f));
    }
    pairs
        .into_iter()
        .map(|(function, (b, a))| {
            let mut comparison = FunctionComparison {
                function,
                before: b.clone(),
                after: a.clone(),
                timeouts: RateChange::OneWindow,
                timeouts_test: None,
                cold_starts: RateChange::OneWindow,
                cold_starts_test: None,
                p99_change_ms: None,
            };
            if let (Some(b), Some(a)) = (b, a) {
                comparison.p99_change_ms = change(b.duration.p99_ms, a.duration.p99_ms);
                if b.invocations >= settings.min_requests && a.invocations >= settings.min_requests
                {
                    comparison.timeouts_test =
                        rate_test(b.timeouts, b.invocations, a.timeouts, a.invocations);
                    comparison.timeouts = rate_change(comparison.timeouts_test, settings);
                    comparison.cold_starts_test =
                        rate_test(b.cold_starts, b.invocations, a.cold_starts, a.invocations);
                    comparison.cold_starts = rate_change(comparison.cold_starts_test, settings);
                } else {
                    comparison.timeouts = RateChange::TooFewRequests;
                    comparison.cold_starts = RateChange::TooFewRequests;
                }
            }
            comparison
        })
        .collect()
}

/// What a finding is about, to match it across windows: its one route, else its one
/// function.
fn subject(finding: &Finding) -> Option<String> {
    match (
        &finding.evidence.routes[..],
        &finding.evidence.functions[..],
    ) {
        ([route], _) => Some(route.route.clone()),
        (_, [function]) => Some(function.function.clone()),
        _ => None,
    }
}

fn compare_findings(before: &[Finding], after: &[Finding]) -> Vec<FindingChange> {
    type Pair<'a> = (
        (FindingId, Option<String>),
        Option<&'a Finding>,
        Option<&'a Finding>,
    );
    let mut pairs: Vec<Pair> = Vec::new();
    let sides = before.iter().map(|f| (f, false));
    for (finding, is_after) in sides.chain(after.iter().map(|f| (f, true))) {
        let key = (finding.id, subject(finding));
        let i = match pairs.iter().position(|(k, _, _)| *k == key) {
            Some(i) => i,
            None => {
                pairs.push((key, None, None));
                pairs.len() - 1
            }
        };
        let slot = if is_after {
            &mut pairs[i].2
        } else {
            &mut pairs[i].1
        };
        slot.get_or_insert(finding);
    }
    let mut changes: Vec<FindingChange> = pairs
        .into_iter()
        .map(|((_, subject), b, a)| {
            let either = a.or(b).expect("a finding of one window at least");
            let change = match (b.map(|f| f.severity), a.map(|f| f.severity)) {
                (None, _) => FindingChangeKind::Appeared,
                (_, None) => FindingChangeKind::Resolved,
                // the more severe a severity, the smaller it is
                (Some(b), Some(a)) if a < b => FindingChangeKind::MoreSevere,
                (Some(b), Some(a)) if a > b => FindingChangeKind::LessSevere,
                _ => FindingChangeKind::Unchanged,
            };
            FindingChange {
                id: either.id,
                subject,
                title: either.title.clone(),
                change,
                before: b.map(|f| f.severity),
                after: a.map(|f| f.severity),
                before_impact: b.map(|f| f.impact),
                after_impact: a.map(|f| f.impact),
            }
        })
        .collect();
    changes.sort_by_key(|c| (c.change, c.after.or(c.before)));
    changes
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summarise(
    routes: &[RouteComparison],
    functions: &[FunctionComparison],
    findings: &[FindingChange],
) -> Vec<String> {
    let count = |change: LatencyChange| routes.iter().filter(|r| r.latency == change).count();
    let mut summary = Vec::new();
    let slower: Vec<&str> = routes
        .iter()
        .filter(|r| r.latency == LatencyChange::Slower)
        .map(|r| r.route.as_str())
        .collect();
    if slower.is_empty() {
        summary.push("No route got slower.".to_owned());
    } else {
        summary.push(format!(
            "{} slower: {}.",
            plural(slower.len(), "route", "routes"),
            slower.join(", ")
        ));
    }
    let more_timeouts: Vec<&str> = routes
        .iter()
        .filter(|r| r.timeouts == RateChange::More)
        .map(|r| r.route.as_str())
        .collect();
    if !more_timeouts.is_empty() {
        summary.push(format!("More timeouts on {}.", more_timeouts.join(", ")));
    }
    summary.push(format!(
        "{} faster, {} unchanged, {} with too few requests to tell, {} new, {} gone.",
        count(LatencyChange::Faster),
        count(LatencyChange::Unchanged),
        count(LatencyChange::TooFewRequests),
        count(LatencyChange::New),
        count(LatencyChange::Gone)
    ));
    let untested = count(LatencyChange::NotTested);
    if untested > 0 {
        summary.push(format!(
            "The latency test is unavailable on {}: a window has their percentiles without \
             the distribution behind them (an analysis saved without latency bins, or counts \
             made by Logs Insights).",
            plural(untested, "route", "routes")
        ));
    }
    let worse_functions: Vec<&str> = functions
        .iter()
        .filter(|f| f.timeouts == RateChange::More)
        .map(|f| f.function.as_str())
        .collect();
    if !worse_functions.is_empty() {
        summary.push(format!(
            "More Lambda timeouts in {}.",
            worse_functions.join(", ")
        ));
    }
    let findings_count =
        |kind: FindingChangeKind| findings.iter().filter(|f| f.change == kind).count();
    summary.push(format!(
        "Findings: {} appeared, {} resolved, {} changed severity.",
        findings_count(FindingChangeKind::Appeared),
        findings_count(FindingChangeKind::Resolved),
        findings_count(FindingChangeKind::MoreSevere)
            + findings_count(FindingChangeKind::LessSevere)
    ));
    summary
}
