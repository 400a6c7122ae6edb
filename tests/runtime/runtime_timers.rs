//! Timers fire with no traffic: the shard ticks each engine at its next
//! deadline, read from the runtime's clock. A `ManualClock` stands in for
//! time; moving it wakes the shards.

use crate::runtime_common;
use runtime_common::*;

use std::sync::Arc;
use std::time::Duration as Wall;
use switchboard::runtime::{ManualClock, Runtime, RuntimeConfig};
use switchboard::{
    AgentId, AgentSpec, Capacity, Command, ConversationId, Decision, EngineConfig, RequeueReason,
    ResolveReason, StickyMissReason, TimeSpan, Timestamp,
};

const T0: Timestamp = Timestamp(1_000_000);
const PATIENCE: Wall = Wall::from_secs(5);

fn start(config: EngineConfig) -> (Runtime, ManualClock) {
    let clock = ManualClock::new(T0);
    let rc = RuntimeConfig::volatile()
        .shards(2)
        .clock(Arc::new(clock.clone()));
    let (runtime, _) = Runtime::start(rc, vec![spec("acme", config)]).expect("start");
    (runtime, clock)
}

#[test]
fn sla_warning_fires_at_80_percent_of_target_with_no_traffic() {
    let (runtime, clock) = start(EngineConfig::default());
    let handle = runtime.handle();
    let acme = tenant("acme");
    let mut stream = handle.subscribe(&acme).wait().expect("subscribe");
    // No agent: the conversation waits in its queue.
    let opened = handle.submit(&acme, open(1, 500)).expect("open");
    assert_eq!(opened.at, T0);

    // One millisecond before 80% of the 10-minute target: nothing.
    clock.advance(TimeSpan(8 * 60_000 - 1));
    let (early, _) = wait_for(&mut stream, Wall::from_millis(300), |d| {
        matches!(d, Decision::SlaWarning { .. })
    });
    assert!(early.is_none(), "warning before 80% of the target");

    clock.advance(TimeSpan(1));
    let (warning, _) = wait_for(&mut stream, PATIENCE, |d| {
        matches!(d, Decision::SlaWarning { .. })
    });
    let warning = warning.expect("the SLA warning fires with no traffic");
    assert_eq!(warning.at, T0 + TimeSpan::from_mins(8));
    assert!(matches!(
        warning.decision,
        Decision::SlaWarning { conversation: ConversationId(1), deadline, .. }
            if deadline == T0 + TimeSpan::from_mins(10)
    ));

    // The breach follows at the target, again with no traffic.
    clock.advance(TimeSpan::from_mins(2));
    let (breach, _) = wait_for(&mut stream, PATIENCE, |d| {
        matches!(d, Decision::SlaBreach { .. })
    });
    assert!(breach.is_some(), "the breach fires at the target");
    let stats = handle.tenant_stats(&acme).wait().expect("stats");
    assert_eq!(stats.engine.sla_warnings, 1);
    assert_eq!(stats.runtime.ticks, 2);
    // The real-time view: one group, one conversation waiting since T0,
    // nobody online.
    assert_eq!(stats.groups.len(), 1);
    let group = &stats.groups[0];
    assert_eq!((group.waiting, group.oldest_waiting_since), (1, Some(T0)));
    assert_eq!((group.agents_online, group.agents_with_room), (0, 0));
    runtime.shutdown();
}

#[test]
fn offer_times_out_with_no_traffic() {
    let config = EngineConfig::builder()
        .offer_timeout(Some(TimeSpan::from_secs(30)))
        .build()
        .expect("valid config");
    let (runtime, clock) = start(config);
    let handle = runtime.handle();
    let acme = tenant("acme");
    let mut stream = handle.subscribe(&acme).wait().expect("subscribe");
    handle
        .submit(
            &acme,
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
        )
        .expect("agent");
    let offered = handle.submit(&acme, open(1, 500)).expect("open");
    assert!(offered
        .decisions
        .iter()
        .any(|d| matches!(d, Decision::Offered { .. })));

    clock.advance(TimeSpan::from_secs(30));
    let (requeued, _) = wait_for(&mut stream, PATIENCE, |d| {
        matches!(
            d,
            Decision::Requeued {
                reason: RequeueReason::OfferTimedOut,
                ..
            }
        )
    });
    let requeued = requeued.expect("the offer times out with no traffic");
    assert_eq!(requeued.at, T0 + TimeSpan::from_secs(30));
    runtime.shutdown();
}

#[test]
fn known_agent_wait_ends_and_falls_back_with_no_traffic() {
    let (runtime, clock) = start(EngineConfig::default());
    let handle = runtime.handle();
    let acme = tenant("acme");
    let submit = |command| handle.submit(&acme, command).expect("accepted");
    submit(Command::AddAgent(AgentSpec::new(
        AgentId(1),
        Capacity::units(1),
    )));
    submit(open(1, 500)); // customer 500 meets agent 1
    submit(Command::AgentMessage {
        conversation: ConversationId(1),
        agent: AgentId(1),
    });
    submit(Command::Resolve {
        conversation: ConversationId(1),
        reason: ResolveReason::Solved,
    });
    submit(open(2, 600)); // agent 1 is full again
    submit(Command::AddAgent(AgentSpec::new(
        AgentId(2),
        Capacity::units(1),
    )));
    let mut stream = handle.subscribe(&acme).wait().expect("subscribe");
    let returning = submit(open(3, 500));
    assert!(
        returning.decisions.iter().any(|d| matches!(
            d,
            Decision::WaitingForAgent {
                agent: AgentId(1),
                ..
            }
        )),
        "{:?}",
        returning.decisions
    );

    clock.advance(EngineConfig::default().sticky_wait);
    let (miss, _) = wait_for(&mut stream, PATIENCE, |d| {
        matches!(
            d,
            Decision::StickyMiss {
                reason: StickyMissReason::WaitTimedOut,
                ..
            }
        )
    });
    assert!(miss.is_some(), "the known-agent wait ends with no traffic");
    let (fallback, _) = wait_for(&mut stream, PATIENCE, |d| {
        matches!(
            d,
            Decision::Assigned {
                conversation: ConversationId(3),
                ..
            }
        )
    });
    assert!(
        matches!(
            fallback.expect("falls back to another agent").decision,
            Decision::Assigned {
                agent: AgentId(2),
                ..
            }
        ),
        "falls back to the free agent"
    );
    runtime.shutdown();
}
