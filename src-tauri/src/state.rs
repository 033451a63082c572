//! What the app holds between commands: the running analysis and fetch, to cancel them, and
//! the last analysis and comparison, to export them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ceiling_engine::compare::Comparison;
use ceiling_engine::{Analysis, Progress};
use ceiling_report::Zone;

/// The last analysis, for exports.
pub struct Loaded {
    pub analysis: Analysis,
    pub zone: Zone,
}

/// The last comparison, for its report.
pub struct Compared {
    pub comparison: Comparison,
    pub zone: Zone,
}

#[derive(Default)]
pub struct AppState {
    /// The running analysis's progress, to cancel it.
    pub job: Mutex<Option<Arc<Progress>>>,
    /// The running fetch's switch, to cancel it.
    pub fetch: Mutex<Option<Arc<AtomicBool>>>,
    pub last: Mutex<Option<Loaded>>,
    pub compared: Mutex<Option<Compared>>,
}

impl AppState {
    /// Makes `progress` the running analysis, cancelling the one before.
    pub fn start(&self, progress: Arc<Progress>) -> Result<(), crate::error::Error> {
        if let Some(previous) = self.job.lock()?.replace(progress) {
            previous.cancel();
        }
        Ok(())
    }

    /// Stops the running analysis within a line, and the running fetch after its page in
    /// flight.
    pub fn cancel(&self) {
        if let Ok(job) = self.job.lock() {
            if let Some(progress) = job.as_ref() {
                progress.cancel();
            }
        }
        if let Ok(fetch) = self.fetch.lock() {
            if let Some(switch) = fetch.as_ref() {
                switch.store(true, Ordering::Relaxed);
            }
        }
    }
}
