//! What the workload model reads back from the engine after a command:
//! live threads per agent and channel, loads, and what each agent's
//! threads should hold by the model's weights.

use super::spec::{Rules, AGENTS, CONVERSATIONS};
use std::collections::BTreeMap;
use switchboard::*;

/// Live threads per agent and channel, and loads, read back.
pub struct Seen {
    pub live: BTreeMap<(u64, Channel), u32>,
    pub agent_live: BTreeMap<u64, u32>,
    pub load: BTreeMap<u64, Capacity>,
    pub team: u32,
    pub tenant: u32,
    /// What each agent's threads hold by the model's weights: a live
    /// thread its channel's weight, a parked one its channel's parked
    /// share, one in wrap-up the held share.
    pub expected: BTreeMap<u64, u32>,
}

pub fn weight(channel: Channel) -> u32 {
    if channel == Channel::Email {
        500
    } else {
        1000
    }
}

pub fn seen(e: &Engine, rules: &Rules, weights: &BTreeMap<(u64, Channel), u32>) -> Seen {
    let mut s = Seen {
        live: BTreeMap::new(),
        agent_live: BTreeMap::new(),
        load: BTreeMap::new(),
        team: e.team_stats(TeamId(1)).map_or(0, |t| t.live),
        tenant: e.tenant_stats().live,
        expected: BTreeMap::new(),
    };
    for a in 1..=AGENTS {
        let stats = e.agent_stats(AgentId(a)).expect("agent");
        s.agent_live.insert(a, stats.live);
        s.load.insert(a, stats.load);
    }
    for id in 1..=CONVERSATIONS {
        let Ok(info) = e.conversation(ConversationId(id)) else {
            continue;
        };
        // The agent's own weight for the channel, else the channel's.
        let w = |agent: AgentId| {
            (weights.get(&(agent.0, info.channel)).copied()).unwrap_or(weight(info.channel))
        };
        let held = match info.state {
            ConversationState::Assigned { agent } | ConversationState::Offered { agent, .. } => {
                *s.live.entry((agent.0, info.channel)).or_default() += 1;
                Some((agent, w(agent)))
            }
            ConversationState::Parked { agent: Some(agent) } => {
                let permille = match (info.channel, rules.sms_parked) {
                    (Channel::Sms, Some(p)) => p,
                    _ => 250,
                };
                Some((agent, w(agent) * permille / 1000))
            }
            ConversationState::Resolved { .. } => {
                e.wrap_up(ConversationId(id)).expect("known").map(|wrap| {
                    (
                        wrap.agent,
                        w(wrap.agent) * rules.wrap_hold.unwrap_or(0) / 1000,
                    )
                })
            }
            _ => None,
        };
        if let Some((agent, held)) = held {
            *s.expected.entry(agent.0).or_default() += held;
        }
    }
    s
}
