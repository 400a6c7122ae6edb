//! "Why this agent": an assignment explained on request: route, step and
//! queue, the pool's agents passing each filter, the policy's rank of the
//! agent and of the runner-up, the tie-breaker; the workload rules'
//! levels among the filters.
use crate::common;
use common::*;
use switchboard::plan::Plan;
use switchboard::*;

#[test]
fn an_assignment_is_explained_by_filters_ranks_and_route() {
    let mut e = engine();
    let plan = Plan::from_json(
        r#"{ "queues": [{ "name": "general" }],
          "routes": [{ "name": "default",
            "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] }] }] }"#,
    )
    .expect("a plan");
    e.apply(ms(0), Command::set_plan(plan)).expect("plan");
    for id in 1..=4 {
        agent(&mut e, id, &[], 4);
    }
    // Agent 4 is offline; agents 2 and 3 carry a conversation each,
    // agent 1 none (theirs was resolved).
    e.apply(
        ms(0),
        Command::SetAgentStatus {
            agent: AgentId(4),
            status: AgentStatus::Offline,
        },
    )
    .expect("status");
    for id in 1..=3 {
        open(&mut e, ms(1), 100 + id, 100 + id, &[]);
    }
    let first = (101..=103)
        .find(|&c| owner(&e, c) == Some(1))
        .expect("agent 1 took one");
    resolve(&mut e, ms(1), first);
    audited(&e);
    let d = open(&mut e, ms(2), 1, 1, &[]);
    assert_eq!(assigned_to(&d, 1), Some(1));
    let why = e.explain(ConversationId(1)).unwrap().expect("assigned");
    assert_eq!(why.agent, AgentId(1));
    assert_eq!(why.route.as_deref(), Some("default"));
    assert_eq!(why.step, Some(0));
    assert_eq!(why.queue.as_deref(), Some("general"));
    assert_eq!(
        why.filters,
        PoolFilters {
            skills: 4,
            status: 3,
            room: 3,
            cooldown: 3
        }
    );
    // Least loaded: the idle agent took it; the runner-up, loaded, ranks
    // after them (the holder ranked without this conversation).
    let (runner, their_rank) = why.runner_up.expect("two others passed");
    assert_ne!(runner, why.agent);
    assert!(why.rank.expect("ranked") < their_rank);
    assert_eq!(why.tie_breaker, TieBreaker::Rank);
    // Queued or unknown work has no explanation.
    assert!(matches!(
        e.explain(ConversationId(99)),
        Err(EngineError::UnknownConversation(_))
    ));
}

#[test]
fn the_only_agent_with_room_is_the_only_candidate() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    agent(&mut e, 2, &[], 1);
    open(&mut e, ms(1), 1, 1, &[]);
    let d = open(&mut e, ms(2), 2, 2, &[]);
    let agent = assigned_to(&d, 2).expect("assigned");
    let why = e.explain(ConversationId(2)).unwrap().expect("assigned");
    assert_eq!(why.agent, AgentId(agent));
    assert_eq!((why.filters.status, why.filters.room), (2, 1));
    assert_eq!(why.runner_up, None);
    assert_eq!(why.tie_breaker, TieBreaker::OnlyCandidate);
    assert_eq!((why.route, why.step, why.queue), (None, None, None));
    open(&mut e, ms(3), 3, 3, &[]);
    assert_eq!(e.explain(ConversationId(3)).unwrap(), None);
}

#[test]
fn members_of_a_full_team_have_no_room_in_the_explanation() {
    let mut e = engine();
    for id in 1..=3 {
        agent(&mut e, id, &[], 2);
    }
    let team = Command::SetTeam {
        team: TeamId(1),
        name: "night".into(),
        members: vec![AgentId(2), AgentId(3)],
        max_live: Some(1),
        rate_limit: None,
    };
    e.apply(ms(0), team).expect("team accepted");
    assert_eq!(assigned_to(&open(&mut e, ms(1), 1, 1, &[]), 1), Some(1));
    let member = assigned_to(&open(&mut e, ms(2), 2, 2, &[]), 2).expect("assigned");
    assert!(member == 2 || member == 3, "the team took its one");
    // The team is full: its idle member ranks best but may not take it.
    let d = open(&mut e, ms(3), 3, 3, &[]);
    assert_eq!(assigned_to(&d, 3), Some(1));
    let why = e.explain(ConversationId(3)).unwrap().expect("assigned");
    assert_eq!((why.filters.status, why.filters.room), (3, 1));
    assert_eq!(why.runner_up, None);
    assert_eq!(why.tie_breaker, TieBreaker::OnlyCandidate);
}
