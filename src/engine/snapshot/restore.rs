//! Restoring a snapshot: agents first, then the plan and groups, customers,
//! conversations, workload, hours and timers; derived state is rebuilt and
//! the result must pass the audit.

use super::restore_conversations::restore_conversations;
use super::restore_groups::restore_groups;
use super::{AgentSnapshot, RestoreError, Snapshot, SNAPSHOT_FORMAT};
use crate::engine::matching;
use crate::engine::state::agent::Agent;
use crate::engine::state::agent_rules::{AgentRules, NO_RULES};
use crate::engine::state::channel_set::ChannelSet;
use crate::engine::state::index::AgentIdx;
use crate::engine::state::timers::{Timer, TimerKind};
use crate::engine::state::State;
use crate::engine::Engine;
use crate::model::{Capacity, Timestamp};
use crate::policy::IntoPolicy;

impl Engine {
    /// Rebuilds an engine from a snapshot, with the policy it was taken
    /// under. The result passes [`Engine::audit`] or this fails.
    pub fn restore(snapshot: Snapshot, policy: impl IntoPolicy) -> Result<Engine, RestoreError> {
        let policy = policy.into_policy();
        if snapshot.format != SNAPSHOT_FORMAT {
            return Err(RestoreError::Format {
                found: snapshot.format,
            });
        }
        if snapshot.policy != policy.name() {
            return Err(RestoreError::PolicyMismatch {
                expected: snapshot.policy,
                given: policy.name().to_owned(),
            });
        }
        snapshot.config.validate()?;
        let config = snapshot.config;
        let mut st = State {
            clock: snapshot.clock,
            seq: snapshot.seq,
            stats: snapshot.stats,
            ..State::default()
        };
        restore_agents(&mut st, snapshot.agents)?;
        // The room registration gives an inbox, so that a restored engine
        // allocates no more than a fresh one while taking work.
        let lightest = config.lightest_weight();
        for a in &mut st.agents {
            a.inbox.reserve_for(a.cap, lightest);
        }
        // The plan and its gates' epoch first: a queue's explicit members
        // decide who joins its groups.
        if let Some(plan) = &snapshot.plan {
            let (compiled, _) = crate::plan::compile(plan)
                .map_err(|_| RestoreError::Corrupt("the routing plan does not load"))?;
            st.plan = Some(std::sync::Arc::new(compiled));
        }
        st.hours.epoch = snapshot.hours.epoch;
        restore_groups(&mut st, &config, snapshot.groups, snapshot.free_groups)?;
        for c in snapshot.customers {
            if c.last_agent
                .is_some_and(|(a, _)| a.get() >= st.agents.len())
                || c.owner.is_some_and(|(a, _)| a.get() >= st.agents.len())
            {
                return Err(RestoreError::Corrupt(
                    "a customer's last agent does not exist",
                ));
            }
            let k = st.ensure_customer(c.id);
            let known = &mut st.customers[k.get()];
            known.tier = c.tier;
            known.set_last_agent(c.last_agent);
            st.put_customer_owner(k, c.owner);
        }
        restore_conversations(&mut st, &config, snapshot.conversations)?;
        // Customers no restored conversation holds may expire.
        st.queue_unheld_customers();
        crate::engine::workload::snapshot::restore(&mut st, snapshot.workload)?;
        crate::engine::plan_hours::restore(&mut st, snapshot.hours)?;
        for t in snapshot.timers {
            // A conversation timer finds its slot by id when it fires; a
            // cool-down keeps its group where the others keep their
            // incarnation.
            let incarnation = if t.kind == TimerKind::CooldownEnd {
                u64::from(t.group)
            } else {
                t.incarnation
            };
            st.timers.arm(Timer {
                at: t.at,
                kind: t.kind,
                subject: t.subject,
                generation: t.generation,
                incarnation,
            });
        }
        let mut engine = Engine {
            config,
            policy,
            state: st,
            scratch: Default::default(),
        };
        engine.recount_rooms();
        matching::derive_closed_marks(&mut engine.state);
        engine.audit()?;
        Ok(engine)
    }

    /// Recounts every agent's room in each group (derived state).
    fn recount_rooms(&mut self) {
        let mut out = Vec::new();
        let mut cx = crate::engine::cx::Cx::new(
            &self.config,
            &*self.policy,
            &mut self.state,
            &mut self.scratch,
            Timestamp(0),
            &mut out,
        );
        for a in 0..cx.st.agents.len() {
            if let Some(a) = AgentIdx::new(a) {
                matching::refresh_room(&mut cx, a);
            }
        }
    }
}

fn restore_agents(st: &mut State, agents: Vec<AgentSnapshot>) -> Result<(), RestoreError> {
    for a in agents {
        let idx = AgentIdx::new(st.agents.len()).ok_or(RestoreError::Corrupt("too many agents"))?;
        if st.agent_ids.insert(a.id, idx).is_some() {
            return Err(RestoreError::Corrupt("an agent appears twice"));
        }
        let bad_cap = a.cap == Capacity::ZERO || a.cap > Capacity::MAX_CAP;
        let ceiling = a.pull_cap.map_or(a.cap, |p| p.max(a.cap));
        let bad_pull = a.pull_cap.is_some_and(|p| p > Capacity::MAX_CAP);
        if bad_cap
            || bad_pull
            || a.load > ceiling.max(a.over_cap_allowance)
            || a.load > Capacity::MAX_CAP
        {
            return Err(RestoreError::Corrupt(
                "an agent's load or cap is out of range",
            ));
        }
        if !a.skills.windows(2).all(|p| p[0].skill < p[1].skill) {
            return Err(RestoreError::Corrupt(
                "an agent's skills are unsorted or repeated",
            ));
        }
        let bad_limit = a.own_limit.is_some_and(|l| !l.valid());
        let sorted = a.recent.windows(2).all(|p| p[0] <= p[1]);
        if bad_limit || !sorted || a.recent.len() > crate::engine::workload::MAX_RATE as usize {
            return Err(RestoreError::Corrupt("an agent's rate limit is invalid"));
        }
        let mut channel_caps = [crate::engine::state::workload::NO_CAP; 8];
        for &(channel, cap) in &a.channel_caps {
            if cap > crate::engine::workload::MAX_LIVE_CAP {
                return Err(RestoreError::Corrupt("a channel cap is out of range"));
            }
            channel_caps[channel.index()] = cap;
        }
        // Checked before any group counts them; their consistency with
        // the pending edges is the audit's.
        if !crate::engine::skill_windows::restorable(&a.skills, &a.skill_windows, &a.dormant) {
            return Err(RestoreError::Corrupt(
                "an agent's skill windows are invalid",
            ));
        }
        let mut weights = [0u32; 8];
        for &(channel, weight) in &a.weights {
            let slot = &mut weights[channel.index()];
            if *slot != 0 || weight == Capacity::ZERO || weight > Capacity::MAX_CAP {
                return Err(RestoreError::Corrupt(
                    "an agent's channel weight is out of range or twice",
                ));
            }
            *slot = weight.0;
        }
        // The box of the agent's own rules only if one is set (the limit
        // in force and the live threads per channel are derived after the
        // teams and the inboxes: `workload::snapshot::restore`).
        let own = AgentRules {
            channel_caps,
            weights,
            own_limit: a.own_limit,
            recent: a.recent.into(),
            rate_timer: a.rate_timer,
            ..NO_RULES.clone()
        };
        let own_rules_box = (own != NO_RULES).then(|| Box::new(own));
        let channels = a.channels.as_deref().map(ChannelSet::of);
        if channels.map(ChannelSet::to_vec) != a.channels {
            // The engine writes each agent's channels sorted and once.
            return Err(RestoreError::Corrupt(
                "an agent's channels are out of order or repeated",
            ));
        }
        for s in &a.skills {
            st.agents_by_skill.entry(s.skill).or_default().push(idx);
        }
        st.agents.push(Agent {
            id: a.id,
            skills: a.skills,
            channels,
            status: a.status,
            load: a.load,
            cap: a.cap,
            over_cap_allowance: a.over_cap_allowance,
            last_activity: a.last_activity,
            last_assigned: a.last_assigned,
            high_water: a.high_water,
            inbox: Default::default(),
            parked: Default::default(),
            personal: Default::default(),
            slots: Vec::new(),
            cooldowns: a.cooldowns,
            dirty: false,
            closed_marked: false,
            team: None,
            gated: 0,
            wrapups: Default::default(),
            wrap_up_ms: a.wrap_up_ms,
            channel_load: [0; 8],
            rules: 0,
            own_rules_box,
            pull_cap: a.pull_cap,
            windows: a.skill_windows,
            dormant: a.dormant,
            cool_counted: Vec::new(),
            counters: a.counters,
        });
    }
    Ok(())
}
