//! The tests a comparison calls a change with: a rank test on two latency distributions
//! (Mann-Whitney U, from binned counts, with the tie correction and a normal approximation)
//! and a test on two counts of events over two exposures (timeouts per request: the
//! conditional binomial test of two Poisson rates).

use serde::{Deserialize, Serialize};

/// The Mann-Whitney U test of the `after` sample against the `before` one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankTest {
    /// U of the after sample: pairs (before, after) where after is the larger, ties counted
    /// half.
    pub u: f64,
    /// The standard score of `u` (continuity-corrected); positive when after is slower.
    pub z: f64,
    /// Two-sided.
    pub p_value: f64,
    /// `u` over the pairs: the chance that a request of after is slower than one of before
    /// (ties half); 0.5 when neither is.
    pub effect: f64,
}

/// Mann-Whitney U of two samples given as `(value, count)` bins, each ascending by value;
/// values in one bin are ties. `None` when a sample is empty.
pub fn mann_whitney(before: &[(u32, u64)], after: &[(u32, u64)]) -> Option<RankTest> {
    let n_before: f64 = before.iter().map(|(_, n)| *n as f64).sum();
    let n_after: f64 = after.iter().map(|(_, n)| *n as f64).sum();
    if n_before == 0.0 || n_after == 0.0 {
        return None;
    }
    let (mut i, mut j) = (0, 0);
    let mut seen = 0.0;
    let mut rank_sum_after = 0.0;
    let mut ties = 0.0;
    while i < before.len() || j < after.len() {
        let value = match (before.get(i), after.get(j)) {
            (Some(a), Some(b)) => a.0.min(b.0),
            (Some(a), None) => a.0,
            (None, Some(b)) => b.0,
            (None, None) => unreachable!("the loop holds one of them"),
        };
        let take = |bins: &[(u32, u64)], k: &mut usize| match bins.get(*k) {
            Some((v, n)) if *v == value => {
                *k += 1;
                *n as f64
            }
            _ => 0.0,
        };
        let a = take(before, &mut i);
        let b = take(after, &mut j);
        let t = a + b;
        // the bin's values share the middle of the ranks seen + 1 ..= seen + t
        rank_sum_after += b * (seen + (t + 1.0) / 2.0);
        ties += t * t * t - t;
        seen += t;
    }
    let n = n_before + n_after;
    let pairs = n_before * n_after;
    let u = rank_sum_after - n_after * (n_after + 1.0) / 2.0;
    let mean = pairs / 2.0;
    let variance = pairs / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    let (z, p_value) = if variance > 0.0 {
        let distance = ((u - mean).abs() - 0.5).max(0.0);
        let z = distance.copysign(u - mean) / variance.sqrt();
        (z, two_sided_normal(z))
    } else {
        // every value ties: nothing tells the samples apart
        (0.0, 1.0)
    };
    Some(RankTest {
        u,
        z,
        p_value,
        effect: u / pairs,
    })
}

/// The test of two counts of events, `before` in `before_exposure` trials and `after` in
/// `after_exposure`: given their sum, `after` is binomial with the after share of the
/// exposure when the two rates are equal. Exact, two-sided (the outcomes no likelier than
/// the one seen). `None` without exposure on either side.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateTest {
    /// Events per trial, before and after.
    pub before_rate: f64,
    pub after_rate: f64,
    pub p_value: f64,
}

pub fn rate_test(
    before: u64,
    before_exposure: u64,
    after: u64,
    after_exposure: u64,
) -> Option<RateTest> {
    if before_exposure == 0 || after_exposure == 0 {
        return None;
    }
    let before_rate = before as f64 / before_exposure as f64;
    let after_rate = after as f64 / after_exposure as f64;
    let k = before + after;
    if k == 0 {
        return Some(RateTest {
            before_rate,
            after_rate,
            p_value: 1.0,
        });
    }
    let share = after_exposure as f64 / (before_exposure + after_exposure) as f64;
    let (ln_p, ln_q) = (share.ln(), (1.0 - share).ln());
    let ln_choose_k = ln_gamma(k as f64 + 1.0);
    let ln_pmf = |i: u64| {
        ln_choose_k - ln_gamma(i as f64 + 1.0) - ln_gamma((k - i) as f64 + 1.0)
            + i as f64 * ln_p
            + (k - i) as f64 * ln_q
    };
    let seen = ln_pmf(after);
    // outcomes as likely as the one seen, within rounding, count as extreme as it
    let bound = seen + 1e-7;
    let p_value: f64 = (0..=k)
        .map(ln_pmf)
        .filter(|ln| *ln <= bound)
        .map(f64::exp)
        .sum();
    Some(RateTest {
        before_rate,
        after_rate,
        p_value: p_value.min(1.0),
    })
}

/// P(|Z| >= |z|) for a standard normal Z.
fn two_sided_normal(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// The complementary error function, with a relative error below 1.2e-7 everywhere
/// (Numerical Recipes' Chebyshev fit).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let value = t * poly.exp();
    if x >= 0.0 {
        value
    } else {
        2.0 - value
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients: about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // reflection: Γ(x) Γ(1 - x) = π / sin(πx)
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn mann_whitney_by_hand_with_ties() {
        // before: 10 20 20 30; after: 20 30 40.
        // Ranks over the seven: 10 -> 1; the three 20s -> 3; the two 30s -> 5.5; 40 -> 7.
        // After's rank sum: 3 + 5.5 + 7 = 15.5, so U = 15.5 - 3*4/2 = 9.5 of 12 pairs.
        // Ties: a group of 3 (24) and one of 2 (6): variance = 12/12 * (8 - 30/42) = 7.2857.
        // z = (|9.5 - 6| - 0.5) / sqrt(7.2857) = 3 / 2.6992 = 1.1114; p = 0.2664.
        let before = [(10, 1), (20, 2), (30, 1)];
        let after = [(20, 1), (30, 1), (40, 1)];
        let test = mann_whitney(&before, &after).unwrap();
        assert!(close(test.u, 9.5, 1e-12), "{test:?}");
        assert!(close(test.effect, 9.5 / 12.0, 1e-12));
        assert!(close(test.z, 1.1114, 1e-4), "{test:?}");
        assert!(close(test.p_value, 0.2664, 1e-4), "{test:?}");
        // the other way round: the same p, U and z mirrored
        let back = mann_whitney(&after, &before).unwrap();
        assert!(close(back.u, 12.0 - 9.5, 1e-12));
        assert!(close(back.z, -test.z, 1e-12));
        assert!(close(back.p_value, test.p_value, 1e-12));
    }

    #[test]
    fn identical_samples_show_nothing_and_shifted_ones_do() {
        let sample: Vec<(u32, u64)> = (100..200).map(|ms| (ms, 5)).collect();
        let same = mann_whitney(&sample, &sample).unwrap();
        assert!(close(same.effect, 0.5, 1e-12));
        assert_eq!(same.z, 0.0);
        assert!(close(same.p_value, 1.0, 1e-6));
        let shifted: Vec<(u32, u64)> = (150..250).map(|ms| (ms, 5)).collect();
        let slower = mann_whitney(&sample, &shifted).unwrap();
        assert!(slower.z > 10.0 && slower.p_value < 1e-20, "{slower:?}");
        let all_tied = mann_whitney(&[(7, 3)], &[(7, 4)]).unwrap();
        assert_eq!(all_tied.p_value, 1.0);
        assert!(mann_whitney(&[], &sample).is_none());
    }

    #[test]
    fn erfc_and_ln_gamma_match_known_values() {
        assert!(close(erfc(0.0), 1.0, 1e-7));
        assert!(close(two_sided_normal(1.959_964), 0.05, 1e-6));
        assert!(close(two_sided_normal(-2.575_829), 0.01, 1e-7));
        assert!(close(ln_gamma(1.0), 0.0, 1e-12));
        assert!(close(ln_gamma(11.0), 3_628_800f64.ln(), 1e-10));
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
    }

    #[test]
    fn rate_test_by_hand() {
        // 0 of 100 then 4 of 100: given 4 events over equal exposures, each falls after
        // with chance 1/2; outcomes as unlikely as 4 of 4 are 0 and 4: p = 2/16.
        let test = rate_test(0, 100, 4, 100).unwrap();
        assert!(close(test.p_value, 0.125, 1e-9), "{test:?}");
        assert!(close(test.after_rate, 0.04, 1e-12));
        // 2 and 2: every outcome is as likely or less: p = 1
        assert!(close(rate_test(2, 100, 2, 100).unwrap().p_value, 1.0, 1e-9));
        assert_eq!(rate_test(0, 10, 0, 10).unwrap().p_value, 1.0);
        assert!(rate_test(1, 0, 1, 10).is_none());
        // 10 in 1000 against 60 in 1000: far apart
        assert!(rate_test(10, 1000, 60, 1000).unwrap().p_value < 1e-8);
    }
}
