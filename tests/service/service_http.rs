//! The service's HTTP API on 127.0.0.1: every endpoint, every class of
//! error (malformed JSON, invalid fields, unknown ids, duplicates, invalid
//! transitions, overload), and a refused request changes nothing.

use crate::service_common;

use futures_util::StreamExt;
use serde_json::{json, Value};
use service_common::{start, start_runtime, start_with, Harness as Service, Sse};
use std::sync::Arc;
use std::time::Duration;
use switchboard::runtime::{ManualClock, RuntimeConfig};
use switchboard::{TimeSpan as Span, Timestamp};

fn agent(id: u64, cap: u32) -> Value {
    json!({"id": id, "skills": [{"skill": 7, "level": 5}], "cap": cap})
}

fn conversation(id: u64, customer: u64) -> Value {
    json!({"id": id, "customer": customer, "channel": "whats_app", "skills": [{"skill": 7, "min_level": 3}]})
}

/// What a refused request must leave as it was: the tenant's record
/// counter and the views of the things it named.
async fn snapshot(s: &Service, t: &str, paths: &[String]) -> Vec<Value> {
    let mut out = vec![s.get(&format!("{t}/stats")).await.body["last_record"].clone()];
    for p in paths {
        out.push(s.get(p).await.body);
    }
    out
}

/// Asserts `status`, `error` and `field` of a refusal, and that the
/// tenant's state at `watch` did not change.
async fn refused(
    s: &Service,
    t: &str,
    watch: &[String],
    request: (&str, String, Option<Value>),
    expect: (u16, &str, Option<&str>),
) {
    let before = snapshot(s, t, watch).await;
    let (method, path, body) = request;
    let a = s.call(method, &path, body).await;
    assert_eq!(a.status, expect.0, "{method} {path}: {a:?}");
    assert_eq!(a.body["error"], expect.1, "{method} {path}: {a:?}");
    if let Some(field) = expect.2 {
        assert_eq!(a.body["field"], field, "{method} {path}: {a:?}");
    }
    assert!(a.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        snapshot(s, t, watch).await,
        before,
        "{method} {path} changed state"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_created_listed_and_refused_with_reasons() {
    let s = start().await;
    let a = s.post("/api/tenants", json!({"id": "acme"})).await;
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(a.body["response_target_ms"], 600_000);
    let a = s.post("/api/tenants", json!({"id": "acme"})).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (409, Some("duplicate_tenant"))
    );
    let a = s.post("/api/tenants", json!({"id": "no spaces"})).await;
    assert_eq!((a.status, a.body["field"].as_str()), (400, Some("id")));
    let a = s
        .post("/api/tenants", json!({"id": "x", "policy": "coin_flip"}))
        .await;
    assert_eq!((a.status, a.body["field"].as_str()), (400, Some("policy")));
    let a = s
        .post(
            "/api/tenants",
            json!({"id": "y", "config": {"warn_at_permille": 1000}}),
        )
        .await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("config")),
        "{a:?}"
    );
    let a = s.get("/api/tenants").await;
    assert_eq!(
        a.body,
        json!([{"id": "acme", "response_target_ms": 600_000}])
    );
    let a = s.get("/api/tenants/nobody/stats").await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (404, Some("unknown_tenant"))
    );
    let a = s.get("/api/nowhere").await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (404, Some("no_route"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_creations_never_pass_the_tenant_limit() {
    let s = Arc::new(start().await);
    let limit = switchboard::service::app::MAX_TENANTS;
    // Twice the limit at once, 32 at a time: exactly `limit` are created.
    let answers: Vec<u16> = futures_util::stream::iter(0..2 * limit)
        .map(|i| {
            let s = Arc::clone(&s);
            async move {
                s.post("/api/tenants", json!({"id": format!("t{i}")}))
                    .await
                    .status
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let created = answers.iter().filter(|&&a| a == 201).count();
    let refused = answers.iter().filter(|&&a| a == 503).count();
    assert_eq!((created, refused), (limit, limit), "{answers:?}");
    let listed = s.get("/api/tenants").await.body;
    assert_eq!(listed.as_array().map(Vec::len), Some(limit));
}

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
async fn every_command_and_query_endpoint_works_over_http() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    for (id, cap) in [(1, 2), (2, 2)] {
        let a = s.post(&format!("{t}/agents"), agent(id, cap)).await;
        assert_eq!(a.status, 201);
        assert_eq!(a.body["decisions"][0]["kind"], "agent_added");
    }
    // A conversation arrives and is assigned at once.
    let a = s
        .post(&format!("{t}/conversations"), conversation(10, 100))
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    let kinds: Vec<&str> = a.body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"assigned"), "{kinds:?}");
    let c = s.get(&format!("{t}/conversations/10")).await;
    assert_eq!(c.status, 200);
    assert_eq!(c.body["message_status"], "delivered");
    let owner = c.body["state"]["agent"].as_u64().expect("assigned");
    let other = 3 - owner;

    let a = s.get(&format!("{t}/agents/{owner}/inbox")).await;
    assert_eq!(a.body[0]["conversation"], 10, "{a:?}");
    let a = s
        .post(
            &format!("{t}/conversations/10/seen"),
            json!({"agent": owner}),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        s.get(&format!("{t}/conversations/10")).await.body["message_status"],
        "seen"
    );
    let a = s
        .post(
            &format!("{t}/conversations/10/agent_message"),
            json!({"agent": owner}),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = s
        .post(&format!("{t}/conversations/10/park"), json!({}))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = s
        .post(&format!("{t}/conversations/10/customer_message"), json!({}))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = s
        .post(
            &format!("{t}/conversations/10/priority"),
            json!({"priority": "high"}),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = s
        .post(
            &format!("{t}/conversations/10/transfer"),
            json!({"agent": other}),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        s.get(&format!("{t}/conversations/10")).await.body["state"]["agent"],
        other
    );
    let a = s
        .post(
            &format!("{t}/conversations/10/transfer"),
            json!({"skills": [{"skill": 7, "min_level": 1}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = s.get(&format!("{t}/customers/100/conversations")).await;
    assert_eq!(a.body, json!([10]));
    let a = s
        .post(
            &format!("{t}/conversations/10/resolve"),
            json!({"reason": "solved"}),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        s.get(&format!("{t}/customers/100/conversations"))
            .await
            .body,
        json!([])
    );

    // The bot tier hands over.
    let a = s
        .post(
            &format!("{t}/conversations"),
            json!({"id": 11, "customer": 101, "channel": "sms", "start_in_bot": true}),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(
        s.get(&format!("{t}/conversations/11")).await.body["message_status"],
        "with_bot"
    );
    let a = s
        .post(
            &format!("{t}/conversations/11/escalate"),
            json!({"priority": "urgent"}),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");

    // Status and capacity.
    let a = s
        .put(&format!("{t}/agents/1/capacity"), json!({"cap": 5}))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = s
        .put(&format!("{t}/agents/2/status"), json!({"status": "away"}))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = s.get(&format!("{t}/agents")).await;
    let agents = a.body.as_array().unwrap();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0]["cap"], 5000);
    assert_eq!(agents[1]["status"], "away");
    let a = s.get(&format!("{t}/agents/1")).await;
    assert_eq!((a.status, &a.body["id"]), (200, &json!(1)));

    // Statistics and audit.
    let a = s.get(&format!("{t}/stats")).await;
    assert_eq!(a.status, 200);
    assert!(
        a.body["engine"]["assignments"].as_u64().unwrap() >= 2,
        "{a:?}"
    );
    assert_eq!(a.body["response_target_ms"], 600_000);
    assert!(a.body["groups"].as_array().is_some_and(|g| !g.is_empty()));
    let a = s.get(&format!("{t}/audit")).await;
    assert_eq!(a.body["ok"], true, "{a:?}");

    // The OpenAPI description lists every endpoint.
    let a = s.get("/api/openapi.json").await;
    assert_eq!(a.status, 200);
    let paths = a.body["paths"].as_object().unwrap();
    for p in [
        "/api/tenants",
        "/api/tenants/{tenant}/agents",
        "/api/tenants/{tenant}/agents/{agent}",
        "/api/tenants/{tenant}/agents/{agent}/inbox",
        "/api/tenants/{tenant}/agents/{agent}/status",
        "/api/tenants/{tenant}/agents/{agent}/capacity",
        "/api/tenants/{tenant}/conversations",
        "/api/tenants/{tenant}/conversations/{conversation}",
        "/api/tenants/{tenant}/conversations/{conversation}/customer_message",
        "/api/tenants/{tenant}/conversations/{conversation}/agent_message",
        "/api/tenants/{tenant}/conversations/{conversation}/seen",
        "/api/tenants/{tenant}/conversations/{conversation}/park",
        "/api/tenants/{tenant}/conversations/{conversation}/resolve",
        "/api/tenants/{tenant}/conversations/{conversation}/transfer",
        "/api/tenants/{tenant}/conversations/{conversation}/priority",
        "/api/tenants/{tenant}/conversations/{conversation}/escalate",
        "/api/tenants/{tenant}/conversations/{conversation}/accept",
        "/api/tenants/{tenant}/conversations/{conversation}/decline",
        "/api/tenants/{tenant}/customers/{customer}/conversations",
        "/api/tenants/{tenant}/stats",
        "/api/tenants/{tenant}/audit",
        "/api/tenants/{tenant}/stream",
    ] {
        assert!(paths.contains_key(p), "OpenAPI lacks {p}");
    }
    // The page is served.
    let page = s.client.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("EventSource"));
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
async fn offers_are_accepted_and_declined_over_http() {
    let s = start().await;
    let t = s.tenant("acme", json!({"offer_timeout": 60_000})).await;
    for id in [1, 2] {
        assert_eq!(
            s.post(&format!("{t}/agents"), agent(id, 2)).await.status,
            201
        );
    }
    let a = s
        .post(&format!("{t}/conversations"), conversation(10, 100))
        .await;
    let offered = a.body["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "offered")
        .cloned();
    let offered = offered.unwrap_or_else(|| panic!("an offer: {a:?}"));
    let first = offered["agent"].as_u64().unwrap();
    let a = s
        .post(
            &format!("{t}/conversations/10/accept"),
            json!({"agent": 3 - first}),
        )
        .await;
    assert_eq!(a.status, 409, "{a:?}");
    let a = s
        .post(
            &format!("{t}/conversations/10/decline"),
            json!({"agent": first}),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let c = s.get(&format!("{t}/conversations/10")).await;
    let second = c.body["state"]["agent"]
        .as_u64()
        .unwrap_or_else(|| panic!("{c:?}"));
    assert_ne!(second, first);
    let a = s
        .post(
            &format!("{t}/conversations/10/accept"),
            json!({"agent": second}),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        s.get(&format!("{t}/conversations/10")).await.body["state"]["agent"],
        second
    );
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

fn seq(id: &Option<String>) -> (u64, u32) {
    let (r, i) = id.as_deref().unwrap().split_once('.').unwrap();
    (r.parse().unwrap(), i.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_the_service_ends_every_open_stream() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let stream = format!("{t}/stream");
    let mut open = Sse::open(&s, &stream, None).await;
    assert_eq!(
        s.post(&format!("{t}/agents"), agent(1, 10)).await.status,
        201
    );
    let (event, _, _) = open.next(Duration::from_secs(10)).await.expect("live");
    assert_eq!(event, "decision");
    // Until the service stops, the stream stays open.
    assert!(!open.ends(Duration::from_millis(300)).await);
    s.service().app().close_streams();
    assert!(open.ends(Duration::from_secs(10)).await, "still open");
    // A stream opened while stopping ends at once, after its backlog.
    let mut late = Sse::open(&s, &stream, Some("0.0")).await;
    assert!(late.ends(Duration::from_secs(10)).await, "still open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_sends_every_decision_in_order_and_resumes_without_gaps() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let stream = format!("{t}/stream");
    let mut first = Sse::open(&s, &stream, None).await;
    assert_eq!(
        s.post(&format!("{t}/agents"), agent(1, 10)).await.status,
        201
    );
    let mut expected = 1; // agent_added
    for c in 0..5u64 {
        let a = s
            .post(&format!("{t}/conversations"), conversation(c, c))
            .await;
        expected += a.body["decisions"].as_array().unwrap().len();
    }
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let (event, id, data) = first
            .next(Duration::from_secs(10))
            .await
            .expect("a decision");
        assert_eq!(event, "decision");
        let body: Value = serde_json::from_str(&data).unwrap();
        assert_eq!(body["seq"].as_str(), id.as_deref());
        seen.push(seq(&id));
    }
    drop(first); // the client goes away after three decisions

    // More decisions while it is away.
    for c in 5..8u64 {
        let a = s
            .post(&format!("{t}/conversations"), conversation(c, c))
            .await;
        expected += a.body["decisions"].as_array().unwrap().len();
    }
    let last = format!("{}.{}", seen[2].0, seen[2].1);
    let mut again = Sse::open(&s, &stream, Some(&last)).await;
    while seen.len() < expected {
        let (event, id, _) = again.next(Duration::from_secs(10)).await.expect("the rest");
        assert_eq!(event, "decision");
        seen.push(seq(&id));
    }
    assert!(
        again.next(Duration::from_millis(300)).await.is_none(),
        "nothing repeated"
    );
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "in order, no repeat: {seen:?}"
    );
    // Records are contiguous: each command made at least one decision here.
    let records: std::collections::BTreeSet<u64> = seen.iter().map(|s| s.0).collect();
    assert_eq!(records, (1..=9).collect(), "no gap");

    // `?after=` does the same; a malformed one is refused.
    let mut after = Sse::open(&s, &format!("{stream}?after={last}"), None).await;
    let (_, id, _) = after.next(Duration::from_secs(10)).await.unwrap();
    assert_eq!(seq(&id), seen[3]);
    let a = s.get(&format!("{stream}?after=yesterday")).await;
    assert_eq!((a.status, a.body["field"].as_str()), (400, Some("after")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_resuming_past_what_the_hub_holds_is_told_it_lagged() {
    let clock = ManualClock::new(Timestamp(1_700_000_000_000));
    let s = start_with(Arc::new(clock.clone()), 4).await;
    let t = s.tenant("acme", json!({})).await;
    assert_eq!(
        s.post(&format!("{t}/agents"), agent(1, 10)).await.status,
        201
    );
    for c in 0..6u64 {
        assert_eq!(
            s.post(&format!("{t}/conversations"), conversation(c, c))
                .await
                .status,
            201
        );
    }
    // The hub's pump runs on its own: wait until it holds the last command's
    // decisions (record 7), so what follows is all in its ring.
    let hub = s.service().app().tenant("acme").unwrap().hub.clone();
    for _ in 0..1000 {
        if hub
            .resume(None)
            .backlog
            .last()
            .is_some_and(|(seq, _)| seq.record == 7)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut sse = Sse::open(&s, &format!("{t}/stream"), Some("1.0")).await;
    let (event, _, _) = sse.next(Duration::from_secs(10)).await.unwrap();
    assert_eq!(event, "lagged");
    let mut n = 0;
    while let Some((event, _, _)) = sse.next(Duration::from_millis(300)).await {
        assert_eq!(event, "decision");
        n += 1;
    }
    assert_eq!(n, 4, "then the four decisions the hub holds");
    // The clock moves: the SLA warning arrives live on the stream.
    clock.advance(Span::from_mins(9));
    let mut warned = false;
    for _ in 0..50 {
        match sse.next(Duration::from_secs(2)).await {
            Some((_, _, data)) if data.contains("sla_warning") => {
                warned = true;
                break;
            }
            Some(_) => {}
            None => break,
        }
    }
    assert!(warned, "an SLA warning on the stream");
}
