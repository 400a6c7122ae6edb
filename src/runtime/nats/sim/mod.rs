//! A deterministic simulation of JetStream failover, from a seed.
//!
//! Two or three nodes run the real lease, lease-watch, takeover, fencing,
//! append and follower code (everything generic over
//! [`JetStreamOps`](super::ops::JetStreamOps)) against an in-memory model
//! of JetStream (`server.rs`), over a network that delays and loses
//! requests and replies, cuts nodes off, and delivers journal messages
//! twice or not at all; nodes are paused (SIGSTOP), their clocks and the
//! servers' clock jump forward, and tenants are handed over. Everything,
//! time included, comes from the seed: a failing seed is printed and
//! `SEED=<n>` replays it exactly. `check.rs` lists the properties.
//!
//! ```text
//! cargo test --release --features nats --lib failover_sim            # CI: 2,000 seeds (200 in debug)
//! FAILOVER_SEEDS=100000 cargo test --release --features nats --lib failover_sim -- --nocapture
//! SEED=1234 cargo test --release --features nats --lib failover_sim -- --nocapture
//! ```

mod check;
mod exec;
mod node;
mod ops;
mod server;
mod world;

use exec::{Executor, Millis};
use node::SimNode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use world::{Faults, World};

/// Seeds CI runs (release build; `FAILOVER_SEEDS` overrides). A debug
/// build runs a tenth: the same code, ten times slower.
const CI_SEEDS: u64 = if cfg!(debug_assertions) { 200 } else { 2_000 };

/// The lease, ms (the shortest accepted: most failovers per simulated
/// second).
const LEASE_MS: u64 = 200;

/// Simulated time with faults, then without, ms.
const CHAOS_MS: Millis = 8_000;
const CALM_MS: Millis = 4_000;

/// The most events of one run (a livelock is a failure, not a hang).
const MAX_EVENTS: u64 = 5_000_000;

/// What one run did.
#[derive(Debug, PartialEq, Eq)]
struct Report {
    acked: usize,
    stream: usize,
    takeovers: u64,
    fenced: u64,
    faults: u64,
}

/// Runs seed `seed`; `Err` names the broken property.
fn run(seed: u64) -> Result<Report, String> {
    run_traced(seed, false).0
}

/// Runs seed `seed`, with its trace when `trace`.
fn run_traced(seed: u64, trace: bool) -> (Result<Report, String>, Vec<String>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let nodes_n = rng.gen_range(2..=3);
    let tenants_n = rng.gen_range(1..=3);
    let faults = Faults {
        drop_request: rng.gen_range(0..=60),
        drop_reply: rng.gen_range(0..=60),
        slow_reply: rng.gen_range(0..=40),
        redeliver: rng.gen_range(0..=50),
        miss: rng.gen_range(0..=20),
        expiry_lag: rng.gen_range(0..=LEASE_MS * 3),
    };
    let world = Rc::new(RefCell::new(World::new(rng, nodes_n, faults, LEASE_MS)));
    if trace {
        world.borrow_mut().trace = Some(Vec::new());
    }
    let tenants: Vec<String> = (0..tenants_n).map(|t| format!("t{t}")).collect();
    let nodes: Vec<Rc<SimNode>> = (0..nodes_n)
        .map(|id| {
            let preferred: HashSet<String> = tenants
                .iter()
                .enumerate()
                .filter(|(t, _)| t % nodes_n == id)
                .map(|(_, name)| name.clone())
                .collect();
            SimNode::new(&world, id, tenants.clone(), preferred, LEASE_MS)
        })
        .collect();
    let mut exec = Executor::new(Rc::clone(&world));
    for node in &nodes {
        exec.spawn(Rc::clone(node).stepping());
        exec.spawn(Rc::clone(node).renewing());
        exec.spawn(Rc::clone(node).serving_clients());
    }
    let faults = schedule_faults(&mut world.borrow_mut(), nodes_n);
    let outcome = exec
        .run(CHAOS_MS, MAX_EVENTS)
        .and_then(|()| {
            world.borrow_mut().calm = true;
            exec.run(CHAOS_MS + CALM_MS, MAX_EVENTS)
        })
        .and_then(|()| check::check(&world.borrow(), &nodes, CHAOS_MS));
    let w = world.borrow();
    let report = Report {
        acked: w.acked.len(),
        stream: w.server.stream.len(),
        takeovers: w.takeovers,
        fenced: w.fenced,
        faults,
    };
    drop(w);
    // The nodes' parts and the world point at each other: break the cycle.
    for net in &mut world.borrow_mut().nets {
        net.parts = None;
    }
    drop(exec);
    let lines = world.borrow_mut().trace.take().unwrap_or_default();
    (outcome.map(|()| report), lines)
}

/// Schedules the run's pauses, clock jumps and partitions, all inside the
/// faulty phase; returns how many.
fn schedule_faults(w: &mut World, nodes: usize) -> u64 {
    let mut at = 0;
    let mut count = 0;
    // Bounded: `at` grows by at least 100 ms a turn.
    while at < CHAOS_MS {
        at += w.rng.gen_range(100..1_500);
        let node = w.rng.gen_range(0..nodes);
        let kind = w.rng.gen_range(0..4);
        let length = w.rng.gen_range(50..(LEASE_MS * 8));
        count += 1;
        w.at(at.min(CHAOS_MS), move |w| {
            let now = w.now();
            // Faults end before the calm phase, so it measures recovery.
            let end = (now + length).min(CHAOS_MS);
            match kind {
                0 => w.nets[node].paused_until = w.nets[node].paused_until.max(end),
                1 => w.nets[node].offset += length,
                2 => w.server_offset += length / 2,
                _ => w.nets[node].isolated_until = w.nets[node].isolated_until.max(end),
            }
        });
    }
    count
}

fn seeds() -> Vec<u64> {
    if let Some(seed) = std::env::var("SEED").ok().and_then(|s| s.parse().ok()) {
        return vec![seed];
    }
    let count = std::env::var("FAILOVER_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CI_SEEDS);
    let first = std::env::var("FAILOVER_FIRST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (first..first + count).collect()
}

#[test]
fn failover_sim_keeps_one_writer_and_every_acknowledged_command_once() {
    let started = std::time::Instant::now();
    let seeds = seeds();
    let mut total = Report {
        acked: 0,
        stream: 0,
        takeovers: 0,
        fenced: 0,
        faults: 0,
    };
    for &seed in &seeds {
        match run(seed) {
            Ok(r) => {
                total.acked += r.acked;
                total.stream += r.stream;
                total.takeovers += r.takeovers;
                total.fenced += r.fenced;
                total.faults += r.faults;
            }
            Err(broken) => {
                if std::env::var("SEED").is_ok() {
                    for line in run_traced(seed, true).1 {
                        println!("{line}");
                    }
                }
                panic!(
                "failover simulation, seed {seed}: {broken}\n\
                 replay (with a trace): SEED={seed} cargo test --release --features nats --lib failover_sim -- --nocapture"
                )
            }
        }
    }
    println!(
        "failover simulation: {} seeds in {:.1} s: {} commands acknowledged, {} messages, {} takeovers, {} appends fenced, {} faults",
        seeds.len(),
        started.elapsed().as_secs_f64(),
        total.acked,
        total.stream,
        total.takeovers,
        total.fenced,
        total.faults
    );
}

#[test]
fn failover_sim_replays_a_seed_exactly() {
    for seed in [7, 8] {
        assert_eq!(run(seed), run(seed), "seed {seed} ran two ways");
    }
}
