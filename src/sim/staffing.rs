//! The staffing search: per interval, the fewest agents on duty meeting a
//! service-level target (a share of conversations answered within the
//! response target) and a maximum occupancy, found by simulation with
//! common random numbers, beside what Erlang C and Erlang A say.
//!
//! The search walks the day in order. For interval `i`, earlier intervals
//! keep the staffing already found, later ones a generous guess, and the
//! staffing of `i` moves one agent at a time from the Erlang C estimate
//! until it is the fewest that meets the target averaged over the seeds.
//! Every candidate runs the same seeds, hence the same customers (common
//! random numbers): a change in the figures comes from the staffing, not
//! from another draw of the day.
//!
//! The formulas take each interval on its own, with the arrival rate that
//! reached humans (as stated by a classical scenario, measured otherwise) and the agent working time per conversation: a
//! classical scenario's mean service time, or for a messaging day the
//! expected writing time of all its replies. With concurrency above one
//! and stickiness they are the wrong model (an agent works several
//! conversations, customers think between turns); the simulation is the
//! answer and the table shows by how much the formulas differ.

use super::erlang::{erlang_a_figures, erlang_c_figures, staff_for};
use super::error::SimError;
use super::replicate::Replications;
use super::report::Report;
use super::roster::Staffing;
use super::scenario::Scenario;
use crate::policy::PolicyFactory;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the staffing must achieve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffingTarget {
    /// Share of conversations reaching humans in an interval that must get
    /// a first reply within the engine's response target (0.8 = 80%).
    pub service_level: f64,
    /// Highest occupancy allowed (time-averaged load / cap of the agents on
    /// duty; 1.0 = no limit).
    pub max_occupancy: f64,
    /// Interval length, minutes.
    pub interval_minutes: f64,
    /// Upper bound of the search per interval.
    pub max_agents: u32,
}

impl Default for StaffingTarget {
    fn default() -> Self {
        StaffingTarget {
            service_level: 0.8,
            max_occupancy: 0.9,
            interval_minutes: 30.0,
            max_agents: 500,
        }
    }
}

/// The answer for one interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IntervalStaffing {
    /// Start, hours since the start of the day.
    pub start_hour: f64,
    /// Conversations reaching humans per hour (mean over seeds).
    pub arrivals_per_hour: f64,
    /// Agents found by simulation.
    pub simulated: u32,
    /// Its service level (mean over seeds).
    pub service_level: f64,
    /// Its occupancy (mean over seeds).
    pub occupancy: f64,
    /// Erlang C's answer (`None`: none up to the bound).
    pub erlang_c: Option<u32>,
    /// Erlang A's answer.
    pub erlang_a: Option<u32>,
}

/// The staffing found for a day.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StaffingPlan {
    /// The scenario's name.
    pub scenario: String,
    /// The target searched for.
    pub target: StaffingTarget,
    /// Agent working time per conversation used by the formulas, seconds.
    pub handle_secs: f64,
    /// Seeds every candidate ran.
    pub seeds: Vec<u64>,
    /// One row per interval of the day.
    pub intervals: Vec<IntervalStaffing>,
}

impl StaffingPlan {
    /// Agent-hours by simulation, Erlang C and Erlang A (intervals without
    /// an Erlang answer count the simulated figure).
    pub fn agent_hours(&self) -> (f64, f64, f64) {
        let h = self.target.interval_minutes / 60.0;
        let sum = |f: &dyn Fn(&IntervalStaffing) -> u32| -> f64 {
            self.intervals.iter().map(|i| f64::from(f(i)) * h).sum()
        };
        (
            sum(&|i| i.simulated),
            sum(&|i| i.erlang_c.unwrap_or(i.simulated)),
            sum(&|i| i.erlang_a.unwrap_or(i.simulated)),
        )
    }

    /// The plan as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl fmt::Display for StaffingPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} -- fewest agents for {:.0}% within target and occupancy <= {:.0}%, {} seeds, handle time {:.0} s",
            self.scenario,
            self.target.service_level * 100.0,
            self.target.max_occupancy * 100.0,
            self.seeds.len(),
            self.handle_secs
        )?;
        writeln!(
            f,
            "  {:>6} {:>10} {:>9} {:>8} {:>9} {:>8} {:>8}",
            "hour", "arrivals/h", "simulated", "SL", "occupancy", "ErlangC", "ErlangA"
        )?;
        let opt = |x: Option<u32>| x.map_or("-".to_string(), |n| n.to_string());
        for i in self
            .intervals
            .iter()
            .filter(|i| i.arrivals_per_hour > 0.0 || i.simulated > 0)
        {
            writeln!(
                f,
                "  {:>6.1} {:>10.1} {:>9} {:>7.1}% {:>8.1}% {:>8} {:>8}",
                i.start_hour,
                i.arrivals_per_hour,
                i.simulated,
                i.service_level * 100.0,
                i.occupancy * 100.0,
                opt(i.erlang_c),
                opt(i.erlang_a)
            )?;
        }
        let (sim, c, a) = self.agent_hours();
        writeln!(
            f,
            "  agent-hours: simulated {sim:.1}, Erlang C {c:.1} ({:+.0}%), Erlang A {a:.1} ({:+.0}%)",
            (c - sim) / sim.max(1e-9) * 100.0,
            (a - sim) / sim.max(1e-9) * 100.0
        )
    }
}

/// Agent working time per conversation, seconds: the classical service
/// mean, or the expected writing time of a messaging conversation's
/// replies (mean turns x mean reply time of the topic mix, lognormal
/// spread 0.5, at the groups' mean speed).
pub fn handle_secs(s: &Scenario) -> f64 {
    if let Some(c) = &s.classical {
        return c.service.mean_secs();
    }
    let shares: f64 = s.topics.iter().map(|t| t.share).sum();
    let reply: f64 = s
        .topics
        .iter()
        .map(|t| t.share * t.reply_secs_median * (0.125f64).exp())
        .sum::<f64>()
        / shares.max(1e-9);
    let count: f64 = s.agents.iter().map(|g| f64::from(g.count)).sum();
    let speed: f64 = s
        .agents
        .iter()
        .map(|g| f64::from(g.count) * (g.speed_min + g.speed_max) / 2.0)
        .sum::<f64>()
        / count.max(1.0);
    s.conversations.turns_mean * reply / speed.max(1e-9)
}

/// Searches the fewest agents per interval of one day of `base`. Calls
/// `progress(interval, intervals)` as intervals are settled.
pub fn search_staffing(
    base: &Scenario,
    target: StaffingTarget,
    replications: &Replications,
    policy: &PolicyFactory,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<StaffingPlan, SimError> {
    let mut s = base.clone();
    s.days = 1;
    let n = (1_440.0 / target.interval_minutes).ceil().max(1.0) as usize;
    let handle = handle_secs(&s);
    let run = |agents: &[u32]| -> Result<Vec<Report>, SimError> {
        let mut day = s.clone();
        day.staffing = Some(Staffing {
            interval_minutes: target.interval_minutes,
            agents: agents.to_vec(),
        });
        day.validate()?;
        replications.run_for(day, policy)
    };
    // A generous first day measures the arrivals that reach humans.
    let generous = vec![target.max_agents.min(s.agent_count().max(1) * 2); n];
    let first = run(&generous)?;
    // A classical scenario states its rates; a messaging day's rate of
    // conversations reaching humans is measured (bot, returns, segments).
    let rate = |i: usize| -> f64 {
        if let Some(c) = &s.classical {
            let step = c.interval_ms().max(1) as f64;
            let at = (i as f64 + 0.5) * target.interval_minutes * 60_000.0;
            return c.rate_per_hour((at / step) as usize);
        }
        let total: u64 = first
            .iter()
            .map(|r| r.intervals.get(i).map_or(0, |x| x.reached_humans))
            .sum();
        total as f64 / first.len().max(1) as f64 / (target.interval_minutes / 60.0)
    };
    let target_secs = s.engine.response_target.as_secs_f64();
    let theta = match &s.classical {
        Some(c) => c.patience.as_ref().map_or(0.0, |p| 1.0 / p.mean_secs()),
        None => std::f64::consts::LN_2 / (s.conversations.patience_minutes_median * 60.0),
    };
    let mut rows: Vec<IntervalStaffing> = (0..n)
        .map(|i| {
            let lambda = rate(i) / 3_600.0;
            let mu = 1.0 / handle;
            let c = (lambda > 0.0).then(|| {
                staff_for(
                    target.max_agents,
                    target.service_level,
                    target.max_occupancy,
                    |k| erlang_c_figures(k, lambda, mu, target_secs),
                )
            });
            let a = (lambda > 0.0).then(|| {
                staff_for(
                    target.max_agents,
                    target.service_level,
                    target.max_occupancy,
                    |k| erlang_a_figures(k, lambda, mu, theta, target_secs),
                )
            });
            IntervalStaffing {
                start_hour: i as f64 * target.interval_minutes / 60.0,
                arrivals_per_hour: rate(i),
                erlang_c: c.flatten(),
                erlang_a: a.flatten(),
                ..IntervalStaffing::default()
            }
        })
        .collect();
    let mut agents = generous.clone();
    let meets = |reports: &[Report], i: usize| -> (bool, f64, f64) {
        let k = reports.len().max(1) as f64;
        let sl = reports
            .iter()
            .filter_map(|r| r.intervals.get(i))
            .map(|x| x.within_target)
            .sum::<f64>()
            / k;
        let occ = reports
            .iter()
            .filter_map(|r| r.intervals.get(i))
            .map(|x| x.occupancy)
            .sum::<f64>()
            / k;
        (
            sl >= target.service_level && occ <= target.max_occupancy,
            sl,
            occ,
        )
    };
    for i in 0..n {
        progress(i, n);
        if rows[i].arrivals_per_hour <= 0.0 {
            agents[i] = 0;
            continue;
        }
        let guess = rows[i]
            .erlang_c
            .unwrap_or(target.max_agents)
            .clamp(1, target.max_agents);
        agents[i] = guess;
        let reports = run(&agents)?;
        let (ok, mut sl, mut occ) = meets(&reports, i);
        if ok {
            // Fewer while the target still holds.
            while agents[i] > 1 {
                agents[i] -= 1;
                let r = run(&agents)?;
                let (ok, s2, o2) = meets(&r, i);
                if !ok {
                    agents[i] += 1;
                    break;
                }
                (sl, occ) = (s2, o2);
            }
        } else {
            // More until it holds (or the bound).
            while agents[i] < target.max_agents {
                agents[i] += 1;
                let r = run(&agents)?;
                let (ok, s2, o2) = meets(&r, i);
                (sl, occ) = (s2, o2);
                if ok {
                    break;
                }
            }
        }
        rows[i].simulated = agents[i];
        rows[i].service_level = sl;
        rows[i].occupancy = occ;
    }
    progress(n, n);
    Ok(StaffingPlan {
        scenario: s.name.clone(),
        target,
        handle_secs: handle,
        seeds: replications.seeds().to_vec(),
        intervals: rows,
    })
}
