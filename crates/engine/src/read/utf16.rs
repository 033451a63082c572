//! UTF-16 inputs, transcoded to UTF-8 as they are read: what Windows PowerShell 5's `>` and
//! `Out-File` write (UTF-16 LE with a byte order mark), and UTF-16 without a mark, known by
//! the NUL byte in every other place of ASCII text. Everything downstream reads UTF-8.
//!
//! std's `char::decode_utf16` does the decoding, with surrogate pairs and U+FFFD for a lone
//! surrogate; this layer only turns bytes into code units and carries a unit (or a byte)
//! split across two reads. A general crate (encoding_rs) would bring tables for dozens of
//! encodings that log files never use.

use std::io::{self, BufRead, Read};

/// The byte order of a UTF-16 input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    Big,
}

impl Endian {
    fn unit(self, pair: [u8; 2]) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes(pair),
            Endian::Big => u16::from_be_bytes(pair),
        }
    }
}

/// How many leading bytes are looked at for NULs when there is no byte order mark.
const SNIFF_BYTES: usize = 64;

/// The UTF-16 encoding the first bytes of an input are in, and the length of its byte
/// order mark (0 without one); `None` for anything else. Without a mark, at least four
/// ASCII characters are needed, each a NUL and a non-NUL byte in the same order.
pub(crate) fn detect(head: &[u8]) -> Option<(Endian, usize)> {
    match head {
        [0xFF, 0xFE, ..] => return Some((Endian::Little, 2)),
        [0xFE, 0xFF, ..] => return Some((Endian::Big, 2)),
        _ => {}
    }
    let head = &head[..head.len().min(SNIFF_BYTES) & !1];
    if head.len() < 8 {
        return None;
    }
    let pairs = || head.chunks_exact(2);
    if pairs().all(|p| p[0] != 0 && p[1] == 0) {
        Some((Endian::Little, 0))
    } else if pairs().all(|p| p[0] == 0 && p[1] != 0) {
        Some((Endian::Big, 0))
    } else {
        None
    }
}

/// A reader of UTF-8 over a UTF-16 input whose byte order mark, if any, was consumed.
pub(crate) struct Utf16Reader<R: BufRead> {
    inner: R,
    endian: Endian,
    /// UTF-8 decoded and not yet read, from `at`.
    out: Vec<u8>,
    at: usize,
    /// A byte of a code unit whose other byte is in the next read.
    odd_byte: Option<u8>,
    /// A high surrogate whose low one is in the next read.
    high: Option<u16>,
}

impl<R: BufRead> Utf16Reader<R> {
    pub(crate) fn new(inner: R, endian: Endian) -> Self {
        Utf16Reader {
            inner,
            endian,
            out: Vec::new(),
            at: 0,
            odd_byte: None,
            high: None,
        }
    }

    /// Decodes the next buffer of the input into `out`; false at the end of the input.
    fn decode_more(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.at = 0;
        let bytes = self.inner.fill_buf()?;
        if bytes.is_empty() {
            // what is left is a lone surrogate or half a unit
            if self.high.take().is_some() || self.odd_byte.take().is_some() {
                push_char(&mut self.out, char::REPLACEMENT_CHARACTER);
                return Ok(true);
            }
            return Ok(false);
        }
        let consumed = bytes.len();
        let endian = self.endian;
        let mut units = Vec::with_capacity(consumed / 2 + 2);
        units.extend(self.high.take());
        let mut rest = bytes;
        if let Some(first) = self.odd_byte.take() {
            units.push(endian.unit([first, rest[0]]));
            rest = &rest[1..];
        }
        let pairs = rest.chunks_exact(2);
        self.odd_byte = pairs.remainder().first().copied();
        units.extend(pairs.map(|p| endian.unit([p[0], p[1]])));
        if units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
            self.high = units.pop();
        }
        self.inner.consume(consumed);
        self.out.reserve(units.len());
        for decoded in char::decode_utf16(units) {
            push_char(
                &mut self.out,
                decoded.unwrap_or(char::REPLACEMENT_CHARACTER),
            );
        }
        Ok(true)
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buffer = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
}

impl<R: BufRead> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // a read of one byte or of a lone high surrogate decodes nothing yet: go on
        while self.at == self.out.len() {
            if !self.decode_more()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, endian: Endian) -> Vec<u8> {
        text.encode_utf16()
            .flat_map(|u| match endian {
                Endian::Little => u.to_le_bytes(),
                Endian::Big => u.to_be_bytes(),
            })
            .collect()
    }

    /// Reads `bytes` through a buffer of `capacity` bytes, so that units and surrogate pairs
    /// fall across reads.
    fn decode(bytes: &[u8], endian: Endian, capacity: usize) -> String {
        let inner = io::BufReader::with_capacity(capacity, bytes);
        let mut out = String::new();
        Utf16Reader::new(inner, endian)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn the_mark_or_the_nuls_say_the_byte_order() {
        let text = "{\r\n    \"results\": []\r\n}\r\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(utf16(text, Endian::Little));
        assert_eq!(detect(&le), Some((Endian::Little, 2)));
        let mut be = vec![0xFE, 0xFF];
        be.extend(utf16(text, Endian::Big));
        assert_eq!(detect(&be), Some((Endian::Big, 2)));
        assert_eq!(
            detect(&utf16(text, Endian::Little)),
            Some((Endian::Little, 0))
        );
        assert_eq!(detect(&utf16(text, Endian::Big)), Some((Endian::Big, 0)));
        // UTF-8, with or without a mark, a gzip, and too little to tell
        assert_eq!(detect(text.as_bytes()), None);
        assert_eq!(detect(b"\xEF\xBB\xBF{\n"), None);
        assert_eq!(detect(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), None);
        assert_eq!(detect(&utf16("{}", Endian::Little)), None);
        // Latin-1 letters keep the pattern; a character past U+00FF early breaks it, and
        // only a mark tells then
        assert_eq!(
            detect(&utf16("Ünïcødé text", Endian::Little)),
            Some((Endian::Little, 0))
        );
        assert_eq!(detect(&utf16("時間 text", Endian::Little)), None);
    }

    #[test]
    fn every_character_comes_through_across_any_split() {
        // ASCII, two- and three-byte UTF-8, and surrogate pairs (emoji, a CJK extension B
        // character)
        let text = "REPORT RequestId: ab12\tDuration: 3.5 ms\r\nçà 時間 😀𠀋 end\n";
        for endian in [Endian::Little, Endian::Big] {
            let bytes = utf16(text, endian);
            for capacity in [1, 2, 3, 5, 7, 64] {
                assert_eq!(
                    decode(&bytes, endian, capacity),
                    text,
                    "{endian:?} {capacity}"
                );
            }
        }
    }

    #[test]
    fn broken_units_become_replacement_characters() {
        // a lone low surrogate, a high one followed by a letter, one at the end, half a unit
        let units: [u16; 5] = [0x41, 0xDC00, 0xD800, 0x42, 0xD83D];
        let mut bytes: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(
            decode(&bytes, Endian::Little, 3),
            "A\u{FFFD}\u{FFFD}B\u{FFFD}"
        );
        bytes.truncate(8);
        bytes.push(0x43);
        assert_eq!(
            decode(&bytes, Endian::Little, 4),
            "A\u{FFFD}\u{FFFD}B\u{FFFD}"
        );
    }
}
