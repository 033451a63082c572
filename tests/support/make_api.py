"""Creates, in a moto server, the APIs tests/config.rs discovers: a REST API whose routes
invoke Lambda functions with their own integration timeouts, a stage with access logging,
execution logging and X-Ray, and an HTTP API with a route and a stage. boto3 only, as a user's
infrastructure code would make them, independent of the code under test.

Usage: make_api.py ENDPOINT REGION; prints the ids as JSON."""

import io
import json
import sys
import zipfile

import boto3

endpoint, region = sys.argv[1], sys.argv[2]
session = boto3.Session(
    aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
)


def client(name):
    return session.client(name, endpoint_url=endpoint)


iam, lam, apigw, apigw2 = (client(n) for n in ("iam", "lambda", "apigateway", "apigatewayv2"))
logs = client("logs")

role = iam.create_role(
    RoleName="fn-role",
    AssumeRolePolicyDocument=json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    ),
)["Role"]["Arn"]

code = io.BytesIO()
with zipfile.ZipFile(code, "w") as archive:
    archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")


def function(name, timeout, memory, architecture):
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
        Timeout=timeout,
        MemorySize=memory,
        Architectures=[architecture],
    )["FunctionArn"]


# reports-fn outlives its route's 10 s integration timeout; orders-fn does not.
reports = function("reports-fn", 30, 512, "arm64")
orders = function("orders-fn", 5, 128, "x86_64")
version = lam.publish_version(FunctionName="reports-fn")["Version"]
lam.create_alias(FunctionName="reports-fn", Name="live", FunctionVersion=version)
lam.put_function_concurrency(FunctionName="orders-fn", ReservedConcurrentExecutions=5)


def invocation(arn):
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"


rest = apigw.create_rest_api(name="orders-api")["id"]
root = next(r["id"] for r in apigw.get_resources(restApiId=rest)["items"] if r["path"] == "/")
reports_resource = apigw.create_resource(restApiId=rest, parentId=root, pathPart="reports")["id"]
orders_resource = apigw.create_resource(restApiId=rest, parentId=root, pathPart="orders")["id"]
order_resource = apigw.create_resource(restApiId=rest, parentId=orders_resource, pathPart="{id}")[
    "id"
]
for resource, method, uri, timeout in [
    (reports_resource, "POST", invocation(reports + ":live"), 10_000),
    (order_resource, "GET", invocation(orders), None),
]:
    apigw.put_method(
        restApiId=rest, resourceId=resource, httpMethod=method, authorizationType="NONE"
    )
    extra = {"timeoutInMillis": timeout} if timeout else {}
    apigw.put_integration(
        restApiId=rest,
        resourceId=resource,
        httpMethod=method,
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=uri,
        **extra,
    )
# a route that calls no function
apigw.put_method(restApiId=rest, resourceId=orders_resource, httpMethod="GET", authorizationType="NONE")
apigw.put_integration(restApiId=rest, resourceId=orders_resource, httpMethod="GET", type="MOCK")

# everything the analysis reads but $context.error.responseType
access_format = (
    '{"requestId":"$context.requestId","requestTimeEpoch":"$context.requestTimeEpoch",'
    '"status":"$context.status","httpMethod":"$context.httpMethod",'
    '"resourcePath":"$context.resourcePath","responseLatency":"$context.responseLatency",'
    '"integrationLatency":"$context.integrationLatency"}'
)
logs.create_log_group(logGroupName="/aws/apigateway/orders-access")
group_arn = f"arn:aws:logs:{region}:123456789012:log-group:/aws/apigateway/orders-access"
apigw.create_deployment(restApiId=rest, stageName="prod")
apigw.update_stage(
    restApiId=rest,
    stageName="prod",
    patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": group_arn},
        {"op": "replace", "path": "/accessLogSettings/format", "value": access_format},
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"},
        {"op": "replace", "path": "/tracingEnabled", "value": "true"},
    ],
)
apigw.create_deployment(restApiId=rest, stageName="dev")

http = apigw2.create_api(Name="shop-api", ProtocolType="HTTP")["ApiId"]
integration = apigw2.create_integration(
    ApiId=http,
    IntegrationType="AWS_PROXY",
    IntegrationUri=orders,
    PayloadFormatVersion="2.0",
    TimeoutInMillis=8_000,
)["IntegrationId"]
apigw2.create_route(ApiId=http, RouteKey="GET /items", Target=f"integrations/{integration}")
apigw2.create_stage(
    ApiId=http,
    StageName="live",
    AccessLogSettings={
        "DestinationArn": f"arn:aws:logs:{region}:123456789012:log-group:shop-access:*",
        "Format": "$context.requestId $context.routeKey $context.status",
    },
)

print(json.dumps({"rest": rest, "http": http}))
