//! A tolerant reader of JSON objects, for access-log records written by templates.
//!
//! Valid JSON reads as JSON. Beyond that it accepts what API Gateway writes when a template
//! leaves a value unquoted (`"integrationLatency":-`) or quotes an already quoted value
//! (`"messageString":""Endpoint request timed out""`): a bare value runs to the next `,` or
//! `}`, and a quote that is not followed by `,` or `}` does not end a string. It copies
//! nothing: values are slices of the line.

use super::fields::{normalize_name, Field, NameBuffer};
use super::layout::{Layout, Span};
use super::AccessRecord;

/// A value as written in the record: the bytes between its quotes (or the bare token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Value<'a> {
    pub(crate) raw: &'a [u8],
    /// The raw bytes hold backslash escapes.
    pub(crate) escaped: bool,
}

/// The line is not an object this reader can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed;

/// How far a record went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    Complete,
    /// The line ends inside the object (a record cut off when it was copied or written):
    /// the values before the cut were read, the one it cut through was not.
    CutShort,
}

/// Calls `visit(name, value)` for every scalar of the object in `line`, where `name` is the
/// keys from the top down, normalized (see [`super::fields::field_of_name`]). Arrays are
/// skipped.
pub(crate) fn scan<'a>(
    line: &'a [u8],
    visit: &mut impl FnMut(&[u8], Value<'a>),
) -> Result<(), Malformed> {
    let scan = scan_raw(line, &mut |key: Key<'_, 'a>, value| {
        let mut name = NameBuffer::new();
        if key.normalize_into(&mut name) {
            visit(name.as_bytes(), value);
        }
    })?;
    match scan {
        Scan::Complete => Ok(()),
        Scan::CutShort => Err(Malformed),
    }
}

/// Calls `visit(name, dotted, value)` for every scalar of the object in `line`: its
/// normalized name (as [`scan`] gives it) and its keys from the top down joined by dots, as
/// CloudWatch Logs Insights names the fields it discovers in JSON.
pub(crate) fn scan_dotted<'a>(
    line: &'a [u8],
    visit: &mut impl FnMut(&[u8], String, Value<'a>),
) -> Result<(), Malformed> {
    let scan = scan_raw(line, &mut |key: Key<'_, 'a>, value| {
        let mut name = NameBuffer::new();
        if key.normalize_into(&mut name) {
            let dotted = key
                .parents
                .iter()
                .chain(std::iter::once(&key.raw))
                .map(|part| String::from_utf8_lossy(part))
                .collect::<Vec<_>>()
                .join(".");
            visit(name.as_bytes(), dotted, value);
        }
    })?;
    match scan {
        Scan::Complete => Ok(()),
        Scan::CutShort => Err(Malformed),
    }
}

/// What the scanner learned from earlier records: a template writes the same keys in the
/// same order on every line, so a key is recognised by comparing its bytes with the key at
/// the same place in the record before, and normalized only when it differs.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyCache {
    /// Per place: the key's path (see [`Key::path`]) and the field it stands for.
    entries: Vec<(Vec<u8>, Option<Field>)>,
    layout: Layout,
    /// Scratch for the values of a record the full scanner reads, to teach the layout.
    scanned: Vec<(Option<Field>, Span)>,
}

impl KeyCache {
    /// Reads `line` into `record` (which starts empty) by the layout of the last record
    /// [`scan_fields`] read in full, if `line` has it; false otherwise, when `record` may
    /// hold some of the values (start it again before scanning).
    pub(crate) fn read_by_layout<'a>(
        &mut self,
        line: &'a [u8],
        record: &mut AccessRecord<'a>,
    ) -> bool {
        self.layout.is_learned() && self.layout.read(line, record)
    }
}

/// Calls `set(field, value)` for every scalar whose name `resolve` maps to a field.
pub(crate) fn scan_fields<'a>(
    line: &'a [u8],
    cache: &mut KeyCache,
    resolve: &impl Fn(&[u8]) -> Option<Field>,
    set: &mut impl FnMut(Field, Value<'a>),
) -> Result<Scan, Malformed> {
    cache.scanned.clear();
    let scan = scan_raw(line, &mut |key: Key<'_, 'a>, value| {
        let field = match cache.entries.get(key.position) {
            Some((path, field)) if key.path_is(path) => *field,
            _ => {
                let mut name = NameBuffer::new();
                let field = if key.normalize_into(&mut name) {
                    resolve(name.as_bytes())
                } else {
                    None
                };
                let entry = (key.path(), field);
                if key.position < cache.entries.len() {
                    cache.entries[key.position] = entry;
                } else if key.position == cache.entries.len() {
                    cache.entries.push(entry);
                }
                field
            }
        };
        cache.scanned.push((field, Span::of(line, value)));
        if let Some(field) = field {
            set(field, value);
        }
    })?;
    if scan == Scan::Complete {
        cache.layout.learn(line, &cache.scanned);
    }
    Ok(scan)
}

/// A key as written, with the keys of the objects around it, and its place among the
/// scalars of the record.
pub(crate) struct Key<'s, 'a> {
    parents: &'s [&'a [u8]],
    raw: &'a [u8],
    position: usize,
}

impl Key<'_, '_> {
    /// The keys from the top down, joined by NUL (which no JSON key holds unescaped).
    fn path(&self) -> Vec<u8> {
        let mut path = Vec::new();
        for parent in self.parents {
            path.extend_from_slice(parent);
            path.push(0);
        }
        path.extend_from_slice(self.raw);
        path
    }

    /// Whether `path` (as [`Key::path`] writes it) is this key's, without building this one.
    fn path_is(&self, path: &[u8]) -> bool {
        let mut rest = path;
        for parent in self.parents {
            match rest
                .strip_prefix(*parent)
                .and_then(|r| r.strip_prefix(&[0]))
            {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest == self.raw
    }

    fn normalize_into(&self, name: &mut NameBuffer) -> bool {
        self.parents
            .iter()
            .all(|parent| normalize_name(parent, name))
            && normalize_name(self.raw, name)
    }
}

fn scan_raw<'a>(
    line: &'a [u8],
    visit: &mut impl FnMut(Key<'_, 'a>, Value<'a>),
) -> Result<Scan, Malformed> {
    let mut scanner = Scanner {
        s: line,
        i: 0,
        position: 0,
        ran_out: false,
    };
    scanner.skip_ws();
    let mut parents = Parents {
        keys: [&[]; MAX_DEPTH + 2],
        len: 0,
    };
    match scanner.object(&mut parents, visit, 0) {
        Ok(()) => Ok(Scan::Complete),
        // something was read before the line ended
        Err(Malformed) if scanner.ran_out && scanner.position > 0 => Ok(Scan::CutShort),
        Err(malformed) => Err(malformed),
    }
}

/// The keys of the objects around the current one, without allocating.
struct Parents<'a> {
    keys: [&'a [u8]; MAX_DEPTH + 2],
    len: usize,
}

/// Objects nested deeper than this are refused, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 16;

struct Scanner<'a> {
    s: &'a [u8],
    i: usize,
    /// Scalars visited so far in this record.
    position: usize,
    /// The line ended where the object needed more.
    ran_out: bool,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), Malformed> {
        match self.peek() {
            Some(found) if found == byte => {
                self.i += 1;
                Ok(())
            }
            Some(_) => Err(Malformed),
            None => Err(self.out_of_line()),
        }
    }

    /// The error for a line that ends where the object goes on.
    fn out_of_line(&mut self) -> Malformed {
        self.ran_out = true;
        Malformed
    }

    /// The rest of the line from `self.i`, which an escape's `+= 2` can push past the end.
    fn rest(&mut self) -> Result<&'a [u8], Malformed> {
        match self.s.get(self.i..) {
            Some(rest) => Ok(rest),
            None => Err(self.out_of_line()),
        }
    }

    fn object(
        &mut self,
        parents: &mut Parents<'a>,
        visit: &mut impl FnMut(Key<'_, 'a>, Value<'a>),
        depth: usize,
    ) -> Result<(), Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed);
        }
        self.expect(b'{')?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            let key = self.key()?;
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            let value = match self.peek() {
                Some(b'{') => {
                    // depth is checked on entry, so the stack has room
                    if parents.len < parents.keys.len() {
                        parents.keys[parents.len] = key;
                    }
                    parents.len += 1;
                    let inner = self.object(parents, visit, depth + 1);
                    parents.len -= 1;
                    inner?;
                    None
                }
                Some(b'[') => {
                    self.skip_array(depth + 1)?;
                    None
                }
                Some(b'"') => Some(self.string_value(b'}')?),
                Some(_) => Some(self.bare_value()?),
                None => return Err(self.out_of_line()),
            };
            if let Some(value) = value {
                let position = self.position;
                self.position += 1;
                let parents = &parents.keys[..parents.len.min(parents.keys.len())];
                visit(
                    Key {
                        parents,
                        raw: key,
                        position,
                    },
                    value,
                );
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(_) => return Err(Malformed),
                None => return Err(self.out_of_line()),
            }
        }
    }

    /// A key: a strict JSON string.
    fn key(&mut self) -> Result<&'a [u8], Malformed> {
        self.expect(b'"')?;
        let start = self.i;
        loop {
            match memchr::memchr2(b'"', b'\\', self.rest()?) {
                Some(offset) => {
                    self.i += offset;
                    if self.s[self.i] == b'\\' {
                        self.i += 2;
                    } else {
                        let key = &self.s[start..self.i];
                        self.i += 1;
                        return Ok(key);
                    }
                }
                None => return Err(self.out_of_line()),
            }
        }
    }

    /// A string value. An unescaped quote ends it only where a `,` or the container's
    /// `closer` (`}` or `]`) follows (after spaces), or the line ends: anything else is a
    /// quote inside a value that a template quoted twice.
    fn string_value(&mut self, closer: u8) -> Result<Value<'a>, Malformed> {
        self.expect(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            let Some(offset) = memchr::memchr2(b'"', b'\\', self.rest()?) else {
                return Err(self.out_of_line());
            };
            self.i += offset;
            if self.s[self.i] == b'\\' {
                escaped = true;
                self.i += 2;
                continue;
            }
            let end = self.i;
            self.i += 1;
            let mut after = self.i;
            while matches!(self.s.get(after), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                after += 1;
            }
            if matches!(self.s.get(after), None | Some(b',')) || self.s.get(after) == Some(&closer)
            {
                return Ok(Value {
                    raw: &self.s[start..end],
                    escaped,
                });
            }
        }
    }

    /// A bare value (a number, `true`, `null`, or `-` from an unquoted template): up to the
    /// next `,` or `}`.
    fn bare_value(&mut self) -> Result<Value<'a>, Malformed> {
        let start = self.i;
        let Some(offset) = memchr::memchr2(b',', b'}', &self.s[start..]) else {
            return Err(self.out_of_line());
        };
        let end = start + offset;
        self.i = end;
        Ok(Value {
            raw: self.s[start..end].trim_ascii(),
            escaped: false,
        })
    }

    fn skip_array(&mut self, depth: usize) -> Result<(), Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed);
        }
        self.expect(b'[')?;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'[') => self.skip_array(depth + 1)?,
                Some(b'{') => {
                    // Scalars inside arrays are nothing the analysis reads; they still count
                    // as places, so that the key cache stays aligned.
                    let mut parents = Parents {
                        keys: [&[]; MAX_DEPTH + 2],
                        len: 0,
                    };
                    self.object(&mut parents, &mut |_, _| {}, depth + 1)?
                }
                Some(b'"') => {
                    self.string_value(b']')?;
                }
                Some(_) => {
                    let start = self.i;
                    let Some(end) = memchr::memchr3(b',', b']', b'}', &self.s[start..]) else {
                        return Err(self.out_of_line());
                    };
                    if end == 0 {
                        // a `}` where an element should be
                        return Err(Malformed);
                    }
                    self.i = start + end;
                }
                None => return Err(self.out_of_line()),
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                Some(_) => return Err(Malformed),
                None => return Err(self.out_of_line()),
            }
        }
    }
}

/// Undoes JSON escapes of a string value into `out`.
pub(crate) fn unescape(raw: &[u8], out: &mut String) {
    let text = String::from_utf8_lossy(raw);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16).ok();
                out.push(code.and_then(char::from_u32).unwrap_or('\u{fffd}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(line: &str) -> Result<Vec<(String, String)>, Malformed> {
        let mut out = Vec::new();
        scan(line.as_bytes(), &mut |name, value| {
            out.push((
                String::from_utf8_lossy(name).into_owned(),
                String::from_utf8_lossy(value.raw).into_owned(),
            ))
        })?;
        Ok(out)
    }

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_owned(), value.to_owned())
    }

    #[test]
    fn flat_nested_quoted_and_bare() {
        let got = pairs(
            r#"{"status":504, "integration": {"latency":"-", "status" : 200}, "a":[1,{"b":2}], "x":null}"#,
        );
        assert_eq!(
            got.unwrap(),
            [
                pair("status", "504"),
                pair("integrationlatency", "-"),
                pair("integrationstatus", "200"),
                pair("x", "null"),
            ]
        );
    }

    #[test]
    fn what_unquoted_and_twice_quoted_templates_write() {
        let got = pairs(
            r#"{"integrationLatency":-,"status":504,"error_messageString": ""Endpoint request timed out"","z":"a"}"#,
        );
        assert_eq!(
            got.unwrap(),
            [
                pair("integrationlatency", "-"),
                pair("status", "504"),
                pair("errormessagestring", "\"Endpoint request timed out\""),
                pair("z", "a"),
            ]
        );
    }

    #[test]
    fn the_key_cache_tells_the_same_key_under_other_objects_apart() {
        use crate::parse::access::fields::field_of_name;
        let mut cache = KeyCache::default();
        let mut read = |line: &str| {
            let mut fields = Vec::new();
            scan_fields(
                line.as_bytes(),
                &mut cache,
                &field_of_name,
                &mut |field, value| {
                    fields.push((field, String::from_utf8_lossy(value.raw).into_owned()))
                },
            )
            .unwrap();
            fields
        };
        let first = read(r#"{"response":{"status":"504"},"integration":{"status":"-"}}"#);
        let second = read(r#"{"integration":{"status":"200"},"response":{"status":"502"}}"#);
        assert_eq!(first[0], (Field::Status, "504".to_owned()));
        assert_eq!(second[0], (Field::IntegrationStatus, "200".to_owned()));
        assert_eq!(second[1], (Field::Status, "502".to_owned()));
        assert_eq!(
            read(r#"{"response":{"status":"201"}}"#)[0],
            (Field::Status, "201".to_owned())
        );
    }

    #[test]
    fn escapes_stay_raw_and_are_flagged() {
        let mut seen = Vec::new();
        scan(br#"{"path":"/a\"b\\c\u00e9"}"#, &mut |_, value| {
            seen.push(value)
        })
        .unwrap();
        assert!(seen[0].escaped);
        let mut text = String::new();
        unescape(seen[0].raw, &mut text);
        assert_eq!(text, "/a\"b\\cé");
    }

    #[test]
    fn truncated_and_hostile_lines_are_malformed() {
        assert_eq!(
            pairs(r#"{"requestId":"5f1c","requestTime":"06/Mar/2026:10:1"#),
            Err(Malformed)
        );
        assert_eq!(pairs(r#"{"a":1"#), Err(Malformed));
        assert_eq!(pairs("not json"), Err(Malformed));
        let deep = "{\"a\":".repeat(100) + "1" + &"}".repeat(100);
        assert_eq!(pairs(&deep), Err(Malformed));
        assert_eq!(pairs("{}").unwrap(), []);
        // shapes that once sent the array reader round in circles
        assert_eq!(pairs(r#"{"a":[1}"#), Err(Malformed));
        assert_eq!(pairs(r#"{"a":["x" "y"}"#), Err(Malformed));
        assert_eq!(
            pairs(r#"{"a":[{"b":"c"},"d"],"e":1}"#).unwrap(),
            [pair("e", "1")]
        );
    }

    /// The fields `line` gives (by index), read as the access parser reads it: by the
    /// layout `cache` learned from earlier lines, else by the full scanner.
    fn fields(line: &str, cache: &mut KeyCache) -> Option<Vec<(usize, String, bool)>> {
        let line = line.as_bytes();
        let mut record = AccessRecord::default();
        if !cache.read_by_layout(line, &mut record) {
            record = AccessRecord::default();
            scan_fields(
                line,
                cache,
                &super::super::fields::field_of_name,
                &mut |field, value| record.set(field, value),
            )
            .ok()?;
        }
        let values = record.values[..super::super::fields::FIELD_COUNT]
            .iter()
            .enumerate();
        Some(
            values
                .filter_map(|(index, value)| {
                    let value = (*value)?;
                    Some((
                        index,
                        String::from_utf8_lossy(value.raw).into_owned(),
                        value.escaped,
                    ))
                })
                .collect(),
        )
    }

    #[test]
    fn a_learned_layout_reads_as_the_full_scanner_does() {
        let template = r#"{"requestId":"a1","ip":"192.0.2.1","status":"200","integration":{"latency":12,"status":"200"},"tags":[1,2],"path":"/x"}"#;
        let lines = [
            // same shape, other values: read by the layout
            r#"{"requestId":"b22","ip":"192.0.2.99","status":"504","integration":{"latency":-,"status":"-"},"tags":[1,2],"path":"/y"}"#,
            // an escaped quote, and text that looks like the next key inside a value
            r#"{"requestId":"c"3","ip":"1\2","status":"200","integration":{"latency":7 ,"status":"200"},"tags":[1,2],"path":"/a","status":"999"}"#,
            r#"{"requestId":"d","ip":"x","status":"200","integration":{"latency":3,"status":"200"},"tags":[1,2],"path":"/a","status":"777"}"#,
            // values of another kind than the layout's: quoted where it was bare, and back
            r#"{"requestId":"e","ip":"x","status":"502","integration":{"latency":"30","status":"502"},"tags":[1,2],"path":"/b"}"#,
            r#"{"requestId":""twice"","ip":"x","status":"504","integration":{"latency":{"v":1},"status":"-"},"tags":[1,2],"path":"/c"}"#,
            r#"{"requestId":"f","ip":"x","status":"504","integration":{"latency":"","status":"-"},"tags":[3],"path":"/c"}"#,
            r#"{"requestId":"g","ip":"x","status":"200","integration":{"latency":5,"status":"200"},"tags":[1,2],"path":"/d"} trailing"#,
            r#"{"requestId":"h","ip":"x","status":"200"#,
        ];
        for line in lines {
            let mut warm = KeyCache::default();
            fields(template, &mut warm).expect("the template line reads");
            let cold = fields(line, &mut KeyCache::default());
            assert_eq!(fields(line, &mut warm), cold, "{line}");
        }
    }

    #[test]
    fn the_layout_follows_a_change_of_template() {
        let mut cache = KeyCache::default();
        let a = r#"{"status":"200","responseLatency":"5"}"#;
        let b = r#"{"responseLatency":"7","status":"504","integrationLatency":"-"}"#;
        for line in [a, b, a, b, b, a] {
            assert_eq!(
                fields(line, &mut cache),
                fields(line, &mut KeyCache::default())
            );
        }
    }

    #[test]
    fn a_line_that_ends_inside_the_object_is_cut_short() {
        let mut values = Vec::new();
        let scan = scan_fields(
            br#"{"status":"504","integration":{"latency":"-"},"path":"/a b"#,
            &mut KeyCache::default(),
            &super::super::fields::field_of_name,
            &mut |field, value| values.push((field, value.raw)),
        );
        assert_eq!(scan, Ok(Scan::CutShort));
        // the value the cut went through is not read
        assert_eq!(
            values,
            [
                (Field::Status, &b"504"[..]),
                (Field::IntegrationLatency, &b"-"[..])
            ]
        );
        let outcome =
            |line: &[u8]| scan_fields(line, &mut KeyCache::default(), &|_| None, &mut |_, _| {});
        assert_eq!(
            outcome(br#"{"status":"5"#),
            Err(Malformed),
            "nothing before the cut"
        );
        assert_eq!(
            outcome(br#"{"b":1,"a":"x\"#),
            Ok(Scan::CutShort),
            "an escape at the end"
        );
        assert_eq!(outcome(br#"{"a":"x"} "#), Ok(Scan::Complete));
    }
}
