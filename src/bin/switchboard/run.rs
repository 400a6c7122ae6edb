//! `run` (and `switchboard` alone): one seed in full detail, or several
//! with intervals.

use crate::progress::{day_bar, Counter};
use crate::shared::{factory, write, Common, Failure};
use clap::Args;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;
use switchboard::sim::{FaultConfig, Replicated, Scenario};

/// Options of `run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: Common,
    /// Write a JSON Lines trace of every input and decision (single seed).
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Print the scenario in effect as JSON (a starting point for your own
    /// scenario file) and exit.
    #[arg(long)]
    pub print_scenario: bool,
    /// Inject faults between the day and the engine (duplicated, late and
    /// out-of-order commands, agents dropping, clock jumps), audit after
    /// every command, and print what was injected and any violation.
    #[arg(long)]
    pub faults: bool,
}

/// Replicated runs of one policy with a progress bar.
pub fn replicated(c: &Common, scenario: Scenario, policy: &str) -> Result<Replicated, Failure> {
    let f = factory(policy)?;
    let bar = Counter::new(policy, c.seeds, "seeds");
    let r = c
        .replications(scenario)
        .run_with_progress(&f, &|done, _| bar.set(done))?;
    bar.finish();
    Ok(r)
}

/// `run`: the scenario of `--scenario` (or the default day).
pub fn run(a: &RunArgs) -> Result<(), Failure> {
    let scenario = a.common.load()?;
    if a.print_scenario {
        println!("{}", scenario.to_json());
        return Ok(());
    }
    run_scenario(&a.common, scenario, a.trace.as_ref(), a.faults)
}

/// Runs `scenario`: one seed in full detail, several with intervals.
pub fn run_scenario(
    c: &Common,
    scenario: Scenario,
    trace: Option<&PathBuf>,
    faults: bool,
) -> Result<(), Failure> {
    if c.seeds > 1 {
        let name = scenario.policy.name();
        let r = replicated(c, scenario, name)?;
        print!("{r}");
        return write(&c.report_path("replications.json")?, &r.to_json());
    }
    let policy = scenario.policy.build();
    let mut sim = c
        .simulation(scenario, c.seed)
        .with_progress(day_bar(policy.name()));
    if let Some(path) = trace {
        let file = std::fs::File::create(path)
            .map_err(|e| Failure::Run(format!("{}: {e}", path.display())))?;
        sim = sim.with_trace(Box::new(BufWriter::new(file)));
    }
    if faults {
        sim = sim.with_faults(FaultConfig::default());
    }
    let started = Instant::now();
    let outcome = sim.run(policy)?;
    let wall = started.elapsed().as_secs_f64().max(1e-9);
    print!("{}", outcome.report);
    println!(
        "  {:<32} {wall:.2} s wall, {} events ({:.0}/s), {} engine commands ({:.0}/s)",
        "simulation speed",
        outcome.events,
        outcome.events as f64 / wall,
        outcome.report.engine_commands,
        outcome.report.engine_commands as f64 / wall,
    );
    if let Some(f) = &outcome.faults {
        println!("fault injection (seed {})\n{f}", c.seed);
        if f.violations > 0 {
            return Err(Failure::Run(
                "invariant violations under fault injection".into(),
            ));
        }
    }
    match &c.report {
        Some(path) => write(path, &outcome.report.to_json()),
        None => Ok(()),
    }
}
