//! A whole process fails over: three node processes over 24 tenants, each
//! primary for the 8 it prefers and a following standby for the other 16.
//! Under load on every tenant, one process is SIGKILLed; the other two take
//! its 8 tenants over together (one step each, no request per tenant while
//! standing by). Every acknowledged command of every tenant is in its
//! journal once, and the decisions equal a single-process replay.

use crate::nats_support;

use nats_support::{audit, one_cluster, push, Ack, Cluster, NodeProc, Outcome};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const NODES: [&str; 3] = ["a", "b", "c"];
const TENANTS: usize = 24;
const LEASE_MS: u64 = 1000;
/// Commands per tenant before and after the kill.
const LOAD: u64 = 8;
const LIMIT: Duration = Duration::from_secs(60);

fn tenant(i: usize) -> String {
    format!("t{i}")
}

/// The tenants node `n` prefers: every third.
fn preferred(n: usize) -> Vec<String> {
    (n..TENANTS).step_by(NODES.len()).map(tenant).collect()
}

/// Pushes each tenant's next command through `nodes` (retrying
/// `not_primary`); returns when each was served.
fn round(
    nodes: &mut [&mut NodeProc],
    tenants: &[String],
    next: &mut HashMap<String, u64>,
    acks: &mut HashMap<String, Vec<Ack>>,
) -> Vec<Instant> {
    let mut served = Vec::with_capacity(tenants.len());
    for t in tenants {
        let id = next[t];
        if let Outcome::Acked(ack) = push(nodes, t, id, LIMIT) {
            acks.get_mut(t).expect("tenant").push(ack);
        }
        served.push(Instant::now());
        *next.get_mut(t).expect("tenant") += 1;
    }
    served
}

#[test]
fn the_survivors_take_over_every_tenant_of_a_killed_process() {
    let _one = one_cluster();
    let cluster = Cluster::start();
    let url = cluster.url();
    let all: Vec<String> = (0..TENANTS).map(tenant).collect();
    let mut nodes: Vec<NodeProc> = NODES
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let prefer = preferred(n).join(",");
            NodeProc::start_with(&url, name, &all.join(","), LEASE_MS, &["--prefer", &prefer])
        })
        .collect();
    // Each node leads exactly what it prefers.
    for (n, node) in nodes.iter_mut().enumerate() {
        for t in preferred(n) {
            node.wait_event("primary", Some(&t), Duration::from_secs(30))
                .unwrap_or_else(|| panic!("{} did not take {t}", node.name));
        }
    }
    let mut next: HashMap<String, u64> = all.iter().map(|t| (t.clone(), 0)).collect();
    let mut acks: HashMap<String, Vec<Ack>> = all.iter().map(|t| (t.clone(), vec![])).collect();
    for _ in 0..LOAD {
        let mut all_nodes: Vec<&mut NodeProc> = nodes.iter_mut().collect();
        round(&mut all_nodes, &all, &mut next, &mut acks);
    }
    // Every tenant served by the node that prefers it.
    for (t, list) in &acks {
        let i: usize = t[1..].parse().expect("tenant number");
        let owner = NODES[i % NODES.len()];
        assert!(list.iter().all(|a| a.node == owner), "{t}: {list:?}");
    }

    let mut killed = nodes.remove(0);
    let kill = Instant::now();
    killed.kill();
    let orphans = preferred(0);
    let (b, c) = nodes.split_at_mut(1);
    let mut survivors = [&mut b[0], &mut c[0]];
    // The first command of each orphan: served once the survivors took it.
    let served = round(&mut survivors, &orphans, &mut next, &mut acks);
    let whole = served.last().copied().expect("orphans") - kill;
    eprintln!(
        "process failover: {} tenants of the killed process served again {whole:?} after the kill (lease {LEASE_MS} ms)",
        orphans.len()
    );
    for _ in 1..LOAD {
        round(&mut survivors, &all, &mut next, &mut acks);
    }
    let mut records = 0;
    for t in &all {
        let list = &acks[t];
        assert!(
            list.len() as u64 >= 2 * LOAD - 1,
            "{t}: {} acks",
            list.len()
        );
        records += audit(&url, t, list);
    }
    // Every orphan now led by a survivor.
    for t in &orphans {
        let by = acks[t].last().map(|a| a.node.clone());
        assert!(
            matches!(by.as_deref(), Some("b" | "c")),
            "{t} led by {by:?}"
        );
    }
    eprintln!("{records} records audited over {TENANTS} tenants");
    // A lease plus a step or two; generous for a loaded CI machine.
    assert!(whole < Duration::from_secs(15), "took {whole:?}");
    drop(cluster);
}
