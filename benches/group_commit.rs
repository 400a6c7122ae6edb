//! Group commit across tenants: what one batch touching N tenants waits
//! for under `Durability::Synced`, with their fsyncs issued one after
//! another (`commit_threads(1)`, main before issue 21) and together (the
//! default, 8).
//!
//! `cargo bench --profile dev --features runtime --bench group_commit`
//! (fsync-bound, so the dev profile measures the same thing; about 20 s).
//! Each round holds the one shard in a query, queues one command for each
//! of N tenants, releases it and times until every caller is answered: one
//! batch, N journal appends and fsyncs on real files (ext4 under the
//! system's temp dir). Figures in BENCHMARKS.md.

use std::sync::mpsc;
use std::time::{Duration as Wall, Instant};
use switchboard::runtime::{
    Durability, Runtime, RuntimeConfig, RuntimeHandle, TenantId, TenantSpec,
};
use switchboard::{AgentId, AgentSpec, Capacity, Command, EngineConfig};

fn tenant(i: usize) -> TenantId {
    TenantId::new(&format!("t{i}")).expect("tenant id")
}

/// Holds the shard in a query until the returned sender is used.
fn hold(handle: &RuntimeHandle) -> mpsc::Sender<()> {
    let (release, held) = mpsc::channel::<()>();
    let (entered_tx, entered) = mpsc::channel();
    let _answer = handle.query(&tenant(0), move |_| {
        let _ = entered_tx.send(());
        let _ = held.recv_timeout(Wall::from_secs(30));
    });
    entered
        .recv_timeout(Wall::from_secs(30))
        .expect("the shard runs the query");
    release
}

/// Median and mean wall time of one batch over `tenants` tenants.
fn rounds(tenants: usize, commit_threads: usize, rounds: usize) -> (Wall, Wall) {
    let dir = tempfile::tempdir().expect("tempdir");
    let specs: Vec<TenantSpec> = (0..tenants)
        .map(|i| {
            TenantSpec::with_builtin(
                tenant(i),
                EngineConfig::default(),
                switchboard::policy::BuiltinPolicy::LeastLoaded,
            )
        })
        .collect();
    let config = RuntimeConfig::durable(dir.path())
        .durability(Durability::Synced)
        .commit_threads(commit_threads)
        .shards(1);
    let (runtime, _) = Runtime::start(config, specs).expect("start");
    let handle = runtime.handle();
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let release = hold(&handle);
        let pending: Vec<_> = (0..tenants)
            .map(|i| {
                let agent = AgentSpec::new(AgentId(round as u64 + 1), Capacity::units(4));
                handle
                    .send(&tenant(i), Command::AddAgent(agent))
                    .expect("queued")
            })
            .collect();
        let started = Instant::now();
        release.send(()).expect("release");
        for p in pending {
            p.wait().expect("accepted");
        }
        times.push(started.elapsed());
    }
    runtime.shutdown();
    times.sort();
    let mean = times.iter().sum::<Wall>() / rounds as u32;
    (times[rounds / 2], mean)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!("| tenants in the batch | commit_threads | median per batch | mean |");
    println!("|---|---|---|---|");
    for tenants in [1, 8, 32] {
        for threads in [1, 8] {
            let (median, mean) = rounds(tenants, threads, 40);
            println!(
                "| {tenants} | {threads} | {:.2} ms | {:.2} ms |",
                median.as_secs_f64() * 1e3,
                mean.as_secs_f64() * 1e3
            );
        }
    }
}
