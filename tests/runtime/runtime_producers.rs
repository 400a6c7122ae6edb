//! Many producers: 8 threads send random commands to 100 tenants at once
//! while a ticker moves the clock (so timers fire under load). Afterwards,
//! for every tenant: its journal holds exactly the accepted commands and
//! the ticks, in an order whose serial replay makes the same decisions,
//! byte for byte, as the stream delivered and the callers were told; every
//! audit passes along the replay and no decision shows a load above a cap.

use crate::runtime_common;
use runtime_common::*;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as Wall;
use switchboard::policy::LeastLoaded;
use switchboard::runtime::{
    Durability, FileStore, ManualClock, Runtime, RuntimeConfig, RuntimeError, StreamEvent, TenantId,
};
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Command, ConversationId, Decision, Engine,
    EngineConfig, ResolveReason, TimeSpan, Timestamp,
};

const THREADS: u64 = 8;
const TENANTS: usize = 100;
const PER_THREAD: u64 = 1_500;
const WINDOW: usize = 64;

/// A random command for a tenant whose next new conversation id is `next`.
fn random_command(rng: &mut StdRng, next: &AtomicU64) -> Command {
    let agent = AgentId(rng.gen_range(1..=5));
    // ORDERING: only uniqueness of ids matters; Relaxed.
    let recent = |rng: &mut StdRng| {
        let top = next.load(Ordering::Relaxed);
        ConversationId(top.saturating_sub(rng.gen_range(1..20)))
    };
    match rng.gen_range(0..100) {
        0..=4 => Command::AddAgent(AgentSpec::new(agent, Capacity::units(rng.gen_range(1..5)))),
        5..=34 => open(next.fetch_add(1, Ordering::Relaxed), rng.gen_range(1..30)),
        35..=49 => Command::CustomerMessage {
            conversation: recent(rng),
        },
        50..=64 => Command::AgentMessage {
            conversation: recent(rng),
            agent,
        },
        65..=69 => Command::Park {
            conversation: recent(rng),
        },
        70..=81 => Command::Resolve {
            conversation: recent(rng),
            reason: ResolveReason::Solved,
        },
        82..=87 => Command::SetAgentStatus {
            agent,
            status: [AgentStatus::Online, AgentStatus::Away, AgentStatus::Offline]
                [rng.gen_range(0..3)],
        },
        88..=91 => Command::SetCapacity {
            agent,
            cap: Capacity::units(rng.gen_range(1..6)),
        },
        92..=95 => Command::MarkSeen {
            conversation: recent(rng),
            agent,
        },
        _ => Command::Tick,
    }
}

/// What a producer learnt of one accepted command.
struct Ack {
    record: u64,
    command: Command,
    decisions: Vec<Decision>,
}

/// New work only ever fits under the cap. (A cap lowered below the load is
/// accepted and takes effect as threads end, so a decision that lowers the
/// load, such as `Parked`, may still report a load above the cap.)
fn check_cap(decision: &Decision) {
    match decision {
        Decision::Assigned { load, cap, .. } | Decision::Offered { load, cap, .. } => {
            assert!(load <= cap, "load {load} above cap {cap}: {decision:?}")
        }
        _ => {}
    }
}

#[test]
fn each_tenant_replays_to_the_same_decisions_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(Timestamp(1_000));
    let store = FileStore::new(dir.path());
    let config = RuntimeConfig::durable(dir.path())
        .store(Arc::new(store.clone()))
        .durability(Durability::Buffered)
        .shards(2)
        .batch_max(256)
        .stream_capacity(8192)
        .clock(Arc::new(clock.clone()));
    let ids: Vec<TenantId> = (0..TENANTS).map(|i| tenant(&format!("t{i:03}"))).collect();
    let specs = ids
        .iter()
        .map(|id| spec(id.as_str(), EngineConfig::default()))
        .collect();
    let (runtime, report) = Runtime::start(config, specs).expect("start");
    assert_eq!(report.tenants.len(), TENANTS);
    let handle = runtime.handle();
    let mut streams: Vec<_> = ids
        .iter()
        .map(|id| handle.subscribe(id).wait().expect("subscribe"))
        .collect();

    let next_ids: Arc<Vec<AtomicU64>> = Arc::new((0..TENANTS).map(|_| AtomicU64::new(1)).collect());
    let acks: Arc<Mutex<BTreeMap<TenantId, Vec<Ack>>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (clock, stop) = (clock.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            // ORDERING: a stop flag with no data attached; Relaxed.
            while !stop.load(Ordering::Relaxed) {
                clock.advance(TimeSpan::from_secs(60));
                std::thread::sleep(Wall::from_millis(1));
            }
        })
    };
    let producers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (handle, ids, next_ids, acks) = (
                handle.clone(),
                ids.clone(),
                Arc::clone(&next_ids),
                Arc::clone(&acks),
            );
            std::thread::spawn(move || {
                let mut rng = StdRng::seed_from_u64(0x5EED + t);
                let mut inflight = VecDeque::new();
                let mut mine: Vec<(TenantId, Ack)> = Vec::new();
                let mut settle = |(tenant, command, pending): (
                    TenantId,
                    Command,
                    switchboard::runtime::Pending<_>,
                )| {
                    match pending.wait() {
                        Ok(accepted) => {
                            let accepted: switchboard::runtime::Accepted = accepted;
                            accepted.decisions.iter().for_each(check_cap);
                            mine.push((
                                tenant,
                                Ack {
                                    record: accepted.record,
                                    command,
                                    decisions: accepted.decisions,
                                },
                            ));
                        }
                        Err(RuntimeError::Rejected(_)) => {}
                        Err(e) => panic!("unexpected error {e}"),
                    }
                };
                for _ in 0..PER_THREAD {
                    let which = rng.gen_range(0..TENANTS);
                    let command = random_command(&mut rng, &next_ids[which]);
                    let pending = handle
                        .send(&ids[which], command.clone())
                        .expect("the queue has room for 8 x 64 commands");
                    inflight.push_back((ids[which].clone(), command, pending));
                    if inflight.len() >= WINDOW {
                        settle(inflight.pop_front().expect("non-empty"));
                    }
                }
                inflight.into_iter().for_each(&mut settle);
                let mut all = acks.lock().expect("acks");
                for (tenant, ack) in mine {
                    all.entry(tenant).or_default().push(ack);
                }
            })
        })
        .collect();
    for p in producers {
        p.join().expect("producer");
    }
    stop.store(true, Ordering::Relaxed);
    ticker.join().expect("ticker");
    let shutdown = runtime.shutdown();
    assert!(shutdown.all_synced());

    let acks = Arc::try_unwrap(acks)
        .ok()
        .expect("producers done")
        .into_inner()
        .expect("acks");
    let (mut total_records, mut total_ticks, mut total_decisions) = (0usize, 0usize, 0usize);
    for (i, id) in ids.iter().enumerate() {
        let records = journal(&store.dir_of(id));
        let mut by_record: BTreeMap<u64, &Ack> = BTreeMap::new();
        for ack in acks.get(id).map(Vec::as_slice).unwrap_or_default() {
            assert!(
                by_record.insert(ack.record, ack).is_none(),
                "record acked twice"
            );
        }
        // The stream delivered everything, in order, with no lag.
        let events = drain(&mut streams[i]);
        let mut streamed: BTreeMap<u64, Vec<Vec<u8>>> = BTreeMap::new();
        let mut last = (0u64, 0u32);
        for event in events {
            let StreamEvent::Decision(item) = event else {
                panic!("{id}: unexpected {event:?}");
            };
            assert!((item.record, item.index) > last || last == (0, 0));
            last = (item.record, item.index);
            streamed
                .entry(item.record)
                .or_default()
                .push(serde_json::to_vec(&item.decision).expect("json"));
        }
        // Replay the journal serially, auditing every step.
        let mut engines = [Engine::new(EngineConfig::default(), LeastLoaded).expect("engine")];
        for (n, record) in records.iter().enumerate() {
            assert_eq!(record.seq, n as u64 + 1, "{id}: journal has no gap");
            let engine = engines.get_mut(0).expect("one engine");
            let decisions = engine
                .apply(record.at, record.command.clone())
                .unwrap_or_else(|e| panic!("{id}: record {} refused on replay: {e}", record.seq));
            engine.audit().expect("audit passes along the replay");
            decisions.iter().for_each(check_cap);
            let replayed: Vec<Vec<u8>> = decisions
                .iter()
                .map(|d| serde_json::to_vec(d).expect("json"))
                .collect();
            let streamed_here = streamed.remove(&record.seq).unwrap_or_default();
            assert_eq!(
                replayed, streamed_here,
                "{id}: record {} stream differs",
                record.seq
            );
            match by_record.remove(&record.seq) {
                Some(ack) => {
                    assert_eq!(ack.command, record.command, "{id}: record {}", record.seq);
                    assert_eq!(ack.decisions, decisions, "{id}: record {}", record.seq);
                }
                None => {
                    assert_eq!(record.command, Command::Tick, "{id}: unacked non-tick");
                    total_ticks += 1;
                }
            }
            total_decisions += decisions.len();
        }
        assert!(
            by_record.is_empty(),
            "{id}: acknowledged commands missing from the journal"
        );
        assert!(streamed.is_empty(), "{id}: streamed decisions of no record");
        total_records += records.len();
    }
    println!(
        "{total_records} records over {TENANTS} tenants ({total_ticks} timer ticks), {total_decisions} decisions replayed byte for byte"
    );
    assert!(total_ticks > 0, "timers fired under load");
    assert!(total_records > (THREADS * PER_THREAD / 4) as usize);
}
