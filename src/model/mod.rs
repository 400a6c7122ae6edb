//! The domain model: identifiers, time, capacity, skills, agents, customers
//! and conversations. Plain data; the rules live in [`crate::engine`].

mod agent;
mod capacity;
mod channel;
mod conversation;
mod customer;
mod ids;
mod priority;
mod skill;
mod skill_window;
mod time;

pub use agent::{AgentInfo, AgentSpec, AgentStatus};
pub use capacity::Capacity;
pub use channel::Channel;
pub use conversation::{
    ConversationInfo, ConversationState, MessageStatus, ResolveReason, StateKind,
};
pub use customer::CustomerInfo;
pub use ids::{AgentId, ConversationId, CustomerId, SkillId};
pub use priority::{Priority, Tier};
pub use skill::{Level, LevelOutOfRange, SkillLevel, SkillRequirement};
pub use skill_window::{SkillWindow, MAX_WINDOW_TIME};
pub use time::{TimeSpan, Timestamp};
