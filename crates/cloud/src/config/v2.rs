//! HTTP and WebSocket APIs (API Gateway V2, a service of its own): the APIs and their
//! stages, and one stage's access log, a WebSocket stage's execution log, and each route's
//! integration.

use std::collections::HashMap;

use aws_sdk_apigatewayv2::types::{Integration, ProtocolType};
use aws_sdk_apigatewayv2::Client;
use ceiling_engine::{
    AccessLogConfig, ApiKind, ApiSummary, ConfigNote, ExecutionLogConfig, IntegrationConfig,
    RouteConfig, StageConfig, DEFAULT_CEILING_MS, HTTP_API_CEILING_MS,
};

use super::actions::APIGATEWAY_GET;
use super::{failed, function_of, log_group_of, piece};
use crate::{Connection, Error};

fn client(connection: &Connection) -> Client {
    Client::new(&connection.sdk)
}

fn kind_of(protocol: Option<&ProtocolType>) -> ApiKind {
    match protocol {
        Some(ProtocolType::Websocket) => ApiKind::WebSocket,
        _ => ApiKind::Http,
    }
}

/// The HTTP and WebSocket APIs, in name order, each with its stages.
pub(super) async fn list(connection: &Connection) -> Result<Vec<ApiSummary>, Error> {
    let client = client(connection);
    let mut apis = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .get_apis()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| connection.classify(APIGATEWAY_GET, None, e))?;
        for api in page.items() {
            let id = api.api_id().unwrap_or_default().to_owned();
            let mut stages = stage_names(connection, &client, &id).await?;
            stages.sort();
            apis.push(ApiSummary {
                name: api.name().unwrap_or_default().to_owned(),
                id,
                kind: kind_of(api.protocol_type()),
                stages,
            });
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    apis.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(apis)
}

async fn stage_names(
    connection: &Connection,
    client: &Client,
    api_id: &str,
) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .get_stages()
            .api_id(api_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| failed(connection, APIGATEWAY_GET, || format!("API {api_id}"), e))?;
        names.extend(
            page.items()
                .iter()
                .filter_map(|s| s.stage_name().map(str::to_owned)),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(names);
        }
    }
}

/// The configuration of an HTTP or WebSocket API's stage, functions left to read.
pub(super) async fn read(
    connection: &Connection,
    api_id: &str,
    stage_name: &str,
) -> Result<StageConfig, Error> {
    let client = client(connection);
    let api = client
        .get_api()
        .api_id(api_id)
        .send()
        .await
        .map_err(|e| failed(connection, APIGATEWAY_GET, || format!("API {api_id}"), e))?;
    let kind = kind_of(api.protocol_type());
    let stage = client
        .get_stage()
        .api_id(api_id)
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
    // HTTP APIs write no execution log; WebSocket APIs do, as REST APIs do.
    let execution_log = (kind == ApiKind::WebSocket).then(|| {
        let defaults = stage.default_route_settings();
        ExecutionLogConfig {
            log_group: format!("API-Gateway-Execution-Logs_{api_id}/{stage_name}"),
            logging_level: defaults
                .and_then(|s| s.logging_level())
                .map(|l| l.as_str().to_owned()),
            data_trace: defaults.and_then(|s| s.data_trace_enabled()) == Some(true),
        }
    });
    let mut variables: Vec<(String, String)> = stage
        .stage_variables()
        .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    variables.sort();
    let mut notes: Vec<ConfigNote> = Vec::new();
    let routes = piece(
        routes(connection, &client, api_id, kind, &variables).await,
        &format!("API {api_id}"),
        "its routes",
        &mut notes,
    )?
    .unwrap_or_default();
    Ok(StageConfig {
        api_id: api_id.to_owned(),
        api_name: api.name().unwrap_or_default().to_owned(),
        kind,
        stage: stage_name.to_owned(),
        region: connection.region().to_owned(),
        access_log,
        execution_log,
        tracing: None,
        routes,
        functions: Vec::new(),
        notes,
    })
}

/// Every route by its route key, in name order, with the integration its target names.
async fn routes(
    connection: &Connection,
    client: &Client,
    api_id: &str,
    kind: ApiKind,
    variables: &[(String, String)],
) -> Result<Vec<RouteConfig>, Error> {
    let mut integrations: HashMap<String, Integration> = HashMap::new();
    let mut token = None;
    loop {
        let page = client
            .get_integrations()
            .api_id(api_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| connection.classify(APIGATEWAY_GET, None, e))?;
        for integration in page.items() {
            if let Some(id) = integration.integration_id() {
                integrations.insert(id.to_owned(), integration.clone());
            }
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let default_ms = match kind {
        ApiKind::Http => HTTP_API_CEILING_MS,
        _ => DEFAULT_CEILING_MS,
    };
    let mut routes = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .get_routes()
            .api_id(api_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| connection.classify(APIGATEWAY_GET, None, e))?;
        for route in page.items() {
            let integration = route
                .target()
                .and_then(|target| target.strip_prefix("integrations/"))
                .and_then(|id| integrations.get(id))
                .map(|integration| {
                    let set = integration
                        .timeout_in_millis()
                        .and_then(|ms| u64::try_from(ms).ok())
                        .filter(|&ms| ms > 0);
                    IntegrationConfig {
                        kind: integration
                            .integration_type()
                            .map(|t| t.as_str().to_owned())
                            .unwrap_or_default(),
                        timeout_ms: set.unwrap_or(default_ms),
                        timeout_set: set.is_some(),
                        function: integration
                            .integration_uri()
                            .and_then(|uri| function_of(uri, variables)),
                    }
                });
            routes.push(RouteConfig {
                route: route.route_key().unwrap_or_default().to_owned(),
                integration,
            });
        }
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    routes.sort_by(|a, b| a.route.cmp(&b.route));
    Ok(routes)
}
