//! crates/cloud against a real local endpoint: moto server, started and stopped here, reached
//! through a named profile in temporary AWS config files, as a user's machine would have them.

#[path = "support/moto.rs"]
mod moto;

use ceiling_cloud::{Connection, Error, Target};
use serde_json::json;

const REGION: &str = "eu-west-1";

/// The test owns the process environment: it points the AWS variables at its own files and
/// endpoint, and clears anything from the machine that would take precedence.
fn use_aws_files(dir: &std::path::Path, endpoint: &str) {
    std::fs::write(
        dir.join("config"),
        format!("[profile ceiling-test]\nregion = {REGION}\n\n[profile no-region]\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[ceiling-test]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n\
         [no-region]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
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

// One test function: it sets process-wide variables, which parallel tests would race on.
#[test]
fn lists_log_groups_through_a_named_profile() {
    let moto = moto::MotoServer::start();
    let mut created = vec![
        "/aws/apigateway/orders-api-access".to_owned(),
        "API-Gateway-Execution-Logs_a1b2c3d4e5/prod".to_owned(),
        "/aws/lambda/orders-fn".to_owned(),
        "/aws/lambda/reports-fn".to_owned(),
    ];
    // More groups than one DescribeLogGroups page (50) holds, so that paging is exercised.
    created.extend((0..55).map(|i| format!("/aws/lambda/filler-{i:02}")));
    for name in &created {
        moto.logs(REGION, "CreateLogGroup", &json!({ "logGroupName": name }));
    }
    moto.logs(
        REGION,
        "PutRetentionPolicy",
        &json!({ "logGroupName": "/aws/lambda/reports-fn", "retentionInDays": 14 }),
    );
    // A group in another region must not show.
    moto.logs(
        "us-east-1",
        "CreateLogGroup",
        &json!({ "logGroupName": "/aws/lambda/elsewhere" }),
    );

    let dir = tempfile::tempdir().unwrap();
    use_aws_files(dir.path(), &moto.endpoint());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let target = Target {
            profile: Some("ceiling-test".to_owned()),
            region: None,
        };
        let connection = Connection::open(&target).await.unwrap();
        assert_eq!(
            connection.region(),
            REGION,
            "the region comes from the profile"
        );

        let groups = connection.log_groups(None).await.unwrap();
        let mut names: Vec<_> = groups.iter().map(|g| g.name.clone()).collect();
        names.sort();
        created.sort();
        assert_eq!(names, created);

        let lambda = connection.log_groups(Some("/aws/lambda/")).await.unwrap();
        assert_eq!(lambda.len(), 57);
        let reports = lambda
            .iter()
            .find(|g| g.name == "/aws/lambda/reports-fn")
            .unwrap();
        assert_eq!(reports.retention_days, Some(14));
        assert!(reports.created_ms.is_some());

        let elsewhere = Target {
            profile: Some("ceiling-test".to_owned()),
            region: Some("us-east-1".to_owned()),
        };
        let groups = Connection::open(&elsewhere)
            .await
            .unwrap()
            .log_groups(None)
            .await
            .unwrap();
        assert_eq!(
            groups.len(),
            1,
            "an explicit region overrides the profile's"
        );

        let no_region = Target {
            profile: Some("no-region".to_owned()),
            region: None,
        };
        match Connection::open(&no_region).await {
            Err(error @ Error::NoRegion { .. }) => {
                assert!(error.to_string().contains("no-region"), "{error}")
            }
            other => panic!("expected NoRegion, got {other:?}"),
        }
    });
}
