//! "Why this agent": an offered or assigned conversation explained on
//! request ([`Engine::explain`]): its route, step and queue, how many of
//! its pool's agents pass each filter in the order matching applies them
//! (skills and membership, status, room, cool-down), the policy's rank of
//! the agent holding it and of the runner-up, and what broke a tie.
//!
//! Nothing is recorded when a decision is made, so a decision costs
//! nothing extra and allocates nothing for this: the explanation reads the
//! pool as it stands when asked (ask right after the decision for the
//! picture at the decision; the agent holding it is counted as passing
//! every filter, as they did when chosen, and ranked without the load of
//! this conversation). O(pool members) per question. A policy that ranks
//! by assignment order (round robin, least loaded's tie-break) sees the
//! holder's latest assignment, this one: equal loads then read as
//! [`TieBreaker::NotByRank`] rather than the registration order that
//! decided; recording the ranks at the decision would fix that at a cost
//! on every decision, which this module avoids.

use super::state::conversation::Place;
use super::{Engine, EngineError};
use crate::model::{AgentId, ConversationId, Timestamp};
use crate::policy::Rank;
use serde::{Deserialize, Serialize};

/// Why a conversation is with its agent (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The conversation.
    pub conversation: ConversationId,
    /// The agent it is offered or assigned to.
    pub agent: AgentId,
    /// When the pool was read (the engine's clock).
    pub as_of: Timestamp,
    /// Its route's name, under a routing plan.
    pub route: Option<String>,
    /// The last step of that route it entered.
    pub step: Option<u16>,
    /// Its own queue's name, under a routing plan.
    pub queue: Option<String>,
    /// Agents passing each filter of its pool, in the order they apply.
    pub filters: PoolFilters,
    /// The policy's rank of the agent without this conversation's load
    /// (lower is better), `None` if the policy panicked.
    pub rank: Option<Rank>,
    /// The best-ranked other agent who passes every filter, with their
    /// rank.
    pub runner_up: Option<(AgentId, Rank)>,
    /// What decided between the agent and the runner-up.
    pub tie_breaker: TieBreaker,
    /// The agent's routing profile entry for the conversation's queue
    /// (its priority and delay, and how long the conversation had waited),
    /// when the agent works by a profile listing one of its queues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<super::ProfileAdmission>,
    /// The priority-aging points of its line's queue as of `as_of` (its
    /// wait counted from its aged key, as a freed agent compares heads,
    /// see `queue_aging.rs`), when that queue ages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aging_points: Option<u64>,
    /// The routing-plan queue whose pool it was taken from and whose cap
    /// on live conversations it counts on, with that cap, the live count
    /// and the refusals at that level as of `as_of`: the queue level it
    /// passed (`workload/queue_cap.rs`). `None` when it counts on no plan
    /// queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_cap: Option<super::QueueCapStats>,
}

/// How many of a pool's agents pass each filter, each count a subset of
/// the one before.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolFilters {
    /// Registered with the pool's skills and channel (and a member of its
    /// queue, where the queue lists members), each skill counting now (a
    /// skill held only in windows of time counts inside them).
    pub skills: u32,
    /// Of those, online.
    pub status: u32,
    /// Of those, with room for this work (capacity, channel cap, rate
    /// limit, their team under its cap, nobody waiting for them in
    /// particular).
    pub room: u32,
    /// Of those, not cooling down after declining this pool's work.
    pub cooldown: u32,
}

/// What decided between the chosen agent and the runner-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TieBreaker {
    /// Nobody else passed every filter.
    OnlyCandidate,
    /// The policy ranked the agent better.
    Rank,
    /// Equal ranks: the earlier-registered agent is taken.
    RegistrationOrder,
    /// The agent does not rank best now: they came by affinity (the
    /// customer's last agent, an owner or a preferred agent, see
    /// [`AssignVia`](crate::AssignVia)), by a transfer, or the pool has
    /// changed since.
    NotByRank,
}

impl Engine {
    /// Explains why conversation `id` is with its agent (see the module
    /// doc); `Ok(None)` when it is not offered or assigned.
    pub fn explain(&self, id: ConversationId) -> Result<Option<Explanation>, EngineError> {
        let st = &self.state;
        let c = st
            .conv_idx(id)
            .ok_or(EngineError::UnknownConversation(id))?;
        let conv = st.conv(c);
        let Some(holder) = conv.place.live_agent() else {
            return Ok(None);
        };
        debug_assert!(matches!(
            conv.place,
            Place::Offered { .. } | Place::Assigned { .. }
        ));
        // The agents of its group's pool (`plan_pool.rs`).
        let pool = st.pool(conv.group);
        let group = st.group(pool);
        let (mut filters, mut runner_up) = (PoolFilters::default(), None::<(Rank, u32, AgentId)>);
        let mut holder_member = false;
        // Bounded by the pool's members.
        for (position, &m) in group.members.iter().enumerate() {
            let a = st.agent(m);
            let chosen = m == holder;
            holder_member |= chosen;
            // A windowed skill outside its window does not count
            // (skill_windows.rs): such a member fails the skills filter.
            if !(chosen || a.serves(pool)) {
                continue;
            }
            filters.skills += 1;
            if !(chosen || a.status.accepts_work()) {
                continue;
            }
            filters.status += 1;
            // Routing's own test of room, interruption included
            // (`Agent::has_room`).
            let channel = group.key.channel;
            let over = self.config.workload.over(channel);
            let room = a.has_room(channel, a.weight_of(channel, group.weight), over)
                && a.personal.is_empty()
                // A member of a full team takes no new work either
                // (`workload/gate.rs`).
                && !super::workload::gate::team_full(st, m);
            if !(chosen || room) {
                continue;
            }
            filters.room += 1;
            if !chosen && a.cooling(conv.group) {
                continue;
            }
            filters.cooldown += 1;
            if chosen {
                continue;
            }
            if let Some(rank) = super::matching::rank_now(self.policy.as_ref(), a, group) {
                let candidate = (rank, position as u32, a.id);
                if runner_up.is_none_or(|r| candidate < r) {
                    runner_up = Some(candidate);
                }
            }
        }
        let rank = rank_without(self.policy.as_ref(), st.agent(holder), group, conv.held);
        let plan = st.plan.as_deref();
        let rs = st.conv_route(c);
        let route = plan
            .zip(rs)
            .and_then(|(p, r)| p.routes.get(usize::from(r.route)));
        // Its own queue; work taken by a preferred agent before it ever
        // waited names the queue its route enters first.
        let queue = plan.zip(rs).and_then(|(p, r)| {
            let q = super::plan_steps::own_queue(p, r)?;
            p.queues.get(usize::from(q))
        });
        let holder_position = group.members.iter().position(|&m| m == holder);
        let tie_breaker = match (runner_up, rank, holder_position) {
            _ if !holder_member => TieBreaker::NotByRank,
            (None, _, _) => TieBreaker::OnlyCandidate,
            (Some((other, _, _)), Some(mine), Some(_)) if mine < other => TieBreaker::Rank,
            (Some((other, pos, _)), Some(mine), Some(p)) if mine == other && (p as u32) < pos => {
                TieBreaker::RegistrationOrder
            }
            _ => TieBreaker::NotByRank,
        };
        Ok(Some(Explanation {
            conversation: id,
            agent: st.id(holder),
            as_of: st.clock,
            route: route.map(|r| r.name.clone()),
            step: rs.and_then(|r| r.next_step.checked_sub(1)),
            queue: queue.map(|q| q.name.clone()),
            filters,
            rank,
            runner_up: runner_up.map(|(rank, _, id)| (id, rank)),
            tie_breaker,
            profile: rs.and_then(|r| {
                let waited = st.clock.since(conv.waiting_since).as_millis();
                super::profiles::admission(st, holder, r, waited)
            }),
            aging_points: super::queue_aging::aging_of(st, st.group(conv.group)).map(|a| {
                let aged = conv
                    .line_key()
                    .aged(conv.class(), self.config.class_head_start);
                super::queue_aging::points(a, aged.0, st.clock)
            }),
            queue_cap: self.queue_cap_of(c),
        }))
    }
}

/// The policy's rank of `agent` for `group` as if they did not hold
/// `held` (this conversation), `None` if the policy panicked.
fn rank_without(
    policy: &dyn crate::policy::RoutingPolicy,
    agent: &super::state::agent::Agent,
    group: &super::state::group::Group,
    held: crate::model::Capacity,
) -> Option<Rank> {
    let view = crate::policy::AgentView {
        id: agent.id,
        status: agent.status,
        load: crate::model::Capacity(agent.load.0.saturating_sub(held.0)),
        cap: agent.cap,
        last_activity: agent.last_activity,
        last_assigned_seq: agent.last_assigned,
        skills: &agent.skills,
    };
    let queue = crate::policy::QueueView {
        channel: group.key.channel,
        skills: &group.key.skills,
    };
    let ranked =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| policy.rank(&view, &queue)));
    ranked.ok()
}
