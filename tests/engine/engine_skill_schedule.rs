//! Skills on a schedule: an agent's skill that counts only within a window
//! of time starts and stops counting by timer; opening routes waiting work
//! at once, closing stops new work and keeps what the agent holds; bad
//! windows are refused with the state unchanged; snapshots, replays and
//! the audit hold across the edges.
use crate::common;
use crate::skill_windows_support;
use common::*;
use skill_windows_support::*;
use switchboard::*;

#[test]
fn a_window_opening_routes_waiting_work_at_once() {
    let mut e = engine();
    run(&mut e, ms(0), windowed(1, SPANISH, 60, 120));
    let d = run(&mut e, ms(10), needs(1, SPANISH));
    assert_eq!(assigned_to(&d, 1), None, "served before its window");
    assert_eq!(state(&e, 1), StateKind::Queued);
    assert_eq!(
        online_for(&e, SPANISH),
        0,
        "counted online outside its window"
    );
    // Nothing happens before the edge.
    let d = run(&mut e, ms(59), Command::Tick);
    assert!(window_edges(&d).is_empty());
    let d = run(&mut e, ms(60), Command::Tick);
    assert_eq!(window_edges(&d), vec![(1, SPANISH, true)]);
    assert_eq!(
        assigned_to(&d, 1),
        Some(1),
        "the opening did not route the waiting work"
    );
    assert_eq!(online_for(&e, SPANISH), 1);
    // New work inside the window goes to them directly.
    let d = run(&mut e, ms(70), needs(2, SPANISH));
    assert_eq!(assigned_to(&d, 2), Some(1));
}

#[test]
fn a_window_closing_stops_new_work_but_keeps_live_conversations() {
    let mut e = engine();
    run(&mut e, ms(0), windowed(1, SPANISH, 0, 60));
    let d = run(&mut e, ms(1), needs(1, SPANISH));
    assert_eq!(assigned_to(&d, 1), Some(1));
    run(&mut e, ms(2), needs(2, SPANISH));
    run(
        &mut e,
        ms(3),
        Command::Park {
            conversation: ConversationId(2),
        },
    );
    let d = run(&mut e, ms(60), Command::Tick);
    assert_eq!(window_edges(&d), vec![(1, SPANISH, false)]);
    assert!(
        !d.iter().any(|d| matches!(d, Decision::Requeued { .. })),
        "closing moved a live conversation: {d:?}"
    );
    assert_eq!(owner(&e, 1), Some(1), "the assigned thread left its agent");
    assert_eq!(state(&e, 2), StateKind::Parked);
    assert_eq!(online_for(&e, SPANISH), 0);
    // New work waits; the agent still works what they hold.
    let d = run(&mut e, ms(61), needs(3, SPANISH));
    assert_eq!(assigned_to(&d, 3), None, "new work reached a closed window");
    run(
        &mut e,
        ms(62),
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    );
    // The parked thread comes back to them when the customer writes.
    run(
        &mut e,
        ms(63),
        Command::CustomerMessage {
            conversation: ConversationId(2),
        },
    );
    assert_eq!(owner(&e, 2), Some(1));
    // Freeing capacity pulls nothing needing the dormant skill.
    resolve(&mut e, ms(64), 1);
    assert_eq!(state(&e, 3), StateKind::Queued);
    // Their permanent skill still counts.
    let d = run(&mut e, ms(65), needs(4, BILLING));
    assert_eq!(assigned_to(&d, 4), Some(1));
    // A pull finds nothing they may take, and a transfer to them is refused.
    let d = run(&mut e, ms(66), Command::PullNext { agent: AgentId(1) });
    assert!(d
        .iter()
        .any(|d| matches!(d, Decision::NothingToPull { .. })));
    let refused = e.apply(
        ms(67),
        Command::Transfer {
            conversation: ConversationId(3),
            to: TransferTarget::Agent(AgentId(1)),
        },
    );
    assert!(matches!(refused, Err(EngineError::NotEligible { .. })));
    // The explanation of a thread they kept names them, and does not count
    // them in the skills filter of another conversation's pool.
    let why = e
        .explain(ConversationId(2))
        .expect("known")
        .expect("assigned");
    assert_eq!(why.agent, AgentId(1));
    assert_eq!(why.filters.skills, 1);
}

#[test]
fn a_returning_customer_does_not_reach_their_agent_outside_the_window() {
    let mut e = engine();
    run(&mut e, ms(0), windowed(1, SPANISH, 0, 60));
    run(&mut e, ms(1), needs(1, SPANISH));
    resolve(&mut e, ms(2), 1);
    run(&mut e, ms(60), Command::Tick);
    // Same customer (1) again: the last agent's skill does not count.
    let d = run(
        &mut e,
        ms(61),
        open_cmd(2, 1, &[(SPANISH, 1)], Priority::Normal),
    );
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::StickyMiss {
            reason: StickyMissReason::NotEligible,
            ..
        }
    )));
    assert_eq!(state(&e, 2), StateKind::Queued);
}

#[test]
fn a_window_already_open_at_registration_counts_at_once() {
    let mut e = engine();
    run(&mut e, ms(0), Command::Tick);
    run(&mut e, ms(5), needs(1, SPANISH));
    let d = run(&mut e, ms(30), windowed(1, SPANISH, 10, 60));
    assert_eq!(assigned_to(&d, 1), Some(1));
    let d = run(&mut e, ms(60), Command::Tick);
    assert_eq!(window_edges(&d), vec![(1, SPANISH, false)]);
}

#[test]
fn a_window_already_past_at_registration_is_refused() {
    let mut e = engine();
    run(&mut e, ms(100), Command::Tick);
    let before = e.snapshot().to_json().expect("encodes");
    let refused = e.apply(ms(100), windowed(1, SPANISH, 10, 100));
    assert_eq!(
        refused,
        Err(EngineError::SkillWindow(SkillWindowError::AlreadyOver {
            skill: SkillId(SPANISH),
            until: ms(100),
            now: ms(100),
        }))
    );
    assert_eq!(e.snapshot().to_json().expect("encodes"), before);
    assert!(e.agent(AgentId(1)).is_err());
}

#[test]
fn bad_windows_are_refused_and_change_nothing() {
    let base = || AgentSpec::new(AgentId(1), Capacity::units(3));
    let s = SkillId(SPANISH);
    let cases: Vec<(&str, AgentSpec, EngineError)> = vec![
        (
            "empty",
            base().skill_window(s, level(3), ms(50), ms(50)),
            SkillWindowError::Empty {
                skill: s,
                from: ms(50),
                until: ms(50),
            }
            .into(),
        ),
        (
            "reversed",
            base().skill_window(s, level(3), ms(60), ms(50)),
            SkillWindowError::Empty {
                skill: s,
                from: ms(60),
                until: ms(50),
            }
            .into(),
        ),
        (
            "beyond the latest time",
            base().skill_window(s, level(3), ms(50), Timestamp(u64::MAX)),
            SkillWindowError::OutOfRange {
                skill: s,
                until: Timestamp(u64::MAX),
                max: MAX_WINDOW_TIME,
            }
            .into(),
        ),
        (
            "overlapping",
            base()
                .skill_window(s, level(3), ms(50), ms(70))
                .skill_window(s, level(3), ms(60), ms(80)),
            SkillWindowError::Overlap { skill: s }.into(),
        ),
        (
            "touching",
            base()
                .skill_window(s, level(3), ms(70), ms(80))
                .skill_window(s, level(3), ms(50), ms(70)),
            SkillWindowError::Overlap { skill: s }.into(),
        ),
        (
            "two levels",
            base()
                .skill_window(s, level(3), ms(50), ms(60))
                .skill_window(s, level(4), ms(70), ms(80)),
            SkillWindowError::LevelMismatch {
                skill: s,
                first: level(3),
                second: level(4),
            }
            .into(),
        ),
        (
            "also permanent",
            base()
                .skill(s, level(3))
                .skill_window(s, level(3), ms(50), ms(60)),
            SkillWindowError::AlsoPermanent(s).into(),
        ),
        (
            "too many",
            (0..3u64).fold(base(), |spec, i| {
                spec.skill_window(s, level(3), ms(50 + 20 * i), ms(60 + 20 * i))
            }),
            EngineError::LimitReached {
                limit: "skill_windows",
                max: 2,
            },
        ),
    ];
    let config = EngineConfig::builder()
        .limits(Limits::default().skill_windows(2))
        .build()
        .expect("config");
    for (name, spec, expected) in cases {
        let mut e = engine_with(config.clone(), "least_loaded");
        run(&mut e, ms(10), Command::Tick);
        let before = e.snapshot().to_json().expect("encodes");
        assert_eq!(e.apply(ms(10), spec), Err(expected), "{name}");
        assert_eq!(e.snapshot().to_json().expect("encodes"), before, "{name}");
        audited(&e);
    }
}

#[test]
fn the_window_limit_is_validated_in_the_configuration() {
    for bad in [0, MAX_SKILL_WINDOWS + 1] {
        let built = EngineConfig::builder()
            .limits(Limits::default().skill_windows(bad))
            .build();
        assert!(
            matches!(
                built,
                Err(ConfigError::Limit {
                    name: "skill_windows",
                    ..
                })
            ),
            "{bad}: {built:?}"
        );
    }
    // The default is left out of JSON, so older configurations encode as
    // they did.
    let json = serde_json::to_string(&EngineConfig::default()).expect("encodes");
    assert!(!json.contains("skill_windows"), "{json}");
}

#[test]
fn a_skill_in_several_windows_counts_in_each() {
    let mut e = engine();
    let spec =
        windowed(1, SPANISH, 10, 20).skill_window(SkillId(SPANISH), level(6), ms(40), ms(50));
    run(&mut e, ms(0), spec);
    let mut edges = Vec::new();
    for t in (0..=60).step_by(5) {
        edges.extend(window_edges(&run(&mut e, ms(t), Command::Tick)));
    }
    assert_eq!(
        edges,
        vec![
            (1, SPANISH, true),
            (1, SPANISH, false),
            (1, SPANISH, true),
            (1, SPANISH, false),
        ]
    );
    run(&mut e, ms(61), needs(1, SPANISH));
    assert_eq!(state(&e, 1), StateKind::Queued);
}

#[test]
fn a_group_needing_two_windowed_skills_waits_for_both() {
    let mut e = engine();
    let spec =
        windowed(1, SPANISH, 10, 100).skill_window(SkillId(FRENCH), level(6), ms(30), ms(100));
    run(&mut e, ms(0), spec);
    run(
        &mut e,
        ms(1),
        open_cmd(1, 1, &[(SPANISH, 1), (FRENCH, 1)], Priority::Normal),
    );
    let d = run(&mut e, ms(10), Command::Tick);
    assert_eq!(window_edges(&d), vec![(1, SPANISH, true)]);
    assert_eq!(
        state(&e, 1),
        StateKind::Queued,
        "served with one of two skills"
    );
    let d = run(&mut e, ms(30), Command::Tick);
    assert_eq!(assigned_to(&d, 1), Some(1));
}

#[test]
fn an_agent_without_windows_encodes_as_before() {
    let spec = AgentSpec::new(AgentId(1), Capacity::units(3)).skill(SkillId(BILLING), level(5));
    let json = serde_json::to_string(&Command::AddAgent(spec)).expect("encodes");
    assert!(!json.contains("skill_windows"), "{json}");
    let mut e = engine();
    run(
        &mut e,
        ms(0),
        Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(3))),
    );
    let json = e.snapshot().to_json().expect("encodes");
    assert!(
        !json.contains("skill_windows") && !json.contains("dormant"),
        "{json}"
    );
}

#[test]
fn the_explanation_counts_a_member_outside_their_window_as_lacking_the_skill() {
    let mut e = engine();
    run(&mut e, ms(0), windowed(1, SPANISH, 60, 120));
    run(
        &mut e,
        ms(0),
        AgentSpec::new(AgentId(2), Capacity::units(3)).skill(SkillId(SPANISH), level(2)),
    );
    let d = run(&mut e, ms(1), needs(1, SPANISH));
    assert_eq!(assigned_to(&d, 1), Some(2));
    let why = e
        .explain(ConversationId(1))
        .expect("known")
        .expect("assigned");
    assert_eq!(why.filters.skills, 1, "{why:?}");
    assert_eq!(why.runner_up, None);
    assert_eq!(why.tie_breaker, TieBreaker::OnlyCandidate);
    // Inside the window the same question counts both.
    run(&mut e, ms(60), Command::Tick);
    let why = e
        .explain(ConversationId(1))
        .expect("known")
        .expect("assigned");
    assert_eq!(why.filters.skills, 2, "{why:?}");
    assert_eq!(why.runner_up.map(|r| r.0), Some(AgentId(1)));
}
