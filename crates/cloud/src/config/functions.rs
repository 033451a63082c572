//! The Lambda functions behind a stage's integrations: timeout, memory, runtime,
//! architecture, SnapStart, reserved and provisioned concurrency, and where they log.

use aws_sdk_lambda::types::SnapStartApplyOn;
use aws_sdk_lambda::Client;
use ceiling_engine::{ConfigNote, FunctionConfig, FunctionRef, RouteConfig};

use super::actions::{
    GET_FUNCTION_CONCURRENCY, GET_FUNCTION_CONFIGURATION, LIST_PROVISIONED_CONCURRENCY,
};
use super::{failed, piece};
use crate::{Connection, Error};

/// Each function the routes invoke, once per alias or version, in name order. A function
/// that cannot be read is a note; so is a concurrency setting that cannot.
pub(super) async fn read(
    connection: &Connection,
    routes: &[RouteConfig],
    notes: &mut Vec<ConfigNote>,
) -> Result<Vec<FunctionConfig>, Error> {
    let mut wanted: Vec<&FunctionRef> = routes
        .iter()
        .filter_map(|r| r.integration.as_ref()?.function.as_ref())
        .collect();
    wanted.sort_by(|a, b| (&a.name, &a.qualifier).cmp(&(&b.name, &b.qualifier)));
    wanted.dedup_by(|a, b| a.name == b.name && a.qualifier == b.qualifier);
    let client = Client::new(&connection.sdk);
    let mut functions = Vec::new();
    for function in wanted {
        if let Some(config) = piece(
            one(connection, &client, function, notes).await,
            &subject(function),
            "its configuration",
            notes,
        )? {
            functions.push(config);
        }
    }
    Ok(functions)
}

/// `name` or `name:qualifier`, as a note names a function.
fn subject(function: &FunctionRef) -> String {
    match &function.qualifier {
        Some(qualifier) => format!("function {}:{qualifier}", function.name),
        None => format!("function {}", function.name),
    }
}

async fn one(
    connection: &Connection,
    client: &Client,
    function: &FunctionRef,
    notes: &mut Vec<ConfigNote>,
) -> Result<FunctionConfig, Error> {
    // The ARN without its qualifier: the function may be in another account.
    let unqualified = match &function.qualifier {
        Some(qualifier) => function
            .arn
            .strip_suffix(&format!(":{qualifier}"))
            .unwrap_or(&function.arn),
        None => &function.arn,
    };
    let what = || subject(function);
    let config = client
        .get_function_configuration()
        .function_name(unqualified)
        .set_qualifier(function.qualifier.clone())
        .send()
        .await
        .map_err(|e| failed(connection, GET_FUNCTION_CONFIGURATION, what, e))?;
    let reserved = client
        .get_function_concurrency()
        .function_name(unqualified)
        .send()
        .await
        .map(|answer| answer.reserved_concurrent_executions())
        .map_err(|e| failed(connection, GET_FUNCTION_CONCURRENCY, what, e));
    let reserved = piece(reserved, &what(), "its reserved concurrency", notes)?.flatten();
    // Provisioned concurrency belongs to an alias or a version, never to $LATEST.
    let provisioned = match function.qualifier.as_deref() {
        None | Some("$LATEST") => None,
        Some(qualifier) => {
            let answer = provisioned_concurrency(client, unqualified, &function.name, qualifier)
                .await
                .map_err(|e| failed(connection, LIST_PROVISIONED_CONCURRENCY, what, e));
            piece(answer, &what(), "its provisioned concurrency", notes)?.flatten()
        }
    };
    let logging = config.logging_config();
    Ok(FunctionConfig {
        name: function.name.clone(),
        qualifier: function.qualifier.clone(),
        timeout_ms: u64::try_from(config.timeout().unwrap_or(3)).unwrap_or(0) * 1000,
        memory_mb: config.memory_size().and_then(|m| u32::try_from(m).ok()),
        runtime: config.runtime().map(|r| r.as_str().to_owned()),
        architecture: config
            .architectures()
            .first()
            .map(|a| a.as_str().to_owned()),
        snap_start: config
            .snap_start()
            .and_then(|s| s.apply_on())
            .is_some_and(|on| *on == SnapStartApplyOn::PublishedVersions),
        reserved_concurrency: reserved.and_then(|r| u32::try_from(r).ok()),
        provisioned_concurrency: provisioned.and_then(|p| u32::try_from(p).ok()),
        log_group: logging
            .and_then(|l| l.log_group())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("/aws/lambda/{}", function.name)),
        log_format: logging
            .and_then(|l| l.log_format())
            .map(|f| f.as_str().to_owned())
            .unwrap_or_else(|| "Text".to_owned()),
    })
}

/// The provisioned concurrency allocated to `name:qualifier`, from the function's list of
/// them (ListProvisionedConcurrencyConfigs: one entry per alias or version that has any);
/// `None` where that alias or version has none.
async fn provisioned_concurrency(
    client: &Client,
    unqualified: &str,
    name: &str,
    qualifier: &str,
) -> Result<
    Option<i32>,
    aws_sdk_lambda::error::SdkError<
        aws_sdk_lambda::operation::list_provisioned_concurrency_configs::ListProvisionedConcurrencyConfigsError,
        aws_sdk_lambda::config::http::HttpResponse,
    >,
>{
    let ours = format!(":function:{name}:{qualifier}");
    let mut pages = client
        .list_provisioned_concurrency_configs()
        .function_name(unqualified)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let found = page?
            .provisioned_concurrency_configs()
            .iter()
            .find(|c| c.function_arn().is_some_and(|arn| arn.ends_with(&ours)))
            .map(|c| {
                c.allocated_provisioned_concurrent_executions()
                    .or(c.requested_provisioned_concurrent_executions())
            });
        if let Some(found) = found {
            return Ok(found);
        }
    }
    Ok(None)
}
