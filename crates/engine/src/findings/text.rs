//! How findings word their figures: durations, shares, lists, times.

use crate::model::Advice;
use crate::time::format_utc;

pub(super) fn advice(text: impl Into<String>, link: Option<&str>) -> Advice {
    Advice {
        text: text.into(),
        link: link.map(str::to_owned),
    }
}

pub(super) use crate::duration::format_ms as duration;

pub(super) fn duration_u32(ms: Option<u32>) -> String {
    crate::duration::format_opt_ms(ms.map(f64::from))
}

pub(super) fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".to_owned();
    }
    let share = 100.0 * part as f64 / whole as f64;
    if share >= 10.0 || share == 0.0 {
        format!("{share:.0}%")
    } else {
        format!("{share:.1}%")
    }
}

/// `3 of the 10 timeouts`, or `all 10 timeouts`.
pub(super) fn of_all(part: u64, whole: u64, noun: &str) -> String {
    if part == whole {
        format!("all {whole} {noun}")
    } else {
        format!("{part} of the {whole} {noun}")
    }
}

/// The first letter in upper case.
pub(super) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `10:10` when both times fall on the window's day, else with the date.
pub(super) fn clock(ms: i64) -> String {
    format_utc(ms)[11..16].to_owned()
}

pub(super) fn day(ms: i64) -> String {
    format_utc(ms)[..10].to_owned()
}

/// The ends of a window on one day as clock times: to the minute, or to the second where
/// both fall in the same minute (a burst of a few seconds); `None` for the same second.
fn clocks(start_ms: i64, end_ms: i64) -> Option<(String, String)> {
    let (start, end) = (clock(start_ms), clock(end_ms));
    if start != end {
        return Some((start, end));
    }
    let seconds = |ms| format_utc(ms)[11..19].to_owned();
    let (start, end) = (seconds(start_ms), seconds(end_ms));
    (start != end).then_some((start, end))
}

pub(super) fn span(start_ms: i64, end_ms: i64) -> String {
    if day(start_ms) != day(end_ms) {
        return format!("{} – {}", format_utc(start_ms), format_utc(end_ms));
    }
    match clocks(start_ms, end_ms) {
        Some((start, end)) => format!("{} {start}–{end} UTC", day(start_ms)),
        None => format!("{} {} UTC", day(start_ms), &format_utc(start_ms)[11..19]),
    }
}

/// `between 10:11 and 10:22 UTC on 2026-03-06`, for a sentence.
pub(super) fn between(start_ms: i64, end_ms: i64) -> String {
    if day(start_ms) != day(end_ms) {
        return format!(
            "between {} and {}",
            format_utc(start_ms),
            format_utc(end_ms)
        );
    }
    match clocks(start_ms, end_ms) {
        Some((start, end)) => format!("between {start} and {end} UTC on {}", day(start_ms)),
        None => format!(
            "at {} UTC on {}",
            &format_utc(start_ms)[11..19],
            day(start_ms)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_inside_one_minute_is_told_to_the_second() {
        // 2026-03-06 09:00:00 UTC
        let nine = 1_772_787_600_000;
        assert_eq!(
            between(nine, nine + 11 * 60_000),
            "between 09:00 and 09:11 UTC on 2026-03-06"
        );
        assert_eq!(
            between(nine + 4_000, nine + 41_000),
            "between 09:00:04 and 09:00:41 UTC on 2026-03-06"
        );
        assert_eq!(between(nine, nine + 300), "at 09:00:00 UTC on 2026-03-06");
        assert_eq!(
            span(nine + 4_000, nine + 41_000),
            "2026-03-06 09:00:04–09:00:41 UTC"
        );
        assert_eq!(span(nine, nine), "2026-03-06 09:00:00 UTC");
    }
}
