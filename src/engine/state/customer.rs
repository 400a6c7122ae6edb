//! What the engine remembers of a customer.

use super::index::{AgentIdx, ConvIdx};
use crate::model::{CustomerId, Tier, Timestamp};

/// A customer: tier, last agent (sticky affinity), open conversations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Customer {
    pub id: CustomerId,
    pub tier: Tier,
    /// The agent who last served them, and when.
    pub last_agent: Option<(AgentIdx, Timestamp)>,
    /// Conversations not yet resolved, in opening order. Short: the open
    /// rule (`EngineConfig::open_conversations`) keeps one per channel by
    /// default.
    pub open: Vec<ConvIdx>,
}
