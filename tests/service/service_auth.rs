//! Who may call what, over real HTTP on 127.0.0.1: every keyed endpoint
//! refuses a missing, wrong or revoked key (401) and another tenant's key
//! (403), and the admin's endpoints refuse tenant keys (403), each with the
//! state unchanged; the admin issues, lists and revokes keys and deletes
//! tenants. Overload is in `service_limits`, operators' views in `service_ops`.

use crate::service_common;

use serde_json::{json, Value};
use service_common::{start, Harness, Sse};
use std::collections::BTreeSet;
use std::time::Duration;

fn agent(id: u64, cap: u32) -> Value {
    json!({"id": id, "skills": [{"skill": 7, "level": 5}], "cap": cap})
}

fn conversation(id: u64, customer: u64) -> Value {
    json!({"id": id, "customer": customer, "channel": "whats_app", "skills": [{"skill": 7, "min_level": 3}]})
}

/// Every keyed route: `(method, template, body, admin only)`.
fn routes() -> Vec<(&'static str, &'static str, Option<Value>, bool)> {
    let t = None::<Value>;
    vec![
        (
            "POST",
            "/api/tenants",
            Some(json!({"id": "intruder"})),
            true,
        ),
        ("GET", "/api/tenants", t.clone(), true),
        ("DELETE", "/api/tenants/{tenant}", t.clone(), true),
        ("POST", "/api/tenants/{tenant}/keys", t.clone(), true),
        ("GET", "/api/tenants/{tenant}/keys", t.clone(), true),
        ("DELETE", "/api/keys/{key}", t.clone(), true),
        ("GET", "/metrics", t.clone(), true),
        (
            "POST",
            "/api/tenants/{tenant}/agents",
            Some(agent(9, 2)),
            false,
        ),
        ("GET", "/api/tenants/{tenant}/agents", t.clone(), false),
        (
            "GET",
            "/api/tenants/{tenant}/agents/{agent}",
            t.clone(),
            false,
        ),
        (
            "GET",
            "/api/tenants/{tenant}/agents/{agent}/inbox",
            t.clone(),
            false,
        ),
        (
            "PUT",
            "/api/tenants/{tenant}/agents/{agent}/status",
            Some(json!({"status": "away"})),
            false,
        ),
        (
            "PUT",
            "/api/tenants/{tenant}/agents/{agent}/capacity",
            Some(json!({"cap": 1})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations",
            Some(conversation(11, 101)),
            false,
        ),
        (
            "GET",
            "/api/tenants/{tenant}/conversations/{conversation}",
            t.clone(),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/customer_message",
            Some(json!({})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/agent_message",
            Some(json!({"agent": 1})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/seen",
            Some(json!({"agent": 1})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/park",
            Some(json!({})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/resolve",
            Some(json!({})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/transfer",
            Some(json!({"agent": 2})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/priority",
            Some(json!({"priority": "urgent"})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/escalate",
            Some(json!({})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/accept",
            Some(json!({"agent": 1})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/decline",
            Some(json!({"agent": 1})),
            false,
        ),
        (
            "GET",
            "/api/tenants/{tenant}/customers/{customer}/conversations",
            t.clone(),
            false,
        ),
        ("GET", "/api/tenants/{tenant}/stats", t.clone(), false),
        ("GET", "/api/tenants/{tenant}/audit", t.clone(), false),
        ("GET", "/api/tenants/{tenant}/stream", t.clone(), false),
        (
            "PUT",
            "/api/tenants/{tenant}/plan",
            Some(
                json!({"queues": [{"name": "all"}], "routes": [{"name": "default",
                "steps": [{"after_ms": 0, "actions": [{"do": "enter_queue", "queue": "all"}]}]}]}),
            ),
            false,
        ),
        ("GET", "/api/tenants/{tenant}/plan", t.clone(), false),
        ("DELETE", "/api/tenants/{tenant}/plan", t.clone(), false),
        ("GET", "/api/tenants/{tenant}/queues", t.clone(), false),
        ("GET", "/api/tenants/{tenant}/history", t.clone(), false),
        (
            "GET",
            "/api/tenants/{tenant}/conversations/{conversation}/explanation",
            t.clone(),
            false,
        ),
        (
            "GET",
            "/api/tenants/{tenant}/conversations/{conversation}/position",
            t.clone(),
            false,
        ),
        ("GET", "/api/tenants/{tenant}/teams", t.clone(), false),
        (
            "PUT",
            "/api/tenants/{tenant}/teams/{team}",
            Some(json!({"name": "blue", "members": [1], "max_live": 1})),
            false,
        ),
        (
            "PUT",
            "/api/tenants/{tenant}/agents/{agent}/channel_caps/{channel}",
            Some(json!({"max_live": 1})),
            false,
        ),
        (
            "PUT",
            "/api/tenants/{tenant}/agents/{agent}/channel_weights/{channel}",
            Some(json!({"weight": 500})),
            false,
        ),
        (
            "PUT",
            "/api/tenants/{tenant}/agents/{agent}/rate_limit",
            Some(json!({"limit": {"max": 1, "window": 60000}})),
            false,
        ),
        (
            "PUT",
            "/api/tenants/{tenant}/agents/{agent}/pull_cap",
            Some(json!({"pull_cap": 3})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/agents/{agent}/pull",
            Some(json!({})),
            false,
        ),
        (
            "POST",
            "/api/tenants/{tenant}/conversations/{conversation}/end_wrap_up",
            Some(json!({"agent": 1})),
            false,
        ),
    ]
}

/// What no refused request may change: both tenants' records, counters
/// and agents, the tenant list and the keys, as the admin reads them.
async fn state(s: &Harness) -> Vec<Value> {
    let mut out = vec![s.get("/api/tenants").await.body];
    for t in ["acme", "other"] {
        let stats = s.get(&format!("/api/tenants/{t}/stats")).await.body;
        out.push(stats["last_record"].clone());
        out.push(stats["engine"].clone());
        out.push(s.get(&format!("/api/tenants/{t}/agents")).await.body);
        out.push(s.get(&format!("/api/tenants/{t}/keys")).await.body);
        out.push(
            s.get(&format!("/api/tenants/{t}/conversations/10"))
                .await
                .body,
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_keyed_route_refuses_missing_wrong_revoked_and_other_tenants_keys_changing_nothing() {
    let s = start().await;
    for t in ["acme", "other"] {
        let p = s.tenant(t, json!({})).await;
        for a in [1, 2] {
            assert_eq!(
                s.post(&format!("{p}/agents"), agent(a, 1)).await.status,
                201
            );
        }
        assert_eq!(
            s.post(&format!("{p}/conversations"), conversation(10, 100))
                .await
                .status,
            201
        );
    }
    let (own_id, own) = s.issue("acme").await;
    let (revoked_id, revoked) = s.issue("acme").await;
    let (_, foreign) = s.issue("other").await;
    assert_eq!(
        s.delete(&format!("/api/keys/{revoked_id}")).await.status,
        204
    );
    // A wrong key: a made-up one, and the tenant's own key one digit off.
    let mut off_by_one = own.clone();
    let last = off_by_one.pop().unwrap();
    off_by_one.push(if last == '0' { '1' } else { '0' });

    // The table covers every keyed route the OpenAPI document declares.
    let doc = s.get("/api/openapi.json").await.body;
    let mut declared = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            if !public && path != "/api/whoami" {
                declared.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let table: BTreeSet<_> = routes()
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(table, declared, "the table and the document disagree");

    let before = state(&s).await;
    for (method, template, body, admin_only) in routes() {
        let path = template
            .replace("{tenant}", "acme")
            .replace("{agent}", "1")
            .replace("{conversation}", "10")
            .replace("{customer}", "100")
            .replace("{team}", "1")
            .replace("{channel}", "sms")
            .replace("{key}", &own_id);
        let mut cases = vec![
            (None, 401, "missing_key"),
            (Some("sbk_000000000000_0000"), 401, "invalid_key"),
            (Some("not-a-key-at-all"), 401, "invalid_key"),
            (Some(off_by_one.as_str()), 401, "invalid_key"),
            (Some(revoked.as_str()), 401, "invalid_key"),
            (Some(foreign.as_str()), 403, "forbidden"),
        ];
        if admin_only {
            cases.push((Some(own.as_str()), 403, "forbidden"));
        }
        for (key, status, code) in cases {
            let a = s.as_key(key).call(method, &path, body.clone()).await;
            assert_eq!(
                (a.status, a.body["error"].as_str()),
                (status, Some(code)),
                "{method} {path} with {key:?}: {a:?}"
            );
        }
    }
    assert_eq!(state(&s).await, before, "a refused request changed state");

    // The tenant's own key is served on its tenant.
    let own_key = s.as_key(Some(&own));
    assert_eq!(own_key.get("/api/tenants/acme/stats").await.status, 200);
    let mut stream = Sse::open(&own_key, "/api/tenants/acme/stream", None).await;
    assert_eq!(
        own_key
            .post("/api/tenants/acme/agents", agent(3, 1))
            .await
            .status,
        201
    );
    let (event, _, data) = stream
        .next(Duration::from_secs(10))
        .await
        .expect("its decisions");
    assert_eq!(event, "decision");
    assert!(data.contains("agent_added"), "{data}");
    let me = own_key.get("/api/whoami").await.body;
    assert_eq!(
        me,
        json!({"caller": "tenant", "tenant": "acme", "key": own_id})
    );
    for key in [None, Some(revoked.as_str()), Some("nope")] {
        assert_eq!(s.as_key(key).get("/api/whoami").await.status, 401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_listed_without_secrets_and_a_revoked_key_and_its_streams_are_refused_at_once() {
    let s = start().await;
    s.tenant("acme", json!({})).await;
    let (id, key) = s.issue("acme").await;
    assert!(key.starts_with(&format!("sbk_{id}_")), "{key}");
    let listed = s.get("/api/tenants/acme/keys").await.body;
    assert_eq!(listed, json!([{"id": id, "tenant": "acme"}]));
    assert!(!listed.to_string().contains(&key[17..]), "no secret listed");
    let k = s.as_key(Some(&key));
    assert_eq!(k.get("/api/tenants/acme/stats").await.status, 200);
    // Its open stream, and the admin's, beside another key's.
    let (_, other) = s.issue("acme").await;
    let mut revoked_stream = Sse::open(&k, "/api/tenants/acme/stream", None).await;
    let mut other_stream =
        Sse::open(&s.as_key(Some(&other)), "/api/tenants/acme/stream", None).await;
    let mut admin_stream = Sse::open(&s, "/api/tenants/acme/stream", None).await;
    assert_eq!(s.delete(&format!("/api/keys/{id}")).await.status, 204);
    assert_eq!(k.get("/api/tenants/acme/stats").await.status, 401);
    assert!(
        revoked_stream.ends(Duration::from_secs(10)).await,
        "a revoked key's stream ends"
    );
    assert!(
        !other_stream.ends(Duration::from_millis(300)).await,
        "another key's stays open"
    );
    assert!(
        !admin_stream.ends(Duration::from_millis(100)).await,
        "the admin's stays open"
    );
    let a = s.delete(&format!("/api/keys/{id}")).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (404, Some("unknown_key"))
    );
    assert_eq!(
        s.get("/api/tenants/acme/keys")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Keys of an unknown tenant: 404 for the admin.
    assert_eq!(
        s.post("/api/tenants/nobody/keys", Value::Null).await.status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_tenant_is_gone_with_its_keys_and_streams_and_can_be_created_anew() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    let (_, key) = s.issue("acme").await;
    assert_eq!(
        s.post(&format!("{t}/agents"), agent(1, 2)).await.status,
        201
    );
    let k = s.as_key(Some(&key));
    let mut stream = Sse::open(&k, &format!("{t}/stream"), None).await;
    assert_eq!(
        stream.next(Duration::from_secs(10)).await.unwrap().0,
        "decision"
    );

    assert_eq!(s.delete(&t).await.status, 204);
    assert!(
        stream.ends(Duration::from_secs(10)).await,
        "its stream ends"
    );
    assert_eq!(
        k.get(&format!("{t}/stats")).await.status,
        401,
        "its keys are revoked"
    );
    let a = s.get(&format!("{t}/stats")).await;
    assert_eq!(
        (a.status, a.body["error"].as_str()),
        (404, Some("unknown_tenant"))
    );
    assert_eq!(s.get("/api/tenants").await.body, json!([]));
    assert_eq!(s.delete(&t).await.status, 404);
    // The id is free again, for a new, empty tenant.
    s.tenant("acme", json!({})).await;
    assert_eq!(s.get(&format!("{t}/stats")).await.body["last_record"], 0);
}
