//! A proxy on 127.0.0.1 in front of moto that spoils some FilterLogEvents calls the way the
//! real service and real networks do: a throttling answer, a 5xx, a connection dropped
//! halfway through a page, and an empty page that still carries a token, all of which a
//! fetch recovers from; or credentials that expire midway, which it does not.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use super::http::{read_request, respond};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the proxy does to the n-th FilterLogEvents call (0-based); the others pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Throttle,
    ServerError,
    DropMidway,
    EmptyPageWithToken,
    /// The credentials expired: refused, and refused again however often it is asked.
    ExpiredToken,
}

/// Which fault, if any, the n-th FilterLogEvents call gets.
type Schedule = Arc<dyn Fn(usize) -> Option<Fault> + Send + Sync>;

const SCHEDULE: [(usize, Fault); 4] = [
    (0, Fault::Throttle),
    (2, Fault::ServerError),
    (4, Fault::DropMidway),
    (6, Fault::EmptyPageWithToken),
];

/// The token the proxy hands out with its empty page.
const FAKE_TOKEN: &str = "ceiling-fault-proxy-empty-page";

pub struct FaultProxy {
    port: u16,
    /// FilterLogEvents calls seen, and faults injected.
    pub calls: Arc<AtomicUsize>,
    pub faults: Arc<AtomicUsize>,
}

impl FaultProxy {
    /// Each fault a fetch recovers from, once (see `SCHEDULE`).
    pub fn start(upstream: u16) -> FaultProxy {
        FaultProxy::with(
            upstream,
            Arc::new(|call| SCHEDULE.iter().find(|(n, _)| *n == call).map(|(_, f)| *f)),
        )
    }

    /// The first `calls` FilterLogEvents calls pass; every later one is refused with
    /// expired credentials, which no retry mends.
    pub fn expiring_after(upstream: u16, calls: usize) -> FaultProxy {
        FaultProxy::with(
            upstream,
            Arc::new(move |call| (call >= calls).then_some(Fault::ExpiredToken)),
        )
    }

    fn with(upstream: u16, schedule: Schedule) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let calls = Arc::new(AtomicUsize::new(0));
        let faults = Arc::new(AtomicUsize::new(0));
        // the token the empty page replaced, to put back when the client follows it
        let parked: Arc<Mutex<Option<Option<String>>>> = Arc::default();
        let (c, f) = (calls.clone(), faults.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (c, f, parked, schedule) =
                    (c.clone(), f.clone(), parked.clone(), schedule.clone());
                std::thread::spawn(move || serve(client, upstream, &c, &f, &parked, &*schedule));
            }
        });
        FaultProxy {
            port,
            calls,
            faults,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Sends the request to moto on a connection of its own and returns moto's whole answer.
fn forward(upstream: u16, head: &str, body: &[u8]) -> Vec<u8> {
    let mut moto = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
    let mut head: Vec<String> = head
        .lines()
        .filter(|line| {
            let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
            name != "connection" && name != "content-length"
        })
        .map(str::to_owned)
        .collect();
    head.push(format!("Content-Length: {}", body.len()));
    head.push("Connection: close".to_owned());
    moto.write_all(head.join("\r\n").as_bytes()).unwrap();
    moto.write_all(b"\r\n\r\n").unwrap();
    moto.write_all(body).unwrap();
    let mut answer = Vec::new();
    moto.read_to_end(&mut answer).unwrap();
    answer
}

fn serve(
    mut client: TcpStream,
    upstream: u16,
    calls: &AtomicUsize,
    faults: &AtomicUsize,
    parked: &Mutex<Option<Option<String>>>,
    schedule: &(dyn Fn(usize) -> Option<Fault> + Send + Sync),
) {
    while let Some((head, mut body)) = read_request(&mut client) {
        let filter = head.contains("Logs_20140328.FilterLogEvents");
        let fault = if filter {
            schedule(calls.fetch_add(1, Ordering::SeqCst))
        } else {
            None
        };
        if fault.is_some() {
            faults.fetch_add(1, Ordering::SeqCst);
        }
        match fault {
            Some(Fault::Throttle) => respond(
                &mut client,
                "400 Bad Request",
                Some("ThrottlingException"),
                r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            ),
            Some(Fault::ServerError) => respond(
                &mut client,
                "500 Internal Server Error",
                Some("ServiceUnavailableException"),
                r#"{"__type":"ServiceUnavailableException","message":"try again"}"#,
            ),
            Some(Fault::ExpiredToken) => respond(
                &mut client,
                "400 Bad Request",
                Some("ExpiredTokenException"),
                r#"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#,
            ),
            Some(Fault::DropMidway) => {
                let answer = forward(upstream, &head, &body);
                let _ = client.write_all(&answer[..answer.len() / 2]);
                return;
            }
            Some(Fault::EmptyPageWithToken) => {
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let token = request["nextToken"].as_str().map(str::to_owned);
                *parked.lock().unwrap() = Some(token);
                let page = serde_json::json!({ "events": [], "nextToken": FAKE_TOKEN });
                respond(&mut client, "200 OK", None, &page.to_string());
            }
            None => {
                if filter {
                    // following the empty page: ask moto for what that page stood in for
                    let mut request: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    if request["nextToken"] == FAKE_TOKEN {
                        match parked.lock().unwrap().take().flatten() {
                            Some(token) => request["nextToken"] = token.into(),
                            None => {
                                request.as_object_mut().unwrap().remove("nextToken");
                            }
                        }
                        body = request.to_string().into_bytes();
                    }
                }
                let answer = forward(upstream, &head, &body);
                // moto closes after its answer; the client may keep its connection
                let answer = keep_alive(answer);
                if client.write_all(&answer).is_err() {
                    return;
                }
            }
        }
    }
}

/// moto's answer with `Connection: close` taken out, so that the client keeps talking on
/// this connection.
fn keep_alive(answer: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.replace("Connection: close\r\n", "")
        .replace("connection: close\r\n", "")
        .into_bytes()
}
