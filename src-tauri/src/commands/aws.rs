//! The AWS side of the start screen: the profiles of the AWS config, and the log groups of
//! one, the ones Ceiling reads first.

use ceiling_cloud::{Connection, GroupChoice, ProfileInfo, Target};

use crate::error::Error;

/// The profiles of the AWS config and credentials files: names, regions and kinds only.
#[tauri::command]
pub async fn aws_profiles() -> Result<Vec<ProfileInfo>, Error> {
    Ok(ceiling_cloud::profiles().await?)
}

/// The log groups whose names start with `prefix`, the ones Ceiling reads first.
#[tauri::command]
pub async fn aws_log_groups(
    profile: Option<String>,
    region: Option<String>,
    mfa_code: Option<String>,
    prefix: Option<String>,
) -> Result<Vec<GroupChoice>, Error> {
    let target = Target {
        profile,
        region,
        mfa_code,
    };
    let connection = Connection::open(&target).await?;
    Ok(connection.group_choices(prefix.as_deref()).await?)
}
