//! What conditions read inside the engine: a conversation's attributes
//! (with its tier, channel and priority), and a pool's live counts for a
//! step's `skip_if`. Borrowed views: nothing is allocated to evaluate.

use crate::model::{Channel, Priority, Tier};
use crate::plan::condition::{Env, Value};
use crate::plan::{AttrValue, Attributes};

/// The names of the channels as in JSON, in the order of [`Channel::ALL`].
const CHANNEL_NAMES: [&str; 8] = [
    "sms",
    "whats_app",
    "messenger",
    "apple_messages",
    "instagram",
    "in_app",
    "web",
    "email",
];

/// A conversation as a route's `when` sees it.
pub(crate) struct ConvEnv<'a> {
    pub attrs: &'a Attributes,
    pub tier: Tier,
    pub channel: Channel,
    pub priority: Priority,
}

impl Env for ConvEnv<'_> {
    fn get(&self, name: &str) -> Option<Value<'_>> {
        Some(match name {
            "tier" => Value::Text(match self.tier {
                Tier::Vip => "vip",
                _ => "standard",
            }),
            "channel" => Value::Text(CHANNEL_NAMES[self.channel.index()]),
            "priority" => Value::Text(match self.priority {
                Priority::Low => "low",
                Priority::High => "high",
                Priority::Urgent => "urgent",
                _ => "normal",
            }),
            other => match self.attrs.get(other)? {
                AttrValue::Bool(b) => Value::Bool(*b),
                AttrValue::Number(n) => Value::Number(*n),
                AttrValue::Text(s) => Value::Text(s),
                AttrValue::List(l) => Value::List(l),
            },
        })
    }
}

/// A pool's live counts, as a step's `skip_if` sees them.
pub(crate) struct PoolEnv {
    pub online: u32,
    pub with_room: u32,
    pub waiting: u32,
}

impl Env for PoolEnv {
    fn get(&self, name: &str) -> Option<Value<'_>> {
        let n = match name {
            "online" => self.online,
            "with_room" => self.with_room,
            "waiting" => self.waiting,
            _ => return None,
        };
        Some(Value::Number(i64::from(n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_the_json_names() {
        for channel in Channel::ALL {
            let json = serde_json::to_string(&channel).expect("json");
            assert_eq!(json, format!("\"{}\"", CHANNEL_NAMES[channel.index()]));
        }
        for (tier, name) in [(Tier::Vip, "vip"), (Tier::Standard, "standard")] {
            assert_eq!(
                serde_json::to_string(&tier).expect("json"),
                format!("\"{name}\"")
            );
        }
    }
}
