//! Taking a snapshot: the state as plain data, with what can be derived
//! left out (see the module above).

use super::{
    AgentSnapshot, CustomerSnapshot, GroupSnapshot, Snapshot, TimerSnapshot, SNAPSHOT_FORMAT,
};
use crate::engine::state::conv_wire::{ConvSide, ConvWire};
use crate::engine::state::group::Group;
use crate::engine::state::index::{AgentIdx, ConvIdx, CustomerIdx};
use crate::engine::state::timers::TimerKind;
use crate::engine::state::State;
use crate::engine::Engine;

impl Engine {
    /// A copy of the whole state.
    pub fn snapshot(&self) -> Snapshot {
        let st = &self.state;
        let agents = st
            .agents
            .iter()
            .map(|a| AgentSnapshot {
                id: a.id,
                skills: a.skills.clone(),
                channels: a.channels.map(|c| c.to_vec()),
                status: a.status,
                load: a.load,
                cap: a.cap,
                over_cap_allowance: a.over_cap_allowance,
                last_activity: a.last_activity,
                last_assigned: a.last_assigned,
                high_water: a.high_water,
                cooldowns: a.cooldowns.clone(),
                wrap_up_ms: a.wrap_up_ms,
                channel_caps: crate::engine::workload::channel::caps(&a.own().channel_caps),
                own_limit: a.own().own_limit,
                recent: a.own().recent.iter().copied().collect(),
                rate_timer: a.own().rate_timer,
                pull_cap: a.pull_cap,
                skill_windows: a.windows.clone(),
                dormant: a.dormant.clone(),
                weights: crate::engine::workload::weight::own(&a.own().weights),
                counters: a.counters,
            })
            .collect();
        let groups = st
            .groups
            .iter()
            .map(|g| GroupSnapshot {
                channel: g.key.channel,
                skills: g.key.skills.clone(),
                free: g.free.entries().collect(),
                pending: g.pending.clone(),
                pinned: g.pinned,
                vacant: g.vacant,
                gate: g.key.gate,
                shares: g.pool.is_some(),
                members: kept_members(st, g),
            })
            .collect();
        // Slots (`who`) are derived, not state: left out, so that equal
        // states give equal snapshots whatever their slot layout.
        let mut conversations: Vec<ConvWire> = (st.convs.iter().enumerate())
            .filter_map(|(i, v)| {
                let v = v.as_ref()?;
                let c = ConvIdx::new(i)?;
                Some(ConvWire::new(v, ConvSide::of(st, c)))
            })
            .collect();
        conversations.sort_unstable_by_key(|c| c.id);
        let mut customers: Vec<CustomerSnapshot> = st
            .customers
            .iter()
            .enumerate()
            .filter(|(_, k)| !k.vacant)
            .map(|(i, k)| CustomerSnapshot {
                id: k.id,
                tier: k.tier,
                last_agent: k.last_agent(),
                owner: CustomerIdx::new(i).and_then(|i| st.customer_owner(i)),
            })
            .collect();
        customers.sort_unstable_by_key(|c| c.id);
        let timers = st
            .timers
            .sorted()
            .into_iter()
            .map(|t| TimerSnapshot {
                at: t.at,
                kind: t.kind,
                subject: t.subject,
                // A cool-down keeps its group in `incarnation`; the
                // format has a field of its own for it and 0 there.
                group: if t.kind == TimerKind::CooldownEnd {
                    t.cooldown_group() as u32
                } else {
                    0
                },
                generation: t.generation,
                incarnation: if t.kind == TimerKind::CooldownEnd {
                    0
                } else {
                    t.incarnation
                },
            })
            .collect();
        Snapshot {
            format: SNAPSHOT_FORMAT,
            config: self.config.clone(),
            policy: self.policy.name().to_owned(),
            clock: st.clock,
            seq: st.seq,
            stats: st.stats,
            agents,
            groups,
            conversations,
            customers,
            timers,
            workload: crate::engine::workload::snapshot::take(st),
            plan: st.plan.as_ref().map(|p| p.doc.clone()),
            free_groups: st.free_groups.clone(),
            hours: st.hours.clone(),
        }
    }
}

/// The members a snapshot stores for group `g`: those of a group whose
/// queue is no longer in force, which restore cannot derive (see
/// `GroupSnapshot::members`).
fn kept_members(st: &State, g: &Group) -> Option<Vec<AgentIdx>> {
    let derived = g.vacant
        || g.pool.is_some()
        || g.key.gate == 0
        || crate::engine::plan_hours::queue_of_gate(st, g.key.gate).is_some();
    (!derived).then(|| g.members.clone())
}
