//! The audit of routing-plan state, per conversation (called by
//! `Engine::audit` for each): its route and queues exist in the plan in
//! force, a queued conversation waits exactly in the groups its route
//! names now (its own queue's and its overflow queues', relaxations
//! applied), and its next step or time to live has a pending timer.

use super::audit::AuditViolation;
use super::plan_steps::{next_due, requirements};
use super::state::conversation::{Conv, Place};
use super::state::timers::TimerKind;
use super::Engine;
use crate::plan::limits::MAX_ACTIVE_QUEUES;
use std::collections::HashSet;

/// Pending timers as the audit keys them: subject, kind, generation, time,
/// incarnation.
pub(crate) type TimerKeys = HashSet<(u64, TimerKind, u32, u64, u64)>;

impl Engine {
    /// Checks `v`'s plan state (see the module doc).
    pub(super) fn audit_plan_of(&self, v: &Conv, timers: &TimerKeys) -> Result<(), AuditViolation> {
        let Some(rs) = v.plan.as_deref().and_then(|p| p.route.as_ref()) else {
            return Ok(());
        };
        let wrong = |detail| AuditViolation::PlanState {
            conversation: v.id,
            detail,
        };
        let plan = self
            .state
            .plan
            .as_deref()
            .ok_or(wrong("on a route while no plan is loaded"))?;
        let route = plan
            .routes
            .get(usize::from(rs.route))
            .ok_or(wrong("its route does not exist"))?;
        if usize::from(rs.next_step) > route.steps.len()
            || rs.queues.len() > MAX_ACTIVE_QUEUES
            || rs
                .queues
                .iter()
                .any(|&q| usize::from(q) >= plan.queues.len())
            || !rs.relaxed.windows(2).all(|p| p[0].0 < p[1].0)
        {
            return Err(wrong("its step, queues or relaxations are out of range"));
        }
        if v.place != Place::Queued {
            return Ok(());
        }
        let explicit = v.plan.as_deref().map_or(&[][..], |p| &p.explicit[..]);
        let group = |q: u16| {
            let skills = requirements(&plan.queues[usize::from(q)], rs, explicit);
            self.state.group_of(&(v.channel, &skills[..]))
        };
        if let Some((&own, rest)) = rs.queues.split_first() {
            if group(own) != Some(v.group) {
                return Err(wrong("it waits in another group than its queue's"));
            }
            let mut expected = Vec::with_capacity(rest.len());
            for &q in rest {
                let g = group(q).ok_or(wrong("an overflow queue has no group"))?;
                if g != v.group && !expected.contains(&g) {
                    expected.push(g);
                }
            }
            if expected != rs.extra {
                return Err(wrong("its overflow lines are not its overflow queues'"));
            }
        }
        if let Some(due) = next_due(plan, rs) {
            let at = v.waiting_since.as_millis().saturating_add(due);
            if !timers.contains(&(v.id.0, TimerKind::PlanStep, rs.timer_gen, at, v.seq)) {
                return Err(AuditViolation::MissingAlert {
                    conversation: v.id,
                    kind: "plan step",
                });
            }
        }
        Ok(())
    }
}
