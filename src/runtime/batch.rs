//! One batch: the shard's unit of work and of group commit.
//!
//! 1. **Ticks.** Every tenant whose engine deadline has come gets a
//!    `Command::Tick` stamped now, journaled like any command.
//! 2. **Apply** (`stage.rs`). Each queued command (at most `batch_max`) is stamped with
//!    the clock's time (never earlier than its tenant's previous command),
//!    encoded as a journal frame, and applied to its tenant's engine. A
//!    refused command's frame is dropped and its caller told at once, the
//!    command handed back in [`RuntimeError::Rejected`]: nothing changed,
//!    nothing to wait for.
//! 3. **Commit.** For each tenant touched, its frames go to its journal in
//!    one write, then one fsync under [`Durability::Synced`]. A failure
//!    poisons that tenant only.
//! 4. **Complete.** Only now are the decisions published on the tenants'
//!    streams and the callers told. So a caller never hears of a decision
//!    the journal could lose under the durability mode. Every answer is
//!    filled in first, then each waiting caller is woken once for the
//!    whole batch (`completion.rs`), not once per command.
//! 5. **After.** Due snapshots are taken, timers rescheduled, metrics
//!    updated.

use super::answers::{answer_at, To};
use super::commit::{commit_all, Commit};
use super::config::Durability;
use super::message::Accepted;
use super::shard::{Shard, TenantState};
use super::stats::tenant_counts;
use super::stream::StreamItem;
use super::RuntimeError;
use crate::engine::{Decision, RequeueReason};
use crate::model::Timestamp;
use crate::Command;
use std::sync::Arc;
use std::time::Instant;

/// A command applied in this batch, waiting for its journal write.
pub(crate) struct Staged {
    pub(super) slot: usize,
    pub(super) record: u64,
    pub(super) at: Timestamp,
    pub(super) decisions: Vec<Decision>,
    pub(super) to: To,
}

const _: () = assert!(std::mem::size_of::<Staged>() <= 64);

impl Shard {
    /// Runs one batch over the inbox, the command queue and the due timers
    /// (see the module docs); returns how many commands it took. Does
    /// nothing when none has work.
    pub(crate) fn run_batch(&mut self) -> usize {
        let now = self.settings.clock.now();
        let due = self.timers.next().is_some_and(|at| at <= now);
        if self.inbox.is_empty() && self.commands.is_empty() && !due {
            return 0;
        }
        rt_span!(
            "switchboard_batch",
            shard = self.settings.index,
            commands = self.inbox.len() + self.commands.len()
        );
        // Measures the batch for metrics only; decisions never read it.
        let started = Instant::now();
        // The shard's buffer, kept between batches (empty there): no
        // allocation per batch, and no growth step by step (the queue's
        // length counts items, and a caller's batch is one item).
        let mut staged = std::mem::take(&mut self.staged);

        // Each pop removes an entry and stage pushes none, so this loop
        // runs at most as many times as the heap had entries.
        let entries = self.timers.len();
        for _ in 0..entries {
            let Some((at, slot)) = self.timers.pop_due(now) else {
                break;
            };
            let Some(state) = self.tenant_mut(slot) else {
                continue;
            };
            if state.scheduled != Some(at) {
                continue; // stale: the deadline moved since
            }
            state.scheduled = None;
            self.stage(slot, now, Command::Tick, To::Tick, &mut staged);
        }
        let ticks = staged.len();

        // First the commands already taken (those parked for a tenant
        // that just opened, those deferred by `catch_up`), then
        // straight from the queue, each envelope moved once, not through
        // the inbox: up to `batch_max` commands in all. A command queued
        // while the batch runs is stamped with `now`, read above: the
        // batch's time, as for every command of it.
        let mut inbox = std::mem::take(&mut self.inbox);
        let mut taken = 0;
        for envelope in inbox.drain(..) {
            taken += self.take(envelope, now, &mut staged);
        }
        self.inbox = inbox;
        // Each turn takes at least one command (a caller's batch is never
        // empty), so `room` turns are enough. A caller's batch is not
        // split: the last one taken may carry the shard's batch past
        // `batch_max` by less than its own size.
        let room = self.settings.batch_max.saturating_sub(taken);
        for _ in 0..room {
            if taken >= self.settings.batch_max {
                break;
            }
            let Some(envelope) = self.commands.try_recv() else {
                break;
            };
            taken += self.take(envelope, now, &mut staged);
        }
        // The inbox holds at most `batch_max` (see `on_opened`), and a
        // caller's batch at most `batch_max` (`send_batch`).
        assert!(taken < 2 * self.settings.batch_max);
        let size = taken + ticks;
        // The commands left the queue: make their places available, the
        // batch's at once (one semaphore update per batch, not per command).
        self.give_back();
        let applied = started.elapsed();

        let committing = Instant::now();
        self.commit();
        let synced = committing.elapsed();

        self.complete(staged);
        self.after_batch();
        self.batches += 1;
        self.max_batch = self.max_batch.max(size);
        self.metrics
            .batch(size, applied, synced, self.commands.len());
        taken
    }

    /// Writes each touched tenant's frames with one append and, when
    /// synced, one fsync; under [`Durability::Synced`] the tenants' appends
    /// and syncs are issued together (see [`commit_all`]), so the batch
    /// waits for about one fsync, not one per tenant. A failure poisons
    /// that tenant alone.
    fn commit(&mut self) {
        let sync = self.settings.durability == Durability::Synced;
        // Disjoint borrows of the touched tenants, in slot order: O(touched),
        // never a walk over every tenant of the shard.
        self.touched.sort_unstable();
        let mut work: Vec<Commit<'_>> = Vec::with_capacity(self.touched.len());
        let mut rest: &mut [Option<TenantState>] = &mut self.tenants;
        let mut base = 0;
        for &slot in &self.touched {
            let tail = std::mem::take(&mut rest);
            let Some((entry, after)) = tail[slot - base..].split_first_mut() else {
                break;
            };
            rest = after;
            base = slot + 1;
            let Some(state) = entry.as_mut() else {
                continue;
            };
            debug_assert!(
                state.batch.count > 0,
                "touched means a command was accepted"
            );
            debug_assert_eq!(state.batch.first_seq, state.journal.last_seq() + 1);
            work.push(Commit {
                tenant: &state.id,
                journal: &mut state.journal,
                batch: &mut state.batch,
                poisoned: &mut state.poisoned,
            });
        }
        let threads = if sync {
            self.settings.commit_threads
        } else {
            // A buffered append is one write(2): a thread costs more.
            1
        };
        commit_all(&mut work, threads, sync);
    }
    /// Publishes the batch's decisions and tells the callers: every answer
    /// first, then one wake-up per waiting caller.
    // The answers' closures return the slot's `Result` itself (its error,
    // a refusal, holds the command handed back), built in the slot.
    #[allow(clippy::result_large_err)]
    fn complete(&mut self, mut staged: Vec<Staged>) {
        let mut wakes = std::mem::take(&mut self.wakes);
        let mut sent = std::mem::take(&mut self.batches_sent);
        let answers = staged.len() + sent.len();
        for s in staged.drain(..) {
            let Some(state) = self.tenants.get_mut(s.slot).and_then(Option::as_mut) else {
                continue;
            };
            if let Some(source) = &state.poisoned {
                // Poisoned by this batch's commit: not acknowledged.
                let error = || RuntimeError::from_poison(&state.id, source, true).into();
                match s.to {
                    To::Tick => {}
                    To::One(reply) => {
                        let _ = reply.complete(Err(error()), &mut wakes);
                    }
                    To::Many { batch, index } => {
                        if let Some(answer) = answer_at(&mut sent, batch, index) {
                            *answer = Err(error());
                        }
                    }
                }
                continue;
            }
            state.counters.decisions += s.decisions.len() as u64;
            // Asked once per tenant per batch (it takes the stream's lock).
            let publish = *state
                .publish
                .get_or_insert_with(|| state.stream.receiver_count() > 0);
            for (index, decision) in s.decisions.iter().enumerate() {
                if matches!(
                    decision,
                    Decision::Requeued {
                        reason: RequeueReason::Declined,
                        ..
                    }
                ) {
                    state.counters.declines += 1;
                }
                rt_event!(
                    trace,
                    tenant = %state.id,
                    record = s.record,
                    index,
                    kind = decision.name(),
                    "decision"
                );
                if publish {
                    // Err only when every subscriber left meanwhile.
                    let _ = state.stream.send(StreamItem {
                        record: s.record,
                        index: u32::try_from(index).unwrap_or(u32::MAX),
                        at: s.at,
                        decision: decision.clone(),
                    });
                }
            }
            match s.to {
                To::Tick => {}
                To::One(reply) => {
                    let (record, at, decisions) = (s.record, s.at, s.decisions);
                    let accepted = || {
                        Ok(Accepted {
                            record,
                            at,
                            decisions,
                        })
                    };
                    let _ = reply.complete_with(accepted, &mut wakes);
                }
                To::Many { batch, index } => {
                    if let Some(Ok(accepted)) = answer_at(&mut sent, batch, index) {
                        accepted.decisions = s.decisions;
                    }
                }
            }
        }
        // Each caller's batch in one answer, one wake-up.
        for many in sent.drain(..) {
            let _ = many.reply.complete(Ok(many.answers), &mut wakes);
        }
        self.batches_sent = sent;
        self.staged = staged;
        assert!(wakes.len() <= answers, "at most one wake-up per answer");
        wakes.wake_all();
        self.wakes = wakes;
    }

    /// Snapshots that came due, timers, metrics, for each touched tenant.
    fn after_batch(&mut self) {
        let touched = std::mem::take(&mut self.touched);
        let index = self.settings.index;
        let tenants = self.tenants.len();
        for &slot in &touched {
            let Some(state) = self.tenants.get_mut(slot).and_then(Option::as_mut) else {
                continue;
            };
            state.touched = false;
            state.publish = None;
            if state.poisoned.is_none() && state.journal.checkpoint_due() {
                // Sync first (a no-op after a synced batch): a failed fsync
                // poisons, as in commit; a failed snapshot is retried.
                match state.journal.sync() {
                    Err(e) => state.poisoned = Some(Arc::new(e)),
                    Ok(()) => {
                        if let Err(_error) = state.journal.checkpoint(&state.engine) {
                            rt_event!(warn, tenant = %state.id, error = %_error, "snapshot failed; retried later");
                        }
                    }
                }
            }
            // The counters now; the group gauges (the engine's every
            // group) at the shard's next refresh (`group_refresh.rs`).
            state.metrics.update_counters(&tenant_counts(state, index));
            self.group_refresh
                .mark(slot, &mut state.groups_stale, tenants);
            self.reschedule(slot);
        }
        self.touched = touched;
        self.touched.clear();
    }
}
