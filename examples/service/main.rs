//! The switchboard service: an HTTP/JSON API over the runtime, the live
//! decision stream (Server-Sent Events, resumable by sequence number), an
//! OpenAPI description, and a live wallboard page.
//!
//! `cargo run --release --features runtime --example service -- --simulate`
//! prints the wallboard's URL and plays the default simulated day on it at
//! 60 times real speed (`--speed N`, `--scenario FILE`). Without
//! `--simulate` it serves one empty tenant, `demo`, to drive through the
//! API (see `GET /api/openapi.json`).

mod app;

use app::clock::{ScaledClock, MAX_SPEED};
use app::App;
use clap::Parser;
use std::sync::Arc;
use switchboard::runtime::{Clock, Runtime, RuntimeConfig, SystemClock, TenantId};
use switchboard::sim::Scenario;
use switchboard::{EngineConfig, Timestamp};

/// Serve switchboard over HTTP with a live wallboard.
#[derive(Debug, Parser)]
#[command(about, long_about = None)]
struct Args {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// The tenant to create at start.
    #[arg(long, default_value = "demo")]
    tenant: String,
    /// Shards (threads) of the runtime.
    #[arg(long, default_value_t = 2)]
    shards: usize,
    /// Play a simulated day against the service.
    #[arg(long)]
    simulate: bool,
    /// Simulated seconds per real second (with --simulate).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=MAX_SPEED))]
    speed: u64,
    /// A scenario file (JSON) instead of the default day (with --simulate).
    #[arg(long)]
    scenario: Option<std::path::PathBuf>,
    /// The simulation's seed (with --simulate).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let tenant_id = TenantId::new(&args.tenant)?;
    let (replay, clock, scaled) = if args.simulate {
        let scenario = match &args.scenario {
            Some(path) => Scenario::from_file(path)?,
            None => Scenario::default(),
        };
        eprintln!("simulating {:?} to replay it...", scenario.name);
        let seed = args.seed;
        let replay =
            tokio::task::spawn_blocking(move || app::simulate::prepare(scenario, seed)).await??;
        let start = app::simulate::start_time(&replay.commands);
        let scaled = Arc::new(ScaledClock::new(Timestamp(start), args.speed));
        let clock: Arc<dyn Clock> = scaled.clone();
        (Some(replay), clock, Some(scaled))
    } else {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
        (None, clock, None)
    };
    let config = RuntimeConfig::volatile()
        .shards(args.shards)
        .clock(Arc::clone(&clock));
    let (runtime, _) = Runtime::start(config, Vec::new())?;
    let app = App::new(runtime.handle(), clock);
    let (engine, policy) = match &replay {
        Some(r) => (r.config.clone(), r.policy.clone()),
        None => (EngineConfig::default(), "least_loaded".to_owned()),
    };
    let tenant = app
        .add_tenant(tenant_id.clone(), engine, &policy)
        .await
        .map_err(|e| e.body.message)?;

    let listener = tokio::net::TcpListener::bind(&args.addr).await?;
    let addr = listener.local_addr()?;
    println!("switchboard service: http://{addr}/?tenant={tenant_id}");
    println!("API description: http://{addr}/api/openapi.json");

    if let (Some(replay), Some(scaled)) = (replay, scaled) {
        println!(
            "playing {} commands at {}x real time",
            replay.commands.len(),
            scaled.speed()
        );
        let handle = runtime.handle();
        tokio::spawn(async move {
            let played = app::simulate::play(handle, tenant, scaled, replay.commands).await;
            println!(
                "the day is over: {} commands accepted, {} refused where the runtime decided differently",
                played.accepted, played.refused
            );
        });
    }

    let stopping = Arc::clone(&app);
    axum::serve(listener, app::router(app))
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            // Open event streams never end on their own: end them, or the
            // graceful shutdown would wait for every browser to hang up.
            stopping.close_streams();
        })
        .await?;
    let report = tokio::task::spawn_blocking(move || runtime.shutdown()).await?;
    eprintln!("stopped: all journals synced = {}", report.all_synced());
    Ok(())
}
