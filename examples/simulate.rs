//! Simulates a messaging contact-centre day and prints the KPIs.
//!
//! ```text
//! cargo run --release --example simulate                      # default day
//! cargo run --release --example simulate -- --compare         # every built-in policy
//! cargo run --release --example simulate -- --scenario scenarios/large.json --seed 7
//! ```
//!
//! A thin CLI over `switchboard::sim`; exit code 2 on a bad scenario or
//! policy name, 1 on any other failure.

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{BufWriter, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use switchboard::policy;
use switchboard::sim::{Comparison, FaultConfig, Progress, Scenario, Simulation};

/// Simulate a messaging contact-centre day through the switchboard engine.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Scenario file (JSON); the built-in default day when absent.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Seed: same seed, same day, same report.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Routing policy (overrides the scenario's `policy`).
    #[arg(long)]
    policy: Option<String>,
    /// Write the report as JSON to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Write a JSON Lines trace of every input and decision to this file.
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Run every built-in policy on the same day and compare them; plots
    /// go next to the report (default directory target/sim/).
    #[arg(long)]
    compare: bool,
    /// Tick the engine on a grid of this many milliseconds instead of at
    /// every deadline (alerts up to this late; 0 = exact). For very large days.
    #[arg(long, default_value_t = 0)]
    tick_ms: u64,
    /// Print the scenario in effect as JSON (a starting point for your own
    /// scenario file) and exit.
    #[arg(long)]
    print_scenario: bool,
    /// Inject faults between the day and the engine (duplicated, late and
    /// out-of-order commands, agents dropping, clock jumps), audit after
    /// every command, and print what was injected and any violation.
    #[arg(long)]
    faults: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut scenario = match &args.scenario {
        Some(path) => match Scenario::from_file(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => Scenario::default(),
    };
    if let Some(name) = &args.policy {
        scenario.policy = name.clone();
    }
    if let Err(e) = scenario.validate() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if args.print_scenario {
        println!("{}", scenario.to_json());
        return ExitCode::SUCCESS;
    }
    let result = if args.compare {
        compare(&args, scenario)
    } else {
        single(&args, scenario)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

type Failure = Box<dyn std::error::Error>;

fn progress_bar(label: &str) -> impl FnMut(Progress) + 'static {
    let started = Instant::now();
    let bar = ProgressBar::with_draw_target(Some(100), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{prefix:>14} [{bar:40}] {pos}% of the day {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    let terminal = std::io::stdout().is_terminal();
    let mut shown = false;
    move |p: Progress| {
        // Only runs longer than a second get a bar, and only on a terminal.
        if !shown && terminal && started.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        bar.set_position(p.at_ms * 100 / p.horizon_ms.max(1));
        bar.set_message(format!("{} events", p.events));
        if p.at_ms >= p.horizon_ms {
            bar.finish_and_clear();
        }
    }
}

fn single(args: &Args, scenario: Scenario) -> Result<(), Failure> {
    let policy = policy::by_name(&scenario.policy).ok_or("unknown policy")?;
    let mut sim = Simulation::new(scenario, args.seed)
        .with_tick_granularity(args.tick_ms)
        .with_progress(progress_bar(policy.name()));
    if let Some(path) = &args.trace {
        let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        sim = sim.with_trace(Box::new(BufWriter::new(file)));
    }
    if args.faults {
        sim = sim.with_faults(FaultConfig::default());
    }
    let started = Instant::now();
    let outcome = sim.run(policy)?;
    let wall = started.elapsed();
    print!("{}", outcome.report);
    println!(
        "  {:<32} {:.2} s wall, {} events ({:.0}/s), {} engine commands ({:.0}/s)",
        "simulation speed",
        wall.as_secs_f64(),
        outcome.events,
        outcome.events as f64 / wall.as_secs_f64().max(1e-9),
        outcome.report.engine_commands,
        outcome.report.engine_commands as f64 / wall.as_secs_f64().max(1e-9),
    );
    if let Some(faults) = &outcome.faults {
        println!("fault injection (seed {})\n{faults}", args.seed);
        if faults.violations > 0 {
            return Err("invariant violations under fault injection".into());
        }
    }
    if let Some(path) = &args.report {
        write(path, &outcome.report.to_json())?;
    }
    Ok(())
}

fn compare(args: &Args, scenario: Scenario) -> Result<(), Failure> {
    let policies: Vec<_> = policy::builtin_names()
        .iter()
        .filter_map(|n| policy::by_name(n))
        .collect();
    // sim::compare does the same without the progress bars.
    let mut reports = Vec::new();
    for policy in policies {
        let policy: Box<dyn policy::RoutingPolicy> = policy;
        let sim = Simulation::new(scenario.clone(), args.seed)
            .with_tick_granularity(args.tick_ms)
            .with_progress(progress_bar(policy.name()));
        reports.push(sim.run(policy)?.report);
    }
    let comparison = Comparison { reports };
    print!("{comparison}");
    let report = args
        .report
        .clone()
        .unwrap_or_else(|| PathBuf::from("target/sim/compare.json"));
    let dir = report.parent().map(PathBuf::from).unwrap_or_default();
    write(&report, &comparison.to_json())?;
    println!("report: {}", report.display());
    #[cfg(feature = "plots")]
    for path in switchboard::sim::plot::write_all(&comparison, &dir)? {
        println!("plot: {}", path.display());
    }
    #[cfg(not(feature = "plots"))]
    let _ = dir;
    Ok(())
}

fn write(path: &std::path::Path, text: &str) -> Result<(), Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}
