//! Runs the `ceiling` binary the way a user's script would.

use std::process::Command;

use serde_json::Value;

/// `ceiling ARGS --json`, which must succeed: its JSON.
pub fn ceiling_json(args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_ceiling"))
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ceiling {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
