//! The OpenAPI description, generated from the handlers' annotations by
//! utoipa (never written by hand) and served at `GET /api/openapi.json`.

use super::{api, error, queries, stream};
use axum::Json;
use utoipa::OpenApi;

/// The service's API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "switchboard service",
        description = "Routing for messaging-first contact centres: commands, queries and the live decision stream of each tenant. Errors are JSON {error, field, message}: 400 malformed or invalid, 404 unknown id, 409 invalid transition or duplicate, 503 overloaded (retry after the Retry-After header)."
    ),
    paths(
        api::create_tenant,
        queries::list_tenants,
        api::add_agent,
        queries::list_agents,
        queries::get_agent,
        queries::get_inbox,
        api::set_status,
        api::set_capacity,
        api::open_conversation,
        queries::get_conversation,
        api::customer_message,
        api::agent_message,
        api::mark_seen,
        api::park,
        api::resolve,
        api::transfer,
        api::set_priority,
        api::escalate,
        api::accept_offer,
        api::decline_offer,
        queries::customer_conversations,
        queries::stats,
        queries::audit,
        stream::sse,
    ),
    components(schemas(error::ErrorBody))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
