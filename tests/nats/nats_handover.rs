//! Lease hand-over: two node processes over four tenants, each primary for
//! the two it prefers and standby for the other two. Under load on every
//! tenant, `t1` moves from `a` to `b` by handing its lease over (released,
//! so `b` takes it at its next step instead of waiting for the lease to
//! expire), `a` keeps off it, and after `a`'s hold-off it moves back.
//! Every acknowledged command is in its tenant's journal once, and the
//! decisions equal a single-process replay.
//!
//! Also: a hand-over whose release races a renewal of the lease still frees
//! it at once, and a node's first step takes the tenants it prefers.

use crate::nats_support;

use nats_support::{audit, one_cluster, push, workload, Ack, Cluster, NodeProc, Outcome};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};
use switchboard::runtime::nats::{JetStreamStore, NatsConfig, Node, RoleChange};
use switchboard::runtime::{Durability, Runtime, RuntimeConfig, TenantId, TenantSpec};
use switchboard::EngineConfig;

const TENANTS: [&str; 4] = ["t1", "t2", "t3", "t4"];
const LEASE_MS: u64 = 1000;
const LEASE: Duration = Duration::from_millis(LEASE_MS);
/// Commands per tenant in each phase of load.
const LOAD: u64 = 25;
const LIMIT: Duration = Duration::from_secs(60);
/// Request ids of hand-overs and probes: apart from the commands' (each
/// tenant numbers its commands from 0, as `workload` does).
const OTHER_IDS: u64 = 1 << 40;

/// Every tenant's next command and acknowledgements.
struct Load {
    next: HashMap<&'static str, u64>,
    acks: HashMap<&'static str, Vec<Ack>>,
    other_id: u64,
}

impl Load {
    fn new() -> Load {
        Load {
            next: TENANTS.iter().map(|&t| (t, 0)).collect(),
            acks: TENANTS.iter().map(|&t| (t, Vec::new())).collect(),
            other_id: OTHER_IDS,
        }
    }

    /// A request id for something other than a command.
    fn other(&mut self) -> u64 {
        self.other_id += 1;
        self.other_id
    }

    /// Pushes `tenant`'s next command to the first of `nodes` that leads
    /// it (bounded by LIMIT); returns the acknowledgement.
    fn push(&mut self, nodes: &mut [&mut NodeProc], tenant: &'static str) -> Option<Ack> {
        let id = self.next[tenant];
        self.next.insert(tenant, id + 1);
        match push(nodes, tenant, id, LIMIT) {
            Outcome::Acked(ack) => {
                self.acks.get_mut(tenant).expect("tenant").push(ack.clone());
                Some(ack)
            }
            // Only a retried command can be refused as applied before.
            Outcome::Rejected => None,
        }
    }

    /// LOAD commands to every tenant, round robin, through both nodes.
    fn round(&mut self, a: &mut NodeProc, b: &mut NodeProc) {
        for _ in 0..LOAD {
            for tenant in TENANTS {
                self.push(&mut [&mut *a, &mut *b], tenant);
            }
        }
    }
}

/// The tenants `node` printed a `kind` event for at or after `since`.
fn events(node: &mut NodeProc, kind: &str, since: Instant) -> BTreeSet<String> {
    node.drain();
    node.events
        .iter()
        .filter(|(at, l)| *at >= since && l["event"].as_str() == Some(kind))
        .filter_map(|(_, l)| l["tenant"].as_str().map(str::to_string))
        .collect()
}

fn set(tenants: &[&str]) -> BTreeSet<String> {
    tenants.iter().map(|t| t.to_string()).collect()
}

/// Asserts `node` answers `not_primary` to a command for `tenant`, naming
/// `leader` as the node to retry against (the command is not applied
/// anywhere, so it does not count as load).
fn assert_not_primary(node: &mut NodeProc, load: &mut Load, tenant: &str, leader: &str) {
    let id = load.other();
    let answer = node.request(id, tenant, &workload(0)).expect("an answer");
    assert_eq!(
        answer["error"].as_str(),
        Some("not_primary"),
        "{} should not lead {tenant}: {answer}",
        node.name
    );
    assert_eq!(
        answer["leader"].as_str(),
        Some(leader),
        "{} should send the client to {leader} for {tenant}: {answer}",
        node.name
    );
}

/// Hands `tenant` over on `node`; returns the answer and when it came.
fn hand_over(node: &mut NodeProc, load: &mut Load, tenant: &str) -> (Instant, Value) {
    let id = load.other();
    node.send_hand_over(id, tenant);
    node.answer_at(id, LIMIT).expect("a hand-over answer")
}

fn since(later: Instant, earlier: Instant) -> Duration {
    later.saturating_duration_since(earlier)
}

#[test]
fn a_tenant_moves_by_handing_its_lease_over() {
    let _turn = one_cluster();
    let test_started = Instant::now();
    let cluster = Cluster::start();
    // Started warm (Cluster::start): the test is of hand-overs, not of a
    // cluster still electing leaders, where a node whose first requests
    // hang past a lease loses its preferred tenants to the other.
    let url = cluster.url();
    let tenants = TENANTS.join(",");
    // Started together: a tenant nobody prefers would go to whichever node
    // had watched the leases for a whole lease first.
    let start = |name: &str, prefer: &str| {
        NodeProc::start_with(&url, name, &tenants, LEASE_MS, &["--prefer", prefer])
    };
    let (mut a, mut b) = std::thread::scope(|s| {
        let a = s.spawn(|| start("a", "t1,t2"));
        let b = s.spawn(|| start("b", "t3,t4"));
        (a.join().expect("start a"), b.join().expect("start b"))
    });
    let up = Instant::now();

    // 1. Each node leads the tenants it prefers and stands by for the rest.
    for (node, preferred) in [(&mut a, ["t1", "t2"]), (&mut b, ["t3", "t4"])] {
        for tenant in preferred {
            if node
                .wait_event("primary", Some(tenant), Duration::from_secs(30))
                .is_none()
            {
                panic!("{} takes {tenant}: {:?}", node.name, node.events);
            }
        }
    }
    // Past the lease after which a node takes a tenant nobody leads: the
    // other node's tenants must not have moved.
    std::thread::sleep(since(up + LEASE * 2, Instant::now()));
    let mut load = Load::new();
    assert_eq!(events(&mut a, "primary", test_started), set(&["t1", "t2"]));
    assert_eq!(events(&mut b, "primary", test_started), set(&["t3", "t4"]));
    for tenant in ["t3", "t4"] {
        assert_not_primary(&mut a, &mut load, tenant, "b");
    }
    for tenant in ["t1", "t2"] {
        assert_not_primary(&mut b, &mut load, tenant, "a");
    }
    let (_, answer) = hand_over(&mut a, &mut load, "t3");
    assert_eq!(answer["error"].as_str(), Some("not_primary"), "{answer}");

    // 2. Load on every tenant, then t1 moves from a to b while commands
    // keep coming: to t1 (answered not_primary until b takes it) and to
    // b's own tenants. a is busy with the hand-over meanwhile.
    load.round(&mut a, &mut b);
    let t1_moved = load.acks["t1"].len();
    let asked = Instant::now();
    let hand_over_id = load.other();
    a.send_hand_over(hand_over_id, "t1");
    let mut refused = 0u64;
    let first_ack_at = loop {
        assert!(asked.elapsed() < LIMIT, "b never served t1");
        for tenant in ["t3", "t4"] {
            load.push(&mut [&mut b], tenant).expect("b serves its own");
        }
        let id = load.next["t1"];
        b.send(id, "t1", &workload(id));
        let (at, answer) = b.answer_at(id, LIMIT).expect("an answer");
        if answer["ok"].as_bool() == Some(true) {
            load.next.insert("t1", id + 1);
            load.acks.get_mut("t1").expect("t1").push(Ack {
                id,
                record: answer["record"].as_u64().expect("record"),
                decisions: answer["decisions"].clone(),
                node: b.name.clone(),
            });
            break at;
        }
        assert_eq!(answer["error"].as_str(), Some("not_primary"), "{answer}");
        refused += 1;
    };
    let (handed_at, answer) = a.answer_at(hand_over_id, LIMIT).expect("hand-over answer");
    assert_eq!(
        answer["ok"].as_bool(),
        Some(true),
        "a hands t1 over: {answer}"
    );
    let taken_at = b
        .wait_event("primary", Some("t1"), Duration::from_secs(10))
        .expect("b takes t1");
    let handover = since(taken_at, handed_at);
    let first_ack = since(first_ack_at, handed_at);
    eprintln!(
        "handover a -> b: asked to answered {:?}, answered to b primary {handover:?}, to b's first ack {first_ack:?} ({refused} not_primary meanwhile)",
        since(handed_at, asked)
    );
    // No expiry wait: the lease was released, and b takes it at its next
    // step (a quarter lease apart).
    assert!(
        handover < LEASE,
        "b took t1 {handover:?} after the hand-over"
    );
    assert!(first_ack < LEASE, "b served t1 {first_ack:?} after it");

    // a stays off t1 past its hold-off (two leases) while b renews it.
    load.round(&mut a, &mut b);
    std::thread::sleep(since(handed_at + LEASE * 3, Instant::now()));
    load.round(&mut a, &mut b);
    assert_eq!(
        events(&mut a, "primary", handed_at),
        set(&[]),
        "a retook t1"
    );
    assert_eq!(events(&mut a, "standby", test_started), set(&[]));
    assert_eq!(events(&mut b, "standby", test_started), set(&[]));
    assert_not_primary(&mut a, &mut load, "t1", "b");
    let (_, answer) = hand_over(&mut a, &mut load, "t1");
    assert_eq!(answer["error"].as_str(), Some("not_primary"), "{answer}");
    let t1_back = load.acks["t1"].len();

    // 3. And back: b hands t1 over, a (past its hold-off) takes it.
    let asked = Instant::now();
    let (handed_at, answer) = hand_over(&mut b, &mut load, "t1");
    assert_eq!(
        answer["ok"].as_bool(),
        Some(true),
        "b hands t1 over: {answer}"
    );
    let taken_at = a
        .wait_event_since("primary", Some("t1"), Some(asked), Duration::from_secs(10))
        .expect("a takes t1 back");
    let back = since(taken_at, handed_at);
    eprintln!("handover b -> a: answered to a primary {back:?}");
    assert!(back < LEASE, "a took t1 back {back:?} after the hand-over");
    for _ in 0..LOAD {
        load.push(&mut [&mut b, &mut a], "t1");
    }
    load.round(&mut a, &mut b);
    assert_not_primary(&mut b, &mut load, "t1", "a");
    assert_eq!(events(&mut a, "standby", test_started), set(&[]));
    assert_eq!(events(&mut b, "standby", test_started), set(&[]));
    // Who acknowledged what: t1 by a, then b, then a again; the others
    // never moved.
    let served =
        |acks: &[Ack]| -> BTreeSet<String> { acks.iter().map(|a| a.node.clone()).collect() };
    let t1 = &load.acks["t1"];
    assert_eq!(served(&t1[..t1_moved]), set(&["a"]));
    assert_eq!(served(&t1[t1_moved..t1_back]), set(&["b"]));
    assert_eq!(served(&t1[t1_back..]), set(&["a"]));
    assert_eq!(served(&load.acks["t2"]), set(&["a"]));
    assert_eq!(served(&load.acks["t3"]), set(&["b"]));
    assert_eq!(served(&load.acks["t4"]), set(&["b"]));

    // 4. Every tenant's journal holds its acknowledged commands once, and
    // a single-process replay decides as the nodes did.
    for tenant in TENANTS {
        let acks = &load.acks[tenant];
        let records = audit(&url, tenant, acks);
        eprintln!("{tenant}: {} acknowledged, {records} records", acks.len());
        assert!(acks.len() as u64 >= 4 * LOAD);
    }
    eprintln!("handover test: {:?}", test_started.elapsed());
    drop((a, b));
    drop(cluster);
}

/// A renewal sent before a hand-over took the lease off the holder's books
/// may land on the server before the release: the key then has a newer
/// revision, still the holder's. The release must purge that one rather
/// than leave the lease to expire (a whole lease of nobody serving).
#[test]
fn a_release_racing_a_renewal_still_frees_the_lease() {
    let _turn = one_cluster();
    let cluster = Cluster::start();
    let connect = |node: &str| {
        let mut config = NatsConfig::new(cluster.url(), node);
        // No renewal of the stores' own (every quarter lease) in the test's
        // few seconds, and an expiry the test cannot mistake for a release;
        // a bucket of its own, as its max age is the lease.
        config.lease = Duration::from_secs(60);
        config.lease_bucket = "sb_leases_60s".into();
        JetStreamStore::connect(config).expect("connects")
    };
    let tenant = TenantId::new("t1").expect("tenant id");
    let holder = connect("a");
    holder.take_lease(&tenant).expect("a takes t1");
    // The renewal as the server sees it: the key written again under a's
    // name (here by a second store of that name taking its own key over,
    // as a restarted node does), so a's books hold an older revision.
    let renewal = connect("a");
    renewal
        .take_lease(&tenant)
        .expect("a's own key is taken over");
    holder.release_lease(&tenant).expect("a releases t1");
    let other = connect("b");
    let asked = Instant::now();
    other
        .take_lease(&tenant)
        .expect("b takes the released lease at once");
    assert!(asked.elapsed() < Duration::from_secs(10));
    drop((holder, renewal, other));
    drop(cluster);
}

/// A node's very first step takes the tenants it prefers. It used to find
/// its lease watch not started yet (the watch's task had not run) and
/// spend the step loading every standby replica instead, cold: with many
/// tenants or a slow cluster that outlasted the other nodes' patience (a
/// lease), and they took the preferred tenants.
#[test]
fn the_first_step_takes_the_preferred_tenants() {
    let _turn = one_cluster();
    let cluster = Cluster::start();
    let url = cluster.url();
    let mut config = NatsConfig::new(url.clone(), "a");
    config.lease = LEASE;
    let store = JetStreamStore::connect(config).expect("connects");
    let runtime_config = RuntimeConfig::volatile()
        .durability(Durability::Synced)
        .store(store.clone());
    let (runtime, _) = Runtime::start(runtime_config, Vec::new()).expect("runtime");
    let specs: Vec<TenantSpec> = TENANTS
        .iter()
        .map(|t| {
            let id = TenantId::new(t).expect("tenant id");
            TenantSpec::with_builtin(
                id,
                EngineConfig::default(),
                switchboard::policy::BuiltinPolicy::LeastLoaded,
            )
        })
        .collect();
    let preferred = ["t1", "t2"].map(|t| TenantId::new(t).expect("tenant id"));
    let node = Node::new(store, &runtime, specs).preferring(preferred.clone());
    let mut taken: Vec<String> = node
        .step()
        .into_iter()
        .filter_map(|change| match change {
            RoleChange::Primary { tenant, .. } => Some(tenant.as_str().to_string()),
            _ => None,
        })
        .collect();
    taken.sort();
    assert_eq!(
        taken,
        ["t1", "t2"],
        "the first step takes the preferred tenants"
    );
    assert_eq!(node.primaries(), 2);
    drop(node);
    runtime.shutdown();
    drop(cluster);
}
