//! The plan document: plain serde data, exactly what a host writes in JSON.
//! Nothing here is checked; [`Plan::compile`](super::Plan::compile) checks
//! it all at once and turns it into the compiled form the engine reads.
//! Every duration is in milliseconds, named `*_ms`, as the host's clock is.

use crate::model::Priority;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A routing plan: named skills, named queues, and the ordered routes that
/// send each conversation to them and widen its pool as it waits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Skill names used by the queues and steps, each mapped to the
    /// engine's skill id (the number agents are registered with).
    #[serde(default)]
    pub skills: BTreeMap<String, u32>,
    /// The queues, each named once.
    pub queues: Vec<QueueDef>,
    /// Routes in order: the first whose `when` holds for a conversation's
    /// attributes takes it. Exactly one route has no `when` (the default),
    /// and it comes last.
    pub routes: Vec<RouteDef>,
    /// Business-hours calendars, each named once; queues name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calendars: Vec<super::CalendarDef>,
    /// Preferred agents (the customer's last agent, their owner, scored
    /// agents given with a conversation) may take its work without its
    /// queue's soft skills; hard skills always hold. Without it, a
    /// returning customer whose last agent lacks a soft skill at the
    /// level the queue asks on entry misses them
    /// ([`StickyMissReason::NotEligible`](crate::StickyMissReason::NotEligible)).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preferred_bypass_soft: bool,
    /// Routing profiles (agent-side overflow): each names the queues its
    /// agents serve, with a priority and a delay per queue. An agent in no
    /// profile serves every queue it has the skills for; an agent in a
    /// profile serves only the queues it lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<super::ProfileDef>,
}

/// A named queue: the skills its work needs and how its work ages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueDef {
    /// The queue's name, unique in the plan.
    pub name: String,
    /// Requirements never relaxed (a language, a compliance skill).
    #[serde(default)]
    pub hard: Vec<SkillNeed>,
    /// Requirements a route's steps may drop or lower as work waits.
    #[serde(default)]
    pub soft: Vec<SkillNeed>,
    /// Explicit members (agent ids), if the queue is not open to every
    /// agent with the skills: only these agents, with the skills, serve
    /// it. Checked against the roster (an unknown member is a warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<u64>>,
    /// First-response target of the queue's work, in milliseconds (the
    /// engine's default when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_target_ms: Option<u64>,
    /// How the queue's work gains priority as it waits: a freed agent
    /// serving several queues takes the head with the most points first
    /// (after their routing profile's priority; `engine/queue_aging.rs`).
    /// All zero (the default): no points, the order of the class head
    /// start alone.
    #[serde(default)]
    pub aging: PriorityAging,
    /// The calendar of the queue's business hours (a name from
    /// `calendars`); absent: always open. Only a queue with a calendar
    /// can be switched by the emergency switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// What its waiting work does when it closes, and what work arriving
    /// while it is closed does.
    #[serde(default, skip_serializing_if = "is_keep_waiting")]
    pub on_close: super::OnClose,
    /// A cap on the queue's live (offered or assigned) conversations:
    /// those its pool's agents took (its own work and the overflow work
    /// waiting in it), at most `MAX_QUEUE_LIVE`. At the cap its waiting
    /// work waits until a live one ends; lowering it moves nothing.
    /// Absent: no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_live: Option<u32>,
    /// Where the queue's work goes when its agent sends no first reply in
    /// time (the engine's no-answer rule, `WorkloadConfig::no_answer`): a
    /// queue of this plan, by name; the conversation keeps its age,
    /// priority and place on its route's ladder. Absent: back to its own
    /// line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_answer_queue: Option<String>,
}

fn is_keep_waiting(on_close: &super::OnClose) -> bool {
    *on_close == super::OnClose::KeepWaiting
}

/// A skill a queue needs, by name, at a minimum level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillNeed {
    /// A name from the plan's `skills`.
    pub skill: String,
    /// The lowest acceptable level, `1..=10`.
    pub min_level: u8,
}

/// Priority aging: `base + per_minute × minutes waited`, at most `cap`
/// (priority points; more is served first). Minutes count to the
/// millisecond (points are `base + per_minute × waited_ms / 60 000`,
/// rounded down), and the wait includes the class head start of the
/// conversation's priority class. Bounds: `base` and `cap` at most
/// 1 000 000, `per_minute` at most 10 000, a non-zero `cap` at least
/// `base`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityAging {
    /// Points at the start of waiting.
    #[serde(default)]
    pub base: u32,
    /// Points gained per minute waited.
    #[serde(default)]
    pub per_minute: u32,
    /// The most points aging gives (0: no cap, points grow without
    /// bound past `base`).
    #[serde(default)]
    pub cap: u32,
}

/// A route: which conversations it takes and the steps they go through
/// while they wait.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteDef {
    /// The route's name, unique in the plan; decisions name it.
    pub name: String,
    /// A condition over the conversation's attributes (operators
    /// `== != < <= > >= in contains has and or not`, parentheses); absent
    /// on the default route only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// Steps in order of `after_ms`; the first enters a queue at 0.
    pub steps: Vec<StepDef>,
    /// What happens when the conversation has waited this long: never a
    /// silent cancel, the action is explicit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<Ttl>,
}

/// One step of a route's ladder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    /// Wait, in milliseconds since the conversation started waiting (its
    /// age, never reset by a step), after which the step is entered.
    pub after_ms: u64,
    /// A condition over the live pool counts of the step's target queue
    /// (`online`, `with_room`, `waiting`): when it holds, the step is
    /// skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_if: Option<String>,
    /// What the step does, in order.
    pub actions: Vec<StepAction>,
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepAction {
    /// Wait in this queue instead of the current ones.
    EnterQueue {
        /// The queue's name.
        queue: String,
    },
    /// Wait in this queue too (overflow): the pool widens, the
    /// conversation keeps its place.
    AddQueue {
        /// The queue's name.
        queue: String,
    },
    /// Stop requiring a soft skill.
    DropSkill {
        /// The skill's name.
        skill: String,
    },
    /// Require a soft skill at a lower level.
    LowerSkill {
        /// The skill's name.
        skill: String,
        /// The new minimum level, below the current one.
        min_level: u8,
    },
    /// Raise the conversation's priority class (never lowers it).
    RaisePriority {
        /// The class to raise to.
        #[schemars(with = "PriorityName")]
        to: Priority,
    },
}

/// The end of a route's ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ttl {
    /// Wait, in milliseconds since the conversation started waiting, after
    /// which `action` is taken.
    pub after_ms: u64,
    /// What happens then.
    pub action: TerminalAction,
}

/// What happens to a conversation that reached its route's time to live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TerminalAction {
    /// Resolve it as expired.
    Expire,
    /// Hand it to the bot tier.
    ToBot,
    /// Keep it waiting and raise a warning decision.
    KeepAndWarn,
}

/// The schema of [`Priority`] as it appears in JSON (the model type has no
/// schema of its own).
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
enum PriorityName {
    Low,
    Normal,
    High,
    Urgent,
}
