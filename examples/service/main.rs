//! `switchboard serve` as an example: the same `serve.rs`, so
//! `cargo run --features service --example service -- --simulate` runs
//! what `cargo run --features service -- serve --simulate` does.
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
        Err(serve::ServeFailure::Input(e)) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
        Err(serve::ServeFailure::Run(e)) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
