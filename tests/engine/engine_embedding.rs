//! The embedding API: the builders say what the old literals said, the
//! assignee reads an offer like an assignment, every query answers an
//! unknown id the same way, and built-in policies are typed values.

use switchboard::policy::{BuiltinPolicy, PolicyFactory};
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, ChannelWeights, Command, ConfigError,
    ConversationId, CustomerId, Decision, DecisionKind, Engine, EngineConfig, EngineError, Level,
    OpenConversation, Priority, SkillId, SkillLevel, SkillRequirement, Tier, TimeSpan, Timestamp,
};

const BILLING: SkillId = SkillId(7);

fn engine(config: EngineConfig) -> Engine {
    Engine::new(config, BuiltinPolicy::LeastLoaded).expect("valid config")
}

#[test]
fn open_builder_defaults_are_the_documented_ones() {
    let Command::OpenConversation(open) =
        Command::from(Command::open(ConversationId(1), CustomerId(2)))
    else {
        panic!("Command::open builds an open");
    };
    assert_eq!(open.conversation, ConversationId(1));
    assert_eq!(open.customer, CustomerId(2));
    assert_eq!(open.channel, Channel::WhatsApp);
    assert_eq!(open.tier, Tier::Standard);
    assert_eq!(open.priority, Priority::Normal);
    assert!(open.skills.is_empty());
    assert!(!open.start_in_bot);

    let full = OpenConversation::new(ConversationId(1), CustomerId(2))
        .channel(Channel::Email)
        .skill(BILLING, Level::of::<3>())
        .skills([SkillRequirement::any_level(SkillId(8))])
        .priority(Priority::Urgent)
        .tier(Tier::Vip)
        .in_bot();
    assert_eq!(
        full.skills,
        [
            SkillRequirement::new(BILLING, 3).unwrap(),
            SkillRequirement::new(SkillId(8), 1).unwrap()
        ]
    );
    assert_eq!(
        (full.channel, full.priority, full.tier, full.start_in_bot),
        (Channel::Email, Priority::Urgent, Tier::Vip, true)
    );
    assert!(!full.start_in_bot(false).start_in_bot);
}

#[test]
fn agent_builder_types_the_id_and_the_cap() {
    let spec = AgentSpec::new(AgentId(4), Capacity::units(3))
        .skill(BILLING, Level::new(6).unwrap())
        .channels([Channel::Sms])
        .status(AgentStatus::Away);
    assert_eq!(spec.id, AgentId(4));
    assert_eq!(spec.cap, Capacity(3_000));
    assert_eq!(spec.skills, [SkillLevel::new(BILLING, 6).unwrap()]);
    assert_eq!(spec.channels.as_deref(), Some(&[Channel::Sms][..]));
    assert_eq!(spec.status, AgentStatus::Away);
    let mut e = engine(EngineConfig::default());
    let d = e.apply(Timestamp(0), spec).unwrap();
    assert_eq!(d[0].kind(), DecisionKind::AgentAdded);
    assert_eq!(d[0].name(), "agent_added");
}

#[test]
fn assignee_reads_an_offer_as_it_reads_an_assignment() {
    for offer in [None, Some(TimeSpan::from_secs(30))] {
        let config = EngineConfig::builder()
            .offer_timeout(offer)
            .build()
            .unwrap();
        let mut e = engine(config);
        e.apply(Timestamp(0), AgentSpec::new(AgentId(1), Capacity::units(1)))
            .unwrap();
        let d = e
            .apply(
                Timestamp(1),
                Command::open(ConversationId(9), CustomerId(1)),
            )
            .unwrap();
        let expected = if offer.is_some() {
            DecisionKind::Offered
        } else {
            DecisionKind::Assigned
        };
        assert!(d.iter().any(|d| d.kind() == expected), "{d:?}");
        assert_eq!(
            d.iter().find_map(Decision::assignee),
            Some((ConversationId(9), AgentId(1)))
        );
        assert_eq!(e.assignee(ConversationId(9)), Ok(Some(AgentId(1))));
        // A second conversation waits: no assignee yet, in either mode.
        let d = e
            .apply(
                Timestamp(2),
                Command::open(ConversationId(10), CustomerId(2)),
            )
            .unwrap();
        assert_eq!(d.iter().find_map(Decision::assignee), None);
        assert_eq!(e.assignee(ConversationId(10)), Ok(None));
    }
}

#[test]
fn every_query_answers_an_unknown_id_with_the_commands_error() {
    let e = engine(EngineConfig::default());
    let (agent, conversation, customer) = (AgentId(5), ConversationId(6), CustomerId(7));
    let unknown_agent = Err(EngineError::UnknownAgent(agent));
    let unknown_conversation = Err(EngineError::UnknownConversation(conversation));
    let unknown_customer = Err(EngineError::UnknownCustomer(customer));
    assert_eq!(e.agent(agent).map(|_| ()), unknown_agent);
    assert_eq!(e.agent_stats(agent).map(|_| ()), unknown_agent);
    assert_eq!(e.inbox(agent).map(|_| ()), unknown_agent);
    assert_eq!(e.inbox_head(agent).map(|_| ()), unknown_agent);
    assert_eq!(
        e.conversation(conversation).map(|_| ()),
        unknown_conversation
    );
    assert_eq!(e.assignee(conversation).map(|_| ()), unknown_conversation);
    assert_eq!(e.customer(customer).map(|_| ()), unknown_customer);
    assert_eq!(e.open_conversations(customer).map(|_| ()), unknown_customer);
    // The command naming the same agent is refused with the same error.
    let command = Command::SetAgentStatus {
        agent,
        status: AgentStatus::Online,
    };
    let mut e = e;
    assert_eq!(e.apply(Timestamp(0), command).map(|_| ()), unknown_agent);
}

#[test]
fn builtin_policies_are_found_by_name_and_an_unknown_name_lists_them() {
    for policy in BuiltinPolicy::ALL {
        assert_eq!(policy.name().parse::<BuiltinPolicy>(), Ok(policy));
        let e = Engine::new(EngineConfig::default(), policy).unwrap();
        assert_eq!(e.policy_name(), policy.name());
        assert_eq!(PolicyFactory::from(policy).build().name(), policy.name());
    }
    let error = BuiltinPolicy::from_name("fastest").unwrap_err();
    for name in BuiltinPolicy::names() {
        assert!(error.to_string().contains(name), "{error}");
    }
}

#[test]
fn config_builder_validates_and_keys_weights_by_channel() {
    let config = EngineConfig::builder()
        .channel_weight(Channel::Email, Capacity(250))
        .auto_park_after(None)
        .build()
        .unwrap();
    assert_eq!(config.weight(Channel::Email), Capacity(250));
    assert_eq!(config.auto_park_after, None);
    assert_eq!(
        EngineConfig::builder()
            .channel_weights(ChannelWeights::uniform(Capacity::ZERO))
            .build(),
        Err(ConfigError::ChannelWeight {
            channel: Channel::Sms,
            weight: Capacity::ZERO,
            max: Capacity::MAX_CAP
        })
    );
    assert_eq!(
        EngineConfig::builder().warn_at_permille(0).build(),
        Err(ConfigError::WarnFraction(0))
    );
}

#[test]
fn time_span_converts_to_and_from_std_duration() {
    let span = TimeSpan::from_secs(90);
    assert_eq!(
        std::time::Duration::from(span),
        std::time::Duration::from_secs(90)
    );
    assert_eq!(
        TimeSpan::from_std(std::time::Duration::from_micros(1_500)),
        TimeSpan(1)
    );
    assert_eq!(
        TimeSpan::from_std(std::time::Duration::MAX),
        TimeSpan(u64::MAX)
    );
}

/// Glob imports of std's names and the crate root together: if the crate
/// root re-exported a name std also has (it once re-exported `Duration`),
/// using that name here would be ambiguous and this file would not compile.
mod no_std_name_is_shadowed {
    #[allow(unused_imports)]
    use std::collections::*;
    #[allow(unused_imports)]
    use std::time::*;
    #[allow(unused_imports)]
    use switchboard::*;

    #[test]
    fn std_names_stay_std_beside_a_glob_of_the_crate_root() {
        let wait: Duration = Duration::from_secs(90);
        let started: Instant = Instant::now();
        let mut seen: HashMap<AgentId, TimeSpan> = HashMap::new();
        seen.insert(AgentId(1), TimeSpan::from_std(wait));
        assert_eq!(std::time::Duration::from(seen[&AgentId(1)]), wait);
        assert!(started.elapsed() < Duration::from_secs(3600));
    }
}
