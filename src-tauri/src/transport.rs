//! The types that cross between Rust and the window, in both directions: what the window
//! asks (`Source`, `Request`), and what it is told (`View`, `ProgressUpdate`,
//! `Preferences`, `Launch`). `ui/ipc.js` documents the same shapes from the window's side.
//! Everything the window shows that is a rule of the analysis (labels, thresholds, whether
//! it is still reading) is sent here, so the window copies none of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ceiling_cloud::fetch::GroupProgress;
use ceiling_engine::compare::Comparison;
use ceiling_engine::{Analysis, Focus, Settings, StageConfig, Wrapping};
use ceiling_report::Chart;
use clap::Parser;
use serde::{Deserialize, Serialize};

/// Command line of the desktop app, which the window asks for once it is up.
#[derive(Parser, Debug, Clone, Serialize)]
#[command(name = "ceiling-app", version, about = "The Ceiling desktop app")]
pub struct Launch {
    /// Open the bundled sample incident.
    #[arg(long)]
    pub sample: bool,
    /// Log files or folders to open.
    #[arg(value_name = "FILE")]
    pub paths: Vec<PathBuf>,
}

/// What to analyze.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Source {
    Paths {
        paths: Vec<PathBuf>,
    },
    Sample,
    /// Log groups fetched from CloudWatch Logs over a window (`since`/`until` as the CLI
    /// takes them: `2h`, ISO 8601).
    Cloud {
        profile: Option<String>,
        region: Option<String>,
        /// The MFA device's code, for a profile with `mfa_serial`; never stored.
        #[serde(default, skip_serializing)]
        mfa_code: Option<String>,
        groups: Vec<String>,
        since: String,
        until: String,
        /// The stage's configuration (the API panel's), applied to the analysis: its
        /// access-log format, each route's ceiling, its functions. Its log groups are read
        /// when `groups` is empty.
        #[serde(default)]
        config: Option<Box<StageConfig>>,
    },
}

/// What the window sets about an analysis.
#[derive(Debug, Clone, Deserialize)]
pub struct Request {
    /// None: 29 s, or 30 s for HTTP APIs.
    pub ceiling_ms: Option<u64>,
    /// The stage's access-log format string, pasted by the user.
    pub access_format: Option<String>,
    /// The zone of the charts' times: `UTC`, or the machine's zone by name
    /// (`Europe/Berlin`), as the window's `Intl` names it.
    pub time_zone: String,
    pub focus: Focus,
    /// The region the files' log groups are in, for the console links under each finding;
    /// a cloud reading uses its connection's.
    #[serde(default)]
    pub console_region: Option<String>,
}

/// Progress of a running analysis, a few times a second.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressUpdate {
    pub bytes: u64,
    pub total_bytes: u64,
    pub lines: u64,
    pub requests: u64,
    pub timeouts: u64,
    pub elapsed_ms: u64,
    /// Per log group, when fetching from CloudWatch Logs.
    pub groups: Vec<GroupProgress>,
    /// The analysis of the inputs read so far, once another one is done: the window fills
    /// in while the rest is read.
    pub so_far: Option<View>,
}

/// How much of the source a view is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Completeness {
    /// All of it.
    Complete,
    /// The inputs read so far; more are being read.
    Reading,
    /// What was read until the reading was cancelled or a fetch stopped early.
    Partial,
}

/// What the window shows: the analysis, its charts, and what the window needs to show them
/// without knowing the engine's rules.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub analysis: Analysis,
    pub charts: Vec<Chart>,
    pub completeness: Completeness,
    /// Why it is partial, one line each.
    pub notes: Vec<String>,
    /// A p99 at or above this is near the ceiling (the `p99-near-ceiling` threshold).
    pub p99_warn_ms: u64,
    /// How each wrapping among the inputs is named, by its id (`s3-export`: `S3 export`).
    pub wrapping_labels: BTreeMap<Wrapping, &'static str>,
}

impl View {
    pub fn new(
        analysis: Analysis,
        charts: Vec<Chart>,
        completeness: Completeness,
        notes: Vec<String>,
        settings: &Settings,
    ) -> View {
        let p99_warn_ms = settings.thresholds.p99_near_ceiling_ms(analysis.ceiling_ms);
        let wrapping_labels = analysis
            .inputs
            .iter()
            .map(|input| (input.wrapping, input.wrapping.label()))
            .collect();
        View {
            analysis,
            charts,
            completeness,
            notes,
            p99_warn_ms,
            wrapping_labels,
        }
    }
}

/// A stage's configuration as the API panel shows it, with the log groups an analysis of
/// the stage reads.
#[derive(Debug, Clone, Serialize)]
pub struct StageView {
    pub log_groups: Vec<String>,
    pub config: StageConfig,
}

/// A comparison of two windows, as the window shows it: the engine's comparison and the
/// report crate's chart of both windows against the ceiling (None when neither window has
/// latencies to draw).
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonView {
    pub comparison: Comparison,
    pub chart: Option<Chart>,
    /// How each change the comparison holds is written, by its id (`too-few-requests`:
    /// `too few requests`).
    pub labels: BTreeMap<String, &'static str>,
}

impl ComparisonView {
    pub fn new(comparison: Comparison, chart: Option<Chart>) -> ComparisonView {
        let mut labels = BTreeMap::new();
        let mut add = |id: serde_json::Result<serde_json::Value>, label: &'static str| {
            if let Ok(serde_json::Value::String(id)) = id {
                labels.insert(id, label);
            }
        };
        for route in &comparison.routes {
            add(serde_json::to_value(route.latency), route.latency.label());
            add(serde_json::to_value(route.timeouts), route.timeouts.label());
        }
        for function in &comparison.functions {
            add(
                serde_json::to_value(function.timeouts),
                function.timeouts.label(),
            );
            add(
                serde_json::to_value(function.cold_starts),
                function.cold_starts.label(),
            );
        }
        for finding in &comparison.findings {
            add(serde_json::to_value(finding.change), finding.change.label());
        }
        ComparisonView {
            comparison,
            chart,
            labels,
        }
    }
}

/// What the app remembers between runs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Preferences {
    /// The ceiling the user set, None for the default.
    pub ceiling_ms: Option<u64>,
    /// Show times in the machine's zone instead of UTC.
    pub local_time: bool,
    /// Files and folders opened lately, newest first.
    pub recent: Vec<PathBuf>,
    /// The region of the files' log groups, for the console links.
    #[serde(default)]
    pub console_region: Option<String>,
    /// The last fetch from CloudWatch Logs read in full, with the stage's configuration
    /// when the API panel read one, to fetch again (the MFA code is never stored).
    #[serde(default)]
    pub fetch: Option<Source>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ceiling_engine::Analyzer;

    #[test]
    fn a_view_carries_the_labels_and_the_threshold_the_window_shows() {
        let mut analyzer = Analyzer::new(Settings::default());
        analyzer
            .read("inline", &br#"{"requestId":"a1","status":"504"}"#[..])
            .unwrap();
        let analysis = analyzer.finish();
        let view = View::new(
            analysis,
            Vec::new(),
            Completeness::Complete,
            Vec::new(),
            &Settings::default(),
        );
        let json = serde_json::to_value(&view).unwrap();
        // 80% of 29 s, as the p99-near-ceiling finding judges it
        assert_eq!(json["p99_warn_ms"], 23_200);
        assert_eq!(json["wrapping_labels"]["raw"], "lines");
        assert_eq!(json["completeness"], "complete");
    }

    #[test]
    fn a_comparison_view_names_each_change_it_holds() {
        let analysis = |status: &str, error: &str| {
            let mut analyzer = Analyzer::new(Settings::default());
            let record = format!(
                r#"{{"requestId":"a1","status":"{status}","responseLatency":"29010","errorResponseType":"{error}","httpMethod":"GET","resourcePath":"/r"}}"#
            );
            analyzer.read("inline", record.as_bytes()).unwrap();
            analyzer.finish()
        };
        let comparison = ceiling_engine::compare(
            &analysis("200", "-"),
            &analysis("504", "INTEGRATION_TIMEOUT"),
            &ceiling_engine::CompareSettings::default(),
        );
        let view = ComparisonView::new(comparison, None);
        // one request a window: too few to call a change on
        assert_eq!(view.labels["too-few-requests"], "too few requests");
        // the gateway timeout appeared
        let finding = view
            .comparison
            .findings
            .iter()
            .find(|f| f.id.to_string() == "integration-timeout")
            .expect("the timeout's finding");
        assert_eq!(serde_json::to_value(finding.change).unwrap(), "appeared");
        assert_eq!(view.labels["appeared"], "appeared");
    }
}
