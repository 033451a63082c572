//! What the user can set about an analysis.

use crate::access::Template;

/// API Gateway's default integration timeout for REST and WebSocket APIs, in milliseconds.
pub const DEFAULT_CEILING_MS: u64 = 29_000;

/// The integration timeout of HTTP APIs, which cannot be raised.
pub const HTTP_API_CEILING_MS: u64 = 30_000;

/// Settings of one analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The integration timeout the gateway enforces. `None`: 29 s, or 30 s when the access
    /// log is an HTTP API's. Regional and private REST APIs can raise it by a quota request
    /// since June 2024.
    pub ceiling_ms: Option<u64>,
    /// The stage's access-log format string, for formats that cannot be recognised alone.
    pub access_format: Option<Template>,
}

/// Parses a duration such as `29s`, `45s`, `29000ms`, `1m30s` or a bare number of
/// milliseconds, as the user writes a ceiling.
pub fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".to_owned());
    }
    if let Ok(ms) = text.parse::<u64>() {
        return Ok(ms);
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("'{text}' lacks a unit after its last number"))?;
        if digits == 0 {
            return Err(format!(
                "'{text}' is not a duration (examples: 29s, 45s, 29000ms, 1m30s)"
            ));
        }
        let value: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("'{text}' holds a number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            unit => {
                return Err(format!(
                    "'{text}' has an unknown unit '{unit}' (use ms, s, m or h)"
                ))
            }
        };
        total = value
            .checked_mul(factor)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("'{text}' is too long a duration"))?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration_ms;

    #[test]
    fn durations_in_the_forms_users_write() {
        assert_eq!(parse_duration_ms("29s"), Ok(29_000));
        assert_eq!(parse_duration_ms("29000"), Ok(29_000));
        assert_eq!(parse_duration_ms("29000ms"), Ok(29_000));
        assert_eq!(parse_duration_ms("1m30s"), Ok(90_000));
        assert_eq!(parse_duration_ms(" 45s "), Ok(45_000));
    }

    #[test]
    fn durations_that_mean_nothing_are_refused() {
        assert!(parse_duration_ms("").is_err());
        assert!(parse_duration_ms("s").is_err());
        assert!(parse_duration_ms("29").is_ok());
        assert!(parse_duration_ms("29x")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_duration_ms("12s5")
            .unwrap_err()
            .contains("lacks a unit"));
    }
}
