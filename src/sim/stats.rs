//! Statistics across replications: means with 95% confidence intervals
//! from Student's t distribution, and paired differences (the same seeds
//! under two policies) with their own interval, which is what decides
//! whether a difference is significant.

use serde::{Deserialize, Serialize};

/// Two-sided 95% quantiles of Student's t for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom (the
/// factor of a 95% two-sided interval). Table up to 30, then the
/// Cornish-Fisher expansion around the normal quantile (error < 1e-4).
/// `df == 0` gives infinity: one sample says nothing about spread.
pub fn t_975(df: u64) -> f64 {
    match df {
        0 => f64::INFINITY,
        1..=30 => T975[df as usize - 1],
        _ => {
            let z = 1.959_964;
            let d = df as f64;
            let z3 = z * z * z;
            let z5 = z3 * z * z;
            z + (z3 + z) / (4.0 * d) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * d * d)
        }
    }
}

/// A mean over replications with its 95% confidence interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Number of replications.
    pub n: u64,
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator; 0 when n < 2).
    pub std_dev: f64,
    /// Half-width of the 95% interval: `t(n-1) * sd / sqrt(n)`; infinite
    /// for a single replication.
    pub half_width: f64,
}

impl Estimate {
    /// The estimate of `values` (one per replication).
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len() as u64;
        if n == 0 {
            return Estimate::default();
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let std_dev = if n > 1 {
            (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let half_width = if n > 1 {
            t_975(n - 1) * std_dev / (n as f64).sqrt()
        } else {
            f64::INFINITY
        };
        Estimate {
            n,
            mean,
            std_dev,
            half_width,
        }
    }

    /// Lower end of the interval.
    pub fn low(&self) -> f64 {
        self.mean - self.half_width
    }

    /// Upper end of the interval.
    pub fn high(&self) -> f64 {
        self.mean + self.half_width
    }

    /// Whether `x` lies inside the interval.
    pub fn contains(&self, x: f64) -> bool {
        self.low() <= x && x <= self.high()
    }
}

/// The difference `b - a` between two policies on the same seeds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PairedDifference {
    /// Mean and interval of the per-seed differences.
    pub difference: Estimate,
    /// True when the interval excludes zero: at 95% confidence the policies
    /// differ on this KPI (paired t-test).
    pub significant: bool,
}

impl PairedDifference {
    /// Pairs `a[i]` with `b[i]` (same seed) and tests the differences.
    /// Extra values on either side are ignored.
    pub fn of(a: &[f64], b: &[f64]) -> PairedDifference {
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
        let difference = Estimate::of(&d);
        let significant = difference.n > 1
            && difference.half_width.is_finite()
            && (difference.low() > 0.0 || difference.high() < 0.0);
        PairedDifference {
            difference,
            significant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_join_smoothly() {
        assert!((t_975(30) - 2.042).abs() < 1e-3);
        assert!((t_975(31) - 2.040).abs() < 2e-3);
        assert!((t_975(120) - 1.980).abs() < 1e-3);
        assert!(t_975(0).is_infinite());
    }

    #[test]
    fn estimate_of_known_sample() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        assert!((e.std_dev - 1.290_994).abs() < 1e-6);
        assert!((e.half_width - 3.182 * 1.290_994 / 2.0).abs() < 1e-3);
    }

    #[test]
    fn pairing_removes_shared_noise() {
        // Large day-to-day noise, small constant improvement: significant
        // only because the pairs share the noise.
        let a = [10.0, 20.0, 5.0, 30.0, 12.0];
        let b: Vec<f64> = a.iter().map(|x| x - 0.5).collect();
        assert!(PairedDifference::of(&a, &b).significant);
        assert!(Estimate::of(&a).contains(Estimate::of(&b).mean));
    }
}
