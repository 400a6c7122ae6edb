//! Skills on a schedule: an agent's skill that counts only within windows
//! of time ([`SkillWindow`]: a trainee's skill for one shift, a language
//! covered only in the afternoon).
//!
//! A windowed skill is in the agent's `skills` from registration on, so
//! the agent is a member of every group it qualifies for, always: the
//! time of day never reshapes a group's members or free-index positions.
//! Outside its windows the skill is in the agent's `dormant` list, and
//! each slot of a group needing it is `dormant`: the agent is not listed
//! in that group's free index, not counted in its online and with-room
//! statistics, and neither pulled to, pushed to, nor chosen as a known or
//! preferred agent for its work. An explicit transfer to them is refused
//! as not eligible.
//!
//! Each window arms a timer at `from` (unless already open at
//! registration) and one at `until`; when one fires, the agent's slots are
//! flipped in O(slots × the group's skills), a
//! [`Decision::SkillWindowChanged`] says so, and the agent is settled, so
//! waiting work that now fits is taken at once, as when an agent comes
//! online. Closing a window moves nothing the agent holds: offered,
//! assigned and parked threads stay, and threads already waiting for them
//! in particular still reach them; only new work stops.
//!
//! An agent without windows has an empty `dormant` list, so every check
//! on the matching path is a flag already in hand (the slot's), and no
//! timer is armed.

use super::audit::AuditViolation;
use super::cx::Cx;
use super::decision::Decision;
use super::error::EngineError;
use super::limits::Limits;
use super::state::index::AgentIdx;
use super::state::timers::{Timer, TimerKind};
use super::state::State;
use crate::model::{
    AgentSpec, Level, SkillId, SkillLevel, SkillWindow, Timestamp, MAX_WINDOW_TIME,
};
use std::collections::BTreeMap;
use thiserror::Error;

/// Why an agent's skill windows were refused (inside
/// [`EngineError::SkillWindow`]); nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SkillWindowError {
    /// A window that ends at or before it starts.
    #[error(
        "the window of {skill} from {from} until {until} is empty: `until` must be after `from`"
    )]
    Empty {
        /// The skill.
        skill: SkillId,
        /// Its start.
        from: Timestamp,
        /// Its end.
        until: Timestamp,
    },
    /// A window ending after [`MAX_WINDOW_TIME`].
    #[error("the window of {skill} ends at {until}, after the latest allowed {max}")]
    OutOfRange {
        /// The skill.
        skill: SkillId,
        /// Its end.
        until: Timestamp,
        /// The latest end allowed.
        max: Timestamp,
    },
    /// A window already over when the agent is registered: it would never
    /// count.
    #[error("the window of {skill} ended at {until}, before the registration at {now}")]
    AlreadyOver {
        /// The skill.
        skill: SkillId,
        /// Its end.
        until: Timestamp,
        /// The command's time.
        now: Timestamp,
    },
    /// Two windows of one skill overlap or touch (merge them into one).
    #[error("two windows of {skill} overlap or touch; give one window from the first start to the last end")]
    Overlap {
        /// The skill.
        skill: SkillId,
    },
    /// Windows of one skill at different levels.
    #[error("the windows of {skill} name different levels ({first:?} and {second:?}); a skill has one level")]
    LevelMismatch {
        /// The skill.
        skill: SkillId,
        /// One level.
        first: Level,
        /// Another.
        second: Level,
    },
    /// A skill both permanent and windowed.
    #[error("{0} is both a permanent skill and a windowed one; list it in one place")]
    AlsoPermanent(SkillId),
}

impl From<SkillWindowError> for EngineError {
    fn from(e: SkillWindowError) -> Self {
        EngineError::SkillWindow(e)
    }
}

/// Checks the windows of `spec` registered at `at` and sorts them (by
/// skill, then start), as the agent's record keeps them. `spec.skills` is
/// already sorted.
pub(crate) fn check(
    spec: &mut AgentSpec,
    limits: &Limits,
    at: Timestamp,
) -> Result<(), EngineError> {
    let windows = &mut spec.skill_windows;
    if windows.is_empty() {
        return Ok(());
    }
    // Checked before sorting: the list's length is the host's to choose.
    if windows.len() > limits.skill_windows as usize {
        return Err(EngineError::LimitReached {
            limit: "skill_windows",
            max: limits.skill_windows,
        });
    }
    windows.sort_unstable_by_key(|w| (w.skill, w.from, w.until));
    for w in windows.iter() {
        if w.until <= w.from {
            return Err(SkillWindowError::Empty {
                skill: w.skill,
                from: w.from,
                until: w.until,
            }
            .into());
        }
        if w.until > MAX_WINDOW_TIME {
            return Err(SkillWindowError::OutOfRange {
                skill: w.skill,
                until: w.until,
                max: MAX_WINDOW_TIME,
            }
            .into());
        }
        if w.until <= at {
            return Err(SkillWindowError::AlreadyOver {
                skill: w.skill,
                until: w.until,
                now: at,
            }
            .into());
        }
        if spec
            .skills
            .binary_search_by_key(&w.skill, |s| s.skill)
            .is_ok()
        {
            return Err(SkillWindowError::AlsoPermanent(w.skill).into());
        }
    }
    for pair in windows.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.skill != b.skill {
            continue;
        }
        if a.level != b.level {
            return Err(SkillWindowError::LevelMismatch {
                skill: a.skill,
                first: a.level,
                second: b.level,
            }
            .into());
        }
        if b.from <= a.until {
            return Err(SkillWindowError::Overlap { skill: a.skill }.into());
        }
    }
    Ok(())
}

/// The windowed skills of `windows` (sorted as `check` leaves them) that
/// no window covers at `at`, ascending.
pub(crate) fn dormant_at(windows: &[SkillWindow], at: Timestamp) -> Vec<SkillId> {
    let mut out: Vec<SkillId> = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        let first_of_skill = i == 0 || windows[i - 1].skill != w.skill;
        if first_of_skill
            && !windows[i..]
                .iter()
                .take_while(|x| x.skill == w.skill)
                .any(|x| x.covers(at))
        {
            out.push(w.skill);
        }
    }
    out
}

/// Whether a snapshot's agent record may be restored: at most
/// `MAX_SKILL_WINDOWS` windows, each non-empty and of a skill the agent
/// holds at that level, and dormant skills ascending, each windowed.
pub(crate) fn restorable(
    skills: &[SkillLevel],
    windows: &[SkillWindow],
    dormant: &[SkillId],
) -> bool {
    windows.len() <= super::limits::MAX_SKILL_WINDOWS as usize
        && windows.iter().all(|w| {
            w.from < w.until
                && skills
                    .binary_search_by_key(&w.skill, |s| s.skill)
                    .is_ok_and(|i| skills[i].level == w.level)
        })
        && dormant.windows(2).all(|p| p[0] < p[1])
        && dormant
            .iter()
            .all(|d| windows.iter().any(|w| w.skill == *d))
}

/// The timer of window `index`'s opening (`open`) or closing edge.
fn edge(agent: AgentIdx, index: usize, open: bool, at: Timestamp) -> Timer {
    Timer {
        at,
        kind: TimerKind::SkillWindow,
        subject: agent.get() as u64,
        generation: ((index as u32) << 1) | u32::from(open),
        incarnation: 0,
    }
}

/// Arms the edges still ahead of the newly registered `agent`'s windows
/// (validation made sure each ends after now).
pub(crate) fn arm(cx: &mut Cx<'_>, agent: AgentIdx) {
    let at = cx.at;
    let st = &mut *cx.st;
    let windows = &st.agents[agent.get()].windows;
    // Bounded by `Limits::skill_windows`, checked at registration.
    for (i, w) in windows.iter().enumerate() {
        if w.from > at {
            st.timers.arm(edge(agent, i, true, w.from));
        }
        st.timers.arm(edge(agent, i, false, w.until));
    }
}

/// A window's edge is due: its skill starts (`generation` odd) or stops
/// counting for the agent in slot `subject`.
pub(crate) fn on_timer(cx: &mut Cx<'_>, subject: u64, generation: u32) {
    let Some(agent) = AgentIdx::new(subject as usize).filter(|a| a.get() < cx.st.agents.len())
    else {
        return;
    };
    let open = generation & 1 == 1;
    let index = (generation >> 1) as usize;
    let a = cx.st.agent_mut(agent);
    let Some(skill) = a.windows.get(index).map(|w| w.skill) else {
        return;
    };
    match (a.dormant.binary_search(&skill), open) {
        (Ok(i), true) => {
            a.dormant.remove(i);
        }
        (Err(i), false) => a.dormant.insert(i, skill),
        // Already in that state (a corrupt timer): nothing to do.
        _ => return,
    }
    flip_slots(cx, agent);
    let id = cx.st.id(agent);
    cx.emit(Decision::SkillWindowChanged {
        agent: id,
        skill,
        counting: open,
    });
    // Settling takes the waiting work that now fits (an opening) and
    // recounts the agent's room in every group.
    cx.settle_later(agent);
}

/// Brings each of `agent`'s slots in line with their dormant skills: a
/// slot going dormant leaves its group's free index and online count, one
/// waking up is counted online again (settling lists it).
fn flip_slots(cx: &mut Cx<'_>, agent: AgentIdx) {
    let st = &mut *cx.st;
    let a = &mut st.agents[agent.get()];
    let online = a.status.accepts_work();
    // Bounded by the agent's groups.
    for i in 0..a.slots.len() {
        let slot = a.slots[i];
        let group = &mut st.groups[slot.group.get()];
        let dormant = !a.dormant.is_empty() && a.dormant_for(&group.key.skills);
        if dormant == slot.dormant {
            continue;
        }
        a.slots[i].dormant = dormant;
        if dormant {
            group.free.set(slot.position, None);
            group.online -= u32::from(online);
        } else {
            group.online += u32::from(online);
        }
    }
}

/// The audit's recount: each agent's windows valid and sorted, their
/// dormant skills exactly the windowed skills whose next pending edge is
/// not a closing one, every slot's flag agreeing with them, and every
/// window timer naming a window's edge at its time.
pub(crate) fn audit(st: &State) -> Result<(), AuditViolation> {
    let bad =
        |agent: crate::model::AgentId, detail| AuditViolation::SkillWindowState { agent, detail };
    // The earliest pending edge per (agent, skill): (time, opening).
    let mut next: BTreeMap<(usize, SkillId), (Timestamp, bool)> = BTreeMap::new();
    for t in st.timers.sorted() {
        if t.kind != TimerKind::SkillWindow {
            continue;
        }
        let a = st.agents.get(t.subject as usize).ok_or(bad(
            crate::model::AgentId(t.subject),
            "a window timer names no agent",
        ))?;
        let open = t.generation & 1 == 1;
        let w = a.windows.get((t.generation >> 1) as usize);
        let Some(w) = w.filter(|w| t.at == if open { w.from } else { w.until }) else {
            return Err(bad(a.id, "a window timer is not at its window's edge"));
        };
        // Timers come sorted by time: the first seen is the earliest.
        next.entry((t.subject as usize, w.skill))
            .or_insert((t.at, open));
    }
    for (i, a) in st.agents.iter().enumerate() {
        if a.windows.is_empty() && a.dormant.is_empty() {
            continue;
        }
        let sorted = a
            .windows
            .windows(2)
            .all(|p| (p[0].skill, p[0].from) < (p[1].skill, p[1].from));
        let valid = a
            .windows
            .iter()
            .all(|w| w.from < w.until && a.level(w.skill) == w.level.get());
        if !sorted || !valid {
            return Err(bad(a.id, "the windows are unsorted or invalid"));
        }
        let mut expected: Vec<SkillId> = a.windows.iter().map(|w| w.skill).collect();
        expected.dedup();
        expected.retain(|s| next.get(&(i, *s)).is_none_or(|&(_, open)| open));
        if expected != a.dormant {
            return Err(bad(
                a.id,
                "the dormant skills disagree with the pending edges",
            ));
        }
        for slot in &a.slots {
            let key = &st.groups[slot.group.get()].key;
            if slot.dormant != a.dormant_for(&key.skills) {
                return Err(bad(
                    a.id,
                    "a group's slot disagrees with the dormant skills",
                ));
            }
        }
    }
    Ok(())
}
