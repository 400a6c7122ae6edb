//! [`Node`]: one process of a deployment: primary for the tenants whose
//! lease it holds, standby for the others.
//!
//! A node keeps one consumer over the journal stream (its
//! [`Follower`](super::follower)) applying every followed tenant's records
//! to a standby replica as they are published, and one over the lease
//! bucket (its [`LeaseWatch`](super::lease_watch)) telling it which leases
//! look free. Neither costs a request per tenant: a process can stand by
//! for thousands of tenants.
//!
//! [`step`](Node::step), called every quarter lease by the process's loop:
//!
//! * a **primary** tenant whose lease was lost, or whose append was fenced,
//!   leaves the runtime at once and becomes a standby (its engine is thrown
//!   away: it may hold commands never acknowledged; the standby replica is
//!   loaded again from the snapshot and the stream);
//! * every **standby** tenant whose lease looks free is taken over, many at
//!   once: the lease is taken (`create`, refused while the key lives), the
//!   warm replica is fenced (caught up to the subject's end and an empty
//!   message published expecting that end), handed to the store and the
//!   tenant added to the runtime, which serves it as it is;
//! * standby replicas that are missing or fell behind are loaded or caught
//!   up, at most [`MAX_LOADS_PER_STEP`] per step.
//!
//! [`submit`](Node::submit) answers [`RuntimeError::NotPrimary`] for a
//! tenant this node does not lead: the caller retries against another node.
//! [`hand_over`](Node::hand_over) moves a tenant away on purpose.

use super::follower::{Follower, Load};
use super::lease_watch::LeaseWatch;
use super::ops::JetStreamOps;
use super::{JetStreamStore, NatsError, Replica};
use crate::model::{TimeSpan, Timestamp};
use crate::runtime::sync::Mutex;
use crate::runtime::{
    Accepted, Pending, Runtime, RuntimeError, RuntimeHandle, TenantId, TenantOpened, TenantSpec,
};
use crate::Command;
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Takeovers attempted in one step; the rest wait for the next step.
pub const MAX_TAKEOVERS_PER_STEP: usize = 4_096;

/// Standby replicas loaded or caught up in one step.
pub const MAX_LOADS_PER_STEP: usize = 1_024;

/// JetStream requests of takeovers and loads in flight at once.
const CONCURRENCY: usize = 64;

/// Tenants added to the runtime before their opens are awaited: well
/// inside a shard's control queue.
const OPEN_WINDOW: usize = 256;

const _: () = assert!(OPEN_WINDOW < crate::runtime::message::CONTROL_CAPACITY);

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
/// for the others; see the module docs of `node.rs`.
#[derive(Debug)]
pub struct Node {
    store: Arc<JetStreamStore>,
    handle: RuntimeHandle,
    specs: HashMap<String, TenantSpec>,
    /// Tenants this node takes at once when nobody leads them.
    preferred: HashSet<String>,
    /// Tenants served by this node's runtime.
    primary: Mutex<HashSet<TenantId>>,
    /// Primary tenants whose append was fenced: stepped down next step.
    deposed: Mutex<HashSet<TenantId>>,
    /// Tenants handed over, not to be taken back before the time (on the
    /// store's clock).
    held_off: Mutex<HashMap<String, Timestamp>>,
    follower: Follower,
    watch: LeaseWatch,
    /// One step at a time: the follower's slots assume it.
    stepping: Mutex<()>,
}

impl Node {
    /// A node over `runtime` (whose store must be `store`, with journaling
    /// durability) for `specs`; every tenant starts as a standby, and its
    /// replica is loaded in the first steps.
    pub fn new(store: Arc<JetStreamStore>, runtime: &Runtime, specs: Vec<TenantSpec>) -> Self {
        let rt = store.tokio().handle().clone();
        let names = specs.iter().map(|s| s.id.as_str().to_string());
        let follower = Follower::start(&rt, store.conn(), names);
        let watch = LeaseWatch::start(&rt, store.conn());
        Self {
            handle: runtime.handle(),
            specs: specs
                .into_iter()
                .map(|s| (s.id.as_str().to_string(), s))
                .collect(),
            preferred: HashSet::new(),
            primary: Mutex::new(HashSet::new()),
            deposed: Mutex::new(HashSet::new()),
            held_off: Mutex::new(HashMap::new()),
            follower,
            watch,
            stepping: Mutex::new(()),
            store,
        }
    }

    /// Makes this node take `tenants` as soon as nobody leads them. Other
    /// tenants nobody leads are taken only after a whole lease of watching,
    /// so at start-up each tenant goes to the node that prefers it.
    pub fn preferring(mut self, tenants: impl IntoIterator<Item = TenantId>) -> Self {
        self.preferred = tenants
            .into_iter()
            .map(|t| t.as_str().to_string())
            .collect();
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<JetStreamStore> {
        &self.store
    }

    /// Whether this node serves `tenant` now.
    pub fn is_primary(&self, tenant: &TenantId) -> bool {
        self.primary.lock().contains(tenant)
    }

    /// How many tenants this node serves now.
    pub fn primaries(&self) -> usize {
        self.primary.lock().len()
    }

    /// The last record of `tenant`'s standby replica when it is current
    /// (`None`: led here, not loaded yet, or catching up).
    pub fn standby_position(&self, tenant: &TenantId) -> Option<u64> {
        self.follower.position(tenant.as_str())
    }

    /// Submits `command` to `tenant` if this node leads it; else (or when
    /// the append is fenced) [`RuntimeError::NotPrimary`], naming the node
    /// last seen leading the tenant: retry there.
    pub fn submit(
        &self,
        tenant: &TenantId,
        command: impl Into<Command>,
    ) -> Result<Accepted, RuntimeError> {
        if !self.is_primary(tenant) {
            return Err(self.not_primary(tenant, "a standby for it"));
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
        match answer {
            Err(RuntimeError::NotPrimary { tenant, reason, .. }) => Err(RuntimeError::NotPrimary {
                leader: self.other_leader(&tenant),
                tenant,
                reason,
            }),
            answer => answer,
        }
    }

    /// The lease's holder as last seen, unless that is this node (a view
    /// older than its own step-down).
    fn other_leader(&self, tenant: &TenantId) -> Option<String> {
        let me = &self.store.config().node;
        self.watch
            .holder(tenant.as_str())
            .filter(|holder| holder != me)
    }

    fn not_primary(&self, tenant: &TenantId, why: &str) -> RuntimeError {
        RuntimeError::NotPrimary {
            tenant: tenant.clone(),
            reason: format!("{} is {why}", self.store.config().node),
            leader: self.other_leader(tenant),
        }
    }

    /// Hands `tenant` over: it leaves this node's runtime (its journal is
    /// complete: every acknowledged command was appended), the lease is
    /// released, and a standby elsewhere takes it at its next step, without
    /// waiting for the lease to expire. This node does not take it back
    /// for two lease lengths.
    pub fn hand_over(&self, tenant: &TenantId) -> Result<(), RuntimeError> {
        let _one = self.stepping.lock();
        if !self.primary.lock().remove(tenant) {
            return Err(self.not_primary(tenant, "not its primary"));
        }
        let lease = TimeSpan::from_std(self.store.config().lease);
        let until = self.store.conn().now() + TimeSpan(2 * lease.0);
        self.held_off
            .lock()
            .insert(tenant.as_str().to_string(), until);
        let closed = self.handle.remove_tenant(tenant).wait();
        self.follower.follow(tenant.as_str());
        if let Err(e) = closed {
            // Not served here any more either way: let the lease lapse
            // rather than renew it for a tenant nobody serves.
            self.store.forget_lease(tenant);
            return Err(e);
        }
        self.store
            .release_lease(tenant)
            .map_err(|e| RuntimeError::NotPrimary {
                tenant: tenant.clone(),
                reason: format!("handed over, but the lease lapses instead: {e}"),
                leader: None,
            })
    }

    /// One round; see the module docs of `node.rs`. Bounded: at most
    /// [`MAX_TAKEOVERS_PER_STEP`] takeovers and [`MAX_LOADS_PER_STEP`]
    /// loads, each JetStream request bounded by its timeout.
    pub fn step(&self) -> Vec<RoleChange> {
        let _one = self.stepping.lock();
        let mut changes = self.step_down();
        changes.extend(self.take_over());
        self.load_standbys();
        changes
    }

    fn step_down(&self) -> Vec<RoleChange> {
        let primaries: Vec<TenantId> = self.primary.lock().iter().cloned().collect();
        let mut changes = Vec::new();
        for tenant in primaries {
            let deposed = self.deposed.lock().remove(&tenant);
            if !deposed && self.store.holds_lease(&tenant) {
                continue;
            }
            self.primary.lock().remove(&tenant);
            // The engine goes with the tenant; the replica is loaded again.
            let _ = self.handle.remove_tenant(&tenant).wait();
            self.store.forget_lease(&tenant);
            self.follower.follow(tenant.as_str());
            changes.push(RoleChange::Standby { tenant });
        }
        changes
    }

    /// The standby tenants whose lease looks free now, each with the
    /// revision of a stale lease to break.
    fn candidates(&self) -> Vec<(&TenantSpec, Option<u64>)> {
        let now = self.store.conn().now();
        let primary = self.primary.lock();
        let mut held_off = self.held_off.lock();
        // Bounded by the tenants this node knows.
        super::takeover::candidates(
            self.specs.keys().map(String::as_str),
            |name| {
                self.specs
                    .get(name)
                    .is_some_and(|s| primary.contains(&s.id))
            },
            &mut held_off,
            &self.preferred,
            &self.watch,
            now,
            MAX_TAKEOVERS_PER_STEP,
        )
        .into_iter()
        .filter_map(|(name, stale)| Some((self.specs.get(name)?, stale)))
        .collect()
    }

    fn take_over(&self) -> Vec<RoleChange> {
        let candidates = self.candidates();
        if candidates.is_empty() {
            return Vec::new();
        }
        let fenced: Vec<&TenantSpec> = self.store.tokio().block_on(
            futures_util::stream::iter(candidates)
                .map(|(spec, stale)| async move { self.fence(spec, stale).await.then_some(spec) })
                .buffer_unordered(CONCURRENCY)
                .filter_map(|taken| async move { taken })
                .collect(),
        );
        let mut changes = Vec::with_capacity(fenced.len());
        for window in fenced.chunks(OPEN_WINDOW) {
            let opening: Vec<(&TenantSpec, Pending<TenantOpened>)> = window
                .iter()
                .map(|spec| (*spec, self.handle.add_tenant((*spec).clone())))
                .collect();
            for (spec, pending) in opening {
                let tenant = &spec.id;
                match pending.wait() {
                    Ok(opened) => {
                        // A command refused while this node last stepped
                        // down may have marked it deposed: that was then.
                        self.deposed.lock().remove(tenant);
                        self.primary.lock().insert(tenant.clone());
                        changes.push(RoleChange::Primary {
                            tenant: tenant.clone(),
                            last_record: opened.last_record,
                        });
                    }
                    Err(_) => {
                        self.store.forget_lease(tenant);
                        self.follower.follow(tenant.as_str());
                    }
                }
            }
        }
        changes
    }

    /// Takes `spec`'s lease and fences its subject with the warm replica
    /// (or one loaded now), breaking a stale lease at revision `stale`
    /// (see `takeover.rs`); on success the replica waits in the store for
    /// the runtime's open.
    async fn fence(&self, spec: &TenantSpec, stale: Option<u64>) -> bool {
        let name = spec.id.as_str();
        let subject = self.store.config().subject(name);
        let fenced = super::takeover::take_and_fence(
            &**self.store.conn(),
            self.store.leases(),
            &self.watch,
            &self.follower,
            name,
            &subject,
            stale,
            || self.load(spec),
        )
        .await;
        match fenced {
            Some(replica) => {
                self.store.prime_fenced(name, replica);
                true
            }
            None => false,
        }
    }

    async fn load(&self, spec: &TenantSpec) -> Result<Replica, NatsError> {
        let conn = self.store.conn();
        let mut replica = Replica::load(conn, spec.id.as_str(), &spec.config, &spec.policy).await?;
        replica
            .catch_up(&**conn, &self.store.config().subject(spec.id.as_str()))
            .await?;
        Ok(replica)
    }

    fn load_standbys(&self) {
        let due = self.follower.due_loads(MAX_LOADS_PER_STEP);
        if due.is_empty() {
            return;
        }
        let conn = self.store.conn();
        self.store.tokio().block_on(
            futures_util::stream::iter(due)
                .map(|load| async move {
                    let (tenant, loaded) = match load {
                        Load::Cold(tenant) => {
                            let loaded = match self.specs.get(&tenant) {
                                Some(spec) => self.load(spec).await.ok(),
                                None => None,
                            };
                            (tenant, loaded)
                        }
                        Load::CatchUp(tenant, mut replica) => {
                            let subject = self.store.config().subject(&tenant);
                            let caught = replica.catch_up(&**conn, &subject).await;
                            (tenant, caught.ok().map(|_| *replica))
                        }
                    };
                    self.follower.install(&tenant, loaded);
                })
                .buffer_unordered(CONCURRENCY)
                .collect::<Vec<()>>(),
        );
    }
}
