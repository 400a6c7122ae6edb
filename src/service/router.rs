//! Every route of the service and the layers around them (see
//! [`auth`](super::auth) for the order of the key checks).

use super::app::App;
use super::auth::{admin_only, authenticate, metrics_guard, tenant_guard};
use super::config::ServiceConfig;
use super::error::ApiError;
use super::{admin, api, limits, observe, openapi, plan, plan_queries, queries, stream, workload};
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{Html, IntoResponse};
use axum::routing::{delete, get, post, put};
use axum::Router;
use std::sync::Arc;

/// The wallboard page (no build step: one HTML file with inline script).
/// It asks for a tenant key and sends it with every request.
pub const WALLBOARD: &str = include_str!("wallboard.html");

async fn wallboard() -> impl IntoResponse {
    Html(WALLBOARD)
}

/// The wallboard's last-hour chart (inline SVG drawn by this script; the
/// page loads it from the service itself, nothing from the network).
pub const WALLBOARD_CHART: &str = include_str!("wallboard_chart.js");

async fn wallboard_chart() -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/javascript; charset=utf-8",
        )],
        WALLBOARD_CHART,
    )
}

/// A tenant's routes (the admin or that tenant's keys).
fn tenant_routes() -> Router<Arc<App>> {
    use api::*;
    use queries::*;
    let t = "/api/tenants/{tenant}";
    let c = format!("{t}/conversations/{{conversation}}");
    Router::new()
        .route(&format!("{t}/agents"), post(add_agent).get(list_agents))
        .route(&format!("{t}/agents/{{agent}}"), get(get_agent))
        .route(&format!("{t}/agents/{{agent}}/inbox"), get(get_inbox))
        .route(&format!("{t}/agents/{{agent}}/status"), put(set_status))
        .route(&format!("{t}/agents/{{agent}}/capacity"), put(set_capacity))
        .route(&format!("{t}/conversations"), post(open_conversation))
        .route(&c, get(get_conversation))
        .route(&format!("{c}/customer_message"), post(customer_message))
        .route(&format!("{c}/agent_message"), post(agent_message))
        .route(&format!("{c}/seen"), post(mark_seen))
        .route(&format!("{c}/park"), post(park))
        .route(&format!("{c}/resolve"), post(resolve))
        .route(&format!("{c}/transfer"), post(transfer))
        .route(&format!("{c}/priority"), post(set_priority))
        .route(&format!("{c}/escalate"), post(escalate))
        .route(&format!("{c}/accept"), post(accept_offer))
        .route(&format!("{c}/decline"), post(decline_offer))
        .route(
            &format!("{t}/customers/{{customer}}/conversations"),
            get(customer_conversations),
        )
        .route(&format!("{t}/stats"), get(stats))
        .route(&format!("{t}/audit"), get(audit))
        .route(&format!("{t}/stream"), get(stream::sse))
        .merge(rule_routes())
        .route_layer(from_fn(tenant_guard))
}

/// A tenant's routing plan and workload rules (the admin or that tenant's
/// keys; [`tenant_routes`] guards them).
fn rule_routes() -> Router<Arc<App>> {
    use workload::*;
    let t = "/api/tenants/{tenant}";
    let a = format!("{t}/agents/{{agent}}");
    Router::new()
        .route(
            &format!("{t}/plan"),
            put(plan::put_plan)
                .get(plan::get_plan)
                .delete(plan::delete_plan),
        )
        .route(&format!("{t}/queues"), get(plan::list_queues))
        .route(&format!("{t}/history"), get(super::history::history))
        .route(
            &format!("{t}/conversations/{{conversation}}/explanation"),
            get(plan_queries::explain),
        )
        .route(
            &format!("{t}/conversations/{{conversation}}/position"),
            get(plan_queries::position),
        )
        .route(&format!("{t}/teams"), get(list_teams))
        .route(&format!("{t}/teams/{{team}}"), put(set_team))
        .route(
            &format!("{a}/channel_caps/{{channel}}"),
            put(set_channel_cap),
        )
        .route(
            &format!("{a}/channel_weights/{{channel}}"),
            put(super::channel_weight::set_channel_weight),
        )
        .route(&format!("{a}/rate_limit"), put(set_rate_limit))
        .route(&format!("{a}/pull_cap"), put(set_pull_cap))
        .route(&format!("{a}/pull"), post(pull_next))
        .route(
            &format!("{t}/conversations/{{conversation}}/end_wrap_up"),
            post(end_wrap_up),
        )
}

/// The admin's routes.
fn admin_routes() -> Router<Arc<App>> {
    use admin::*;
    Router::new()
        .route("/api/tenants", post(create_tenant).get(list_tenants))
        .route("/api/tenants/{tenant}", delete(delete_tenant))
        .route("/api/tenants/{tenant}/keys", post(issue_key).get(list_keys))
        .route("/api/keys/{key}", delete(revoke_key))
        .route_layer(from_fn(admin_only))
}

/// Every route, with `config`'s limits. Call within tokio (the rate
/// limiter starts a task).
pub fn router(app: Arc<App>, config: &ServiceConfig) -> Result<Router, String> {
    let keyed = tenant_routes()
        .merge(admin_routes())
        .route("/api/whoami", get(super::auth::whoami))
        // Route layers run outside in: authenticate, then the limiter
        // (keyed by the caller authenticate found), then the guards.
        .route_layer(limits::rate_limit(config.rate_limit)?)
        .route_layer(from_fn_with_state(Arc::clone(&app), authenticate));
    let mut router = Router::new()
        .route("/", get(wallboard))
        .route("/wallboard/chart.js", get(wallboard_chart))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/healthz", get(observe::healthz))
        .route("/readyz", get(observe::readyz))
        // Its own door (admin key, metrics key or none: `MetricsAccess`),
        // outside the per-key limiter: a scrape every few seconds.
        .route(
            "/metrics",
            get(observe::metrics).route_layer(from_fn_with_state(Arc::clone(&app), metrics_guard)),
        )
        .merge(keyed)
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "no_route",
                Some("path"),
                "no such endpoint: see GET /api/openapi.json",
            )
        })
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(from_fn_with_state(
            config.body_limit,
            limits::announced_length,
        ))
        .layer(from_fn_with_state(config.request_timeout, limits::timeout));
    if let Some(cors) = limits::cors(&config.cors_origins)? {
        router = router.layer(cors);
    }
    Ok(router.layer(from_fn(observe::access)).with_state(app))
}
