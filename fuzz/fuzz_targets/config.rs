//! Arbitrary bytes into `EngineConfig` (JSON) and, when it validates, an
//! engine driven at extreme timestamps: a typed error or an engine that
//! passes `audit()`, never a panic or an overflow. A validated
//! configuration must make every sum and product of settings and times
//! safe (the regression: a huge `response_target` passed `validate()` and
//! overflowed at the first open).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard::policy::LeastLoaded;
use switchboard::{
    AgentId, AgentSpec, Capacity, Channel, Command, ConversationId, CustomerId, Engine,
    EngineConfig, Priority, Tier, Timestamp,
};

fuzz_target!(|data: &[u8]| {
    let (times, json) = data.split_at(data.len().min(16));
    let Ok(config) = serde_json::from_slice::<EngineConfig>(json) else {
        return;
    };
    let Ok(mut engine) = Engine::new(config, LeastLoaded) else {
        return;
    };
    let mut t = [0u8; 16];
    t[..times.len()].copy_from_slice(times);
    let first = u64::from_le_bytes(t[..8].try_into().unwrap_or_default());
    let second = u64::from_le_bytes(t[8..].try_into().unwrap_or_default());
    let at = [first, second, u64::MAX, first.saturating_add(second)];
    let _ = engine.apply(
        Timestamp(at[0]),
        AgentSpec::new(AgentId(1), Capacity::units(2)),
    );
    for (i, &when) in at.iter().enumerate() {
        let _ = engine.apply(
            Timestamp(when),
            Command::open(ConversationId(i as u64), CustomerId(i as u64))
                .channel(Channel::Email)
                .tier(Tier::Vip)
                .priority(Priority::Urgent),
        );
        let _ = engine.apply(Timestamp(when), Command::Tick);
        if let Err(v) = engine.audit() {
            panic!("audit failed: {v}");
        }
    }
});
