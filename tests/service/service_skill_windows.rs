//! Skills on a schedule over HTTP: an agent registered with a skill window
//! takes the work needing it once the window opens on the tenant's clock,
//! and a bad window is a 400 naming `skill_windows` that changes nothing.

use crate::service_common;

use serde_json::json;
use service_common::start_with;
use std::sync::Arc;
use std::time::Duration;
use switchboard::runtime::ManualClock;
use switchboard::{TimeSpan, Timestamp};

const T0: u64 = 1_700_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_opening_on_the_tenants_clock_routes_waiting_work() {
    let clock = ManualClock::new(Timestamp(T0));
    let s = start_with(Arc::new(clock.clone()), 64).await;
    let t = s.tenant("acme", json!({})).await;
    let agent = json!({"id": 1, "cap": 2, "skill_windows": [
        {"skill": 4, "level": 6, "from": T0 + 60_000, "until": T0 + 120_000}
    ]});
    assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);
    let open = json!({"id": 10, "customer": 10, "channel": "whats_app",
        "skills": [{"skill": 4, "min_level": 3}]});
    let a = s.post(&format!("{t}/conversations"), open).await;
    assert_eq!(a.status, 201, "{a:?}");
    let conversation = format!("{t}/conversations/10");
    assert!(s.get(&conversation).await.body["state"]["agent"].is_null());
    // The runtime ticks at the window's opening with no other traffic.
    clock.advance(TimeSpan::from_secs(60));
    let mut agent_of = None;
    for _ in 0..200 {
        agent_of = s.get(&conversation).await.body["state"]["agent"].as_u64();
        if agent_of.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(agent_of, Some(1), "the opening routed the waiting work");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_window_is_a_400_naming_the_field_and_changes_nothing() {
    let clock = ManualClock::new(Timestamp(T0));
    let s = start_with(Arc::new(clock.clone()), 64).await;
    let t = s.tenant("acme", json!({})).await;
    let before = s.get(&format!("{t}/stats")).await.body["last_record"].clone();
    for window in [
        json!({"skill": 4, "level": 6, "from": T0 + 60_000, "until": T0 + 60_000}),
        json!({"skill": 4, "level": 6, "from": T0 - 60_000, "until": T0 - 1}),
    ] {
        let agent = json!({"id": 1, "cap": 2, "skill_windows": [window]});
        let a = s.post(&format!("{t}/agents"), agent).await;
        assert_eq!(a.status, 400, "{a:?}");
        assert_eq!(a.body["error"], "invalid_field", "{a:?}");
        assert_eq!(a.body["field"], "skill_windows", "{a:?}");
    }
    assert_eq!(
        s.get(&format!("{t}/stats")).await.body["last_record"],
        before
    );
    assert_eq!(s.get(&format!("{t}/agents/1")).await.status, 404);
}
