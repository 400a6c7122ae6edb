//! Snapshots and trimming: a primary snapshotting every 25 records writes
//! each tenant's snapshot to the JetStream object store (one tenant's over
//! NATS's 1 MB max payload) and purges its subject behind it; a standby
//! that fell behind a purge rebuilds; the primary is SIGKILLed after a
//! snapshot and the standby takes over (and snapshots in turn); then a cold
//! node (no replica followed from the start: the subject's start is gone)
//! rebuilds from snapshot plus tail and serves, with each tenant's scale
//! reserved; a reservation past the limits stops a node before it starts.
//!
//! The stream no longer starts at record 1, so the audit starts from the
//! snapshot: the reference is the snapshot restored in this process plus
//! the subject's tail replayed on it (`audit_from_snapshot`); every
//! acknowledgement after the snapshot is checked against that replay,
//! every one up to it must be covered by it.

use crate::nats_support;

use nats_support::{
    audit_from_snapshot, auditor, one_cluster, push_with, workload, Ack, NodeProc, Outcome,
};
use serde_json::Value;
use std::time::{Duration, Instant};
use switchboard::persist::{encode_snapshot, PersistError};
use switchboard::runtime::nats::NatsError;
use switchboard::runtime::TenantId;
use switchboard::{
    AgentId, AgentSpec, Capacity, Command, Engine, EngineConfig, SkillId, SkillLevel,
};

const LEASE_MS: u64 = 1000;
/// Records between snapshots.
const EVERY: u64 = 25;
/// The tenant with the small workload.
const SMALL: &str = "acme";
/// The tenant whose snapshot exceeds 1 MB.
const BIG: &str = "bigco";
/// Agents of the big tenant, each holding [`SKILLS`] skills: about 26
/// bytes of snapshot JSON per skill, so 60 × 1,000 make about 1.6 MB in 60
/// commands of 26 KB each (a journal message holds one and stays small).
const BIG_AGENTS: u64 = 60;
const SKILLS: u32 = 1_000;
const LIMIT: Duration = Duration::from_secs(60);

/// The big tenant's workload: agents with many skills, then the usual
/// conversations (which need no skill, so every agent may take them).
fn big_workload(i: u64) -> Command {
    if i < BIG_AGENTS {
        let skills = (0..SKILLS).map(|s| SkillLevel::new(SkillId(s), (s % 10) as u8 + 1).unwrap());
        return Command::AddAgent(
            AgentSpec::new(AgentId(i + 1), Capacity::units(4)).skills(skills),
        );
    }
    // workload's commands from 6 on are conversations opened and resolved.
    workload(i - BIG_AGENTS + 6)
}

/// One tenant's client: the next command id and what was acknowledged.
struct Client {
    tenant: &'static str,
    command: fn(u64) -> Command,
    next: u64,
    acks: Vec<Ack>,
}

impl Client {
    fn new(tenant: &'static str, command: fn(u64) -> Command) -> Self {
        Client {
            tenant,
            command,
            next: 0,
            acks: Vec::new(),
        }
    }

    /// Pushes `count` commands to whichever of `nodes` serves the tenant.
    fn push(&mut self, nodes: &mut [&mut NodeProc], count: u64) {
        // Bounded: `count` commands, each ending or panicking within LIMIT.
        for _ in 0..count {
            if let Outcome::Acked(ack) =
                push_with(nodes, self.tenant, self.next, self.command, LIMIT)
            {
                self.acks.push(ack);
            }
            self.next += 1;
        }
    }
}

/// Asserts that every agent of the big tenant is in `engine`.
fn assert_big_agents(engine: &Engine) {
    for agent in 1..=BIG_AGENTS {
        assert!(engine.agent(AgentId(agent)).is_ok(), "agent {agent} lost");
    }
}

/// The `last_record` of `node`'s `primary` event for `tenant`.
fn takeover_record(node: &NodeProc, tenant: &str) -> u64 {
    node.events
        .iter()
        .find(|(_, l)| {
            l["event"].as_str() == Some("primary") && l["tenant"].as_str() == Some(tenant)
        })
        .and_then(|(_, l)| l.get("last_record").and_then(Value::as_u64))
        .expect("a primary event with its last record")
}

#[test]
fn snapshots_go_to_the_object_store_and_trim_the_stream() {
    let _one = one_cluster();
    let started = Instant::now();
    let cluster = nats_support::Cluster::start();
    let url = cluster.url();
    let tenants = format!("{SMALL},{BIG}");
    let every = EVERY.to_string();
    let args = ["--snapshot-every", every.as_str()];
    let mut a = NodeProc::start_with(&url, "a", &tenants, LEASE_MS, &args);
    for tenant in [SMALL, BIG] {
        a.wait_event("primary", Some(tenant), Duration::from_secs(30))
            .expect("a takes the leases");
    }
    let mut b = NodeProc::start_with(&url, "b", &tenants, LEASE_MS, &args);
    let mut small = Client::new(SMALL, workload);
    let mut big = Client::new(BIG, big_workload);

    // A standby of the test's own, loaded early and then left behind.
    small.push(&mut [&mut a], 5);
    let lagging_store = auditor(&url);
    let small_id = TenantId::new(SMALL).expect("tenant id");
    let policy =
        switchboard::policy::PolicyFactory::from(switchboard::policy::BuiltinPolicy::LeastLoaded);
    let mut lagging = lagging_store
        .load_replica(&small_id, &EngineConfig::default(), &policy)
        .expect("an early replica");
    assert!(lagging.last_record >= 5);

    // Four snapshots of each tenant on the first primary.
    small.push(&mut [&mut a], 4 * EVERY - 5);
    big.push(&mut [&mut a], BIG_AGENTS + 40);
    let small_1 = audit_from_snapshot(&url, SMALL, &small.acks, workload);
    let big_1 = audit_from_snapshot(&url, BIG, &big.acks, big_workload);
    eprintln!("on a: {SMALL} {small_1:?}\n      {BIG} {big_1:?}");
    for audit in [&small_1, &big_1] {
        // A snapshot is at most EVERY records behind (plus rare ticks).
        assert!(audit.covered >= 3 * EVERY, "{audit:?}");
        assert!(audit.tail < EVERY + 5, "{audit:?}");
    }
    assert!(
        big_1.size > 1 << 20,
        "the big snapshot is only {} bytes",
        big_1.size
    );
    assert_big_agents(&big_1.engine);

    // The early replica fell behind the purges: it cannot catch up (the
    // next record it needs is gone), and a rebuild from the snapshot can.
    match lagging_store.catch_up(&small_id, &mut lagging) {
        Err(NatsError::Replay { .. }) => {}
        other => panic!("a replica behind a purge caught up: {other:?}"),
    }
    let rebuilt = lagging_store
        .load_replica(&small_id, &EngineConfig::default(), &policy)
        .expect("a rebuild from the snapshot");
    assert!(rebuilt.last_record >= small_1.covered + small_1.tail);

    // SIGKILL of the primary after its snapshots, one command in flight;
    // the standby takes over and snapshots in turn.
    a.send(small.next, SMALL, &workload(small.next));
    a.kill();
    let killed = Instant::now();
    small.push(&mut [&mut b], EVERY + 5);
    let failover = killed.elapsed();
    big.push(&mut [&mut b], EVERY + 5);
    let small_2 = audit_from_snapshot(&url, SMALL, &small.acks, workload);
    let big_2 = audit_from_snapshot(&url, BIG, &big.acks, big_workload);
    eprintln!("on b: {SMALL} {small_2:?}\n      {BIG} {big_2:?}");
    for (before, after) in [(&small_1, &small_2), (&big_1, &big_2)] {
        assert!(
            after.covered > before.covered + before.tail,
            "the new primary wrote no snapshot: {after:?}"
        );
    }

    // A cold node: the standby is killed too before it starts, so the
    // third node rebuilds each tenant from its snapshot and tail alone,
    // reserving each tenant's scale once rebuilt (`--reserve-*`).
    b.kill();
    let reserve = [
        "--reserve-agents",
        "200",
        "--reserve-conversations",
        "2000",
        "--reserve-open",
        "500",
        "--reserve-customers",
        "1000",
    ];
    let mut c = NodeProc::start_with(
        &url,
        "c",
        &tenants,
        LEASE_MS,
        &[&args[..], &reserve].concat(),
    );
    for (tenant, audit) in [(SMALL, &small_2), (BIG, &big_2)] {
        c.wait_event("primary", Some(tenant), Duration::from_secs(30))
            .expect("c takes over");
        assert_eq!(
            takeover_record(&c, tenant),
            audit.covered + audit.tail,
            "{tenant}: c took over at another record"
        );
    }
    small.push(&mut [&mut c], 20);
    big.push(&mut [&mut c], 20);
    let small_3 = audit_from_snapshot(&url, SMALL, &small.acks, workload);
    let big_3 = audit_from_snapshot(&url, BIG, &big.acks, big_workload);
    eprintln!("on c: {SMALL} {small_3:?}\n      {BIG} {big_3:?}");
    for (client, audit) in [(&small, &small_3), (&big, &big_3)] {
        // c's answers were compared with the replay from the snapshot.
        let checked = client
            .acks
            .iter()
            .filter(|ack| ack.node == "c" && ack.record > audit.covered)
            .count();
        assert_eq!(
            checked, 20,
            "{}: c's answers not all checked",
            client.tenant
        );
    }
    assert_big_agents(&big_3.engine);
    // Each replaced snapshot was removed, chunks and metadata: the bucket
    // holds one object per tenant (the current one), and its stream
    // nothing else (no tombstones, no orphan chunks).
    let (objects, messages) = snapshot_bucket_contents(&url);
    let names: Vec<&str> = objects.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            format!("{SMALL}.{}", small_3.stream_seq),
            format!("{BIG}.{}", big_3.stream_seq),
        ],
        "only the current snapshots are kept"
    );
    let live: u64 = objects.iter().map(|(_, chunks)| chunks + 1).sum();
    assert_eq!(messages, live, "the object stream holds more than them");
    eprintln!(
        "snapshots: {} + {} acknowledged; big snapshot {} bytes; failover to b {failover:?}; test {:?}",
        small.acks.len(),
        big.acks.len(),
        big_3.size,
        started.elapsed()
    );
    drop(cluster);
}

/// The snapshot bucket's objects, sorted (`(name, chunks)`), and the number
/// of messages in its stream.
fn snapshot_bucket_contents(url: &str) -> (Vec<(String, u64)>, u64) {
    use futures_util::StreamExt;
    let config = auditor(url).config().clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let first = url.split(',').next().expect("a url");
        let js = async_nats::jetstream::new(async_nats::connect(first).await.expect("connects"));
        let bucket = js
            .get_object_store(&config.snapshot_bucket)
            .await
            .expect("the bucket");
        let mut list = bucket.list().await.expect("lists");
        let mut objects = Vec::new();
        // Bounded by the bucket's objects.
        while let Some(info) = list.next().await {
            let info = info.expect("an object");
            if !info.deleted {
                objects.push((info.name, info.chunks as u64));
            }
        }
        objects.sort();
        let mut stream = js
            .get_stream(format!("OBJ_{}", config.snapshot_bucket))
            .await
            .expect("the stream");
        let messages = stream.info().await.expect("stream info").state.messages;
        (objects, messages)
    })
}

/// Objects that are not whole snapshots (foreign bytes over 1 MB, a
/// snapshot cut short, an object whose chunks are gone) are refused with a
/// typed error when read, and a replica is not built on them.
#[test]
fn a_damaged_snapshot_object_is_refused() {
    let _one = one_cluster();
    let cluster = nats_support::Cluster::start();
    let url = cluster.url();
    // Connecting creates the stream and the buckets.
    let store = auditor(&url);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let first = format!("nats://127.0.0.1:{}", cluster.ports[0]);
    let client = rt.block_on(async_nats::connect(first)).expect("connects");
    let js = async_nats::jetstream::new(client);
    let bucket_name = store.config().snapshot_bucket.clone();
    let bucket = rt
        .block_on(js.get_object_store(&bucket_name))
        .expect("the snapshot bucket");
    let heads = rt
        .block_on(js.get_key_value(&store.config().snapshot_head_bucket))
        .expect("the snapshot heads");
    // Each object is tenant `name`'s current snapshot: named as a snapshot
    // of stream sequence 4, and its head names it.
    let put = |name: &str, bytes: &[u8]| {
        let mut reader = bytes;
        let object = format!("{name}.4");
        let info = rt
            .block_on(bucket.put(object.as_str(), &mut reader))
            .expect("object stored");
        rt.block_on(heads.put(name, object.into_bytes().into()))
            .expect("head stored");
        info
    };
    put("foreign", &vec![0xA5; 1_500_000]);
    let whole =
        encode_snapshot(3, &serde_json::json!({"stream_seq": 4, "engine": null})).expect("encodes");
    put("cut", &whole[..whole.len() / 2]);
    put("wrongshape", &whole);
    let gone = put("gone", &vec![0x5A; 600_000]);
    let chunks = format!("$O.{bucket_name}.C.{}", gone.nuid);
    let object_stream = rt
        .block_on(js.get_stream(format!("OBJ_{bucket_name}")))
        .expect("the bucket's stream");
    rt.block_on(async { object_stream.purge().filter(chunks).await })
        .expect("chunks purged");
    let policy =
        switchboard::policy::PolicyFactory::from(switchboard::policy::BuiltinPolicy::LeastLoaded);
    // Bounded: four fixed objects.
    for name in ["foreign", "cut", "wrongshape", "gone"] {
        let tenant = TenantId::new(name).expect("tenant id");
        match store.read_snapshot(&tenant) {
            Err(NatsError::Replay {
                source: PersistError::BadSnapshot { reason, .. },
                ..
            }) => eprintln!("{name}: refused ({reason})"),
            other => panic!("{name}: {:?}", other.map(|s| s.map(|s| s.size))),
        }
        if name != "gone" {
            // (The missing chunks cost a wait each time; once is enough.)
            let loaded = store.load_replica(&tenant, &EngineConfig::default(), &policy);
            assert!(loaded.is_err(), "{name}: a replica was built on it");
        }
    }
    drop(cluster);
}

/// A reservation past the tenants' limits is bad input: the node says
/// which figure and exits with code 2 before it connects to anything (no
/// server runs at that address).
#[test]
fn a_node_refuses_a_reservation_past_the_limits() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["node", "--nats", "nats://127.0.0.1:9", "--node", "a"])
        .args(["--reserve-agents", "4000000000"])
        .output()
        .expect("run the node");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--reserve-*: cannot reserve 4000000000 agents"),
        "{stderr}"
    );
}
