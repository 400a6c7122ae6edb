//! Changing what a conversation's route is: a plan loaded, replaced or
//! removed (every open conversation re-evaluated, ages kept), attributes
//! updated, a conversation opened or escalated under a plan, a manual
//! transfer taking it off the plan. Each ends with the conversation's
//! route chosen and, if it waits, back in its lines through
//! `matching::place_in_group` (which enters the steps due by its age).

use super::cx::Cx;
use super::decision::Decision;
use super::lifecycle;
use super::matching;
use super::plan_steps;
use super::state::conversation::Place;
use super::state::index::ConvIdx;
use super::state::plan::{ConvPlan, RouteState};
use crate::model::{ConversationId, SkillRequirement};
use crate::plan::compiled::{CAction, CompiledPlan};
use crate::plan::Attributes;
use std::sync::Arc;

/// Installs `plan` (or none) and re-evaluates every open conversation in
/// id order (an admin command: one visit per conversation).
pub(crate) fn set_plan(cx: &mut Cx<'_>, plan: Option<Arc<CompiledPlan>>) {
    let (routes, queues) = plan
        .as_ref()
        .map_or((0, 0), |p| (p.routes.len() as u32, p.queues.len() as u32));
    let old = std::mem::replace(&mut cx.st.plan, plan);
    // The queues' caps first: live work keeps counting by queue name.
    super::workload::queue_cap::install(cx, old.as_deref());
    cx.emit(Decision::PlanChanged { routes, queues });
    super::plan_hours::install(cx);
    let mut open: Vec<(ConversationId, ConvIdx)> = cx
        .st
        .convs
        .iter()
        .enumerate()
        .filter_map(|(i, slot)| {
            let conv = slot.as_ref()?;
            let open = !matches!(conv.place, Place::Resolved { .. });
            open.then(|| ConvIdx::new(i).map(|c| (conv.id, c)))?
        })
        .collect();
    open.sort_unstable();
    for (_, c) in open {
        reevaluate(cx, c);
    }
}

/// Replaces `c`'s attributes; under a plan, re-evaluates it.
pub(crate) fn set_attributes(cx: &mut Cx<'_>, c: ConvIdx, attrs: Attributes) {
    let explicit = explicit_of(cx, c);
    let p = cx.st.conv_plans.get_or_insert_with(c, || ConvPlan {
        explicit,
        ..ConvPlan::default()
    });
    p.attrs = attrs;
    if cx.st.plan.is_some() {
        reevaluate(cx, c);
    }
}

/// A conversation just opened (in no line yet) with `attrs`: kept, and
/// under a plan its route chosen and its first queue's group given.
// Inlined: every open asks, and most (no attributes, no plan) stop at
// the first test; the rest is `on_open_kept`, out of line.
#[inline]
pub(crate) fn on_open(cx: &mut Cx<'_>, c: ConvIdx, attrs: Option<Attributes>) {
    if attrs.is_none() && cx.st.plan.is_none() {
        return;
    }
    on_open_kept(cx, c, attrs);
}

/// `on_open` of a conversation with attributes or under a plan.
#[inline(never)]
fn on_open_kept(cx: &mut Cx<'_>, c: ConvIdx, attrs: Option<Attributes>) {
    let explicit = explicit_of(cx, c);
    let plan = ConvPlan {
        attrs: attrs.unwrap_or_default(),
        explicit,
        ..ConvPlan::default()
    };
    cx.st.conv_plans.set(c, Some(Box::new(plan)));
    choose_route(cx, c);
}

/// A conversation escalated from the bot, with new skills and attributes
/// if the command named some: under a plan its route is chosen afresh
/// (the bot may have learned what it is about), age kept.
pub(crate) fn on_escalate(
    cx: &mut Cx<'_>,
    c: ConvIdx,
    new_skills: bool,
    attrs: Option<Attributes>,
) {
    if !cx.st.conv_plans.contains(c) && cx.st.plan.is_none() && attrs.is_none() {
        return;
    }
    let explicit = if new_skills {
        cx.st.group(cx.st.conv(c).group).key.skills.clone()
    } else {
        explicit_of(cx, c)
    };
    let p = cx.st.conv_plans.get_or_insert_with(c, ConvPlan::default);
    p.explicit = explicit;
    if let Some(attrs) = attrs {
        p.attrs = attrs;
    }
    choose_route(cx, c);
}

/// A manual transfer: the conversation leaves its route (it is taken out
/// of its lines first, so its overflow lines are left too). Returns
/// nothing; the caller gives it its next place.
pub(crate) fn leave_route(cx: &mut Cx<'_>, c: ConvIdx) {
    if let Some(p) = cx.st.conv_plan_mut(c) {
        p.route = None;
    }
}

/// The skills `c`'s command named: its stored ones, else its group's.
fn explicit_of(cx: &Cx<'_>, c: ConvIdx) -> Vec<crate::model::SkillRequirement> {
    match cx.st.conv_plan(c) {
        Some(p) if p.route.is_some() => p.explicit.clone(),
        _ => cx.st.group(cx.st.conv(c).group).key.skills.clone(),
    }
}

/// The skills `c` was opened with (what a route's queue adds to, and what
/// routes it without a plan).
fn explicit_skills(cx: &Cx<'_>, c: ConvIdx) -> Vec<SkillRequirement> {
    cx.st
        .conv_plan(c)
        .map(|p| p.explicit.clone())
        .unwrap_or_default()
}

/// Chooses `c`'s route afresh (or none without a plan) and gives it the
/// group of the route's first queue, or of its named skills. `c` sits in
/// no line.
fn choose_route(cx: &mut Cx<'_>, c: ConvIdx) {
    let channel = cx.st.conv(c).channel;
    let Some(plan) = cx.st.plan.clone() else {
        let explicit = explicit_skills(cx, c);
        let g = plan_steps::group_for(cx, channel, explicit, 0);
        cx.st.set_group(c, g);
        if let Some(p) = cx.st.conv_plan_mut(c) {
            p.route = None;
        }
        return;
    };
    let route = plan_steps::select_route(cx, &plan, c);
    let first = plan.routes[usize::from(route)].steps.first().and_then(|s| {
        s.actions.iter().rev().find_map(|a| match *a {
            CAction::Enter(q) => Some(q),
            _ => None,
        })
    });
    let rs = RouteState {
        route,
        ..RouteState::default()
    };
    if let Some(q) = first {
        let explicit = explicit_skills(cx, c);
        let skills = plan_steps::requirements(&plan.queues[usize::from(q)], &rs, &explicit);
        let gate = super::plan_hours::gate_of(cx.st, &plan, q);
        let g = plan_steps::group_for(cx, channel, skills, gate);
        cx.st.set_group(c, g);
    }
    if let Some(p) = cx.st.conv_plan_mut(c) {
        p.route = Some(rs);
    }
}

/// Chooses `c`'s route afresh, age kept: a waiting conversation leaves
/// its lines and is placed again (entering the steps due by its age); one
/// with an agent or the bot keeps its place and enters its steps when it
/// next waits.
fn reevaluate(cx: &mut Cx<'_>, c: ConvIdx) {
    let place = cx.st.conv(c).place;
    if matches!(place, Place::Resolved { .. }) {
        return;
    }
    if !cx.st.conv_plans.contains(c) {
        let explicit = explicit_of(cx, c);
        let plan = ConvPlan {
            explicit,
            ..ConvPlan::default()
        };
        cx.st.conv_plans.set(c, Some(Box::new(plan)));
    }
    let queued = place == Place::Queued;
    if queued {
        lifecycle::detach(cx, c);
    }
    choose_route(cx, c);
    if queued {
        matching::place_in_group(cx, c);
    }
}
