//! [`Reconfigure`]: a change of the engine's rules, applied as a command so
//! that it is journaled in order with the commands it affects, and a replay
//! reproduces exactly the decisions that were acknowledged.
//!
//! One mechanism for every change of rules: today the engine
//! configuration; routing plans and policy changes are to become further
//! variants of [`Reconfigure`] (it is `#[non_exhaustive]`), each with its
//! own check here, so recovery, the runtime and the journal treat them all
//! the same way.
//!
//! A configuration change must not contradict state the engine already
//! built under the old rules. Settings read only when something new
//! happens (windows, timeouts, the open rule, cool-downs) change at any
//! time. Settings baked into live state change only while the engine holds
//! no conversation at all (resolve and purge first), because they are
//! already part of it: the capacity a thread holds (`channel_weights`,
//! `parked_weight_permille`), the order keys of queued threads
//! (`class_head_start`, `vip_boost`) and SLA timers already scheduled
//! (`response_target`, `warn_at_permille`). A refusal names the first such
//! setting and changes nothing.

use super::config::EngineConfig;
use super::error::EngineError;
use serde::{Deserialize, Serialize};

/// A change of the engine's rules (see the module docs), carried by
/// [`Command::Reconfigure`](crate::Command::Reconfigure).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reconfigure {
    /// Replace the engine configuration. Validated like a new engine's.
    Config(Box<EngineConfig>),
    /// Load, replace (`Some`) or remove (`None`) the routing plan
    /// ([`switchboard::plan`](crate::plan)); build it with
    /// [`Command::set_plan`](crate::Command::set_plan). A plan with any
    /// error is refused whole ([`EngineError::Plan`] lists every problem)
    /// and nothing changes. Otherwise every open conversation is
    /// re-evaluated under it at once, in id order: its route chosen afresh
    /// from its attributes, its age kept, the steps due by that age
    /// entered. Maintenance, not routing: it visits every conversation
    /// once.
    Plan(Option<Box<crate::plan::Plan>>),
    /// Pull an emergency switch of business hours: a queue or a calendar
    /// of the plan in force opened or closed at once, or handed back to
    /// its schedule ([`HoursSwitch`](crate::HoursSwitch)). Refused when no
    /// plan is loaded, when the name is not the plan's, or when the queue
    /// has no calendar ([`EngineError::HoursTarget`]).
    Hours(super::HoursSwitch),
}

/// The settings baked into live state, by name (see the module docs).
const BAKED_IN: [&str; 7] = [
    "channel_weights",
    "parked_weight_permille",
    "class_head_start",
    "vip_boost",
    "response_target",
    "warn_at_permille",
    // Wrap-up holds, no-answer timers and the tenant's count are built
    // under the workload rules (the tenant's cap and teams change at any
    // time by their own commands).
    "workload",
];

/// The names of the settings that differ between `a` and `b`, in the
/// configuration's field order (compared on their serialized values, so a
/// field added later is covered without changing this).
pub fn config_differences(a: &EngineConfig, b: &EngineConfig) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return vec!["<unserializable configuration>".to_owned()];
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// Checks `change` against the engine's `current` rules and whether it
/// holds any conversation; answers the configuration to run with.
pub(crate) fn check(
    current: &EngineConfig,
    holds_conversations: bool,
    change: &Reconfigure,
) -> Result<EngineConfig, EngineError> {
    match change {
        Reconfigure::Config(next) => {
            next.validate().map_err(EngineError::InvalidConfig)?;
            if holds_conversations {
                let changed = config_differences(current, next);
                if let Some(field) = BAKED_IN.iter().find(|f| changed.iter().any(|c| c == *f)) {
                    return Err(EngineError::ReconfigureRefused {
                        field,
                        reason:
                            "it is part of live conversations' state: resolve and purge them first",
                    });
                }
            }
            Ok((**next).clone())
        }
        // A plan changes no setting; validation takes it its own way
        // (`validate::check_plan`) and never asks here.
        Reconfigure::Plan(_) | Reconfigure::Hours(_) => Ok(current.clone()),
    }
}
