//! Backpressure and slow readers: a flood gets `Overloaded` at once (no
//! call blocks) and nothing accepted is lost; an async caller may await
//! room instead; a subscriber that does not read lags with a typed notice
//! and never slows the shard.

use crate::runtime_common;
use runtime_common::*;

use std::sync::Arc;
use std::time::{Duration as Wall, Instant};
use switchboard::persist::recover;
use switchboard::policy::LeastLoaded;
use switchboard::runtime::{
    Durability, ManualClock, Runtime, RuntimeConfig, RuntimeError, StreamEvent,
};
use switchboard::{AgentId, AgentSpec, Capacity, Command, EngineConfig, Timestamp};

#[test]
fn a_flood_is_answered_overloaded_at_once_and_nothing_accepted_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Synced: every batch of at most 8 waits for an fsync, so the shard
    // falls behind a sender that never waits.
    let config = RuntimeConfig::durable(dir.path())
        .durability(Durability::Synced)
        .shards(1)
        .batch_max(8)
        .queue_capacity(64)
        .clock(Arc::new(ManualClock::new(Timestamp(1_000))));
    let (runtime, _) =
        Runtime::start(config, vec![spec("acme", EngineConfig::default())]).expect("start");
    let handle = runtime.handle();
    let acme = tenant("acme");
    let (mut accepted, mut overloaded, mut slowest) = (Vec::new(), 0u32, Wall::ZERO);
    for i in 0..20_000u64 {
        let started = Instant::now();
        let result = handle.send(&acme, open(i + 1, i + 1));
        slowest = slowest.max(started.elapsed());
        match result {
            Ok(pending) => accepted.push(pending),
            Err(RuntimeError::Overloaded {
                command, capacity, ..
            }) => {
                assert_eq!(capacity, 64);
                assert!(matches!(*command, Command::OpenConversation(_)));
                overloaded += 1;
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert!(overloaded > 0, "the flood met a full queue");
    assert!(
        slowest < Wall::from_millis(100),
        "a send blocked for {slowest:?}"
    );
    let queued = accepted.len() as u64;
    let mut records = Vec::new();
    for pending in accepted {
        records.push(pending.wait().expect("queued means applied").record);
    }
    records.sort_unstable();
    assert_eq!(records, (1..=queued).collect::<Vec<_>>());
    runtime.shutdown();

    let recovered = recover(
        &dir.path().join("acme"),
        &EngineConfig::default(),
        LeastLoaded,
    )
    .expect("recover");
    assert_eq!(
        recovered.report.last_seq, queued,
        "every acknowledged command is on disk"
    );
    assert_eq!(recovered.engine.conversation_count() as u64, queued);
    println!("{queued} accepted, {overloaded} overloaded, slowest send {slowest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_callers_may_await_room_instead() {
    let config = RuntimeConfig::volatile()
        .shards(1)
        .batch_max(4)
        .queue_capacity(8);
    let (runtime, _) =
        Runtime::start(config, vec![spec("acme", EngineConfig::default())]).expect("start");
    let handle = runtime.handle();
    let acme = tenant("acme");
    let tasks: Vec<_> = (0..2_000u64)
        .map(|i| {
            let (handle, acme) = (handle.clone(), acme.clone());
            tokio::spawn(async move { handle.submit_waiting(&acme, open(i + 1, i)).await })
        })
        .collect();
    for task in tasks {
        task.await
            .expect("task")
            .expect("waited for room, then applied");
    }
    let stats = handle.tenant_stats(&acme).await.expect("stats");
    assert_eq!(stats.runtime.accepted, 2_000);
    assert_eq!(stats.conversations, 2_000);
    runtime.shutdown();
}

#[test]
fn a_slow_subscriber_lags_with_a_notice_and_the_shard_is_unaffected() {
    let config = RuntimeConfig::volatile().shards(1).stream_capacity(16);
    let (runtime, _) =
        Runtime::start(config, vec![spec("acme", EngineConfig::default())]).expect("start");
    let handle = runtime.handle();
    let acme = tenant("acme");
    let mut slow = handle.subscribe(&acme).wait().expect("subscribe");
    let mut fast = handle.subscribe(&acme).wait().expect("subscribe");
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        while let Some(event) = fast.blocking_next() {
            got.push(event);
        }
        got
    });
    handle
        .submit(
            &acme,
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(1))),
        )
        .expect("agent");
    let started = Instant::now();
    let pendings: Vec<_> = (0..1_000u64)
        .map(|i| handle.send(&acme, open(i + 1, i)).expect("room"))
        .collect();
    for pending in pendings {
        pending.wait().expect("applied");
    }
    let took = started.elapsed();
    // 1,000 commands never wait for a reader that reads nothing.
    assert!(took < Wall::from_secs(2), "the shard slowed to {took:?}");
    runtime.shutdown();

    // Decisions: 1 agent added, then 1 assigned + 999 queued.
    let events = drain(&mut slow);
    match events.first() {
        Some(StreamEvent::Lagged { missed }) => assert_eq!(*missed, 1_001 - 16),
        other => panic!("expected a lag notice first, got {other:?}"),
    }
    assert_eq!(events.len(), 1 + 16, "then the newest 16 decisions");
    let fast_events = reader.join().expect("reader");
    let decisions = fast_events
        .iter()
        .filter(|e| matches!(e, StreamEvent::Decision(_)))
        .count();
    let missed: u64 = fast_events
        .iter()
        .map(|e| match e {
            StreamEvent::Lagged { missed } => *missed,
            _ => 0,
        })
        .sum();
    assert_eq!(
        decisions as u64 + missed,
        1_001,
        "the reading subscriber accounts for every decision"
    );
}
