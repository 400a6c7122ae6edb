//! The audit of the workload rules' state: recounts each team's and the
//! tenant's live threads from the agents' inboxes, and checks that only a
//! full level holds anyone back. O(agents + teams + groups).

use crate::engine::audit::AuditViolation;
use crate::engine::state::index::AgentIdx;
use crate::engine::state::workload::{GATED_BY_TEAM, GATED_BY_TENANT, RULES_TEAM};
use crate::engine::state::State;

fn mismatch(what: &'static str) -> AuditViolation {
    AuditViolation::WorkloadMismatch { what }
}

/// Checks the teams, the tenant's count and the held-back lists.
pub(crate) fn check(st: &State) -> Result<(), AuditViolation> {
    let w = &st.workload;
    let mut team_gated = 0usize;
    for (t, team) in w.teams.iter().enumerate() {
        if w.team_ids.get(&team.id).map(|x| x.get()) != Some(t) {
            return Err(mismatch("a team's id"));
        }
        if !team.members.windows(2).all(|p| p[0] < p[1]) {
            return Err(mismatch("a team's members are unsorted or repeated"));
        }
        let mut live = 0u64;
        for &m in &team.members {
            let a = st.agents.get(m.get()).ok_or(mismatch("a team member"))?;
            if a.team.map(|x| x.get()) != Some(t) {
                return Err(mismatch("a member's team"));
            }
            live += a.inbox.len() as u64;
        }
        if live != u64::from(team.live) {
            return Err(AuditViolation::StatisticMismatch {
                what: "a team's live threads",
                kept: u64::from(team.live),
                recounted: live,
            });
        }
        // Only a full team holds members back; one with room settled them.
        if !team.gated.is_empty() && !team.full() {
            return Err(mismatch("a team with room holds members back"));
        }
        for &m in &team.gated {
            let a = st
                .agents
                .get(m.get())
                .ok_or(mismatch("a held-back member"))?;
            if a.gated & GATED_BY_TEAM == 0 || a.team.map(|x| x.get()) != Some(t) {
                return Err(mismatch("a team's held-back list"));
            }
        }
        team_gated += team.gated.len();
    }
    let mut live = 0u64;
    let (mut flagged_team, mut flagged_tenant) = (0usize, 0usize);
    let rate_timers: std::collections::HashSet<(u64, u64)> = st
        .timers
        .sorted()
        .into_iter()
        .filter(|t| t.kind == crate::engine::state::timers::TimerKind::RateWindow)
        .map(|t| (t.subject, t.at.0))
        .collect();
    // The boxes of the agents' own rules: present where the rule word
    // says, live threads per channel counted (`agent_rules.rs`).
    st.check_agent_rules().map_err(mismatch)?;
    for (i, a) in st.agents.iter().enumerate() {
        live += a.inbox.len() as u64;
        let mut load = [0u64; 8];
        let held = a
            .inbox
            .iter()
            .chain(a.parked.iter(&st.parked_pool).map(|(_, c)| c))
            .chain(a.wrapups.iter(&st.wrapup_pool).map(|(_, c)| c));
        for c in held {
            let conv = st.convs.get(c.get()).and_then(|c| c.as_ref());
            let conv = conv.ok_or(mismatch("a thread an agent holds"))?;
            load[conv.channel.index()] += u64::from(conv.held.0);
        }
        if load
            .iter()
            .zip(a.channel_load)
            .any(|(&l, k)| l != u64::from(k))
        {
            return Err(mismatch("an agent's load per channel"));
        }
        let team_rate = a
            .team
            .and_then(|t| w.teams.get(t.get()))
            .and_then(|t| t.rate);
        if a.own().limit != a.own().own_limit.or(team_rate) {
            return Err(mismatch("an agent's rate limit in force"));
        }
        let capped = a
            .team
            .and_then(|t| w.teams.get(t.get()))
            .is_some_and(|t| t.max_live.is_some());
        let own = a.recount_own_rules();
        if a.rules != own | if capped { RULES_TEAM } else { 0 } {
            return Err(mismatch("an agent's rule word"));
        }
        let own = a.own();
        let kept_ok = match own.limit {
            None => own.recent.is_empty(),
            Some(_) => {
                // A lowered limit may leave more in the window than it
                // counts; the memory bound is the largest limit.
                own.recent.len() <= super::MAX_RATE as usize
                    && own
                        .recent
                        .iter()
                        .zip(own.recent.iter().skip(1))
                        .all(|(x, y)| x <= y)
            }
        };
        // At the limit, the timer that counts is pending (or the agent
        // would never rank again).
        let timer_ok = own.rate_timer.map_or(!a.rate_limited(), |due| {
            rate_timers.contains(&(i as u64, due.0))
        });
        let kept_ok = kept_ok && timer_ok;
        if !kept_ok {
            return Err(mismatch("an agent's recent assignments or window timer"));
        }
        if let Some(t) = a.team {
            let me = AgentIdx::new(i).ok_or(mismatch("an agent's slot"))?;
            let member = w
                .teams
                .get(t.get())
                .is_some_and(|team| team.members.binary_search(&me).is_ok());
            if !member {
                return Err(mismatch("an agent's team does not list them"));
            }
        }
        flagged_team += usize::from(a.gated & GATED_BY_TEAM != 0);
        flagged_tenant += usize::from(a.gated & GATED_BY_TENANT != 0);
    }
    if live != u64::from(w.live) {
        return Err(AuditViolation::StatisticMismatch {
            what: "the tenant's live threads",
            kept: u64::from(w.live),
            recounted: live,
        });
    }
    if flagged_team != team_gated || flagged_tenant != w.tenant_gated.len() {
        return Err(mismatch("held-back flags and lists"));
    }
    for &a in &w.tenant_gated {
        let ok = st
            .agents
            .get(a.get())
            .is_some_and(|a| a.gated & GATED_BY_TENANT != 0);
        if !ok {
            return Err(mismatch("the tenant's held-back agents"));
        }
    }
    let flagged_groups = st.groups.iter().filter(|g| g.tenant_blocked).count();
    let listed_ok = w
        .blocked
        .iter()
        .all(|g| st.groups.get(g.get()).is_some_and(|g| g.tenant_blocked));
    if flagged_groups != w.blocked.len() || !listed_ok {
        return Err(mismatch("the tenant's held-back groups"));
    }
    let held_back = !w.blocked.is_empty() || !w.tenant_gated.is_empty();
    if held_back && !w.tenant_full() {
        return Err(mismatch("a tenant with room holds work back"));
    }
    if !w.freed.is_empty() || w.teams.iter().any(|t| t.freed) {
        return Err(mismatch("teams freed during a command are left listed"));
    }
    let gates_on = w.tenant_max_live.is_some()
        || w.teams.iter().any(|t| t.max_live.is_some())
        || w.queues.iter().any(|q| q.max_live.is_some());
    if gates_on != w.gates_on || w.queues_capped != w.queues.iter().any(|q| q.max_live.is_some()) {
        return Err(mismatch("gates_on"));
    }
    super::queue_cap::check(st)
}
