//! Command endpoints: each turns a request into one
//! [`Command`], submits it through the runtime's
//! handle, and answers with the decisions it caused (or why not).

use super::body::{path_id, JsonBody};
use super::error::{ApiError, Refusals};
use super::App;
use crate::runtime::Accepted;
use crate::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, CustomerId,
    Decision, Priority, ResolveReason, SkillLevel, SkillRequirement, SkillWindow, Tier,
    TransferTarget,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// A command the engine accepted.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedBody {
    /// The command's record (sequence) number in its tenant.
    pub record: u64,
    /// The time it was stamped with (ms).
    pub at: u64,
    /// The decisions it caused, in order (also on the stream).
    #[schema(value_type = Vec<Object>)]
    pub decisions: Vec<Decision>,
}

impl From<Accepted> for AcceptedBody {
    fn from(a: Accepted) -> Self {
        Self {
            record: a.record,
            at: a.at.0,
            decisions: a.decisions,
        }
    }
}

/// `POST /api/tenants/{tenant}/agents`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddAgentBody {
    /// The agent's id.
    pub id: u64,
    /// Skills and levels (`{"skill": 7, "level": 5}`, levels 1..=10).
    #[schema(value_type = Vec<Object>)]
    #[serde(default)]
    pub skills: Vec<SkillLevel>,
    /// Cap in full conversations, 1..=100.
    pub cap: u32,
    /// Channels worked (`sms`, `whats_app`, `messenger`, ...); absent: all.
    #[schema(value_type = Option<Vec<String>>)]
    pub channels: Option<Vec<Channel>>,
    /// Status at registration (`online`, `away`, `offline`, `draining`);
    /// default `online`.
    #[schema(value_type = Option<String>)]
    pub status: Option<AgentStatus>,
    /// Skills held only within windows of time (`{"skill": 4, "level": 6,
    /// "from": ms, "until": ms}` on the tenant's clock): outside them the
    /// agent takes no new work needing the skill and keeps what they hold.
    #[schema(value_type = Vec<Object>)]
    #[serde(default)]
    pub skill_windows: Vec<SkillWindow>,
}

/// `PUT .../agents/{agent}/status`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `online`, `away`, `offline` or `draining`.
    #[schema(value_type = String)]
    pub status: AgentStatus,
}

/// `PUT .../agents/{agent}/capacity`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityBody {
    /// The new cap in full conversations, 1..=100.
    pub cap: u32,
}

/// `POST /api/tenants/{tenant}/conversations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBody {
    /// A new conversation id.
    pub id: u64,
    /// The customer.
    pub customer: u64,
    /// `sms`, `whats_app`, `messenger`, `apple_messages`, `instagram`,
    /// `in_app`, `web` or `email`.
    #[schema(value_type = String)]
    pub channel: Channel,
    /// Required skills (`{"skill": 7, "min_level": 3}`); empty: anyone.
    #[schema(value_type = Vec<Object>)]
    #[serde(default)]
    pub skills: Vec<SkillRequirement>,
    /// `standard` (default) or `vip`.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub tier: Tier,
    /// `low`, `normal` (default), `high` or `urgent`.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub priority: Priority,
    /// Start with the bot tier.
    #[serde(default)]
    pub start_in_bot: bool,
    /// What the tenant's routing plan reads (`{"topic": "billing",
    /// "language": "es", "tier": "vip", "orders": 3}`): strings, whole
    /// numbers, booleans and string lists; none by default.
    #[schema(value_type = Object)]
    #[serde(default)]
    pub attributes: crate::plan::Attributes,
    /// Scored preferred agents (`{"agent": 7, "score": 90, "wait": 60000}`,
    /// the wait in milliseconds), at most 20; none by default.
    #[schema(value_type = Vec<Object>)]
    #[serde(default)]
    pub preferred: Vec<crate::PreferredAgent>,
}

/// A body naming the acting agent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentBody {
    /// The agent.
    pub agent: u64,
}

/// `POST .../resolve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// `solved` (default), `bot_contained`, `abandoned` or `expired`.
    #[schema(value_type = Option<String>)]
    pub reason: Option<ResolveReason>,
}

/// `POST .../transfer`: exactly one of `agent` or `skills`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// To this agent.
    pub agent: Option<u64>,
    /// To the skill group with these requirements.
    #[schema(value_type = Option<Vec<Object>>)]
    pub skills: Option<Vec<SkillRequirement>>,
}

/// `POST .../priority`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityBody {
    /// `low`, `normal`, `high` or `urgent`.
    #[schema(value_type = String)]
    pub priority: Priority,
}

/// `POST .../escalate`: hand a bot conversation to humans.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    /// New required skills, if the bot learned them.
    #[schema(value_type = Option<Vec<Object>>)]
    pub skills: Option<Vec<SkillRequirement>>,
    /// New priority, if the bot learned it.
    #[schema(value_type = Option<String>)]
    pub priority: Option<Priority>,
}

type Answer = Result<Json<AcceptedBody>, ApiError>;
type Created = Result<(StatusCode, Json<AcceptedBody>), ApiError>;

/// Submits `command` to `tenant`; a full queue answers 503 at once.
pub async fn submit(app: &App, tenant: &str, command: Command) -> Result<Accepted, ApiError> {
    let tenant = app.tenant(tenant)?;
    Ok(tenant.handle.submit_async(&tenant.id, command).await?)
}

fn cap(field: &str, units: u32) -> Result<Capacity, ApiError> {
    if (1..=Capacity::MAX_CAP.0 / Capacity::UNIT).contains(&units) {
        Ok(Capacity::units(units))
    } else {
        Err(ApiError::invalid(
            field,
            format!("cap {units} is out of range: give 1 to 100 full conversations"),
        ))
    }
}

/// Registers an agent.
#[utoipa::path(post, path = "/api/tenants/{tenant}/agents", request_body = AddAgentBody,
    params(("tenant" = String, Path)),
    responses((status = 201, body = AcceptedBody), Refusals))]
pub async fn add_agent(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<AddAgentBody>,
) -> Created {
    let mut spec = AgentSpec::new(AgentId(body.id), cap("cap", body.cap)?)
        .skills(body.skills)
        .status(body.status.unwrap_or(AgentStatus::Online));
    spec.channels = body.channels;
    spec.skill_windows = body.skill_windows;
    let t = app.tenant(&tenant)?;
    let accepted = t
        .handle
        .submit_async(&t.id, Command::AddAgent(spec))
        .await?;
    Ok((StatusCode::CREATED, Json(accepted.into())))
}

/// Changes an agent's status (log in, break, log off, drain).
#[utoipa::path(put, path = "/api/tenants/{tenant}/agents/{agent}/status", request_body = StatusBody,
    params(("tenant" = String, Path), ("agent" = u64, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn set_status(
    State(app): State<Arc<App>>,
    Path((tenant, agent)): Path<(String, String)>,
    JsonBody(body): JsonBody<StatusBody>,
) -> Answer {
    let agent = AgentId(path_id("agent", &agent)?);
    let command = Command::SetAgentStatus {
        agent,
        status: body.status,
    };
    Ok(Json(submit(&app, &tenant, command).await?.into()))
}

/// Changes an agent's cap.
#[utoipa::path(put, path = "/api/tenants/{tenant}/agents/{agent}/capacity", request_body = CapacityBody,
    params(("tenant" = String, Path), ("agent" = u64, Path)),
    responses((status = 200, body = AcceptedBody), Refusals))]
pub async fn set_capacity(
    State(app): State<Arc<App>>,
    Path((tenant, agent)): Path<(String, String)>,
    JsonBody(body): JsonBody<CapacityBody>,
) -> Answer {
    let agent = AgentId(path_id("agent", &agent)?);
    let command = Command::SetCapacity {
        agent,
        cap: cap("cap", body.cap)?,
    };
    Ok(Json(submit(&app, &tenant, command).await?.into()))
}

/// A customer opens a conversation (their first message).
#[utoipa::path(post, path = "/api/tenants/{tenant}/conversations", request_body = OpenBody,
    params(("tenant" = String, Path)),
    responses((status = 201, body = AcceptedBody), Refusals))]
pub async fn open_conversation(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<OpenBody>,
) -> Created {
    let mut open = Command::open(ConversationId(body.id), CustomerId(body.customer))
        .channel(body.channel)
        .tier(body.tier)
        .skills(body.skills)
        .priority(body.priority)
        .start_in_bot(body.start_in_bot)
        .attributes(body.attributes);
    open.preferred = body.preferred;
    let command = open.into();
    let accepted = submit(&app, &tenant, command).await?;
    Ok((StatusCode::CREATED, Json(accepted.into())))
}

/// Runs one conversation command.
async fn on_conversation(
    app: &App,
    tenant: &str,
    raw: &str,
    make: impl FnOnce(ConversationId) -> Result<Command, ApiError>,
) -> Answer {
    let conversation = ConversationId(path_id("conversation", raw)?);
    Ok(Json(submit(app, tenant, make(conversation)?).await?.into()))
}

/// The path of a conversation command.
type ConvPath = Path<(String, String)>;

macro_rules! conversation_endpoint {
    ($(#[$doc:meta])* $name:ident, $path:literal, $body:ty, |$c:ident, $b:ident| $make:expr) => {
        $(#[$doc])*
        #[utoipa::path(post, path = $path, request_body = $body,
            params(("tenant" = String, Path), ("conversation" = u64, Path)),
            responses((status = 200, body = AcceptedBody), Refusals))]
        pub async fn $name(
            State(app): State<Arc<App>>,
            Path((tenant, raw)): ConvPath,
            JsonBody($b): JsonBody<$body>,
        ) -> Answer {
            on_conversation(&app, &tenant, &raw, |$c| $make).await
        }
    };
}

/// A body with no fields (`{}`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

conversation_endpoint!(
    /// The customer wrote again.
    customer_message, "/api/tenants/{tenant}/conversations/{conversation}/customer_message", Empty,
    |conversation, _b| Ok(Command::CustomerMessage { conversation }));
conversation_endpoint!(
    /// The owning agent wrote (the first time: the first response).
    agent_message, "/api/tenants/{tenant}/conversations/{conversation}/agent_message", AgentBody,
    |conversation, b| Ok(Command::AgentMessage { conversation, agent: AgentId(b.agent) }));
conversation_endpoint!(
    /// The owning agent saw the latest customer message.
    mark_seen, "/api/tenants/{tenant}/conversations/{conversation}/seen", AgentBody,
    |conversation, b| Ok(Command::MarkSeen { conversation, agent: AgentId(b.agent) }));
conversation_endpoint!(
    /// The customer went quiet: park the thread.
    park, "/api/tenants/{tenant}/conversations/{conversation}/park", Empty,
    |conversation, _b| Ok(Command::Park { conversation }));
conversation_endpoint!(
    /// Close the conversation.
    resolve, "/api/tenants/{tenant}/conversations/{conversation}/resolve", ResolveBody,
    |conversation, b| Ok(Command::Resolve { conversation, reason: b.reason.unwrap_or(ResolveReason::Solved) }));
conversation_endpoint!(
/// Move the conversation to an agent or a skill group.
transfer, "/api/tenants/{tenant}/conversations/{conversation}/transfer", TransferBody,
|conversation, b| {
    let to = match (b.agent, b.skills) {
        (Some(agent), None) => TransferTarget::Agent(AgentId(agent)),
        (None, Some(skills)) => TransferTarget::Skills(skills),
        _ => return Err(ApiError::invalid("agent", "give exactly one of agent or skills")),
    };
    Ok(Command::Transfer { conversation, to })
});
conversation_endpoint!(
    /// Change the conversation's priority class.
    set_priority, "/api/tenants/{tenant}/conversations/{conversation}/priority", PriorityBody,
    |conversation, b| Ok(Command::SetPriority { conversation, priority: b.priority }));
conversation_endpoint!(
    /// Hand a bot conversation to humans.
    escalate, "/api/tenants/{tenant}/conversations/{conversation}/escalate", EscalateBody,
    |conversation, b| Ok(Command::Escalate { conversation, skills: b.skills, priority: b.priority, attributes: None }));
conversation_endpoint!(
    /// The agent accepts an offer.
    accept_offer, "/api/tenants/{tenant}/conversations/{conversation}/accept", AgentBody,
    |conversation, b| Ok(Command::AcceptOffer { conversation, agent: AgentId(b.agent) }));
conversation_endpoint!(
    /// The agent declines an offer.
    decline_offer, "/api/tenants/{tenant}/conversations/{conversation}/decline", AgentBody,
    |conversation, b| Ok(Command::DeclineOffer { conversation, agent: AgentId(b.agent) }));
