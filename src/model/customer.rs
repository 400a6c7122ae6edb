//! Customers and what the engine remembers of them: their tier and the agent
//! who helped them last (for sticky routing).

use super::{AgentId, CustomerId, Tier, Timestamp};
use serde::{Deserialize, Serialize};

/// What the engine remembers of a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerInfo {
    /// The customer.
    pub id: CustomerId,
    /// Their tier.
    pub tier: Tier,
    /// The agent who last served them, and when that agent last wrote to
    /// (or took) one of their conversations.
    pub last_agent: Option<(AgentId, Timestamp)>,
}
