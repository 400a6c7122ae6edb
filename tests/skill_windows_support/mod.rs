//! Helpers shared by the skill-window tests.
#![allow(dead_code)]

use crate::common::*;
use switchboard::*;

pub const SPANISH: u32 = 4;
pub const FRENCH: u32 = 5;

pub fn run(e: &mut Engine, at: Timestamp, command: impl Into<Command>) -> Vec<Decision> {
    let d = e.apply(at, command).expect("command accepted");
    audited(e);
    d
}

pub fn level(n: u8) -> Level {
    Level::new(n).expect("level")
}

/// Agent `id` (cap 3) registered at `at` holding `skill` from `from` to
/// `until` (seconds), and billing permanently.
pub fn windowed(id: u64, skill: u32, from: u64, until: u64) -> AgentSpec {
    AgentSpec::new(AgentId(id), Capacity::units(3))
        .skill(SkillId(BILLING), level(5))
        .skill_window(SkillId(skill), level(6), ms(from), ms(until))
}

pub fn needs(id: u64, skill: u32) -> Command {
    open_cmd(id, id, &[(skill, 1)], Priority::Normal)
}

pub fn window_edges(d: &[Decision]) -> Vec<(u64, u32, bool)> {
    d.iter()
        .filter_map(|d| match d {
            Decision::SkillWindowChanged {
                agent,
                skill,
                counting,
            } => Some((agent.0, skill.0, *counting)),
            _ => None,
        })
        .collect()
}

pub fn online_for(e: &Engine, skill: u32) -> u32 {
    let req = [SkillRequirement::new(SkillId(skill), 1).expect("req")];
    e.group_stats_for(Channel::WhatsApp, &req)
        .map_or(0, |g| g.agents_online)
}
