//! `compare --plan P --variant S`: the scenario beside other routing plans
//! or other rule sets on the same days, under one policy.

use crate::shared::{plot_comparison, write, Common, Failure};
use std::path::{Path, PathBuf};
use switchboard::plan::Plan;
use switchboard::policy::PolicyFactory;
use switchboard::sim::{compare_variants, compare_variants_replicated, Scenario, Variant};

/// The name of a variant read from `path`: its file stem.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The scenario as loaded (the baseline), then one variant per `--plan`
/// (`none`: no plan) and per `--variant` scenario file, in that order.
pub fn variants(
    c: &Common,
    scenario: Scenario,
    plans: &[String],
    files: &[PathBuf],
) -> Result<Vec<Variant>, Failure> {
    let base = c.scenario.as_deref().map_or("default day".into(), stem);
    let mut out = vec![Variant::new(base, scenario.clone())];
    for p in plans {
        if p == "none" {
            out.push(Variant::with_plan(&scenario, "no plan", None));
            continue;
        }
        let path = Path::new(p);
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
        let plan = Plan::from_json(&text)
            .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
        out.push(Variant::with_plan(&scenario, stem(path), Some(plan)));
    }
    for f in files {
        let mut s =
            Scenario::from_file(f).map_err(|e| Failure::Input(format!("{}: {e}", f.display())))?;
        if let Some(name) = &c.policy {
            s.policy = crate::shared::builtin(name)?;
        }
        out.push(Variant::new(stem(f), s));
    }
    Ok(out)
}

/// Runs the variants under the scenario's policy: reports side by side
/// (one seed) or paired differences with their significance (several).
pub fn compare(c: &Common, variants: &[Variant]) -> Result<(), Failure> {
    let policy = PolicyFactory::from(variants[0].scenario.policy);
    let input = |e: switchboard::sim::SimError| match e {
        switchboard::sim::SimError::Variants { .. } | switchboard::sim::SimError::Scenario(_) => {
            Failure::Input(e.to_string())
        }
        other => Failure::Run(other.to_string()),
    };
    if c.seeds == 1 {
        let comparison = compare_variants(variants, c.seed, &policy).map_err(input)?;
        print!("{comparison}");
        write(&c.report_path("compare.json")?, &comparison.to_json())?;
        for path in switchboard::sim::plot::write_all(&comparison, &c.out_dir)? {
            println!("plot: {}", path.display());
        }
        return Ok(());
    }
    let first = variants[0].scenario.clone();
    let comparison =
        compare_variants_replicated(variants, &c.replications(first), &policy).map_err(input)?;
    print!("{comparison}");
    write(&c.report_path("compare_seeds.json")?, &comparison.to_json())?;
    plot_comparison(c, &comparison)
}
