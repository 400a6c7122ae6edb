//! The checks of the commands that register or configure agents and
//! teams: an agent's registration (skills, channels, windows, limits) and
//! the numbers set on agents (a capacity, a rate limit). Apart from the
//! conversation checks: none of these looks at a thread.

use super::super::error::EngineError;
use super::super::limits::{room, Limits};
use super::super::state::index::AgentIdx;
use super::super::state::State;
use super::super::workload::{RateLimit, MAX_RATE};
use super::limit;
use crate::model::{AgentId, AgentSpec, Capacity, Timestamp};

/// A rate limit in range.
pub(super) fn check_rate(limit: Option<RateLimit>) -> Result<(), EngineError> {
    match limit {
        Some(l) if !l.valid() => Err(EngineError::RateLimitOutOfRange {
            max: l.max,
            window: l.window,
            max_rate: MAX_RATE,
        }),
        _ => Ok(()),
    }
}

pub(super) fn check_cap(agent: AgentId, cap: Capacity) -> Result<(), EngineError> {
    if cap == Capacity::ZERO || cap > Capacity::MAX_CAP {
        return Err(EngineError::InvalidCapacity {
            agent,
            cap,
            max: Capacity::MAX_CAP,
        });
    }
    Ok(())
}

/// A registration with skills sorted and channels sorted and deduplicated.
pub(super) fn check_agent(
    state: &State,
    limits: &Limits,
    at: Timestamp,
    spec: &AgentSpec,
) -> Result<AgentSpec, EngineError> {
    check_cap(spec.id, spec.cap)?;
    if state.agent_idx(spec.id).is_some() {
        return Err(EngineError::DuplicateAgent(spec.id));
    }
    if !room(state.agents.len(), limits.agents) {
        return Err(limit("agents", limits.agents));
    }
    // Checked before the list is copied and sorted: its length is the
    // host's to choose.
    if spec.skills.len() > limits.skills as usize {
        return Err(limit("skills", limits.skills));
    }
    if AgentIdx::new(state.agents.len()).is_none() {
        return Err(EngineError::Full("agent"));
    }
    let mut spec = spec.clone();
    spec.skills.sort_unstable_by_key(|s| s.skill);
    if let Some(pair) = spec.skills.windows(2).find(|p| p[0].skill == p[1].skill) {
        return Err(EngineError::DuplicateSkill(pair[0].skill));
    }
    super::super::skill_windows::check(&mut spec, limits, at)?;
    if let Some(channels) = &mut spec.channels {
        channels.sort_unstable();
        channels.dedup();
    }
    Ok(spec)
}
