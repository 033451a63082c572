//! The layout of a JSON access-log template, learned from one record and used to read the
//! next ones without a JSON scanner: a template writes the same keys in the same order on
//! every line, so a record is read by comparing the bytes between its values with the
//! learned ones and finding where each value ends. This is the per-line path of a JSON
//! access log; it allocates nothing (its scratch is reused from line to line).

use super::fields::Field;
use super::json::Value;
use super::{AccessRecord, UNREAD};

/// Where a value lies in its line: `line[start..end]`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Span {
    pub(super) fn of(line: &[u8], value: Value<'_>) -> Span {
        let start = value.raw.as_ptr() as usize - line.as_ptr() as usize;
        Span {
            start,
            end: start + value.raw.len(),
        }
    }
}

/// The shape of the last record read in full: the bytes between its values (keys, quotes,
/// separators) and, per value, whether it is quoted and the field it fills. A record of the
/// same template matches it byte for byte between values, so it is read by comparing those
/// bytes and finding where each value ends, without looking at keys at all. A record that
/// does not match is read by the full scanner, which then teaches its shape here.
#[derive(Debug, Clone, Default)]
pub(super) struct Layout {
    /// The text between values, one piece after another; the last piece closes the record.
    between: Vec<u8>,
    values: Vec<LayoutValue>,
    /// The text after the last value.
    close: Piece,
}

#[derive(Debug, Clone, Copy)]
struct LayoutValue {
    /// The text before this value.
    before: Piece,
    quoted: bool,
    /// The slot of [`AccessRecord`] this value fills: [`UNREAD`] for a value the analysis
    /// does not read, and for a field's second spelling in the record (the first one wins,
    /// as in the full scanner's reading).
    slot: usize,
}

/// A piece of the text between values, kept so that comparing it with a line's bytes takes
/// two 16-byte comparisons and no loop when it is at most 32 bytes long (as the text between
/// two values nearly always is): its first 16 bytes and its last 16 (overlapping, or the
/// same bytes again when shorter), each with the mask of the bytes that count.
#[derive(Debug, Clone, Copy, Default)]
struct Piece {
    /// Where it lies in [`Layout::between`].
    start: u32,
    len: u32,
    head: u128,
    head_mask: u128,
    /// Where the second comparison starts, from the piece's start.
    tail_at: u32,
    tail: u128,
    tail_mask: u128,
    /// Its first 32 bytes and their mask, for comparing it in one step with AVX2.
    wide: [u8; 32],
    wide_mask: [u8; 32],
}

impl Piece {
    fn of(all: &[u8], start: usize, len: usize) -> Piece {
        let bytes = &all[start..start + len];
        let sixteen = |from: usize| {
            let mut word = [0u8; 16];
            let part = &bytes[from..len.min(from + 16)];
            word[..part.len()].copy_from_slice(part);
            (u128::from_le_bytes(word), byte_mask(part.len()))
        };
        let (head, head_mask) = sixteen(0);
        let tail_at = len.saturating_sub(16);
        let (tail, tail_mask) = sixteen(tail_at);
        let (mut wide, mut wide_mask) = ([0u8; 32], [0u8; 32]);
        let first = len.min(32);
        wide[..first].copy_from_slice(&bytes[..first]);
        wide_mask[..first].fill(0xff);
        Piece {
            start: start as u32,
            len: len as u32,
            head,
            head_mask,
            tail_at: tail_at as u32,
            tail,
            tail_mask,
            wide,
            wide_mask,
        }
    }

    /// Whether `line` holds this piece at `at`; `all` is [`Layout::between`].
    #[inline(always)]
    fn is_at(&self, line: &[u8], at: usize, all: &[u8]) -> bool {
        let len = self.len as usize;
        // Both comparisons read 16 bytes; a piece too long, or too near the line's end, for
        // them is compared byte for byte.
        if len <= 32 && at + len.max(16) <= line.len() {
            let head = load16(line, at);
            let tail = load16(line, at + self.tail_at as usize);
            ((head ^ self.head) & self.head_mask) | ((tail ^ self.tail) & self.tail_mask) == 0
        } else {
            let start = self.start as usize;
            line.get(at..at + len) == Some(&all[start..start + len])
        }
    }
}

/// The mask of the first `len` bytes (at most 16) of a [`load16`] word.
fn byte_mask(len: usize) -> u128 {
    if len >= 16 {
        u128::MAX
    } else {
        (1u128 << (8 * len)) - 1
    }
}

/// The 16 bytes of `line` at `at`, the first one lowest.
#[inline(always)]
fn load16(line: &[u8], at: usize) -> u128 {
    u128::from_le_bytes(line[at..at + 16].try_into().expect("16 bytes"))
}

impl Layout {
    pub(super) fn is_learned(&self) -> bool {
        !self.values.is_empty() || self.close.len > 0
    }

    /// Learns the shape of `line` from its values, in order, as the full scanner found them.
    pub(super) fn learn(&mut self, line: &[u8], values: &[(Option<Field>, Span)]) {
        self.between.clear();
        self.values.clear();
        let mut at = 0;
        let mut filled = 0u64;
        let mut pieces = Vec::with_capacity(values.len());
        for &(field, span) in values {
            pieces.push((self.between.len(), span.start - at));
            self.between.extend_from_slice(&line[at..span.start]);
            let first = field.filter(|field| filled & (1 << *field as u32) == 0);
            if let Some(field) = first {
                filled |= 1 << field as u32;
            }
            self.values.push(LayoutValue {
                before: Piece::default(),
                quoted: span.start > 0 && line[span.start - 1] == b'"',
                slot: first.map_or(UNREAD, |field| field as usize),
            });
            at = span.end;
        }
        let close_start = self.between.len();
        self.between.extend_from_slice(&line[at..]);
        for (value, (start, len)) in self.values.iter_mut().zip(pieces) {
            value.before = Piece::of(&self.between, start, len);
        }
        self.close = Piece::of(&self.between, close_start, line.len() - at);
    }

    /// Reads `line` into `record` if it has this shape; false otherwise, when some of its
    /// values may have been set (the caller starts the record again).
    pub(super) fn read<'a>(&self, line: &'a [u8], record: &mut AccessRecord<'a>) -> bool {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { self.read_avx2(line, record) };
        }
        self.read_value_by_value(line, record)
    }

    /// Reads a record value after value, each value's end found from its start.
    fn read_value_by_value<'a>(&self, line: &'a [u8], record: &mut AccessRecord<'a>) -> bool {
        let mut at = 0;
        for value in &self.values {
            if !value.before.is_at(line, at, &self.between) {
                return false;
            }
            at += value.before.len as usize;
            let (end, escaped) = if value.quoted {
                match string_end(line, at) {
                    Some(found) => found,
                    None => return false,
                }
            } else {
                match bare_end(line, at) {
                    Some(end) => (end, false),
                    None => return false,
                }
            };
            record.values[value.slot] = Some(Value {
                raw: &line[at..end],
                escaped,
            });
            at = end;
        }
        line.len() == at + self.close.len as usize && self.close.is_at(line, at, &self.between)
    }
}

#[cfg(target_arch = "x86_64")]
impl Layout {
    /// [`Layout::read_value_by_value`] 32 bytes a step: most values and most pieces of text
    /// between them are shorter than that, so each is found or compared in one step of a few
    /// instructions. A value with an escape sends the line to the value-by-value reader.
    #[target_feature(enable = "avx2")]
    fn read_avx2<'a>(&self, line: &'a [u8], record: &mut AccessRecord<'a>) -> bool {
        let mut at = 0;
        for value in &self.values {
            if !value.before.is_at_avx2(line, at, &self.between) {
                return false;
            }
            at += value.before.len as usize;
            let end = if value.quoted {
                match quote_or_backslash_avx2(line, at) {
                    Some(end) if line[end] == b'"' => Some(end),
                    // an escape: read as it is everywhere else
                    Some(_) => return self.read_value_by_value(line, record),
                    None => None,
                }
            } else {
                bare_end(line, at)
            };
            let Some(end) = end else {
                return false;
            };
            record.values[value.slot] = Some(Value {
                raw: &line[at..end],
                escaped: false,
            });
            at = end;
        }
        line.len() == at + self.close.len as usize && self.close.is_at(line, at, &self.between)
    }
}

#[cfg(target_arch = "x86_64")]
impl Piece {
    /// [`Piece::is_at`] in one 32-byte comparison where the piece and the line allow it.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn is_at_avx2(&self, line: &[u8], at: usize, all: &[u8]) -> bool {
        use std::arch::x86_64::{
            __m256i, _mm256_and_si256, _mm256_loadu_si256, _mm256_testz_si256, _mm256_xor_si256,
        };
        if self.len > 32 || at + 32 > line.len() {
            return self.is_at(line, at, all);
        }
        // SAFETY: `at + 32 <= line.len()`, checked above, so the 32 bytes read are the
        // line's; the piece's two arrays are 32 bytes each; the loads are unaligned.
        let (bytes, wide, mask) = unsafe {
            (
                _mm256_loadu_si256(line.as_ptr().add(at).cast::<__m256i>()),
                _mm256_loadu_si256(self.wide.as_ptr().cast::<__m256i>()),
                _mm256_loadu_si256(self.wide_mask.as_ptr().cast::<__m256i>()),
            )
        };
        let differ = _mm256_and_si256(_mm256_xor_si256(bytes, wide), mask);
        _mm256_testz_si256(differ, differ) == 1
    }
}

/// Where the first `"` or `\\` at or after `start` is, 32 bytes a step.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn quote_or_backslash_avx2(line: &[u8], start: usize) -> Option<usize> {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    let mut at = start;
    while at + 32 <= line.len() {
        // SAFETY: `at + 32 <= line.len()`, so the 32 bytes read are the line's; the load
        // is unaligned.
        let bytes = unsafe { _mm256_loadu_si256(line.as_ptr().add(at).cast::<__m256i>()) };
        let specials = _mm256_movemask_epi8(_mm256_or_si256(
            _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(b'"' as i8)),
            _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(b'\\' as i8)),
        ));
        if specials != 0 {
            return Some(at + specials.trailing_zeros() as usize);
        }
        at += 32;
    }
    quote_or_backslash(line, at)
}

/// Where a bare value starting at `at` ends, as the full scanner reads it: up to `,` or `}`,
/// not a string, object or array, and without the spaces before the separator.
fn bare_end(line: &[u8], at: usize) -> Option<usize> {
    if matches!(line.get(at), None | Some(b'"' | b'{' | b'[')) {
        return None;
    }
    let offset = memchr::memchr2(b',', b'}', &line[at..])?;
    Some(at + line[at..at + offset].trim_ascii_end().len())
}

/// Where the string value starting at `start` ends (its closing quote), and whether it
/// holds escapes.
#[inline(always)]
fn string_end(line: &[u8], start: usize) -> Option<(usize, bool)> {
    // Most values are shorter than 32 bytes and hold no escape: their end is the first
    // quote of the 32 bytes at their start, found without a loop.
    if let Some(bytes) = line.get(start..start + 32) {
        let (quotes, backslashes) = specials_of_32(bytes.try_into().expect("32 bytes"));
        let first_quote = quotes & quotes.wrapping_neg();
        if first_quote != 0 && backslashes & (first_quote - 1) == 0 {
            return Some((start + quotes.trailing_zeros() as usize, false));
        }
    }
    string_end_stepwise(line, start)
}

/// [`string_end`] for any value: escapes skipped, sixteen bytes a step.
fn string_end_stepwise(line: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut at = start;
    let mut escaped = false;
    loop {
        at = quote_or_backslash(line, at)?;
        if line[at] == b'"' {
            return Some((at, escaped));
        }
        escaped = true;
        at += 2;
        if at > line.len() {
            return None;
        }
    }
}

/// Where the first `"` or `\` at or after `start` is, sixteen bytes a step.
fn quote_or_backslash(line: &[u8], start: usize) -> Option<usize> {
    let mut at = start;
    while let Some(bytes) = line.get(at..at + 16) {
        let mask = specials_of_16(bytes.try_into().expect("16 bytes"));
        if mask != 0 {
            return Some(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    line[at..]
        .iter()
        .position(|b| matches!(b, b'"' | b'\\'))
        .map(|offset| at + offset)
}

/// The masks of `"` and of `\` in 32 bytes (bit `i` for byte `i`).
#[inline(always)]
fn specials_of_32(bytes: &[u8; 32]) -> (u32, u32) {
    let (low, high) = bytes.split_at(16);
    let (q0, b0) = quotes_and_backslashes(low.try_into().expect("16 bytes"));
    let (q1, b1) = quotes_and_backslashes(high.try_into().expect("16 bytes"));
    (q0 | q1 << 16, b0 | b1 << 16)
}

/// The mask of `"` and `\` in 16 bytes (bit `i` for byte `i`).
fn specials_of_16(bytes: &[u8; 16]) -> u32 {
    let (quotes, backslashes) = quotes_and_backslashes(bytes);
    quotes | backslashes
}

/// The mask of `"` and `\` in 16 bytes (bit `i` for byte `i`).
/// The masks of `"` and of `\\` in 16 bytes (bit `i` for byte `i`).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn quotes_and_backslashes(bytes: &[u8; 16]) -> (u32, u32) {
    // SAFETY: the build enables SSE2 for all its code (as every x86_64 target does), so
    // the processor running it has SSE2.
    unsafe { quotes_and_backslashes_sse2(bytes) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
#[inline]
fn quotes_and_backslashes_sse2(bytes: &[u8; 16]) -> (u32, u32) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
    };
    // SAFETY: `bytes` is 16 bytes; the load is unaligned.
    let bytes = unsafe { _mm_loadu_si128(bytes.as_ptr().cast::<__m128i>()) };
    let quotes = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'"' as i8));
    let backslashes = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\\' as i8));
    (
        _mm_movemask_epi8(quotes) as u32,
        _mm_movemask_epi8(backslashes) as u32,
    )
}

/// [`quotes_and_backslashes`] eight bytes at a time, for processors without SSE2.
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
fn quotes_and_backslashes_words(bytes: &[u8; 16]) -> (u32, u32) {
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    // the high bit of each byte of `x` that is zero (exact: no borrow from byte to byte)
    let zero_bytes = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    // the eight high bits gathered into one byte
    let gather = |hits: u64| ((hits >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
    let (mut quotes, mut backslashes) = (0u32, 0u32);
    for (k, part) in bytes.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(part.try_into().expect("chunks of eight"));
        quotes |= (gather(zero_bytes(x ^ u64::from_le_bytes([b'"'; 8]))) as u32) << (8 * k);
        backslashes |= (gather(zero_bytes(x ^ u64::from_le_bytes([b'\\'; 8]))) as u32) << (8 * k);
    }
    (quotes, backslashes)
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
fn quotes_and_backslashes(bytes: &[u8; 16]) -> (u32, u32) {
    quotes_and_backslashes_words(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_bytes(bytes: &[u8], wanted: u8) -> u32 {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == wanted)
            .fold(0, |mask, (i, _)| mask | 1 << i)
    }

    #[test]
    fn the_masks_mark_quotes_and_backslashes_only() {
        let mut bytes = [0u8; 16];
        // every byte value at every place, a few at a time
        for start in 0..=255u8 {
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = start.wrapping_add((i * 37) as u8);
            }
            bytes[(start % 16) as usize] = b'"';
            bytes[((start / 3) % 16) as usize] = b'\\';
            let expected = (by_bytes(&bytes, b'"'), by_bytes(&bytes, b'\\'));
            assert_eq!(quotes_and_backslashes(&bytes), expected);
            assert_eq!(quotes_and_backslashes_words(&bytes), expected);
        }
    }

    #[test]
    fn the_first_quote_or_backslash_is_found_at_any_distance() {
        for len in 0..80 {
            for place in 0..=len {
                let mut line = vec![b'a'; len];
                if place < len {
                    line[place] = if place % 2 == 0 { b'"' } else { b'\\' };
                }
                for start in 0..=place.min(len) {
                    let expected = (place < len).then_some(place);
                    assert_eq!(quote_or_backslash(&line, start), expected, "{len} {place}");
                }
            }
        }
    }

    #[test]
    fn string_ends_are_found_past_escapes() {
        let mut line = vec![b'a'; 200];
        line[130] = b'\\';
        line[131] = b'"';
        line[150] = b'"';
        assert_eq!(string_end(&line, 0), Some((150, true)));
        assert_eq!(string_end(&line, 132), Some((150, false)));
        assert_eq!(string_end(&line, 151), None);
        // an escape as the line's last byte
        assert_eq!(string_end(br#"abc\"#, 0), None);
    }

    #[test]
    fn the_one_step_end_agrees_with_the_stepwise_one() {
        // a quote at every distance from the start, with and without a backslash before it,
        // on lines that end at every distance after it
        for quote in 0..70 {
            for backslash in [None, Some(0), Some(quote / 2), Some(quote + 1)] {
                for tail in 0..40 {
                    let mut line = vec![b'x'; quote + 1 + tail];
                    line[quote] = b'"';
                    if let Some(at) = backslash.filter(|at| *at < line.len() && *at != quote) {
                        line[at] = b'\\';
                    }
                    assert_eq!(
                        string_end(&line, 0),
                        string_end_stepwise(&line, 0),
                        "{quote} {backslash:?} {tail}"
                    );
                }
            }
        }
    }

    #[test]
    fn pieces_compare_as_bytes_do_at_any_place() {
        let all: Vec<u8> = (0..70u8).map(|b| b'0' + b % 40).collect();
        for len in 0..50 {
            let piece = Piece::of(&all, 3, len);
            let wanted = &all[3..3 + len];
            for before in [0, 5] {
                for after in [0, 1, 15, 16, 40] {
                    let mut line = vec![b'-'; before];
                    line.extend_from_slice(wanted);
                    line.extend(std::iter::repeat_n(b'-', after));
                    assert!(piece.is_at(&line, before, &all), "{len} {before} {after}");
                    for flip in 0..len {
                        let mut other = line.clone();
                        other[before + flip] ^= 0x20;
                        assert!(!piece.is_at(&other, before, &all), "{len} {flip}");
                    }
                    // cut short by the line's end
                    if len > 0 {
                        let cut = &line[..before + len - 1];
                        assert!(!piece.is_at(cut, before, &all), "{len} cut");
                    }
                }
            }
        }
    }

    /// A record of the template `{"a":"…","status":"…","n":…,"long_key_of_forty_bytes_or_so_here":"…"}`
    /// with the given values, and the spans of its values.
    fn record_of(values: [&str; 4]) -> (Vec<u8>, Vec<(Option<Field>, Span)>) {
        let parts = [
            r#"{"a":""#,
            r#"","status":""#,
            r#"","n":"#,
            r#","long_key_of_forty_bytes_or_so_here":""#,
        ];
        let mut line = Vec::new();
        let mut spans = Vec::new();
        let fields = [
            Some(Field::RequestId),
            Some(Field::Status),
            Some(Field::ResponseLatency),
            None,
        ];
        for ((part, value), field) in parts.iter().zip(values).zip(fields) {
            line.extend_from_slice(part.as_bytes());
            let start = line.len();
            line.extend_from_slice(value.as_bytes());
            spans.push((
                field,
                Span {
                    start,
                    end: line.len(),
                },
            ));
        }
        line.extend_from_slice(br#""}"#);
        (line, spans)
    }

    #[test]
    fn both_readers_read_every_line_alike() {
        let (template, spans) = record_of(["r", "200", "5", "x"]);
        let mut layout = Layout::default();
        layout.learn(&template, &spans);
        let lengths = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100];
        let filler = |len: usize, k: usize| -> String {
            (0..len)
                .map(|i| (b'a' + ((i + k) % 26) as u8) as char)
                .collect()
        };
        let mut lines = Vec::new();
        for (k, &len) in lengths.iter().enumerate() {
            let text = filler(len, k);
            let half = len / 2;
            let escaped = format!(r#"{}\"{}"#, &text[..half], &text[half..]);
            let stray = format!(r#"{}"{}"#, &text[..half], &text[half..]);
            for value in [text.clone(), escaped, stray] {
                lines.push(record_of([&value, "504", "12", "y"]).0);
                lines.push(record_of(["id", &value, "7", "y"]).0);
                lines.push(record_of(["id", "200", "3", &value]).0);
            }
            lines.push(record_of(["id", "200", &text, "y"]).0);
        }
        let (mut cut, _) = record_of(["id", "200", "3", "z"]);
        cut.pop();
        lines.push(cut);
        for line in &lines {
            let mut by_value = AccessRecord::default();
            let expected = layout.read_value_by_value(line, &mut by_value);
            let mut got = AccessRecord::default();
            let matched = layout.read(line, &mut got);
            let text = String::from_utf8_lossy(line);
            assert_eq!(matched, expected, "{text}");
            if matched {
                assert_eq!(
                    format!("{:?}", got.values),
                    format!("{:?}", by_value.values),
                    "{text}"
                );
            }
        }
        // the template's own shape is read, and a value of another length too
        let mut record = AccessRecord::default();
        let (line, _) = record_of(["abc", "504", "29000", "q"]);
        assert!(layout.read(&line, &mut record));
        assert_eq!(record.bytes(Field::Status), Some(&b"504"[..]));
        assert_eq!(record.response_latency_ms(), Some(29000));
    }
}
