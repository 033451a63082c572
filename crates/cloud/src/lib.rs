//! Ceiling's way into AWS: it turns a profile (and optionally a region) into a CloudWatch Logs
//! connection, lists the log groups a user can analyze, and fetches a time window of them
//! ([`fetch`]) as pages the engine reads.
//!
//! Credentials are resolved by `aws-config` exactly as the AWS CLI resolves them: static keys,
//! SSO, `role_arn` with `source_profile`, `credential_process`, and the environment. The
//! standard variables (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_PROFILE`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`) are honoured. Nothing secret is stored or logged here.

pub mod fetch;
pub mod insights;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatchlogs::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_cloudwatchlogs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::Client;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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
    #[error("cancelled")]
    Cancelled,
}

fn on_group(group: &Option<String>) -> String {
    group
        .as_ref()
        .map(|g| format!(" on log group {g}"))
        .unwrap_or_default()
}

/// Which credentials and region to use. `None` means what the AWS CLI would choose
/// (`AWS_PROFILE`, then `default`; `AWS_REGION`, then the profile's region).
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// The current code of the MFA device, for a profile with `mfa_serial`; used once, to
    /// assume the role, and kept nowhere.
    pub mfa_code: Option<String>,
}

/// A profile of the AWS config and credentials files, as the profile picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileInfo {
    pub name: String,
    pub region: Option<String>,
    /// How it gets credentials: `sso`, `role`, `process`, `keys`, or `other`.
    pub kind: &'static str,
    /// It assumes its role with an MFA code (`mfa_serial`), which must be asked for.
    pub mfa: bool,
}

/// The profiles of the config and credentials files (`AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE` honoured), read as aws-config reads them, in name order.
/// Only names and kinds come out: never a key.
pub async fn profiles() -> Result<Vec<ProfileInfo>, Error> {
    let set = profile_set().await?;
    let mut profiles: Vec<ProfileInfo> = set
        .profiles()
        .filter_map(|name| {
            let profile = set.get_profile(name)?;
            let has = |key: &str| profile.get(key).is_some();
            let kind = if has("sso_session") || has("sso_start_url") {
                "sso"
            } else if has("role_arn") {
                "role"
            } else if has("credential_process") {
                "process"
            } else if has("aws_access_key_id") {
                "keys"
            } else {
                "other"
            };
            Some(ProfileInfo {
                name: name.to_owned(),
                region: profile.get("region").map(str::to_owned),
                kind,
                mfa: has("role_arn") && has("mfa_serial"),
            })
        })
        .collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(profiles)
}

/// The profiles of the config and credentials files, as aws-config reads them.
async fn profile_set() -> Result<aws_config::profile::ProfileSet, Error> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let files = EnvConfigFiles::default();
    aws_config::profile::load(&Fs::real(), &Env::real(), &files, None)
        .await
        .map_err(|e| Error::Request {
            action: "reading the AWS config files",
            detail: e.to_string(),
        })
}

/// A profile that assumes its role with an MFA code: what AssumeRole needs.
#[derive(Debug, Clone)]
struct MfaRole {
    role_arn: String,
    serial: String,
    source_profile: Option<String>,
    external_id: Option<String>,
    session_name: Option<String>,
    duration_seconds: Option<i32>,
    region: Option<String>,
}

async fn mfa_role(profile: &str) -> Result<Option<MfaRole>, Error> {
    let set = profile_set().await?;
    let Some(found) = set.get_profile(profile) else {
        return Ok(None);
    };
    let get = |key: &str| found.get(key).map(str::to_owned);
    let (Some(role_arn), Some(serial)) = (get("role_arn"), get("mfa_serial")) else {
        return Ok(None);
    };
    Ok(Some(MfaRole {
        role_arn,
        serial,
        source_profile: get("source_profile"),
        external_id: get("external_id"),
        session_name: get("role_session_name"),
        duration_seconds: get("duration_seconds").and_then(|d| d.parse().ok()),
        region: get("region"),
    }))
}

/// Assumes `role` with the MFA `code`, on the source profile's credentials, as the AWS CLI
/// does for a profile with `mfa_serial`.
async fn assume_role_with_mfa(
    profile: &str,
    role: &MfaRole,
    code: &str,
    region: Option<Region>,
) -> Result<aws_credential_types::Credentials, Error> {
    let mut source = aws_config::defaults(BehaviorVersion::latest()).http_client(https_client());
    if let Some(name) = &role.source_profile {
        source = source.profile_name(name);
    }
    if let Some(region) = region {
        source = source.region(region);
    }
    let source = source.load().await;
    let refused = |detail: String| Error::MfaRefused {
        profile: profile.to_owned(),
        detail,
    };
    let answer = aws_sdk_sts::Client::new(&source)
        .assume_role()
        .role_arn(&role.role_arn)
        .role_session_name(
            role.session_name
                .clone()
                .unwrap_or_else(|| "ceiling".to_owned()),
        )
        .serial_number(&role.serial)
        .token_code(code.trim())
        .set_external_id(role.external_id.clone())
        .set_duration_seconds(role.duration_seconds)
        .send()
        .await
        .map_err(|e| refused(DisplayErrorContext(&e).to_string()))?;
    let credentials = answer
        .credentials()
        .ok_or_else(|| refused("the answer holds no credentials".to_owned()))?;
    Ok(aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        std::time::SystemTime::try_from(*credentials.expiration()).ok(),
        "ceiling-mfa",
    ))
}

/// Whether a log group is one Ceiling reads: a stage's access or execution log, or a
/// function's.
pub fn is_relevant(group: &str) -> bool {
    group.starts_with("API-Gateway-Execution-Logs_")
        || group.starts_with("/aws/lambda/")
        || group.starts_with("/aws/apigateway/")
        || group.to_ascii_lowercase().contains("access")
}

/// What kind of log a message is, among those Ceiling reads: `access log`, `execution log`
/// or `Lambda log`; `None` for anything else. One message tells a group's kind, whatever
/// the group is named.
pub fn kind_of_message(message: &str) -> Option<&'static str> {
    let mut analyzer = ceiling_engine::Analyzer::new(ceiling_engine::Settings::default());
    analyzer.read("sample", message.as_bytes()).ok()?;
    let analysis = analyzer.finish();
    if analysis.requests > 0 {
        Some("access log")
    } else if analysis.execution.is_some() {
        Some("execution log")
    } else if analysis.lambda.is_some() {
        Some("Lambda log")
    } else {
        None
    }
}

/// A CloudWatch Logs client for one profile and region.
#[derive(Debug, Clone)]
pub struct Connection {
    client: Client,
    region: String,
    /// The profile's name, for messages.
    profile: String,
    /// Attempts sent, retries included: the difference with the requests is the retries.
    attempts: Arc<AtomicU64>,
}

/// Counts every attempt the SDK sends, first tries and retries alike.
#[derive(Debug)]
struct AttemptCounter(Arc<AtomicU64>);

impl Intercept for AttemptCounter {
    fn name(&self) -> &'static str {
        "ceiling-attempt-counter"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
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
        let profile = target
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok())
            .unwrap_or_else(|| "default".to_owned());
        if let Some(role) = mfa_role(&profile).await? {
            let code = target
                .mfa_code
                .as_deref()
                .filter(|code| !code.trim().is_empty())
                .ok_or_else(|| Error::MfaRequired {
                    profile: profile.clone(),
                    serial: role.serial.clone(),
                })?;
            let region = target
                .region
                .clone()
                .or(role.region.clone())
                .map(Region::new);
            let credentials = assume_role_with_mfa(&profile, &role, code, region).await?;
            loader = loader.credentials_provider(credentials);
        }
        let config = loader.load().await;
        let region = config
            .region()
            .map(|region| region.to_string())
            .ok_or_else(|| Error::NoRegion {
                profile: profile.clone(),
            })?;
        let attempts = Arc::new(AtomicU64::new(0));
        let client_config = aws_sdk_cloudwatchlogs::config::Builder::from(&config)
            .interceptor(AttemptCounter(Arc::clone(&attempts)))
            .build();
        Ok(Connection {
            client: Client::from_conf(client_config),
            region,
            profile,
            attempts,
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
}

impl Connection {
    /// The kind of log `group` holds (see [`kind_of_message`]), from its first message of
    /// the last 30 days.
    pub async fn kind_of_group(&self, group: &str) -> Result<Option<&'static str>, Error> {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let window = fetch::Window {
            start_ms: now_ms - 30 * 86_400_000,
            end_ms: now_ms,
        };
        let sample = self.sample_message(group, window).await?;
        Ok(sample.as_deref().and_then(kind_of_message))
    }

    /// An error of a request as a user can act on it: what is missing, refused or unreachable.
    pub(crate) fn classify<E, R>(
        &self,
        action: &'static str,
        group: Option<&str>,
        error: SdkError<E, R>,
    ) -> Error
    where
        E: std::error::Error + ProvideErrorMetadata + 'static,
        R: std::fmt::Debug,
    {
        let code = error.code().unwrap_or_default().to_owned();
        let detail = DisplayErrorContext(&error).to_string();
        let profile = self.profile.clone();
        match code.as_str() {
            "ResourceNotFoundException" => {
                return Error::GroupNotFound {
                    group: group.unwrap_or_default().to_owned(),
                }
            }
            "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
                return Error::AccessDenied {
                    action,
                    group: group.map(str::to_owned),
                }
            }
            "ExpiredTokenException"
            | "ExpiredToken"
            | "UnrecognizedClientException"
            | "InvalidSignatureException" => return Error::Credentials { profile, detail },
            _ => {}
        }
        // Credentials that could not be loaded fail before any request is sent.
        let lower = detail.to_ascii_lowercase();
        if lower.contains("sso") || (lower.contains("token") && lower.contains("expired")) {
            return Error::Credentials { profile, detail };
        }
        if lower.contains("credential") {
            return Error::NoCredentials { profile, detail };
        }
        match error {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Error::Network { detail },
            _ => Error::Request { action, detail },
        }
    }
}

/// HTTPS through rustls with the ring provider: the SDK's default would compile aws-lc.
fn https_client() -> aws_sdk_cloudwatchlogs::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
