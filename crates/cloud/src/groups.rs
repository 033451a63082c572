//! The log groups of an account and region, and which of them Ceiling reads: by name (a
//! stage's access or execution log, a function's), or, for a name that tells nothing, by a
//! message sampled from it ([`GroupKind`]).

use serde::Serialize;

use crate::window::{now_ms, Window};
use crate::{Connection, Error};

/// Groups whose names tell nothing that get a message sampled when listed: each sample is a
/// request, so a long list is sampled only this far.
pub const GROUPS_SAMPLED: usize = 25;

/// How far back a group is sampled for its kind.
const KIND_SAMPLED_OVER_MS: i64 = 30 * 86_400_000;

/// A log group as the group browser shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogGroup {
    pub name: String,
    pub stored_bytes: Option<i64>,
    pub retention_days: Option<i32>,
    /// When the group was created, in milliseconds since the epoch.
    pub created_ms: Option<i64>,
}

/// What kind of log a message is, among those Ceiling reads; serialised as its
/// [`label`](GroupKind::label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GroupKind {
    /// A stage's access log.
    #[serde(rename = "access log")]
    Access,
    /// A stage's execution log.
    #[serde(rename = "execution log")]
    Execution,
    /// A function's log: platform lines (START, END, REPORT) and its own.
    #[serde(rename = "Lambda log")]
    Lambda,
}

impl GroupKind {
    /// The kind as the group browser shows it: `access log`, `execution log`, `Lambda log`.
    pub fn label(self) -> &'static str {
        match self {
            GroupKind::Access => "access log",
            GroupKind::Execution => "execution log",
            GroupKind::Lambda => "Lambda log",
        }
    }
}

/// A log group for the browser, and whether Ceiling reads its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupChoice {
    #[serde(flatten)]
    pub group: LogGroup,
    /// Ceiling reads it: listed first, by its name or by a sampled message.
    pub suggested: bool,
    /// The kind a sampled message showed, for a group whose name does not tell.
    pub holds: Option<GroupKind>,
}

/// Whether a log group is one Ceiling reads, by its name: a stage's access or execution log,
/// or a function's.
pub fn is_relevant(group: &str) -> bool {
    group.starts_with("API-Gateway-Execution-Logs_")
        || group.starts_with("/aws/lambda/")
        || group.starts_with("/aws/apigateway/")
        || group.to_ascii_lowercase().contains("access")
}

/// What kind of log a message is; `None` for anything Ceiling does not read. One message
/// tells a group's kind, whatever the group is named.
pub fn kind_of_message(message: &str) -> Option<GroupKind> {
    let mut analyzer = ceiling_engine::Analyzer::new(ceiling_engine::Settings::default());
    analyzer.read("sample", message.as_bytes()).ok()?;
    let analysis = analyzer.finish();
    if analysis.requests > 0 {
        Some(GroupKind::Access)
    } else if analysis.execution.is_some() {
        Some(GroupKind::Execution)
    } else if analysis.lambda.is_some() {
        Some(GroupKind::Lambda)
    } else {
        None
    }
}

impl Connection {
    /// Every log group whose name starts with `prefix` (all groups without one), following
    /// the pages to the end, in name order.
    pub async fn log_groups(&self, prefix: Option<&str>) -> Result<Vec<LogGroup>, Error> {
        let mut pages = self
            .client
            .describe_log_groups()
            .set_log_group_name_prefix(prefix.map(str::to_owned))
            .into_paginator()
            .send();
        let mut groups = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.classify("logs:DescribeLogGroups", None, e))?;
            groups.extend(page.log_groups().iter().map(|group| LogGroup {
                name: group.log_group_name().unwrap_or_default().to_owned(),
                stored_bytes: group.stored_bytes(),
                retention_days: group.retention_in_days(),
                created_ms: group.creation_time(),
            }));
        }
        Ok(groups)
    }

    /// The log groups whose names start with `prefix` (blank: all), the ones Ceiling reads
    /// first: by name, or, for up to [`GROUPS_SAMPLED`] non-empty groups whose names tell
    /// nothing, by a sampled message (a stage's access log may have any name).
    pub async fn group_choices(&self, prefix: Option<&str>) -> Result<Vec<GroupChoice>, Error> {
        let prefix = prefix.filter(|p| !p.trim().is_empty());
        let mut choices: Vec<GroupChoice> = self
            .log_groups(prefix)
            .await?
            .into_iter()
            .map(|group| GroupChoice {
                suggested: is_relevant(&group.name),
                group,
                holds: None,
            })
            .collect();
        for choice in choices
            .iter_mut()
            .filter(|c| !c.suggested && c.group.stored_bytes != Some(0))
            .take(GROUPS_SAMPLED)
        {
            // a group that cannot be sampled is listed all the same, unsuggested
            if let Ok(Some(kind)) = self.kind_of_group(&choice.group.name).await {
                choice.holds = Some(kind);
                choice.suggested = true;
            }
        }
        choices.sort_by_key(|c| !c.suggested);
        Ok(choices)
    }

    /// The kind of log `group` holds (see [`kind_of_message`]), from its first message of
    /// the last 30 days.
    pub async fn kind_of_group(&self, group: &str) -> Result<Option<GroupKind>, Error> {
        let window = Window::last(KIND_SAMPLED_OVER_MS, now_ms());
        let sample = self.sample_message(group, window).await?;
        Ok(sample.as_deref().and_then(kind_of_message))
    }

    /// One message of `group` in `window` (the first), to tell what the group holds.
    pub async fn sample_message(
        &self,
        group: &str,
        window: Window,
    ) -> Result<Option<String>, Error> {
        let page = self
            .client
            .filter_log_events()
            .log_group_name(group)
            .start_time(window.start_ms)
            .end_time(window.end_ms)
            .limit(1)
            .send()
            .await
            .map_err(|e| self.classify("logs:FilterLogEvents", Some(group), e))?;
        Ok(page
            .events()
            .first()
            .and_then(|event| event.message().map(str::to_owned)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_tells_its_kind() {
        let access = r#"{"requestId":"a","httpMethod":"GET","resourcePath":"/x","status":"200","responseLatency":"12"}"#;
        assert_eq!(kind_of_message(access), Some(GroupKind::Access));
        let report = "REPORT RequestId: 3364d63a-b18c-5ed6-97c7-85c6bf57800e\tDuration: 12.00 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB";
        assert_eq!(kind_of_message(report), Some(GroupKind::Lambda));
        assert_eq!(kind_of_message("hello world"), None);
        // the UI and the JSON see the labels they always saw
        assert_eq!(
            serde_json::to_value(GroupKind::Lambda).unwrap(),
            GroupKind::Lambda.label()
        );
        assert_eq!(
            serde_json::to_value(GroupKind::Access).unwrap(),
            "access log"
        );
    }

    #[test]
    fn names_that_tell_their_kind() {
        assert!(is_relevant("API-Gateway-Execution-Logs_a1b2c3/prod"));
        assert!(is_relevant("/aws/lambda/orders-fn"));
        assert!(is_relevant("team-Access-logs"));
        assert!(!is_relevant("team-edge-logs"));
    }
}
