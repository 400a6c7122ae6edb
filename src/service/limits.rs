//! The limits every keyed request passes: a rate limit per key
//! (tower_governor's GCRA, keyed by the caller; 429 with `Retry-After`),
//! the CORS policy (none unless origins are configured), and a body
//! announced past the size limit refused before it is sent. A body without
//! a length is cut off at the limit as it is read (axum's
//! `DefaultBodyLimit`, 413 from the JSON extractor). The request timeout
//! ([`timeout`], 503 with a JSON body) is on the router (see `router.rs`).

use super::auth::CallerKey;
use super::config::RateLimit;
use super::error::ApiError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::middleware::NoOpMiddleware;
use governor::DefaultKeyedRateLimiter;
use std::hash::Hash;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How often the limiter forgets keys idle long enough to have a full
/// burst again (revoked keys' entries among them), so its map holds only
/// recent callers.
pub const FORGET_IDLE_EVERY: Duration = Duration::from_secs(60);

/// The limiter layer for `limit`. Spawns the task that forgets idle keys
/// (it ends when the layer is dropped), so call it within tokio.
pub fn rate_limit(
    limit: RateLimit,
) -> Result<GovernorLayer<CallerKey, NoOpMiddleware<governor::clock::QuantaInstant>, Body>, String>
{
    let config = GovernorConfigBuilder::default()
        .key_extractor(CallerKey)
        .period(limit.period)
        .burst_size(limit.burst)
        .finish()
        .ok_or_else(|| "the rate limit needs a burst and a period above zero".to_owned())?;
    let config = Arc::new(config);
    forget_idle(Arc::downgrade(config.limiter()));
    Ok(GovernorLayer::new(config).error_handler(refusal))
}

/// Every [`FORGET_IDLE_EVERY`], makes `limiter` forget the keys whose
/// budget is full again, so its map holds only recent callers. The task
/// ends when the limiter is dropped. Call within tokio.
pub fn forget_idle<K>(limiter: Weak<DefaultKeyedRateLimiter<K>>)
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
{
    tokio::spawn(async move {
        let mut every = tokio::time::interval(FORGET_IDLE_EVERY);
        loop {
            every.tick().await;
            let Some(limiter) = limiter.upgrade() else {
                return;
            };
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    });
}

/// The limiter's refusals as the service's JSON errors.
fn refusal(error: GovernorError) -> Response {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => {
            let wait = wait_time.max(1);
            too_many_requests(
                "rate_limited",
                format!("this key sent too many requests: retry in {wait} s"),
                wait,
            )
        }
        other => ApiError::internal(other.to_string()).into_response(),
    }
}

/// 429 with `code`, naming the `authorization` header, and `Retry-After:
/// wait` (seconds).
pub fn too_many_requests(code: &'static str, message: String, wait: u64) -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        code,
        Some("authorization"),
        message,
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}

/// Answers 503 with the service's JSON error (`timeout`, and `Retry-After`
/// as every 503) when the inner service has not produced a response
/// within `limit`. A response counts when its head is ready, so an event
/// stream's time counts only until its first byte.
pub async fn timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            None,
            format!(
                "the request took longer than the service's {} ms: retry later",
                limit.as_millis()
            ),
        )
        .into_response(),
    }
}

/// CORS for `origins` (`None` when empty: no CORS headers at all, so
/// browsers keep other sites' pages from calling).
pub fn cors(origins: &[String]) -> Result<Option<CorsLayer>, String> {
    if origins.is_empty() {
        return Ok(None);
    }
    let origins = origins
        .iter()
        .map(|o| HeaderValue::from_str(o).map_err(|_| format!("bad CORS origin {o:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                "last-event-id".parse().expect("a header name"),
            ]),
    ))
}

/// Refuses (413) a request whose `Content-Length` is past `limit` at once,
/// without waiting for a body it will not read.
pub async fn announced_length(State(limit): State<usize>, req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return ApiError::too_large().into_response();
    }
    next.run(req).await
}
