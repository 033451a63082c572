//! Why a report could not be written, or a report setting (format, time zone) not read.

use std::path::PathBuf;

use thiserror::Error;

/// Why a report could not be written, or one of its settings not read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file name whose extension names no report format.
    #[error(
        "cannot tell the report format of {}: name it .pdf, .html, .md, .json or .csv",
        .0.display()
    )]
    UnknownFormat(PathBuf),
    /// A format name that is not one of [`crate::Format::name`]'s.
    #[error("'{0}' is not a report format (pdf, html, md, findings-json, findings-csv)")]
    UnknownFormatName(String),
    /// A time zone that is neither UTC, an offset, `local` nor a name the tz database knows.
    #[error("'{0}' is not a time zone (UTC, +02:00, Europe/Berlin, local)")]
    UnknownZone(String),
    /// An offset beyond ±18 hours.
    #[error("{0} minutes is not a UTC offset")]
    Offset(i32),
    /// A chart's SVG that the PDF writer cannot read back.
    #[error("chart {id}: {source}")]
    Chart {
        id: &'static str,
        source: usvg::Error,
    },
    /// The PDF writer failed; its own error, as it describes itself.
    #[error("cannot write the PDF: {0}")]
    Pdf(String),
    #[error("cannot write the findings as CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write the findings as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the report to {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}
