//! Ceiling's way into AWS: a profile (and optionally a region) becomes a CloudWatch Logs
//! connection; its log groups are listed, the ones Ceiling reads first; and a set of them is
//! read over a time window into the engine's analyzer, each group downloaded or, where it is
//! too large, counted by Logs Insights.
//!
//! # Modules, in the order a reading uses them
//!
//! - [`connection`]: profiles (names and kinds, never a key), [`Target`],
//!   [`Connection::open`] (a role assumed with an MFA code included), SDK errors classified.
//! - [`groups`]: listing log groups, which ones Ceiling reads ([`GroupKind`], by name or by a
//!   sampled message), and how many are sampled when listed ([`groups::GROUPS_SAMPLED`]).
//! - [`window`]: the [`Window`] a reading covers, from the texts the user writes.
//! - [`fetch`]: downloading with FilterLogEvents: every page, each event once, one request
//!   budget, retries counted; pages stream into the engine.
//! - [`insights`]: Logs Insights: the [`insights::queries`] (pure), the [`insights::plan`]
//!   (download or Insights, per group; pure) and [`insights::run`] (the queries sent).
//! - [`read`]: [`Reading`], the one entry point both front ends call.
//! - [`config`]: the API's own configuration, read-only: its APIs and stages
//!   ([`config::list_apis`]), and a stage's logs, formats, integrations and functions
//!   ([`config::read_stage`]), for the engine to apply.
//! - [`live`]: what live sources hand on ([`live::LiveBatch`]) and [`live::Seen`], which
//!   keeps each event once across sources and reconnections.
//!   [`live::watch`] runs a watch (backfill, then the live source, retries, Pause and
//!   Stop); [`live::poll`] follows groups with FilterLogEvents.
//! - [`error`]: [`Error`], in words that tell the user what to do, and [`Failure`].
//!
//! Dependencies point one way: `read` uses `insights` and `fetch`, which use `groups`,
//! `window` and `connection`; `config` uses `connection`; `error` is at the bottom.
//!
//! # Example
//!
//! The last two hours of a stage's access log and a function's log, the way the CLI's
//! `ceiling analyze --profile prod --log-group ... --since 2h` reads them:
//!
//! ```no_run
//! use ceiling_cloud::{Connection, Reading, Target, Update, Window};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let target = Target {
//!     profile: Some("prod".to_owned()),
//!     ..Target::default()
//! };
//! let connection = Connection::open(&target).await?;
//! let window = Window::from_text("2h", "now", ceiling_cloud::now_ms())?;
//! let groups = vec![
//!     "/aws/apigateway/orders-access".to_owned(),
//!     "/aws/lambda/reports-fn".to_owned(),
//! ];
//! let analyzer = ceiling_engine::Analyzer::new(ceiling_engine::Settings::default());
//! let read = Reading::new(connection, groups, window)?
//!     .run(analyzer, |update| {
//!         if let Update::Fetching(group) = update {
//!             eprintln!("{}: {} events", group.group, group.events);
//!         }
//!     })
//!     .await;
//! let (analysis, outcome) = read.finish()?;
//! for failure in &outcome.failures {
//!     eprintln!("cut short: {failure}");
//! }
//! println!("{} requests, {} findings", analysis.requests, analysis.findings.len());
//! # Ok(())
//! # }
//! ```

pub mod config;
pub mod connection;
pub mod error;
pub mod fetch;
pub mod groups;
pub mod insights;
pub mod live;
pub mod read;
pub mod window;

pub use connection::{profiles, Connection, ProfileInfo, ProfileKind, Target};
pub use error::{Error, Failure};
pub use groups::{is_relevant, kind_of_message, GroupChoice, GroupKind, LogGroup};
pub use read::{Outcome, Read, Reading, Update};
pub use window::{now_ms, parse_time, TimeError, Window, WindowError};
