//! Service and patience time distributions of the classical model, drawn
//! from the simulator's own seeded streams.

use super::rng::SimRng;
use serde::{Deserialize, Serialize};

/// A service or patience time distribution, in seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Exponential with this mean.
    Exponential {
        /// Mean, seconds (> 0).
        mean_secs: f64,
    },
    /// Log-normal with this mean and coefficient of variation.
    Lognormal {
        /// Mean, seconds (> 0).
        mean_secs: f64,
        /// Standard deviation / mean (> 0).
        cv: f64,
    },
    /// Gamma with this mean and coefficient of variation (shape `1/cv²`).
    Gamma {
        /// Mean, seconds (> 0).
        mean_secs: f64,
        /// Standard deviation / mean (> 0).
        cv: f64,
    },
    /// Drawn uniformly from observed values (say, last month's handle
    /// times).
    Empirical {
        /// The observed values, seconds (at least one, each >= 0).
        secs: Vec<f64>,
    },
}

/// Upper bound on rejection-sampling rounds (gamma); past it the mean is
/// returned. The expected number of rounds is below 1.1.
const MAX_REJECTIONS: u32 = 1_000;

impl Distribution {
    /// The mean, seconds.
    pub fn mean_secs(&self) -> f64 {
        match self {
            Distribution::Exponential { mean_secs }
            | Distribution::Lognormal { mean_secs, .. }
            | Distribution::Gamma { mean_secs, .. } => *mean_secs,
            Distribution::Empirical { secs } => secs.iter().sum::<f64>() / secs.len().max(1) as f64,
        }
    }

    /// Whether the distribution is exponential (Erlang's assumption).
    pub fn is_exponential(&self) -> bool {
        matches!(self, Distribution::Exponential { .. })
    }

    /// One draw, seconds (>= 0).
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        match self {
            Distribution::Exponential { mean_secs } => rng.exp(*mean_secs),
            Distribution::Lognormal { mean_secs, cv } => {
                let s2 = (1.0 + cv * cv).ln();
                let median = mean_secs / (1.0 + cv * cv).sqrt();
                rng.lognormal(median, s2.sqrt())
            }
            Distribution::Gamma { mean_secs, cv } => {
                let shape = 1.0 / (cv * cv);
                gamma(rng, shape) * mean_secs / shape
            }
            Distribution::Empirical { secs } => {
                if secs.is_empty() {
                    return 0.0;
                }
                secs[(rng.next_u64() % secs.len() as u64) as usize]
            }
        }
    }

    /// Checks the parameters; `field` names the distribution in errors.
    pub(crate) fn check(&self) -> Result<(), (&'static str, f64, &'static str)> {
        let pos = |name, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err((name, x, "a finite number > 0"))
            }
        };
        match self {
            Distribution::Exponential { mean_secs } => pos("mean_secs", *mean_secs),
            Distribution::Lognormal { mean_secs, cv } | Distribution::Gamma { mean_secs, cv } => {
                pos("mean_secs", *mean_secs)?;
                pos("cv", *cv)?;
                if *cv > 100.0 {
                    return Err(("cv", *cv, "at most 100"));
                }
                Ok(())
            }
            Distribution::Empirical { secs } => {
                if secs.is_empty() {
                    return Err(("secs", 0.0, "a list of at least one value"));
                }
                match secs.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
                    Some(&bad) => Err(("secs", bad, "finite values >= 0")),
                    None => Ok(()),
                }
            }
        }
    }
}

/// A standard gamma draw of `shape` (Marsaglia and Tsang; shape below 1 by
/// boosting with a uniform power).
fn gamma(rng: &mut SimRng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = 1.0 - rng.unit();
        return gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    for _ in 0..MAX_REJECTIONS {
        let x = rng.normal();
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = 1.0 - rng.unit();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(d: &Distribution) -> (f64, f64) {
        let mut rng = SimRng::new(9);
        let xs: Vec<f64> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
        (m, v.sqrt() / m)
    }

    #[test]
    fn distributions_have_their_mean_and_cv() {
        for d in [
            Distribution::Exponential { mean_secs: 100.0 },
            Distribution::Lognormal {
                mean_secs: 100.0,
                cv: 0.5,
            },
            Distribution::Gamma {
                mean_secs: 100.0,
                cv: 0.5,
            },
            Distribution::Gamma {
                mean_secs: 100.0,
                cv: 2.0,
            },
        ] {
            let (m, cv) = moments(&d);
            let want_cv = match d {
                Distribution::Lognormal { cv, .. } | Distribution::Gamma { cv, .. } => cv,
                _ => 1.0,
            };
            assert!((m - 100.0).abs() < 1.5, "{d:?}: mean {m}");
            assert!(
                (cv - want_cv).abs() < 0.05 * want_cv.max(1.0),
                "{d:?}: cv {cv}"
            );
        }
    }
}
