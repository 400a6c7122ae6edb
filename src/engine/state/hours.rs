//! What the engine keeps for business hours: each calendar's state by its
//! schedule, each queue's state, the groups each queue with a calendar
//! owns, and the emergency switches (see `engine/plan_hours.rs`).

use super::index::GroupIdx;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Business-hours state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Hours {
    /// Bumped at every plan load: calendar timers of an older epoch are
    /// void, and a queue's gate (`gate_of`) is never that of an older
    /// plan's queue.
    pub epoch: u32,
    /// Per calendar of the plan in force: open by its schedule, as of its
    /// last timer.
    pub calendars: Vec<bool>,
    /// Per queue of the plan in force: open now (see `queue_open`).
    pub queues: Vec<bool>,
    /// Per queue with a calendar: the groups holding its work (derived:
    /// rebuilt from the groups' gates on restore). Each group once, in
    /// key order (`plan_hours::adopt`), so that a restored engine
    /// dispatches them in the same order.
    #[serde(skip)]
    pub groups: Vec<Vec<GroupIdx>>,
    /// Emergency switches on queues, by name: open (`true`) or closed
    /// whatever the calendar says. At most the plan's queues; a name the
    /// next plan lacks is dropped when it loads.
    pub forced_queues: BTreeMap<String, bool>,
    /// Emergency switches on calendars, by name. At most the plan's
    /// calendars.
    pub forced_calendars: BTreeMap<String, bool>,
}

impl Hours {
    /// Nothing ever set (no plan with hours, no switch): what a snapshot
    /// leaves out.
    pub(crate) fn is_unset(&self) -> bool {
        *self == Hours::default()
    }
}
