//! What the cloud crate's integration tests share: a stand-in for CloudWatch Logs, and
//! Live Tail's event-stream frames.

pub mod cloud;
pub mod frames;
