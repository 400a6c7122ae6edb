//! [`OpenConversation`]: the data of [`Command::OpenConversation`], built
//! from the two ids every conversation needs and chainable setters for the
//! rest, so opening a conversation reads as one line.

use super::command::Command;
use crate::model::{
    Channel, ConversationId, CustomerId, Level, Priority, SkillId, SkillRequirement, Tier,
};
use crate::plan::Attributes;
use serde::{Deserialize, Serialize};

/// A customer opens a conversation (their first message): the data of
/// [`Command::OpenConversation`]. Start from [`OpenConversation::new`] (or
/// [`Command::open`]) and set what differs from the defaults: channel
/// WhatsApp, no required skills, [`Priority::Normal`], [`Tier::Standard`],
/// straight to humans. In JSON the fields sit beside the command's `type`,
/// under the names below.
///
/// ```
/// use switchboard::{Channel, Command, ConversationId, CustomerId, Level, Priority, SkillId};
///
/// let open = Command::open(ConversationId(1), CustomerId(500))
///     .channel(Channel::Email)
///     .skill(SkillId(7), Level::of::<3>())
///     .priority(Priority::High);
/// assert_eq!(open.skills.len(), 1);
/// let command = Command::from(open);
/// assert_eq!(command.name(), "open_conversation");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenConversation {
    /// A new conversation id.
    pub conversation: ConversationId,
    /// The customer; created on first sight.
    pub customer: CustomerId,
    /// The customer's tier (updates what the engine knows of them).
    pub tier: Tier,
    /// The channel.
    pub channel: Channel,
    /// Skills required, each at a minimum level; empty means anyone.
    pub skills: Vec<SkillRequirement>,
    /// Business priority (VIPs are boosted one class).
    pub priority: Priority,
    /// Start with the bot tier instead of a human.
    pub start_in_bot: bool,
    /// What a routing plan's conditions read (topic, language, free
    /// key/values); none by default. Without a plan they are kept for
    /// one loaded later.
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
    /// Scored preferred agents, tried after the customer's last agent and
    /// owner, highest score first (at most
    /// [`MAX_PREFERRED`](crate::MAX_PREFERRED), each once); none by
    /// default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred: Vec<super::PreferredAgent>,
}

impl OpenConversation {
    /// Conversation `conversation` of `customer`, with the defaults: on
    /// WhatsApp, no required skills, normal priority, a standard-tier
    /// customer, straight to humans.
    pub fn new(conversation: ConversationId, customer: CustomerId) -> Self {
        Self {
            conversation,
            customer,
            tier: Tier::Standard,
            channel: Channel::WhatsApp,
            skills: Vec::new(),
            priority: Priority::Normal,
            start_in_bot: false,
            attributes: Attributes::new(),
            preferred: Vec::new(),
        }
    }

    /// On `channel`.
    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = channel;
        self
    }

    /// Also requires `skill` at `min_level` or better.
    pub fn skill(mut self, skill: SkillId, min_level: Level) -> Self {
        self.skills.push(SkillRequirement::at(skill, min_level));
        self
    }

    /// Also requires each of `skills`.
    pub fn skills(mut self, skills: impl IntoIterator<Item = SkillRequirement>) -> Self {
        self.skills.extend(skills);
        self
    }

    /// In the business priority class `priority` (before the VIP boost).
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// For a customer of `tier`.
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }

    /// Starting with the bot tier; [`Command::Escalate`] hands it to humans.
    pub fn in_bot(self) -> Self {
        self.start_in_bot(true)
    }

    /// Starting with the bot tier when `bot` is true (as
    /// [`OpenConversation::in_bot`], for a flag read from input), with
    /// humans otherwise.
    pub fn start_in_bot(mut self, bot: bool) -> Self {
        self.start_in_bot = bot;
        self
    }

    /// With `attributes` (what a routing plan's route conditions read).
    pub fn attributes(mut self, attributes: Attributes) -> Self {
        self.attributes = attributes;
        self
    }

    /// Also prefers `agent` with `score` (0-100), waiting up to `wait` for
    /// them while they are full or away.
    pub fn preferred_agent(
        mut self,
        agent: crate::model::AgentId,
        score: u8,
        wait: crate::model::TimeSpan,
    ) -> Self {
        self.preferred
            .push(super::PreferredAgent { agent, score, wait });
        self
    }
}

impl From<OpenConversation> for Command {
    fn from(open: OpenConversation) -> Self {
        Command::OpenConversation(open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_conversation_keeps_its_json_field_names() {
        let command = Command::from(
            OpenConversation::new(ConversationId(3), CustomerId(9))
                .skill(SkillId(2), Level::of::<4>())
                .tier(Tier::Vip)
                .in_bot(),
        );
        let json = serde_json::to_value(&command).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "open_conversation",
                "conversation": 3,
                "customer": 9,
                "tier": "vip",
                "channel": "whats_app",
                "skills": [{"skill": 2, "min_level": 4}],
                "priority": "normal",
                "start_in_bot": true,
            })
        );
        assert_eq!(serde_json::from_value::<Command>(json).unwrap(), command);
    }
}
