//! How each group is read: downloaded, or counted by Logs Insights, from what a sampled
//! message says Insights can count (a stage's access log with a status and a route, a
//! function's log) and the `--insights` mode, which for `auto` weighs the group's volume.
//! Pure: the sample and the volume are asked for elsewhere ([`super::run`]).

use crate::groups::{kind_of_message, GroupKind};
use crate::window::Window;

use super::notable::Notable;
use super::queries::{AccessQueries, FunctionQueries, Volume};

/// Downloading is preferred below this many seconds at the FilterLogEvents budget.
pub const DOWNLOAD_SECONDS_LIMIT: f64 = 120.0;

/// When Logs Insights counts a group instead of Ceiling downloading it (`--insights`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// When the download would take over [`DOWNLOAD_SECONDS_LIMIT`].
    #[default]
    Auto,
    Always,
    /// Every group downloaded; nothing is sampled or queried.
    Never,
}

impl Mode {
    /// Whether a group is sampled at all, to see whether Insights could count it.
    pub fn samples(self) -> bool {
        self != Mode::Never
    }

    /// Whether the group's volume is asked for, to choose.
    pub fn weighs_volume(self) -> bool {
        self == Mode::Auto
    }
}

/// How a group is read.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Counted by Logs Insights as an access log.
    Access(Box<AccessQueries>),
    /// Counted by Logs Insights as a function's log.
    Function(FunctionQueries),
    Download,
}

impl Plan {
    /// What Insights could do with the group `sample` is a message of: count it as an access
    /// log (its messages have a status and a route), or as a function's log; else download.
    /// Requests are notable from `notable`'s thresholds, invocations from its stage's.
    pub fn of_sample(sample: Option<&str>, window: Window, notable: &Notable) -> Plan {
        let Some(sample) = sample else {
            return Plan::Download;
        };
        if let Some(queries) = ceiling_engine::access_keys(sample.as_bytes())
            .and_then(|keys| AccessQueries::new(keys, window, notable.clone()))
        {
            return Plan::Access(Box::new(queries));
        }
        if kind_of_message(sample) == Some(GroupKind::Lambda) {
            return Plan::Function(if sample.trim_start().starts_with('{') {
                FunctionQueries::json(notable.ms)
            } else {
                FunctionQueries::text(notable.ms)
            });
        }
        Plan::Download
    }

    /// Whether Insights would count the group.
    pub fn counts(&self) -> bool {
        !matches!(self, Plan::Download)
    }

    /// The plan under `mode`: `never` downloads, `always` counts what Insights can, `auto`
    /// counts only what would take over [`DOWNLOAD_SECONDS_LIMIT`] to download (`volume`;
    /// a volume that could not be estimated is downloaded).
    pub fn under(self, mode: Mode, volume: Option<Volume>) -> Plan {
        match mode {
            Mode::Never => Plan::Download,
            Mode::Always => self,
            Mode::Auto => match volume {
                Some(volume) if volume.download_seconds() > DOWNLOAD_SECONDS_LIMIT => self,
                _ => Plan::Download,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Window = Window {
        start_ms: 1_772_787_600_000,
        end_ms: 1_772_794_799_999,
    };
    const ACCESS: &str = r#"{"requestId":"a","httpMethod":"GET","resourcePath":"/orders","status":"200","responseLatency":"120"}"#;
    const REPORT: &str = "REPORT RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB";

    fn plan(sample: &str) -> Plan {
        Plan::of_sample(Some(sample), WINDOW, &26_100.into())
    }

    /// A window of a group holding `seconds` of download at the FilterLogEvents budget.
    fn volume(seconds: u64) -> Volume {
        Volume {
            events: seconds * 5 * 10_000,
            bytes: 0,
        }
    }

    #[test]
    fn a_sample_says_what_insights_could_count() {
        assert!(matches!(plan(ACCESS), Plan::Access(_)));
        match plan(REPORT) {
            Plan::Function(queries) => assert!(queries.stats().contains("@type = \"REPORT\"")),
            other => panic!("expected a function's queries, got {other:?}"),
        }
        let json_report = r#"{"time":"2026-03-06T09:00:00Z","type":"platform.report","record":{"requestId":"a","metrics":{"durationMs":12.0,"billedDurationMs":13,"memorySizeMB":128,"maxMemoryUsedMB":60},"status":"success"}}"#;
        match plan(json_report) {
            Plan::Function(queries) => assert!(queries.stats().contains("platform.report")),
            other => panic!("expected a function's JSON queries, got {other:?}"),
        }
        // an execution log, an access record without a route, nothing at all: downloaded
        let execution = "(0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0) Method completed with status: 504";
        assert!(!plan(execution).counts());
        assert!(!plan(r#"{"requestId":"a","status":"200"}"#).counts());
        assert!(!Plan::of_sample(None, WINDOW, &1.into()).counts());
    }

    #[test]
    fn insights_never_downloads_always_counts_and_auto_weighs_the_volume() {
        assert!(!Mode::Never.samples());
        assert!(Mode::Always.samples() && !Mode::Always.weighs_volume());
        assert!(Mode::Auto.weighs_volume());
        assert_eq!(Mode::default(), Mode::Auto);

        assert!(!plan(ACCESS)
            .under(Mode::Never, Some(volume(3_600)))
            .counts());
        assert!(plan(ACCESS).under(Mode::Always, None).counts());
        assert!(plan(ACCESS).under(Mode::Always, Some(volume(1))).counts());
        // auto: over two minutes of download is counted, under it downloaded
        assert!(plan(ACCESS).under(Mode::Auto, Some(volume(121))).counts());
        assert!(!plan(ACCESS).under(Mode::Auto, Some(volume(119))).counts());
        assert!(plan(REPORT).under(Mode::Auto, Some(volume(600))).counts());
        // a volume that could not be estimated is downloaded
        assert!(!plan(ACCESS).under(Mode::Auto, None).counts());
        // what Insights cannot count is downloaded whatever the mode
        assert!(!Plan::Download.under(Mode::Always, None).counts());
    }
}
