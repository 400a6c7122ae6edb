//! The subcommands: each reads its options, calls the library, prints a
//! table and writes JSON (and plots) next to it.

use super::progress::{day_bar, Counter};
use super::{Common, Failure};
use clap::Args;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;
use switchboard::model::TimeSpan;
use switchboard::policy::{self, PolicyFactory};
use switchboard::sim::{
    compare_replicated_with_progress, Comparison, Distribution, FaultConfig, Replicated,
    ReplicatedComparison, Replications, Scenario, Simulation,
};

pub fn factory(name: &str) -> Result<PolicyFactory, Failure> {
    policy::BuiltinPolicy::from_name(name)
        .map(PolicyFactory::from)
        .map_err(|e| Failure::Input(e.to_string()))
}

pub fn replications(c: &Common, scenario: Scenario) -> Replications {
    let seeds = (c.seed..c.seed.saturating_add(c.seeds)).collect();
    let r = Replications::new(scenario, c.seeds)
        .with_seeds(seeds)
        .with_threads(c.threads);
    match c.tick_ms {
        Some(ms) => r.with_tick_granularity(ms),
        None => r,
    }
}

pub fn simulation(c: &Common, scenario: Scenario, seed: u64) -> Simulation {
    let sim = Simulation::new(scenario, seed);
    match c.tick_ms {
        Some(ms) => sim.with_tick_granularity(ms),
        None => sim,
    }
}

pub fn write(path: &Path, text: &str) -> Result<(), Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Run(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(path, text).map_err(|e| Failure::Run(format!("{}: {e}", path.display())))?;
    println!("wrote {}", path.display());
    Ok(())
}

pub fn report_path(c: &Common, default: &str) -> PathBuf {
    c.report.clone().unwrap_or_else(|| c.out_dir.join(default))
}

/// Replicated runs of one policy with a progress bar.
fn replicated(c: &Common, scenario: Scenario, policy: &str) -> Result<Replicated, Failure> {
    let f = factory(policy)?;
    let bar = Counter::new(policy, c.seeds, "seeds");
    let r = replications(c, scenario).run_with_progress(&f, &|done, _| bar.set(done))?;
    bar.finish();
    Ok(r)
}

/// `run`: one seed in full detail, or several with intervals.
pub fn run(
    c: &Common,
    scenario: Scenario,
    trace: Option<&PathBuf>,
    faults: bool,
) -> Result<(), Failure> {
    if c.seeds > 1 {
        let name = scenario.policy.clone();
        let r = replicated(c, scenario, &name)?;
        print!("{r}");
        return write(&report_path(c, "replications.json"), &r.to_json());
    }
    let policy = factory(&scenario.policy)?.build();
    let mut sim = simulation(c, scenario, c.seed).with_progress(day_bar(policy.name()));
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

pub fn builtins(c: &Common) -> Vec<String> {
    match &c.policy {
        Some(p) => vec![p.clone()],
        None => policy::BuiltinPolicy::names()
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

/// `compare`: every built-in policy on the same days.
pub fn compare(c: &Common, scenario: Scenario) -> Result<(), Failure> {
    let names: Vec<String> = policy::BuiltinPolicy::names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    if c.seeds == 1 {
        let mut reports = Vec::new();
        for name in &names {
            let sim = simulation(c, scenario.clone(), c.seed).with_progress(day_bar(name));
            reports.push(sim.run(factory(name)?.build())?.report);
        }
        let comparison = Comparison { reports };
        print!("{comparison}");
        write(&report_path(c, "compare.json"), &comparison.to_json())?;
        #[cfg(feature = "plots")]
        for path in switchboard::sim::plot::write_all(&comparison, &c.out_dir)? {
            println!("plot: {}", path.display());
        }
        return Ok(());
    }
    let factories: Vec<PolicyFactory> =
        names.iter().map(|n| factory(n)).collect::<Result<_, _>>()?;
    let bar = Counter::new("policies", c.seeds * names.len() as u64, "runs");
    let done = std::sync::atomic::AtomicUsize::new(0);
    let comparison =
        compare_replicated_with_progress(&replications(c, scenario), &factories, &|_, _, _| {
            bar.set(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1)
        })?;
    bar.finish();
    print!("{comparison}");
    write(&report_path(c, "compare_seeds.json"), &comparison.to_json())?;
    plot_comparison(c, &comparison)
}

pub fn plot_comparison(c: &Common, comparison: &ReplicatedComparison) -> Result<(), Failure> {
    #[cfg(feature = "plots")]
    {
        let path = c.out_dir.join("compare_intervals.svg");
        std::fs::create_dir_all(&c.out_dir)?;
        switchboard::sim::plot_intervals::write_comparison(comparison, &path)?;
        println!("plot: {}", path.display());
    }
    let _ = (c, comparison);
    Ok(())
}

/// Options of `classical`.
#[derive(Args, Debug)]
pub struct ClassicalArgs {
    /// Agents, each taking one customer at a time.
    #[arg(long, default_value_t = 10)]
    agents: u32,
    /// Offered load per agent (0.85 = 85%); sets the arrival rate.
    #[arg(long, default_value_t = 0.85)]
    load: f64,
    /// Service time: exp:MEAN, lognormal:MEAN:CV, gamma:MEAN:CV or
    /// empirical:S1,S2,... (seconds).
    #[arg(long, default_value = "exp:300")]
    service: String,
    /// Patience before abandoning, same forms as --service; absent: customers
    /// never leave (Erlang C). Exponential patience is Erlang A's model.
    #[arg(long)]
    patience: Option<String>,
    /// Customers to simulate per seed.
    #[arg(long, default_value_t = 100_000)]
    customers: u64,
    /// Answer target, seconds (the service level is the share within it).
    #[arg(long, default_value_t = 20.0)]
    target_secs: f64,
}

fn distribution(flag: &str, spec: &str) -> Result<Distribution, Failure> {
    let bad = || {
        Failure::Input(format!(
            "--{flag} `{spec}`: expected exp:MEAN, lognormal:MEAN:CV, gamma:MEAN:CV or empirical:S1,S2,... (seconds)"
        ))
    };
    let mut parts = spec.split(':');
    let kind = parts.next().unwrap_or_default();
    let mut num = || -> Result<f64, Failure> {
        parts
            .next()
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(bad)
    };
    let d = match kind {
        "exp" | "exponential" => Distribution::Exponential { mean_secs: num()? },
        "lognormal" => Distribution::Lognormal {
            mean_secs: num()?,
            cv: num()?,
        },
        "gamma" => Distribution::Gamma {
            mean_secs: num()?,
            cv: num()?,
        },
        "empirical" => {
            let list = spec.split_once(':').map(|x| x.1).unwrap_or_default();
            let secs: Result<Vec<f64>, _> = list.split(',').map(|x| x.trim().parse()).collect();
            Distribution::Empirical {
                secs: secs.map_err(|_| bad())?,
            }
        }
        _ => return Err(bad()),
    };
    Ok(d)
}

/// `classical`: an M/M/n (or M/G/n+G) queue, formulas beside.
pub fn classical(c: &Common, a: &ClassicalArgs) -> Result<(), Failure> {
    let service = distribution("service", &a.service)?;
    let patience = a
        .patience
        .as_deref()
        .map(|p| distribution("patience", p))
        .transpose()?;
    if !(a.load.is_finite() && a.load > 0.0) || a.agents == 0 || a.customers == 0 {
        return Err(Failure::Input(
            "--load must be > 0, --agents and --customers at least 1".into(),
        ));
    }
    let mean = service.mean_secs();
    let per_hour = a.load * f64::from(a.agents) * 3_600.0 / mean.max(1e-9);
    let days = ((a.customers as f64 / per_hour / 24.0) * 1.2)
        .ceil()
        .clamp(1.0, 366.0) as u32;
    let mut s = Scenario::classical_mmn(a.agents, a.load, mean, None, days);
    s.engine.response_target = TimeSpan::from_millis((a.target_secs * 1_000.0) as u64);
    if let Some(cl) = s.classical.as_mut() {
        cl.service = service;
        cl.patience = patience;
        cl.customers = Some(a.customers);
    }
    if let Some(p) = &c.policy {
        s.policy = p.clone();
    }
    s.validate().map_err(|e| Failure::Input(e.to_string()))?;
    if c.seeds == 1 {
        return run(c, s, None, false);
    }
    let formulas = s.formulas();
    let name = s.policy.clone();
    let r = replicated(c, s, &name)?;
    print!("{r}");
    if let Some(f) = formulas {
        let show = |x: Option<switchboard::sim::erlang::QueueFigures>| {
            x.map_or("unstable".into(), |q| {
                format!(
                    "P(wait>0) {:.4}, mean wait {:.2} s, within target {:.4}, abandonment {:.4}",
                    q.p_wait, q.mean_wait_secs, q.service_level, q.abandonment
                )
            })
        };
        println!("  Erlang C: {}", show(f.erlang_c));
        println!("  Erlang A: {}", show(f.erlang_a));
    }
    write(&report_path(c, "classical.json"), &r.to_json())
}
