//! [`Node`]: one process of a deployment: primary for the tenants whose
//! lease it holds, standby for the others.
//!
//! [`step`](Node::step), called every quarter lease by the process's loop:
//!
//! * a **primary** tenant whose lease was lost, or whose append was fenced,
//!   leaves the runtime at once and becomes a standby (its engine is thrown
//!   away: it may hold commands never acknowledged; the standby replica is
//!   rebuilt from the stream);
//! * a **standby** tenant's [`Replica`] catches up with its subject (the
//!   same commands applied to its own engine), then the node tries to take
//!   the lease; when the primary's lease has expired the take succeeds,
//!   the replica is handed to the store and the tenant is added to the
//!   runtime, which catches up to the subject's end and fences it.
//!
//! [`submit`](Node::submit) answers [`RuntimeError::NotPrimary`] for a
//! tenant this node does not lead: the caller retries against another node.

use super::{JetStreamStore, NatsError, Replica};
use crate::runtime::{Accepted, Runtime, RuntimeError, RuntimeHandle, TenantId, TenantSpec};
use crate::Command;
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What a [`Node::step`] changed for one tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoleChange {
    /// This node took the tenant's lease and serves it; `last_record` is
    /// the tenant's last journal record at takeover.
    Primary {
        /// The tenant.
        tenant: TenantId,
        /// The last record of the tenant's journal when it took over.
        last_record: u64,
    },
    /// This node stepped down for the tenant (lease lost or append fenced).
    Standby {
        /// The tenant.
        tenant: TenantId,
    },
}

/// One process's share of a deployment: primary for some tenants, standby
/// for the others; see the [module docs](super).
#[derive(Debug)]
pub struct Node {
    store: Arc<JetStreamStore>,
    handle: RuntimeHandle,
    specs: Vec<TenantSpec>,
    /// Tenants served by this node's runtime.
    primary: Mutex<HashSet<TenantId>>,
    /// Primary tenants whose append was fenced: stepped down next step.
    deposed: Mutex<HashSet<TenantId>>,
    /// Standby replicas, owned by the stepping thread.
    replicas: Mutex<HashMap<TenantId, Replica>>,
}

impl Node {
    /// A node over `runtime` (whose store must be `store`, with journaling
    /// durability) for `specs`; every tenant starts as a standby.
    pub fn new(store: Arc<JetStreamStore>, runtime: &Runtime, specs: Vec<TenantSpec>) -> Self {
        Self {
            store,
            handle: runtime.handle(),
            specs,
            primary: Mutex::new(HashSet::new()),
            deposed: Mutex::new(HashSet::new()),
            replicas: Mutex::new(HashMap::new()),
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<JetStreamStore> {
        &self.store
    }

    /// Whether this node serves `tenant` now.
    pub fn is_primary(&self, tenant: &TenantId) -> bool {
        self.primary.lock().contains(tenant)
    }

    /// Submits `command` to `tenant` if this node leads it; else (or when
    /// the append is fenced) [`RuntimeError::NotPrimary`]: retry elsewhere.
    pub fn submit(&self, tenant: &TenantId, command: Command) -> Result<Accepted, RuntimeError> {
        if !self.is_primary(tenant) {
            return Err(RuntimeError::NotPrimary {
                tenant: tenant.clone(),
                reason: format!("{} is a standby for it", self.store.config().node),
            });
        }
        let answer = self.handle.submit(tenant, command);
        // Fenced, or the journal failed (a deadline passed during an outage):
        // step down; the tenant is rebuilt from the stream before it serves
        // again, here or elsewhere.
        if let Err(
            RuntimeError::NotPrimary { .. }
            | RuntimeError::UnknownTenant(_)
            | RuntimeError::Journal { .. }
            | RuntimeError::TenantPoisoned(_),
        ) = &answer
        {
            self.deposed.lock().insert(tenant.clone());
        }
        answer
    }

    /// One round: steps down where deposed, follows and takes over where
    /// possible. Bounded by the number of tenants; each JetStream request
    /// inside is bounded by its timeout.
    pub fn step(&self) -> Vec<RoleChange> {
        let mut changes = Vec::new();
        for spec in &self.specs {
            let tenant = &spec.id;
            if self.is_primary(tenant) {
                let deposed = self.deposed.lock().remove(tenant);
                if deposed || !self.store.holds_lease(tenant) {
                    self.step_down(tenant);
                    changes.push(RoleChange::Standby {
                        tenant: tenant.clone(),
                    });
                }
                continue;
            }
            if let Some(change) = self.follow(spec) {
                changes.push(change);
            }
        }
        changes
    }

    fn step_down(&self, tenant: &TenantId) {
        self.primary.lock().remove(tenant);
        // The engine goes with the tenant; the replica is rebuilt.
        let _ = self.handle.remove_tenant(tenant).wait();
        self.store.forget_lease(tenant);
    }

    /// Follows `spec`'s tenant; takes over when its lease is free.
    fn follow(&self, spec: &TenantSpec) -> Option<RoleChange> {
        let tenant = &spec.id;
        let mut replicas = self.replicas.lock();
        let mut replica = match replicas.remove(tenant) {
            Some(r) => r,
            None => {
                let policy = Arc::clone(&spec.policy);
                self.store
                    .load_replica(tenant, &spec.config, &|| policy())
                    .ok()?
            }
        };
        if self.store.catch_up(tenant, &mut replica).is_err() {
            // Behind a purge, or the stream unreachable: rebuild next step.
            return None;
        }
        match self.store.take_lease(tenant) {
            Ok(()) => {}
            Err(NatsError::LeaseHeld { .. }) | Err(_) => {
                replicas.insert(tenant.clone(), replica);
                return None;
            }
        }
        drop(replicas);
        self.store.prime(tenant, replica);
        match self.handle.add_tenant(spec.clone()).wait() {
            Ok(opened) => {
                self.primary.lock().insert(tenant.clone());
                Some(RoleChange::Primary {
                    tenant: tenant.clone(),
                    last_record: opened.last_record,
                })
            }
            Err(_) => {
                self.store.forget_lease(tenant);
                None
            }
        }
    }
}
