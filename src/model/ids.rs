//! Typed identifiers. The host chooses the numbers; the engine never confuses
//! an agent with a conversation because the types differ.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl From<u64> for $name {
            fn from(raw: u64) -> Self {
                Self(raw)
            }
        }
    };
}

id_type!(
    /// A human agent (or seat) known to the engine.
    AgentId,
    "agent#"
);
id_type!(
    /// One messaging thread with one customer.
    ConversationId,
    "conversation#"
);
id_type!(
    /// A customer; one customer may open many conversations over time.
    CustomerId,
    "customer#"
);

/// A skill or attribute used for routing: a topic (billing), a language
/// (Spanish), a product line. Skills are small integers chosen by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SkillId(pub u32);

impl fmt::Display for SkillId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skill#{}", self.0)
    }
}
