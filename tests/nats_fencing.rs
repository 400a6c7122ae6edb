//! Fencing: a primary frozen (SIGSTOP) past its lease is replaced; when it
//! resumes (SIGCONT) its next append is refused, it steps down, and nothing
//! is lost or journaled twice.

mod nats_support;

use nats_support::{audit, push, start_pair, Cluster, Outcome};
use std::time::Duration;

const TENANT: &str = "fenced";
const LEASE_MS: u64 = 1000;
const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_resumed_primary_is_fenced_and_steps_down() {
    let cluster = Cluster::start();
    let url = cluster.url();
    let (mut a, mut b) = start_pair(&url, TENANT, LEASE_MS);
    let mut acks = Vec::new();
    let mut id = 0;
    for _ in 0..30 {
        if let Outcome::Acked(ack) = push(&mut [&mut a], TENANT, id, LIMIT) {
            acks.push(ack);
        }
        id += 1;
    }
    a.signal("STOP");
    b.wait_event("primary", Some(TENANT), Duration::from_secs(20))
        .expect("b takes over once a's lease expires");
    for _ in 0..30 {
        if let Outcome::Acked(ack) = push(&mut [&mut b], TENANT, id, LIMIT) {
            assert_eq!(ack.node, "b");
            acks.push(ack);
        }
        id += 1;
    }
    a.signal("CONT");
    // a still believes it leads until it learns otherwise: its next append
    // is refused (expected last sequence) or its lease is found lost.
    let command = nats_support::workload(id);
    let answer = a
        .request(id, TENANT, &command)
        .expect("a answers after SIGCONT");
    assert_eq!(
        answer["ok"].as_bool(),
        Some(false),
        "a deposed primary acknowledged: {answer}"
    );
    assert_eq!(answer["error"].as_str(), Some("not_primary"), "{answer}");
    // It never sends the client back to itself: the new primary, or
    // nobody if its lease watch has not caught up since SIGCONT.
    assert!(
        matches!(answer["leader"].as_str(), None | Some("b")),
        "{answer}"
    );
    a.wait_event("standby", Some(TENANT), Duration::from_secs(10))
        .expect("a steps down");
    // The client retries against the new primary.
    if let Outcome::Acked(ack) = push(&mut [&mut a, &mut b], TENANT, id, LIMIT) {
        assert_eq!(ack.node, "b");
        acks.push(ack);
    }
    let records = audit(&url, TENANT, &acks);
    eprintln!("fencing: {} acknowledged, {records} records", acks.len());
    assert_eq!(acks.len(), 61, "every command of this workload is accepted");
    drop(cluster);
}
