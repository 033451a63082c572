//! A reader of the one-line XML records the console's XML format writes:
//! `<request id="..."><ip>...</ip><status>504</status>...</request>`.

use super::fields::{normalize_name, NameBuffer};

/// Calls `visit(name, text)` for each attribute (named element + attribute, so the root's
/// `id` reads as `requestid`) and each element that holds text. Names are normalized as in
/// [`super::fields::field_of_name`]; text is raw (entities left as written). Returns whether
/// any element was found.
pub(crate) fn scan<'a>(line: &'a [u8], visit: &mut impl FnMut(&[u8], &'a [u8])) -> bool {
    let mut i = 0;
    let mut found = false;
    while let Some(offset) = line.get(i..).and_then(|rest| memchr::memchr(b'<', rest)) {
        i += offset + 1;
        if matches!(line.get(i), Some(b'/' | b'?' | b'!')) {
            continue;
        }
        let name_end = line[i..]
            .iter()
            .position(|b| matches!(b, b' ' | b'\t' | b'>' | b'/'))
            .map_or(line.len(), |p| i + p);
        let element = &line[i..name_end];
        if element.is_empty() {
            continue;
        }
        found = true;
        i = name_end;
        // attributes, up to the end of the tag
        let mut self_closing = false;
        while i < line.len() && line[i] != b'>' {
            if line[i] == b'/' {
                self_closing = true;
                i += 1;
                continue;
            }
            let Some(eq) = memchr::memchr(b'=', &line[i..]).map(|p| i + p) else {
                break;
            };
            let attribute = line[i..eq].trim_ascii();
            let quote = line.get(eq + 1).copied();
            if !matches!(quote, Some(b'"' | b'\'')) {
                i = eq + 1;
                continue;
            }
            let value_start = eq + 2;
            let Some(value_end) =
                memchr::memchr(quote.unwrap(), &line[value_start..]).map(|p| value_start + p)
            else {
                break;
            };
            let mut name = NameBuffer::new();
            if normalize_name(element, &mut name) && normalize_name(attribute, &mut name) {
                visit(name.as_bytes(), &line[value_start..value_end]);
            }
            i = value_end + 1;
        }
        i += 1;
        if self_closing || i > line.len() {
            continue;
        }
        // text up to the next tag: a value when that tag closes this element
        let text_end = memchr::memchr(b'<', &line[i..]).map_or(line.len(), |p| i + p);
        let closes =
            line[text_end..].starts_with(b"</") && line[text_end + 2..].starts_with(element);
        if closes {
            let mut name = NameBuffer::new();
            if normalize_name(element, &mut name) {
                visit(name.as_bytes(), &line[i..text_end]);
            }
        }
        i = text_end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_and_leaf_elements() {
        let line = br#"<request id="abc"><ip>1.2.3.4</ip><status>504</status><error><message>Endpoint request timed out</message></error><empty/></request>"#;
        let mut seen = Vec::new();
        assert!(scan(line, &mut |name, value| seen.push((
            String::from_utf8_lossy(name).into_owned(),
            String::from_utf8_lossy(value).into_owned()
        ))));
        let seen: Vec<(&str, &str)> = seen.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            seen,
            [
                ("requestid", "abc"),
                ("ip", "1.2.3.4"),
                ("status", "504"),
                ("message", "Endpoint request timed out"),
            ]
        );
    }

    #[test]
    fn a_truncated_record_yields_what_it_holds_without_panicking() {
        let mut count = 0;
        scan(br#"<request id="abc"><status>50"#, &mut |_, _| count += 1);
        assert_eq!(count, 1);
        scan(b"<", &mut |_, _| {});
        scan(b"<a b=", &mut |_, _| {});
        scan(b"<a b=\"x", &mut |_, _| {});
    }
}
