//! A stand-in for the IAM Identity Center portal on 127.0.0.1 (moto serves no portal): it
//! answers GetRoleCredentials (`GET /federation/credentials?role_name=..&account_id=..` with
//! the cached access token in `x-amz-sso_bearer_token`) as the service documents it, for one
//! token, account and role, and refuses anything else as unauthorized.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::http::{read_request, respond};

pub struct SsoPortal {
    port: u16,
    /// GetRoleCredentials calls answered with credentials.
    pub granted: Arc<AtomicUsize>,
}

impl SsoPortal {
    /// Grants `role` in `account` to the holder of `token`.
    pub fn start(token: &'static str, account: &'static str, role: &'static str) -> SsoPortal {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let granted = Arc::new(AtomicUsize::new(0));
        let counter = granted.clone();
        std::thread::spawn(move || {
            for mut client in listener.incoming().flatten() {
                while let Some((head, _)) = read_request(&mut client) {
                    let line = head.lines().next().unwrap_or_default();
                    let header = |name: &str| {
                        head.lines().find_map(|l| {
                            let (n, v) = l.split_once(':')?;
                            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                        })
                    };
                    let asks = line.starts_with("GET /federation/credentials?")
                        && line.contains(&format!("role_name={role}"))
                        && line.contains(&format!("account_id={account}"));
                    if asks && header("x-amz-sso_bearer_token").as_deref() == Some(token) {
                        counter.fetch_add(1, Ordering::SeqCst);
                        // an hour from now, in ms since the epoch
                        let expiration = std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap()
                            .as_millis()
                            + 3_600_000;
                        let body = serde_json::json!({ "roleCredentials": {
                            "accessKeyId": "testing", "secretAccessKey": "testing",
                            "sessionToken": "sso-session", "expiration": expiration as i64 } });
                        respond(&mut client, "200 OK", None, &body.to_string());
                    } else {
                        respond(
                            &mut client,
                            "401 Unauthorized",
                            Some("UnauthorizedException"),
                            r#"{"message":"Session token not found or invalid"}"#,
                        );
                    }
                }
            }
        });
        SsoPortal { port, granted }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}
