//! The peers' workload bugs, in the spirit of `tests/engine/regression.rs`: each
//! test pins a case another router's tracker shows going wrong, named for
//! the behaviour switchboard keeps, with the thread it comes from.

use crate::common;
use common::*;
use switchboard::*;

fn set_team(e: &mut Engine, team: u64, members: &[u64], max: Option<u32>, rate: Option<RateLimit>) {
    e.apply(
        ms(0),
        Command::SetTeam {
            team: TeamId(team),
            name: format!("team {team}").into(),
            members: members.iter().map(|&a| AgentId(a)).collect(),
            max_live: max,
            rate_limit: rate,
        },
    )
    .expect("team accepted");
}

fn per_hour(max: u32) -> Option<RateLimit> {
    Some(RateLimit {
        max,
        window: TimeSpan::from_hours(1),
    })
}

fn no_answer_engine(max_hops: u32) -> Engine {
    engine_with(no_answer_config(max_hops), "least_loaded")
}

fn tick(e: &mut Engine, at: Timestamp) -> Vec<Decision> {
    e.apply(at, Command::Tick).expect("tick")
}

fn reassigned(d: &[Decision]) -> usize {
    let requeued = |d: &&Decision| {
        matches!(
            d,
            Decision::NoAnswer {
                action: NoAnswerAction::Requeued,
                ..
            }
        )
    };
    d.iter().filter(requeued).count()
}

/// Rocket.Chat PR #35688 ("Maximum chats rules not being applied
/// correctly"): the agent's and the department's limits were applied in
/// the wrong precedence, and fully booked agents were not removed from
/// the candidates. Here no level overrides another: every level applies,
/// the most restrictive wins whichever was set last, the refusal is
/// counted at the first full level in the documented order, and an agent
/// at any of their levels is never chosen.
#[test]
fn rocket_chat_35688_every_cap_level_applies_and_none_overrides_another() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1); // own cap below the team's
    agent(&mut e, 2, &[], 5); // own cap above the team's
    set_team(&mut e, 7, &[1, 2], Some(3), None);
    for id in 1..=5 {
        open(&mut e, ms(id), id, id, &[]);
    }
    let live = |e: &Engine, a| e.agent_stats(AgentId(a)).unwrap().live;
    assert_eq!(live(&e, 1), 1, "the agent's own cap wins below the team's");
    assert_eq!(live(&e, 1) + live(&e, 2), 3, "the team's wins below theirs");
    assert_eq!(e.team_stats(TeamId(7)).unwrap().live, 3);
    // Setting the agent's cap after the team's does not lift the team's.
    e.apply(
        ms(10),
        Command::SetCapacity {
            agent: AgentId(1),
            cap: Capacity::units(9),
        },
    )
    .unwrap();
    assert_eq!(e.team_stats(TeamId(7)).unwrap().live, 3);
    let refusals = e.stats().refusals;
    assert!(refusals.team >= 1, "{refusals:?}");
    audited(&e);
}

/// Rocket.Chat PR #20090 (automatic transfer of unanswered chats): the
/// transfer happened for the first agent only, and nothing bounded or
/// ended the chain. Here every unanswered assignment hops, never straight
/// back to the silent agent, up to `max_hops`, then the terminal action.
#[test]
fn rocket_chat_20090_every_silent_agent_passes_it_on_up_to_the_bound() {
    let mut e = no_answer_engine(2);
    for id in 1..=3 {
        agent(&mut e, id, &[], 2);
    }
    open(&mut e, ms(0), 1, 1, &[]);
    let first = owner(&e, 1).expect("assigned");
    let d = tick(&mut e, ms(60));
    assert_eq!(reassigned(&d), 1);
    let second = owner(&e, 1).expect("reassigned");
    assert_ne!(second, first, "not straight back to the silent agent");
    let d = tick(&mut e, ms(120));
    assert_eq!(reassigned(&d), 1, "the second agent's silence hops too");
    let third = owner(&e, 1).expect("reassigned again");
    assert!(third != second, "{first} {second} {third}");
    // The bound: the third silence keeps it and warns.
    let d = tick(&mut e, ms(180));
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::NoAnswer {
            action: NoAnswerAction::KeptAndWarned,
            hop: 3,
            ..
        }
    )));
    assert_eq!(owner(&e, 1), Some(third));
    let later = tick(&mut e, ms(10_000));
    let hops = |d: &Decision| matches!(d, Decision::NoAnswer { .. });
    assert!(!later.iter().any(hops), "the chain has ended: {later:?}");
    audited(&e);
}

/// Chatwoot #13516 (a "return timer" on every assignment or
/// reassignment, cleared by the assignee's reply): a manual transfer to
/// an agent starts the timer again, and the new assignee's reply voids it.
#[test]
fn chatwoot_13516_a_transfer_restarts_the_timer_and_a_reply_clears_it() {
    let mut e = no_answer_engine(3);
    agent(&mut e, 1, &[], 2);
    agent(&mut e, 2, &[], 2);
    open(&mut e, ms(0), 1, 1, &[]);
    let first = owner(&e, 1).unwrap();
    let other = 3 - first;
    e.apply(
        ms(30),
        Command::Transfer {
            conversation: ConversationId(1),
            to: TransferTarget::Agent(AgentId(other)),
        },
    )
    .unwrap();
    assert_eq!(owner(&e, 1), Some(other));
    // Not at the first assignment's deadline: the transfer restarted it.
    assert_eq!(reassigned(&tick(&mut e, ms(60))), 0);
    assert_eq!(reassigned(&tick(&mut e, ms(90))), 1);
    let now = owner(&e, 1).expect("reassigned");
    e.apply(
        ms(100),
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(now),
        },
    )
    .unwrap();
    assert_eq!(reassigned(&tick(&mut e, ms(1_000))), 0, "answered: never");
    assert_eq!(owner(&e, 1), Some(now));
    audited(&e);
}

/// Chatwoot #14508 (reassign missed chats after an inactivity timeout:
/// to another available agent if one exists, else back to the unassigned
/// queue): with nobody else free the conversation waits in its line, its
/// age kept, and the next free agent takes it first.
#[test]
fn chatwoot_14508_with_nobody_else_free_it_waits_first_in_line() {
    let mut e = no_answer_engine(2);
    agent(&mut e, 1, &[], 1);
    agent(&mut e, 2, &[], 1);
    open(&mut e, ms(0), 1, 1, &[]);
    let silent = owner(&e, 1).unwrap();
    open(&mut e, ms(1), 2, 2, &[]);
    e.apply(
        ms(2),
        Command::AgentMessage {
            conversation: ConversationId(2),
            agent: AgentId(3 - silent),
        },
    )
    .unwrap();
    open(&mut e, ms(3), 3, 3, &[]);
    let d = tick(&mut e, ms(60));
    assert_eq!(reassigned(&d), 1);
    // The silent agent cools down; the other is full: conversation 1 waits,
    // ahead of conversation 3 (opened later), and goes first when the
    // other agent frees a place.
    assert_eq!(state(&e, 1), StateKind::Queued);
    assert_eq!(
        e.conversation(ConversationId(1)).unwrap().waiting_since,
        ms(0)
    );
    resolve(&mut e, ms(61), 2);
    assert_eq!(owner(&e, 1), Some(3 - silent));
    assert_eq!(state(&e, 3), StateKind::Queued);
    audited(&e);
}

/// Chatwoot's assignment v2 rate limit ("N conversations per agent per
/// hour"): counted in a rolling window, not in calendar hours, so an agent
/// cannot take N at 10:59 and N more at 11:00; the agent at the limit is
/// skipped for others, and ranks again exactly when the oldest leaves the
/// window.
#[test]
fn chatwoot_rate_limit_is_a_rolling_window_not_a_calendar_hour() {
    let mut e = engine();
    agent(&mut e, 1, &[], 10);
    agent(&mut e, 2, &[], 10);
    // Agent 2 is busier, so least-loaded prefers agent 1 while they may.
    let status = |agent, status| Command::SetAgentStatus {
        agent: AgentId(agent),
        status,
    };
    e.apply(ms(0), status(1, AgentStatus::Away)).unwrap();
    for id in 1..=3 {
        open(&mut e, ms(0), 100 + id, 100 + id, &[]);
    }
    e.apply(ms(0), status(1, AgentStatus::Online)).unwrap();
    e.apply(
        ms(0),
        Command::SetRateLimit {
            agent: AgentId(1),
            limit: per_hour(2),
        },
    )
    .unwrap();
    // 10:59 and 11:00 of a calendar hour: both within one rolling hour.
    open(&mut e, ms(3_540), 1, 1, &[]);
    open(&mut e, ms(3_541), 2, 2, &[]);
    open(&mut e, ms(3_600), 3, 3, &[]);
    open(&mut e, ms(3_601), 4, 4, &[]);
    assert_eq!((owner(&e, 1), owner(&e, 2)), (Some(1), Some(1)));
    assert_eq!(
        (owner(&e, 3), owner(&e, 4)),
        (Some(2), Some(2)),
        "a new calendar hour is not a new window: skipped for the other agent"
    );
    assert_eq!(e.stats().refusals.rate_limit, 1);
    // One hour after the first of the two, agent 1 ranks again.
    tick(&mut e, ms(3_540 + 3_600));
    open(&mut e, ms(3_540 + 3_600), 5, 5, &[]);
    assert_eq!(owner(&e, 5), Some(1));
    audited(&e);
}
