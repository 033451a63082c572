//! What the fuzz targets share, and what the stable replay test
//! (crates/engine/tests/fuzz_corpus.rs) runs on every kept input: one function per target,
//! from arbitrary bytes to a finished analysis. A target passes when its function returns.

use std::io::Write;

use base64::Engine as _;
use ceiling_engine::{access_keys, Analysis, Analyzer, Settings, Template};
use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;

/// The console's REST JSON preset, with the latencies a 504 analysis reads.
pub const JSON_FORMAT: &str = r#"{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength", "responseLatency":"$context.responseLatency", "integrationLatency":"$context.integrationLatency", "errorType":"$context.error.responseType" }"#;
/// The console's REST CLF preset.
pub const CLF_FORMAT: &str = r#"$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId"#;
/// The console's REST CSV preset, with the integration latency appended.
pub const CSV_FORMAT: &str = "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.integrationLatency";
/// The console's REST XML preset.
pub const XML_FORMAT: &str = r#"<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> <responseLatency>$context.responseLatency</responseLatency> </request>"#;
/// The Serverless Framework's REST default: `key: value, key: value`.
pub const KV_FORMAT: &str = "requestId: $context.requestId, ip: $context.identity.sourceIp, caller: $context.identity.caller, user: $context.identity.user, requestTime: $context.requestTime, httpMethod: $context.httpMethod, resourcePath: $context.resourcePath, status: $context.status, protocol: $context.protocol, responseLength: $context.responseLength";

/// Reads `data` as one input with `settings` and finishes the analysis; the analysis must
/// serialise, as the CLI, the app and the report all serialise it.
fn analyze_with(settings: Settings, data: &[u8]) -> Analysis {
    let mut analyzer = Analyzer::new(settings);
    // An input may fail to read: what matters is that it neither panics nor hangs.
    let _ = analyzer.read("fuzz", data);
    let analysis = analyzer.finish();
    serde_json::to_vec(&analysis).expect("an analysis serialises");
    analysis
}

/// The whole analyzer on arbitrary bytes: every decoder, wrapping and line format it
/// recognises by content.
pub fn analyzer(data: &[u8]) {
    analyze_with(Settings::default(), data);
}

/// Arbitrary bytes as an access log written with the stage format `format`.
pub fn access(format: &str, data: &[u8]) {
    let template = Template::parse(format).expect("the fuzz targets' formats parse");
    let settings = Settings {
        access_format: Some(template),
        ..Settings::default()
    };
    analyze_with(settings, data);
}

/// A format string, then (after the first NUL byte) a log read with it when it parses;
/// and the whole input as a message whose access keys are looked for.
pub fn template(data: &[u8]) {
    let (format, log) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    if let Ok(template) = Template::parse(&String::from_utf8_lossy(format)) {
        let settings = Settings {
            access_format: Some(template),
            ..Settings::default()
        };
        analyze_with(settings, log);
    }
    let _ = access_keys(data);
}

/// The heads of Lambda lines that a control byte (1 to 8) at the start of a line stands
/// for, so that the fuzzer reaches the Lambda parsers past their first words.
const LAMBDA_HEADS: [&str; 8] = [
    "START RequestId: ",
    "END RequestId: ",
    "REPORT RequestId: ",
    "2024-05-01T10:00:00.000Z\t6bc28136-0000-4365-b5e7-3a3e1b7d1e1b\t",
    "INIT_START Runtime Version: ",
    "INIT_REPORT Init Duration: ",
    "{\"time\":\"2024-05-01T10:00:00.000Z\",\"type\":\"platform.report\",\"record\":",
    "2024-05-01T10:00:00.000Z 6bc28136-0000-4365-b5e7-3a3e1b7d1e1b Task timed out after ",
];

/// Lambda lines: each line that starts with a byte from 1 to 8 has it replaced by the
/// head it stands for; other lines are read as they are.
pub fn lambda_lines(data: &[u8]) {
    let mut log = Vec::with_capacity(data.len() + 64);
    for line in data.split_inclusive(|&b| b == b'\n') {
        match line.first() {
            Some(&b @ 1..=8) => {
                log.extend_from_slice(LAMBDA_HEADS[usize::from(b - 1)].as_bytes());
                log.extend_from_slice(&line[1..]);
            }
            _ => log.extend_from_slice(line),
        }
    }
    analyzer(&log);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The wrapped payloads: the first byte chooses how the rest is wrapped before the
/// analyzer reads it (a gzip file, a subscription event of base64 gzip or zlib, a Firehose
/// transformation event, a Kinesis record line), so that the fuzzer reaches the decoded
/// content, whose checksums it could not forge.
pub fn decoders(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let wrapped = match choice % 6 {
        0 => gzip(rest),
        1 => format!(r#"{{"awslogs":{{"data":"{}"}}}}"#, base64(&gzip(rest))).into_bytes(),
        2 => format!(r#"{{"awslogs":{{"data":"{}"}}}}"#, base64(&zlib(rest))).into_bytes(),
        3 => format!(
            r#"{{"invocationId":"i","records":[{{"recordId":"1","approximateArrivalTimestamp":1628770000000,"data":"{}"}}]}}"#,
            base64(&gzip(rest))
        )
        .into_bytes(),
        4 => format!(
            r#"{{"Records":[{{"kinesis":{{"partitionKey":"p","data":"{}"}}}}]}}"#,
            base64(&gzip(rest))
        )
        .into_bytes(),
        _ => gzip(&gzip(rest)),
    };
    analyzer(&wrapped);
}
