//! The report of a comparison of two windows ([`Comparison`]): what changed, both windows'
//! latency against the ceiling on one axis (by offset from each window's start), and the
//! route, function and finding tables, as the same blocks the analysis report is made of, so
//! that the PDF, HTML and Markdown renderers lay it out unchanged.

use ceiling_engine::compare::{
    Comparison, FindingChangeKind, FunctionComparison, LatencyChange, RateChange, RouteComparison,
    WindowFigures,
};
use plotters::prelude::*;

use crate::charts::{self, seconds_label, Axis, Chart, Series, AMBER, CEILING, GREY, INK};
use crate::document::{duration, Block, Column, Document, ReportOptions, Table};
use crate::zone::Zone;

fn ms(value: Option<u32>) -> String {
    duration(value.map(f64::from))
}

fn column(name: &'static str, numeric: bool, weight: f32) -> Column {
    Column {
        name,
        numeric,
        weight,
    }
}

/// `a → b`, `-` for a side without the figure.
fn both<T>(before: Option<T>, after: Option<T>, show: impl Fn(T) -> String) -> String {
    let side = |v: Option<T>| v.map_or_else(|| "-".to_owned(), &show);
    format!("{} → {}", side(before), side(after))
}

fn window_text(figures: &WindowFigures, zone: Zone) -> String {
    figures.window.map_or_else(
        || "no request times".to_owned(),
        |w| format!("{} to {}", zone.format(w.start_ms), zone.format(w.end_ms)),
    )
}

/// A called change with the p-value behind it.
fn latency_text(route: &RouteComparison) -> String {
    match (route.latency, route.latency_test) {
        (LatencyChange::Slower | LatencyChange::Faster, Some(test)) if test.p_value < 0.001 => {
            format!("{} (p < 0.001)", route.latency.label())
        }
        (LatencyChange::Slower | LatencyChange::Faster, Some(test)) => {
            format!("{} (p = {:.3})", route.latency.label(), test.p_value)
        }
        (change, _) => change.label().to_owned(),
    }
}

/// The latency's change, and the timeouts' where one is called.
fn change_text(latency: String, timeouts: RateChange) -> String {
    match timeouts {
        RateChange::More | RateChange::Fewer => {
            format!("{latency}; {} timeouts", timeouts.label())
        }
        _ => latency,
    }
}

/// What changed of a function: its timeouts and cold starts, where a change is called.
fn function_change(f: &FunctionComparison) -> String {
    let called: Vec<String> = [(f.timeouts, "timeouts"), (f.cold_starts, "cold starts")]
        .into_iter()
        .filter(|(c, _)| matches!(c, RateChange::More | RateChange::Fewer))
        .map(|(c, what)| format!("{} {what}", c.label()))
        .collect();
    if !called.is_empty() {
        called.join("; ")
    } else if f.timeouts == RateChange::Unchanged {
        "unchanged".to_owned()
    } else {
        f.timeouts.label().to_owned()
    }
}

/// The start of a window's timeline: offsets are measured from it.
fn origin(figures: &WindowFigures) -> Option<i64> {
    figures
        .window
        .map(|w| w.start_ms)
        .or_else(|| figures.timeline.buckets.first().map(|b| b.start_ms))
}

/// p50 and p99 per bucket of a window, at its offset from the window's start in minutes.
fn offset_series(figures: &WindowFigures, name: &str) -> [Series; 2] {
    let origin = origin(figures).unwrap_or(0);
    let half = figures.timeline.bucket_ms as f64 / 2.0;
    let points = |value: fn(&ceiling_engine::BucketFigures) -> Option<u32>| {
        figures
            .timeline
            .buckets
            .iter()
            .filter_map(|b| {
                let offset = (b.start_ms - origin) as f64 + half;
                Some([offset / 60_000.0, f64::from(value(b)?)])
            })
            .collect()
    };
    [
        Series {
            name: format!("{name} p50"),
            points: points(|b| b.p50_ms),
        },
        Series {
            name: format!("{name} p99"),
            points: points(|b| b.p99_ms),
        },
    ]
}

/// Both windows' p50 and p99 over time against the ceiling, aligned by the offset from each
/// window's start: before in grey, after in colour.
pub fn comparison_chart(comparison: &Comparison) -> Option<Chart> {
    let [before_p50, before_p99] = offset_series(&comparison.before, "before");
    let [after_p50, after_p99] = offset_series(&comparison.after, "after");
    let series = vec![before_p50, before_p99, after_p50, after_p99];
    let all = || series.iter().flat_map(|s| &s.points);
    // nothing to draw without a bucket with latencies
    all().next()?;
    let right = all().map(|p| p[0]).fold(0.0, f64::max);
    let right = (right * 1.02).max(1.0);
    let ceiling = comparison.after.ceiling_ms as f64;
    let highest = all().map(|p| p[1]).fold(0.0, f64::max);
    let top = (ceiling * 1.15).max(highest * 1.05);
    let mut svg = String::new();
    let plot = {
        let root =
            SVGBackend::with_string(&mut svg, (charts::WIDTH, charts::HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..right, 0.0..top)
            .ok()?;
        let minutes = |m: &f64| format!("{m:.0} min");
        let seconds = |ms: &f64| seconds_label(*ms);
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&minutes)
            .y_label_formatter(&seconds)
            .x_desc("minutes from each window's start")
            .y_desc("response latency")
            .axis_desc_style(("sans-serif", 14))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style(("sans-serif", 14))
            .draw()
            .ok()?;
        let line = |s: &Series| s.points.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>();
        let styles = [
            (GREY.stroke_width(1), false),
            (GREY.stroke_width(2), true),
            (INK.stroke_width(2), false),
            (AMBER.stroke_width(3), true),
        ];
        for (s, (style, dashed)) in series.iter().zip(styles) {
            let drawn = if dashed {
                chart.draw_series(DashedLineSeries::new(line(s), 8, 4, style))
            } else {
                chart.draw_series(LineSeries::new(line(s), style))
            };
            drawn
                .ok()?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
        }
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, ceiling), (right, ceiling)],
                CEILING.stroke_width(3),
            ))
            .ok()?
            .label(format!("ceiling {}", seconds_label(ceiling)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], CEILING.stroke_width(3)));
        charts::finish(&mut chart, &root, SeriesLabelPosition::UpperRight)?
    };
    Some(Chart {
        id: "compare-latency",
        title: format!(
            "Response latency of both windows against the {} ceiling",
            seconds_label(ceiling)
        ),
        svg,
        width: charts::WIDTH,
        height: charts::HEIGHT,
        plot,
        x: Axis {
            min: 0.0,
            max: right,
            unit: "minutes",
            label: "minutes from each window's start".to_owned(),
        },
        y: Axis {
            min: 0.0,
            max: top,
            unit: "ms",
            label: "response latency".to_owned(),
        },
        zone: String::new(),
        ceiling_ms: comparison.after.ceiling_ms,
        categories: Vec::new(),
        series,
    })
}

fn routes_table(comparison: &Comparison) -> Table {
    let rows = comparison
        .routes
        .iter()
        .map(|r| {
            let (b, a) = (r.before.as_ref(), r.after.as_ref());
            vec![
                r.route.clone(),
                both(b.map(|s| s.requests), a.map(|s| s.requests), |n| {
                    n.to_string()
                }),
                both(b.map(|s| s.timeouts), a.map(|s| s.timeouts), |n| {
                    n.to_string()
                }),
                both(b.map(|s| s.bad_gateway), a.map(|s| s.bad_gateway), |n| {
                    n.to_string()
                }),
                both(
                    b.and_then(|s| s.latency.p50_ms),
                    a.and_then(|s| s.latency.p50_ms),
                    |v| ms(Some(v)),
                ),
                both(
                    b.and_then(|s| s.latency.p99_ms),
                    a.and_then(|s| s.latency.p99_ms),
                    |v| ms(Some(v)),
                ),
                change_text(latency_text(r), r.timeouts),
            ]
        })
        .collect();
    Table {
        columns: vec![
            column("route", false, 2.8),
            column("requests", true, 2.0),
            column("timeouts", true, 1.2),
            column("502", true, 0.9),
            column("p50", true, 2.6),
            column("p99", true, 2.6),
            column("change", false, 2.0),
        ],
        rows,
    }
}

fn functions_table(comparison: &Comparison) -> Table {
    let rows = comparison
        .functions
        .iter()
        .map(|f| {
            let (b, a) = (f.before.as_ref(), f.after.as_ref());
            let count = |n: u64| n.to_string();
            vec![
                f.function.clone(),
                both(b.map(|s| s.invocations), a.map(|s| s.invocations), count),
                both(b.map(|s| s.cold_starts), a.map(|s| s.cold_starts), count),
                both(b.map(|s| s.timeouts), a.map(|s| s.timeouts), count),
                both(
                    b.and_then(|s| s.duration.p99_ms),
                    a.and_then(|s| s.duration.p99_ms),
                    |v| ms(Some(v)),
                ),
                function_change(f),
            ]
        })
        .collect();
    Table {
        columns: vec![
            column("function", false, 2.2),
            column("invocations", true, 2.4),
            column("cold starts", true, 1.6),
            column("timeouts", true, 1.4),
            column("p99 duration", true, 2.3),
            column("change", false, 2.6),
        ],
        rows,
    }
}

fn findings_table(comparison: &Comparison) -> Table {
    let rows = comparison
        .findings
        .iter()
        .filter(|f| f.change != FindingChangeKind::Unchanged)
        .map(|f| {
            vec![
                f.change.label().to_owned(),
                both(f.before, f.after, |s| s.name().to_owned()),
                f.title.clone(),
                f.id.as_str().to_owned(),
            ]
        })
        .collect();
    Table {
        columns: vec![
            column("change", false, 1.2),
            column("severity", false, 1.7),
            column("finding", false, 5.0),
            column("id", false, 2.0),
        ],
        rows,
    }
}

/// The comparison as the blocks of a report.
pub(crate) fn build(comparison: &Comparison, options: ReportOptions) -> Document {
    let zone = options.zone;
    let (before, after) = (&comparison.before, &comparison.after);
    let facts = vec![
        ("Before".to_owned(), window_text(before, zone)),
        ("After".to_owned(), window_text(after, zone)),
        ("Time zone".to_owned(), zone.name()),
        (
            "Integration ceiling".to_owned(),
            both(Some(before.ceiling_ms), Some(after.ceiling_ms), |v| {
                duration(Some(v as f64))
            }),
        ),
        (
            "Requests".to_owned(),
            both(Some(before.requests), Some(after.requests), |n| {
                n.to_string()
            }),
        ),
        (
            "Gateway timeouts".to_owned(),
            both(Some(before.timeouts), Some(after.timeouts), |n| {
                n.to_string()
            }),
        ),
        ("Generated".to_owned(), zone.format(options.generated_ms)),
        (
            "By".to_owned(),
            format!("Ceiling {}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    let settings = &comparison.settings;
    let mut blocks = vec![
        Block::Heading("What changed".to_owned()),
        Block::Bullets(comparison.summary.clone()),
        Block::Note(format!(
            "A route is called slower or faster where a Mann-Whitney rank test of its latencies \
             gives p < {} and a request of one window is slower than one of the other in at \
             least {:.0}% of pairs; timeouts per request are compared with an exact test of \
             two rates. Routes with fewer than {} requests in a window are too few to tell.",
            settings.p_value,
            100.0 * (0.5 + settings.min_effect),
            settings.min_requests
        )),
    ];
    if let Some(chart) = comparison_chart(comparison) {
        blocks.push(Block::Chart(chart));
    }
    blocks.push(Block::Heading("Routes (slower first)".to_owned()));
    blocks.push(Block::Table(routes_table(comparison)));
    if !comparison.functions.is_empty() {
        blocks.push(Block::Heading("Lambda functions".to_owned()));
        blocks.push(Block::Table(functions_table(comparison)));
    }
    blocks.push(Block::Heading("Findings".to_owned()));
    let findings = findings_table(comparison);
    let same = comparison.findings.len() - findings.rows.len();
    if findings.rows.is_empty() {
        blocks.push(Block::Paragraph(
            "No finding appeared, resolved or changed severity.".to_owned(),
        ));
    } else {
        blocks.push(Block::Table(findings));
    }
    blocks.push(Block::Note(format!(
        "{same} findings are in both windows at the same severity."
    )));
    Document {
        title: "Ceiling comparison: before and after".to_owned(),
        facts,
        blocks,
        footer: format!(
            "Ceiling {} · comparison generated {}",
            env!("CARGO_PKG_VERSION"),
            zone.format(options.generated_ms)
        ),
    }
}

#[cfg(test)]
mod tests {
    use ceiling_engine::{compare, Analyzer, CompareSettings, Settings};

    use crate::{render_comparison, Format, ReportOptions};

    fn analysis(latency: u32) -> ceiling_engine::Analysis {
        let mut log = String::new();
        for i in 0..60u32 {
            log.push_str(&format!(
                "{{\"requestId\":\"r{i}\",\"requestTimeEpoch\":\"{}\",\"httpMethod\":\"GET\",\
                 \"resourcePath\":\"/<b>x</b>\",\"status\":\"200\",\"responseLatency\":\"{}\"}}\n",
                1_772_787_600_000u64 + u64::from(i) * 1000,
                latency + i
            ));
        }
        let mut analyzer = Analyzer::new(Settings::default());
        analyzer.read("access.jsonl", log.as_bytes()).unwrap();
        analyzer.finish()
    }

    #[test]
    fn the_report_tells_the_change_draws_both_windows_and_keeps_log_text_text() {
        let comparison = compare(&analysis(100), &analysis(900), &CompareSettings::default());
        let options = ReportOptions::now();
        let html = render_comparison(&comparison, options, Format::Html).unwrap();
        let html = String::from_utf8(html).unwrap();
        assert!(
            html.contains("1 route slower: GET /&lt;b&gt;x&lt;/b&gt;."),
            "{html}"
        );
        assert!(!html.contains("<b>x</b>"));
        assert!(html.contains("after p99") && html.contains("before p99"));
        let md = render_comparison(&comparison, options, Format::Markdown).unwrap();
        let md = String::from_utf8(md).unwrap();
        assert!(md.contains(r"| slower \(p &lt; 0.001\) |"), "{md}");
        assert!(render_comparison(&comparison, options, Format::Pdf)
            .unwrap()
            .starts_with(b"%PDF"));
        assert!(render_comparison(&comparison, options, Format::FindingsCsv).is_err());
    }
}
