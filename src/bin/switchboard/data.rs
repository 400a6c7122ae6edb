//! `import` and `export`: your own day in from CSV, the scenario's day out.

use crate::progress::day_bar;
use crate::shared::{factory, plot_comparison, write, Common, Failure};
use clap::Args;
use std::path::{Path, PathBuf};
use switchboard::sim::{
    export_conversations, export_roster, import_day, Replicated, ReplicatedComparison, Scenario,
    Workload,
};

/// Options of `import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    pub common: Common,
    /// Conversations CSV: opened_at, customer (required); channel, topic,
    /// skills, tier, priority, bot, first_response_at, resolved_at, messages.
    #[arg(long)]
    conversations: PathBuf,
    /// Roster CSV: agent, start, end (required); cap, skills, channels.
    #[arg(long)]
    roster: PathBuf,
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))
}

/// `import`: your own day under each policy.
pub fn import(c: &Common, base: Scenario, a: &ImportArgs) -> Result<(), Failure> {
    let day = import_day(
        &base,
        &a.conversations.display().to_string(),
        &read(&a.conversations)?,
        &a.roster.display().to_string(),
        &read(&a.roster)?,
    )
    .map_err(|e| Failure::Input(e.to_string()))?;
    println!(
        "imported {} conversations and {} agents over {} day(s)",
        day.workload.arrivals.len(),
        day.workload.agents.len(),
        day.scenario.days
    );
    let seeds = c.seed_list();
    let mut runs = Vec::new();
    for name in c.policies() {
        let f = factory(&name)?;
        let mut reports = Vec::new();
        for &seed in &seeds {
            let sim = c
                .simulation(day.scenario.clone(), seed)
                .with_workload(day.workload.clone())
                .with_progress(day_bar(&name));
            reports.push(sim.run(f.build())?.report);
        }
        runs.push(Replicated::of(reports, seeds.clone()));
    }
    let comparison = ReplicatedComparison::of(runs);
    print!("{comparison}");
    write(&c.report_path("import.json")?, &comparison.to_json())?;
    plot_comparison(c, &comparison)
}

/// `export`: the scenario's day as CSV.
pub fn export(c: &Common, scenario: Scenario) -> Result<(), Failure> {
    let day = Workload::generate(&scenario, c.seed);
    write(
        &c.out_file("conversations.csv")?,
        &export_conversations(&scenario, &day),
    )?;
    write(&c.out_file("roster.csv")?, &export_roster(&scenario, &day))
}
