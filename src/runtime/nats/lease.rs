//! [`Leases`]: the writer leases a process holds, one key per tenant in a
//! key-value bucket whose max age is the lease's length.
//!
//! * **Take**: `create` (refused when the key exists), so two processes
//!   never both take a live lease. A key left by this very node (a restart)
//!   is taken over by a revision-checked `update`.
//! * **Renew**: every quarter lease, a revision-checked `update` per lease
//!   held. A refusal means another process took it: the lease is dropped at
//!   once. A renewal that does not get through leaves the lease to lapse.
//! * **Expire**: nothing renews a dead process's key, and the bucket's max
//!   age removes it; the next `create` succeeds. nats-server 2.9 has no
//!   per-key TTL, so the whole bucket shares one lease length.
//!   A standby that saw no renewal for a whole lease may also *break* the
//!   key: purge it expecting the revision it last saw, then create it.
//!
//! A lease whose renewals have not got through for a whole lease length
//! (counted from when the last successful one *was sent*) is dropped here
//! too: the server may have let another process take it. Safety does not
//! rest on these clocks: every append expects the subject's last sequence,
//! and a new primary fences the subject before it serves.
//!
//! Time comes from the process's [`Clock`](crate::runtime::Clock) through
//! [`JetStreamOps::now`], and every request through [`JetStreamOps`], so
//! the failover simulation (`sim/`) runs this very code from a seed.

use super::ops::{JetStreamOps, LeaseUpdate};
use super::NatsError;
use crate::model::{TimeSpan, Timestamp};
use crate::runtime::sync::Mutex;
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Renewals in flight at once.
const RENEW_CONCURRENCY: usize = 128;

/// One lease held.
#[derive(Debug, Clone, Copy)]
struct Held {
    /// The key's revision as last written by this process.
    revision: u64,
    /// When (on this process's clock) the write that made `revision` was
    /// sent.
    sent: Timestamp,
}

/// The leases of this process, shared by the shards (checks), the renewal
/// task and the node (takes, releases).
#[derive(Debug, Clone, Default)]
pub(crate) struct Leases {
    held: Arc<Mutex<BTreeMap<String, Held>>>,
}

impl Leases {
    /// Whether a lease on `tenant` is held (valid or not yet known lost).
    pub(crate) fn holds(&self, tenant: &str) -> bool {
        self.held.lock().contains_key(tenant)
    }

    /// Takes `tenant`'s lease for `ops.config().node`; `stale`: the
    /// revision of a lease whose holder stopped renewing it a lease ago,
    /// broken if the key is still at exactly that revision (see
    /// `lease_watch.rs`).
    pub(crate) async fn take(
        &self,
        ops: &impl JetStreamOps,
        tenant: &str,
        stale: Option<u64>,
    ) -> Result<(), NatsError> {
        let node = ops.config().node.as_bytes().to_vec();
        let sent = ops.now();
        let revision = match ops.lease_create(tenant, node.clone()).await {
            Ok(revision) => revision,
            Err(refused) => match ops.lease_entry(tenant).await? {
                Some(e) if e.live && e.value == node => {
                    match ops
                        .lease_update(tenant, node, e.revision, super::conn::REQUEST_TIMEOUT)
                        .await
                    {
                        LeaseUpdate::Written(revision) => revision,
                        LeaseUpdate::WrongRevision => {
                            return Err(NatsError::Request {
                                what: "lease update",
                                reason: "wrong last revision".into(),
                            })
                        }
                        LeaseUpdate::Failed(e) => return Err(e),
                    }
                }
                Some(e) if e.live && stale == Some(e.revision) => {
                    ops.lease_purge(tenant, e.revision).await?;
                    ops.lease_create(tenant, node).await?
                }
                Some(e) if e.live => {
                    return Err(NatsError::LeaseHeld {
                        revision: e.revision,
                        tenant: tenant.to_string(),
                        holder: String::from_utf8_lossy(&e.value).into_owned(),
                    })
                }
                _ => return Err(refused),
            },
        };
        self.held
            .lock()
            .insert(tenant.to_string(), Held { revision, sent });
        Ok(())
    }

    /// Gives `tenant`'s lease up (a handover): deletes the key if it is
    /// still ours, so a standby's next take succeeds at once.
    pub(crate) async fn release(
        &self,
        ops: &impl JetStreamOps,
        tenant: &str,
    ) -> Result<(), NatsError> {
        let Some(h) = self.held.lock().remove(tenant) else {
            return Ok(());
        };
        if ops.lease_purge(tenant, h.revision).await.is_ok() {
            return Ok(());
        }
        // A renewal sent before the lease left `held` may have landed
        // since, its revision never recorded: the key is still ours at a
        // newer revision. Purge that one (the round that sent it was the
        // last: the lease is off the books), or the lease lapses instead.
        match ops.lease_entry(tenant).await? {
            Some(e) if e.live && e.value == ops.config().node.as_bytes() => {
                ops.lease_purge(tenant, e.revision).await
            }
            // Gone already, or another node's: nothing of ours to release.
            _ => Ok(()),
        }
    }

    /// Forgets `tenant`'s lease without touching the bucket (it was lost).
    pub(crate) fn forget(&self, tenant: &str) {
        self.held.lock().remove(tenant);
    }

    /// One round of renewals; returns the tenants whose lease was lost.
    pub(crate) async fn renew_all(&self, ops: &impl JetStreamOps) -> Vec<String> {
        let held: Vec<(String, Held)> = self
            .held
            .lock()
            .iter()
            .map(|(t, h)| (t.clone(), *h))
            .collect();
        let config = ops.config();
        let lease = TimeSpan::from_std(config.lease);
        // Many tenants per process: renewals go out RENEW_CONCURRENCY at a
        // time, so a round takes about held / RENEW_CONCURRENCY round trips.
        let rounds = held.into_iter().map(|(tenant, h)| {
            let value = config.node.clone().into_bytes();
            async move {
                let sent = ops.now();
                let renewed = ops
                    .lease_update(&tenant, value, h.revision, config.lease / 4)
                    .await;
                (tenant, h, sent, renewed)
            }
        });
        let results: Vec<_> = futures_util::stream::iter(rounds)
            .buffer_unordered(RENEW_CONCURRENCY)
            .collect()
            .await;
        let now = ops.now();
        let mut lost = Vec::new();
        for (tenant, h, sent, renewed) in results {
            let mut map = self.held.lock();
            match renewed {
                LeaseUpdate::Written(revision) => {
                    // Only the lease as this round found it: a lease
                    // released and taken again meanwhile keeps its own.
                    if let Some(entry) = map.get_mut(&tenant) {
                        if entry.revision == h.revision {
                            *entry = Held { revision, sent };
                        }
                    }
                }
                LeaseUpdate::WrongRevision => {
                    if map.get(&tenant).is_some_and(|e| e.revision == h.revision) {
                        map.remove(&tenant);
                        lost.push(tenant);
                    }
                }
                // Timed out or unreachable past the lease's length: the
                // server may have let another take it; appends are fenced
                // anyway, but stop claiming it.
                LeaseUpdate::Failed(_) if now.since(h.sent) > lease => {
                    if map.get(&tenant).is_some_and(|e| e.revision == h.revision) {
                        map.remove(&tenant);
                        lost.push(tenant);
                    }
                }
                // Otherwise keep trying (a stream leader being elected).
                LeaseUpdate::Failed(_) => {}
            }
        }
        lost
    }
}
