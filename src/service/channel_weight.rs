//! An agent's own weight per channel over HTTP
//! (`PUT .../agents/{agent}/channel_weights/{channel}`): one
//! [`Command::SetChannelWeight`] through the runtime, answered with its
//! decisions.

use super::api::{submit, AcceptedBody};
use super::error::{ApiError, Refusals};
use super::workload::{agent_of, channel_of};
use super::App;
use crate::{Capacity, Command};
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// `PUT .../agents/{agent}/channel_weights/{channel}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelWeightBody {
    /// What one live conversation of the channel costs the agent, in
    /// milli-units (`1..=100000`), or `null`: the channel's weight.
    #[schema(value_type = Option<u32>)]
    pub weight: Option<Capacity>,
}

/// Sets an agent's own weight for one channel, in place of the
/// configuration's. Their conversations of the channel are re-weighed at
/// once; nothing moves.
#[utoipa::path(put, path = "/api/tenants/{tenant}/agents/{agent}/channel_weights/{channel}",
    request_body = ChannelWeightBody,
    params(("tenant" = String, Path), ("agent" = u64, Path), ("channel" = String, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn set_channel_weight(
    State(app): State<Arc<App>>,
    Path((tenant, agent, channel)): Path<(String, String, String)>,
    super::body::JsonBody(body): super::body::JsonBody<ChannelWeightBody>,
) -> Result<Json<AcceptedBody>, ApiError> {
    let command = Command::SetChannelWeight {
        agent: agent_of(&agent)?,
        channel: channel_of(&channel)?,
        weight: body.weight,
    };
    Ok(Json(submit(&app, &tenant, command).await?.into()))
}
