//! The time zone a report's times are shown in: UTC, a fixed offset (`+02:00`), a zone of the
//! IANA tz database by name (`Europe/Berlin`), or the machine's own zone (`local`). Each time
//! is shown at the offset in force at that instant, so a window across a change to or from
//! daylight saving time reads right: with jiff's rules, from the system's tz database where
//! there is one and a bundled copy where there is none.

use std::sync::{Mutex, PoisonError};

use ceiling_engine::format_utc;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;

use crate::error::ReportError;

/// A time zone for a report. Cheap to copy: a named zone is loaded once per process and
/// shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Kind);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fixed(Offset),
    Named(&'static Named),
}

#[derive(Debug, PartialEq, Eq)]
struct Named {
    /// The tz database's name (`Europe/Berlin`), or `local` for a system zone that has none.
    name: String,
    zone: TimeZone,
}

/// The named zones loaded so far. A zone stays loaded for the life of the process (there are
/// a few hundred names at most), which keeps [`Zone`] `Copy` for the views that pass it
/// around.
static LOADED: Mutex<Vec<&'static Named>> = Mutex::new(Vec::new());

fn load(name: &str, zone: TimeZone) -> &'static Named {
    let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(named) = loaded.iter().find(|n| n.name == name) {
        return named;
    }
    let named: &'static Named = Box::leak(Box::new(Named {
        name: name.to_owned(),
        zone,
    }));
    loaded.push(named);
    named
}

/// Offsets of more than this many minutes are refused.
const MAX_OFFSET_MINUTES: i32 = 18 * 60;

impl Default for Zone {
    fn default() -> Zone {
        Zone::UTC
    }
}

impl Zone {
    pub const UTC: Zone = Zone(Kind::Fixed(Offset::UTC));

    /// A zone `offset_minutes` east of UTC, within ±18 hours.
    pub fn from_offset_minutes(offset_minutes: i32) -> Result<Zone, ReportError> {
        if offset_minutes.abs() > MAX_OFFSET_MINUTES {
            return Err(ReportError::Offset(offset_minutes));
        }
        Offset::from_seconds(offset_minutes * 60)
            .map(|offset| Zone(Kind::Fixed(offset)))
            .map_err(|_| ReportError::Offset(offset_minutes))
    }

    /// A zone of the tz database by name, in any case: `Europe/Berlin`, `america/new_york`.
    pub fn named(name: &str) -> Result<Zone, ReportError> {
        let zone = TimeZone::get(name).map_err(|_| ReportError::UnknownZone(name.to_owned()))?;
        let canonical = zone.iana_name().unwrap_or(name).to_owned();
        Ok(Zone(Kind::Named(load(&canonical, zone))))
    }

    /// The machine's zone: by its tz database name where the system says it (`TZ`, or
    /// `/etc/localtime` on Unix), otherwise its rules under the name `local`; UTC when the
    /// system has no zone at all.
    pub fn local() -> Zone {
        match TimeZone::try_system() {
            Ok(zone) => {
                let name = zone.iana_name().unwrap_or("local").to_owned();
                Zone(Kind::Named(load(&name, zone)))
            }
            Err(_) => Zone::UTC,
        }
    }

    /// Reads `UTC`, `Z`, `+02:00`, `-0530`, `UTC+1`, `local`, or a tz database name such as
    /// `Europe/Berlin`.
    pub fn parse(text: &str) -> Result<Zone, ReportError> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("local") {
            return Ok(Zone::local());
        }
        let rest = trimmed
            .strip_prefix("UTC")
            .or_else(|| trimmed.strip_prefix("utc"))
            .unwrap_or(trimmed);
        if rest.is_empty() || rest == "Z" {
            return Ok(Zone::UTC);
        }
        match rest.as_bytes().first() {
            Some(b'+' | b'-') => parse_offset(rest).ok_or_else(|| invalid(text)),
            _ => Zone::named(trimmed).map_err(|_| invalid(text)),
        }
    }

    /// `UTC`, `UTC+02:00`, `Europe/Berlin`.
    pub fn name(self) -> String {
        match self.0 {
            Kind::Fixed(offset) => offset_name(offset),
            Kind::Named(named) => named.name.clone(),
        }
    }

    /// The offset from UTC in force at `ms` (ms since the epoch).
    fn offset_at(self, ms: i64) -> Offset {
        match self.0 {
            Kind::Fixed(offset) => offset,
            Kind::Named(named) => Timestamp::from_millisecond(ms)
                .map_or(Offset::UTC, |instant| named.zone.to_offset(instant)),
        }
    }

    /// The date and clock at `ms` in this zone, and the offset they are at.
    fn shifted(self, ms: i64) -> (String, Offset) {
        let offset = self.offset_at(ms);
        // format_utc ends with " UTC"; the date and clock are the zone's
        let text = format_utc(ms + i64::from(offset.seconds()) * 1000);
        (text.trim_end_matches(" UTC").to_owned(), offset)
    }

    /// `2026-03-06 10:10:05 UTC+02:00`: the offset is the one in force at that instant, so
    /// in `Europe/Berlin` a winter time ends in `UTC+01:00` and a summer one in `UTC+02:00`.
    pub fn format(self, ms: i64) -> String {
        let (text, offset) = self.shifted(ms);
        format!("{text} {}", offset_name(offset))
    }

    /// `10:10`, for an axis.
    pub fn clock(self, ms: i64) -> String {
        self.shifted(ms).0[11..16].to_owned()
    }

    /// An axis label over `span_ms`: `10:10`, or `10:10:30` where the span is so short
    /// (a live view's last minutes) that ticks fall less than a minute apart.
    pub fn axis_clock(self, ms: i64, span_ms: i64) -> String {
        let text = self.shifted(ms).0;
        if span_ms < SECONDS_ON_AXIS_BELOW_MS {
            text[11..19].to_owned()
        } else {
            text[11..16].to_owned()
        }
    }
}

/// Eight ticks over less than this fall under a minute apart, where `10:10` would repeat.
const SECONDS_ON_AXIS_BELOW_MS: i64 = 8 * 60_000;

fn invalid(text: &str) -> ReportError {
    ReportError::UnknownZone(text.to_owned())
}

/// `+02:00`, `-0530`, `+1` as a fixed zone.
fn parse_offset(text: &str) -> Option<Zone> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    if minutes >= 60 {
        return None;
    }
    Zone::from_offset_minutes(sign * (hours * 60 + minutes)).ok()
}

/// `UTC` for no offset, `UTC+02:00`, `UTC-05:30`.
fn offset_name(offset: Offset) -> String {
    let seconds = offset.seconds();
    if seconds == 0 {
        return "UTC".to_owned();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-29T01:00:00Z: Europe/Berlin moves from UTC+01:00 to UTC+02:00.
    const BERLIN_SUMMER: i64 = 1_774_746_000_000;

    #[test]
    fn offsets_read_and_shift() {
        assert_eq!(Zone::parse("UTC").unwrap(), Zone::UTC);
        assert_eq!(Zone::parse("Z").unwrap(), Zone::UTC);
        let paris = Zone::parse("+01:00").unwrap();
        assert_eq!(paris.name(), "UTC+01:00");
        assert_eq!(Zone::parse("-0530").unwrap().name(), "UTC-05:30");
        assert_eq!(Zone::parse("UTC+1").unwrap(), paris);
        // 2026-03-06T09:00:00Z
        assert_eq!(
            paris.format(1_772_787_600_000),
            "2026-03-06 10:00:00 UTC+01:00"
        );
        assert_eq!(paris.clock(1_772_787_600_000), "10:00");
        // a live view's five minutes: ticks under a minute apart carry their seconds
        assert_eq!(paris.axis_clock(1_772_787_630_000, 5 * 60_000), "10:00:30");
        assert_eq!(paris.axis_clock(1_772_787_630_000, 60 * 60_000), "10:00");
        assert!(Zone::parse("+25:00").is_err());
        assert!(Zone::parse("+01:75").is_err());
        assert!(Zone::from_offset_minutes(19 * 60).is_err());
    }

    #[test]
    fn a_named_zone_changes_its_offset_at_the_change_to_summer_time() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        assert_eq!(berlin.name(), "Europe/Berlin");
        assert_eq!(Zone::parse("europe/berlin").unwrap(), berlin);
        let second = 1000;
        assert_eq!(
            berlin.format(BERLIN_SUMMER - second),
            "2026-03-29 01:59:59 UTC+01:00"
        );
        assert_eq!(
            berlin.format(BERLIN_SUMMER),
            "2026-03-29 03:00:00 UTC+02:00"
        );
        assert_eq!(berlin.clock(BERLIN_SUMMER - 30 * 60 * second), "01:30");
        assert_eq!(berlin.clock(BERLIN_SUMMER + 30 * 60 * second), "03:30");
        // and back at the end of October: 01:00Z is 03:00 CEST, then 02:00 CET
        let autumn = 1_792_890_000_000; // 2026-10-25T01:00:00Z
        assert_eq!(
            berlin.format(autumn - second),
            "2026-10-25 02:59:59 UTC+02:00"
        );
        assert_eq!(berlin.format(autumn), "2026-10-25 02:00:00 UTC+01:00");
    }

    #[test]
    fn unknown_names_are_refused_with_the_forms_that_are_read() {
        let error = Zone::parse("Europe/Atlantis").unwrap_err().to_string();
        assert!(error.contains("Europe/Atlantis") && error.contains("Europe/Berlin"));
        assert!(Zone::parse("soon").is_err());
    }

    #[test]
    fn local_is_the_systems_zone_by_name() {
        let local = Zone::parse("local").unwrap();
        assert_eq!(local, Zone::local());
        match TimeZone::try_system() {
            Ok(system) => assert_eq!(local.name(), system.iana_name().unwrap_or("local")),
            Err(_) => assert_eq!(local, Zone::UTC),
        }
    }

    #[test]
    fn the_bundled_database_knows_the_zones_without_the_systems() {
        // Machines without /usr/share/zoneinfo (containers, Windows) read this copy.
        let bundled = jiff::tz::TimeZoneDatabase::bundled();
        let berlin = bundled.get("Europe/Berlin").unwrap();
        let instant = Timestamp::from_millisecond(BERLIN_SUMMER).unwrap();
        assert_eq!(berlin.to_offset(instant).seconds(), 2 * 3600);
    }
}
