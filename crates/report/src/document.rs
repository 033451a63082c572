//! The report as a sequence of blocks, built once from an analysis: the PDF, HTML and
//! Markdown renderers lay out the same blocks, so the three say the same thing.

use ceiling_engine::duration::format_ms;
use ceiling_engine::{Analysis, ApiKind, Finding, Severity, StageConfig};

use crate::charts::{charts, Chart};
use crate::zone::Zone;

/// What a report needs besides the analysis.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// The zone every time is shown in.
    pub zone: Zone,
    /// When the report is written, in ms since the epoch.
    pub generated_ms: i64,
}

impl ReportOptions {
    /// UTC, written now.
    pub fn now() -> ReportOptions {
        let generated_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        ReportOptions {
            zone: Zone::UTC,
            generated_ms,
        }
    }
}

pub(crate) enum Block {
    /// A section: starts a new page in the PDF where the section is long.
    Heading(String),
    Paragraph(String),
    /// A muted line, under a heading or a chart.
    Note(String),
    Bullets(Vec<String>),
    Finding(FindingBlock),
    Chart(Chart),
    Table(Table),
}

pub(crate) struct FindingBlock {
    pub(crate) severity: Severity,
    pub(crate) title: String,
    pub(crate) id: String,
    pub(crate) summary: String,
    pub(crate) evidence: Vec<String>,
    pub(crate) advice: Vec<(String, Option<String>)>,
    /// The Logs Insights query behind the finding, and its console links.
    pub(crate) reproduce: Option<ceiling_engine::Reproduce>,
}

pub(crate) struct Table {
    pub(crate) columns: Vec<Column>,
    pub(crate) rows: Vec<Vec<String>>,
}

pub(crate) struct Column {
    pub(crate) name: &'static str,
    /// Numbers align right.
    pub(crate) numeric: bool,
    /// Share of the table's width, in the PDF.
    pub(crate) weight: f32,
}

const fn column(name: &'static str, numeric: bool, weight: f32) -> Column {
    Column {
        name,
        numeric,
        weight,
    }
}

pub(crate) struct Document {
    pub(crate) title: String,
    /// Label and value pairs for the cover.
    pub(crate) facts: Vec<(String, String)>,
    pub(crate) blocks: Vec<Block>,
    pub(crate) footer: String,
}

/// Samples of a finding shown in its own section; the appendix has them all.
const SAMPLES_INLINE: usize = 3;

pub(crate) use ceiling_engine::duration::format_opt_ms as duration;

fn ms(value: Option<u32>) -> String {
    duration(value.map(f64::from))
}

/// A severity as the report's badges write it: `CRITICAL`.
pub(crate) fn severity_name(severity: Severity) -> String {
    severity.name().to_ascii_uppercase()
}

fn api_name(api: Option<ApiKind>) -> &'static str {
    match api {
        Some(ApiKind::Rest) => "REST API",
        Some(ApiKind::Http) => "HTTP API",
        Some(ApiKind::WebSocket) => "WebSocket API",
        None => "unknown (no access log)",
    }
}

fn evidence_lines(finding: &Finding, zone: Zone, limit: usize) -> Vec<String> {
    let evidence = &finding.evidence;
    let mut lines = Vec::new();
    if !evidence.routes.is_empty() {
        let routes: Vec<String> = evidence
            .routes
            .iter()
            .take(5)
            .map(|r| format!("{} ({}, {:.0}%)", r.route, r.count, 100.0 * r.share))
            .collect();
        lines.push(format!("Routes: {}", routes.join("; ")));
    }
    for window in &evidence.windows {
        lines.push(format!(
            "Window: {} to {} ({})",
            zone.format(window.start_ms),
            zone.format(window.end_ms),
            window.count
        ));
    }
    if !evidence.functions.is_empty() {
        let functions: Vec<String> = evidence
            .functions
            .iter()
            .map(|f| format!("{} ({})", f.function, f.count))
            .collect();
        lines.push(format!("Functions: {}", functions.join("; ")));
    }
    for request in evidence.requests.iter().take(limit) {
        lines.push(format!(
            "Request {} {} {}{} at {}, {}:{}",
            request.request_id.as_deref().unwrap_or("(no id)"),
            request.route,
            request.status_text(),
            request
                .response_latency_ms
                .map(|l| format!(" after {}", ms(Some(l))))
                .unwrap_or_default(),
            request
                .time_ms
                .map_or_else(|| "unknown time".to_owned(), |t| zone.format(t)),
            request.source.input,
            request.source.line
        ));
    }
    for invocation in evidence.invocations.iter().take(limit) {
        lines.push(format!(
            "Invocation {} of {}: {}{}{}, {}:{}",
            invocation.request_id,
            invocation.function,
            duration(Some(invocation.duration_ms)),
            invocation
                .init_ms
                .map(|i| format!(" after an init of {}", duration(Some(i))))
                .unwrap_or_default(),
            invocation
                .gateway_request_id
                .as_ref()
                .map(|id| format!(", for request {id}"))
                .unwrap_or_default(),
            invocation.source.input,
            invocation.source.line
        ));
    }
    lines
}

pub(crate) fn build(analysis: &Analysis, options: ReportOptions) -> Document {
    let zone = options.zone;
    let mut facts = vec![
        ("API".to_owned(), api_name(analysis.api).to_owned()),
        (
            "Window".to_owned(),
            analysis.window.map_or_else(
                || "no request times".to_owned(),
                |w| format!("{} to {}", zone.format(w.start_ms), zone.format(w.end_ms)),
            ),
        ),
        ("Time zone".to_owned(), zone.name()),
        (
            "Integration ceiling".to_owned(),
            duration(Some(analysis.ceiling_ms as f64)),
        ),
        ("Requests".to_owned(), analysis.requests.to_string()),
    ];
    if let Some(lambda) = &analysis.lambda {
        facts.push((
            "Lambda invocations".to_owned(),
            format!(
                "{} in {} functions",
                lambda.invocations,
                lambda.functions.len()
            ),
        ));
    }
    facts.push(("Generated".to_owned(), zone.format(options.generated_ms)));
    facts.push((
        "By".to_owned(),
        format!("Ceiling {}", env!("CARGO_PKG_VERSION")),
    ));

    let mut blocks = vec![Block::Table(Table {
        columns: vec![
            column("source", false, 5.0),
            column("lines", true, 1.2),
            column("records", true, 1.2),
            column("rejected", true, 1.2),
        ],
        rows: analysis
            .inputs
            .iter()
            .map(|input| {
                vec![
                    input.name.clone(),
                    input.lines.to_string(),
                    input.records.to_string(),
                    input
                        .rejected
                        .iter()
                        .map(|r| r.count)
                        .sum::<u64>()
                        .to_string(),
                ]
            })
            .collect(),
    })];

    blocks.push(Block::Heading("What happened".to_owned()));
    blocks.push(Block::Paragraph(analysis.what_happened.headline.clone()));
    if !analysis.what_happened.points.is_empty() {
        blocks.push(Block::Bullets(analysis.what_happened.points.clone()));
    }
    if !analysis.approximate.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "Approximate figures: {}",
            analysis.approximate.join(" ")
        )));
    }

    blocks.push(Block::Heading("Findings".to_owned()));
    if analysis.findings.is_empty() {
        blocks.push(Block::Paragraph("Nothing to report.".to_owned()));
    }
    for finding in &analysis.findings {
        blocks.push(Block::Finding(FindingBlock {
            severity: finding.severity,
            title: finding.title.clone(),
            id: finding.id.as_str().to_owned(),
            summary: finding.summary.clone(),
            evidence: evidence_lines(finding, zone, SAMPLES_INLINE),
            advice: finding
                .advice
                .iter()
                .map(|a| (a.text.clone(), a.link.clone()))
                .collect(),
            reproduce: finding.reproduce.clone(),
        }));
    }

    let mut charts = charts(analysis, zone);
    charts.extend(crate::timeline_chart::step_timelines(analysis));
    if !charts.is_empty() {
        blocks.push(Block::Heading("Charts".to_owned()));
        blocks.extend(charts.into_iter().map(Block::Chart));
    }

    if !analysis.status.is_empty() || analysis.requests_without_status > 0 {
        blocks.push(Block::Heading("Responses".to_owned()));
        blocks.push(Block::Table(Table {
            columns: vec![
                column("status", false, 1.0),
                column("requests", true, 1.0),
                column("share", true, 1.0),
                column("", false, 4.0),
            ],
            rows: analysis
                .status
                .iter()
                .map(|(status, count)| (status.to_string(), count))
                .chain((analysis.requests_without_status > 0).then(|| {
                    (
                        "not in the log".to_owned(),
                        &analysis.requests_without_status,
                    )
                }))
                .map(|(status, count)| {
                    vec![
                        status,
                        count.to_string(),
                        format!(
                            "{:.1}%",
                            100.0 * *count as f64 / analysis.requests.max(1) as f64
                        ),
                        String::new(),
                    ]
                })
                .collect(),
        }));
    }

    if !analysis.routes.is_empty() {
        blocks.push(Block::Heading("Routes".to_owned()));
        let mut note =
            "Response latency, nearest-rank percentiles; most timeouts first.".to_owned();
        if let Some(folded) = analysis.routes.iter().find_map(|r| r.folded_routes) {
            note.push_str(&format!(
                " Past {} routes, the {}{} others are counted together as \"{}\", the last row.",
                ceiling_engine::ROUTES_CAP,
                if folded as usize >= ceiling_engine::FOLDED_ROUTES_COUNTED {
                    "at least "
                } else {
                    ""
                },
                folded,
                ceiling_engine::OTHER_ROUTES
            ));
        }
        blocks.push(Block::Note(note));
        blocks.push(Block::Table(Table {
            columns: vec![
                column("route", false, 4.6),
                column("requests", true, 1.3),
                column("timeouts", true, 1.3),
                column("502", true, 0.8),
                column("p50", true, 1.1),
                column("p95", true, 1.1),
                column("p99", true, 1.1),
                column("max", true, 1.1),
            ],
            rows: analysis
                .routes
                .iter()
                .map(|r| {
                    vec![
                        r.route.clone(),
                        r.requests.to_string(),
                        r.timeouts.to_string(),
                        r.bad_gateway.to_string(),
                        ms(r.latency.p50_ms),
                        ms(r.latency.p95_ms),
                        ms(r.latency.p99_ms),
                        ms(r.latency.max_ms),
                    ]
                })
                .collect(),
        }));
    }

    if let Some(lambda) = analysis.lambda.as_ref().filter(|l| !l.functions.is_empty()) {
        blocks.push(Block::Heading("Lambda".to_owned()));
        blocks.push(Block::Note(format!(
            "{} invocations, {} cold starts, {} timeouts, {} that outlived the gateway.",
            lambda.invocations, lambda.cold_starts, lambda.timeouts, lambda.outlived_gateway
        )));
        blocks.push(Block::Table(Table {
            columns: vec![
                column("function", false, 3.0),
                column("invocations", true, 1.4),
                column("cold", true, 0.9),
                column("timeouts", true, 1.2),
                column("timeout", true, 1.1),
                column("p99", true, 1.1),
                column("max", true, 1.1),
                column("max init", true, 1.2),
                column("memory", true, 1.5),
            ],
            rows: lambda
                .functions
                .iter()
                .map(|f| {
                    vec![
                        f.function.clone(),
                        f.invocations.to_string(),
                        f.cold_starts.to_string(),
                        f.timeouts.to_string(),
                        ms(f.timeout_ms),
                        ms(f.duration.p99_ms),
                        ms(f.duration.max_ms),
                        duration(f.max_init_ms),
                        match (f.max_memory_used_mb, f.memory_mb) {
                            (Some(used), Some(size)) => format!("{used}/{size} MB"),
                            _ => "-".to_owned(),
                        },
                    ]
                })
                .collect(),
        }));
    }

    if let Some(config) = &analysis.config {
        blocks.extend(config_blocks(config));
    }

    let with_samples: Vec<&Finding> = analysis
        .findings
        .iter()
        .filter(|f| !f.evidence.requests.is_empty() || !f.evidence.invocations.is_empty())
        .collect();
    if !with_samples.is_empty() {
        blocks.push(Block::Heading("Appendix: evidence".to_owned()));
        blocks.push(Block::Note(
            "The requests and invocations behind each finding, with the file and line they \
             were read from."
                .to_owned(),
        ));
        for finding in with_samples {
            blocks.push(Block::Paragraph(format!(
                "{} [{}]",
                finding.title, finding.id
            )));
            blocks.push(Block::Bullets(
                evidence_lines(finding, zone, usize::MAX)
                    .into_iter()
                    .filter(|line| line.starts_with("Request") || line.starts_with("Invocation"))
                    .collect(),
            ));
        }
    }

    Document {
        title: "Ceiling report: why the gateway answered 504".to_owned(),
        facts,
        blocks,
        footer: format!(
            "Ceiling {} · generated {}",
            env!("CARGO_PKG_VERSION"),
            zone.format(options.generated_ms)
        ),
    }
}

/// The "Configuration" section, where the analysis applied a stage's configuration
/// (`ceiling config`): its logs, its routes with their integrations and timeouts, its
/// functions.
fn config_blocks(config: &StageConfig) -> Vec<Block> {
    let kind = match config.kind {
        ApiKind::Rest => "REST",
        ApiKind::Http => "HTTP",
        ApiKind::WebSocket => "WebSocket",
    };
    let mut blocks = vec![
        Block::Heading("Configuration".to_owned()),
        Block::Note(format!(
            "{kind} API {} ({}), stage {}, {}, as read from the account: each route is judged \
             against its own integration timeout.",
            config.api_name, config.api_id, config.stage, config.region
        )),
    ];
    let mut facts = vec![match &config.access_log {
        Some(access) => format!(
            "Access log: {}, format {}",
            access
                .log_group
                .as_deref()
                .unwrap_or(&access.destination_arn),
            access.format.as_deref().unwrap_or("(none)")
        ),
        None => "Access log: off".to_owned(),
    }];
    if let Some(execution) = &config.execution_log {
        facts.push(format!(
            "Execution log: {}, level {}",
            execution.log_group,
            execution.logging_level.as_deref().unwrap_or("OFF")
        ));
    }
    facts.extend(
        config
            .notes
            .iter()
            .map(|note| format!("Not read: {}: {}", note.subject, note.detail)),
    );
    blocks.push(Block::Bullets(facts));
    blocks.push(Block::Table(Table {
        columns: vec![
            column("route", false, 3.0),
            column("integration", false, 1.4),
            column("timeout", true, 1.1),
            column("function", false, 2.4),
        ],
        rows: config
            .routes
            .iter()
            .map(|route| match &route.integration {
                Some(integration) => vec![
                    route.route.clone(),
                    integration.kind.clone(),
                    format_ms(integration.timeout_ms as f64),
                    integration
                        .function
                        .as_ref()
                        .map(|f| match &f.qualifier {
                            Some(q) => format!("{}:{q}", f.name),
                            None => f.name.clone(),
                        })
                        .unwrap_or_else(|| "-".to_owned()),
                ],
                None => vec![route.route.clone(), "-".into(), "-".into(), "-".into()],
            })
            .collect(),
    }));
    if !config.functions.is_empty() {
        blocks.push(Block::Table(Table {
            columns: vec![
                column("function", false, 3.0),
                column("timeout", true, 1.1),
                column("memory", true, 1.1),
                column("runtime", false, 1.4),
                column("reserved", true, 1.1),
                column("provisioned", true, 1.3),
            ],
            rows: config
                .functions
                .iter()
                .map(|f| {
                    let count =
                        |n: Option<u32>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
                    vec![
                        f.name.clone(),
                        format_ms(f.timeout_ms as f64),
                        f.memory_mb
                            .map_or_else(|| "-".to_owned(), |m| format!("{m} MB")),
                        f.runtime.clone().unwrap_or_else(|| "-".to_owned()),
                        count(f.reserved_concurrency),
                        count(f.provisioned_concurrency),
                    ]
                })
                .collect(),
        }));
    }
    blocks
}
