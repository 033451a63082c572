//! Runs shared/bench/gen.py, the generator of synthetic incidents with known answers.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (where the root Cargo.toml is).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The app package's tests run from src-tauri; every other package here sits at the root.
    if manifest.ends_with("src-tauri") {
        manifest.parent().unwrap().to_path_buf()
    } else {
        manifest
    }
}

/// Each log group the cloud tests put a gen.py incident into, and the file of it that the
/// group holds.
// not every test file that runs gen.py reads its incident through log groups
#[allow(dead_code)]
pub const INCIDENT_GROUPS: [(&str, &str); 5] = [
    ("/aws/apigateway/orders-access", "apigw-access.jsonl"),
    ("/aws/lambda/orders-fn", "lambda-orders-fn.log"),
    ("/aws/lambda/payments-fn", "lambda-payments-fn.log"),
    ("/aws/lambda/process-fn", "lambda-process-fn.log"),
    ("/aws/lambda/reports-fn", "lambda-reports-fn.log"),
];

/// Writes an incident into `out` with gen.py and returns its truth.json.
pub fn generate(out: &Path, args: &[&str]) -> serde_json::Value {
    let script = workspace_root().join("../shared/bench/gen.py");
    assert!(
        script.exists(),
        "{} is missing: the tests need the shared folder beside the project",
        script.display()
    );
    let status = Command::new("python3")
        .arg(&script)
        .arg("--out")
        .arg(out)
        .args(args)
        .status()
        .expect("python3 runs gen.py (scripts/setup.sh test installs it)");
    assert!(status.success(), "gen.py {args:?} failed");
    read_truth(&out.join("truth.json"))
}

pub fn read_truth(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}
