//! Room reserved for a tenant's known scale (`TenantSpec::reserve`): the
//! opener thread reserves it in the engine once the tenant is open or
//! recovered, so the shard never does; it changes no decision; a
//! reservation past the configuration's limits fails the add with a typed
//! error and leaves the tenant's journal usable.

use crate::runtime_common;
use runtime_common::*;

use switchboard::runtime::{Runtime, RuntimeConfig, RuntimeError};
use switchboard::{AgentId, AgentSpec, Capacity, EngineConfig, Limits, Reservation};

/// Room for a small contact centre.
fn scale() -> Reservation {
    Reservation::new()
        .agents(50)
        .conversations(5_000)
        .open_conversations(1_000)
        .customers(4_000)
}

#[test]
fn a_tenant_added_with_a_reservation_holds_the_room_and_decides_alike() {
    let (runtime, _) = Runtime::start(RuntimeConfig::volatile().shards(1), vec![]).expect("start");
    let handle = runtime.handle();
    let plain = spec("plain", EngineConfig::default());
    let reserved = spec("reserved", EngineConfig::default()).reserve(scale());
    handle.add_tenant(plain).wait().expect("plain added");
    handle.add_tenant(reserved).wait().expect("reserved added");

    let room = handle
        .query(&tenant("reserved"), |engine| engine.reserved())
        .wait()
        .expect("queried");
    assert!(room.agents >= 50 && room.customers >= 4_000, "{room:?}");
    assert!(room.conversations >= 5_000 && room.open_conversations >= 1_000);
    let none = handle
        .query(&tenant("plain"), |engine| engine.reserved())
        .wait()
        .expect("queried");
    assert!(
        none.conversations < 5_000,
        "nothing reserved by default: {none:?}"
    );

    // The same commands decide the same on both tenants.
    let mut decided = Vec::new();
    for id in ["plain", "reserved"] {
        let t = tenant(id);
        let mut answers = Vec::new();
        let agent = AgentSpec::new(AgentId(1), Capacity::units(2));
        answers.push(handle.submit(&t, agent).expect("agent").decisions);
        for c in 1..=4 {
            answers.push(handle.submit(&t, open(c, c)).expect("open").decisions);
        }
        decided.push(format!("{answers:?}"));
    }
    assert_eq!(decided[0], decided[1]);
    runtime.shutdown();
}

#[test]
fn a_reservation_past_the_limits_fails_the_add_and_leaves_the_journal_usable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = EngineConfig::builder()
        .limits(Limits::default().agents(10))
        .build()
        .expect("valid");
    let (runtime, _) =
        Runtime::start(RuntimeConfig::durable(dir.path()).shards(1), vec![]).expect("start");
    let handle = runtime.handle();

    let too_big = spec("a", config.clone()).reserve(Reservation::new().agents(11));
    match handle.add_tenant(too_big).wait() {
        Err(RuntimeError::Reserve { tenant: t, source }) => {
            assert_eq!(t, tenant("a"));
            assert!(source.to_string().contains("agents"), "{source}");
        }
        other => panic!("expected a reservation error, got {other:?}"),
    }
    assert!(matches!(
        handle.submit(&tenant("a"), open(1, 1)),
        Err(RuntimeError::UnknownTenant(_))
    ));

    // Within the limits, the same tenant opens on the same journal.
    let fits = spec("a", config).reserve(Reservation::new().agents(10));
    handle
        .add_tenant(fits)
        .wait()
        .expect("added within the limits");
    let accepted = handle.submit(&tenant("a"), open(1, 1)).expect("applied");
    assert_eq!(accepted.record, 1, "the failed add wrote nothing");
    runtime.shutdown();
}
