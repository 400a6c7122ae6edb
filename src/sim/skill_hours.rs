//! Skills an agent group holds only during some hours of each day (a
//! language covered only in the afternoon): the scenario's
//! `agents[].skills[].hours`, turned into the engine's skill windows
//! ([`SkillWindow`]), one per simulated day.

use super::scenario::{AgentGroup, Scenario};
use crate::model::{SkillLevel, SkillWindow, Timestamp};

const HOUR_MS: f64 = 3_600_000.0;

/// Moves the skills of `g` that carry `hours` out of `skills` (the agent's
/// drawn skills, levels kept) into one window per day of `s`. The draws
/// are made before, so a scenario without hours draws exactly as before.
pub(super) fn split(
    s: &Scenario,
    g: &AgentGroup,
    names: &[&str],
    skills: &mut Vec<SkillLevel>,
) -> Vec<SkillWindow> {
    let mut windows = Vec::new();
    // Bounded by the group's skills (validated against the window limit).
    for sk in g.skills.iter() {
        let Some([from, until]) = sk.hours else {
            continue;
        };
        let Some(id) = names.iter().position(|n| *n == sk.skill) else {
            continue;
        };
        let Some(i) = skills.iter().position(|l| l.skill.0 as usize == id) else {
            continue;
        };
        let held = skills.remove(i);
        for day in 0..s.days {
            let base = f64::from(day) * 24.0;
            windows.push(SkillWindow::new(
                held.skill,
                held.level,
                Timestamp(((base + from) * HOUR_MS) as u64),
                Timestamp(((base + until) * HOUR_MS) as u64),
            ));
        }
    }
    windows
}

/// How many windows an agent of `g` is registered with over `days`.
pub(super) fn windows_per_agent(g: &AgentGroup, days: u32) -> u64 {
    let windowed = g.skills.iter().filter(|s| s.hours.is_some()).count() as u64;
    windowed * u64::from(days)
}
