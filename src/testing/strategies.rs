//! Proptest strategies for agents, customers, conversations and realistic
//! command sequences with time jumps.
//!
//! Every strategy produces plain values ([`AgentPlan`], [`Step`],
//! [`Scenario`]): small integers and short vectors, so a failing case
//! shrinks to a handful of steps. [`run`](super::run::run) turns a scenario
//! into engine commands.
//!
//! ```
//! use proptest::strategy::{Strategy, ValueTree};
//! use proptest::test_runner::TestRunner;
//! use switchboard::testing::strategies;
//!
//! let mut runner = TestRunner::deterministic();
//! let scenario = strategies::scenario(3, 10).new_tree(&mut runner).unwrap().current();
//! assert!((1..=3).contains(&scenario.agents.len()));
//! assert!(scenario.steps.len() <= 10);
//! ```

use super::scenario::{AgentPlan, Scenario, Step, SKILLS};
use crate::model::{AgentStatus, Priority};
use proptest::collection::vec;
use proptest::prelude::*;

/// A skill level: `0` (lacks the skill) one time in four, else `1..=10`.
pub fn level() -> impl Strategy<Value = u8> {
    prop_oneof![1 => Just(0u8), 3 => 1u8..=10]
}

/// An agent status, online six times in nine.
pub fn status() -> impl Strategy<Value = AgentStatus> {
    prop_oneof![
        6 => Just(AgentStatus::Online),
        1 => Just(AgentStatus::Away),
        1 => Just(AgentStatus::Offline),
        1 => Just(AgentStatus::Draining),
    ]
}

/// A priority class, normal most often.
pub fn priority() -> impl Strategy<Value = Priority> {
    prop_oneof![
        4 => Just(Priority::Normal),
        2 => Just(Priority::Low),
        2 => Just(Priority::High),
        1 => Just(Priority::Urgent),
    ]
}

/// An agent: levels in the scenario's skills, a cap of 1 to 4 units, a
/// starting status.
pub fn agent() -> impl Strategy<Value = AgentPlan> {
    (
        proptest::array::uniform::<_, SKILLS>(level()),
        1u32..=4,
        status(),
    )
        .prop_map(|(levels, cap, status)| AgentPlan {
            levels,
            cap,
            status,
        })
}

/// A customer: a new one two times in three, else one of four regulars who
/// come back (so sticky routing is exercised).
pub fn customer() -> impl Strategy<Value = Option<u8>> {
    prop_oneof![2 => Just(None), 1 => (0u8..4).prop_map(Some)]
}

/// A conversation opening: customer, required skill (or none), priority,
/// VIP, channel, and whether it starts with the bot.
pub fn conversation() -> impl Strategy<Value = Step> {
    let skill = proptest::option::of((0..SKILLS as u8, 1u8..=6));
    (
        customer(),
        skill,
        priority(),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(customer, skill, priority, vip, email, bot)| Step::Open {
            customer,
            skill,
            priority,
            vip,
            email,
            bot,
        })
}

/// A time jump of one second to half an hour (long enough for aging and SLA
/// timers to matter).
pub fn wait() -> impl Strategy<Value = Step> {
    (1u32..=1_800).prop_map(|secs| Step::Wait { secs })
}

/// One step of a working day: arrivals most often, then resolutions,
/// replies, returning customers, parking, status changes and time jumps.
pub fn step() -> impl Strategy<Value = Step> {
    let conv = any::<u8>();
    prop_oneof![
        5 => conversation(),
        3 => conv.prop_map(|conversation| Step::Resolve { conversation }),
        2 => conv.prop_map(|conversation| Step::AgentReply { conversation }),
        2 => conv.prop_map(|conversation| Step::CustomerWrites { conversation }),
        1 => conv.prop_map(|conversation| Step::Park { conversation }),
        1 => conv.prop_map(|conversation| Step::Escalate { conversation }),
        1 => (any::<u8>(), status()).prop_map(|(agent, status)| Step::SetStatus { agent, status }),
        2 => wait(),
    ]
}

/// A scenario: a team of `1..=max_agents` agents and up to `max_steps` steps.
pub fn scenario(max_agents: usize, max_steps: usize) -> impl Strategy<Value = Scenario> {
    (
        vec(agent(), 1..=max_agents.max(1)),
        vec(step(), 0..=max_steps),
    )
        .prop_map(|(agents, steps)| Scenario { agents, steps })
}

/// A burst of arrivals for a team of equivalent agents: `2..=max_agents`
/// online agents with the same skill level and cap, and up to `max_steps`
/// arrivals of new customers needing that skill, with time jumps between
/// them and nothing resolved. Every fair policy keeps their loads within one
/// conversation of each other here; this is the strategy of
/// [`check_balanced_load`](super::check_balanced_load).
pub fn equivalent_burst(max_agents: usize, max_steps: usize) -> impl Strategy<Value = Scenario> {
    let arrival = priority().prop_map(|priority| Step::Open {
        customer: None,
        skill: Some((0, 1)),
        priority,
        vip: false,
        email: false,
        bot: false,
    });
    let step = prop_oneof![4 => arrival, 1 => (1u32..=600).prop_map(|secs| Step::Wait { secs })];
    (
        2..=max_agents.max(2),
        1u8..=10,
        1u32..=4,
        vec(step, 1..=max_steps.max(1)),
    )
        .prop_map(|(n, level, cap, steps)| Scenario {
            agents: vec![
                AgentPlan {
                    levels: [level, 0],
                    cap,
                    status: AgentStatus::Online,
                };
                n
            ],
            steps,
        })
}
