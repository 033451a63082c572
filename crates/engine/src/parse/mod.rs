//! Parsing one log message into a record: an API Gateway access record (any template), an
//! execution-log line, or a Lambda platform or application line. Parsers borrow from the
//! message and allocate nothing per line (an application line's message, when it must be
//! unescaped or mended, aside).

pub(crate) mod access;
pub(crate) mod app;
pub(crate) mod execution;
pub(crate) mod lambda;
