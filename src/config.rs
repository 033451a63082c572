//! `ceiling config`: the API's own configuration, read from the account. Without `--api`
//! it lists the REST, HTTP and WebSocket APIs and their stages; with `--api` and `--stage`
//! it reads that stage (its logs, access-log format, integrations and their timeouts, the
//! functions behind them) and saves it for `ceiling analyze --config`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use ceiling_cloud::config::{list_apis, read_stage};
use ceiling_cloud::{Connection, Error, Target};
use ceiling_engine::duration::format_ms;
use ceiling_engine::{ApiKind, ApiSummary, StageConfig};

#[derive(clap::Args, Debug, Clone)]
pub struct ConfigArgs {
    /// The AWS profile [default: AWS_PROFILE, then default].
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// The region [default: AWS_REGION, then the profile's].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The MFA device's current code, for a profile that assumes its role with
    /// `mfa_serial` [default: asked for on the terminal].
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
    /// The API's id (as `ceiling config` lists them); without it, the APIs are listed.
    #[arg(long, value_name = "ID", requires = "stage")]
    pub api: Option<String>,
    /// The stage to read.
    #[arg(long, value_name = "STAGE", requires = "api")]
    pub stage: Option<String>,
    /// Save the stage's configuration to this file, for `ceiling analyze --config`.
    #[arg(long, value_name = "FILE", requires = "api")]
    pub out: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ceiling config`.
pub fn run(args: &ConfigArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))?;
    runtime.block_on(async {
        let connection = connect(args).await?;
        let mut stdout = std::io::stdout().lock();
        let written = match (&args.api, &args.stage) {
            (Some(api), Some(stage)) => {
                let config = read_stage(&connection, api, stage)
                    .await
                    .map_err(|e| e.to_string())?;
                if let Some(out) = &args.out {
                    save(&config, out)?;
                }
                if args.json {
                    json(&mut stdout, serde_json::to_value(&config))
                } else {
                    write_stage(&mut stdout, &config)
                }
            }
            _ => {
                let apis = list_apis(&connection).await.map_err(|e| e.to_string())?;
                if args.json {
                    json(&mut stdout, serde_json::to_value(&apis))
                } else {
                    write_apis(&mut stdout, &apis)
                }
            }
        };
        match written {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(format!("cannot write the output: {e}"))
            }
            _ => Ok(()),
        }
    })
}

/// Reads a configuration `ceiling config --out` saved.
pub fn load(path: &Path) -> Result<StageConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a stage configuration of `ceiling config --out`: {e}",
            path.display()
        )
    })
}

fn save(config: &StageConfig, out: &Path) -> Result<(), String> {
    let text = serde_json::to_string_pretty(config).map_err(|e| e.to_string())?;
    std::fs::write(out, text + "\n").map_err(|e| format!("cannot write {}: {e}", out.display()))
}

async fn connect(args: &ConfigArgs) -> Result<Connection, String> {
    let mut target = Target {
        profile: args.profile.clone(),
        region: args.region.clone(),
        mfa_code: args.mfa_code.clone(),
    };
    let connection = match Connection::open(&target).await {
        Err(Error::MfaRequired { serial, .. })
            if target.mfa_code.is_none() && std::io::stdin().is_terminal() =>
        {
            target.mfa_code = Some(crate::cloud::ask_mfa_code(&serial)?);
            Connection::open(&target).await
        }
        opened => opened,
    };
    connection.map_err(|e| e.to_string())
}

fn json(out: &mut impl Write, value: serde_json::Result<serde_json::Value>) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &value?).map_err(std::io::Error::from)?;
    writeln!(out)
}

fn kind_name(kind: ApiKind) -> &'static str {
    match kind {
        ApiKind::Rest => "REST",
        ApiKind::Http => "HTTP",
        ApiKind::WebSocket => "WebSocket",
    }
}

fn write_apis(out: &mut impl Write, apis: &[ApiSummary]) -> std::io::Result<()> {
    if apis.is_empty() {
        return writeln!(out, "no API Gateway API in this account and region");
    }
    for api in apis {
        let stages = if api.stages.is_empty() {
            "(no stage)".to_owned()
        } else {
            api.stages.join(", ")
        };
        writeln!(
            out,
            "{:<12} {:<10} {:<30} stages: {stages}",
            api.id,
            kind_name(api.kind),
            api.name
        )?;
    }
    writeln!(
        out,
        "\nread a stage with: ceiling config --api ID --stage STAGE --out stage.json"
    )
}

fn write_stage(out: &mut impl Write, config: &StageConfig) -> std::io::Result<()> {
    writeln!(
        out,
        "{} API {} ({}), stage {}, {}",
        kind_name(config.kind),
        config.api_name,
        config.api_id,
        config.stage,
        config.region
    )?;
    match &config.access_log {
        Some(access) => {
            let group = access
                .log_group
                .as_deref()
                .unwrap_or(&access.destination_arn);
            writeln!(out, "access log: {group}")?;
            writeln!(
                out,
                "  format: {}",
                access.format.as_deref().unwrap_or("(none)")
            )?;
        }
        None => writeln!(out, "access log: off")?,
    }
    if let Some(execution) = &config.execution_log {
        writeln!(
            out,
            "execution log: {} (level {}{})",
            execution.log_group,
            execution.logging_level.as_deref().unwrap_or("OFF"),
            if execution.data_trace {
                ", data trace"
            } else {
                ""
            }
        )?;
    }
    if let Some(tracing) = config.tracing {
        writeln!(out, "X-Ray: {}", if tracing { "on" } else { "off" })?;
    }
    writeln!(out, "routes:")?;
    for route in &config.routes {
        match &route.integration {
            Some(integration) => {
                let function = integration
                    .function
                    .as_ref()
                    .map(|f| match &f.qualifier {
                        Some(q) => format!(" -> {}:{q}", f.name),
                        None => format!(" -> {}", f.name),
                    })
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {:<30} {:<12} timeout {}{function}",
                    route.route,
                    integration.kind,
                    format_ms(integration.timeout_ms as f64)
                )?;
            }
            None => writeln!(out, "  {:<30} (no integration)", route.route)?,
        }
    }
    if !config.functions.is_empty() {
        writeln!(out, "functions:")?;
    }
    for function in &config.functions {
        let mut facts = vec![format!("timeout {}", format_ms(function.timeout_ms as f64))];
        if let Some(memory) = function.memory_mb {
            facts.push(format!("{memory} MB"));
        }
        facts.extend(function.runtime.clone());
        facts.extend(function.architecture.clone());
        if function.snap_start {
            facts.push("SnapStart".to_owned());
        }
        if let Some(reserved) = function.reserved_concurrency {
            facts.push(format!("reserved concurrency {reserved}"));
        }
        if let Some(provisioned) = function.provisioned_concurrency {
            facts.push(format!("provisioned concurrency {provisioned}"));
        }
        facts.push(format!(
            "logs to {} ({})",
            function.log_group, function.log_format
        ));
        writeln!(out, "  {}: {}", function.name, facts.join(", "))?;
    }
    for note in &config.notes {
        writeln!(out, "not read: {}: {}", note.subject, note.detail)?;
    }
    Ok(())
}

/// The configuration an analysis applied, in a few lines of its summary: the stage, the
/// routes with a ceiling of their own, the functions' timeouts, what could not be read.
pub fn write_applied(
    out: &mut impl Write,
    config: &StageConfig,
    ceiling_ms: u64,
) -> std::io::Result<()> {
    writeln!(
        out,
        "  configuration of {} API {} ({}), stage {}, {}",
        kind_name(config.kind),
        config.api_name,
        config.api_id,
        config.stage,
        config.region
    )?;
    let own: Vec<String> = config
        .routes
        .iter()
        .filter_map(|r| {
            let ms = r.integration.as_ref()?.timeout_ms;
            (ms != ceiling_ms).then(|| format!("{} {}", r.route, format_ms(ms as f64)))
        })
        .collect();
    if !own.is_empty() {
        writeln!(out, "    routes with their own ceiling: {}", own.join(", "))?;
    }
    let functions: Vec<String> = config
        .functions
        .iter()
        .map(|f| format!("{} {}", f.name, format_ms(f.timeout_ms as f64)))
        .collect();
    if !functions.is_empty() {
        writeln!(out, "    function timeouts: {}", functions.join(", "))?;
    }
    for note in &config.notes {
        writeln!(out, "    not read: {}: {}", note.subject, note.detail)?;
    }
    Ok(())
}
