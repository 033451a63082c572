//! A [`Window`] of time as the user writes its ends: `15m`, `2h`, `2d1h20m` (that long
//! ago), `now`, or ISO 8601 with a zone. "Now" is always passed in, so that the window of a
//! given text is the same in a test as on the terminal. The one window type of Ceiling: an
//! analysis' span, a fetch's, a focus's.

use crate::duration::{parse_ms, DurationError};
use crate::model::Window;

/// Why a text is not a time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a time: write 15m, 2h, 2d1h20m (ago), now, or 2026-03-06T09:00:00Z")]
pub struct TimeError {
    pub text: String,
    /// Why it is not a duration either, where it looked like one.
    #[source]
    pub duration: Option<DurationError>,
}

/// Why two texts make no window.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("the start: {0}")]
    Start(TimeError),
    #[error("the end: {0}")]
    End(TimeError),
    #[error("the window must start before it ends")]
    Backwards,
}

/// Milliseconds since the epoch, now: what the front ends pass as `now_ms`.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A time as the user writes it: relative to `now_ms` (`15m`, `2h`, `2d1h20m`, `90s`: that
/// long ago, read by [`parse_ms`]), `now`, or ISO 8601 with a zone (`2026-03-06T09:00:00Z`,
/// `...+02:00`). A bare number is refused: it would say neither a unit nor a date.
pub fn parse_time(text: &str, now_ms: i64) -> Result<i64, TimeError> {
    let text = text.trim();
    if text == "now" {
        return Ok(now_ms);
    }
    if let Some(ms) = crate::time::parse_iso_ms(text) {
        return Ok(ms);
    }
    let refused = |duration| TimeError {
        text: text.to_owned(),
        duration,
    };
    if text.is_empty() || text.chars().all(|c| c.is_ascii_digit()) {
        return Err(refused(None));
    }
    match parse_ms(text) {
        Ok(0) => Err(refused(None)),
        Ok(ago) => i64::try_from(ago)
            .ok()
            .and_then(|ago| now_ms.checked_sub(ago))
            .ok_or_else(|| refused(Some(DurationError::TooLong(text.to_owned())))),
        Err(error) => Err(refused(Some(error))),
    }
}

impl Window {
    /// The window from `since` to `until`, each read by [`parse_time`] against `now_ms`.
    pub fn from_text(since: &str, until: &str, now_ms: i64) -> Result<Window, WindowError> {
        let window = Window {
            start_ms: parse_time(since, now_ms).map_err(WindowError::Start)?,
            end_ms: parse_time(until, now_ms).map_err(WindowError::End)?,
        };
        if window.start_ms >= window.end_ms {
            return Err(WindowError::Backwards);
        }
        Ok(window)
    }

    /// The last `ms` up to `now_ms`.
    pub fn last(ms: i64, now_ms: i64) -> Window {
        Window {
            start_ms: now_ms - ms,
            end_ms: now_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_772_794_800_000; // 2026-03-06T11:00:00Z

    #[test]
    fn times_relative_and_absolute() {
        let now = NOW;
        assert_eq!(parse_time("2h", now), Ok(now - 7_200_000));
        assert_eq!(
            parse_time("2d1h20m", now),
            Ok(now - (2 * 86_400 + 3_600 + 1_200) * 1000)
        );
        assert_eq!(parse_time("15m", now), Ok(now - 900_000));
        assert_eq!(parse_time("1m30s", now), Ok(now - 90_000));
        assert_eq!(parse_time("now", now), Ok(now));
        assert_eq!(
            parse_time("2026-03-06T09:00:00Z", now),
            Ok(1_772_787_600_000)
        );
        assert_eq!(
            parse_time("2026-03-06T10:00:00+01:00", now),
            Ok(1_772_787_600_000)
        );
        for bad in ["", "2", "2x", "yesterday", "h", "0m"] {
            assert!(parse_time(bad, now).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_refused_time_says_why_and_how_to_write_one() {
        let error = parse_time("2x", NOW).unwrap_err();
        assert!(
            matches!(error.duration, Some(DurationError::UnknownUnit { .. })),
            "{error:?}"
        );
        assert!(error.to_string().contains("2d1h20m"), "{error}");
        // a bare number is neither a duration with a unit nor a date
        assert_eq!(parse_time("29000", NOW).unwrap_err().duration, None);
    }

    #[test]
    fn a_window_from_its_two_ends() {
        assert_eq!(
            Window::from_text("2h", "now", NOW),
            Ok(Window {
                start_ms: NOW - 7_200_000,
                end_ms: NOW
            })
        );
        assert!(matches!(
            Window::from_text("1h", "2h", NOW),
            Err(WindowError::Backwards)
        ));
        assert!(matches!(
            Window::from_text("soon", "now", NOW),
            Err(WindowError::Start(_))
        ));
        assert!(matches!(
            Window::from_text("1h", "later", NOW),
            Err(WindowError::End(_))
        ));
        assert_eq!(Window::last(1_000, NOW).start_ms, NOW - 1_000);
    }
}
