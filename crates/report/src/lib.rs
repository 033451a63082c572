//! Ceiling's report of an [`Analysis`]: what an incident review, a wiki page or a ticket
//! needs (what happened, the findings with evidence and advice, the charts against the
//! ceiling, the route and Lambda tables, an appendix of evidence), as PDF, HTML or Markdown,
//! and the findings alone as JSON or CSV, written from the same value the app and the CLI
//! show. The CLI's `--report FILE` and the app's "Export" both call [`render`]. The charts are
//! also what the app draws.
//!
//! Every string that comes from a log or a file name is text in every format: escaped in
//! HTML and Markdown, laid out as plain text in the PDF, so nothing in a log line can change
//! the document's structure.
//!
//! Every time is shown in the report's [`Zone`] (UTC, an offset, a tz database name such as
//! `Europe/Berlin`, or the machine's zone), at the offset in force at that instant: a window
//! across a change to summer time starts at `+01:00` and ends at `+02:00`.
//!
//! # Formats
//!
//! | [`Format`] | file | what it holds |
//! |---|---|---|
//! | `Pdf` | `.pdf` | the report, A4, fonts embedded and subset |
//! | `Html` | `.html`, `.htm` | the report, one file: inline CSS and SVG, no script |
//! | `Markdown` | `.md` | the report, charts left out |
//! | `FindingsJson` | `.json` | `{generator, generated_ms, ceiling_ms, api, window: {start_ms, end_ms}, requests, integration_timeouts, approximate, findings}`: the `findings` array exactly as `ceiling analyze --json` writes it, with the ceiling and window they were judged on; times in ms since the epoch |
//! | `FindingsCsv` | `.csv` | a header, then one row a finding: `severity, id, title, impact, summary, routes, advice, windows`, with the windows' times in the report's zone |
//!
//! # Modules
//!
//! - `document`: the report as blocks (headings, tables, findings, charts), built once;
//!   `pdf`, `html` and `markdown` lay the same blocks out, with `fonts` for the PDF's text.
//! - [`charts`](mod@charts): the charts as SVG, with the data a UI needs to read values off them.
//! - `findings`: the findings JSON and CSV.
//! - `comparison`: the report of two windows compared ([`render_comparison`]), as blocks
//!   of the same kinds, with its chart of both windows against the ceiling.
//! - `zone`: [`Zone`], the time zone of the times shown.
//! - `error`: [`ReportError`].
//!
//! # Example
//!
//! ```
//! use ceiling_engine::{Analyzer, Settings};
//! use ceiling_report::{Format, ReportOptions, Zone};
//!
//! // one request that timed out at 00:50 UTC on 2026-03-29, 01:50 in Berlin
//! let log = r#"{"requestId":"r1","requestTimeEpoch":"1774745400000","httpMethod":"POST","resourcePath":"/reports","status":"504","responseLatency":"29010","integrationLatency":"-","errorResponseType":"INTEGRATION_TIMEOUT"}"#;
//! let mut analyzer = Analyzer::new(Settings::default());
//! analyzer.read("access.jsonl", log.as_bytes())?;
//! let analysis = analyzer.finish();
//!
//! let options = ReportOptions {
//!     zone: Zone::parse("Europe/Berlin")?,
//!     ..ReportOptions::now()
//! };
//! let html = ceiling_report::html(&analysis, options);
//! assert!(html.contains("at 2026-03-29 01:50:00 UTC+01:00"));
//!
//! let csv = ceiling_report::render(&analysis, options, Format::FindingsCsv)?;
//! assert!(String::from_utf8(csv)?.contains("critical,integration-timeout,"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod charts;
mod comparison;
mod document;
mod error;
mod findings;
mod fonts;
mod html;
mod markdown;
mod pdf;
mod timeline_chart;
mod zone;

use std::path::Path;
use std::str::FromStr;

use ceiling_engine::{Analysis, Comparison};

pub use charts::{charts, latency_between, Chart};
pub use comparison::comparison_chart;
pub use document::ReportOptions;
pub use error::ReportError;
pub use timeline_chart::step_timelines;
pub use zone::Zone;

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Html,
    Markdown,
    /// The findings alone, as JSON.
    FindingsJson,
    /// The findings alone, one CSV row each.
    FindingsCsv,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Pdf,
        Format::Html,
        Format::Markdown,
        Format::FindingsJson,
        Format::FindingsCsv,
    ];

    /// The format a file name asks for: `.pdf`, `.html`/`.htm`, `.md`, `.json`, `.csv`.
    pub fn of_path(path: &Path) -> Result<Format, ReportError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("pdf") => Ok(Format::Pdf),
            Some("html" | "htm") => Ok(Format::Html),
            Some("md" | "markdown") => Ok(Format::Markdown),
            Some("json") => Ok(Format::FindingsJson),
            Some("csv") => Ok(Format::FindingsCsv),
            _ => Err(ReportError::UnknownFormat(path.to_owned())),
        }
    }

    /// The name a front end asks for it by: `pdf`, `html`, `md`, `findings-json`,
    /// `findings-csv`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Html => "html",
            Format::Markdown => "md",
            Format::FindingsJson => "findings-json",
            Format::FindingsCsv => "findings-csv",
        }
    }

    /// The extension of its files, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Html => "html",
            Format::Markdown => "md",
            Format::FindingsJson => "json",
            Format::FindingsCsv => "csv",
        }
    }

    /// What it is, for a save dialog: `PDF report`, `findings (CSV)`.
    pub fn description(self) -> &'static str {
        match self {
            Format::Pdf => "PDF report",
            Format::Html => "HTML report",
            Format::Markdown => "Markdown report",
            Format::FindingsJson => "findings (JSON)",
            Format::FindingsCsv => "findings (CSV)",
        }
    }

    /// The file name to offer: `ceiling-report.pdf`, `ceiling-findings.csv`.
    pub fn file_name(self) -> String {
        let stem = match self {
            Format::FindingsJson | Format::FindingsCsv => "ceiling-findings",
            Format::Pdf | Format::Html | Format::Markdown => "ceiling-report",
        };
        format!("{stem}.{}", self.extension())
    }
}

impl FromStr for Format {
    type Err = ReportError;

    /// Reads [`Format::name`].
    fn from_str(name: &str) -> Result<Format, ReportError> {
        Format::ALL
            .into_iter()
            .find(|format| format.name() == name)
            .ok_or_else(|| ReportError::UnknownFormatName(name.to_owned()))
    }
}

/// The report as Markdown.
pub fn markdown(analysis: &Analysis, options: ReportOptions) -> String {
    markdown::render(&document::build(analysis, options))
}

/// The report as one self-contained HTML file.
pub fn html(analysis: &Analysis, options: ReportOptions) -> String {
    html::render(&document::build(analysis, options))
}

/// The report as a PDF.
pub fn pdf(analysis: &Analysis, options: ReportOptions) -> Result<Vec<u8>, ReportError> {
    pdf::render(&document::build(analysis, options))
}

/// The report, or the findings, in `format`, as bytes to write.
pub fn render(
    analysis: &Analysis,
    options: ReportOptions,
    format: Format,
) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Pdf => pdf(analysis, options),
        Format::Html => Ok(html(analysis, options).into_bytes()),
        Format::Markdown => Ok(markdown(analysis, options).into_bytes()),
        Format::FindingsJson => findings::json(analysis, options),
        Format::FindingsCsv => findings::csv(analysis, options),
    }
}

/// The report of a comparison of two windows, as PDF, HTML or Markdown; the findings
/// formats are an analysis' and refused here.
pub fn render_comparison(
    comparison: &Comparison,
    options: ReportOptions,
    format: Format,
) -> Result<Vec<u8>, ReportError> {
    let document = comparison::build(comparison, options);
    match format {
        Format::Pdf => pdf::render(&document),
        Format::Html => Ok(html::render(&document).into_bytes()),
        Format::Markdown => Ok(markdown::render(&document).into_bytes()),
        Format::FindingsJson | Format::FindingsCsv => {
            Err(ReportError::UnknownFormatName(format.name().to_owned()))
        }
    }
}

/// Writes the report of a comparison to `path`, in the format its extension names.
pub fn write_comparison(
    comparison: &Comparison,
    options: ReportOptions,
    path: &Path,
) -> Result<(), ReportError> {
    let bytes = render_comparison(comparison, options, Format::of_path(path)?)?;
    std::fs::write(path, bytes).map_err(|source| ReportError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Writes the report to `path`, in the format its extension names.
pub fn write(analysis: &Analysis, options: ReportOptions, path: &Path) -> Result<(), ReportError> {
    let bytes = render(analysis, options, Format::of_path(path)?)?;
    std::fs::write(path, bytes).map_err(|source| ReportError::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension_and_by_name() {
        for format in Format::ALL {
            let path = Path::new("out").with_extension(format.extension());
            assert_eq!(Format::of_path(&path).unwrap(), format);
            assert_eq!(format.name().parse::<Format>().unwrap(), format);
            assert_eq!(
                Format::of_path(Path::new(&format.file_name())).unwrap(),
                format
            );
        }
        assert_eq!(Format::of_path(Path::new("R.HTM")).unwrap(), Format::Html);
        let error = Format::of_path(Path::new("out.docx")).unwrap_err();
        assert!(error.to_string().contains("out.docx"));
        assert!("docx".parse::<Format>().is_err());
    }
}
