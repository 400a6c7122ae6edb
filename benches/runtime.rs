//! The runtime's speed: shard scaling, the runtime against the bare engine,
//! durable group commit, and acknowledgement latency at half load.
//!
//! `cargo bench --features runtime --bench runtime` (about a minute);
//! `-- --quick` for a smaller run. Figures and the machine are in
//! BENCHMARKS.md.
//!
//! Throughput runs use a gate: each shard is first held in a clock read
//! that waits for a signal, the producer queues every command, then the
//! gate opens and the clock runs until the last command is
//! acknowledged. So the figure is the shards' own rate (stamp, apply,
//! journal, fill the caller's answer slot), not the producer's, which on a
//! two-core machine would otherwise compete with the shards for the cores.

#[path = "runtime_parts/bare_engine.rs"]
mod bare_engine;
#[path = "runtime_parts/gate.rs"]
mod gate;
#[path = "runtime_parts/load.rs"]
mod load;
#[path = "../tests/persist_common/mod.rs"]
mod stream;

use switchboard::policy::RoutingPolicy;
use switchboard::runtime::{placement, Durability, RuntimeConfig, TenantId};
use switchboard::Command;

use bare_engine::{bare, bare_threads, bare_threads_at, bare_threads_chunked};
use gate::{gated, gated_batches, start};
use load::{latency, saturate};

/// Eight tenant ids spread evenly over 1, 2 and 4 shards.
fn tenants() -> Vec<TenantId> {
    let mut picked: Vec<TenantId> = Vec::new();
    let (mut on2, mut on4) = ([0; 2], [0; 4]);
    for k in 0..10_000 {
        let id = TenantId::new(&format!("tenant-{k}")).expect("id");
        let (s2, s4) = (placement(&id, 2), placement(&id, 4));
        if on2[s2] < 4 && on4[s4] < 2 {
            on2[s2] += 1;
            on4[s4] += 1;
            picked.push(id);
        }
        if picked.len() == 8 {
            break;
        }
    }
    assert_eq!(picked.len(), 8);
    picked
}

fn streams(tenants: usize, per: u64) -> Vec<Vec<Command>> {
    (0..tenants as u64)
        .map(|t| (0..per).map(|i| stream::command(0xBE4C + t, i).1).collect())
        .collect()
}

fn policy() -> Box<dyn RoutingPolicy> {
    stream::policy()
}

/// Commands per `send_batch` in the batched runs.
const BATCH: usize = 64;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let per: u64 = if quick { 20_000 } else { 60_000 };
    let ids = tenants();
    let streams = streams(ids.len(), per);
    println!(
        "runtime bench: 8 tenants x {per} commands (persist test stream: mixed, ~40% refused)"
    );

    // Best of three for each figure: the machine is shared, and a figure
    // taken while a neighbour compiles says more about the neighbour.
    let best = |f: &dyn Fn() -> f64| (0..3).map(|_| f()).fold(0.0, f64::max);
    if std::env::var("RUNTIME_BENCH_ONLY").is_ok_and(|v| v == "shard1") {
        // For profiling the shard alone.
        for step in [0, 1] {
            let rate = bare_threads_at(1, &streams, &ids, step);
            println!("bare, 1 thread, {step} ms between commands: {rate:.0} commands/s");
        }
        for shards in [1, 2, 1, 2] {
            let rate = gated(shards, Durability::Volatile, &streams, &ids).0;
            println!("runtime, {shards} shard(s), no journal: {rate:.0} acknowledged/s");
        }
        for threads in [1, 2] {
            let rate = bare_threads(threads, &streams, &ids);
            println!("bare, {threads} thread(s): {rate:.0} commands/s");
        }
        return;
    }
    if std::env::var("RUNTIME_BENCH_ONLY").is_ok_and(|v| v == "batch1") {
        // The batched path (`send_batch`), against the bare engine fed
        // the same order (tenants interleaved a chunk at a time).
        for _ in 0..2 {
            let rate = bare_threads_chunked(1, &streams, &ids, 1, BATCH);
            println!("bare chunked, 1 thread, {BATCH} per tenant in turn: {rate:.0} commands/s");
        }
        for _ in 0..4 {
            let rate = gated_batches(1, BATCH, &streams, &ids);
            println!("runtime batched, 1 shard, {BATCH} per send_batch, no journal: {rate:.0} acknowledged/s");
        }
        for _ in 0..2 {
            let rate = bare_threads_chunked(1, &streams, &ids, 1, BATCH);
            println!("bare chunked, 1 thread, {BATCH} per tenant in turn: {rate:.0} commands/s");
        }
        return;
    }
    let bare_rate = best(&|| bare(&streams));
    println!(
        "bare engine, one thread:               {:>10.0} commands/s",
        bare_rate
    );
    let mut volatile = Vec::new();
    for shards in [1, 2, 4] {
        let rate = best(&|| gated(shards, Durability::Volatile, &streams, &ids).0);
        println!("runtime, {shards} shard(s), no journal:      {rate:>10.0} acknowledged/s");
        volatile.push(rate);
    }
    let bare1 = best(&|| bare_threads(1, &streams, &ids));
    let bare2 = best(&|| bare_threads(2, &streams, &ids));
    println!("bare engines, 1 thread, commands cloned beforehand: {bare1:>10.0} commands/s");
    println!("bare engines, 2 threads, commands cloned beforehand: {bare2:>10.0} commands/s");
    println!("  bare 2 threads / 1 thread: {:.2}", bare2 / bare1);
    println!("  1 shard / bare engine:  {:.2}", volatile[0] / bare_rate);
    println!(
        "  1 shard / bare engine (cloned beforehand): {:.2}",
        volatile[0] / bare1
    );
    println!("  2 shards / 1 shard:     {:.2}", volatile[1] / volatile[0]);
    println!("  4 shards / 1 shard:     {:.2}", volatile[2] / volatile[0]);
    let mut durable = Vec::new();
    for shards in [1, 2] {
        let rate = best(&|| gated(shards, Durability::Synced, &streams, &ids).0);
        println!("runtime, {shards} shard(s), fsync group commit: {rate:>10.0} acknowledged/s");
        durable.push(rate);
    }

    let secs = if quick { 1.0 } else { 3.0 };
    for (name, durability) in [
        ("no journal", Durability::Volatile),
        ("fsync group commit", Durability::Synced),
    ] {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
        let config = || {
            RuntimeConfig::durable(dir.path())
                .durability(durability)
                .shards(2)
                .batch_max(4096)
                .queue_capacity(1 << 20)
        };
        let runtime = start(config(), &ids);
        let capacity = saturate(&runtime.handle(), &ids, &streams, secs);
        runtime.shutdown();
        let runtime = start(config(), &ids);
        let mut rates = vec![capacity / 2.0];
        if durability == Durability::Synced {
            rates.push(50_000.0); // half the 100,000/s target
        }
        for rate in rates {
            let (p50, p99, n) = latency(&runtime.handle(), &ids, &streams, rate, secs);
            println!(
                "async handle, 2 shards, {name}: capacity {capacity:.0}/s with the producer; at {rate:.0}/s latency p50 {p50} us, p99 {p99} us ({n} commands)"
            );
        }
        runtime.shutdown();
    }
}
