//! The bare engines' rate on the same streams, one thread or several:
//! what the runtime's figures are compared with.

use std::sync::Arc;
use std::time::Instant;
use switchboard::runtime::{placement, TenantId};
use switchboard::{Command, Engine, EngineConfig, Timestamp};

use super::policy;

/// Commands per second of the bare engines, one thread, tenant after tenant
/// interleaved as the runtime would see them.
pub(super) fn bare(streams: &[Vec<Command>]) -> f64 {
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
pub(super) fn bare_threads(threads: usize, streams: &[Vec<Command>], ids: &[TenantId]) -> f64 {
    bare_threads_at(threads, streams, ids, 1)
}

/// [`bare_threads`], the `n`-th command at `1_000 + n * step` ms.
pub(super) fn bare_threads_at(
    threads: usize,
    streams: &[Vec<Command>],
    ids: &[TenantId],
    step: u64,
) -> f64 {
    bare_threads_chunked(threads, streams, ids, step, 1)
}

/// [`bare_threads_at`], the tenants interleaved `chunk` commands at a
/// time (the order [`gated_batches`] queues them in).
pub(super) fn bare_threads_chunked(
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
