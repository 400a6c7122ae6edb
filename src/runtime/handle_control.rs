//! The handle's control requests: adding and removing tenants,
//! subscribing, statistics and queries. They travel on each shard's
//! control queue (bounded: a full one answers [`RuntimeError::Busy`] at
//! once), apart from commands, so a flood of commands never holds them up,
//! and are answered between two batches.

use super::completion;
use super::error::RuntimeError;
use super::handle::RuntimeHandle;
use super::message::{Control, Refusal, Reply};
use super::pending::Pending;
use super::report::{TenantClosed, TenantOpened};
use super::stats::{ShardStats, TenantStats};
use super::stream::DecisionStream;
use super::tenant::{TenantId, TenantSpec};
use crate::Engine;
use crossbeam_channel::TrySendError;
use std::panic::{catch_unwind, AssertUnwindSafe};

impl RuntimeHandle {
    fn control<T>(&self, shard: usize, make: impl FnOnce(Reply<T>) -> Control) -> Pending<T> {
        if self.closing() {
            return Pending::ready(Err(RuntimeError::ShuttingDown));
        }
        let (reply, rx) = completion::channel();
        match self.shared.shards[shard].control.try_send(make(reply)) {
            Ok(()) => Pending::waiting(rx),
            Err(TrySendError::Full(_)) => Pending::ready(Err(RuntimeError::Busy { shard })),
            Err(TrySendError::Disconnected(_)) => Pending::ready(Err(RuntimeError::ShuttingDown)),
        }
    }

    /// Adds a tenant at run time: an opener thread opens it (recovering it
    /// from its journal, if any) while its shard serves its other tenants,
    /// then the shard starts routing for it. Resolves with what recovery
    /// found. Commands sent to the tenant meanwhile wait for it (up to
    /// `batch_max` of them; more answer [`RuntimeError::TenantOpening`]);
    /// statistics, queries and removal answer
    /// [`RuntimeError::TenantOpening`].
    pub fn add_tenant(&self, spec: TenantSpec) -> Pending<TenantOpened> {
        let shard = self.shard_of(&spec.id);
        self.control(shard, |reply| Control::AddTenant(Box::new(spec), reply))
    }

    /// Removes a tenant: its journal is synced and closed, its subscribers'
    /// streams end, and later commands for it answer
    /// [`RuntimeError::UnknownTenant`]. Its files stay; adding it again
    /// recovers it.
    pub fn remove_tenant(&self, tenant: &TenantId) -> Pending<TenantClosed> {
        let t = tenant.clone();
        self.control(self.shard_of(tenant), |reply| {
            Control::RemoveTenant(t, reply)
        })
    }

    /// Subscribes to `tenant`'s decisions from the next one on.
    pub fn subscribe(&self, tenant: &TenantId) -> Pending<DecisionStream> {
        let t = tenant.clone();
        self.control(self.shard_of(tenant), |reply| Control::Subscribe(t, reply))
    }

    /// `tenant`'s statistics now.
    pub fn tenant_stats(&self, tenant: &TenantId) -> Pending<TenantStats> {
        let t = tenant.clone();
        self.control(self.shard_of(tenant), |reply| {
            Control::TenantStats(t, reply)
        })
    }

    /// Runs `read` on `tenant`'s shard against its engine, between two
    /// batches, and resolves with what it returns: the way to ask the
    /// engine's queries ([`Engine::conversation`](crate::Engine::conversation),
    /// [`Engine::group_stats`](crate::Engine::group_stats),
    /// [`Engine::audit`](crate::Engine::audit), ...) of a running tenant.
    /// It sees every command acknowledged before the call. `read` holds up
    /// the shard's other tenants while it runs, so keep it short (a query,
    /// not a scan of every conversation). Travels on the control queue: a
    /// full one answers [`RuntimeError::Busy`] at once; an unknown tenant
    /// answers [`RuntimeError::UnknownTenant`], one still opening
    /// [`RuntimeError::TenantOpening`]. A `read` that panics answers
    /// [`RuntimeError::Panicked`], is counted in the tenant's
    /// [`TenantCounters::panics`](super::TenantCounters::panics), and leaves
    /// the tenant and its shard running.
    pub fn query<T: Send + 'static>(
        &self,
        tenant: &TenantId,
        read: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Pending<T> {
        let t = tenant.clone();
        self.control(self.shard_of(tenant), move |reply: Reply<T>| {
            let tenant = t.clone();
            Control::Query(
                t,
                Box::new(move |engine: Result<&Engine, RuntimeError>| {
                    let engine = match engine {
                        Ok(engine) => engine,
                        Err(error) => {
                            let _ = reply.send(Err(Refusal::from(error)));
                            return false;
                        }
                    };
                    // The closure only reads the engine (`&Engine`), so a
                    // panic half way through leaves it as it was: the
                    // tenant goes on, the caller gets a typed error.
                    match catch_unwind(AssertUnwindSafe(|| read(engine))) {
                        Ok(answer) => {
                            let _ = reply.send(Ok(answer));
                            false
                        }
                        Err(payload) => {
                            let _ = reply.send(Err(Refusal::from(RuntimeError::Panicked {
                                tenant,
                                what: "query",
                                message: RuntimeError::panic_message(payload.as_ref()),
                            })));
                            true
                        }
                    }
                }),
            )
        })
    }

    /// A shard's statistics now, summed over its tenants. A shard index out
    /// of range answers [`RuntimeError::Setting`].
    pub fn shard_stats(&self, shard: usize) -> Pending<ShardStats> {
        if shard >= self.shard_count() {
            return Pending::ready(Err(RuntimeError::Setting {
                name: "shard",
                value: shard,
                range: "0..shard_count()",
            }));
        }
        self.control(shard, Control::ShardStats)
    }
}
