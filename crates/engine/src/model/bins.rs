//! A route's latency distribution, binned: what a comparison of two analyses tests one
//! window's latencies against the other's with (a rank test needs the distribution, not its
//! percentiles).

/// Latencies counted in bins about 3% wide: exact below 64 ms, then 32 bins per doubling
/// (a 30 s range takes about 350 bins). Each entry is a bin's lowest value in milliseconds
/// and how many latencies fell in it, lowest bin first, empty bins left out.
///
/// Kept in memory only: an analysis written as JSON leaves the bins out, so one read back
/// from JSON has none (and a comparison says so rather than test it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
