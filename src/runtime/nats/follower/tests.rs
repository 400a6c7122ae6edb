//! The follower's slots: loads racing deliveries, gaps, fences and overflow.

use super::*;
use crate::persist::encode_record;
use crate::{AgentId, AgentSpec, Capacity, Command, Engine, EngineConfig, Timestamp};

fn fresh() -> Replica {
    let policy = crate::policy::BuiltinPolicy::LeastLoaded.build();
    Replica {
        engine: Engine::new(EngineConfig::default(), policy).expect("engine"),
        last_record: 0,
        last_stream_seq: 0,
    }
}

/// One stream message holding records `first..first + agents.len()`,
/// each adding the agent numbered in `agents`.
fn batch(first: u64, agents: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        let command = Command::AddAgent(AgentSpec::new(AgentId(*agent), Capacity::units(2)));
        let at = Timestamp::from_millis(1_000 + first + i as u64);
        encode_record(first + i as u64, at, &command, &mut out).expect("encode");
    }
    out
}

fn due(follower: &Follower) -> Vec<Load> {
    follower.due_loads(MAX_BUFFERED)
}

#[test]
fn messages_arriving_while_a_replica_loads_are_applied_when_it_is_installed() {
    let follower = Follower::idle(["t".to_string()]);
    assert!(matches!(due(&follower).as_slice(), [Load::Cold(t)] if t == "t"));
    // Loading: nothing more is due, and messages are kept.
    assert!(due(&follower).is_empty());
    follower.deliver("t", 3, &batch(1, &[1, 2]));
    follower.deliver("t", 5, &batch(3, &[3]));
    assert_eq!(follower.position("t"), None);
    // The load read the subject up to sequence 3 (records 1 and 2).
    let mut loaded = fresh();
    loaded.apply_message(3, &batch(1, &[1, 2])).expect("load");
    follower.install("t", Some(loaded));
    assert_eq!(follower.position("t"), Some(3));
    follower.deliver("t", 6, &batch(4, &[4]));
    assert_eq!(follower.position("t"), Some(4));
    // Tenants this node does not follow are ignored.
    follower.deliver("other", 7, &batch(1, &[9]));
}

#[test]
fn a_missed_message_leaves_the_replica_behind_and_a_catch_up_restores_it() {
    let follower = Follower::idle(["t".to_string()]);
    due(&follower);
    follower.install("t", Some(fresh()));
    follower.deliver("t", 1, &batch(1, &[1]));
    // Records 2 and 3 (sequence 2) are missed: record 4 does not follow on.
    follower.deliver("t", 3, &batch(4, &[4]));
    assert_eq!(follower.position("t"), None);
    let loads = due(&follower);
    let [Load::CatchUp(tenant, replica)] = loads.as_slice() else {
        panic!("expected one catch-up, got {loads:?}")
    };
    assert_eq!((tenant.as_str(), replica.last_record), ("t", 1));
    // Nothing of the refused message was applied.
    assert_eq!(replica.last_stream_seq, 1);
}

/// A fence delivered right after a missed data message moved the
/// replica past it (a fence names no record, so nothing looked
/// wrong); a takeover from that replica wrote the missed record
/// numbers again. Found by the failover simulation (seed 218).
#[test]
fn regression_a_fence_after_a_missed_message_no_longer_hides_the_gap() {
    let follower = Follower::idle(["t".to_string()]);
    due(&follower);
    follower.install("t", Some(fresh()));
    follower.deliver("t", 1, &batch(1, &[1]));
    // Sequence 2 (record 2) is missed; sequence 3 is another node's fence.
    follower.deliver("t", 3, &[]);
    assert_eq!(follower.position("t"), None, "not warm past a fence");
    let loads = due(&follower);
    let [Load::CatchUp(_, replica)] = loads.as_slice() else {
        panic!("expected a catch-up, got {loads:?}")
    };
    assert_eq!(
        replica.last_stream_seq, 1,
        "caught up from before the fence"
    );
    // The same while loading: the buffered fence is not applied blind.
    let follower = Follower::idle(["u".to_string()]);
    due(&follower);
    follower.deliver("u", 3, &[]);
    let mut loaded = fresh();
    loaded.apply_message(1, &batch(1, &[1])).expect("load");
    follower.install("u", Some(loaded));
    assert_eq!(follower.position("u"), None);
    assert!(
        matches!(due(&follower).as_slice(), [Load::CatchUp(u, r)] if u == "u" && r.last_stream_seq == 1)
    );
}

#[test]
fn a_refused_command_reloads_and_an_overflow_catches_up() {
    let follower = Follower::idle(["t".to_string(), "u".to_string()]);
    due(&follower);
    follower.install("t", Some(fresh()));
    // Agent 1 twice: the engine refuses the second, half way through
    // the batch, so the replica cannot be trusted: reload it.
    follower.deliver("t", 1, &batch(1, &[1, 1]));
    assert!(matches!(due(&follower).as_slice(), [Load::Cold(t)] if t == "t"));
    // "u" is loading (marked by the first call): overflow its buffer.
    for seq in 0..=MAX_BUFFERED as u64 {
        follower.deliver("u", seq + 1, &[]);
    }
    follower.install("u", Some(fresh()));
    assert!(matches!(due(&follower).as_slice(), [Load::CatchUp(u, _)] if u == "u"));
}

#[test]
fn a_led_tenant_ignores_its_messages_until_it_is_followed_again() {
    let follower = Follower::idle(["t".to_string()]);
    due(&follower);
    follower.install("t", Some(fresh()));
    follower.deliver("t", 1, &batch(1, &[1]));
    let replica = follower.lead("t").expect("a warm replica");
    assert_eq!(replica.last_record, 1);
    follower.deliver("t", 2, &batch(2, &[2]));
    assert!(due(&follower).is_empty());
    assert!(follower.lead("t").is_none());
    // A load finishing after the takeover is dropped.
    follower.install("t", Some(fresh()));
    assert_eq!(follower.position("t"), None);
    follower.follow("t");
    assert!(matches!(due(&follower).as_slice(), [Load::Cold(t)] if t == "t"));
}
