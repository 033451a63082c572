//! The routes the gateway's figures are kept for, in memory bounded however many distinct
//! paths a log holds: concrete paths collapsed into templates (`/users/123` is
//! `/users/{id}`) when the log names no resource or route key, and at most [`ROUTES_CAP`]
//! routes kept apart, the rest counted exactly under one row
//! ([`crate::model::OTHER_ROUTES`]). Each record's route is found from the raw bytes that name
//! it ([`RouteNames`]); each GET route counts the distinct paths it was asked for.

use std::hash::{BuildHasher, Hash, Hasher};

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::model::{DISTINCT_PATHS_CAP, FOLDED_ROUTES_COUNTED, ROUTES_CAP};
use crate::parse::access::{AccessRecord, Field};

/// The kept routes with their figures, and the other routes' with how many they hold.
pub(crate) type Finished<S> = (Vec<(String, S)>, Option<(S, u64)>);

/// Where a route's figures are in [`Routes`]: a kept route's place, or the other routes'.
/// A route keeps its slot while its table grows (routes are only ever added).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Kept(usize),
    Other,
}

/// The routes' figures: those kept apart, and the rest folded into one.
#[derive(Debug, Clone)]
pub(crate) struct Routes<S> {
    /// Bounded: at most [`ROUTES_CAP`] entries, in the order they came.
    kept: Vec<(String, S)>,
    /// Where each kept route is in `kept`.
    places: FxHashMap<String, usize>,
    /// Every route that found no room among the kept ones.
    other: Option<S>,
    /// Hashes of the names folded into `other`, to count them; bounded: at most
    /// [`FOLDED_ROUTES_COUNTED`] (the count then reads "at least").
    folded: FxHashSet<u64>,
}

impl<S> Default for Routes<S> {
    fn default() -> Self {
        Routes {
            kept: Vec::new(),
            places: FxHashMap::default(),
            other: None,
            folded: FxHashSet::default(),
        }
    }
}

impl<S: Default> Routes<S> {
    /// Where the figures of `route` are: its own, or the other routes' when the table is
    /// full.
    pub(crate) fn slot(&mut self, route: &str) -> Slot {
        if let Some(place) = self.places.get(route) {
            return Slot::Kept(*place);
        }
        if self.kept.len() < ROUTES_CAP {
            self.places.insert(route.to_owned(), self.kept.len());
            self.kept.push((route.to_owned(), S::default()));
            return Slot::Kept(self.kept.len() - 1);
        }
        if self.folded.len() < FOLDED_ROUTES_COUNTED {
            self.folded.insert(hash(route));
        }
        Slot::Other
    }

    /// The figures at `slot`, which [`Routes::slot`] gave.
    pub(crate) fn at(&mut self, slot: Slot) -> &mut S {
        match slot {
            Slot::Kept(place) => &mut self.kept[place].1,
            Slot::Other => self.other.get_or_insert_with(S::default),
        }
    }

    /// The figures of `route`, or those of the other routes when the table is full.
    pub(crate) fn get_or_fold(&mut self, route: &str) -> &mut S {
        let slot = self.slot(route);
        self.at(slot)
    }

    /// Adds the routes of a later part; `merge` adds one route's figures to another's.
    /// Its routes new to this part take the room left in the order of their names, so that
    /// which routes are kept does not depend on the order they came in.
    pub(crate) fn merge(&mut self, later: Routes<S>, mut merge: impl FnMut(&mut S, S)) {
        let Routes {
            mut kept,
            places: _,
            other,
            folded,
        } = later;
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        for (route, stats) in kept {
            let mine = self.get_or_fold(&route);
            merge(mine, stats);
        }
        if let Some(theirs) = other {
            match self.other.as_mut() {
                Some(mine) => merge(mine, theirs),
                None => self.other = Some(theirs),
            }
        }
        for name in folded {
            if self.folded.len() < FOLDED_ROUTES_COUNTED {
                self.folded.insert(name);
            }
        }
    }

    /// Each kept route with its figures, then the other routes (with how many routes they
    /// hold), if any route was folded.
    pub(crate) fn finish(self) -> Finished<S> {
        let folded = self.folded.len() as u64;
        (self.kept, self.other.map(|other| (other, folded)))
    }
}

/// Raw keys remembered at most, past which routes are named afresh on every record: the
/// concrete paths of a log without resource paths or route keys may be countless.
const ROUTE_KEYS_CAP: usize = 4 * ROUTES_CAP;

/// The route of each record, found from the raw bytes of the fields that name it, so that a
/// known route costs neither a copy nor a UTF-8 check: one hash of those bytes finds it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteNames {
    /// Each raw key ([`route_key`]) met, with its place in `known`; bounded: at most
    /// [`ROUTE_KEYS_CAP`].
    places: FxHashMap<Box<[u8]>, usize>,
    known: Vec<KnownRoute>,
    /// The route of the record at hand when `places` is full.
    unkept: KnownRoute,
    /// Reused for the raw key of each record.
    key: Vec<u8>,
}

/// A route as [`RouteNames`] found it, with what the gateway looked up for it.
#[derive(Debug, Clone, Default)]
pub(crate) struct KnownRoute {
    /// `METHOD /resource/path`, the route key, or the template of a concrete path.
    pub(crate) name: String,
    /// Where its figures are, once looked up.
    pub(crate) slot: Option<Slot>,
    /// Its own ceiling (the stage's configuration may give it one), once looked up.
    pub(crate) own_ceiling: Option<Option<u64>>,
}

impl RouteNames {
    /// The route of `record`.
    pub(crate) fn of(&mut self, record: &AccessRecord<'_>) -> &mut KnownRoute {
        route_key(record, &mut self.key);
        if let Some(place) = self.places.get(self.key.as_slice()) {
            return &mut self.known[*place];
        }
        let route = if self.places.len() < ROUTE_KEYS_CAP {
            self.places
                .insert(self.key.as_slice().into(), self.known.len());
            self.known.push(KnownRoute::default());
            self.known.last_mut().expect("just pushed")
        } else {
            &mut self.unkept
        };
        route.slot = None;
        route.own_ceiling = None;
        route_name(record, &mut route.name);
        route
    }

    /// Forgets the ceilings looked up (the configuration changed).
    pub(crate) fn forget_ceilings(&mut self) {
        for route in &mut self.known {
            route.own_ceiling = None;
        }
    }
}

/// The raw bytes [`route_name`] names a route from, each value with its length and whether
/// it holds escapes, so that two records have the same key only if they have the same
/// route.
fn route_key(record: &AccessRecord<'_>, key: &mut Vec<u8>) {
    key.clear();
    let put = |key: &mut Vec<u8>, field| match record.text(field) {
        Some(value) => {
            key.push(1 + u8::from(value.escaped));
            key.extend_from_slice(&value.raw.len().to_le_bytes());
            key.extend_from_slice(value.raw);
            true
        }
        None => {
            key.push(0);
            false
        }
    };
    if record.has(Field::ResourcePath) || !record.has(Field::RouteKey) {
        key.push(b'r');
        put(key, Field::HttpMethod);
        // the concrete path only where it names the route: where there is no resource path
        if !put(key, Field::ResourcePath) {
            put(key, Field::Path);
        }
    } else {
        key.push(b'k');
        put(key, Field::RouteKey);
    }
}

fn hash(route: &str) -> u64 {
    let mut hasher = FxHasher::default();
    route.hash(&mut hasher);
    hasher.finish()
}

/// The concrete paths a GET route was asked for, to tell repeated identical requests: their
/// hashes, at most [`DISTINCT_PATHS_CAP`] of them.
#[derive(Debug, Clone, Default)]
pub(crate) enum DistinctPaths {
    /// No path seen (not a GET, or `$context.path` not logged).
    #[default]
    Unknown,
    Counting(FxHashSet<u64>),
    TooMany,
}

impl DistinctPaths {
    pub(crate) fn add(&mut self, path: &[u8]) {
        self.add_hash(rustc_hash::FxBuildHasher.hash_one(path));
    }

    fn add_hash(&mut self, path: u64) {
        match self {
            DistinctPaths::Unknown => {
                *self = DistinctPaths::Counting(FxHashSet::from_iter([path]));
            }
            // one lookup while there is room; at the cap, a path not among those counted
            // makes too many
            DistinctPaths::Counting(paths) if paths.len() < DISTINCT_PATHS_CAP => {
                paths.insert(path);
            }
            DistinctPaths::Counting(paths) if !paths.contains(&path) => {
                *self = DistinctPaths::TooMany;
            }
            _ => {}
        }
    }

    pub(crate) fn merge(&mut self, other: DistinctPaths) {
        match other {
            DistinctPaths::Unknown => {}
            DistinctPaths::TooMany => *self = DistinctPaths::TooMany,
            DistinctPaths::Counting(paths) => {
                for path in paths {
                    self.add_hash(path);
                }
            }
        }
    }

    pub(crate) fn count(&self) -> Option<u64> {
        match self {
            DistinctPaths::Counting(paths) => Some(paths.len() as u64),
            _ => None,
        }
    }
}

/// `METHOD /resource/path` for REST, the route key for HTTP and WebSocket APIs, the template
/// of the concrete path when the log has neither.
fn route_name(record: &AccessRecord<'_>, out: &mut String) {
    out.clear();
    let push = |out: &mut String, field| {
        if let Some(value) = record.text(field) {
            if value.escaped {
                crate::parse::access::json::unescape(value.raw, out);
            } else {
                match std::str::from_utf8(value.raw) {
                    Ok(text) => out.push_str(text),
                    Err(_) => out.push_str(&String::from_utf8_lossy(value.raw)),
                }
            }
            true
        } else {
            false
        }
    };
    // A concrete path names one thing of many: its template is the route.
    let push_template = |out: &mut String| {
        let start = out.len();
        if !push(out, Field::Path) {
            return false;
        }
        let path = out.split_off(start);
        push_path_template(&path, out);
        true
    };
    if record.has(Field::ResourcePath) || !record.has(Field::RouteKey) {
        if push(out, Field::HttpMethod) {
            out.push(' ');
        }
        if !push(out, Field::ResourcePath) && !push_template(out) {
            out.push_str("(no route in the log)");
        }
    } else if !push(out, Field::RouteKey) {
        out.push_str("(no route in the log)");
    }
}

/// Appends a concrete path with the segments that name one thing of many (numbers, UUIDs,
/// hex and long random tokens) written `{id}`: `/users/123/orders/9f86d081884c7d65` is
/// `/users/{id}/orders/{id}`.
pub(crate) fn push_path_template(path: &str, out: &mut String) {
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if is_identifier(segment) {
            out.push_str("{id}");
        } else {
            out.push_str(segment);
        }
    }
}

/// Whether a path segment is an identifier rather than a word of the API.
fn is_identifier(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    // 123, 2024-05-20, 1.5e3 aside: digits with separators only
    if digits > 0
        && bytes
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b':' | b','))
    {
        return true;
    }
    let hex = bytes.iter().all(u8::is_ascii_hexdigit);
    if hex && bytes.len() >= 8 && digits > 0 {
        return true;
    }
    // UUIDs: 8-4-4-4-12 hex digits
    let uuid = bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        });
    if uuid {
        return true;
    }
    // Long random tokens: base64url, ULIDs, session ids, with both digits and letters
    let token = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'.' | b'~'));
    token && bytes.len() >= 16 && digits >= 2 && letters > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(path: &str) -> String {
        let mut out = String::new();
        push_path_template(path, &mut out);
        out
    }

    #[test]
    fn identifiers_become_id_and_words_stay() {
        assert_eq!(template("/users/123"), "/users/{id}");
        assert_eq!(
            template("/orders/0f8fad5b-d9cb-469f-a165-70867728950e/items/7"),
            "/orders/{id}/items/{id}"
        );
        assert_eq!(template("/blobs/9f86d081884c7d65"), "/blobs/{id}");
        assert_eq!(template("/s/Ab3dE9xQz7LmN0pR2sTu"), "/s/{id}");
        assert_eq!(template("/days/2024-05-20"), "/days/{id}");
        assert_eq!(
            template("/api/v1/reports/generate-monthly-summary"),
            "/api/v1/reports/generate-monthly-summary"
        );
        assert_eq!(template("/"), "/");
        assert_eq!(template("/cafe/deadbeef"), "/cafe/deadbeef");
    }

    #[test]
    fn past_the_cap_routes_are_folded_and_counted() {
        let mut routes: Routes<u64> = Routes::default();
        for i in 0..ROUTES_CAP + 10 {
            *routes.get_or_fold(&format!("GET /r{i}")) += 1;
        }
        *routes.get_or_fold("GET /r0") += 1;
        *routes.get_or_fold(&format!("GET /r{}", ROUTES_CAP + 3)) += 1;
        let (kept, other) = routes.finish();
        assert_eq!(kept.len(), ROUTES_CAP);
        assert_eq!(other, Some((11, 10)));
        assert_eq!(
            kept.iter().map(|(_, n)| n).sum::<u64>(),
            ROUTES_CAP as u64 + 1
        );
    }
    /// The route of each line, as [`RouteNames`] finds it and as [`route_name`] names it.
    fn names_of(lines: &[&[u8]]) -> Vec<(String, String)> {
        let mut parser = crate::parse::access::AccessParser::new(None);
        let mut names = RouteNames::default();
        lines
            .iter()
            .map(|line| {
                let mut record = AccessRecord::default();
                let (_, parsed) = parser.parse(line, &mut record).expect("a record");
                parsed.expect("an access record");
                let mut fresh = String::new();
                route_name(&record, &mut fresh);
                (names.of(&record).name.clone(), fresh)
            })
            .collect()
    }

    #[test]
    fn routes_found_from_raw_bytes_are_those_named_afresh() {
        let lines: [&[u8]; 14] = [
            br#"{"status":"200","httpMethod":"GET","resourcePath":"/a"}"#,
            br#"{"status":"200","httpMethod":"POST","resourcePath":"/a"}"#,
            br#"{"status":"200","httpMethod":"GET","resourcePath":"/a"}"#,
            br#"{"status":"200","httpMethod":"G\u0045T","resourcePath":"/a"}"#,
            br#"{"status":"200","httpMethod":"GET","resourcePath":"\/a"}"#,
            b"{\"status\":\"200\",\"httpMethod\":\"GET\",\"resourcePath\":\"/\xff\"}",
            b"{\"status\":\"200\",\"httpMethod\":\"GET\",\"resourcePath\":\"/\xfe\"}",
            br#"{"status":"200","httpMethod":"GET","path":"/prod/users/12"}"#,
            br#"{"status":"200","httpMethod":"GET","path":"/prod/users/13"}"#,
            br#"{"status":"200","httpMethod":"GET","resourcePath":"/a","path":"/x/1"}"#,
            br#"{"status":"200","routeKey":"GET /k"}"#,
            br#"{"status":"200","routeKey":"GET \/k","httpMethod":"GET"}"#,
            br#"{"status":"200","routeKey":"GET /k","resourcePath":"-"}"#,
            br#"{"status":"200","httpMethod":"-","resourcePath":"/a"}"#,
        ];
        // each once, then again in another order, then two alternating
        let mut all: Vec<&[u8]> = lines.to_vec();
        all.extend(lines.iter().rev());
        for _ in 0..3 {
            all.extend([lines[0], lines[1]]);
        }
        let names = names_of(&all);
        for (found, fresh) in &names {
            assert_eq!(found, fresh);
        }
        let first: Vec<&str> = names[..lines.len()].iter().map(|n| n.0.as_str()).collect();
        assert_eq!(
            first,
            [
                "GET /a",
                "POST /a",
                "GET /a",
                "GET /a",
                "GET /a",
                "GET /\u{fffd}",
                "GET /\u{fffd}",
                "GET /prod/users/{id}",
                "GET /prod/users/{id}",
                "GET /a",
                "GET /k",
                "GET /k",
                "(no route in the log)",
                "/a",
            ]
        );
    }

    #[test]
    fn past_the_cap_of_raw_keys_routes_are_still_named() {
        let lines: Vec<Vec<u8>> = (0..ROUTE_KEYS_CAP + 50)
            .map(|i| {
                format!(
                    r#"{{"status":"200","httpMethod":"GET","path":"/p/{i}/s{}"}}"#,
                    i % 3
                )
                .into_bytes()
            })
            .collect();
        let lines: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        let names = names_of(&lines);
        for (found, fresh) in &names {
            assert_eq!(found, fresh);
        }
        // the last ones past the cap, one of each name among them
        for (found, fresh) in &names[names.len() - 3..] {
            assert!(found.starts_with("GET /p/{id}/s"), "{found} {fresh}");
        }
        assert_eq!(names.last().unwrap().0, "GET /p/{id}/s0");
    }

    #[test]
    fn a_route_keeps_its_slot_and_past_the_cap_is_folded() {
        let mut routes: Routes<u64> = Routes::default();
        let first = routes.slot("GET /r0");
        for i in 1..ROUTES_CAP {
            assert_eq!(routes.slot(&format!("GET /r{i}")), Slot::Kept(i));
        }
        assert_eq!(routes.slot("GET /r0"), first);
        assert_eq!(routes.slot("GET /past"), Slot::Other);
        assert_eq!(routes.slot("GET /past"), Slot::Other);
        *routes.at(first) += 2;
        *routes.at(Slot::Other) += 1;
        let (kept, other) = routes.finish();
        assert_eq!(kept[0], ("GET /r0".to_owned(), 2));
        assert_eq!(other, Some((1, 1)));
    }

    #[test]
    fn distinct_paths_are_counted_up_to_the_cap() {
        let mut paths = DistinctPaths::default();
        assert_eq!(paths.count(), None);
        for i in 0..DISTINCT_PATHS_CAP {
            paths.add(format!("/p/{i}").as_bytes());
            paths.add(b"/p/0");
        }
        assert_eq!(paths.count(), Some(DISTINCT_PATHS_CAP as u64));
        paths.add(b"/p/1");
        assert_eq!(paths.count(), Some(DISTINCT_PATHS_CAP as u64));
        paths.add(b"/p/new");
        assert_eq!(paths.count(), None);
    }
}
