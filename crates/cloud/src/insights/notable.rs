//! From which latency an access log's requests are notable, to be read raw where Logs
//! Insights counts the rest: one threshold for the stage, and where the stage's
//! configuration gives a route a ceiling of its own, that route's threshold, as the engine
//! keeps evidence and counts near misses against it ([`ceiling_engine::Analyzer::notable_routes`]).
//! Pure: the filter's text.

use std::collections::BTreeMap;

use ceiling_engine::{insights_field as field, AccessKeys};

/// Past this many characters of per-route conditions the filter falls back on the lowest
/// threshold, all routes alike (more rows, none missed): a query is at most 10,000
/// characters.
const MOST_CHARS: usize = 6_000;

/// The thresholds of notable requests, in ms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notable {
    /// Of the routes without a ceiling of their own.
    pub ms: u64,
    /// Of the routes with one (`METHOD /resource`, an `ANY` method, or a route key).
    pub routes: Vec<(String, u64)>,
}

impl From<u64> for Notable {
    fn from(ms: u64) -> Notable {
        Notable {
            ms,
            routes: Vec::new(),
        }
    }
}

impl Notable {
    /// The latency threshold of every route alike, the lowest.
    pub fn lowest_ms(&self) -> u64 {
        self.routes
            .iter()
            .map(|(_, ms)| *ms)
            .fold(self.ms, u64::min)
    }

    /// The filter condition on latency for a log with `keys`: a latency (integration or
    /// response) from the route's threshold. Routes with the same threshold share a case.
    /// `None` for a log without latencies.
    pub(super) fn condition(&self, keys: &AccessKeys) -> Option<String> {
        keys.integration_latency
            .as_ref()
            .or(keys.response_latency.as_ref())?;
        let latency = |ms: u64| {
            let fields: Vec<String> = [&keys.integration_latency, &keys.response_latency]
                .into_iter()
                .flatten()
                .map(|latency| format!("{} >= {ms}", field(latency)))
                .collect();
            fields.join(" or ")
        };
        let mut by_ms: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for (route, ms) in &self.routes {
            if let Some(condition) = route_is(keys, route).filter(|_| *ms != self.ms) {
                by_ms.entry(*ms).or_default().push(condition);
            }
        }
        if by_ms.is_empty() {
            return Some(latency(self.ms));
        }
        let mut cases: Vec<String> = by_ms
            .iter()
            .map(|(ms, routes)| format!("(({}) and ({}))", routes.join(" or "), latency(*ms)))
            .collect();
        let own: Vec<&String> = by_ms.values().flatten().collect();
        cases.push(format!(
            "(not ({}) and ({}))",
            own.iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(" or "),
            latency(self.ms)
        ));
        let condition = cases.join(" or ");
        if condition.len() > MOST_CHARS {
            return Some(latency(self.lowest_ms()));
        }
        Some(condition)
    }
}

/// The condition that a record of a log with `keys` is of `route`, where its keys can say:
/// by its route key, or by its method and resource (any method for an `ANY` route).
fn route_is(keys: &AccessKeys, route: &str) -> Option<String> {
    match (&keys.route_key, &keys.http_method, &keys.resource_path) {
        (Some(key), _, None) => Some(format!("({} = {})", field(key), literal(route))),
        (_, method, Some(resource)) => {
            let (verb, path) = route.split_once(' ')?;
            let path = format!("{} = {}", field(resource), literal(path));
            match (verb, method) {
                ("ANY", _) => Some(format!("({path})")),
                (verb, Some(method)) => Some(format!(
                    "({} = {} and {path})",
                    field(method),
                    literal(verb)
                )),
                (_, None) => None,
            }
        }
        _ => None,
    }
}

fn literal(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest() -> AccessKeys {
        AccessKeys {
            status: Some("status".to_owned()),
            integration_latency: Some("integrationLatency".to_owned()),
            response_latency: Some("responseLatency".to_owned()),
            http_method: Some("httpMethod".to_owned()),
            resource_path: Some("resourcePath".to_owned()),
            ..AccessKeys::default()
        }
    }

    #[test]
    fn one_threshold_without_routes_of_their_own() {
        assert_eq!(
            Notable::from(23_200).condition(&rest()).unwrap(),
            "integrationLatency >= 23200 or responseLatency >= 23200"
        );
        let no_latency = AccessKeys {
            integration_latency: None,
            response_latency: None,
            ..rest()
        };
        assert_eq!(Notable::from(23_200).condition(&no_latency), None);
    }

    #[test]
    fn a_route_with_its_own_ceiling_is_asked_for_from_its_own_threshold() {
        let notable = Notable {
            ms: 23_200,
            routes: vec![
                ("POST /reports".to_owned(), 8_000),
                ("ANY /export".to_owned(), 8_000),
                ("GET /orders".to_owned(), 23_200),
            ],
        };
        assert_eq!(
            notable.condition(&rest()).unwrap(),
            "(((httpMethod = \"POST\" and resourcePath = \"/reports\") or (resourcePath = \"/export\")) \
             and (integrationLatency >= 8000 or responseLatency >= 8000)) \
             or (not ((httpMethod = \"POST\" and resourcePath = \"/reports\") or (resourcePath = \"/export\")) \
             and (integrationLatency >= 23200 or responseLatency >= 23200))"
        );
        assert_eq!(notable.lowest_ms(), 8_000);
        // an HTTP API's route key
        let http = AccessKeys {
            route_key: Some("routeKey".to_owned()),
            http_method: None,
            resource_path: None,
            response_latency: None,
            ..rest()
        };
        let routes = Notable {
            ms: 24_000,
            routes: vec![("GET /items".to_owned(), 6_400)],
        };
        assert_eq!(
            routes.condition(&http).unwrap(),
            "(((routeKey = \"GET /items\")) and (integrationLatency >= 6400)) \
             or (not ((routeKey = \"GET /items\")) and (integrationLatency >= 24000))"
        );
    }

    #[test]
    fn too_many_routes_of_their_own_fall_back_on_the_lowest_threshold() {
        let notable = Notable {
            ms: 23_200,
            routes: (0..200)
                .map(|i| (format!("GET /route-{i}"), 8_000 + i))
                .collect(),
        };
        assert_eq!(
            notable.condition(&rest()).unwrap(),
            "integrationLatency >= 8000 or responseLatency >= 8000"
        );
    }
}
