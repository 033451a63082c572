//! The layout of a JSON access-log template, learned from one record and used to read the
//! next ones without a JSON scanner: a template writes the same keys in the same order on
//! every line, so a record is read by comparing the bytes between its values with the
//! learned ones and finding where each value ends. This is the per-line path of a JSON
//! access log; it allocates nothing (its scratch is reused from line to line).

use super::fields::Field;
use super::json::Value;

/// Where a value lies in its line: `line[start..end]`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) escaped: bool,
}

impl Span {
    pub(super) fn of(line: &[u8], value: Value<'_>) -> Span {
        let start = value.raw.as_ptr() as usize - line.as_ptr() as usize;
        Span {
            start,
            end: start + value.raw.len(),
            escaped: value.escaped,
        }
    }

    fn value(self, line: &[u8]) -> Value<'_> {
        Value {
            raw: &line[self.start..self.end],
            escaped: self.escaped,
        }
    }
}

/// The shape of the last record read in full: the bytes between its values (keys, quotes,
/// separators) and, per value, whether it is quoted and the field it stands for. A record of
/// the same template matches it byte for byte between values, so it is read by comparing
/// those bytes and finding where each value ends, without looking at keys at all. A record
/// that does not match is read by the full scanner, which then teaches its shape here.
#[derive(Debug, Clone, Default)]
pub(super) struct Layout {
    /// The text between values, one piece after another; the last piece closes the record.
    between: Vec<u8>,
    values: Vec<LayoutValue>,
    /// Scratch for one record's values before they are handed out, so that a record that
    /// stops matching halfway hands out nothing.
    found: Vec<(Field, Span)>,
}

#[derive(Debug, Clone, Copy)]
struct LayoutValue {
    /// Where the text before this value ends in [`Layout::between`].
    between_end: usize,
    quoted: bool,
    field: Option<Field>,
}

impl Layout {
    pub(super) fn is_learned(&self) -> bool {
        !self.between.is_empty()
    }

    /// Learns the shape of `line` from its values, in order, as the full scanner found them.
    pub(super) fn learn(&mut self, line: &[u8], values: &[(Option<Field>, Span)]) {
        self.between.clear();
        self.values.clear();
        let mut at = 0;
        for &(field, span) in values {
            self.between.extend_from_slice(&line[at..span.start]);
            self.values.push(LayoutValue {
                between_end: self.between.len(),
                quoted: span.start > 0 && line[span.start - 1] == b'"',
                field,
            });
            at = span.end;
        }
        self.between.extend_from_slice(&line[at..]);
    }

    /// Reads `line` if it has this shape, calling `set` for its values; false (and nothing
    /// set) otherwise.
    pub(super) fn read<'a>(
        &mut self,
        line: &'a [u8],
        set: &mut impl FnMut(Field, Value<'a>),
    ) -> bool {
        let mut found = std::mem::take(&mut self.found);
        let matched = self.collect(line, &mut found);
        if matched {
            for &(field, span) in &found {
                set(field, span.value(line));
            }
        }
        found.clear();
        self.found = found;
        matched
    }

    /// Matches `line` against the shape, putting where each value with a field lies into
    /// `found`.
    fn collect(&self, line: &[u8], found: &mut Vec<(Field, Span)>) -> bool {
        let mut at = 0;
        let mut between_start = 0;
        for value in &self.values {
            let between = &self.between[between_start..value.between_end];
            between_start = value.between_end;
            if !line
                .get(at..at + between.len())
                .is_some_and(|text| same(text, between))
            {
                return false;
            }
            at += between.len();
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
            if let Some(field) = value.field {
                found.push((
                    field,
                    Span {
                        start: at,
                        end,
                        escaped,
                    },
                ));
            }
            at = end;
        }
        same(&line[at..], &self.between[between_start..])
    }
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

/// Whether two short byte strings are equal. The text between values is a few dozen bytes,
/// too short for a call to `memcmp` to pay off: it is compared as its first and last
/// eight or sixteen bytes (overlapping), so that a piece of up to 32 bytes takes no loop.
fn same(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    let wide = |bytes: &[u8], at: usize| {
        u128::from_le_bytes(bytes[at..at + 16].try_into().expect("16 bytes"))
    };
    match len {
        0..=7 => a.iter().zip(b).all(|(x, y)| x == y),
        8..=16 => word(&a[..8]) == word(&b[..8]) && word(&a[len - 8..]) == word(&b[len - 8..]),
        17..=32 => wide(a, 0) == wide(b, 0) && wide(a, len - 16) == wide(b, len - 16),
        _ => {
            let whole = a
                .chunks_exact(16)
                .zip(b.chunks_exact(16))
                .all(|(x, y)| x == y);
            whole && wide(a, len - 16) == wide(b, len - 16)
        }
    }
}

fn word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().expect("chunks of eight"))
}

/// Where the string value starting at `start` ends (its closing quote), and whether it
/// holds escapes.
fn string_end(line: &[u8], start: usize) -> Option<(usize, bool)> {
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

/// Where the first `"` or `\` at or after `start` is, sixteen bytes a step: most values
/// are shorter than that, so that a value's end is found in one step whatever its length
/// (a search whose number of steps varies from value to value is a branch the processor
/// cannot predict), and values are shorter than the set-up of `memchr`'s search.
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

/// The mask of `"` and `\` in 16 bytes (bit `i` for byte `i`).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn specials_of_16(bytes: &[u8; 16]) -> u32 {
    // SAFETY: the build enables SSE2 for all its code (as every x86_64 target does), so
    // the processor running it has SSE2.
    unsafe { specials_of_16_sse2(bytes) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn specials_of_16_sse2(bytes: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: `bytes` is 16 bytes; the load is unaligned.
    let bytes = unsafe { _mm_loadu_si128(bytes.as_ptr().cast::<__m128i>()) };
    let hits = _mm_or_si128(
        _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'"' as i8)),
        _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\\' as i8)),
    );
    _mm_movemask_epi8(hits) as u32
}

/// The mask of `"` and `\` in 16 bytes (bit `i` for byte `i`), eight bytes at a time.
#[cfg(any(test, not(all(target_arch = "x86_64", target_feature = "sse2"))))]
fn specials_of_16_words(bytes: &[u8; 16]) -> u32 {
    const LOW7: u64 = u64::from_le_bytes([0x7f; 8]);
    // the high bit of each byte of `x` that is zero (exact: no borrow from byte to byte)
    let zero_bytes = |x: u64| !(((x & LOW7) + LOW7) | x | LOW7);
    // the eight high bits gathered into one byte
    let gather = |hits: u64| ((hits >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
    let mut mask = 0u32;
    for (k, part) in bytes.chunks_exact(8).enumerate() {
        let x = word(part);
        let hits = zero_bytes(x ^ u64::from_le_bytes([b'"'; 8]))
            | zero_bytes(x ^ u64::from_le_bytes([b'\\'; 8]));
        mask |= (gather(hits) as u32) << (8 * k);
    }
    mask
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
fn specials_of_16(bytes: &[u8; 16]) -> u32 {
    specials_of_16_words(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_bytes(bytes: &[u8]) -> u32 {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| matches!(b, b'"' | b'\\'))
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
            assert_eq!(specials_of_16(&bytes), by_bytes(&bytes));
            assert_eq!(specials_of_16_words(&bytes), by_bytes(&bytes));
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
    fn short_texts_compare_as_bytes_do() {
        let a: Vec<u8> = (0..70u8).collect();
        for len in 0..70 {
            assert!(same(&a[..len], &a[..len]));
            for flip in 0..len {
                let mut b = a[..len].to_vec();
                b[flip] ^= 0x20;
                assert!(!same(&a[..len], &b), "{len} {flip}");
            }
        }
        assert!(!same(b"abc", b"abcd"));
    }
}
