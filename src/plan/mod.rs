//! Routing plans: how work flows, written down as data. A plan names
//! queues (skills required hard and soft, optional members, a response
//! target, priority aging) and an ordered list of routes; the first route
//! whose condition holds for a conversation's [`Attributes`] takes it, and
//! its steps widen the conversation's pool as it waits (overflow to more
//! queues, soft skills dropped or lowered, priority raised), measured from
//! when it started waiting, up to a time to live with an explicit terminal
//! action.
//!
//! A plan is a serde document ([`Plan`], JSON; its JSON Schema is
//! `schemas/plan.schema.json`, generated from these types by
//! [`Plan::json_schema`]). Loading checks every bound, name and condition
//! and reports every problem at once ([`Plan::check`]; with the roster,
//! `Engine::check_plan`), each naming the route, the field and, for a
//! condition, the column.
//!
//! ```
//! use switchboard::plan::{Plan, Severity};
//!
//! let plan = Plan::from_json(r#"{
//!   "skills": { "billing": 1, "spanish": 2 },
//!   "queues": [
//!     { "name": "billing", "soft": [{ "skill": "billing", "min_level": 5 }] },
//!     { "name": "general" }
//!   ],
//!   "routes": [
//!     { "name": "vip", "when": "tier == \"vip\" and topic in [\"billing\", \"refund\"]",
//!       "steps": [
//!         { "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] },
//!         { "after_ms": 120000, "skip_if": "with_room > 0",
//!           "actions": [{ "do": "lower_skill", "skill": "billing", "min_level": 2 },
//!                       { "do": "raise_priority", "to": "urgent" }] },
//!         { "after_ms": 300000, "actions": [{ "do": "add_queue", "queue": "general" }] }
//!       ],
//!       "ttl": { "after_ms": 3600000, "action": "to_bot" } },
//!     { "name": "default",
//!       "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] }] }
//!   ]
//! }"#).unwrap();
//! assert!(plan.check().iter().all(|p| p.severity() == Severity::Warning));
//! ```

mod attributes;
pub(crate) mod calendar;
mod compile;
pub(crate) mod compiled;
pub mod condition;
mod document;
pub mod limits;
mod problem;
pub(crate) mod profile;
pub(crate) mod route_index;
mod shadow;

pub use attributes::{AttrValue, Attributes};
pub use calendar::{CalendarDef, Closure, OnClose, Weekday, WeeklyHours};
pub use document::{
    Plan, PriorityAging, QueueDef, RouteDef, SkillNeed, StepAction, StepDef, TerminalAction, Ttl,
};
pub use problem::{AttributeError, PlanError, PlanProblem, Severity};
pub use profile::{ProfileDef, ProfileQueue};

pub(crate) use compile::compile;

impl Plan {
    /// A plan from JSON. A document that is not a plan is refused with the
    /// path, line and column of the first mismatch; its content is not
    /// checked here (see [`Plan::check`]).
    pub fn from_json(json: &str) -> Result<Plan, PlanError> {
        let de = &mut serde_json::Deserializer::from_str(json);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            PlanError::Json {
                path,
                line: inner.line(),
                column: inner.column(),
                message: inner.to_string(),
            }
        })
    }

    /// The plan as JSON (round-trips through [`Plan::from_json`]
    /// unchanged).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a plan always serialises")
    }

    /// Every problem of the plan that does not depend on the roster
    /// (bounds, names, levels, conditions, ladders, shadowed routes), all
    /// at once, in document order. Empty for a plan the engine accepts
    /// without a warning.
    pub fn check(&self) -> Vec<PlanProblem> {
        match compile(self) {
            Ok((_, warnings)) => warnings,
            Err(problems) => problems,
        }
    }

    /// The JSON Schema of a plan document, generated from these types (the
    /// shipped `schemas/plan.schema.json` is this text).
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(Plan);
        let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests;
