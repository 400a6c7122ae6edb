//! Read-only views of the workload rules: per team and for the tenant.

use super::{RateLimit, Refusals, TeamId};
use crate::engine::{Engine, EngineError};
use crate::model::{AgentId, ConversationId, Timestamp};
use serde::{Deserialize, Serialize};

/// Real-time statistics of one team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamStats {
    /// The team.
    pub team: TeamId,
    /// Its name.
    pub name: String,
    /// Its members, in registration order.
    pub members: Vec<AgentId>,
    /// Its cap on live threads (`None`: none).
    pub max_live: Option<u32>,
    /// Its members' live (offered or assigned) threads now.
    pub live: u32,
    /// Assignments refused at the team's level since it was created.
    pub refusals: u64,
    /// Members passed over while the team was full, waiting for room.
    pub held_back: u32,
    /// The members' default assignment rate limit.
    pub rate_limit: Option<RateLimit>,
}

/// Real-time statistics of the tenant's total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantStats {
    /// Its cap on live threads (`None`: none).
    pub max_live: Option<u32>,
    /// Live (offered or assigned) threads now.
    pub live: u32,
    /// Skill groups whose waiting work the cap holds back now.
    pub groups_held_back: u32,
    /// Refusals at every level since the start.
    pub refusals: Refusals,
}

/// A resolved conversation's wrap-up in progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrapUpInfo {
    /// The agent in wrap-up.
    pub agent: AgentId,
    /// When it started (the resolve).
    pub started: Timestamp,
    /// When it ends by itself.
    pub until: Timestamp,
    /// From when the agent may end it early (`None`: never early).
    pub may_end_from: Option<Timestamp>,
}

impl Engine {
    /// The wrap-up of a resolved conversation while it lasts (`None`
    /// otherwise), or [`EngineError::UnknownConversation`].
    pub fn wrap_up(&self, conversation: ConversationId) -> Result<Option<WrapUpInfo>, EngineError> {
        let st = &self.state;
        let c = st
            .conv_idx(conversation)
            .ok_or(EngineError::UnknownConversation(conversation))?;
        let Some(hold) = st.wrap_of(c) else {
            return Ok(None);
        };
        Ok(Some(WrapUpInfo {
            agent: st.id(hold.agent),
            started: hold.started,
            until: hold.until,
            may_end_from: hold.min_end,
        }))
    }

    /// Real-time statistics of a team, or [`EngineError::UnknownTeam`].
    pub fn team_stats(&self, team: TeamId) -> Result<TeamStats, EngineError> {
        let st = &self.state;
        let t = st
            .workload
            .team_ids
            .get(&team)
            .ok_or(EngineError::UnknownTeam(team))?;
        let t = &st.workload.teams[t.get()];
        Ok(TeamStats {
            team,
            name: t.name.clone(),
            members: t.members.iter().map(|&a| st.id(a)).collect(),
            max_live: t.max_live,
            live: t.live,
            refusals: t.refusals,
            held_back: t.gated.len() as u32,
            rate_limit: t.rate,
        })
    }

    /// Every team's statistics, in creation order.
    pub fn teams(&self) -> Vec<TeamStats> {
        self.state
            .workload
            .teams
            .iter()
            .filter_map(|t| self.team_stats(t.id).ok())
            .collect()
    }

    /// The tenant's total and the refusals by level.
    pub fn tenant_stats(&self) -> TenantStats {
        let w = &self.state.workload;
        TenantStats {
            max_live: w.tenant_max_live,
            live: w.live,
            groups_held_back: w.blocked.len() as u32,
            refusals: self.state.stats.refusals,
        }
    }
}
