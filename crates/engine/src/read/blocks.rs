//! A JSON value too large to hold, read from blocks of its input. serde_json reads from
//! `io::Read` a byte at a time (about twenty times slower than from a slice), so it walks
//! only the value's frame through [`Shared`]; the elements of the arrays that hold events are
//! cut out of the blocks here and each parsed from a slice. Memory stays that of a block and
//! of the largest element, and the line breaks consumed are counted as they go, so that each
//! event keeps its line number.

use std::cell::{Cell, RefCell};
use std::io::{self, Read};

use serde::de::{self, DeserializeSeed};

/// Bytes read from the input at once.
const BLOCK: usize = 1 << 20;

/// Elements up to this size are parsed from a slice; a larger one is read as serde reads the
/// frame, a byte at a time, so that memory stays bounded.
const ELEMENT_MAX: usize = 16 << 20;

/// Keys whose values hold events: an element with one of them may emit events before its
/// end, so it is read through serde's reader, which counts its lines as it goes.
const CONTAINER_KEYS: &[&[u8]] = &[
    b"logEvents",
    b"events",
    b"Events",
    b"awslogs",
    b"Records",
    b"records",
    b"results",
    b"Results",
];

/// The input of a large value, buffered in blocks.
pub(crate) struct Blocks<'a> {
    source: &'a mut dyn Read,
    buf: Vec<u8>,
    /// The first byte not consumed.
    at: usize,
    eof: bool,
    /// Line breaks consumed.
    newlines: &'a Cell<u64>,
    /// `newlines` where the value starts, for the lines of errors, which count from there.
    base: u64,
}

impl<'a> Blocks<'a> {
    pub(crate) fn new(source: &'a mut dyn Read, newlines: &'a Cell<u64>) -> Self {
        Blocks {
            source,
            buf: Vec::new(),
            at: 0,
            eof: false,
            base: newlines.get(),
            newlines,
        }
    }

    /// Where the next byte is, as serde_json counts lines and columns from the value's start.
    fn position(&self) -> (usize, usize) {
        let line = (self.newlines.get() - self.base) as usize + 1;
        let before = &self.buf[..self.at];
        let column = before.len() - memchr::memrchr(b'\n', before).map_or(0, |at| at + 1);
        (line, column)
    }

    /// What was read past the value's end, to be read next.
    pub(crate) fn into_rest(mut self) -> Vec<u8> {
        self.buf.split_off(self.at)
    }

    /// Reads one more block; false at the end of the input.
    fn more(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.at >= BLOCK {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + BLOCK, 0);
        let read = loop {
            match self.source.read(&mut self.buf[len..]) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                read => break read,
            }
        };
        let n = *read.as_ref().unwrap_or(&0);
        self.buf.truncate(len + n);
        self.eof = n == 0;
        read.map(|n| n > 0)
    }

    fn consume(&mut self, n: usize) {
        let breaks = memchr::memchr_iter(b'\n', &self.buf[self.at..self.at + n]).count();
        self.newlines.set(self.newlines.get() + breaks as u64);
        self.at += n;
    }

    /// The next byte after whitespace (which is consumed), if the input goes on.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            let rest = &self.buf[self.at..];
            let spaces = rest
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .count();
            self.consume(spaces);
            if let Some(&next) = self.buf.get(self.at) {
                return Ok(Some(next));
            }
            if !self.more()? {
                return Ok(None);
            }
        }
    }

    /// The length of the value that starts here and whether it has a key that holds events,
    /// reading on as needed; `None` for a value longer than [`ELEMENT_MAX`] or cut off by the
    /// end of the input.
    fn value_len(&mut self) -> io::Result<Option<(usize, bool)>> {
        let mut scan = ValueScan::default();
        loop {
            if let Some(len) = scan.feed(&self.buf[self.at..], self.eof) {
                return Ok(Some((len, scan.container_key)));
            }
            if self.buf.len() - self.at > ELEMENT_MAX || !self.more()? {
                return Ok(None);
            }
        }
    }
}

/// A scan for the end of one JSON value, fed what is buffered again as it grows.
#[derive(Default)]
struct ValueScan {
    /// Where the scan is, from the value's start.
    pos: usize,
    depth: usize,
    in_string: bool,
    string_start: usize,
    /// The last string, while only whitespace follows it (a key, if a `:` comes).
    last_string: Option<(usize, usize)>,
    container_key: bool,
}

impl ValueScan {
    /// The value's length, once `buf` (from the value's start) holds all of it.
    fn feed(&mut self, buf: &[u8], at_end: bool) -> Option<usize> {
        let first = *buf.first()?;
        if !matches!(first, b'{' | b'[' | b'"') {
            // a number, `true`, `false` or `null`: up to what ends it
            let end = buf
                .iter()
                .position(|b| matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'));
            return end.or(at_end.then_some(buf.len()));
        }
        while self.pos < buf.len() {
            if self.in_string {
                let Some(offset) = memchr::memchr2(b'"', b'\\', &buf[self.pos..]) else {
                    self.pos = buf.len();
                    return None;
                };
                let found = self.pos + offset;
                if buf[found] == b'\\' {
                    if found + 1 >= buf.len() {
                        // the escaped byte is not read yet: look again from the backslash
                        self.pos = found;
                        return None;
                    }
                    self.pos = found + 2;
                    continue;
                }
                self.in_string = false;
                self.last_string = Some((self.string_start, found));
                self.pos = found + 1;
                if self.depth == 0 {
                    return Some(self.pos);
                }
                continue;
            }
            let byte = buf[self.pos];
            self.pos += 1;
            match byte {
                b'"' => {
                    self.in_string = true;
                    self.string_start = self.pos;
                }
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(self.pos);
                    }
                }
                b':' => {
                    if let Some((start, end)) = self.last_string {
                        self.container_key |= CONTAINER_KEYS.contains(&&buf[start..end]);
                    }
                }
                _ => {}
            }
            if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                self.last_string = None;
            }
        }
        None
    }
}

/// Serde's view of the blocks: bytes handed out one at a time, as serde_json asks for them.
pub(crate) struct Shared<'r, 'a>(pub(crate) &'r RefCell<Blocks<'a>>);

impl Read for Shared<'_, '_> {
    #[inline]
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let mut blocks = self.0.borrow_mut();
        if blocks.at == blocks.buf.len() && !blocks.more()? {
            return Ok(0);
        }
        let n = out.len().min(blocks.buf.len() - blocks.at);
        out[..n].copy_from_slice(&blocks.buf[blocks.at..blocks.at + n]);
        blocks.consume(n);
        Ok(n)
    }
}

/// One element of an array, for a seed to read.
pub(crate) enum Element<'e> {
    /// The element whole, its line breaks already counted, and where it starts (line and
    /// column) in the value.
    Slice(&'e [u8], (usize, usize)),
    /// The input, from the element's start, and where that is.
    Stream(&'e mut dyn Read, (usize, usize)),
}

impl Element<'_> {
    pub(crate) fn read<T, V>(self, seed: T) -> serde_json::Result<V>
    where
        T: for<'de> DeserializeSeed<'de, Value = V>,
    {
        match self {
            Element::Slice(slice, start) => {
                let mut de = serde_json::Deserializer::from_slice(slice);
                let value = seed.deserialize(&mut de).and_then(|value| {
                    de.end()?;
                    Ok(value)
                });
                value.map_err(|error| in_value(error, start))
            }
            Element::Stream(reader, start) => seed
                .deserialize(&mut serde_json::Deserializer::from_reader(reader))
                .map_err(|error| in_value(error, start)),
        }
    }
}

/// An error of an element, placed in the value as reading the value whole would place it.
fn in_value(error: serde_json::Error, (line, column): (usize, usize)) -> serde_json::Error {
    if error.line() == 0 {
        return error;
    }
    let text = error.to_string();
    let message = text.rsplit_once(" at line ").map_or(&text[..], |(m, _)| m);
    let at_line = line + error.line() - 1;
    let at_column = error.column() + if error.line() == 1 { column } else { 0 };
    de::Error::custom(format!("{message} at line {at_line} column {at_column}"))
}

/// The elements of an array that serde has opened (its `[` read) on the blocks.
pub(crate) trait Elements {
    /// Hands each element to `element`, as a slice where it is small enough and, when
    /// `flat_only`, an object without keys that hold events (or a scalar); stops before the
    /// closing bracket, which serde reads (as it reports an input that ends first).
    fn elements(
        &self,
        flat_only: bool,
        element: &mut dyn FnMut(Element<'_>) -> serde_json::Result<()>,
    ) -> serde_json::Result<()>;
}

impl Elements for RefCell<Blocks<'_>> {
    fn elements(
        &self,
        flat_only: bool,
        element: &mut dyn FnMut(Element<'_>) -> serde_json::Result<()>,
    ) -> serde_json::Result<()> {
        let syntax = |what: &str| <serde_json::Error as de::Error>::custom(what);
        let mut first = true;
        loop {
            let mut blocks = self.borrow_mut();
            match blocks.peek().map_err(serde_json::Error::io)? {
                None | Some(b']') => return Ok(()),
                Some(b',') if !first => {
                    blocks.consume(1);
                    match blocks.peek().map_err(serde_json::Error::io)? {
                        Some(b']') => return Err(syntax("trailing comma in a list")),
                        None => return Ok(()),
                        Some(_) => {}
                    }
                }
                Some(_) if !first => return Err(syntax("expected `,` or `]` in a list")),
                Some(_) => {}
            }
            first = false;
            let opens = blocks.buf[blocks.at];
            let start = blocks.position();
            match blocks.value_len().map_err(serde_json::Error::io)? {
                Some((len, keyed)) if !flat_only || !keyed && opens != b'[' => {
                    blocks.consume(len);
                    let at = blocks.at;
                    element(Element::Slice(&blocks.buf[at - len..at], start))?;
                }
                _ => {
                    drop(blocks);
                    element(Element::Stream(&mut Shared(self), start))?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IgnoredAny;
    use std::marker::PhantomData;

    /// The elements of the array in `text` (after its `[`), as slices or streamed, with the
    /// line breaks counted before each and what is left after the closing bracket.
    fn elements(text: &str, flat_only: bool) -> (Vec<(String, u64)>, String) {
        let newlines = Cell::new(0);
        let mut source = text.as_bytes();
        let blocks = RefCell::new(Blocks::new(&mut source, &newlines));
        let mut seen = Vec::new();
        blocks
            .elements(flat_only, &mut |element| {
                let kind = match &element {
                    Element::Slice(slice, _) => String::from_utf8_lossy(slice).into_owned(),
                    Element::Stream(..) => "streamed".to_owned(),
                };
                element.read(PhantomData::<IgnoredAny>)?;
                seen.push((kind, newlines.get()));
                Ok(())
            })
            .unwrap();
        (
            seen,
            String::from_utf8(blocks.into_inner().into_rest()).unwrap(),
        )
    }

    #[test]
    fn elements_are_cut_where_they_end_with_their_lines_counted() {
        let (seen, rest) = elements(
            "\n  {\"a\": \"x\\\"]}\",\n \"b\": [1, {\"c\": null}]},\n  -1.5e3 , \"s\\\\\" ,true\n] tail",
            false,
        );
        let kinds: Vec<_> = seen.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "{\"a\": \"x\\\"]}\",\n \"b\": [1, {\"c\": null}]}",
                "-1.5e3",
                "\"s\\\\\"",
                "true"
            ]
        );
        assert_eq!(seen[0].1, 2);
        assert_eq!(seen[3].1, 3);
        assert_eq!(rest, "] tail");
    }

    #[test]
    fn an_element_that_does_not_parse_is_placed_in_the_value() {
        let newlines = Cell::new(0);
        let mut source = &b"\n{\"a\":1},\n {\"b\": x}]"[..];
        let blocks = RefCell::new(Blocks::new(&mut source, &newlines));
        let error = blocks
            .elements(false, &mut |element| {
                element.read(PhantomData::<IgnoredAny>).map(drop)
            })
            .unwrap_err();
        assert_eq!(error.to_string(), "expected value at line 3 column 8");
    }

    #[test]
    fn elements_that_may_hold_events_are_streamed_when_asked() {
        let text = r#"{"logEvents": []}, {"message": "events"}, [{"x": 1}]]"#;
        let (seen, rest) = elements(text, true);
        let kinds: Vec<_> = seen.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kinds, ["streamed", r#"{"message": "events"}"#, "streamed"]);
        assert_eq!(rest, "]");
        let (seen, _) = elements(text, false);
        assert_eq!(seen[0].0, r#"{"logEvents": []}"#);
    }
}
