//! The service's doors that are not a key's own, over real HTTP on
//! 127.0.0.1: failed authentications limited per client address (429 with
//! `Retry-After`), and who may scrape `/metrics`.

use crate::service_common;

use serde_json::json;
use service_common::{config, start_config, ADMIN};
use std::time::Duration;
use switchboard::service::{AdminKey, MetricsAccess, RateLimit};

/// A metrics key as Prometheus would be given it.
const SCRAPER: &str = "prometheus-scrape-key-0123456789";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_wrong_keys_from_one_address_gets_429_while_valid_keys_are_served() {
    let mut c = config();
    c.auth_failure_limit = RateLimit {
        burst: 5,
        period: Duration::from_secs(60),
    };
    let s = start_config(c).await;
    let t = s.tenant("acme", json!({})).await;
    let (_, tenant_key) = s.issue("acme").await;
    let wrong = s.as_key(Some("not-a-key-of-this-service-at-all"));
    let anonymous = s.as_key(None);
    let before = s.get("/api/tenants").await.body;

    for i in 0..5 {
        let a = wrong.get(&format!("{t}/stats")).await;
        assert_eq!(
            (a.status, &a.body["error"]),
            (401, &json!("invalid_key")),
            "{i}: {a:?}"
        );
    }
    // The budget is spent: wrong and missing keys alike are 429, with a
    // wait, and change nothing.
    for who in [&wrong, &anonymous] {
        let a = who.post("/api/tenants", json!({"id": "intruder"})).await;
        assert_eq!(a.status, 429, "{a:?}");
        assert_eq!(a.body["error"], "too_many_failed_authentications", "{a:?}");
        let wait: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{a:?}");
    }
    assert_eq!(
        wrong.get("/metrics").await.status,
        429,
        "/metrics counts failures too"
    );
    // Valid keys from the same address are not slowed by it.
    assert_eq!(s.get("/api/tenants").await.status, 200);
    assert_eq!(
        s.as_key(Some(&tenant_key))
            .get(&format!("{t}/stats"))
            .await
            .status,
        200
    );
    assert_eq!(s.get("/api/tenants").await.body, before, "nothing changed");
    // Nor are the doors without a key.
    assert_eq!(anonymous.get("/healthz").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_admin_key_by_default() {
    let s = start_config(config()).await;
    s.tenant("acme", json!({})).await;
    let (_, tenant_key) = s.issue("acme").await;
    assert_eq!(s.as_key(None).get("/metrics").await.status, 401);
    assert_eq!(s.as_key(Some(SCRAPER)).get("/metrics").await.status, 401);
    assert_eq!(
        s.as_key(Some(&tenant_key)).get("/metrics").await.status,
        403
    );
    let text = scrape(&s.base, Some(ADMIN)).await;
    assert_eq!(text.0, 200);
    assert!(
        text.1.contains("switchboard_http_requests_total"),
        "{}",
        text.1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metrics_key_reads_metrics_and_nothing_else() {
    let mut c = config();
    c.metrics = MetricsAccess::Key(AdminKey::new(SCRAPER).unwrap());
    let s = start_config(c).await;
    s.tenant("acme", json!({})).await;
    let (_, tenant_key) = s.issue("acme").await;
    assert_eq!(scrape(&s.base, Some(SCRAPER)).await.0, 200);
    assert_eq!(scrape(&s.base, Some(ADMIN)).await.0, 200, "the admin too");
    let scraper = s.as_key(Some(SCRAPER));
    for path in ["/api/tenants", "/api/tenants/acme/stats", "/api/whoami"] {
        assert_eq!(scraper.get(path).await.status, 401, "{path}");
    }
    assert_eq!(s.as_key(None).get("/metrics").await.status, 401);
    assert_eq!(
        s.as_key(Some(&tenant_key)).get("/metrics").await.status,
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_metrics_need_no_key_and_open_nothing_else() {
    let mut c = config();
    c.metrics = MetricsAccess::Open;
    let s = start_config(c).await;
    assert_eq!(scrape(&s.base, None).await.0, 200);
    assert_eq!(s.as_key(None).get("/api/tenants").await.status, 401);
}

/// `GET /metrics` as Prometheus sends it: status and text.
async fn scrape(base: &str, key: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(format!("{base}/metrics"));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let resp = req.send().await.expect("the service answers");
    let status = resp.status().as_u16();
    if status == 200 {
        let kind = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(kind.starts_with("text/plain"), "{kind}");
    }
    (status, resp.text().await.unwrap())
}
