//! Bad input: a typed error, and the state exactly as it was.
mod common;
use common::*;
use switchboard::*;

/// Applies `command`, expects an error matching `check`, and checks that
/// the snapshot did not change.
fn refused(e: &Engine, command: Command, check: impl Fn(&EngineError) -> bool) {
    let before = e.snapshot();
    let err = e.apply(ms(500), command).expect_err("must be refused");
    assert!(check(&err), "unexpected error: {err:?}");
    assert!(!err.to_string().is_empty());
    assert_eq!(e.snapshot(), before, "a refused command changed the state");
    audited(e);
}

fn setup() -> Engine {
    let e = engine();
    agent(&e, 1, &[(BILLING, 5)], 2);
    open(&e, ms(1), 1, 1, &[(BILLING, 1)]);
    open(&e, ms(2), 2, 2, &[]);
    resolve(&e, ms(3), 2);
    e
}

#[test]
fn unknown_ids() {
    let e = setup();
    refused(
        &e,
        Command::SetAgentStatus {
            agent: AgentId(9),
            status: AgentStatus::Away,
        },
        |e| matches!(e, EngineError::UnknownAgent(AgentId(9))),
    );
    refused(
        &e,
        Command::CustomerMessage {
            conversation: ConversationId(9),
        },
        |e| matches!(e, EngineError::UnknownConversation(ConversationId(9))),
    );
    refused(
        &e,
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(9),
        },
        |e| matches!(e, EngineError::UnknownAgent(_)),
    );
    refused(
        &e,
        Command::Transfer {
            conversation: ConversationId(1),
            to: TransferTarget::Agent(AgentId(9)),
        },
        |e| matches!(e, EngineError::UnknownAgent(_)),
    );
    refused(
        &e,
        Command::Transfer {
            conversation: ConversationId(9),
            to: TransferTarget::Skills(vec![]),
        },
        |e| matches!(e, EngineError::UnknownConversation(_)),
    );
}

#[test]
fn duplicates() {
    let e = setup();
    refused(&e, Command::AddAgent(AgentSpec::new(1, vec![], 3)), |e| {
        matches!(e, EngineError::DuplicateAgent(_))
    });
    refused(&e, open_cmd(1, 5, &[], Priority::Normal), |e| {
        matches!(e, EngineError::DuplicateConversation(_))
    });
    refused(&e, open_cmd(2, 5, &[], Priority::Normal), |e| {
        matches!(e, EngineError::DuplicateConversation(_))
    });
    refused(
        &e,
        Command::AddAgent(AgentSpec::new(
            7,
            vec![SkillLevel::new(1, 2), SkillLevel::new(1, 3)],
            3,
        )),
        |e| matches!(e, EngineError::DuplicateSkill(_)),
    );
    refused(
        &e,
        open_cmd(8, 5, &[(TECH, 1), (TECH, 2)], Priority::Normal),
        |e| matches!(e, EngineError::DuplicateSkill(_)),
    );
}

#[test]
fn zero_and_absurd_capacities() {
    let e = setup();
    refused(&e, Command::AddAgent(AgentSpec::new(7, vec![], 0)), |e| {
        matches!(e, EngineError::InvalidCapacity { .. })
    });
    refused(
        &e,
        Command::AddAgent(AgentSpec::new(7, vec![], 1_000_000)),
        |e| matches!(e, EngineError::InvalidCapacity { .. }),
    );
    refused(
        &e,
        Command::SetCapacity {
            agent: AgentId(1),
            cap: Capacity::ZERO,
        },
        |e| matches!(e, EngineError::InvalidCapacity { .. }),
    );
    refused(
        &e,
        Command::SetCapacity {
            agent: AgentId(1),
            cap: Capacity(u32::MAX),
        },
        |e| matches!(e, EngineError::InvalidCapacity { .. }),
    );
    refused(
        &e,
        Command::SetCapacity {
            agent: AgentId(1),
            cap: Capacity(999),
        },
        |e| matches!(e, EngineError::CapBelowLoad { .. }),
    );
}

#[test]
fn skill_levels_out_of_range() {
    let e = setup();
    for level in [0, 11, 255] {
        refused(
            &e,
            Command::AddAgent(AgentSpec::new(7, vec![SkillLevel::new(1, level)], 3)),
            |e| matches!(e, EngineError::SkillLevelOutOfRange { .. }),
        );
        refused(
            &e,
            open_cmd(8, 5, &[(TECH, level)], Priority::Normal),
            |e| matches!(e, EngineError::SkillLevelOutOfRange { .. }),
        );
    }
}

#[test]
fn invalid_transitions() {
    let e = setup();
    let invalid = |e: &EngineError| matches!(e, EngineError::InvalidTransition { .. });
    refused(
        &e,
        Command::Resolve {
            conversation: ConversationId(2),
            reason: ResolveReason::Solved,
        },
        invalid,
    );
    refused(
        &e,
        Command::CustomerMessage {
            conversation: ConversationId(2),
        },
        invalid,
    );
    refused(
        &e,
        Command::Park {
            conversation: ConversationId(2),
        },
        invalid,
    );
    refused(
        &e,
        Command::Escalate {
            conversation: ConversationId(1),
            skills: None,
            priority: None,
        },
        invalid,
    );
    refused(
        &e,
        Command::Escalate {
            conversation: ConversationId(1),
            skills: Some(vec![SkillRequirement::new(9, 1)]),
            priority: None,
        },
        invalid,
    );
    refused(
        &e,
        Command::AcceptOffer {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
        invalid,
    );
    refused(
        &e,
        Command::DeclineOffer {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
        invalid,
    );
    refused(
        &e,
        Command::Transfer {
            conversation: ConversationId(2),
            to: TransferTarget::Skills(vec![SkillRequirement::new(9, 1)]),
        },
        invalid,
    );
    refused(
        &e,
        Command::Transfer {
            conversation: ConversationId(1),
            to: TransferTarget::Agent(AgentId(1)),
        },
        invalid,
    );
}

#[test]
fn wrong_agent_and_unavailable_targets() {
    let e = setup();
    agent(&e, 2, &[], 3);
    e.apply(
        ms(4),
        Command::SetAgentStatus {
            agent: AgentId(2),
            status: AgentStatus::Away,
        },
    )
    .unwrap();
    refused(
        &e,
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(2),
        },
        |e| matches!(e, EngineError::NotOwner { .. }),
    );
    refused(
        &e,
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
        &e,
        Command::Transfer {
            conversation: ConversationId(1),
            to: TransferTarget::Agent(AgentId(2)),
        },
        |e| matches!(e, EngineError::NotEligible { .. }),
    );
}

#[test]
fn accepting_an_expired_offer_is_refused() {
    let config = EngineConfig {
        offer_timeout: Some(Duration::from_secs(10)),
        ..Default::default()
    };
    let e = engine_with(config, "least_loaded");
    agent(&e, 1, &[], 2);
    open(&e, ms(0), 1, 1, &[]);
    refused(
        &e,
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
        EngineConfig {
            response_target: Duration::ZERO,
            ..Default::default()
        },
        EngineConfig {
            warn_at_permille: 1000,
            ..Default::default()
        },
        EngineConfig {
            warn_at_permille: 0,
            ..Default::default()
        },
        EngineConfig {
            parked_weight_permille: 1001,
            ..Default::default()
        },
        EngineConfig {
            channel_weights: [Capacity::ZERO; 8],
            ..Default::default()
        },
        EngineConfig {
            offer_timeout: Some(Duration::ZERO),
            ..Default::default()
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
    let e = engine();
    agent(&e, 1, &[(BILLING, 5)], 2);
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
