//! Teams: creating or replacing one ([`Command::SetTeam`](crate::Command::SetTeam)) and the
//! tenant's cap ([`Command::SetTenantCap`](crate::Command::SetTenantCap)). Both are accepted at once
//! whatever the live load: lowering a cap moves nothing, and new work
//! waits until the level is under it.

use super::config::RateLimit;
use super::rate;
use super::TeamId;
use crate::engine::cx::Cx;
use crate::engine::decision::Decision;
use crate::engine::error::EngineError;
use crate::engine::state::index::{AgentIdx, TeamIdx};
use crate::engine::state::workload::{Team, GATED_BY_TEAM};
use crate::engine::state::State;
use crate::engine::workload::config::MAX_LIVE_CAP;
use crate::engine::workload::config_check::check_live_cap;
use crate::model::AgentId;

/// The longest team name, in bytes.
pub const MAX_TEAM_NAME: usize = 128;

/// A validated `SetTeam`: members as slots, ascending.
#[derive(Clone, Debug)]
pub(crate) struct TeamStep {
    pub team: TeamId,
    pub name: String,
    pub members: Vec<AgentIdx>,
    pub max_live: Option<u32>,
    /// The members' default rate limit (set by validation after).
    pub rate: Option<RateLimit>,
}

/// Checks a `SetTeam`: a name of `1..=MAX_TEAM_NAME` bytes, a cap in
/// range, known members listed once, none in another team.
pub(crate) fn check_set_team(
    st: &State,
    team: TeamId,
    name: &str,
    members: &[AgentId],
    max_live: Option<u32>,
) -> Result<TeamStep, EngineError> {
    if name.is_empty() || name.len() > MAX_TEAM_NAME {
        return Err(EngineError::TeamName {
            team,
            len: name.len(),
            max: MAX_TEAM_NAME,
        });
    }
    if check_live_cap("max_live", max_live).is_err() {
        return Err(EngineError::LiveCapOutOfRange {
            value: max_live.unwrap_or_default(),
            max: MAX_LIVE_CAP,
        });
    }
    let this = st.workload.team_ids.get(&team).copied();
    if this.is_none() && TeamIdx::new(st.workload.teams.len()).is_none() {
        return Err(EngineError::Full("team"));
    }
    let mut slots = Vec::with_capacity(members.len());
    for &id in members {
        let a = st.agent_idx(id).ok_or(EngineError::UnknownAgent(id))?;
        if let Some(other) = st.agent(a).team.filter(|&t| Some(t) != this) {
            return Err(EngineError::AgentInAnotherTeam {
                agent: id,
                team: st.workload.teams[other.get()].id,
            });
        }
        slots.push(a);
    }
    slots.sort_unstable();
    if let Some(pair) = slots.windows(2).find(|p| p[0] == p[1]) {
        return Err(EngineError::DuplicateTeamMember {
            team,
            agent: st.id(pair[0]),
        });
    }
    Ok(TeamStep {
        team,
        name: name.to_owned(),
        members: slots,
        max_live,
        rate: None,
    })
}

/// Creates or replaces a team. Members who leave take their live threads
/// out of its count and are settled (the team no longer holds them back);
/// members who join bring theirs in. O(old + new members).
pub(crate) fn set_team(cx: &mut Cx<'_>, step: TeamStep) {
    let t = match cx.st.workload.team_ids.get(&step.team) {
        Some(&t) => t,
        None => {
            let t = TeamIdx::new(cx.st.workload.teams.len()).expect("validated: a slot is left");
            cx.st.workload.teams.push(Team {
                id: step.team,
                name: String::new(),
                members: Vec::new(),
                max_live: None,
                live: 0,
                gated: Default::default(),
                refusals: 0,
                rate: None,
                freed: false,
            });
            cx.st.workload.team_ids.insert(step.team, t);
            t
        }
    };
    let old = std::mem::take(&mut cx.st.workload.teams[t.get()].members);
    let gated = std::mem::take(&mut cx.st.workload.teams[t.get()].gated);
    for a in gated {
        cx.st.agent_mut(a).gated &= !GATED_BY_TEAM;
    }
    for &a in &old {
        let agent = cx.st.agent_mut(a);
        agent.team = None;
        agent.set_team_capped(false);
        cx.settle_later(a);
    }
    let mut live = 0u32;
    for &a in &step.members {
        let agent = cx.st.agent_mut(a);
        agent.team = Some(t);
        agent.set_team_capped(step.max_live.is_some());
        live += agent.inbox.len() as u32;
        cx.settle_later(a);
    }
    let members: Vec<_> = step.members.iter().map(|&a| cx.st.id(a)).collect();
    let team = &mut cx.st.workload.teams[t.get()];
    team.name = step.name;
    team.members = step.members;
    team.max_live = step.max_live;
    team.live = live;
    team.rate = step.rate;
    cx.st.workload.refresh_gates();
    // Members who left fall back to their own limit, members in it take
    // the team's unless they have their own.
    for a in old
        .into_iter()
        .chain(cx.st.workload.teams[t.get()].members.clone())
    {
        rate::refresh(cx, a);
    }
    let team = &cx.st.workload.teams[t.get()];
    cx.emit(Decision::TeamSet {
        team: step.team,
        members,
        max_live: team.max_live,
        live: team.live,
    });
}

/// Changes the tenant's cap. Raising it takes up what it held back at the
/// end of the command (`gate::resume`).
pub(crate) fn set_tenant_cap(cx: &mut Cx<'_>, max_live: Option<u32>) {
    let w = &mut cx.st.workload;
    w.tenant_max_live = max_live;
    w.refresh_gates();
    let live = w.live;
    cx.emit(Decision::TenantCapChanged { max_live, live });
}
