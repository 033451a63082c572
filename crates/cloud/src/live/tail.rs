//! CloudWatch Logs Live Tail as a live source: one `StartLiveTail` session after another for
//! as long as the watch runs, each session's updates handed on as [`LiveBatch`]es, and, at
//! each reconnection, the point from which the caller re-reads what no session delivered.
//!
//! # What Live Tail gives (../shared/docs/aws-facts.md, row "StartLiveTail")
//!
//! - At most [`MAX_GROUPS`] (10) log groups a session, named by their ARNs: names are turned
//!   into ARNs here (the account from `sts:GetCallerIdentity`, which needs no permission).
//! - One update a second, of at most 500 events; above 500 matching events a second the
//!   update is a sample, and says so (`sessionMetadata.sampled`, carried as
//!   [`LiveBatch::sampled`]). An empty update still comes each second.
//! - A client slower than that is buffered by the server, up to 10 updates or 5,000 events,
//!   after which the oldest are dropped.
//! - A session ends with a `SessionTimeoutException` after 3 hours.
//! - Sessions are billed per minute they are open (after a free allowance); FilterLogEvents
//!   polling is not. Dropping a session (Stop) closes its stream and ends its billing.
//!
//! # Reconnection and the gap between sessions
//!
//! A session that times out, breaks (a `SessionStreamingException`, a broken connection, an
//! end of stream) or loses its credentials is opened again, with the same groups and filter.
//! Credentials refused when a session is opened are read again once, through a fresh
//! identity cache over the connection's own provider chain (SSO, role, process, files), as
//! the crate's connection reads them; refused again, they end the tail with
//! [`Error::Credentials`], whose message says how to renew them.
//!
//! Live Tail has no start time in the past: a new session only sees what is ingested after
//! it opens. What no session delivered (ingested between two sessions, or buffered by the
//! server when the stream broke) is covered by the caller: each [`TailNotice::Reconnecting`]
//! carries `resume_from_ms`, and once the next session has started
//! ([`TailNotice::Started`]) the caller reads `[resume_from_ms, now]` with FilterLogEvents
//! (the watch's backfill) and keeps each event once with a [`Seen`](super::Seen) shared by
//! both sources. `resume_from_ms` is the newest ingestion time any session delivered (or,
//! when the last session delivered none, the time it was opened), less
//! [`TailRequest::overlap_ms`]: whatever no session delivered was ingested after that point,
//! so its timestamp is after it less the ingestion lag, which the overlap covers. The
//! events the re-read finds again within the overlap are known to the `Seen` (whose horizon
//! must be at least twice the overlap), so none counts twice.
//!
//! Reconnecting that keeps failing (sessions that end before their first update, sessions
//! that cannot be opened) waits longer each time and gives up after [`MAX_FAILURES`] in a row
//! with [`Error::LiveTailUnavailable`]; refused (`AccessDeniedException`) it ends with
//! [`Error::LiveTailDenied`]. Both tell the watch to poll with FilterLogEvents instead.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::operation::start_live_tail::StartLiveTailOutput;
use aws_sdk_cloudwatchlogs::types::error::StartLiveTailResponseStreamError;
use aws_sdk_cloudwatchlogs::types::{
    LiveTailSessionLogEvent, LiveTailSessionUpdate, StartLiveTailResponseStream,
};
use aws_sdk_cloudwatchlogs::Client;

use super::{LiveBatch, LiveEvent};
use crate::config::log_group_of;
use crate::window::now_ms;
use crate::{Connection, Error};

/// Log groups one Live Tail session follows, at most.
pub const MAX_GROUPS: usize = 10;

/// Sessions in a row that fail (unopened, or ended before their first update) before the
/// tail gives up.
pub const MAX_FAILURES: u32 = 5;

/// The overlap re-read at a reconnection by default: the ingestion lag it allows for.
pub const DEFAULT_OVERLAP_MS: i64 = 120_000;

/// How often a wait looks at the stop switch.
const STOP_POLL: Duration = Duration::from_millis(50);

/// The longest wait before opening a session again.
const MAX_BACKOFF: Duration = Duration::from_secs(16);

/// What to tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailRequest {
    /// Log group names or ARNs (a trailing `:*`, as DescribeLogGroups writes ARNs, is
    /// dropped), at most [`MAX_GROUPS`].
    pub groups: Vec<String>,
    /// A CloudWatch Logs filter pattern; `None` for every event.
    pub filter_pattern: Option<String>,
    /// How far before the newest ingestion delivered a reconnection's re-read starts, for
    /// events ingested late ([`DEFAULT_OVERLAP_MS`]).
    pub overlap_ms: i64,
}

impl TailRequest {
    /// A tail of `groups`, every event, with the default overlap.
    pub fn new(groups: Vec<String>) -> TailRequest {
        TailRequest {
            groups,
            filter_pattern: None,
            overlap_ms: DEFAULT_OVERLAP_MS,
        }
    }

    /// Whether Live Tail can follow these groups: [`Error::NoGroups`] for none,
    /// [`Error::TooManyLiveGroups`] above [`MAX_GROUPS`].
    pub fn check(&self) -> Result<(), Error> {
        match self.groups.len() {
            0 => Err(Error::NoGroups),
            chosen if chosen > MAX_GROUPS => Err(Error::TooManyLiveGroups {
                chosen,
                most: MAX_GROUPS,
            }),
            _ => Ok(()),
        }
    }
}

/// What the tail tells its caller, in the order it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailNotice {
    /// A session is open: from now on events come through it. After a
    /// [`Reconnecting`](TailNotice::Reconnecting), this is when to re-read the gap.
    Started {
        session_id: String,
        /// The names of the groups the session follows.
        groups: Vec<String>,
        /// When the session was asked for, in milliseconds since the epoch (local clock).
        opened_ms: i64,
    },
    /// One update (one a second, empty ones included: the session is alive).
    Batch(LiveBatch),
    /// The session ended and another is being opened; once it has
    /// [`Started`](TailNotice::Started), read `[resume_from_ms, now]` with FilterLogEvents
    /// to cover what no session delivered.
    Reconnecting {
        reason: Reconnect,
        resume_from_ms: i64,
    },
}

/// Why a session is opened again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reconnect {
    #[error("the Live Tail session reached its 3-hour limit")]
    SessionTimeout,
    #[error("the Live Tail stream ended")]
    StreamEnded,
    #[error("the Live Tail stream failed: {detail}")]
    StreamError { detail: String },
    #[error("the credentials were refused; reading them again: {detail}")]
    Credentials { detail: String },
    #[error("opening a Live Tail session failed: {detail}")]
    OpenFailed { detail: String },
}

/// Attempts at opening the first session (see [`run_tail`]).
const FIRST_OPEN_ATTEMPTS: u32 = 2;

/// A log group followed: its name, for the events, and its ARN, for the request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Followed {
    name: String,
    arn: String,
}

/// Tails `request.groups` until `stop` is set, handing each notice to `on` as it happens;
/// `Ok` when stopped. Stopping is seen within 50 ms, whatever the session is waiting for,
/// and closes the session. Events are handed on as Live Tail sends them: keeping each once
/// across the reconnections' re-reads is the caller's [`Seen`](super::Seen)'s work (see the
/// module's documentation).
///
/// Errors: [`Error::NoGroups`] or [`Error::TooManyLiveGroups`] for the request;
/// [`Error::LiveTailDenied`] and [`Error::LiveTailUnavailable`], after which a watch polls
/// instead; [`Error::Credentials`] and [`Error::NoCredentials`]; [`Error::GroupNotFound`].
pub async fn run_tail(
    connection: &Connection,
    request: &TailRequest,
    stop: &AtomicBool,
    mut on: impl FnMut(TailNotice),
) -> Result<(), Error> {
    request.check()?;
    let Some(followed) = until_stopped(stop, followed(connection, &request.groups)).await else {
        return Ok(());
    };
    let followed = followed?;
    let arns: Vec<String> = followed.iter().map(|f| f.arn.clone()).collect();
    let mut client = connection.client.clone();
    let mut progress = Progress {
        newest_ingestion_ms: None,
        opened_ms: now_ms(),
        ever_opened: false,
    };
    let mut failures = 0;
    let mut credentials_read_again = false;
    loop {
        let opened_ms = now_ms();
        let start = client
            .start_live_tail()
            .set_log_group_identifiers(Some(arns.clone()))
            .set_log_event_filter_pattern(request.filter_pattern.clone());
        let first = !progress.ever_opened;
        let send = async move {
            if first {
                // Before any session, Live Tail's endpoint out of reach means it is not
                // served here (an emulator, a network that blocks it): the connection's
                // eight adaptive attempts would hold the fall back to polling for half a
                // minute, with nothing shown.
                start
                    .customize()
                    .config_override(
                        aws_sdk_cloudwatchlogs::config::Builder::default().retry_config(
                            RetryConfig::standard().with_max_attempts(FIRST_OPEN_ATTEMPTS),
                        ),
                    )
                    .send()
                    .await
            } else {
                start.send().await
            }
        };
        let Some(sent) = until_stopped(stop, send).await else {
            return Ok(());
        };
        let (reason, delivered) = match sent {
            Ok(output) => {
                progress.opened_ms = opened_ms;
                progress.ever_opened = true;
                let session = Session {
                    stop,
                    followed: &followed,
                    opened_ms,
                };
                match session.read(output, &mut progress, &mut on).await {
                    Ended::Stopped => return Ok(()),
                    Ended::Ended { reason, delivered } => {
                        if let Reconnect::Credentials { .. } = reason {
                            client = with_credentials_read_again(connection);
                        }
                        (reason, delivered)
                    }
                }
            }
            Err(error) => {
                match open_error(connection, error, &request.groups, progress.ever_opened) {
                    Ok(reason) => (reason, false),
                    Err(Error::Credentials { detail, .. }) if !credentials_read_again => {
                        credentials_read_again = true;
                        client = with_credentials_read_again(connection);
                        (Reconnect::Credentials { detail }, false)
                    }
                    Err(error) => return Err(error),
                }
            }
        };
        if delivered {
            failures = 0;
            credentials_read_again = false;
        } else if !matches!(
            reason,
            Reconnect::SessionTimeout | Reconnect::Credentials { .. }
        ) {
            failures += 1;
            if failures >= MAX_FAILURES {
                return Err(Error::LiveTailUnavailable {
                    detail: format!("{reason} ({failures} times in a row)"),
                });
            }
        }
        on(TailNotice::Reconnecting {
            reason,
            resume_from_ms: progress.resume_from_ms(request.overlap_ms),
        });
        let wait = backoff(failures);
        if until_stopped(stop, tokio::time::sleep(wait))
            .await
            .is_none()
        {
            return Ok(());
        }
    }
}

/// The wait before opening a session again after `failures` failures in a row: none after
/// a session that delivered, then 1, 2, 4... seconds up to [`MAX_BACKOFF`].
fn backoff(failures: u32) -> Duration {
    match failures {
        0 => Duration::ZERO,
        n => Duration::from_secs(1 << (n - 1).min(8)).min(MAX_BACKOFF),
    }
}

/// What the sessions so far delivered, for the point a reconnection re-reads from.
#[derive(Debug)]
struct Progress {
    /// The newest ingestion time of the events delivered, by any session.
    newest_ingestion_ms: Option<i64>,
    /// When the last session that opened was asked for (or the tail began).
    opened_ms: i64,
    ever_opened: bool,
}

impl Progress {
    /// Where the re-read of a reconnection starts (see the module's documentation).
    fn resume_from_ms(&self, overlap_ms: i64) -> i64 {
        self.newest_ingestion_ms
            .unwrap_or(i64::MIN)
            .max(self.opened_ms)
            .saturating_sub(overlap_ms)
    }
}

/// How a session ended.
enum Ended {
    Stopped,
    Ended {
        reason: Reconnect,
        /// It delivered at least one update.
        delivered: bool,
    },
}

/// One open session.
struct Session<'a> {
    stop: &'a AtomicBool,
    followed: &'a [Followed],
    opened_ms: i64,
}

impl Session<'_> {
    /// Reads the session's stream until it ends or the tail is stopped.
    async fn read(
        &self,
        mut output: StartLiveTailOutput,
        progress: &mut Progress,
        on: &mut impl FnMut(TailNotice),
    ) -> Ended {
        let mut delivered = false;
        loop {
            let Some(next) = until_stopped(self.stop, output.response_stream.recv()).await else {
                return Ended::Stopped;
            };
            let reason = match next {
                Ok(Some(StartLiveTailResponseStream::SessionStart(start))) => {
                    let groups = if start.log_group_identifiers().is_empty() {
                        self.followed.iter().map(|f| f.name.clone()).collect()
                    } else {
                        start
                            .log_group_identifiers()
                            .iter()
                            .map(|identifier| group_name(identifier, self.followed))
                            .collect()
                    };
                    on(TailNotice::Started {
                        session_id: start.session_id().unwrap_or_default().to_owned(),
                        groups,
                        opened_ms: self.opened_ms,
                    });
                    continue;
                }
                Ok(Some(StartLiveTailResponseStream::SessionUpdate(update))) => {
                    delivered = true;
                    let batch = batch_of(&update, self.followed);
                    let newest = batch.events.iter().map(|e| e.ingestion_ms).max();
                    progress.newest_ingestion_ms = progress.newest_ingestion_ms.max(newest);
                    on(TailNotice::Batch(batch));
                    continue;
                }
                // an event this SDK does not know: nothing to hand on
                Ok(Some(_)) => continue,
                Ok(None) => Reconnect::StreamEnded,
                Err(error) => stream_error(&error),
            };
            return Ended::Ended { reason, delivered };
        }
    }
}

/// Why a stream failed, as a reconnection reason. The exception's type is in its frame's
/// headers, not its payload, so the typed error says it, not the error code.
fn stream_error<R: std::fmt::Debug>(
    error: &SdkError<StartLiveTailResponseStreamError, R>,
) -> Reconnect {
    let detail = DisplayErrorContext(error).to_string();
    if error
        .as_service_error()
        .is_some_and(StartLiveTailResponseStreamError::is_session_timeout_exception)
    {
        return Reconnect::SessionTimeout;
    }
    match error.code() {
        Some(
            "ExpiredTokenException"
            | "ExpiredToken"
            | "UnrecognizedClientException"
            | "InvalidSignatureException",
        ) => Reconnect::Credentials { detail },
        _ => Reconnect::StreamError { detail },
    }
}

/// A refused or failed StartLiveTail as the tail acts on it: a reason to try again (a
/// network failure or an answer the SDK's retries did not get past, once a session has
/// opened), or the error that ends the tail: denied; unavailable (the log groups' class does
/// not serve Live Tail, the account has as many sessions open as it may, the endpoint does
/// not know the operation, or, before any session opened, a failure to reach it: Live
/// Tail's own endpoint, `stream-logs.REGION.amazonaws.com`, may be blocked where the others
/// are not, and an emulator may serve FilterLogEvents but not Live Tail); a filter pattern
/// refused; or as the connection classifies it.
fn open_error<E, R>(
    connection: &Connection,
    error: SdkError<E, R>,
    groups: &[String],
    ever_opened: bool,
) -> Result<Reconnect, Error>
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    let action = "logs:StartLiveTail";
    match error.code() {
        Some(
            "InvalidOperationException" | "LimitExceededException" | "UnknownOperationException",
        ) => {
            return Err(Error::LiveTailUnavailable {
                detail: DisplayErrorContext(&error).to_string(),
            })
        }
        Some("InvalidParameterException") => {
            return Err(Error::Request {
                action,
                detail: DisplayErrorContext(&error).to_string(),
            })
        }
        _ => {}
    }
    // which group was not found, the service does not say when there are several
    let group = (groups.len() == 1).then(|| groups[0].as_str());
    match connection.classify(action, group, error) {
        Error::AccessDenied { .. } => Err(Error::LiveTailDenied),
        Error::Network { detail } if !ever_opened => Err(Error::LiveTailUnavailable {
            detail: out_of_reach(&detail),
        }),
        Error::Request { detail, .. } if !ever_opened => Err(Error::LiveTailUnavailable { detail }),
        Error::Network { detail } | Error::Request { detail, .. } => {
            Ok(Reconnect::OpenFailed { detail })
        }
        error => Err(error),
    }
}

/// `its endpoint could not be reached (failed to lookup address information: ...)`: the
/// network error's own last words, without the layers the SDK wraps around them.
fn out_of_reach(detail: &str) -> String {
    // DisplayErrorContext writes the chain, then ` (` and the error's Debug form
    let debug = detail.match_indices(" (").find(|(at, _)| {
        let rest = &detail[at + 2..];
        rest.starts_with(|c: char| c.is_ascii_uppercase())
            && rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .is_some_and(|end| rest[end..].starts_with('('))
    });
    let chain = debug.map_or(detail, |(at, _)| &detail[..at]);
    let cause = chain
        .rfind("error: ")
        .map_or(chain, |at| &chain[at + "error: ".len()..]);
    format!("its endpoint could not be reached ({})", cause.trim())
}

/// A client whose credentials are read again from the connection's provider chain, past
/// the identity cache that held the refused ones.
fn with_credentials_read_again(connection: &Connection) -> Client {
    let config = connection
        .sdk
        .to_builder()
        .identity_cache(aws_config::identity::IdentityCache::lazy().build())
        .build();
    Client::new(&config)
}

/// The groups with their ARNs: an ARN as given (less a trailing `:*`), a name in the
/// caller's account, partition and region.
async fn followed(connection: &Connection, groups: &[String]) -> Result<Vec<Followed>, Error> {
    let mut account = None;
    let mut followed = Vec::with_capacity(groups.len());
    for group in groups {
        let group = group.strip_suffix(":*").unwrap_or(group);
        if let Some(name) = log_group_of(group) {
            followed.push(Followed {
                name,
                arn: group.to_owned(),
            });
            continue;
        }
        let (partition, account) = match &account {
            Some(known) => known,
            None => account.insert(caller_account(connection).await?),
        };
        followed.push(Followed {
            name: group.to_owned(),
            arn: format!(
                "arn:{partition}:logs:{}:{account}:log-group:{group}",
                connection.region()
            ),
        });
    }
    Ok(followed)
}

/// The partition and account of the connection's credentials.
async fn caller_account(connection: &Connection) -> Result<(String, String), Error> {
    let action = "sts:GetCallerIdentity";
    let identity = aws_sdk_sts::Client::new(&connection.sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|error| connection.classify(action, None, error))?;
    let partition = identity
        .arn()
        .and_then(|arn| arn.split(':').nth(1))
        .filter(|partition| !partition.is_empty());
    match (partition, identity.account()) {
        (Some(partition), Some(account)) => Ok((partition.to_owned(), account.to_owned())),
        _ => Err(Error::Request {
            action,
            detail: "the answer names no account".to_owned(),
        }),
    }
}

/// A group's name from the identifier Live Tail gives: one of the ARNs asked for, another
/// ARN, `ACCOUNT:NAME`, or a name.
fn group_name(identifier: &str, followed: &[Followed]) -> String {
    if let Some(known) = followed
        .iter()
        .find(|f| f.arn == identifier || f.name == identifier)
    {
        return known.name.clone();
    }
    if let Some(name) = log_group_of(identifier) {
        return name;
    }
    match identifier.split_once(':') {
        Some((account, name))
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name.to_owned()
        }
        _ => identifier.to_owned(),
    }
}

/// One update as a batch.
fn batch_of(update: &LiveTailSessionUpdate, followed: &[Followed]) -> LiveBatch {
    LiveBatch {
        events: update
            .session_results()
            .iter()
            .map(|event| live_event(event, followed))
            .collect(),
        sampled: update.session_metadata().is_some_and(|m| m.sampled()),
    }
}

fn live_event(event: &LiveTailSessionLogEvent, followed: &[Followed]) -> LiveEvent {
    let group = match event.log_group_identifier() {
        Some(identifier) => group_name(identifier, followed),
        None => followed.first().map(|f| f.name.clone()).unwrap_or_default(),
    };
    // The service sends both times; one missing stands for the other.
    let ingestion_ms = event.ingestion_time().or(event.timestamp());
    let timestamp_ms = event.timestamp().or(ingestion_ms).unwrap_or_else(now_ms);
    LiveEvent {
        group,
        stream: event.log_stream_name().unwrap_or_default().to_owned(),
        timestamp_ms,
        ingestion_ms: ingestion_ms.unwrap_or(timestamp_ms),
        message: event.message().unwrap_or_default().to_owned(),
    }
}

/// `future`'s output, or `None` once `stop` is set: looked at first, then every
/// [`STOP_POLL`] while the future waits.
async fn until_stopped<F: Future>(stop: &AtomicBool, future: F) -> Option<F::Output> {
    tokio::pin!(future);
    loop {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        tokio::select! {
            output = &mut future => return Some(output),
            _ = tokio::time::sleep(STOP_POLL) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn followed(name: &str) -> Followed {
        Followed {
            name: name.to_owned(),
            arn: format!("arn:aws:logs:us-east-1:123456789012:log-group:{name}"),
        }
    }

    #[test]
    fn an_endpoint_out_of_reach_is_said_in_its_own_words() {
        // as the SDK words a DNS failure to reach moto's streaming- host
        let detail = "dispatch failure: io error: client error (Connect): dns error: failed to \
                      lookup address information: Name or service not known (DispatchFailure(\
                      DispatchFailure { source: ConnectorError { kind: Io, source: hyper_util::\
                      client::legacy::Error(Connect, ConnectError(\"dns error\", Custom { kind: \
                      Uncategorized, error: \"failed to lookup address information: Name or \
                      service not known\" })), connection: Unknown } }))";
        assert_eq!(
            out_of_reach(detail),
            "its endpoint could not be reached (failed to lookup address information: Name or \
             service not known)"
        );
    }

    #[test]
    fn a_group_is_named_whatever_form_live_tail_gives() {
        let known = [followed("/aws/lambda/orders")];
        for identifier in [
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/orders",
            "/aws/lambda/orders",
            "123456789012:/aws/lambda/orders",
        ] {
            assert_eq!(group_name(identifier, &known), "/aws/lambda/orders");
        }
        assert_eq!(
            group_name("arn:aws:logs:eu-west-1:1:log-group:other:*", &known),
            "other"
        );
        // a name with a colon is not mistaken for ACCOUNT:NAME
        assert_eq!(group_name("team:orders", &known), "team:orders");
    }

    #[test]
    fn a_request_names_one_to_ten_groups() {
        let groups = |n: usize| TailRequest::new((0..n).map(|i| format!("g{i}")).collect());
        assert!(matches!(groups(0).check(), Err(Error::NoGroups)));
        assert!(groups(1).check().is_ok());
        assert!(groups(MAX_GROUPS).check().is_ok());
        let error = groups(MAX_GROUPS + 1).check().unwrap_err();
        assert!(matches!(
            error,
            Error::TooManyLiveGroups {
                chosen: 11,
                most: 10
            }
        ));
        assert_eq!(error.code(), "too-many-live-groups");
    }

    #[test]
    fn a_reconnection_re_reads_from_the_newest_delivered_less_the_overlap() {
        let mut progress = Progress {
            newest_ingestion_ms: None,
            opened_ms: 50_000,
            ever_opened: true,
        };
        // nothing delivered: from when the session opened
        assert_eq!(progress.resume_from_ms(10_000), 40_000);
        progress.newest_ingestion_ms = Some(90_000);
        assert_eq!(progress.resume_from_ms(10_000), 80_000);
        // a later session that delivered nothing yet: from when it opened
        progress.opened_ms = 200_000;
        assert_eq!(progress.resume_from_ms(10_000), 190_000);
    }

    #[test]
    fn failures_wait_longer_each_time_up_to_a_bound() {
        assert_eq!(backoff(0), Duration::ZERO);
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }

    #[test]
    fn an_event_without_one_of_its_times_takes_the_other() {
        let known = [followed("g")];
        let event = LiveTailSessionLogEvent::builder()
            .log_stream_name("s")
            .message("m")
            .timestamp(5)
            .build();
        let live = live_event(&event, &known);
        assert_eq!(
            (live.group.as_str(), live.timestamp_ms, live.ingestion_ms),
            ("g", 5, 5)
        );
    }
}
