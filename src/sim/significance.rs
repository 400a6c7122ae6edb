//! Several policies over the same seeds, and which differences are
//! significant. Seed `s` is the same day under every policy (same
//! customers, same rosters), so the comparison pairs the runs by seed: the
//! day-to-day noise cancels in each per-seed difference, and a difference is
//! significant when the 95% interval of the per-seed differences excludes
//! zero (a paired t-test).

use super::error::SimError;
use super::replicate::{interval, Replicated, Replications};
use super::stats::PairedDifference;
use crate::policy::PolicyFactory;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One KPI's difference between a policy and the baseline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KpiDifference {
    /// The KPI.
    pub kpi: String,
    /// `policy - baseline`, per seed, with its interval and verdict.
    pub paired: PairedDifference,
}

/// A policy against the baseline (the first policy).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyDifference {
    /// The policy.
    pub policy: String,
    /// The baseline it is compared with.
    pub baseline: String,
    /// Every KPI.
    pub kpis: Vec<KpiDifference>,
}

/// Policies over the same seeds with paired differences.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicatedComparison {
    /// Each policy's replications, in the order given.
    pub policies: Vec<Replicated>,
    /// Each policy after the first against the first.
    pub differences: Vec<PolicyDifference>,
}

/// Runs `replications` once per policy and pairs the results by seed.
pub fn compare_replicated(
    replications: &Replications,
    policies: &[PolicyFactory],
) -> Result<ReplicatedComparison, SimError> {
    compare_replicated_with_progress(replications, policies, &|_, _, _| {})
}

/// As [`compare_replicated`], calling `progress(policy index, finished
/// replications of it, total)` as runs end.
pub fn compare_replicated_with_progress(
    replications: &Replications,
    policies: &[PolicyFactory],
    progress: &(dyn Fn(usize, usize, usize) + Sync),
) -> Result<ReplicatedComparison, SimError> {
    let mut runs = Vec::with_capacity(policies.len());
    for (i, p) in policies.iter().enumerate() {
        runs.push(replications.run_with_progress(p, &|done, total| progress(i, done, total))?);
    }
    Ok(ReplicatedComparison::of(runs))
}

impl ReplicatedComparison {
    /// Pairs `runs` (same seeds, one per policy) against the first.
    pub fn of(runs: Vec<Replicated>) -> ReplicatedComparison {
        let differences = match runs.first() {
            None => Vec::new(),
            Some(base) => runs
                .iter()
                .skip(1)
                .map(|r| PolicyDifference {
                    policy: r.policy.clone(),
                    baseline: base.policy.clone(),
                    kpis: r
                        .kpis
                        .iter()
                        .zip(&base.kpis)
                        .map(|(k, b)| KpiDifference {
                            kpi: k.name.clone(),
                            paired: PairedDifference::of(&b.values, &k.values),
                        })
                        .collect(),
                })
                .collect(),
        };
        ReplicatedComparison {
            policies: runs,
            differences,
        }
    }

    /// The comparison as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl fmt::Display for ReplicatedComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(first) = self.policies.first() else {
            return writeln!(f, "(no policies)");
        };
        writeln!(
            f,
            "{} -- {} seeds, the same days under each policy; mean ± 95% interval",
            first.scenario,
            first.seeds.len()
        )?;
        write!(f, "  {:<28}", "")?;
        for r in &self.policies {
            write!(f, " {:>22}", r.policy)?;
        }
        writeln!(f)?;
        for (i, k) in first.kpis.iter().enumerate() {
            write!(f, "  {:<28}", k.name)?;
            for r in &self.policies {
                let cell = r
                    .kpis
                    .get(i)
                    .map_or(String::new(), |k| interval(&k.estimate));
                write!(f, " {cell:>22}")?;
            }
            writeln!(f)?;
        }
        for d in &self.differences {
            writeln!(f, "  {} vs {} (paired by seed):", d.policy, d.baseline)?;
            let mut any = false;
            for k in &d.kpis {
                let e = &k.paired.difference;
                if k.paired.significant {
                    any = true;
                    writeln!(
                        f,
                        "    {:<28} {:+.4} ± {:.4}  significant",
                        k.kpi, e.mean, e.half_width
                    )?;
                }
            }
            if !any {
                writeln!(f, "    no KPI differs significantly at 95%")?;
            }
            let within_noise: Vec<&str> = d
                .kpis
                .iter()
                .filter(|k| !k.paired.significant)
                .map(|k| k.kpi.as_str())
                .collect();
            if any && !within_noise.is_empty() {
                writeln!(f, "    within the noise: {}", within_noise.join(", "))?;
            }
        }
        Ok(())
    }
}
