//! Who may call what. Three layers, outermost first:
//!
//! 1. [`authenticate`] reads `Authorization: Bearer <key>` and answers 401
//!    without a key or with one that is unknown or revoked (429 once the
//!    client address has failed too often, see
//!    [`auth_failures`](super::auth_failures)); otherwise the request
//!    carries its [`Caller`] on to the rate limiter and the route.
//! 2. The per-key rate limit ([`super::limits`]), keyed by the caller.
//! 3. [`admin_only`] on the admin routes (tenants, keys), and
//!    [`tenant_guard`] on a tenant's routes: the admin may act on any
//!    tenant, a tenant key on its own tenant only (403 otherwise, before
//!    the handler runs, so another tenant's existence is not revealed and
//!    nothing changes).
//!
//! `/metrics` has its own door, [`metrics_guard`]: the admin key, or what
//! [`MetricsAccess`] allows. The wallboard's page and script, `/healthz`,
//! `/readyz` and the OpenAPI document need no key.

use super::config::MetricsAccess;
use super::error::ApiError;
use super::keys::Caller;
use super::App;
use axum::extract::{ConnectInfo, RawPathParams, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// The key presented in `headers`, if any.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
}

/// A failed authentication: `error` (401), or 429 with `Retry-After` when
/// the client's address is past its budget of failures. A request without
/// a peer address (a router driven without a listener) is not counted.
fn refused(app: &App, req: &Request, error: ApiError) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>();
    match peer.map(|ConnectInfo(addr)| app.access.failures.failed(addr.ip())) {
        Some(Err(wait)) => super::limits::too_many_requests(
            "too_many_failed_authentications",
            format!("too many requests without a valid key from this address: retry in {wait} s"),
            wait,
        ),
        _ => error.into_response(),
    }
}

/// Layer 1: resolves the caller or answers 401 (429 past the failure
/// budget).
pub async fn authenticate(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let Some(presented) = bearer(req.headers()) else {
        return refused(&app, &req, ApiError::unauthenticated(true));
    };
    let Some(caller) = app.authenticate(presented) else {
        return refused(&app, &req, ApiError::unauthenticated(false));
    };
    req.extensions_mut().insert(caller.clone());
    let mut response = next.run(req).await;
    // For the access log, which sees only the response.
    response.extensions_mut().insert(caller);
    response
}

/// The caller [`authenticate`] found.
fn caller(req: &Request) -> Option<&Caller> {
    req.extensions().get::<Caller>()
}

/// Layer 3 on admin routes: the admin key only.
pub async fn admin_only(req: Request, next: Next) -> Response {
    match caller(&req) {
        Some(Caller::Admin) => next.run(req).await,
        Some(Caller::Tenant { .. }) => ApiError::forbidden(
            "this needs the admin key; a tenant key acts on its own tenant only",
        )
        .into_response(),
        None => ApiError::unauthenticated(true).into_response(),
    }
}

/// Layer 3 on a tenant's routes: the admin, or a key of that tenant.
pub async fn tenant_guard(params: RawPathParams, req: Request, next: Next) -> Response {
    let named = params
        .iter()
        .find(|(name, _)| *name == "tenant")
        .map(|(_, value)| value.to_owned());
    match (caller(&req), named) {
        (Some(Caller::Admin), _) => next.run(req).await,
        (Some(Caller::Tenant { tenant, .. }), Some(named)) if tenant.as_str() == named => {
            next.run(req).await
        }
        (Some(Caller::Tenant { .. }), _) => {
            ApiError::forbidden("this key acts on its own tenant only").into_response()
        }
        (None, _) => ApiError::unauthenticated(true).into_response(),
    }
}

/// `/metrics`'s door: open, or the admin key, or the metrics key, as
/// [`App::access`] says. A tenant key is 403; a missing or wrong key 401
/// and counted like any failed authentication.
pub async fn metrics_guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    if matches!(app.access.metrics, MetricsAccess::Open) {
        return next.run(req).await;
    }
    let Some(presented) = bearer(req.headers()) else {
        return refused(&app, &req, ApiError::unauthenticated(true));
    };
    if let MetricsAccess::Key(key) = &app.access.metrics {
        if key.matches(presented) {
            return next.run(req).await;
        }
    }
    match app.authenticate(presented) {
        Some(Caller::Admin) => next.run(req).await,
        Some(Caller::Tenant { .. }) => {
            ApiError::forbidden("/metrics needs the admin key or the metrics key").into_response()
        }
        None => refused(&app, &req, ApiError::unauthenticated(false)),
    }
}

/// Who a key is.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    /// `admin` or `tenant`.
    pub caller: &'static str,
    /// A tenant key's tenant.
    pub tenant: Option<String>,
    /// A tenant key's id.
    pub key: Option<String>,
}

/// `GET /api/whoami`: what the presented key is (the wallboard asks, to
/// open a tenant key's own tenant).
#[utoipa::path(get, path = "/api/whoami",
    responses((status = 200, body = WhoAmI), super::error::Refusals))]
pub async fn whoami(axum::Extension(caller): axum::Extension<Caller>) -> axum::Json<WhoAmI> {
    axum::Json(match caller {
        Caller::Admin => WhoAmI {
            caller: "admin",
            tenant: None,
            key: None,
        },
        Caller::Tenant { key, tenant } => WhoAmI {
            caller: "tenant",
            tenant: Some(tenant.to_string()),
            key: Some(key.to_string()),
        },
    })
}

/// The rate limiter's key: the caller [`authenticate`] found (every
/// request that reaches the limiter has one).
#[derive(Clone, Copy, Debug, Default)]
pub struct CallerKey;

impl tower_governor::key_extractor::KeyExtractor for CallerKey {
    type Key = String;

    fn extract<T>(
        &self,
        req: &axum::http::Request<T>,
    ) -> Result<Self::Key, tower_governor::GovernorError> {
        req.extensions()
            .get::<Caller>()
            .map(Caller::label)
            .ok_or(tower_governor::GovernorError::UnableToExtractKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bearer_key_is_read_whatever_the_scheme_case() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
