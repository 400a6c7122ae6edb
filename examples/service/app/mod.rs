//! The service: an axum router over a switchboard [`Runtime`] handle.
//!
//! Handlers are thin: they parse the request (typed errors naming the
//! field), turn it into a [`Command`](switchboard::Command) or a query run
//! on the tenant's shard ([`RuntimeHandle::query`]), and turn the answer
//! into JSON with the status code of its class (see [`error`]). Decisions
//! flow out per tenant through a [`hub::Hub`] that keeps the recent ones
//! so a stream client can resume by sequence number.
//!
//! The tests include this module with `#[path]` and serve it on
//! 127.0.0.1, so what they check is exactly what the example serves.

pub mod api;
pub mod clock;
pub mod error;
pub mod hub;
pub mod openapi;
pub mod queries;
pub mod simulate;
pub mod stream;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post, put};
use axum::Router;
use error::ApiError;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use switchboard::runtime::{Clock, RuntimeHandle, TenantId, TenantSpec};
use switchboard::EngineConfig;

/// Decisions each tenant's hub keeps for clients that reconnect.
pub const HUB_CAPACITY: usize = 8192;

/// Most tenants one service runs (each has a hub and a pump task).
pub const MAX_TENANTS: usize = 256;

/// One tenant as the service knows it.
#[derive(Debug)]
pub struct Tenant {
    /// Its id on the runtime.
    pub id: TenantId,
    /// The engine configuration it was created with (the page reads the
    /// response target from it).
    pub config: EngineConfig,
    /// Agents registered through the service, so a query can list them.
    pub agents: Mutex<BTreeSet<u64>>,
    /// Its recent decisions and live subscribers.
    pub hub: Arc<hub::Hub>,
}

/// What every handler shares.
#[derive(Debug)]
pub struct App {
    /// The runtime.
    pub handle: RuntimeHandle,
    /// The runtime's clock (the page's "now").
    pub clock: Arc<dyn Clock>,
    /// Tenants by id.
    pub tenants: Mutex<BTreeMap<String, Arc<Tenant>>>,
    /// Tenants being added (places reserved under [`MAX_TENANTS`]); lock
    /// after `tenants`.
    pub adding: Mutex<usize>,
    /// Set when the service stops: every event stream ends, so a graceful
    /// shutdown does not wait for clients that never hang up.
    pub closing: tokio::sync::watch::Sender<bool>,
    /// Decisions each new tenant's hub keeps for resuming clients.
    pub hub_capacity: usize,
}

impl App {
    /// A service over `handle` whose runtime reads `clock`.
    pub fn new(handle: RuntimeHandle, clock: Arc<dyn Clock>) -> Arc<Self> {
        Self::with_hub_capacity(handle, clock, HUB_CAPACITY)
    }

    /// Like [`App::new`], keeping `hub_capacity` (at least 1) decisions per
    /// tenant for resuming stream clients.
    pub fn with_hub_capacity(
        handle: RuntimeHandle,
        clock: Arc<dyn Clock>,
        hub_capacity: usize,
    ) -> Arc<Self> {
        Arc::new(Self {
            handle,
            clock,
            tenants: Mutex::new(BTreeMap::new()),
            adding: Mutex::new(0),
            closing: tokio::sync::watch::Sender::new(false),
            hub_capacity: hub_capacity.max(1),
        })
    }

    /// The tenant named in a path, or 404.
    pub fn tenant(&self, name: &str) -> Result<Arc<Tenant>, ApiError> {
        let tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants
            .get(name)
            .cloned()
            .ok_or_else(|| ApiError::unknown_tenant(name))
    }

    /// Ends every event stream, open or opened later (the service is
    /// stopping).
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Adds a tenant on the runtime and starts its hub. Must be called
    /// from within a tokio runtime (the hub's pump is a task).
    pub async fn add_tenant(
        &self,
        id: TenantId,
        config: EngineConfig,
        policy: &str,
    ) -> Result<Arc<Tenant>, ApiError> {
        // Check and reserve under one lock: two requests racing for the
        // last place cannot both pass. The place is given back if the
        // tenant is not added.
        {
            let tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
            let mut adding = self.adding.lock().unwrap_or_else(|p| p.into_inner());
            if tenants.len() + *adding >= MAX_TENANTS {
                return Err(ApiError::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "too_many_tenants",
                    None,
                    format!("this service runs at most {MAX_TENANTS} tenants"),
                ));
            }
            *adding += 1;
        }
        let _reserved = Reservation(&self.adding);
        let builtin = switchboard::policy::BuiltinPolicy::from_name(policy)
            .map_err(|e| ApiError::invalid("policy", e.to_string()))?;
        let spec = TenantSpec::with_builtin(id.clone(), config.clone(), builtin);
        self.handle.add_tenant(spec).await?;
        let stream = self.handle.subscribe(&id).await?;
        let hub = hub::Hub::start(stream, self.hub_capacity);
        let tenant = Arc::new(Tenant {
            id: id.clone(),
            config,
            agents: Mutex::new(BTreeSet::new()),
            hub,
        });
        self.tenants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.as_str().to_owned(), Arc::clone(&tenant));
        Ok(tenant)
    }
}

/// A place reserved under [`MAX_TENANTS`] while a tenant is added; given
/// back when the addition ends, whether the tenant was added (it is then
/// counted in `tenants`) or not.
struct Reservation<'a>(&'a Mutex<usize>);

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut adding = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *adding = adding.saturating_sub(1);
    }
}

/// A JSON body parsed with the path of any bad field in the error
/// (`skills[0].min_level`), never axum's plain-text rejection.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(ApiError::invalid(
                "content-type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::invalid("body", e.body_text()))?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(ApiError::from_json)?;
        de.end().map_err(|e| {
            ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "malformed_json",
                None,
                format!("the body is not valid JSON: {e}"),
            )
        })?;
        Ok(Self(value))
    }
}

/// Parses a numeric id from a path segment, naming the parameter.
pub fn path_id(field: &str, raw: &str) -> Result<u64, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::invalid(
            field,
            format!("{field} must be a non-negative integer, got {raw:?}"),
        )
    })
}

/// The wallboard page (no build step: one HTML file with inline script).
pub const WALLBOARD: &str = include_str!("wallboard.html");

async fn wallboard() -> impl IntoResponse {
    Html(WALLBOARD)
}

/// Every route of the service.
pub fn router(app: Arc<App>) -> Router {
    use api::*;
    use queries::*;
    let t = "/api/tenants/{tenant}";
    let c = format!("{t}/conversations/{{conversation}}");
    Router::new()
        .route("/", get(wallboard))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/api/tenants", post(create_tenant).get(list_tenants))
        .route(&format!("{t}/agents"), post(add_agent).get(list_agents))
        .route(&format!("{t}/agents/{{agent}}"), get(get_agent))
        .route(&format!("{t}/agents/{{agent}}/inbox"), get(get_inbox))
        .route(&format!("{t}/agents/{{agent}}/status"), put(set_status))
        .route(&format!("{t}/agents/{{agent}}/capacity"), put(set_capacity))
        .route(&format!("{t}/conversations"), post(open_conversation))
        .route(
            &format!("{t}/conversations/{{conversation}}"),
            get(get_conversation),
        )
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
        .fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "no_route",
                Some("path"),
                "no such endpoint: see GET /api/openapi.json",
            )
        })
        .with_state(app)
}
