//! The business-hours switch a supervisor pulls in an emergency (a fire
//! drill, an outage, a storm): a queue or a calendar opened or closed at
//! once, whatever its schedule says, until switched back to the schedule.
//! It is a change of rules ([`Reconfigure::Hours`](crate::Reconfigure::Hours)),
//! so it is journaled and replayed like any command. Genesys's order of
//! evaluation, with a queue's switch above its calendar's: queue switch >
//! calendar switch > the calendar's closures > its weekly hours.

use serde::{Deserialize, Serialize};

/// An emergency switch: what it applies to and what it sets.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HoursSwitch {
    /// The queue or calendar switched.
    pub target: HoursTarget,
    /// Open, closed, or back to the schedule.
    pub set: HoursSetting,
}

/// What an emergency switch applies to, by its name in the plan.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursTarget {
    /// One queue (it must have a calendar: its work is kept apart then).
    Queue(String),
    /// A calendar, and so every queue on it without a switch of its own.
    Calendar(String),
}

/// What an emergency switch sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursSetting {
    /// Open now, whatever the schedule says.
    Open,
    /// Closed now, whatever the schedule says.
    Closed,
    /// Back to the schedule.
    Schedule,
}

impl HoursSetting {
    /// The forced state (`None`: the schedule's).
    pub(crate) fn forced(self) -> Option<bool> {
        match self {
            HoursSetting::Open => Some(true),
            HoursSetting::Closed => Some(false),
            HoursSetting::Schedule => None,
        }
    }
}

/// Why a queue opened or closed (see
/// [`Decision::QueueHours`](crate::Decision::QueueHours)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum HoursCause {
    /// Its calendar's weekly hours or closures.
    Schedule,
    /// An emergency switch.
    Emergency,
    /// A plan was loaded (its state then).
    PlanLoaded,
}

/// A queue's business hours now (see [`Engine::queue_hours`](crate::Engine::queue_hours)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueHours {
    /// The queue's name.
    pub queue: String,
    /// Its calendar's name, if it has one (without, always open).
    pub calendar: Option<String>,
    /// Open now.
    pub open: bool,
    /// An emergency switch holds it (on the queue or its calendar).
    pub forced: bool,
}
