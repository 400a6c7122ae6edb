//! [`Follower`]: a node's standby replicas, kept current by one consumer
//! over the whole journal stream (see [`tail`](super::tail)).
//!
//! Each followed tenant has a slot:
//!
//! * **Missing**: no replica yet (the node just started, or it stepped down
//!   and threw its engine away); the node loads one (snapshot, then the
//!   subject) in its next step.
//! * **Loading**: the node is loading or catching the replica up outside
//!   the lock; messages that arrive meanwhile are kept (at most
//!   [`MAX_BUFFERED`]) and applied when the replica is installed, so none
//!   falls between the load's end and the consumer.
//! * **Warm**: current; each message of the tenant is applied as it comes.
//! * **Behind**: a message could not be applied next (one was missed, or
//!   the buffer overflowed); the node catches the replica up from where it
//!   is by reading the tenant's subject.
//! * **Leading**: this node leads the tenant; its messages are ignored.
//!
//! Messages of the stream are applied under the slots' lock, one at a time;
//! engines are fast next to a JetStream round trip, and a standby's
//! replica is never on a caller's path.

use super::conn::Conn;
use super::replica::Replica;
use super::tail::tail;
use crate::persist::PersistError;
use crate::runtime::sync::Mutex;
use async_nats::jetstream::consumer::DeliverPolicy;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most messages kept for one tenant while its replica loads; beyond
/// it the replica is caught up from its subject instead.
pub(crate) const MAX_BUFFERED: usize = 4_096;

#[derive(Debug)]
enum Slot {
    Missing,
    Loading {
        buffered: Vec<(u64, Vec<u8>)>,
        overflowed: bool,
    },
    Warm(Replica),
    Behind(Replica),
    Leading,
}

/// Work the node must do for a slot outside the lock.
#[derive(Debug)]
pub(crate) enum Load {
    /// Load the tenant from its snapshot and subject.
    Cold(String),
    /// Catch this replica up from its subject.
    CatchUp(String, Box<Replica>),
}

/// The standby replicas of one node; the consumer stops when dropped.
#[derive(Debug)]
pub(crate) struct Follower {
    slots: Arc<Mutex<BTreeMap<String, Slot>>>,
    /// The consumer (`None`: fed by hand, in tests).
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Follower {
    /// Follows `tenants` (every one starts missing) from the messages
    /// published from now on.
    pub(crate) fn start(
        rt: &tokio::runtime::Handle,
        conn: &Arc<Conn>,
        tenants: impl IntoIterator<Item = String>,
    ) -> Self {
        let mut follower = Self::idle(tenants);
        let shared = Arc::clone(&follower.slots);
        let stream = conn.stream.clone();
        let prefix = format!("{}.", conn.config.subject_prefix);
        let filter = format!("{prefix}>");
        let task = rt.spawn(async move {
            tail(stream, filter, DeliverPolicy::New, move |seq, m| {
                let Some(tenant) = m.subject.strip_prefix(prefix.as_str()) else {
                    return;
                };
                if let Some(slot) = shared.lock().get_mut(tenant) {
                    deliver(slot, seq, &m.payload);
                }
            })
            .await;
        });
        follower.task = Some(task);
        follower
    }

    /// Follows `tenants` with no consumer: messages come only through
    /// [`deliver`](Self::deliver) (the failover simulation, tests).
    pub(crate) fn idle(tenants: impl IntoIterator<Item = String>) -> Self {
        let slots = tenants.into_iter().map(|t| (t, Slot::Missing)).collect();
        Self {
            slots: Arc::new(Mutex::new(slots)),
            task: None,
        }
    }

    /// Applies one message of `tenant`'s subject, as the consumer does.
    #[cfg(test)]
    pub(crate) fn deliver(&self, tenant: &str, seq: u64, payload: &[u8]) {
        if let Some(slot) = self.slots.lock().get_mut(tenant) {
            deliver(slot, seq, payload);
        }
    }

    /// Up to `most` slots that need a load or a catch-up, marked loading.
    pub(crate) fn due_loads(&self, most: usize) -> Vec<Load> {
        let mut slots = self.slots.lock();
        let mut due = Vec::new();
        for (tenant, slot) in slots.iter_mut() {
            if due.len() >= most {
                break;
            }
            let load = match slot {
                Slot::Missing => Load::Cold(tenant.clone()),
                Slot::Behind(_) => {
                    let Slot::Behind(replica) = std::mem::replace(slot, Slot::Missing) else {
                        unreachable!("matched Behind")
                    };
                    Load::CatchUp(tenant.clone(), Box::new(replica))
                }
                Slot::Loading { .. } | Slot::Warm(_) | Slot::Leading => continue,
            };
            *slot = Slot::Loading {
                buffered: Vec::new(),
                overflowed: false,
            };
            due.push(load);
        }
        due
    }

    /// Installs the outcome of a load: the replica plus what arrived while
    /// it loaded; a failed load leaves the slot missing (tried next step).
    pub(crate) fn install(&self, tenant: &str, loaded: Option<Replica>) {
        let mut slots = self.slots.lock();
        let Some(slot) = slots.get_mut(tenant) else {
            return;
        };
        let Slot::Loading {
            buffered,
            overflowed,
        } = std::mem::replace(slot, Slot::Missing)
        else {
            // Taken over meanwhile: the load is of no use.
            return;
        };
        let Some(replica) = loaded else {
            return;
        };
        if overflowed {
            *slot = Slot::Behind(replica);
            return;
        }
        *slot = Slot::Warm(replica);
        // Bounded by MAX_BUFFERED; stops once the replica is not warm.
        for (seq, payload) in buffered {
            if !matches!(slot, Slot::Warm(_)) {
                break;
            }
            deliver(slot, seq, &payload);
        }
    }

    /// Hands `tenant`'s replica over for a takeover (`None`: there is no
    /// usable one; load it) and ignores its messages from now on.
    pub(crate) fn lead(&self, tenant: &str) -> Option<Replica> {
        let mut slots = self.slots.lock();
        let slot = slots.get_mut(tenant)?;
        match std::mem::replace(slot, Slot::Leading) {
            Slot::Warm(r) | Slot::Behind(r) => Some(r),
            Slot::Missing | Slot::Loading { .. } | Slot::Leading => None,
        }
    }

    /// `tenant` is followed again (this node stepped down or handed it
    /// over); its replica is loaded afresh.
    pub(crate) fn follow(&self, tenant: &str) {
        if let Some(slot) = self.slots.lock().get_mut(tenant) {
            *slot = Slot::Missing;
        }
    }

    /// The stream sequence and state of `tenant`'s warm replica (the
    /// failover simulation's check that a standby equals a replay).
    #[cfg(test)]
    pub(crate) fn warm_snapshot(&self, tenant: &str) -> Option<(u64, crate::engine::Snapshot)> {
        match self.slots.lock().get(tenant)? {
            Slot::Warm(r) => Some((r.last_stream_seq, r.engine.snapshot())),
            _ => None,
        }
    }

    /// The last record of `tenant`'s current replica, if it has one.
    pub(crate) fn position(&self, tenant: &str) -> Option<u64> {
        match self.slots.lock().get(tenant)? {
            Slot::Warm(r) => Some(r.last_record),
            _ => None,
        }
    }
}

/// Applies one message to a slot.
fn deliver(slot: &mut Slot, seq: u64, payload: &[u8]) {
    match slot {
        Slot::Warm(_) => {
            let Slot::Warm(replica) = std::mem::replace(slot, Slot::Missing) else {
                unreachable!("matched Warm")
            };
            *slot = apply_delivered(replica, seq, payload);
        }
        Slot::Loading {
            buffered,
            overflowed,
        } => {
            if buffered.len() < MAX_BUFFERED {
                buffered.push((seq, payload.to_vec()));
            } else {
                *overflowed = true;
            }
        }
        Slot::Missing | Slot::Behind(_) | Slot::Leading => {}
    }
}

/// Applies one message the consumer delivered to a warm replica; returns
/// the slot it leaves the replica in.
fn apply_delivered(mut replica: Replica, seq: u64, payload: &[u8]) -> Slot {
    // A fence (empty, or the rules header) names no record. Applied blind, it moved
    // the replica past a data message the consumer had missed just before
    // it (a consumer created after the replica's load read the subject's
    // end); a takeover from that replica then fenced at the subject's end
    // without the missed records, and wrote their record numbers again
    // (found by the failover simulation, seed 218). A fence comes once per
    // takeover: catch up from the subject instead, which reads every
    // message after the replica's position.
    if super::is_fence(payload) && seq > replica.last_stream_seq {
        return Slot::Behind(replica);
    }
    match replica.apply_message(seq, payload) {
        Ok(()) => Slot::Warm(replica),
        Err(error) => after_failure(replica, &error),
    }
}

/// Where a replica goes when a message cannot be applied to it: a missed
/// message (the records do not follow on; nothing was applied) leaves it
/// behind, to be caught up from its subject; an engine that refused a
/// journaled command may be half way through a batch, so it is reloaded.
fn after_failure(replica: Replica, error: &PersistError) -> Slot {
    match error {
        PersistError::ReplayRejected { .. } => Slot::Missing,
        _ => Slot::Behind(replica),
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persist::encode_record;
    use crate::{AgentId, AgentSpec, Capacity, Command, Engine, EngineConfig, Timestamp};

    fn fresh() -> Replica {
        let policy = crate::policy::BuiltinPolicy::LeastLoaded.build();
        Replica {
            engine: Engine::new(EngineConfig::default(), policy).expect("engine"),
            last_record: 0,
            last_stream_seq: 0,
        }
    }

    /// One stream message holding records `first..first + agents.len()`,
    /// each adding the agent numbered in `agents`.
    fn batch(first: u64, agents: &[u64]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, agent) in agents.iter().enumerate() {
            let command = Command::AddAgent(AgentSpec::new(AgentId(*agent), Capacity::units(2)));
            let at = Timestamp::from_millis(1_000 + first + i as u64);
            encode_record(first + i as u64, at, &command, &mut out).expect("encode");
        }
        out
    }

    fn due(follower: &Follower) -> Vec<Load> {
        follower.due_loads(MAX_BUFFERED)
    }

    #[test]
    fn messages_arriving_while_a_replica_loads_are_applied_when_it_is_installed() {
        let follower = Follower::idle(["t".to_string()]);
        assert!(matches!(due(&follower).as_slice(), [Load::Cold(t)] if t == "t"));
        // Loading: nothing more is due, and messages are kept.
        assert!(due(&follower).is_empty());
        follower.deliver("t", 3, &batch(1, &[1, 2]));
        follower.deliver("t", 5, &batch(3, &[3]));
        assert_eq!(follower.position("t"), None);
        // The load read the subject up to sequence 3 (records 1 and 2).
        let mut loaded = fresh();
        loaded.apply_message(3, &batch(1, &[1, 2])).expect("load");
        follower.install("t", Some(loaded));
        assert_eq!(follower.position("t"), Some(3));
        follower.deliver("t", 6, &batch(4, &[4]));
        assert_eq!(follower.position("t"), Some(4));
        // Tenants this node does not follow are ignored.
        follower.deliver("other", 7, &batch(1, &[9]));
    }

    #[test]
    fn a_missed_message_leaves_the_replica_behind_and_a_catch_up_restores_it() {
        let follower = Follower::idle(["t".to_string()]);
        due(&follower);
        follower.install("t", Some(fresh()));
        follower.deliver("t", 1, &batch(1, &[1]));
        // Records 2 and 3 (sequence 2) are missed: record 4 does not follow on.
        follower.deliver("t", 3, &batch(4, &[4]));
        assert_eq!(follower.position("t"), None);
        let loads = due(&follower);
        let [Load::CatchUp(tenant, replica)] = loads.as_slice() else {
            panic!("expected one catch-up, got {loads:?}")
        };
        assert_eq!((tenant.as_str(), replica.last_record), ("t", 1));
        // Nothing of the refused message was applied.
        assert_eq!(replica.last_stream_seq, 1);
    }

    /// A fence delivered right after a missed data message moved the
    /// replica past it (a fence names no record, so nothing looked
    /// wrong); a takeover from that replica wrote the missed record
    /// numbers again. Found by the failover simulation (seed 218).
    #[test]
    fn regression_a_fence_after_a_missed_message_no_longer_hides_the_gap() {
        let follower = Follower::idle(["t".to_string()]);
        due(&follower);
        follower.install("t", Some(fresh()));
        follower.deliver("t", 1, &batch(1, &[1]));
        // Sequence 2 (record 2) is missed; sequence 3 is another node's fence.
        follower.deliver("t", 3, &[]);
        assert_eq!(follower.position("t"), None, "not warm past a fence");
        let loads = due(&follower);
        let [Load::CatchUp(_, replica)] = loads.as_slice() else {
            panic!("expected a catch-up, got {loads:?}")
        };
        assert_eq!(
            replica.last_stream_seq, 1,
            "caught up from before the fence"
        );
        // The same while loading: the buffered fence is not applied blind.
        let follower = Follower::idle(["u".to_string()]);
        due(&follower);
        follower.deliver("u", 3, &[]);
        let mut loaded = fresh();
        loaded.apply_message(1, &batch(1, &[1])).expect("load");
        follower.install("u", Some(loaded));
        assert_eq!(follower.position("u"), None);
        assert!(
            matches!(due(&follower).as_slice(), [Load::CatchUp(u, r)] if u == "u" && r.last_stream_seq == 1)
        );
    }

    #[test]
    fn a_refused_command_reloads_and_an_overflow_catches_up() {
        let follower = Follower::idle(["t".to_string(), "u".to_string()]);
        due(&follower);
        follower.install("t", Some(fresh()));
        // Agent 1 twice: the engine refuses the second, half way through
        // the batch, so the replica cannot be trusted: reload it.
        follower.deliver("t", 1, &batch(1, &[1, 1]));
        assert!(matches!(due(&follower).as_slice(), [Load::Cold(t)] if t == "t"));
        // "u" is loading (marked by the first call): overflow its buffer.
        for seq in 0..=MAX_BUFFERED as u64 {
            follower.deliver("u", seq + 1, &[]);
        }
        follower.install("u", Some(fresh()));
        assert!(matches!(due(&follower).as_slice(), [Load::CatchUp(u, _)] if u == "u"));
    }

    #[test]
    fn a_led_tenant_ignores_its_messages_until_it_is_followed_again() {
        let follower = Follower::idle(["t".to_string()]);
        due(&follower);
        follower.install("t", Some(fresh()));
        follower.deliver("t", 1, &batch(1, &[1]));
        let replica = follower.lead("t").expect("a warm replica");
        assert_eq!(replica.last_record, 1);
        follower.deliver("t", 2, &batch(2, &[2]));
        assert!(due(&follower).is_empty());
        assert!(follower.lead("t").is_none());
        // A load finishing after the takeover is dropped.
        follower.install("t", Some(fresh()));
        assert_eq!(follower.position("t"), None);
        follower.follow("t");
        assert!(matches!(due(&follower).as_slice(), [Load::Cold(t)] if t == "t"));
    }
}
