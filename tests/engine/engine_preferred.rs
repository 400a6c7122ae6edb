//! Preferred agents: the affinity list after the customer's last agent
//! (the owner, then scored agents, highest first), each entry taken at
//! once, waited for within its bound, or skipped with a reason; soft
//! skills bypassed only when the plan allows, hard ones never.
use crate::common;
use common::*;
use switchboard::plan::Plan;
use switchboard::*;

fn run(e: &mut Engine, at: Timestamp, command: impl Into<Command>) -> Vec<Decision> {
    let d = e.apply(at, command).expect("command accepted");
    audited(e);
    d
}

fn set_status(e: &mut Engine, at: Timestamp, agent: u64, status: AgentStatus) -> Vec<Decision> {
    run(
        e,
        at,
        Command::SetAgentStatus {
            agent: AgentId(agent),
            status,
        },
    )
}

/// `(agent, score, reason)` of each `PreferredSkipped`.
fn skipped(d: &[Decision]) -> Vec<(u64, Option<u8>, PreferredSkip)> {
    d.iter()
        .filter_map(|d| match d {
            Decision::PreferredSkipped {
                agent,
                score,
                reason,
                ..
            } => Some((agent.0, *score, *reason)),
            _ => None,
        })
        .collect()
}

/// How conversation `id` was assigned or offered, and to whom.
fn via(d: &[Decision], id: u64) -> Option<(u64, AssignVia)> {
    d.iter().find_map(|d| match d {
        Decision::Assigned {
            conversation,
            agent,
            via,
            ..
        }
        | Decision::Offered {
            conversation,
            agent,
            via,
            ..
        } if conversation.0 == id => Some((agent.0, *via)),
        _ => None,
    })
}

/// Agents 1-4, one slot each, no skills.
fn four_agents() -> Engine {
    let mut e = engine();
    for id in 1..=4 {
        agent(&mut e, id, &[], 1);
    }
    e
}

/// Fills `agent` with a conversation of its own (customer 900 + id).
fn fill(e: &mut Engine, at: Timestamp, agent: u64) {
    let id = 900 + agent;
    let d = run(
        e,
        at,
        Command::open(ConversationId(id), CustomerId(id)).preferred_agent(
            AgentId(agent),
            100,
            TimeSpan::ZERO,
        ),
    );
    assert_eq!(via(&d, id), Some((agent, AssignVia::Preferred)));
}

#[test]
fn a_preferred_agent_going_offline_while_waited_for_moves_on_to_the_next() {
    let mut e = four_agents();
    fill(&mut e, ms(1), 1);
    let d = run(
        &mut e,
        ms(2),
        Command::open(ConversationId(1), CustomerId(1))
            .preferred_agent(AgentId(2), 50, TimeSpan::ZERO)
            .preferred_agent(AgentId(1), 90, TimeSpan::from_secs(60)),
    );
    // Agent 1 scores higher and is full: the conversation waits for them.
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::WaitingForAgent {
            agent: AgentId(1),
            ..
        }
    )));
    assert_eq!(state(&e, 1), StateKind::Queued);
    // They log off: the wait ends with a reason and agent 2 takes it.
    let d = set_status(&mut e, ms(10), 1, AgentStatus::Offline);
    assert_eq!(skipped(&d), vec![(1, Some(90), PreferredSkip::WentOffline)]);
    assert_eq!(via(&d, 1), Some((2, AssignVia::Preferred)));
}

#[test]
fn the_last_agent_comes_first_then_the_owner_then_scores_highest_first() {
    let mut e = four_agents();
    // Customer 7 was served by agent 1.
    run(
        &mut e,
        ms(1),
        Command::open(ConversationId(70), CustomerId(7)),
    );
    assert_eq!(owner(&e, 70), Some(1));
    resolve(&mut e, ms(2), 70);
    run(
        &mut e,
        ms(3),
        Command::SetOwner {
            customer: CustomerId(7),
            owner: Some(AgentId(2)),
            wait: TimeSpan::ZERO,
        },
    );
    fill(&mut e, ms(4), 2);
    set_status(&mut e, ms(5), 1, AgentStatus::Offline);
    set_status(&mut e, ms(5), 4, AgentStatus::Offline);
    let d = run(
        &mut e,
        ms(6),
        Command::open(ConversationId(71), CustomerId(7))
            .preferred_agent(AgentId(3), 40, TimeSpan::ZERO)
            .preferred_agent(AgentId(4), 80, TimeSpan::ZERO),
    );
    // The last agent is offline (today's sticky miss), the owner full,
    // the best-scored agent offline: the next one takes it.
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::StickyMiss {
            reason: StickyMissReason::AgentOffline,
            ..
        }
    )));
    assert_eq!(
        skipped(&d),
        vec![
            (2, None, PreferredSkip::Full),
            (4, Some(80), PreferredSkip::Offline)
        ]
    );
    assert_eq!(via(&d, 71), Some((3, AssignVia::Preferred)));
    // The last agent back online with room: today's stickiness, first.
    resolve(&mut e, ms(7), 71);
    set_status(&mut e, ms(8), 3, AgentStatus::Offline);
    set_status(&mut e, ms(8), 1, AgentStatus::Online);
    // Agent 3 served last now; back online, they are the sticky choice.
    set_status(&mut e, ms(9), 3, AgentStatus::Online);
    let d = run(
        &mut e,
        ms(10),
        Command::open(ConversationId(72), CustomerId(7)),
    );
    assert_eq!(via(&d, 72), Some((3, AssignVia::Sticky)));
    assert!(skipped(&d).is_empty());
}

#[test]
fn a_wait_that_runs_out_tries_the_next_entry_then_the_queue() {
    let mut e = four_agents();
    fill(&mut e, ms(1), 1);
    fill(&mut e, ms(1), 2);
    set_status(&mut e, ms(1), 3, AgentStatus::Away);
    set_status(&mut e, ms(1), 4, AgentStatus::Away);
    run(
        &mut e,
        ms(2),
        Command::open(ConversationId(1), CustomerId(1))
            .preferred_agent(AgentId(1), 90, TimeSpan::from_secs(30))
            .preferred_agent(AgentId(2), 10, TimeSpan::ZERO)
            .preferred_agent(AgentId(99), 5, TimeSpan::ZERO),
    );
    let d = run(&mut e, ms(31), Command::Tick);
    assert!(skipped(&d).is_empty(), "the wait has not run out yet");
    let d = run(&mut e, ms(32), Command::Tick);
    assert_eq!(
        skipped(&d),
        vec![
            (1, Some(90), PreferredSkip::WaitTimedOut),
            (2, Some(10), PreferredSkip::Full),
            (99, Some(5), PreferredSkip::NotRegistered)
        ]
    );
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::Queued {
            conversation: ConversationId(1)
        }
    )));
    // From the queue, anyone: agent 3 comes back and takes it by policy.
    let d = set_status(&mut e, ms(40), 3, AgentStatus::Online);
    assert_eq!(via(&d, 1), Some((3, AssignVia::Pull)));
}

const SPANISH: u32 = 3;

fn bypass_plan(bypass: bool) -> Plan {
    let mut plan = Plan::from_json(
        r#"{ "skills": { "billing": 1, "spanish": 3 },
          "queues": [{ "name": "es_billing",
            "hard": [{ "skill": "spanish", "min_level": 1 }],
            "soft": [{ "skill": "billing", "min_level": 5 }] }],
          "routes": [{ "name": "default",
            "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "es_billing" }] }] }] }"#,
    )
    .expect("a plan");
    plan.preferred_bypass_soft = bypass;
    plan
}

#[test]
fn preferred_agents_bypass_soft_skills_when_the_plan_allows_never_hard_ones() {
    for bypass in [false, true] {
        let mut e = engine();
        run(&mut e, ms(0), Command::set_plan(bypass_plan(bypass)));
        // Agent 1 speaks Spanish but bills at level 1 (below the soft 5);
        // agent 2 bills at 9 but has no Spanish (the hard skill).
        agent(&mut e, 1, &[(SPANISH, 2), (BILLING, 1)], 2);
        agent(&mut e, 2, &[(BILLING, 9)], 2);
        let d = run(
            &mut e,
            ms(1),
            Command::open(ConversationId(1), CustomerId(1))
                .preferred_agent(AgentId(2), 90, TimeSpan::ZERO)
                .preferred_agent(AgentId(1), 80, TimeSpan::ZERO),
        );
        let mut expected = vec![(2, Some(90), PreferredSkip::NotEligible)];
        if bypass {
            assert_eq!(via(&d, 1), Some((1, AssignVia::Preferred)));
            // Taken before it waited: its route and the queue the route
            // enters, no step entered.
            let why = e.explain(ConversationId(1)).unwrap().expect("assigned");
            assert_eq!(
                (why.route.as_deref(), why.step, why.queue.as_deref()),
                (Some("default"), None, Some("es_billing"))
            );
        } else {
            expected.push((1, Some(80), PreferredSkip::NotEligible));
            assert_eq!(state(&e, 1), StateKind::Queued);
        }
        assert_eq!(skipped(&d), expected);
    }
}

/// The customer's last agent is the first preferred agent: the plan's
/// `preferred_bypass_soft` lets them in without the queue's soft skills
/// too (hard ones still hold); without it, they are not eligible.
#[test]
fn the_last_agent_bypasses_soft_skills_when_the_plan_allows() {
    for bypass in [false, true] {
        let mut e = engine();
        // Agent 1 speaks Spanish but bills at level 1 (below the soft 5).
        agent(&mut e, 1, &[(SPANISH, 2), (BILLING, 1)], 2);
        // Customer 1 was served by agent 1 before the plan.
        run(
            &mut e,
            ms(1),
            Command::open(ConversationId(1), CustomerId(1)),
        );
        assert_eq!(owner(&e, 1), Some(1));
        resolve(&mut e, ms(2), 1);
        run(&mut e, ms(3), Command::set_plan(bypass_plan(bypass)));
        let d = run(
            &mut e,
            ms(4),
            Command::open(ConversationId(2), CustomerId(1)),
        );
        let missed = d.iter().any(|d| {
            matches!(
                d,
                Decision::StickyMiss {
                    reason: StickyMissReason::NotEligible,
                    ..
                }
            )
        });
        if bypass {
            assert_eq!(via(&d, 2), Some((1, AssignVia::Sticky)), "{d:?}");
            assert!(!missed);
        } else {
            assert!(missed, "{d:?}");
            assert_eq!(state(&e, 2), StateKind::Queued);
        }
    }
    // A hard skill holds even so: agent 2 bills at 9 but has no Spanish.
    let mut e = engine();
    agent(&mut e, 2, &[(BILLING, 9)], 2);
    run(
        &mut e,
        ms(1),
        Command::open(ConversationId(1), CustomerId(1)),
    );
    resolve(&mut e, ms(2), 1);
    run(&mut e, ms(3), Command::set_plan(bypass_plan(true)));
    let d = run(
        &mut e,
        ms(4),
        Command::open(ConversationId(2), CustomerId(1)),
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
fn lists_and_owners_past_their_bounds_are_refused_and_change_nothing() {
    let mut e = four_agents();
    run(
        &mut e,
        ms(1),
        Command::open(ConversationId(1), CustomerId(1)),
    );
    let before = e.snapshot();
    let open = |id| Command::open(ConversationId(id), CustomerId(id));
    let mut long = open(2);
    for a in 0..=MAX_PREFERRED as u64 {
        long = long.preferred_agent(AgentId(100 + a), 1, TimeSpan::ZERO);
    }
    let refused: Vec<Command> = vec![
        long.into(),
        open(3)
            .preferred_agent(AgentId(1), 101, TimeSpan::ZERO)
            .into(),
        open(4)
            .preferred_agent(AgentId(1), 1, TimeSpan::ZERO)
            .preferred_agent(AgentId(1), 2, TimeSpan::ZERO)
            .into(),
        open(5)
            .preferred_agent(AgentId(1), 1, TimeSpan::from_secs(3601))
            .into(),
        Command::SetOwner {
            customer: CustomerId(1),
            owner: Some(AgentId(1)),
            wait: TimeSpan::from_secs(3601),
        },
    ];
    for command in refused {
        let error = e.apply(ms(2), command).expect_err("refused");
        assert!(matches!(error, EngineError::Preferred { .. }), "{error}");
    }
    let unknown = [
        (CustomerId(42), Some(AgentId(1))),
        (CustomerId(1), Some(AgentId(42))),
    ];
    for (customer, owner) in unknown {
        let error = e
            .apply(
                ms(2),
                Command::SetOwner {
                    customer,
                    owner,
                    wait: TimeSpan::ZERO,
                },
            )
            .expect_err("refused");
        assert!(matches!(
            error,
            EngineError::UnknownCustomer(_) | EngineError::UnknownAgent(_)
        ));
    }
    assert_eq!(e.snapshot(), before);
}

#[test]
fn restore_mid_wait_decides_the_rest_the_same() {
    let mut e = four_agents();
    fill(&mut e, ms(1), 1);
    run(
        &mut e,
        ms(1),
        Command::open(ConversationId(5), CustomerId(5)),
    );
    run(
        &mut e,
        ms(2),
        Command::SetOwner {
            customer: CustomerId(5),
            owner: Some(AgentId(1)),
            wait: TimeSpan::from_secs(20),
        },
    );
    resolve(&mut e, ms(3), 5);
    set_status(&mut e, ms(3), 2, AgentStatus::Offline);
    run(
        &mut e,
        ms(4),
        Command::open(ConversationId(6), CustomerId(5)).preferred_agent(
            AgentId(4),
            70,
            TimeSpan::from_secs(5),
        ),
    );
    let json = e.snapshot().to_json().expect("encodes");
    let mut restored = Engine::restore(
        Snapshot::from_json(&json).expect("decodes"),
        boxed("least_loaded"),
    )
    .expect("restores");
    audited(&restored);
    let rest: Vec<(Timestamp, Command)> = vec![
        (ms(30), Command::Tick),
        (
            ms(31),
            Command::SetAgentStatus {
                agent: AgentId(4),
                status: AgentStatus::Online,
            },
        ),
        (ms(60), Command::Tick),
    ];
    for (at, command) in rest {
        let a = run(&mut e, at, command.clone());
        let b = run(&mut restored, at, command);
        assert_eq!(a, b);
    }
    assert_eq!(restored.snapshot(), e.snapshot());
}
