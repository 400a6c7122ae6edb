//! The figures of the routing plan and the workload rules in a report:
//! steps entered, wrap-up time, reassignments of unanswered
//! conversations, agents stopped by their rate limit, pulls, and the
//! refusals at the caps above the agents. Present only when a rule acted,
//! so a day without rules reports exactly as before.

use crate::engine::{AssignVia, Decision, NoAnswerAction, Refusals};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the routing plan and the workload rules did over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleFigures {
    /// Plan steps entered (the first step of a route included).
    pub steps_entered: u64,
    /// Plan steps skipped by their `skip_if`.
    pub steps_skipped: u64,
    /// Conversations that reached their route's time to live.
    pub ttl_reached: u64,
    /// Conversations whose queue was closed (waiting when it closed, or
    /// arriving while closed).
    pub closed_queue: u64,
    /// Wrap-ups started (a resolve under a channel's wrap-up rule).
    pub wrap_ups: u64,
    /// Mean length of an ended wrap-up, minutes.
    pub wrap_up_minutes_mean: f64,
    /// Agent-hours spent in wrap-up.
    pub wrap_up_agent_hours: f64,
    /// Wrap-up hours over logged-in agent-hours.
    pub wrap_up_share: f64,
    /// Conversations sent back to their line because the agent did not
    /// answer in time.
    pub no_answer_reassigned: u64,
    /// Conversations whose no-answer hops were spent (kept and warned, or
    /// resolved, as the rule says).
    pub no_answer_final: u64,
    /// Times an agent reached their assignment rate limit.
    pub rate_limit_reached: u64,
    /// Assignments an agent pulled.
    pub pulled: u64,
    /// Pulls that found nothing to take.
    pub nothing_to_pull: u64,
    /// Expected waits asked when a conversation started waiting under the
    /// plan and settled by an agent taking it (see `wait_accuracy`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wait_estimates: u64,
    /// Their mean absolute error, minutes.
    #[serde(default, skip_serializing_if = "is_zero_f")]
    pub wait_mae_minutes: f64,
    /// Share of their actual waits inside the estimate's range.
    #[serde(default, skip_serializing_if = "is_zero_f")]
    pub wait_inside_range: f64,
    /// Assignments refused at a team's cap.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub team_refusals: u64,
    /// Assignments refused at a routing-plan queue's cap (`max_live`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub queue_refusals: u64,
    /// Assignments refused at the tenant's cap.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tenant_refusals: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_zero_f(x: &f64) -> bool {
    *x == 0.0
}

impl RuleFigures {
    /// The report's text rows for the rules that acted.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        let mut rows = Vec::new();
        if self.steps_entered + self.steps_skipped + self.ttl_reached > 0 {
            rows.push((
                "plan steps entered/skipped/ttl",
                format!(
                    "{} / {} / {}",
                    self.steps_entered, self.steps_skipped, self.ttl_reached
                ),
            ));
        }
        if self.closed_queue > 0 {
            rows.push(("met a closed queue", self.closed_queue.to_string()));
        }
        if self.wrap_ups > 0 {
            rows.push((
                "wrap-ups / mean / share of time",
                format!(
                    "{} / {:.1} min / {:.1}%",
                    self.wrap_ups,
                    self.wrap_up_minutes_mean,
                    self.wrap_up_share * 100.0
                ),
            ));
        }
        if self.no_answer_reassigned + self.no_answer_final > 0 {
            rows.push((
                "no answer: reassigned / final",
                format!("{} / {}", self.no_answer_reassigned, self.no_answer_final),
            ));
        }
        if self.rate_limit_reached > 0 {
            rows.push(("rate limit reached", self.rate_limit_reached.to_string()));
        }
        if self.wait_estimates > 0 {
            rows.push((
                "expected wait: error / inside range",
                format!(
                    "{:.2} min mean absolute / {:.1}% of {}",
                    self.wait_mae_minutes,
                    self.wait_inside_range * 100.0,
                    self.wait_estimates
                ),
            ));
        }
        if self.team_refusals + self.queue_refusals + self.tenant_refusals > 0 {
            rows.push((
                "refused at team / queue / tenant caps",
                format!(
                    "{} / {} / {}",
                    self.team_refusals, self.queue_refusals, self.tenant_refusals
                ),
            ));
        }
        if self.pulled + self.nothing_to_pull > 0 {
            rows.push((
                "pulled / nothing to pull",
                format!("{} / {}", self.pulled, self.nothing_to_pull),
            ));
        }
        rows
    }
}

/// Counts the rules' decisions as they come.
#[derive(Debug, Default)]
pub(super) struct RulesTally {
    figures: RuleFigures,
    /// Wrap-ups in progress: conversation to start time, ms. Bounded by
    /// the conversations of the day (one wrap-up each at a time).
    started: HashMap<u64, u64>,
    /// Wrap-ups ended, and their total length, ms.
    ended: u64,
    ended_ms: u64,
    /// Length of every wrap-up, running ones up to the end, ms.
    wrap_up_ms: u64,
    /// The expected waits asked, and their outcomes.
    pub(super) waits: super::wait_accuracy::WaitAccuracy,
}

impl RulesTally {
    /// Counts one decision at `t` (ms).
    #[inline]
    pub(super) fn decision(&mut self, t: u64, d: &Decision) {
        self.waits.decision(t, d);
        let f = &mut self.figures;
        match d {
            Decision::WrapUpStarted { conversation, .. } => {
                f.wrap_ups += 1;
                self.started.insert(conversation.0, t);
            }
            Decision::WrapUpEnded { conversation, .. } => {
                if let Some(start) = self.started.remove(&conversation.0) {
                    self.ended += 1;
                    self.ended_ms += t.saturating_sub(start);
                    self.wrap_up_ms += t.saturating_sub(start);
                }
            }
            Decision::NoAnswer { action, .. } => match *action {
                NoAnswerAction::Requeued => f.no_answer_reassigned += 1,
                _ => f.no_answer_final += 1,
            },
            Decision::RateLimitReached { .. } => f.rate_limit_reached += 1,
            Decision::StepEntered { .. } => f.steps_entered += 1,
            Decision::StepSkipped { .. } => f.steps_skipped += 1,
            Decision::TtlReached { .. } => f.ttl_reached += 1,
            Decision::ClosedQueue { .. } => f.closed_queue += 1,
            Decision::NothingToPull { .. } => f.nothing_to_pull += 1,
            Decision::Assigned {
                via: AssignVia::PullNext,
                ..
            } => f.pulled += 1,
            _ => {}
        }
    }

    /// The figures at `end` (ms), wrap-ups still running counted up to
    /// it; `None` when no rule acted.
    pub(super) fn finish(mut self, end: u64, agent_hours: f64) -> Option<RuleFigures> {
        for (_, start) in self.started.drain() {
            self.wrap_up_ms += end.saturating_sub(start);
        }
        let f = &mut self.figures;
        if let Some((n, mae, inside)) = self.waits.figures() {
            (f.wait_estimates, f.wait_mae_minutes, f.wait_inside_range) = (n, mae, inside);
        }
        if *f == RuleFigures::default() {
            return None;
        }
        f.wrap_up_minutes_mean = if self.ended > 0 {
            self.ended_ms as f64 / self.ended as f64 / 60_000.0
        } else {
            0.0
        };
        f.wrap_up_agent_hours = self.wrap_up_ms as f64 / 3_600_000.0;
        f.wrap_up_share = if agent_hours > 0.0 {
            f.wrap_up_agent_hours / agent_hours
        } else {
            0.0
        };
        Some(self.figures)
    }
}

/// `rules` with the refusals at the caps above the agents (a team's, a
/// plan queue's, the tenant's) from the engine's statistics. Those levels
/// refuse only when such a cap is set, so a day without one keeps its
/// figures (`None` stays `None`).
pub(super) fn with_refusals(rules: Option<RuleFigures>, r: &Refusals) -> Option<RuleFigures> {
    if r.team + r.queue + r.tenant == 0 {
        return rules;
    }
    let mut f = rules.unwrap_or_default();
    (f.team_refusals, f.queue_refusals, f.tenant_refusals) = (r.team, r.queue, r.tenant);
    Some(f)
}
