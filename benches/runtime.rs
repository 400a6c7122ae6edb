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

#[path = "../tests/persist_common/mod.rs"]
mod stream;

use hdrhistogram::Histogram;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration as Wall, Instant};
use switchboard::policy::{PolicyFactory, RoutingPolicy};
use switchboard::runtime::{
    placement, Clock, ClockWaker, Durability, Pending, Runtime, RuntimeConfig, RuntimeHandle,
    SystemClock, TenantId, TenantSpec,
};
use switchboard::{Command, Engine, EngineConfig, Timestamp};

/// A clock that, once armed, holds every shard that reads it until
/// released: the shards wait while the producer queues the commands.
#[derive(Debug, Default)]
struct GateClock {
    /// (armed, released, shards waiting).
    state: Mutex<(bool, bool, usize)>,
    cv: Condvar,
    wakers: Mutex<Vec<ClockWaker>>,
    system: SystemClock,
}

impl Clock for GateClock {
    fn now(&self) -> Timestamp {
        let mut state = self.state.lock().expect("gate");
        if state.0 && !state.1 {
            state.2 += 1;
            self.cv.notify_all();
            while !state.1 {
                state = self.cv.wait(state).expect("gate");
            }
        }
        self.system.now()
    }

    fn register(&self, waker: ClockWaker) {
        self.wakers.lock().expect("wakers").push(waker);
    }
}

impl GateClock {
    /// Arms the gate and returns once `shards` shards wait at it.
    fn hold(&self, shards: usize) {
        self.state.lock().expect("gate").0 = true;
        for waker in self.wakers.lock().expect("wakers").iter() {
            waker.wake();
        }
        let mut state = self.state.lock().expect("gate");
        while state.2 < shards {
            state = self.cv.wait(state).expect("gate");
        }
    }

    fn release(&self) {
        self.state.lock().expect("gate").1 = true;
        self.cv.notify_all();
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
    let mut engines: Vec<Engine> = streams
        .iter()
        .map(|_| Engine::new(EngineConfig::default(), policy()).expect("engine"))
        .collect();
    let per = streams[0].len();
    let started = Instant::now();
    for i in 0..per {
        for (t, s) in streams.iter().enumerate() {
            if let Some(engine) = engines.get_mut(t) {
                let _ = engine.apply(Timestamp(1_000 + i as u64), s[i].clone());
            }
        }
    }
    (per * streams.len()) as f64 / started.elapsed().as_secs_f64()
}

/// Commands per second of the bare engines on `threads` threads, each
/// owning the tenants a runtime of as many shards would give it, with the
/// commands cloned by the main thread beforehand (as the runtime's producer
/// does): the ceiling for the runtime's scaling on this machine.
fn bare_threads(threads: usize, streams: &[Vec<Command>], ids: &[TenantId]) -> f64 {
    bare_threads_at(threads, streams, ids, 1)
}

/// [`bare_threads`], the `n`-th command at `1_000 + n * step` ms.
fn bare_threads_at(threads: usize, streams: &[Vec<Command>], ids: &[TenantId], step: u64) -> f64 {
    bare_threads_chunked(threads, streams, ids, step, 1)
}

/// [`bare_threads_at`], the tenants interleaved `chunk` commands at a
/// time (the order [`gated_batches`] queues them in).
fn bare_threads_chunked(
    threads: usize,
    streams: &[Vec<Command>],
    ids: &[TenantId],
    step: u64,
    chunk: usize,
) -> f64 {
    let per = streams[0].len();
    let mut work: Vec<Vec<(usize, Command)>> = vec![Vec::new(); threads];
    for start in (0..per).step_by(chunk) {
        for (t, s) in streams.iter().enumerate() {
            for command in &s[start..(start + chunk).min(per)] {
                work[placement(&ids[t], threads)].push((t, command.clone()));
            }
        }
    }
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let workers: Vec<_> = work
        .into_iter()
        .map(|commands| {
            let barrier = Arc::clone(&barrier);
            let tenants = streams.len();
            std::thread::spawn(move || {
                let mut engines: Vec<Engine> = (0..tenants)
                    .map(|_| Engine::new(EngineConfig::default(), policy()).expect("engine"))
                    .collect();
                barrier.wait();
                for (n, (t, command)) in commands.into_iter().enumerate() {
                    if let Some(engine) = engines.get_mut(t) {
                        let _ = engine.apply(Timestamp(1_000 + n as u64 * step), command);
                    }
                }
            })
        })
        .collect();
    barrier.wait();
    let started = Instant::now();
    for w in workers {
        w.join().expect("worker");
    }
    (per * streams.len()) as f64 / started.elapsed().as_secs_f64()
}

fn start(config: RuntimeConfig, ids: &[TenantId]) -> Runtime {
    let specs = ids
        .iter()
        .map(|id| {
            TenantSpec::new(
                id.clone(),
                EngineConfig::default(),
                PolicyFactory::from_fn(policy),
            )
        })
        .collect();
    Runtime::start(config, specs).expect("start").0
}

/// Acknowledged commands per second through `shards` shards.
fn gated(
    shards: usize,
    durability: Durability,
    streams: &[Vec<Command>],
    ids: &[TenantId],
) -> (f64, f64) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let gate = Arc::new(GateClock::default());
    let total: usize = streams.iter().map(Vec::len).sum();
    let config = RuntimeConfig::durable(dir.path())
        .durability(durability)
        .clock(Arc::clone(&gate) as Arc<dyn Clock>)
        .shards(shards)
        .batch_max(4096)
        .queue_capacity(total + 4096);
    let runtime = start(config, ids);
    let handle = runtime.handle();
    gate.hold(shards);
    let mut pendings: Vec<Pending<_>> = Vec::with_capacity(total);
    let per = streams[0].len();
    if std::env::var("RUNTIME_BENCH_ORDER").is_ok_and(|v| v == "tenant") {
        // Each tenant's commands (and their answer slots) allocated together.
        for (t, s) in streams.iter().enumerate() {
            for command in s {
                pendings.push(handle.send(&ids[t], command.clone()).expect("queue sized"));
            }
        }
        // Each tenant's last command at the end, as below.
        let n = pendings.len();
        for t in 0..ids.len() {
            pendings.swap(n - ids.len() + t, (t + 1) * per - 1);
        }
    } else {
        for i in 0..per {
            for (t, s) in streams.iter().enumerate() {
                pendings.push(handle.send(&ids[t], s[i].clone()).expect("queue sized"));
            }
        }
    }
    let started = Instant::now();
    gate.release();
    // A shard's queue is FIFO, so once each tenant's last command is
    // acknowledged, all are: wait for those alone (a thread waiting on an
    // unanswered command costs its shard a wake-up per answer), stop the
    // clock, then check the rest.
    let lasts: Vec<_> = pendings.split_off(pendings.len() - ids.len());
    let mut accepted = 0usize;
    for p in lasts {
        accepted += usize::from(p.wait().is_ok());
    }
    let secs = started.elapsed().as_secs_f64();
    for p in pendings {
        accepted += usize::from(p.wait().is_ok());
    }
    runtime.shutdown();
    (total as f64 / secs, accepted as f64 / total as f64)
}

/// [`gated`] with the commands sent `chunk` at a time per tenant with
/// `send_batch` (one queue item, one answer slot and one wake-up per
/// chunk), tenants interleaved chunk by chunk; no journal.
fn gated_batches(shards: usize, chunk: usize, streams: &[Vec<Command>], ids: &[TenantId]) -> f64 {
    let gate = Arc::new(GateClock::default());
    let total: usize = streams.iter().map(Vec::len).sum();
    let config = RuntimeConfig::volatile()
        .clock(Arc::clone(&gate) as Arc<dyn Clock>)
        .shards(shards)
        .batch_max(4096)
        .queue_capacity(total + 4096);
    let runtime = start(config, ids);
    let handle = runtime.handle();
    gate.hold(shards);
    let per = streams[0].len();
    let mut pendings = Vec::with_capacity(total / chunk + ids.len());
    for start in (0..per).step_by(chunk) {
        for (t, s) in streams.iter().enumerate() {
            let commands = s[start..(start + chunk).min(per)].to_vec();
            pendings.push(handle.send_batch(&ids[t], commands).expect("queue sized"));
        }
    }
    let started = Instant::now();
    gate.release();
    // FIFO per shard, as in `gated`: each tenant's last batch answered
    // means all are.
    let lasts: Vec<_> = pendings.split_off(pendings.len() - ids.len());
    let mut answered = 0usize;
    for p in lasts {
        answered += p.wait().map_or(0, |a| a.len());
    }
    let secs = started.elapsed().as_secs_f64();
    for p in pendings {
        answered += p.wait().map_or(0, |a| a.len());
    }
    runtime.shutdown();
    assert_eq!(answered, total, "every command answered");
    total as f64 / secs
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .expect("tokio")
}

fn command_at(streams: &[Vec<Command>], ids: &[TenantId], n: usize) -> (TenantId, Command) {
    let t = n % ids.len();
    (
        ids[t].clone(),
        streams[t][(n / ids.len()) % streams[t].len()].clone(),
    )
}

/// Acknowledged commands per second through the async handle, producer
/// included: chunks of 1,000 sent back to back, at most 64 chunks in flight.
fn saturate(handle: &RuntimeHandle, ids: &[TenantId], streams: &[Vec<Command>], secs: f64) -> f64 {
    tokio_rt().block_on(async {
        let started = Instant::now();
        let mut inflight = std::collections::VecDeque::new();
        let (mut n, mut acked) = (0usize, 0usize);
        while started.elapsed().as_secs_f64() < secs {
            let mut chunk = Vec::with_capacity(1_000);
            for _ in 0..1_000 {
                let (id, command) = command_at(streams, ids, n);
                n += 1;
                if let Ok(p) = handle.send(&id, command) {
                    chunk.push(p);
                }
            }
            inflight.push_back(chunk);
            if inflight.len() >= 64 {
                for p in inflight.pop_front().expect("chunk") {
                    let _ = p.await;
                    acked += 1;
                }
            }
        }
        for chunk in inflight {
            for p in chunk {
                let _ = p.await;
                acked += 1;
            }
        }
        acked as f64 / started.elapsed().as_secs_f64()
    })
}

/// p50 and p99 acknowledgement latency (µs) through the async handle at
/// `rate` commands per second for `secs` seconds: each millisecond a chunk
/// is sent and one task awaits its answers.
fn latency(
    handle: &RuntimeHandle,
    ids: &[TenantId],
    streams: &[Vec<Command>],
    rate: f64,
    secs: f64,
) -> (u64, u64, u64) {
    tokio_rt().block_on(async {
        let per_ms = (rate / 1_000.0).max(1.0) as usize;
        let ticks = (secs * 1_000.0) as usize;
        let mut interval = tokio::time::interval(Wall::from_millis(1));
        let mut tasks = Vec::with_capacity(ticks);
        let mut n = 0usize;
        for _ in 0..ticks {
            interval.tick().await;
            let mut chunk = Vec::with_capacity(per_ms);
            for _ in 0..per_ms {
                let (id, command) = command_at(streams, ids, n);
                n += 1;
                chunk.push((Instant::now(), handle.send(&id, command)));
            }
            tasks.push(tokio::spawn(async move {
                let mut took = Vec::with_capacity(chunk.len());
                for (sent, pending) in chunk {
                    if let Ok(p) = pending {
                        let _ = p.await;
                        took.push(sent.elapsed());
                    }
                }
                took
            }));
        }
        let mut hist = Histogram::<u64>::new(3).expect("histogram");
        for task in tasks {
            for took in task.await.expect("task") {
                hist.record(took.as_micros() as u64).expect("record");
            }
        }
        (
            hist.value_at_quantile(0.5),
            hist.value_at_quantile(0.99),
            hist.len(),
        )
    })
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
