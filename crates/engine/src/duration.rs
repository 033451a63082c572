//! The one way Ceiling writes and reads a duration: `850 ms`, `18.5 s` on the way out;
//! `500ms`, `90s`, `1m30s`, `2d1h` or a bare number of milliseconds on the way in. The CLI,
//! the app, the report and the cloud crate's relative times all go through here.

use thiserror::Error;

/// Milliseconds as a person reads them: `850 ms` below a second, `18.5 s` above.
pub fn format_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// [`format_ms`] of a figure that may be missing: `-` then.
pub fn format_opt_ms(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".to_owned(), format_ms)
}

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationError {
    #[error("empty duration")]
    Empty,
    #[error("'{0}' is not a duration (examples: 500ms, 29s, 1m30s, 2d1h)")]
    NotADuration(String),
    #[error("'{0}' lacks a unit after its last number")]
    MissingUnit(String),
    #[error("'{text}' has an unknown unit '{unit}' (use ms, s, m, h, d or w)")]
    UnknownUnit { text: String, unit: String },
    #[error("'{0}' is too long a duration")]
    TooLong(String),
}

/// Reads a duration such as `500ms`, `29s`, `1m30s`, `2d1h`, or a bare number of
/// milliseconds (`29000`), into milliseconds. Units: ms, s, m, h, d, w.
pub fn parse_ms(text: &str) -> Result<u64, DurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    if let Ok(ms) = text.parse::<u64>() {
        return Ok(ms);
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| DurationError::MissingUnit(text.to_owned()))?;
        if digits == 0 {
            return Err(DurationError::NotADuration(text.to_owned()));
        }
        let value: u64 = rest[..digits]
            .parse()
            .map_err(|_| DurationError::TooLong(text.to_owned()))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            unit => {
                return Err(DurationError::UnknownUnit {
                    text: text.to_owned(),
                    unit: unit.to_owned(),
                })
            }
        };
        total = value
            .checked_mul(factor)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| DurationError::TooLong(text.to_owned()))?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_the_forms_users_write() {
        assert_eq!(parse_ms("29s"), Ok(29_000));
        assert_eq!(parse_ms("29000"), Ok(29_000));
        assert_eq!(parse_ms("500ms"), Ok(500));
        assert_eq!(parse_ms("90s"), Ok(90_000));
        assert_eq!(parse_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_ms("2d1h"), Ok(2 * 86_400_000 + 3_600_000));
        assert_eq!(parse_ms("1w"), Ok(7 * 86_400_000));
        assert_eq!(parse_ms(" 45s "), Ok(45_000));
    }

    #[test]
    fn durations_that_mean_nothing_are_refused() {
        assert_eq!(parse_ms(""), Err(DurationError::Empty));
        assert!(matches!(parse_ms("s"), Err(DurationError::NotADuration(_))));
        assert!(matches!(
            parse_ms("29x"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_ms("12s5"),
            Err(DurationError::MissingUnit(_))
        ));
        assert!(matches!(
            parse_ms("99999999999999999w"),
            Err(DurationError::TooLong(_))
        ));
    }

    #[test]
    fn durations_written_as_people_read_them() {
        assert_eq!(format_ms(850.0), "850 ms");
        assert_eq!(format_ms(18_500.0), "18.5 s");
        assert_eq!(format_opt_ms(None), "-");
        assert_eq!(format_opt_ms(Some(29_000.0)), "29.0 s");
    }
}
