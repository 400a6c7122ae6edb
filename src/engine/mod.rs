//! The engine: a deterministic single-writer state machine. One owner
//! applies commands in order; nothing inside is shared between threads; the
//! same commands at the same times give the same decisions and the same
//! state, always, which is what makes a journal replay or a standby replica
//! exact. Concurrency lives around it: `switchboard::runtime` feeds engines
//! from many threads, and [`SharedEngine`] puts one behind a mutex for a
//! host that only wants to share it between a few threads.
//!
//! # How a command flows
//!
//! ```text
//! Engine::apply ─▶ validate   checks the command against the state and maps
//!                  (touches   ids to slots; a refusal is a typed error that
//!                   nothing)  changed nothing
//!               ─▶ execute    carries out the validated step
//!               ─▶ lifecycle  the transition table and the only writer of a
//!                             conversation's place and held capacity
//!               ─▶ matching   routing (sticky or group), group dispatch,
//!                             agents settling, free-agent indexes
//!               ─▶ decisions  returned in order
//! ```
//!
//! # Queries and unknown ids
//!
//! Every query that names an agent, a conversation or a customer answers an
//! id the engine does not know with `Err`: [`EngineError::UnknownAgent`],
//! [`EngineError::UnknownConversation`] or [`EngineError::UnknownCustomer`],
//! the same error a command naming it gets, so a host's `?` handles both
//! alike. Lookups that take no id ([`Engine::group_stats_for`], by channel
//! and skills) answer `Option`.
//!
//! State (`state/`) is dense slabs of agents, skill groups and
//! conversations indexed by checked slot newtypes; the host's ids are
//! mapped once, in validation. Each skill group keeps a waiting line per
//! priority class and a winner tree of its free agents ordered by the
//! policy, so a decision is O(log n) in agents and conversations, never a
//! scan.
//!
//! # Where the next routing rules go
//!
//! * **Routing plans** (`switchboard::plan`, done): a conversation's route
//!   lives in `Conv::plan` (`state/plan.rs`); `plan_steps/` enters its
//!   steps from a `PlanStep` timer per waiting conversation
//!   (`state/timers.rs`) and from `matching::place_in_group` (catch-up on
//!   requeue); relaxation moves it to the group of its relaxed
//!   requirements through `lifecycle::detach` + `enqueue_group`, overflow
//!   lists it in the lines of several groups with one place (age,
//!   arrival); `plan_swap.rs` handles `Reconfigure::Plan`, `SetAttributes`, open and
//!   escalation; `plan_audit.rs` checks it all.
//! * **Business hours** (done, `plan_hours.rs`): a queue with a calendar
//!   owns its groups (a gate in their routing key); a `closed` flag on
//!   them, read by `matching::dispatch`, `best_waiting` and pulls, is
//!   toggled by one `Hours` timer per calendar and by the emergency
//!   switch (`Reconfigure::Hours`). A queue with explicit members owns
//!   its groups the same way, and `structure::eligible` admits members
//!   only.
//! * **Preferred agents** (done, `preferred.rs`): the affinity list after
//!   the last agent (owner, scored agents), tried by `matching::route`
//!   before the queue; waits are known-agent waits with their own bound.
//! * **Queue position, expected wait, "why this agent"** (done,
//!   `wait_estimate.rs`, `explain.rs`): queries on request; a line keeps
//!   a ring of its last hand-over times, nothing else on the hot path.
//! * **Routing profiles** (done, `profiles.rs`): agent-side overflow.
//!   Each delay a profile gives a queue is a tier of the queue's pool (a
//!   group whose gate carries the tier), joined by the conversation's
//!   `PlanStep` timer when its age reaches the delay; a freed agent picks
//!   by the profile's priority of the queue first (`best_waiting`,
//!   pulls).
//! * **Skills on a schedule** (done, `skill_windows.rs`): a windowed
//!   skill is held for membership from registration; outside its windows
//!   a per-slot `dormant` flag keeps the agent out of that group's free
//!   index, statistics and pulls, toggled by a `SkillWindow` timer per
//!   window edge.
//! * **Priority aging by queue** (done, `queue_aging.rs`): a queue with
//!   aging keeps its own groups; a freed agent compares their groups'
//!   heads by profile priority, then the most points (computed for the
//!   heads at the command's time), then the aged key (`best_waiting`,
//!   pulls). No timer, no scan; 0 points without aging.
//! * **Workload rules** (`workload/`): wrap-up after a resolve (a hold on
//!   the resolved conversation, released by a `WrapUpEnd` timer) and the
//!   caps above the agent (teams, the tenant), checked in `matching` after
//!   the agent's own; see that module for the order and the costs.
//! * **Assignment rate limits** per agent: a token bucket in `Agent`,
//!   checked in `Agent::takes`, refilled by a timer that settles the agent.

mod agent_list;
mod audit;
mod best_waiting;
mod channel_weights;
mod command;
mod command_actor;
mod config;
mod config_builder;
mod cx;
mod decision;
mod decision_kind;
mod error;
mod execute;
mod explain;
mod hours_switch;
mod lifecycle;
mod limits;
mod matching;
mod open;
mod plan_audit;
mod plan_board;
mod plan_check;
mod plan_env;
mod plan_hours;
mod plan_pool;
mod plan_steps;
mod plan_swap;
mod preferred;
mod profiles;
mod query;
mod queue_aging;
mod reconfigure;
mod reserve;
mod shared;
mod skill_windows;
mod snapshot;
pub(crate) mod state;
mod stats;
mod structure;
mod tick;
mod validate;
pub(crate) mod wait_estimate;
mod workload;

pub use audit::{AuditReport, AuditViolation};
pub use channel_weights::ChannelWeights;
pub use command::{Command, CommandKind, TransferTarget};
pub use config::{ConfigError, EngineConfig, OpenConversations, MAX_SETTING};
pub use config_builder::EngineConfigBuilder;
pub use decision::{AssignVia, Decision, RequeueReason, StickyMissReason};
pub use decision::{NoAnswerAction, PullMiss};
pub use decision_kind::DecisionKind;
pub use error::{EngineError, Rejected};
pub use explain::{Explanation, PoolFilters, TieBreaker};
pub use hours_switch::{HoursCause, HoursSetting, HoursSwitch, HoursTarget, QueueHours};
pub use limits::{Limits, MAX_LIMIT, MAX_SKILL_WINDOWS};
pub use open::OpenConversation;
pub use plan_board::{QueueBoard, StepWaiting};
pub use preferred::{PreferredAgent, PreferredSkip, MAX_PREFERRED, MAX_PREFERRED_WAIT};
pub use profiles::ProfileAdmission;
pub use query::InboxEntry;
pub use reconfigure::{config_differences, Reconfigure};
pub use reserve::{Reservation, ReserveError};
pub use shared::SharedEngine;
pub use skill_windows::SkillWindowError;
pub use snapshot::{RestoreError, Snapshot, SNAPSHOT_FORMAT};
pub use stats::{AgentStats, EngineStats, GroupStats};
pub use wait_estimate::{ExpectedWait, QueuePosition, WaitMethod, MIN_WAIT_SAMPLES};
pub use workload::{
    AgentCounters, CapLevel, QueueCapStats, Refusals, TeamId, TeamStats, TenantStats,
    WorkloadConfig, WorkloadConfigError, WrapUpEndReason, WrapUpInfo, WrapUpMode, WrapUpRule,
    MAX_LIVE_CAP, MAX_TEAM_NAME,
};
pub use workload::{NoAnswerFinal, NoAnswerRule, RateLimit, MAX_NO_ANSWER_HOPS, MAX_RATE};

use crate::model::Timestamp;
use crate::policy::{IntoPolicy, RoutingPolicy};
use cx::Cx;
use state::State;

/// The routing engine: a single-writer state machine. Apply commands with
/// [`Engine::apply`] (`&mut self`); read it through the queries.
pub struct Engine {
    config: EngineConfig,
    policy: Box<dyn RoutingPolicy>,
    state: State,
    /// Per-command buffers kept between commands (`Cx`); always empty
    /// outside a command, never in a snapshot.
    scratch: cx::Scratch,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("policy", &self.policy.name())
            .field("agents", &self.state.agents.len())
            .field("conversations", &self.state.conv_ids.len())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An empty engine with `config` and a routing `policy` (a policy value
    /// or a `Box<dyn RoutingPolicy>`).
    pub fn new(config: EngineConfig, policy: impl IntoPolicy) -> Result<Self, ConfigError> {
        config.validate()?;
        let tenant_max_live = config.workload.tenant_max_live;
        Ok(Self {
            config,
            policy: policy.into_policy(),
            state: State {
                seq: 1,
                workload: state::workload::Workload {
                    tenant_max_live,
                    gates_on: tenant_max_live.is_some(),
                    ..Default::default()
                },
                ..State::default()
            },
            scratch: cx::Scratch::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The routing policy's name.
    pub fn policy_name(&self) -> &str {
        self.policy.name()
    }

    /// Applies `command` at host time `at` and returns the decisions it
    /// caused, in order. On error nothing changed, not even the engine's
    /// clock. Takes a [`Command`] or anything that converts into one (an
    /// [`OpenConversation`], an [`AgentSpec`](crate::AgentSpec)).
    pub fn apply(
        &mut self,
        at: Timestamp,
        command: impl Into<Command>,
    ) -> Result<Vec<Decision>, EngineError> {
        let mut out = Vec::new();
        self.apply_into(at, &command.into(), &mut out)?;
        Ok(out)
    }

    /// As [`Engine::apply`], but a refused command is handed back with the
    /// reason ([`Rejected`]), so a caller can retry it without keeping a
    /// copy.
    // The refusal carries the command by value, as crossbeam's `SendError`
    // does: boxing it would allocate on every refusal for a value the
    // caller usually takes straight back.
    #[allow(clippy::result_large_err)]
    pub fn try_apply(
        &mut self,
        at: Timestamp,
        command: impl Into<Command>,
    ) -> Result<Vec<Decision>, Rejected> {
        let command = command.into();
        let mut out = Vec::new();
        match self.apply_into(at, &command, &mut out) {
            Ok(()) => Ok(out),
            Err(error) => Err(Rejected { error, command }),
        }
    }

    /// As [`Engine::apply`], appending the decisions to `out` (a buffer a
    /// hot loop reuses). On error nothing changed and nothing was appended.
    pub fn apply_into(
        &mut self,
        at: Timestamp,
        command: &Command,
        out: &mut Vec<Decision>,
    ) -> Result<(), EngineError> {
        let step = validate::check(&self.state, &self.config, at, command)?;
        if let validate::Step::Reconfigure(config) = step {
            // Checked against the state: nothing built under the old rules
            // contradicts the new ones. No decision follows from it alone.
            let tenant = config.workload.tenant_max_live;
            if tenant != self.config.workload.tenant_max_live {
                // Only while the engine holds nothing (`workload` is baked
                // in), so nothing is held back by the old cap.
                self.state.workload.tenant_max_live = tenant;
                self.state.workload.refresh_gates();
            }
            self.config = *config;
            self.state.clock = self.state.clock.max(at);
            return Ok(());
        }
        let mut cx = Cx::new(
            &self.config,
            &*self.policy,
            &mut self.state,
            &mut self.scratch,
            at,
            out,
        );
        match step {
            validate::Step::Tick => tick::run(&mut cx),
            step => execute::run(&mut cx, step),
        }
        debug_assert!(cx.settle.is_empty() && cx.dirty.is_empty());
        // Hands the command's buffers back to the state.
        drop(cx);
        self.state.clock = self.state.clock.max(at);
        Ok(())
    }
}
