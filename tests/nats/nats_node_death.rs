//! A NATS server dies under load, the one leading the journal stream (the
//! harder case: a follower's death costs nothing): nothing acknowledged is
//! lost and routing goes on (after a stream-leader election, about 5-8 s
//! on nats-server 2.9, and possibly a switchboard failover).

use crate::nats_support;

use nats_support::{audit, one_cluster, push, start_pair, workload, Cluster, Outcome};
use std::time::{Duration, Instant};
use switchboard::runtime::nats::{JetStreamStore, NatsConfig};
use switchboard::runtime::{
    Durability, Runtime, RuntimeConfig, RuntimeError, TenantId, TenantSpec,
};
use switchboard::EngineConfig;

const TENANT: &str = "natsdeath";
const LEASE_MS: u64 = 1000;
const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn routing_goes_on_when_a_nats_server_dies() {
    let _one = one_cluster();
    let mut cluster = Cluster::start();
    let url = cluster.url();
    let (mut a, mut b) = start_pair(&url, TENANT, LEASE_MS);
    let mut acks = Vec::new();
    let mut slowest = Duration::ZERO;
    for id in 0..200u64 {
        if id == 50 {
            // Two of three replicas remain, a quorum; the stream elects a
            // new leader meanwhile.
            let leader = cluster.stream_leader("SWITCHBOARD");
            eprintln!("killing n{leader}, the journal stream's leader");
            cluster.kill(leader);
        }
        let started = Instant::now();
        if let Outcome::Acked(ack) = push(&mut [&mut a, &mut b], TENANT, id, LIMIT) {
            acks.push(ack);
        }
        slowest = slowest.max(started.elapsed());
    }
    let records = audit(&url, TENANT, &acks);
    eprintln!(
        "nats node death: {} acknowledged, {records} records, slowest command {slowest:?}",
        acks.len()
    );
    // A command whose append outlived its deadline may have been stored
    // anyway; its retry is then refused as applied. Allow a few.
    assert!(acks.len() >= 195, "only {} of 200 acknowledged", acks.len());
    drop(cluster);
}

/// Every server gone past the append deadline: the batch is not
/// acknowledged, the tenant is poisoned, and the primary stops renewing its
/// lease (whether a client's command or a timer's tick made the batch), so
/// its node steps down and a standby takes the tenant once the servers are
/// back, instead of a poisoned primary holding it until some client writes.
#[test]
fn a_primary_whose_append_fails_gives_its_lease_up() {
    let _one = one_cluster();
    let mut cluster = Cluster::start();
    let tenant = TenantId::new("outage").expect("tenant id");
    let mut config = NatsConfig::new(cluster.url(), "a");
    // No renewal in the test's seconds (it would fail in the outage and
    // drop the lease by itself); a bucket of its own, as its max age is
    // the lease.
    config.lease = Duration::from_secs(60);
    config.lease_bucket = "sb_leases_outage".into();
    config.append_deadline = Duration::from_secs(1);
    let store = JetStreamStore::connect(config).expect("connects");
    let runtime = RuntimeConfig::volatile()
        .durability(Durability::Synced)
        .store(store.clone());
    let spec = TenantSpec::with_builtin(
        tenant.clone(),
        EngineConfig::default(),
        switchboard::policy::BuiltinPolicy::LeastLoaded,
    );
    let (runtime, _) = Runtime::start(runtime, vec![spec]).expect("opens the tenant");
    let connected = Instant::now();
    runtime
        .handle()
        .submit(&tenant, workload(0))
        .expect("served while the servers run");
    for i in 0..3 {
        cluster.kill(i);
    }
    match runtime.handle().submit(&tenant, workload(1)) {
        Err(RuntimeError::Journal { .. }) => {}
        other => panic!("an append with no server: {other:?}"),
    }
    assert!(
        connected.elapsed() < Duration::from_secs(15),
        "the test outlived the first renewal, which drops the lease by itself"
    );
    assert!(!store.holds_lease(&tenant), "the lease is still renewed");
    runtime.shutdown();
}
