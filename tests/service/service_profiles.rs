//! Routing profiles over real HTTP on 127.0.0.1: a plan with profiles put
//! and read back whole, its work held from a profile agent for the delay,
//! and a bad profile refused with the field named (nothing changed).

use crate::service_common;

use serde_json::{json, Value};
use service_common::{decision_kinds, start};

fn plan(priority: u8) -> Value {
    json!({
        "queues": [{"name": "billing"}, {"name": "support"}],
        "routes": [
            {"name": "billing", "when": "topic == 'billing'",
             "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "billing"}]}]},
            {"name": "default",
             "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "support"}]}]}
        ],
        "profiles": [
            {"name": "billing_desk", "agents": [1],
             "queues": [{"queue": "billing", "priority": 1, "delay_ms": 0},
                        {"queue": "support", "priority": priority, "delay_ms": 600000}]}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_with_routing_profiles_is_put_read_enforced_and_a_bad_one_refused() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let agent = json!({"id": 1, "skills": [], "cap": 2});
    assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);

    let bad = s.put(&format!("{t}/plan"), plan(0)).await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(bad.body["error"], "invalid_plan");
    let problem = &bad.body["problems"][0];
    assert_eq!(problem["problem"], "bad_priority", "{problem}");
    assert_eq!(
        problem["field"], "profiles[0].queues[1].priority",
        "{problem}"
    );
    assert_eq!(s.get(&format!("{t}/plan")).await.status, 404);

    let put = s.put(&format!("{t}/plan"), plan(2)).await;
    assert_eq!(put.status, 200, "{put:?}");
    let read = s.get(&format!("{t}/plan")).await;
    assert_eq!(read.body["profiles"], plan(2)["profiles"]);

    // Support work waits ten minutes before it reaches agent 1: it queues.
    let conversation = json!({"id": 10, "customer": 100, "channel": "whats_app"});
    let opened = s.post(&format!("{t}/conversations"), conversation).await;
    assert_eq!(opened.status, 201, "{opened:?}");
    let kinds = decision_kinds(&opened.body);
    assert!(kinds.contains(&"queued".to_string()), "{kinds:?}");
    assert!(
        !kinds.iter().any(|k| k == "assigned" || k == "offered"),
        "{kinds:?}"
    );
}
