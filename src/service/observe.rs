//! What an operator watches: an access log line per request through
//! `tracing` (target `switchboard::access`: method, route, status,
//! latency, caller), HTTP counters and latencies beside the runtime's own
//! metrics on `GET /metrics` (Prometheus text; the admin key, or what
//! [`MetricsAccess`](super::MetricsAccess) allows), and the probes
//! `GET /healthz` (the process serves) and `GET /readyz` (the runtime
//! takes commands and the service is not stopping).
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `switchboard_http_requests_total` | counter | method, route, status |
//! | `switchboard_http_request_seconds` | histogram | method, route |
//!
//! The route is the matched template (`/api/tenants/{tenant}/stats`), so
//! the label set stays bounded whatever the paths requested.

use super::keys::Caller;
use super::App;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder as the process's `metrics` recorder,
/// once (the runtime registers its metrics when it starts, so call this
/// first). `None` when the host installed another recorder: `/metrics`
/// then answers 503 and the host exports the metrics its own way.
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|()| handle)
        })
        .as_ref()
}

/// Logs and counts every request.
pub async fn access(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let response = next.run(req).await;
    let latency = started.elapsed();
    let status = response.status().as_u16();
    let caller = response
        .extensions()
        .get::<Caller>()
        .map_or_else(|| "-".to_owned(), Caller::label);
    metrics::counter!("switchboard_http_requests_total",
        "method" => method.to_string(), "route" => route.clone(), "status" => status.to_string())
    .increment(1);
    metrics::histogram!("switchboard_http_request_seconds",
        "method" => method.to_string(), "route" => route.clone())
    .record(latency.as_secs_f64());
    tracing::info!(
        target: "switchboard::access",
        method = %method,
        path = %path,
        route = %route,
        status,
        latency_ms = latency.as_secs_f64() * 1000.0,
        caller = %caller,
        "request"
    );
    response
}

/// `GET /metrics`: the runtime's and the HTTP metrics, Prometheus text.
#[utoipa::path(get, path = "/metrics",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
        super::error::Refusals))]
pub async fn metrics() -> Response {
    match prometheus() {
        Some(handle) => {
            // Histograms are summarised on demand.
            handle.run_upkeep();
            (
                [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                handle.render(),
            )
                .into_response()
        }
        None => super::error::ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics_unavailable",
            None,
            "another metrics recorder is installed in this process",
        )
        .into_response(),
    }
}

/// A probe's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Probe {
    /// `ok`, or why not.
    pub status: &'static str,
}

/// `GET /healthz`: the process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", security(()), responses((status = 200, body = Probe)))]
pub async fn healthz() -> Json<Probe> {
    Json(Probe { status: "ok" })
}

/// `GET /readyz`: the runtime answers and the service is not stopping.
#[utoipa::path(get, path = "/readyz", security(()), responses((status = 200, body = Probe), (status = 503, body = Probe)))]
pub async fn readyz(State(app): State<Arc<App>>) -> (StatusCode, Json<Probe>) {
    let unready = |status| (StatusCode::SERVICE_UNAVAILABLE, Json(Probe { status }));
    if *app.closing.borrow() {
        return unready("stopping");
    }
    match app.handle.shard_stats(0).await {
        Ok(_) => (StatusCode::OK, Json(Probe { status: "ok" })),
        Err(_) => unready("runtime_unavailable"),
    }
}
