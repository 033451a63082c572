//! Whether a window of timeouts is more than chance: the scan statistic over time buckets and
//! its Monte Carlo test.
//!
//! A window's strength is Kulldorff's log likelihood ratio of a raised rate inside it, with
//! the expected count in proportion to the requests the window served: timeouts that rise with
//! traffic are no burst. Its p-value is the share of draws, each putting the same number of
//! timeouts over the buckets at random in proportion to their traffic, whose strongest window
//! is at least as strong (Kulldorff 1997; Besag and Clifford's early stop once the answer is
//! known). The draws come from a fixed seed, so the same logs give the same answer.

/// Rounds of the Monte Carlo test: the smallest p-value it can give is 1 / (ROUNDS + 1).
pub(super) const ROUNDS: u32 = 999;

/// The seed of the draws.
const SEED: u64 = 0x0005_eed0_ce11_1e90;

/// Below this mean a binomial is drawn exactly (its cost grows with the mean), above it from
/// the normal approximation: the cost of one draw stays bounded whatever the counts.
const EXACT_MEAN: f64 = 30.0;

/// What makes a window a candidate: the same rules for the observed counts and for the draws,
/// so that the p-value is that of the statistic the scan reports.
#[derive(Clone, Copy)]
pub(super) struct Rules {
    /// Timeouts a window needs.
    pub(super) min_timeouts: u64,
    /// How many times the rate per request outside the window the rate inside must be.
    pub(super) rate_ratio: f64,
}

/// The buckets of a period: timeouts and requests served in each, as prefix sums.
pub(super) struct Counts {
    timeouts: Vec<u64>,
    traffic: Vec<u64>,
}

impl Counts {
    /// `timeouts[i]` and `traffic[i]` per bucket; a bucket serves at least its timeouts.
    pub(super) fn new(timeouts: &[u64], traffic: &[u64]) -> Counts {
        Counts {
            timeouts: prefix(timeouts),
            traffic: prefix(
                &timeouts
                    .iter()
                    .zip(traffic)
                    .map(|(t, n)| (*t).max(*n))
                    .collect::<Vec<_>>(),
            ),
        }
    }

    fn buckets(&self) -> usize {
        self.timeouts.len() - 1
    }

    fn total(&self) -> (u64, u64) {
        let b = self.buckets();
        (self.timeouts[b], self.traffic[b])
    }

    /// The strongest candidate window that holds no `taken` bucket, at most half the period
    /// long: (strength, first bucket, bucket after the last).
    pub(super) fn strongest(&self, taken: &[bool], rules: Rules) -> Option<(f64, usize, usize)> {
        strongest(&self.timeouts, &self.traffic, taken, rules)
    }
}

/// [`Counts::strongest`] over prefix sums of timeouts and traffic.
fn strongest(
    timeouts: &[u64],
    traffic: &[u64],
    taken: &[bool],
    rules: Rules,
) -> Option<(f64, usize, usize)> {
    let buckets = timeouts.len() - 1;
    let (total, all_traffic) = (timeouts[buckets], traffic[buckets]);
    let (total_f, traffic_f) = (total as f64, all_traffic as f64);
    let mut best: Option<(f64, usize, usize)> = None;
    for start in 0..buckets {
        for end in start + 1..=(start + buckets / 2).min(buckets) {
            if taken[end - 1] {
                break;
            }
            let inside = timeouts[end] - timeouts[start];
            if inside < rules.min_timeouts || inside == 0 {
                continue;
            }
            let served = (traffic[end] - traffic[start]) as f64;
            let expected = total_f * served / traffic_f;
            let (inside_f, outside_f) = (inside as f64, (total - inside) as f64);
            // a raised rate, `rate_ratio` times the rate per request outside the window
            if inside_f <= expected
                || inside_f * (traffic_f - served) < rules.rate_ratio * outside_f * served
            {
                continue;
            }
            let mut strength = inside_f * (inside_f / expected).ln();
            if outside_f > 0.0 {
                strength += outside_f * (outside_f / (total_f - expected)).ln();
            }
            if best.is_none_or(|(s, _, _)| strength > s) {
                best = Some((strength, start, end));
            }
        }
    }
    best
}

fn prefix(values: &[u64]) -> Vec<u64> {
    let mut sums = Vec::with_capacity(values.len() + 1);
    sums.push(0u64);
    for value in values {
        sums.push(sums[sums.len() - 1].saturating_add(*value));
    }
    sums
}

/// The strongest windows of the draws, for the p-values of the windows found.
pub(super) struct Draws {
    /// The strongest window's strength in each round drawn (0 where no window was a candidate).
    strongest: Vec<f64>,
}

impl Draws {
    /// Draws rounds until more than `allowed` of them beat `observed` (then the window is no
    /// burst and the draws stop) or all [`ROUNDS`] are drawn. Each round costs the bucket
    /// count times [`EXACT_MEAN`] random numbers at most, and one scan.
    pub(super) fn against(counts: &Counts, observed: f64, allowed: u32, rules: Rules) -> Draws {
        let buckets = counts.buckets();
        let (total, traffic) = counts.total();
        let per_bucket: Vec<u64> = counts.traffic.windows(2).map(|w| w[1] - w[0]).collect();
        let mut random = Random(SEED);
        let mut drawn = vec![0u64; buckets];
        let mut sums = vec![0u64; buckets + 1];
        let none = vec![false; buckets];
        let mut strengths = Vec::new();
        let mut beaten = 0;
        for _ in 0..ROUNDS {
            let (mut left, mut traffic_left) = (total, traffic);
            for (count, &served) in drawn.iter_mut().zip(&per_bucket) {
                *count = if served >= traffic_left {
                    left
                } else {
                    random.binomial(left, served as f64 / traffic_left as f64)
                };
                left -= *count;
                traffic_left -= served;
            }
            for i in 0..buckets {
                sums[i + 1] = sums[i] + drawn[i];
            }
            let strength =
                strongest(&sums, &counts.traffic, &none, rules).map_or(0.0, |(s, _, _)| s);
            strengths.push(strength);
            if strength >= observed {
                beaten += 1;
                if beaten > allowed {
                    break;
                }
            }
        }
        Draws {
            strongest: strengths,
        }
    }

    /// Whether every round was drawn (no early stop).
    pub(super) fn complete(&self) -> bool {
        self.strongest.len() == ROUNDS as usize
    }

    /// Rounds whose strongest window is at least `strength`.
    pub(super) fn beating(&self, strength: f64) -> u32 {
        self.strongest.iter().filter(|s| **s >= strength).count() as u32
    }
}

/// The p-value of a window that `beaten` of the [`ROUNDS`] draws matched or beat.
pub(super) fn p_value(beaten: u32) -> f64 {
    f64::from(beaten + 1) / f64::from(ROUNDS + 1)
}

/// How many rounds may beat a window for it to stay under a p-value of `per_mille` / 1000:
/// `None` when none may (and the window is never a burst).
pub(super) fn allowed(per_mille: u32) -> Option<u32> {
    let budget = u64::from(per_mille) * u64::from(ROUNDS + 1) / 1000;
    budget
        .checked_sub(1)
        .map(|b| b.min(u64::from(ROUNDS)) as u32)
}

/// SplitMix64: small, fast and good enough for a Monte Carlo test.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        (-2.0 * self.unit().ln()).sqrt() * (std::f64::consts::TAU * self.unit()).cos()
    }

    /// Successes in `n` trials of probability `p`.
    fn binomial(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        let q = p.min(1.0 - p);
        let mean = n as f64 * q;
        let k = if mean < EXACT_MEAN {
            // the gaps between successes are geometric: about `mean` + 1 steps
            let log_miss = (-q).ln_1p();
            let (mut successes, mut position) = (0u64, 0u64);
            loop {
                let gap = (self.unit().ln() / log_miss).floor() as u64;
                position = position.saturating_add(gap).saturating_add(1);
                if position > n {
                    break successes;
                }
                successes += 1;
            }
        } else {
            let spread = (mean * (1.0 - q)).sqrt();
            (mean + spread * self.normal()).round().clamp(0.0, n as f64) as u64
        };
        if q < p {
            n - k
        } else {
            k
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_draws_have_their_mean() {
        let mut random = Random(1);
        for (n, p) in [(10u64, 0.3), (1000, 0.5), (50, 0.98), (7, 0.01)] {
            let rounds = 4000;
            let sum: u64 = (0..rounds).map(|_| random.binomial(n, p)).sum();
            let mean = sum as f64 / rounds as f64;
            let sd = (n as f64 * p * (1.0 - p) / rounds as f64).sqrt();
            assert!(
                (mean - n as f64 * p).abs() < 5.0 * sd + 1e-9,
                "{n} {p}: {mean}"
            );
        }
        assert_eq!(random.binomial(0, 0.5), 0);
        assert_eq!(random.binomial(9, 1.0), 9);
    }

    #[test]
    fn the_allowance_follows_the_threshold() {
        assert_eq!(allowed(10), Some(9));
        assert_eq!(allowed(0), None);
        assert_eq!(allowed(1), Some(0));
        assert_eq!(allowed(u32::MAX), Some(ROUNDS));
        assert!((p_value(9) - 0.01).abs() < 1e-12);
    }

    const RULES: Rules = Rules {
        min_timeouts: 5,
        rate_ratio: 3.0,
    };

    #[test]
    fn timeouts_in_step_with_traffic_are_no_window() {
        // ten times the traffic in buckets 10..15, and ten times the timeouts
        let traffic: Vec<u64> = (0..60)
            .map(|i| if (10..15).contains(&i) { 1000 } else { 100 })
            .collect();
        let timeouts: Vec<u64> = (0..60)
            .map(|i| if (10..15).contains(&i) { 10 } else { 1 })
            .collect();
        let counts = Counts::new(&timeouts, &traffic);
        assert!(counts.strongest(&[false; 60], RULES).is_none());
        // the same timeouts over even traffic are a window, and no draw comes close
        let even = Counts::new(&timeouts, &[100; 60]);
        let (strength, start, end) = even.strongest(&[false; 60], RULES).unwrap();
        assert_eq!((start, end), (10, 15));
        let draws = Draws::against(&even, strength, 9, RULES);
        assert!(draws.complete());
        assert_eq!(draws.beating(strength), 0);
    }

    #[test]
    fn the_draws_stop_once_the_window_is_no_burst() {
        // one timeout a bucket: any window is what chance gives
        let counts = Counts::new(&[1; 40], &[10; 40]);
        let rules = Rules {
            min_timeouts: 1,
            rate_ratio: 1.0,
        };
        let draws = Draws::against(&counts, 0.0, 9, rules);
        assert!(!draws.complete());
        assert_eq!(draws.beating(0.0), 10);
    }
}
