//! A waiting conversation's position and expected wait
//! ([`Engine::queue_position`]).
//!
//! Position: among the work competing for the same agents, its own
//! group's line, in the order the line serves it (aged priority, then
//! arrival), 1 for the next served. Expected wait: from the line's recent
//! throughput, the last [`RECENT`] hand-overs from it. With `n` of them
//! over a span `s`, the line serves at rate `r = (n - 1) / s`; the `p`-th
//! next departure is then a sum of `p` exponential gaps (Gamma(`p`, `r`)),
//! whose mean `p / r` is the estimate and mean ± 1.645 standard
//! deviations (`sqrt(p) / r`) its range (about 90%). Below
//! [`MIN_WAIT_SAMPLES`] hand-overs there is no estimate: too little data
//! is worse than none.
//!
//! Costs: a hand-over from a line appends one time to a ring of
//! [`RECENT`] (no allocation once the ring has grown); the query walks the
//! conversation's line once, O(line), on request only.

use super::cx::Cx;
use super::state::conversation::Place;
use super::state::index::ConvIdx;
use super::{Engine, EngineError};
use crate::model::{ConversationId, TimeSpan, Timestamp};
use serde::{Deserialize, Serialize};

/// Hand-overs each line remembers for its throughput.
pub(crate) const RECENT: usize = 32;
/// The fewest recent hand-overs of a line that give an expected wait.
pub const MIN_WAIT_SAMPLES: usize = 5;

const _: () = assert!(MIN_WAIT_SAMPLES >= 2 && MIN_WAIT_SAMPLES <= RECENT);

/// Where a waiting conversation stands (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePosition {
    /// Its place in its line: 1 is served next.
    pub position: u32,
    /// Conversations in that line, itself included.
    pub waiting: u32,
    /// How long it should still wait, if the line has served enough work
    /// recently to say.
    pub expected_wait: Option<ExpectedWait>,
}

/// An expected wait with its range and how it was reckoned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedWait {
    /// The estimate (from now).
    pub expected: TimeSpan,
    /// The low end of the range (about the 5th percentile).
    pub low: TimeSpan,
    /// The high end of the range (about the 95th percentile).
    pub high: TimeSpan,
    /// How it was reckoned.
    pub method: WaitMethod,
    /// Hand-overs it was reckoned from.
    pub samples: u32,
}

/// How an expected wait was reckoned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WaitMethod {
    /// The line's recent throughput (its last hand-overs), the wait for
    /// the `position`-th next departure taken as Gamma distributed.
    RecentThroughput,
}

/// `c`, queued, is being handed over: its own line served one more.
/// Inlined: once per hand-over of queued work.
#[inline]
pub(crate) fn served(cx: &mut Cx<'_>, c: ConvIdx) {
    let (g, at) = (cx.st.conv(c).group, cx.at);
    let ring = &mut cx.st.group_mut(g).served;
    if ring.len() == RECENT {
        ring.pop_front();
    }
    ring.push_back(at);
    debug_assert!(ring.len() <= RECENT);
}

/// The expected wait of the `position`-th next departure of a line whose
/// recent hand-overs are `served`, or `None` below the minimum data.
pub(crate) fn expect(
    served: &std::collections::VecDeque<Timestamp>,
    position: u32,
) -> Option<ExpectedWait> {
    let n = served.len();
    let (first, last) = (served.front()?, served.back()?);
    let span = last.0.saturating_sub(first.0);
    if n < MIN_WAIT_SAMPLES || span == 0 {
        return None;
    }
    let gap = span as f64 / (n - 1) as f64;
    let p = f64::from(position);
    let mean = p * gap;
    let sd = p.sqrt() * gap;
    let ms = |x: f64| TimeSpan(x.max(0.0).round() as u64);
    Some(ExpectedWait {
        expected: ms(mean),
        low: ms(mean - 1.645 * sd),
        high: ms(mean + 1.645 * sd),
        method: WaitMethod::RecentThroughput,
        samples: n as u32,
    })
}

impl Engine {
    /// Where conversation `id` stands in its line and how long it should
    /// still wait (see the module doc); `Ok(None)` when it is not waiting
    /// in a line (with an agent, waiting for one agent in particular, with
    /// the bot, resolved). O(its line), on request only.
    pub fn queue_position(&self, id: ConversationId) -> Result<Option<QueuePosition>, EngineError> {
        let st = &self.state;
        let c = st
            .conv_idx(id)
            .ok_or(EngineError::UnknownConversation(id))?;
        let conv = st.conv(c);
        if conv.place != Place::Queued {
            return Ok(None);
        }
        let head_start = self.config.class_head_start;
        let mine = conv.line_key().aged(conv.class(), head_start);
        let line = &st.group(conv.group).waiting;
        let ahead = line
            .iter(&st.line_pool)
            .filter(|&(class, key, _)| key.aged(class, head_start) < mine)
            .count() as u32;
        let position = ahead + 1;
        Ok(Some(QueuePosition {
            position,
            waiting: line.len(),
            expected_wait: expect(&st.group(conv.group).served, position),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    #[test]
    fn no_estimate_below_the_minimum_of_recent_data() {
        let few: VecDeque<Timestamp> = (0..MIN_WAIT_SAMPLES as u64 - 1)
            .map(|i| Timestamp(i * 1000))
            .collect();
        assert_eq!(expect(&few, 1), None);
    }

    #[test]
    fn a_steady_line_gives_position_times_the_gap_with_a_range() {
        // One hand-over a minute, eleven of them: the third in line waits
        // about three minutes, the range around it.
        let steady: VecDeque<Timestamp> = (0..11).map(|i| Timestamp(i * 60_000)).collect();
        let w = expect(&steady, 3).expect("enough data");
        assert_eq!(w.expected, TimeSpan(180_000));
        assert!(w.low < w.expected && w.expected < w.high);
        assert_eq!(w.samples, 11);
        assert_eq!(w.method, WaitMethod::RecentThroughput);
    }
}
