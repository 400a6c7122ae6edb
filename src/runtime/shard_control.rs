//! A shard answering its control queue between two batches: tenants
//! added and removed, subscriptions, statistics, queries, and shutdown
//! (the queued commands drained, every tenant synced and closed).

use super::message::{Control, Refusal};
use super::report::{ShardClosed, TenantClosed};
use super::shard::{Flow, Shard};
use super::stats::{self, ShardStats, TenantCounters};
use super::stream::DecisionStream;
use super::RuntimeError;

impl Shard {
    /// Answers one control request; [`Flow::Stop`] after a shutdown.
    pub(crate) fn on_control(&mut self, control: Control) -> Flow {
        match control {
            Control::Wake => {}
            Control::AddTenant(spec, reply) => {
                if let Err(error) = self.add_tenant(*spec, reply) {
                    let (error, reply) = *error;
                    let _ = reply.send(Err(Refusal::from(error)));
                }
            }
            Control::RemoveTenant(tenant, reply) => {
                let closed = self.slot(&tenant).map(|slot| self.remove_slot(slot));
                let _ = reply.send(closed.map_err(Refusal::from));
            }
            Control::Subscribe(tenant, reply) => {
                let stream = match (self.by_id.get(&tenant), self.opening.get(&tenant)) {
                    (Some(&slot), _) => {
                        let state = self.tenants[slot].as_ref().expect("slot of a live tenant");
                        Ok(state.stream.subscribe())
                    }
                    // Subscribed while opening: sees the first decision.
                    (None, Some(opening)) => Ok(opening.stream.subscribe()),
                    (None, None) => Err(RuntimeError::UnknownTenant(tenant.clone())),
                };
                let _ = reply.send(
                    stream
                        .map(|rx| DecisionStream::new(tenant, rx))
                        .map_err(Refusal::from),
                );
            }
            Control::TenantStats(tenant, reply) => {
                let index = self.settings.index;
                let stats = self.slot(&tenant).map(|slot| {
                    let state = self.tenants[slot].as_ref().expect("slot of a live tenant");
                    stats::tenant_stats(state, index)
                });
                let _ = reply.send(stats.map_err(Refusal::from));
            }
            Control::Query(tenant, read) => match self.slot(&tenant) {
                Ok(slot) => {
                    let index = self.settings.index;
                    let state = self.tenants[slot].as_mut().expect("slot of a live tenant");
                    if read(Ok(&state.engine)) {
                        state.counters.panics += 1;
                        let stats = stats::tenant_stats(state, index);
                        state.metrics.update(&stats);
                    }
                }
                Err(error) => {
                    read(Err(error));
                }
            },
            Control::ShardStats(reply) => {
                let _ = reply.send(Ok(self.shard_stats()));
            }
            Control::Shutdown(reply) => {
                // Tenants still opening open first, so the commands parked
                // for them are drained like the queued ones.
                self.await_opening();
                let drained = self.drain();
                let tenants = self.close_all();
                let _ = reply.send(ShardClosed {
                    shard: self.settings.index,
                    drained,
                    tenants,
                });
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    /// Syncs and drops the tenant in `slot`.
    fn remove_slot(&mut self, slot: usize) -> TenantClosed {
        let mut state = self.tenants[slot].take().expect("slot of a live tenant");
        self.by_id.remove(&state.id);
        // Keys already read stay stale: the slot is empty, and a tenant
        // installed in it later gets a new generation.
        self.directory.close(&state.id);
        if state.groups_stale {
            self.group_refresh.forget(slot);
        }
        let poisoned = state.poisoned.is_some();
        let synced = !poisoned && state.journal.sync().is_ok();
        TenantClosed {
            tenant: state.id,
            last_record: state.journal.last_seq(),
            synced,
            poisoned,
        }
    }

    /// Applies every queued command (the queue takes no new ones: the
    /// handles are closing). Bounded by the queue's capacity plus the
    /// callers that held a permit as shutdown began, which is at most the
    /// capacity too.
    fn drain(&mut self) -> u64 {
        // Nothing waits for later control messages now.
        self.catching_up_allowed = false;
        let mut drained = 0u64;
        let most = 2 * self.settings.queue_capacity / self.settings.batch_max + 2;
        for _ in 0..most {
            let taken = self.run_batch();
            if taken == 0 {
                break;
            }
            drained += taken as u64;
        }
        drained
    }

    /// Syncs and drops every tenant, sorted by id for the report.
    pub(super) fn close_all(&mut self) -> Vec<TenantClosed> {
        let slots: Vec<usize> = self.by_id.values().copied().collect();
        let mut closed: Vec<TenantClosed> =
            slots.into_iter().map(|s| self.remove_slot(s)).collect();
        closed.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        closed
    }

    fn shard_stats(&self) -> ShardStats {
        let mut out = ShardStats {
            shard: self.settings.index,
            tenants: self.by_id.len(),
            batches: self.batches,
            max_batch: self.max_batch,
            queue_depth: self.commands.len(),
            queue_capacity: self.settings.queue_capacity,
            engine: Default::default(),
            conversations: 0,
            waiting: 0,
            runtime: TenantCounters::default(),
        };
        for state in self.tenants.iter().flatten() {
            stats::add_engine(&mut out.engine, &state.engine.stats());
            out.conversations += state.engine.conversation_count();
            out.waiting += state
                .engine
                .group_stats()
                .iter()
                .map(|g| u64::from(g.waiting))
                .sum::<u64>();
            stats::add_counters(&mut out.runtime, &state.counters);
        }
        out
    }
}
