//! Workload rules over HTTP: teams with their caps and rate limits, an
//! agent's cap per channel, rate limit and pull maximum, pulling the next
//! conversation, and ending a wrap-up. Each endpoint is one command
//! through the runtime (journaled, replayed), answered with its decisions.

use super::api::{submit, AcceptedBody, AgentBody, Empty};
use super::body::{path_id, JsonBody};
use super::error::{ApiError, Refusals};
use super::App;
use crate::engine::{RateLimit, TeamId, TeamStats};
use crate::{AgentId, Capacity, Channel, Command, ConversationId};
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

type Answer = Result<Json<AcceptedBody>, ApiError>;

/// `PUT .../teams/{team}`: create or replace a team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamBody {
    /// Its name.
    pub name: String,
    /// Its members (agent ids), each in at most one team.
    pub members: Vec<u64>,
    /// Cap on the members' live conversations together (absent: none).
    #[serde(default)]
    pub max_live: Option<u32>,
    /// The members' default assignment rate limit, `{"max": 100,
    /// "window": 3600000}` (absent: none).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub rate_limit: Option<RateLimit>,
}

/// `PUT .../agents/{agent}/channel_caps/{channel}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelCapBody {
    /// At most this many live conversations on the channel (`null`: no
    /// cap beside the agent's total).
    pub max_live: Option<u32>,
}

/// `PUT .../agents/{agent}/rate_limit`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitBody {
    /// `{"max": 100, "window": 3600000}` (window in ms), or `null`: the
    /// team's, if any.
    #[schema(value_type = Option<Object>)]
    pub limit: Option<RateLimit>,
}

/// `PUT .../agents/{agent}/pull_cap`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PullCapBody {
    /// How far the agent may fill up by pulling, in full conversations
    /// (1..=100; `null`: their cap).
    pub pull_cap: Option<u32>,
}

pub(super) fn agent_of(raw: &str) -> Result<AgentId, ApiError> {
    Ok(AgentId(path_id("agent", raw)?))
}

/// Creates or replaces a team. Lowering its cap moves nothing: its
/// members take no new work until it is under the cap.
#[utoipa::path(put, path = "/api/tenants/{tenant}/teams/{team}", request_body = TeamBody,
    params(("tenant" = String, Path), ("team" = u64, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn set_team(
    State(app): State<Arc<App>>,
    Path((tenant, team)): Path<(String, String)>,
    JsonBody(body): JsonBody<TeamBody>,
) -> Answer {
    let command = Command::SetTeam {
        team: TeamId(path_id("team", &team)?),
        name: body.name.into(),
        members: body.members.into_iter().map(AgentId).collect(),
        max_live: body.max_live,
        rate_limit: body.rate_limit,
    };
    Ok(Json(submit(&app, &tenant, command).await?.into()))
}

/// Every team: members, cap, live conversations, refusals, members held
/// back while it is full.
#[utoipa::path(get, path = "/api/tenants/{tenant}/teams",
    params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<Object>), Refusals))]
pub async fn list_teams(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<TeamStats>>, ApiError> {
    let t = app.tenant(&tenant)?;
    Ok(Json(t.handle.query(&t.id, |e| e.teams()).await?))
}

/// Sets an agent's cap on live conversations of one channel, beside their
/// total cap.
#[utoipa::path(put, path = "/api/tenants/{tenant}/agents/{agent}/channel_caps/{channel}",
    request_body = ChannelCapBody,
    params(("tenant" = String, Path), ("agent" = u64, Path), ("channel" = String, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn set_channel_cap(
    State(app): State<Arc<App>>,
    Path((tenant, agent, channel)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<ChannelCapBody>,
) -> Answer {
    let command = Command::SetChannelCap {
        agent: agent_of(&agent)?,
        channel: channel_of(&channel)?,
        max_live: body.max_live,
    };
    Ok(Json(submit(&app, &tenant, command).await?.into()))
}

/// A channel named in a path, by its JSON name.
pub(super) fn channel_of(raw: &str) -> Result<Channel, ApiError> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned())).map_err(|_| {
        ApiError::invalid(
            "channel",
            format!("unknown channel {raw:?}: sms, whats_app, messenger, apple_messages, instagram, in_app, web or email"),
        )
    })
}

/// Sets an agent's own assignment rate limit (over their team's).
#[utoipa::path(put, path = "/api/tenants/{tenant}/agents/{agent}/rate_limit",
    request_body = RateLimitBody,
    params(("tenant" = String, Path), ("agent" = u64, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn set_rate_limit(
    State(app): State<Arc<App>>,
    Path((tenant, agent)): Path<(String, String)>,
    JsonBody(body): JsonBody<RateLimitBody>,
) -> Answer {
    let command = Command::SetRateLimit {
        agent: agent_of(&agent)?,
        limit: body.limit,
    };
    Ok(Json(submit(&app, &tenant, command).await?.into()))
}

/// Sets how far an agent may fill up by pulling, above their cap.
#[utoipa::path(put, path = "/api/tenants/{tenant}/agents/{agent}/pull_cap",
    request_body = PullCapBody,
    params(("tenant" = String, Path), ("agent" = u64, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn set_pull_cap(
    State(app): State<Arc<App>>,
    Path((tenant, agent)): Path<(String, String)>,
    JsonBody(body): JsonBody<PullCapBody>,
) -> Answer {
    let pull_cap = match body.pull_cap {
        None => None,
        Some(n) if (1..=Capacity::MAX_CAP.0 / Capacity::UNIT).contains(&n) => {
            Some(Capacity::units(n))
        }
        Some(n) => {
            return Err(ApiError::invalid(
                "pull_cap",
                format!("pull_cap {n} is out of range: give 1 to 100 full conversations"),
            ))
        }
    };
    let command = Command::SetPullCap {
        agent: agent_of(&agent)?,
        pull_cap,
    };
    Ok(Json(submit(&app, &tenant, command).await?.into()))
}

/// The agent asks for their next conversation, under the rules a push
/// follows; nothing to take is a `nothing_to_pull` decision, not an error.
#[utoipa::path(post, path = "/api/tenants/{tenant}/agents/{agent}/pull", request_body = Empty,
    params(("tenant" = String, Path), ("agent" = u64, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn pull_next(
    State(app): State<Arc<App>>,
    Path((tenant, agent)): Path<(String, String)>,
    JsonBody(_body): JsonBody<Empty>,
) -> Answer {
    let command = Command::PullNext {
        agent: agent_of(&agent)?,
    };
    Ok(Json(submit(&app, &tenant, command).await?.into()))
}

/// The agent ends a wrap-up early, where its channel's mode allows.
#[utoipa::path(post, path = "/api/tenants/{tenant}/conversations/{conversation}/end_wrap_up",
    request_body = AgentBody,
    params(("tenant" = String, Path), ("conversation" = u64, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn end_wrap_up(
    State(app): State<Arc<App>>,
    Path((tenant, conversation)): Path<(String, String)>,
    JsonBody(body): JsonBody<AgentBody>,
) -> Answer {
    let command = Command::EndWrapUp {
        conversation: ConversationId(path_id("conversation", &conversation)?),
        agent: AgentId(body.agent),
    };
    Ok(Json(submit(&app, &tenant, command).await?.into()))
}
