//! The policy's rank of an agent for a group, a panicking policy ranked
//! last and counted as a fault (a user's policy cannot take the engine
//! down).

use crate::engine::cx::Cx;
use crate::engine::state::agent::Agent;
use crate::engine::state::group::Group;
use crate::engine::state::index::{AgentIdx, GroupIdx};
use crate::policy::{AgentView, QueueView, Rank, RoutingPolicy};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The rank of an agent whose policy call panicked: after everyone else.
const FAULT_RANK: Rank = Rank([i64::MAX; 3]);

/// The policy's rank of `agent` for `group`, or `None` (counted as a policy
/// fault, ranked last) when the policy panicked: a user's policy cannot
/// take the engine down.
#[inline(always)]
fn rank_of(policy: &dyn RoutingPolicy, agent: &Agent, group: &Group) -> Result<Rank, Rank> {
    let view = AgentView {
        id: agent.id,
        status: agent.status,
        load: agent.load,
        cap: agent.cap,
        last_activity: agent.last_activity,
        last_assigned_seq: agent.last_assigned,
        skills: &agent.skills,
    };
    let queue = QueueView {
        channel: group.key.channel,
        skills: &group.key.skills,
    };
    catch_unwind(AssertUnwindSafe(|| policy.rank(&view, &queue))).map_err(|_| FAULT_RANK)
}

pub(super) fn rank(cx: &mut Cx<'_>, agent: AgentIdx, group: GroupIdx) -> Rank {
    rank_inlined(cx, agent, group)
}

/// `rank`, inlined: for the re-rank of a marked or taken agent
/// (`relist_fixed`, most of the 0.9M calls on `profile`), where the call
/// cost about 3.7M instructions. Not in `take_agent`, where it saved
/// less. Inlined, it costs the rules' path about 3M (issue 20's budget:
/// 1.2811 -> 1.2957 of 1.3; BENCHMARKS.md, instr10).
#[inline(always)]
pub(super) fn rank_inlined(cx: &mut Cx<'_>, agent: AgentIdx, group: GroupIdx) -> Rank {
    let result = rank_of(cx.policy, cx.st.agent(agent), cx.st.group(group));
    result.unwrap_or_else(|fault| {
        cx.st.stats.policy_faults += 1;
        fault
    })
}

/// The policy's rank of `agent` for `group` now, `None` if it panicked
/// (for `Engine::check_rank_contract`).
pub(crate) fn rank_now(policy: &dyn RoutingPolicy, agent: &Agent, group: &Group) -> Option<Rank> {
    rank_of(policy, agent, group).ok()
}
