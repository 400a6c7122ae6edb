//! Failover: a primary node under load is SIGKILLed; the standby takes the
//! lease when it expires and serves. Every acknowledged command is in the
//! journal once, and every node's decisions equal a single-process replay.
//! 10 cycles by default; `SWITCHBOARD_FAILOVER_CYCLES=100` for the long run
//! (`ci/failover-long.sh`).

mod nats_support;

use nats_support::{audit, median_max, push, Cluster, NodeProc, Outcome};
use std::time::{Duration, Instant};

const TENANT: &str = "acme";
const LEASE_MS: u64 = 1000;
/// Commands acknowledged by each primary before it is killed.
const LOAD: u64 = 40;
const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn every_acknowledged_command_survives_primary_sigkill() {
    let cycles: usize = std::env::var("SWITCHBOARD_FAILOVER_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    assert!((1..=1000).contains(&cycles));
    let cluster = Cluster::start();
    let url = cluster.url();
    let mut primary = NodeProc::start(&url, "n0", TENANT, LEASE_MS);
    primary
        .wait_event("primary", Some(TENANT), Duration::from_secs(30))
        .expect("the first node takes the lease");
    let mut standby = NodeProc::start(&url, "n1", TENANT, LEASE_MS);
    let mut acks = Vec::new();
    let mut id = 0u64;
    let mut failovers = Vec::new();
    for cycle in 0..cycles {
        for _ in 0..LOAD {
            if let Outcome::Acked(ack) = push(&mut [&mut primary], TENANT, id, LIMIT) {
                acks.push(ack);
            }
            id += 1;
        }
        // One more in flight as the primary dies: it may or may not have
        // been journaled; the client retries it on the standby, where it
        // is applied or refused as already applied, never twice.
        primary.send(id, TENANT, &nats_support::workload(id));
        let killed = Instant::now();
        primary.kill();
        let mut first_decision = None;
        // Bounded: each push ends or panics within LIMIT.
        for _ in 0..LOAD {
            if let Outcome::Acked(ack) = push(&mut [&mut standby], TENANT, id, LIMIT) {
                let decided = ack.decisions.as_array().is_some_and(|d| !d.is_empty());
                if decided && first_decision.is_none() {
                    first_decision = Some(killed.elapsed());
                }
                acks.push(ack);
            }
            id += 1;
            if first_decision.is_some() {
                break;
            }
        }
        let took = first_decision.expect("the new primary routed within the load");
        eprintln!("cycle {cycle}: kill to first routed decision {took:?}");
        failovers.push(took);
        primary = standby;
        standby = NodeProc::start(&url, &format!("n{}", cycle + 2), TENANT, LEASE_MS);
    }
    for _ in 0..LOAD {
        if let Outcome::Acked(ack) = push(&mut [&mut primary], TENANT, id, LIMIT) {
            acks.push(ack);
        }
        id += 1;
    }
    let records = audit(&url, TENANT, &acks);
    let (median, max) = median_max(&failovers);
    eprintln!(
        "failover: {cycles} cycles, {} acknowledged, {records} records; kill to first routed decision median {median:?}, max {max:?}",
        acks.len()
    );
    assert!(acks.len() as u64 >= LOAD * cycles as u64);
    // The goal is under 2 s with a 1 s lease; allow for a loaded CI machine.
    assert!(max < Duration::from_secs(10), "a failover took {max:?}");
    drop(cluster);
}
