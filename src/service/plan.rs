//! A tenant's routing plan over HTTP: `PUT` loads or replaces it (as a
//! [`Command::set_plan`], so it is journaled and replayed like any
//! command), `GET` reads the plan in force, `DELETE` removes it. A plan
//! with errors is refused with a 400 whose `problems` name each error's
//! route, field and (for a condition) column, all at once; nothing
//! changes then.

use super::api::AcceptedBody;
use super::body::JsonBody;
use super::error::{ApiError, Refusals};
use super::App;
use crate::engine::QueueBoard;
use crate::plan::{Plan, PlanProblem, Severity};
use crate::Command;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// A plan refused for its problems (400).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanRefusedBody {
    /// Always `invalid_plan`.
    pub error: &'static str,
    /// Always `plan`.
    pub field: &'static str,
    /// How many errors, in words.
    pub message: String,
    /// Every problem (errors and warnings), in document order; each names
    /// its `problem` kind and, as it applies, `route`, `field`, `column`.
    #[schema(value_type = Vec<Object>)]
    pub problems: Vec<PlanProblem>,
}

/// A plan accepted: the command's record and decisions, and the warnings
/// it loaded with (a queue nobody in the roster can serve, ...).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanAcceptedBody {
    /// The command.
    #[serde(flatten)]
    pub accepted: AcceptedBody,
    /// Warnings, as `problems` reads in a refusal.
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<PlanProblem>,
}

/// Loads or replaces the tenant's routing plan (JSON, as
/// `schemas/plan.schema.json` describes). Waiting conversations keep their
/// age and are re-evaluated under the new plan at once.
#[utoipa::path(put, path = "/api/tenants/{tenant}/plan", request_body = Object,
    params(("tenant" = String, Path)),
    responses((status = 200, body = PlanAcceptedBody),
        (status = 400, body = PlanRefusedBody, description = "The plan's problems"), Refusals))]
pub async fn put_plan(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    JsonBody(plan): JsonBody<Plan>,
) -> Result<Response, ApiError> {
    let t = app.tenant(&tenant)?;
    let checked = plan.clone();
    let problems = t
        .handle
        .query(&t.id, move |e| e.check_plan(&checked))
        .await?;
    let errors = problems
        .iter()
        .filter(|p| p.severity() == Severity::Error)
        .count();
    if errors > 0 {
        let body = PlanRefusedBody {
            error: "invalid_plan",
            field: "plan",
            message: format!("the plan has {errors} error(s); nothing changed"),
            problems,
        };
        return Ok((StatusCode::BAD_REQUEST, Json(body)).into_response());
    }
    let accepted = t
        .handle
        .submit_async(&t.id, Command::set_plan(plan))
        .await?;
    let body = PlanAcceptedBody {
        accepted: accepted.into(),
        warnings: problems,
    };
    Ok(Json(body).into_response())
}

/// The tenant's routing plan in force (404 `no_plan` without one).
#[utoipa::path(get, path = "/api/tenants/{tenant}/plan",
    params(("tenant" = String, Path)),
    responses((status = 200, body = Object), Refusals))]
pub async fn get_plan(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<Json<Plan>, ApiError> {
    let t = app.tenant(&tenant)?;
    let plan = t.handle.query(&t.id, |e| e.plan().cloned()).await?;
    plan.map(Json).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_plan",
            Some("plan"),
            "the tenant has no routing plan: PUT one",
        )
    })
}

/// Removes the tenant's routing plan: conversations route by their skills
/// alone again.
#[utoipa::path(delete, path = "/api/tenants/{tenant}/plan",
    params(("tenant" = String, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn delete_plan(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<Json<AcceptedBody>, ApiError> {
    let t = app.tenant(&tenant)?;
    let accepted = t
        .handle
        .submit_async(&t.id, Command::set_plan(None::<Plan>))
        .await?;
    Ok(Json(accepted.into()))
}

/// The plan's queues by name, open or closed, with the work waiting in
/// each (what the wallboard shows); empty without a plan.
#[utoipa::path(get, path = "/api/tenants/{tenant}/queues",
    params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<Object>), Refusals))]
pub async fn list_queues(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<QueueBoard>>, ApiError> {
    let t = app.tenant(&tenant)?;
    Ok(Json(t.handle.query(&t.id, |e| e.queue_board()).await?))
}
