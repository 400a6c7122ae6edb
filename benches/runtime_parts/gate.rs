//! Throughput through the runtime behind a gate: every shard held at a
//! clock read while the producer queues the commands, then released, so
//! the figure is the shards' own rate.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;
use switchboard::policy::PolicyFactory;
use switchboard::runtime::{
    Clock, ClockWaker, Durability, Pending, Runtime, RuntimeConfig, SystemClock, TenantId,
    TenantSpec,
};
use switchboard::{Command, EngineConfig, Timestamp};

use super::policy;

/// A clock that, once armed, holds every shard that reads it until
/// released: the shards wait while the producer queues the commands.
#[derive(Debug, Default)]
pub(super) struct GateClock {
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

pub(super) fn start(config: RuntimeConfig, ids: &[TenantId]) -> Runtime {
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
pub(super) fn gated(
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
pub(super) fn gated_batches(
    shards: usize,
    chunk: usize,
    streams: &[Vec<Command>],
    ids: &[TenantId],
) -> f64 {
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
