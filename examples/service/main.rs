//! `switchboard serve` until the `switchboard` binary wires it: the same
//! `serve.rs`, so `cargo run --features service --example service --
//! --simulate` runs what the subcommand will.
//!
//! `SWITCHBOARD_ADMIN_KEY=$(openssl rand -hex 32) cargo run --release
//! --features service --example service -- --simulate --in-memory` prints
//! the wallboard's URL (with a key for the simulated tenant) and plays the
//! default day on it at 60 times real speed.

#[path = "../../src/bin/switchboard/serve.rs"]
mod serve;

use clap::Parser;

/// The example's command line: `serve`'s arguments.
#[derive(Debug, Parser)]
#[command(about, long_about = None)]
struct Cli {
    #[command(flatten)]
    serve: serve::ServeArgs,
}

fn main() -> std::process::ExitCode {
    match serve::run(Cli::parse().serve) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard serve: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
