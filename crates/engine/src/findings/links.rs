//! The AWS documentation the advice links to.

pub(super) const QUOTAS: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html";
pub(super) const TIMEOUT_RAISE: &str = "https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-integration-timeout-limit-29-seconds/";
pub(super) const HTTP_QUOTAS: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html";
pub(super) const WEBSOCKET_QUOTAS: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html";
pub(super) const XRAY: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enabling-xray.html";
pub(super) const ASYNC_INVOKE: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html";
pub(super) const STEP_FUNCTIONS: &str =
    "https://docs.aws.amazon.com/step-functions/latest/dg/welcome.html";
pub(super) const LAMBDA_TIMEOUT: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html";
pub(super) const LAMBDA_MEMORY: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html";
pub(super) const PROVISIONED: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html";
pub(super) const SNAPSTART: &str = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html";
pub(super) const PROXY_RESPONSE: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html";
pub(super) const CACHING: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html";
pub(super) const ACCESS_LOG_VARIABLES: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html";
pub(super) const HTTP_LOG_VARIABLES: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html";
pub(super) const TIMEOUT_504: &str = "https://repost.aws/knowledge-center/api-gateway-504-errors";
pub(super) const LAMBDA_SCALING: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html";
