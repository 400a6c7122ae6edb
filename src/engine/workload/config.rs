//! The workload rules' configuration: wrap-up per channel and the tenant's
//! cap on live conversations. Validated with typed errors when the engine
//! is built, so every value the rules compute with is bounded.

use crate::engine::config::MAX_SETTING;
use crate::model::{Channel, TimeSpan};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

/// The largest cap on live conversations a team or the tenant may have:
/// far beyond any contact centre, small enough that no count overflows.
pub const MAX_LIVE_CAP: u32 = 10_000_000;

/// The workload rules of [`EngineConfig`](crate::EngineConfig). The
/// default sets none: an engine without them decides exactly as before.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkloadConfig {
    /// Wrap-up after an agent's live thread is resolved, per channel; a
    /// channel not listed has none.
    pub wrap_up: BTreeMap<Channel, WrapUpRule>,
    /// The tenant's total of live (offered or assigned) conversations at
    /// start (`None`: no total). Changed at run time by
    /// [`Command::SetTenantCap`](crate::Command::SetTenantCap).
    pub tenant_max_live: Option<u32>,
    /// Reassignment when the agent does not answer (`None`: never).
    pub no_answer: Option<NoAnswerRule>,
    /// How long a returning customer's last agent stays preferred, per
    /// channel, in place of
    /// [`EngineConfig::affinity_window`](crate::EngineConfig::affinity_window).
    /// On a channel listed here an expired affinity is a
    /// [`StickyMiss`](crate::Decision::StickyMiss) with reason
    /// [`AffinityExpired`](crate::StickyMissReason::AffinityExpired); on
    /// the others it passes silently, as before. Each at most
    /// `MAX_SETTING`.
    pub affinity_windows: BTreeMap<Channel, TimeSpan>,
    /// The interruption matrix: each channel listed may interrupt the
    /// channels in its set. A thread of an interrupting channel fits an
    /// agent when it fits under their cap beside the load held on the
    /// channels it interrupts: an agent whose cap is full of chats can
    /// still take the urgent text. The interrupted threads keep their
    /// place and their weight (nothing moves); the agent's load may so
    /// exceed their cap by at most the load of the interrupted channels
    /// (so never twice the cap: an interrupting channel may not be
    /// interrupted itself), and no other work reaches them until it is
    /// back under the cap. The channel's own cap
    /// ([`Command::SetChannelCap`](crate::Command::SetChannelCap)) and
    /// every level above the agent still apply.
    // Left out when empty: configurations written before it encode
    // byte for byte as they did (tests/persist/wire_fixtures.rs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub interruptions: BTreeMap<Channel, BTreeSet<Channel>>,
    /// Capacity by conversation status: what a thread waiting on the
    /// customer (parked) costs its agent on each channel listed, in
    /// permille of the channel's weight (`0..=1000`), in place of
    /// [`EngineConfig::parked_weight_permille`](crate::EngineConfig::parked_weight_permille)
    /// (which the channels not listed keep). A voice callback waiting on
    /// the customer may so cost nothing while a chat keeps a quarter.
    // Left out when empty: configurations written before it encode
    // byte for byte as they did (tests/persist/wire_fixtures.rs).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parked_permille: BTreeMap<Channel, u32>,
}

/// What happens to a conversation whose agent sends no first reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoAnswerRule {
    /// Time after the assignment (or acceptance) within which the agent
    /// must send a first reply, `1..=MAX_SETTING`.
    pub after: TimeSpan,
    /// Set the agent away when it passes (Kustomer's rule), so the next
    /// conversation does not hit them either.
    pub set_away: bool,
    /// How many times the conversation goes back to its line, at most
    /// [`MAX_NO_ANSWER_HOPS`].
    pub max_hops: u32,
    /// What happens when the time passes once more after the last hop.
    pub last: NoAnswerFinal,
}

/// The most reassignments a no-answer rule may allow.
pub const MAX_NO_ANSWER_HOPS: u32 = 16;

/// The terminal action of a no-answer rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoAnswerFinal {
    /// Keep the conversation with its agent and warn (a supervisor acts).
    KeepAndWarn,
    /// Resolve it with this reason.
    Resolve {
        /// The reason recorded.
        reason: crate::model::ResolveReason,
    },
}

/// How one channel's wrap-up works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrapUpRule {
    /// Whether and when the agent may end it early.
    pub mode: WrapUpMode,
    /// The time box: the wrap-up ends by itself this long after the
    /// resolve. In `1..=MAX_SETTING`.
    pub time: TimeSpan,
    /// Share of the conversation's weight the agent keeps holding during
    /// the wrap-up, in permille (`0..=1000`; 1000 holds all of it).
    pub hold_permille: u32,
}

/// When a wrap-up may end before its time box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WrapUpMode {
    /// The agent may end it at any moment with
    /// [`Command::EndWrapUp`](crate::Command::EndWrapUp) (or skip it by
    /// ending it at once).
    Optional,
    /// Mandatory and time-boxed: the agent may end it early, but not before
    /// `min` has passed since the resolve (`min <= time`).
    TimeBoxed {
        /// The least time the agent spends in wrap-up.
        min: TimeSpan,
    },
    /// Mandatory without early end: it lasts the whole time box;
    /// `EndWrapUp` is refused.
    NoEarlyEnd,
}

/// At most `max` new assignments in any rolling `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Assignments allowed in the window, `1..=MAX_RATE`.
    pub max: u32,
    /// The window, `1..=MAX_SETTING` milliseconds.
    pub window: TimeSpan,
}

/// The most assignments a rate limit may allow per window: the times of
/// that many are kept per limited agent.
pub const MAX_RATE: u32 = 10_000;

impl RateLimit {
    /// Whether both values are in range.
    pub(crate) fn valid(&self) -> bool {
        (1..=MAX_RATE).contains(&self.max)
            && self.window != TimeSpan::ZERO
            && self.window <= MAX_SETTING
    }
}

/// A workload setting the engine cannot work with.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WorkloadConfigError {
    /// A wrap-up time box of zero or longer than [`MAX_SETTING`].
    #[error("wrap_up of {channel:?}: time is {time}; it must be in 1..={max}")]
    WrapUpTime {
        /// The channel.
        channel: Channel,
        /// The rejected time.
        time: TimeSpan,
        /// The longest allowed.
        max: TimeSpan,
    },
    /// A time-boxed wrap-up whose least time exceeds its time box.
    #[error("wrap_up of {channel:?}: min {min} is longer than the time box {time}")]
    WrapUpMin {
        /// The channel.
        channel: Channel,
        /// The rejected least time.
        min: TimeSpan,
        /// The time box.
        time: TimeSpan,
    },
    /// A held share above the whole weight.
    #[error("wrap_up of {channel:?}: hold_permille is {value}; it must be in 0..=1000")]
    WrapUpHold {
        /// The channel.
        channel: Channel,
        /// The rejected share.
        value: u32,
    },
    /// An affinity window longer than [`MAX_SETTING`].
    #[error("affinity_windows of {channel:?} is {window}; it must be at most {max}")]
    AffinityWindow {
        /// The channel.
        channel: Channel,
        /// The rejected window.
        window: TimeSpan,
        /// The longest allowed.
        max: TimeSpan,
    },
    /// A no-answer time of zero or too long, or too many hops.
    #[error("no_answer: after is {after} (must be 1..={max}) and max_hops {max_hops} (must be at most {max_hops_allowed})")]
    NoAnswer {
        /// The rejected time.
        after: TimeSpan,
        /// The longest allowed.
        max: TimeSpan,
        /// The rejected hops.
        max_hops: u32,
        /// The most hops allowed.
        max_hops_allowed: u32,
    },
    /// A channel listed as interrupting itself.
    #[error("interruptions of {channel:?}: a channel cannot interrupt itself")]
    InterruptsItself {
        /// The channel.
        channel: Channel,
    },
    /// An interrupting channel that another channel interrupts: one level
    /// only, so that a load never exceeds twice the cap.
    #[error("interruptions: {channel:?} interrupts others, so {by:?} may not interrupt it")]
    InterruptionChain {
        /// The interrupting channel listed as interrupted.
        channel: Channel,
        /// The channel that would interrupt it.
        by: Channel,
    },
    /// A parked share above the whole weight.
    #[error("parked_permille of {channel:?} is {value}; it must be in 0..=1000")]
    ParkedPermille {
        /// The channel.
        channel: Channel,
        /// The rejected share.
        value: u32,
    },
    /// A cap on live conversations above [`MAX_LIVE_CAP`].
    #[error("{setting} is {value}; it must be at most {max}")]
    LiveCap {
        /// The setting's name.
        setting: &'static str,
        /// The rejected value.
        value: u32,
        /// The largest allowed.
        max: u32,
    },
}

impl WorkloadConfig {
    /// Checks every value.
    pub fn validate(&self) -> Result<(), WorkloadConfigError> {
        for (&channel, rule) in &self.wrap_up {
            rule.validate(channel)?;
        }
        check_live_cap("tenant_max_live", self.tenant_max_live)?;
        for (&channel, &window) in &self.affinity_windows {
            if window > MAX_SETTING {
                return Err(WorkloadConfigError::AffinityWindow {
                    channel,
                    window,
                    max: MAX_SETTING,
                });
            }
        }
        if let Some((&channel, &value)) = self.parked_permille.iter().find(|(_, &v)| v > 1000) {
            return Err(WorkloadConfigError::ParkedPermille { channel, value });
        }
        for (&by, over) in &self.interruptions {
            if over.contains(&by) {
                return Err(WorkloadConfigError::InterruptsItself { channel: by });
            }
            if let Some(&channel) = over.iter().find(|c| self.interruptions.contains_key(c)) {
                return Err(WorkloadConfigError::InterruptionChain { channel, by });
            }
        }
        if let Some(rule) = self.no_answer {
            let bad_time = rule.after == TimeSpan::ZERO || rule.after > MAX_SETTING;
            if bad_time || rule.max_hops > MAX_NO_ANSWER_HOPS {
                return Err(WorkloadConfigError::NoAnswer {
                    after: rule.after,
                    max: MAX_SETTING,
                    max_hops: rule.max_hops,
                    max_hops_allowed: MAX_NO_ANSWER_HOPS,
                });
            }
        }
        Ok(())
    }

    /// The channels `channel` interrupts, as a mask of `Channel::index`
    /// bits (0 without interruptions: one branch).
    #[inline]
    pub(crate) fn over(&self, channel: Channel) -> u8 {
        if self.interruptions.is_empty() {
            return 0;
        }
        self.interruptions.get(&channel).map_or(0, |over| {
            over.iter().fold(0u8, |mask, c| mask | 1 << c.index())
        })
    }

    /// The parked share of `channel`'s weight, in permille, if the
    /// workload rules set one.
    #[inline]
    pub(crate) fn parked_permille(&self, channel: Channel) -> Option<u32> {
        if self.parked_permille.is_empty() {
            return None;
        }
        self.parked_permille.get(&channel).copied()
    }

    /// The wrap-up rule of `channel`, if any.
    pub(crate) fn wrap_up(&self, channel: Channel) -> Option<&WrapUpRule> {
        if self.wrap_up.is_empty() {
            return None;
        }
        self.wrap_up.get(&channel)
    }
}

impl WrapUpRule {
    fn validate(&self, channel: Channel) -> Result<(), WorkloadConfigError> {
        if self.time == TimeSpan::ZERO || self.time > MAX_SETTING {
            return Err(WorkloadConfigError::WrapUpTime {
                channel,
                time: self.time,
                max: MAX_SETTING,
            });
        }
        if let WrapUpMode::TimeBoxed { min } = self.mode {
            if min > self.time {
                return Err(WorkloadConfigError::WrapUpMin {
                    channel,
                    min,
                    time: self.time,
                });
            }
        }
        if self.hold_permille > 1000 {
            return Err(WorkloadConfigError::WrapUpHold {
                channel,
                value: self.hold_permille,
            });
        }
        Ok(())
    }
}

/// A cap on live conversations in range (`None` is no cap).
pub(crate) fn check_live_cap(
    setting: &'static str,
    value: Option<u32>,
) -> Result<(), WorkloadConfigError> {
    match value {
        Some(value) if value > MAX_LIVE_CAP => Err(WorkloadConfigError::LiveCap {
            setting,
            value,
            max: MAX_LIVE_CAP,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(mode: WrapUpMode, time: u64, hold: u32) -> WrapUpRule {
        WrapUpRule {
            mode,
            time: TimeSpan::from_secs(time),
            hold_permille: hold,
        }
    }

    #[test]
    fn wrap_up_settings_out_of_range_are_refused_by_name() {
        let mut config = WorkloadConfig::default();
        assert_eq!(config.validate(), Ok(()));
        config
            .wrap_up
            .insert(Channel::Sms, rule(WrapUpMode::Optional, 0, 500));
        assert!(matches!(
            config.validate(),
            Err(WorkloadConfigError::WrapUpTime { .. })
        ));
        let min = TimeSpan::from_secs(61);
        config
            .wrap_up
            .insert(Channel::Sms, rule(WrapUpMode::TimeBoxed { min }, 60, 500));
        assert!(matches!(
            config.validate(),
            Err(WorkloadConfigError::WrapUpMin { .. })
        ));
        config
            .wrap_up
            .insert(Channel::Sms, rule(WrapUpMode::NoEarlyEnd, 60, 1001));
        assert!(matches!(
            config.validate(),
            Err(WorkloadConfigError::WrapUpHold { value: 1001, .. })
        ));
        config
            .wrap_up
            .insert(Channel::Sms, rule(WrapUpMode::NoEarlyEnd, 60, 1000));
        assert_eq!(config.validate(), Ok(()));
        config.tenant_max_live = Some(MAX_LIVE_CAP + 1);
        assert!(matches!(
            config.validate(),
            Err(WorkloadConfigError::LiveCap { .. })
        ));
    }

    #[test]
    fn an_interruption_matrix_may_not_interrupt_itself_or_chain() {
        let mut config = WorkloadConfig::default();
        config
            .interruptions
            .insert(Channel::Sms, [Channel::Web, Channel::Email].into());
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(
            config.over(Channel::Sms),
            1 << Channel::Web.index() | 1 << Channel::Email.index()
        );
        assert_eq!(config.over(Channel::Web), 0);
        config
            .interruptions
            .insert(Channel::WhatsApp, [Channel::Sms].into());
        assert_eq!(
            config.validate(),
            Err(WorkloadConfigError::InterruptionChain {
                channel: Channel::Sms,
                by: Channel::WhatsApp
            })
        );
        config.interruptions.remove(&Channel::WhatsApp);
        config
            .interruptions
            .insert(Channel::Sms, [Channel::Sms].into());
        assert_eq!(
            config.validate(),
            Err(WorkloadConfigError::InterruptsItself {
                channel: Channel::Sms
            })
        );
    }

    #[test]
    fn a_parked_share_above_the_whole_weight_is_refused_by_channel() {
        let mut config = WorkloadConfig::default();
        config.parked_permille.insert(Channel::Email, 0);
        config.parked_permille.insert(Channel::Sms, 1000);
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.parked_permille(Channel::Email), Some(0));
        assert_eq!(config.parked_permille(Channel::Web), None);
        config.parked_permille.insert(Channel::Web, 1001);
        assert_eq!(
            config.validate(),
            Err(WorkloadConfigError::ParkedPermille {
                channel: Channel::Web,
                value: 1001
            })
        );
    }

    #[test]
    fn wrap_up_rules_read_from_json_keyed_by_channel() {
        let json = r#"{"wrap_up":{"whats_app":{"mode":{"time_boxed":{"min":1000}},"time":60000,"hold_permille":1000}},"tenant_max_live":40}"#;
        let config: WorkloadConfig = serde_json::from_str(json).expect("valid");
        assert_eq!(config.validate(), Ok(()));
        let rule = config.wrap_up(Channel::WhatsApp).expect("set");
        assert_eq!(rule.time, TimeSpan::from_secs(60));
        assert!(config.wrap_up(Channel::Sms).is_none());
    }
}
