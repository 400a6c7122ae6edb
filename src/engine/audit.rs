//! The audit: recounts every invariant of DOMAIN.md from scratch, for tests
//! and operators, in O(agents + groups + conversations). It trusts none of
//! the engine's running counts: each is recomputed and compared.

use super::matching;
use super::state::conversation::Place;
use super::state::index::ConvIdx;
use super::state::timers::TimerKind;
use super::Engine;
use crate::model::{AgentId, AgentStatus, Capacity, ConversationId, StateKind};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use thiserror::Error;

/// The first broken invariant the audit found.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AuditViolation {
    /// An agent holds more than their cap allows (a cap lowered below the
    /// load allows the load it found, shrinking as threads end).
    #[error("{agent} holds {load} units over a cap of {cap}")]
    CapExceeded {
        /// The agent.
        agent: AgentId,
        /// Their load.
        load: Capacity,
        /// Their cap.
        cap: Capacity,
    },
    /// An agent's recorded load differs from the sum of their threads.
    #[error("{agent} records a load of {recorded} but their threads add up to {recounted}")]
    LoadMismatch {
        /// The agent.
        agent: AgentId,
        /// The load in the capacity counter.
        recorded: Capacity,
        /// The load recounted from the conversations.
        recounted: Capacity,
    },
    /// A conversation is not exactly where its state says (lost, or in two
    /// places).
    #[error(
        "{conversation} is {state:?} but found in {found} places where 1 was expected ({detail})"
    )]
    Misplaced {
        /// The conversation.
        conversation: ConversationId,
        /// Its state.
        state: StateKind,
        /// How many structures hold it.
        found: usize,
        /// Which structure was expected.
        detail: &'static str,
    },
    /// A queue, inbox or parked set points at a conversation in another
    /// state, or under a key its fields no longer give.
    #[error("{place} lists {conversation}, which is {state:?}")]
    StrayEntry {
        /// The conversation.
        conversation: ConversationId,
        /// Its state.
        state: Option<StateKind>,
        /// Which structure.
        place: &'static str,
    },
    /// A conversation holds the wrong amount of capacity for its state.
    #[error("{conversation} holds {held} units; its state requires {expected}")]
    HeldMismatch {
        /// The conversation.
        conversation: ConversationId,
        /// What it holds.
        held: Capacity,
        /// What it should hold.
        expected: Capacity,
    },
    /// An offline agent still holds or waits for work.
    #[error("{agent} is offline but still has {conversation}")]
    OfflineAgentHoldsWork {
        /// The agent.
        agent: AgentId,
        /// The conversation.
        conversation: ConversationId,
    },
    /// A conversation waits while an eligible online agent has room for it.
    #[error("{conversation} waits although {agent} is online with room for it")]
    NotWorkConserving {
        /// The waiting conversation.
        conversation: ConversationId,
        /// The free agent.
        agent: AgentId,
    },
    /// The free-agent index misses an agent who can take the group's work,
    /// or (from [`Engine::check_rank_contract`]) holds a rank better than
    /// the policy's current one: the policy broke its contract.
    #[error("the free-agent index of a skill group is stale for {agent}")]
    StaleIndex {
        /// The agent.
        agent: AgentId,
    },
    /// A real-time statistic disagrees with a recount.
    #[error("real-time statistic {what} is {kept}, a recount gives {recounted}")]
    StatisticMismatch {
        /// Which statistic.
        what: &'static str,
        /// The value the engine kept.
        kept: u64,
        /// The recount.
        recounted: u64,
    },
    /// A customer's list of open conversations is wrong.
    #[error("the open conversations of {conversation}'s customer are miscounted")]
    OpenListMismatch {
        /// A conversation listed wrongly or missing.
        conversation: ConversationId,
    },
    /// A conversation has no pending timer to end its wait: an SLA alert
    /// while it has no first response, a known-agent wait, an offer.
    #[error("{conversation} has no pending {kind} timer")]
    MissingAlert {
        /// The conversation.
        conversation: ConversationId,
        /// "warning", "breach", "known-agent wait" or "offer expiry".
        kind: &'static str,
    },
    /// A workload rule's state (a team's or the tenant's live count,
    /// the lists of what a full level held back) differs from a recount.
    #[error("workload state does not match a recount: {what}")]
    WorkloadMismatch {
        /// What differs.
        what: &'static str,
    },
    /// A conversation's routing-plan state disagrees with the plan or with
    /// where it waits.
    #[error("{conversation}'s routing-plan state is wrong: {detail}")]
    PlanState {
        /// The conversation.
        conversation: ConversationId,
        /// What disagrees.
        detail: &'static str,
    },
    /// Business-hours state disagrees with the plan, the groups' flags or
    /// the calendars' timers (`plan_hours.rs`).
    #[error("business hours are wrong: {detail}")]
    HoursState {
        /// What disagrees.
        detail: &'static str,
    },
    /// An agent's skill windows, the skills dormant outside them, their
    /// slots' flags or their edge timers disagree (`skill_windows.rs`).
    #[error("{agent}'s skill windows are wrong: {detail}")]
    SkillWindowState {
        /// The agent.
        agent: AgentId,
        /// What disagrees.
        detail: &'static str,
    },
}

/// What the audit counted when everything held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Registered agents.
    pub agents: usize,
    /// Skill groups.
    pub queues: usize,
    /// Conversations with the bot.
    pub bot: usize,
    /// Queued conversations (in a group or waiting for an agent).
    pub queued: usize,
    /// Offered conversations.
    pub offered: usize,
    /// Assigned conversations.
    pub assigned: usize,
    /// Parked conversations.
    pub parked: usize,
    /// Resolved conversations.
    pub resolved: usize,
}

impl Engine {
    /// Recounts every invariant: each conversation in exactly one state and
    /// exactly one place, listed under the key its fields give; each
    /// agent's load equal to the sum of their threads and within the cap;
    /// offline agents holding nothing; no conversation waiting while an
    /// eligible agent has room; every agent with room listed in the free
    /// index; the real-time statistics equal to a recount; an alert
    /// pending for every conversation still without a first response.
    /// Returns the first violation found.
    pub fn audit(&self) -> Result<AuditReport, AuditViolation> {
        let st = &self.state;
        let cfg = &self.config;
        let n = st.convs.len();
        let mut found = vec![0usize; n];
        let mut recount = vec![Capacity::ZERO; st.agents.len()];
        let conv_at = |c: ConvIdx| st.convs.get(c.get()).and_then(|s| s.as_ref());
        let stray = |c: ConvIdx, place| AuditViolation::StrayEntry {
            conversation: conv_at(c).map_or(ConversationId(u64::MAX), |v| v.id),
            state: conv_at(c).map(|v| v.place.kind()),
            place,
        };
        for (i, a) in st.agents.iter().enumerate() {
            let offline = a.status == AgentStatus::Offline;
            let here = |p: Place| p.agent().map(|x| x.get()) == Some(i);
            for (at, c) in a.inbox.positions() {
                let ok = conv_at(c).is_some_and(|v| {
                    here(v.place) && v.place.live_agent().is_some() && v.inbox_at as usize == at
                });
                if !ok {
                    return Err(stray(c, "an inbox"));
                }
                found[c.get()] += 1;
            }
            for (id, c) in a.parked.iter(&st.parked_pool) {
                let ok = conv_at(c).is_some_and(|v| {
                    v.id == id && matches!(v.place, Place::Parked { .. }) && here(v.place)
                });
                if !ok {
                    return Err(stray(c, "a parked set"));
                }
                found[c.get()] += 1;
            }
            for (key, c) in a.personal.iter(&st.personal_pool) {
                let ok = conv_at(c).is_some_and(|v| match v.place {
                    Place::WaitingFor { own, .. } => {
                        here(v.place) && v.personal_key(own, cfg) == key
                    }
                    _ => false,
                });
                if !ok {
                    return Err(stray(c, "an agent's own queue"));
                }
                found[c.get()] += 1;
            }
            for (id, c) in a.wrapups.iter(&st.wrapup_pool) {
                let ok = conv_at(c).is_some_and(|v| {
                    v.id == id
                        && matches!(v.place, Place::Resolved { .. })
                        && st.wrap_of(c).is_some_and(|w| w.agent.get() == i)
                });
                if !ok {
                    return Err(stray(c, "an agent's wrap-ups"));
                }
                found[c.get()] += 1;
            }
            if offline {
                let first = |c: ConvIdx| conv_at(c).map(|v| v.inbox_key());
                let any = a
                    .inbox
                    .first_by(first)
                    .or(a.parked.first(&st.parked_pool).map(|e| e.1))
                    .or(a.personal.first(&st.personal_pool).map(|e| e.1))
                    .or(a.wrapups.first(&st.wrapup_pool).map(|e| e.1));
                if let Some(c) = any {
                    return Err(AuditViolation::OfflineAgentHoldsWork {
                        agent: a.id,
                        conversation: conv_at(c).map_or(ConversationId(u64::MAX), |v| v.id),
                    });
                }
            }
        }
        let mut lined = 0u64;
        for (g, group) in st.groups.iter().enumerate() {
            for (class, key, c) in group.waiting.iter(&st.line_pool) {
                let ok = conv_at(c).is_some_and(|v| {
                    v.place == Place::Queued
                        && (v.group.get() == g || st.extra_groups(c).iter().any(|x| x.get() == g))
                        && v.class() == class
                        && v.line_key() == key
                });
                if !ok {
                    return Err(stray(c, "a skill group's line"));
                }
                found[c.get()] += 1;
            }
            // The line's trees in order, its class heads and length
            // (`line_pool.rs`).
            let tree = |what| AuditViolation::StatisticMismatch {
                what,
                kept: 0,
                recounted: 1,
            };
            group.waiting.check(&st.line_pool).map_err(tree)?;
            lined += u64::from(group.waiting.len());
            let head = group.waiting.head(cfg.class_head_start);
            let (mut online, mut with_room) = (0u64, 0u64);
            for (p, &m) in group.members.iter().enumerate() {
                let a = st.agent(m);
                let gi = super::state::index::GroupIdx::new(g).expect("group slot");
                let over = cfg.workload.over(group.key.channel);
                let slot = a.slot(gi);
                // A windowed skill outside its window: a member taking
                // nothing, unlisted and uncounted (skill_windows.rs).
                let dormant = slot.is_some_and(|s| s.dormant);
                let takes = a.takes(gi, a.weight_of(group.key.channel, group.weight), over)
                    && !a.held_beside(group.key.channel)
                    && !dormant;
                online += u64::from(a.status.accepts_work() && !dormant);
                with_room += u64::from(takes);
                if slot.map(|s| (s.position as usize, s.room)) != Some((p, takes))
                    || (dormant && group.free.rank_of(p as u32).is_some())
                {
                    return Err(AuditViolation::StaleIndex { agent: a.id });
                }
                let pending = slot.is_some_and(|s| s.pending);
                if pending != group.pending.contains(&m) {
                    return Err(AuditViolation::StaleIndex { agent: a.id });
                }
                // An agent marked in every group under a status that takes
                // no work (whom `relist` marks no more): each group still
                // holds the mark or has unlisted them.
                if a.closed_marked
                    && (a.status.accepts_work()
                        || (!pending && group.free.rank_of(p as u32).is_some()))
                {
                    return Err(AuditViolation::StaleIndex { agent: a.id });
                }
                // An agent a level above held back may be out of the index:
                // that level settles them when it has room.
                let held_back = a.gated != 0;
                if takes && !pending && !held_back && group.free.rank_of(p as u32).is_none() {
                    return Err(AuditViolation::StaleIndex { agent: a.id });
                }
                // A queue at its cap holds its line back (queue_cap.rs).
                let above_open = super::workload::gate::above(st, m, gi).is_none();
                // A closed queue's line waits for its hours (plan_hours.rs).
                if let (true, true, false, Some((_, _, c))) =
                    (takes, above_open, group.closed, head)
                {
                    return Err(AuditViolation::NotWorkConserving {
                        conversation: st.conv(c).id,
                        agent: a.id,
                    });
                }
            }
            for (what, kept, recounted) in [
                ("agents online", u64::from(group.online), online),
                ("agents with room", u64::from(group.with_room), with_room),
                (
                    "waiting",
                    u64::from(group.waiting.len()),
                    group.waiting.iter(&st.line_pool).count() as u64,
                ),
            ] {
                if kept != recounted {
                    return Err(AuditViolation::StatisticMismatch {
                        what,
                        kept,
                        recounted,
                    });
                }
            }
        }
        // Every live line node in some line, every other one free.
        let pool = &st.line_pool;
        if lined != u64::from(pool.live()) || pool.check_free().is_err() {
            return Err(AuditViolation::StatisticMismatch {
                what: "waiting-line nodes",
                kept: pool.live().into(),
                recounted: lined,
            });
        }
        // The timer wheel's levels, overflow and chunk free list.
        if let Err((what, kept, recounted)) = st.timers.check() {
            return Err(AuditViolation::StatisticMismatch {
                what,
                kept,
                recounted,
            });
        }
        // Keyed with the incarnation too: a timer of another incarnation of
        // the id (or a corrupt one) is void when it fires.
        let timers: HashSet<(u64, TimerKind, u32, u64, u64)> = st
            .timers
            .sorted()
            .into_iter()
            .map(|t| (t.subject, t.kind, t.generation, t.at.0, t.incarnation))
            .collect();
        let stays: HashSet<(u64, TimerKind, u32, u64)> =
            timers.iter().map(|&(s, k, g, _, i)| (s, k, g, i)).collect();
        self.audit_hours(&timers)?;
        let mut report = AuditReport {
            agents: st.agents.len(),
            queues: st.live_groups(),
            ..AuditReport::default()
        };
        let (mut live, mut wrapping) = (0usize, 0u64);
        for (i, slot) in st.convs.iter().enumerate() {
            let Some(v) = slot else { continue };
            let c = ConvIdx::new(i).expect("slot");
            live += 1;
            wrapping += u64::from(v.wrapping);
            if st.conv_ids.get(&v.id).map(|c| c.get()) != Some(i) {
                return Err(stray(ConvIdx::new(i).expect("slot"), "the id map"));
            }
            let (expected_places, detail, held) = match v.place {
                Place::Resolved { .. } if v.wrapping => (
                    1,
                    "its agent's wrap-ups",
                    super::workload::wrapup::expected_hold(cfg, st, ConvIdx::new(i).expect("slot"))
                        .unwrap_or(Capacity::MAX_CAP),
                ),
                Place::Bot | Place::Resolved { .. } | Place::Parked { agent: None } => {
                    (0, "none", Capacity::ZERO)
                }
                // A routing plan's overflow: one line per queue it waits in.
                Place::Queued => (
                    1 + st.extra_groups(c).len(),
                    "its skill group's line and its overflow lines",
                    Capacity::ZERO,
                ),
                Place::WaitingFor { .. } => (1, "its agent's own queue", Capacity::ZERO),
                // What the thread costs its agent (their own weight for
                // the channel, if any).
                Place::Offered { agent, .. } | Place::Assigned { agent } => (
                    1,
                    "its agent's inbox",
                    (st.agents.get(agent.get())).map_or(cfg.weight(v.channel), |a| {
                        super::workload::weight::of(cfg, a, v.channel)
                    }),
                ),
                Place::Parked { agent: Some(agent) } => (
                    1,
                    "its agent's parked set",
                    (st.agents.get(agent.get())).map_or(cfg.parked_weight(v.channel), |a| {
                        super::workload::weight::parked_of(cfg, a, v.channel)
                    }),
                ),
            };
            match v.place.kind() {
                StateKind::Bot => report.bot += 1,
                StateKind::Queued => report.queued += 1,
                StateKind::Offered => report.offered += 1,
                StateKind::Assigned => report.assigned += 1,
                StateKind::Parked => report.parked += 1,
                _ => report.resolved += 1,
            }
            let channel_ok = st
                .groups
                .get(v.group.get())
                .is_some_and(|g| g.key.channel == v.channel);
            if found[i] != expected_places || !channel_ok {
                return Err(AuditViolation::Misplaced {
                    conversation: v.id,
                    state: v.place.kind(),
                    found: found[i],
                    detail,
                });
            }
            if v.held != held {
                return Err(AuditViolation::HeldMismatch {
                    conversation: v.id,
                    held: v.held,
                    expected: held,
                });
            }
            if let (Some(agent), false) =
                (v.place.agent(), matches!(v.place, Place::WaitingFor { .. }))
            {
                recount[agent.get()].0 += held.0;
            }
            let rule = cfg.workload.no_answer.as_ref();
            if super::workload::no_answer::expects_timer(rule, v)
                && !stays.contains(&(v.id.0, TimerKind::NoAnswer, v.stay, v.seq))
            {
                return Err(AuditViolation::MissingAlert {
                    conversation: v.id,
                    kind: "no-answer",
                });
            }
            if let Some(w) = v
                .wrapping
                .then(|| st.wraps.get(&ConvIdx::new(i).expect("slot")))
                .flatten()
            {
                if !matches!(v.place, Place::Resolved { .. }) {
                    return Err(AuditViolation::Misplaced {
                        conversation: v.id,
                        state: v.place.kind(),
                        found: found[i],
                        detail: "in wrap-up but not resolved",
                    });
                }
                recount[w.agent.get()].0 += held.0;
                if !timers.contains(&(v.id.0, TimerKind::WrapUpEnd, v.stay, w.until.0, v.seq)) {
                    return Err(AuditViolation::MissingAlert {
                        conversation: v.id,
                        kind: "wrap-up end",
                    });
                }
            }
            let open = !matches!(v.place, Place::Resolved { .. });
            let listed = st
                .customers
                .get(v.who.get())
                .is_some_and(|k| !k.vacant && k.open.iter(&st.open_pool).any(|c| c.get() == i));
            if open != listed {
                return Err(AuditViolation::OpenListMismatch { conversation: v.id });
            }
            // A parked thread still without a first response keeps its
            // alerts: it resumes with the same SLA generation.
            let parked_waiting =
                v.first_response_at().is_none() && matches!(v.place, Place::Parked { .. });
            let deadline = st.response_deadline(c, cfg).or_else(|| {
                parked_waiting
                    .then_some(v.sla_start())
                    .flatten()
                    .map(|start| start + st.response_target(c, cfg))
            });
            if let (Some(deadline), Some(start)) = (deadline, v.sla_start()) {
                let warn_at = start + st.warn_after(c, cfg);
                let armed = |kind, at: crate::model::Timestamp| {
                    timers.contains(&(v.id.0, kind, v.sla_gen, at.0, v.seq))
                };
                if st.clock < warn_at && !armed(TimerKind::SlaWarning, warn_at) {
                    return Err(AuditViolation::MissingAlert {
                        conversation: v.id,
                        kind: "warning",
                    });
                }
                // The warning arms the breach when it fires.
                let pending =
                    armed(TimerKind::SlaWarning, warn_at) || armed(TimerKind::SlaBreach, deadline);
                if st.clock < deadline && !pending {
                    return Err(AuditViolation::MissingAlert {
                        conversation: v.id,
                        kind: "breach",
                    });
                }
            }
            // A known-agent wait and an offer each end by a timer of their
            // stay, or they would wait (or hold capacity) forever.
            let ends = match v.place {
                Place::WaitingFor { own: false, .. } => {
                    Some((TimerKind::StickyWait, None, "known-agent wait"))
                }
                Place::Offered { expires_at, .. } => {
                    Some((TimerKind::OfferExpiry, Some(expires_at.0), "offer expiry"))
                }
                _ => None,
            };
            self.audit_plan_of(c, v, &timers)?;
            super::preferred::audit_of(v, st.affinities.get(c))?;
            if let Some((kind, at, what)) = ends {
                let armed = match at {
                    Some(at) => timers.contains(&(v.id.0, kind, v.stay, at, v.seq)),
                    None => stays.contains(&(v.id.0, kind, v.stay, v.seq)),
                };
                if !armed {
                    return Err(AuditViolation::MissingAlert {
                        conversation: v.id,
                        kind: what,
                    });
                }
            }
        }
        let open_total: usize = st.customers.iter().map(|k| k.open.len(&st.open_pool)).sum();
        // Every node of the open lists' pool in one list or free.
        let beyond = open_total - st.customers.iter().filter(|k| !k.open.is_empty()).count();
        if beyond != st.open_pool.live() as usize || st.open_pool.check_free().is_err() {
            return Err(AuditViolation::StatisticMismatch {
                what: "open-list nodes",
                kept: st.open_pool.live().into(),
                recounted: beyond as u64,
            });
        }
        // Each agent's parked set, own queue and wrap-ups well formed, and every node
        // of their pools in one set or free (`pooled_set.rs`).
        let (parked, personal) = (&st.parked_pool, &st.personal_pool);
        let wrapup = &st.wrapup_pool;
        let sum = |sets: &mut dyn Iterator<Item = (usize, bool)>| {
            sets.fold((0u64, false), |(n, bad), (len, ok)| {
                (n + len as u64, bad || !ok)
            })
        };
        let parked_sets =
            sum(&mut (st.agents.iter()).map(|a| (a.parked.len(), a.parked.check(parked).is_ok())));
        let personal_sets =
            sum(&mut (st.agents.iter())
                .map(|a| (a.personal.len(), a.personal.check(personal).is_ok())));
        let wrapup_sets = sum(
            &mut (st.agents.iter()).map(|a| (a.wrapups.len(), a.wrapups.check(wrapup).is_ok()))
        );
        for (what, kept, (in_sets, broken), free) in [
            (
                "parked-set nodes",
                parked.live(),
                parked_sets,
                parked.check_free(),
            ),
            (
                "own-queue nodes",
                personal.live(),
                personal_sets,
                personal.check_free(),
            ),
            (
                "wrap-up set nodes",
                wrapup.live(),
                wrapup_sets,
                wrapup.check_free(),
            ),
        ] {
            if broken || free.is_err() || in_sets != u64::from(kept) {
                return Err(AuditViolation::StatisticMismatch {
                    what,
                    kept: kept.into(),
                    recounted: in_sets,
                });
            }
        }
        let open_recount =
            report.bot + report.queued + report.offered + report.assigned + report.parked;
        if open_total != open_recount || live != st.conv_ids.len() {
            return Err(AuditViolation::StatisticMismatch {
                what: "open conversations",
                kept: open_total as u64,
                recounted: open_recount as u64,
            });
        }
        st.check_wraps(wrapping)
            .and_then(|()| st.check_sides())
            .map_err(
                |(what, kept, recounted)| AuditViolation::StatisticMismatch {
                    what,
                    kept,
                    recounted,
                },
            )?;
        for (i, a) in st.agents.iter().enumerate() {
            // Above the cap only by what a lowered cap found, which is zero
            // again once the load is under the cap.
            let stale_allowance = a.load <= a.cap && a.over_cap_allowance != Capacity::ZERO;
            // An agent's own pulls may fill them up to their pull maximum.
            if a.load > a.ceiling().max(a.over_cap_allowance) || stale_allowance {
                return Err(AuditViolation::CapExceeded {
                    agent: a.id,
                    load: a.load,
                    cap: a.cap,
                });
            }
            if a.load != recount[i] {
                return Err(AuditViolation::LoadMismatch {
                    agent: a.id,
                    recorded: a.load,
                    recounted: recount[i],
                });
            }
        }
        super::workload::audit::check(st)?;
        st.check_customers().map_err(|(what, kept, recounted)| {
            AuditViolation::StatisticMismatch {
                what,
                kept,
                recounted,
            }
        })?;
        super::skill_windows::audit(st)?;
        super::plan_pool::audit(st, cfg)?;
        st.audit_groups()?;
        Ok(report)
    }

    /// Checks the routing policy against its contract (see
    /// [`RoutingPolicy`](crate::policy::RoutingPolicy)): every listed
    /// agent's stored rank is at most (as good as) the policy's rank of the
    /// agent now. A policy that ranks a busier agent better, or whose ranks
    /// change between calls, fails it. The engine stays correct either way
    /// (caps, places and work conservation hold; see [`Engine::audit`]), but
    /// it may then miss the policy's best agent.
    pub fn check_rank_contract(&self) -> Result<(), AuditViolation> {
        let st = &self.state;
        for (g, group) in st.groups.iter().enumerate() {
            let gi = super::state::index::GroupIdx::new(g).expect("group slot");
            for (p, stored) in group.free.entries() {
                let agent = st.agent(group.members[p as usize]);
                let pending = agent.slot(gi).is_some_and(|s| s.pending);
                let over = self.config.workload.over(group.key.channel);
                if pending
                    || !agent.serves(gi)
                    || !agent.takes(gi, agent.weight_of(group.key.channel, group.weight), over)
                    || agent.held_beside(group.key.channel)
                {
                    continue;
                }
                let current = matching::rank_now(&*self.policy, agent, group);
                if current.is_none_or(|current| stored > current) {
                    return Err(AuditViolation::StaleIndex { agent: agent.id });
                }
            }
        }
        Ok(())
    }
}
