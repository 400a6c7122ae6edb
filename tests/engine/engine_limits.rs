//! Bounded state (issue 21): every kind of state an engine accumulates has
//! a configured maximum, and a command that would pass one is a typed
//! refusal that changes nothing. Before, customers, skill groups and skill
//! lists were bounded only by `u32::MAX` or not at all, so a long-running
//! tenant or a host naming a new skill set per conversation grew memory
//! without an error.

use switchboard::{
    AgentId, AgentSpec, Capacity, Command, ConfigError, ConversationId, CustomerId, Engine,
    EngineConfig, EngineError, Level, Limits, SkillId, SkillRequirement, Timestamp,
};

fn engine(limits: Limits) -> Engine {
    let config = EngineConfig::builder()
        .limits(limits)
        .build()
        .expect("valid limits");
    Engine::new(config, switchboard::policy::BuiltinPolicy::LeastLoaded).expect("engine")
}

fn open(id: u64, customer: u64, skills: &[u32]) -> Command {
    let mut open = Command::open(ConversationId(id), CustomerId(customer));
    for &s in skills {
        open = open.skill(SkillId(s), Level::MIN);
    }
    open.into()
}

/// Applies `command`, which must be refused for `limit`, and checks that
/// nothing changed.
fn refused_for(engine: &mut Engine, at: u64, command: Command, limit: &str) {
    let before = engine.snapshot();
    match engine.apply(Timestamp(at), command) {
        Err(EngineError::LimitReached { limit: got, .. }) => assert_eq!(got, limit),
        other => panic!("expected LimitReached({limit}), got {other:?}"),
    }
    assert_eq!(engine.snapshot(), before, "a refusal changes nothing");
    engine.audit().expect("audit");
}

#[test]
fn regression_agents_beyond_the_limit_are_refused() {
    let mut e = engine(Limits::default().agents(2));
    for id in 1..=2 {
        e.apply(
            Timestamp(id),
            Command::AddAgent(AgentSpec::new(AgentId(id), Capacity::units(4))),
        )
        .expect("within the limit");
    }
    refused_for(
        &mut e,
        3,
        Command::AddAgent(AgentSpec::new(AgentId(3), Capacity::units(4))),
        "agents",
    );
}

#[test]
fn regression_conversations_and_customers_beyond_their_limits_are_refused() {
    let mut e = engine(Limits::default().conversations(3).customers(2));
    e.apply(Timestamp(1), open(1, 1, &[])).expect("open");
    e.apply(Timestamp(2), open(2, 2, &[])).expect("open");
    // A third customer would pass the customer limit.
    refused_for(&mut e, 3, open(3, 3, &[]), "customers");
    // A known customer may open another (on another channel).
    let email: Command = Command::open(ConversationId(3), CustomerId(1))
        .channel(switchboard::Channel::Email)
        .into();
    e.apply(Timestamp(4), email).expect("a known customer");
    let sms: Command = Command::open(ConversationId(4), CustomerId(2))
        .channel(switchboard::Channel::Sms)
        .into();
    refused_for(&mut e, 5, sms, "conversations");
}

#[test]
fn regression_a_new_skill_set_per_conversation_meets_the_group_limit() {
    let mut e = engine(Limits::default().skill_groups(3));
    for id in 1..=3u64 {
        e.apply(Timestamp(id), open(id, id, &[id as u32]))
            .expect("a new group within the limit");
    }
    refused_for(&mut e, 4, open(4, 4, &[99]), "skill_groups");
    // An existing group still takes work.
    e.apply(Timestamp(5), open(5, 5, &[2]))
        .expect("existing group");
}

#[test]
fn regression_skill_lists_are_bounded() {
    let mut e = engine(Limits::default().skills(2));
    refused_for(&mut e, 1, open(1, 1, &[1, 2, 3]), "skills");
    let agent = AgentSpec::new(AgentId(1), Capacity::units(4))
        .skill(SkillId(1), Level::MIN)
        .skill(SkillId(2), Level::MIN)
        .skill(SkillId(3), Level::MIN);
    refused_for(&mut e, 2, Command::AddAgent(agent), "skills");
    let transfer_to_many = |conv| Command::Transfer {
        conversation: ConversationId(conv),
        to: switchboard::TransferTarget::Skills(
            (1..=3)
                .map(|s| SkillRequirement::any_level(SkillId(s)))
                .collect(),
        ),
    };
    e.apply(Timestamp(3), open(1, 1, &[1])).expect("open");
    refused_for(&mut e, 4, transfer_to_many(1), "skills");
}

#[test]
fn regression_a_waiting_line_is_bounded_for_new_work() {
    let mut e = engine(Limits::default().waiting_per_group(2));
    // No agent: every conversation waits in the no-skill group's line.
    e.apply(Timestamp(1), open(1, 1, &[])).expect("waits");
    e.apply(Timestamp(2), open(2, 2, &[])).expect("waits");
    refused_for(&mut e, 3, open(3, 3, &[]), "waiting_per_group");
}

#[test]
fn a_limit_of_zero_is_an_invalid_configuration() {
    let built = EngineConfig::builder()
        .limits(Limits::default().customers(0))
        .build();
    assert!(
        matches!(
            built,
            Err(ConfigError::Limit {
                name: "customers",
                value: 0,
                ..
            })
        ),
        "{built:?}"
    );
}

#[test]
fn a_configuration_written_before_limits_reads_with_the_defaults() {
    let mut json = serde_json::to_value(EngineConfig::default()).expect("json");
    json.as_object_mut().expect("object").remove("limits");
    let config: EngineConfig = serde_json::from_value(json).expect("decodes");
    assert_eq!(config.limits, Limits::default());
}

fn resolve(id: u64) -> Command {
    Command::Resolve {
        conversation: ConversationId(id),
        reason: switchboard::ResolveReason::Solved,
    }
}

/// Before: customers were never freed (a purge dropped conversations only),
/// so a tenant seeing fresh customers grew without bound. Now a purge
/// forgets a customer with no conversation left once their stickiness is
/// over, and keeps their last agent until then.
#[test]
fn regression_customers_are_forgotten_once_their_stickiness_is_over() {
    let hour = switchboard::TimeSpan::from_hours(1);
    let config = EngineConfig::builder()
        .affinity_window(hour)
        .build()
        .expect("valid");
    let mut e = Engine::new(config, switchboard::policy::BuiltinPolicy::LeastLoaded).expect("e");
    e.apply(
        Timestamp(0),
        Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
    )
    .expect("agent");
    e.apply(Timestamp(1_000), open(1, 1, &[])).expect("open");
    e.apply(Timestamp(2_000), resolve(1)).expect("resolve");
    let purge = |before: u64| Command::Purge {
        resolved_before: Timestamp(before),
    };
    // Within the affinity window: the conversation goes, the customer and
    // their last agent stay.
    e.apply(Timestamp(600_000), purge(600_000)).expect("purge");
    assert_eq!(e.conversation_count(), 0);
    assert_eq!(e.customer_count(), 1, "kept for stickiness");
    // A returning customer within the window reaches their agent.
    e.apply(Timestamp(700_000), open(2, 1, &[]))
        .expect("returns");
    e.apply(Timestamp(701_000), resolve(2)).expect("resolve");
    // Past the window, with nothing held: forgotten.
    let later = 701_000 + hour.as_millis() + 1;
    e.apply(Timestamp(later), purge(later)).expect("purge");
    assert_eq!(e.customer_count(), 0, "forgotten");
    assert!(e.customer(CustomerId(1)).is_err());
    e.audit().expect("audit");
    // They may come back as a new customer.
    e.apply(Timestamp(later + 1), open(3, 1, &[]))
        .expect("a new start");
    assert_eq!(e.customer_count(), 1);
    e.audit().expect("audit");
}

/// Many fresh customers and conversations through purges: the engine
/// holds what its retention needs, not its history.
#[test]
fn customers_and_conversations_stay_bounded_under_purges() {
    let mut e = engine(Limits::default().customers(200).conversations(200));
    e.apply(
        Timestamp(0),
        Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(100))),
    )
    .expect("agent");
    let week = switchboard::TimeSpan::from_hours(24 * 7).as_millis();
    let mut at = 1u64;
    for id in 1..=2_000u64 {
        e.apply(Timestamp(at), open(id, id, &[]))
            .expect("within limits");
        e.apply(Timestamp(at + 1), resolve(id)).expect("resolve");
        at += 60_000;
        if id % 100 == 0 {
            e.apply(
                Timestamp(at),
                Command::Purge {
                    resolved_before: Timestamp(at),
                },
            )
            .expect("purge");
            at += week + 1;
            e.apply(
                Timestamp(at),
                Command::Purge {
                    resolved_before: Timestamp(at),
                },
            )
            .expect("purge");
            assert_eq!(e.conversation_count(), 0);
            assert_eq!(e.customer_count(), 0);
        }
    }
    e.audit().expect("audit");
}
