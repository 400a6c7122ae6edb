//! `Engine::queue_board`: the routing plan's queues as a wallboard shows
//! them, by name, open or closed, with the work waiting in each. A query
//! for people (read once a second or so), never a routing decision: it
//! visits each skill group's waiting line once, so it costs O(groups +
//! waiting conversations).

use super::Engine;
use crate::model::{TimeSpan, Timestamp};
use serde::{Deserialize, Serialize};

/// One queue of the plan in force, now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueBoard {
    /// The queue's name.
    pub name: String,
    /// Open now (its emergency switch, else its calendar; always open
    /// without a calendar).
    pub open: bool,
    /// Conversations waiting with this queue as their own (the one their
    /// route's last `enter_queue` named; overflow queues they also wait in
    /// are not counted again).
    pub waiting: u32,
    /// Since when the oldest of them waits.
    pub oldest_waiting_since: Option<Timestamp>,
    /// The queue's first-response target (the engine's when it names
    /// none).
    pub response_target: TimeSpan,
}

impl Engine {
    /// The plan's queues in document order, each with its waiting work;
    /// empty without a plan.
    pub fn queue_board(&self) -> Vec<QueueBoard> {
        let st = &self.state;
        let Some(plan) = st.plan.as_deref() else {
            return Vec::new();
        };
        let mut board: Vec<QueueBoard> = plan
            .queues
            .iter()
            .enumerate()
            .map(|(q, queue)| QueueBoard {
                name: queue.name.clone(),
                open: st.hours.queues.get(q).copied().unwrap_or(true),
                waiting: 0,
                oldest_waiting_since: None,
                response_target: queue
                    .response_target_ms
                    .map_or(self.config().response_target, TimeSpan),
            })
            .collect();
        let mut visited = 0usize;
        for (g, group) in st.groups.iter().enumerate() {
            for (_, key, c) in group.waiting.iter() {
                visited += 1;
                let conv = st.conv(c);
                // Overflow: the conversation waits in this group too, but
                // its own queue is counted from its own group only.
                if conv.group.get() != g {
                    continue;
                }
                let Some(q) = conv
                    .plan
                    .as_ref()
                    .and_then(|p| p.route.as_ref())
                    .and_then(|r| r.queues.first())
                else {
                    continue;
                };
                if let Some(row) = board.get_mut(usize::from(*q)) {
                    row.waiting += 1;
                    let oldest = row.oldest_waiting_since.get_or_insert(key.since);
                    *oldest = (*oldest).min(key.since);
                }
            }
        }
        // Each waiting conversation sits in its own group and at most its
        // overflow groups: the visit is bounded by the conversations held
        // times the overflow bound.
        debug_assert!(visited <= st.convs.len() * crate::plan::limits::MAX_POOL_GROUPS);
        board
    }
}
