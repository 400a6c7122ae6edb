//! What the wallboard reads beside the statistics, over real HTTP on
//! 127.0.0.1: the plan's queues with the steps their waiting work entered
//! and the expected wait at the back of the line (`GET .../queues`), and
//! the last hour per minute, waiting work and service level (`GET
//! .../history`), on a clock moved by hand.

use crate::service_common;

use serde_json::{json, Value};
use service_common::start_with;
use std::sync::Arc;
use std::time::Duration;
use switchboard::runtime::ManualClock;
use switchboard::{TimeSpan, Timestamp};

fn plan() -> Value {
    json!({
        "skills": {"support": 7},
        "queues": [{"name": "support", "hard": [{"skill": "support", "min_level": 1}]},
                   {"name": "idle"}],
        "routes": [{"name": "default",
                    "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "support"}]},
                              {"after_ms": 150000, "actions": [{"do": "raise_priority", "to": "high"}]}]}]
    })
}

fn conversation(id: u64) -> Value {
    json!({"id": id, "customer": 100 + id, "channel": "whats_app",
           "skills": [{"skill": 7, "min_level": 3}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_board_shows_the_steps_entered_and_the_expected_wait_at_the_back_of_the_line() {
    let clock = ManualClock::new(Timestamp(6_000_000));
    let s = start_with(Arc::new(clock.clone()), 1024).await;
    let t = s.tenant("acme", json!({})).await;
    assert_eq!(s.put(&format!("{t}/plan"), plan()).await.status, 200);
    let agent = json!({"id": 1, "skills": [{"skill": 7, "level": 5}], "cap": 1});
    assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);
    for c in 1..=10 {
        let opened = s.post(&format!("{t}/conversations"), conversation(c)).await;
        assert_eq!(opened.status, 201, "{opened:?}");
    }
    let queues = s.get(&format!("{t}/queues")).await.body;
    assert_eq!(queues[0]["waiting"], 9, "{queues}");
    assert_eq!(
        queues[0]["steps"],
        json!([{"route": "default", "step": 0, "waiting": 9}])
    );
    assert_eq!(
        queues[0]["expected_wait"],
        Value::Null,
        "too few hand-overs"
    );
    assert_eq!(queues[1]["steps"], json!([]), "{queues}");

    // A hand-over a minute. All were opened at once, so by minute 6 every
    // one still waiting has passed 150 s and entered step 1.
    for c in 1..=6 {
        clock.advance(TimeSpan(60_000));
        let done = s
            .post(&format!("{t}/conversations/{c}/resolve"), json!({}))
            .await;
        assert_eq!(done.status, 200, "{done:?}");
    }
    let queues = s.get(&format!("{t}/queues")).await.body;
    assert_eq!(queues[0]["waiting"], 3, "{queues}");
    assert_eq!(
        queues[0]["steps"],
        json!([{"route": "default", "step": 1, "waiting": 3}])
    );
    let wait = &queues[0]["expected_wait"];
    // Third in line at the back, one hand-over a minute: three minutes.
    assert_eq!(wait["expected"], 180_000, "{wait}");
    assert_eq!(wait["method"], "recent_throughput", "{wait}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_keeps_each_minutes_waiting_work_and_service_level() {
    let clock = ManualClock::new(Timestamp(6_000_000));
    let s = start_with(Arc::new(clock.clone()), 1024).await;
    let t = s.tenant("acme", json!({"response_target": 120000})).await;
    let agent = json!({"id": 1, "skills": [{"skill": 7, "level": 5}], "cap": 1});
    assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);
    for c in 1..=3 {
        assert_eq!(
            s.post(&format!("{t}/conversations"), conversation(c))
                .await
                .status,
            201
        );
    }
    // Conversation 1 answered at once (in target); the sampler reads two
    // waiting in this minute.
    let reply = json!({"agent": 1});
    let answered = s
        .post(&format!("{t}/conversations/1/agent_message"), reply.clone())
        .await;
    assert_eq!(answered.status, 200, "{answered:?}");
    let minute = |h: &Value, at: u64| {
        h["minutes"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["minute"] == at).cloned())
    };
    let h = poll(&s, &t, |h| {
        minute(h, 6_000_000).is_some_and(|m| m["waiting"] == 2 && m["answered"] == 1)
    })
    .await;
    let first = minute(&h, 6_000_000).unwrap();
    assert_eq!(first["service_level"], 1.0, "{h}");
    assert_eq!(h["response_target_ms"], 120_000);

    // Three minutes on, conversation 2 is answered late: the new minute's
    // service level is 0, the first minute keeps its own.
    clock.advance(TimeSpan(180_000));
    assert_eq!(
        s.post(&format!("{t}/conversations/1/resolve"), json!({}))
            .await
            .status,
        200
    );
    let late = s
        .post(&format!("{t}/conversations/2/agent_message"), reply)
        .await;
    assert_eq!(late.status, 200, "{late:?}");
    let h = poll(&s, &t, |h| {
        minute(h, 6_180_000).is_some_and(|m| m["answered"] == 1 && m["waiting"] == 1)
    })
    .await;
    assert_eq!(minute(&h, 6_180_000).unwrap()["service_level"], 0.0, "{h}");
    assert_eq!(minute(&h, 6_000_000).unwrap(), first, "{h}");
    assert!(h["minutes"].as_array().unwrap().len() <= 60);
}

/// Reads the history until `ready` holds (the sampler reads once a second).
async fn poll(s: &service_common::Harness, t: &str, ready: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let h = s.get(&format!("{t}/history")).await;
        assert_eq!(h.status, 200, "{h:?}");
        if ready(&h.body) {
            return h.body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the history never showed the expected minute");
}
