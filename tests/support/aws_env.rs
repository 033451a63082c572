//! The test owns the process environment: its own AWS config and credentials files, the
//! endpoint of its stand-in, and nothing of the machine's that would take precedence.

use std::path::Path;

/// Writes `config` and `credentials` into `dir` and points the AWS variables at them and at
/// `endpoint`, clearing the variables that would win over the files.
pub fn use_aws_files(dir: &Path, config: &str, credentials: &str, endpoint: &str) {
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(dir.join("credentials"), credentials).unwrap();
    for variable in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        std::env::remove_var(variable);
    }
    std::env::set_var("AWS_CONFIG_FILE", dir.join("config"));
    std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"));
    std::env::set_var("AWS_ENDPOINT_URL", endpoint);
    // Never ask an instance metadata service for a region or credentials: there is none here.
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
}

/// Static keys for the profile `ceiling-test`, as moto takes any.
pub const TEST_CREDENTIALS: &str =
    "[ceiling-test]\naws_access_key_id = testing\naws_secret_access_key = testing\n";
