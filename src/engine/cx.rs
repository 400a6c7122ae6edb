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
    pub settle: &'a mut VecDeque<AgentIdx>,
    /// Agents whose load, status or queues changed: their room in each
    /// group is recounted before the command returns.
    pub dirty: &'a mut Vec<AgentIdx>,
    /// The threads of an agent going offline (`execute::set_status`).
    pub leaving: &'a mut Vec<(crate::model::ConversationId, super::state::index::ConvIdx)>,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(
        cfg: &'a EngineConfig,
        policy: &'a dyn RoutingPolicy,
        st: &'a mut State,
        scratch: &'a mut Scratch,
        at: Timestamp,
        out: &'a mut Vec<Decision>,
    ) -> Self {
        // The buffers live beside the state between commands, so the
        // steady state allocates none (their capacity stays from the last
        // command that needed more). Borrowed, not moved in and out: that
        // cost about 30 instructions a command (issue 22).
        let Scratch {
            settle,
            dirty,
            leaving,
        } = scratch;
        debug_assert!(settle.is_empty() && dirty.is_empty());
        Self {
            cfg,
            policy,
            st,
            at,
            out,
            settle,
            dirty,
            leaving,
        }
    }

    /// Inlined: called for every decision, and a call moves the whole
    /// decision (measured: 7M instructions on the harness's mixed stream).
    // Always: a plain hint left it out of line in some callers after a
    // layout change elsewhere (3.3M instructions on the `profile` stream).
    #[inline(always)]
    pub(crate) fn emit(&mut self, decision: Decision) {
        self.out.push(decision);
    }

    /// Settle `agent` once the current step is done (once per command
    /// unless settling it queues it again).
    #[inline]
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

impl Drop for Cx<'_> {
    /// Leaves the buffers empty for the next command (they are: a command
    /// settles and recounts every agent it queued before it ends).
    fn drop(&mut self) {
        self.settle.clear();
        self.dirty.clear();
    }
}

/// Buffers a command uses and leaves empty, kept between commands so that
/// none is allocated per command (see [`Cx::new`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Scratch {
    /// [`Cx::settle`]'s storage.
    pub settle: VecDeque<AgentIdx>,
    /// [`Cx::dirty`]'s storage.
    pub dirty: Vec<AgentIdx>,
    /// The threads of an agent going offline (`execute::set_status`).
    pub leaving: Vec<(crate::model::ConversationId, super::state::index::ConvIdx)>,
}
