//! Every class of error over HTTP (malformed JSON, invalid fields, unknown
//! ids, duplicates, invalid transitions, overload), and a refused request
//! changes nothing.

use crate::service_common;

use super::service_http::*;
use serde_json::{json, Value};
use service_common::{start, start_runtime};
use std::sync::Arc;
use switchboard::runtime::RuntimeConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_invalid_bodies_name_the_field_and_change_nothing() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let a = s.post(&format!("{t}/agents"), agent(1, 2)).await;
    assert_eq!(a.status, 201, "{a:?}");
    let agents = format!("{t}/agents");
    let watch = [format!("{t}/agents"), format!("{t}/agents/1")];

    let a = s
        .raw("POST", &agents, "application/json", "{\"id\": 2,")
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (400, Some("malformed_json")),
        "{a:?}"
    );
    let a = s.raw("POST", &agents, "text/plain", "{}").await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("content-type"))
    );
    let a = s
        .raw(
            "POST",
            &agents,
            "application/json",
            "{\"id\": 2, \"cap\": 1} x",
        )
        .await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (400, Some("malformed_json")),
        "{a:?}"
    );

    let cases: Vec<(Value, &str)> = vec![
        (json!({"id": 2}), "cap"),
        (json!({"id": "two", "cap": 2}), "id"),
        (json!({"id": 2, "cap": 0}), "cap"),
        (json!({"id": 2, "cap": 4_294_967}), "cap"),
        (
            json!({"id": 2, "cap": 2, "skills": [{"skill": 7, "level": 11}]}),
            "skills[0].level",
        ),
        (
            json!({"id": 2, "cap": 2, "skills": [{"skill": 7, "level": 3}, {"skill": 7, "level": 4}]}),
            "skills",
        ),
        (json!({"id": 2, "cap": 2, "status": "asleep"}), "status"),
        (
            json!({"id": 2, "cap": 2, "channels": ["fax"]}),
            "channels[0]",
        ),
        (json!({"id": 2, "cap": 2, "colour": "red"}), "colour"),
    ];
    for (body, field) in cases {
        let a = s.post(&agents, body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {a:?}");
        assert!(
            a.body["field"].as_str().is_some_and(|f| f.contains(field))
                || a.body["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(field)),
            "{body}: {a:?} should name {field}"
        );
    }
    refused(
        &s,
        &t,
        &watch,
        ("POST", agents.clone(), Some(agent(1, 3))),
        (409, "duplicate_agent", Some("id")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        (
            "PUT",
            format!("{t}/agents/1/capacity"),
            Some(json!({"cap": 0})),
        ),
        (400, "invalid_field", Some("cap")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        (
            "PUT",
            format!("{t}/agents/x/status"),
            Some(json!({"status": "away"})),
        ),
        (400, "invalid_field", Some("agent")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("GET", format!("{t}/conversations/-1"), None),
        (400, "invalid_field", Some("conversation")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        (
            "POST",
            format!("{t}/conversations"),
            Some(json!({"id": 1, "customer": 1, "channel": "pigeon"})),
        ),
        (400, "invalid_field", Some("channel")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        (
            "POST",
            format!("{t}/conversations/1/transfer"),
            Some(json!({})),
        ),
        (400, "invalid_field", Some("agent")),
    )
    .await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_duplicates_and_invalid_transitions_are_refused_and_change_nothing() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    assert_eq!(
        s.post(&format!("{t}/agents"), agent(1, 1)).await.status,
        201
    );
    // Agent 2 lacks skill 7, so conversation 11 waits.
    let other = json!({"id": 2, "skills": [{"skill": 8, "level": 5}], "cap": 1});
    assert_eq!(s.post(&format!("{t}/agents"), other).await.status, 201);
    assert_eq!(
        s.post(&format!("{t}/conversations"), conversation(10, 100))
            .await
            .status,
        201
    );
    assert_eq!(
        s.post(&format!("{t}/conversations"), conversation(11, 101))
            .await
            .status,
        201
    );
    let watch = [
        format!("{t}/agents/1"),
        format!("{t}/agents/2"),
        format!("{t}/conversations/10"),
        format!("{t}/conversations/11"),
    ];
    let c = |id: u64, action: &str| format!("{t}/conversations/{id}/{action}");
    // 404: unknown ids.
    refused(
        &s,
        &t,
        &watch,
        ("GET", format!("{t}/agents/9"), None),
        (404, "unknown_agent", Some("agent")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("GET", format!("{t}/agents/9/inbox"), None),
        (404, "unknown_agent", Some("agent")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        (
            "PUT",
            format!("{t}/agents/9/status"),
            Some(json!({"status": "online"})),
        ),
        (404, "unknown_agent", Some("agent")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("GET", format!("{t}/conversations/99"), None),
        (404, "unknown_conversation", Some("conversation")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(99, "park"), Some(json!({}))),
        (404, "unknown_conversation", Some("conversation")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(10, "agent_message"), Some(json!({"agent": 9}))),
        (404, "unknown_agent", Some("agent")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        (
            "POST",
            "/api/tenants/nobody/conversations".into(),
            Some(conversation(1, 1)),
        ),
        (404, "unknown_tenant", Some("tenant")),
    )
    .await;
    // 409: duplicates.
    refused(
        &s,
        &t,
        &watch,
        (
            "POST",
            format!("{t}/conversations"),
            Some(conversation(10, 555)),
        ),
        (409, "duplicate_conversation", Some("conversation")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        (
            "POST",
            format!("{t}/conversations"),
            Some(conversation(12, 100)),
        ),
        (409, "customer_has_open_conversation", Some("customer")),
    )
    .await;
    // 409: invalid transitions. Conversation 10 is assigned to agent 1 and
    // 11 waits in the queue (agent 1 is full).
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(11, "park"), Some(json!({}))),
        (409, "invalid_transition", Some("conversation")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(10, "escalate"), Some(json!({}))),
        (409, "invalid_transition", Some("conversation")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(10, "transfer"), Some(json!({"agent": 1}))),
        (409, "already_with_agent", Some("to")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(11, "agent_message"), Some(json!({"agent": 1}))),
        (409, "invalid_transition", Some("conversation")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(10, "agent_message"), Some(json!({"agent": 2}))),
        (409, "not_owner", Some("agent")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(10, "transfer"), Some(json!({"agent": 2}))),
        (409, "not_eligible", Some("agent")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(10, "accept"), Some(json!({"agent": 1}))),
        (409, "invalid_transition", Some("conversation")),
    )
    .await;
    assert_eq!(s.post(&c(10, "resolve"), json!({})).await.status, 200);
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(10, "resolve"), Some(json!({}))),
        (409, "invalid_transition", Some("conversation")),
    )
    .await;
    refused(
        &s,
        &t,
        &watch,
        ("POST", c(10, "customer_message"), Some(json!({}))),
        (409, "invalid_transition", Some("conversation")),
    )
    .await;
    let a = s.get(&format!("{t}/audit")).await;
    assert_eq!(a.body["ok"], true, "{a:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_503_with_retry_after_and_nothing_else() {
    // One shard with room for one command: a burst of concurrent requests
    // overflows it.
    let s = start_runtime(
        RuntimeConfig::volatile()
            .shards(1)
            .batch_max(1)
            .queue_capacity(1),
    )
    .await;
    let t = s.tenant("acme", json!({})).await;
    let s = Arc::new(s);
    let mut overloaded = 0;
    let mut accepted = 0u64;
    for round in 0..20u64 {
        let tasks: Vec<_> = (0..64u64)
            .map(|i| {
                let s = Arc::clone(&s);
                let path = format!("{t}/agents");
                tokio::spawn(async move { s.post(&path, agent(round * 1000 + i, 1)).await })
            })
            .collect();
        for task in tasks {
            let a = task.await.unwrap();
            match a.status {
                201 => accepted += 1,
                503 => {
                    assert_eq!(a.body["error"], "overloaded", "{a:?}");
                    assert_eq!(a.retry_after.as_deref(), Some("1"));
                    overloaded += 1;
                }
                other => panic!("unexpected {other}: {a:?}"),
            }
        }
        if overloaded > 0 {
            break;
        }
    }
    assert!(overloaded > 0, "no request was refused for overload");
    // Exactly the accepted ones were applied.
    let a = s.get(&format!("{t}/agents")).await;
    assert_eq!(a.body.as_array().unwrap().len() as u64, accepted);
    assert_eq!(
        s.get(&format!("{t}/stats")).await.body["last_record"],
        accepted
    );
}
