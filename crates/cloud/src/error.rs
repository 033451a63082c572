//! What can go wrong talking to AWS, in words that tell the user what to do, and a group's
//! failure as a reading reports it.

/// Why talking to AWS failed, in words that tell the user what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no AWS region: set `region` in profile {profile}, set AWS_REGION, or choose a region"
    )]
    NoRegion { profile: String },
    #[error("{action} failed: {detail}")]
    Request {
        action: &'static str,
        detail: String,
    },
    #[error("log group {group} not found in this account and region")]
    GroupNotFound { group: String },
    /// An API, a stage or a function that discovery looked for.
    #[error("{what} not found in this account and region")]
    NotFound { what: String },
    #[error(
        "access denied: the credentials may not call {action}{}",
        on_group(group)
    )]
    AccessDenied {
        action: &'static str,
        group: Option<String>,
    },
    #[error(
        "the credentials of profile {profile} were refused or have expired; if it is an SSO \
         profile, run `aws sso login --profile {profile}` and try again ({detail})"
    )]
    Credentials { profile: String, detail: String },
    #[error(
        "no AWS credentials for profile {profile}: add keys, SSO, a role or credential_process \
         to it in the AWS config, or set AWS_ACCESS_KEY_ID ({detail})"
    )]
    NoCredentials { profile: String, detail: String },
    #[error(
        "profile {profile} assumes its role with MFA ({serial}): give the code from that \
         device (--mfa-code, or the MFA code field)"
    )]
    MfaRequired { profile: String, serial: String },
    #[error("assuming the role of profile {profile} with the MFA code failed: {detail}")]
    MfaRefused { profile: String, detail: String },
    #[error("cannot reach CloudWatch Logs: {detail}")]
    Network { detail: String },
    #[error("no log group to read: choose at least one")]
    NoGroups,
    /// Every group failed before giving anything: what each failure was.
    #[error("nothing fetched: {}", list(failures))]
    NothingRead { failures: Vec<Failure> },
    #[error("cancelled")]
    Cancelled,
    /// StartLiveTail refused: a watch can poll with FilterLogEvents instead.
    #[error("access denied: the credentials may not call logs:StartLiveTail (Live Tail)")]
    LiveTailDenied,
    /// Live Tail cannot be had here (its endpoint unreachable, the log group's class, the
    /// account's limit of sessions, or sessions failing again and again): a watch can poll
    /// with FilterLogEvents instead.
    #[error("Live Tail is not available: {detail}")]
    LiveTailUnavailable { detail: String },
    #[error(
        "Live Tail follows at most {most} log groups at a time and {chosen} were chosen: \
         choose fewer"
    )]
    TooManyLiveGroups { chosen: usize, most: usize },
}

impl Error {
    /// A stable name for what went wrong, for a front end that acts on the kind of error
    /// (kebab-case; the message says the rest).
    pub fn code(&self) -> &'static str {
        match self {
            Error::NoRegion { .. } => "no-region",
            Error::Request { .. } => "request-failed",
            Error::GroupNotFound { .. } => "group-not-found",
            Error::NotFound { .. } => "not-found",
            Error::AccessDenied { .. } => "access-denied",
            Error::Credentials { .. } => "credentials-refused",
            Error::NoCredentials { .. } => "no-credentials",
            Error::MfaRequired { .. } => "mfa-required",
            Error::MfaRefused { .. } => "mfa-refused",
            Error::Network { .. } => "network",
            Error::NoGroups => "no-groups",
            Error::NothingRead { .. } => "nothing-read",
            Error::Cancelled => "cancelled",
            Error::LiveTailDenied => "live-tail-denied",
            Error::LiveTailUnavailable { .. } => "live-tail-unavailable",
            Error::TooManyLiveGroups { .. } => "too-many-live-groups",
        }
    }
}

fn on_group(group: &Option<String>) -> String {
    group
        .as_ref()
        .map(|g| format!(" on log group {g}"))
        .unwrap_or_default()
}

fn list(failures: &[Failure]) -> String {
    failures
        .iter()
        .map(Failure::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A group whose reading stopped early, and why: what it gave before is kept.
#[derive(Debug, thiserror::Error)]
#[error("{group}: {error}")]
pub struct Failure {
    pub group: String,
    #[source]
    pub error: Error,
}

impl Failure {
    /// Whether the user stopped it, rather than AWS or the network.
    pub fn is_cancel(&self) -> bool {
        matches!(self.error, Error::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_read_says_why_each_group_failed() {
        let failure = |group: &str, error| Failure {
            group: group.to_owned(),
            error,
        };
        let error = Error::NothingRead {
            failures: vec![
                failure(
                    "/aws/lambda/a",
                    Error::GroupNotFound {
                        group: "/aws/lambda/a".to_owned(),
                    },
                ),
                failure("/aws/lambda/b", Error::Cancelled),
            ],
        };
        assert_eq!(
            error.to_string(),
            "nothing fetched: /aws/lambda/a: log group /aws/lambda/a not found in this \
             account and region; /aws/lambda/b: cancelled"
        );
        assert_eq!(error.code(), "nothing-read");
        assert!(failure("g", Error::Cancelled).is_cancel());
        assert_eq!(Error::NoGroups.code(), "no-groups");
    }
}
