//! What the simulator's subcommands share: the common options, loading the
//! scenario, policy factories, replications, and writing files.

use clap::Args;
use std::path::{Path, PathBuf};
use switchboard::policy::{BuiltinPolicy, PolicyFactory};
use switchboard::sim::{ReplicatedComparison, Replications, Scenario, Simulation};

/// Options every simulator subcommand takes.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Scenario file (JSON); the built-in default day when absent.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// First seed: same seed, same day, same report.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of seeds (days) to replicate; above 1, KPIs get 95% intervals.
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// Threads for replications (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Routing policy (overrides the scenario's `policy`).
    #[arg(long)]
    pub policy: Option<String>,
    /// Write the result as JSON to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Directory for plots and exported files (created when needed).
    #[arg(long, default_value = "target/sim")]
    pub out_dir: PathBuf,
    /// Tick the engine on a grid of this many milliseconds instead of at
    /// every deadline (alerts up to this late; 0 = exact). Unset: exact for
    /// a messaging day, a one-minute grid for a classical model.
    #[arg(long)]
    pub tick_ms: Option<u64>,
}

/// A failure, and whether it was the user's input (exit code 2).
pub enum Failure {
    /// Bad input: exit code 2.
    Input(String),
    /// Anything else: exit code 1.
    Run(String),
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Run(e.to_string())
    }
}

impl Common {
    /// The scenario in effect (file or default, `--policy` applied),
    /// validated, and the seed count checked.
    pub fn load(&self) -> Result<Scenario, Failure> {
        let mut scenario = match &self.scenario {
            Some(path) => Scenario::from_file(path)
                .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?,
            None => Scenario::default(),
        };
        if let Some(name) = &self.policy {
            scenario.policy = builtin(name)?;
        }
        scenario
            .validate()
            .map_err(|e| Failure::Input(e.to_string()))?;
        self.check_seeds()?;
        Ok(scenario)
    }

    /// Refuses `--seeds 0`.
    pub fn check_seeds(&self) -> Result<(), Failure> {
        if self.seeds == 0 {
            return Err(Failure::Input("--seeds must be at least 1".into()));
        }
        Ok(())
    }

    /// `name` inside `--out-dir`, the directory created first: every file
    /// the CLI writes there goes through this, so no mode finds it missing.
    pub fn out_file(&self, name: &str) -> Result<PathBuf, Failure> {
        std::fs::create_dir_all(&self.out_dir)
            .map_err(|e| Failure::Run(format!("{}: {e}", self.out_dir.display())))?;
        Ok(self.out_dir.join(name))
    }

    /// `--report`, or `name` inside `--out-dir`.
    pub fn report_path(&self, name: &str) -> Result<PathBuf, Failure> {
        match &self.report {
            Some(path) => Ok(path.clone()),
            None => self.out_file(name),
        }
    }

    /// The seeds `seed..seed+seeds`.
    pub fn seed_list(&self) -> Vec<u64> {
        (self.seed..self.seed.saturating_add(self.seeds)).collect()
    }

    /// Replications of `scenario` over the seeds, threads and tick grid.
    pub fn replications(&self, scenario: Scenario) -> Replications {
        let r = Replications::new(scenario, self.seeds)
            .with_seeds(self.seed_list())
            .with_threads(self.threads);
        match self.tick_ms {
            Some(ms) => r.with_tick_granularity(ms),
            None => r,
        }
    }

    /// One day of `scenario` for `seed`, on the tick grid.
    pub fn simulation(&self, scenario: Scenario, seed: u64) -> Simulation {
        let sim = Simulation::new(scenario, seed);
        match self.tick_ms {
            Some(ms) => sim.with_tick_granularity(ms),
            None => sim,
        }
    }

    /// `--policy` alone, or every built-in policy.
    pub fn policies(&self) -> Vec<String> {
        match &self.policy {
            Some(p) => vec![p.clone()],
            None => BuiltinPolicy::names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// The built-in policy `name` (an input error naming the built-ins
/// otherwise).
pub fn builtin(name: &str) -> Result<BuiltinPolicy, Failure> {
    BuiltinPolicy::from_name(name).map_err(|e| Failure::Input(e.to_string()))
}

/// The factory of built-in policy `name` (an input error naming the
/// built-ins otherwise).
pub fn factory(name: &str) -> Result<PolicyFactory, Failure> {
    builtin(name).map(PolicyFactory::from)
}

/// Writes `text` to `path` (its directory created) and says so.
pub fn write(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Run(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(path, text).map_err(|e| Failure::Run(format!("{}: {e}", path.display())))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Plots a replicated comparison's intervals in `--out-dir`.
pub fn plot_comparison(c: &Common, comparison: &ReplicatedComparison) -> Result<(), Failure> {
    let path = c.out_file("compare_intervals.svg")?;
    switchboard::sim::plot_intervals::write_comparison(comparison, &path)?;
    println!("plot: {}", path.display());
    Ok(())
}
