//! [`EngineConfigBuilder`]: an [`EngineConfig`] set up by chained calls and
//! validated once, when built.

use super::channel_weights::ChannelWeights;
use super::config::{ConfigError, EngineConfig, OpenConversations};
use super::limits::Limits;
use super::workload::WorkloadConfig;
use crate::model::{Capacity, Channel, TimeSpan};

/// Builds an [`EngineConfig`] from the defaults; see
/// [`EngineConfig::builder`]. Each setter documents its setting on the
/// field of [`EngineConfig`] of the same name.
#[derive(Clone, Debug, Default)]
#[must_use = "a builder does nothing until built"]
pub struct EngineConfigBuilder {
    config: EngineConfig,
}

impl EngineConfigBuilder {
    /// Sets [`EngineConfig::response_target`].
    pub fn response_target(mut self, target: TimeSpan) -> Self {
        self.config.response_target = target;
        self
    }

    /// Sets [`EngineConfig::warn_at_permille`].
    pub fn warn_at_permille(mut self, permille: u32) -> Self {
        self.config.warn_at_permille = permille;
        self
    }

    /// Sets [`EngineConfig::class_head_start`].
    pub fn class_head_start(mut self, head_start: TimeSpan) -> Self {
        self.config.class_head_start = head_start;
        self
    }

    /// Sets [`EngineConfig::vip_boost`].
    pub fn vip_boost(mut self, boost: bool) -> Self {
        self.config.vip_boost = boost;
        self
    }

    /// Sets [`EngineConfig::affinity_window`].
    pub fn affinity_window(mut self, window: TimeSpan) -> Self {
        self.config.affinity_window = window;
        self
    }

    /// Sets [`EngineConfig::sticky_wait`].
    pub fn sticky_wait(mut self, wait: TimeSpan) -> Self {
        self.config.sticky_wait = wait;
        self
    }

    /// Sets [`EngineConfig::parked_weight_permille`].
    pub fn parked_weight_permille(mut self, permille: u32) -> Self {
        self.config.parked_weight_permille = permille;
        self
    }

    /// Sets the weight of one channel in [`EngineConfig::channel_weights`].
    pub fn channel_weight(mut self, channel: Channel, weight: Capacity) -> Self {
        self.config.channel_weights.set(channel, weight);
        self
    }

    /// Sets [`EngineConfig::channel_weights`] whole.
    pub fn channel_weights(mut self, weights: ChannelWeights) -> Self {
        self.config.channel_weights = weights;
        self
    }

    /// Sets [`EngineConfig::offer_timeout`]: a span to offer conversations
    /// with that timeout, `None` to assign directly.
    pub fn offer_timeout(mut self, timeout: impl Into<Option<TimeSpan>>) -> Self {
        self.config.offer_timeout = timeout.into();
        self
    }

    /// Sets [`EngineConfig::workload`]: wrap-up, the tenant's cap and
    /// reassignment when the agent does not answer.
    pub fn workload(mut self, workload: WorkloadConfig) -> Self {
        self.config.workload = workload;
        self
    }

    /// Sets [`EngineConfig::away_on_missed_offer`].
    pub fn away_on_missed_offer(mut self, away: bool) -> Self {
        self.config.away_on_missed_offer = away;
        self
    }

    /// Sets [`EngineConfig::auto_park_after`]: a span, or `None` to never
    /// park automatically.
    pub fn auto_park_after(mut self, after: impl Into<Option<TimeSpan>>) -> Self {
        self.config.auto_park_after = after.into();
        self
    }

    /// Sets [`EngineConfig::decline_cooldown`].
    pub fn decline_cooldown(mut self, cooldown: TimeSpan) -> Self {
        self.config.decline_cooldown = cooldown;
        self
    }

    /// Sets [`EngineConfig::open_conversations`].
    pub fn open_conversations(mut self, rule: OpenConversations) -> Self {
        self.config.open_conversations = rule;
        self
    }

    /// Sets [`EngineConfig::limits`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// The configuration, validated ([`EngineConfig::validate`]).
    pub fn build(self) -> Result<EngineConfig, ConfigError> {
        self.config.validate()?;
        Ok(self.config)
    }
}
