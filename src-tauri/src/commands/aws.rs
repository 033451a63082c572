//! The AWS side of the start screen: the profiles of the AWS config, the log groups of one
//! (the ones Ceiling reads first), and its APIs with the configuration of a stage.

use ceiling_cloud::config::{list_apis, read_stage};
use ceiling_cloud::{Connection, GroupChoice, ProfileInfo, Target};
use ceiling_engine::ApiSummary;

use crate::error::Error;
use crate::transport::StageView;

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

/// The REST, HTTP and WebSocket APIs of the profile's account and region, with their
/// stages: what the API panel offers.
#[tauri::command]
pub async fn aws_apis(
    profile: Option<String>,
    region: Option<String>,
    mfa_code: Option<String>,
) -> Result<Vec<ApiSummary>, Error> {
    let target = Target {
        profile,
        region,
        mfa_code,
    };
    let connection = Connection::open(&target).await?;
    Ok(list_apis(&connection).await?)
}

/// A stage's configuration, read from the account: its log groups and access-log format,
/// each route's integration and timeout, the functions behind them, and what could not be
/// read; and the log groups an analysis of it reads.
#[tauri::command]
pub async fn aws_stage(
    profile: Option<String>,
    region: Option<String>,
    mfa_code: Option<String>,
    api_id: String,
    stage: String,
) -> Result<StageView, Error> {
    let target = Target {
        profile,
        region,
        mfa_code,
    };
    let connection = Connection::open(&target).await?;
    let config = read_stage(&connection, &api_id, &stage).await?;
    Ok(StageView {
        log_groups: config.log_groups(),
        config,
    })
}
