//! One batch: the shard's unit of work and of group commit.
//!
//! 1. **Ticks.** Every tenant whose engine deadline has come gets a
//!    `Command::Tick` stamped now, journaled like any command.
//! 2. **Apply.** Each queued command (at most `batch_max`) is stamped with
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

use super::answers::{answer_at, refuse, ManyAnswers, To};
use super::commit::{commit_all, Commit};
use super::config::Durability;
use super::message::{Accepted, Addressee, Envelope, Load, Many, Refusal};
use super::shard::{Shard, TenantState};
use super::stats::tenant_counts;
use super::stream::StreamItem;
use super::RuntimeError;
use crate::engine::{Decision, Rejected, RequeueReason};
use crate::model::Timestamp;
use crate::persist::encode_record;
use crate::Command;
use std::sync::Arc;
use std::time::Instant;

/// A command applied in this batch, waiting for its journal write.
pub(crate) struct Staged {
    slot: usize,
    record: u64,
    at: Timestamp,
    decisions: Vec<Decision>,
    to: To,
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

        // First the commands already taken (the one the loop's select
        // received, those parked for a tenant that just opened), then
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
            let Ok(envelope) = self.commands.try_recv() else {
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

    /// Stages one command taken from the queue, or parks it for a tenant
    /// still opening (with its place), or refuses it. A key reaches its
    /// tenant by index; a stale one (its tenant removed since the caller
    /// read it) is answered at once, never applied to whoever holds the
    /// slot now (`directory.rs`).
    /// Returns how many commands the envelope carried.
    fn take(&mut self, envelope: Envelope, now: Timestamp, staged: &mut Vec<Staged>) -> usize {
        let slot = match &envelope.tenant {
            Addressee::Key(key) => {
                let slot = key.slot();
                let occupied = matches!(self.tenants.get(slot), Some(Some(_)));
                if !self.generations.live(*key, occupied) {
                    let n = envelope.load.len();
                    self.done_with_places(n);
                    envelope.load.refuse(Refusal::StaleKey);
                    return n;
                }
                slot
            }
            Addressee::Id(id) => match self.by_id.get(&**id) {
                Some(&slot) => slot,
                None => {
                    let n = envelope.load.len();
                    self.park(envelope);
                    return n;
                }
            },
        };
        let Envelope { tenant: _, load } = envelope;
        // One match on the load (a single command's path as before
        // batches existed: its count is the constant 1).
        match load {
            Load::One { command, reply } => {
                self.done_with_places(1);
                self.stage(slot, now, command, To::One(reply), staged);
                1
            }
            Load::Many(many) => {
                let Many { commands, reply } = *many;
                let n = commands.len();
                self.done_with_places(n);
                // Below `MAX_BATCH` (each holds a command of this batch).
                let batch = u32::try_from(self.batches_sent.len()).unwrap_or(u32::MAX);
                self.batches_sent.push(ManyAnswers {
                    answers: Vec::with_capacity(n),
                    reply,
                });
                for (index, command) in (0..u32::MAX).zip(commands) {
                    self.stage(slot, now, command, To::Many { batch, index }, staged);
                }
                n
            }
        }
    }

    /// Applies one command to the tenant in `slot` and keeps its frame for
    /// the commit; answers a refusal at once.
    fn stage(
        &mut self,
        slot: usize,
        now: Timestamp,
        command: Command,
        to: To,
        staged: &mut Vec<Staged>,
    ) {
        let journaling = self.settings.durability != Durability::Volatile;
        let sent = &mut self.batches_sent;
        let Some(state) = self.tenants.get_mut(slot).and_then(Option::as_mut) else {
            // Never for a command (`take` found the slot live); a caller's
            // batch would still get an answer in this place all the same.
            refuse(sent, to, Refusal::StaleKey);
            return;
        };
        if let Some(source) = &state.poisoned {
            let error = RuntimeError::from_poison(&state.id, source, false);
            refuse(sent, to, error.into());
            return;
        }
        let is_tick = matches!(to, To::Tick);
        let at = now.max(state.last_at);
        let record = state.journal.last_seq() + state.batch.count + 1;
        let mark = state.batch.bytes.len();
        if journaling {
            if let Err(e) = encode_record(record, at, &command, &mut state.batch.bytes) {
                state.batch.bytes.truncate(mark);
                state.counters.rejected += 1;
                refuse(sent, to, RuntimeError::Unencodable(e).into());
                return;
            }
        }
        // By reference: the command is moved once more only when refused
        // (back to its caller).
        // Into the shard's buffer, then moved out at their exact size: one
        // allocation per accepted command that decided something, none
        // for one that decided nothing, and no growth step by step (a
        // fresh `Vec` per command grew through `finish_grow`: about 55
        // instructions per command on the runtime bench).
        debug_assert!(self.decisions.is_empty());
        match state.engine.apply_into(at, &command, &mut self.decisions) {
            Ok(()) => {
                let decisions: Vec<Decision> = self.decisions.drain(..).collect();
                drop(command);
                if state.batch.count == 0 {
                    state.batch.first_seq = record;
                }
                state.batch.count += 1;
                state.last_at = at;
                if is_tick {
                    state.counters.ticks += 1;
                } else {
                    state.counters.accepted += 1;
                }
                if !state.touched {
                    state.touched = true;
                    self.touched.push(slot);
                }
                if let To::Many { batch, .. } = to {
                    // Its place in the answers; the decisions are moved in
                    // once the batch is complete.
                    if let Some(many) = sent.get_mut(batch as usize) {
                        many.answers.push(Ok(Accepted {
                            record,
                            at,
                            decisions: Vec::new(),
                        }));
                    }
                }
                staged.push(Staged {
                    slot,
                    record,
                    at,
                    decisions,
                    to,
                });
            }
            Err(error) => {
                // Nothing was appended (`Engine::apply_into`); kept empty
                // for the next command all the same.
                self.decisions.clear();
                state.batch.bytes.truncate(mark);
                if is_tick {
                    rt_event!(warn, tenant = %state.id, error = %error, "engine refused a tick");
                } else {
                    state.counters.rejected += 1;
                }
                // The command goes back to its caller with the reason,
                // boxed on the caller's side (see `Refusal`). Built straight
                // in the answer, not handed through `refuse`: the answer is
                // past 128 bytes, so each hand-over was a `memcpy` call
                // (29 instructions per refusal; most of a refusing stream's
                // commands are refused).
                match to {
                    To::One(reply) => {
                        let _ = reply.send(Err(Refusal::Rejected(Rejected { error, command })));
                    }
                    to => refuse(sent, to, Refusal::Rejected(Rejected { error, command })),
                }
            }
        }
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
                    let accepted = Accepted {
                        record: s.record,
                        at: s.at,
                        decisions: s.decisions,
                    };
                    let _ = reply.complete(Ok(accepted), &mut wakes);
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
