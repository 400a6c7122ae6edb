//! Query endpoints: each runs one short read on the tenant's shard
//! ([`RuntimeHandle::query`](crate::runtime::RuntimeHandle::query))
//! and answers with what the engine sees now.

use super::body::path_id;
use super::error::{ApiError, Refusals};
use super::App;
use crate::{
    AgentId, AgentInfo, AgentStats, ConversationId, ConversationInfo, CustomerId, EngineStats,
    GroupStats, InboxEntry,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// Most agents listed by one query (the wallboard's bound).
pub const MAX_LISTED_AGENTS: usize = 10_000;

fn not_found(code: &'static str, field: &str, what: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, code, Some(field), what)
}

/// The statistics of the first [`MAX_LISTED_AGENTS`] agents `engine`
/// holds, in registration order: a bounded walk of its agent slab.
fn listed_agents(engine: &crate::Engine) -> Vec<AgentStats> {
    engine
        .agent_ids()
        .take(MAX_LISTED_AGENTS)
        .filter_map(|a| engine.agent_stats(a).ok())
        .collect()
}

/// Real-time statistics of the tenant's agents, in registration order
/// (the first [`MAX_LISTED_AGENTS`]), whether registered through the
/// service, by a simulation or before a restart: one read of the engine
/// ([`Engine::agent_ids`](crate::Engine::agent_ids)) on its shard.
#[utoipa::path(get, path = "/api/tenants/{tenant}/agents", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<Object>), Refusals))]
pub async fn list_agents(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<AgentStats>>, ApiError> {
    let t = app.tenant(&tenant)?;
    let stats = t.handle.query(&t.id, listed_agents).await?;
    Ok(Json(stats))
}

/// One agent.
#[utoipa::path(get, path = "/api/tenants/{tenant}/agents/{agent}",
    params(("tenant" = String, Path), ("agent" = u64, Path)),
    responses((status = 200, body = Object), Refusals))]
pub async fn get_agent(
    State(app): State<Arc<App>>,
    Path((tenant, agent)): Path<(String, String)>,
) -> Result<Json<AgentInfo>, ApiError> {
    let id = AgentId(path_id("agent", &agent)?);
    let t = app.tenant(&tenant)?;
    let info = t.handle.query(&t.id, move |e| e.agent(id)).await?;
    let info = info.map_err(|_| not_found("unknown_agent", "agent", format!("unknown {id}")))?;
    Ok(Json(info))
}

/// An agent's live threads in working order.
#[utoipa::path(get, path = "/api/tenants/{tenant}/agents/{agent}/inbox",
    params(("tenant" = String, Path), ("agent" = u64, Path)),
    responses((status = 200, body = Vec<Object>), Refusals))]
pub async fn get_inbox(
    State(app): State<Arc<App>>,
    Path((tenant, agent)): Path<(String, String)>,
) -> Result<Json<Vec<InboxEntry>>, ApiError> {
    let id = AgentId(path_id("agent", &agent)?);
    let t = app.tenant(&tenant)?;
    let inbox = t.handle.query(&t.id, move |e| e.inbox(id)).await?;
    let inbox = inbox.map_err(ApiError::from)?;
    Ok(Json(inbox))
}

/// One conversation, with its true message status.
#[utoipa::path(get, path = "/api/tenants/{tenant}/conversations/{conversation}",
    params(("tenant" = String, Path), ("conversation" = u64, Path)),
    responses((status = 200, body = Object), Refusals))]
pub async fn get_conversation(
    State(app): State<Arc<App>>,
    Path((tenant, raw)): Path<(String, String)>,
) -> Result<Json<ConversationInfo>, ApiError> {
    let id = ConversationId(path_id("conversation", &raw)?);
    let t = app.tenant(&tenant)?;
    let info = t.handle.query(&t.id, move |e| e.conversation(id)).await?;
    let info = info.map_err(|_| {
        not_found(
            "unknown_conversation",
            "conversation",
            format!("unknown {id}"),
        )
    })?;
    Ok(Json(info))
}

/// A customer's conversations not yet resolved.
#[utoipa::path(get, path = "/api/tenants/{tenant}/customers/{customer}/conversations",
    params(("tenant" = String, Path), ("customer" = u64, Path)),
    responses((status = 200, body = Vec<u64>), Refusals))]
pub async fn customer_conversations(
    State(app): State<Arc<App>>,
    Path((tenant, raw)): Path<(String, String)>,
) -> Result<Json<Vec<ConversationId>>, ApiError> {
    let id = CustomerId(path_id("customer", &raw)?);
    let t = app.tenant(&tenant)?;
    let open = t
        .handle
        // An unknown customer has no open conversation: an empty list.
        .query(&t.id, move |e| e.open_conversations(id).unwrap_or_default())
        .await?;
    Ok(Json(open))
}

/// What the wallboard shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsBody {
    /// The runtime clock now (ms).
    pub now: u64,
    /// The first-response target (ms).
    pub response_target_ms: u64,
    /// When the SLA warning fires, after the wait began (ms).
    pub warn_after_ms: u64,
    /// Per skill group: waiting, oldest waiting since, agents online and
    /// with room.
    #[schema(value_type = Vec<Object>)]
    pub groups: Vec<GroupStats>,
    /// Per agent: status, load, cap, live and parked threads.
    #[schema(value_type = Vec<Object>)]
    pub agents: Vec<AgentStats>,
    /// Counters since the tenant began: assignments, sticky hits and
    /// misses, SLA warnings and breaches.
    #[schema(value_type = Object)]
    pub engine: EngineStats,
    /// Sticky hits over returning customers, if any returned.
    pub sticky_hit_rate: Option<f64>,
    /// Conversations the engine holds.
    pub conversations: usize,
    /// Record number of the last command applied.
    pub last_record: u64,
}

/// The wallboard's real-time statistics, read in one visit to the shard.
#[utoipa::path(get, path = "/api/tenants/{tenant}/stats", params(("tenant" = String, Path)),
    responses((status = 200, body = StatsBody), Refusals))]
pub async fn stats(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<Json<StatsBody>, ApiError> {
    let t = app.tenant(&tenant)?;
    let (groups, agents, engine, conversations) = t
        .handle
        .query(&t.id, |e| {
            let agents = listed_agents(e);
            (e.group_stats(), agents, e.stats(), e.conversation_count())
        })
        .await?;
    let tenant_stats = t.handle.tenant_stats(&t.id).await?;
    let returning = engine.sticky_hits + engine.sticky_misses;
    Ok(Json(StatsBody {
        now: t.clock.now().0,
        response_target_ms: t.config.response_target.0,
        warn_after_ms: t.config.warn_after().0,
        groups,
        agents,
        sticky_hit_rate: (returning > 0).then(|| engine.sticky_hits as f64 / returning as f64),
        engine,
        conversations,
        last_record: tenant_stats.last_record,
    }))
}

/// What the audit found.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditBody {
    /// Every invariant held.
    pub ok: bool,
    /// The counts when it held.
    #[schema(value_type = Option<Object>)]
    pub report: Option<crate::AuditReport>,
    /// The first violation otherwise.
    pub violation: Option<String>,
}

/// Recounts every invariant of the tenant's engine (caps, states, queues).
/// Visits every conversation: for tests and operators, not dashboards.
#[utoipa::path(get, path = "/api/tenants/{tenant}/audit", params(("tenant" = String, Path)),
    responses((status = 200, body = AuditBody), Refusals))]
pub async fn audit(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<Json<AuditBody>, ApiError> {
    let t = app.tenant(&tenant)?;
    let result = t.handle.query(&t.id, |e| e.audit()).await?;
    Ok(Json(match result {
        Ok(report) => AuditBody {
            ok: true,
            report: Some(report),
            violation: None,
        },
        Err(v) => AuditBody {
            ok: false,
            report: None,
            violation: Some(v.to_string()),
        },
    }))
}
