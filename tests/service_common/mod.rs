//! The service as the service tests see it: `switchboard::service` bound
//! in-process on 127.0.0.1 (what `switchboard serve` runs), and a small
//! JSON client that sends a key with each request (the admin key unless a
//! test says otherwise).

#![allow(dead_code)] // Each test binary uses part of this harness.

use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard::runtime::{Clock, RuntimeConfig, ShutdownReport};
use switchboard::service::{AdminKey, RateLimit, Service, ServiceConfig};

/// The admin key of every test service.
pub const ADMIN: &str = "test-admin-key-0123456789abcdef";

/// A running service and a client.
pub struct Harness {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The service; stopped on drop, or by [`Harness::stop`].
    pub service: Option<Service>,
    /// The client.
    pub client: reqwest::Client,
    /// The key sent by [`Harness::call`] and its shorthands.
    pub key: Option<String>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let (Some(service), Ok(rt)) =
            (self.service.take(), tokio::runtime::Handle::try_current())
        {
            rt.spawn(service.shutdown());
        }
    }
}

/// A test service's configuration: in memory, two shards, the admin key
/// [`ADMIN`], any free port, and rate limits (per key, and on failed
/// authentications per address: every test calls from 127.0.0.1) no
/// functional test reaches (the rate-limit tests set their own).
pub fn config() -> ServiceConfig {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut c = ServiceConfig::in_memory(addr, AdminKey::new(ADMIN).unwrap());
    c.rate_limit = RateLimit {
        burst: 1_000_000,
        period: Duration::from_micros(1),
    };
    c.auth_failure_limit = c.rate_limit;
    c
}

/// Starts an in-memory service.
pub async fn start() -> Harness {
    start_config(config()).await
}

/// Starts an in-memory service on `runtime` (shards, queues).
pub async fn start_runtime(runtime: RuntimeConfig) -> Harness {
    let mut c = config();
    c.runtime = runtime;
    start_config(c).await
}

/// Starts an in-memory service with `clock` and a hub of `hub` decisions.
pub async fn start_with(clock: Arc<dyn Clock>, hub: usize) -> Harness {
    let mut c = config();
    c.runtime = c.runtime.clock(clock);
    c.hub_capacity = hub;
    start_config(c).await
}

/// Starts a service on `config`.
pub async fn start_config(config: ServiceConfig) -> Harness {
    let service = Service::bind(config).await.expect("the service starts");
    Harness {
        base: service.base_url(),
        service: Some(service),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        key: Some(ADMIN.to_owned()),
    }
}

/// An answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

impl Harness {
    /// The running service.
    pub fn service(&self) -> &Service {
        self.service.as_ref().expect("running")
    }

    /// Stops the service (drain and sync) and reports.
    pub async fn stop(mut self) -> ShutdownReport {
        self.service.take().expect("running").shutdown().await
    }

    /// The same harness sending `key` (`None`: no key at all).
    pub fn as_key(&self, key: Option<&str>) -> Harness {
        Harness {
            base: self.base.clone(),
            service: None,
            client: self.client.clone(),
            key: key.map(str::to_owned),
        }
    }

    fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let req = self.client.request(method, format!("{}{path}", self.base));
        match &self.key {
            Some(key) => req.bearer_auth(key),
            None => req,
        }
    }

    /// Sends `method path` with an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("the service answers");
        Self::answer(resp).await
    }

    /// Sends raw bytes with a content type.
    pub async fn raw(&self, method: &str, path: &str, content_type: &str, body: &str) -> Answer {
        self.try_raw(method, path, content_type, body)
            .await
            .expect("the service answers")
    }

    /// [`raw`](Self::raw), with the transport error when the request could
    /// not be sent whole (a server that refuses a body past its limit may
    /// answer and close while the client is still writing it).
    #[allow(dead_code)] // Not every test binary sends oversized bodies.
    pub async fn try_raw(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> Result<Answer, reqwest::Error> {
        let resp = self
            .request(method, path)
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await?;
        Ok(Self::answer(resp).await)
    }

    async fn answer(resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.text().await.unwrap_or_default();
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            retry_after,
        }
    }

    /// `GET`.
    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None).await
    }

    /// `POST` with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(body)).await
    }

    /// `PUT` with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call("PUT", path, Some(body)).await
    }

    /// `DELETE`.
    pub async fn delete(&self, path: &str) -> Answer {
        self.call("DELETE", path, None).await
    }

    /// Creates tenant `id` with `config` and expects 201.
    pub async fn tenant(&self, id: &str, config: Value) -> String {
        let a = self
            .post(
                "/api/tenants",
                serde_json::json!({"id": id, "config": config}),
            )
            .await;
        assert_eq!(a.status, 201, "{a:?}");
        format!("/api/tenants/{id}")
    }

    /// Issues a key for `tenant` (admin) and returns `(id, key)`.
    pub async fn issue(&self, tenant: &str) -> (String, String) {
        let a = self
            .post(&format!("/api/tenants/{tenant}/keys"), Value::Null)
            .await;
        assert_eq!(a.status, 201, "{a:?}");
        (
            a.body["id"].as_str().unwrap().to_owned(),
            a.body["key"].as_str().unwrap().to_owned(),
        )
    }
}

/// Reads Server-Sent Events from a streaming response.
pub struct Sse {
    resp: reqwest::Response,
    buf: String,
}

/// One event: `(event, id, data)`.
pub type Event = (String, Option<String>, String);

impl Sse {
    /// Opens `path` with the harness's key, with `Last-Event-ID` when
    /// given; panics unless 200.
    pub async fn open(h: &Harness, path: &str, last: Option<&str>) -> Sse {
        let mut req = h.request("GET", path);
        if let Some(last) = last {
            req = req.header("last-event-id", last);
        }
        let resp = req.timeout(Duration::from_secs(3600)).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        Sse {
            resp,
            buf: String::new(),
        }
    }

    /// Whether the server ends the stream within `wait` (events before
    /// the end are skipped).
    pub async fn ends(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Ok(Ok(None)) => return true,
                Ok(Ok(Some(_))) => continue,
                Ok(Err(_)) | Err(_) => return false,
            }
        }
    }

    /// The next event (comments skipped), or `None` after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Event> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut event, mut id, mut data) = (String::from("message"), None, Vec::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.trim_start().to_owned());
                    }
                }
                if data.is_empty() && id.is_none() {
                    continue; // a keep-alive comment
                }
                return Some((event, id, data.join("\n")));
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .ok()?;
            let bytes = chunk.ok()??;
            self.buf.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
}

/// The kinds of the decisions an accepted command's answer lists.
pub fn decision_kinds(body: &serde_json::Value) -> Vec<String> {
    body["decisions"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|d| d["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
