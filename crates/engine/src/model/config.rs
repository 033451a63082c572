//! The configuration of one API stage as read from the account (`ceiling config`): where its
//! logs go and in which format, each route's integration and its timeout, and the functions
//! behind them. Plain serialisable values, saved to a file and applied to an analysis
//! offline; the cloud crate fills them, the engine reads them.

use serde::{Deserialize, Serialize};

use super::ApiKind;

/// An API of the account and region, with the names of its stages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSummary {
    pub id: String,
    pub name: String,
    pub kind: ApiKind,
    pub stages: Vec<String>,
}

/// One stage of an API, as configured: what `ceiling analyze --config` applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageConfig {
    pub api_id: String,
    pub api_name: String,
    pub kind: ApiKind,
    pub stage: String,
    pub region: String,
    /// `None`: the stage writes no access log.
    pub access_log: Option<AccessLogConfig>,
    /// REST and WebSocket stages only; `None` for an HTTP API.
    pub execution_log: Option<ExecutionLogConfig>,
    /// Whether X-Ray tracing is on for the stage (REST APIs; `None` where the API has no
    /// such setting).
    pub tracing: Option<bool>,
    /// Each route (`METHOD /resource`, or an HTTP or WebSocket API's route key) and its
    /// integration, in route order.
    pub routes: Vec<RouteConfig>,
    /// The functions behind the Lambda integrations, each once, in name order.
    pub functions: Vec<FunctionConfig>,
    /// What could not be read (a call denied, a call the endpoint does not implement): the
    /// configuration holds the rest.
    pub notes: Vec<ConfigNote>,
}

/// A stage's access-log settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLogConfig {
    /// The destination as configured (a log group ARN, or a Firehose stream's).
    pub destination_arn: String,
    /// The CloudWatch Logs group, when the destination is one.
    pub log_group: Option<String>,
    /// The format string (`$context.…` template).
    pub format: Option<String>,
}

/// A REST or WebSocket stage's execution logging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionLogConfig {
    /// `API-Gateway-Execution-Logs_{apiId}/{stage}`.
    pub log_group: String,
    /// `OFF`, `ERROR` or `INFO` for all methods (`*/*`); `None`: not set, which is off.
    pub logging_level: Option<String>,
    /// Full request and response data logged.
    pub data_trace: bool,
}

/// A route and what it calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteConfig {
    /// `METHOD /resource` (REST), the route key (HTTP, WebSocket), as the analysis names
    /// routes.
    pub route: String,
    /// `None`: the route has no integration.
    pub integration: Option<IntegrationConfig>,
}

/// A route's integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationConfig {
    /// `AWS_PROXY`, `AWS`, `HTTP_PROXY`, `HTTP`, `MOCK`.
    pub kind: String,
    /// The integration timeout: the ceiling of this route.
    pub timeout_ms: u64,
    /// Whether `timeout_ms` was read from the integration, rather than assumed from the
    /// service's default (an answer that leaves it out).
    pub timeout_set: bool,
    /// The function a Lambda integration invokes.
    pub function: Option<FunctionRef>,
}

/// A Lambda function as an integration names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionRef {
    pub name: String,
    /// The alias or version (`live`, `7`), when the ARN names one.
    pub qualifier: Option<String>,
    /// The function's ARN as the integration holds it.
    pub arn: String,
}

/// A function's configuration, for one alias or version where the integration names one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionConfig {
    pub name: String,
    pub qualifier: Option<String>,
    pub timeout_ms: u64,
    pub memory_mb: Option<u32>,
    pub runtime: Option<String>,
    pub architecture: Option<String>,
    /// SnapStart applied to published versions.
    pub snap_start: bool,
    /// `None`: no reserved concurrency (the account's unreserved pool).
    pub reserved_concurrency: Option<u32>,
    /// Provisioned concurrency of the alias or version: allocated environments; `None`:
    /// none configured or not read (a note says which).
    pub provisioned_concurrency: Option<u32>,
    /// Where its logs go: `/aws/lambda/NAME` unless its logging configuration says another.
    pub log_group: String,
    /// `Text` or `JSON`.
    pub log_format: String,
}

/// A piece of the configuration that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigNote {
    /// What it was about: a function, a route, the stage.
    pub subject: String,
    /// What went wrong, with the permission to add where one is missing.
    pub detail: String,
}

impl StageConfig {
    /// The configured route the analysis's `route` is: the same name, or the `ANY` method
    /// of its resource (a REST access log names the method of the request).
    pub fn route(&self, route: &str) -> Option<&RouteConfig> {
        let any = route
            .split_once(' ')
            .map(|(_, resource)| format!("ANY {resource}"));
        self.routes
            .iter()
            .find(|r| r.route == route)
            .or_else(|| self.routes.iter().find(|r| Some(&r.route) == any.as_ref()))
    }

    /// The ceiling of `route`: its integration's timeout, where the configuration knows
    /// the route.
    pub fn ceiling_of(&self, route: &str) -> Option<u64> {
        self.route(route)
            .and_then(|r| r.integration.as_ref())
            .map(|i| i.timeout_ms)
    }

    /// The configuration of the function called `name` (of any qualifier).
    pub fn function(&self, name: &str) -> Option<&FunctionConfig> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The log groups to read for this stage: the access log, the execution log where it
    /// is on, and each function's group, each once.
    pub fn log_groups(&self) -> Vec<String> {
        let mut groups = Vec::new();
        let mut add = |group: &str| {
            if !groups.iter().any(|g| g == group) {
                groups.push(group.to_owned());
            }
        };
        if let Some(group) = self
            .access_log
            .as_ref()
            .and_then(|a| a.log_group.as_deref())
        {
            add(group);
        }
        if let Some(execution) = &self.execution_log {
            if execution
                .logging_level
                .as_deref()
                .is_some_and(|l| l != "OFF")
            {
                add(&execution.log_group);
            }
        }
        for function in &self.functions {
            add(&function.log_group);
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage() -> StageConfig {
        let function = FunctionRef {
            name: "reports-fn".to_owned(),
            qualifier: Some("live".to_owned()),
            arn: "arn:aws:lambda:eu-west-1:123456789012:function:reports-fn:live".to_owned(),
        };
        StageConfig {
            api_id: "abc123".to_owned(),
            api_name: "orders".to_owned(),
            kind: ApiKind::Rest,
            stage: "prod".to_owned(),
            region: "eu-west-1".to_owned(),
            access_log: Some(AccessLogConfig {
                destination_arn: "arn:aws:logs:eu-west-1:123456789012:log-group:access".to_owned(),
                log_group: Some("access".to_owned()),
                format: None,
            }),
            execution_log: Some(ExecutionLogConfig {
                log_group: "API-Gateway-Execution-Logs_abc123/prod".to_owned(),
                logging_level: Some("OFF".to_owned()),
                data_trace: false,
            }),
            tracing: Some(false),
            routes: vec![RouteConfig {
                route: "ANY /reports".to_owned(),
                integration: Some(IntegrationConfig {
                    kind: "AWS_PROXY".to_owned(),
                    timeout_ms: 10_000,
                    timeout_set: true,
                    function: Some(function),
                }),
            }],
            functions: vec![FunctionConfig {
                name: "reports-fn".to_owned(),
                qualifier: Some("live".to_owned()),
                timeout_ms: 30_000,
                memory_mb: Some(512),
                runtime: Some("python3.12".to_owned()),
                architecture: Some("arm64".to_owned()),
                snap_start: false,
                reserved_concurrency: None,
                provisioned_concurrency: None,
                log_group: "access".to_owned(),
                log_format: "Text".to_owned(),
            }],
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_route_has_its_integrations_ceiling_and_groups_are_listed_once() {
        let stage = stage();
        assert_eq!(stage.ceiling_of("GET /reports"), Some(10_000));
        assert_eq!(stage.ceiling_of("ANY /reports"), Some(10_000));
        assert_eq!(stage.ceiling_of("GET /other"), None);
        assert_eq!(stage.function("reports-fn").unwrap().timeout_ms, 30_000);
        // the execution log is off, the function logs to the access group: one group
        assert_eq!(stage.log_groups(), ["access"]);
        let json = serde_json::to_string(&stage).unwrap();
        assert_eq!(serde_json::from_str::<StageConfig>(&json).unwrap(), stage);
    }
}
