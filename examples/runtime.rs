//! The runtime in a tokio service, in miniature: two tenants (two contact
//! centres) on a runtime with a journal, a few conversations routed through
//! the async handle, the decision stream printed as it arrives, an SLA
//! warning fired by the shard's timer with no traffic (a manual clock moves
//! time), the statistics, and the metrics in Prometheus text format.
//!
//! `cargo run --example runtime --features runtime`

use metrics_exporter_prometheus::PrometheusBuilder;
use std::sync::Arc;
use switchboard::runtime::{
    ManualClock, Runtime, RuntimeConfig, StreamEvent, TenantId, TenantSpec,
};
use switchboard::{
    AgentId, AgentSpec, Capacity, Command, ConversationId, CustomerId, EngineConfig, Level,
    SkillId, TimeSpan, Timestamp,
};

fn open(conversation: u64, customer: u64, skill: u32) -> Command {
    Command::open(ConversationId(conversation), CustomerId(customer))
        .skill(SkillId(skill), Level::of::<3>())
        .into()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Metrics: install the recorder before the runtime starts.
    let prometheus = PrometheusBuilder::new().install_recorder()?;

    let dir = tempfile::tempdir()?;
    let clock = ManualClock::new(Timestamp(1_700_000_000_000));
    let config = RuntimeConfig::durable(dir.path())
        .shards(2)
        .clock(Arc::new(clock.clone()));
    let (acme, globex) = (TenantId::new("acme")?, TenantId::new("globex")?);
    let tenants = vec![
        TenantSpec::with_builtin(
            acme.clone(),
            EngineConfig::default(),
            switchboard::policy::BuiltinPolicy::LeastLoaded,
        ),
        TenantSpec::with_builtin(
            globex.clone(),
            EngineConfig::default(),
            switchboard::policy::BuiltinPolicy::BestSkill,
        ),
    ];
    let (runtime, report) = Runtime::start(config, tenants)?;
    print!("started:\n{report}");
    let handle = runtime.handle();

    // A consumer per tenant: what an agent console's feed would read.
    let mut printers = Vec::new();
    for tenant in [&acme, &globex] {
        let mut stream = handle.subscribe(tenant).await?;
        printers.push(tokio::spawn(async move {
            while let Some(event) = stream.next().await {
                match event {
                    StreamEvent::Decision(item) => println!(
                        "  [{}] #{}.{} {}",
                        stream.tenant(),
                        item.record,
                        item.index,
                        serde_json::to_string(&item.decision).unwrap_or_default()
                    ),
                    StreamEvent::Lagged { missed } => {
                        println!("  [{}] lagged: {missed} decisions missed", stream.tenant())
                    }
                    _ => {}
                }
            }
        }));
    }

    let billing = 7;
    for (tenant, agents) in [(&acme, 2u64), (&globex, 1)] {
        for a in 1..=agents {
            let spec = AgentSpec::new(AgentId(a), Capacity::units(2))
                .skill(SkillId(billing), Level::of::<5>());
            handle.submit_async(tenant, Command::AddAgent(spec)).await?;
        }
    }
    for c in 1..=3u64 {
        let accepted = handle
            .submit_async(&acme, open(c, 100 + c, billing))
            .await?;
        println!(
            "acme conversation {c}: record {}, {} decisions",
            accepted.record,
            accepted.decisions.len()
        );
    }
    for c in 1..=3u64 {
        handle
            .submit_async(&globex, open(c, 200 + c, billing))
            .await?;
    }
    handle
        .submit_async(
            &globex,
            Command::AgentMessage {
                conversation: ConversationId(1),
                agent: AgentId(1),
            },
        )
        .await?;

    // Nobody answers globex's queued conversations: eight minutes later the
    // shard's timer raises their SLA warnings on its own.
    clock.advance(TimeSpan::from_mins(8));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    for tenant in [&acme, &globex] {
        let stats = handle.tenant_stats(tenant).await?;
        println!(
            "stats {}: shard {}, {} conversations, {} assignments, {} SLA warnings, {} records, {} timer ticks",
            stats.tenant,
            stats.shard,
            stats.conversations,
            stats.engine.assignments,
            stats.engine.sla_warnings,
            stats.last_record,
            stats.runtime.ticks
        );
        for group in &stats.groups {
            println!(
                "  group {:?} {:?}: {} waiting (oldest since {:?}), {} agents online, {} with room",
                group.channel,
                group.skills,
                group.waiting,
                group.oldest_waiting_since,
                group.agents_online,
                group.agents_with_room
            );
        }
    }
    let report = runtime.shutdown();
    println!("shutdown: every journal synced: {}", report.all_synced());
    for printer in printers {
        printer.await?;
    }

    println!("\nmetrics (Prometheus text format):");
    for line in prometheus
        .render()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        println!("  {line}");
    }
    Ok(())
}
