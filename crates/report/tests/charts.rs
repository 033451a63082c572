//! The structure of each chart, read back from its SVG: the ceiling line where the setting
//! puts it, the axes over the analysis's range and in the chosen zone, and the data beside
//! the SVG agreeing with what was drawn. Run on the bundled sample incident.

use std::path::PathBuf;

use ceiling_engine::{expand_paths, Analysis, Analyzer, Settings};
use ceiling_report::{charts, Chart, Zone};

fn sample(ceiling_ms: Option<u64>) -> Analysis {
    let folder =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/orders-api-incident");
    let mut analyzer = Analyzer::new(Settings {
        ceiling_ms,
        ..Settings::default()
    });
    for file in expand_paths(&[folder]).unwrap() {
        if file.to_string_lossy().contains("lambda-")
            || file.to_string_lossy().contains("apigw-access.")
        {
            analyzer.read_path(&file).unwrap();
        }
    }
    analyzer.finish()
}

/// The points of each `<polyline>` drawn in the ceiling's colour.
fn ceiling_lines(svg: &str) -> Vec<Vec<(f64, f64)>> {
    svg.split("<polyline")
        .skip(1)
        .filter(|element| element.contains("stroke=\"#C62828\""))
        .map(|element| {
            let points = element
                .split("points=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            points
                .split_whitespace()
                .map(|pair| {
                    let (x, y) = pair.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

/// The text of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|element| {
            let inner = element.split_once('>').unwrap().1;
            inner.split("</text>").next().unwrap().trim().to_owned()
        })
        .collect()
}

fn chart<'a>(charts: &'a [Chart], id: &str) -> &'a Chart {
    charts
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id} chart"))
}

#[test]
fn the_ceiling_line_sits_where_the_setting_puts_it() {
    for ceiling_ms in [29_000, 45_000] {
        let analysis = sample(Some(ceiling_ms));
        let charts = charts(&analysis, Zone::UTC);
        let ceiling = ceiling_ms as f64;

        let latency = chart(&charts, "latency");
        let plot = latency.plot;
        let line = &ceiling_lines(&latency.svg)[0];
        let expected_y =
            f64::from(plot.top) + f64::from(plot.height) * (1.0 - ceiling / latency.y.max);
        assert!(
            (line[0].1 - expected_y).abs() <= 2.0,
            "{ceiling_ms}: {line:?} against y {expected_y}"
        );
        assert_eq!(line[0].1, line[1].1, "the ceiling is level");
        assert!(line[0].0 <= f64::from(plot.left) + 1.0);
        assert!(line[1].0 >= f64::from(plot.left + plot.width) - 1.0);
        assert!(latency.y.max >= ceiling);
        assert!(texts(&latency.svg)
            .iter()
            .any(|t| t == &format!("ceiling {} s", ceiling_ms / 1000)));

        for id in ["route-p99", "lambda"] {
            let bars = chart(&charts, id);
            let plot = bars.plot;
            let line = &ceiling_lines(&bars.svg)[0];
            let expected_x = f64::from(plot.left) + f64::from(plot.width) * ceiling / bars.x.max;
            assert!(
                (line[0].0 - expected_x).abs() <= 2.0,
                "{id} {ceiling_ms}: {line:?} against x {expected_x}"
            );
            assert_eq!(line[0].0, line[1].0, "the ceiling is upright");
        }
    }
}

#[test]
fn the_axes_cover_the_analysis_in_the_chosen_zone() {
    let analysis = sample(None);
    let buckets = &analysis.timeline.buckets;
    let start = buckets.first().unwrap().start_ms as f64;
    let end = (buckets.last().unwrap().start_ms + analysis.timeline.bucket_ms) as f64;
    let utc = charts(&analysis, Zone::UTC);
    let east = charts(&analysis, Zone::parse("+02:00").unwrap());
    for id in ["latency", "timeouts"] {
        let (in_utc, in_east) = (chart(&utc, id), chart(&east, id));
        assert_eq!((in_utc.x.min, in_utc.x.max), (start, end), "{id}");
        assert_eq!(in_utc.zone, "UTC");
        assert!(
            texts(&in_utc.svg).contains(&"time (UTC)".to_owned()),
            "{id}"
        );
        assert!(
            texts(&in_east.svg).contains(&"time (UTC+02:00)".to_owned()),
            "{id}"
        );
        // the same ticks, two hours later on the clock
        let clock = |svg: &str| -> Vec<String> {
            texts(svg)
                .into_iter()
                .filter(|t| t.len() == 5 && t.as_bytes()[2] == b':')
                .collect()
        };
        let shifted: Vec<String> = clock(&in_utc.svg)
            .iter()
            .map(|t| {
                let hour: u32 = t[..2].parse().unwrap();
                format!("{:02}{}", (hour + 2) % 24, &t[2..])
            })
            .collect();
        assert!(!shifted.is_empty(), "{id} has time ticks");
        assert_eq!(shifted, clock(&in_east.svg), "{id}");
    }
    // the sample's incident runs from 09:00 to 11:00 UTC
    assert!(texts(&chart(&utc, "latency").svg)
        .iter()
        .any(|t| t.starts_with("09:") || t.starts_with("10:")));
}

#[test]
fn the_data_beside_each_chart_is_what_it_draws() {
    let analysis = sample(None);
    let charts = charts(&analysis, Zone::UTC);
    assert_eq!(
        charts.iter().map(|c| c.id).collect::<Vec<_>>(),
        ["latency", "route-p99", "timeouts", "lambda"]
    );
    let timeouts: f64 = chart(&charts, "timeouts")
        .series
        .iter()
        .flat_map(|s| &s.points)
        .map(|p| p[1])
        .sum();
    assert_eq!(timeouts as u64, analysis.integration_timeouts);
    let routes = chart(&charts, "route-p99");
    // the slowest route by p99 comes first, drawn at its p99
    let slowest_p99 = analysis
        .routes
        .iter()
        .filter_map(|r| r.latency.p99_ms)
        .max()
        .unwrap();
    let first = analysis
        .routes
        .iter()
        .find(|r| r.route == routes.categories[0])
        .unwrap();
    assert_eq!(first.latency.p99_ms, Some(slowest_p99));
    assert_eq!(routes.series[0].points[0][1], f64::from(slowest_p99));
    let latency = chart(&charts, "latency");
    let p99 = latency.series.iter().find(|s| s.name == "p99").unwrap();
    assert_eq!(p99.points.len(), analysis.timeline.buckets.len());
    // charts downsample: a bucket is a point, whatever the number of requests
    assert!(latency.svg.len() < 200_000);
}
