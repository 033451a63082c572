//! What every rule works from: the figures, the notes, and lookups of routes and functions,
//! with the helpers that turn notable records into evidence.

use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};

use super::scan::{find_bursts, Burst, Notes};
use super::text::duration;
use crate::accumulate::{NotableInvocation, NotableRequest};
use crate::model::{
    Analysis, ApiKind, FunctionFigures, InvocationSample, RequestSample, RouteFigures, RouteShare,
    Source,
};
use crate::settings::Thresholds;

/// Samples of requests or invocations a finding shows, at most.
pub(super) const SAMPLES: usize = 10;
/// Routes or functions a finding lists, at most.
pub(super) const LISTED: usize = 10;
/// The share of the timeouts that the routes of a concentrated pattern hold.
pub(super) const CONCENTRATED_TIMEOUT_SHARE: f64 = 0.8;

/// What everything in a finding refers to: figures, samples and who ran what.
pub(super) struct Context<'a> {
    pub(super) analysis: &'a Analysis,
    pub(super) notes: &'a Notes<'a>,
    pub(super) thresholds: &'a Thresholds,
    pub(super) routes: HashMap<&'a str, &'a RouteFigures>,
    /// The functions each route was seen to invoke.
    pub(super) route_functions: HashMap<&'a str, BTreeSet<String>>,
    pub(super) functions: HashMap<String, &'a FunctionFigures>,
    /// Found when a rule first asks: the scan's test costs more than the other lookups.
    bursts: OnceCell<Vec<Burst<'a>>>,
}

impl<'a> Context<'a> {
    pub(super) fn new(analysis: &'a Analysis, notes: &'a Notes<'a>) -> Self {
        let mut route_functions: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for pair in notes.pairs {
            let route = notes.requests[pair.request].route.as_str();
            let function = function_of_input(analysis, notes.invocations[pair.invocation].input);
            route_functions.entry(route).or_default().insert(function);
        }
        let by_id: HashMap<&str, &NotableInvocation> = notes
            .invocations
            .iter()
            .map(|i| (i.request_id.as_str(), i))
            .collect();
        for request in notes.requests {
            if let Some(invocation) = request
                .integration_request_id
                .as_deref()
                .and_then(|id| by_id.get(id))
            {
                route_functions
                    .entry(request.route.as_str())
                    .or_default()
                    .insert(function_of_input(analysis, invocation.input));
            }
        }
        Context {
            bursts: OnceCell::new(),
            analysis,
            notes,
            thresholds: notes.thresholds,
            routes: analysis
                .routes
                .iter()
                .map(|r| (r.route.as_str(), r))
                .collect(),
            route_functions,
            functions: analysis
                .lambda
                .iter()
                .flat_map(|l| &l.functions)
                .map(|f| (f.function.clone(), f))
                .collect(),
        }
    }

    /// The bursts of timeouts, strongest first.
    pub(super) fn bursts(&self) -> &[Burst<'a>] {
        self.bursts
            .get_or_init(|| find_bursts(self.analysis, self.notes))
    }

    pub(super) fn ceiling(&self) -> String {
        duration(self.analysis.ceiling_ms as f64)
    }

    pub(super) fn source(&self, input: u32, line: u64) -> Source {
        Source {
            input: self
                .analysis
                .inputs
                .get(input as usize)
                .map_or_else(String::new, |i| i.name.clone()),
            line,
        }
    }

    pub(super) fn request_sample(&self, request: &NotableRequest) -> RequestSample {
        RequestSample {
            request_id: request.request_id.clone(),
            route: request.route.clone(),
            time_ms: request.time_ms,
            status: request.status,
            response_latency_ms: request.response_latency_ms,
            integration_latency_ms: request.integration_latency_ms,
            error: request.error.clone(),
            source: self.source(request.input, request.line),
        }
    }

    pub(super) fn invocation_sample(&self, index: usize) -> InvocationSample {
        let invocation = &self.notes.invocations[index];
        let pair = self.notes.pairs.iter().find(|p| p.invocation == index);
        InvocationSample {
            request_id: invocation.request_id.clone(),
            function: function_of_input(self.analysis, invocation.input),
            start_ms: invocation.start_ms,
            duration_ms: invocation.duration_ms,
            init_ms: invocation.init_ms,
            timed_out: invocation.timed_out,
            gateway_request_id: pair
                .and_then(|p| self.notes.requests[p.request].request_id.clone()),
            paired_by: pair.map(|p| p.method.describe().to_owned()),
            source: self.source(invocation.input, invocation.line),
        }
    }

    /// Route shares of `counts` (route, count), largest first.
    pub(super) fn route_shares(
        &self,
        counts: impl IntoIterator<Item = (String, u64)>,
    ) -> Vec<RouteShare> {
        let mut counts: Vec<(String, u64)> = counts.into_iter().filter(|(_, n)| *n > 0).collect();
        let total: u64 = counts.iter().map(|(_, n)| n).sum();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
            .into_iter()
            .take(LISTED)
            .map(|(route, count)| {
                let figures = self.routes.get(route.as_str());
                RouteShare {
                    share: count as f64 / total.max(1) as f64,
                    requests: figures.map_or(0, |r| r.requests),
                    p50_ms: figures.and_then(|r| r.latency.p50_ms),
                    p99_ms: figures.and_then(|r| r.latency.p99_ms),
                    route,
                    count,
                }
            })
            .collect()
    }

    /// Requests matching `keep`, a few per route in the order of `routes`, then by `order`.
    pub(super) fn request_samples(
        &self,
        keep: impl Fn(&NotableRequest) -> bool,
        routes: &[RouteShare],
        order: impl Fn(&NotableRequest) -> i64,
    ) -> Vec<RequestSample> {
        let rank: HashMap<&str, usize> = routes
            .iter()
            .enumerate()
            .map(|(i, r)| (r.route.as_str(), i))
            .collect();
        let mut chosen: Vec<&NotableRequest> =
            self.notes.requests.iter().filter(|r| keep(r)).collect();
        // a key each, looked up once (the keys hash the route names): stable, like sort_by_key
        chosen.sort_by_cached_key(|r| {
            (
                rank.get(r.route.as_str()).copied().unwrap_or(usize::MAX),
                order(r),
            )
        });
        // Round-robin over the routes so that each listed route has a sample.
        let mut by_route: Vec<Vec<&NotableRequest>> = Vec::new();
        for request in chosen {
            match by_route.last_mut() {
                Some(group) if group[0].route == request.route => group.push(request),
                _ => by_route.push(vec![request]),
            }
        }
        let mut samples = Vec::new();
        let mut depth = 0;
        while samples.len() < SAMPLES && by_route.iter().any(|g| g.len() > depth) {
            for group in &by_route {
                if let Some(request) = group.get(depth) {
                    if samples.len() < SAMPLES {
                        samples.push(self.request_sample(request));
                    }
                }
            }
            depth += 1;
        }
        samples
    }

    pub(super) fn functions_of(&self, route: &str) -> Vec<String> {
        self.route_functions
            .get(route)
            .map(|f| f.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The timeout a function should have: a few seconds under the ceiling, so that its
    /// own failure reaches the client as a clean error before the gateway gives up.
    pub(super) fn suggested_function_timeout_s(&self) -> u64 {
        timeout_under_s(self.analysis.ceiling_ms)
    }

    /// The ceiling `route` is judged against: its own integration's timeout where the
    /// stage's configuration gives one, else the analysis's.
    pub(super) fn route_ceiling_ms(&self, route: &str) -> u64 {
        self.analysis
            .config
            .as_ref()
            .and_then(|config| config.ceiling_of(route))
            .unwrap_or(self.analysis.ceiling_ms)
    }

    /// `route`'s own ceiling, when the configuration gives it one other than the
    /// analysis's: what a finding says of it.
    pub(super) fn own_ceiling_ms(&self, route: &str) -> Option<u64> {
        Some(self.route_ceiling_ms(route)).filter(|&ms| ms != self.analysis.ceiling_ms)
    }

    pub(super) fn api(&self) -> Option<ApiKind> {
        self.analysis.api
    }
}

/// A function timeout a little under `ceiling_ms`, in whole seconds: 2 s under it (an
/// integration of 29 s, a function of 27 s; issue 16's example), which leaves the function's
/// own error the time to reach the gateway; 1 s under a ceiling of a few seconds.
pub(super) fn timeout_under_s(ceiling_ms: u64) -> u64 {
    let ceiling_s = ceiling_ms / 1000;
    if ceiling_s > 4 {
        ceiling_s - 2
    } else {
        ceiling_s.saturating_sub(1).max(1)
    }
}

/// A route as a whole in a finding: all its requests, as a share of all requests.
pub(super) fn whole_route(route: &RouteFigures, all_requests: u64) -> RouteShare {
    RouteShare {
        route: route.route.clone(),
        count: route.requests,
        share: route.requests as f64 / all_requests.max(1) as f64,
        requests: route.requests,
        p50_ms: route.latency.p50_ms,
        p99_ms: route.latency.p99_ms,
    }
}

pub(super) fn function_of_input(analysis: &Analysis, input: u32) -> String {
    let name = analysis
        .inputs
        .get(input as usize)
        .map_or("", |i| i.name.as_str());
    analysis
        .lambda
        .iter()
        .flat_map(|l| &l.functions)
        .find(|f| f.source == name)
        .map_or_else(|| name.to_owned(), |f| f.function.clone())
}
