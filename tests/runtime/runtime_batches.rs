//! Batches sent together (`RuntimeHandle::send_batch`): answered in order,
//! exactly as the same commands sent one by one; ordered with single
//! commands from the same thread; refused whole (and handed back) only
//! when the queue has no room, the batch is larger than `batch_max`, or the
//! tenant is unknown.

use crate::runtime_common;
use runtime_common::*;

use std::sync::{mpsc, Arc};
use switchboard::runtime::{
    Accepted, ManualClock, PendingBatch, Runtime, RuntimeConfig, RuntimeError, RuntimeHandle,
    TenantId,
};
use switchboard::{
    AgentId, AgentSpec, Capacity, Command, ConversationId, EngineConfig, ResolveReason, Timestamp,
};

/// A stream with refusals among the accepted commands: agents (one with a
/// cap of zero, refused), opens, messages, resolves (some of unknown
/// conversations, refused).
fn commands(n: u64) -> Vec<Command> {
    (0..n)
        .map(|i| match i % 7 {
            0 => Command::AddAgent(AgentSpec::new(
                AgentId(i % 5 + 1),
                Capacity::units(if i % 3 == 0 { 0 } else { 2 }),
            )),
            1..=3 => open(i, i),
            4 => Command::CustomerMessage {
                conversation: ConversationId(i - 3),
            },
            _ => Command::Resolve {
                conversation: ConversationId(i.saturating_sub(4 + i % 11)),
                reason: ResolveReason::Solved,
            },
        })
        .collect()
}

/// What an answer says, comparable across tenants.
fn outcome(answer: &Result<Accepted, RuntimeError>) -> String {
    match answer {
        Ok(a) => format!("ok {} {:?} {:?}", a.record, a.at, a.decisions),
        Err(RuntimeError::Rejected(r)) => format!("rejected {:?} {:?}", r.error, r.command),
        Err(other) => format!("error {other}"),
    }
}

fn start(batch_max: usize, queue: usize) -> (Runtime, RuntimeHandle) {
    let clock = ManualClock::new(Timestamp(1_000_000));
    let config = RuntimeConfig::volatile()
        .shards(1)
        .batch_max(batch_max)
        .queue_capacity(queue)
        .clock(Arc::new(clock));
    let specs = vec![
        spec("one", EngineConfig::default()),
        spec("many", EngineConfig::default()),
    ];
    let (runtime, _) = Runtime::start(config, specs).expect("start");
    let handle = runtime.handle();
    (runtime, handle)
}

#[test]
fn a_batch_is_answered_in_order_as_the_same_commands_sent_one_by_one() {
    let (runtime, handle) = start(64, 4096);
    let (one, many) = (tenant("one"), tenant("many"));
    let stream = commands(500);
    let singles: Vec<_> = stream
        .iter()
        .map(|c| outcome(&handle.submit(&one, c.clone())))
        .collect();
    let mut batched = Vec::new();
    for chunk in stream.chunks(37) {
        let answers = handle
            .submit_batch(&many, chunk.to_vec())
            .expect("the batch is answered");
        assert_eq!(answers.len(), chunk.len(), "one answer per command");
        batched.extend(answers.iter().map(outcome));
    }
    assert_eq!(singles, batched);
    assert!(singles.iter().any(|o| o.starts_with("rejected")));
    assert!(singles.iter().any(|o| o.starts_with("ok")));
    let (a, b) = (
        handle.tenant_stats(&one).wait().expect("stats"),
        handle.tenant_stats(&many).wait().expect("stats"),
    );
    assert_eq!(
        (a.runtime.accepted, a.runtime.rejected, a.last_record),
        (b.runtime.accepted, b.runtime.rejected, b.last_record)
    );
    runtime.shutdown();
}

#[test]
fn single_commands_and_a_batch_from_one_thread_keep_their_order() {
    let (runtime, handle) = start(64, 4096);
    let many = tenant("many");
    let first = handle.send(&many, open(1, 1)).expect("queued");
    let batch = handle
        .send_batch(&many, vec![open(2, 2), open(3, 3)])
        .expect("queued");
    let last = handle.send(&many, open(4, 4)).expect("queued");
    let records: Vec<u64> = [first.wait()]
        .into_iter()
        .chain(batch.wait().expect("answered"))
        .chain([last.wait()])
        .map(|a| a.expect("accepted").record)
        .collect();
    assert_eq!(records, vec![1, 2, 3, 4]);
    runtime.shutdown();
}

/// A queue of 6 places (`batch_max` 4) on a shard held in a query, a
/// batch of 4 queued for "many": two places are left. Returns the
/// runtime, its handle, the tenant, the shard's release and the batch.
fn four_of_six_places_taken() -> (
    Runtime,
    RuntimeHandle,
    TenantId,
    mpsc::Sender<()>,
    PendingBatch,
) {
    let (runtime, handle) = start(4, 6);
    let many = tenant("many");
    let release = hold_shard(&handle, &many);
    let queued = handle
        .send_batch(&many, commands(4))
        .expect("4 of 6 places");
    (runtime, handle, many, release, queued)
}

#[test]
fn a_batch_without_room_or_too_large_is_refused_at_once() {
    let (runtime, handle, many, release, queued) = four_of_six_places_taken();
    match handle.send_batch(&many, commands(3)) {
        Err(RuntimeError::OverloadedBatch { commands: back, .. }) => {
            assert_eq!(back, commands(3), "the commands come back");
        }
        other => panic!("expected OverloadedBatch, got {other:?}"),
    }
    // Two places are left: one command still fits.
    let single = handle.send(&many, open(90, 90)).expect("a place left");
    assert!(matches!(
        handle.send_batch(&many, commands(5)),
        Err(RuntimeError::Setting { value: 5, .. })
    ));
    let empty = handle.send_batch(&many, Vec::new()).expect("empty");
    assert!(empty.wait().expect("answered").is_empty());
    release.send(()).expect("release");
    assert_eq!(queued.wait().expect("answered").len(), 4);
    assert!(single.wait().is_ok());
    runtime.shutdown();
}

#[test]
fn a_batch_for_an_unknown_tenant_fails_whole() {
    let (runtime, handle) = start(64, 4096);
    let answer = handle.submit_batch(&tenant("nobody"), commands(3));
    assert!(
        matches!(answer, Err(RuntimeError::UnknownTenant(ref t)) if t.as_str() == "nobody"),
        "{answer:?}"
    );
    let stats = runtime.shutdown();
    assert!(stats.all_synced());
}

#[test]
fn an_async_batch_waits_for_room_for_all_of_its_commands() {
    let (runtime, handle, many, release, queued) = four_of_six_places_taken();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio");
    let waiting = {
        let (handle, many) = (handle.clone(), many.clone());
        tokio.spawn(async move { handle.submit_batch_waiting(&many, commands(3)).await })
    };
    // Two places are free, three needed: it waits (send_batch would be
    // refused at once).
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(!waiting.is_finished(), "a batch of 3 waits for 3 places");
    release.send(()).expect("release");
    let first = queued.wait().expect("answered");
    let later = tokio
        .block_on(waiting)
        .expect("task")
        .expect("waited for room, then answered");
    // Applied after the batch queued before it, in order.
    let records: Vec<u64> = first
        .iter()
        .chain(&later)
        .filter_map(|a| a.as_ref().ok())
        .map(|a| a.record)
        .collect();
    assert!(records.windows(2).all(|p| p[0] < p[1]), "{records:?}");
    assert_eq!(later.len(), 3);
    runtime.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_batches_racing_for_a_small_queue_all_get_in() {
    let (runtime, handle) = start(4, 8);
    let acme = tenant("one");
    let tasks: Vec<_> = (0..300u64)
        .map(|i| {
            let (handle, acme) = (handle.clone(), acme.clone());
            let batch = (1..=3).map(|k| open(3 * i + k, 3 * i + k)).collect();
            tokio::spawn(async move { handle.submit_batch_waiting(&acme, batch).await })
        })
        .collect();
    for task in tasks {
        let answers = task.await.expect("task").expect("waited for room");
        assert_eq!(answers.len(), 3);
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    }
    let stats = handle.tenant_stats(&acme).await.expect("stats");
    assert_eq!(stats.conversations, 900);
    runtime.shutdown();
}
