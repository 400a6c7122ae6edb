//! The OpenAPI description, generated from the handlers' annotations by
//! utoipa (never written by hand) and served at `GET /api/openapi.json`.
//! Every endpoint needs an API key (the `api_key` bearer scheme) except
//! the probes and this document, which declare no security.

use super::{
    admin, api, channel_weight, error, observe, plan, plan_queries, queries, stream, workload,
};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Declares the bearer scheme the `security` requirements name.
#[derive(Debug)]
pub struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("switchboard API key")
                    .description(Some(
                        "The admin key (given to the service at start) or a tenant key (POST /api/tenants/{tenant}/keys), as `Authorization: Bearer <key>`. A tenant key acts on its own tenant only.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The service's API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "switchboard service",
        description = "Routing for messaging-first contact centres: commands, queries and the live decision stream of each tenant. Every endpoint but the probes and this document needs an API key: the admin key creates tenants and issues their keys; a tenant key acts on its own tenant only. Errors are JSON {error, field, message}: 400 malformed or invalid, 401 no valid key, 403 a key that may not do this, 404 unknown id, 409 invalid transition or duplicate, 413 body too large, 429 rate limited and 503 overloaded (retry after the Retry-After header)."
    ),
    modifiers(&BearerKey),
    security(("api_key" = [])),
    paths(
        admin::create_tenant,
        admin::list_tenants,
        admin::delete_tenant,
        admin::issue_key,
        admin::list_keys,
        admin::revoke_key,
        super::auth::whoami,
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
        plan::put_plan,
        plan::get_plan,
        plan::delete_plan,
        plan::list_queues,
        plan_queries::explain,
        plan_queries::position,
        super::history::history,
        workload::list_teams,
        workload::set_team,
        workload::set_channel_cap,
        channel_weight::set_channel_weight,
        workload::set_rate_limit,
        workload::set_pull_cap,
        workload::pull_next,
        workload::end_wrap_up,
        observe::metrics,
        observe::healthz,
        observe::readyz,
    ),
    components(schemas(error::ErrorBody))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
