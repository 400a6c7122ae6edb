//! `Engine::check_plan`: a plan's problems, all at once, including those
//! that depend on the agents registered now. Not a routing decision: it
//! may look at each queue's candidate agents (through the skill index).

use super::state::index::AgentIdx;
use super::state::State;
use super::Engine;
use crate::model::{AgentId, SkillRequirement};
use crate::plan::compiled::CQueue;
use crate::plan::{Plan, PlanProblem};
use crate::Command;

impl Engine {
    /// Every problem of `plan`, in document order, then the warnings that
    /// depend on the roster: a queue no registered agent can serve (hard
    /// and soft skills as declared, explicit members if any) and explicit
    /// members and routing-profile agents that are not registered. Errors
    /// refuse the plan in
    /// [`Command::set_plan`](crate::Command::set_plan); warnings do not. The
    /// roster checks run only on a plan without errors.
    pub fn check_plan(&self, plan: &Plan) -> Vec<PlanProblem> {
        let (compiled, mut problems) = match crate::plan::compile(plan) {
            Ok(ok) => ok,
            Err(problems) => return problems,
        };
        for q in &compiled.queues {
            if let Some(members) = &q.members {
                for &m in members {
                    if self.state.agent_idx(m).is_none() {
                        problems.push(PlanProblem::UnknownMember {
                            queue: q.name.clone(),
                            agent: m.0,
                        });
                    }
                }
            }
            if !servable(&self.state, q) {
                problems.push(PlanProblem::UnservableQueue {
                    queue: q.name.clone(),
                });
            }
        }
        // Routing profiles' agents not registered (bounded by the plan's
        // profile agents).
        for &(agent, p) in &compiled.profiles.by_agent {
            if self.state.agent_idx(agent).is_none() {
                problems.push(PlanProblem::UnknownProfileAgent {
                    profile: compiled.profiles.profiles[usize::from(p)].name.clone(),
                    agent: agent.0,
                });
            }
        }
        problems
    }

    /// The routing plan in force, as loaded.
    pub fn plan(&self) -> Option<&Plan> {
        self.state.plan.as_deref().map(|p| &p.doc)
    }
}

/// Whether some registered agent holds every skill `q` requires, at its
/// level (and is a member, when the queue lists them).
fn servable(st: &State, q: &CQueue) -> bool {
    let mut needs: Vec<SkillRequirement> = q.hard.iter().chain(&q.soft).copied().collect();
    needs.sort_unstable();
    let qualifies = |a: AgentIdx| {
        let agent = st.agent(a);
        needs
            .iter()
            .all(|r| agent.level(r.skill) >= r.min_level.get())
            && q.members
                .as_ref()
                .is_none_or(|m| m.binary_search(&agent.id).is_ok())
    };
    match (&q.members, needs.first()) {
        (Some(members), _) => members
            .iter()
            .filter_map(|&m: &AgentId| st.agent_idx(m))
            .any(qualifies),
        (None, Some(first)) => st
            .agents_by_skill
            .get(&first.skill)
            .is_some_and(|agents| agents.iter().any(|&a| qualifies(a))),
        (None, None) => !st.agents.is_empty(),
    }
}

impl Command {
    /// Loads or replaces (`Some`) or removes (`None`) the routing plan: a
    /// [`Command::Reconfigure`] with [`Reconfigure::Plan`](crate::Reconfigure::Plan),
    /// journaled and replayed like any command.
    pub fn set_plan(plan: impl Into<Option<Plan>>) -> Command {
        Command::Reconfigure(super::Reconfigure::Plan(plan.into().map(Box::new)))
    }
}
