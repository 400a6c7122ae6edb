//! The routing core: how a waiting conversation and a free agent meet.
//!
//! Two paths lead to an assignment. A conversation arriving in a skill
//! group takes the best-ranked free agent of the group (`dispatch`); an
//! agent whose capacity frees up takes the best waiting conversation among
//! their groups (`settle`). Both reserve capacity with a compare-and-swap
//! while holding only queue locks, and produce a [`Claim`]; the claim is
//! finalised afterwards, under the conversation's and the agent's locks,
//! only if the conversation is still in the same stay in the queue (its
//! ticket). A void claim gives the capacity back. So the cap holds in every
//! interleaving, and no lock is ever held while waiting for one earlier in
//! the order below.
//!
//! Lock order: registry (read) → one conversation → one agent → that
//! agent's queues in ascending order (or one queue). Timers and customers
//! are leaves. A command never holds two conversations at once.

use super::capacity::Reserved;
use super::queue::GroupQueue;
use super::record::State;
use super::registry::{AgentIdx, QueueIdx, Registry, PERSONAL_KNOWN, PERSONAL_OWN};
use super::timers::TimerKind;
use super::{AssignVia, Decision, Engine};
use crate::model::{AgentStatus, Capacity, ConversationId, Timestamp};
use crate::policy::Rank;
use std::cmp::Reverse;
use std::collections::VecDeque;
use std::ops::Bound::{Excluded, Unbounded};

/// Capacity reserved for a conversation taken from a queue, not yet handed
/// over.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Claim {
    pub conversation: ConversationId,
    pub agent: AgentIdx,
    pub ticket: u32,
    pub via: AssignVia,
    pub weight: Capacity,
    /// The agent's load and cap right after this reservation (one atomic
    /// pair): what the decision reports, so a trace replays every cap check
    /// exactly.
    pub reserved: Reserved,
}

/// One command in progress: the decisions so far and the follow-up work
/// (claims to finalise, agents to settle) done once no lock is held.
pub(crate) struct Ctx<'a> {
    pub e: &'a Engine,
    pub reg: &'a Registry,
    pub at: Timestamp,
    pub out: Vec<Decision>,
    claims: VecDeque<Claim>,
    settles: VecDeque<AgentIdx>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(e: &'a Engine, reg: &'a Registry, at: Timestamp) -> Self {
        Self {
            e,
            reg,
            at,
            out: Vec::new(),
            claims: VecDeque::new(),
            settles: VecDeque::new(),
        }
    }

    pub(crate) fn emit(&mut self, decision: Decision) {
        self.out.push(decision);
    }

    /// Settle `agent` once the current step is done.
    pub(crate) fn settle_later(&mut self, agent: AgentIdx) {
        if !self.settles.contains(&agent) {
            self.settles.push_back(agent);
        }
    }

    pub(crate) fn push_claim(&mut self, claim: Claim) {
        self.claims.push_back(claim);
    }

    /// Finalises claims and settles agents until nothing is left. Called
    /// with no lock held. Each round either hands a conversation over or
    /// returns capacity, so it ends.
    pub(crate) fn drain(&mut self) {
        loop {
            if let Some(claim) = self.claims.pop_front() {
                self.finalize(claim);
            } else if let Some(agent) = self.settles.pop_front() {
                self.settle(agent);
            } else {
                return;
            }
        }
    }

    /// Matches the group's waiting conversations with its free agents, best
    /// first on both sides. Runs under the group's lock.
    pub(crate) fn dispatch(&mut self, queue: QueueIdx, group: &mut GroupQueue) {
        let weight = self.reg.queue(queue).weight;
        while let Some((&conversation, &Reverse(entry))) = group.waiting.peek() {
            let declined = group.declined.get(&conversation).copied();
            let Some((agent, reserved)) = self.take_agent(queue, group, weight, declined) else {
                return;
            };
            group.remove(conversation);
            let cell = self.reg.agent(agent);
            cell.set_last_assigned(self.e.next_seq());
            let view = cell.view();
            let rank = (cell.free() >= weight)
                .then(|| self.e.policy.rank(&view, &self.reg.queue(queue).view()));
            cell.rank_in(agent, group, rank);
            self.push_claim(Claim {
                conversation,
                agent,
                ticket: entry.ticket,
                via: AssignVia::Policy,
                weight,
                reserved,
            });
        }
    }

    /// Reserves `weight` on the best-ranked free agent of the group. The
    /// agent who declined the conversation is used only if nobody else can
    /// take it.
    ///
    /// Entries may be stale, but only on the worse side: a higher load, a
    /// later assignment or later activity never improve a rank (the
    /// [`RoutingPolicy`](crate::policy::RoutingPolicy) contract), so the
    /// engine re-ranks eagerly only when a rank may improve (capacity freed,
    /// status or cap changed) and lets rises in load stand. Walking from the
    /// smallest stored rank, an entry whose current rank equals its stored
    /// rank is therefore the best of the group: every other agent's current
    /// rank is at least its stored rank. Stale entries met on the way are
    /// moved to their current rank or dropped (full, not online), each once.
    fn take_agent(
        &mut self,
        queue: QueueIdx,
        group: &mut GroupQueue,
        weight: Capacity,
        declined: Option<AgentIdx>,
    ) -> Option<(AgentIdx, Reserved)> {
        let view = self.reg.queue(queue).view();
        let mut decliner_fits = false;
        let mut chosen = None;
        let mut after: Option<(Rank, AgentIdx)> = None;
        loop {
            let next = match after {
                None => group.available.iter().next(),
                Some(entry) => group.available.range((Excluded(entry), Unbounded)).next(),
            };
            let Some(&(stored, agent)) = next else {
                break;
            };
            let cell = self.reg.agent(agent);
            let fits = cell.status().accepts_work() && cell.free() >= weight;
            if !fits {
                cell.rank_in(agent, group, None);
                continue;
            }
            let current = self.e.policy.rank(&cell.view(), &view);
            if current != stored {
                cell.rank_in(agent, group, Some(current));
                continue;
            }
            if Some(agent) == declined {
                decliner_fits = true;
                after = Some((stored, agent));
                continue;
            }
            match cell.capacity.try_reserve(weight) {
                Some(reserved) => {
                    chosen = Some((agent, reserved));
                    break;
                }
                None => cell.rank_in(agent, group, None),
            }
        }
        if chosen.is_none() && decliner_fits {
            let agent = declined?;
            chosen = self
                .reg
                .agent(agent)
                .capacity
                .try_reserve(weight)
                .map(|reserved| (agent, reserved));
        }
        if let Some((agent, reserved)) = chosen {
            self.reg.agent(agent).record_load(reserved.load);
        }
        chosen
    }

    /// Brings one agent up to date: takes threads waiting for them, then
    /// (when online and nothing waits for them personally) the best waiting
    /// work of their groups while it fits, then re-ranks them in each group.
    pub(crate) fn settle(&mut self, agent: AgentIdx) {
        let reg = self.reg;
        let cell = reg.agent(agent);
        let mut inner = cell.inner.lock();
        let status = cell.status();
        if status != AgentStatus::Offline {
            while let Some((&conversation, &Reverse(key))) = inner.personal.peek() {
                if key.class == PERSONAL_KNOWN && !status.accepts_work() {
                    break;
                }
                let Some(reserved) = cell.capacity.try_reserve(key.weight) else {
                    break;
                };
                cell.record_load(reserved.load);
                inner.personal.pop();
                let via = if key.class == PERSONAL_OWN {
                    AssignVia::Resumed
                } else {
                    cell.set_last_assigned(self.e.next_seq());
                    AssignVia::KnownAgent
                };
                self.push_claim(Claim {
                    conversation,
                    agent,
                    ticket: key.ticket,
                    via,
                    weight: key.weight,
                    reserved,
                });
            }
        }
        let takes_group = status.accepts_work() && inner.personal.is_empty();
        if cell.ranked() == 0 && (!takes_group || cell.free() < cell.min_weight) {
            // Nothing it could take, and no group lists it: nothing to do.
            return;
        }
        let mut groups: Vec<_> = cell
            .queues
            .iter()
            .map(|&q| (q, reg.queue(q).inner.lock()))
            .collect();
        // Takes work while it fits; ends when nothing fits or a reservation fails.
        if takes_group {
            loop {
                let free = cell.free();
                let best = groups
                    .iter()
                    .enumerate()
                    .filter(|(_, (q, _))| reg.queue(*q).weight <= free)
                    .filter_map(|(i, (_, g))| g.waiting.peek().map(|(c, e)| (e.0, i, *c)))
                    .min();
                let Some((entry, i, conversation)) = best else {
                    break;
                };
                let weight = reg.queue(groups[i].0).weight;
                let Some(reserved) = cell.capacity.try_reserve(weight) else {
                    break;
                };
                cell.record_load(reserved.load);
                groups[i].1.remove(conversation);
                cell.set_last_assigned(self.e.next_seq());
                self.push_claim(Claim {
                    conversation,
                    agent,
                    ticket: entry.ticket,
                    via: AssignVia::Pull,
                    weight,
                    reserved,
                });
            }
        }
        let view = cell.view();
        let free = cell.free();
        for (q, group) in &mut groups {
            let queue = reg.queue(*q);
            let rank = (takes_group && queue.weight <= free)
                .then(|| self.e.policy.rank(&view, &queue.view()));
            cell.rank_in(agent, group, rank);
        }
    }

    /// Hands a claimed conversation to its agent, or voids the claim.
    fn finalize(&mut self, claim: Claim) {
        let e = self.e;
        let Some(mut record) = e.conversations.get_mut(&claim.conversation) else {
            self.void(claim);
            return;
        };
        let current = matches!(record.state, State::Queued { .. }) && record.ticket == claim.ticket;
        if !current {
            drop(record);
            self.void(claim);
            return;
        }
        let cell = self.reg.agent(claim.agent);
        let mut inner = cell.inner.lock();
        let status = cell.status();
        let allowed = match claim.via {
            AssignVia::Resumed => status != AgentStatus::Offline,
            _ => status.accepts_work(),
        };
        if !allowed {
            drop(inner);
            self.release(claim.agent, claim.weight);
            if record.sticky_agent == Some(claim.agent) {
                self.sticky_miss(&mut record, crate::StickyMissReason::AgentOffline);
            }
            record.held = Capacity::ZERO;
            self.enqueue_group(&mut record, None);
            self.settle_later(claim.agent);
            return;
        }
        let offer = match claim.via {
            AssignVia::Resumed => None,
            _ => e.config.offer_timeout,
        };
        record.held = claim.weight;
        record.state = match offer {
            Some(timeout) => State::Offered {
                agent: claim.agent,
                expires_at: self.at + timeout,
            },
            None => State::Assigned { agent: claim.agent },
        };
        inner.inbox.push(record.id, Reverse(record.inbox_key()));
        drop(inner);
        cell.touch(self.at);
        let Reserved { load, cap } = claim.reserved;
        debug_assert!(load <= cap);
        if matches!(claim.via, AssignVia::Sticky | AssignVia::KnownAgent) {
            e.stats.sticky_hit();
            self.emit(Decision::StickyHit {
                conversation: record.id,
                customer: record.customer,
                agent: cell.id,
            });
        }
        record.sticky_agent = None;
        e.remember_agent(record.customer, claim.agent, self.at);
        e.stats.assigned();
        match offer {
            Some(timeout) => {
                let expires_at = self.at + timeout;
                self.arm(expires_at, TimerKind::OfferExpiry, &record, record.ticket);
                self.emit(Decision::Offered {
                    conversation: record.id,
                    agent: cell.id,
                    via: claim.via,
                    expires_at,
                    load,
                    cap,
                });
            }
            None => self.emit(Decision::Assigned {
                conversation: record.id,
                agent: cell.id,
                via: claim.via,
                load,
                cap,
            }),
        }
        // The agent's load rose, which only worsens their rank in their
        // other groups: those entries are corrected lazily by `take_agent`.
    }

    /// A claim whose conversation moved on: give the capacity back.
    fn void(&mut self, claim: Claim) {
        self.release(claim.agent, claim.weight);
        self.settle_later(claim.agent);
    }
}

impl Registry {
    /// The id of the agent at `idx`, for decisions.
    pub(crate) fn id(&self, idx: AgentIdx) -> crate::model::AgentId {
        self.agent(idx).id
    }
}
