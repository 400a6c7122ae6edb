//! What can be wrong with a plan or with attributes: typed, each naming
//! where (route, step, field, column) and what to fix. A plan is checked
//! whole and every problem is reported at once.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How bad a problem is: an error refuses the plan, a warning does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The plan is refused.
    Error,
    /// The plan is accepted; something deserves a look.
    Warning,
}

/// One problem of a plan. `field` is a path into the document, such as
/// `routes[2].steps[1].skip_if`.
#[derive(Clone, Debug, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PlanProblem {
    /// A list or string longer than its bound.
    #[error("{field} has {count} {what}; at most {max} are allowed")]
    TooMany {
        /// Where.
        field: String,
        /// What is counted (routes, steps, bytes...).
        what: String,
        /// How many there are.
        count: usize,
        /// The bound.
        max: usize,
    },
    /// A condition that does not parse, or reads a name it may not.
    #[error("route {route:?}, {field}, column {column}: {message}")]
    Condition {
        /// The route.
        route: String,
        /// The field (`routes[i].when` or `routes[i].steps[j].skip_if`).
        field: String,
        /// The column (1-based, in characters) where the problem starts.
        column: usize,
        /// What was expected there.
        message: String,
    },
    /// A name used twice (queues, routes).
    #[error("{field}: the name {name:?} is used twice")]
    DuplicateName {
        /// Where the second use is.
        field: String,
        /// The name.
        name: String,
    },
    /// An empty or overlong name.
    #[error("{field}: a name must have 1 to 64 bytes")]
    BadName {
        /// Where.
        field: String,
    },
    /// No route without a condition.
    #[error("no default route: the last route must have no `when`")]
    NoDefaultRoute,
    /// A step names a queue the plan does not define.
    #[error("route {route:?}, {field}: unknown queue {queue:?}")]
    UnknownQueue {
        /// The route.
        route: String,
        /// The field.
        field: String,
        /// The name.
        queue: String,
    },
    /// A skill name missing from the plan's `skills`.
    #[error("{field}: unknown skill {skill:?} (name it in `skills` first)")]
    UnknownSkill {
        /// Where.
        field: String,
        /// The name.
        skill: String,
    },
    /// A level outside `1..=10`.
    #[error("{field}: level {level} is outside 1..=10")]
    BadLevel {
        /// Where.
        field: String,
        /// The level.
        level: u8,
    },
    /// A wait longer than 365 days.
    #[error("{field}: {ms} ms is longer than 365 days")]
    TooLong {
        /// Where.
        field: String,
        /// The value.
        ms: u64,
    },
    /// A route whose first step does not put the conversation in a queue
    /// at once.
    #[error("route {route:?}: the first step must be at after_ms 0 and enter a queue")]
    NoFirstQueue {
        /// The route.
        route: String,
    },
    /// A step that can never be entered.
    #[error("route {route:?}, step {step}: never reached ({reason})")]
    UnreachableStep {
        /// The route.
        route: String,
        /// The step's index.
        step: usize,
        /// Why.
        reason: String,
    },
    /// A relaxation that narrows the pool (or changes nothing) instead of
    /// widening it.
    #[error("route {route:?}, step {step}: relaxing {skill:?} does not widen the pool ({reason})")]
    NarrowingRelaxation {
        /// The route.
        route: String,
        /// The step's index.
        step: usize,
        /// The skill.
        skill: String,
        /// Why.
        reason: String,
    },
    /// A route that can never be taken: an earlier route takes everything
    /// it would.
    #[error("route {route:?} is shadowed by the earlier route {by:?}")]
    ShadowedRoute {
        /// The shadowed route.
        route: String,
        /// The earlier route.
        by: String,
    },
    /// A queue that no registered agent's skills can serve (a warning:
    /// agents may be added later). An agent whose matching skill is held
    /// only in a time window counts as able to serve it: it can, in that
    /// window.
    #[error("queue {queue:?}: no registered agent has the skills to serve it")]
    UnservableQueue {
        /// The queue.
        queue: String,
    },
    /// An explicit member that is not a registered agent (a warning).
    #[error("queue {queue:?}: member agent#{agent} is not registered")]
    UnknownMember {
        /// The queue.
        queue: String,
        /// The agent id.
        agent: u64,
    },
    /// A field this version checks but does not route by yet (a warning:
    /// the plan loads, and the field has no effect on decisions).
    #[error("{field}: checked, but not routed by in this version ({what})")]
    NotRoutedYet {
        /// Where.
        field: String,
        /// What the engine does instead.
        what: String,
    },
    /// A calendar's hours, dates or time zone are wrong.
    #[error("{field}: {message}")]
    Hours {
        /// Where (`calendars[1].weekly[0]`).
        field: String,
        /// What is wrong and the form expected.
        message: String,
    },
    /// A queue's closing rule moves its work to a queue on the same
    /// calendar, closed at the same instants (a warning: the moved work
    /// waits there, closed too).
    #[error(
        "queue {queue:?}: on_close moves work to {target:?}, which closes with it (same calendar)"
    )]
    MovesToClosedQueue {
        /// The queue.
        queue: String,
        /// The queue its work moves to.
        target: String,
    },
    /// A queue names a calendar the plan does not define.
    #[error("{field}: unknown calendar {calendar:?} (define it in `calendars`)")]
    UnknownCalendar {
        /// Where.
        field: String,
        /// The name.
        calendar: String,
    },
    /// A routing profile names a queue the plan does not define.
    #[error("{field}: routing profile {profile:?} names unknown queue {queue:?}")]
    ProfileUnknownQueue {
        /// The profile.
        profile: String,
        /// Where (`profiles[0].queues[1].queue`).
        field: String,
        /// The name.
        queue: String,
    },
    /// An agent named twice across the routing profiles (an agent works
    /// by one profile).
    #[error("{field}: agent#{agent} is already in routing profile {first:?}")]
    ProfileAgentTwice {
        /// Where the second mention is.
        field: String,
        /// The agent id.
        agent: u64,
        /// The profile naming them first.
        first: String,
    },
    /// A profile queue's priority outside `1..=max`.
    #[error("{field}: priority {priority} is outside 1..={max} (1 is primary)")]
    BadPriority {
        /// Where.
        field: String,
        /// The priority given.
        priority: u8,
        /// The largest allowed.
        max: u8,
    },
    /// A profile queue's delay longer than the bound.
    #[error("{field}: a delay of {ms} ms is longer than the {max_ms} ms allowed")]
    DelayTooLong {
        /// Where.
        field: String,
        /// The delay given.
        ms: u64,
        /// The bound.
        max_ms: u64,
    },
    /// A profile's delay on a queue that no work reaches: every route
    /// that puts work in the queue ends it (time to live) before it has
    /// waited the delay (a warning).
    #[error("routing profile {profile:?}, queue {queue:?}: a delay of {delay_ms} ms never applies ({reason})")]
    DelayNeverApplies {
        /// The profile.
        profile: String,
        /// The queue.
        queue: String,
        /// The delay.
        delay_ms: u64,
        /// Why.
        reason: String,
    },
    /// A profile's agent who is not registered (a warning: agents may be
    /// added later).
    #[error("routing profile {profile:?}: agent#{agent} is not registered")]
    UnknownProfileAgent {
        /// The profile.
        profile: String,
        /// The agent id.
        agent: u64,
    },
    /// A routing profile listing no queue: its agents serve none of the
    /// plan's queues (a warning: a way to park agents, but rarely meant).
    #[error(
        "routing profile {profile:?} lists no queue: its agents serve none of the plan's queues"
    )]
    ProfileServesNothing {
        /// The profile.
        profile: String,
    },
    /// A queue's aging value above its bound.
    #[error("{field}: {value} is above the {max} allowed")]
    AgingTooLarge {
        /// Where (`queues[1].aging.per_minute`).
        field: String,
        /// The value given.
        value: u32,
        /// The bound.
        max: u32,
    },
    /// A queue's aging cap below its base: the cap would never let the
    /// work reach its own starting points (0 means no cap).
    #[error("{field}: a cap of {cap} is below the base of {base} (0 means no cap)")]
    AgingCapBelowBase {
        /// Where (`queues[1].aging.cap`).
        field: String,
        /// The base.
        base: u32,
        /// The cap.
        cap: u32,
    },
    /// A queue's cap on live conversations above its bound.
    #[error("{field}: a cap of {value} live conversations is above the {max} allowed")]
    LiveCapTooLarge {
        /// Where (`queues[1].max_live`).
        field: String,
        /// The value given.
        value: u32,
        /// The bound.
        max: u32,
    },
}

impl PlanProblem {
    /// Whether the problem refuses the plan.
    pub fn severity(&self) -> Severity {
        match self {
            PlanProblem::UnservableQueue { .. }
            | PlanProblem::UnknownMember { .. }
            | PlanProblem::NotRoutedYet { .. }
            | PlanProblem::MovesToClosedQueue { .. }
            | PlanProblem::DelayNeverApplies { .. }
            | PlanProblem::UnknownProfileAgent { .. }
            | PlanProblem::ProfileServesNothing { .. } => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// Why a plan was refused. Nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Not a plan document.
    #[error("plan JSON, at {path} (line {line}, column {column}): {message}")]
    Json {
        /// The path into the document (`routes[2].steps`).
        path: String,
        /// The line.
        line: usize,
        /// The column.
        column: usize,
        /// What serde said.
        message: String,
    },
    /// The document has errors: every one of them, warnings left out.
    #[error("the plan has {} error(s), the first: {}", .0.len(), .0.first().map_or(String::new(), |p| p.to_string()))]
    Invalid(Vec<PlanProblem>),
}

/// Attributes past their bounds.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AttributeError {
    /// Too many free attributes.
    #[error("{count} attributes; at most {max} are allowed")]
    TooMany {
        /// How many.
        count: usize,
        /// The bound.
        max: usize,
    },
    /// An empty or overlong key.
    #[error("attribute key {key:?} must have 1 to 64 bytes")]
    BadKey {
        /// The key.
        key: String,
    },
    /// A string too long.
    #[error("attribute {key:?} has {len} bytes; at most {max} are allowed")]
    TooLong {
        /// The key.
        key: String,
        /// Its length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// A list too long.
    #[error("attribute {key:?} lists {len} items; at most {max} are allowed")]
    ListTooLong {
        /// The key.
        key: String,
        /// Its length.
        len: usize,
        /// The bound.
        max: usize,
    },
}
