//! Just enough HTTP/1.1 for the local stand-ins of AWS endpoints the tests run: a request's
//! head and body, and a JSON answer in the shape of the AWS JSON protocol.

use std::io::{Read, Write};
use std::net::TcpStream;

/// One HTTP/1.1 request: its head (without the final blank line) and body.
pub fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head[..head.len() - 4]).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    Some((head, body))
}

pub fn respond(stream: &mut TcpStream, status: &str, error_type: Option<&str>, body: &str) {
    let error = error_type
        .map(|t| format!("x-amzn-ErrorType: {t}\r\n"))
        .unwrap_or_default();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\n{error}\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
}
