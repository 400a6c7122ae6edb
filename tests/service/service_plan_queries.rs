//! The explanation of a decision and a waiting conversation's position and
//! expected wait, over real HTTP on 127.0.0.1: the answers under a plan,
//! and each typed refusal (400 malformed id, 404 unknown conversation, 404
//! when the question does not apply, 401/403 for keys); and the attributes
//! and preferred agents a conversation is opened with, which the plan reads.

use crate::service_common;

use serde_json::{json, Value};
use service_common::{start_with, Harness};
use std::sync::Arc;
use switchboard::runtime::ManualClock;
use switchboard::{TimeSpan, Timestamp};

fn plan() -> Value {
    json!({
        "skills": {"support": 7},
        "queues": [{"name": "support", "hard": [{"skill": "support", "min_level": 1}]}],
        "routes": [{"name": "default",
                    "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "support"}]}]}]
    })
}

fn conversation(id: u64) -> Value {
    json!({"id": id, "customer": 100 + id, "channel": "whats_app",
           "skills": [{"skill": 7, "min_level": 3}]})
}

async fn tenant_with_plan(s: &Harness) -> String {
    let t = s.tenant("acme", json!({})).await;
    assert_eq!(s.put(&format!("{t}/plan"), plan()).await.status, 200);
    let agent = json!({"id": 1, "skills": [{"skill": 7, "level": 5}], "cap": 1});
    assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assigned_conversation_is_explained_with_its_route_queue_filters_and_tie_breaker() {
    let clock = ManualClock::new(Timestamp(1_000_000));
    let s = start_with(Arc::new(clock), 1024).await;
    let t = tenant_with_plan(&s).await;
    for c in [1, 2] {
        let opened = s.post(&format!("{t}/conversations"), conversation(c)).await;
        assert_eq!(opened.status, 201, "{opened:?}");
    }
    let why = s.get(&format!("{t}/conversations/1/explanation")).await;
    assert_eq!(why.status, 200, "{why:?}");
    assert_eq!(why.body["conversation"], 1);
    assert_eq!(why.body["agent"], 1);
    assert_eq!(why.body["route"], "default");
    assert_eq!(why.body["queue"], "support");
    assert_eq!(why.body["filters"]["skills"], 1, "{}", why.body);
    assert_eq!(why.body["filters"]["cooldown"], 1, "{}", why.body);
    assert_eq!(why.body["tie_breaker"], "only_candidate");

    // Conversation 2 waits: nothing to explain, and the code says so.
    let waiting = s.get(&format!("{t}/conversations/2/explanation")).await;
    assert_eq!(waiting.status, 404, "{waiting:?}");
    assert_eq!(waiting.body["error"], "not_with_an_agent");
    assert_eq!(waiting.body["field"], "conversation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_conversation_has_a_position_and_an_expected_wait_from_the_lines_recent_hand_overs(
) {
    let clock = ManualClock::new(Timestamp(1_000_000));
    let s = start_with(Arc::new(clock.clone()), 1024).await;
    let t = tenant_with_plan(&s).await;
    // One agent with room for one: conversation 1 is assigned, 2..=10 wait.
    for c in 1..=10 {
        assert_eq!(
            s.post(&format!("{t}/conversations"), conversation(c))
                .await
                .status,
            201
        );
    }
    let before = s.get(&format!("{t}/conversations/10/position")).await;
    assert_eq!(before.status, 200, "{before:?}");
    assert_eq!(before.body["position"], 9);
    assert_eq!(before.body["waiting"], 9);
    assert_eq!(
        before.body["expected_wait"],
        Value::Null,
        "no estimate before the line has served enough work"
    );
    // One resolve a minute: each hands the next waiting conversation over.
    for c in 1..=6 {
        clock.advance(TimeSpan(60_000));
        let done = s
            .post(&format!("{t}/conversations/{c}/resolve"), json!({}))
            .await;
        assert_eq!(done.status, 200, "{done:?}");
    }
    let now = s.get(&format!("{t}/conversations/10/position")).await;
    assert_eq!(now.status, 200, "{now:?}");
    assert_eq!(now.body["position"], 3, "{}", now.body);
    assert_eq!(now.body["waiting"], 3);
    let wait = &now.body["expected_wait"];
    assert_eq!(wait["method"], "recent_throughput", "{wait}");
    // Seven hand-overs: conversation 1 at the start, then one per resolve.
    assert_eq!(wait["samples"], 7, "{wait}");
    // One hand-over a minute, third in line: about three minutes.
    assert_eq!(wait["expected"], 180_000, "{wait}");
    assert!(wait["low"].as_u64() < wait["expected"].as_u64(), "{wait}");
    assert!(wait["high"].as_u64() > wait["expected"].as_u64(), "{wait}");

    // Conversation 7 is with the agent now: it has no position.
    let assigned = s.get(&format!("{t}/conversations/7/position")).await;
    assert_eq!(assigned.status, 404, "{assigned:?}");
    assert_eq!(assigned.body["error"], "not_waiting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_malformed_conversations_and_foreign_keys_are_refused_by_both_questions() {
    let s = start_with(Arc::new(ManualClock::new(Timestamp(0))), 1024).await;
    let t = tenant_with_plan(&s).await;
    s.tenant("other", json!({})).await;
    let (_, foreign) = s.issue("other").await;
    for question in ["explanation", "position"] {
        let unknown = s.get(&format!("{t}/conversations/999/{question}")).await;
        assert_eq!(unknown.status, 404, "{unknown:?}");
        assert_eq!(unknown.body["error"], "unknown_conversation");
        let malformed = s.get(&format!("{t}/conversations/abc/{question}")).await;
        assert_eq!(malformed.status, 400, "{malformed:?}");
        assert_eq!(malformed.body["field"], "conversation");
        let nobody = s
            .as_key(None)
            .get(&format!("{t}/conversations/1/{question}"))
            .await;
        assert_eq!(nobody.status, 401, "{nobody:?}");
        let other = s
            .as_key(Some(&foreign))
            .get(&format!("{t}/conversations/1/{question}"))
            .await;
        assert_eq!(other.status, 403, "{other:?}");
        let no_tenant = s
            .get(&format!("/api/tenants/nobody/conversations/1/{question}"))
            .await;
        assert_eq!(no_tenant.status, 404, "{no_tenant:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attributes_and_preferred_agents_given_over_http_steer_the_plan_and_bad_ones_are_named() {
    let s = start_with(Arc::new(ManualClock::new(Timestamp(1_000_000))), 1024).await;
    let t = s.tenant("acme", json!({})).await;
    let plan = json!({
        "skills": {"support": 7},
        "queues": [{"name": "billing", "hard": [{"skill": "support", "min_level": 1}]},
                   {"name": "support", "hard": [{"skill": "support", "min_level": 1}]}],
        "routes": [
            {"name": "billing", "when": "topic == \"billing\"",
             "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "billing"}]}]},
            {"name": "default",
             "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "support"}]}]}]
    });
    assert_eq!(s.put(&format!("{t}/plan"), plan).await.status, 200);
    for id in [1, 2] {
        let agent = json!({"id": id, "skills": [{"skill": 7, "level": 5}], "cap": 2});
        assert_eq!(s.post(&format!("{t}/agents"), agent).await.status, 201);
    }
    // The topic picks the billing route; the preferred agent 2 takes it.
    let mut open = conversation(1);
    open["attributes"] = json!({"topic": "billing"});
    open["preferred"] = json!([{"agent": 2, "score": 90}]);
    let opened = s.post(&format!("{t}/conversations"), open).await;
    assert_eq!(opened.status, 201, "{opened:?}");
    let why = s.get(&format!("{t}/conversations/1/explanation")).await;
    assert_eq!(why.status, 200, "{why:?}");
    assert_eq!(why.body["route"], "billing", "{}", why.body);
    assert_eq!(why.body["agent"], 2, "{}", why.body);
    assert_eq!(why.body["tie_breaker"], "not_by_rank", "{}", why.body);
    // Without attributes: the default route.
    let plain = s.post(&format!("{t}/conversations"), conversation(2)).await;
    assert_eq!(plain.status, 201, "{plain:?}");
    let why = s.get(&format!("{t}/conversations/2/explanation")).await;
    assert_eq!(why.body["route"], "default", "{}", why.body);

    // Too many preferred agents, and an attribute of the wrong shape: 400s
    // naming the field, and nothing opened.
    let mut crowded = conversation(3);
    crowded["preferred"] = (1..=21)
        .map(|a| json!({"agent": a, "score": 50}))
        .collect::<Vec<_>>()
        .into();
    let refused = s.post(&format!("{t}/conversations"), crowded).await;
    assert_eq!(refused.status, 400, "{refused:?}");
    assert_eq!(refused.body["field"], "preferred", "{}", refused.body);
    let mut odd = conversation(4);
    odd["attributes"] = json!({"topic": {"nested": true}});
    let refused = s.post(&format!("{t}/conversations"), odd).await;
    assert_eq!(refused.status, 400, "{refused:?}");
    for never in [3, 4] {
        let unknown = s.get(&format!("{t}/conversations/{never}/position")).await;
        assert_eq!(unknown.status, 404, "{unknown:?}");
        assert_eq!(unknown.body["error"], "unknown_conversation");
    }
}
