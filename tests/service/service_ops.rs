//! What operators read, over real HTTP on 127.0.0.1: the probes, the
//! metrics, the OpenAPI security scheme, the CORS policy and the structured
//! access log.

use crate::service_common;

use serde_json::{json, Value};
use service_common::{config, start, start_config, Harness, ADMIN};

fn agent(id: u64, cap: u32) -> Value {
    json!({"id": id, "skills": [{"skill": 7, "level": 5}], "cap": cap})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_metrics_and_the_openapi_security_scheme() {
    let s = start().await;
    let t = s.tenant("acme", json!({})).await;
    assert_eq!(
        s.post(&format!("{t}/agents"), agent(1, 2)).await.status,
        201
    );
    let (_, key) = s.issue("acme").await;
    let anonymous = s.as_key(None);
    assert_eq!(
        anonymous.get("/healthz").await.body,
        json!({"status": "ok"})
    );
    assert_eq!(anonymous.get("/readyz").await.status, 200);
    assert_eq!(anonymous.get("/metrics").await.status, 401);
    assert_eq!(s.as_key(Some(&key)).get("/metrics").await.status, 403);
    let text = s
        .client
        .get(format!("{}/metrics", s.base))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("switchboard_http_requests_total"), "{text}");
    assert!(
        text.contains("route=\"/api/tenants/{tenant}/agents\""),
        "{text}"
    );
    assert!(
        text.contains("switchboard_commands_total"),
        "runtime metrics too: {text}"
    );

    let doc = anonymous.get("/api/openapi.json").await.body;
    let scheme = &doc["components"]["securitySchemes"]["api_key"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["scheme"].as_str()),
        (Some("http"), Some("bearer")),
        "{scheme}"
    );
    assert_eq!(doc["security"], json!([{"api_key": []}]));
    let add_agent = &doc["paths"]["/api/tenants/{tenant}/agents"]["post"]["responses"];
    for code in [
        "201", "400", "401", "403", "404", "409", "413", "429", "503",
    ] {
        assert!(add_agent.get(code).is_some(), "{code} missing: {add_agent}");
    }
    assert_eq!(doc["paths"]["/healthz"]["get"]["security"], json!([{}]));

    s.service().app().close_streams();
    assert_eq!(
        anonymous.get("/readyz").await.status,
        503,
        "not ready while stopping"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_off_unless_origins_are_configured() {
    let preflight = |h: &Harness| {
        h.client
            .request(reqwest::Method::OPTIONS, format!("{}/api/tenants", h.base))
            .header("origin", "https://ops.example")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let s = start().await;
    let a = preflight(&s).await.unwrap();
    assert!(
        a.headers().get("access-control-allow-origin").is_none(),
        "{a:?}"
    );
    let mut c = config();
    c.cors_origins = vec!["https://ops.example".into()];
    let s = start_config(c).await;
    let a = preflight(&s).await.unwrap();
    assert_eq!(
        a.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://ops.example")
    );
}

/// A writer the test reads back.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_leaves_a_structured_access_log_line() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let s = start().await;
    // A tenant no other test of the binary names: their requests are logged
    // to the same subscriber.
    s.tenant("accesslog", json!({})).await;
    assert_eq!(
        s.as_key(None)
            .get("/api/tenants/accesslog/stats")
            .await
            .status,
        401
    );
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["target"] == "switchboard::access")
        .collect();
    let created = lines
        .iter()
        .find(|l| l["fields"]["route"] == "/api/tenants" && l["fields"]["status"] == 201)
        .unwrap_or_else(|| panic!("no line for the creation: {text}"));
    assert_eq!(created["fields"]["caller"], "admin");
    assert_eq!(created["fields"]["method"], "POST");
    assert!(created["fields"]["latency_ms"].as_f64().is_some());
    let refused = lines
        .iter()
        .find(|l| l["fields"]["path"] == "/api/tenants/accesslog/stats")
        .unwrap_or_else(|| panic!("no line for the refusal: {text}"));
    assert_eq!(refused["fields"]["status"], 401);
    assert_eq!(refused["fields"]["route"], "/api/tenants/{tenant}/stats");
    assert_eq!(refused["fields"]["caller"], "-");
}
