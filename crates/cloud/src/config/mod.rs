//! The API's own configuration, read with read-only calls: the REST, HTTP and WebSocket APIs
//! of an account and region with their stages ([`list_apis`]), and for one stage
//! ([`read_stage`]) where its access and execution logs go and in which format, each route's
//! integration with its timeout, and the Lambda functions behind them.
//!
//! A piece that cannot be read (a call denied, a call the endpoint does not implement)
//! becomes a [`ConfigNote`] naming what is missing; the rest is still read. Only what stops
//! every call (credentials, the network) or an API or stage that does not exist fails the
//! reading.
//!
//! Modules: `rest` (API Gateway's REST APIs), `v2` (HTTP and WebSocket APIs, a service of
//! their own), `deliveries` (a REST stage's execution log delivered through CloudWatch Logs),
//! `functions` (Lambda); the pure pieces (ARNs and URIs) are here.

mod deliveries;
mod functions;
mod rest;
mod v2;

use aws_sdk_cloudwatchlogs::config::http::HttpResponse;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use ceiling_engine::{ApiSummary, ConfigNote, FunctionRef, StageConfig};

use crate::{Connection, Error};

/// The APIs of the connection's account and region, REST first then HTTP and WebSocket,
/// each kind in name order, with their stages.
pub async fn list_apis(connection: &Connection) -> Result<Vec<ApiSummary>, Error> {
    let mut apis = rest::list(connection).await?;
    apis.extend(v2::list(connection).await?);
    Ok(apis)
}

/// The configuration of `stage` of the API `api_id` (REST, HTTP or WebSocket).
pub async fn read_stage(
    connection: &Connection,
    api_id: &str,
    stage: &str,
) -> Result<StageConfig, Error> {
    let mut config = match rest::read(connection, api_id, stage).await? {
        Some(config) => config,
        None => v2::read(connection, api_id, stage).await?,
    };
    config.functions = functions::read(connection, &config.routes, &mut config.notes).await?;
    Ok(config)
}

/// The detail of an [`Error::Request`] for a call the endpoint does not implement.
const UNSUPPORTED: &str = "not supported by this endpoint";

/// An SDK error as discovery reports it: a missing API, stage or function is
/// [`Error::NotFound`] with `what`; an answer that is no AWS error at all (no error code, a
/// 404 or 501: a local endpoint without this call) is [`UNSUPPORTED`]; the rest as
/// [`Connection::classify`] says.
fn failed<E>(
    connection: &Connection,
    action: &'static str,
    what: impl FnOnce() -> String,
    error: SdkError<E, HttpResponse>,
) -> Error
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    let unsupported = error.code().is_none()
        && error
            .raw_response()
            .is_some_and(|r| matches!(r.status().as_u16(), 404 | 501));
    match error.code() {
        Some("NotFoundException" | "ResourceNotFoundException") => Error::NotFound { what: what() },
        _ if unsupported => Error::Request {
            action,
            detail: UNSUPPORTED.to_owned(),
        },
        _ => connection.classify(action, None, error),
    }
}

/// Why a piece could not be read, in a few words: the permission missing, a call the
/// endpoint does not have, or the error as it says itself.
fn reason(error: &Error) -> String {
    match error {
        Error::AccessDenied { action, .. } => format!("the credentials may not call {action}"),
        Error::Request { action, detail } if detail == UNSUPPORTED => {
            format!("this endpoint does not support {action}")
        }
        error => error.to_string(),
    }
}

/// A piece of the configuration: its value, or `None` and a note on `subject` saying that
/// `what` could not be read, and why, in one sentence. What stops every call (credentials,
/// the network) is not a piece's failure: it is returned.
fn piece<T>(
    result: Result<T, Error>,
    subject: &str,
    what: &str,
    notes: &mut Vec<ConfigNote>,
) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(
            error @ (Error::Credentials { .. }
            | Error::NoCredentials { .. }
            | Error::Network { .. }
            | Error::MfaRequired { .. }
            | Error::MfaRefused { .. }
            | Error::NoRegion { .. }
            | Error::Cancelled),
        ) => Err(error),
        Err(error) => {
            notes.push(ConfigNote {
                subject: subject.to_owned(),
                detail: format!("{what} could not be read: {}", reason(&error)),
            });
            Ok(None)
        }
    }
}

/// The log group an access-log destination names (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME`,
/// with or without a trailing `:*`); `None` for another destination (a Firehose stream).
pub fn log_group_of(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "logs", _, _, "log-group", name] => {
            let name = name.strip_suffix(":*").unwrap_or(name);
            (!name.is_empty()).then(|| name.to_owned())
        }
        _ => None,
    }
}

/// The Lambda function an integration URI invokes: a REST integration's
/// `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/ARN/invocations`, or an HTTP
/// API's function ARN itself; `${stageVariables.NAME}` is replaced by the stage's value.
pub fn function_of(uri: &str, variables: &[(String, String)]) -> Option<FunctionRef> {
    let mut uri = uri.to_owned();
    for (name, value) in variables {
        uri = uri.replace(&format!("${{stageVariables.{name}}}"), value);
    }
    uri.match_indices("arn:").find_map(|(start, _)| {
        let arn = uri[start..].split('/').next().unwrap_or_default();
        let parts: Vec<&str> = arn.split(':').collect();
        match parts.as_slice() {
            ["arn", _, "lambda", _, _, "function", name, rest @ ..] if !name.is_empty() => {
                let qualifier = match rest {
                    [] => None,
                    [qualifier] => Some((*qualifier).to_owned()),
                    _ => return None,
                };
                Some(FunctionRef {
                    name: (*name).to_owned(),
                    qualifier,
                    arn: arn.to_owned(),
                })
            }
            _ => None,
        }
    })
}

/// The permission a read needs, in IAM's words, for a note or an error.
mod actions {
    pub const APIGATEWAY_GET: &str = "apigateway:GET";
    pub const GET_FUNCTION_CONFIGURATION: &str = "lambda:GetFunctionConfiguration";
    pub const GET_FUNCTION_CONCURRENCY: &str = "lambda:GetFunctionConcurrency";
    pub const LIST_PROVISIONED_CONCURRENCY: &str = "lambda:ListProvisionedConcurrencyConfigs";
    pub const DESCRIBE_DELIVERY_SOURCES: &str = "logs:DescribeDeliverySources";
    pub const DESCRIBE_DELIVERIES: &str = "logs:DescribeDeliveries";
    pub const GET_DELIVERY_DESTINATION: &str = "logs:GetDeliveryDestination";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_access_log_destination_names_its_group() {
        assert_eq!(
            log_group_of("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/apigw/orders:*")
                .as_deref(),
            Some("/aws/apigw/orders")
        );
        assert_eq!(
            log_group_of("arn:aws:logs:eu-west-1:123456789012:log-group:access").as_deref(),
            Some("access")
        );
        assert_eq!(
            log_group_of(
                "arn:aws:firehose:eu-west-1:123456789012:deliverystream/amazon-apigateway-x"
            ),
            None
        );
    }

    #[test]
    fn an_integration_uri_names_its_function_and_qualifier() {
        let rest = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/\
                    arn:aws:lambda:eu-west-1:123456789012:function:reports-fn:live/invocations";
        let function = function_of(rest, &[]).unwrap();
        assert_eq!(function.name, "reports-fn");
        assert_eq!(function.qualifier.as_deref(), Some("live"));
        assert_eq!(
            function.arn,
            "arn:aws:lambda:eu-west-1:123456789012:function:reports-fn:live"
        );
        let http = "arn:aws:lambda:eu-west-1:123456789012:function:orders-fn";
        let function = function_of(http, &[]).unwrap();
        assert_eq!(
            (function.name.as_str(), function.qualifier),
            ("orders-fn", None)
        );
        let variable = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/\
                        arn:aws:lambda:eu-west-1:1:function:f:${stageVariables.alias}/invocations";
        let stage = [("alias".to_owned(), "7".to_owned())];
        assert_eq!(
            function_of(variable, &stage).unwrap().qualifier.as_deref(),
            Some("7")
        );
        assert_eq!(function_of("https://example.com/orders", &[]), None);
    }

    #[test]
    fn a_denied_piece_is_a_note_and_a_lost_network_is_an_error() {
        let mut notes = Vec::new();
        let what = "its provisioned concurrency";
        let denied: Result<u32, Error> = Err(Error::AccessDenied {
            action: actions::LIST_PROVISIONED_CONCURRENCY,
            group: None,
        });
        assert_eq!(piece(denied, "reports-fn", what, &mut notes).unwrap(), None);
        assert_eq!(notes[0].subject, "reports-fn");
        assert_eq!(
            notes[0].detail,
            "its provisioned concurrency could not be read: the credentials may not call \
             lambda:ListProvisionedConcurrencyConfigs"
        );
        let unsupported: Result<u32, Error> = Err(Error::Request {
            action: actions::LIST_PROVISIONED_CONCURRENCY,
            detail: UNSUPPORTED.to_owned(),
        });
        assert_eq!(
            piece(unsupported, "reports-fn", what, &mut notes).unwrap(),
            None
        );
        assert_eq!(
            notes[1].detail,
            "its provisioned concurrency could not be read: this endpoint does not support \
             lambda:ListProvisionedConcurrencyConfigs"
        );
        let lost: Result<u32, Error> = Err(Error::Network {
            detail: "reset".to_owned(),
        });
        assert!(piece(lost, "reports-fn", what, &mut notes).is_err());
        assert_eq!(notes.len(), 2);
    }
}
