//! Pull mode: an agent asks for their next conversation and gets the best
//! waiting one under the rules a push follows, up to a pull maximum above
//! their cap; a pull that finds nothing is a decision with its reason.

use crate::common;
use common::*;
use switchboard::*;

fn pull(e: &mut Engine, at: Timestamp, agent: u64) -> Vec<Decision> {
    e.apply(
        at,
        Command::PullNext {
            agent: AgentId(agent),
        },
    )
    .expect("a pull is never an error for a known agent")
}

fn pull_cap(e: &mut Engine, at: Timestamp, agent: u64, units: Option<u32>) {
    e.apply(
        at,
        Command::SetPullCap {
            agent: AgentId(agent),
            pull_cap: units.map(Capacity::units),
        },
    )
    .expect("pull cap accepted");
}

fn missed(d: &[Decision]) -> Option<PullMiss> {
    d.iter().find_map(|d| match d {
        Decision::NothingToPull { reason, .. } => Some(*reason),
        _ => None,
    })
}

#[test]
fn a_pull_takes_work_up_to_the_pull_maximum_above_the_cap() {
    let mut e = engine_with(
        EngineConfig::builder()
            .offer_timeout(TimeSpan::from_secs(30))
            .build()
            .unwrap(),
        "least_loaded",
    );
    agent(&mut e, 1, &[], 1);
    pull_cap(&mut e, ms(0), 1, Some(2));
    open(&mut e, ms(1), 1, 1, &[]);
    e.apply(
        ms(2),
        Command::AcceptOffer {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    )
    .unwrap();
    open(&mut e, ms(3), 2, 2, &[]);
    assert_eq!(state(&e, 2), StateKind::Queued, "pushes stop at the cap");
    let d = pull(&mut e, ms(4), 1);
    assert!(d.contains(&Decision::Assigned {
        conversation: ConversationId(2),
        agent: AgentId(1),
        via: AssignVia::PullNext,
        load: Capacity::units(2),
        cap: Capacity::units(1),
    }));
    assert_eq!(e.stats().pulls, 1);
    audited(&e);
    open(&mut e, ms(5), 3, 3, &[]);
    assert_eq!(
        missed(&pull(&mut e, ms(6), 1)),
        Some(PullMiss::NothingEligible)
    );
    audited(&e);
    // Ending one thread leaves the agent above the cap: no push yet.
    resolve(&mut e, ms(7), 1);
    assert_eq!(state(&e, 3), StateKind::Queued);
    audited(&e);
}

#[test]
fn a_pull_with_nothing_waiting_is_a_decision_not_an_error() {
    let mut e = engine();
    agent(&mut e, 1, &[], 2);
    let d = pull(&mut e, ms(1), 1);
    assert_eq!(
        d,
        vec![Decision::NothingToPull {
            agent: AgentId(1),
            reason: PullMiss::NothingEligible,
        }]
    );
    assert_eq!(
        e.apply(ms(1), Command::PullNext { agent: AgentId(9) }),
        Err(EngineError::UnknownAgent(AgentId(9)))
    );
}

#[test]
fn a_pull_follows_the_rules_a_push_follows() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    agent(&mut e, 2, &[], 1);
    pull_cap(&mut e, ms(0), 1, Some(3));
    open(&mut e, ms(1), 1, 1, &[]);
    open(&mut e, ms(2), 2, 2, &[]);
    open(&mut e, ms(3), 3, 3, &[]);
    assert_eq!(state(&e, 3), StateKind::Queued);
    // Away: nothing.
    e.apply(
        ms(4),
        Command::SetAgentStatus {
            agent: AgentId(1),
            status: AgentStatus::Away,
        },
    )
    .unwrap();
    assert_eq!(
        missed(&pull(&mut e, ms(5), 1)),
        Some(PullMiss::NotAvailable)
    );
    e.apply(
        ms(6),
        Command::SetAgentStatus {
            agent: AgentId(1),
            status: AgentStatus::Online,
        },
    )
    .unwrap();
    // The team is full: refused at its level, and counted there.
    e.apply(
        ms(7),
        Command::SetTeam {
            team: TeamId(1),
            name: "a".into(),
            members: vec![AgentId(1), AgentId(2)],
            max_live: Some(2),
            rate_limit: None,
        },
    )
    .unwrap();
    assert_eq!(
        missed(&pull(&mut e, ms(8), 1)),
        Some(PullMiss::Refused(CapLevel::Team))
    );
    assert_eq!(e.stats().refusals.team, 1);
    // A rate limit reached: nothing until the window slides.
    e.apply(
        ms(9),
        Command::SetTeam {
            team: TeamId(1),
            name: "a".into(),
            members: vec![AgentId(1), AgentId(2)],
            max_live: None,
            rate_limit: Some(RateLimit {
                max: 1,
                window: TimeSpan::from_mins(10),
            }),
        },
    )
    .unwrap();
    // The first pull under it reaches it; the next waits for the window.
    let d = pull(&mut e, ms(10), 1);
    assert_eq!(assigned_to(&d, 3), Some(1));
    open(&mut e, ms(11), 4, 4, &[]);
    assert_eq!(
        missed(&pull(&mut e, ms(12), 1)),
        Some(PullMiss::RateLimited)
    );
    audited(&e);
    e.apply(ms(610), Command::Tick).unwrap();
    let d = pull(&mut e, ms(611), 1);
    assert_eq!(assigned_to(&d, 4), Some(1));
    audited(&e);
}

#[test]
fn a_pull_cap_lowered_below_the_load_moves_nothing() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    pull_cap(&mut e, ms(0), 1, Some(3));
    for id in 1..=3 {
        open(&mut e, ms(id), id, id, &[]);
        pull(&mut e, ms(id), 1);
    }
    assert_eq!(e.agent_stats(AgentId(1)).unwrap().load, Capacity::units(3));
    pull_cap(&mut e, ms(5), 1, None);
    for id in 1..=3 {
        assert_eq!(owner(&e, id), Some(1));
    }
    audited(&e);
    let json = e.snapshot().to_json().unwrap();
    let restored =
        Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded")).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    for id in 1..=3 {
        resolve(&mut e, ms(10 + id), id);
        audited(&e);
    }
    assert_eq!(
        e.apply(
            ms(20),
            Command::SetPullCap {
                agent: AgentId(1),
                pull_cap: Some(Capacity(Capacity::MAX_CAP.0 + 1)),
            }
        ),
        Err(EngineError::InvalidCapacity {
            agent: AgentId(1),
            cap: Capacity(Capacity::MAX_CAP.0 + 1),
            max: Capacity::MAX_CAP,
        })
    );
}

/// A pull passing over a full plan queue is refused at the queue's level;
/// when the agent's team is full too, at the team's, the first level in
/// order (agent, team, queue, tenant), and only there.
#[test]
fn a_pull_past_a_full_queue_is_refused_at_the_first_full_level_in_order() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    agent(&mut e, 2, &[], 1);
    let plan = switchboard::plan::Plan::from_json(
        r#"{ "queues": [ { "name": "vip", "max_live": 1 } ],
          "routes": [ { "name": "default",
            "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "vip" }] }] } ] }"#,
    )
    .expect("a plan");
    e.apply(ms(0), Command::set_plan(plan))
        .expect("plan accepted");
    open(&mut e, ms(1), 1, 1, &[]);
    open(&mut e, ms(2), 2, 2, &[]);
    let holder = owner(&e, 1).expect("the queue's one");
    let other = 3 - holder;
    assert_eq!(owner(&e, 2), None, "the queue is full");
    pull_cap(&mut e, ms(3), other, Some(2));
    let refused = |e: &Engine| {
        let r = e.tenant_stats().refusals;
        (r.queue, r.team)
    };
    let before = refused(&e);
    assert_eq!(
        missed(&pull(&mut e, ms(4), other)),
        Some(PullMiss::Refused(CapLevel::Queue))
    );
    assert_eq!(refused(&e), (before.0 + 1, before.1));
    // Now the puller's team (with the holder) is full as well.
    let team = Command::SetTeam {
        team: TeamId(1),
        name: "front".into(),
        members: vec![AgentId(1), AgentId(2)],
        max_live: Some(1),
        rate_limit: None,
    };
    e.apply(ms(5), team).expect("team accepted");
    let before = refused(&e);
    assert_eq!(
        missed(&pull(&mut e, ms(6), other)),
        Some(PullMiss::Refused(CapLevel::Team))
    );
    assert_eq!(refused(&e), (before.0, before.1 + 1));
    audited(&e);
}
