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

use super::config::Durability;
use super::journal::{Journal, RecordBatch};
use super::message::{Accepted, Envelope, Refusal, Reply};
use super::shard::{Shard, TenantState};
use super::stats::tenant_stats;
use super::stream::StreamItem;
use super::tenant::TenantId;
use super::RuntimeError;
use crate::engine::{Decision, Rejected, RequeueReason};
use crate::model::Timestamp;
use crate::persist::{encode_record, PersistError};
use crate::Command;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::OwnedSemaphorePermit;

/// A command applied in this batch, waiting for its journal write.
struct Staged {
    slot: usize,
    record: u64,
    at: Timestamp,
    decisions: Vec<Decision>,
    /// `None` for a timer tick (nobody waits for it).
    reply: Option<Reply<Accepted>>,
}

impl Shard {
    /// Runs one batch over the inbox and the due timers (see the module
    /// docs). Does nothing when neither has work.
    pub(crate) fn run_batch(&mut self) {
        let now = self.settings.clock.now();
        let due = self.timers.next().is_some_and(|at| at <= now);
        if self.inbox.is_empty() && !due {
            return;
        }
        rt_span!(
            "switchboard_batch",
            shard = self.settings.index,
            commands = self.inbox.len()
        );
        // Measures the batch for metrics only; decisions never read it.
        let started = Instant::now();
        let mut staged = Vec::with_capacity(self.inbox.len() + 1);

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
            self.stage(slot, now, Command::Tick, None, &mut staged);
        }

        let mut inbox = std::mem::take(&mut self.inbox);
        let size = inbox.len() + staged.len();
        // The batch's places in the queue, given back at once below (one
        // semaphore update per batch instead of one per command).
        let mut places: Option<OwnedSemaphorePermit> = None;
        for envelope in inbox.drain(..) {
            let Some(&slot) = self.by_id.get(&envelope.tenant) else {
                // Opening (parked with its place) or unknown (refused).
                self.park(envelope);
                continue;
            };
            let Envelope {
                tenant: _,
                command,
                reply,
                permit,
            } = envelope;
            match &mut places {
                Some(all) => all.merge(permit),
                None => places = Some(permit),
            }
            self.stage(slot, now, command, Some(reply), &mut staged);
        }
        self.inbox = inbox;
        // The commands left the queue: make their places available.
        drop(places);
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
    }

    /// Applies one command to the tenant in `slot` and keeps its frame for
    /// the commit; answers a refusal at once.
    fn stage(
        &mut self,
        slot: usize,
        now: Timestamp,
        command: Command,
        reply: Option<Reply<Accepted>>,
        staged: &mut Vec<Staged>,
    ) {
        let journaling = self.settings.durability != Durability::Volatile;
        let Some(state) = self.tenants.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        let refuse = |reply: Option<Reply<Accepted>>, refusal: Refusal| {
            if let Some(reply) = reply {
                let _ = reply.send(Err(refusal));
            }
        };
        if let Some(source) = &state.poisoned {
            let error = RuntimeError::from_poison(&state.id, source, false);
            refuse(reply, error.into());
            return;
        }
        let is_tick = reply.is_none();
        let at = now.max(state.last_at);
        let record = state.journal.last_seq() + state.batch.count + 1;
        let mark = state.batch.bytes.len();
        if journaling {
            if let Err(e) = encode_record(record, at, &command, &mut state.batch.bytes) {
                state.batch.bytes.truncate(mark);
                state.counters.rejected += 1;
                refuse(reply, RuntimeError::Unencodable(e).into());
                return;
            }
        }
        // By reference: the command is moved once more only when refused
        // (back to its caller).
        let mut decisions = Vec::new();
        match state.engine.apply_into(at, &command, &mut decisions) {
            Ok(()) => {
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
                staged.push(Staged {
                    slot,
                    record,
                    at,
                    decisions,
                    reply,
                });
            }
            Err(error) => {
                state.batch.bytes.truncate(mark);
                if is_tick {
                    rt_event!(warn, tenant = %state.id, error = %error, "engine refused a tick");
                } else {
                    state.counters.rejected += 1;
                }
                // The command goes back to its caller with the reason,
                // boxed on the caller's side (see `Refusal`).
                refuse(reply, Refusal::Rejected(Rejected { error, command }));
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
    fn complete(&mut self, staged: Vec<Staged>) {
        let mut wakes = std::mem::take(&mut self.wakes);
        let answers = staged.len();
        for s in staged {
            let Some(state) = self.tenants.get_mut(s.slot).and_then(Option::as_mut) else {
                continue;
            };
            if let Some(source) = &state.poisoned {
                // Poisoned by this batch's commit: not acknowledged.
                if let Some(reply) = s.reply {
                    let error = RuntimeError::from_poison(&state.id, source, true);
                    let _ = reply.complete(Err(error.into()), &mut wakes);
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
            if let Some(reply) = s.reply {
                let accepted = Accepted {
                    record: s.record,
                    at: s.at,
                    decisions: s.decisions,
                };
                let _ = reply.complete(Ok(accepted), &mut wakes);
            }
        }
        assert!(wakes.len() <= answers, "at most one wake-up per answer");
        wakes.wake_all();
        self.wakes = wakes;
    }

    /// Snapshots that came due, timers, metrics, for each touched tenant.
    fn after_batch(&mut self) {
        let touched = std::mem::take(&mut self.touched);
        let index = self.settings.index;
        for &slot in &touched {
            let Some(state) = self.tenant_mut(slot) else {
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
            let stats = tenant_stats(state, index);
            state.metrics.update(&stats);
            self.reschedule(slot);
        }
        self.touched = touched;
        self.touched.clear();
    }
}

/// One touched tenant's part of the commit.
struct Commit<'a> {
    tenant: &'a TenantId,
    journal: &'a mut Box<dyn Journal>,
    batch: &'a mut RecordBatch,
    poisoned: &'a mut Option<Arc<PersistError>>,
}

/// Appends (and syncs) every tenant of `work`, on up to `threads` threads
/// at once: the shard's own and short-lived scoped ones, each taking a
/// contiguous share. fsyncs of different files overlap in the kernel
/// (ext4/xfs merge concurrent ones into one journal commit), and a
/// replicated journal's round trips overlap on the wire, so N tenants cost
/// about one. A thread that cannot be started leaves its share to the
/// shard's own thread.
fn commit_all(work: &mut [Commit<'_>], threads: usize, sync: bool) {
    let threads = threads.clamp(1, work.len().max(1));
    if threads == 1 {
        work.iter_mut().for_each(|c| c.run(sync));
        return;
    }
    let share = work.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let mut shares = work.chunks_mut(share);
        let own = shares.next();
        for part in shares {
            // Err: the thread did not start; its share is done below.
            let _ = std::thread::Builder::new()
                .name("switchboard-commit".into())
                .spawn_scoped(scope, move || part.iter_mut().for_each(|c| c.run(sync)));
        }
        if let Some(own) = own {
            own.iter_mut().for_each(|c| c.run(sync));
        }
    });
    // A share whose thread could not start still holds its records (run
    // clears the batch, failed or not).
    for c in work.iter_mut().filter(|c| c.batch.count > 0) {
        c.run(sync);
    }
}

impl Commit<'_> {
    /// Appends and (when `sync`) syncs this tenant's batch, then clears it.
    /// A failure, or a panic of the journal (the host's code), poisons the
    /// tenant.
    fn run(&mut self, sync: bool) {
        let (journal, batch) = (&mut **self.journal, &*self.batch);
        let result = catch_unwind(AssertUnwindSafe(|| {
            journal
                .append(batch)
                .and_then(|()| if sync { journal.sync() } else { Ok(()) })
        }))
        .unwrap_or_else(|payload| {
            Err(PersistError::Io {
                op: "append to",
                path: "the tenant's journal".into(),
                source: std::io::Error::other(format!(
                    "the journal of tenant {} panicked: {}",
                    self.tenant,
                    RuntimeError::panic_message(payload.as_ref())
                )),
            })
        });
        if let Err(e) = result {
            rt_event!(error, tenant = %self.tenant, error = %e, "journal failed; tenant poisoned");
            *self.poisoned = Some(Arc::new(e));
        }
        self.batch.clear();
    }
}
