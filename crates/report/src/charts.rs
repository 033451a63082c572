//! The charts of a report, drawn with plotters as SVG text: one renderer for the app, the
//! PDF and the HTML. Each comes with the data a UI needs to make it interactive (the plot
//! area in pixels, the axis ranges, the values drawn), so that a read-out under the pointer
//! needs no second drawing.

use ceiling_engine::{Analysis, FindingId, FunctionFigures, RouteFigures};
use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;

use crate::zone::Zone;

/// Pixels of every chart: wide enough for a window, scaled down to A4 width in the PDF.
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 340;
/// Routes or functions a bar chart shows, worst first.
const BARS: usize = 12;
/// Characters of a route name on an axis.
const LABEL_CHARS: usize = 38;

/// Colours told apart in greyscale too: each has its own lightness.
pub(crate) const INK: RGBColor = RGBColor(0x1f, 0x3b, 0x73);
pub(crate) const AMBER: RGBColor = RGBColor(0xe0, 0x8a, 0x1e);
pub(crate) const GREY: RGBColor = RGBColor(0x9e, 0x9e, 0x9e);
pub(crate) const CEILING: RGBColor = RGBColor(0xc6, 0x28, 0x28);
const SHADE: RGBColor = RGBColor(0xf2, 0xdc, 0xb8);
const STACK: [RGBColor; 6] = [
    RGBColor(0x1f, 0x3b, 0x73),
    RGBColor(0xe8, 0xa3, 0x3d),
    RGBColor(0x6c, 0x8f, 0xc7),
    RGBColor(0x8c, 0x2d, 0x19),
    RGBColor(0xd4, 0xd4, 0xd4),
    RGBColor(0x4d, 0x4d, 0x4d),
];

/// A chart and what a UI needs to read values off it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// `latency`, `route-p99`, `timeouts`, `lambda`.
    pub id: &'static str,
    pub title: String,
    pub svg: String,
    pub width: u32,
    pub height: u32,
    /// Where the data is drawn, in the SVG's pixels.
    pub plot: PlotArea,
    pub x: Axis,
    pub y: Axis,
    /// The zone the time axis is in (`UTC`, `UTC+02:00`, `Europe/Berlin`).
    pub zone: String,
    pub ceiling_ms: u64,
    /// Bar charts: the name of each bar, top first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The values drawn: `[x, y]` pairs (x is a time in ms for time charts, the category's
    /// index for bar charts).
    pub series: Vec<Series>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlotArea {
    pub left: i32,
    pub top: i32,
    pub width: i32,
    pub height: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    /// `time` (ms since the epoch), `ms` (a duration), `count`, `category`.
    pub unit: &'static str,
    pub label: String,
}

impl Axis {
    /// A time axis from `start` to `end` (ms since the epoch), labelled with its zone.
    fn time(start: i64, end: i64, zone: Zone) -> Axis {
        Axis {
            min: start as f64,
            max: end as f64,
            unit: "time",
            label: format!("time ({})", zone.name()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    pub points: Vec<[f64; 2]>,
}

/// Every chart the analysis has data for.
pub fn charts(analysis: &Analysis, zone: Zone) -> Vec<Chart> {
    [
        latency_over_time(analysis, zone),
        route_p99(analysis),
        timeouts_over_time(analysis, zone),
        lambda_durations(analysis),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `12 s`, `1.5 s`, `850 ms` for an axis: whole seconds from 10 s up, where a tick's tenth
/// tells nothing; below, the duration as everywhere else.
pub(crate) fn seconds_label(ms: f64) -> String {
    if ms >= 10_000.0 || ms == 0.0 {
        format!("{:.0} s", ms / 1000.0)
    } else {
        ceiling_engine::duration::format_ms(ms)
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(LABEL_CHARS - 1).collect();
        short.push('…');
        short
    }
}

/// Draws a chart's legend at `position` and writes the SVG out; returns where the data was
/// drawn, in the SVG's pixels.
pub(crate) fn finish<'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    root: &DrawingArea<SVGBackend<'a>, Shift>,
    position: SeriesLabelPosition,
) -> Option<PlotArea> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(GREY)
        .label_font(("sans-serif", 13))
        .draw()
        .ok()?;
    let (x, y) = chart.plotting_area().get_pixel_range();
    root.present().ok()?;
    Some(PlotArea {
        left: x.start,
        top: y.start,
        width: x.end - x.start,
        height: y.end - y.start,
    })
}

fn time_range(analysis: &Analysis) -> Option<(i64, i64)> {
    let buckets = &analysis.timeline.buckets;
    let first = buckets.first()?.start_ms;
    let last = buckets.last()?.start_ms + analysis.timeline.bucket_ms;
    Some((first, last.max(first + 1)))
}

/// Integration latency over time: p50, p99 and max per bucket, the ceiling, every bucket
/// with timeouts marked at the ceiling, and the bursts shaded.
fn latency_over_time(analysis: &Analysis, zone: Zone) -> Option<Chart> {
    latency_between(analysis, zone, time_range(analysis)?)
}

/// The latency chart over a span of time given (`start_ms`, `end_ms`), whatever of it the
/// analysis has data for: a live watch's window, drawn to its edges so that the chart moves
/// with time, and drawn with its ceiling even before any request came.
pub fn latency_between(analysis: &Analysis, zone: Zone, span: (i64, i64)) -> Option<Chart> {
    let (start, end) = (span.0, span.1.max(span.0 + 1));
    let buckets = &analysis.timeline.buckets;
    let half = analysis.timeline.bucket_ms as f64 / 2.0;
    let ceiling = analysis.ceiling_ms as f64;
    let highest = buckets.iter().filter_map(|b| b.max_ms).max().unwrap_or(0) as f64;
    let top = (ceiling * 1.15).max(highest * 1.05);
    let series_of = |name: &str, value: fn(&ceiling_engine::BucketFigures) -> Option<u32>| Series {
        name: name.to_owned(),
        points: buckets
            .iter()
            .filter_map(|b| Some([b.start_ms as f64 + half, f64::from(value(b)?)]))
            .collect(),
    };
    let series = vec![
        series_of("p50", |b| b.p50_ms),
        series_of("p99", |b| b.p99_ms),
        series_of("max", |b| b.max_ms),
        Series {
            name: "timeouts".to_owned(),
            points: buckets
                .iter()
                .filter(|b| b.timeouts > 0)
                .map(|b| [b.start_ms as f64 + half, b.timeouts as f64])
                .collect(),
        },
    ];
    let bursts: Vec<(f64, f64)> = analysis
        .findings
        .iter()
        .filter(|f| f.id == FindingId::TimeoutBurst)
        .flat_map(|f| &f.evidence.windows)
        .map(|w| (w.start_ms as f64, w.end_ms.max(w.start_ms + 1) as f64))
        .collect();
    let mut svg = String::new();
    let plot = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(start as f64..end as f64, 0.0..top)
            .ok()?;
        let time_label = |ms: &f64| zone.axis_clock(*ms as i64, end - start);
        let seconds = |ms: &f64| seconds_label(*ms);
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&time_label)
            .y_label_formatter(&seconds)
            .x_desc(format!("time ({})", zone.name()))
            .y_desc("integration latency")
            .axis_desc_style(("sans-serif", 14))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style(("sans-serif", 14))
            .draw()
            .ok()?;
        chart
            .draw_series(bursts.iter().map(|(from, to)| {
                Rectangle::new([(*from, 0.0), (*to, top)], SHADE.mix(0.8).filled())
            }))
            .ok()?
            .label("timeout burst")
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], SHADE.filled()));
        let line = |s: &Series| s.points.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>();
        chart
            .draw_series(LineSeries::new(line(&series[2]), GREY.stroke_width(1)))
            .ok()?
            .label("max")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], GREY.stroke_width(1)));
        chart
            .draw_series(DashedLineSeries::new(
                line(&series[1]),
                8,
                4,
                AMBER.stroke_width(2),
            ))
            .ok()?
            .label("p99")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], AMBER.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(line(&series[0]), INK.stroke_width(2)))
            .ok()?
            .label("p50")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], INK.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                vec![(start as f64, ceiling), (end as f64, ceiling)],
                CEILING.stroke_width(3),
            ))
            .ok()?
            .label(format!("ceiling {}", seconds_label(ceiling)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], CEILING.stroke_width(3)));
        chart
            .draw_series(
                series[3]
                    .points
                    .iter()
                    .map(|p| TriangleMarker::new((p[0], ceiling), 7, BLACK.filled())),
            )
            .ok()?
            .label("gateway timeouts")
            .legend(|(x, y)| TriangleMarker::new((x + 8, y), 6, BLACK.filled()));
        chart
            .draw_series(std::iter::once(Text::new(
                format!("ceiling {}", seconds_label(ceiling)),
                (start as f64, ceiling + top * 0.015),
                ("sans-serif", 13).into_font().color(&CEILING),
            )))
            .ok()?;
        finish(&mut chart, &root, SeriesLabelPosition::UpperRight)?
    };
    Some(Chart {
        id: "latency",
        title: format!(
            "Integration latency against the {} ceiling",
            seconds_label(ceiling)
        ),
        svg,
        width: WIDTH,
        height: HEIGHT,
        plot,
        x: Axis::time(start, end, zone),
        y: Axis {
            min: 0.0,
            max: top,
            unit: "ms",
            label: "integration latency".to_owned(),
        },
        zone: zone.name(),
        ceiling_ms: analysis.ceiling_ms,
        categories: Vec::new(),
        series,
    })
}

/// Horizontal bars, one per category, worst at the top, against the ceiling drawn as a
/// vertical line; `segments` are (value, colour) stacked left to right.
fn bars(
    id: &'static str,
    title: String,
    categories: Vec<String>,
    segments: Vec<Vec<(f64, RGBColor)>>,
    legend: &[(&str, RGBColor)],
    ceiling_ms: u64,
    series: Vec<Series>,
) -> Option<Chart> {
    let ceiling = ceiling_ms as f64;
    let widest = segments
        .iter()
        .map(|s| s.iter().map(|(v, _)| v).sum::<f64>())
        .fold(0.0, f64::max);
    let top = (ceiling * 1.15).max(widest * 1.05);
    let n = categories.len() as u32;
    let mut svg = String::new();
    let plot = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(250)
            .build_cartesian_2d(0.0..top, (0..n).into_segmented())
            .ok()?;
        // the worst is the first category, drawn at the top
        let name_of = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) if *i < n => shorten(&categories[(n - 1 - i) as usize]),
            _ => String::new(),
        };
        let seconds = |ms: &f64| seconds_label(*ms);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n as usize)
            .y_label_formatter(&name_of)
            .x_label_formatter(&seconds)
            .x_labels(8)
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style(("sans-serif", 14))
            .draw()
            .ok()?;
        for (row, stack) in segments.iter().enumerate() {
            let slot = n - 1 - row as u32;
            let mut from = 0.0;
            for (value, colour) in stack {
                chart
                    .draw_series(std::iter::once({
                        let mut bar = Rectangle::new(
                            [
                                (from, SegmentValue::Exact(slot)),
                                (from + value, SegmentValue::Exact(slot + 1)),
                            ],
                            colour.filled(),
                        );
                        bar.set_margin(3, 3, 0, 0);
                        bar
                    }))
                    .ok()?;
                from += value;
            }
        }
        for (name, colour) in legend {
            let colour = *colour;
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, SegmentValue<u32>)>>())
                .ok()?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], colour.filled())
                });
        }
        chart
            .draw_series(LineSeries::new(
                vec![
                    (ceiling, SegmentValue::Exact(0)),
                    (ceiling, SegmentValue::Last),
                ],
                CEILING.stroke_width(3),
            ))
            .ok()?
            .label(format!("ceiling {}", seconds_label(ceiling)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], CEILING.stroke_width(3)));
        finish(&mut chart, &root, SeriesLabelPosition::LowerRight)?
    };
    Some(Chart {
        id,
        title,
        svg,
        width: WIDTH,
        height: HEIGHT,
        plot,
        x: Axis {
            min: 0.0,
            max: top,
            unit: "ms",
            label: String::new(),
        },
        y: Axis {
            min: 0.0,
            max: f64::from(n),
            unit: "category",
            label: String::new(),
        },
        zone: String::new(),
        ceiling_ms,
        categories,
        series,
    })
}

/// p99 per route against the ceiling, the worst first.
fn route_p99(analysis: &Analysis) -> Option<Chart> {
    let mut routes: Vec<&RouteFigures> = analysis
        .routes
        .iter()
        .filter(|r| r.latency.p99_ms.is_some())
        .collect();
    if routes.is_empty() {
        return None;
    }
    routes.sort_by_key(|r| std::cmp::Reverse(r.latency.p99_ms));
    routes.truncate(BARS);
    let ceiling = analysis.ceiling_ms as f64;
    let colour = |ms: f64| {
        if ms >= ceiling {
            CEILING
        } else if ms >= 0.8 * ceiling {
            AMBER
        } else {
            INK
        }
    };
    let values: Vec<f64> = routes
        .iter()
        .map(|r| f64::from(r.latency.p99_ms.unwrap_or(0)))
        .collect();
    bars(
        "route-p99",
        "p99 response latency per route, against the ceiling".to_owned(),
        routes.iter().map(|r| r.route.clone()).collect(),
        values.iter().map(|v| vec![(*v, colour(*v))]).collect(),
        &[
            ("p99 at or past the ceiling", CEILING),
            ("p99 within 20% of it", AMBER),
            ("p99", INK),
        ],
        analysis.ceiling_ms,
        vec![Series {
            name: "p99".to_owned(),
            points: values
                .iter()
                .enumerate()
                .map(|(i, v)| [i as f64, *v])
                .collect(),
        }],
    )
}

/// Gateway timeouts per time bucket, stacked by route.
fn timeouts_over_time(analysis: &Analysis, zone: Zone) -> Option<Chart> {
    let (start, end) = time_range(analysis)?;
    let timeline = &analysis.timeline;
    if timeline.timeouts_by_route.is_empty() {
        return None;
    }
    let width = timeline.bucket_ms as f64;
    let highest = timeline
        .buckets
        .iter()
        .map(|b| b.timeouts)
        .max()
        .unwrap_or(0) as f64;
    let top = (highest * 1.15).max(1.0);
    let mut svg = String::new();
    let plot = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(start as f64..end as f64, 0.0..top)
            .ok()?;
        let time_label = |ms: &f64| zone.axis_clock(*ms as i64, end - start);
        // counts are whole: fractional ticks stay unlabelled
        let count = |n: &f64| {
            if n.fract() == 0.0 {
                format!("{n:.0}")
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&time_label)
            .y_label_formatter(&count)
            .x_desc(format!("time ({})", zone.name()))
            .y_desc("gateway timeouts")
            .axis_desc_style(("sans-serif", 14))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style(("sans-serif", 14))
            .draw()
            .ok()?;
        let mut base = vec![0.0; timeline.buckets.len()];
        for (k, route) in timeline.timeouts_by_route.iter().enumerate() {
            let colour = STACK[k % STACK.len()];
            let rectangles: Vec<_> = timeline
                .buckets
                .iter()
                .zip(&route.timeouts)
                .enumerate()
                .filter(|(_, (_, n))| **n > 0)
                .map(|(i, (bucket, n))| {
                    let x = bucket.start_ms as f64;
                    let rect = Rectangle::new(
                        [(x, base[i]), (x + width * 0.85, base[i] + *n as f64)],
                        colour.filled(),
                    );
                    base[i] += *n as f64;
                    rect
                })
                .collect();
            chart
                .draw_series(rectangles)
                .ok()?
                .label(shorten(&route.route))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], colour.filled())
                });
        }
        finish(&mut chart, &root, SeriesLabelPosition::UpperRight)?
    };
    Some(Chart {
        id: "timeouts",
        title: "Gateway timeouts over time, by route".to_owned(),
        svg,
        width: WIDTH,
        height: HEIGHT,
        plot,
        x: Axis::time(start, end, zone),
        y: Axis {
            min: 0.0,
            max: top,
            unit: "count",
            label: "gateway timeouts".to_owned(),
        },
        zone: zone.name(),
        ceiling_ms: analysis.ceiling_ms,
        categories: Vec::new(),
        series: timeline
            .timeouts_by_route
            .iter()
            .map(|route| Series {
                name: route.route.clone(),
                points: timeline
                    .buckets
                    .iter()
                    .zip(&route.timeouts)
                    .map(|(b, n)| [b.start_ms as f64, *n as f64])
                    .collect(),
            })
            .collect(),
    })
}

/// Lambda durations per function: the p99 of its invocations, and a cold one's mean init on
/// top of it, against the ceiling.
fn lambda_durations(analysis: &Analysis) -> Option<Chart> {
    let lambda = analysis.lambda.as_ref()?;
    let mut functions: Vec<&FunctionFigures> = lambda
        .functions
        .iter()
        .filter(|f| f.duration.p99_ms.is_some())
        .collect();
    if functions.is_empty() {
        return None;
    }
    let cold_p99 = |f: &FunctionFigures| {
        f64::from(f.duration.p99_ms.unwrap_or(0)) + f.mean_init_ms.unwrap_or(0.0)
    };
    functions.sort_by(|a, b| cold_p99(b).total_cmp(&cold_p99(a)));
    functions.truncate(BARS);
    let segments = functions
        .iter()
        .map(|f| {
            vec![
                (f64::from(f.duration.p99_ms.unwrap_or(0)), INK),
                (f.mean_init_ms.unwrap_or(0.0), AMBER),
            ]
        })
        .collect();
    bars(
        "lambda",
        "Lambda duration per function (p99), and the init a cold start adds".to_owned(),
        functions.iter().map(|f| f.function.clone()).collect(),
        segments,
        &[("p99 duration", INK), ("mean init of a cold start", AMBER)],
        analysis.ceiling_ms,
        vec![
            Series {
                name: "p99 duration".to_owned(),
                points: functions
                    .iter()
                    .enumerate()
                    .map(|(i, f)| [i as f64, f64::from(f.duration.p99_ms.unwrap_or(0))])
                    .collect(),
            },
            Series {
                name: "mean init".to_owned(),
                points: functions
                    .iter()
                    .enumerate()
                    .map(|(i, f)| [i as f64, f.mean_init_ms.unwrap_or(0.0)])
                    .collect(),
            },
        ],
    )
}
