//! [`DecisionKind`]: the kind of a [`Decision`], without its data, as
//! [`CommandKind`](crate::CommandKind) is for commands.

#[cfg(doc)]
use super::decision::Decision;
use serde::{Deserialize, Serialize};

/// The kind of a [`Decision`], without its data: what a host filters a
/// decision stream by, and what [`Decision::kind`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DecisionKind {
    /// [`Decision::AgentAdded`].
    AgentAdded,
    /// [`Decision::AgentStatusChanged`].
    AgentStatusChanged,
    /// [`Decision::CapacityChanged`].
    CapacityChanged,
    /// [`Decision::Queued`].
    Queued,
    /// [`Decision::WaitingForAgent`].
    WaitingForAgent,
    /// [`Decision::Assigned`].
    Assigned,
    /// [`Decision::Offered`].
    Offered,
    /// [`Decision::OfferAccepted`].
    OfferAccepted,
    /// [`Decision::Requeued`].
    Requeued,
    /// [`Decision::StickyHit`].
    StickyHit,
    /// [`Decision::StickyMiss`].
    StickyMiss,
    /// [`Decision::Reprioritised`].
    Reprioritised,
    /// [`Decision::PriorityChanged`].
    PriorityChanged,
    /// [`Decision::FirstResponse`].
    FirstResponse,
    /// [`Decision::Parked`].
    Parked,
    /// [`Decision::Released`].
    Released,
    /// [`Decision::Escalated`].
    Escalated,
    /// [`Decision::Resolved`].
    Resolved,
    /// [`Decision::Transferred`].
    Transferred,
    /// [`Decision::SlaWarning`].
    SlaWarning,
    /// [`Decision::SlaBreach`].
    SlaBreach,
    /// [`Decision::Purged`].
    Purged,
    /// [`Decision::TeamSet`].
    TeamSet,
    /// [`Decision::TenantCapChanged`].
    TenantCapChanged,
    /// [`Decision::WrapUpStarted`].
    WrapUpStarted,
    /// [`Decision::WrapUpEnded`].
    WrapUpEnded,
    /// [`Decision::ChannelCapChanged`].
    ChannelCapChanged,
    /// [`Decision::RateLimitReached`].
    RateLimitReached,
    /// [`Decision::RateLimitSet`].
    RateLimitSet,
    /// [`Decision::NoAnswer`].
    NoAnswer,
    /// [`Decision::NothingToPull`].
    NothingToPull,
    /// [`Decision::PullCapChanged`].
    PullCapChanged,
    /// [`Decision::StepEntered`].
    StepEntered,
    /// [`Decision::StepSkipped`].
    StepSkipped,
    /// [`Decision::TtlReached`].
    TtlReached,
    /// [`Decision::PlanChanged`].
    PlanChanged,
    /// [`Decision::QueueHours`].
    QueueHours,
    /// [`Decision::ClosedQueue`].
    ClosedQueue,
    /// [`Decision::PreferredSkipped`].
    PreferredSkipped,
    /// [`Decision::SkillWindowChanged`].
    SkillWindowChanged,
    /// [`Decision::ChannelWeightChanged`].
    ChannelWeightChanged,
}

impl DecisionKind {
    /// Every kind, in declaration order.
    pub const ALL: [DecisionKind; 41] = [
        DecisionKind::AgentAdded,
        DecisionKind::AgentStatusChanged,
        DecisionKind::CapacityChanged,
        DecisionKind::Queued,
        DecisionKind::WaitingForAgent,
        DecisionKind::Assigned,
        DecisionKind::Offered,
        DecisionKind::OfferAccepted,
        DecisionKind::Requeued,
        DecisionKind::StickyHit,
        DecisionKind::StickyMiss,
        DecisionKind::Reprioritised,
        DecisionKind::PriorityChanged,
        DecisionKind::FirstResponse,
        DecisionKind::Parked,
        DecisionKind::Released,
        DecisionKind::Escalated,
        DecisionKind::Resolved,
        DecisionKind::Transferred,
        DecisionKind::SlaWarning,
        DecisionKind::SlaBreach,
        DecisionKind::Purged,
        DecisionKind::TeamSet,
        DecisionKind::TenantCapChanged,
        DecisionKind::WrapUpStarted,
        DecisionKind::WrapUpEnded,
        DecisionKind::ChannelCapChanged,
        DecisionKind::RateLimitReached,
        DecisionKind::RateLimitSet,
        DecisionKind::NoAnswer,
        DecisionKind::NothingToPull,
        DecisionKind::PullCapChanged,
        DecisionKind::StepEntered,
        DecisionKind::StepSkipped,
        DecisionKind::TtlReached,
        DecisionKind::PlanChanged,
        DecisionKind::QueueHours,
        DecisionKind::ClosedQueue,
        DecisionKind::PreferredSkipped,
        DecisionKind::SkillWindowChanged,
        DecisionKind::ChannelWeightChanged,
    ];

    /// The name as it appears in JSON (`kind`).
    pub const fn name(self) -> &'static str {
        match self {
            DecisionKind::AgentAdded => "agent_added",
            DecisionKind::AgentStatusChanged => "agent_status_changed",
            DecisionKind::CapacityChanged => "capacity_changed",
            DecisionKind::Queued => "queued",
            DecisionKind::WaitingForAgent => "waiting_for_agent",
            DecisionKind::Assigned => "assigned",
            DecisionKind::Offered => "offered",
            DecisionKind::OfferAccepted => "offer_accepted",
            DecisionKind::Requeued => "requeued",
            DecisionKind::StickyHit => "sticky_hit",
            DecisionKind::StickyMiss => "sticky_miss",
            DecisionKind::Reprioritised => "reprioritised",
            DecisionKind::PriorityChanged => "priority_changed",
            DecisionKind::FirstResponse => "first_response",
            DecisionKind::Parked => "parked",
            DecisionKind::Released => "released",
            DecisionKind::Escalated => "escalated",
            DecisionKind::Resolved => "resolved",
            DecisionKind::Transferred => "transferred",
            DecisionKind::SlaWarning => "sla_warning",
            DecisionKind::SlaBreach => "sla_breach",
            DecisionKind::Purged => "purged",
            DecisionKind::TeamSet => "team_set",
            DecisionKind::TenantCapChanged => "tenant_cap_changed",
            DecisionKind::WrapUpStarted => "wrap_up_started",
            DecisionKind::WrapUpEnded => "wrap_up_ended",
            DecisionKind::ChannelCapChanged => "channel_cap_changed",
            DecisionKind::RateLimitReached => "rate_limit_reached",
            DecisionKind::RateLimitSet => "rate_limit_set",
            DecisionKind::NoAnswer => "no_answer",
            DecisionKind::NothingToPull => "nothing_to_pull",
            DecisionKind::PullCapChanged => "pull_cap_changed",
            DecisionKind::StepEntered => "step_entered",
            DecisionKind::StepSkipped => "step_skipped",
            DecisionKind::TtlReached => "ttl_reached",
            DecisionKind::PlanChanged => "plan_changed",
            DecisionKind::QueueHours => "queue_hours",
            DecisionKind::ClosedQueue => "closed_queue",
            DecisionKind::PreferredSkipped => "preferred_skipped",
            DecisionKind::SkillWindowChanged => "skill_window_changed",
            DecisionKind::ChannelWeightChanged => "channel_weight_changed",
        }
    }
}

impl std::fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_kind_names_are_their_json_names() {
        for kind in DecisionKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
    }
}
