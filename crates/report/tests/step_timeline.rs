//! The timeline picture of a `slow-step` finding's sample: its lines where their times put
//! them, the longest gap shaded, the ceiling where the setting puts it; in the HTML report.

use ceiling_engine::{Analyzer, Settings};
use ceiling_report::{html, step_timelines, ReportOptions, Zone};

/// Five invocations of 25.5 s that wait 24 s after "Calling payments-api".
fn log() -> String {
    let mut log = String::new();
    for i in 0..5 {
        let id = format!("0000000{i}-1111-2222-3333-444444444444");
        let t = |s: u32| format!("2026-03-06T09:0{i}:{:02}.{:03}Z", s / 1000, s % 1000);
        log += &format!("{} START RequestId: {id} Version: $LATEST\n", t(0));
        log += &format!("{}\t{id}\tINFO\tHandling order {i}\n", t(500));
        log += &format!(
            "{}\t{id}\tINFO\tCalling payments-api for order {i}\n",
            t(1000)
        );
        log += &format!("{}\t{id}\tINFO\tpayments-api answered 200\n", t(25000));
        log += &format!("{} END RequestId: {id}\n", t(25500));
        log += &format!(
            "{} REPORT RequestId: {id}\tDuration: 25500.00 ms\tBilled Duration: 25500 ms\tMemory Size: 512 MB\tMax Memory Used: 100 MB\n",
            t(25500)
        );
    }
    log
}

#[test]
fn the_timeline_shows_the_lines_the_gap_and_the_ceiling() {
    let mut analyzer = Analyzer::new(Settings::default());
    analyzer
        .read("lambda-orders-fn.log", log().as_bytes())
        .unwrap();
    let analysis = analyzer.finish();
    let charts = step_timelines(&analysis);
    assert_eq!(charts.len(), 1);
    let chart = &charts[0];
    assert_eq!(chart.id, "step-timeline");
    assert_eq!(
        chart.categories,
        [
            "Handling order 0",
            "Calling payments-api for order 0",
            "payments-api answered 200"
        ]
    );
    let times: Vec<f64> = chart.series[0].points.iter().map(|p| p[0]).collect();
    assert_eq!(times, [500.0, 1000.0, 25000.0]);
    assert_eq!(chart.ceiling_ms, 29_000);
    assert!(chart.x.max >= 29_000.0);
    assert!(
        chart.svg.contains("longest gap: 24 s"),
        "the gap is in the legend"
    );
    assert!(chart.svg.contains("ceiling 29 s"));
    let options = ReportOptions {
        zone: Zone::UTC,
        generated_ms: 0,
    };
    let page = html(&analysis, options);
    assert!(page.contains("Timeline of invocation"));
}
