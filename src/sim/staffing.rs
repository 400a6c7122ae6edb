//! The staffing search: per interval, the fewest agents on duty meeting a
//! service-level target (a share of conversations answered within the
//! response target) and a maximum occupancy, found by simulation with
//! common random numbers, beside what Erlang C and Erlang A say.
//!
//! The search walks the day in order. For interval `i`, earlier intervals
//! keep the staffing already found, later ones a generous guess, and the
//! staffing of `i` moves one agent at a time from the Erlang C estimate
//! until it is the fewest that meets the target with the stated
//! confidence: the lower end of the interval over seeds reaches the
//! service level (see `staffing_confidence.rs`; confidence 0 decides on
//! the mean, which noise biases low). Every
//! candidate runs the same seeds, hence the same customers (common random
//! numbers): a change in the figures comes from the staffing, not from
//! another draw of the day.
//!
//! Seeds are adaptive: a candidate first runs the replications' seeds; while
//! its interval straddles the target it runs twice as many (at least
//! [`MIN_SEEDS_TO_MEET`] with a confidence; the seed sequence continues), up
//! to [`StaffingTarget::max_seeds`], and a candidate still undecided there
//! counts as not meeting the target. Setting `max_seeds` to the
//! replications' count gives a fixed number of seeds.
//!
//! The formulas take each interval on its own, with the arrival rate that
//! reached humans (as stated by a classical scenario, measured otherwise) and the agent working time per conversation: a
//! classical scenario's mean service time, or for a messaging day the
//! expected writing time of all its replies. With concurrency above one
//! and stickiness they are the wrong model (an agent works several
//! conversations, customers think between turns); the simulation is the
//! answer and the table shows by how much the formulas differ.

use super::erlang::{erlang_a_figures, erlang_c_figures, staff_for};
use super::error::{ScenarioError, SimError};
use super::replicate::Replications;
use super::report::Report;
use super::roster::Staffing;
use super::scenario::Scenario;
use super::staffing_confidence::{judge, Judged, Verdict, MIN_SEEDS_TO_MEET};
use crate::policy::PolicyFactory;
use serde::{Deserialize, Serialize};

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
    /// Confidence (0 to 0.999) with which a staffing must meet the target:
    /// the lower end of this two-sided interval over seeds must reach the
    /// service level, its upper end stay within the occupancy. 0 decides
    /// on the mean over seeds (biased low by noise).
    #[serde(default)]
    pub confidence: f64,
    /// Most seeds a candidate runs when its interval straddles the target
    /// (at most 1,000); at or below the replications' count, every
    /// candidate runs exactly those seeds. With a confidence above 0 it is
    /// at least [`MIN_SEEDS_TO_MEET`], the fewest that can show a target
    /// met.
    #[serde(default)]
    pub max_seeds: u64,
}

/// Most seeds one candidate may run (each seed is a simulated day).
pub const MAX_SEEDS_BOUND: u64 = 1_000;

impl StaffingTarget {
    /// Checks every field's range (a [`ScenarioError::OutOfRange`] naming
    /// the field otherwise).
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let out = |field: &str, value: f64, expected: &'static str| {
            Err(ScenarioError::OutOfRange {
                field: format!("staffing_target.{field}"),
                value,
                expected,
            })
        };
        let share = |x: f64| x.is_finite() && x > 0.0 && x <= 1.0;
        if !share(self.service_level) {
            return out("service_level", self.service_level, "in (0, 1]");
        }
        if !share(self.max_occupancy) {
            return out("max_occupancy", self.max_occupancy, "in (0, 1]");
        }
        if !(self.interval_minutes >= 5.0 && self.interval_minutes <= 1_440.0) {
            return out("interval_minutes", self.interval_minutes, "in 5..=1440");
        }
        if self.max_agents == 0 {
            return out("max_agents", 0.0, "at least 1");
        }
        if !(self.confidence >= 0.0 && self.confidence <= 0.999) {
            return out("confidence", self.confidence, "in 0..=0.999");
        }
        if self.max_seeds > MAX_SEEDS_BOUND {
            return out("max_seeds", self.max_seeds as f64, "at most 1000");
        }
        Ok(())
    }

    /// Most seeds one candidate runs when the first batch has `first`.
    pub fn seed_bound(&self, first: usize) -> u64 {
        let floor = if self.confidence > 0.0 {
            MIN_SEEDS_TO_MEET
        } else {
            0
        };
        self.max_seeds.max(first as u64).max(floor)
    }
}

impl Default for StaffingTarget {
    fn default() -> Self {
        StaffingTarget {
            service_level: 0.8,
            max_occupancy: 0.9,
            interval_minutes: 30.0,
            max_agents: 500,
            confidence: 0.95,
            max_seeds: 40,
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
    /// Its service level: the share of all its conversations over the
    /// seeds answered within the target.
    pub service_level: f64,
    /// Its occupancy (mean over seeds).
    pub occupancy: f64,
    /// Erlang C's answer (`None`: none up to the bound).
    pub erlang_c: Option<u32>,
    /// Erlang A's answer.
    pub erlang_a: Option<u32>,
    /// Lower end of the service level's interval at the target's
    /// confidence (the mean itself at confidence 0).
    pub service_level_low: f64,
    /// Upper end of that interval.
    pub service_level_high: f64,
    /// Seeds the chosen staffing ran to decide (more than the first batch
    /// when its interval straddled the target).
    pub seeds: u64,
    /// Whether the chosen staffing meets the target (with the confidence);
    /// false when the search reached `max_agents` without meeting it.
    pub met: bool,
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
    /// The first batch of seeds every candidate ran (candidates whose
    /// interval straddled the target ran more: see each row's `seeds`).
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
    target.validate()?;
    if replications.seeds().is_empty() {
        return Err(ScenarioError::Empty {
            field: "replications.seeds".into(),
            problem: "is empty; the staffing search needs at least one seed",
        }
        .into());
    }
    let mut s = base.clone();
    s.days = 1;
    let n = (1_440.0 / target.interval_minutes).ceil().max(1.0) as usize;
    let handle = handle_secs(&s);
    let first_seeds = replications.seeds();
    let max_seeds = target.seed_bound(first_seeds.len());
    let floor = if target.confidence > 0.0 {
        MIN_SEEDS_TO_MEET
    } else {
        0
    };
    // Seeds beyond the first batch continue after its largest, so a
    // candidate's seeds are always a prefix of one sequence (common random
    // numbers hold across candidates whatever each needed).
    let after = first_seeds.iter().copied().max().unwrap_or(0);
    let extra_seed = |k: u64| -> u64 {
        let first = first_seeds.len() as u64;
        match first_seeds.get(k as usize) {
            Some(&seed) => seed,
            None => after.saturating_add(k - first + 1),
        }
    };
    let run = |agents: &[u32], seeds: &[u64]| -> Result<Vec<Report>, SimError> {
        let mut day = s.clone();
        day.staffing = Some(Staffing {
            interval_minutes: target.interval_minutes,
            agents: agents.to_vec(),
        });
        day.validate()?;
        replications
            .clone()
            .with_seeds(seeds.to_vec())
            .run_for(day, policy)
    };
    // A generous first day measures the arrivals that reach humans.
    let generous = vec![target.max_agents.min(s.agent_count().max(1) * 2); n];
    let first = run(&generous, first_seeds)?;
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
    // Judges `agents` for interval `i`, adding seeds while undecided.
    let evaluate = |agents: &[u32], i: usize| -> Result<Judged, SimError> {
        let mut reports = run(agents, first_seeds)?;
        loop {
            let j = judge(
                &reports,
                i,
                target.service_level,
                target.max_occupancy,
                target.confidence,
            );
            let have = reports.len() as u64;
            if j.verdict != Verdict::Undecided || have >= max_seeds {
                return Ok(j);
            }
            // Twice as many, but straight to the floor below which no
            // target counts as met: fewer would only be a wasted look.
            let want = (have * 2).max(floor).clamp(have + 1, max_seeds);
            let more: Vec<u64> = (have..want).map(extra_seed).collect();
            reports.extend(run(agents, &more)?);
        }
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
        let mut best = evaluate(&agents, i)?;
        if best.verdict == Verdict::Meets {
            // Fewer while the target still holds.
            while agents[i] > 1 {
                agents[i] -= 1;
                let j = evaluate(&agents, i)?;
                if j.verdict != Verdict::Meets {
                    agents[i] += 1;
                    break;
                }
                best = j;
            }
        } else {
            // More until it holds (or the bound).
            while agents[i] < target.max_agents {
                agents[i] += 1;
                best = evaluate(&agents, i)?;
                if best.verdict == Verdict::Meets {
                    break;
                }
            }
        }
        let row = &mut rows[i];
        row.simulated = agents[i];
        row.service_level = best.service_level.mean;
        row.service_level_low = best.service_level.low;
        row.service_level_high = best.service_level.high;
        row.occupancy = best.occupancy.mean;
        row.seeds = best.seeds;
        row.met = best.verdict == Verdict::Meets;
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
