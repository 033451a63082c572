//! Ceiling's report of an [`Analysis`]: what an incident review, a wiki page or a ticket
//! needs (what happened, the findings with evidence and advice, the charts against the
//! ceiling, the route and Lambda tables, an appendix of evidence), as PDF, HTML or Markdown,
//! written from the same value the app and the CLI show. The charts are also what the app
//! draws.
//!
//! Every string that comes from a log or a file name is text in every format: escaped in
//! HTML and Markdown, laid out as plain text in the PDF, so nothing in a log line can change
//! the document's structure.

pub mod charts;
mod document;
mod fonts;
mod html;
mod markdown;
mod pdf;
mod zone;

use std::path::Path;

use ceiling_engine::Analysis;

pub use charts::{charts, Chart};
pub use document::ReportOptions;
pub use zone::Zone;

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Html,
    Markdown,
}

impl Format {
    /// The format a file name asks for: `.pdf`, `.html`/`.htm`, `.md`.
    pub fn of_path(path: &Path) -> Result<Format, String> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("pdf") => Ok(Format::Pdf),
            Some("html" | "htm") => Ok(Format::Html),
            Some("md" | "markdown") => Ok(Format::Markdown),
            _ => Err(format!(
                "cannot tell the report format of {}: name it .pdf, .html or .md",
                path.display()
            )),
        }
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
pub fn pdf(analysis: &Analysis, options: ReportOptions) -> Result<Vec<u8>, String> {
    pdf::render(&document::build(analysis, options))
}

/// The report in `format`, as bytes to write.
pub fn render(
    analysis: &Analysis,
    options: ReportOptions,
    format: Format,
) -> Result<Vec<u8>, String> {
    match format {
        Format::Pdf => pdf(analysis, options),
        Format::Html => Ok(html(analysis, options).into_bytes()),
        Format::Markdown => Ok(markdown(analysis, options).into_bytes()),
    }
}

/// Writes the report to `path`, in the format its extension names.
pub fn write(analysis: &Analysis, options: ReportOptions, path: &Path) -> Result<(), String> {
    let bytes = render(analysis, options, Format::of_path(path)?)?;
    std::fs::write(path, bytes)
        .map_err(|e| format!("cannot write the report to {}: {e}", path.display()))
}
