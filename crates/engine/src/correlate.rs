//! Pairing the requests the gateway timed out with the Lambda invocations behind them.
//!
//! A completed request names its invocation (`integration.requestId`); a timed-out one
//! usually does not (`-`). Then the X-Ray trace id links them where both logs carry it, and
//! otherwise time does: the invocation that started within the request's window, was still
//! running when the gateway answered, and that no other request claims.

use std::collections::{HashMap, HashSet};

use crate::accumulate::{NotableInvocation, NotableRequest};
use crate::model::Correlation;

/// How a timed-out request was paired with its invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    RequestId,
    TraceId,
    Time,
}

impl Method {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Method::RequestId => "integration request id",
            Method::TraceId => "X-Ray trace id",
            Method::Time => "function and time",
        }
    }
}

/// A timed-out request and the invocation that kept running behind it (indices into the
/// notable requests and invocations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pair {
    pub(crate) request: usize,
    pub(crate) invocation: usize,
    pub(crate) method: Method,
}

/// How long after a request arrives its invocation may be triggered: the gateway's own
/// work before it calls the integration.
const TRIGGER_DELAY_MS: i64 = 100;

/// Slack for clocks: request times in CLF have whole seconds only.
const CLOCK_SLACK_MS: i64 = 1_000;

pub(crate) fn pair(
    requests: &[NotableRequest],
    invocations: &[NotableInvocation],
    ceiling_ms: u64,
) -> (Correlation, Vec<Pair>) {
    let mut correlation = Correlation::default();
    let mut pairs = Vec::new();
    if invocations.is_empty() {
        return (correlation, pairs);
    }
    let by_id: HashMap<&str, usize> = invocations
        .iter()
        .enumerate()
        .map(|(i, inv)| (inv.request_id.as_str(), i))
        .collect();
    let by_trace: HashMap<&str, usize> = invocations
        .iter()
        .enumerate()
        .filter_map(|(i, inv)| Some((inv.trace_id.as_deref()?, i)))
        .collect();
    // Invocations that completed requests name are theirs; so are the routes' functions.
    let mut claimed: HashSet<usize> = HashSet::new();
    let mut route_inputs: HashMap<&str, HashSet<u32>> = HashMap::new();
    for request in requests.iter().filter(|r| !r.timed_out) {
        if let Some(&i) = request
            .integration_request_id
            .as_deref()
            .and_then(|id| by_id.get(id))
        {
            claimed.insert(i);
            route_inputs
                .entry(&request.route)
                .or_default()
                .insert(invocations[i].input);
        }
    }
    let mut timed_out: Vec<(usize, &NotableRequest)> = requests
        .iter()
        .enumerate()
        .filter(|(_, r)| r.timed_out)
        .collect();
    timed_out.sort_by_key(|(_, r)| r.time_ms);
    let mut by_time = Vec::new();
    for (r, request) in timed_out {
        let direct = request
            .integration_request_id
            .as_deref()
            .and_then(|id| by_id.get(id))
            .map(|&i| (i, Method::RequestId, &mut correlation.by_request_id))
            .or_else(|| {
                request
                    .trace_id
                    .as_deref()
                    .and_then(|id| by_trace.get(id))
                    .map(|&i| (i, Method::TraceId, &mut correlation.by_trace_id))
            });
        match direct {
            Some((i, method, counter))
                if outlived(request, &invocations[i]) && claimed.insert(i) =>
            {
                *counter += 1;
                pairs.push(Pair {
                    request: r,
                    invocation: i,
                    method,
                });
                route_inputs
                    .entry(&request.route)
                    .or_default()
                    .insert(invocations[i].input);
                correlation.matched_cold += u64::from(invocations[i].init_ms.is_some());
            }
            _ => by_time.push((r, request)),
        }
    }
    pair_by_time(
        &by_time,
        invocations,
        ceiling_ms,
        &mut claimed,
        &route_inputs,
        &mut correlation,
        &mut pairs,
    );
    (correlation, pairs)
}

/// Whether the invocation was still running when the gateway answered the request; true
/// when the logs lack the times to tell.
fn outlived(request: &NotableRequest, invocation: &NotableInvocation) -> bool {
    let (Some(arrived), Some(start)) = (request.time_ms, invocation.start_ms) else {
        return true;
    };
    let answered = arrived + i64::from(request.response_latency_ms.unwrap_or(0));
    let end = start + invocation.duration_ms.round() as i64;
    end >= answered - CLOCK_SLACK_MS
}

/// Pairs the remaining timed-out requests with invocations by time, closest pairs first: an
/// invocation triggered by a request was triggered when the request arrived, so its START
/// less its init phase falls right after the arrival. It must have been still running when
/// the gateway answered, come from one of the route's functions where those are known, and
/// be claimed by no other request. Between equally close invocations, the one whose own
/// time (init and duration) came nearest to the ceiling wins: a request times out when its
/// invocation alone would take about as long as the gateway waits.
fn pair_by_time(
    requests: &[(usize, &NotableRequest)],
    invocations: &[NotableInvocation],
    ceiling_ms: u64,
    claimed: &mut HashSet<usize>,
    route_inputs: &HashMap<&str, HashSet<u32>>,
    correlation: &mut Correlation,
    pairs: &mut Vec<Pair>,
) {
    // invocations by when their request must have arrived
    let mut by_trigger: Vec<(i64, usize)> = invocations
        .iter()
        .enumerate()
        .filter(|(i, _)| !claimed.contains(i))
        .filter_map(|(i, inv)| Some((inv.start_ms? - inv.init_ms.unwrap_or(0.0).round() as i64, i)))
        .collect();
    by_trigger.sort_unstable();
    let mut candidates: Vec<(i64, i64, usize, usize)> = Vec::new();
    for (r, (_, request)) in requests.iter().enumerate() {
        let Some(arrived) = request.time_ms else {
            continue;
        };
        let answered = arrived + i64::from(request.response_latency_ms.unwrap_or(0)).max(1);
        let inputs = route_inputs.get(request.route.as_str());
        let first = by_trigger.partition_point(|(trigger, _)| *trigger < arrived - CLOCK_SLACK_MS);
        for &(trigger, i) in by_trigger[first..]
            .iter()
            .take_while(|(t, _)| *t <= answered + CLOCK_SLACK_MS)
        {
            let inv = &invocations[i];
            let right_function = inputs.is_none_or(|inputs| inputs.contains(&inv.input));
            if outlived(request, inv) && right_function {
                let latest = arrived + i64::from(request.time_precision_ms) - 1 + TRIGGER_DELAY_MS;
                let distance = (arrived - trigger).max(trigger - latest).max(0);
                let total = inv.duration_ms + inv.init_ms.unwrap_or(0.0);
                let shortfall = (ceiling_ms as f64 - total).max(0.0) as i64;
                candidates.push((distance, shortfall, r, i));
            }
        }
    }
    candidates.sort_unstable();
    let mut paired = vec![false; requests.len()];
    for (_, _, r, i) in candidates {
        if paired[r] || claimed.contains(&i) {
            continue;
        }
        paired[r] = true;
        claimed.insert(i);
        correlation.by_time += 1;
        pairs.push(Pair {
            request: requests[r].0,
            invocation: i,
            method: Method::Time,
        });
        correlation.matched_cold += u64::from(invocations[i].init_ms.is_some());
    }
    correlation.unmatched_timeouts += paired.iter().filter(|p| !**p).count() as u64;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        route: &str,
        time_ms: i64,
        timed_out: bool,
        integration: Option<&str>,
        trace: Option<&str>,
    ) -> NotableRequest {
        NotableRequest {
            input: 0,
            line: 1,
            route: route.to_owned(),
            time_ms: Some(time_ms),
            time_precision_ms: 1,
            status: Some(if timed_out { 504 } else { 200 }),
            response_latency_ms: Some(if timed_out { 29_010 } else { 25_000 }),
            integration_latency_ms: (!timed_out).then_some(24_990),
            timed_out,
            error: None,
            request_id: None,
            integration_request_id: integration.map(str::to_owned),
            trace_id: trace.map(str::to_owned),
        }
    }

    fn invocation(
        input: u32,
        id: &str,
        start_ms: i64,
        duration_ms: f64,
        cold: bool,
        trace: Option<&str>,
    ) -> NotableInvocation {
        NotableInvocation {
            input,
            line: 1,
            request_id: id.to_owned(),
            start_ms: Some(start_ms),
            duration_ms,
            init_ms: cold.then_some(5_000.0),
            timed_out: false,
            trace_id: trace.map(str::to_owned),
        }
    }

    #[test]
    fn trace_ids_then_time_with_claimed_invocations_skipped() {
        let invocations = [
            invocation(1, "a", 10_020, 24_970.0, false, None), // completed request's
            invocation(1, "b", 100_015, 30_000.0, true, Some("t-1")),
            invocation(1, "c", 200_020, 29_500.0, false, None),
            invocation(2, "d", 200_010, 40_000.0, false, None), // another function
        ];
        let requests = [
            request("POST /r", 10_000, false, Some("a"), None),
            request("POST /r", 100_000, true, None, Some("t-1")),
            request("POST /r", 200_000, true, None, None),
            request("POST /r", 300_000, true, None, None),
        ];
        let (correlation, pairs) = pair(&requests, &invocations, 29_000);
        assert_eq!(
            pairs,
            [
                Pair {
                    request: 1,
                    invocation: 1,
                    method: Method::TraceId
                },
                Pair {
                    request: 2,
                    invocation: 2,
                    method: Method::Time
                },
            ]
        );
        assert_eq!(correlation.by_trace_id, 1);
        assert_eq!(
            correlation.by_time, 1,
            "c, not d: the route's function is input 1"
        );
        assert_eq!(correlation.unmatched_timeouts, 1);
        assert_eq!(correlation.matched_cold, 1);
        assert_eq!(correlation.matched(), 2);
    }

    #[test]
    fn an_invocation_that_ended_before_the_gateway_answered_did_not_outlive_it() {
        let invocations = [invocation(1, "a", 1_000, 2_000.0, false, None)];
        let requests = [request("GET /x", 0, true, None, None)];
        assert_eq!(
            pair(&requests, &invocations, 29_000).0.unmatched_timeouts,
            1
        );
    }
}
