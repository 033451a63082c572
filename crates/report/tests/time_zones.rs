//! Times across a change to summer time: in Europe/Berlin, 2026-03-29 01:00 UTC is when the
//! clocks go from 02:00 (UTC+01:00) to 03:00 (UTC+02:00). A window from 00:30 to 02:30 UTC
//! shows its early times at +01:00 and its late ones at +02:00, in the report's tables and on
//! the charts' time axes.

use ceiling_engine::{format_utc, Analysis, Analyzer, Settings};
use ceiling_report::{charts, Chart, ReportOptions, Zone};

/// 2026-03-29T01:00:00Z.
const CHANGE_MS: i64 = 1_774_746_000_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// A request a minute from 00:30 to 02:29 UTC; every tenth times out.
fn across_the_change() -> Analysis {
    let mut log = String::new();
    for i in 0..120 {
        let time = CHANGE_MS - 30 * MINUTE + i * MINUTE;
        let timeout = i % 10 == 5;
        let record = serde_json::json!({
            "requestId": format!("r{i}"),
            "requestTimeEpoch": time.to_string(),
            "httpMethod": "POST",
            "resourcePath": "/reports",
            "status": if timeout { "504" } else { "200" },
            "responseLatency": if timeout { "29010" } else { "1200" },
            "integrationLatency": if timeout { "-" } else { "1190" },
            "errorResponseType": if timeout { "INTEGRATION_TIMEOUT" } else { "-" },
        });
        log.push_str(&record.to_string());
        log.push('\n');
    }
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer.read("access.jsonl", log.as_bytes()).unwrap();
    analyzer.finish()
}

/// What Berlin's clock reads at `ms`, worked out here from the rule: `2026-03-29 03:10:00
/// UTC+02:00`.
fn berlin(ms: i64) -> String {
    let (offset, name) = if ms < CHANGE_MS {
        (HOUR, "UTC+01:00")
    } else {
        (2 * HOUR, "UTC+02:00")
    };
    format_utc(ms + offset).replace("UTC", name)
}

/// Each clock label of a time axis (`03:16`) with the instant under it, read back from its
/// position in the SVG.
fn axis_clocks(chart: &Chart) -> Vec<(String, i64)> {
    let mut ticks = Vec::new();
    for element in chart.svg.split("<text").skip(1) {
        let (attributes, rest) = element.split_once('>').unwrap();
        let text = rest.split("</text>").next().unwrap().trim();
        if !(text.len() == 5 && text.as_bytes()[2] == b':') {
            continue;
        }
        let x: f64 = attributes
            .split("x=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap()
            .parse()
            .unwrap();
        let share = (x - f64::from(chart.plot.left)) / f64::from(chart.plot.width);
        let ms = chart.x.min + share * (chart.x.max - chart.x.min);
        ticks.push((text.to_owned(), ms as i64));
    }
    ticks
}

fn minutes_of_day(clock: &str) -> i64 {
    let (hours, minutes) = clock.split_once(':').unwrap();
    hours.parse::<i64>().unwrap() * 60 + minutes.parse::<i64>().unwrap()
}

#[test]
fn the_chart_axes_change_offset_with_the_clocks() {
    let analysis = across_the_change();
    let zone = Zone::parse("Europe/Berlin").unwrap();
    for chart in charts(&analysis, zone)
        .iter()
        .filter(|c| c.x.unit == "time")
    {
        assert_eq!(chart.zone, "Europe/Berlin");
        assert_eq!(chart.x.label, "time (Europe/Berlin)");
        let ticks = axis_clocks(chart);
        assert!(
            ticks.iter().any(|(_, ms)| *ms < CHANGE_MS - MINUTE)
                && ticks.iter().any(|(_, ms)| *ms > CHANGE_MS + MINUTE),
            "{}: ticks on both sides of the change: {ticks:?}",
            chart.id
        );
        for (label, ms) in &ticks {
            // a pixel is about ten seconds here: the label may be a minute off its position,
            // and one just at the change may read either side of it
            let fits = [ms - 20_000, *ms, ms + 20_000].iter().any(|ms| {
                let expected = &berlin(*ms)[11..16];
                (minutes_of_day(expected) - minutes_of_day(label)).abs() <= 1
            });
            assert!(fits, "{}: {label} at {}", chart.id, format_utc(*ms));
        }
        // 02:xx does not exist in Berlin that night; a fixed offset would show it
        assert!(!ticks.iter().any(|(label, _)| label.starts_with("02:")));
    }
}

#[test]
fn the_report_shows_each_time_at_its_own_offset() {
    let analysis = across_the_change();
    let options = ReportOptions {
        zone: Zone::parse("Europe/Berlin").unwrap(),
        ..ReportOptions::now()
    };
    let html = ceiling_report::html(&analysis, options);
    let window = analysis.window.unwrap();
    let heading = format!("{} to {}", berlin(window.start_ms), berlin(window.end_ms));
    assert_eq!(
        heading,
        "2026-03-29 01:30:00 UTC+01:00 to 2026-03-29 04:29:00 UTC+02:00"
    );
    assert!(html.contains(&heading), "the window on the cover");
    assert!(html.contains("Europe/Berlin"), "the zone on the cover");

    let timeouts = analysis
        .findings
        .iter()
        .find(|f| f.evidence.windows.len() == 1 && f.evidence.requests.len() > 3)
        .expect("the timeouts' finding, with its window and requests");
    let evidence = &timeouts.evidence;
    let span = &evidence.windows[0];
    assert!(span.start_ms < CHANGE_MS && span.end_ms > CHANGE_MS);
    assert!(html.contains(&format!(
        "Window: {} to {}",
        berlin(span.start_ms),
        berlin(span.end_ms)
    )));
    let times: Vec<i64> = evidence.requests.iter().filter_map(|r| r.time_ms).collect();
    assert!(times.iter().any(|t| *t < CHANGE_MS) && times.iter().any(|t| *t > CHANGE_MS));
    for request in &evidence.requests {
        let line = format!(
            "Request {} POST /reports 504 after 29.0 s at {}",
            request.request_id.as_deref().unwrap(),
            berlin(request.time_ms.unwrap())
        );
        assert!(html.contains(&line), "the appendix lacks {line:?}");
    }
    // the same times in the findings CSV
    let csv = ceiling_report::render(&analysis, options, ceiling_report::Format::FindingsCsv);
    let csv = String::from_utf8(csv.unwrap()).unwrap();
    assert!(csv.contains(&format!(
        "{} to {}",
        berlin(span.start_ms),
        berlin(span.end_ms)
    )));
}
