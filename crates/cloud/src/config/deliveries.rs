//! A REST stage's execution log delivered through CloudWatch Logs (since September 2026): a
//! delivery source of log type `EXECUTION_LOGS` whose resource is the stage, linked by a
//! delivery to a destination that is a log group of the user's. API Gateway then writes
//! there instead of `API-Gateway-Execution-Logs_{restApiId}/{stage}`, and writes to that
//! group again once the delivery is deleted (API Gateway guide, rest-api-create-log-delivery
//! and rest-api-delete-log-delivery).
//!
//! The guide documents these deliveries for REST APIs only, with the source's resource
//! `arn:aws:apigateway:{region}:{account-id}:/restapis/{rest-api-id}/stages/{stage-name}`;
//! it says nothing of WebSocket stages, so none is looked for there.

use aws_sdk_cloudwatchlogs::types::DeliveryDestinationType;
use aws_sdk_cloudwatchlogs::Client;

use super::actions::{DESCRIBE_DELIVERIES, DESCRIBE_DELIVERY_SOURCES, GET_DELIVERY_DESTINATION};
use super::{failed, log_group_of};
use crate::{Connection, Error};

/// The log type of an API Gateway execution log's delivery source.
const EXECUTION_LOGS: &str = "EXECUTION_LOGS";

/// Where CloudWatch Logs deliveries take a stage's execution log.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Delivered {
    /// No delivery: the standard group.
    Nowhere,
    /// To this log group.
    Group(String),
    /// Only to destinations of these types (`S3`, `FH`), which Ceiling does not read.
    Elsewhere(Vec<String>),
}

/// Where the execution log of stage `stage` of REST API `api_id` is delivered, as CloudWatch
/// Logs deliveries say.
pub(super) async fn delivered(
    connection: &Connection,
    api_id: &str,
    stage: &str,
) -> Result<Delivered, Error> {
    let client = Client::new(&connection.sdk);
    let mut sources = Vec::new();
    let mut pages = client.describe_delivery_sources().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            failed(
                connection,
                DESCRIBE_DELIVERY_SOURCES,
                || "delivery sources".to_owned(),
                e,
            )
        })?;
        sources.extend(
            page.delivery_sources()
                .iter()
                .filter(|s| s.log_type() == Some(EXECUTION_LOGS))
                .filter(|s| {
                    s.resource_arns()
                        .iter()
                        .any(|arn| is_stage_resource(arn, connection.region(), api_id, stage))
                })
                .filter_map(|s| s.name().map(str::to_owned)),
        );
    }
    if sources.is_empty() {
        return Ok(Delivered::Nowhere);
    }
    let mut destinations = Vec::new();
    let mut elsewhere: Vec<String> = Vec::new();
    let mut pages = client.describe_deliveries().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            failed(
                connection,
                DESCRIBE_DELIVERIES,
                || "deliveries".to_owned(),
                e,
            )
        })?;
        let ours = page.deliveries().iter().filter(|d| {
            d.delivery_source_name()
                .is_some_and(|name| sources.iter().any(|s| s == name))
        });
        for delivery in ours {
            match delivery.delivery_destination_type() {
                // to a log group, or a type not said: its destination tells
                None | Some(DeliveryDestinationType::Cwl) => destinations.extend(
                    delivery
                        .delivery_destination_arn()
                        .and_then(destination_name)
                        .map(str::to_owned),
                ),
                Some(other) => elsewhere.push(other.as_str().to_owned()),
            }
        }
    }
    for name in destinations {
        let answer = client
            .get_delivery_destination()
            .name(&name)
            .send()
            .await
            .map_err(|e| {
                failed(
                    connection,
                    GET_DELIVERY_DESTINATION,
                    || format!("delivery destination {name}"),
                    e,
                )
            })?;
        let group = answer
            .delivery_destination()
            .and_then(|d| d.delivery_destination_configuration())
            .and_then(|c| log_group_of(c.destination_resource_arn()));
        if let Some(group) = group {
            return Ok(Delivered::Group(group));
        }
    }
    elsewhere.sort();
    elsewhere.dedup();
    Ok(if elsewhere.is_empty() {
        Delivered::Nowhere
    } else {
        Delivered::Elsewhere(elsewhere)
    })
}

/// Whether `arn` names stage `stage` of REST API `api_id` in `region`, as a delivery source's
/// resource: `arn:PARTITION:apigateway:REGION:ACCOUNT:/restapis/ID/stages/STAGE`.
fn is_stage_resource(arn: &str, region: &str, api_id: &str, stage: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "apigateway", in_region, _, resource] => {
            *in_region == region && *resource == format!("/restapis/{api_id}/stages/{stage}")
        }
        _ => false,
    }
}

/// The name of a delivery destination from its ARN,
/// `arn:PARTITION:logs:REGION:ACCOUNT:delivery-destination:NAME`, which GetDeliveryDestination
/// takes.
fn destination_name(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "logs", _, _, "delivery-destination", name] if !name.is_empty() => Some(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_source_names_its_stage_as_the_guide_documents() {
        let arn = "arn:aws:apigateway:eu-west-1:123456789012:/restapis/a1b2c3/stages/prod";
        assert!(is_stage_resource(arn, "eu-west-1", "a1b2c3", "prod"));
        assert!(!is_stage_resource(arn, "eu-west-1", "a1b2c3", "dev"));
        assert!(!is_stage_resource(arn, "us-east-1", "a1b2c3", "prod"));
        assert!(!is_stage_resource(arn, "eu-west-1", "other", "prod"));
        // a stage whose name begins like another's
        assert!(!is_stage_resource(
            "arn:aws:apigateway:eu-west-1:1:/restapis/a1b2c3/stages/prod2",
            "eu-west-1",
            "a1b2c3",
            "prod"
        ));
        assert!(is_stage_resource(
            "arn:aws-cn:apigateway:cn-north-1:1:/restapis/a1b2c3/stages/prod",
            "cn-north-1",
            "a1b2c3",
            "prod"
        ));
        assert!(!is_stage_resource(
            "arn:aws:cloudfront::1:distribution/E1",
            "eu-west-1",
            "a1b2c3",
            "prod"
        ));
    }

    #[test]
    fn a_delivery_names_its_destination() {
        assert_eq!(
            destination_name("arn:aws:logs:eu-west-1:123456789012:delivery-destination:exec"),
            Some("exec")
        );
        assert_eq!(
            destination_name("arn:aws:logs:eu-west-1:1:log-group:exec"),
            None
        );
    }
}
