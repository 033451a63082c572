//! The one error every command returns. It crosses to the window as `{code, message, hint}`:
//! a stable kebab-case `code` the window may act on, the error's own text as `message`, and
//! what the user can do about it as `hint` (or null). The conversions from the crates' errors
//! are the one place a failure is classified.

use std::fmt;

use serde::Serialize;

/// What kind of failure it was. The serialised names are a contract with the window: add
/// variants, never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// A file or folder could not be opened or read.
    InputUnreadable,
    /// The access-log format string pasted by the user does not parse.
    AccessFormat,
    /// The user stopped it.
    Cancelled,
    /// No AWS region: neither the profile nor the window names one.
    AwsRegion,
    /// The profile's credentials are missing, refused or expired.
    AwsCredentials,
    /// The profile's role needs an MFA code, or refused the one given.
    AwsMfa,
    /// The credentials may not call what Ceiling needs.
    AwsAccessDenied,
    /// A log group is not in this account and region.
    AwsGroupNotFound,
    /// CloudWatch Logs could not be reached.
    AwsNetwork,
    /// CloudWatch Logs answered a request with an error.
    AwsRequest,
    /// The log groups or the window of a fetch are not usable.
    FetchWindow,
    /// An export was asked for before anything was analyzed.
    NothingToExport,
    /// A comparison was asked for before anything was analyzed, or exported before one
    /// was made.
    NothingToCompare,
    /// A report or the findings could not be rendered or written.
    ExportFailed,
    /// The zone the window asked for is not one the reports know.
    TimeZone,
    /// The app's settings could not be written.
    Preferences,
    /// Something in the app itself failed: a stopped thread, a poisoned lock.
    Internal,
}

/// A failure of a command, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    pub code: Code,
    pub message: String,
    pub hint: Option<&'static str>,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>, hint: Option<&'static str>) -> Error {
        Error {
            code,
            message: message.into(),
            hint,
        }
    }

    /// A fetch that cannot start: no groups chosen, times that do not read, a window that
    /// ends before it starts.
    pub fn fetch_window(message: impl Into<String>) -> Error {
        Error::new(
            Code::FetchWindow,
            message,
            Some("Choose one or more log groups, and write the window as 2h, 1d or an ISO 8601 time such as 2026-03-06T09:00:00Z, its start before its end."),
        )
    }

    /// A report or findings file that could not be rendered or written.
    pub fn export(message: impl Into<String>) -> Error {
        Error::new(
            Code::ExportFailed,
            message,
            Some("Choose another folder or file name, then export again."),
        )
    }

    /// The zone the charts were asked in.
    pub fn time_zone(message: impl Into<String>) -> Error {
        Error::new(
            Code::TimeZone,
            message,
            Some("Choose UTC under Settings, Times."),
        )
    }

    pub fn preferences(message: impl Into<String>) -> Error {
        Error::new(
            Code::Preferences,
            message,
            Some("Check that the app's settings folder can be written; the settings apply until the app closes."),
        )
    }

    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(
            Code::Internal,
            message,
            Some(
                "This is a fault of Ceiling itself: try again, and restart the app if it persists.",
            ),
        )
    }

    /// Several failures of one kind of work as one: the first one's code and hint, every
    /// message, one a line.
    pub fn joined(errors: impl IntoIterator<Item = Error>) -> Option<Error> {
        let mut errors = errors.into_iter();
        let mut first = errors.next()?;
        for error in errors {
            first.message.push('\n');
            first.message.push_str(&error.message);
        }
        Some(first)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<ceiling_engine::Error> for Error {
    fn from(error: ceiling_engine::Error) -> Error {
        use ceiling_engine::Error as E;
        let (code, hint) = match &error {
            E::Open { .. } | E::Read { .. } => (
                Code::InputUnreadable,
                "Check that the file exists and that you may read it, then open it again.",
            ),
            E::EmptyFolder { .. } => (
                Code::InputUnreadable,
                "Choose a folder that holds the log files, or the files themselves.",
            ),
            E::Cancelled { .. } => return Error::new(Code::Cancelled, error.to_string(), None),
        };
        Error::new(code, error.to_string(), Some(hint))
    }
}

impl From<ceiling_engine::TemplateError> for Error {
    fn from(error: ceiling_engine::TemplateError) -> Error {
        Error::new(
            Code::AccessFormat,
            error.to_string(),
            Some("Paste the stage's access-log format as the console shows it ($context variables), or empty the field to let Ceiling recognise the format."),
        )
    }
}

impl From<ceiling_cloud::Error> for Error {
    fn from(error: ceiling_cloud::Error) -> Error {
        use ceiling_cloud::Error as E;
        let (code, hint) = match &error {
            E::NoRegion { .. } => (Code::AwsRegion, Some("Type a region in the Region field.")),
            E::Credentials { .. } | E::NoCredentials { .. } => (
                Code::AwsCredentials,
                Some("Renew the profile's credentials (for SSO: aws sso login), or choose another profile."),
            ),
            E::MfaRequired { .. } | E::MfaRefused { .. } => (
                Code::AwsMfa,
                Some("Type the current code of the profile's MFA device in the MFA code field."),
            ),
            E::AccessDenied { .. } => (
                Code::AwsAccessDenied,
                Some("Use a profile or role allowed to read CloudWatch Logs (logs:DescribeLogGroups, logs:FilterLogEvents, logs:StartQuery)."),
            ),
            E::GroupNotFound { .. } => (
                Code::AwsGroupNotFound,
                Some("List the log groups again and choose among them; check the region."),
            ),
            E::NotFound { .. } => (
                Code::AwsRequest,
                Some("Check the API id, the stage and the region."),
            ),
            E::Network { .. } => (
                Code::AwsNetwork,
                Some("Check the network connection (and AWS_ENDPOINT_URL if set), then try again."),
            ),
            E::Request { .. } => (Code::AwsRequest, Some("Try again in a moment.")),
            E::NoGroups => return Error::fetch_window(error.to_string()),
            E::NothingRead { .. } => (
                Code::AwsRequest,
                Some("Nothing was fetched: check each group's reason above, then fetch again."),
            ),
            E::Cancelled => (Code::Cancelled, None),
            E::LiveTailDenied => (
                Code::AwsAccessDenied,
                Some("Allow logs:StartLiveTail, or watch by polling (logs:FilterLogEvents)."),
            ),
            E::LiveTailUnavailable { .. } => (
                Code::AwsRequest,
                Some("Watch by polling (logs:FilterLogEvents) instead."),
            ),
            E::TooManyLiveGroups { .. } => (
                Code::AwsRequest,
                Some("Choose at most 10 log groups to watch live."),
            ),
        };
        Error::new(code, error.to_string(), hint)
    }
}

impl From<ceiling_report::ReportError> for Error {
    fn from(error: ceiling_report::ReportError) -> Error {
        use ceiling_report::ReportError as E;
        match &error {
            E::UnknownZone(_) | E::Offset(_) => Error::time_zone(error.to_string()),
            _ => Error::export(error.to_string()),
        }
    }
}

impl From<tauri::Error> for Error {
    fn from(error: tauri::Error) -> Error {
        Error::internal(error.to_string())
    }
}

impl<T> From<std::sync::PoisonError<T>> for Error {
    fn from(error: std::sync::PoisonError<T>) -> Error {
        Error::internal(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialises_as_code_message_and_hint() {
        let error = Error::from(ceiling_engine::Error::EmptyFolder {
            path: "exports".to_owned(),
        });
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            json!({
                "code": "input-unreadable",
                "message": "exports holds no files to read",
                "hint": "Choose a folder that holds the log files, or the files themselves.",
            })
        );
        let cancelled = Error::from(ceiling_cloud::Error::Cancelled);
        assert_eq!(
            serde_json::to_value(&cancelled).unwrap(),
            json!({ "code": "cancelled", "message": "cancelled", "hint": null })
        );
    }

    #[test]
    fn cloud_errors_keep_their_text_and_get_a_code() {
        let error = Error::from(ceiling_cloud::Error::MfaRequired {
            profile: "prod".to_owned(),
            serial: "arn:aws:iam::1:mfa/oncall".to_owned(),
        });
        assert_eq!(error.code, Code::AwsMfa);
        assert!(error.message.contains("mfa/oncall"), "{}", error.message);
        let expired = Error::from(ceiling_cloud::Error::Credentials {
            profile: "prod".to_owned(),
            detail: "expired".to_owned(),
        });
        assert_eq!(
            serde_json::to_value(expired.code).unwrap(),
            json!("aws-credentials")
        );
    }

    #[test]
    fn joined_errors_keep_the_first_code_and_every_message() {
        let open = |path: &str| {
            Error::from(ceiling_engine::Error::Open {
                path: path.to_owned(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            })
        };
        let joined = Error::joined([open("a.log"), open("b.log")]).unwrap();
        assert_eq!(joined.code, Code::InputUnreadable);
        assert_eq!(joined.message.lines().count(), 2);
        assert!(joined.message.starts_with("cannot open a.log"));
        assert_eq!(Error::joined([]), None);
    }
}
