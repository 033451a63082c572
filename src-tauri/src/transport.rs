//! The types that cross between Rust and the window, in both directions: what the window
//! asks (`Source`, `Request`), and what it is told (`View`, `ProgressUpdate`,
//! `Preferences`, `Launch`). `ui/ipc.js` documents the same shapes from the window's side.
//! Everything the window shows that is a rule of the analysis (labels, thresholds, whether
//! it is still reading) is sent here, so the window copies none of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ceiling_cloud::fetch::GroupProgress;
use ceiling_engine::{Analysis, Focus, Settings, Wrapping};
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

/// What the app remembers between runs.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Preferences {
    /// The ceiling the user set, None for the default.
    pub ceiling_ms: Option<u64>,
    /// Show times in the machine's zone instead of UTC.
    pub local_time: bool,
    /// Files and folders opened lately, newest first.
    pub recent: Vec<PathBuf>,
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
}
