//! Progress of a running analysis, sent to the window a few times a second: the engine's
//! counters, each log group's fetch, and the analysis of what was read so far.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ceiling_cloud::fetch::GroupProgress;
use ceiling_engine::{Analyzer, Progress, Settings};
use ceiling_report::Zone;
use tauri::ipc::Channel;

use crate::transport::{Completeness, ProgressUpdate, View};

/// How often the window hears of progress: a few times a second.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// What the reading threads leave for the progress reports.
pub struct Interim {
    settings: Settings,
    zone: Zone,
    groups: Mutex<Vec<GroupProgress>>,
    so_far: Mutex<Option<View>>,
}

impl Interim {
    pub fn new(settings: Settings, zone: Zone) -> Interim {
        Interim {
            settings,
            zone,
            groups: Mutex::default(),
            so_far: Mutex::default(),
        }
    }

    /// Keeps a snapshot of `analyzer`, to send with the next progress report.
    pub fn snapshot(&self, analyzer: &Analyzer) {
        let analysis = analyzer.snapshot();
        if analysis.requests == 0 && analysis.lambda.is_none() {
            return;
        }
        let charts = ceiling_report::charts(&analysis, self.zone);
        let view = View::new(
            analysis,
            charts,
            Completeness::Reading,
            Vec::new(),
            &self.settings,
        );
        if let Ok(mut so_far) = self.so_far.lock() {
            *so_far = Some(view);
        }
    }

    /// Records where a log group's fetch is.
    pub fn group(&self, done: &GroupProgress) {
        if let Ok(mut shown) = self.groups.lock() {
            match shown.iter_mut().find(|g| g.group == done.group) {
                Some(group) => *group = done.clone(),
                None => shown.push(done.clone()),
            }
        }
    }
}

/// The thread that sends progress until stopped.
pub struct Ticker {
    done: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Ticker {
    /// Sends progress every [`PROGRESS_EVERY`] until [`Ticker::stop`].
    pub fn start(
        progress: Arc<Progress>,
        total_bytes: u64,
        interim: Arc<Interim>,
        channel: Channel<ProgressUpdate>,
    ) -> Ticker {
        let done = Arc::new(AtomicBool::new(false));
        let stop = done.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                let update = ProgressUpdate {
                    bytes: progress.bytes_read(),
                    total_bytes,
                    lines: progress.lines_read(),
                    requests: progress.requests_read(),
                    timeouts: progress.timeouts_seen(),
                    elapsed_ms: started.elapsed().as_millis() as u64,
                    groups: interim.groups.lock().map(|g| g.clone()).unwrap_or_default(),
                    so_far: interim.so_far.lock().ok().and_then(|mut v| v.take()),
                };
                if channel.send(update).is_err() {
                    return;
                }
                std::thread::sleep(PROGRESS_EVERY);
            }
        });
        Ticker { done, thread }
    }

    pub fn stop(self) {
        self.done.store(true, Ordering::Relaxed);
        // a ticker that panicked has nothing more to send
        let _ = self.thread.join();
    }
}
