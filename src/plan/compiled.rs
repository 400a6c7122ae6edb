//! The compiled form of a plan: names resolved to the engine's skill ids
//! and to queue and route indexes, conditions parsed, requirements sorted.
//! The engine reads only this on its hot path, never the document.

use super::condition::Expr;
use super::document::{Plan, PriorityAging, TerminalAction};
use crate::model::{AgentId, Level, Priority, SkillId, SkillRequirement};

/// A plan ready for the engine, with the document it came from.
#[derive(Clone, Debug)]
pub(crate) struct CompiledPlan {
    /// The document as loaded (snapshots and `Engine::plan` hand it back).
    pub doc: Plan,
    pub queues: Vec<CQueue>,
    pub routes: Vec<CRoute>,
    /// Business-hours calendars, by index (queues' `calendar`).
    pub calendars: Vec<super::calendar::CCalendar>,
    /// Routing profiles (agent-side overflow), empty without any.
    pub profiles: super::profile::CProfiles,
    /// Runs of routes chosen by one text attribute, answered by lookup
    /// (`route_index.rs`).
    pub route_index: super::route_index::RouteIndex,
}

/// A queue.
#[derive(Clone, Debug)]
pub(crate) struct CQueue {
    pub name: String,
    /// Sorted by skill, each skill once (with `soft`, disjoint).
    pub hard: Vec<SkillRequirement>,
    /// Sorted by skill, each skill once.
    pub soft: Vec<SkillRequirement>,
    /// Sorted, each once: only these agents (with the skills) serve the
    /// queue (its groups are its own, `plan_hours::gate_of`).
    pub members: Option<Vec<AgentId>>,
    /// The first-response target of conversations whose clock starts
    /// while their route's queue is this one.
    pub response_target_ms: Option<u64>,
    #[allow(dead_code)]
    pub aging: PriorityAging,
    /// Its calendar's index; `None`: always open.
    pub calendar: Option<u16>,
    /// What its work does when it closes.
    pub on_close: COnClose,
    /// Its cap on live conversations taken from its pool
    /// (`engine/workload/queue_cap.rs`); `None`: none.
    pub max_live: Option<u32>,
    /// Where its work goes when its agent does not answer
    /// (`workload/no_answer.rs`); `None`: its own line.
    pub no_answer_to: Option<u16>,
}

/// A queue's closing rule, names resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum COnClose {
    Keep,
    Move(u16),
    Bot,
    Resolve,
}

/// A route.
#[derive(Clone, Debug)]
pub(crate) struct CRoute {
    pub name: String,
    /// `None` for the default route.
    pub when: Option<Expr>,
    pub steps: Vec<CStep>,
    pub ttl: Option<(u64, TerminalAction)>,
}

/// A step.
#[derive(Clone, Debug)]
pub(crate) struct CStep {
    pub after_ms: u64,
    pub skip_if: Option<Expr>,
    pub actions: Vec<CAction>,
}

/// A step's action, names resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CAction {
    Enter(u16),
    Add(u16),
    Drop(SkillId),
    Lower(SkillId, Level),
    Raise(Priority),
}

impl CQueue {
    /// Whether `skill` is one of the queue's soft requirements.
    pub(crate) fn soft_level(&self, skill: SkillId) -> Option<Level> {
        self.soft
            .binary_search_by_key(&skill, |r| r.skill)
            .ok()
            .map(|i| self.soft[i].min_level)
    }

    /// Whether `skill` is one of the queue's hard requirements.
    pub(crate) fn is_hard(&self, skill: SkillId) -> bool {
        self.hard.binary_search_by_key(&skill, |r| r.skill).is_ok()
    }
}
