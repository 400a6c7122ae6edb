//! The groups a conversation's route waits in: a queue's requirements as
//! relaxed, the group of each (created on first use, shared with a plain
//! group where it can), the overflow and routing-profile groups, and the
//! move of a conversation from its old groups to the new ones. Apart from
//! the ladder: a step says which queues; this says which groups and lines.

use super::super::cx::Cx;
use super::super::lifecycle;
use super::super::matching;
use super::super::state::conversation::Place;
use super::super::state::group::RoutingKey;
use super::super::state::index::{ConvIdx, GroupIdx};
use super::super::state::plan::RouteState;
use super::super::structure;
use super::super::validate::GroupRef;
use super::put;
use crate::model::{Channel, SkillRequirement};
use crate::plan::compiled::{CQueue, CompiledPlan};

/// The requirements of waiting in `queue` for a conversation relaxed as
/// `rs` says, with its command's `explicit` skills: sorted, each skill
/// once (the highest level asked).
pub(crate) fn requirements(
    queue: &CQueue,
    rs: &RouteState,
    explicit: &[SkillRequirement],
) -> Vec<SkillRequirement> {
    let mut out: Vec<SkillRequirement> =
        Vec::with_capacity(queue.hard.len() + queue.soft.len() + explicit.len());
    out.extend_from_slice(&queue.hard);
    for s in &queue.soft {
        match rs.relaxed(s.skill) {
            Some(None) => {}
            Some(Some(level)) => out.push(SkillRequirement {
                skill: s.skill,
                min_level: s.min_level.min(level),
            }),
            None => out.push(*s),
        }
    }
    out.extend_from_slice(explicit);
    // Highest level first within a skill, so dedup keeps it.
    out.sort_unstable_by(|a, b| a.skill.cmp(&b.skill).then(b.min_level.cmp(&a.min_level)));
    out.dedup_by_key(|r| r.skill);
    out
}

/// The group of `channel`, `skills` and `gate`, created on first use (a
/// gated group is its queue's, `plan_hours::adopt`).
pub(crate) fn group_for(
    cx: &mut Cx<'_>,
    channel: Channel,
    skills: Vec<SkillRequirement>,
    gate: u64,
) -> GroupIdx {
    match cx.st.group_of(&(channel, &skills[..], gate)) {
        Some(g) => g,
        None => {
            let key = RoutingKey {
                channel,
                skills,
                gate,
            };
            // A queue's group shares the agents of the shared group of its
            // skills where it can (`plan_pool.rs`).
            let g = if super::super::plan_pool::shares(cx.st, gate) {
                super::super::plan_pool::add_follower(cx, key)
            } else {
                structure::ensure_group(cx, GroupRef::New(Box::new(key)))
            };
            if gate != 0 {
                super::super::plan_hours::adopt(cx.st, g, gate);
            }
            g
        }
    }
}

/// The group queue `q` gives a conversation on `rs` (without creating
/// it).
pub(crate) fn queue_group(
    st: &super::super::state::State,
    plan: &CompiledPlan,
    q: u16,
    rs: &RouteState,
    channel: Channel,
    explicit: &[SkillRequirement],
) -> Option<GroupIdx> {
    let skills = requirements(&plan.queues[usize::from(q)], rs, explicit);
    let gate = super::super::plan_hours::gate_of(st, plan, q);
    st.group_of(&(channel, &skills[..], gate))
}

/// The groups a conversation on `rs` waits in: its own queue's, then the
/// overflow queues' (each once); after each queue's, the groups of its
/// routing-profile tiers reached by `rs.profile_age` (`profiles.rs`).
fn groups_of(
    cx: &mut Cx<'_>,
    plan: &CompiledPlan,
    rs: &RouteState,
    channel: Channel,
    explicit: &[SkillRequirement],
) -> Option<(GroupIdx, Vec<GroupIdx>)> {
    let (&own, rest) = rs.queues.split_first()?;
    let gate = super::super::plan_hours::gate_of(cx.st, plan, own);
    let own = group_for(
        cx,
        channel,
        requirements(&plan.queues[usize::from(own)], rs, explicit),
        gate,
    );
    let mut extra = Vec::with_capacity(rest.len());
    for (i, &q) in rs.queues.iter().enumerate() {
        let mut tiers = super::super::profiles::reached(plan, q, rs.profile_age).peekable();
        if i == 0 && tiers.peek().is_none() {
            // Its own queue's group is `own`; no tier of it reached.
            continue;
        }
        let skills = requirements(&plan.queues[usize::from(q)], rs, explicit);
        let gate = super::super::plan_hours::gate_of(cx.st, plan, q);
        // Bounded by MAX_QUEUE_DELAYS + 1 per queue.
        let tiers = tiers.map(|t| super::super::profiles::tier_gate(gate, t));
        for gate in (i > 0).then_some(gate).into_iter().chain(tiers) {
            // The skills are copied only for a group created here.
            let g = match cx.st.group_of(&(channel, &skills[..], gate)) {
                Some(g) => g,
                None => group_for(cx, channel, skills.clone(), gate),
            };
            if g != own && !extra.contains(&g) {
                // Overflow lists are not reference-counted: never reclaimed.
                cx.st.group_mut(g).pinned = true;
                extra.push(g);
            }
        }
    }
    Some((own, extra))
}

/// Puts `rs` back and moves `c` to the groups it names. A queued `c`
/// (`queued`) leaves its old lines and joins the new ones with its age and
/// arrival order (its place), then each of its groups is dispatched.
pub(super) fn settle_groups(
    cx: &mut Cx<'_>,
    plan: &CompiledPlan,
    c: ConvIdx,
    mut rs: RouteState,
    prior: &[u16],
    queued: bool,
) {
    let conv = cx.st.conv(c);
    let (channel, old_group) = (conv.channel, conv.group);
    if !plan.profiles.is_empty() {
        // Its routing-profile tiers as of now (its age never resets).
        rs.profile_age = cx.at.since(conv.waiting_since).as_millis();
    }
    let explicit = cx
        .st
        .conv_plan(c)
        .map(|p| p.explicit.clone())
        .unwrap_or_default();
    let unchanged_queues = rs.queues == prior;
    let Some((own, extra)) = groups_of(cx, plan, &rs, channel, &explicit) else {
        put(cx, c, rs);
        return;
    };
    if unchanged_queues && own == old_group && extra == rs.extra {
        put(cx, c, rs);
        return;
    }
    if queued {
        // Leave the old lines under the old state, join the new ones.
        put(cx, c, rs);
        lifecycle::detach(cx, c);
        if let Some(r) = cx.st.conv_plan_mut(c).and_then(|p| p.route.as_mut()) {
            r.extra = extra;
        }
        cx.st.set_group(c, own);
        lifecycle::enqueue_group(cx, c);
        matching::dispatch(cx, own);
        dispatch_extra(cx, c);
    } else {
        rs.extra = extra;
        put(cx, c, rs);
        cx.st.set_group(c, own);
    }
}

/// Dispatches the overflow groups `c` waits in, while it still waits.
pub(crate) fn dispatch_extra(cx: &mut Cx<'_>, c: ConvIdx) {
    let extra = cx.st.extra_groups(c).to_vec();
    for g in extra {
        if cx.st.conv(c).place != Place::Queued {
            return;
        }
        matching::dispatch(cx, g);
    }
}
