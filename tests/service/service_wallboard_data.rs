//! What the wallboard reads, over real HTTP on 127.0.0.1: the plan's
//! queues with the steps their waiting work entered, the expected wait at
//! the back of the line and a capped queue's live conversations against
//! its cap (`GET .../queues`); agents in wrap-up and at their rate limit
//! (`GET .../stats`); and the last hour per minute, waiting work and
//! service level (`GET .../history`), on a clock moved by hand.

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

/// The agent `id`'s row of the wallboard's statistics.
async fn agent_row(s: &service_common::Harness, t: &str, id: u64) -> Value {
    let stats = s.get(&format!("{t}/stats")).await.body;
    let agents = stats["agents"].as_array().cloned().unwrap_or_default();
    agents
        .into_iter()
        .find(|a| a["agent"] == id)
        .unwrap_or_else(|| panic!("agent {id} on the board: {stats}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_shows_a_capped_queues_live_work_against_its_cap_and_agents_in_wrap_up_or_rate_limited(
) {
    let clock = ManualClock::new(Timestamp(6_000_000));
    let s = start_with(Arc::new(clock.clone()), 1024).await;
    let wrap_up = json!({"workload": {"wrap_up": {"whats_app":
        {"mode": "optional", "time": 600000, "hold_permille": 1000}}}});
    let t = s.tenant("acme", wrap_up).await;
    let mut capped = plan();
    capped["queues"][0]["max_live"] = json!(2);
    assert_eq!(s.put(&format!("{t}/plan"), capped).await.status, 200);
    for id in [1, 2] {
        let agent = json!({"id": id, "skills": [{"skill": 7, "level": 5}], "cap": 2});
        assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);
    }
    let limit = json!({"limit": {"max": 1, "window": 3600000}});
    let rate = s.put(&format!("{t}/agents/2/rate_limit"), limit).await;
    assert_eq!(rate.status, 200, "{rate:?}");
    // The conversation agent 1 was handed.
    let mut ones = None;
    for c in 1..=4 {
        let opened = s.post(&format!("{t}/conversations"), conversation(c)).await;
        assert_eq!(opened.status, 201, "{opened:?}");
        let decisions = opened.body["decisions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if decisions
            .iter()
            .any(|d| d["kind"] == "assigned" && d["agent"] == 1)
        {
            ones = Some(c);
        }
    }
    let ones = ones.expect("agent 1 took one");
    // One conversation each (the least loaded first), then the queue is at
    // its cap of two: the other two wait in it, refused at its level.
    let queues = s.get(&format!("{t}/queues")).await.body;
    assert_eq!(queues[0]["waiting"], 2, "{queues}");
    let cap = &queues[0]["cap"];
    assert_eq!(cap["queue"], "support", "{queues}");
    assert_eq!(
        (cap["max_live"].as_u64(), cap["live"].as_u64()),
        (Some(2), Some(2))
    );
    assert!(cap["refusals"].as_u64() >= Some(1), "{queues}");
    assert!(
        queues[1].get("cap").is_none(),
        "no cap, no cap shown: {queues}"
    );
    // Agent 2 took their one assignment of the hour.
    let two = agent_row(&s, &t, 2).await;
    assert_eq!(two["rate_limited"], true, "{two}");
    assert_eq!(two["recent_assignments"], 1, "{two}");
    assert_eq!(agent_row(&s, &t, 1).await["rate_limited"], false);

    // Agent 1 resolves theirs: a wrap-up that keeps its weight; the queue
    // has room again and agent 1, the only one not rate limited, takes
    // the next.
    let done = s
        .post(&format!("{t}/conversations/{ones}/resolve"), json!({}))
        .await;
    assert_eq!(done.status, 200, "{done:?}");
    let one = agent_row(&s, &t, 1).await;
    assert_eq!(one["in_wrap_up"], 1, "{one}");
    assert_eq!(one["live"], 1, "{one}");
    let queues = s.get(&format!("{t}/queues")).await.body;
    assert_eq!(queues[0]["waiting"], 1, "{queues}");
    assert_eq!(queues[0]["cap"]["live"], 2, "{queues}");
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
