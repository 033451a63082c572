//! A route's latency distribution, binned: what a comparison of two analyses tests one
//! window's latencies against the other's with (a rank test needs the distribution, not its
//! percentiles).

use serde::{Deserialize, Serialize};

/// Latencies counted in bins about 3% wide: exact below 64 ms, then 32 bins per doubling
/// (a 30 s range takes about 350 bins). Each entry is a bin's lowest value in milliseconds
/// and how many latencies fell in it, lowest bin first, empty bins left out.
///
/// Written to JSON as `[[lowest_ms, count], ...]`, the non-empty bins only, so that a
/// saved analysis compares as the one it was saved from. An analysis saved before the bins
/// were written has none (and a comparison says so rather than test it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyBins(pub Vec<(u32, u64)>);

impl LatencyBins {
    /// The latencies counted.
    pub fn count(&self) -> u64 {
        self.0.iter().map(|(_, n)| n).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
