//! Checking a [`WorkloadConfig`] before an engine is built: every value in
//! range, each refusal a typed [`WorkloadConfigError`] naming the setting
//! and the channel, so the rules never compute with an unbounded value.

use super::config::{WorkloadConfig, WrapUpMode, WrapUpRule, MAX_LIVE_CAP, MAX_NO_ANSWER_HOPS};
use crate::engine::config::MAX_SETTING;
use crate::model::{Channel, TimeSpan};
use thiserror::Error;

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
