//! Routing plans and workload rules over real HTTP on 127.0.0.1: a plan
//! put, read, refused with its route, field and column (nothing changed),
//! and removed; teams, channel caps, rate limits, pulls and the end of a
//! wrap-up, each a command answered with its decisions.

use crate::service_common;

use serde_json::{json, Value};
use service_common::{start, Harness};

fn agent(id: u64, cap: u32) -> Value {
    json!({"id": id, "skills": [{"skill": 7, "level": 5}], "cap": cap})
}

fn conversation(id: u64, customer: u64) -> Value {
    json!({"id": id, "customer": customer, "channel": "whats_app", "skills": [{"skill": 7, "min_level": 3}]})
}

fn plan(when: &str) -> Value {
    json!({
        "skills": {"support": 7},
        "queues": [{"name": "support", "soft": [{"skill": "support", "min_level": 5}]},
                   {"name": "general"}],
        "routes": [
            {"name": "vip", "when": when,
             "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "support"}]},
                       {"after_ms": 60000, "actions": [{"do": "add_queue", "queue": "general"}]}]},
            {"name": "default",
             "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "general"}]}]}
        ]
    })
}

/// The kinds of the decisions an accepted command caused.
fn kinds(body: &Value) -> Vec<String> {
    body["decisions"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|d| d["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn last_record(s: &Harness, t: &str) -> Value {
    s.get(&format!("{t}/stats")).await.body["last_record"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_put_read_refused_with_route_field_and_column_and_removed() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let mut away = agent(1, 2);
    away["status"] = json!("away");
    assert_eq!(s.post(&format!("{t}/agents"), away).await.status, 201);

    let before = last_record(&s, &t).await;
    let bad = s.put(&format!("{t}/plan"), plan("tier == ")).await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(bad.body["error"], "invalid_plan");
    let problem = &bad.body["problems"][0];
    assert_eq!(problem["route"], "vip", "{problem}");
    assert_eq!(problem["field"], "routes[0].when", "{problem}");
    assert!(
        problem["column"].as_u64().is_some_and(|c| c > 1),
        "{problem}"
    );
    assert_eq!(
        last_record(&s, &t).await,
        before,
        "a refused plan changed nothing"
    );
    let none = s.get(&format!("{t}/plan")).await;
    assert_eq!(
        (none.status, none.body["error"].as_str()),
        (404, Some("no_plan"))
    );

    let good = plan("tier == \"vip\"");
    let put = s.put(&format!("{t}/plan"), good.clone()).await;
    assert_eq!(put.status, 200, "{put:?}");
    assert!(
        kinds(&put.body).contains(&"plan_changed".to_string()),
        "{put:?}"
    );
    let read = s.get(&format!("{t}/plan")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["routes"][0]["when"], "tier == \"vip\"");
    assert_eq!(read.body["queues"][0]["name"], "support");

    let opened = s
        .post(&format!("{t}/conversations"), conversation(10, 100))
        .await;
    assert_eq!(opened.status, 201);
    assert!(
        kinds(&opened.body).contains(&"step_entered".to_string()),
        "{opened:?}"
    );
    // The wallboard's view: the plan's queues by name, open, and the
    // conversation waiting in the default route's queue (agent 1 is away).
    let queues = s.get(&format!("{t}/queues")).await.body;
    assert_eq!(queues[0]["name"], "support");
    assert_eq!(queues[1]["name"], "general");
    assert_eq!(queues[1]["open"], true);
    assert_eq!(queues[1]["waiting"], 1, "{queues}");
    assert_eq!(queues[0]["waiting"], 0, "{queues}");

    assert_eq!(s.delete(&format!("{t}/plan")).await.status, 200);
    assert_eq!(s.get(&format!("{t}/plan")).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_channel_caps_rate_limits_pulls_and_wrap_up_end_are_commands() {
    let s = start().await;
    let wrap_up = json!({"workload": {"wrap_up": {"whats_app":
        {"mode": "optional", "time": 600000, "hold_permille": 1000}}}});
    let t = s.tenant("acme", wrap_up).await;
    for a in [1, 2] {
        assert_eq!(
            s.post(&format!("{t}/agents"), agent(a, 2)).await.status,
            201
        );
    }

    let team = s
        .put(
            &format!("{t}/teams/1"),
            json!({"name": "blue", "members": [1, 2], "max_live": 1}),
        )
        .await;
    assert_eq!(team.status, 200, "{team:?}");
    assert!(
        kinds(&team.body).contains(&"team_set".to_string()),
        "{team:?}"
    );
    let teams = s.get(&format!("{t}/teams")).await.body;
    assert_eq!(teams[0]["name"], "blue");
    assert_eq!(teams[0]["max_live"], 1);

    let cap = s
        .put(
            &format!("{t}/agents/1/channel_caps/whats_app"),
            json!({"max_live": 1}),
        )
        .await;
    assert!(
        kinds(&cap.body).contains(&"channel_cap_changed".to_string()),
        "{cap:?}"
    );
    let bad = s
        .put(
            &format!("{t}/agents/1/channel_caps/pigeon"),
            json!({"max_live": 1}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("channel"))
    );
    let weight = s
        .put(
            &format!("{t}/agents/1/channel_weights/whats_app"),
            json!({"weight": 500}),
        )
        .await;
    assert!(
        kinds(&weight.body).contains(&"channel_weight_changed".to_string()),
        "{weight:?}"
    );
    let bad = s
        .put(
            &format!("{t}/agents/1/channel_weights/whats_app"),
            json!({"weight": 0}),
        )
        .await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("weight"))
    );
    let rate = s
        .put(
            &format!("{t}/agents/2/rate_limit"),
            json!({"limit": {"max": 5, "window": 3600000}}),
        )
        .await;
    assert!(
        kinds(&rate.body).contains(&"rate_limit_set".to_string()),
        "{rate:?}"
    );

    // The team's cap of one: the first conversation is assigned, the
    // second waits.
    let first = s
        .post(&format!("{t}/conversations"), conversation(10, 100))
        .await;
    assert!(
        kinds(&first.body).contains(&"assigned".to_string()),
        "{first:?}"
    );
    let holder = first.body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "assigned")
        .unwrap()["agent"]
        .as_u64()
        .unwrap();
    let second = s
        .post(&format!("{t}/conversations"), conversation(11, 101))
        .await;
    assert!(
        !kinds(&second.body).contains(&"assigned".to_string()),
        "{second:?}"
    );

    // Resolving starts a wrap-up that keeps the weight; ending it early
    // frees it.
    let resolved = s
        .post(&format!("{t}/conversations/10/resolve"), json!({}))
        .await;
    assert!(
        kinds(&resolved.body).contains(&"wrap_up_started".to_string()),
        "{resolved:?}"
    );
    let ended = s
        .post(
            &format!("{t}/conversations/10/end_wrap_up"),
            json!({"agent": holder}),
        )
        .await;
    assert_eq!(ended.status, 200, "{ended:?}");
    assert!(
        kinds(&ended.body).contains(&"wrap_up_ended".to_string()),
        "{ended:?}"
    );

    // Pulling with nothing eligible is a decision, not an error.
    assert_eq!(
        s.put(&format!("{t}/agents/2/pull_cap"), json!({"pull_cap": 3}))
            .await
            .status,
        200
    );
    let pulled = s.post(&format!("{t}/agents/2/pull"), json!({})).await;
    assert_eq!(pulled.status, 200, "{pulled:?}");
    // Conversation 11 went out when the team freed room: nothing waits.
    assert_eq!(kinds(&pulled.body), ["nothing_to_pull"], "{pulled:?}");
    assert_eq!(
        pulled.body["decisions"][0]["reason"], "nothing_eligible",
        "{pulled:?}"
    );
}
