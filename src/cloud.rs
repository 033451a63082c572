//! The CLI's way into CloudWatch Logs: `--profile`, `--region`, `--log-group`, `--since`,
//! `--until`; fetched pages stream into the engine as they arrive, or into gzip files that
//! `ceiling analyze` re-opens.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use ceiling_cloud::fetch::{Fetched, Fetcher, GroupProgress};
use ceiling_cloud::{insights, now_ms, Failure, Reading, Update, Window, WindowError};
use ceiling_cloud::{Connection, Error, Target};
use ceiling_engine::{Analyzer, Console};

#[derive(clap::Args, Debug, Clone)]
pub struct CloudArgs {
    /// The AWS profile (from the config and credentials files; SSO, assume-role and
    /// credential_process included) [default: AWS_PROFILE, then default].
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// The region [default: AWS_REGION, then the profile's]. With files, the region their
    /// log groups are in, for the console links under each finding.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The MFA device's current code, for a profile that assumes its role with
    /// `mfa_serial` [default: asked for on the terminal].
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
    /// A log group to fetch (repeat it for several: the access log group and the functions').
    #[arg(long = "log-group", value_name = "GROUP")]
    pub log_groups: Vec<String>,
    /// Start of the window: 15m, 2h, 2d1h20m (ago) or an ISO 8601 time with a zone.
    #[arg(long, value_name = "TIME", default_value = "1h")]
    pub since: String,
    /// End of the window, as --since.
    #[arg(long, value_name = "TIME", default_value = "now")]
    pub until: String,
    /// When CloudWatch Logs Insights counts a stage's access log on the server instead of
    /// Ceiling downloading it: `auto` when the download would take over two minutes.
    /// Timeouts, 5xx answers and near misses are still read in full; the analysis says
    /// which figures are approximate.
    #[arg(long, value_enum, default_value_t = InsightsMode::Auto)]
    pub insights: InsightsMode,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsightsMode {
    Auto,
    Always,
    Never,
}

impl From<InsightsMode> for insights::Mode {
    fn from(mode: InsightsMode) -> insights::Mode {
        match mode {
            InsightsMode::Auto => insights::Mode::Auto,
            InsightsMode::Always => insights::Mode::Always,
            InsightsMode::Never => insights::Mode::Never,
        }
    }
}

/// The window of `--since` and `--until`, its errors named after the flags.
fn window(args: &CloudArgs) -> Result<Window, String> {
    Window::from_text(&args.since, &args.until, now_ms()).map_err(|error| match error {
        WindowError::Start(e) => format!("--since: {e}"),
        WindowError::End(e) => format!("--until: {e}"),
        WindowError::Backwards => "--since must come before --until".to_owned(),
    })
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    // The reading blocks no worker (the engine reads on blocking threads), so one thread
    // drives it all.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the network runtime: {e}"))
}

/// The connection of the profile, asking for the MFA code on the terminal where the profile
/// needs one and none was given.
pub(crate) async fn connect(args: &CloudArgs) -> Result<Connection, String> {
    if args.log_groups.is_empty() {
        return Err("name at least one --log-group".to_owned());
    }
    let mut target = Target {
        profile: args.profile.clone(),
        region: args.region.clone(),
        mfa_code: args.mfa_code.clone(),
    };
    let connection = match Connection::open(&target).await {
        Err(Error::MfaRequired { serial, .. })
            if target.mfa_code.is_none() && std::io::stdin().is_terminal() =>
        {
            target.mfa_code = Some(ask_mfa_code(&serial)?);
            Connection::open(&target).await
        }
        opened => opened,
    };
    connection.map_err(|e| e.to_string())
}

/// Asks for the MFA device's code on the terminal, as the AWS CLI does.
pub(crate) fn ask_mfa_code(serial: &str) -> Result<String, String> {
    eprint!("MFA code for {serial}: ");
    let mut code = String::new();
    std::io::stdin()
        .read_line(&mut code)
        .map_err(|e| format!("cannot read the MFA code: {e}"))?;
    Ok(code.trim().to_owned())
}

fn say_progress(progress: &GroupProgress) {
    eprint!(
        "\r{}: {} pages, {} events, {:.1} MB   ",
        progress.group,
        progress.pages,
        progress.events,
        progress.bytes as f64 / 1e6
    );
}

fn report(groups: &[GroupProgress], failures: &[Failure]) {
    for group in groups {
        let mut notes = Vec::new();
        if group.duplicates > 0 {
            notes.push(format!("{} duplicates dropped", group.duplicates));
        }
        if group.retries > 0 {
            notes.push(format!("{} requests retried", group.retries));
        }
        eprintln!(
            "\r{}: {} events in {} pages{}",
            group.group,
            group.events,
            group.pages,
            if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join(", "))
            }
        );
    }
    for Failure { group, error } in failures {
        eprintln!(
            "ceiling: warning: the fetch of {group} stopped early, and what follows covers \
             only what was fetched (partial): {error}"
        );
    }
}

/// Reads every group into `analyzer`, each as an input named after its group, and gives it
/// back: `ceiling_cloud::Reading` chooses, per group, between a download and Logs Insights
/// (see `--insights`), with the notable requests (latency from `notable_ms` up) read raw.
pub fn fetch_into(
    args: &CloudArgs,
    analyzer: Analyzer,
    notable_ms: u64,
) -> Result<Analyzer, String> {
    fetch_window_into(args, window(args)?, analyzer, notable_ms)
}

/// As [`fetch_into`], over `window` rather than `--since` and `--until`.
pub fn fetch_window_into(
    args: &CloudArgs,
    window: Window,
    mut analyzer: Analyzer,
    notable_ms: u64,
) -> Result<Analyzer, String> {
    let read = runtime()?.block_on(async {
        let connection = connect(args).await?;
        // each group is an input named after it: the queries behind the findings run there
        analyzer.set_console(Console {
            region: Some(connection.region().to_owned()),
            log_groups: args.log_groups.clone(),
            window: Some(window),
        });
        let reading = Reading::new(connection, args.log_groups.clone(), window)
            .map_err(|e| e.to_string())?
            .insights(args.insights.into())
            .notable_ms(notable_ms);
        Ok::<_, String>(reading.run(analyzer, say).await)
    })?;
    report(&read.outcome.downloaded, &read.outcome.failures);
    Ok(read.analyzer)
}

/// A reading's progress on the terminal.
fn say(update: Update<'_>) {
    match update {
        Update::Counting(done) => eprint!(
            "\r{}: {} Logs Insights queries answered, {} rows   ",
            done.group, done.pages, done.events
        ),
        Update::Fetching(done) => say_progress(done),
        Update::Note(note) => eprintln!("\r{note}"),
        Update::GroupRead(_) => {}
    }
}

/// The file a group is saved to: `lambda-<function>.jsonl.gz` for a function's group (so
/// that the function keeps its name when the file is re-opened), the group's name with `/`
/// made `_` otherwise. Always one file right inside `dir`, whatever the name holds: no
/// separator survives (`..` and `/` cannot climb out), and a leading dot, which would hide
/// the file from `ceiling analyze DIR`, becomes `_`.
fn file_for(dir: &Path, group: &str) -> PathBuf {
    let name = match group.strip_prefix("/aws/lambda/") {
        Some(function) => format!("lambda-{function}"),
        None => group.trim_start_matches('/').to_owned(),
    };
    let mut name = name.replace(['/', '\\', '\0'], "_");
    if name.is_empty() || name.starts_with('.') {
        name.insert(0, '_');
    }
    dir.join(format!("{name}.jsonl.gz"))
}

/// A gzip export being written, and the first write error, kept for the end.
struct Export {
    path: PathBuf,
    gzip: flate2::write::GzEncoder<std::io::BufWriter<std::fs::File>>,
    error: Option<std::io::Error>,
}

impl Export {
    fn create(path: PathBuf) -> Result<Export, String> {
        let file = std::fs::File::create(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Export {
            path,
            gzip: flate2::write::GzEncoder::new(
                std::io::BufWriter::new(file),
                flate2::Compression::default(),
            ),
            error: None,
        })
    }

    fn write(&mut self, line: &[u8]) {
        if self.error.is_none() {
            self.error = self.gzip.write_all(line).err();
        }
    }

    fn finish(self) -> Result<(), String> {
        let finished = self.gzip.finish().and_then(|mut writer| writer.flush());
        match self.error.or(finished.err()) {
            Some(error) => Err(format!("cannot write {}: {error}", self.path.display())),
            None => {
                eprintln!("\rsaved {}", self.path.display());
                Ok(())
            }
        }
    }
}

/// `ceiling fetch`: saves the groups as gzip exports of filter-log-events pages, which
/// `ceiling analyze` re-opens: all in `out` when it ends in `.gz` (each page names its
/// group), else one file per group in the folder `out`.
pub fn fetch_to(args: &CloudArgs, out: &Path) -> Result<(), String> {
    let window = window(args)?;
    let one_file = out.extension().is_some_and(|e| e == "gz");
    if !one_file {
        std::fs::create_dir_all(out)
            .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    }
    let fetched = runtime()?.block_on(async {
        let mut fetcher = Fetcher::new(connect(args).await?);
        let mut fetched = Fetched::default();
        let mut shared = if one_file {
            Some(Export::create(out.to_path_buf())?)
        } else {
            None
        };
        for group in &args.log_groups {
            let mut own = match shared {
                Some(_) => None,
                None => Some(Export::create(file_for(out, group))?),
            };
            let export = own
                .as_mut()
                .or(shared.as_mut())
                .expect("an export to write");
            let result = fetcher
                .fetch_group(group, window, |page| export.write(&page.line), say_progress)
                .await;
            if let Some(own) = own {
                own.finish()?;
            }
            fetched.add(group, result);
        }
        if let Some(shared) = shared {
            shared.finish()?;
        }
        Ok::<_, String>(fetched)
    })?;
    report(&fetched.groups, &fetched.failures);
    fetched.check().map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::{Component, Path};

    use super::file_for;

    #[test]
    fn a_group_is_saved_right_inside_the_folder_whatever_its_name() {
        let dir = Path::new("/tmp/out");
        let cases = [
            ("/aws/lambda/orders-fn", "lambda-orders-fn.jsonl.gz"),
            (
                "API-Gateway-Execution-Logs_abc/prod",
                "API-Gateway-Execution-Logs_abc_prod.jsonl.gz",
            ),
            (
                "/aws/lambda/../../etc/cron.d/x",
                "lambda-.._.._etc_cron.d_x.jsonl.gz",
            ),
            ("../../escape", "_.._.._escape.jsonl.gz"),
            ("..", "_...jsonl.gz"),
            ("/", "_.jsonl.gz"),
            ("/aws/lambda/", "lambda-.jsonl.gz"),
            (".hidden", "_.hidden.jsonl.gz"),
            ("a\\..\\b", "a_.._b.jsonl.gz"),
        ];
        for (group, want) in cases {
            let path = file_for(dir, group);
            let inside = path.strip_prefix(dir).unwrap();
            let parts: Vec<_> = inside.components().collect();
            assert!(
                matches!(parts[..], [Component::Normal(_)]),
                "{group}: {} leaves the folder",
                path.display()
            );
            assert_eq!(inside.to_str(), Some(want), "{group}");
        }
    }
}
