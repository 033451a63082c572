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
    let answered = arrived.saturating_add(i64::from(request.response_latency_ms.unwrap_or(0)));
    let end = start.saturating_add(whole_ms(invocation.duration_ms));
    end >= answered.saturating_sub(CLOCK_SLACK_MS)
}

/// A duration read from a log in whole milliseconds, whatever it holds: saturating at the
/// ends of `i64`, 0 for NaN.
fn whole_ms(ms: f64) -> i64 {
    ms.round() as i64
}

/// Invocations a request looks at on each side of its window, past those claimed: enough
/// for any real pairing, and what keeps a burst of timeouts without ids linear.
const SCAN_LIMIT: usize = 256;

/// The positions of a sorted list not taken yet, found from any position in near-constant
/// time (union-find with path halving), on both sides.
struct Unclaimed {
    /// `right[p]`: toward the first free position at or after `p` (`len` when none).
    right: Vec<usize>,
    /// `left[p + 1]`: toward the first free position at or before `p`, plus one (0 when
    /// none).
    left: Vec<usize>,
}

impl Unclaimed {
    fn new(len: usize) -> Self {
        Unclaimed {
            right: (0..=len).collect(),
            left: (0..=len).collect(),
        }
    }

    /// The first free position at or after `p`.
    fn at_or_after(&mut self, mut p: usize) -> Option<usize> {
        while self.right[p] != p {
            self.right[p] = self.right[self.right[p]];
            p = self.right[p];
        }
        (p + 1 < self.right.len()).then_some(p)
    }

    /// The first free position at or before `p`.
    fn at_or_before(&mut self, p: usize) -> Option<usize> {
        let mut q = p + 1;
        while self.left[q] != q {
            self.left[q] = self.left[self.left[q]];
            q = self.left[q];
        }
        q.checked_sub(1)
    }

    fn take(&mut self, p: usize) {
        self.right[p] = p + 1;
        self.left[p + 1] = p;
    }
}

/// Pairs the remaining timed-out requests with invocations by time, in one sweep over
/// both sorted by time: an invocation triggered by a request was triggered when the request
/// arrived, so its START less its init phase falls right after the arrival. Each request,
/// earliest first, takes the closest invocation still free that was still running when the
/// gateway answered and comes from one of the route's functions where those are known.
/// Between equally close invocations, the one whose own time (init and duration) came
/// nearest to the ceiling wins: a request times out when its invocation alone would take
/// about as long as the gateway waits. Claimed invocations are skipped in near-constant time
/// and each request looks at most at [`SCAN_LIMIT`] invocations on each side, so the sweep
/// is linear after the sorts, however many timeouts share a second.
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
        .filter_map(|(i, inv)| {
            let trigger = inv
                .start_ms?
                .saturating_sub(whole_ms(inv.init_ms.unwrap_or(0.0)));
            Some((trigger, i))
        })
        .collect();
    by_trigger.sort_unstable();
    let mut free = Unclaimed::new(by_trigger.len());
    let mut unmatched = 0;
    // `requests` are sorted by arrival, those without a time first
    for &(r, request) in requests {
        let Some(arrived) = request.time_ms else {
            unmatched += 1;
            continue;
        };
        let answered =
            arrived.saturating_add(i64::from(request.response_latency_ms.unwrap_or(0)).max(1));
        let latest = arrived
            .saturating_add(i64::from(request.time_precision_ms))
            .saturating_sub(1)
            .saturating_add(TRIGGER_DELAY_MS);
        let (from, to) = (
            arrived.saturating_sub(CLOCK_SLACK_MS),
            answered.saturating_add(CLOCK_SLACK_MS),
        );
        let inputs = route_inputs.get(request.route.as_str());
        // (distance, shortfall, position)
        let mut best: Option<(i64, i64, usize)> = None;
        let consider = |position: usize, best: &mut Option<(i64, i64, usize)>| {
            let (trigger, i) = by_trigger[position];
            let inv = &invocations[i];
            let right_function = inputs.is_none_or(|inputs| inputs.contains(&inv.input));
            if outlived(request, inv) && right_function {
                let distance = arrived
                    .saturating_sub(trigger)
                    .max(trigger.saturating_sub(latest))
                    .max(0);
                let total = inv.duration_ms + inv.init_ms.unwrap_or(0.0);
                let shortfall = (ceiling_ms as f64 - total).max(0.0) as i64;
                let candidate = (distance, shortfall, position);
                let key = |c: &(i64, i64, usize)| (c.0, c.1, by_trigger[c.2].1);
                if best.is_none_or(|b| key(&candidate) < key(&b)) {
                    *best = Some(candidate);
                }
            }
        };
        // from the arrival on: the window's closest part, then later and later
        let middle = by_trigger.partition_point(|(trigger, _)| *trigger < arrived);
        let mut next = free.at_or_after(middle);
        for _ in 0..SCAN_LIMIT {
            let Some(position) = next else { break };
            let trigger = by_trigger[position].0;
            let too_far = best.is_some_and(|b| trigger.saturating_sub(latest) > b.0);
            if trigger > to || too_far {
                break;
            }
            consider(position, &mut best);
            next = free.at_or_after(position + 1);
        }
        // before the arrival, within the clocks' slack: closer the later
        let mut next = middle.checked_sub(1).and_then(|p| free.at_or_before(p));
        for _ in 0..SCAN_LIMIT {
            let Some(position) = next else { break };
            let trigger = by_trigger[position].0;
            let too_far = best.is_some_and(|b| arrived.saturating_sub(trigger) > b.0);
            if trigger < from || too_far {
                break;
            }
            consider(position, &mut best);
            next = position.checked_sub(1).and_then(|p| free.at_or_before(p));
        }
        match best {
            Some((_, _, position)) => {
                let i = by_trigger[position].1;
                free.take(position);
                claimed.insert(i);
                correlation.by_time += 1;
                pairs.push(Pair {
                    request: r,
                    invocation: i,
                    method: Method::Time,
                });
                correlation.matched_cold += u64::from(invocations[i].init_ms.is_some());
            }
            None => unmatched += 1,
        }
    }
    correlation.unmatched_timeouts += unmatched;
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
