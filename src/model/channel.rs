//! Messaging channels. Each costs a configurable share of an agent's cap.

use serde::{Deserialize, Serialize};

/// The channel a conversation arrives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Channel {
    /// Text messages.
    Sms,
    /// WhatsApp Business.
    WhatsApp,
    /// Facebook Messenger.
    Messenger,
    /// Apple Messages for Business.
    AppleMessages,
    /// Instagram direct messages.
    Instagram,
    /// In-app messaging.
    InApp,
    /// Web messaging widget.
    Web,
    /// Email, usually the lightest weight.
    Email,
}

impl Channel {
    /// Every channel, in a fixed order (the order of [`Channel::index`]).
    pub const ALL: [Channel; 8] = [
        Channel::Sms,
        Channel::WhatsApp,
        Channel::Messenger,
        Channel::AppleMessages,
        Channel::Instagram,
        Channel::InApp,
        Channel::Web,
        Channel::Email,
    ];

    /// A dense index in `0..Channel::ALL.len()`, for per-channel tables.
    pub const fn index(self) -> usize {
        self as usize
    }
}
