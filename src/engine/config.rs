//! Engine configuration. Defaults follow the field figures in DOMAIN.md: a
//! 10-minute first-response target, a warning at 80% of it.

use super::channel_weights::ChannelWeights;
use super::config_builder::EngineConfigBuilder;
use super::limits::{Limits, MAX_LIMIT};
use super::workload::{WorkloadConfig, WorkloadConfigError};
use crate::model::{Capacity, Channel, TimeSpan};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Rules the engine applies. Validated by [`EngineConfig::validate`] when the
/// engine is built: every duration at most [`MAX_SETTING`], so no arithmetic
/// on settings can overflow.
///
/// Build one with [`EngineConfig::builder`] (checked when built), or start
/// from [`EngineConfig::default`] and set fields. New settings may be added
/// in minor releases, so the struct cannot be written as a literal outside
/// this crate.
///
/// ```
/// use switchboard::{Capacity, Channel, EngineConfig, TimeSpan};
///
/// let config = EngineConfig::builder()
///     .response_target(TimeSpan::from_mins(5))
///     .offer_timeout(TimeSpan::from_secs(30))
///     .channel_weight(Channel::Email, Capacity(250))
///     .build()?;
/// assert_eq!(config.weight(Channel::Email), Capacity(250));
/// assert!(EngineConfig::builder().warn_at_permille(1000).build().is_err());
/// # Ok::<(), switchboard::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct EngineConfig {
    /// First-response target: a queued or newly assigned conversation should
    /// get a human reply within this time. Default 10 minutes.
    pub response_target: TimeSpan,
    /// Share of the target, in permille, at which a warning decision is
    /// raised (default 800 = 80%). Must be in `1..1000` so the warning comes
    /// strictly before the breach.
    pub warn_at_permille: u32,
    /// Aging: each priority class is worth this much waiting time. A
    /// conversation one class lower overtakes a higher one once it has waited
    /// this much longer, so no class starves. Default 5 minutes.
    pub class_head_start: TimeSpan,
    /// VIP customers' conversations are boosted one priority class.
    pub vip_boost: bool,
    /// A customer returning within this time of last speaking with an agent
    /// is routed to that agent first. Default 7 days.
    pub affinity_window: TimeSpan,
    /// How long a returning customer waits for a known agent who is full or
    /// away before falling back to any eligible agent. Default 2 minutes.
    pub sticky_wait: TimeSpan,
    /// Weight of a parked thread, in permille of its channel weight (0 lets
    /// agents take new work while customers are away). Default 250.
    pub parked_weight_permille: u32,
    /// Capacity each channel's conversation uses. Default one unit, half a
    /// unit for email.
    pub channel_weights: ChannelWeights,
    /// `Some(t)`: conversations are offered and the agent must accept within
    /// `t`; `None`: they are assigned directly (auto-accept). Default `None`.
    pub offer_timeout: Option<TimeSpan>,
    /// An agent who lets an offer time out is set away (the industry's
    /// "redirect on no answer"), so the next conversation does not hit them.
    pub away_on_missed_offer: bool,
    /// Park a live thread automatically when the agent spoke last and the
    /// customer has been silent this long. Default 30 minutes; `None` disables.
    pub auto_park_after: Option<TimeSpan>,
    /// After an agent declines an offer (or lets it time out), they get no
    /// new work from that skill group for this long, so a decliner is not
    /// offered the next conversation first. Default 2 minutes; zero turns
    /// the cool-down off.
    pub decline_cooldown: TimeSpan,
    /// How many conversations a customer may have open at once; an
    /// `OpenConversation` beyond it is refused with
    /// [`EngineError::CustomerHasOpenConversation`](crate::EngineError::CustomerHasOpenConversation),
    /// naming the open one. Default: one per channel.
    pub open_conversations: OpenConversations,
    /// How much state the engine may hold (agents, conversations,
    /// customers, skill groups, skills per list, waiting work per group);
    /// beyond it new work is refused with
    /// [`EngineError::LimitReached`](crate::EngineError::LimitReached).
    pub limits: Limits,
    /// Workload rules: wrap-up per channel, the tenant's cap on live
    /// conversations (see [`WorkloadConfig`]). Default: none.
    pub workload: WorkloadConfig,
}

/// The rule for a customer's concurrent open conversations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OpenConversations {
    /// At most one open conversation per channel (a second message on the
    /// same channel belongs to the open thread).
    #[default]
    OnePerChannel,
    /// At most one open conversation across all channels.
    OneAcrossChannels,
    /// Any number (the host deduplicates).
    Unlimited,
}

/// The longest duration any setting may have: 365 days. Far beyond any
/// sensible target or window, and small enough that no sum or product the
/// engine makes of settings and timestamps can overflow.
pub const MAX_SETTING: TimeSpan = TimeSpan(365 * 24 * 3_600_000);

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            response_target: TimeSpan::from_mins(10),
            warn_at_permille: 800,
            class_head_start: TimeSpan::from_mins(5),
            vip_boost: true,
            affinity_window: TimeSpan::from_hours(24 * 7),
            sticky_wait: TimeSpan::from_mins(2),
            parked_weight_permille: 250,
            channel_weights: ChannelWeights::default(),
            offer_timeout: None,
            away_on_missed_offer: true,
            auto_park_after: Some(TimeSpan::from_mins(30)),
            decline_cooldown: TimeSpan::from_mins(2),
            open_conversations: OpenConversations::OnePerChannel,
            limits: Limits::default(),
            workload: WorkloadConfig::default(),
        }
    }
}

/// A configuration value the engine cannot work with.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The response target is zero.
    #[error("response_target must be above zero")]
    ZeroResponseTarget,
    /// The warning would not come strictly before the breach.
    #[error("warn_at_permille is {0}; it must be in 1..1000 so the warning precedes the breach")]
    WarnFraction(u32),
    /// A parked weight above the full weight.
    #[error("parked_weight_permille is {0}; it must be in 0..=1000")]
    ParkedWeight(u32),
    /// A channel weight of zero or above the largest cap.
    #[error("channel weight of {channel:?} is {weight}; it must be in 1..={max} milli-units")]
    ChannelWeight {
        /// The channel.
        channel: Channel,
        /// The rejected weight.
        weight: Capacity,
        /// The largest allowed weight.
        max: Capacity,
    },
    /// An offer timeout of zero.
    #[error("offer_timeout must be above zero (use None for direct assignment)")]
    ZeroOfferTimeout,
    /// A duration longer than [`MAX_SETTING`].
    #[error("{setting} is {value}; it must be at most {max} (365 days)")]
    TooLong {
        /// The setting's name.
        setting: &'static str,
        /// The rejected value.
        value: TimeSpan,
        /// The longest allowed.
        max: TimeSpan,
    },
    /// A limit of zero or above [`MAX_LIMIT`].
    #[error("limits.{name} is {value}; it must be in 1..={max}")]
    Limit {
        /// The limit's name.
        name: &'static str,
        /// The rejected value.
        value: u32,
        /// The largest allowed.
        max: u32,
    },
    /// A workload rule out of range.
    #[error("workload: {0}")]
    Workload(#[from] WorkloadConfigError),
}

impl EngineConfig {
    /// A builder starting from the defaults; its
    /// [`build`](EngineConfigBuilder::build) validates.
    pub fn builder() -> EngineConfigBuilder {
        EngineConfigBuilder::default()
    }

    /// Checks every value; the engine refuses to start on an error.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.response_target == TimeSpan::ZERO {
            return Err(ConfigError::ZeroResponseTarget);
        }
        if !(1..1000).contains(&self.warn_at_permille) {
            return Err(ConfigError::WarnFraction(self.warn_at_permille));
        }
        if self.parked_weight_permille > 1000 {
            return Err(ConfigError::ParkedWeight(self.parked_weight_permille));
        }
        for (channel, weight) in self.channel_weights.iter() {
            if weight == Capacity::ZERO || weight > Capacity::MAX_CAP {
                return Err(ConfigError::ChannelWeight {
                    channel,
                    weight,
                    max: Capacity::MAX_CAP,
                });
            }
        }
        if self.offer_timeout == Some(TimeSpan::ZERO) {
            return Err(ConfigError::ZeroOfferTimeout);
        }
        let durations = [
            ("response_target", Some(self.response_target)),
            ("class_head_start", Some(self.class_head_start)),
            ("affinity_window", Some(self.affinity_window)),
            ("sticky_wait", Some(self.sticky_wait)),
            ("offer_timeout", self.offer_timeout),
            ("auto_park_after", self.auto_park_after),
            ("decline_cooldown", Some(self.decline_cooldown)),
        ];
        for (setting, value) in durations {
            if let Some(value) = value.filter(|v| *v > MAX_SETTING) {
                return Err(ConfigError::TooLong {
                    setting,
                    value,
                    max: MAX_SETTING,
                });
            }
        }
        for (name, value) in self.limits.named() {
            let max = if name == "skill_windows" {
                super::limits::MAX_SKILL_WINDOWS
            } else {
                MAX_LIMIT
            };
            if !(1..=max).contains(&value) {
                return Err(ConfigError::Limit { name, value, max });
            }
        }
        self.workload.validate()?;
        Ok(())
    }

    /// The lightest channel weight: what the most threads under a cap
    /// each cost (the inboxes' reserved room, `state/inbox.rs`).
    pub(crate) fn lightest_weight(&self) -> Capacity {
        (self.channel_weights.iter())
            .map(|(_, w)| w)
            .min()
            .unwrap_or(Capacity::units(1))
    }

    /// Capacity a live conversation on `channel` uses.
    pub fn weight(&self, channel: Channel) -> Capacity {
        self.channel_weights.get(channel)
    }

    /// Capacity a parked conversation on `channel` uses: the channel's
    /// share in `workload.parked_permille`, else `parked_weight_permille`.
    pub fn parked_weight(&self, channel: Channel) -> Capacity {
        self.parked_share(channel, self.weight(channel))
    }

    /// What a parked thread of `channel` whose live weight is `full` costs
    /// (an agent's own weight for the channel scales the same way).
    pub(crate) fn parked_share(&self, channel: Channel, full: Capacity) -> Capacity {
        let permille =
            (self.workload.parked_permille(channel)).unwrap_or(self.parked_weight_permille);
        Capacity((u64::from(full.0) * u64::from(permille) / 1000) as u32)
    }

    /// Time after the start of waiting at which the warning is raised.
    pub fn warn_after(&self) -> TimeSpan {
        // Cannot overflow for a validated configuration (both factors are
        // bounded); saturating keeps an unvalidated one from panicking.
        TimeSpan(
            self.response_target
                .0
                .saturating_mul(u64::from(self.warn_at_permille))
                / 1000,
        )
    }
}
