//! The gateway's figures, from its access records: requests by status and route, latency
//! percentiles, timeouts and near misses, the timeline, and the notable requests kept for
//! evidence. Counts a server made over a larger window (Logs Insights) enter here too, in
//! place of those of the records read, before the figures are finished.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::routes::{DistinctPaths, RouteNames, Routes};
use super::{
    extend_notable, Accumulator, At, Finish, Histogram, NotableRequest, Seen, Timeline, NOTABLE_CAP,
};
use crate::model::{
    Aggregates, ApiKind, BucketFigures, Percentiles, RouteFigures, StageConfig, TimelineFigures,
    Window, OTHER_ROUTES,
};
use crate::parse::access::{AccessRecord, Field, FieldSet, Latency};
use crate::settings::{Focus, Settings, NOTABLE_PERCENT};

/// The access log's part of the analysis.
#[derive(Debug, Clone)]
pub(crate) struct Gateway {
    focus: Focus,
    notable_threshold_ms: u32,
    large_response_bytes: u64,
    near_ceiling_percent: u32,
    requests: u64,
    status: StatusCounts,
    requests_without_status: u64,
    /// Requests by [`ApiKind`], indexed by the kind's order.
    api_kinds: [u64; API_KINDS.len()],
    integration_timeouts: u64,
    bad_gateway: u64,
    /// Integration latency of requests that did not time out, for near-ceiling counts, on
    /// the routes judged against the analysis' ceiling.
    integration: Histogram,
    /// The stage's configuration, which gives some routes a ceiling of their own (their
    /// integration's timeout): their near misses are counted, and their requests kept as
    /// evidence, against it.
    config: Option<Arc<StageConfig>>,
    /// Near misses on the routes with a ceiling of their own, each against it.
    near_own_ceiling: u64,
    /// Bounded: concrete paths are collapsed into templates, and past
    /// [`crate::model::ROUTES_CAP`] routes are folded into one.
    routes: Routes<RouteStats>,
    window: Option<Window>,
    timeline: Timeline,
    notable: Vec<NotableRequest>,
    /// The most notable requests merges keep ([`NOTABLE_CAP`] when `None`).
    pub(super) notable_cap: Option<usize>,
    /// Notable requests merges found no room for under `notable_cap`.
    pub(super) notable_dropped: u64,
    /// The access-log fields seen in sampled records.
    fields_seen: FieldSet,
    /// A server's counts over the whole window, when only the notable records were read.
    server_counts: Option<Aggregates>,
    /// Each record's route, found from its raw bytes; a cache.
    route_names: RouteNames,
}

/// Every [`ApiKind`], in its order (that of the map of counts it replaces: the last of the
/// most frequent wins).
const API_KINDS: [ApiKind; 3] = [ApiKind::Rest, ApiKind::Http, ApiKind::WebSocket];

/// Requests by HTTP status, 100 to 599 (all [`AccessRecord::status`] gives), counted in place.
#[derive(Debug, Clone)]
struct StatusCounts(Box<[u64; 500]>);

impl Default for StatusCounts {
    fn default() -> Self {
        StatusCounts(Box::new([0; 500]))
    }
}

impl StatusCounts {
    fn add(&mut self, status: u16) {
        self.0[usize::from(status) - 100] += 1;
    }

    fn merge(&mut self, other: &StatusCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0.iter()) {
            *mine += theirs;
        }
    }

    /// The statuses seen, with their counts.
    fn counts(&self) -> BTreeMap<u16, u64> {
        (100..)
            .zip(self.0.iter())
            .filter(|(_, n)| **n > 0)
            .map(|(status, n)| (status, *n))
            .collect()
    }
}

#[derive(Debug, Clone, Default)]
struct RouteStats {
    requests: u64,
    timeouts: u64,
    bad_gateway: u64,
    latency: Histogram,
    paths: DistinctPaths,
    max_response_bytes: Option<u64>,
    large_responses: u64,
}

impl RouteStats {
    fn merge(&mut self, later: RouteStats) {
        let RouteStats {
            requests,
            timeouts,
            bad_gateway,
            latency,
            paths,
            max_response_bytes,
            large_responses,
        } = later;
        self.requests += requests;
        self.timeouts += timeouts;
        self.bad_gateway += bad_gateway;
        self.latency.merge(&latency);
        self.paths.merge(paths);
        self.max_response_bytes = self.max_response_bytes.max(max_response_bytes);
        self.large_responses += large_responses;
    }

    fn figures(self, route: String) -> RouteFigures {
        RouteFigures {
            route,
            requests: self.requests,
            timeouts: self.timeouts,
            bad_gateway: self.bad_gateway,
            latency: self.latency.percentiles(),
            distinct_paths: self.paths.count(),
            max_response_bytes: self.max_response_bytes,
            large_responses: self.large_responses,
            folded_routes: None,
            latency_bins: self.latency.bins(),
        }
    }
}

/// One access record, with the time of the event that carried it.
pub(crate) struct AccessObservation<'a, 'r> {
    pub(crate) record: &'a AccessRecord<'r>,
    pub(crate) event_time: Option<i64>,
    /// Note which fields the record has (the first records of each input are sampled).
    pub(crate) sample_fields: bool,
}

/// The gateway's figures, finished.
pub(crate) struct GatewayFigures {
    pub(crate) api: Option<ApiKind>,
    pub(crate) requests: u64,
    pub(crate) status: BTreeMap<u16, u64>,
    pub(crate) requests_without_status: u64,
    pub(crate) integration_timeouts: u64,
    pub(crate) near_ceiling: u64,
    pub(crate) bad_gateway: u64,
    pub(crate) overall: Percentiles,
    pub(crate) routes: Vec<RouteFigures>,
    pub(crate) window: Option<Window>,
    pub(crate) timeline: TimelineFigures,
    /// What a server counted in place of the records, said in words.
    pub(crate) approximate: Vec<String>,
    pub(crate) fields_seen: FieldSet,
    /// The notable requests, in the order [`Gateway::notable`] gave them.
    pub(crate) notable: Vec<NotableRequest>,
}

impl Gateway {
    pub(crate) fn new(settings: &Settings) -> Self {
        Gateway {
            focus: settings.focus.clone(),
            notable_threshold_ms: settings.evidence_from_ms() as u32,
            large_response_bytes: settings.thresholds.large_response_bytes,
            near_ceiling_percent: settings.thresholds.near_ceiling_percent,
            requests: 0,
            status: StatusCounts::default(),
            requests_without_status: 0,
            api_kinds: [0; API_KINDS.len()],
            integration_timeouts: 0,
            bad_gateway: 0,
            integration: Histogram::default(),
            config: None,
            near_own_ceiling: 0,
            routes: Routes::default(),
            window: None,
            timeline: Timeline::default(),
            notable: Vec::new(),
            notable_cap: None,
            notable_dropped: 0,
            fields_seen: FieldSet::default(),
            server_counts: None,
            route_names: RouteNames::default(),
        }
    }

    pub(crate) fn requests(&self) -> u64 {
        self.requests
    }

    /// Judges the routes the stage's configuration gives a ceiling of their own against it,
    /// for the near misses and the evidence kept.
    pub(crate) fn set_config(&mut self, config: Option<Arc<StageConfig>>) {
        self.config = config;
        self.route_names.forget_ceilings();
    }

    pub(crate) fn config(&self) -> Option<&Arc<StageConfig>> {
        self.config.as_ref()
    }

    pub(crate) fn integration_timeouts(&self) -> u64 {
        self.integration_timeouts
    }

    /// The kind of API most records are of.
    pub(crate) fn api(&self) -> Option<ApiKind> {
        API_KINDS
            .into_iter()
            .zip(self.api_kinds)
            .filter(|(_, n)| *n > 0)
            .max_by_key(|(_, n)| *n)
            .map(|(kind, _)| kind)
    }

    /// Takes a server's figures over the whole window, to finish with in place of the
    /// counts and percentiles of the records read (then the notable requests only).
    pub(crate) fn set_server_counts(&mut self, counts: Aggregates) {
        self.server_counts = Some(counts);
    }

    /// The notable requests kept so far, for pairing with invocations.
    pub(crate) fn notable(&self) -> &[NotableRequest] {
        &self.notable
    }
}

impl Accumulator for Gateway {
    type Observation<'a> = AccessObservation<'a, 'a>;
    type Figures = GatewayFigures;

    fn observe(&mut self, observation: AccessObservation<'_, '_>, at: At) -> Seen {
        let AccessObservation {
            record,
            event_time,
            sample_fields,
        } = observation;
        let Ok(status) = record.logged_status() else {
            return Seen::Counted;
        };
        let known = self.route_names.of(record);
        let time_ms = record.time_ms().or(event_time);
        if !self.focus.is_everything() && !self.focus.holds(&known.name, time_ms) {
            return Seen::SetAside("requests outside the focus (set aside)");
        }
        self.requests += 1;
        match status {
            Some(status) => self.status.add(status),
            None => self.requests_without_status += 1,
        }
        let api = record.api_kind();
        self.api_kinds[api as usize] += 1;

        let timed_out = is_gateway_timeout(record, status, api, self.notable_threshold_ms);
        let latency = record.response_latency_ms();
        let integration = record.integration_latency();
        self.integration_timeouts += u64::from(timed_out);
        self.bad_gateway += u64::from(status == Some(502));
        let own_ceiling = match (&self.config, known.own_ceiling) {
            (None, _) => None,
            (Some(_), Some(known)) => known,
            (Some(config), None) => *known.own_ceiling.insert(config.ceiling_of(&known.name)),
        };
        if let (Latency::Ms(ms), false) = (integration, timed_out) {
            match own_ceiling {
                Some(ceiling) => {
                    let near_ms = (ceiling * u64::from(self.near_ceiling_percent)).div_ceil(100);
                    self.near_own_ceiling += u64::from(u64::from(ms) >= near_ms);
                }
                None => self.integration.record(ms),
            }
        }

        let slot = *known
            .slot
            .get_or_insert_with(|| self.routes.slot(&known.name));
        let route = self.routes.at(slot);
        route.requests += 1;
        route.timeouts += u64::from(timed_out);
        route.bad_gateway += u64::from(status == Some(502));
        if let Some(ms) = latency {
            route.latency.record(ms);
        }
        if known.name.starts_with("GET ") {
            if let Some(path) = record.bytes(Field::Path) {
                route.paths.add(path);
            }
        }
        if let Some(bytes) = record.response_length() {
            route.max_response_bytes = route.max_response_bytes.max(Some(bytes));
            route.large_responses += u64::from(bytes >= self.large_response_bytes);
        }
        if sample_fields {
            self.fields_seen.note(record);
        }

        if let Some(time) = time_ms {
            let window = self.window.get_or_insert(Window {
                start_ms: time,
                end_ms: time,
            });
            window.start_ms = window.start_ms.min(time);
            window.end_ms = window.end_ms.max(time);
            self.timeline.record(time, latency, timed_out);
        }

        let integration_ms = match integration {
            Latency::Ms(ms) => Some(ms),
            _ => None,
        };
        let notable_ms = own_ceiling.map_or(self.notable_threshold_ms, |ceiling| {
            (ceiling * NOTABLE_PERCENT / 100).min(u64::from(u32::MAX)) as u32
        });
        let notable = timed_out
            || status == Some(502)
            || integration_ms
                .or(latency)
                .is_some_and(|ms| ms >= notable_ms);
        if notable && self.notable.len() < NOTABLE_CAP {
            let text = |field| {
                record
                    .bytes(field)
                    .map(|raw| String::from_utf8_lossy(raw).into_owned())
            };
            self.notable.push(NotableRequest {
                input: at.input,
                line: at.line,
                route: known.name.clone(),
                time_ms,
                time_precision_ms: if record.has_precise_time() { 1 } else { 1000 },
                status,
                response_latency_ms: latency,
                integration_latency_ms: integration_ms,
                timed_out,
                // the integration's own message is the most specific, when the log has it
                error: record
                    .bytes(Field::IntegrationError)
                    .or_else(|| record.error_message())
                    .or_else(|| record.bytes(Field::ErrorResponseType))
                    .map(|raw| String::from_utf8_lossy(raw).into_owned()),
                request_id: text(Field::RequestId),
                integration_request_id: text(Field::IntegrationRequestId),
                trace_id: text(Field::XrayTraceId),
            });
        }
        Seen::Counted
    }

    fn merge(&mut self, later: Gateway, line_offset: u64) {
        let Gateway {
            // settings: the same for every part
            focus: _,
            notable_threshold_ms: _,
            large_response_bytes: _,
            near_ceiling_percent: _,
            requests,
            status,
            requests_without_status,
            api_kinds,
            integration_timeouts,
            bad_gateway,
            integration,
            // the same for every part; the lookups are a cache
            config: _,
            near_own_ceiling,
            routes,
            window,
            timeline,
            notable,
            notable_cap: _,
            notable_dropped,
            fields_seen,
            server_counts,
            route_names: _,
        } = later;
        self.requests += requests;
        self.status.merge(&status);
        self.requests_without_status += requests_without_status;
        for (mine, theirs) in self.api_kinds.iter_mut().zip(api_kinds) {
            *mine += theirs;
        }
        self.integration_timeouts += integration_timeouts;
        self.bad_gateway += bad_gateway;
        self.integration.merge(&integration);
        self.near_own_ceiling += near_own_ceiling;
        self.routes.merge(routes, RouteStats::merge);
        if let Some(theirs) = window {
            let mine = self.window.get_or_insert(theirs);
            mine.start_ms = mine.start_ms.min(theirs.start_ms);
            mine.end_ms = mine.end_ms.max(theirs.end_ms);
        }
        self.timeline.merge(timeline);
        let cap = self.notable_cap.unwrap_or(NOTABLE_CAP);
        self.notable_dropped += notable_dropped
            + extend_notable(&mut self.notable, notable, line_offset, cap, |r| {
                &mut r.line
            });
        self.fields_seen.extend(fields_seen);
        if self.server_counts.is_none() {
            self.server_counts = server_counts;
        }
    }

    fn finish(self, finish: &Finish<'_>) -> GatewayFigures {
        let api = self.api();
        let near_ceiling = self.integration.count_at_or_above(
            (finish.ceiling_ms * u64::from(self.near_ceiling_percent)).div_ceil(100) as u32,
        ) + self.near_own_ceiling;
        let (kept, other) = self.routes.finish();
        // every request counted is in one route (the folded ones included): together, their
        // latencies are the overall's
        let mut overall = Histogram::default();
        for stats in kept
            .iter()
            .map(|(_, s)| s)
            .chain(other.iter().map(|(s, _)| s))
        {
            overall.merge(&stats.latency);
        }
        let mut figures = GatewayFigures {
            api,
            requests: self.requests,
            status: self.status.counts(),
            requests_without_status: self.requests_without_status,
            integration_timeouts: self.integration_timeouts,
            near_ceiling,
            bad_gateway: self.bad_gateway,
            overall: overall.percentiles(),
            routes: Vec::new(),
            window: self.window,
            timeline: self.timeline.figures(),
            approximate: Vec::new(),
            fields_seen: self.fields_seen,
            notable: Vec::new(),
        };
        figures.routes = kept
            .into_iter()
            .map(|(route, stats)| stats.figures(route))
            .collect();
        let timeouts = || {
            self.notable
                .iter()
                .filter(|r| r.timed_out)
                .filter_map(|r| Some((r.route.as_str(), r.time_ms?)))
        };
        if let Some(counts) = self.server_counts {
            figures.take_server_counts(counts, timeouts().map(|(_, time)| time));
        }
        figures.routes.sort_by(|a, b| {
            b.timeouts
                .cmp(&a.timeouts)
                .then(b.latency.p99_ms.cmp(&a.latency.p99_ms))
                .then(a.route.cmp(&b.route))
        });
        // the routes past the cap come last, whatever they hold
        if let Some((other, folded)) = other {
            figures.routes.push(RouteFigures {
                folded_routes: Some(folded),
                ..other.figures(OTHER_ROUTES.to_owned())
            });
        }
        figures.timeline.add_route_timeouts(timeouts());
        figures.notable = self.notable;
        figures
    }
}

impl GatewayFigures {
    /// Puts a server's figures in place of those of the records read, and says so in
    /// `approximate`. `timeout_times` are the times of the timed-out requests read, which
    /// the time bins count.
    fn take_server_counts(&mut self, counts: Aggregates, timeout_times: impl Iterator<Item = i64>) {
        let source = counts.source.clone();
        self.requests = counts.status.values().sum::<u64>() + counts.requests_without_status;
        self.bad_gateway = counts.status.get(&502).copied().unwrap_or(0);
        self.requests_without_status = counts.requests_without_status;
        self.overall = counts.overall.clone();
        for aggregate in &counts.routes {
            match self.routes.iter_mut().find(|r| r.route == aggregate.route) {
                Some(route) => {
                    route.requests = aggregate.requests.max(route.requests);
                    route.latency = aggregate.latency.clone();
                    // the records read are the notable ones only: not the distribution
                    route.latency_bins = Default::default();
                }
                None => self.routes.push(RouteFigures {
                    route: aggregate.route.clone(),
                    requests: aggregate.requests,
                    latency: aggregate.latency.clone(),
                    ..Default::default()
                }),
            }
        }
        self.status = counts.status;
        if counts.bin_ms > 0 && !counts.bins.is_empty() {
            let mut timeouts: BTreeMap<i64, u64> = BTreeMap::new();
            for time in timeout_times {
                *timeouts
                    .entry(time.div_euclid(counts.bin_ms).saturating_mul(counts.bin_ms))
                    .or_insert(0) += 1;
            }
            self.timeline.bucket_ms = counts.bin_ms;
            self.timeline.buckets = counts
                .bins
                .iter()
                .map(|bin| BucketFigures {
                    start_ms: bin.start_ms,
                    requests: bin.requests,
                    timeouts: timeouts.get(&bin.start_ms).copied().unwrap_or(0),
                    p50_ms: bin.p50_ms,
                    p99_ms: bin.p99_ms,
                    max_ms: bin.max_ms,
                })
                .collect();
            let first = counts.bins.first().map(|b| b.start_ms);
            let last = counts
                .bins
                .last()
                .map(|b| b.start_ms.saturating_add(counts.bin_ms - 1));
            if let (Some(start_ms), Some(end_ms)) = (first, last) {
                self.window = Some(Window { start_ms, end_ms });
            }
        }
        self.approximate = vec![
            format!(
                "Requests, statuses and the time bins were counted by {source} over the whole \
                 window; the timeouts, 502s and near misses were read in full."
            ),
            format!(
                "Percentiles (overall, per route, per bin) are {source}'s pct(), an \
                 approximation, not the exact nearest rank Ceiling computes from records."
            ),
        ];
    }
}

/// Whether the gateway answered this request with an integration timeout.
///
/// REST and WebSocket APIs answer 504 (gateway response INTEGRATION_TIMEOUT); a 504 that the
/// backend itself returned through a proxy integration carries its own integration status and
/// a latency well below the ceiling, and is no gateway timeout. HTTP APIs answer 503 Service
/// Unavailable with no integration status.
fn is_gateway_timeout(
    record: &AccessRecord<'_>,
    status: Option<u16>,
    api: ApiKind,
    notable_ms: u32,
) -> bool {
    let said_timeout = record.bytes(Field::ErrorResponseType) == Some(b"INTEGRATION_TIMEOUT")
        || record
            .error_message()
            .is_some_and(|m| memchr::memmem::find(m, b"Endpoint request timed out").is_some());
    match status {
        Some(504) => {
            let backend_504 = record.integration_status() == Some(504)
                && matches!(record.integration_latency(), Latency::Ms(ms) if ms < notable_ms);
            said_timeout || !backend_504
        }
        Some(503) => {
            api == ApiKind::Http
                && record.integration_status().is_none()
                && record
                    .error_message()
                    .is_none_or(|m| m == b"Service Unavailable")
        }
        _ => said_timeout,
    }
}
