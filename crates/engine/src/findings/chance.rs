//! Whether a window of timeouts is more than chance: the scan statistic over time buckets and
//! its Monte Carlo test.
//!
//! A window's strength is Kulldorff's log likelihood ratio of a raised rate inside it, with
//! the expected count in proportion to the requests the window served: timeouts that rise with
//! traffic are no burst. Its p-value is the share of draws, each putting the same number of
//! timeouts over the buckets at random in proportion to their traffic, whose strongest window
//! is at least as strong (Kulldorff 1997; Besag and Clifford's early stop once the answer is
//! known). The draws come from a fixed seed, so the same logs give the same answer.

use std::cmp::Ordering;

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
        strongest(&self.timeouts, &self.traffic, taken, rules, None)
    }
}

/// [`Counts::strongest`] over prefix sums of timeouts and traffic. With a `floor`, a window
/// weaker than it may be passed over: the answer is the same where the strongest window is
/// at least `floor`, and else a weaker strength (or `None`).
///
/// The windows are taken in the order of a plain scan (by first bucket, then by last), and
/// the first of the strongest is kept, so the answer is that of the plain scan. Only fewer
/// are looked at: the windows from one first bucket are grouped by their end, in groups that
/// double in length, and a group is passed over when its most timeouts and least traffic
/// already fail the rules, or cannot beat the best window so far (see [`Scan::may_hold`]).
/// Among timeouts drawn in proportion to traffic few windows are several times the rate
/// outside them, so most groups are passed over whole.
fn strongest(
    timeouts: &[u64],
    traffic: &[u64],
    taken: &[bool],
    rules: Rules,
    floor: Option<f64>,
) -> Option<(f64, usize, usize)> {
    let buckets = timeouts.len() - 1;
    let (total, all_traffic) = (timeouts[buckets], traffic[buckets]);
    let mut scan = Scan {
        timeouts,
        traffic,
        rules,
        total,
        total_f: total as f64,
        traffic_f: all_traffic as f64,
        // the bounds hold where every count is exact as an f64 (a bucket serves at least its
        // timeouts, so the traffic's total is the largest count)
        bounded: all_traffic < 1 << f64::MANTISSA_DIGITS,
        floor: floor.unwrap_or(f64::NEG_INFINITY),
        best: None,
    };
    // the first taken bucket from `start` on (`buckets` where none is)
    let first_taken = |from: usize| from + taken[from..].iter().take_while(|t| !**t).count();
    let mut next_taken = first_taken(0);
    for start in 0..buckets {
        if next_taken < start {
            next_taken = first_taken(start);
        }
        // the window's buckets are `start..end`: none taken, at most half the period
        let last = (start + buckets / 2).min(buckets).min(next_taken);
        let (mut low, mut length) = (start + 1, 1);
        while low <= last {
            let high = (low + length - 1).min(last);
            scan.ends(start, low, high);
            low = high + 1;
            length *= 2;
        }
    }
    scan.best
}

/// One scan of [`strongest`]: the counts, the rules and the best window so far.
struct Scan<'a> {
    timeouts: &'a [u64],
    traffic: &'a [u64],
    rules: Rules,
    total: u64,
    total_f: f64,
    traffic_f: f64,
    /// Whether groups of windows may be passed over ([`Scan::may_hold`]).
    bounded: bool,
    floor: f64,
    best: Option<(f64, usize, usize)>,
}

impl Scan<'_> {
    /// The windows from `start` whose end is in `low..=high`, in order. Inlined: most groups
    /// are passed over at once.
    #[inline]
    fn ends(&mut self, start: usize, low: usize, high: usize) {
        if self.may_hold(start, low, high) {
            self.split(start, low, high);
        }
    }

    /// [`Scan::ends`] of a group that may hold a candidate: the window, or the two halves.
    fn split(&mut self, start: usize, low: usize, high: usize) {
        if low == high {
            self.window(start, low);
        } else {
            let middle = low + (high - low) / 2;
            self.ends(start, low, middle);
            self.ends(start, middle + 1, high);
        }
    }

    /// Whether a window from `start` ending in `low..=high` may be a candidate stronger than
    /// the best so far and the floor; `false` only where none is.
    ///
    /// The rules and the strength are tested as a window would be, with the group's most
    /// timeouts (those up to `high`) and its least traffic (up to `low`). Every count is exact
    /// as an f64 (`bounded`) and rounding is monotone, so each of the window's computed values
    /// lies on the same side of the group's: the group fails a rule only if each of its
    /// windows does. For the strength: a candidate has `inside > expected`, so its term outside
    /// the window is a log of at most 1 (at most 0), and its strength is at most
    /// `inside * ln(inside / expected)`, which grows with `inside` and falls with `expected`;
    /// and `ln x <= (x - 1) / sqrt x` for `x >= 1`. That bound, widened by a margin far above
    /// the few roundings between it and the window's computed strength, is below the best so
    /// far (or the floor) only where the window's strength is too, so it could not win.
    #[inline]
    fn may_hold(&self, start: usize, low: usize, high: usize) -> bool {
        if !self.bounded && low < high {
            return true;
        }
        let inside = self.timeouts[high] - self.timeouts[start];
        if inside < self.rules.min_timeouts || inside == 0 {
            return false;
        }
        let served = (self.traffic[low] - self.traffic[start]) as f64;
        let (inside_f, outside_f) = (inside as f64, (self.total - inside) as f64);
        // a raised rate, `rate_ratio` times the rate per request outside the window (tested
        // before the division of the expected count, which few groups reach)
        if inside_f * (self.traffic_f - served) < self.rules.rate_ratio * outside_f * served {
            return false;
        }
        let expected = self.total_f * served / self.traffic_f;
        if inside_f <= expected {
            return false;
        }
        let beat = self.best.map_or(self.floor, |(s, _, _)| s.max(self.floor));
        if self.bounded && expected > 0.0 && beat > 0.0 {
            let ratio = inside_f / expected;
            let bound = inside_f * (ratio - 1.0) / ratio.sqrt();
            if bound * (1.0 + 1e-9) < beat {
                return false;
            }
        }
        true
    }

    /// Window `start..end`, which [`Scan::may_hold`] found a candidate: its strength, kept if
    /// it is the strongest so far.
    fn window(&mut self, start: usize, end: usize) {
        let inside = self.timeouts[end] - self.timeouts[start];
        let served = (self.traffic[end] - self.traffic[start]) as f64;
        let expected = self.total_f * served / self.traffic_f;
        let (inside_f, outside_f) = (inside as f64, (self.total - inside) as f64);
        let mut strength = inside_f * (inside_f / expected).ln();
        if outside_f > 0.0 {
            strength += outside_f * (outside_f / (self.total_f - expected)).ln();
        }
        if self.best.is_none_or(|(s, _, _)| strength > s) {
            self.best = Some((strength, start, end));
        }
    }
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
    /// The strongest window's strength in each round drawn (0 where no window was a
    /// candidate), or a strength below `floor` where the strongest is below it.
    strongest: Vec<f64>,
    /// The weakest strength the draws are asked about.
    floor: f64,
}

impl Draws {
    /// Draws rounds until more than `allowed` of them beat `observed` (then the window is no
    /// burst and the draws stop) or all [`ROUNDS`] are drawn. Each round costs the bucket
    /// count times [`EXACT_MEAN`] random numbers at most, and one scan. The draws answer
    /// [`Draws::beating`] for strengths of at least `floor` (at most `observed`): a round's
    /// windows weaker than that need not be scanned.
    pub(super) fn against(
        counts: &Counts,
        observed: f64,
        floor: f64,
        allowed: u32,
        rules: Rules,
    ) -> Draws {
        debug_assert!(
            floor.partial_cmp(&observed) != Some(Ordering::Greater),
            "the floor is above the observed strength"
        );
        // below a floor of 0 a round without candidates (0) would compare as one with
        let floor_of_scan = Some(floor).filter(|f| *f > 0.0);
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
            let strength = strongest(&sums, &counts.traffic, &none, rules, floor_of_scan)
                .map_or(0.0, |(s, _, _)| s);
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
            floor,
        }
    }

    /// Whether every round was drawn (no early stop).
    pub(super) fn complete(&self) -> bool {
        self.strongest.len() == ROUNDS as usize
    }

    /// Rounds whose strongest window is at least `strength` (at least the floor).
    pub(super) fn beating(&self, strength: f64) -> u32 {
        debug_assert!(
            strength.partial_cmp(&self.floor) != Some(Ordering::Less),
            "asked below the floor of the draws"
        );
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
        let draws = Draws::against(&even, strength, strength, 9, RULES);
        assert!(draws.complete());
        assert_eq!(draws.beating(strength), 0);
    }

    /// The plain scan, every window in turn: the reference for [`strongest`].
    fn plain_strongest(
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

    /// Random counts of many shapes: sparse and dense timeouts, even and uneven traffic,
    /// buckets without traffic, a burst or none, some buckets taken; and random rules.
    fn random_case(random: &mut Random) -> (Counts, Vec<bool>, Rules) {
        let below = |random: &mut Random, n: u64| random.next() % n.max(1);
        let buckets = [1, 2, 3, 7, 40, 120, 241][below(random, 7) as usize];
        let mean_traffic = [1, 10, 1000, 1 << 40][below(random, 4) as usize];
        let rate: f64 = [0.0, 0.002, 0.02, 0.3, 1.0][below(random, 5) as usize];
        let burst_at = below(random, buckets as u64 * 2) as usize;
        let burst_length = 1 + below(random, 12) as usize;
        let (mut timeouts, mut traffic) = (Vec::new(), Vec::new());
        for i in 0..buckets {
            let served = match below(random, 10) {
                0 => 0,
                1 => mean_traffic * 5,
                _ => mean_traffic / 2 + below(random, mean_traffic),
            };
            let in_burst = (burst_at..burst_at + burst_length).contains(&i);
            let p = if in_burst {
                (rate * 8.0).min(1.0)
            } else {
                rate
            };
            traffic.push(served);
            timeouts.push(if served > 1 << 20 {
                (served as f64 * p) as u64
            } else {
                random.binomial(served, p)
            });
        }
        let mut taken = vec![false; buckets];
        if below(random, 3) == 0 {
            let from = below(random, buckets as u64) as usize;
            let to = (from + 1 + below(random, 20) as usize).min(buckets);
            taken[from..to].iter_mut().for_each(|t| *t = true);
        }
        let rules = Rules {
            min_timeouts: below(random, 8),
            rate_ratio: [0.5, 1.0, 2.0, 3.0, 5.0][below(random, 5) as usize],
        };
        (Counts::new(&timeouts, &traffic), taken, rules)
    }

    #[test]
    fn the_scan_finds_what_the_plain_scan_finds() {
        let mut random = Random(7);
        let bits = |w: Option<(f64, usize, usize)>| w.map(|(s, a, b)| (s.to_bits(), a, b));
        let mut found = 0;
        for _ in 0..3000 {
            let (counts, taken, rules) = random_case(&mut random);
            let plain = plain_strongest(&counts.timeouts, &counts.traffic, &taken, rules);
            assert_eq!(bits(counts.strongest(&taken, rules)), bits(plain));
            // with a floor: the same answer where the strongest reaches it, else a weaker one
            let Some((strength, _, _)) = plain else {
                continue;
            };
            found += 1;
            for floor in [strength * 0.5, strength, strength * 1.0001, strength * 4.0] {
                let fast = strongest(
                    &counts.timeouts,
                    &counts.traffic,
                    &taken,
                    rules,
                    Some(floor),
                );
                if strength >= floor {
                    assert_eq!(bits(fast), bits(plain));
                } else {
                    assert!(fast.is_none_or(|(s, _, _)| s < floor));
                }
            }
        }
        assert!(found > 500, "{found} cases with a window");
    }

    #[test]
    fn the_draws_answer_the_same_above_their_floor() {
        let mut random = Random(11);
        let mut compared = 0;
        for _ in 0..40 {
            let (counts, _, rules) = random_case(&mut random);
            let none = vec![false; counts.buckets()];
            let Some((observed, _, _)) = counts.strongest(&none, rules) else {
                continue;
            };
            let all = Draws::against(&counts, observed, f64::NEG_INFINITY, ROUNDS, rules);
            for floor in [observed * 0.3, observed] {
                let draws = Draws::against(&counts, observed, floor, ROUNDS, rules);
                assert_eq!(draws.strongest.len(), all.strongest.len());
                for strength in [floor, observed * 0.6, observed] {
                    if strength >= floor {
                        assert_eq!(draws.beating(strength), all.beating(strength));
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 30, "{compared}");
    }

    #[test]
    fn the_draws_stop_once_the_window_is_no_burst() {
        // one timeout a bucket: any window is what chance gives
        let counts = Counts::new(&[1; 40], &[10; 40]);
        let rules = Rules {
            min_timeouts: 1,
            rate_ratio: 1.0,
        };
        let draws = Draws::against(&counts, 0.0, 0.0, 9, rules);
        assert!(!draws.complete());
        assert_eq!(draws.beating(0.0), 10);
    }
}
