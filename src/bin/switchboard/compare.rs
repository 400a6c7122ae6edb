//! `compare`: every built-in policy on the same days, or (with `--plan`
//! or `--variant`) the scenario beside other plans or rule sets.

use crate::progress::{day_bar, Counter};
use crate::shared::{factory, plot_comparison, write, Common, Failure};
use clap::Args;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use switchboard::policy::{BuiltinPolicy, PolicyFactory};
use switchboard::sim::{compare_replicated_with_progress, Comparison, Scenario};

/// `compare`'s options.
#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    pub common: Common,
    /// A routing plan (JSON file) to run the scenario's days under, beside
    /// the scenario as it is (repeatable; `none`: without a plan). The
    /// scenario's policy routes every variant.
    #[arg(long = "plan", value_name = "FILE")]
    pub plans: Vec<String>,
    /// Another scenario file describing the same days with other rules
    /// (engine settings, workload rules, plan), beside the scenario
    /// (repeatable).
    #[arg(long = "variant", value_name = "FILE")]
    pub variants: Vec<PathBuf>,
}

/// `compare`: the reports side by side (one seed) or the paired
/// differences with their significance (several); policies, or the
/// variants when `--plan` or `--variant` names some.
pub fn run(a: &CompareArgs) -> Result<(), Failure> {
    let c = &a.common;
    let scenario = c.load()?;
    if a.plans.is_empty() && a.variants.is_empty() {
        return compare(c, scenario);
    }
    let variants = crate::variants::variants(c, scenario, &a.plans, &a.variants)?;
    crate::variants::compare(c, &variants)
}

/// Every built-in policy on the same days.
fn compare(c: &Common, scenario: Scenario) -> Result<(), Failure> {
    let names: Vec<String> = BuiltinPolicy::names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    if c.seeds == 1 {
        let mut reports = Vec::new();
        for name in &names {
            let sim = c
                .simulation(scenario.clone(), c.seed)
                .with_progress(day_bar(name));
            reports.push(sim.run(factory(name)?.build())?.report);
        }
        let comparison = Comparison { reports };
        print!("{comparison}");
        write(&c.report_path("compare.json")?, &comparison.to_json())?;
        for path in switchboard::sim::plot::write_all(&comparison, &c.out_dir)? {
            println!("plot: {}", path.display());
        }
        return Ok(());
    }
    let factories: Vec<PolicyFactory> =
        names.iter().map(|n| factory(n)).collect::<Result<_, _>>()?;
    let bar = Counter::new("policies", c.seeds * names.len() as u64, "runs");
    let done = AtomicUsize::new(0);
    let comparison =
        compare_replicated_with_progress(&c.replications(scenario), &factories, &|_, _, _| {
            // ORDERING: Relaxed: a progress count, nothing read behind it.
            bar.set(done.fetch_add(1, Ordering::Relaxed) + 1)
        })?;
    bar.finish();
    print!("{comparison}");
    write(&c.report_path("compare_seeds.json")?, &comparison.to_json())?;
    plot_comparison(c, &comparison)
}
