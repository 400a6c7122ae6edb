//! The runtime's speed: shard scaling, the runtime against the bare engine,
//! durable group commit, and acknowledgement latency at half load.
//!
//! `cargo bench --features runtime --bench runtime` (about a minute);
//! `-- --quick` for a smaller run. Figures and the machine are in
//! BENCHMARKS.md.
//!
//! Throughput runs use a gate: each shard is first made to open a tenant
//! whose store waits for a signal, the producer queues every command, then
//! the gate opens and the clock runs until the last command is
//! acknowledged. So the figure is the shards' own rate (stamp, apply,
//! journal, complete the caller's oneshot), not the producer's, which on a
//! two-core machine would otherwise compete with the shards for the cores.

#[path = "../tests/persist_common/mod.rs"]
mod stream;

use hdrhistogram::Histogram;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration as Wall, Instant};
use switchboard::persist::PersistError;
use switchboard::policy::RoutingPolicy;
use switchboard::runtime::{
    placement, Durability, FileStore, JournalStore, OpenedTenant, Pending, Runtime,
    RuntimeConfig, RuntimeHandle, TenantId, TenantSpec, VolatileStore,
};
use switchboard::{Command, Engine, EngineConfig, Timestamp};

/// A store that holds the opening of `gate-*` tenants until released.
#[derive(Debug)]
struct GateStore {
    inner: Arc<dyn JournalStore>,
    open: Arc<(Mutex<bool>, Condvar)>,
}

impl JournalStore for GateStore {
    fn open(
        &self,
        tenant: &TenantId,
        config: &EngineConfig,
        policy: &dyn Fn() -> Box<dyn RoutingPolicy>,
    ) -> Result<OpenedTenant, PersistError> {
        if tenant.as_str().starts_with("gate-") {
            let (lock, cv) = &*self.open;
            let mut open = lock.lock().expect("gate");
            while !*open {
                open = cv.wait(open).expect("gate");
            }
            return VolatileStore.open(tenant, config, policy);
        }
        self.inner.open(tenant, config, policy)
    }
}

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

/// Commands per second of the bare engines, one thread, tenant after tenant
/// interleaved as the runtime would see them.
fn bare(streams: &[Vec<Command>]) -> f64 {
    let engines: Vec<Engine> = streams
        .iter()
        .map(|_| Engine::new(EngineConfig::default(), policy()).expect("engine"))
        .collect();
    let per = streams[0].len();
    let started = Instant::now();
    for i in 0..per {
        for (t, s) in streams.iter().enumerate() {
            let _ = engines[t].apply(Timestamp(1_000 + i as u64), s[i].clone());
        }
    }
    (per * streams.len()) as f64 / started.elapsed().as_secs_f64()
}

fn start(config: RuntimeConfig, ids: &[TenantId]) -> Runtime {
    let specs = ids
        .iter()
        .map(|id| TenantSpec::new(id.clone(), EngineConfig::default(), policy))
        .collect();
    Runtime::start(config, specs).expect("start").0
}

/// Acknowledged commands per second through `shards` shards.
fn gated(shards: usize, durability: Durability, streams: &[Vec<Command>], ids: &[TenantId]) -> (f64, f64) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let inner: Arc<dyn JournalStore> = match durability {
        Durability::Volatile => Arc::new(VolatileStore),
        _ => Arc::new(FileStore::new(dir.path())),
    };
    let total: usize = streams.iter().map(Vec::len).sum();
    let config = RuntimeConfig::volatile()
        .durability(durability)
        .store(Arc::new(GateStore {
            inner,
            open: Arc::clone(&gate),
        }))
        .shards(shards)
        .batch_max(4096)
        .queue_capacity(total + 4096);
    let runtime = start(config, ids);
    let handle = runtime.handle();
    let gates: Vec<_> = (0..shards)
        .map(|s| {
            let id = (0..)
                .map(|k| TenantId::new(&format!("gate-{k}")).expect("id"))
                .find(|id| handle.shard_of(id) == s)
                .expect("a gate id for every shard");
            handle.add_tenant(TenantSpec::new(id, EngineConfig::default(), policy))
        })
        .collect();
    std::thread::sleep(Wall::from_millis(50));
    let mut pendings: Vec<Pending<_>> = Vec::with_capacity(total);
    let per = streams[0].len();
    for i in 0..per {
        for (t, s) in streams.iter().enumerate() {
            pendings.push(handle.send(&ids[t], s[i].clone()).expect("queue sized for all"));
        }
    }
    let started = Instant::now();
    {
        let (lock, cv) = &*gate;
        *lock.lock().expect("gate") = true;
        cv.notify_all();
    }
    for g in gates {
        g.wait().expect("gate tenant");
    }
    // Wait for the last command first (one park, not one per command:
    // a waiting thread costs the shard a wake-up per answer).
    let last = pendings.pop().expect("commands");
    let last_ok = last.wait().is_ok();
    let mut accepted = usize::from(last_ok);
    for p in pendings {
        accepted += usize::from(p.wait().is_ok());
    }
    let secs = started.elapsed().as_secs_f64();
    runtime.shutdown();
    (total as f64 / secs, accepted as f64 / total as f64)
}

/// p50 and p99 acknowledgement latency (µs) through the async handle at
/// `rate` commands per second for `secs` seconds.
fn latency(handle: &RuntimeHandle, ids: &[TenantId], streams: &[Vec<Command>], rate: f64, secs: f64) -> (u64, u64, u64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .expect("tokio");
    rt.block_on(async {
        let per_ms = (rate / 1_000.0).max(1.0) as usize;
        let ticks = (secs * 1_000.0) as usize;
        let mut interval = tokio::time::interval(Wall::from_millis(1));
        let mut tasks = Vec::with_capacity(per_ms * ticks);
        let mut n = 0usize;
        let per = streams[0].len();
        for _ in 0..ticks {
            interval.tick().await;
            for _ in 0..per_ms {
                let t = n % ids.len();
                let command = streams[t][(n / ids.len()) % per].clone();
                let (handle, id) = (handle.clone(), ids[t].clone());
                n += 1;
                tasks.push(tokio::spawn(async move {
                    let sent = Instant::now();
                    let _ = handle.submit_async(&id, command).await;
                    sent.elapsed()
                }));
            }
        }
        let mut hist = Histogram::<u64>::new(3).expect("histogram");
        for task in tasks {
            let took = task.await.expect("task");
            hist.record(took.as_micros() as u64).expect("record");
        }
        (hist.value_at_quantile(0.5), hist.value_at_quantile(0.99), hist.len())
    })
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let per: u64 = if quick { 20_000 } else { 60_000 };
    let ids = tenants();
    let streams = streams(ids.len(), per);
    println!("runtime bench: 8 tenants x {per} commands (persist test stream: mixed, ~40% refused)");

    let bare_rate = bare(&streams);
    println!("bare engine, one thread:               {:>10.0} commands/s", bare_rate);
    let mut volatile = Vec::new();
    for shards in [1, 2, 4] {
        let (rate, ok) = gated(shards, Durability::Volatile, &streams, &ids);
        println!("runtime, {shards} shard(s), no journal:      {rate:>10.0} acknowledged/s ({:.0}% accepted)", ok * 100.0);
        volatile.push(rate);
    }
    println!("  1 shard / bare engine:  {:.2}", volatile[0] / bare_rate);
    println!("  2 shards / 1 shard:     {:.2}", volatile[1] / volatile[0]);
    println!("  4 shards / 1 shard:     {:.2}", volatile[2] / volatile[0]);
    let mut durable = Vec::new();
    for shards in [1, 2] {
        let (rate, _) = gated(shards, Durability::Synced, &streams, &ids);
        println!("runtime, {shards} shard(s), fsync group commit: {rate:>10.0} acknowledged/s");
        durable.push(rate);
    }

    let secs = if quick { 1.0 } else { 3.0 };
    for (name, durability, capacity) in [
        ("no journal", Durability::Volatile, volatile[1]),
        ("fsync group commit", Durability::Synced, durable[1]),
    ] {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
        let config = RuntimeConfig::durable(dir.path())
            .durability(durability)
            .shards(2)
            .batch_max(1024)
            .queue_capacity(1 << 20);
        let runtime = start(config, &ids);
        let rate = capacity / 2.0;
        let (p50, p99, n) = latency(&runtime.handle(), &ids, &streams, rate, secs);
        println!(
            "async handle latency, 2 shards, {name}, at {rate:.0}/s (50% of capacity): p50 {p50} us, p99 {p99} us ({n} commands)"
        );
        runtime.shutdown();
    }
}
