//! A pull racing a push in the runtime: an agent asks for their next
//! conversation (`Command::PullNext`) from one thread while another
//! thread's command lets a second agent take the same waiting
//! conversation by push. Whichever the tenant applies first wins; the
//! conversation is handed out exactly once, the loser is told so (a pull
//! with nothing left is `NothingToPull`, a decision, not an error), and
//! the engine's audit holds after every round.

use crate::runtime_common;
use runtime_common::*;

use std::sync::{Arc, Barrier};
use switchboard::runtime::{Runtime, RuntimeConfig};
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Command, ConversationId, Decision, EngineConfig,
};

const ROUNDS: usize = 24;

fn assigned(decisions: &[Decision], conversation: u64) -> Option<u64> {
    decisions
        .iter()
        .filter_map(Decision::assignee)
        .find(|(c, _)| c.0 == conversation)
        .map(|(_, agent)| agent.0)
}

#[test]
fn a_pull_racing_a_push_hands_the_conversation_out_exactly_once() {
    let mut winners = [0usize; 3];
    for round in 0..ROUNDS {
        let config = RuntimeConfig::volatile().shards(1);
        let t = tenant("race");
        let (runtime, _) =
            Runtime::start(config, vec![spec("race", EngineConfig::default())]).expect("start");
        let handle = runtime.handle();
        let send = |command: Command| {
            handle
                .send(&t, command)
                .expect("queued")
                .wait()
                .expect("accepted")
                .decisions
        };
        // Agent 1 is at their cap with a pull maximum above it; agent 2 is
        // away; conversation 2 waits for whoever comes first.
        send(AgentSpec::new(AgentId(1), Capacity::units(1)).into());
        send(Command::SetPullCap {
            agent: AgentId(1),
            pull_cap: Some(Capacity::units(2)),
        });
        send(AgentSpec::new(AgentId(2), Capacity::units(1)).into());
        send(Command::SetAgentStatus {
            agent: AgentId(2),
            status: AgentStatus::Away,
        });
        assert_eq!(assigned(&send(open(1, 1)), 1), Some(1));
        let queued = send(open(2, 2));
        assert_eq!(assigned(&queued, 2), None, "round {round}: it waits");

        let barrier = Arc::new(Barrier::new(2));
        let racer = |command: Command| {
            let (handle, t, barrier) = (handle.clone(), t.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let pending = handle.send(&t, command).expect("queued");
                pending.wait().expect("accepted").decisions
            })
        };
        let pull = racer(Command::PullNext { agent: AgentId(1) });
        let push = racer(Command::SetAgentStatus {
            agent: AgentId(2),
            status: AgentStatus::Online,
        });
        let (pulled, pushed) = (pull.join().expect("pull"), push.join().expect("push"));
        let winner = match (assigned(&pulled, 2), assigned(&pushed, 2)) {
            (Some(1), None) => 1,
            (None, Some(2)) => {
                let nothing = |d: &Decision| matches!(d, Decision::NothingToPull { .. });
                assert!(pulled.iter().any(nothing), "round {round}: {pulled:?}");
                2
            }
            other => panic!("round {round}: handed out {other:?}"),
        };
        winners[winner] += 1;
        let (owner, audit) = handle
            .query(&t, |engine| {
                let owner = engine.assignee(ConversationId(2)).ok().flatten();
                (
                    owner.map(|a| a.0),
                    engine.audit().err().map(|v| v.to_string()),
                )
            })
            .wait()
            .expect("query");
        assert_eq!(owner, Some(winner as u64), "round {round}");
        assert_eq!(audit, None, "round {round}");
        runtime.shutdown();
    }
    // Either order is legal; which one wins is the scheduler's choice.
    assert_eq!(winners[1] + winners[2], ROUNDS);
}
