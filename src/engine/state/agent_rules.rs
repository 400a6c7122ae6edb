//! An agent's own workload rules, boxed beside the record: their caps and
//! weights per channel, their rate limit with the assignments it counts,
//! and their live threads per channel (which only a channel cap reads).
//! 192 bytes that were in every `Agent` (issue 22: 644 bytes per agent)
//! although nearly every agent has none of these rules; now 8 bytes (the
//! box's pointer), and the box only for an agent who was given one.
//!
//! Invariants (`State::check_agent_rules`, from the audit):
//! - an agent whose rule word has `RULES_OWN` or `RULES_RATE` has the box
//!   (the fit tests read `Agent::rules` first, then the box);
//! - an agent without the box has every field at [`NO_RULES`]' value,
//!   `channel_live` aside (not kept without the box: only a channel cap
//!   reads it, and setting one makes the box, counting the inbox);
//! - with the box, `channel_live` is the inbox counted by channel.
//!
//! Once made, the box stays for the agent's life: a rate timer may still
//! be pending after a limit was removed, and a rule removed is usually set
//! again; what it costs is bounded by the agents ever given a rule.

use super::agent::Agent;
use super::index::AgentIdx;
use super::workload::NO_CAP;
use super::State;
use crate::engine::workload::RateLimit;
use crate::model::Timestamp;
use std::collections::VecDeque;

/// The workload rules of one agent's own (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AgentRules {
    /// Live (offered or assigned) threads per channel, by `Channel::index`
    /// (derived: the inbox counted by channel).
    pub channel_live: [u32; 8],
    /// Cap on live threads per channel beside the total cap (`NO_CAP`:
    /// none).
    pub channel_caps: [u32; 8],
    /// The agent's own weight per channel, by `Channel::index`, in place
    /// of the configuration's (0: the channel's;
    /// `Command::SetChannelWeight`).
    pub weights: [u32; 8],
    /// The agent's own assignment rate limit (`None`: their team's).
    pub own_limit: Option<RateLimit>,
    /// The limit in force: `own_limit`, else the team's (derived).
    pub limit: Option<RateLimit>,
    /// Times of the new assignments still in the window, oldest first
    /// (empty without a limit); more than `limit.max` only after the
    /// limit was lowered, never more than `MAX_RATE`.
    pub recent: VecDeque<Timestamp>,
    /// When the `RateWindow` timer that counts is due: set while the agent
    /// is at the limit (a pending timer due at another time is stale).
    pub rate_timer: Option<Timestamp>,
}

/// What an agent without the box reads: no rule of their own.
pub(crate) static NO_RULES: AgentRules = AgentRules {
    channel_live: [0; 8],
    channel_caps: [NO_CAP; 8],
    weights: [0; 8],
    own_limit: None,
    limit: None,
    recent: VecDeque::new(),
    rate_timer: None,
};

impl AgentRules {
    /// Whether everything but `channel_live` is as without the box.
    #[cfg(test)]
    fn is_none(&self) -> bool {
        self.channel_caps == NO_RULES.channel_caps
            && self.weights == NO_RULES.weights
            && self.own_limit.is_none()
            && self.limit.is_none()
            && self.recent.is_empty()
            && self.rate_timer.is_none()
    }
}

impl Agent {
    /// The agent's own rules ([`NO_RULES`] without the box; its
    /// `channel_live` is then not the agent's: see the module doc).
    #[inline]
    pub(crate) fn own(&self) -> &AgentRules {
        self.own_rules_box.as_deref().unwrap_or(&NO_RULES)
    }
}

impl State {
    /// `agent`'s own rules to change, the box made first if they had none
    /// (with their live threads per channel counted from the inbox: O(the
    /// inbox), once per agent). Inlined, the box's making out of line:
    /// every assignment under a rate limit asks (0.13M calls with every
    /// rule on `profile_rules_answered`), nearly always for a box made.
    #[inline]
    pub(crate) fn own_rules_mut(&mut self, agent: AgentIdx) -> &mut AgentRules {
        if self.agent(agent).own_rules_box.is_none() {
            self.make_own_rules(agent);
        }
        self.agent_mut(agent)
            .own_rules_box
            .as_deref_mut()
            .expect("the box was just made")
    }

    /// Makes `agent`'s box of own rules (they had none).
    #[inline(never)]
    fn make_own_rules(&mut self, agent: AgentIdx) {
        let mut live = [0u32; 8];
        for c in self.agent(agent).inbox.iter() {
            live[self.conv(c).channel.index()] += 1;
        }
        let rules = AgentRules {
            channel_live: live,
            ..NO_RULES.clone()
        };
        self.agent_mut(agent).own_rules_box = Some(Box::new(rules));
    }

    /// For the audit: the box's invariants (module doc) for every agent.
    /// `Err` names the broken one.
    pub(crate) fn check_agent_rules(&self) -> Result<(), &'static str> {
        use super::workload::{RULES_OWN, RULES_RATE};
        for a in &self.agents {
            match a.own_rules_box.as_deref() {
                None if a.rules & (RULES_OWN | RULES_RATE) != 0 => {
                    return Err("an agent with rules of their own has no box for them");
                }
                None => {}
                Some(r) => {
                    let mut live = [0u32; 8];
                    for c in a.inbox.iter() {
                        let conv = self.convs.get(c.get()).and_then(Option::as_ref);
                        let conv = conv.ok_or("an inbox entry")?;
                        live[conv.channel.index()] += 1;
                    }
                    if live != r.channel_live {
                        return Err("an agent's live threads per channel");
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value read without the box is the one a box starts from: no
    /// cap, no weight, no limit.
    #[test]
    fn no_rules_is_the_default_of_every_rule() {
        assert!(NO_RULES.is_none());
        assert!(NO_RULES.channel_caps.iter().all(|&c| c == NO_CAP));
        let mut r = NO_RULES.clone();
        r.channel_live[2] = 3;
        assert!(r.is_none(), "live threads are not a rule");
        r.weights[1] = 2;
        assert!(!r.is_none());
    }
}
