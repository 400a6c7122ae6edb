//! Restoring the groups: members derived from the agents' skills (or the
//! stored ones of a queue no longer in force), the free index's stored
//! ranks, reclaimed slots.

use super::{GroupSnapshot, RestoreError};
use crate::engine::state::group::{Group, RoutingKey};
use crate::engine::state::index::{AgentIdx, GroupIdx};
use crate::engine::state::State;
use crate::engine::structure::eligible;
use crate::engine::EngineConfig;

/// Groups with their members recomputed from the agents' skills (not
/// trusted from the snapshot) and the stored ranks of the free index.
pub(super) fn restore_groups(
    st: &mut State,
    config: &EngineConfig,
    groups: Vec<GroupSnapshot>,
    free_groups: Vec<GroupIdx>,
) -> Result<(), RestoreError> {
    for g in groups {
        let idx = GroupIdx::new(st.groups.len()).ok_or(RestoreError::Corrupt("too many groups"))?;
        if g.vacant {
            if !g.skills.is_empty() || !g.free.is_empty() || !g.pending.is_empty() {
                return Err(RestoreError::Corrupt("a reclaimed group slot is not empty"));
            }
            st.groups.push(Group::vacant(g.channel));
            continue;
        }
        if !g.skills.windows(2).all(|p| p[0].skill < p[1].skill) {
            return Err(RestoreError::Corrupt(
                "a group's skills are unsorted or repeated",
            ));
        }
        let key = RoutingKey {
            channel: g.channel,
            skills: g.skills,
            gate: g.gate,
        };
        if st.group_keys.insert(key.clone(), idx).is_some() {
            return Err(RestoreError::Corrupt("a skill group appears twice"));
        }
        let weight = config.weight(key.channel);
        let mut group = Group::new(key, weight);
        if g.shares {
            // Linked to its pool once every group is back.
            if g.gate == 0 || !g.free.is_empty() || !g.pending.is_empty() {
                return Err(RestoreError::Corrupt("a group sharing a pool has its own"));
            }
            group.pinned = g.pinned;
            group.pool = Some(idx);
            st.groups.push(group);
            st.list_group(idx);
            continue;
        }
        if let Some(kept) = g.members {
            // A queue no longer in force: its members as they were.
            if !kept.windows(2).all(|p| p[0] < p[1])
                || kept.iter().any(|a| a.get() >= st.agents.len())
            {
                return Err(RestoreError::Corrupt("a group's kept members are invalid"));
            }
            for a in kept {
                group.add_member(idx, a, &mut st.agents[a.get()]);
            }
        } else {
            let members = crate::engine::plan_hours::members_of(
                st.plan.as_deref(),
                st.hours.epoch,
                group.key.gate,
            );
            for (i, agent) in st.agents.iter_mut().enumerate() {
                let admitted = eligible(agent, &group.key, members)
                    && crate::engine::profiles::admits(
                        st.plan.as_deref(),
                        st.hours.epoch,
                        group.key.gate,
                        agent.id,
                    );
                if let (true, Some(a)) = (admitted, AgentIdx::new(i)) {
                    group.add_member(idx, a, agent);
                }
            }
        }
        for (position, rank) in g.free {
            if position as usize >= group.members.len() || group.free.rank_of(position).is_some() {
                return Err(RestoreError::Corrupt("a free-agent index entry is invalid"));
            }
            group.free.set(position, Some(rank));
        }
        for &a in &g.pending {
            let slot = st
                .agents
                .get_mut(a.get())
                .and_then(|agent| agent.slot_mut(idx))
                .filter(|slot| !slot.pending)
                .ok_or(RestoreError::Corrupt(
                    "a pending re-ranking names no member, or twice",
                ))?;
            slot.pending = true;
        }
        group.pending = g.pending;
        group.pinned = g.pinned;
        st.groups.push(group);
        st.list_group(idx);
    }
    let mut listed = vec![false; st.groups.len()];
    for &g in &free_groups {
        match listed.get_mut(g.get()) {
            Some(seen) if !*seen && st.groups[g.get()].vacant => *seen = true,
            _ => return Err(RestoreError::Corrupt("the free group list is wrong")),
        }
    }
    if free_groups.len() != st.groups.iter().filter(|g| g.vacant).count() {
        return Err(RestoreError::Corrupt("the free group list is wrong"));
    }
    st.free_groups = free_groups;
    crate::engine::plan_pool::restore(st)?;
    for a in &st.agents {
        if a.cooldowns.iter().any(|(g, _)| g.get() >= st.groups.len()) {
            return Err(RestoreError::Corrupt("a cool-down names no group"));
        }
    }
    Ok(())
}
