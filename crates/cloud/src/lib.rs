//! Ceiling's way into AWS: it turns a profile (and optionally a region) into a CloudWatch Logs
//! connection, lists the log groups a user can analyze, and fetches a time window of them
//! ([`fetch`]) as pages the engine reads.
//!
//! Credentials are resolved by `aws-config` exactly as the AWS CLI resolves them: static keys,
//! SSO, `role_arn` with `source_profile`, `credential_process`, and the environment. The
//! standard variables (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_PROFILE`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`) are honoured. Nothing secret is stored or logged here.

pub mod fetch;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, SdkError};
use aws_sdk_cloudwatchlogs::Client;
use serde::Serialize;

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
    #[error("access denied: the credentials may not call {action} on log group {group}")]
    AccessDenied { action: &'static str, group: String },
    #[error(
        "the credentials were refused or have expired ({detail}); for an SSO profile, run \
         `aws sso login --profile <profile>` and try again"
    )]
    Credentials { detail: String },
    #[error("cannot reach CloudWatch Logs: {detail}")]
    Network { detail: String },
    #[error("cancelled")]
    Cancelled,
}

/// Which credentials and region to use. `None` means what the AWS CLI would choose
/// (`AWS_PROFILE`, then `default`; `AWS_REGION`, then the profile's region).
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub profile: Option<String>,
    pub region: Option<String>,
}

/// A CloudWatch Logs client for one profile and region.
#[derive(Debug, Clone)]
pub struct Connection {
    client: Client,
    region: String,
}

/// A log group as the group browser shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogGroup {
    pub name: String,
    pub stored_bytes: Option<i64>,
    pub retention_days: Option<i32>,
    /// When the group was created, in milliseconds since the epoch.
    pub created_ms: Option<i64>,
}

impl Connection {
    /// Resolves the profile and region. Credentials themselves are fetched lazily, on the
    /// first request.
    pub async fn open(target: &Target) -> Result<Connection, Error> {
        // Throttling and 5xx answers are retried with backoff, adapting the request rate.
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(https_client())
            .retry_config(RetryConfig::adaptive().with_max_attempts(8));
        if let Some(profile) = &target.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &target.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(|region| region.to_string())
            .ok_or_else(|| Error::NoRegion {
                profile: target
                    .profile
                    .clone()
                    .or_else(|| std::env::var("AWS_PROFILE").ok())
                    .unwrap_or_else(|| "default".to_owned()),
            })?;
        Ok(Connection {
            client: Client::new(&config),
            region,
        })
    }

    /// The region requests go to.
    pub fn region(&self) -> &str {
        &self.region
    }

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
            let page = page.map_err(|e| request_error("DescribeLogGroups", e))?;
            groups.extend(page.log_groups().iter().map(|group| LogGroup {
                name: group.log_group_name().unwrap_or_default().to_owned(),
                stored_bytes: group.stored_bytes(),
                retention_days: group.retention_in_days(),
                created_ms: group.creation_time(),
            }));
        }
        Ok(groups)
    }
}

fn request_error<E, R>(action: &'static str, error: SdkError<E, R>) -> Error
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    Error::Request {
        action,
        detail: DisplayErrorContext(&error).to_string(),
    }
}

/// HTTPS through rustls with the ring provider: the SDK's default would compile aws-lc.
fn https_client() -> aws_sdk_cloudwatchlogs::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
