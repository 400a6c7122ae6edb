//! The service as the service tests see it: the example's own router
//! (included with `#[path]`, so the tests check exactly what the example
//! serves) on a runtime, listening on 127.0.0.1, and a small JSON client.

#![allow(dead_code)] // Each test binary uses part of this harness.

#[path = "../../examples/service/app/mod.rs"]
#[allow(dead_code)] // Each test binary uses part of the service.
pub mod app;

use app::App;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use switchboard::runtime::{Clock, Runtime, RuntimeConfig, SystemClock};

/// A running service.
pub struct Service {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The shared state (tests read its tenants directly).
    pub app: Arc<App>,
    /// The runtime, shut down on drop.
    pub runtime: Option<Runtime>,
    /// The client.
    pub client: reqwest::Client,
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Off the async worker: shutdown joins the shard threads.
            std::thread::spawn(move || drop(runtime.shutdown()));
        }
    }
}

/// Starts a service on `config` (with the system clock) on a free port.
pub async fn start(config: RuntimeConfig) -> Service {
    start_with(config, Arc::new(SystemClock::new()), app::HUB_CAPACITY).await
}

/// Starts a service on `config` with `clock` and a hub of `hub` decisions.
pub async fn start_with(config: RuntimeConfig, clock: Arc<dyn Clock>, hub: usize) -> Service {
    let (runtime, _) = Runtime::start(config.clock(Arc::clone(&clock)), Vec::new()).unwrap();
    let app = App::with_hub_capacity(runtime.handle(), clock, hub);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app::router(Arc::clone(&app));
    tokio::spawn(async move { axum::serve(listener, router).await });
    Service {
        base: format!("http://{addr}"),
        app,
        runtime: Some(runtime),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
    }
}

/// An answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

impl Service {
    /// Sends `method path` with an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("the service answers");
        Self::answer(resp).await
    }

    /// Sends raw bytes with a content type.
    pub async fn raw(&self, method: &str, path: &str, content_type: &str, body: &str) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .expect("the service answers");
        Self::answer(resp).await
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
}

/// Reads Server-Sent Events from a streaming response.
pub struct Sse {
    resp: reqwest::Response,
    buf: String,
}

/// One event: `(event, id, data)`.
pub type Event = (String, Option<String>, String);

impl Sse {
    /// Opens `path`, with `Last-Event-ID` when given; panics unless 200.
    pub async fn open(service: &Service, path: &str, last: Option<&str>) -> Sse {
        let mut req = service.client.get(format!("{}{path}", service.base));
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
