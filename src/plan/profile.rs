//! Routing profiles: agent-side overflow, as Amazon Connect's routing
//! profile (`RoutingProfileQueueConfig`: priority and delay per queue).
//! A profile lists the queues its agents serve, each with a priority (1 is
//! primary, higher is served later) and a delay: work waiting in a queue
//! reaches an agent whose profile gives it delay `d` only once it has
//! waited `d` (its age since it started waiting, never reset). An agent in
//! no profile serves every queue it has the skills for, at once, as
//! without profiles; an agent in a profile serves only the queues it
//! lists (skills and explicit members still apply).
//!
//! Agents are assigned in the plan, by id, as queue members are: the
//! assignment is versioned, journaled and replicated with the plan, and a
//! change is a plan swap (every waiting conversation re-evaluated, ages
//! kept). This file holds the document types, their compiled form and
//! their checks; the engine side is `engine/profiles.rs`.

use super::compiled::{CQueue, CRoute};
use super::limits::*;
use super::problem::PlanProblem;
use super::TerminalAction;
use crate::model::AgentId;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A routing profile: the queues its agents serve, in priority order, each
/// with a delay.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileDef {
    /// The profile's name, unique among the plan's profiles.
    pub name: String,
    /// The queues its agents serve, each once.
    pub queues: Vec<ProfileQueue>,
    /// The agents (ids) who work by this profile; an agent is in at most
    /// one profile.
    #[serde(default)]
    pub agents: Vec<u64>,
}

/// One queue of a routing profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileQueue {
    /// The queue's name (from the plan's `queues`).
    pub queue: String,
    /// `1..=10`: when an agent frees up, waiting work of their priority 1
    /// queues is offered before priority 2's, and so on; within a
    /// priority, the usual order (priority class, then age).
    pub priority: u8,
    /// Milliseconds the queue's work must have waited before it reaches
    /// these agents (0: at once), at most one day.
    #[serde(default)]
    pub delay_ms: u64,
}

/// The compiled profiles of a plan.
#[derive(Clone, Debug, Default)]
pub(crate) struct CProfiles {
    /// The profiles in document order.
    pub profiles: Vec<CProfile>,
    /// Each profile agent with their profile's index, sorted by agent.
    pub by_agent: Vec<(AgentId, u16)>,
    /// Per queue (by index; empty without profiles): the distinct non-zero
    /// delays profiles give it, ascending, at most `MAX_QUEUE_DELAYS`.
    /// Tier `t >= 1` of the queue is the pool of the agents whose delay is
    /// `delays[q][t - 1]`; tier 0 is everyone else who serves it at once.
    pub delays: Vec<Vec<u64>>,
}

/// A compiled profile.
#[derive(Clone, Debug)]
pub(crate) struct CProfile {
    pub name: String,
    /// Per queue of the plan (by index): its entry, if the profile lists it.
    pub entries: Vec<Option<CEntry>>,
}

/// A profile's queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CEntry {
    pub priority: u8,
    pub delay_ms: u64,
    /// The queue's tier this delay is (0 for no delay).
    pub tier: u8,
}

impl CProfiles {
    /// Whether the plan has no profile (routing exactly as without them).
    pub(crate) fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// The profile `agent` works by, with its index.
    pub(crate) fn of(&self, agent: AgentId) -> Option<(u16, &CProfile)> {
        let i = self.by_agent.binary_search_by_key(&agent, |e| e.0).ok()?;
        let p = self.by_agent[i].1;
        Some((p, &self.profiles[usize::from(p)]))
    }

    /// The non-zero delays of queue `q`'s tiers, ascending.
    pub(crate) fn delays(&self, q: usize) -> &[u64] {
        self.delays.get(q).map_or(&[], |d| &d[..])
    }

    /// Whether `agent` belongs to tier `tier` of queue `q`: without a
    /// profile, tier 0; with one, the tier of its delay for `q`, if it
    /// lists `q`.
    pub(crate) fn admits(&self, agent: AgentId, q: usize, tier: u8) -> bool {
        match self.of(agent) {
            None => tier == 0,
            Some((_, p)) => p
                .entries
                .get(q)
                .copied()
                .flatten()
                .is_some_and(|e| e.tier == tier),
        }
    }
}

/// Checks the plan's profiles against its compiled queues and routes and
/// compiles them; problems go to `problems`.
pub(crate) fn compile(
    defs: &[ProfileDef],
    queues: &[CQueue],
    routes: &[CRoute],
    problems: &mut Vec<PlanProblem>,
) -> CProfiles {
    if defs.is_empty() {
        return CProfiles::default();
    }
    let defs = bounded(problems, defs, MAX_PROFILES, || "profiles".to_owned());
    let by_name: HashMap<&str, usize> = queues
        .iter()
        .enumerate()
        .map(|(i, q)| (q.name.as_str(), i))
        .collect();
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut owner: HashMap<u64, usize> = HashMap::new();
    let mut profiles = Vec::with_capacity(defs.len());
    let mut by_agent = Vec::new();
    let mut delays: Vec<Vec<u64>> = vec![Vec::new(); queues.len()];
    for (i, def) in defs.iter().enumerate() {
        if def.name.is_empty() || def.name.len() > MAX_NAME {
            problems.push(PlanProblem::BadName {
                field: format!("profiles[{i}].name"),
            });
        }
        if names.insert(&def.name, i).is_some() {
            problems.push(PlanProblem::DuplicateName {
                field: format!("profiles[{i}].name"),
                name: def.name.clone(),
            });
        }
        let mut entries: Vec<Option<CEntry>> = vec![None; queues.len()];
        let listed = bounded(problems, &def.queues, MAX_PROFILE_QUEUES, || {
            format!("profiles[{i}].queues")
        });
        for (j, pq) in listed.iter().enumerate() {
            let field = |what: &str| format!("profiles[{i}].queues[{j}].{what}");
            if pq.priority == 0 || pq.priority > MAX_PROFILE_PRIORITY {
                problems.push(PlanProblem::BadPriority {
                    field: field("priority"),
                    priority: pq.priority,
                    max: MAX_PROFILE_PRIORITY,
                });
            }
            if pq.delay_ms > MAX_PROFILE_DELAY_MS {
                problems.push(PlanProblem::DelayTooLong {
                    field: field("delay_ms"),
                    ms: pq.delay_ms,
                    max_ms: MAX_PROFILE_DELAY_MS,
                });
            }
            let Some(&q) = by_name.get(pq.queue.as_str()) else {
                problems.push(PlanProblem::ProfileUnknownQueue {
                    profile: def.name.clone(),
                    field: field("queue"),
                    queue: pq.queue.clone(),
                });
                continue;
            };
            if entries[q].is_some() {
                problems.push(PlanProblem::DuplicateName {
                    field: field("queue"),
                    name: pq.queue.clone(),
                });
                continue;
            }
            entries[q] = Some(CEntry {
                priority: pq.priority,
                delay_ms: pq.delay_ms,
                tier: 0,
            });
            if pq.delay_ms > 0 {
                if let Err(at) = delays[q].binary_search(&pq.delay_ms) {
                    delays[q].insert(at, pq.delay_ms);
                }
                if let Some(reason) = never_reached(queues, routes, q, pq.delay_ms) {
                    problems.push(PlanProblem::DelayNeverApplies {
                        profile: def.name.clone(),
                        queue: pq.queue.clone(),
                        delay_ms: pq.delay_ms,
                        reason,
                    });
                }
            }
        }
        if entries.iter().all(Option::is_none) {
            problems.push(PlanProblem::ProfileServesNothing {
                profile: def.name.clone(),
            });
        }
        let agents = bounded(problems, &def.agents, MAX_PROFILE_AGENTS, || {
            format!("profiles[{i}].agents")
        });
        for (k, &agent) in agents.iter().enumerate() {
            if let Some(&first) = owner.get(&agent) {
                problems.push(PlanProblem::ProfileAgentTwice {
                    field: format!("profiles[{i}].agents[{k}]"),
                    agent,
                    first: defs[first].name.clone(),
                });
                continue;
            }
            owner.insert(agent, i);
            by_agent.push((AgentId(agent), i as u16));
        }
        profiles.push(CProfile {
            name: def.name.clone(),
            entries,
        });
    }
    for (q, d) in delays.iter().enumerate() {
        if d.len() > MAX_QUEUE_DELAYS {
            problems.push(PlanProblem::TooMany {
                field: "profiles".to_owned(),
                what: format!("distinct delays for queue {:?}", queues[q].name),
                count: d.len(),
                max: MAX_QUEUE_DELAYS,
            });
        }
    }
    for p in &mut profiles {
        for (q, e) in p.entries.iter_mut().enumerate() {
            if let Some(e) = e.as_mut().filter(|e| e.delay_ms > 0) {
                let tier = delays[q].partition_point(|&d| d < e.delay_ms) + 1;
                e.tier = u8::try_from(tier).unwrap_or(u8::MAX);
            }
        }
    }
    by_agent.sort_unstable();
    CProfiles {
        profiles,
        by_agent,
        delays,
    }
}

/// Bounds a list: reports it and keeps only the first `max`.
fn bounded<'t, T>(
    problems: &mut Vec<PlanProblem>,
    items: &'t [T],
    max: usize,
    field: impl FnOnce() -> String,
) -> &'t [T] {
    if items.len() <= max {
        return items;
    }
    let field = field();
    let what = field.rsplit('.').next().unwrap_or("items").to_owned();
    problems.push(PlanProblem::TooMany {
        field,
        what,
        count: items.len(),
        max,
    });
    &items[..max]
}

/// Why work in queue `q` never waits `delay` ms there, if it never does:
/// no route puts work in it, or every route that does ends the wait by a
/// time to live (expire or bot) at or before `delay`. A route that keeps
/// waiting after its time to live (`keep_and_warn`), or has none, lets
/// work wait any time.
fn never_reached(queues: &[CQueue], routes: &[CRoute], q: usize, delay: u64) -> Option<String> {
    use super::compiled::{CAction, COnClose};
    // A closing queue may move its work here, with any age.
    if queues
        .iter()
        .any(|x| x.on_close == COnClose::Move(q as u16))
    {
        return None;
    }
    let mut longest: Option<u64> = None;
    for r in routes {
        let enters = r
            .steps
            .iter()
            .flat_map(|s| &s.actions)
            .any(|a| matches!(*a, CAction::Enter(x) | CAction::Add(x) if usize::from(x) == q));
        if !enters {
            continue;
        }
        match r.ttl {
            Some((after, TerminalAction::Expire | TerminalAction::ToBot)) => {
                longest = Some(longest.map_or(after, |l| l.max(after)));
            }
            _ => return None,
        }
    }
    match longest {
        None => Some("no route puts work in the queue".to_owned()),
        Some(ttl) if ttl <= delay => Some(format!(
            "every route into the queue ends the wait by {ttl} ms (its time to live)"
        )),
        Some(_) => None,
    }
}
