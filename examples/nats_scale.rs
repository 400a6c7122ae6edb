//! Scale figures for SCALING.md (feature `nats`): one process of a
//! deployment of `--processes` processes sharing `--tenants` tenants on
//! JetStream. Every process runs a [`Node`] over *all* tenants: primary for
//! its share (tenant `i` is preferred by process `i % processes`), standby
//! for the rest. Each primary tenant gets a small simulated day (two agents,
//! conversations opened and resolved), driven by `--producers` threads.
//!
//! Prints, one line each (`ci/nats-scale.sh` reads them):
//!
//! * `primary`: the time until the process led its whole share;
//! * `load`: commands/s and the acknowledgement latency p50/p99;
//! * `standby`: how many standby replicas were current after the load;
//! * `takeover` lines while it lingers (`--linger-secs`): the wall-clock
//!   times (Unix ms) of the first and last tenant it took over, and how
//!   many: when another process is killed, the failover time of a whole
//!   process is the last takeover minus the kill.
//!
//! ```text
//! cargo run --release --features nats --example nats_scale -- \
//!     --nats $URL --process 0 --processes 3 --tenants 10000
//! ```

use clap::Parser;
use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use switchboard::runtime::nats::{JetStreamStore, NatsConfig, Node, RoleChange};
use switchboard::runtime::{Durability, Runtime, RuntimeConfig, TenantId, TenantSpec};
use switchboard::{
    AgentId, AgentSpec, Capacity, Command, ConversationId, CustomerId, EngineConfig, ResolveReason,
};

/// Measures one process's share of a JetStream deployment.
#[derive(Parser, Debug)]
#[command(about = "Scale figures of switchboard on NATS JetStream (one process of several)")]
struct Args {
    /// NATS server URL(s), comma separated.
    #[arg(long)]
    nats: String,
    /// This process's number, `0..processes`.
    #[arg(long, default_value_t = 0)]
    process: usize,
    /// Processes sharing the tenants.
    #[arg(long, default_value_t = 3)]
    processes: usize,
    /// Tenants of the whole deployment.
    #[arg(long, default_value_t = 10_000)]
    tenants: usize,
    /// Conversations in each tenant's day.
    #[arg(long, default_value_t = 6)]
    conversations: u64,
    /// Producer threads.
    #[arg(long, default_value_t = 64)]
    producers: usize,
    /// Runtime shards.
    #[arg(long, default_value_t = 4)]
    shards: usize,
    /// Lease length in milliseconds.
    #[arg(long, default_value_t = 5000)]
    lease_ms: u64,
    /// Seconds to keep stepping (standing by, taking over) after the load.
    #[arg(long, default_value_t = 0)]
    linger_secs: u64,
}

/// One tenant's day: two agents, then each conversation opened and later
/// resolved.
fn day(conversations: u64) -> Vec<Command> {
    let mut out = vec![
        Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
        Command::AddAgent(AgentSpec::new(AgentId(2), Capacity::units(4))),
    ];
    for c in 0..conversations {
        out.push(Command::open(ConversationId(c), CustomerId(c)).into());
        if c >= 2 {
            out.push(Command::Resolve {
                conversation: ConversationId(c - 2),
                reason: ResolveReason::Solved,
            });
        }
    }
    out
}

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if args.processes == 0 || args.process >= args.processes {
        return Err("--process must be below --processes".into());
    }
    let name = format!("p{}", args.process);
    let mut config = NatsConfig::new(args.nats.clone(), name.clone());
    config.lease = Duration::from_millis(args.lease_ms);
    let store = JetStreamStore::connect(config)?;
    let runtime_config = RuntimeConfig::volatile()
        .shards(args.shards)
        .durability(Durability::Synced)
        .store(store.clone());
    let (runtime, _) = Runtime::start(runtime_config, Vec::new())?;
    let mut specs = Vec::with_capacity(args.tenants);
    let mut mine = Vec::new();
    for i in 0..args.tenants {
        let id = TenantId::new(&format!("t{i}"))?;
        if i % args.processes == args.process {
            mine.push(id.clone());
        }
        specs.push(TenantSpec::with_builtin(
            id,
            EngineConfig::default(),
            switchboard::policy::BuiltinPolicy::LeastLoaded,
        ));
    }
    let started = Instant::now();
    let node = Arc::new(Node::new(store, &runtime, specs).preferring(mine.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let loading = Arc::new(AtomicBool::new(true));
    let stepper = {
        let (node, stop, loading) = (node.clone(), stop.clone(), loading.clone());
        let every = Duration::from_millis(args.lease_ms / 4);
        let name = name.clone();
        std::thread::spawn(move || {
            let mut first: Option<u128> = None;
            let mut taken = 0usize;
            // ORDERING: Relaxed: flags polled once per step, no data behind them.
            while !stop.load(Ordering::Relaxed) {
                let changes = node.step();
                let now = unix_ms();
                let took = changes
                    .iter()
                    .filter(|c| matches!(c, RoleChange::Primary { .. }))
                    .count();
                if took > 0 && !loading.load(Ordering::Relaxed) {
                    taken += took;
                    let first = *first.get_or_insert(now);
                    println!("{name}: takeover {taken} tenants, first at {first} ms, last at {now} ms (unix)");
                }
                std::thread::sleep(every);
            }
        })
    };
    // The share is led once every preferred tenant is primary here.
    let deadline = Instant::now() + Duration::from_secs(600);
    while mine.iter().any(|t| !node.is_primary(t)) {
        if Instant::now() > deadline {
            return Err("the share was not led within 600 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "{name}: primary for {} of {} tenants after {:.2?}",
        mine.len(),
        args.tenants,
        started.elapsed()
    );
    let mine = Arc::new(mine);
    let load_started = Instant::now();
    let producers: Vec<_> = (0..args.producers)
        .map(|p| {
            let (node, mine) = (node.clone(), Arc::clone(&mine));
            let (producers, conversations) = (args.producers, args.conversations);
            std::thread::spawn(move || {
                let mut latency = Histogram::<u64>::new(3).expect("histogram");
                let mut failed = 0u64;
                for tenant in mine.iter().skip(p).step_by(producers) {
                    for command in day(conversations) {
                        let sent = Instant::now();
                        if node.submit(tenant, command).is_err() {
                            failed += 1;
                        }
                        let _ = latency.record(sent.elapsed().as_micros() as u64);
                    }
                }
                (latency, failed)
            })
        })
        .collect();
    let mut latency = Histogram::<u64>::new(3)?;
    let mut failed = 0;
    for producer in producers {
        let (h, f) = producer.join().map_err(|_| "a producer panicked")?;
        latency.add(h)?;
        failed += f;
    }
    let elapsed = load_started.elapsed();
    let commands = latency.len();
    println!(
        "{name}: load {commands} commands ({failed} refused) in {elapsed:.2?}: {:.0} commands/s; ack latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        commands as f64 / elapsed.as_secs_f64(),
        latency.value_at_quantile(0.5) as f64 / 1000.0,
        latency.value_at_quantile(0.99) as f64 / 1000.0,
        latency.max() as f64 / 1000.0,
    );
    loading.store(false, Ordering::Relaxed);
    // Let the standbys settle, then count the current ones.
    std::thread::sleep(Duration::from_millis(args.lease_ms));
    let current = (0..args.tenants)
        .filter_map(|i| TenantId::new(&format!("t{i}")).ok())
        .filter(|t| node.standby_position(t).is_some())
        .count();
    println!(
        "{name}: standby with {current} current replicas of {} followed tenants; ready at {} ms (unix)",
        args.tenants - node.primaries(),
        unix_ms()
    );
    std::thread::sleep(Duration::from_secs(args.linger_secs));
    stop.store(true, Ordering::Relaxed);
    let _ = stepper.join();
    println!(
        "{name}: primary for {} tenants at the end",
        node.primaries()
    );
    runtime.shutdown();
    Ok(())
}
