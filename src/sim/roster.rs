//! Staffing by interval: a number of agents on duty in each interval,
//! instead of the agent groups' shifts. It is what the staffing search
//! varies, and how a classical model keeps `n` agents on all the time.
//!
//! Agent `k` is on duty in an interval when `k < agents[interval]`; an
//! agent going off duty drains (finishes their threads, takes nothing new)
//! rather than logging off, so no live thread moves. Agents take their
//! caps, skills, channels and speed from the groups, in proportion to the
//! groups' counts.

use super::error::ScenarioError;
use super::rng::{SimRng, Stream};
use super::scenario::Scenario;
use super::validate::range;
use super::workload::{draw_agent, AgentPlan};
use crate::model::{AgentId, AgentSpec, AgentStatus, Capacity, Timestamp};
use serde::{Deserialize, Serialize};

/// Agents on duty per interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Staffing {
    /// Interval length, minutes (default 30).
    pub interval_minutes: f64,
    /// Agents on duty in each interval, repeated over the simulated days; a
    /// single value keeps that many on all the time.
    pub agents: Vec<u32>,
}

impl Default for Staffing {
    fn default() -> Self {
        Staffing {
            interval_minutes: 30.0,
            agents: vec![10],
        }
    }
}

impl Staffing {
    /// Interval length, ms.
    pub fn interval_ms(&self) -> u64 {
        (self.interval_minutes * 60_000.0) as u64
    }

    /// Agents on duty in interval `i` (counted from time 0).
    pub fn on_duty(&self, i: usize) -> u32 {
        if self.agents.is_empty() {
            return 0;
        }
        self.agents[i % self.agents.len()]
    }
}

/// Hard bound on the intervals of a roster (366 days of 1-minute intervals).
const MAX_INTERVALS: u64 = 366 * 24 * 60;

/// The group of each of the first `n` agents: one of every group first (a
/// group's skills may be the only ones some conversations can use), then
/// always the group furthest below its share of the counts. Agent `k`'s
/// group does not depend on `n`, so every staffing level sees the same
/// agent `k` (common random numbers).
fn group_order(s: &Scenario, n: usize) -> Vec<usize> {
    let groups: Vec<(usize, f64)> = s
        .agents
        .iter()
        .enumerate()
        .filter(|(_, g)| g.count > 0)
        .map(|(i, g)| (i, f64::from(g.count)))
        .collect();
    if groups.is_empty() {
        return Vec::new();
    }
    let mut taken = vec![0u64; groups.len()];
    (0..n)
        .map(|k| {
            let j = if k < groups.len() {
                k
            } else {
                // Smallest taken / count; ties to the first group.
                (0..groups.len())
                    .min_by(|&a, &b| {
                        let ra = taken[a] as f64 / groups[a].1;
                        let rb = taken[b] as f64 / groups[b].1;
                        ra.total_cmp(&rb)
                    })
                    .unwrap_or(0)
            };
            taken[j] += 1;
            groups[j].0
        })
        .collect()
}

/// The agents of a staffed scenario and their on-duty schedules.
pub(crate) fn staffed_agents(s: &Scenario, staffing: &Staffing, seed: u64) -> Vec<AgentPlan> {
    let total = staffing.agents.iter().copied().max().unwrap_or(0);
    let order = group_order(s, total as usize);
    if order.is_empty() {
        return Vec::new();
    }
    let names = s.skill_names();
    let step = staffing.interval_ms().max(1);
    let intervals = s.horizon_ms().div_ceil(step).min(MAX_INTERVALS);
    (0..total)
        .map(|k| {
            let gi = order[k as usize];
            let g = &s.agents[gi];
            let mut rng = SimRng::stream(seed, Stream::Agents, u64::from(k), 0);
            let (mut skills, cap, speed) = draw_agent(g, &names, &mut rng);
            let skill_windows = super::skill_hours::split(s, g, &names, &mut skills);
            let mut schedule = Vec::new();
            let mut status = AgentStatus::Offline;
            for i in 0..intervals {
                let want = if k < staffing.on_duty(i as usize) {
                    AgentStatus::Online
                } else if status == AgentStatus::Offline {
                    AgentStatus::Offline
                } else {
                    AgentStatus::Draining
                };
                if want != status {
                    schedule.push((Timestamp(i * step), want));
                    status = want;
                }
            }
            AgentPlan {
                spec: AgentSpec {
                    id: AgentId(u64::from(k)),
                    skills,
                    cap: Capacity::units(cap),
                    channels: g.channels.clone(),
                    status: AgentStatus::Offline,
                    skill_windows,
                },
                group: gi as u16,
                speed,
                schedule,
            }
        })
        .collect()
}

impl Scenario {
    pub(super) fn validate_staffing(&self) -> Result<(), ScenarioError> {
        let Some(st) = &self.staffing else {
            return Ok(());
        };
        range(
            "staffing.interval_minutes",
            st.interval_minutes,
            1.0,
            1_440.0,
            "minutes in 1..=1440",
        )?;
        if st.agents.is_empty() {
            return Err(ScenarioError::Empty {
                field: "staffing.agents".into(),
                problem: "must list the agents on duty for at least one interval",
            });
        }
        for (i, &n) in st.agents.iter().enumerate() {
            range(
                format!("staffing.agents[{i}]"),
                f64::from(n),
                0.0,
                20_000.0,
                "a count in 0..=20000",
            )?;
        }
        Ok(())
    }
}
