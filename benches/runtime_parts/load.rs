//! The runtime under an async producer: saturation through the handle and
//! acknowledgement latency at a fixed offered load.

use hdrhistogram::Histogram;
use std::time::{Duration as Wall, Instant};
use switchboard::runtime::{RuntimeHandle, TenantId};
use switchboard::Command;

pub(super) fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .expect("tokio")
}

pub(super) fn command_at(
    streams: &[Vec<Command>],
    ids: &[TenantId],
    n: usize,
) -> (TenantId, Command) {
    let t = n % ids.len();
    (
        ids[t].clone(),
        streams[t][(n / ids.len()) % streams[t].len()].clone(),
    )
}

/// Acknowledged commands per second through the async handle, producer
/// included: chunks of 1,000 sent back to back, at most 64 chunks in flight.
pub(super) fn saturate(
    handle: &RuntimeHandle,
    ids: &[TenantId],
    streams: &[Vec<Command>],
    secs: f64,
) -> f64 {
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
pub(super) fn latency(
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
