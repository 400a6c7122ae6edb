//! The audit of routing-plan state, per conversation (called by
//! `Engine::audit` for each): its route and queues exist in the plan in
//! force, a queued conversation waits exactly in the groups its route
//! names now (its own queue's and its overflow queues', relaxations
//! applied), and its next step or time to live has a pending timer.

use super::audit::AuditViolation;
use super::plan_steps::{next_due, queue_group};
use super::state::conversation::{Conv, Place};
use super::state::index::{ConvIdx, GroupIdx};
use super::state::timers::TimerKind;
use super::Engine;
use crate::plan::limits::MAX_ACTIVE_QUEUES;
use std::collections::HashSet;

/// Pending timers as the audit keys them: subject, kind, generation, time,
/// incarnation.
pub(crate) type TimerKeys = HashSet<(u64, TimerKind, u32, u64, u64)>;

impl Engine {
    /// Checks `v`'s plan state (see the module doc).
    pub(super) fn audit_plan_of(
        &self,
        c: ConvIdx,
        v: &Conv,
        timers: &TimerKeys,
    ) -> Result<(), AuditViolation> {
        let Some(p) = self.state.conv_plan(c) else {
            return Ok(());
        };
        let Some(rs) = p.route.as_ref() else {
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
        let explicit = &p.explicit[..];
        let group = |q: u16| queue_group(&self.state, plan, q, rs, v.channel, explicit);
        if let Some(&own) = rs.queues.first() {
            if group(own) != Some(v.group) {
                return Err(wrong("it waits in another group than its queue's"));
            }
            // Its overflow queues' groups and its routing-profile tiers'.
            let expected = super::profiles::expected_extra(
                &self.state,
                plan,
                rs,
                v.channel,
                explicit,
                v.group,
            )
            .ok_or(wrong("an overflow queue or profile tier has no group"))?;
            if rs.profile_age > 0 && plan.profiles.is_empty() {
                return Err(wrong(
                    "profile tiers computed under a plan without profiles",
                ));
            }
            debug_assert!(rs.extra.len() < crate::plan::limits::MAX_POOL_GROUPS);
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

impl Engine {
    /// Checks business hours: states sized to the plan, each queue's state
    /// as its switches and calendar say, each group's flag as its queue's
    /// (shared groups always open), each calendar's timer pending.
    pub(super) fn audit_hours(&self, timers: &TimerKeys) -> Result<(), AuditViolation> {
        let st = &self.state;
        let wrong = |detail| Err(AuditViolation::HoursState { detail });
        let (calendars, queues) = st
            .plan
            .as_deref()
            .map_or((0, 0), |p| (p.calendars.len(), p.queues.len()));
        if st.hours.calendars.len() != calendars
            || st.hours.queues.len() != queues
            || st.hours.groups.len() != queues
        {
            return wrong("its states are not sized to the plan");
        }
        let mut gated = 0;
        for (g, group) in st.groups.iter().enumerate() {
            if group.served.len() > super::wait_estimate::RECENT {
                return wrong("a line remembers more hand-overs than its bound");
            }
            match super::plan_hours::queue_of_gate(st, group.key.gate) {
                Some(q) if group.key.gate != 0 => {
                    gated += 1;
                    let listed = st.hours.groups[q].iter().any(|x| x.get() == g);
                    if !listed || group.closed == st.hours.queues[q] {
                        return wrong("a queue's group is unlisted or flagged against its queue");
                    }
                }
                _ if group.closed => return wrong("a group no queue owns is closed"),
                _ => {}
            }
        }
        if st.hours.groups.iter().map(Vec::len).sum::<usize>() != gated {
            return wrong("a queue lists a group that is not its own");
        }
        let key = |g: GroupIdx| &st.groups[g.get()].key;
        if (st.hours.groups.iter()).any(|l| !l.windows(2).all(|p| key(p[0]) < key(p[1]))) {
            return wrong("a queue's groups are not in key order");
        }
        let Some(plan) = st.plan.as_deref() else {
            return Ok(());
        };
        for q in 0..queues {
            if super::plan_hours::queue_open(st, plan, q) != st.hours.queues[q] {
                return wrong("a queue's state is not what its switches and calendar say");
            }
        }
        let armed: HashSet<u64> = timers
            .iter()
            .filter(|t| t.1 == TimerKind::Hours && t.2 == st.hours.epoch)
            .map(|t| t.0)
            .collect();
        if (0..calendars as u64).any(|c| !armed.contains(&c)) {
            return wrong("a calendar has no pending timer");
        }
        Ok(())
    }
}
