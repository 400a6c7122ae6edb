//! Bad input: a typed error, and the state exactly as it was.
use crate::common;
use common::*;
use switchboard::*;

/// Applies `command`, expects an error matching `check`, and checks that
/// the snapshot did not change.
fn refused(e: &mut Engine, command: Command, check: impl Fn(&EngineError) -> bool) {
    let before = e.snapshot();
    let err = e.apply(ms(500), command).expect_err("must be refused");
    assert!(check(&err), "unexpected error: {err:?}");
    assert!(!err.to_string().is_empty());
    assert_eq!(e.snapshot(), before, "a refused command changed the state");
    audited(e);
}

fn setup() -> Engine {
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 5)], 2);
    open(&mut e, ms(1), 1, 1, &[(BILLING, 1)]);
    open(&mut e, ms(2), 2, 2, &[]);
    resolve(&mut e, ms(3), 2);
    e
}

#[test]
fn unknown_ids() {
    let mut e = setup();
    refused(
        &mut e,
        Command::SetAgentStatus {
            agent: AgentId(9),
            status: AgentStatus::Away,
        },
        |e| matches!(e, EngineError::UnknownAgent(AgentId(9))),
    );
    refused(
        &mut e,
        Command::CustomerMessage {
            conversation: ConversationId(9),
        },
        |e| matches!(e, EngineError::UnknownConversation(ConversationId(9))),
    );
    refused(
        &mut e,
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(9),
        },
        |e| matches!(e, EngineError::UnknownAgent(_)),
    );
    refused(
        &mut e,
        Command::Transfer {
            conversation: ConversationId(1),
            to: TransferTarget::Agent(AgentId(9)),
        },
        |e| matches!(e, EngineError::UnknownAgent(_)),
    );
    refused(
        &mut e,
        Command::Transfer {
            conversation: ConversationId(9),
            to: TransferTarget::Skills(vec![]),
        },
        |e| matches!(e, EngineError::UnknownConversation(_)),
    );
}

#[test]
fn duplicates() {
    let mut e = setup();
    refused(
        &mut e,
        Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(3))),
        |e| matches!(e, EngineError::DuplicateAgent(_)),
    );
    refused(&mut e, open_cmd(1, 5, &[], Priority::Normal), |e| {
        matches!(e, EngineError::DuplicateConversation(_))
    });
    refused(&mut e, open_cmd(2, 5, &[], Priority::Normal), |e| {
        matches!(e, EngineError::DuplicateConversation(_))
    });
    refused(
        &mut e,
        Command::AddAgent(
            AgentSpec::new(AgentId(7), Capacity::units(3))
                .skill(SkillId(1), Level::of::<2>())
                .skill(SkillId(1), Level::of::<3>()),
        ),
        |e| matches!(e, EngineError::DuplicateSkill(_)),
    );
    refused(
        &mut e,
        open_cmd(8, 5, &[(TECH, 1), (TECH, 2)], Priority::Normal),
        |e| matches!(e, EngineError::DuplicateSkill(_)),
    );
}

#[test]
fn zero_and_absurd_capacities() {
    let mut e = setup();
    refused(
        &mut e,
        Command::AddAgent(AgentSpec::new(AgentId(7), Capacity::units(0))),
        |e| matches!(e, EngineError::InvalidCapacity { .. }),
    );
    refused(
        &mut e,
        Command::AddAgent(AgentSpec::new(AgentId(7), Capacity::units(1_000_000))),
        |e| matches!(e, EngineError::InvalidCapacity { .. }),
    );
    refused(
        &mut e,
        Command::SetCapacity {
            agent: AgentId(1),
            cap: Capacity::ZERO,
        },
        |e| matches!(e, EngineError::InvalidCapacity { .. }),
    );
    refused(
        &mut e,
        Command::SetCapacity {
            agent: AgentId(1),
            cap: Capacity(u32::MAX),
        },
        |e| matches!(e, EngineError::InvalidCapacity { .. }),
    );
}

/// A cap below the current load used to be refused (`CapBelowLoad`); it is
/// now accepted: the agent keeps their threads and takes no new work until
/// the load is under the cap.
#[test]
fn cap_below_load_is_accepted_and_blocks_new_work() {
    let mut e = setup();
    let decisions = e
        .apply(
            ms(10),
            Command::SetCapacity {
                agent: AgentId(1),
                cap: Capacity(999),
            },
        )
        .expect("a cap below the load is accepted");
    assert!(
        decisions.iter().any(|d| matches!(
            d,
            Decision::CapacityChanged { agent: AgentId(1), load, cap }
                if *cap == Capacity(999) && *load == Capacity::units(1) && load > cap
        )),
        "{decisions:?}"
    );
    // The live thread stays with the agent.
    assert_eq!(owner(&e, 1), Some(1));
    audited(&e);
    // New work waits while the agent is over the cap...
    let d = open(&mut e, ms(11), 3, 3, &[(BILLING, 1)]);
    assert_eq!(assigned_to(&d, 3), None, "{d:?}");
    assert_eq!(state(&e, 3), StateKind::Queued);
    // ...and still after the thread ends, as one unit does not fit in 999.
    let d = resolve(&mut e, ms(12), 1);
    assert_eq!(assigned_to(&d, 3), None, "{d:?}");
    assert_eq!(state(&e, 3), StateKind::Queued);
    audited(&e);
    // Raising the cap pulls the waiting thread.
    let d = e
        .apply(
            ms(13),
            Command::SetCapacity {
                agent: AgentId(1),
                cap: Capacity::units(2),
            },
        )
        .unwrap();
    assert_eq!(assigned_to(&d, 3), Some(1), "{d:?}");
    audited(&e);
}

/// Out-of-range levels used to reach the engine and be refused there
/// (`SkillLevelOutOfRange`); now a level cannot be built or read out of
/// range at all, so the check moves to the constructors and to JSON.
#[test]
fn skill_levels_out_of_range() {
    for level in [0, 11, 255] {
        assert_eq!(
            SkillLevel::new(SkillId(1), level),
            Err(LevelOutOfRange(level))
        );
        assert_eq!(
            SkillRequirement::new(SkillId(TECH), level),
            Err(LevelOutOfRange(level))
        );
    }
    for level in [1, 10] {
        assert!(SkillLevel::new(SkillId(1), level).is_ok());
        assert!(SkillRequirement::new(SkillId(TECH), level).is_ok());
    }
    // The JSON of a valid command parses; with the level changed to 11 it
    // does not.
    let command = open_cmd(8, 5, &[(TECH, 10)], Priority::Normal);
    let json = serde_json::to_string(&command).unwrap();
    assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), command);
    assert!(json.contains("\"min_level\":10"), "{json}");
    let bad = json.replace("\"min_level\":10", "\"min_level\":11");
    assert!(serde_json::from_str::<Command>(&bad).is_err(), "{bad}");
    let spec = AgentSpec::new(AgentId(7), Capacity::units(3)).skill(SkillId(1), Level::of::<10>());
    let json = serde_json::to_string(&Command::AddAgent(spec.clone())).unwrap();
    assert_eq!(
        serde_json::from_str::<Command>(&json).unwrap(),
        Command::AddAgent(spec)
    );
    let bad = json.replace("\"level\":10", "\"level\":11");
    assert_ne!(bad, json);
    assert!(serde_json::from_str::<Command>(&bad).is_err(), "{bad}");
}

#[test]
fn invalid_transitions() {
    let mut e = setup();
    let invalid = |e: &EngineError| matches!(e, EngineError::InvalidTransition { .. });
    refused(
        &mut e,
        Command::Resolve {
            conversation: ConversationId(2),
            reason: ResolveReason::Solved,
        },
        invalid,
    );
    refused(
        &mut e,
        Command::CustomerMessage {
            conversation: ConversationId(2),
        },
        invalid,
    );
    refused(
        &mut e,
        Command::Park {
            conversation: ConversationId(2),
        },
        invalid,
    );
    refused(
        &mut e,
        Command::Escalate {
            conversation: ConversationId(1),
            skills: None,
            priority: None,
            attributes: None,
        },
        invalid,
    );
    refused(
        &mut e,
        Command::Escalate {
            conversation: ConversationId(1),
            skills: Some(vec![SkillRequirement::at(SkillId(9), Level::of::<1>())]),
            priority: None,
            attributes: None,
        },
        invalid,
    );
    refused(
        &mut e,
        Command::AcceptOffer {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
        invalid,
    );
    refused(
        &mut e,
        Command::DeclineOffer {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
        invalid,
    );
    refused(
        &mut e,
        Command::Transfer {
            conversation: ConversationId(2),
            to: TransferTarget::Skills(vec![SkillRequirement::at(SkillId(9), Level::of::<1>())]),
        },
        invalid,
    );
    // A transfer to the agent the conversation is already with.
    refused(
        &mut e,
        Command::Transfer {
            conversation: ConversationId(1),
            to: TransferTarget::Agent(AgentId(1)),
        },
        |e| {
            matches!(
                e,
                EngineError::AlreadyWithAgent {
                    conversation: ConversationId(1),
                    agent: AgentId(1)
                }
            )
        },
    );
}

#[test]
fn wrong_agent_and_unavailable_targets() {
    let mut e = setup();
    agent(&mut e, 2, &[], 3);
    e.apply(
        ms(4),
        Command::SetAgentStatus {
            agent: AgentId(2),
            status: AgentStatus::Away,
        },
    )
    .unwrap();
    refused(
        &mut e,
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(2),
        },
        |e| matches!(e, EngineError::NotOwner { .. }),
    );
    refused(
        &mut e,
        Command::Transfer {
            conversation: ConversationId(1),
            to: TransferTarget::Agent(AgentId(2)),
        },
        |e| matches!(e, EngineError::AgentUnavailable { .. }),
    );
    e.apply(
        ms(5),
        Command::SetAgentStatus {
            agent: AgentId(2),
            status: AgentStatus::Online,
        },
    )
    .unwrap();
    refused(
        &mut e,
        Command::Transfer {
            conversation: ConversationId(1),
            to: TransferTarget::Agent(AgentId(2)),
        },
        |e| matches!(e, EngineError::NotEligible { .. }),
    );
}

#[test]
fn accepting_an_expired_offer_is_refused() {
    let config = EngineConfig::builder()
        .offer_timeout(Some(TimeSpan::from_secs(10)))
        .build()
        .expect("valid config");
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[], 2);
    open(&mut e, ms(0), 1, 1, &[]);
    refused(
        &mut e,
        Command::AcceptOffer {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
        |e| matches!(e, EngineError::OfferExpired { .. }),
    );
}

#[test]
fn invalid_configs_are_refused() {
    let bad = [
        {
            let mut config = EngineConfig::default();
            config.response_target = TimeSpan::ZERO;
            config
        },
        {
            let mut config = EngineConfig::default();
            config.warn_at_permille = 1000;
            config
        },
        {
            let mut config = EngineConfig::default();
            config.warn_at_permille = 0;
            config
        },
        {
            let mut config = EngineConfig::default();
            config.parked_weight_permille = 1001;
            config
        },
        {
            let mut config = EngineConfig::default();
            config.channel_weights = ChannelWeights::uniform(Capacity::ZERO);
            config
        },
        {
            let mut config = EngineConfig::default();
            config.offer_timeout = Some(TimeSpan::ZERO);
            config
        },
    ];
    for config in bad {
        assert!(Engine::new(config, boxed("least_loaded")).is_err());
    }
}

#[test]
fn malformed_snapshot_json_is_an_error() {
    assert!(Snapshot::from_json("{").is_err());
    assert!(Snapshot::from_json("{\"format\": \"one\"}").is_err());
    assert!(Snapshot::from_json("[]").is_err());
}

#[test]
fn commands_and_decisions_round_trip_as_json_and_malformed_json_is_an_error() {
    let command = open_cmd(1, 2, &[(BILLING, 3)], Priority::High);
    let json = serde_json::to_string(&command).unwrap();
    assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), command);
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 5)], 2);
    for decision in e.apply(ms(1), command).unwrap() {
        let json = serde_json::to_string(&decision).unwrap();
        assert_eq!(serde_json::from_str::<Decision>(&json).unwrap(), decision);
    }
    for bad in [
        "",
        "{",
        "{\"type\":\"open_conversation\"}",
        "{\"type\":\"fly_to_the_moon\"}",
        "{\"type\":\"resolve\",\"conversation\":\"seven\",\"reason\":\"solved\"}",
        "{\"type\":\"add_agent\",\"id\":1,\"skills\":[],\"cap\":-4,\"channels\":null,\"status\":\"online\"}",
    ] {
        assert!(serde_json::from_str::<Command>(bad).is_err(), "{bad}");
    }
}
