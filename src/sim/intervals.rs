//! Figures per staffing interval, for the staffing search: of the
//! conversations that reached the human tier in the interval, the share
//! answered within the response target; and the occupancy of the agents on
//! duty (time-averaged load / cap, over on-duty agent time).

use serde::{Deserialize, Serialize};

/// One interval's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IntervalFigures {
    /// Start of the interval, hours since the start of the simulation.
    pub start_hour: f64,
    /// Agents on duty.
    pub on_duty: u32,
    /// Conversations that reached humans in the interval.
    pub reached_humans: u64,
    /// Share of them answered within the target (1 when there were none).
    pub within_target: f64,
    /// Time-averaged load / cap summed over agents, divided by the agents
    /// on duty (0 with nobody on duty).
    pub occupancy: f64,
}

/// Running totals.
#[derive(Clone, Debug, Default)]
pub(super) struct IntervalTally {
    len_ms: u64,
    target_ms: u64,
    on_duty: Vec<u32>,
    reached: Vec<u64>,
    within: Vec<u64>,
    util_ms: Vec<f64>,
}

impl IntervalTally {
    /// Intervals of `len_ms` over `horizon_ms`, `on_duty(i)` agents each.
    pub(super) fn new(
        len_ms: u64,
        horizon_ms: u64,
        target_ms: u64,
        on_duty: impl Fn(usize) -> u32,
    ) -> Self {
        let n = horizon_ms.div_ceil(len_ms.max(1)) as usize;
        IntervalTally {
            len_ms: len_ms.max(1),
            target_ms,
            on_duty: (0..n).map(on_duty).collect(),
            reached: vec![0; n],
            within: vec![0; n],
            util_ms: vec![0.0; n],
        }
    }

    fn index(&self, at: u64) -> usize {
        ((at / self.len_ms) as usize).min(self.reached.len().saturating_sub(1))
    }

    /// A conversation reached humans at `since` and got its first reply
    /// after `waited` ms (`None`: never).
    pub(super) fn outcome(&mut self, since: u64, waited: Option<u64>) {
        if self.reached.is_empty() {
            return;
        }
        let i = self.index(since);
        self.reached[i] += 1;
        self.within[i] += u64::from(waited.is_some_and(|w| w <= self.target_ms));
    }

    /// An agent's utilisation `util` held from `from` to `to`.
    pub(super) fn utilisation(&mut self, from: u64, to: u64, util: f64) {
        if self.util_ms.is_empty() || util <= 0.0 {
            return;
        }
        let mut t = from;
        // One step per interval crossed: bounded by the interval count.
        for _ in 0..=self.util_ms.len() {
            if t >= to {
                break;
            }
            let i = self.index(t);
            let end = ((t / self.len_ms + 1) * self.len_ms).min(to);
            self.util_ms[i] += util * (end - t) as f64;
            t = end;
        }
    }

    /// The figures.
    pub(super) fn finish(&self) -> Vec<IntervalFigures> {
        (0..self.reached.len())
            .map(|i| IntervalFigures {
                start_hour: (i as u64 * self.len_ms) as f64 / 3_600_000.0,
                on_duty: self.on_duty[i],
                reached_humans: self.reached[i],
                within_target: if self.reached[i] == 0 {
                    1.0
                } else {
                    self.within[i] as f64 / self.reached[i] as f64
                },
                occupancy: if self.on_duty[i] == 0 {
                    0.0
                } else {
                    self.util_ms[i] / (f64::from(self.on_duty[i]) * self.len_ms as f64)
                },
            })
            .collect()
    }
}
