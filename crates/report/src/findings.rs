//! The findings alone, for a tracker or a spreadsheet: as JSON (the findings of `ceiling
//! analyze --json`, with the ceiling and window they were judged on) and as CSV (one row a
//! finding).

use ceiling_engine::{Analysis, ApiKind, Finding};
use serde::Serialize;

use crate::error::ReportError;
use crate::ReportOptions;

/// The findings JSON: what the findings were judged on, then the findings exactly as
/// `ceiling analyze --json` writes them. Times are ms since the epoch, as there.
#[derive(Serialize)]
struct FindingsDocument<'a> {
    /// `Ceiling 0.1.0`.
    generator: String,
    generated_ms: i64,
    ceiling_ms: u64,
    api: Option<ApiKind>,
    /// The first and last request.
    window: Option<Span>,
    requests: u64,
    integration_timeouts: u64,
    /// Which figures are approximate (counted by Logs Insights), when some are.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    approximate: &'a [String],
    findings: &'a [Finding],
}

#[derive(Serialize)]
struct Span {
    start_ms: i64,
    end_ms: i64,
}

/// The findings as one pretty-printed JSON document.
pub(crate) fn json(analysis: &Analysis, options: ReportOptions) -> Result<Vec<u8>, ReportError> {
    let document = FindingsDocument {
        generator: format!("Ceiling {}", env!("CARGO_PKG_VERSION")),
        generated_ms: options.generated_ms,
        ceiling_ms: analysis.ceiling_ms,
        api: analysis.api,
        window: analysis.window.map(|w| Span {
            start_ms: w.start_ms,
            end_ms: w.end_ms,
        }),
        requests: analysis.requests,
        integration_timeouts: analysis.integration_timeouts,
        approximate: &analysis.approximate,
        findings: &analysis.findings,
    };
    let mut bytes = serde_json::to_vec_pretty(&document)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The columns of the findings CSV.
const CSV_COLUMNS: [&str; 8] = [
    "severity", "id", "title", "impact", "summary", "routes", "advice", "windows",
];

/// The findings as CSV: a header, then one row a finding, most severe first; routes, advice
/// and windows (in the report's zone) joined within their cell.
pub(crate) fn csv(analysis: &Analysis, options: ReportOptions) -> Result<Vec<u8>, ReportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for finding in &analysis.findings {
        let evidence = &finding.evidence;
        let routes: Vec<&str> = evidence.routes.iter().map(|r| r.route.as_str()).collect();
        let advice: Vec<&str> = finding.advice.iter().map(|a| a.text.as_str()).collect();
        let windows: Vec<String> = evidence
            .windows
            .iter()
            .map(|w| {
                format!(
                    "{} to {} ({})",
                    options.zone.format(w.start_ms),
                    options.zone.format(w.end_ms),
                    w.count
                )
            })
            .collect();
        // a tuple, so that the id is written as it serialises, whatever its type
        writer.serialize((
            finding.severity.name(),
            &finding.id,
            &finding.title,
            finding.impact,
            &finding.summary,
            routes.join("; "),
            advice.join(" | "),
            windows.join("; "),
        ))?;
    }
    writer
        .into_inner()
        .map_err(|e| ReportError::Csv(e.into_error().into()))
}
