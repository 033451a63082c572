//! The figures of an analysis that must not depend on where its logs came from (files,
//! a fetch, a watch), for tests that compare two readings of one incident.

use serde_json::{json, Value};

/// The figures that must not depend on where the logs came from.
pub fn figures(analysis: &Value) -> Value {
    let routes: Vec<Value> = analysis["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            json!([
                r["route"],
                r["requests"],
                r["timeouts"],
                r["p50_ms"],
                r["p95_ms"],
                r["p99_ms"],
                r["max_ms"]
            ])
        })
        .collect();
    let lambda = &analysis["lambda"];
    let findings: Vec<&Value> = analysis["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["id"])
        .collect();
    json!({
        "requests": analysis["requests"],
        "status": analysis["status"],
        "integration_timeouts": analysis["integration_timeouts"],
        "near_ceiling": analysis["near_ceiling"],
        "bad_gateway": analysis["bad_gateway"],
        "overall": analysis["overall"],
        "routes": routes,
        "lambda": [lambda["invocations"], lambda["cold_starts"], lambda["timeouts"],
            lambda["outlived_gateway"], lambda["gateway_timeouts_on_cold_start"],
            lambda["memory_pressure"]],
        "findings": findings,
    })
}
