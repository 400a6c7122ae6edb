//! How the staffing search decides that a candidate meets its target:
//! with a stated confidence, on the interval over seeds rather than on the
//! mean, and with as many seeds as that takes (up to a bound).
//!
//! The mean over a handful of seeds is an estimate. Choosing the fewest
//! agents whose *estimated* service level meets the target picks, whenever
//! the true figure sits just below the target, the smaller staffing about
//! half the time: the search is biased low. With a confidence `c` the
//! search asks instead that the lower end of the two-sided `c` interval
//! (Student's t over the seeds) meet the service level and its upper end
//! meet the occupancy limit. A candidate whose interval straddles the
//! target is undecided: it gets more seeds, then is counted as not met.
//!
//! A service level per interval is skewed (most seeds answer nearly
//! everyone in time, a few hit a congested spell and answer half), and with
//! few seeds the t interval of a skewed figure is too narrow exactly when
//! the seeds drawn missed the bad spells: on the published Erlang C case
//! (13 agents, 79.6% in truth), 8 seeds gave lower ends of 86.7%. So no
//! candidate is declared meeting the target on fewer than
//! [`MIN_SEEDS_TO_MEET`] seeds; a clear failure needs no such floor.

use super::intervals::IntervalFigures;
use super::report::Report;
use super::stats::Estimate;

/// The verdict on one candidate staffing for one interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The interval lies on the right side of both targets.
    Meets,
    /// The interval lies on the wrong side of a target: no more seeds can
    /// make it meet.
    Fails,
    /// The interval straddles a target: more seeds may decide.
    Undecided,
}

/// Fewest seeds on which a candidate can be declared meeting the target
/// with a confidence above 0 (see the module's documentation).
pub const MIN_SEEDS_TO_MEET: u64 = 20;

/// A figure over seeds with the interval the search decided on.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Bounded {
    /// Mean over the seeds.
    pub mean: f64,
    /// Lower end of the interval at the search's confidence.
    pub low: f64,
    /// Upper end of the interval at the search's confidence.
    pub high: f64,
}

impl Bounded {
    /// The two-sided `confidence` interval of the mean of `values` (the
    /// mean itself, no interval, for confidence 0).
    pub(crate) fn of(values: &[f64], confidence: f64) -> Bounded {
        let e = Estimate::of(values);
        Bounded::around(
            e.mean,
            e.std_dev / (e.n.max(1) as f64).sqrt(),
            e.n,
            confidence,
        )
    }

    /// The two-sided `confidence` interval of the share `sum(hits) /
    /// sum(counts)` pooled over seeds (one `(hits, count)` per seed): the
    /// share of all conversations, not the mean of each seed's share, which
    /// would weigh a quiet seed's few conversations as much as a busy
    /// seed's many (and busy seeds are the ones that miss the target). Its
    /// standard error is the ratio estimator's: the spread of `hits - R *
    /// count` over seeds, divided by the mean count.
    pub(crate) fn of_share(seeds: &[(f64, f64)], confidence: f64) -> Bounded {
        let n = seeds.len() as u64;
        let hits: f64 = seeds.iter().map(|s| s.0).sum();
        let count: f64 = seeds.iter().map(|s| s.1).sum();
        if count <= 0.0 {
            // Nobody reached humans: nothing could miss the target.
            return Bounded::around(1.0, 0.0, n.max(2), confidence);
        }
        let share = hits / count;
        let spread = if n > 1 {
            let ss: f64 = seeds.iter().map(|s| (s.0 - share * s.1).powi(2)).sum();
            (ss / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let mean_count = count / n as f64;
        Bounded::around(
            share,
            spread / (n as f64).sqrt() / mean_count,
            n,
            confidence,
        )
    }

    /// `mean` plus or minus the t quantile times `std_error`, over `n`
    /// seeds.
    fn around(mean: f64, std_error: f64, n: u64, confidence: f64) -> Bounded {
        let half = if confidence <= 0.0 {
            0.0
        } else if n <= 1 {
            // One seed says nothing about spread.
            f64::INFINITY
        } else if std_error == 0.0 {
            // Every seed agrees (a service level of 1, say): no spread,
            // and no infinity times zero either.
            0.0
        } else {
            t_quantile((1.0 + confidence) / 2.0, n - 1) * std_error
        };
        Bounded {
            mean,
            low: mean - half,
            high: mean + half,
        }
    }
}

/// The judgement of one candidate in one interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Judged {
    pub verdict: Verdict,
    pub service_level: Bounded,
    pub occupancy: Bounded,
    pub seeds: u64,
}

/// Judges interval `i` of `reports` (one per seed) against a service level
/// (`low` must reach it) and an occupancy limit (`high` must stay under it).
pub(crate) fn judge(
    reports: &[Report],
    i: usize,
    service_level: f64,
    max_occupancy: f64,
    confidence: f64,
) -> Judged {
    let figures: Vec<IntervalFigures> = reports
        .iter()
        .map(|r| r.intervals.get(i).copied().unwrap_or_default())
        .collect();
    let answered: Vec<(f64, f64)> = figures
        .iter()
        .map(|x| {
            let reached = x.reached_humans as f64;
            ((x.within_target * reached).round(), reached)
        })
        .collect();
    let sl = Bounded::of_share(&answered, confidence);
    let occupancy: Vec<f64> = figures.iter().map(|x| x.occupancy).collect();
    let occ = Bounded::of(&occupancy, confidence);
    let enough = confidence <= 0.0 || reports.len() as u64 >= MIN_SEEDS_TO_MEET;
    let verdict = if sl.low >= service_level && occ.high <= max_occupancy && enough {
        Verdict::Meets
    } else if sl.low >= service_level && occ.high <= max_occupancy {
        Verdict::Undecided
    } else if sl.high < service_level || occ.low > max_occupancy {
        Verdict::Fails
    } else {
        Verdict::Undecided
    };
    Judged {
        verdict,
        service_level: sl,
        occupancy: occ,
        seeds: reports.len() as u64,
    }
}

/// The `p` quantile (`0.5 <= p < 1`) of Student's t with `df` degrees of
/// freedom, by bisection on its distribution function (exact to 1e-9;
/// infinity for `df == 0`, where one sample says nothing about spread).
pub(crate) fn t_quantile(p: f64, df: u64) -> f64 {
    if df == 0 || p >= 1.0 || p.is_nan() {
        return f64::INFINITY;
    }
    if p <= 0.5 {
        return 0.0;
    }
    let mut hi = 1.0;
    // Bounded: the quantile of p < 1 is finite; 64 doublings reach 1.8e19.
    for _ in 0..64 {
        if t_cdf(hi, df) >= p {
            break;
        }
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-10 {
            break;
        }
    }
    (lo + hi) / 2.0
}

/// P(T <= t) for Student's t with `df` degrees of freedom, `t >= 0`.
fn t_cdf(t: f64, df: u64) -> f64 {
    let v = df as f64;
    1.0 - 0.5 * incomplete_beta(v / 2.0, 0.5, v / (v + t * t))
}

/// The regularised incomplete beta function I_x(a, b), by its continued
/// fraction (modified Lentz), on the side where it converges fast.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

/// The continued fraction of the incomplete beta function (bounded at 300
/// terms; it converges in a few dozen for the arguments used here).
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { 1.0 / TINY } else { 1.0 / d };
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        h *= d * c;
        let aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { 1.0 / TINY } else { 1.0 / d };
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms; relative error ~1e-15).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
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
        // Reflection keeps the series in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = G[0];
    for (k, g) in G.iter().enumerate().skip(1) {
        sum += g / (x + k as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::stats::t_975;

    #[test]
    fn t_quantile_matches_the_table_of_t_975() {
        for df in [1, 2, 3, 4, 5, 9, 19, 29, 30, 60, 200] {
            let q = t_quantile(0.975, df);
            assert!(
                (q - t_975(df)).abs() < 2e-3,
                "df {df}: {q} vs {}",
                t_975(df)
            );
        }
        // Other levels against published values.
        assert!((t_quantile(0.95, 4) - 2.132).abs() < 1e-3);
        assert!((t_quantile(0.995, 9) - 3.250).abs() < 1e-3);
        assert!((t_quantile(0.9, 1) - 3.078).abs() < 1e-3);
        assert_eq!(t_quantile(0.5, 7), 0.0);
        assert!(t_quantile(0.975, 0).is_infinite());
    }

    #[test]
    fn the_service_level_is_the_share_of_all_conversations_not_the_mean_share() {
        // A quiet seed (10 conversations, all in time) and a busy one (90,
        // half in time): 55 of 100, not the 75% the mean of shares says.
        let b = Bounded::of_share(&[(10.0, 10.0), (45.0, 90.0)], 0.0);
        assert!((b.mean - 0.55).abs() < 1e-12, "{b:?}");
        // The ratio estimator's interval: hits - R*count = 4.5, -4.5;
        // spread 6.364, standard error 6.364 / sqrt(2) / 50 = 0.09.
        let b = Bounded::of_share(&[(10.0, 10.0), (45.0, 90.0)], 0.95);
        let half = 12.706 * 0.09;
        assert!((b.high - b.mean - half).abs() < 1e-3, "{b:?}");
        // Nobody reached humans: met, with no spread.
        let none = Bounded::of_share(&[(0.0, 0.0), (0.0, 0.0)], 0.95);
        assert_eq!((none.low, none.mean, none.high), (1.0, 1.0, 1.0));
    }

    #[test]
    fn confidence_zero_decides_on_the_mean_and_one_seed_decides_nothing() {
        let b = Bounded::of(&[0.7, 0.9], 0.0);
        assert_eq!((b.low, b.high), (b.mean, b.mean));
        let one = Bounded::of(&[0.9], 0.95);
        assert!(one.low.is_infinite() && one.high.is_infinite());
        let same = Bounded::of(&[1.0, 1.0, 1.0], 0.95);
        assert_eq!((same.low, same.high), (1.0, 1.0));
    }
}
