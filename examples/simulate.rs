//! Simulates messaging contact-centre days through the switchboard engine
//! and reports the KPIs: a thin CLI over `switchboard::sim`.
//!
//! ```text
//! cargo run --release --example simulate                                # default day, seed 1
//! cargo run --release --example simulate -- --seeds 20                  # 20 days, 95% intervals
//! cargo run --release --example simulate -- compare --seeds 20          # policies, paired by seed
//! cargo run --release --example simulate -- classical --agents 10 --load 0.85
//! cargo run --release --example simulate -- import --conversations day.csv --roster roster.csv
//! cargo run --release --example simulate -- export --out-dir my-day/
//! cargo run --release --example simulate -- sweep --param agents --values 20:40:5 --seeds 10
//! cargo run --release --example simulate -- staffing --service-level 0.8 --seeds 5
//! ```
//!
//! Every subcommand explains itself with `--help`. Exit code 2 on bad input
//! (a scenario, CSV file, parameter or value that cannot be used, with the
//! reason), 1 on any other failure.

#[path = "simulate_cli/analysis.rs"]
mod analysis;
#[path = "simulate_cli/commands.rs"]
mod commands;
#[path = "simulate_cli/progress.rs"]
mod progress;

use clap::{Args as ClapArgs, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use switchboard::sim::Scenario;

/// Simulate messaging contact-centre days through the switchboard engine.
///
/// Without a subcommand, runs the scenario (default: the built-in day) under
/// its policy. With --seeds N every KPI is a mean over N days (seeds
/// seed..seed+N-1) with its 95% confidence interval; replications run in
/// parallel and give the same numbers whatever --threads is.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Write a JSON Lines trace of every input and decision (single seed).
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Same as the `compare` subcommand (kept for old scripts).
    #[arg(long)]
    compare: bool,
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

/// Options every subcommand takes.
#[derive(ClapArgs, Debug, Clone)]
pub struct Common {
    /// Scenario file (JSON); the built-in default day when absent.
    #[arg(long, global = true)]
    pub scenario: Option<PathBuf>,
    /// First seed: same seed, same day, same report.
    #[arg(long, default_value_t = 1, global = true)]
    pub seed: u64,
    /// Number of seeds (days) to replicate; above 1, KPIs get 95% intervals.
    #[arg(long, default_value_t = 1, global = true)]
    pub seeds: u64,
    /// Threads for replications (0: one per core). Results do not depend on it.
    #[arg(long, default_value_t = 0, global = true)]
    pub threads: usize,
    /// Routing policy (overrides the scenario's `policy`).
    #[arg(long, global = true)]
    pub policy: Option<String>,
    /// Write the result as JSON to this file.
    #[arg(long, global = true)]
    pub report: Option<PathBuf>,
    /// Directory for plots and exported files.
    #[arg(long, global = true, default_value = "target/sim")]
    pub out_dir: PathBuf,
    /// Tick the engine on a grid of this many milliseconds instead of at
    /// every deadline (alerts up to this late; 0 = exact). Unset: exact for
    /// a messaging day, a one-minute grid for a classical model.
    #[arg(long, global = true)]
    pub tick_ms: Option<u64>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the scenario under one policy (the default subcommand).
    Run,
    /// Run every built-in policy on the same days; with --seeds N, say which
    /// differences are significant (paired by seed) and plot the intervals.
    Compare,
    /// A classical queue (Poisson arrivals, one-turn service, optional
    /// patience, no bot, no returns) through the engine, with Erlang C and
    /// Erlang A beside the simulated figures.
    Classical(commands::ClassicalArgs),
    /// Replay your own day from CSV files under each policy (or --policy).
    Import(analysis::ImportArgs),
    /// Write the scenario's day (for --seed) as conversations.csv and
    /// roster.csv in --out-dir, in the format `import` reads.
    Export,
    /// Vary one parameter over a range, --seeds days at each value, and
    /// tabulate and plot every KPI against it with intervals.
    Sweep(analysis::SweepArgs),
    /// Per interval, the fewest agents meeting a service level and a maximum
    /// occupancy, by simulation (common random numbers) beside Erlang C/A.
    Staffing(analysis::StaffingArgs),
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

fn load(common: &Common) -> Result<Scenario, Failure> {
    let mut scenario = match &common.scenario {
        Some(path) => Scenario::from_file(path)
            .map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?,
        None => Scenario::default(),
    };
    if let Some(name) = &common.policy {
        scenario.policy = name.clone();
    }
    scenario
        .validate()
        .map_err(|e| Failure::Input(e.to_string()))?;
    if common.seeds == 0 {
        return Err(Failure::Input("--seeds must be at least 1".into()));
    }
    Ok(scenario)
}

/// The exit code of a process whose reader went away (128 + SIGPIPE), as
/// Unix tools report it.
const BROKEN_PIPE_EXIT: i32 = 141;

/// `simulate ... | head` closes the pipe before the report is printed:
/// leave quietly with [`BROKEN_PIPE_EXIT`], as Unix tools do, instead of
/// panicking in `println!` (Rust ignores SIGPIPE, and resetting it would
/// take `unsafe`).
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied());
        if message.is_some_and(|m| m.contains("Broken pipe")) {
            std::process::exit(BROKEN_PIPE_EXIT);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    let result = load(&cli.common).and_then(|scenario| {
        if cli.print_scenario {
            println!("{}", scenario.to_json());
            return Ok(());
        }
        let c = &cli.common;
        match &cli.command {
            None | Some(Cmd::Run) if cli.compare => commands::compare(c, scenario),
            None | Some(Cmd::Run) => commands::run(c, scenario, cli.trace.as_ref(), cli.faults),
            Some(Cmd::Compare) => commands::compare(c, scenario),
            Some(Cmd::Classical(a)) => commands::classical(c, a),
            Some(Cmd::Import(a)) => analysis::import(c, scenario, a),
            Some(Cmd::Export) => analysis::export(c, scenario),
            Some(Cmd::Sweep(a)) => analysis::sweep(c, scenario, a),
            Some(Cmd::Staffing(a)) => analysis::staffing(c, scenario, a),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
