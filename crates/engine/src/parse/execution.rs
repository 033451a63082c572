//! API Gateway execution-log lines (REST and WebSocket APIs): `(<request id>) <message>`, one
//! line per step of a request, in `API-Gateway-Execution-Logs_{api-id}/{stage}`.

/// What an execution-log line says, as far as the analysis cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExecutionLine {
    /// `Execution failed due to a timeout error`: the integration timed out (a 504).
    Timeout,
    /// `Method completed with status: N`: the end of a request.
    Completed { status: u16 },
    /// Any other step.
    Step,
}

/// The steps API Gateway logs for each request, as a line's message begins. Consoles and
/// older exports print them without the `(<request id>)` prefix.
const STEP_OPENINGS: [&[u8]; 16] = [
    b"Execution log for request",
    b"Starting execution for request",
    b"Extended Request Id:",
    b"Verifying Usage Plan for request",
    b"Usage Plan check succeeded",
    b"API Key",
    b"HTTP Method:",
    b"Method request ",
    b"Request validation ",
    b"Endpoint request ",
    b"Sending request to ",
    b"Received response.",
    b"Endpoint response ",
    b"Method response ",
    b"Successfully completed execution",
    b"Lambda execution failed",
];

/// The request id of a `(<request id>) message` line.
pub(crate) fn request_id(line: &[u8]) -> Option<&[u8]> {
    let rest = line.trim_ascii_start().strip_prefix(b"(")?;
    let close = memchr::memchr(b')', rest)?;
    Some(&rest[..close]).filter(|id| !id.is_empty())
}

/// Reads a line as an execution-log line, or `None` if it is none.
pub(crate) fn parse(line: &[u8]) -> Option<ExecutionLine> {
    let line = line.trim_ascii_start();
    let message = match line.strip_prefix(b"(") {
        Some(rest) => {
            let close = memchr::memchr(b')', rest)?;
            let id = &rest[..close];
            let plausible_id = !id.is_empty()
                && id.len() <= 64
                && id
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='));
            if !plausible_id {
                return None;
            }
            rest[close + 1..].trim_ascii()
        }
        None => line.trim_ascii_end(),
    };
    if message.starts_with(b"Execution failed due to a timeout error") {
        return Some(ExecutionLine::Timeout);
    }
    if let Some(status) = message.strip_prefix(b"Method completed with status: ") {
        let digits: &[u8] = &status[..status.iter().take_while(|b| b.is_ascii_digit()).count()];
        if let Some(status) = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
        {
            return Some(ExecutionLine::Completed { status });
        }
    }
    let known_step = message.starts_with(b"Execution failed")
        || STEP_OPENINGS
            .iter()
            .any(|opening| message.starts_with(opening));
    (known_step || line.starts_with(b"(")).then_some(ExecutionLine::Step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execution_lines() {
        assert_eq!(
            parse(
                b"(fbcaf9e5-d535-40a1-891c-7b70118cf7e8) Execution failed due to a timeout error"
            ),
            Some(ExecutionLine::Timeout)
        );
        assert_eq!(
            parse(b"(fbcaf9e5-d535-40a1-891c-7b70118cf7e8) Method completed with status: 504"),
            Some(ExecutionLine::Completed { status: 504 })
        );
        assert_eq!(
            parse(b"(abc) Endpoint response body before transformations: \"Bad response\""),
            Some(ExecutionLine::Step)
        );
        assert_eq!(parse(b"(not an id!) x"), None);
        assert_eq!(
            parse(b"Starting execution for request: 9537d573-87c5-11e6-b3e4-6f23bc206746"),
            Some(ExecutionLine::Step)
        );
        assert_eq!(
            parse(b"Method completed with status: 200"),
            Some(ExecutionLine::Completed { status: 200 })
        );
        assert_eq!(parse(b"hello"), None);
    }
}
