//! A CloudWatch Logs connection for one profile and region: the profiles of the AWS config
//! files (names and kinds, never a key), a role assumed with an MFA code (once per code, its
//! credentials kept in memory for their lifetime), the client with its retries, and the
//! classification of SDK errors into [`Error`]s a user can act on.
//!
//! Credentials are resolved by `aws-config` exactly as the AWS CLI resolves them: static keys,
//! SSO, `role_arn` with `source_profile`, `credential_process`, and the environment. The
//! standard variables (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_PROFILE`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`) are honoured. Nothing secret is stored or logged here.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatchlogs::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_cloudwatchlogs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::Client;
use serde::Serialize;

use crate::Error;

/// Which credentials and region to use. `None` means what the AWS CLI would choose
/// (`AWS_PROFILE`, then `default`; `AWS_REGION`, then the profile's region).
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// The current code of the MFA device, for a profile with `mfa_serial`; used once, to
    /// assume the role, and kept only to know it was used. Not needed while the role's
    /// credentials from an earlier code last ([`Connection::open`]).
    pub mfa_code: Option<String>,
}

/// How a profile gets its credentials, serialised as its [`label`](ProfileKind::label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// IAM Identity Center (`sso_session` or `sso_start_url`).
    Sso,
    /// A role assumed from another profile (`role_arn`).
    Role,
    /// An external program (`credential_process`).
    Process,
    /// Static keys (`aws_access_key_id`).
    Keys,
    /// Anything else: the environment, a web identity, the instance's role.
    Other,
}

impl ProfileKind {
    /// The kind as the profile picker shows it: `sso`, `role`, `process`, `keys` or `other`.
    pub fn label(self) -> &'static str {
        match self {
            ProfileKind::Sso => "sso",
            ProfileKind::Role => "role",
            ProfileKind::Process => "process",
            ProfileKind::Keys => "keys",
            ProfileKind::Other => "other",
        }
    }
}

/// A profile of the AWS config and credentials files, as the profile picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileInfo {
    pub name: String,
    pub region: Option<String>,
    /// How it gets credentials.
    pub kind: ProfileKind,
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
                ProfileKind::Sso
            } else if has("role_arn") {
                ProfileKind::Role
            } else if has("credential_process") {
                ProfileKind::Process
            } else if has("aws_access_key_id") {
                ProfileKind::Keys
            } else {
                ProfileKind::Other
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

/// How long before their expiry the credentials of a role assumed with MFA are renewed,
/// when a new code is given: a reading that starts on them has this long to finish.
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);

/// A role assumed with an MFA code: its credentials, and the code spent on them.
#[derive(Debug, Clone)]
struct MfaSession {
    credentials: aws_credential_types::Credentials,
    code: String,
}

/// What to do for a connection to a role assumed with MFA.
#[derive(Debug, Clone, PartialEq)]
enum MfaStep {
    /// The role's credentials from an earlier code serve.
    Keep(aws_credential_types::Credentials),
    /// Assume the role with this code.
    Assume(String),
    /// A code is needed: none was given, or only the one already spent.
    AskCode,
}

/// Whether the `session` held (if any) serves at `now`, or the `code` given must be spent.
/// STS refuses a code it has already accepted (AccessDenied, "MultiFactorAuthentication
/// failed with invalid MFA one time pass code"; 1Password/shell-plugins#180), so a code is
/// sent at most once, and only when the session is missing or ends within [`RENEW_BEFORE`].
fn mfa_step(session: Option<&MfaSession>, code: Option<&str>, now: SystemTime) -> MfaStep {
    let valid_at = |session: &MfaSession, at: SystemTime| {
        session
            .credentials
            .expiry()
            .is_none_or(|expiry| expiry > at)
    };
    // a code not yet spent on this session
    let fresh = code
        .map(str::trim)
        .filter(|code| !code.is_empty() && session.is_none_or(|held| held.code != *code));
    match (session, fresh) {
        (Some(held), _) if valid_at(held, now + RENEW_BEFORE) => {
            MfaStep::Keep(held.credentials.clone())
        }
        (_, Some(code)) => MfaStep::Assume(code.to_owned()),
        (Some(held), None) if valid_at(held, now) => MfaStep::Keep(held.credentials.clone()),
        _ => MfaStep::AskCode,
    }
}

/// The roles assumed with an MFA code in this process, by profile and role ARN: every
/// connection to them (listing groups, discovery, fetching, Insights, a re-run) shares one
/// AssumeRole per code. The lock is held across AssumeRole, so that two connections opened
/// at once do not both spend the same code.
static MFA_SESSIONS: tokio::sync::Mutex<BTreeMap<(String, String), MfaSession>> =
    tokio::sync::Mutex::const_new(BTreeMap::new());

/// The credentials of `role` for `profile`: the ones held from an earlier code while they
/// last, or the role assumed with `code`.
async fn mfa_credentials(
    profile: &str,
    role: &MfaRole,
    code: Option<&str>,
    region: Option<Region>,
) -> Result<aws_credential_types::Credentials, Error> {
    let key = (profile.to_owned(), role.role_arn.clone());
    let mut sessions = MFA_SESSIONS.lock().await;
    match mfa_step(sessions.get(&key), code, SystemTime::now()) {
        MfaStep::Keep(credentials) => Ok(credentials),
        MfaStep::AskCode => Err(Error::MfaRequired {
            profile: profile.to_owned(),
            serial: role.serial.clone(),
        }),
        MfaStep::Assume(code) => {
            let credentials = assume_role_with_mfa(profile, role, &code, region).await?;
            sessions.insert(
                key,
                MfaSession {
                    credentials: credentials.clone(),
                    code,
                },
            );
            Ok(credentials)
        }
    }
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

/// A CloudWatch Logs client for one profile and region.
#[derive(Debug, Clone)]
pub struct Connection {
    pub(crate) client: Client,
    /// The loaded configuration, from which the other services' clients are made
    /// ([`crate::config`]).
    pub(crate) sdk: aws_config::SdkConfig,
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

impl Connection {
    /// Resolves the profile and region. Credentials themselves are fetched lazily, on the
    /// first request, except a role assumed with an MFA code: it is assumed here, once per
    /// code, and its credentials serve every later connection of this process to the same
    /// profile and role until they are within minutes of expiring; then a new code renews
    /// them (the code already spent is not sent again: [`Error::MfaRequired`] asks for one).
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
            let region = target
                .region
                .clone()
                .or(role.region.clone())
                .map(Region::new);
            let credentials =
                mfa_credentials(&profile, &role, target.mfa_code.as_deref(), region).await?;
            loader = loader.credentials_provider(credentials);
        }
        Connection::from_config(loader.load().await, profile)
    }

    /// A connection over a configuration loaded elsewhere, as [`Connection::open`] makes
    /// one from a profile: for a caller that brings its own HTTP client (a test's replay of
    /// recorded answers). `profile` names the credentials in messages.
    pub fn from_config(
        config: aws_config::SdkConfig,
        profile: String,
    ) -> Result<Connection, Error> {
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
            sdk: config,
            region,
            profile,
            attempts,
        })
    }

    /// Attempts sent so far, retries included.
    pub(crate) fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// The region requests go to.
    pub fn region(&self) -> &str {
        &self.region
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_kind_reaches_the_picker_as_its_label() {
        for kind in [
            ProfileKind::Sso,
            ProfileKind::Role,
            ProfileKind::Process,
            ProfileKind::Keys,
            ProfileKind::Other,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.label());
        }
        assert_eq!(ProfileKind::Sso.label(), "sso");
    }

    #[test]
    fn an_mfa_code_is_spent_once_and_its_role_kept_until_it_nearly_expires() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let session = |lasts: Duration| MfaSession {
            credentials: aws_credential_types::Credentials::new(
                "key",
                "secret",
                Some("token".to_owned()),
                Some(now + lasts),
                "test",
            ),
            code: "111111".to_owned(),
        };
        let hour = session(Duration::from_secs(3600));
        let keep = MfaStep::Keep(hour.credentials.clone());
        // nothing held: the code given is spent; without one, one is asked for
        assert_eq!(
            mfa_step(None, Some(" 111111 "), now),
            MfaStep::Assume("111111".to_owned())
        );
        assert_eq!(mfa_step(None, None, now), MfaStep::AskCode);
        assert_eq!(mfa_step(None, Some("  "), now), MfaStep::AskCode);
        // held for an hour: kept, whatever code comes, the spent one, a new one, or none
        for code in [Some("111111"), Some("222222"), None] {
            assert_eq!(mfa_step(Some(&hour), code, now), keep, "{code:?}");
        }
        // within minutes of its end: renewed with a new code only, kept till then otherwise
        let ending = session(Duration::from_secs(60));
        assert_eq!(
            mfa_step(Some(&ending), Some("222222"), now),
            MfaStep::Assume("222222".to_owned())
        );
        for code in [Some("111111"), None] {
            assert_eq!(
                mfa_step(Some(&ending), code, now),
                MfaStep::Keep(ending.credentials.clone()),
                "{code:?}"
            );
        }
        // ended: the spent code is never sent again
        let ended = session(Duration::ZERO);
        assert_eq!(
            mfa_step(Some(&ended), Some("111111"), now),
            MfaStep::AskCode
        );
        assert_eq!(mfa_step(Some(&ended), None, now), MfaStep::AskCode);
        assert_eq!(
            mfa_step(Some(&ended), Some("333333"), now),
            MfaStep::Assume("333333".to_owned())
        );
    }
}
