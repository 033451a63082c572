//! The time zone a report's times are shown in: UTC, or a fixed offset from it (the app
//! passes the machine's own offset when the user picks local time).

use ceiling_engine::format_utc;

/// A fixed offset from UTC, in minutes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Zone {
    offset_minutes: i32,
}

impl Zone {
    pub const UTC: Zone = Zone { offset_minutes: 0 };

    /// A zone `offset_minutes` east of UTC, within ±18 hours.
    pub fn from_offset_minutes(offset_minutes: i32) -> Result<Zone, String> {
        if offset_minutes.abs() > 18 * 60 {
            return Err(format!("{offset_minutes} minutes is not a UTC offset"));
        }
        Ok(Zone { offset_minutes })
    }

    /// Reads `UTC`, `+02:00`, `-0530` or `UTC+1`.
    pub fn parse(text: &str) -> Result<Zone, String> {
        let trimmed = text.trim();
        let rest = trimmed
            .strip_prefix("UTC")
            .or_else(|| trimmed.strip_prefix("utc"))
            .unwrap_or(trimmed);
        if rest.is_empty() || rest == "Z" {
            return Ok(Zone::UTC);
        }
        let invalid = || format!("'{text}' is not a time zone (UTC, +02:00, -05:30)");
        let (sign, digits) = match rest.as_bytes().first() {
            Some(b'+') => (1, &rest[1..]),
            Some(b'-') => (-1, &rest[1..]),
            _ => return Err(invalid()),
        };
        let (hours, minutes) = match digits.split_once(':') {
            Some((h, m)) => (h, m),
            None if digits.len() == 4 => digits.split_at(2),
            None => (digits, "0"),
        };
        let hours: i32 = hours.parse().map_err(|_| invalid())?;
        let minutes: i32 = minutes.parse().map_err(|_| invalid())?;
        if minutes >= 60 {
            return Err(invalid());
        }
        Zone::from_offset_minutes(sign * (hours * 60 + minutes)).map_err(|_| invalid())
    }

    /// `UTC`, `UTC+02:00`.
    pub fn name(self) -> String {
        if self.offset_minutes == 0 {
            return "UTC".to_owned();
        }
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let minutes = self.offset_minutes.abs();
        format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }

    fn shifted(self, ms: i64) -> String {
        // format_utc ends with " UTC"; the date and clock are the zone's
        let text = format_utc(ms + i64::from(self.offset_minutes) * 60_000);
        text.trim_end_matches(" UTC").to_owned()
    }

    /// `2026-03-06 10:10:05 UTC+02:00`.
    pub fn format(self, ms: i64) -> String {
        format!("{} {}", self.shifted(ms), self.name())
    }

    /// `10:10`, for an axis.
    pub fn clock(self, ms: i64) -> String {
        self.shifted(ms)[11..16].to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_read_and_shift() {
        assert_eq!(Zone::parse("UTC").unwrap(), Zone::UTC);
        let paris = Zone::parse("+01:00").unwrap();
        assert_eq!(paris.name(), "UTC+01:00");
        assert_eq!(Zone::parse("-0530").unwrap().name(), "UTC-05:30");
        // 2026-03-06T09:00:00Z
        assert_eq!(
            paris.format(1_772_787_600_000),
            "2026-03-06 10:00:00 UTC+01:00"
        );
        assert_eq!(paris.clock(1_772_787_600_000), "10:00");
        assert!(Zone::parse("Europe/Paris").is_err());
        assert!(Zone::parse("+25:00").is_err());
    }
}
