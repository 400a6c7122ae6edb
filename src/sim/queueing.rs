//! Queueing figures measured the way Erlang C and Erlang A define them, so
//! the report can put simulation and formula side by side: over every
//! conversation that reached the human tier after the warm-up, the share
//! that waited at all, the mean wait for a first human reply (abandoning
//! customers up to when they left), the share answered within the target,
//! and the share that abandoned.

use super::erlang::QueueFigures;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Simulated queueing figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Queueing {
    /// Conversations counted (reached humans after the warm-up).
    pub customers: u64,
    /// Share that waited more than 0 ms for a first human reply.
    pub p_wait: f64,
    /// Mean wait, seconds (abandoning customers up to when they left,
    /// customers still waiting at the end up to the end).
    pub mean_wait_secs: f64,
    /// Share answered within the response target.
    pub service_level: f64,
    /// Share that abandoned before a first reply.
    pub abandonment: f64,
}

/// Erlang C and Erlang A for the scenario, beside the simulation (classical
/// scenarios with a constant rate and constant staffing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Formulas {
    /// Erlang C (no abandonment); `None` when the load reaches the agents.
    pub erlang_c: Option<QueueFigures>,
    /// Erlang A (exponential patience at the scenario's mean patience).
    pub erlang_a: Option<QueueFigures>,
}

/// Running totals behind [`Queueing`].
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct QueueTally {
    pub(super) warmup_ms: u64,
    pub(super) target_ms: u64,
    customers: u64,
    waited: u64,
    wait_ms: u128,
    within: u64,
    abandoned: u64,
}

impl QueueTally {
    /// A tally that ignores conversations reaching humans before
    /// `warmup_ms`.
    pub(super) fn new(warmup_ms: u64, target_ms: u64) -> Self {
        QueueTally {
            warmup_ms,
            target_ms,
            ..QueueTally::default()
        }
    }

    /// A first human reply after `waited` ms, to a conversation that reached
    /// humans at `since`.
    pub(super) fn answered(&mut self, since: u64, waited: u64) {
        if since < self.warmup_ms {
            return;
        }
        self.customers += 1;
        self.waited += u64::from(waited > 0);
        self.wait_ms += u128::from(waited);
        self.within += u64::from(waited <= self.target_ms);
    }

    /// A customer left (`abandoned`) or was still waiting at the end after
    /// `waited` ms without a reply.
    pub(super) fn unanswered(&mut self, since: u64, waited: u64, abandoned: bool) {
        if since < self.warmup_ms {
            return;
        }
        self.customers += 1;
        self.waited += 1;
        self.wait_ms += u128::from(waited);
        self.abandoned += u64::from(abandoned);
    }

    /// The figures.
    pub(super) fn finish(&self) -> Queueing {
        let n = self.customers.max(1) as f64;
        Queueing {
            customers: self.customers,
            p_wait: self.waited as f64 / n,
            mean_wait_secs: self.wait_ms as f64 / n / 1_000.0,
            service_level: self.within as f64 / n,
            abandonment: self.abandoned as f64 / n,
        }
    }
}

/// The queueing figures beside Erlang C and Erlang A (the report's table).
pub(super) fn write_formulas(
    f: &mut fmt::Formatter<'_>,
    q: &Queueing,
    fm: &Formulas,
) -> fmt::Result {
    writeln!(
        f,
        "  {:<32} {:>12} {:>12} {:>12}",
        format!("queueing ({} customers)", q.customers),
        "simulated",
        "Erlang C",
        "Erlang A"
    )?;
    type Pick = fn(&QueueFigures) -> f64;
    let rows: [(&str, f64, Pick); 4] = [
        ("P(wait > 0)", q.p_wait, |x| x.p_wait),
        ("mean wait (s)", q.mean_wait_secs, |x| x.mean_wait_secs),
        ("answered within target", q.service_level, |x| {
            x.service_level
        }),
        ("abandonment", q.abandonment, |x| x.abandonment),
    ];
    for (label, sim, pick) in rows {
        let cell = |x: Option<&QueueFigures>| {
            x.map_or("unstable".to_string(), |x| format!("{:.4}", pick(x)))
        };
        writeln!(
            f,
            "  {label:<32} {sim:>12.4} {:>12} {:>12}",
            cell(fm.erlang_c.as_ref()),
            cell(fm.erlang_a.as_ref())
        )?;
    }
    Ok(())
}
