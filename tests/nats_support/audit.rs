//! The audit of a tenant's stream against the acknowledgements and a
//! reference replay, from the start or from a snapshot.

use super::*;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use switchboard::persist::{decode_records, Record};
use switchboard::runtime::nats::{JetStreamStore, NatsConfig};
use switchboard::runtime::TenantId;
use switchboard::{Command, Engine, EngineConfig};

/// One acknowledged command: its client id, record and decisions.
#[derive(Clone, Debug)]
pub struct Ack {
    pub id: u64,
    pub record: u64,
    pub decisions: Value,
    pub node: String,
}

/// A store for reading the cluster's streams and snapshots (it serves no
/// tenant).
pub fn auditor(url: &str) -> std::sync::Arc<JetStreamStore> {
    let mut config = NatsConfig::new(url, "auditor");
    config.replicas = 3;
    JetStreamStore::connect(config).expect("auditor connects")
}

/// Waits (bounded) until a fresh cluster serves the journal stream, the
/// lease bucket and the snapshot store, all made by an auditor's connect:
/// a lease taken and released, a snapshot and a subject read. Nodes
/// started after it do not spend their first lease waiting for the
/// servers' first leader elections (a request then may hang for seconds).
pub fn warm_up(url: &str) {
    let store = auditor(url);
    let tenant = TenantId::new("warm-up").expect("tenant id");
    let started = Instant::now();
    // Bounded by the assertion; each request by its timeout.
    loop {
        let leases = store
            .take_lease(&tenant)
            .and_then(|()| store.release_lease(&tenant));
        if leases.is_ok()
            && store.read_snapshot(&tenant).is_ok()
            && store.read_subject(&tenant).is_ok()
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the cluster is not ready: {leases:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every message of `tenant`'s subject: `(stream sequence, payload)`.
fn read_subject(store: &JetStreamStore, tenant: &TenantId) -> Vec<(u64, Vec<u8>)> {
    // Right after a server died, JetStream may take a few seconds to
    // answer a consumer's creation: retry the audit's read (bounded).
    let mut read = store.read_subject(tenant);
    for _ in 0..10 {
        if read.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
        read = store.read_subject(tenant);
    }
    read.expect("read subject")
}

/// The records of `messages`, which must be numbered from `first` on with
/// no gap and none twice (fences are skipped).
fn records_from(first: u64, messages: &[(u64, Vec<u8>)]) -> Vec<Record> {
    let mut records: Vec<Record> = Vec::new();
    for (_seq, payload) in messages {
        if switchboard::runtime::nats::is_fence(payload) {
            continue; // a takeover's fence
        }
        let next = first + records.len() as u64;
        // decode_records refuses a record whose number is not the next one:
        // no gap, no record written twice.
        let batch = decode_records(next, payload).expect("contiguous records");
        records.extend(batch);
    }
    records
}

/// Replays `records` on `engine` (a single process, the reference) and
/// checks every acknowledgement after record `covered` against it: its
/// record is its command (`command(ack.id)`), its decisions the replay's.
/// Acknowledgements up to `covered` must be covered by the engine's start
/// (a snapshot). Also: no client command twice, the invariants hold.
fn replay_and_check(
    engine: &mut Engine,
    covered: u64,
    records: &[Record],
    acks: &[Ack],
    command: fn(u64) -> Command,
) {
    // Nothing applied twice: every client command is distinct, so none may
    // appear twice (ticks are the engine's own).
    let mut seen = HashSet::new();
    for r in records {
        if matches!(r.command, Command::Tick) {
            continue;
        }
        let text = serde_json::to_string(&r.command).expect("encode");
        assert!(seen.insert(text.clone()), "command journaled twice: {text}");
    }
    let mut decisions = HashMap::new();
    for r in records {
        let d = engine
            .apply(r.at, r.command.clone())
            .expect("a journaled command replays");
        decisions.insert(r.seq, serde_json::to_value(d).expect("decisions"));
    }
    engine
        .audit()
        .expect("the replayed engine keeps its invariants");
    let last = covered + records.len() as u64;
    for ack in acks {
        assert!(
            ack.record <= last,
            "acknowledged record {} of {} lost (the journal ends at {last})",
            ack.record,
            ack.node
        );
        if ack.record <= covered {
            continue;
        }
        let record = &records[(ack.record - covered - 1) as usize];
        assert_eq!(
            record.command,
            command(ack.id),
            "record {} is not command {}",
            ack.record,
            ack.id
        );
        assert_eq!(
            decisions[&ack.record], ack.decisions,
            "{}'s decisions for record {} differ from the reference replay",
            ack.node, ack.record
        );
    }
}

/// The reference engine's start: a fresh engine with the nodes' settings.
fn fresh_engine() -> Engine {
    let policy = switchboard::policy::BuiltinPolicy::LeastLoaded.build();
    Engine::new(EngineConfig::default(), policy).expect("engine")
}

/// Reads `tenant`'s records from the stream, checks them against `acks`
/// and against a reference replay; returns the number of records.
pub fn audit(url: &str, tenant: &str, acks: &[Ack]) -> u64 {
    let store = auditor(url);
    let tenant_id = TenantId::new(tenant).expect("tenant id");
    let records = records_from(1, &read_subject(&store, &tenant_id));
    replay_and_check(&mut fresh_engine(), 0, &records, acks, workload);
    records.len() as u64
}

/// Asserts that every command of `rejected` (client ids whose retry the
/// engine refused, as already applied) is in `tenant`'s journal: a refusal
/// must mean "applied before", never "lost". The subject must hold record 1
/// (no snapshot purged it).
pub fn assert_journaled(url: &str, tenant: &str, rejected: &[u64]) {
    let store = auditor(url);
    let tenant_id = TenantId::new(tenant).expect("tenant id");
    let records = records_from(1, &read_subject(&store, &tenant_id));
    for &id in rejected {
        let command = workload(id);
        assert!(
            records.iter().any(|r| r.command == command),
            "command {id} was refused as applied but is not in the journal"
        );
    }
}

/// What [`audit_from_snapshot`] found.
pub struct SnapshotAudit {
    /// The last record the snapshot covers.
    pub covered: u64,
    /// The stream sequence it covers.
    pub stream_seq: u64,
    /// The snapshot object's size in bytes.
    pub size: usize,
    /// Records after it in the stream.
    pub tail: u64,
    /// The engine as of the stream's end (snapshot plus tail).
    pub engine: Engine,
}

impl std::fmt::Debug for SnapshotAudit {
    // Without the engine: a big tenant's is megabytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotAudit")
            .field("covered", &self.covered)
            .field("stream_seq", &self.stream_seq)
            .field("size", &self.size)
            .field("tail", &self.tail)
            .finish_non_exhaustive()
    }
}

/// The audit of a trimmed subject: the reference starts from the tenant's
/// snapshot in the object store (the records it covers are purged) and
/// replays the subject's tail. Checks that the subject holds nothing before
/// the snapshot's stream sequence, that the message at that sequence is
/// kept and holds its covered record, that the tail follows it with no
/// gap, and every acknowledgement after the snapshot as [`audit`] does;
/// acknowledgements up to it must be covered. Retries (bounded) when a
/// snapshot lands between the reads.
pub fn audit_from_snapshot(
    url: &str,
    tenant: &str,
    acks: &[Ack],
    command: fn(u64) -> Command,
) -> SnapshotAudit {
    let store = auditor(url);
    let tenant_id = TenantId::new(tenant).expect("tenant id");
    let read_snapshot = || {
        store
            .read_snapshot(&tenant_id)
            .expect("read the snapshot")
            .expect("the tenant has a snapshot")
    };
    // Bounded: a node snapshots at most once per `snapshot_every` records,
    // and nothing writes while the audit runs but the engines' own ticks.
    for _attempt in 0..10 {
        let stored = read_snapshot();
        let messages = read_subject(&store, &tenant_id);
        let again = read_snapshot();
        if (again.last_record, again.last_stream_seq)
            != (stored.last_record, stored.last_stream_seq)
        {
            continue;
        }
        let (first_seq, first_payload) = messages.first().expect("the subject keeps a message");
        assert_eq!(
            *first_seq, stored.last_stream_seq,
            "{tenant}: the subject starts at {first_seq}, not at the snapshot's sequence {} (trimmed behind it, the last kept)",
            stored.last_stream_seq
        );
        // The kept message is the append the snapshot followed: it ends
        // with the covered record.
        assert_eq!(
            last_record_of(first_payload),
            Some(stored.last_record),
            "{tenant}: the message at the snapshot's sequence does not end with its record"
        );
        let records = records_from(stored.last_record + 1, &messages[1..]);
        let policy = switchboard::policy::BuiltinPolicy::LeastLoaded.build();
        let mut engine = Engine::restore(stored.snapshot, policy).expect("the snapshot restores");
        engine.audit().expect("the snapshot keeps the invariants");
        replay_and_check(&mut engine, stored.last_record, &records, acks, command);
        return SnapshotAudit {
            covered: stored.last_record,
            stream_seq: stored.last_stream_seq,
            size: stored.size,
            tail: records.len() as u64,
            engine,
        };
    }
    panic!("{tenant}: the snapshot kept changing during the audit");
}

/// The number of the last record of one stream message (`None`: no
/// record, or damaged).
fn last_record_of(payload: &[u8]) -> Option<u64> {
    // A frame is `len u32 | crc u32 | record number u64 | ...`: the first
    // frame names the number the batch starts at.
    let first = u64::from_le_bytes(payload.get(8..16)?.try_into().ok()?);
    decode_records(first, payload).ok()?.last().map(|r| r.seq)
}
