//! The service's HTTP API on 127.0.0.1: tenants, every endpoint, offers,
//! and the fixtures the other HTTP files share. Every class of error is in
//! `service_http_refusals.rs`; the decision stream in `service_stream.rs`.

use crate::service_common;

use futures_util::StreamExt;
use serde_json::{json, Value};
use service_common::{start, Harness as Service};
use std::sync::Arc;

pub(super) fn agent(id: u64, cap: u32) -> Value {
    json!({"id": id, "skills": [{"skill": 7, "level": 5}], "cap": cap})
}

pub(super) fn conversation(id: u64, customer: u64) -> Value {
    json!({"id": id, "customer": customer, "channel": "whats_app", "skills": [{"skill": 7, "min_level": 3}]})
}

/// What a refused request must leave as it was: the tenant's record
/// counter and the views of the things it named.
pub(super) async fn snapshot(s: &Service, t: &str, paths: &[String]) -> Vec<Value> {
    let mut out = vec![s.get(&format!("{t}/stats")).await.body["last_record"].clone()];
    for p in paths {
        out.push(s.get(p).await.body);
    }
    out
}

/// Asserts `status`, `error` and `field` of a refusal, and that the
/// tenant's state at `watch` did not change.
pub(super) async fn refused(
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
    // Room reserved past the limits, or named wrong: refused, not created.
    for (reserve, field) in [
        (json!({"agents": 2_000_000}), "reserve"),
        (json!({"agentz": 10}), "reserve.agentz"),
    ] {
        let a = s
            .post("/api/tenants", json!({"id": "z", "reserve": reserve}))
            .await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (400, Some(field)),
            "{a:?}"
        );
    }
    let reserve = json!({"agents": 50, "conversations": 5000, "customers": 4000});
    let a = s
        .post("/api/tenants", json!({"id": "roomy", "reserve": reserve}))
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(s.delete("/api/tenants/roomy").await.status, 204);
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
