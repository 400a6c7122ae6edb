//! # switchboard
//!
//! The routing and assignment engine of a messaging-first contact centre:
//! it decides which agent handles which conversation, and in what order.
//!
//! ## The model
//!
//! * An **agent** ([`AgentSpec`]) has skills with levels, a concurrency
//!   **cap** in [`Capacity`] units, and a status ([`AgentStatus`]). Each
//!   channel costs a configurable weight of the cap (an email half a
//!   WhatsApp thread by default); a parked thread costs a configurable share
//!   of its weight (possibly zero).
//! * A **conversation** belongs to a customer, arrives on a [`Channel`],
//!   requires skills at minimum levels and has a [`Priority`]. At every
//!   instant it is in exactly one [`ConversationState`]: with the bot,
//!   queued, offered, assigned, parked, or resolved.
//! * Conversations that need the same skills on the same channel form a
//!   **skill group** with one waiting line, ordered by priority class with
//!   aging (each class is a fixed head start in waiting time, so nothing
//!   starves), and an index of the group's free agents ordered by the
//!   routing policy ([`policy`]). Assignment is a lookup in that index:
//!   O(log n) in agents, never a scan.
//! * **Sticky affinity**: a live thread stays with its agent until resolved,
//!   transferred, or the agent goes offline; a parked thread comes back to
//!   its agent; a returning customer (within the affinity window) goes to
//!   their last agent first, or waits for them up to a timeout.
//! * **Time is an input**: every command carries the host's timestamp, and
//!   [`Command::Tick`] fires SLA warnings (before the breach), breaches,
//!   offer timeouts, known-agent wait timeouts and auto-park.
//!
//! The [`Engine`] is a deterministic single-writer state machine: one
//! owner applies [`Command`]s in order with [`Engine::apply`] (`&mut self`)
//! and gets [`Decision`]s back (plain serde values), or a typed
//! [`EngineError`] that changed nothing. There are no locks or atomics
//! inside: the same commands at the same times give the same decisions and
//! the same state, which is what makes a journal replay or a standby
//! replica exact. To call one engine from a few threads, wrap it in a
//! [`SharedEngine`] (a mutex); for many threads and tenants, the runtime
//! feeds engines through lock-free queues. [`Engine::audit`] recounts every
//! invariant; [`Engine::snapshot`] and [`Engine::restore`] persist the
//! state; [`Engine::group_stats`] and [`Engine::agent_stats`] are the
//! real-time view of a supervisor's wallboard.
//!
//! ## Modules
//!
//! * [`model`]: ids, time, capacity, channels, skills, agents, customers,
//!   conversations (plain data).
//! * [`engine`]: the [`Engine`], its commands, decisions, errors, audit and
//!   snapshots.
//! * [`policy`]: the [`policy::RoutingPolicy`] trait and the built-ins.
//! * `sim` (feature `sim`, on by default): a deterministic simulated
//!   contact-centre day that drives the engine through its public API and
//!   reports the KPIs (also with your own policy, and with fault injection).
//! * [`persist`]: an append-only checksummed journal, atomic snapshots and
//!   recovery, with the durability mode of your choice.
//! * `runtime` (feature `runtime`): shards owning single-writer engines
//!   per tenant behind lock-free queues, a clock and timers, group-commit
//!   journaling, a decision stream, statistics and metrics.
//! * `testing` (feature `testing`): proptest strategies and fairness checks.
//!
//! Bring your own policy: implement [`policy::RoutingPolicy`]; with the
//! cargo feature `testing`, `switchboard::testing` property-tests it against
//! the fairness rules (work conservation, order within a class, the
//! starvation bound, balanced load, skill match) in one call per rule.
//!
//! ## Example
//!
//! Register an agent, open a conversation, read who got it:
//!
//! ```
//! use switchboard::policy::BuiltinPolicy;
//! use switchboard::{AgentId, AgentSpec, Capacity, Command, ConversationId, CustomerId};
//! use switchboard::{Decision, Engine, EngineConfig, Level, SkillId, Timestamp};
//!
//! let billing = SkillId(7);
//! let mut engine = Engine::new(EngineConfig::default(), BuiltinPolicy::LeastLoaded)?;
//! let agent = AgentSpec::new(AgentId(1), Capacity::units(4)).skill(billing, Level::of::<6>());
//! engine.apply(Timestamp(0), agent)?;
//!
//! let open = Command::open(ConversationId(1), CustomerId(500)).skill(billing, Level::of::<3>());
//! let decisions = engine.apply(Timestamp(1_000), open)?;
//! let assignee = decisions.iter().find_map(Decision::assignee);
//! assert_eq!(assignee, Some((ConversationId(1), AgentId(1))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Decision::assignee`] reads an assignment and an offer alike (with an
//! [`EngineConfig::offer_timeout`], conversations are offered instead of
//! assigned); [`Engine::assignee`] asks the engine later.
//!
//! ## A longer tour
//!
//! ```
//! use switchboard::policy::BuiltinPolicy;
//! use switchboard::{
//!     AgentId, AgentSpec, AssignVia, Capacity, Channel, Command, ConversationId, CustomerId,
//!     Decision, Engine, EngineConfig, Level, MessageStatus, ResolveReason, SkillId, Timestamp,
//! };
//!
//! let mut engine = Engine::new(EngineConfig::default(), BuiltinPolicy::LeastLoaded)?;
//! let billing = SkillId(7);
//! let agent = AgentId(1);
//! engine.apply(Timestamp(0), AgentSpec::new(agent, Capacity::units(4)).skill(billing, Level::new(6)?))?;
//!
//! let open = |id: u64| {
//!     Command::open(ConversationId(id), CustomerId(500))
//!         .channel(Channel::WhatsApp)
//!         .skill(billing, Level::of::<3>())
//! };
//! let decisions = engine.apply(Timestamp(1_000), open(1))?;
//! assert!(matches!(
//!     decisions[0],
//!     Decision::Assigned { agent: AgentId(1), via: AssignVia::Policy, .. }
//! ));
//!
//! // The true state of the customer's message: delivered, not yet seen.
//! let status = engine.conversation(ConversationId(1))?.message_status;
//! assert_eq!(status, MessageStatus::Delivered);
//!
//! // The agent answers and resolves; the customer comes back later: sticky.
//! engine.apply(Timestamp(2_000), Command::AgentMessage { conversation: ConversationId(1), agent })?;
//! engine.apply(Timestamp(3_000), Command::Resolve { conversation: ConversationId(1), reason: ResolveReason::Solved })?;
//! let decisions = engine.apply(Timestamp(3_600_000), open(2))?;
//! assert!(decisions.iter().any(|d| matches!(d, Decision::StickyHit { .. })));
//! assert_eq!(engine.assignee(ConversationId(2))?, Some(agent));
//!
//! // Bad input is a typed error and changes nothing: conversation 2 is open.
//! let before = engine.snapshot();
//! assert!(engine.apply(Timestamp(3_700_000), open(2)).is_err());
//! assert_eq!(engine.snapshot(), before);
//! engine.audit()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod engine;
pub mod model;
pub mod persist;
pub mod plan;
pub mod policy;
#[cfg(feature = "runtime")]
#[cfg_attr(docsrs, doc(cfg(feature = "runtime")))]
pub mod runtime;
#[cfg(feature = "service")]
#[cfg_attr(docsrs, doc(cfg(feature = "service")))]
pub mod service;
#[cfg(feature = "sim")]
#[cfg_attr(docsrs, doc(cfg(feature = "sim")))]
pub mod sim;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod wire;

/// The README's Rust examples, compiled (and run, but for the `no_run`
/// ones, each saying why next to it) as doctests by `cargo test --doc`.
/// They use the simulator, the runtime and the testing helpers, so they
/// are checked when those features are on (`--all-features`, as CI runs).
#[cfg(all(doctest, feature = "sim", feature = "runtime", feature = "testing"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use engine::{
    AgentStats, AssignVia, AuditReport, AuditViolation, ChannelWeights, Command, CommandKind,
    ConfigError, Decision, DecisionKind, Engine, EngineConfig, EngineConfigBuilder, EngineError,
    EngineStats, GroupStats, InboxEntry, Limits, OpenConversation, OpenConversations, Reconfigure,
    Rejected, RequeueReason, Reservation, ReserveError, RestoreError, SharedEngine, Snapshot,
    StickyMissReason, TransferTarget,
};
// Listed one by one (no glob), so nothing here can shadow a std name.
pub use model::{
    AgentId, AgentInfo, AgentSpec, AgentStatus, Capacity, Channel, ConversationId,
    ConversationInfo, ConversationState, CustomerId, CustomerInfo, Level, LevelOutOfRange,
    MessageStatus, Priority, ResolveReason, SkillId, SkillLevel, SkillRequirement, SkillWindow,
    StateKind, Tier, TimeSpan, Timestamp, MAX_WINDOW_TIME,
};
// The workload rules (wrap-up, teams, the tenant's cap): a separate list
// so that the core's list above and this one change apart.
pub use engine::{
    AgentCounters, CapLevel, QueueCapStats, Refusals, TeamId, TeamStats, TenantStats,
    WorkloadConfig, WorkloadConfigError, WrapUpEndReason, WrapUpInfo, WrapUpMode, WrapUpRule,
    MAX_LIVE_CAP, MAX_TEAM_NAME,
};
// Business hours of routing plans (the emergency switch and its answers).
pub use engine::{HoursCause, HoursSetting, HoursSwitch, HoursTarget, QueueHours};
// Why an agent has a conversation.
pub use engine::{Explanation, PoolFilters, ProfileAdmission, TieBreaker};
// A waiting conversation's position and expected wait.
pub use engine::{ExpectedWait, QueuePosition, WaitMethod, MIN_WAIT_SAMPLES};
// Preferred agents (the affinity list after the last agent).
pub use engine::{
    NoAnswerAction, NoAnswerFinal, NoAnswerRule, PullMiss, RateLimit, MAX_NO_ANSWER_HOPS, MAX_RATE,
};
pub use engine::{PreferredAgent, PreferredSkip, MAX_PREFERRED, MAX_PREFERRED_WAIT};
// Skills on a schedule (an agent's skill valid in a window of time).
pub use engine::{SkillWindowError, MAX_SKILL_WINDOWS};
