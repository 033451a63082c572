//! The bundled sample incident: two hours of a REST API whose report route times out, its
//! access log and its four functions' logs, written by shared/bench/gen.py (samples/README.md).

pub const SAMPLE: [(&str, &[u8]); 5] = [
    (
        "sample/apigw-access.jsonl",
        include_bytes!("../../samples/orders-api-incident/apigw-access.jsonl"),
    ),
    (
        "sample/lambda-orders-fn.log",
        include_bytes!("../../samples/orders-api-incident/lambda-orders-fn.log"),
    ),
    (
        "sample/lambda-payments-fn.log",
        include_bytes!("../../samples/orders-api-incident/lambda-payments-fn.log"),
    ),
    (
        "sample/lambda-process-fn.log",
        include_bytes!("../../samples/orders-api-incident/lambda-process-fn.log"),
    ),
    (
        "sample/lambda-reports-fn.log",
        include_bytes!("../../samples/orders-api-incident/lambda-reports-fn.log"),
    ),
];

/// The sample's size, for the progress bar.
pub fn total_bytes() -> u64 {
    SAMPLE.iter().map(|(_, bytes)| bytes.len() as u64).sum()
}
