//! REST APIs (API Gateway's first service): the APIs and their stages, and one stage's
//! access log, execution log, tracing and each resource method's integration.

use aws_sdk_apigateway::Client;
use ceiling_engine::{
    AccessLogConfig, ApiKind, ApiSummary, ConfigNote, ExecutionLogConfig, IntegrationConfig,
    RouteConfig, StageConfig, DEFAULT_CEILING_MS,
};

use super::actions::APIGATEWAY_GET;
use super::deliveries::{self, Delivered};
use super::{failed, function_of, log_group_of, piece};
use crate::{Connection, Error};

fn client(connection: &Connection) -> Client {
    Client::new(&connection.sdk)
}

/// The REST APIs, in name order, each with its stages.
pub(super) async fn list(connection: &Connection) -> Result<Vec<ApiSummary>, Error> {
    let client = client(connection);
    let mut pages = client.get_rest_apis().into_paginator().send();
    let mut apis = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| connection.classify(APIGATEWAY_GET, None, e))?;
        for api in page.items() {
            let id = api.id().unwrap_or_default().to_owned();
            let stages = client
                .get_stages()
                .rest_api_id(&id)
                .send()
                .await
                .map_err(|e| failed(connection, APIGATEWAY_GET, || format!("API {id}"), e))?;
            let mut stages: Vec<String> = stages
                .item()
                .iter()
                .filter_map(|s| s.stage_name().map(str::to_owned))
                .collect();
            stages.sort();
            apis.push(ApiSummary {
                name: api.name().unwrap_or_default().to_owned(),
                id,
                kind: ApiKind::Rest,
                stages,
            });
        }
    }
    apis.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(apis)
}

/// The configuration of a REST API's stage, functions left to read; `None` when no REST API
/// has this id (it may be an HTTP or WebSocket API's).
pub(super) async fn read(
    connection: &Connection,
    api_id: &str,
    stage_name: &str,
) -> Result<Option<StageConfig>, Error> {
    let client = client(connection);
    let api = match client.get_rest_api().rest_api_id(api_id).send().await {
        Ok(api) => api,
        Err(e) => {
            return match failed(connection, APIGATEWAY_GET, || format!("API {api_id}"), e) {
                Error::NotFound { .. } => Ok(None),
                error => Err(error),
            }
        }
    };
    let stage = client
        .get_stage()
        .rest_api_id(api_id)
        .stage_name(stage_name)
        .send()
        .await
        .map_err(|e| {
            failed(
                connection,
                APIGATEWAY_GET,
                || format!("stage {stage_name} of API {api_id}"),
                e,
            )
        })?;
    let access_log = stage.access_log_settings().and_then(|settings| {
        let destination = settings.destination_arn()?;
        Some(AccessLogConfig {
            destination_arn: destination.to_owned(),
            log_group: log_group_of(destination),
            format: settings.format().map(str::to_owned),
        })
    });
    // The settings of every method, `*/*`; a method's own settings are not read.
    let all = stage.method_settings().and_then(|m| m.get("*/*"));
    let mut execution_log = ExecutionLogConfig {
        log_group: format!("API-Gateway-Execution-Logs_{api_id}/{stage_name}"),
        logging_level: all.and_then(|s| s.logging_level()).map(str::to_owned),
        data_trace: all.is_some_and(|s| s.data_trace_enabled()),
    };
    let mut notes: Vec<ConfigNote> = Vec::new();
    // A delivery takes the execution log elsewhere; without logging on, there is none.
    if execution_log
        .logging_level
        .as_deref()
        .is_some_and(|level| level != "OFF")
    {
        let subject = format!("stage {stage_name}");
        match piece(
            deliveries::delivered(connection, api_id, stage_name).await,
            &subject,
            "the delivery of its execution log",
            &mut notes,
        )? {
            Some(Delivered::Group(group)) => execution_log.log_group = group,
            Some(Delivered::Elsewhere(kinds)) => notes.push(ConfigNote {
                subject,
                detail: format!(
                    "its execution log is delivered to {} only, which Ceiling does not read",
                    kinds.join(" and ")
                ),
            }),
            Some(Delivered::Nowhere) | None => {}
        }
    }
    let mut variables: Vec<(String, String)> = stage
        .variables()
        .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    variables.sort();
    let routes = piece(
        routes(connection, &client, api_id, &variables).await,
        &format!("API {api_id}"),
        "its routes",
        &mut notes,
    )?
    .unwrap_or_default();
    Ok(Some(StageConfig {
        api_id: api_id.to_owned(),
        api_name: api.name().unwrap_or_default().to_owned(),
        kind: ApiKind::Rest,
        stage: stage_name.to_owned(),
        region: connection.region().to_owned(),
        access_log,
        execution_log: Some(execution_log),
        tracing: Some(stage.tracing_enabled()),
        routes,
        functions: Vec::new(),
        notes,
    }))
}

/// Every resource method as `METHOD /path`, in name order, with its integration. These are
/// the API's resources as they are now, which the stage's deployment may predate.
async fn routes(
    connection: &Connection,
    client: &Client,
    api_id: &str,
    variables: &[(String, String)],
) -> Result<Vec<RouteConfig>, Error> {
    let mut pages = client
        .get_resources()
        .rest_api_id(api_id)
        .embed("methods")
        .into_paginator()
        .send();
    let mut routes = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| connection.classify(APIGATEWAY_GET, None, e))?;
        for resource in page.items() {
            let path = resource.path().unwrap_or("/");
            for (method, configured) in resource.resource_methods().into_iter().flatten() {
                let integration = configured.method_integration().map(|integration| {
                    let timeout = u64::try_from(integration.timeout_in_millis()).unwrap_or(0);
                    IntegrationConfig {
                        kind: integration
                            .r#type()
                            .map(|t| t.as_str().to_owned())
                            .unwrap_or_default(),
                        timeout_ms: if timeout > 0 {
                            timeout
                        } else {
                            DEFAULT_CEILING_MS
                        },
                        timeout_set: timeout > 0,
                        function: integration
                            .uri()
                            .and_then(|uri| function_of(uri, variables)),
                    }
                });
                routes.push(RouteConfig {
                    route: format!("{method} {path}"),
                    integration,
                });
            }
        }
    }
    routes.sort_by(|a, b| a.route.cmp(&b.route));
    Ok(routes)
}
