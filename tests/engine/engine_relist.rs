//! Marks for re-ranking under a status that takes no work: such an agent
//! is marked in each of their groups once, when the status changes, and
//! not again on every thread that ends on them (`matching::relist`, issue
//! 22). These tests fail when a marking the free index needs is dropped:
//! the audit checks that such an agent is, in every group, still marked
//! or unlisted, and that an agent back at work is found by each group's
//! dispatch, in a live engine as in one restored from its snapshot.

use crate::common::*;
use switchboard::policy::LeastLoaded;
use switchboard::*;

/// Agent 1 works skills 1 and 2, agent 2 skill 2 alone.
fn two_agents() -> Engine {
    let mut e = engine();
    agent(&mut e, 1, &[(1, 5), (2, 5)], 3);
    agent(&mut e, 2, &[(2, 5)], 3);
    e
}

#[test]
fn an_agent_away_twice_is_marked_in_every_group_each_time() {
    let mut e = two_agents();
    set_status(&mut e, ms(1), 1, AgentStatus::Away);
    audited(&e);
    set_status(&mut e, ms(2), 1, AgentStatus::Online);
    audited(&e);
    // Found by skill 1's dispatch: marked there when back online.
    let d = open(&mut e, ms(3), 10, 10, &[(1, 1)]);
    assert_eq!(assigned_to(&d, 10), Some(1));
    // Skill 2's search lists both; the less loaded takes it.
    let d = open(&mut e, ms(4), 11, 11, &[(2, 1)]);
    assert_eq!(assigned_to(&d, 11), Some(2));
    audited(&e);
    // Away again: listed in skill 2 and not marked there, so this change
    // must mark them again (a flag left from the first time would not).
    set_status(&mut e, ms(5), 1, AgentStatus::Away);
    audited(&e);
    let d = open(&mut e, ms(6), 12, 12, &[(2, 1)]);
    assert_eq!(assigned_to(&d, 12), Some(2));
    audited(&e);
    // A thread ending on the away agent marks nothing more.
    resolve(&mut e, ms(7), 10);
    audited(&e);
}

#[test]
fn a_restored_engine_marks_an_away_agent_as_the_live_one_does() {
    let mut live = two_agents();
    open(&mut live, ms(1), 10, 10, &[(1, 1)]);
    set_status(&mut live, ms(2), 1, AgentStatus::Away);
    // Searched while they are away: unlisted there.
    for id in [11, 15] {
        let d = open(&mut live, ms(3), id, id, &[(2, 1)]);
        assert_eq!(assigned_to(&d, id), Some(2));
    }
    let mut restored = Engine::restore(live.snapshot(), LeastLoaded).expect("restores");
    audited(&restored);
    let steps: Vec<(Timestamp, Command)> = vec![
        (
            ms(4),
            Command::Resolve {
                conversation: ConversationId(10),
                reason: ResolveReason::Solved,
            },
        ),
        (ms(5), open_cmd(12, 12, &[(1, 1)], Priority::Normal)),
        (
            ms(6),
            Command::SetAgentStatus {
                agent: AgentId(1),
                status: AgentStatus::Online,
            },
        ),
        (ms(7), open_cmd(13, 13, &[(2, 1)], Priority::Normal)),
        (ms(8), open_cmd(14, 14, &[(1, 1)], Priority::Normal)),
    ];
    for (at, command) in steps {
        let a = live.apply(at, command.clone()).expect("accepted");
        let b = restored.apply(at, command).expect("accepted");
        assert_eq!(a, b);
        audited(&live);
        audited(&restored);
        assert_eq!(live.snapshot(), restored.snapshot());
    }
    // Back online, agent 1 pulled the work waiting for skill 1 and was
    // found by skill 2's search (less loaded than agent 2) and skill 1's.
    assert_eq!(owner(&live, 12), Some(1));
    assert_eq!(owner(&live, 13), Some(1));
    assert_eq!(owner(&live, 14), Some(1));
}
