//! Step 2 of a batch (`batch.rs`): taking one queued command. Its tenant
//! is found by key or id (a command for a tenant still opening is parked),
//! then the command is stamped with the batch's time, encoded as a journal
//! frame and applied to the tenant's engine. An accepted command is staged
//! for the commit; a refused one is answered at once.

use super::answers::{refuse, ManyAnswers, To};
use super::batch::Staged;
use super::config::Durability;
use super::message::{Accepted, Addressee, Envelope, Load, Many, Refusal};
use super::shard::Shard;
use super::RuntimeError;
use crate::engine::Rejected;
use crate::model::Timestamp;
use crate::persist::encode_record;
use crate::Command;

impl Shard {
    /// Stages one command taken from the queue, or parks it for a tenant
    /// still opening (with its place), or refuses it. A key reaches its
    /// tenant by index; a stale one (its tenant removed since the caller
    /// read it) is answered at once, never applied to whoever holds the
    /// slot now (`directory.rs`).
    /// Returns how many commands the envelope carried. Inlined into the
    /// batch's loop: called once per command, and an envelope passed to a
    /// call is copied once more.
    #[inline(always)]
    pub(super) fn take(
        &mut self,
        envelope: Envelope,
        now: Timestamp,
        staged: &mut Vec<Staged>,
    ) -> usize {
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
    // The refusal's closure returns the slot's `Result` itself (its error
    // holds the command handed back), built in the slot.
    #[allow(clippy::result_large_err)]
    pub(super) fn stage(
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
                // Moved out in one copy (`append`), not item by item
                // through a `Drain`; none allocated when there are none.
                let decisions = if self.decisions.is_empty() {
                    Vec::new()
                } else {
                    let mut decisions = Vec::with_capacity(self.decisions.len());
                    decisions.append(&mut self.decisions);
                    decisions
                };
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
                // boxed on the caller's side (see `Refusal`). Built under
                // the slot's lock (`send_with`), not handed through `refuse`:
                // the answer is past 128 bytes, so each hand-over was a
                // `memcpy` call (29 instructions per refusal; most of a
                // refusing stream's commands are refused).
                match to {
                    To::One(reply) => {
                        let _ =
                            reply.send_with(|| Err(Refusal::Rejected(Rejected { error, command })));
                    }
                    to => refuse(sent, to, Refusal::Rejected(Rejected { error, command })),
                }
            }
        }
    }
}
