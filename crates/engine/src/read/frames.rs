//! Cutting a byte stream into the JSON values it holds one after another, whatever is
//! between them: pretty-printed documents, records concatenated with no separator (`}{`, as
//! Kinesis Data Firehose delivers them), and text after them, without parsing. A value is
//! held whole only while it is small; a larger one is handed on unfinished, to be walked as
//! a stream.

use std::io::{self, BufRead};

/// Values up to this size are held whole (and read like a line when they are a record).
pub(crate) const HELD_VALUE: usize = 4 << 20;

/// What comes next in the stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A whole value, from its first byte to its last.
    Value(Vec<u8>),
    /// The start of a value larger than [`HELD_VALUE`]: its rest is still in the stream.
    Large(Vec<u8>),
    /// A value broken off by a blank line or the end of the input.
    Broken(Vec<u8>),
    /// Something that is not JSON starts here: the rest is read as lines.
    Text,
    End,
}

/// A cutter of values, counting the line breaks it consumes.
#[derive(Debug, Default)]
pub(crate) struct Frames {
    /// Line breaks consumed before the last value started.
    pub(crate) start: u64,
    /// Line breaks consumed so far.
    pub(crate) newlines: u64,
    /// Bytes consumed since the last line break (a last line without one).
    pub(crate) partial: bool,
}

impl Frames {
    /// The next frame of `reader`: whitespace before a value is skipped.
    pub(crate) fn next(&mut self, reader: &mut impl BufRead) -> io::Result<Frame> {
        // whitespace between values
        loop {
            let buf = reader.fill_buf()?;
            let Some(&first) = buf.first() else {
                return Ok(Frame::End);
            };
            let spaces = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if spaces == 0 {
                if first != b'{' && !(first == b'[' && opens_array(buf)) {
                    return Ok(Frame::Text);
                }
                self.start = self.newlines;
                break;
            }
            self.count(&buf[..spaces]);
            reader.consume(spaces);
        }
        let mut value = Vec::new();
        let mut scan = Scan::default();
        loop {
            let buf = reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(Frame::Broken(value));
            }
            let (used, outcome) = scan.feed(buf);
            self.count(&buf[..used]);
            value.extend_from_slice(&buf[..used]);
            reader.consume(used);
            match outcome {
                Some(Scanned::Complete) => return Ok(Frame::Value(value)),
                Some(Scanned::Blank) => return Ok(Frame::Broken(value)),
                None if value.len() > HELD_VALUE => return Ok(Frame::Large(value)),
                None => {}
            }
        }
    }

    pub(crate) fn count(&mut self, bytes: &[u8]) {
        if let Some(last) = memchr::memrchr(b'\n', bytes) {
            self.newlines += memchr::memchr_iter(b'\n', bytes).count() as u64;
            self.partial = last + 1 < bytes.len();
        } else if !bytes.is_empty() {
            self.partial = true;
        }
    }
}

/// Whether a `[` opens a JSON array rather than a text line (`[INFO]`, `[ERROR] 2024-...`),
/// from the bytes that follow it on its line.
pub(crate) fn opens_array(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"[") else {
        return false;
    };
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
    let rest = rest[..end].trim_ascii();
    match rest.first() {
        None | Some(b'{' | b'[' | b'"' | b']') => true,
        // `[1, 2]` and `[-1]`, but not `[2024-06-01 10:00:00] INFO`: the line must be JSON
        Some(b'0'..=b'9' | b'-' | b't' | b'f' | b'n') => {
            let mut line = Vec::with_capacity(rest.len() + 1);
            line.push(b'[');
            line.extend_from_slice(rest);
            serde_json::from_slice::<serde::de::IgnoredAny>(&line).is_ok() || rest.ends_with(b",")
        }
        _ => false,
    }
}

/// The state of a scan through a value: its depth, inside a string or not.
#[derive(Debug, Default)]
struct Scan {
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// A line break outside strings with only whitespace after it so far.
    after_newline: bool,
}

enum Scanned {
    Complete,
    /// A blank line inside the value: JSON printers never write one, so the value is broken.
    Blank,
}

impl Scan {
    /// Scans `buf`, returning how many bytes belong to the value and whether it ended.
    fn feed(&mut self, buf: &[u8]) -> (usize, Option<Scanned>) {
        for (i, &b) in buf.iter().enumerate() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                } else if b == b'\n' {
                    // a raw line break ends a string that was never closed
                    self.in_string = false;
                    self.after_newline = true;
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return (i + 1, Some(Scanned::Complete));
                    }
                }
                b'\n' if self.after_newline => return (i, Some(Scanned::Blank)),
                b'\n' => {
                    self.after_newline = true;
                    continue;
                }
                b' ' | b'\t' | b'\r' => continue,
                _ => {}
            }
            self.after_newline = false;
        }
        (buf.len(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(text: &str) -> Vec<String> {
        let mut reader = text.as_bytes();
        let mut frames = Frames::default();
        let mut out = Vec::new();
        loop {
            match frames.next(&mut reader).unwrap() {
                Frame::End => break,
                Frame::Text => {
                    out.push(format!("text:{}", String::from_utf8_lossy(reader)));
                    break;
                }
                Frame::Value(v) => out.push(String::from_utf8(v).unwrap()),
                Frame::Broken(v) => out.push(format!("broken:{}", String::from_utf8(v).unwrap())),
                Frame::Large(_) => unreachable!("small test values"),
            }
        }
        out
    }

    #[test]
    fn values_one_after_another_with_or_without_separators() {
        assert_eq!(
            frames(r#"{"a":"}{"}{"b":[1,{"c":2}]} [3]"#),
            [r#"{"a":"}{"}"#, r#"{"b":[1,{"c":2}]}"#, "[3]"]
        );
        assert_eq!(
            frames("{\n  \"a\": 1\n}\nSTART RequestId: x\n"),
            ["{\n  \"a\": 1\n}", "text:START RequestId: x\n"]
        );
        assert_eq!(
            frames("{\n \"a\": \n\n{\"b\":1}"),
            ["broken:{\n \"a\": \n", "{\"b\":1}"]
        );
        assert_eq!(frames("{\"a\":"), ["broken:{\"a\":"]);
    }

    #[test]
    fn a_bracket_opens_an_array_only_when_json_follows() {
        assert!(opens_array(b"["));
        assert!(opens_array(b"[{\"a\":1}"));
        assert!(opens_array(b"[1, 2]"));
        assert!(opens_array(b"[\n"));
        assert!(!opens_array(b"[INFO]\t2024-06-01T10:00:00.000Z\tid\thello"));
        assert!(!opens_array(b"[2024-06-01 10:00:00] INFO started"));
        assert!(!opens_array(b"[ERROR] boom"));
    }

    #[test]
    fn line_breaks_are_counted_with_a_last_line_without_one() {
        let mut frames = Frames::default();
        let mut reader = &b"{\n\"a\":1\n}\n\n{}"[..];
        while frames.next(&mut reader).unwrap() != Frame::End {}
        assert_eq!((frames.newlines, frames.partial), (4, true));
    }
}
