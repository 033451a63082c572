//! A proxy on 127.0.0.1 in front of moto for the configuration calls moto cannot answer,
//! which it answers itself as the services document them; every other call goes to moto.
//!
//! - CloudWatch Logs deliveries (JSON protocol, `X-Amz-Target: Logs_20140328.*`):
//!   DescribeDeliverySources, DescribeDeliveries and GetDeliveryDestination. moto has them,
//!   but its PutDeliverySource refuses an API Gateway resource ("Cannot access provided
//!   service."), so no execution-log delivery can be made there.
//! - Lambda's ListProvisionedConcurrencyConfigs (`GET /2019-09-30/functions/NAME/
//!   provisioned-concurrency?List=ALL`), which moto lacks (it answers 404 with a page of
//!   HTML).
//!
//! Any of these can be refused instead with the AccessDeniedException a missing permission
//! gets, to test what a denied call leaves.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use serde_json::{json, Value};

use super::http::{read_request, respond};

/// What the proxy answers in place of moto.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// DeliverySource objects, as DescribeDeliverySources lists them.
    pub delivery_sources: Vec<Value>,
    /// Delivery objects, as DescribeDeliveries lists them.
    pub deliveries: Vec<Value>,
    /// DeliveryDestination objects, by name, as GetDeliveryDestination gives one.
    pub delivery_destinations: Vec<Value>,
    /// Per function name: its ProvisionedConcurrencyConfigListItem objects.
    pub provisioned: BTreeMap<String, Vec<Value>>,
    /// Operations refused with AccessDeniedException (`DescribeDeliveries`,
    /// `ListProvisionedConcurrencyConfigs`, ...).
    pub denied: Vec<&'static str>,
}

pub struct ConfigProxy {
    port: u16,
}

impl ConfigProxy {
    pub fn start(upstream: u16, account: Account) -> ConfigProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let account = Arc::new(account);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let account = account.clone();
                std::thread::spawn(move || serve(client, upstream, &account));
            }
        });
        ConfigProxy { port }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// The operation a request is, where the proxy answers it itself.
fn operation(head: &str) -> Option<&'static str> {
    let target = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("x-amz-target")
            .then(|| value.trim())
    });
    if let Some(target) = target {
        return [
            "DescribeDeliverySources",
            "DescribeDeliveries",
            "GetDeliveryDestination",
        ]
        .into_iter()
        .find(|op| target == format!("Logs_20140328.{op}"));
    }
    let path = head.lines().next()?.split(' ').nth(1)?;
    (path.starts_with("/2019-09-30/functions/")
        && path.contains("/provisioned-concurrency?")
        && path.contains("List=ALL"))
    .then_some("ListProvisionedConcurrencyConfigs")
}

fn serve(mut client: TcpStream, upstream: u16, account: &Account) {
    while let Some((head, body)) = read_request(&mut client) {
        let Some(op) = operation(&head) else {
            let answer = forward(upstream, &head, &body);
            if client.write_all(&answer).is_err() {
                return;
            }
            continue;
        };
        if account.denied.contains(&op) {
            let service = if op.starts_with("List") {
                "lambda"
            } else {
                "logs"
            };
            let message = format!(
                "User: arn:aws:iam::123456789012:user/ceiling is not authorized to perform: \
                 {service}:{op}"
            );
            respond(
                &mut client,
                "403 Forbidden",
                Some("AccessDeniedException"),
                &json!({ "__type": "AccessDeniedException", "message": message }).to_string(),
            );
            continue;
        }
        let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let answer = match op {
            "DescribeDeliverySources" => json!({ "deliverySources": account.delivery_sources }),
            "DescribeDeliveries" => json!({ "deliveries": account.deliveries }),
            "GetDeliveryDestination" => {
                let name = request["name"].as_str().unwrap_or_default();
                match account
                    .delivery_destinations
                    .iter()
                    .find(|d| d["name"] == name)
                {
                    Some(destination) => json!({ "deliveryDestination": destination }),
                    None => {
                        respond(
                            &mut client,
                            "400 Bad Request",
                            Some("ResourceNotFoundException"),
                            r#"{"__type":"ResourceNotFoundException","message":"Requested Delivery Destination does not exist in this account."}"#,
                        );
                        continue;
                    }
                }
            }
            _ => {
                let path = head.lines().next().unwrap().split(' ').nth(1).unwrap();
                let name = decode(
                    path.trim_start_matches("/2019-09-30/functions/")
                        .split('/')
                        .next()
                        .unwrap(),
                );
                // a name, or an ARN that ends with it
                let name = name.rsplit(":function:").next().unwrap_or(&name);
                let configs = account.provisioned.get(name).cloned().unwrap_or_default();
                json!({ "ProvisionedConcurrencyConfigs": configs })
            }
        };
        respond(&mut client, "200 OK", None, &answer.to_string());
    }
}

/// A path segment, percent-decoded.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => {
                out.push(u8::from_str_radix(std::str::from_utf8(hex).unwrap(), 16).unwrap());
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// Sends the request to moto on a connection of its own and returns moto's answer, without
/// its `Connection: close`, so that the client keeps talking on this connection.
fn forward(upstream: u16, head: &str, body: &[u8]) -> Vec<u8> {
    let mut moto = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
    let mut head: Vec<&str> = head
        .lines()
        .filter(|line| {
            let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
            name != "connection"
        })
        .collect();
    head.push("Connection: close");
    moto.write_all(head.join("\r\n").as_bytes()).unwrap();
    moto.write_all(b"\r\n\r\n").unwrap();
    moto.write_all(body).unwrap();
    let mut answer = Vec::new();
    moto.read_to_end(&mut answer).unwrap();
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(answer.len(), |at| at + 4);
    let (answer_head, answer_body) = answer.split_at(split);
    let answer_head: String = String::from_utf8_lossy(answer_head)
        .lines()
        .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
        .map(|line| format!("{line}\r\n"))
        .collect();
    [answer_head.trim_end().as_bytes(), b"\r\n\r\n", answer_body].concat()
}
