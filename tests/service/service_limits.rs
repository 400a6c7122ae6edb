//! Overload over real HTTP on 127.0.0.1: an oversized body gets 413, a
//! flood from one key 429 while other keys are served, and a request past
//! the timeout a JSON 503; each refusal changes nothing.

use crate::service_common;

use serde_json::{json, Value};
use service_common::{config, start_config, Harness, ADMIN};
use std::time::Duration;

/// Sends only the head of a request announcing a `length`-byte body and
/// reads the answer: the service must refuse it without reading a body
/// that is never sent. (Sending the body too would race the refusal: a
/// server that closes with unread bytes resets the connection.)
async fn announce(h: &Harness, path: &str, key: &str, length: usize) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = h.base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf))
            .await
            .expect("an answer without the body")
            .unwrap_or(0);
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            if let Ok(json) = serde_json::from_str::<Value>(body) {
                let status = head[9..12].parse().unwrap();
                return (status, json);
            }
        }
        assert!(n > 0, "closed before a whole answer: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_gets_413_and_changes_nothing() {
    let mut c = config();
    c.body_limit = 16 * 1024;
    let s = start_config(c).await;
    let t = s.tenant("acme", json!({})).await;
    let (_, key) = s.issue("acme").await;
    let k = s.as_key(Some(&key));
    for (who, path) in [
        (key.as_str(), format!("{t}/agents")),
        (ADMIN, "/api/tenants".to_owned()),
    ] {
        let (status, body) = announce(&s, &path, who, 50 << 20).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (413, Some("body_too_large")),
            "{path}: {body}"
        );
    }
    // A body sent without a length is cut off at the limit too.
    let big = format!(
        "{{\"id\": 1, \"cap\": 1, \"pad\": \"{}\"}}",
        "x".repeat(20 * 1024)
    );
    let chunks: Vec<Result<String, std::io::Error>> = vec![Ok(big)];
    let a = s
        .client
        .post(format!("{}{t}/agents", s.base))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    if let Ok(a) = a {
        // (Or the connection was reset under the unread rest.)
        assert_eq!(a.status().as_u16(), 413);
    }
    // Just under the limit is read (and refused for its unknown field).
    let small = format!(
        "{{\"id\": 1, \"cap\": 1, \"pad\": \"{}\"}}",
        "x".repeat(8 * 1024)
    );
    let a = k
        .raw("POST", &format!("{t}/agents"), "application/json", &small)
        .await;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (400, Some("pad")),
        "{a:?}"
    );
    assert_eq!(s.get(&format!("{t}/stats")).await.body["last_record"], 0);
    assert_eq!(
        s.get("/api/tenants").await.body.as_array().unwrap().len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_key_gets_429_with_retry_after_while_another_key_is_served() {
    let mut c = config();
    c.rate_limit = switchboard::service::RateLimit {
        burst: 5,
        period: Duration::from_secs(2),
    };
    let s = start_config(c).await;
    let t = s.tenant("acme", json!({})).await;
    let (_, flood) = s.issue("acme").await;
    let (_, calm) = s.issue("acme").await;
    let flood = s.as_key(Some(&flood));
    let mut answers = Vec::new();
    for _ in 0..20 {
        answers.push(flood.get(&format!("{t}/stats")).await);
    }
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let limited: Vec<_> = answers.iter().filter(|a| a.status == 429).collect();
    assert!((5..=6).contains(&ok), "the burst is served: {ok}");
    assert_eq!(ok + limited.len(), 20);
    for a in &limited {
        assert_eq!(a.body["error"], "rate_limited", "{a:?}");
        let wait: u64 = a.retry_after.as_deref().unwrap().parse().unwrap();
        assert!((1..=2).contains(&wait), "{a:?}");
    }
    // Another key is served meanwhile.
    assert_eq!(
        s.as_key(Some(&calm))
            .get(&format!("{t}/stats"))
            .await
            .status,
        200
    );
    // And the admin, too (a key of its own).
    assert_eq!(s.get("/api/tenants").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_timeout_gets_a_json_503_and_a_quick_one_is_served() {
    let mut c = config();
    c.runtime = c.runtime.shards(1);
    c.request_timeout = Duration::from_millis(200);
    let s = start_config(c).await;
    s.tenant("acme", json!({})).await;
    // The one shard is busy for a second and a half: a request that asks
    // it (the readiness probe) is cut off at 200 ms; one that answers at
    // once is not.
    let handle = s.service().app().handle.clone();
    let acme = switchboard::runtime::TenantId::new("acme").unwrap();
    let busy = tokio::spawn(async move {
        handle
            .query(&acme, |_| std::thread::sleep(Duration::from_millis(1500)))
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    let a = s.get("/readyz").await;
    assert_eq!(
        (a.status, &a.body["error"]),
        (503, &json!("timeout")),
        "cut off with the JSON error every refusal has, not the probe's own 503: {a:?}"
    );
    assert_eq!(a.retry_after.as_deref(), Some("1"), "{a:?}");
    assert!(
        a.body["message"].as_str().unwrap().contains("200 ms"),
        "{a:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(s.get("/healthz").await.status, 200);
    busy.await.unwrap().unwrap();
    assert_eq!(s.get("/readyz").await.status, 200);
}
