//! Scale figures for SCALING.md (feature `nats`): one process serving
//! `--tenants` tenants on JetStream, each with a small simulated day (a few
//! agents, conversations opened and resolved), driven by `--producers`
//! threads. Prints the time to open (lease + fence) every tenant, commands
//! per second and the acknowledgement latency p50/p99. Run three at once
//! with different `--node` names for three processes:
//!
//! ```text
//! cargo run --release --features nats --example nats_scale -- \
//!     --nats $URL --node p0 --tenants 3334
//! ```

use clap::Parser;
use hdrhistogram::Histogram;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::runtime::nats::{JetStreamStore, NatsConfig};
use switchboard::runtime::{Durability, Runtime, RuntimeConfig, TenantId, TenantSpec};
use switchboard::{
    AgentSpec, Channel, Command, ConversationId, CustomerId, EngineConfig, Priority, ResolveReason,
    Tier,
};

/// Measures one process's share of a JetStream deployment.
#[derive(Parser, Debug)]
#[command(about = "Scale figures of switchboard on NATS JetStream (one process)")]
struct Args {
    /// NATS server URL(s), comma separated.
    #[arg(long)]
    nats: String,
    /// This process's name; also prefixes its tenants' ids.
    #[arg(long)]
    node: String,
    /// Tenants served by this process.
    #[arg(long, default_value_t = 3334)]
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
}

/// One tenant's day: two agents, then each conversation opened and later
/// resolved.
fn day(conversations: u64) -> Vec<Command> {
    let mut out = vec![
        Command::AddAgent(AgentSpec::new(1, vec![], 4)),
        Command::AddAgent(AgentSpec::new(2, vec![], 4)),
    ];
    for c in 0..conversations {
        out.push(Command::OpenConversation {
            conversation: ConversationId(c),
            customer: CustomerId(c),
            tier: Tier::Standard,
            channel: Channel::WhatsApp,
            skills: vec![],
            priority: Priority::Normal,
            start_in_bot: false,
        });
        if c >= 2 {
            out.push(Command::Resolve {
                conversation: ConversationId(c - 2),
                reason: ResolveReason::Solved,
            });
        }
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut config = NatsConfig::new(args.nats.clone(), args.node.clone());
    config.lease = Duration::from_millis(args.lease_ms);
    let store = JetStreamStore::connect(config)?;
    let mut specs = Vec::with_capacity(args.tenants);
    for i in 0..args.tenants {
        let id = TenantId::new(&format!("{}-t{i}", args.node))?;
        specs.push(
            TenantSpec::with_builtin(id, EngineConfig::default(), "least_loaded")
                .ok_or("least_loaded is built in")?,
        );
    }
    let ids: Vec<TenantId> = specs.iter().map(|s| s.id.clone()).collect();
    let opening = Instant::now();
    let runtime_config = RuntimeConfig::volatile()
        .shards(args.shards)
        .durability(Durability::Synced)
        .store(store.clone());
    let (runtime, _) = Runtime::start(runtime_config, specs)?;
    let opened = opening.elapsed();
    println!(
        "{}: opened {} tenants (lease + fence each) in {opened:.2?}",
        args.node,
        ids.len()
    );
    let handle = runtime.handle();
    let ids = Arc::new(ids);
    let started = Instant::now();
    let producers: Vec<_> = (0..args.producers)
        .map(|p| {
            let (handle, ids) = (handle.clone(), Arc::clone(&ids));
            let (producers, conversations) = (args.producers, args.conversations);
            std::thread::spawn(move || {
                let mut latency = Histogram::<u64>::new(3).expect("histogram");
                let mut failed = 0u64;
                for tenant in ids.iter().skip(p).step_by(producers) {
                    for command in day(conversations) {
                        let sent = Instant::now();
                        if handle.submit(tenant, command).is_err() {
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
    let elapsed = started.elapsed();
    let commands = latency.len();
    println!(
        "{}: {commands} commands ({failed} refused) in {elapsed:.2?}: {:.0} commands/s; ack latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        args.node,
        commands as f64 / elapsed.as_secs_f64(),
        latency.value_at_quantile(0.5) as f64 / 1000.0,
        latency.value_at_quantile(0.99) as f64 / 1000.0,
        latency.max() as f64 / 1000.0,
    );
    runtime.shutdown();
    Ok(())
}
