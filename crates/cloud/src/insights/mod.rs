//! CloudWatch Logs Insights for windows too large to download. The service counts and ranks
//! on its own machines: requests per status, per route and per time bin, with percentiles.
//! Only the notable requests (5xx answers, timeouts, near misses) come back as raw events,
//! which the engine reads as it reads any record; the counts go to the engine as
//! [`Aggregates`](ceiling_engine::Aggregates), and the analysis says which figures are
//! approximate.
//!
//! - [`queries`]: the text of the queries and the reading of their rows (pure).
//! - [`notable`]: from which latency a request is read raw, per route where the stage's
//!   configuration gives one a ceiling of its own (pure).
//! - [`plan`]: download or Insights, per group, from a sampled message and the mode (pure).
//! - [`run`]: the queries sent and waited for, and [`Counting`], which drives a set of groups.

pub mod notable;
pub mod plan;
pub mod queries;
pub mod run;

pub use notable::Notable;
pub use plan::{Mode, Plan, DOWNLOAD_SECONDS_LIMIT};
pub use queries::{
    json_of_rows, rows_of_json, AccessQueries, FunctionQueries, Row, RowsDocument, Volume, MAX_ROWS,
};
pub use run::{Counted, Counting, NotableRows, Watch};
