//! How to see a finding with one's own eyes in the AWS console: the CloudWatch Logs Insights
//! query that gives its figure on the user's log groups and window, and links to the console.

use serde::{Deserialize, Serialize};

use super::Window;

/// The query behind a finding, and where to run it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reproduce {
    /// What the query shows, in a few words: `timeouts per route`.
    pub shows: String,
    /// The Logs Insights query, written for the field names the log uses.
    pub query: String,
    /// The log groups to run it on.
    pub log_groups: Vec<LogGroupName>,
    /// The window to run it over (ms since the epoch, UTC).
    pub window: Window,
    /// The figure the query gives: the sum of one column over its rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figure: Option<QueryFigure>,
    /// Links into the AWS console: the query itself, a sample's log events, the function,
    /// a trace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<ConsoleLink>,
    /// Why some links are missing (no region known, a log group not known), when they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A log group a query runs on: its name, or a placeholder where the inputs did not say it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogGroupName {
    /// The group's name, or a placeholder such as `<the stage's access-log group>`.
    pub name: String,
    /// Whether `name` is the group's real name (from CloudWatch, or from the document the
    /// input was), rather than a placeholder or the default name of a function's group.
    pub known: bool,
}

/// The column of a query's result whose values, added over the rows, are the finding's figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryFigure {
    pub column: String,
    pub value: f64,
}

/// A page of the AWS console that shows part of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleLink {
    pub kind: LinkKind,
    /// What the page shows, as a button or a link says it.
    pub label: String,
    pub url: String,
}

/// What a console link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkKind {
    /// CloudWatch Logs Insights with the query, the groups and the window filled in.
    LogsInsights,
    /// The log events of one sample request or invocation.
    LogEvents,
    /// A Lambda function's configuration.
    LambdaFunction,
    /// The X-Ray trace of a sample request.
    XrayTrace,
}

/// A field name as Logs Insights takes it: plain when made of letters, digits, `_`, `.` and
/// `@`, between backticks otherwise (a key such as `ip-address`). The one quoting of the
/// queries Ceiling writes, to fetch or to reproduce a finding.
pub fn insights_field(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@'))
    {
        name.to_owned()
    } else {
        format!("`{}`", name.replace('`', ""))
    }
}
