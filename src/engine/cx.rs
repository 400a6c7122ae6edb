//! One command in progress: the state it writes, the decisions so far, and
//! the agents to bring up to date before it returns.

use super::config::EngineConfig;
use super::decision::Decision;
use super::state::index::AgentIdx;
use super::state::State;
use crate::model::Timestamp;
use crate::policy::RoutingPolicy;
use std::collections::VecDeque;

/// The context of one command.
pub(crate) struct Cx<'a> {
    pub cfg: &'a EngineConfig,
    pub policy: &'a dyn RoutingPolicy,
    pub st: &'a mut State,
    pub at: Timestamp,
    pub out: &'a mut Vec<Decision>,
    /// Agents whose rank may have improved or who may take work (capacity
    /// freed, status or cap changed, own queue changed): settled in order
    /// before the command returns.
    pub settle: VecDeque<AgentIdx>,
    /// Agents whose load, status or queues changed: their room in each
    /// group is recounted before the command returns.
    pub dirty: Vec<AgentIdx>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(
        cfg: &'a EngineConfig,
        policy: &'a dyn RoutingPolicy,
        st: &'a mut State,
        at: Timestamp,
        out: &'a mut Vec<Decision>,
    ) -> Self {
        Self {
            cfg,
            policy,
            st,
            at,
            out,
            settle: VecDeque::new(),
            dirty: Vec::new(),
        }
    }

    pub(crate) fn emit(&mut self, decision: Decision) {
        self.out.push(decision);
    }

    /// Settle `agent` once the current step is done (once per command
    /// unless settling it queues it again).
    pub(crate) fn settle_later(&mut self, agent: AgentIdx) {
        if !self.settle.contains(&agent) {
            self.settle.push_back(agent);
        }
        self.touch(agent);
    }

    /// Recount `agent`'s room before the command returns.
    pub(crate) fn touch(&mut self, agent: AgentIdx) {
        let a = self.st.agent_mut(agent);
        if !a.dirty {
            a.dirty = true;
            self.dirty.push(agent);
        }
    }
}
