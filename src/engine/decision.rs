//! Decisions: what the engine did in answer to a command. Plain values a host
//! forwards to consoles, notifications and traces.

use super::decision_kind::DecisionKind;
use super::workload::{CapLevel, RateLimit, TeamId, WrapUpEndReason};
use crate::model::{
    AgentId, AgentStatus, Capacity, Channel, ConversationId, CustomerId, Priority, ResolveReason,
    TimeSpan, Timestamp,
};
use serde::{Deserialize, Serialize};

/// One thing the engine decided. Variants that change an agent's load carry
/// the agent's load and cap right after the change, so a trace of decisions
/// is enough to recompute every cap check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Decision {
    /// An agent was registered.
    AgentAdded {
        /// The agent.
        agent: AgentId,
        /// Its cap.
        cap: Capacity,
    },
    /// An agent's status changed.
    AgentStatusChanged {
        /// The agent.
        agent: AgentId,
        /// The new status.
        status: AgentStatus,
    },
    /// An agent's cap changed. A load above the new cap is allowed (a
    /// supervisor lowered the cap): the agent keeps their threads and gets
    /// no new work until the load is under the cap.
    CapacityChanged {
        /// The agent.
        agent: AgentId,
        /// The load now (may exceed the new cap).
        load: Capacity,
        /// The new cap.
        cap: Capacity,
    },
    /// The conversation waits in its skill group's queue.
    Queued {
        /// The conversation.
        conversation: ConversationId,
    },
    /// The conversation waits for one agent in particular.
    WaitingForAgent {
        /// The conversation.
        conversation: ConversationId,
        /// The agent it waits for.
        agent: AgentId,
        /// When it falls back to anyone (`None`: it waits for this agent
        /// only, as a parked thread or a transfer does).
        until: Option<Timestamp>,
        /// The agent's load now (a parked thread that starts waiting has
        /// given back its parked weight).
        load: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
    /// The conversation was given to an agent.
    Assigned {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
        /// How the agent was chosen.
        via: AssignVia,
        /// The agent's load after.
        load: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
    /// The conversation was reserved for an agent until `expires_at`.
    Offered {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
        /// How the agent was chosen.
        via: AssignVia,
        /// When the offer lapses.
        expires_at: Timestamp,
        /// The agent's load after (an offer reserves capacity).
        load: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
    /// The agent accepted the offer; the thread is theirs.
    OfferAccepted {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
    },
    /// A thread left its agent (live, offered, or waiting in the agent's own
    /// queue) and went back to its skill group, age and priority kept.
    Requeued {
        /// The conversation.
        conversation: ConversationId,
        /// The agent it left.
        from: AgentId,
        /// Why.
        reason: RequeueReason,
        /// That agent's load after.
        load: Capacity,
        /// That agent's cap.
        cap: Capacity,
    },
    /// A returning customer reached (or is held for) their last agent.
    StickyHit {
        /// The conversation.
        conversation: ConversationId,
        /// The customer.
        customer: CustomerId,
        /// Their last agent.
        agent: AgentId,
    },
    /// A returning customer could not reach their last agent.
    StickyMiss {
        /// The conversation.
        conversation: ConversationId,
        /// The customer.
        customer: CustomerId,
        /// Their last agent.
        agent: AgentId,
        /// Why not.
        reason: StickyMissReason,
    },
    /// The customer wrote into a live thread; it moved up its agent's inbox.
    Reprioritised {
        /// The conversation.
        conversation: ConversationId,
        /// The owning agent.
        agent: AgentId,
    },
    /// The conversation's priority class changed.
    PriorityChanged {
        /// The conversation.
        conversation: ConversationId,
        /// The effective class now.
        priority: Priority,
    },
    /// A human answered for the first time.
    FirstResponse {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
        /// Time from the start of waiting to this reply.
        waited: TimeSpan,
    },
    /// The thread was set aside because the customer went quiet.
    Parked {
        /// The conversation.
        conversation: ConversationId,
        /// The agent keeping it.
        agent: AgentId,
        /// Parked by the engine's auto-park rule, not the host.
        auto: bool,
        /// The agent's load after.
        load: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
    /// A parked thread was released because its agent went offline; it will
    /// be routed afresh (sticky to that agent) when the customer writes.
    Released {
        /// The conversation.
        conversation: ConversationId,
        /// The agent who left.
        agent: AgentId,
        /// The agent's load after.
        load: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
    /// The bot handed the conversation to humans.
    Escalated {
        /// The conversation.
        conversation: ConversationId,
    },
    /// The conversation ended.
    Resolved {
        /// The conversation.
        conversation: ConversationId,
        /// The agent that held it, if any.
        agent: Option<AgentId>,
        /// Why.
        reason: ResolveReason,
        /// That agent's load after (`None` without an agent).
        load: Option<Capacity>,
        /// That agent's cap (`None` without an agent).
        cap: Option<Capacity>,
    },
    /// The conversation was transferred.
    Transferred {
        /// The conversation.
        conversation: ConversationId,
        /// The agent it left, if it had one.
        from: Option<AgentId>,
        /// That agent's load after (`None` without one).
        load: Option<Capacity>,
        /// That agent's cap (`None` without one).
        cap: Option<Capacity>,
    },
    /// A conversation still without a human reply reached the warning share
    /// of its first-response target; the breach has not happened yet.
    SlaWarning {
        /// The conversation.
        conversation: ConversationId,
        /// The agent holding it, if any (otherwise it is queued).
        agent: Option<AgentId>,
        /// When the target will be missed.
        deadline: Timestamp,
    },
    /// Resolved conversations were forgotten ([`Command::Purge`](crate::Command::Purge)).
    Purged {
        /// How many.
        conversations: u64,
    },
    /// The first-response target was missed.
    SlaBreach {
        /// The conversation.
        conversation: ConversationId,
        /// The agent holding it, if any.
        agent: Option<AgentId>,
        /// The deadline that passed.
        deadline: Timestamp,
    },
    /// A team was created or replaced ([`Command::SetTeam`](crate::Command::SetTeam)).
    TeamSet {
        /// The team.
        team: TeamId,
        /// Its members now.
        members: Vec<AgentId>,
        /// Its cap on live threads.
        max_live: Option<u32>,
        /// Its members' live threads now (may exceed a lowered cap).
        live: u32,
    },
    /// The tenant's cap changed.
    TenantCapChanged {
        /// The new cap.
        max_live: Option<u32>,
        /// Live threads now (may exceed a lowered cap).
        live: u32,
    },
    /// A resolved thread's agent keeps part of its weight for wrap-up.
    WrapUpStarted {
        /// The conversation (resolved).
        conversation: ConversationId,
        /// The agent in wrap-up.
        agent: AgentId,
        /// When it ends by itself.
        until: Timestamp,
        /// The agent's load now (the hold included).
        load: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
    /// A wrap-up ended and its hold was freed.
    WrapUpEnded {
        /// The conversation.
        conversation: ConversationId,
        /// The agent.
        agent: AgentId,
        /// Why it ended.
        reason: WrapUpEndReason,
        /// The agent's load after.
        load: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
    /// An agent's cap on one channel changed.
    ChannelCapChanged {
        /// The agent.
        agent: AgentId,
        /// The channel.
        channel: Channel,
        /// The new cap (`None`: none).
        max_live: Option<u32>,
        /// The agent's live threads on the channel now (may exceed it).
        live: u32,
    },
    /// An agent reached their assignment rate limit: no new work until
    /// `until`, when the oldest assignment leaves the window.
    RateLimitReached {
        /// The agent.
        agent: AgentId,
        /// When they rank again.
        until: Timestamp,
    },
    /// An agent's own rate limit changed ([`Command::SetRateLimit`](crate::Command::SetRateLimit)).
    RateLimitSet {
        /// The agent.
        agent: AgentId,
        /// The limit in force now (their own, else their team's).
        limit: Option<RateLimit>,
        /// Their assignments in the window now.
        recent: u32,
    },
    /// The agent sent no first reply within the no-answer time
    /// ([`NoAnswerRule`](crate::NoAnswerRule)); `action` says what
    /// followed (a `Requeued` or `Resolved` decision comes next for those).
    NoAnswer {
        /// The conversation.
        conversation: ConversationId,
        /// The agent who did not answer.
        agent: AgentId,
        /// Which expiry this is for the conversation (1 for the first).
        hop: u32,
        /// What happened.
        action: NoAnswerAction,
        /// The routing-plan queue it was sent to, when its queue names one
        /// (`no_answer_queue`) for a requeue; `None`: its own line.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        queue: Option<String>,
    },
    /// An agent's pull ([`Command::PullNext`](crate::Command::PullNext))
    /// found nothing they may take now.
    NothingToPull {
        /// The agent.
        agent: AgentId,
        /// Why.
        reason: PullMiss,
    },
    /// An agent's pull maximum changed.
    PullCapChanged {
        /// The agent.
        agent: AgentId,
        /// The new pull maximum (`None`: the cap).
        pull_cap: Option<Capacity>,
        /// The agent's load now.
        load: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
    /// A conversation entered a step of its routing plan's route (the
    /// first step when the route took it).
    StepEntered {
        /// The conversation.
        conversation: ConversationId,
        /// The route's name.
        route: String,
        /// The step's index in the route.
        step: u16,
    },
    /// A step was due but its `skip_if` held on the pool's live counts.
    StepSkipped {
        /// The conversation.
        conversation: ConversationId,
        /// The route's name.
        route: String,
        /// The step's index in the route.
        step: u16,
    },
    /// A conversation waited its route's time to live; `action` was taken
    /// (resolved as expired, handed to the bot, or kept with this warning).
    TtlReached {
        /// The conversation.
        conversation: ConversationId,
        /// The route's name.
        route: String,
        /// What was done.
        action: crate::plan::TerminalAction,
    },
    /// A routing plan was loaded (or removed: zero routes); every open
    /// conversation was re-evaluated under it, ages kept.
    PlanChanged {
        /// Routes of the plan now in force.
        routes: u32,
        /// Queues of the plan now in force.
        queues: u32,
    },
    /// A queue with business hours opened or closed (also said for each
    /// such queue when a plan loads). Nobody's live work is touched.
    QueueHours {
        /// The queue's name.
        queue: String,
        /// Open now.
        open: bool,
        /// Its calendar, an emergency switch, or a plan load.
        cause: super::HoursCause,
    },
    /// A conversation's queue is closed: it was waiting when the queue
    /// closed, or it `arrived` while closed; `action` was taken.
    ClosedQueue {
        /// The conversation.
        conversation: ConversationId,
        /// The closed queue's name.
        queue: String,
        /// What was done (the queue's `on_close`).
        action: crate::plan::OnClose,
        /// It arrived while the queue was closed (else it was waiting when
        /// it closed).
        arrived: bool,
    },
    /// An entry of a conversation's affinity list (its customer's owner,
    /// or a scored preferred agent) was passed over, or its wait ended.
    PreferredSkipped {
        /// The conversation.
        conversation: ConversationId,
        /// The agent passed over.
        agent: AgentId,
        /// Their score (`None`: the customer's owner).
        score: Option<u8>,
        /// Why.
        reason: super::PreferredSkip,
    },
    /// One of an agent's windowed skills started or stopped counting at
    /// an edge of its window ([`SkillWindow`](crate::SkillWindow)). When
    /// it stops, the agent keeps every thread they hold; only new work
    /// needing it stops.
    SkillWindowChanged {
        /// The agent.
        agent: AgentId,
        /// The skill.
        skill: crate::model::SkillId,
        /// Counts now (else it stopped).
        counting: bool,
    },
    /// An agent's own weight for one channel changed
    /// ([`Command::SetChannelWeight`](crate::Command::SetChannelWeight)):
    /// their threads of the channel were re-weighed, nothing moved.
    ChannelWeightChanged {
        /// The agent.
        agent: AgentId,
        /// The channel.
        channel: Channel,
        /// The agent's weight for it now (`None`: the channel's).
        weight: Option<Capacity>,
        /// The agent's load after (may exceed the cap; no new work until
        /// it is back under it).
        load: Capacity,
        /// The agent's cap.
        cap: Capacity,
    },
}

/// Why a pull found nothing (see [`Decision::NothingToPull`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PullMiss {
    /// The agent is not online.
    NotAvailable,
    /// Threads wait for the agent in particular: those come first.
    OwnQueueFirst,
    /// The agent is at their assignment rate limit.
    RateLimited,
    /// No waiting conversation of their groups fits under their pull
    /// maximum, their channel caps and cool-downs.
    NothingEligible,
    /// A level above the agent is full.
    Refused(CapLevel),
}

/// What followed an agent's silence (see [`Decision::NoAnswer`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoAnswerAction {
    /// Back to its line, age and priority kept.
    Requeued,
    /// The hops are spent: kept with the agent; a supervisor should act.
    KeptAndWarned,
    /// The hops are spent: resolved with the rule's reason.
    Resolved,
}

/// How an assignment came about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AssignVia {
    /// The routing policy chose the agent when the conversation arrived.
    Policy,
    /// An agent with free capacity pulled the best waiting conversation.
    Pull,
    /// The customer's last agent, straight away.
    Sticky,
    /// The customer's last agent, after waiting for them.
    KnownAgent,
    /// A parked or transferred thread came back to its agent.
    Resumed,
    /// The customer wrote during the wrap-up: the resolved thread reopened
    /// to the same agent, without an offer.
    Reopened,
    /// The agent asked for it ([`Command::PullNext`](crate::Command::PullNext)).
    PullNext,
    /// An entry of the conversation's affinity list after its last agent:
    /// the customer's owner or a scored preferred agent (at once or after
    /// waiting for them).
    Preferred,
}

/// Why a thread went back to the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RequeueReason {
    /// The agent went offline.
    AgentOffline,
    /// The agent declined the offer.
    Declined,
    /// The offer timed out.
    OfferTimedOut,
    /// Transferred to a skill group.
    Transfer,
    /// The agent sent no first reply in time ([`Decision::NoAnswer`]).
    NoAnswer,
}

/// Why a returning customer did not reach their last agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StickyMissReason {
    /// The agent is offline (or no longer registered for this work).
    AgentOffline,
    /// The agent lacks a skill or channel the conversation needs.
    NotEligible,
    /// The agent stayed full or away past the known-agent wait.
    WaitTimedOut,
    /// The customer last spoke with the agent longer ago than the
    /// channel's affinity window
    /// ([`WorkloadConfig::affinity_windows`](crate::WorkloadConfig::affinity_windows)).
    AffinityExpired,
    /// The agent had room but the conversation's routing-plan queue was
    /// at its cap on live conversations: it waits in the queue's line.
    QueueFull,
}

impl Decision {
    /// The conversation this decision is about, if any.
    pub fn conversation(&self) -> Option<ConversationId> {
        use Decision::*;
        match self {
            AgentAdded { .. }
            | AgentStatusChanged { .. }
            | CapacityChanged { .. }
            | Purged { .. }
            | TeamSet { .. }
            | TenantCapChanged { .. }
            | ChannelCapChanged { .. }
            | RateLimitReached { .. }
            | RateLimitSet { .. }
            | NothingToPull { .. }
            | PullCapChanged { .. }
            | PlanChanged { .. }
            | QueueHours { .. }
            | SkillWindowChanged { .. }
            | ChannelWeightChanged { .. } => None,
            Queued { conversation }
            | WaitingForAgent { conversation, .. }
            | Assigned { conversation, .. }
            | Offered { conversation, .. }
            | OfferAccepted { conversation, .. }
            | Requeued { conversation, .. }
            | StickyHit { conversation, .. }
            | StickyMiss { conversation, .. }
            | Reprioritised { conversation, .. }
            | PriorityChanged { conversation, .. }
            | FirstResponse { conversation, .. }
            | Parked { conversation, .. }
            | Released { conversation, .. }
            | Escalated { conversation }
            | Resolved { conversation, .. }
            | Transferred { conversation, .. }
            | SlaWarning { conversation, .. }
            | SlaBreach { conversation, .. }
            | WrapUpStarted { conversation, .. }
            | WrapUpEnded { conversation, .. }
            | NoAnswer { conversation, .. }
            | StepEntered { conversation, .. }
            | StepSkipped { conversation, .. }
            | TtlReached { conversation, .. }
            | ClosedQueue { conversation, .. }
            | PreferredSkipped { conversation, .. } => Some(*conversation),
        }
    }

    /// Who got the conversation, by assignment or by offer: the
    /// conversation and the agent of an [`Decision::Assigned`] or an
    /// [`Decision::Offered`] (with an offer timeout configured, the engine
    /// offers where it would otherwise assign), `None` for every other
    /// decision. An accepted offer ([`Decision::OfferAccepted`]) names the
    /// same agent its offer did, so it is not counted again.
    ///
    /// ```
    /// use switchboard::policy::LeastLoaded;
    /// use switchboard::{AgentId, AgentSpec, Capacity, Command, ConversationId, CustomerId};
    /// use switchboard::{Decision, Engine, EngineConfig, TimeSpan, Timestamp};
    ///
    /// let config = EngineConfig::builder().offer_timeout(TimeSpan::from_secs(30)).build()?;
    /// let mut engine = Engine::new(config, LeastLoaded)?;
    /// engine.apply(Timestamp(0), AgentSpec::new(AgentId(1), Capacity::units(2)))?;
    /// let decisions = engine.apply(Timestamp(1), Command::open(ConversationId(5), CustomerId(9)))?;
    /// let assignee = decisions.iter().find_map(Decision::assignee);
    /// assert_eq!(assignee, Some((ConversationId(5), AgentId(1))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn assignee(&self) -> Option<(ConversationId, AgentId)> {
        match *self {
            Decision::Assigned {
                conversation,
                agent,
                ..
            }
            | Decision::Offered {
                conversation,
                agent,
                ..
            } => Some((conversation, agent)),
            _ => None,
        }
    }

    /// The decision's kind (its name in JSON is [`DecisionKind::name`]).
    pub const fn kind(&self) -> DecisionKind {
        match self {
            Decision::AgentAdded { .. } => DecisionKind::AgentAdded,
            Decision::AgentStatusChanged { .. } => DecisionKind::AgentStatusChanged,
            Decision::CapacityChanged { .. } => DecisionKind::CapacityChanged,
            Decision::Queued { .. } => DecisionKind::Queued,
            Decision::WaitingForAgent { .. } => DecisionKind::WaitingForAgent,
            Decision::Assigned { .. } => DecisionKind::Assigned,
            Decision::Offered { .. } => DecisionKind::Offered,
            Decision::OfferAccepted { .. } => DecisionKind::OfferAccepted,
            Decision::Requeued { .. } => DecisionKind::Requeued,
            Decision::StickyHit { .. } => DecisionKind::StickyHit,
            Decision::StickyMiss { .. } => DecisionKind::StickyMiss,
            Decision::Reprioritised { .. } => DecisionKind::Reprioritised,
            Decision::PriorityChanged { .. } => DecisionKind::PriorityChanged,
            Decision::FirstResponse { .. } => DecisionKind::FirstResponse,
            Decision::Parked { .. } => DecisionKind::Parked,
            Decision::Released { .. } => DecisionKind::Released,
            Decision::Escalated { .. } => DecisionKind::Escalated,
            Decision::Resolved { .. } => DecisionKind::Resolved,
            Decision::Transferred { .. } => DecisionKind::Transferred,
            Decision::SlaWarning { .. } => DecisionKind::SlaWarning,
            Decision::SlaBreach { .. } => DecisionKind::SlaBreach,
            Decision::Purged { .. } => DecisionKind::Purged,
            Decision::TeamSet { .. } => DecisionKind::TeamSet,
            Decision::TenantCapChanged { .. } => DecisionKind::TenantCapChanged,
            Decision::WrapUpStarted { .. } => DecisionKind::WrapUpStarted,
            Decision::WrapUpEnded { .. } => DecisionKind::WrapUpEnded,
            Decision::ChannelCapChanged { .. } => DecisionKind::ChannelCapChanged,
            Decision::RateLimitReached { .. } => DecisionKind::RateLimitReached,
            Decision::RateLimitSet { .. } => DecisionKind::RateLimitSet,
            Decision::NoAnswer { .. } => DecisionKind::NoAnswer,
            Decision::NothingToPull { .. } => DecisionKind::NothingToPull,
            Decision::PullCapChanged { .. } => DecisionKind::PullCapChanged,
            Decision::StepEntered { .. } => DecisionKind::StepEntered,
            Decision::StepSkipped { .. } => DecisionKind::StepSkipped,
            Decision::TtlReached { .. } => DecisionKind::TtlReached,
            Decision::PlanChanged { .. } => DecisionKind::PlanChanged,
            Decision::QueueHours { .. } => DecisionKind::QueueHours,
            Decision::ClosedQueue { .. } => DecisionKind::ClosedQueue,
            Decision::PreferredSkipped { .. } => DecisionKind::PreferredSkipped,
            Decision::SkillWindowChanged { .. } => DecisionKind::SkillWindowChanged,
            Decision::ChannelWeightChanged { .. } => DecisionKind::ChannelWeightChanged,
        }
    }

    /// The decision's name as it appears in JSON (`kind`), for logs and
    /// traces.
    pub const fn name(&self) -> &'static str {
        self.kind().name()
    }
}
