//! `Engine::queue_board`: the routing plan's queues as a wallboard shows
//! them, by name, open or closed, with the work waiting in each, how far
//! up its route's ladder that work has climbed, the expected wait at the
//! back of the line, and a capped queue's live conversations against its
//! cap. A query for people (read once a second or so),
//! never a routing decision: it visits each skill group's waiting line
//! once, so it costs O(groups + waiting conversations x log(steps)).

use super::wait_estimate::{expect, ExpectedWait};
use super::Engine;
use crate::model::{TimeSpan, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Its waiting conversations by the step of their route they entered
    /// last, in route then step order (steps nobody waits on are left out).
    #[serde(default)]
    pub steps: Vec<StepWaiting>,
    /// The expected wait of the conversation at the back of its line (the
    /// longest of its lines when its work waits in several skill groups),
    /// as [`Engine::queue_position`] reckons it; `None` when nobody waits
    /// or the lines have served too little work recently to say.
    #[serde(default)]
    pub expected_wait: Option<ExpectedWait>,
    /// The queue's cap on live conversations against the conversations
    /// taken from its pool that are live now, and the refusals at its
    /// level (as [`Engine::queue_caps`]); `None` when it has no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<super::QueueCapStats>,
}

/// How many of a queue's waiting conversations stand on one step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepWaiting {
    /// The route's name.
    pub route: String,
    /// The step's index in the route (the last one entered).
    pub step: u16,
    /// Conversations waiting on it.
    pub waiting: u32,
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
                steps: Vec::new(),
                expected_wait: None,
                cap: (st.workload.queues.get(q))
                    .filter(|cap| cap.max_live.is_some())
                    .map(|cap| super::QueueCapStats {
                        queue: queue.name.clone(),
                        max_live: cap.max_live,
                        live: cap.live,
                        refusals: cap.refusals,
                    }),
            })
            .collect();
        // (queue, route, step) -> waiting: ordered, so the rows come out in
        // route then step order; at most queues x routes x steps entries.
        let mut on_step: BTreeMap<(u16, u16, u16), u32> = BTreeMap::new();
        let mut visited = 0usize;
        for (g, group) in st.groups.iter().enumerate() {
            // The back of this line: its length is the last position.
            let back = expect(&group.served, group.waiting.len());
            for (_, key, c) in group.waiting.iter(&st.line_pool) {
                visited += 1;
                let conv = st.conv(c);
                // Overflow: the conversation waits in this group too, but
                // its own queue is counted from its own group only.
                if conv.group.get() != g {
                    continue;
                }
                let Some(route) = st.conv_route(c) else {
                    continue;
                };
                let Some(&q) = route.queues.first() else {
                    continue;
                };
                if let Some(row) = board.get_mut(usize::from(q)) {
                    row.waiting += 1;
                    let oldest = row.oldest_waiting_since.get_or_insert(key.since);
                    *oldest = (*oldest).min(key.since);
                    if let Some(step) = route.next_step.checked_sub(1) {
                        *on_step.entry((q, route.route, step)).or_default() += 1;
                    }
                    if back.is_some_and(|b| {
                        row.expected_wait
                            .is_none_or(|mine| b.expected > mine.expected)
                    }) {
                        row.expected_wait = back;
                    }
                }
            }
        }
        for ((q, r, step), waiting) in on_step {
            let (Some(row), Some(route)) = (
                board.get_mut(usize::from(q)),
                plan.routes.get(usize::from(r)),
            ) else {
                continue;
            };
            row.steps.push(StepWaiting {
                route: route.name.clone(),
                step,
                waiting,
            });
        }
        // Each waiting conversation sits in its own group and at most its
        // overflow groups: the visit is bounded by the conversations held
        // times the overflow bound.
        debug_assert!(visited <= st.convs.len() * crate::plan::limits::MAX_POOL_GROUPS);
        board
    }
}
