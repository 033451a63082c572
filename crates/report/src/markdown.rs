//! The report as Markdown, for wikis and tickets. Charts need the PDF or the HTML report.

use std::fmt::Write;

use crate::document::{severity_name, Block, Document};
use crate::fonts::plain;

/// Escapes the characters that Markdown (and the HTML it may contain) would interpret, so
/// the text renders as written.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in plain(text).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '!' | '|'
            | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) fn render(document: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape(&document.title));
    for (label, value) in &document.facts {
        let _ = writeln!(out, "- {}: **{}**", escape(label), escape(value));
    }
    out.push('\n');
    for block in &document.blocks {
        match block {
            Block::Heading(text) => {
                let _ = writeln!(out, "## {}\n", escape(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "{}\n", escape(text));
            }
            Block::Note(text) => {
                let _ = writeln!(out, "_{}_\n", escape(text));
            }
            Block::Bullets(items) => {
                for item in items {
                    let _ = writeln!(out, "- {}", escape(item));
                }
                out.push('\n');
            }
            Block::Finding(finding) => {
                let _ = writeln!(
                    out,
                    "### {}: {} (`{}`)\n\n{}\n",
                    severity_name(finding.severity),
                    escape(&finding.title),
                    finding.id,
                    escape(&finding.summary)
                );
                for line in &finding.evidence {
                    let _ = writeln!(out, "- {}", escape(line));
                }
                if !finding.evidence.is_empty() {
                    out.push('\n');
                }
                if !finding.advice.is_empty() {
                    out.push_str("What to do:\n\n");
                    for (i, (text, link)) in finding.advice.iter().enumerate() {
                        let _ = write!(out, "{}. {}", i + 1, escape(text));
                        if let Some(link) = link {
                            let _ = write!(out, " <{link}>");
                        }
                        out.push('\n');
                    }
                    out.push('\n');
                }
                if let Some(reproduce) = &finding.reproduce {
                    // the query holds log text (routes): escaped lines, not a code block,
                    // whose markup a viewer would show raw
                    let lines: Vec<String> = reproduce.query.lines().map(escape).collect();
                    let _ = writeln!(
                        out,
                        "Reproduce in CloudWatch ({}), on {}:\n\n> {}\n",
                        escape(&reproduce.shows),
                        escape(&groups(reproduce)),
                        lines.join("\\\n> ")
                    );
                    for link in &reproduce.links {
                        // the console's addresses hold parentheses: a destination in <> keeps them
                        let _ = writeln!(out, "- [{}](<{}>)", escape(&link.label), link.url);
                    }
                    if let Some(note) = &reproduce.note {
                        let _ = writeln!(out, "- _{}_", escape(note));
                    }
                    out.push('\n');
                }
            }
            Block::Chart(chart) => {
                let _ = writeln!(
                    out,
                    "_(chart \"{}\": in the PDF and HTML reports)_\n",
                    escape(&chart.title)
                );
            }
            Block::Table(table) => {
                let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
                let _ = writeln!(out, "| {} |", names.join(" | "));
                let rule: Vec<&str> = table
                    .columns
                    .iter()
                    .map(|c| if c.numeric { "---:" } else { "---" })
                    .collect();
                let _ = writeln!(out, "|{}|", rule.join("|"));
                for row in &table.rows {
                    let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
                    let _ = writeln!(out, "| {} |", cells.join(" | "));
                }
                out.push('\n');
            }
        }
    }
    let _ = writeln!(out, "---\n{}", escape(&document.footer));
    out
}

/// The log groups a query runs on, as a list.
pub(crate) fn groups(reproduce: &ceiling_engine::Reproduce) -> String {
    reproduce
        .log_groups
        .iter()
        .map(|g| g.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
