//! The routes the gateway's figures are kept for, in memory bounded however many distinct
//! paths a log holds: concrete paths collapsed into templates (`/users/123` is
//! `/users/{id}`) when the log names no resource or route key, and at most [`ROUTES_CAP`]
//! routes kept apart, the rest counted exactly under one row
//! ([`crate::model::OTHER_ROUTES`]).

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::model::{FOLDED_ROUTES_COUNTED, ROUTES_CAP};

/// The kept routes with their figures, and the other routes' with how many they hold.
pub(crate) type Finished<S> = (Vec<(String, S)>, Option<(S, u64)>);

/// The routes' figures: those kept apart, and the rest folded into one.
#[derive(Debug, Clone)]
pub(crate) struct Routes<S> {
    /// Bounded: at most [`ROUTES_CAP`] entries.
    kept: FxHashMap<String, S>,
    /// Every route that found no room among the kept ones.
    other: Option<S>,
    /// Hashes of the names folded into `other`, to count them; bounded: at most
    /// [`FOLDED_ROUTES_COUNTED`] (the count then reads "at least").
    folded: FxHashSet<u64>,
}

impl<S> Default for Routes<S> {
    fn default() -> Self {
        Routes {
            kept: FxHashMap::default(),
            other: None,
            folded: FxHashSet::default(),
        }
    }
}

impl<S: Default> Routes<S> {
    /// The figures of `route`, or those of the other routes when the table is full.
    pub(crate) fn get_or_fold(&mut self, route: &str) -> &mut S {
        if self.kept.contains_key(route) {
            return self.kept.get_mut(route).expect("just looked up");
        }
        if self.kept.len() < ROUTES_CAP {
            return self.kept.entry(route.to_owned()).or_default();
        }
        if self.folded.len() < FOLDED_ROUTES_COUNTED {
            self.folded.insert(hash(route));
        }
        self.other.get_or_insert_with(S::default)
    }

    /// Adds the routes of a later part; `merge` adds one route's figures to another's.
    /// Its routes new to this part take the room left in the order of their names, so that
    /// which routes are kept does not depend on how a hash map happens to iterate.
    pub(crate) fn merge(&mut self, later: Routes<S>, mut merge: impl FnMut(&mut S, S)) {
        let Routes {
            kept,
            other,
            folded,
        } = later;
        let mut kept: Vec<(String, S)> = kept.into_iter().collect();
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
        let kept = self.kept.into_iter().collect();
        let folded = self.folded.len() as u64;
        (kept, self.other.map(|other| (other, folded)))
    }
}

fn hash(route: &str) -> u64 {
    let mut hasher = FxHasher::default();
    route.hash(&mut hasher);
    hasher.finish()
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
}
