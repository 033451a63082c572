//! The report as one self-contained HTML file: inline CSS, inline SVG charts, no script, a
//! Content-Security-Policy that forbids any, and every string escaped.

use std::fmt::Write;

use crate::document::{severity_name, Block, Document};
use crate::fonts::plain;

/// Text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in plain(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font: 14px/1.45 'DejaVu Sans', system-ui, sans-serif; color: #20242b; max-width: 1000px;
  margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #c8cdd3; margin-top: 2rem; }
dl.facts { display: grid; grid-template-columns: 11rem 1fr; gap: .2rem 1rem; }
dl.facts dt { color: #5f6670; font-weight: bold; }
.note { color: #5f6670; font-size: .9rem; }
.finding { border-left: 4px solid #999; padding: .2rem 0 .2rem 1rem; margin: 1.2rem 0; }
.finding h3 { margin: .2rem 0; font-size: 1.05rem; }
.badge { color: #fff; font-size: .7rem; font-weight: bold; padding: .1rem .4rem; border-radius: 3px; }
.id { color: #5f6670; font-size: .8rem; margin-left: .4rem; }
.evidence { color: #5f6670; font-size: .85rem; margin: .3rem 0; padding-left: 1rem; }
.critical { border-color: #b71c1c; } .critical .badge { background: #b71c1c; }
.high { border-color: #d85a14; } .high .badge { background: #d85a14; }
.elevated { border-color: #b8860b; } .elevated .badge { background: #b8860b; }
.low { border-color: #456b8e; } .low .badge { background: #456b8e; }
.info { border-color: #707880; } .info .badge { background: #707880; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { padding: .25rem .5rem; text-align: left; border-bottom: 1px solid #e4e7eb; }
th { color: #5f6670; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #f3f5f7; }
figure { margin: 1rem 0; } figure svg { width: 100%; height: auto; }
footer { color: #5f6670; font-size: .8rem; margin-top: 3rem; }
";

pub(crate) fn render(document: &Document) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<dl class=\"facts\">\n",
        escape(&document.title),
        escape(&document.title)
    );
    for (label, value) in &document.facts {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
    }
    out.push_str("</dl>\n");
    for block in &document.blocks {
        match block {
            Block::Heading(text) => {
                let _ = writeln!(out, "<h2>{}</h2>", escape(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", escape(text));
            }
            Block::Note(text) => {
                let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(text));
            }
            Block::Bullets(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", escape(item));
                }
                out.push_str("</ul>\n");
            }
            Block::Finding(finding) => {
                let class = finding.severity.name();
                let _ = write!(
                    out,
                    "<section class=\"finding {class}\">\n<span class=\"badge\">{}</span>\
                     <span class=\"id\">{}</span>\n<h3>{}</h3>\n<p>{}</p>\n",
                    severity_name(finding.severity),
                    escape(finding.id.as_str()),
                    escape(&finding.title),
                    escape(&finding.summary)
                );
                if !finding.evidence.is_empty() {
                    out.push_str("<ul class=\"evidence\">\n");
                    for line in &finding.evidence {
                        let _ = writeln!(out, "<li>{}</li>", escape(line));
                    }
                    out.push_str("</ul>\n");
                }
                if !finding.advice.is_empty() {
                    out.push_str("<p><b>What to do</b></p>\n<ol>\n");
                    for (text, link) in &finding.advice {
                        let _ = write!(out, "<li>{}", escape(text));
                        if let Some(link) = link {
                            let _ = write!(
                                out,
                                " <a href=\"{}\" rel=\"noreferrer\">{}</a>",
                                escape(link),
                                escape(link)
                            );
                        }
                        out.push_str("</li>\n");
                    }
                    out.push_str("</ol>\n");
                }
                if let Some(reproduce) = &finding.reproduce {
                    let _ = writeln!(
                        out,
                        "<p><b>Reproduce in CloudWatch</b> ({}), on {}:</p>\n<pre>{}</pre>",
                        escape(&reproduce.shows),
                        escape(&crate::markdown::groups(reproduce)),
                        escape(&reproduce.query)
                    );
                    out.push_str("<ul>\n");
                    for link in &reproduce.links {
                        let _ = writeln!(
                            out,
                            "<li><a href=\"{}\" rel=\"noreferrer\">{}</a></li>",
                            escape(&link.url),
                            escape(&link.label)
                        );
                    }
                    if let Some(note) = &reproduce.note {
                        let _ = writeln!(out, "<li>{}</li>", escape(note));
                    }
                    out.push_str("</ul>\n");
                }
                out.push_str("</section>\n");
            }
            Block::Chart(chart) => {
                // plotters escapes the text it writes into the SVG
                let _ = writeln!(
                    out,
                    "<figure id=\"chart-{}\"><figcaption>{}</figcaption>{}</figure>",
                    chart.id,
                    escape(&chart.title),
                    chart.svg
                );
            }
            Block::Table(table) => {
                out.push_str("<table>\n<tr>");
                for column in &table.columns {
                    let class = if column.numeric { " class=\"n\"" } else { "" };
                    let _ = write!(out, "<th{class}>{}</th>", escape(column.name));
                }
                out.push_str("</tr>\n");
                for row in &table.rows {
                    out.push_str("<tr>");
                    for (cell, column) in row.iter().zip(&table.columns) {
                        let class = if column.numeric { " class=\"n\"" } else { "" };
                        let _ = write!(out, "<td{class}>{}</td>", escape(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</table>\n");
            }
        }
    }
    let _ = write!(
        out,
        "<footer>{}</footer>\n</body>\n</html>\n",
        escape(&document.footer)
    );
    out
}
