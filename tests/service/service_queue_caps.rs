//! A routing-plan queue's cap on live conversations over real HTTP on
//! 127.0.0.1: the plan put with `max_live` is enforced (work past the cap
//! queues), the explanation names the queue level passed, and a cap out
//! of range is refused with the field named (nothing changed).

use crate::service_common;

use serde_json::{json, Value};
use service_common::{decision_kinds, start};

fn plan(max_live: u64) -> Value {
    json!({
        "queues": [{"name": "vip", "max_live": max_live}, {"name": "general"}],
        "routes": [
            {"name": "vip", "when": "topic == 'vip'",
             "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "vip"}]}]},
            {"name": "default",
             "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "general"}]}]}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_queue_cap_is_put_enforced_explained_and_a_bad_one_refused() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let agent = json!({"id": 1, "skills": [], "cap": 5});
    assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);

    let bad = s.put(&format!("{t}/plan"), plan(10_000_001)).await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(bad.body["error"], "invalid_plan");
    let problem = &bad.body["problems"][0];
    assert_eq!(problem["problem"], "live_cap_too_large", "{problem}");
    assert_eq!(problem["field"], "queues[0].max_live", "{problem}");
    assert_eq!(s.get(&format!("{t}/plan")).await.status, 404);

    let put = s.put(&format!("{t}/plan"), plan(1)).await;
    assert_eq!(put.status, 200, "{put:?}");
    let read = s.get(&format!("{t}/plan")).await;
    assert_eq!(read.body["queues"][0]["max_live"], 1, "{read:?}");

    let vip = |id: u64| {
        json!({"id": id, "customer": 100 + id, "channel": "whats_app",
               "attributes": {"topic": "vip"}})
    };
    let first = s.post(&format!("{t}/conversations"), vip(10)).await;
    assert_eq!(first.status, 201, "{first:?}");
    assert!(decision_kinds(&first.body).contains(&"assigned".to_string()));
    let second = s.post(&format!("{t}/conversations"), vip(11)).await;
    assert_eq!(second.status, 201, "{second:?}");
    let kinds = decision_kinds(&second.body);
    assert!(kinds.contains(&"queued".to_string()), "{kinds:?}");
    assert!(!kinds.iter().any(|k| k == "assigned"), "{kinds:?}");

    let why = s.get(&format!("{t}/conversations/10/explanation")).await;
    assert_eq!(why.status, 200, "{why:?}");
    let cap = &why.body["queue_cap"];
    assert_eq!(cap["queue"], "vip", "{why:?}");
    assert_eq!(
        (cap["max_live"].as_u64(), cap["live"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(cap["refusals"].as_u64(), Some(1));
}
