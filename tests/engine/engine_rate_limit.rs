//! Assignment rate limits: at most N new assignments per agent in a
//! rolling window (their own limit, else their team's); an agent at the
//! limit is skipped and ranks again when a timer says the oldest
//! assignment left the window; threads coming back to them are not new
//! work.

use crate::common;
use common::*;
use switchboard::*;

fn limit(max: u32, secs: u64) -> Option<RateLimit> {
    Some(RateLimit {
        max,
        window: TimeSpan::from_secs(secs),
    })
}

fn set_limit(e: &mut Engine, at: Timestamp, agent: u64, l: Option<RateLimit>) -> Vec<Decision> {
    e.apply(
        at,
        Command::SetRateLimit {
            agent: AgentId(agent),
            limit: l,
        },
    )
    .expect("limit accepted")
}

#[test]
fn an_agent_at_the_rate_limit_is_skipped_until_the_window_slides() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    set_limit(&mut e, ms(0), 1, limit(2, 60));
    open(&mut e, ms(0), 1, 1, &[]);
    let d = open(&mut e, ms(10), 2, 2, &[]);
    assert!(d.contains(&Decision::RateLimitReached {
        agent: AgentId(1),
        until: ms(60),
    }));
    assert_eq!(e.stats().refusals.rate_limit, 1);
    let stats = e.agent_stats(AgentId(1)).unwrap();
    assert!(stats.rate_limited);
    assert_eq!(stats.recent_assignments, 2);
    open(&mut e, ms(20), 3, 3, &[]);
    assert_eq!(state(&e, 3), StateKind::Queued);
    audited(&e);
    e.apply(ms(59), Command::Tick).unwrap();
    assert_eq!(state(&e, 3), StateKind::Queued);
    let d = e.apply(ms(60), Command::Tick).unwrap();
    assert_eq!(assigned_to(&d, 3), Some(1));
    // Assignments at 10 s and 60 s are in the window now: at the limit
    // again until 70 s.
    assert!(d.contains(&Decision::RateLimitReached {
        agent: AgentId(1),
        until: ms(70),
    }));
    audited(&e);
}

#[test]
fn a_rate_window_sliding_during_a_backlog_serves_one_per_slide() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    set_limit(&mut e, ms(0), 1, limit(1, 30));
    for id in 1..=4 {
        open(&mut e, ms(id), id, id, &[]);
    }
    assert_eq!(owner(&e, 1), Some(1));
    for id in 2..=4 {
        assert_eq!(state(&e, id), StateKind::Queued);
    }
    // Each slide lets exactly one more through, oldest first.
    for (slide, id) in [(31, 2), (61, 3), (91, 4)] {
        e.apply(ms(slide), Command::Tick).unwrap();
        assert_eq!(owner(&e, id), Some(1), "slide at {slide}s");
        if id < 4 {
            assert_eq!(state(&e, id + 1), StateKind::Queued);
        }
        audited(&e);
    }
}

#[test]
fn the_team_limit_is_the_default_and_an_agents_own_overrides_it() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    agent(&mut e, 2, &[], 10);
    e.apply(
        ms(0),
        Command::SetTeam {
            team: TeamId(1),
            name: "chat".into(),
            members: vec![AgentId(1), AgentId(2)],
            max_live: None,
            rate_limit: limit(1, 60),
        },
    )
    .unwrap();
    assert_eq!(e.agent_stats(AgentId(1)).unwrap().rate_limit, limit(1, 60));
    assert_eq!(e.team_stats(TeamId(1)).unwrap().rate_limit, limit(1, 60));
    let d = set_limit(&mut e, ms(0), 2, limit(3, 60));
    assert_eq!(
        d,
        vec![Decision::RateLimitSet {
            agent: AgentId(2),
            limit: limit(3, 60),
            recent: 0,
        }]
    );
    for id in 1..=5 {
        open(&mut e, ms(id), id, id, &[]);
    }
    let on = |e: &Engine, a: u64| (1..=5).filter(|&c| owner(e, c) == Some(a)).count();
    assert_eq!((on(&e, 1), on(&e, 2)), (1, 3));
    assert_eq!(state(&e, 5), StateKind::Queued);
    // Back to the team's limit: agent 2 is over it, nothing moves.
    set_limit(&mut e, ms(6), 2, None);
    assert_eq!(on(&e, 2), 3);
    assert_eq!(e.agent_stats(AgentId(2)).unwrap().rate_limit, limit(1, 60));
    audited(&e);
}

#[test]
fn removing_a_limit_lets_the_agent_take_work_at_once() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    set_limit(&mut e, ms(0), 1, limit(1, 600));
    open(&mut e, ms(1), 1, 1, &[]);
    open(&mut e, ms(2), 2, 2, &[]);
    assert_eq!(state(&e, 2), StateKind::Queued);
    set_limit(&mut e, ms(3), 1, None);
    assert_eq!(owner(&e, 2), Some(1));
    audited(&e);
    // The window timer armed for the old limit is harmless.
    e.apply(ms(601), Command::Tick).unwrap();
    audited(&e);
}

#[test]
fn threads_coming_back_are_neither_counted_nor_refused() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    set_limit(&mut e, ms(0), 1, limit(1, 600));
    open(&mut e, ms(1), 1, 1, &[]);
    e.apply(
        ms(2),
        Command::Park {
            conversation: ConversationId(1),
        },
    )
    .unwrap();
    let d = e
        .apply(
            ms(3),
            Command::CustomerMessage {
                conversation: ConversationId(1),
            },
        )
        .unwrap();
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::Assigned {
            via: AssignVia::Resumed,
            ..
        }
    )));
    assert_eq!(e.agent_stats(AgentId(1)).unwrap().recent_assignments, 1);
    audited(&e);
}

#[test]
fn rate_limits_out_of_range_are_refused() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    let before = e.snapshot();
    for (max, window) in [(0, 60_000), (MAX_RATE + 1, 60_000), (1, 0)] {
        let l = RateLimit {
            max,
            window: TimeSpan::from_millis(window),
        };
        let refused = e.apply(
            ms(1),
            Command::SetRateLimit {
                agent: AgentId(1),
                limit: Some(l),
            },
        );
        assert_eq!(
            refused,
            Err(EngineError::RateLimitOutOfRange {
                max,
                window: l.window,
                max_rate: MAX_RATE,
            })
        );
        assert_eq!(e.snapshot(), before);
    }
}

#[test]
fn a_rate_limit_survives_a_snapshot() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    set_limit(&mut e, ms(0), 1, limit(1, 60));
    open(&mut e, ms(1), 1, 1, &[]);
    open(&mut e, ms(2), 2, 2, &[]);
    let json = e.snapshot().to_json().unwrap();
    let mut restored =
        Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded")).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    let a = e.apply(ms(61), Command::Tick).unwrap();
    let b = restored.apply(ms(61), Command::Tick).unwrap();
    assert_eq!(a, b);
    assert_eq!(owner(&restored, 2), Some(1));
    audited(&restored);
}

/// Found by the workload model: lowering a limit dropped the assignments
/// past it from the window, so raising it again let the agent take more
/// than the limit within one window.
#[test]
fn a_limit_lowered_and_raised_within_the_window_still_counts_every_assignment_in_it() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    set_limit(&mut e, ms(0), 1, limit(3, 60));
    open(&mut e, ms(1), 1, 1, &[]);
    open(&mut e, ms(2), 2, 2, &[]);
    assert_eq!((owner(&e, 1), owner(&e, 2)), (Some(1), Some(1)));
    set_limit(&mut e, ms(3), 1, limit(1, 60));
    let d = set_limit(&mut e, ms(4), 1, limit(3, 60));
    assert!(
        d.iter()
            .any(|d| matches!(d, Decision::RateLimitSet { recent: 2, .. })),
        "{d:?}"
    );
    open(&mut e, ms(5), 3, 3, &[]);
    assert_eq!(owner(&e, 3), Some(1), "the third of three");
    open(&mut e, ms(6), 4, 4, &[]);
    assert_eq!(owner(&e, 4), None, "a fourth within the window waits");
    audited(&e);
}

#[test]
fn a_window_lengthened_after_an_assignment_left_the_old_one_does_not_count_it_again() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    set_limit(&mut e, ms(0), 1, limit(2, 10));
    open(&mut e, ms(1), 1, 1, &[]);
    assert_eq!(owner(&e, 1), Some(1));
    // Below the limit, so no timer prunes the first assignment when it
    // leaves the 10-second window; the change must forget it all the same.
    let d = set_limit(&mut e, ms(11), 1, limit(1, 60));
    assert!(
        d.iter()
            .any(|d| matches!(d, Decision::RateLimitSet { recent: 0, .. })),
        "{d:?}"
    );
    open(&mut e, ms(12), 2, 2, &[]);
    assert_eq!(
        owner(&e, 2),
        Some(1),
        "the old window had forgotten the first"
    );
    open(&mut e, ms(13), 3, 3, &[]);
    assert_eq!(owner(&e, 3), None, "the second within the new window waits");
    audited(&e);
}
