//! Returning customers' affinity per channel: how long the last agent
//! stays preferred is configuration per channel, and an expired affinity
//! on such a channel is a decision with its reason, not silence.

use crate::common;
use common::*;
use switchboard::*;

fn config() -> EngineConfig {
    let mut config = EngineConfig::default();
    config
        .workload
        .affinity_windows
        .insert(Channel::WhatsApp, TimeSpan::from_mins(10));
    config
}

/// Customer 1 spoke with agent 1 at 2 s (conversation 1, resolved).
fn served(config: EngineConfig) -> Engine {
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[], 2);
    agent(&mut e, 2, &[], 2);
    open(&mut e, ms(0), 1, 1, &[]);
    e.apply(
        ms(2),
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    )
    .unwrap();
    resolve(&mut e, ms(3), 1);
    // Agent 2 is busier, so that least-loaded alone would not pick agent 1.
    open(&mut e, ms(4), 9, 9, &[]);
    e
}

#[test]
fn within_the_channels_window_the_last_agent_is_preferred() {
    let mut e = served(config());
    let d = open(&mut e, ms(2 + 600), 2, 1, &[]);
    assert!(d.iter().any(|d| matches!(d, Decision::StickyHit { .. })));
    audited(&e);
}

#[test]
fn an_expired_affinity_is_a_sticky_miss_with_its_reason() {
    let mut e = served(config());
    let d = open(&mut e, ms(3 + 600), 2, 1, &[]);
    assert!(d.contains(&Decision::StickyMiss {
        conversation: ConversationId(2),
        customer: CustomerId(1),
        agent: AgentId(1),
        reason: StickyMissReason::AffinityExpired,
    }));
    assert_eq!(e.stats().sticky_misses, 1);
    audited(&e);
}

#[test]
fn channels_not_listed_keep_the_global_window_silently() {
    let mut e = served(config());
    // An email from the same customer 20 minutes later: the global
    // window (7 days) applies, the last agent is preferred.
    let email = Command::open(ConversationId(2), CustomerId(1)).channel(Channel::Email);
    let d = e.apply(ms(1200), email).unwrap();
    assert!(d.iter().any(|d| matches!(d, Decision::StickyHit { .. })));
    // Without any per-channel window, expiry stays silent as before.
    let mut config = EngineConfig::default();
    config.affinity_window = TimeSpan::from_mins(10);
    let mut e = served(config);
    let d = open(&mut e, ms(3 + 600), 2, 1, &[]);
    assert!(d.iter().all(|d| !matches!(d, Decision::StickyMiss { .. })));
}

#[test]
fn affinity_windows_out_of_range_are_refused() {
    let mut config = config();
    config
        .workload
        .affinity_windows
        .insert(Channel::Sms, TimeSpan::from_hours(24 * 366));
    assert!(matches!(
        Engine::new(config, boxed("least_loaded")),
        Err(ConfigError::Workload(
            WorkloadConfigError::AffinityWindow { .. }
        ))
    ));
}
