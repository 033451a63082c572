//! A stand-in for STS on 127.0.0.1 that checks MFA codes the way the real service does (moto
//! accepts any code, any number of times): AssumeRole with a `SerialNumber` needs a
//! six-digit `TokenCode`, and a code it has already accepted is refused with AccessDenied,
//! "MultiFactorAuthentication failed with invalid MFA one time pass code" (the answer real
//! STS gives a reused code: 1Password/shell-plugins#180). Granted credentials last
//! `DurationSeconds` (an hour by default), as the AssumeRole reference documents.

use std::collections::BTreeSet;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::http::read_request;

pub struct StsMfa {
    port: u16,
    /// AssumeRole calls answered with credentials, and refused.
    pub granted: Arc<AtomicUsize>,
    pub refused: Arc<AtomicUsize>,
}

impl StsMfa {
    /// Grants any role to the holder of the MFA device `serial`, once per code.
    pub fn start(serial: &'static str) -> StsMfa {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let granted = Arc::new(AtomicUsize::new(0));
        let refused = Arc::new(AtomicUsize::new(0));
        let spent: Arc<Mutex<BTreeSet<String>>> = Arc::default();
        let (g, r) = (granted.clone(), refused.clone());
        // A thread per connection: a client keeps its connection open between requests,
        // and another process's must not wait behind it.
        std::thread::spawn(move || {
            for mut client in listener.incoming().flatten() {
                let (g, r, spent) = (g.clone(), r.clone(), spent.clone());
                std::thread::spawn(move || {
                    while let Some((_, body)) = read_request(&mut client) {
                        let form = parse_form(&String::from_utf8_lossy(&body));
                        let field =
                            |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v);
                        if field("Action").map(String::as_str) != Some("AssumeRole") {
                            error(
                                &mut client,
                                "400 Bad Request",
                                "InvalidAction",
                                "only AssumeRole",
                            );
                            continue;
                        }
                        let code = field("TokenCode").cloned().unwrap_or_default();
                        let well_formed =
                            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
                        let fresh = well_formed && spent.lock().unwrap().insert(code);
                        if field("SerialNumber").map(String::as_str) != Some(serial) || !fresh {
                            r.fetch_add(1, Ordering::SeqCst);
                            error(
                            &mut client,
                            "403 Forbidden",
                            "AccessDenied",
                            "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
                        );
                            continue;
                        }
                        g.fetch_add(1, Ordering::SeqCst);
                        let lasts_s: i64 = field("DurationSeconds")
                            .and_then(|d| d.parse().ok())
                            .unwrap_or(3600);
                        let now_ms = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap()
                            .as_millis() as i64;
                        let expiration = ceiling_engine::format_utc(now_ms + lasts_s * 1000)
                            .replace(' ', "T")
                            .replace("TUTC", "Z");
                        let role = field("RoleArn").cloned().unwrap_or_default();
                        let session = field("RoleSessionName").cloned().unwrap_or_default();
                        answer(
                        &mut client,
                        "200 OK",
                        &format!(
                            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                             <AssumeRoleResult><AssumedRoleUser><Arn>{role}/{session}</Arn>\
                             <AssumedRoleId>AROAEXAMPLE:{session}</AssumedRoleId></AssumedRoleUser>\
                             <Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId>\
                             <SecretAccessKey>testing</SecretAccessKey>\
                             <SessionToken>mfa-session</SessionToken>\
                             <Expiration>{expiration}</Expiration></Credentials>\
                             </AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId>\
                             </ResponseMetadata></AssumeRoleResponse>"
                        ),
                    );
                    }
                });
            }
        });
        StsMfa {
            port,
            granted,
            refused,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// An `application/x-www-form-urlencoded` body, decoded.
fn parse_form(body: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let bytes = text.replace('+', " ").into_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match (bytes[i], bytes.get(i + 1..i + 3)) {
                (b'%', Some(hex)) => {
                    let hex = std::str::from_utf8(hex).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                }
                (byte, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        String::from_utf8(out).unwrap()
    };
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (decode(key), decode(value)))
        .collect()
}

/// An error in the shape of the AWS query protocol.
fn error(stream: &mut TcpStream, status: &str, code: &str, message: &str) {
    answer(
        stream,
        status,
        &format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
             <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
             <RequestId>1</RequestId></ErrorResponse>"
        ),
    );
}

fn answer(stream: &mut TcpStream, status: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
}
