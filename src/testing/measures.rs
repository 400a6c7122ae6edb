//! [`Measures`]: every fairness measure of one run, or of many merged, as
//! one table row.

use super::fairness::{
    handed, load_balance, longest_waits, queue_order, skill_match, sticky_counts, work_conservation,
};
use super::run::Trace;
use crate::model::{Capacity, Priority, TimeSpan};
use std::fmt;

/// Every measure of one run (or, merged, of many).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measures {
    /// Runs merged into this value.
    pub runs: u32,
    /// Conversations handed to agents (assigned or offered), any route.
    pub assignments: u32,
    /// Work-conservation violations ([`work_conservation`]).
    pub idle_while_waiting: u32,
    /// Order-within-class violations ([`queue_order`]).
    pub class_order: u32,
    /// Starvation-bound violations ([`queue_order`]).
    pub overtaken: u32,
    /// Longest wait per class ([`longest_waits`]).
    pub longest_wait: [Option<TimeSpan>; 4],
    /// Sticky hits.
    pub sticky_hits: u32,
    /// Sticky misses.
    pub sticky_misses: u32,
    /// Policy choices on arrival observed ([`skill_match`]).
    pub skill_choices: u32,
    /// Of which went to a best-skilled free agent.
    pub skill_best: u32,
    /// Lowest Jain index among equivalent agents ([`load_balance`]).
    pub min_jain: Option<f64>,
    /// Widest load spread among equivalent agents.
    pub max_spread: Capacity,
}

impl Measures {
    /// Measures `trace` (Jain's index is only reported, against no threshold).
    pub fn of(trace: &Trace) -> Self {
        let (class_order, overtaken) = queue_order(trace);
        let (sticky_hits, sticky_misses) = sticky_counts(trace);
        let skills = skill_match(trace);
        let balance = load_balance(trace, 0.0);
        Self {
            runs: 1,
            assignments: trace
                .entries
                .iter()
                .flat_map(|e| e.decisions())
                .filter(|d| handed(d).is_some())
                .count() as u32,
            idle_while_waiting: work_conservation(trace).len() as u32,
            class_order: class_order.len() as u32,
            overtaken: overtaken.len() as u32,
            longest_wait: longest_waits(trace),
            sticky_hits,
            sticky_misses,
            skill_choices: skills.choices,
            skill_best: skills.best,
            min_jain: balance.min_jain,
            max_spread: balance.max_spread,
        }
    }

    /// Adds `other` into `self` (counts summed, extremes kept).
    pub fn merge(&mut self, other: &Measures) {
        self.runs += other.runs;
        self.assignments += other.assignments;
        self.idle_while_waiting += other.idle_while_waiting;
        self.class_order += other.class_order;
        self.overtaken += other.overtaken;
        for (mine, theirs) in self.longest_wait.iter_mut().zip(other.longest_wait) {
            *mine = match (*mine, theirs) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
        self.sticky_hits += other.sticky_hits;
        self.sticky_misses += other.sticky_misses;
        self.skill_choices += other.skill_choices;
        self.skill_best += other.skill_best;
        self.min_jain = match (self.min_jain, other.min_jain) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max_spread = self.max_spread.max(other.max_spread);
    }

    /// Sticky hits over sticky hits and misses, if any customer returned.
    pub fn sticky_hit_rate(&self) -> Option<f64> {
        let total = self.sticky_hits + self.sticky_misses;
        (total > 0).then(|| f64::from(self.sticky_hits) / f64::from(total))
    }

    /// Share of policy choices that went to a best-skilled free agent.
    pub fn skill_match_rate(&self) -> Option<f64> {
        (self.skill_choices > 0).then(|| f64::from(self.skill_best) / f64::from(self.skill_choices))
    }

    /// The header of [`Measures`]' `Display` row.
    pub const HEADER: &'static str =
        "runs | assigned | idle-while-waiting | class-order | overtaken | longest wait (low) | sticky hit | skill match | min Jain | max spread";
}

impl fmt::Display for Measures {
    /// One table row, matching [`Measures::HEADER`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}%", v * 100.0));
        let low = self.longest_wait[usize::from(Priority::Low.rank())]
            .map_or("-".to_owned(), |d| format!("{:.0}s", d.as_secs_f64()));
        write!(
            f,
            "{} | {} | {} | {} | {} | {} | {} | {} | {} | {}",
            self.runs,
            self.assignments,
            self.idle_while_waiting,
            self.class_order,
            self.overtaken,
            low,
            pct(self.sticky_hit_rate()),
            pct(self.skill_match_rate()),
            self.min_jain.map_or("-".to_owned(), |j| format!("{j:.3}")),
            self.max_spread,
        )
    }
}
