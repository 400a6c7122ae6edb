//! Two questions about one conversation, over HTTP: why it is with its
//! agent ([`Engine::explain`](crate::Engine::explain)) and where it stands
//! in its line with how long it should still wait
//! ([`Engine::queue_position`](crate::Engine::queue_position)). Each is one
//! short read on the tenant's shard, computed when asked (nothing is kept
//! per decision for them).
//!
//! Errors: a malformed conversation id is 400 `invalid_id`, an unknown one
//! 404 `unknown_conversation`; a known conversation the question does not
//! apply to is 404 too, with its own code (`not_with_an_agent`,
//! `not_waiting`), so a client tells "no such conversation" from "no
//! answer for it now".

use super::body::path_id;
use super::error::{ApiError, Refusals};
use super::App;
use crate::engine::{Explanation, QueuePosition};
use crate::ConversationId;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use std::sync::Arc;

/// Why the conversation is with its agent: route and step, how many of its
/// pool's agents pass each filter (skills, status, room, cool-down), the
/// policy's rank of the agent and of the runner-up, and the tie-breaker.
/// 404 `not_with_an_agent` when it is neither offered nor assigned.
#[utoipa::path(get, path = "/api/tenants/{tenant}/conversations/{conversation}/explanation",
    params(("tenant" = String, Path), ("conversation" = u64, Path)),
    responses((status = 200, body = Object), Refusals))]
pub async fn explain(
    State(app): State<Arc<App>>,
    Path((tenant, raw)): Path<(String, String)>,
) -> Result<Json<Explanation>, ApiError> {
    let id = ConversationId(path_id("conversation", &raw)?);
    let t = app.tenant(&tenant)?;
    let answer = t.handle.query(&t.id, move |e| e.explain(id)).await?;
    answer.map_err(ApiError::from)?.map(Json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_with_an_agent",
            Some("conversation"),
            format!("{id} is neither offered nor assigned: nothing to explain"),
        )
    })
}

/// Where the waiting conversation stands: its position in its line (1 is
/// served next), the line's length, and an expected wait with a range and
/// the method (absent below the minimum of recent hand-overs). 404
/// `not_waiting` when it is not waiting in a line (with an agent, waiting
/// for one agent in particular, with the bot, resolved).
#[utoipa::path(get, path = "/api/tenants/{tenant}/conversations/{conversation}/position",
    params(("tenant" = String, Path), ("conversation" = u64, Path)),
    responses((status = 200, body = Object), Refusals))]
pub async fn position(
    State(app): State<Arc<App>>,
    Path((tenant, raw)): Path<(String, String)>,
) -> Result<Json<QueuePosition>, ApiError> {
    let id = ConversationId(path_id("conversation", &raw)?);
    let t = app.tenant(&tenant)?;
    let answer = t.handle.query(&t.id, move |e| e.queue_position(id)).await?;
    answer.map_err(ApiError::from)?.map(Json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_waiting",
            Some("conversation"),
            format!("{id} is not waiting in a line: it has no position"),
        )
    })
}
