//! The bounds of a plan and of conversation attributes, checked when a
//! plan is loaded and when a command carries attributes: every list a plan
//! or a decision walks is bounded by one of these.

/// Routes in a plan.
pub const MAX_ROUTES: usize = 1_000;
/// Queues in a plan.
pub const MAX_QUEUES: usize = 256;
/// Named skills in a plan.
pub const MAX_SKILLS: usize = 1_024;
/// Steps in one route.
pub const MAX_STEPS: usize = 16;
/// Actions in one step.
pub const MAX_ACTIONS: usize = 8;
/// Skill requirements (hard plus soft) of one queue.
pub const MAX_QUEUE_SKILLS: usize = 16;
/// Explicit members of one queue.
pub const MAX_MEMBERS: usize = 1_000;
/// Queues a conversation may wait in at once (its own and overflow).
pub const MAX_ACTIVE_QUEUES: usize = 4;
/// Bytes of a name (plan names, attribute keys).
pub const MAX_NAME: usize = 64;
/// Bytes of a condition.
pub const MAX_CONDITION: usize = 1_024;
/// Nesting depth of a condition (parentheses and `not`).
pub const MAX_DEPTH: usize = 16;
/// Items in a list literal of a condition.
pub const MAX_LIST: usize = 64;
/// Free attributes of a conversation.
pub const MAX_ATTRIBUTES: usize = 32;
/// Bytes of an attribute's string (and of each list item).
pub const MAX_ATTRIBUTE_TEXT: usize = 256;
/// Items of a list attribute.
pub const MAX_ATTRIBUTE_LIST: usize = 32;
/// Calendars in a plan.
pub const MAX_CALENDARS: usize = 64;
/// Weekly-hours entries of one calendar.
pub const MAX_WEEKLY: usize = 32;
/// Dated closures of one calendar.
pub const MAX_CLOSURES: usize = 366;
/// The longest wait a step or a time to live may name: 365 days, as the
/// engine's settings.
pub const MAX_WAIT_MS: u64 = 365 * 24 * 3_600_000;

/// The largest cap a queue may put on its live conversations
/// (`queues[i].max_live`): the workload rules' bound on any live cap.
pub const MAX_QUEUE_LIVE: u32 = crate::engine::MAX_LIVE_CAP;

/// Routing profiles in a plan.
pub const MAX_PROFILES: usize = 64;
/// Queues one routing profile lists.
pub const MAX_PROFILE_QUEUES: usize = 32;
/// Agents one routing profile names.
pub const MAX_PROFILE_AGENTS: usize = 10_000;
/// The largest (latest served) priority of a profile's queue; 1 is
/// primary.
pub const MAX_PROFILE_PRIORITY: u8 = 10;
/// The longest delay a profile may give a queue: one day (work waiting
/// longer than that is a staffing problem, not a routing rule).
pub const MAX_PROFILE_DELAY_MS: u64 = 24 * 3_600_000;
/// Distinct non-zero delays all profiles together give one queue: each is
/// a tier of the queue's pool, a group its work joins when it has waited
/// that long.
pub const MAX_QUEUE_DELAYS: usize = 4;

/// The most priority points a queue's aging may start at or be capped
/// at (`queues[i].aging.base` and `.cap`).
pub const MAX_AGING_POINTS: u32 = 1_000_000;
/// The most points a queue's aging may add per minute waited
/// (`queues[i].aging.per_minute`): with the longest wait a step may name
/// the points stay far below `u64::MAX`, and the engine saturates anyway.
pub const MAX_AGING_PER_MINUTE: u32 = 10_000;

/// Groups one waiting conversation may sit in: each of its queues' own
/// pool and its routing-profile tiers.
pub const MAX_POOL_GROUPS: usize = MAX_ACTIVE_QUEUES * (1 + MAX_QUEUE_DELAYS);

// A conversation's pool must hold at least its first queue.
const _: () = assert!(MAX_ACTIVE_QUEUES >= 1 && MAX_DEPTH >= 1);
// A delay tier is a byte in a group's gate (`engine::profiles`), and a
// profile's delay is one a step could name.
const _: () = assert!(MAX_QUEUE_DELAYS < 255 && MAX_PROFILE_DELAY_MS <= MAX_WAIT_MS);
const _: () = assert!(MAX_PROFILE_QUEUES <= MAX_QUEUES && MAX_PROFILE_PRIORITY >= 1);
