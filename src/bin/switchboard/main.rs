//! `switchboard`: simulate messaging contact-centre days through the
//! switchboard engine, compare policies, check the simulator against Erlang
//! C and A, replay your own day from CSV, sweep a parameter, search the
//! staffing; and (with their features) serve the HTTP service and wallboard
//! or run a JetStream node. A thin CLI over the library: every figure comes
//! from `switchboard::sim`.
//!
//! ```text
//! switchboard                                          # default day, seed 1 (same as `switchboard run`)
//! switchboard run --seeds 20                           # 20 days, 95% intervals
//! switchboard compare --seeds 20                       # policies, paired by seed
//! switchboard compare --plan my-plan.json --seeds 20    # a routing change on the same days
//! switchboard classical --agents 10 --load 0.85
//! switchboard import --conversations day.csv --roster roster.csv
//! switchboard export --out-dir my-day/
//! switchboard sweep --param agents --values 20:40:5 --seeds 10
//! switchboard staffing --service-level 0.8 --seeds 5
//! switchboard completions bash > /etc/bash_completion.d/switchboard
//! switchboard man --out-dir man/                       # one page per subcommand
//! switchboard serve --simulate                         # the service and wallboard (feature `service`)
//! ```
//!
//! Exit code 2 on bad input (a scenario, CSV file, parameter or value that
//! cannot be used, with the reason), 1 on any other failure.

mod classical;
mod compare;
mod data;
mod docs;
#[cfg(feature = "nats")]
mod node;
mod progress;
mod run;
#[cfg(feature = "service")]
mod serve;
mod shared;
mod staffing;
mod sweep;
mod variants;

use clap::{Parser, Subcommand};
use shared::{Common, Failure};
use std::process::ExitCode;

/// Simulate messaging contact-centre days through the switchboard engine.
///
/// Without a subcommand, runs the scenario (default: the built-in day) under
/// its policy, exactly as `switchboard run`. With --seeds N every KPI is a
/// mean over N days (seeds seed..seed+N-1) with its 95% confidence
/// interval; replications run in parallel and give the same numbers
/// whatever --threads is. Same scenario and seed, same report.
#[derive(Parser, Debug)]
#[command(name = "switchboard", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(flatten)]
    run: run::RunArgs,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the scenario under one policy (what `switchboard` alone does).
    ///
    /// One seed: the full report of the day (and, on request, its trace or
    /// a fault-injection audit). Several seeds: every KPI with its 95%
    /// interval, written as JSON to --report (default
    /// OUT_DIR/replications.json).
    Run(run::RunArgs),
    /// Run every built-in policy on the same days and compare them; or,
    /// with --plan or --variant, the scenario beside other routing plans or
    /// rule sets under its policy.
    ///
    /// One seed: the reports side by side, compare.json and SVG plots in
    /// --out-dir. With --seeds N: which differences are significant (paired
    /// by seed) and compare_intervals.svg.
    Compare(compare::CompareArgs),
    /// A classical queue through the engine, Erlang C and A beside.
    ///
    /// Poisson arrivals, one-turn service, optional patience, no bot, no
    /// returns, cap 1: the model the formulas assume, so the simulator can
    /// be checked against them.
    Classical(classical::ClassicalArgs),
    /// Replay your own day from CSV files under each policy (or --policy).
    Import(data::ImportArgs),
    /// Write the scenario's day (for --seed) as CSV in --out-dir.
    ///
    /// conversations.csv and roster.csv, in the format `import` reads.
    Export(Common),
    /// Vary one parameter over a range and tabulate every KPI against it.
    ///
    /// --seeds days at each value (the same seeds at every value), a table,
    /// sweep.json and sweep.svg with intervals.
    Sweep(sweep::SweepArgs),
    /// The fewest agents per interval meeting a service level and occupancy.
    ///
    /// By simulation with common random numbers, met with a stated
    /// confidence (the lower end of the interval over seeds, adding seeds
    /// while undecided), beside Erlang C and Erlang A; a table,
    /// staffing.json and staffing.svg.
    Staffing(staffing::StaffingArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// Generated from the same definitions as --help, e.g.
    /// `switchboard completions bash > ~/.local/share/bash-completion/completions/switchboard`.
    Completions(docs::CompletionsArgs),
    /// Print the man page, or write one page per subcommand to a directory.
    ///
    /// Generated from the same definitions as --help, e.g.
    /// `switchboard man | man -l -`.
    Man(docs::ManArgs),
    /// One node over NATS JetStream (feature `nats`): primary or standby per
    /// tenant.
    ///
    /// Commands arrive on stdin, one JSON object a line; answers and role
    /// changes leave on stdout, one JSON object a line.
    #[cfg(feature = "nats")]
    Node(node::NodeArgs),
    /// Serve switchboard over HTTP (feature `service`): the JSON API with
    /// API keys, each tenant's decision stream, and the wallboard.
    ///
    /// Durable in --data-dir; the admin key comes from --admin-key-file or
    /// SWITCHBOARD_ADMIN_KEY, never a default.
    #[cfg(feature = "service")]
    Serve(serve::ServeArgs),
}

/// The exit code of a process whose reader went away (128 + SIGPIPE), as
/// Unix tools report it.
const BROKEN_PIPE_EXIT: i32 = 141;

/// `switchboard ... | head` closes the pipe before the report is printed:
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

fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        None => run::run(&cli.run),
        Some(Cmd::Run(a)) => run::run(&a),
        Some(Cmd::Compare(a)) => compare::run(&a),
        Some(Cmd::Classical(a)) => classical::classical(&a),
        Some(Cmd::Import(a)) => data::import(&a.common, a.common.load()?, &a),
        Some(Cmd::Export(c)) => data::export(&c, c.load()?),
        Some(Cmd::Sweep(a)) => sweep::sweep(&a.common, a.common.load()?, &a),
        Some(Cmd::Staffing(a)) => staffing::staffing(&a.common, a.common.load()?, &a),
        Some(Cmd::Completions(a)) => docs::completions(&a),
        Some(Cmd::Man(a)) => docs::man(&a),
        #[cfg(feature = "nats")]
        Some(Cmd::Node(a)) => node::node(&a),
        #[cfg(feature = "service")]
        Some(Cmd::Serve(a)) => serve::run(a).map_err(|e| match e {
            serve::ServeFailure::Input(e) => Failure::Input(e),
            serve::ServeFailure::Run(e) => Failure::Run(e),
        }),
    }
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    match dispatch(Cli::parse()) {
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
