//! Shared by the runtime tests: tenants, commands, and a bounded wait for
//! stream events.
#![allow(dead_code)]

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration as Wall, Instant};
use switchboard::persist::{scan_segment, Record};
use switchboard::runtime::{
    DecisionStream, RuntimeHandle, StreamEvent, StreamItem, TenantId, TenantSpec,
};
use switchboard::{Command, ConversationId, CustomerId, Decision, EngineConfig};

/// A tenant id from a literal.
pub fn tenant(id: &str) -> TenantId {
    TenantId::new(id).expect("valid tenant id")
}

/// A tenant with `config` and the least-loaded policy.
pub fn spec(id: &str, config: EngineConfig) -> TenantSpec {
    TenantSpec::with_builtin(
        tenant(id),
        config,
        switchboard::policy::BuiltinPolicy::LeastLoaded,
    )
}

/// A WhatsApp conversation needing no skill.
pub fn open(conversation: u64, customer: u64) -> Command {
    Command::open(ConversationId(conversation), CustomerId(customer)).into()
}

/// Reads decisions from `stream` (spinning on `try_next`, bounded by
/// `within`) until one matches `want`; returns it with what came before.
pub fn wait_for(
    stream: &mut DecisionStream,
    within: Wall,
    want: impl Fn(&Decision) -> bool,
) -> (Option<StreamItem>, Vec<StreamItem>) {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match stream.try_next() {
            Some(StreamEvent::Decision(item)) => {
                if want(&item.decision) {
                    return (Some(item), seen);
                }
                seen.push(item);
            }
            Some(other) => panic!("unexpected stream event {other:?}"),
            None => std::thread::sleep(Wall::from_millis(1)),
        }
    }
    (None, seen)
}

/// Everything buffered in `stream` now (after the runtime stopped: all of it).
pub fn drain(stream: &mut DecisionStream) -> Vec<StreamEvent> {
    std::iter::from_fn(|| stream.try_next())
        .take(10_000_000)
        .collect()
}

/// Every record of a tenant directory's journal segments, in order.
pub fn journal(dir: &Path) -> Vec<Record> {
    let mut segments: Vec<_> = std::fs::read_dir(dir)
        .expect("tenant dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "swj"))
        .collect();
    segments.sort();
    segments
        .iter()
        .flat_map(|p| scan_segment(p).expect("segment").records)
        .collect()
}

/// Holds the shard in a query until released, so that the commands sent
/// meanwhile make one batch.
pub fn hold_shard(handle: &RuntimeHandle, tenant: &TenantId) -> mpsc::Sender<()> {
    let (release, held) = mpsc::channel::<()>();
    let (entered_tx, entered) = mpsc::channel();
    let _pending = handle.query(tenant, move |_| {
        let _ = entered_tx.send(());
        let _ = held.recv_timeout(Wall::from_secs(20));
    });
    entered
        .recv_timeout(Wall::from_secs(10))
        .expect("the shard runs the query");
    release
}
