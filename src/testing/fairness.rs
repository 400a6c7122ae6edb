//! Fairness measures computed from a [`Trace`]: what the public queries and
//! the decisions say, before and after each command. Nothing here decides
//! anything for the engine; each function compares what the engine did with
//! what it could see at that moment.
//!
//! | measure | function | what it looks at |
//! | --- | --- | --- |
//! | work conservation | [`work_conservation`] | after each command: queued work vs. idle eligible agents |
//! | order within a class, starvation bound | [`queue_order`] | each assignment from a queue vs. the conversations left waiting |
//! | longest wait per class | [`longest_waits`] | each assignment from a queue, and what still waits at the end |
//! | load spread, Jain's index | [`load_balance`] | equivalent online agents' loads after each command |
//! | skill match | [`skill_match`] | each policy choice on arrival vs. the free eligible agents just before |
//! | sticky hit rate | [`sticky_hit_rate`] | sticky hit and miss decisions |
//!
//! ```
//! use switchboard::testing::fairness::jain_index;
//! assert_eq!(jain_index(&[2.0, 2.0]), 1.0);
//! assert_eq!(jain_index(&[2.0, 0.0]), 0.5);
//! ```

use super::run::{Observation, Trace};
use super::violation::Violation;
use crate::engine::{AssignVia, Command, Decision};
use crate::model::{
    AgentId, AgentInfo, AgentSpec, AgentStatus, Capacity, ConversationId, ConversationInfo,
    ConversationState, Priority, SkillLevel, TimeSpan,
};
use crate::policy::{AgentView, QueueView};
use std::collections::{BTreeMap, HashSet};

/// Jain's fairness index `(Σx)² / (n·Σx²)`: 1 when every value is equal,
/// `1/n` when one holds everything; 1 for an empty or all-zero slice.
pub fn jain_index(values: &[f64]) -> f64 {
    let sum: f64 = values.iter().sum();
    let squares: f64 = values.iter().map(|v| v * v).sum();
    if values.is_empty() || squares == 0.0 {
        return 1.0;
    }
    sum * sum / (values.len() as f64 * squares)
}

/// Whether the agent registered as `spec` may serve `conversation`: every
/// required skill at or above its minimum level, and the channel worked.
pub fn eligible(spec: &AgentSpec, conversation: &ConversationInfo) -> bool {
    let channel = spec
        .channels
        .as_ref()
        .is_none_or(|c| c.contains(&conversation.channel));
    channel
        && conversation.skills.iter().all(|r| {
            spec.skills
                .iter()
                .any(|s| s.skill == r.skill && s.level >= r.min_level)
        })
}

/// The agent's skill score for the conversation, as policies see it
/// ([`QueueView::skill_score`]).
pub fn skill_score(agent: &AgentInfo, conversation: &ConversationInfo) -> u32 {
    let view = AgentView {
        id: agent.id,
        status: agent.status,
        load: agent.load,
        cap: agent.cap,
        last_activity: agent.last_activity,
        last_assigned_seq: 0,
        skills: &agent.skills,
    };
    let queue = QueueView {
        channel: conversation.channel,
        skills: &conversation.skills,
    };
    queue.skill_score(&view)
}

/// The agents of `at` free to take `conversation` there and then: online,
/// nobody waiting for them in particular, room for the conversation's
/// weight, and eligible.
pub fn free_eligible<'o>(
    trace: &Trace,
    at: &'o Observation,
    conversation: &ConversationInfo,
) -> Vec<&'o AgentInfo> {
    let weight = trace.config.weight(conversation.channel);
    at.agents
        .iter()
        .filter(|a| {
            a.status == AgentStatus::Online
                && a.waiting_for_agent.is_empty()
                && a.cap.0.saturating_sub(a.load.0) >= weight.0
                && trace.spec(a.id).is_some_and(|s| eligible(s, conversation))
        })
        .collect()
}

fn group_queued(c: &ConversationInfo) -> bool {
    matches!(c.state, ConversationState::Queued { for_agent: None })
}

/// An assignment (or offer) in a decision: conversation, agent, how.
pub(super) fn handed(d: &Decision) -> Option<(ConversationId, AgentId, AssignVia)> {
    match *d {
        Decision::Assigned {
            conversation,
            agent,
            via,
            ..
        }
        | Decision::Offered {
            conversation,
            agent,
            via,
            ..
        } => Some((conversation, agent, via)),
        _ => None,
    }
}

/// Work conservation: every time, after a command, that a conversation
/// waits in its group's queue while an agent is free to take it (see
/// [`free_eligible`]). Conversations waiting for one agent in particular
/// (sticky) are not counted: stickiness explains their wait.
pub fn work_conservation(trace: &Trace) -> Vec<Violation> {
    let mut found = Vec::new();
    for e in &trace.entries {
        for c in e.after.conversations.iter().filter(|c| group_queued(c)) {
            if let Some(a) = free_eligible(trace, &e.after, c).first() {
                found.push(Violation::IdleWhileWaiting {
                    at: e.at,
                    conversation: c.id,
                    agent: a.id,
                    free: Capacity(a.cap.0.saturating_sub(a.load.0)),
                });
            }
        }
    }
    found
}

/// The place of a conversation in a waiting line, counting aging: the
/// start of its wait minus its class's head start.
fn aged_key(trace: &Trace, c: &ConversationInfo) -> i64 {
    let head_start = i128::from(trace.config.class_head_start.0);
    let effective = i128::from(c.waiting_since.0) - head_start * i128::from(c.priority.rank());
    effective.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Order within a class and the starvation bound. For each conversation
/// handed to an agent from a queue (by the policy on arrival or pulled by
/// a freed agent), every conversation that waited in a group queue before
/// the command and still waited, that the same agent could serve and that
/// weighs no more, must not be ahead of it: not an earlier arrival of the
/// same class (first list), and not a lower class that waited longer than
/// its classes' head start covers (second list). Assignments to a known
/// agent (sticky, resumed) are exempt.
pub fn queue_order(trace: &Trace) -> (Vec<Violation>, Vec<Violation>) {
    let (mut class_order, mut aging) = (Vec::new(), Vec::new());
    for e in &trace.entries {
        let waiting: Vec<&ConversationInfo> = e
            .before
            .conversations
            .iter()
            .filter(|c| group_queued(c))
            .collect();
        let mut taken = HashSet::new();
        for (x, agent, via) in e.decisions().iter().filter_map(handed) {
            taken.insert(x);
            if !matches!(via, AssignVia::Policy | AssignVia::Pull) {
                continue;
            }
            let (Some(xi), Some(spec)) = (e.after.conversation(x), trace.spec(agent)) else {
                continue;
            };
            let weight = trace.config.weight(xi.channel);
            for y in waiting.iter().filter(|y| !taken.contains(&y.id)) {
                if trace.config.weight(y.channel) > weight || !eligible(spec, y) {
                    continue;
                }
                if y.priority == xi.priority && y.waiting_since < xi.waiting_since {
                    class_order.push(Violation::ClassOrder {
                        at: e.at,
                        assigned: x,
                        agent,
                        class: xi.priority,
                        earlier: y.id,
                    });
                } else if y.priority != xi.priority && aged_key(trace, y) < aged_key(trace, xi) {
                    aging.push(Violation::Overtaken {
                        at: e.at,
                        assigned: x,
                        agent,
                        waiting: y.id,
                        by: TimeSpan((aged_key(trace, xi) - aged_key(trace, y)) as u64),
                    });
                }
            }
        }
    }
    (class_order, aging)
}

/// The longest wait in a group queue per priority class (indexed by
/// [`Priority::rank`]): for each conversation handed over from a queue, the
/// time since it started waiting; for each still waiting at the end, the
/// time until the last command. `None` for a class never seen waiting.
pub fn longest_waits(trace: &Trace) -> [Option<TimeSpan>; 4] {
    let mut longest = [None; 4];
    let mut note = |class: Priority, wait: TimeSpan| {
        let slot: &mut Option<TimeSpan> = &mut longest[usize::from(class.rank())];
        *slot = Some(slot.map_or(wait, |w: TimeSpan| w.max(wait)));
    };
    for e in &trace.entries {
        for (x, _, via) in e.decisions().iter().filter_map(handed) {
            if matches!(via, AssignVia::Policy | AssignVia::Pull) {
                if let Some(c) = e.after.conversation(x) {
                    note(c.priority, e.at.since(c.waiting_since));
                }
            }
        }
    }
    if let Some(end) = trace.entries.last() {
        for c in end.after.conversations.iter().filter(|c| group_queued(c)) {
            note(c.priority, end.at.since(c.waiting_since));
        }
    }
    longest
}

/// Share of returning customers (those with a last agent within the
/// affinity window) who reached that agent; `None` when nobody returned.
pub fn sticky_hit_rate(trace: &Trace) -> Option<f64> {
    let (hits, misses) = sticky_counts(trace);
    (hits + misses > 0).then(|| f64::from(hits) / f64::from(hits + misses))
}

pub(super) fn sticky_counts(trace: &Trace) -> (u32, u32) {
    let mut counts = (0, 0);
    for d in trace.entries.iter().flat_map(|e| e.decisions()) {
        match d {
            Decision::StickyHit { .. } => counts.0 += 1,
            Decision::StickyMiss { .. } => counts.1 += 1,
            _ => {}
        }
    }
    counts
}

/// Skill match of the policy's choices on arrival.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SkillMatch {
    /// Choices observed: conversations handed by the policy on arrival
    /// (opened or escalated) with at least one free eligible agent.
    pub choices: u32,
    /// Choices of an agent with the best skill score among them.
    pub best: u32,
    /// The other choices.
    pub violations: Vec<Violation>,
}

/// For each conversation the policy handed to an agent as it arrived (an
/// open or an escalation, where the engine's state just before the command
/// is the state the policy ranked), whether the chosen agent had the best
/// skill score ([`skill_score`]) among the agents free to take it just
/// before ([`free_eligible`]). Later hand-overs in the same command, pulls
/// and sticky routes are not policy choices on a known set and are skipped.
pub fn skill_match(trace: &Trace) -> SkillMatch {
    let mut out = SkillMatch::default();
    for e in &trace.entries {
        if !matches!(
            e.command,
            Command::OpenConversation(_) | Command::Escalate { .. }
        ) {
            continue;
        }
        let Some((x, agent, AssignVia::Policy)) = e.decisions().iter().find_map(handed) else {
            continue;
        };
        let Some(xi) = e.after.conversation(x) else {
            continue;
        };
        let free = free_eligible(trace, &e.before, xi);
        let Some(best) = free.iter().max_by_key(|a| skill_score(a, xi)) else {
            continue;
        };
        let best = (best.id, skill_score(best, xi));
        let chosen = free
            .iter()
            .find(|a| a.id == agent)
            .map_or(0, |a| skill_score(a, xi));
        out.choices += 1;
        if chosen >= best.1 {
            out.best += 1;
        } else {
            out.violations.push(Violation::SkillMismatch {
                at: e.at,
                conversation: x,
                chosen: (agent, chosen),
                best,
            });
        }
    }
    out
}

/// Load spread among equivalent agents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadBalance {
    /// The lowest Jain index seen (see [`load_balance`]), if ever measured.
    pub min_jain: Option<f64>,
    /// The widest gap between the most and least loaded, in capacity units.
    pub max_spread: Capacity,
    /// Each time the index fell below the threshold.
    pub violations: Vec<Violation>,
}

/// Load spread and Jain's index among equivalent agents: after each
/// command, for each set of two or more online agents with the same
/// skills, cap and channels, holding together at least one full
/// conversation per agent (below that, even a perfect spread leaves some
/// idle). Index values below `threshold` are reported as violations.
pub fn load_balance(trace: &Trace, threshold: f64) -> LoadBalance {
    type Class = (
        Vec<SkillLevel>,
        Capacity,
        Option<Vec<crate::model::Channel>>,
    );
    let mut out = LoadBalance::default();
    for e in &trace.entries {
        let mut classes: BTreeMap<Class, Vec<&AgentInfo>> = BTreeMap::new();
        for a in e
            .after
            .agents
            .iter()
            .filter(|a| a.status == AgentStatus::Online)
        {
            let Some(spec) = trace.spec(a.id) else {
                continue;
            };
            let mut skills = spec.skills.clone();
            skills.sort_unstable();
            classes
                .entry((skills, a.cap, spec.channels.clone()))
                .or_default()
                .push(a);
        }
        for agents in classes.values().filter(|v| v.len() >= 2) {
            let loads: Vec<f64> = agents.iter().map(|a| a.load.as_units_f64()).collect();
            let (lo, hi) = agents.iter().fold((u32::MAX, 0), |(lo, hi), a| {
                (lo.min(a.load.0), hi.max(a.load.0))
            });
            out.max_spread = out.max_spread.max(Capacity(hi - lo));
            if loads.iter().sum::<f64>() < agents.len() as f64 {
                continue;
            }
            let jain = jain_index(&loads);
            out.min_jain = Some(out.min_jain.map_or(jain, |m: f64| m.min(jain)));
            if jain < threshold {
                out.violations.push(Violation::Unbalanced {
                    at: e.at,
                    jain,
                    threshold,
                    loads: agents.iter().map(|a| (a.id, a.load)).collect(),
                });
            }
        }
    }
    out
}
