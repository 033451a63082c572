//! The timeline of an invocation a `slow-step` finding samples: its log lines on a time axis
//! from its START, the longest gap between them shaded, and the gateway's ceiling drawn
//! against it.

use ceiling_engine::{Analysis, FindingId, InvocationTimeline};
use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::prelude::*;

use crate::charts::{Axis, Chart, PlotArea, Series, HEIGHT, WIDTH};

const INK: RGBColor = RGBColor(0x1f, 0x3b, 0x73);
const CEILING: RGBColor = RGBColor(0xc6, 0x28, 0x28);
const GAP: RGBColor = RGBColor(0xf2, 0xdc, 0xb8);
/// Timelines drawn per report: the first sample of each finding, up to this many.
const TIMELINES: usize = 3;
/// Lines drawn of one timeline.
const LINES: usize = 12;
/// Characters of a message beside the axis.
const LABEL_CHARS: usize = 44;

/// A chart per `slow-step` finding: its first sample invocation's timeline.
pub fn step_timelines(analysis: &Analysis) -> Vec<Chart> {
    analysis
        .findings
        .iter()
        .filter(|f| f.id == FindingId::SlowStep)
        .filter_map(|f| f.evidence.steps.as_ref())
        .filter_map(|step| step.samples.first())
        .take(TIMELINES)
        .filter_map(|sample| timeline(sample, analysis.ceiling_ms))
        .collect()
}

fn label(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(LABEL_CHARS - 1).collect();
        short.push('…');
        short
    }
}

fn seconds(ms: &f64) -> String {
    format!("{:.0} s", ms / 1000.0)
}

/// One invocation's lines, the first at the top, placed at their time since its START.
fn timeline(sample: &InvocationTimeline, ceiling_ms: u64) -> Option<Chart> {
    let start = sample.start_ms?;
    let lines: Vec<(usize, f64, &str)> = sample
        .lines
        .iter()
        .enumerate()
        .take(LINES)
        .filter_map(|(i, l)| Some((i, (l.time_ms? - start) as f64, l.message.as_str())))
        .collect();
    if lines.is_empty() {
        return None;
    }
    let ceiling = ceiling_ms as f64;
    let top = (ceiling * 1.1).max(sample.duration_ms * 1.05);
    let n = lines.len() as u32;
    let categories: Vec<String> = lines.iter().map(|(_, _, m)| label(m)).collect();
    let at = |line: Option<usize>, end: bool| -> f64 {
        match line {
            Some(i) => sample.lines[i].time_ms.map_or(0.0, |t| (t - start) as f64),
            None if end => sample.duration_ms,
            None => 0.0,
        }
    };
    let mut svg = String::new();
    let plot = {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(300)
            .build_cartesian_2d(0.0..top, (0..n).into_segmented())
            .ok()?;
        let name_of = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) if *i < n => categories[(n - 1 - i) as usize].clone(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n as usize)
            .y_label_formatter(&name_of)
            .x_label_formatter(&seconds)
            .x_labels(8)
            .x_desc("seconds since START")
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .label_style(("sans-serif", 13))
            .draw()
            .ok()?;
        if let Some(gap) = sample.longest_gap {
            let (from, to) = (at(gap.after, false), at(gap.before, true));
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(from, SegmentValue::Exact(0)), (to, SegmentValue::Last)],
                    GAP.filled(),
                )))
                .ok()?
                .label(format!("longest gap: {}", seconds(&(gap.ms as f64))))
                .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], GAP.filled()));
        }
        chart
            .draw_series(lines.iter().enumerate().map(|(row, (_, t, _))| {
                let slot = n - 1 - row as u32;
                Circle::new((*t, SegmentValue::CenterOf(slot)), 5, INK.filled())
            }))
            .ok()?
            .label("a log line")
            .legend(|(x, y)| Circle::new((x + 8, y), 5, INK.filled()));
        chart
            .draw_series(LineSeries::new(
                vec![
                    (sample.duration_ms, SegmentValue::Exact(0)),
                    (sample.duration_ms, SegmentValue::Last),
                ],
                INK.stroke_width(1),
            ))
            .ok()?
            .label(if sample.timed_out { "timed out" } else { "end" })
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], INK.stroke_width(1)));
        chart
            .draw_series(LineSeries::new(
                vec![
                    (ceiling, SegmentValue::Exact(0)),
                    (ceiling, SegmentValue::Last),
                ],
                CEILING.stroke_width(3),
            ))
            .ok()?
            .label(format!("ceiling {}", seconds(&ceiling)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], CEILING.stroke_width(3)));
        chart
            .configure_series_labels()
            // the first lines are early (left, at the top): the upper right is free
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(0x9e, 0x9e, 0x9e))
            .label_font(("sans-serif", 13))
            .draw()
            .ok()?;
        let (x, y) = chart.plotting_area().get_pixel_range();
        root.present().ok()?;
        PlotArea {
            left: x.start,
            top: y.start,
            width: x.end - x.start,
            height: y.end - y.start,
        }
    };
    Some(Chart {
        id: "step-timeline",
        title: format!(
            "Timeline of invocation {} of {}",
            sample.request_id, sample.function
        ),
        svg,
        width: WIDTH,
        height: HEIGHT,
        plot,
        x: Axis {
            min: 0.0,
            max: top,
            unit: "ms",
            label: "seconds since START".to_owned(),
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
        series: vec![Series {
            name: "log lines".to_owned(),
            points: lines.iter().map(|(i, t, _)| [*t, *i as f64]).collect(),
        }],
    })
}
