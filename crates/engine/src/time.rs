//! Timestamps as logs write them, to milliseconds since the Unix epoch (UTC).
//!
//! Hand-written for the two fixed layouts that appear on every line (CLF and ISO 8601): they
//! sit in the hot path, where a general date parser costs more than the rest of the line.

/// `06/Mar/2026:09:00:00 +0000` (CLF, `$context.requestTime`).
pub(crate) fn parse_clf(raw: &[u8]) -> Option<i64> {
    let raw = raw.trim_ascii();
    if raw.len() < 20 || raw[2] != b'/' || raw[6] != b'/' || raw[11] != b':' {
        return None;
    }
    let day = digits(&raw[0..2])?;
    let month = match &raw[3..6] {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    let year = digits(&raw[7..11])?;
    let (hour, minute, second) = clock(&raw[12..20])?;
    let offset = match raw.get(20..) {
        Some(rest) if !rest.trim_ascii().is_empty() => zone_offset_ms(rest.trim_ascii())?,
        _ => 0,
    };
    Some(epoch_ms(year, month, day, hour, minute, second, 0)? - offset)
}

/// `2026-03-06T09:00:00.531Z`, `2026-03-06T09:00:00.531000+00:00`, `2026-03-06 09:00:00.000`
/// (Logs Insights), with or without fractions; no zone means UTC.
pub(crate) fn parse_iso(raw: &[u8]) -> Option<i64> {
    let raw = raw.trim_ascii();
    if raw.len() < 19 || raw[4] != b'-' || raw[7] != b'-' || !matches!(raw[10], b'T' | b' ') {
        return None;
    }
    let year = digits(&raw[0..4])?;
    let month = digits(&raw[5..7])?;
    let day = digits(&raw[8..10])?;
    let (hour, minute, second) = clock(&raw[11..19])?;
    let mut rest = &raw[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        let mut ms = 0;
        for i in 0..3 {
            ms = ms * 10
                + fraction
                    .get(i)
                    .filter(|_| i < len)
                    .map_or(0, |d| i64::from(d - b'0'));
        }
        millis = ms;
        rest = &fraction[len..];
    }
    let offset = if rest.is_empty() || rest == b"Z" {
        0
    } else {
        zone_offset_ms(rest)?
    };
    Some(epoch_ms(year, month, day, hour, minute, second, millis)? - offset)
}

/// Whether a line starts with an ISO 8601 timestamp, and where it ends.
pub(crate) fn iso_prefix_len(line: &[u8]) -> Option<usize> {
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // An ISO time stamp is at most 35 bytes (with microseconds and an offset).
    let head = &line[..line.len().min(40)];
    let end = head
        .iter()
        .position(|b| *b == b' ' || *b == b'\t')
        .unwrap_or(head.len());
    parse_iso(&line[..end]).map(|_| end)
}

fn digits(raw: &[u8]) -> Option<i64> {
    if raw.is_empty() || !raw.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(raw.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

fn clock(raw: &[u8]) -> Option<(i64, i64, i64)> {
    if raw[2] != b':' || raw[5] != b':' {
        return None;
    }
    Some((
        digits(&raw[0..2])?,
        digits(&raw[3..5])?,
        digits(&raw[6..8])?,
    ))
}

/// `+0000`, `-0530`, `+00:00`.
fn zone_offset_ms(raw: &[u8]) -> Option<i64> {
    let sign = match raw.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest: Vec<u8> = raw[1..].iter().copied().filter(|b| *b != b':').collect();
    if rest.len() != 4 {
        return None;
    }
    Some(sign * (digits(&rest[0..2])? * 3_600_000 + digits(&rest[2..4])? * 60_000))
}

fn epoch_ms(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
) -> Option<i64> {
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(
        (days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000
            + millis,
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A proleptic Gregorian date of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Milliseconds since the epoch of an ISO 8601 time with a zone (`Z` or an offset).
pub fn parse_iso_ms(text: &str) -> Option<i64> {
    parse_iso(text.trim().as_bytes())
}

/// `2026-03-06 10:10:05 UTC`, for milliseconds since the epoch.
pub fn format_utc(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clf_and_iso_agree() {
        let clf = parse_clf(b"06/Mar/2026:09:00:00 +0000").unwrap();
        assert_eq!(clf, 1_772_787_600_000);
        assert_eq!(parse_iso(b"2026-03-06T09:00:00.000Z"), Some(clf));
        assert_eq!(
            parse_iso(b"2026-03-06T09:00:00.531000+00:00"),
            Some(clf + 531)
        );
        assert_eq!(parse_iso(b"2026-03-06 09:00:00.5"), Some(clf + 500));
        assert_eq!(parse_iso(b"2026-03-06T10:00:00+01:00"), Some(clf));
        assert_eq!(parse_clf(b"06/Mar/2026:10:30:00 +0130"), Some(clf));
    }

    #[test]
    fn formatting_inverts_parsing() {
        for text in [
            "2026-03-06T10:10:05Z",
            "2024-02-29T23:59:59Z",
            "1969-12-31T00:00:00Z",
        ] {
            let ms = parse_iso(text.as_bytes()).unwrap();
            let expected = format!("{} UTC", text.replace('T', " ").trim_end_matches('Z'));
            assert_eq!(format_utc(ms), expected);
        }
    }

    #[test]
    fn dates_around_leap_days_and_the_epoch() {
        assert_eq!(parse_iso(b"1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_iso(b"2024-02-29T00:00:00Z"), Some(1_709_164_800_000));
        assert_eq!(parse_iso(b"2024-03-01T00:00:00Z"), Some(1_709_251_200_000));
    }

    #[test]
    fn not_times() {
        assert_eq!(parse_clf(b"06/Foo/2026:09:00:00 +0000"), None);
        assert_eq!(parse_iso(b"2026-13-06T09:00:00Z"), None);
        assert_eq!(parse_iso(b"START RequestId"), None);
        assert_eq!(
            iso_prefix_len(b"2026-03-06T09:00:00.000Z START RequestId"),
            Some(24)
        );
        assert_eq!(iso_prefix_len(b"START"), None);
    }
}
