//! Fencing: a primary frozen (SIGSTOP) past its lease is replaced; when it
//! resumes (SIGCONT) its next append is refused, it steps down, and nothing
//! is lost or journaled twice. And JetStream's compare-and-set alone (the
//! expected last subject sequence) refuses a deposed primary that still
//! believes it holds the lease.

use crate::nats_support;

use nats_support::{audit, one_cluster, push, start_pair, workload, Ack, Cluster, Outcome};
use std::time::{Duration, Instant};
use switchboard::runtime::nats::{JetStreamStore, NatsConfig};
use switchboard::runtime::{
    Durability, Runtime, RuntimeConfig, RuntimeError, TenantId, TenantSpec,
};
use switchboard::EngineConfig;

const TENANT: &str = "fenced";
const LEASE_MS: u64 = 1000;
const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_resumed_primary_is_fenced_and_steps_down() {
    let _one = one_cluster();
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

/// The fence itself, without the lease's help: a primary that still
/// believes it holds the lease (its renewal has not run yet) appends after
/// a new primary fenced the subject. JetStream refuses the append on its
/// expected last subject sequence ("wrong last sequence"), the caller gets
/// `NotPrimary` saying so, the old primary gives the lease up on its books,
/// and the refused command is in no journal.
#[test]
fn an_append_expecting_an_old_sequence_is_refused_by_jetstream() {
    let _one = one_cluster();
    let cluster = Cluster::start();
    let url = cluster.url();
    let tenant = TenantId::new("casfenced").expect("tenant id");
    let start = |node: &str| {
        let mut config = NatsConfig::new(url.clone(), node);
        // Renewed every 15 s: no renewal (which would find the lease gone
        // and stand the old primary down first) in the test's few seconds.
        // A bucket of its own: its max age is the lease.
        config.lease = Duration::from_secs(60);
        config.lease_bucket = "sb_leases_cas".into();
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
        (store, runtime)
    };
    let connected = Instant::now();
    let (store_a, runtime_a) = start("a");
    let mut acks = Vec::new();
    // The refusal, if any (`None`: acknowledged and recorded in `acks`).
    let mut submit = |runtime: &Runtime, node: &str, id: u64| -> Option<RuntimeError> {
        match runtime.handle().submit(&tenant, workload(id)) {
            Ok(accepted) => {
                acks.push(Ack {
                    id,
                    record: accepted.record,
                    decisions: serde_json::to_value(&accepted.decisions).expect("decisions"),
                    node: node.into(),
                });
                None
            }
            Err(refused) => Some(refused),
        }
    };
    for id in 0..10 {
        assert!(submit(&runtime_a, "a", id).is_none(), "a serves");
    }
    // The lease lapses under a (here purged, as an expiry would), and b
    // takes over: lease, catch-up, fence.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let client = async_nats::connect(url.split(',').next().expect("a url"))
            .await
            .expect("connects");
        let leases = async_nats::jetstream::new(client)
            .get_key_value("sb_leases_cas")
            .await
            .expect("the bucket");
        leases.purge(tenant.as_str()).await.expect("lease purged");
    });
    let (store_b, runtime_b) = start("b");
    for id in 10..20 {
        assert!(submit(&runtime_b, "b", id).is_none(), "b serves");
    }
    // a still holds the lease on its books: only JetStream stops it.
    assert!(store_a.holds_lease(&tenant), "a's renewal ran already");
    // A command a's own engine accepts (it opens a new conversation), so
    // the refusal can only come from the journal.
    match submit(&runtime_a, "a", 21) {
        Some(RuntimeError::NotPrimary { reason, .. }) => {
            assert!(
                reason.contains("moved past"),
                "refused for another reason: {reason}"
            )
        }
        other => panic!("a deposed primary's append: {other:?}"),
    }
    assert!(
        connected.elapsed() < Duration::from_secs(15),
        "the test outlived the first renewal; the lease path may have fenced instead"
    );
    assert!(!store_a.holds_lease(&tenant), "a gave the lease up");
    assert!(store_b.holds_lease(&tenant));
    // The refused command went nowhere: b serves it as new.
    assert!(submit(&runtime_b, "b", 21).is_none(), "b serves the retry");
    let records = audit(&url, tenant.as_str(), &acks);
    assert_eq!(acks.len(), 21);
    eprintln!("cas fencing: {records} records, a refused by the expected sequence");
    runtime_a.shutdown();
    runtime_b.shutdown();
    drop(cluster);
}
