//! Agents who answer their assignments, for the harness's
//! `profile_rules_answered` stream: each assignment the engine decides
//! gets the agent's first reply after a delay drawn from the figures of
//! /work/shared/DOMAIN.md (first response within the recommended 10
//! minutes), except a share left unanswered in time (21%, the share of
//! live-chat requests left unanswered there), which only the base
//! stream's random replies may reach. The mixed stream's own agent replies
//! go to random open conversations, so without this almost no assignment
//! is answered within 10 minutes and the no-answer rule reassigns most of
//! them (BENCHMARKS.md, "Workload rules (issue 20)").
#![allow(dead_code)]

use super::workload::Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use switchboard::{AgentId, Command, ConversationId, Decision, Timestamp};

/// Share of assignments not answered within the response target, in
/// permille (DOMAIN.md: 21% of live-chat requests left unanswered).
pub const UNANSWERED_PERMILLE: u64 = 210;
/// The earliest first reply after an assignment, in milliseconds.
pub const FIRST_REPLY_MIN_MS: u64 = 30_000;
/// The latest, inside DOMAIN.md's 10-minute first-response target.
pub const FIRST_REPLY_MAX_MS: u64 = 570_000;

/// First replies still to send, by due time.
pub struct FirstReplies {
    rng: Rng,
    /// (due time, conversation, agent), earliest first.
    pending: BinaryHeap<Reverse<(u64, u64, u64)>>,
    /// Assignments learnt.
    pub assignments: u64,
    /// Assignments left without a reply in time.
    pub unanswered: u64,
    /// First replies sent.
    pub sent: u64,
    /// Replies dropped because the conversation had moved to another
    /// agent (or been resolved) before they were due.
    pub moved: u64,
}

impl FirstReplies {
    /// A schedule drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Rng::new(seed ^ 0x5ee_d1e5),
            pending: BinaryHeap::new(),
            assignments: 0,
            unanswered: 0,
            sent: 0,
            moved: 0,
        }
    }

    /// Schedules the first reply of each assignment in `decisions`, made
    /// at `at`.
    pub fn learn(&mut self, at: Timestamp, decisions: &[Decision]) {
        for d in decisions {
            let Decision::Assigned {
                conversation,
                agent,
                ..
            } = d
            else {
                continue;
            };
            self.assignments += 1;
            if self.rng.chance(UNANSWERED_PERMILLE) {
                self.unanswered += 1;
                continue;
            }
            let delay =
                FIRST_REPLY_MIN_MS + self.rng.below(FIRST_REPLY_MAX_MS - FIRST_REPLY_MIN_MS + 1);
            self.pending
                .push(Reverse((at.0 + delay, conversation.0, agent.0)));
        }
    }

    /// The next first reply due by `now`, if its agent still holds the
    /// conversation (`owner` says who does), with its time; replies whose
    /// conversation moved are dropped on the way. Each call pops at least
    /// one pending reply or returns `None`.
    pub fn next_due(
        &mut self,
        now: Timestamp,
        owner: impl Fn(u64) -> u64,
    ) -> Option<(Timestamp, Command)> {
        // Each round pops one pending reply.
        for _ in 0..=self.pending.len() {
            let &Reverse((due, conversation, agent)) = self.pending.peek()?;
            if due > now.0 {
                return None;
            }
            self.pending.pop();
            if owner(conversation) != agent {
                self.moved += 1;
                continue;
            }
            self.sent += 1;
            let command = Command::AgentMessage {
                conversation: ConversationId(conversation),
                agent: AgentId(agent),
            };
            return Some((Timestamp(due), command));
        }
        None
    }
}
