//! The AWS side of the start screen: the profiles of the AWS config, and the log groups of
//! one, the ones Ceiling reads first.

use ceiling_cloud::{Connection, ProfileInfo, Target};

use crate::error::Error;
use crate::transport::GroupChoice;

/// The profiles of the AWS config and credentials files: names, regions and kinds only.
#[tauri::command]
pub async fn aws_profiles() -> Result<Vec<ProfileInfo>, Error> {
    Ok(ceiling_cloud::profiles().await?)
}

/// Groups whose names tell nothing that get a message sampled: each sample is a request.
const GROUPS_SAMPLED: usize = 25;

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
    let prefix = prefix.filter(|p| !p.trim().is_empty());
    let groups = connection.log_groups(prefix.as_deref()).await?;
    let mut choices: Vec<GroupChoice> = groups
        .into_iter()
        .map(|group| GroupChoice {
            suggested: ceiling_cloud::is_relevant(&group.name),
            group,
            holds: None,
        })
        .collect();
    // A stage's access log may have any name: a message of it tells.
    for choice in choices
        .iter_mut()
        .filter(|c| !c.suggested && c.group.stored_bytes != Some(0))
        .take(GROUPS_SAMPLED)
    {
        if let Ok(Some(kind)) = connection.kind_of_group(&choice.group.name).await {
            choice.holds = Some(kind);
            choice.suggested = true;
        }
    }
    choices.sort_by_key(|c| !c.suggested);
    Ok(choices)
}
