//! Ceiling's report of an [`Analysis`]: what an incident review, a wiki page or a ticket
//! needs, written from the same value the app and the CLI show.
//!
//! Every string that comes from a log or a file name is escaped for the target format, so
//! nothing in a log line can change the document's structure.

use std::fmt::Write;

use ceiling_engine::Analysis;

/// The report as Markdown.
pub fn markdown(analysis: &Analysis) -> String {
    let mut out = String::new();
    out.push_str("# Ceiling report\n\n");
    let _ = writeln!(
        out,
        "Integration-timeout ceiling: **{}**\n",
        format_ms(analysis.ceiling_ms)
    );
    let _ = writeln!(out, "Requests read: **{}**\n", analysis.requests);

    out.push_str("## Responses by status\n\n");
    if analysis.status.is_empty() {
        out.push_str("No access-log records were read.\n\n");
    } else {
        out.push_str("| status | requests | share |\n|---:|---:|---:|\n");
        for (status, count) in &analysis.status {
            let share = 100.0 * *count as f64 / analysis.requests as f64;
            let _ = writeln!(out, "| {status} | {count} | {share:.1} % |");
        }
        out.push('\n');
    }

    out.push_str("## Inputs\n\n| input | lines | records | rejected |\n|---|---:|---:|---:|\n");
    for input in &analysis.inputs {
        let rejected: u64 = input.rejected.iter().map(|r| r.count).sum();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape_markdown(&input.name),
            input.lines,
            input.records,
            rejected
        );
    }
    for input in &analysis.inputs {
        for rejection in &input.rejected {
            let lines: Vec<String> = rejection.first_lines.iter().map(u64::to_string).collect();
            let _ = writeln!(
                out,
                "\n- {}: {} line(s) rejected as {} (first at line {})",
                escape_markdown(&input.name),
                rejection.count,
                rejection.reason,
                lines.join(", ")
            );
        }
    }
    out
}

/// `29000` as `29 s`, `29500` as `29.5 s`.
fn format_ms(ms: u64) -> String {
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// Escapes the characters that Markdown (and the HTML it may contain) would interpret, so
/// the text renders as written.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '!' | '|'
            | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ceiling_engine::{Analyzer, Settings};

    #[test]
    fn report_lists_status_counts_and_inputs() {
        let mut analyzer = Analyzer::new(Settings {
            ceiling_ms: Some(29_500),
            ..Settings::default()
        });
        analyzer
            .read(
                "prod.log",
                &b"{\"status\":504}\n{\"status\":200}\n{\"status\":200}\nnoise\n"[..],
            )
            .unwrap();
        let report = markdown(&analyzer.finish());
        assert!(report.contains("ceiling: **29.5 s**"), "{report}");
        assert!(report.contains("| 200 | 2 | 66.7 % |"), "{report}");
        assert!(report.contains("| 504 | 1 | 33.3 % |"), "{report}");
        assert!(report.contains("| prod.log | 4 | 3 | 1 |"), "{report}");
        assert!(report.contains("first at line 4"), "{report}");
    }

    #[test]
    fn names_from_outside_cannot_change_the_document() {
        let mut analyzer = Analyzer::new(Settings::default());
        analyzer
            .read("<img src=x onerror=alert(1)>|*x*\n# h", &b""[..])
            .unwrap();
        let report = markdown(&analyzer.finish());
        assert!(
            report.contains("&lt;img src=x onerror=alert\\(1\\)&gt;\\|\\*x\\* \\# h"),
            "{report}"
        );
        assert!(!report.contains("<img"));
    }
}
