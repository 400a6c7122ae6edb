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
mod tests;
