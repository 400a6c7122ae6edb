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

use super::conn::{timed, Conn};
use super::NatsError;
use async_nats::jetstream::kv;
use futures_util::StreamExt;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Renewals in flight at once.
const RENEW_CONCURRENCY: usize = 128;

/// One lease held.
#[derive(Debug, Clone, Copy)]
struct Held {
    /// The key's revision as last written by this process.
    revision: u64,
    /// When the write that made `revision` was sent.
    sent: Instant,
}

/// The leases of this process, shared by the shards (checks), the renewal
/// task and the node (takes, releases).
#[derive(Debug, Clone, Default)]
pub(crate) struct Leases {
    held: Arc<Mutex<HashMap<String, Held>>>,
}

impl Leases {
    /// Whether a lease on `tenant` is held (valid or not yet known lost).
    pub(crate) fn holds(&self, tenant: &str) -> bool {
        self.held.lock().contains_key(tenant)
    }

    /// Takes `tenant`'s lease for `conn.config.node`; `stale`: the revision
    /// of a lease whose holder stopped renewing it a lease ago, broken if the
    /// key is still at exactly that revision (see `lease_watch.rs`).
    pub(crate) async fn take(
        &self,
        conn: &Conn,
        tenant: &str,
        stale: Option<u64>,
    ) -> Result<(), NatsError> {
        let node = conn.config.node.as_bytes().to_vec();
        let sent = Instant::now();
        let created = timed(
            "lease create",
            conn.leases.create(tenant, node.clone().into()),
        )
        .await;
        let revision = match created {
            Ok(revision) => revision,
            Err(refused) => {
                let entry = timed("lease read", conn.leases.entry(tenant)).await?;
                match entry {
                    Some(e)
                        if e.operation == kv::Operation::Put
                            && e.value.as_ref() == node.as_slice() =>
                    {
                        timed(
                            "lease update",
                            conn.leases.update(tenant, node.into(), e.revision),
                        )
                        .await?
                    }
                    Some(e) if e.operation == kv::Operation::Put && stale == Some(e.revision) => {
                        timed(
                            "lease break",
                            conn.leases.purge_expect_revision(tenant, Some(e.revision)),
                        )
                        .await?;
                        timed("lease create", conn.leases.create(tenant, node.into())).await?
                    }
                    Some(e) if e.operation == kv::Operation::Put => {
                        return Err(NatsError::LeaseHeld {
                            revision: e.revision,
                            tenant: tenant.to_string(),
                            holder: String::from_utf8_lossy(&e.value).into_owned(),
                        })
                    }
                    _ => return Err(refused),
                }
            }
        };
        self.held
            .lock()
            .insert(tenant.to_string(), Held { revision, sent });
        Ok(())
    }

    /// Gives `tenant`'s lease up (a handover): deletes the key if it is
    /// still ours, so a standby's next take succeeds at once.
    pub(crate) async fn release(&self, conn: &Conn, tenant: &str) -> Result<(), NatsError> {
        let Some(h) = self.held.lock().remove(tenant) else {
            return Ok(());
        };
        let purged = timed(
            "lease release",
            conn.leases.purge_expect_revision(tenant, Some(h.revision)),
        )
        .await;
        if purged.is_ok() {
            return Ok(());
        }
        // A renewal sent before the lease left `held` may have landed
        // since, its revision never recorded: the key is still ours at a
        // newer revision. Purge that one (the round that sent it was the
        // last: the lease is off the books), or the lease lapses instead.
        let entry = timed("lease read", conn.leases.entry(tenant)).await?;
        match entry {
            Some(e)
                if e.operation == kv::Operation::Put
                    && e.value.as_ref() == conn.config.node.as_bytes() =>
            {
                timed(
                    "lease release",
                    conn.leases.purge_expect_revision(tenant, Some(e.revision)),
                )
                .await
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
    pub(crate) async fn renew_all(&self, conn: &Conn) -> Vec<String> {
        let held: Vec<(String, Held)> = self
            .held
            .lock()
            .iter()
            .map(|(t, h)| (t.clone(), *h))
            .collect();
        let node = conn.config.node.clone();
        // Many tenants per process: renewals go out RENEW_CONCURRENCY at a
        // time, so a round takes about held / RENEW_CONCURRENCY round trips.
        let rounds = held.into_iter().map(|(tenant, h)| {
            let value = node.clone().into_bytes();
            async move {
                let sent = Instant::now();
                let renewed = tokio::time::timeout(
                    conn.config.lease / 4,
                    conn.leases.update(&tenant, value.into(), h.revision),
                )
                .await;
                (tenant, h, sent, renewed)
            }
        });
        let results: Vec<_> = futures_util::stream::iter(rounds)
            .buffer_unordered(RENEW_CONCURRENCY)
            .collect()
            .await;
        let mut lost = Vec::new();
        for (tenant, h, sent, renewed) in results {
            let mut map = self.held.lock();
            match renewed {
                Ok(Ok(revision)) => {
                    if let Some(entry) = map.get_mut(&tenant) {
                        *entry = Held { revision, sent };
                    }
                }
                Ok(Err(e)) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                    map.remove(&tenant);
                    lost.push(tenant);
                }
                // Timed out or unreachable past the lease's length: the
                // server may have let another take it; appends are fenced
                // anyway, but stop claiming it.
                Ok(Err(_)) | Err(_) if h.sent.elapsed() > conn.config.lease => {
                    map.remove(&tenant);
                    lost.push(tenant);
                }
                // Otherwise keep trying (a stream leader being elected).
                Ok(Err(_)) | Err(_) => {}
            }
        }
        lost
    }
}
