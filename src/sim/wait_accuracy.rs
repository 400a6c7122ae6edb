//! How accurate the engine's expected wait was over a simulated day: each
//! conversation, when it starts waiting in a line under a routing plan,
//! is asked its expected wait ([`Engine::queue_position`]); when an agent
//! takes it, the actual wait is compared with the estimate. The report
//! gives the mean absolute error and the share of actual waits inside the
//! estimate's range. A conversation resolved (abandoned, expired, sent to
//! the bot) before an agent took it has no actual wait and is left out,
//! as is one asked while its line had served too little to estimate.
//!
//! [`Engine::queue_position`]: crate::Engine::queue_position

use crate::engine::{Decision, ExpectedWait};
use std::collections::HashMap;

/// The estimates awaiting their outcome, and the sums of those settled.
#[derive(Debug, Default)]
pub(super) struct WaitAccuracy {
    /// Conversation to (asked at, expected, low, high), ms. Bounded by the
    /// conversations of the day waiting at once (one entry each).
    pending: HashMap<u64, (u64, u64, u64, u64)>,
    /// Estimates settled by an agent taking the conversation.
    settled: u64,
    /// Sum of |actual - expected|, ms.
    abs_error_ms: u64,
    /// Settled with the actual wait inside [low, high].
    inside: u64,
}

impl WaitAccuracy {
    /// `conversation` started waiting at `t` (ms) with the estimate `w`;
    /// a conversation already awaiting its outcome keeps its first one.
    pub(super) fn asked(&mut self, conversation: u64, t: u64, w: &ExpectedWait) {
        self.pending
            .entry(conversation)
            .or_insert((t, w.expected.0, w.low.0, w.high.0));
    }

    /// Settles or drops an estimate on `d` at `t` (ms).
    #[inline]
    pub(super) fn decision(&mut self, t: u64, d: &Decision) {
        // Only plan days ask (`host.rs`); elsewhere every decision would
        // pay a SipHash of its conversation for nothing (2 per customer,
        // 3.9% of M/M/10's instructions).
        if self.pending.is_empty() {
            return;
        }
        match d {
            Decision::Assigned { conversation, .. } | Decision::Offered { conversation, .. } => {
                if let Some((asked, expected, low, high)) = self.pending.remove(&conversation.0) {
                    let actual = t.saturating_sub(asked);
                    self.settled += 1;
                    self.abs_error_ms += actual.abs_diff(expected);
                    self.inside += u64::from((low..=high).contains(&actual));
                }
            }
            Decision::Resolved { conversation, .. } => {
                self.pending.remove(&conversation.0);
            }
            _ => {}
        }
    }

    /// (estimates settled, mean absolute error in minutes, share inside
    /// the range); `None` when none was settled.
    pub(super) fn figures(&self) -> Option<(u64, f64, f64)> {
        (self.settled > 0).then(|| {
            let n = self.settled as f64;
            (
                self.settled,
                self.abs_error_ms as f64 / n / 60_000.0,
                self.inside as f64 / n,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::WaitMethod;
    use crate::model::{AgentId, Capacity, ConversationId, TimeSpan};
    use crate::AssignVia;

    fn estimate(expected: u64, low: u64, high: u64) -> ExpectedWait {
        ExpectedWait {
            expected: TimeSpan(expected),
            low: TimeSpan(low),
            high: TimeSpan(high),
            method: WaitMethod::RecentThroughput,
            samples: 10,
        }
    }

    fn assigned(c: u64) -> Decision {
        Decision::Assigned {
            conversation: ConversationId(c),
            agent: AgentId(1),
            via: AssignVia::Policy,
            load: Capacity::units(1),
            cap: Capacity::units(2),
        }
    }

    #[test]
    fn the_error_and_the_share_inside_the_range_count_only_conversations_an_agent_took() {
        let mut w = WaitAccuracy::default();
        assert_eq!(w.figures(), None);
        w.asked(1, 0, &estimate(60_000, 30_000, 90_000));
        w.asked(2, 0, &estimate(60_000, 30_000, 90_000));
        w.asked(3, 0, &estimate(60_000, 30_000, 90_000));
        // Asked again while waiting: the first estimate stands.
        w.asked(1, 50_000, &estimate(1, 0, 2));
        w.decision(90_000, &assigned(1)); // 30 s off, inside
        w.decision(180_000, &assigned(2)); // 120 s off, outside
        w.decision(
            10_000,
            &Decision::Resolved {
                conversation: ConversationId(3),
                reason: crate::ResolveReason::Abandoned,
                agent: None,
                load: None,
                cap: None,
            },
        );
        w.decision(200_000, &assigned(3)); // dropped at the resolve
        let (n, mae, inside) = w.figures().expect("two settled");
        assert_eq!(n, 2);
        assert!((mae - 1.25).abs() < 1e-9, "{mae}");
        assert!((inside - 0.5).abs() < 1e-9, "{inside}");
    }
}
