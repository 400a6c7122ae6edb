//! Admin endpoints (admin key only): tenants created, listed and deleted,
//! tenant keys issued, listed and revoked. Each change is in the data
//! directory's registry before it is answered.

use super::app::{lock, App};
use super::body::JsonBody;
use super::error::{ApiError, Refusals};
use super::keys::{issue, KeyId, MAX_KEYS_PER_TENANT};
use crate::runtime::TenantId;
use crate::{EngineConfig, Reservation};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// `POST /api/tenants`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenantBody {
    /// 1 to 64 ASCII letters, digits, `-` or `_`.
    pub id: String,
    /// A built-in policy (`least_loaded`, `longest_idle`, `round_robin`,
    /// `best_skill`); default `least_loaded`.
    pub policy: Option<String>,
    /// The engine configuration (every field optional; defaults follow
    /// DOMAIN.md: a 10-minute response target, a warning at 80%).
    #[schema(value_type = Option<Object>)]
    pub config: Option<EngineConfig>,
    /// Room to reserve for the tenant's known scale (`agents`,
    /// `conversations`, `open_conversations`, `customers`; each optional,
    /// within the configuration's limits): allocated once, off the hot
    /// path, and again after each restart. Decides nothing.
    #[schema(value_type = Option<Object>)]
    pub reserve: Option<Reservation>,
}

/// A tenant as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantBody {
    /// Its id.
    pub id: String,
    /// Its first-response target (ms).
    pub response_target_ms: u64,
}

/// A key just issued: the only answer that holds its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedKeyBody {
    /// The key's id (for listing and revoking).
    pub id: String,
    /// The tenant it acts for.
    pub tenant: String,
    /// The key: send it as `Authorization: Bearer <key>`. Not shown again.
    pub key: String,
}

/// A key as listed (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyBody {
    /// The key's id.
    pub id: String,
    /// The tenant it acts for.
    pub tenant: String,
}

/// Creates a tenant (a contact centre with its own engine).
#[utoipa::path(post, path = "/api/tenants", request_body = CreateTenantBody,
    responses((status = 201, body = TenantBody), Refusals))]
pub async fn create_tenant(
    State(app): State<Arc<App>>,
    JsonBody(body): JsonBody<CreateTenantBody>,
) -> Result<(StatusCode, Json<TenantBody>), ApiError> {
    let id = TenantId::new(&body.id).map_err(ApiError::from)?;
    let config = body.config.unwrap_or_default();
    config
        .validate()
        .map_err(|e| ApiError::invalid("config", e.to_string()))?;
    let reservation = body.reserve.unwrap_or_default();
    reservation
        .check(&config.limits)
        .map_err(|e| ApiError::invalid("reserve", e.to_string()))?;
    let policy = body.policy.as_deref().unwrap_or("least_loaded");
    let _change = app.admin_changes.lock().await;
    if let (Some(registry), Err(_)) = (&app.registry, app.tenant(id.as_str())) {
        // A journal no registered tenant owns is left from a creation the
        // process did not live to record: a new tenant must not recover it.
        registry
            .delete_journal(&id)
            .map_err(|e| ApiError::internal(e.to_string()))?;
    }
    let tenant = app
        .create_tenant(id, config, policy, reservation, app.main_placement())
        .await?;
    if let Err(e) = app.save() {
        // Not recorded, so not created: a restart would not find it.
        let _ = app.discard(&tenant).await;
        return Err(e);
    }
    Ok((
        StatusCode::CREATED,
        Json(TenantBody {
            id: tenant.id.to_string(),
            response_target_ms: tenant.config.response_target.0,
        }),
    ))
}

/// Lists the tenants.
#[utoipa::path(get, path = "/api/tenants",
    responses((status = 200, body = Vec<TenantBody>), Refusals))]
pub async fn list_tenants(State(app): State<Arc<App>>) -> Json<Vec<TenantBody>> {
    let tenants = lock(&app.tenants);
    Json(
        tenants
            .values()
            .map(|t| TenantBody {
                id: t.id.to_string(),
                response_target_ms: t.config.response_target.0,
            })
            .collect(),
    )
}

/// Deletes a tenant: its keys are revoked, its streams end, its journal
/// is removed.
#[utoipa::path(delete, path = "/api/tenants/{tenant}", params(("tenant" = String, Path)),
    responses((status = 204, description = "Deleted"), Refusals))]
pub async fn delete_tenant(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<StatusCode, ApiError> {
    let _change = app.admin_changes.lock().await;
    app.delete_tenant(&tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issues a key for a tenant.
#[utoipa::path(post, path = "/api/tenants/{tenant}/keys", params(("tenant" = String, Path)),
    responses((status = 201, body = IssuedKeyBody), Refusals))]
pub async fn issue_key(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<(StatusCode, Json<IssuedKeyBody>), ApiError> {
    let _change = app.admin_changes.lock().await;
    let t = app.tenant(&tenant)?;
    if lock(&app.keys).of_tenant(&t.id).len() >= MAX_KEYS_PER_TENANT {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "too_many_keys",
            Some("tenant"),
            format!("tenant {tenant} holds {MAX_KEYS_PER_TENANT} keys: revoke one first"),
        ));
    }
    // Ids are 48 random bits: a clash is unlikely, but must not replace a
    // key in force.
    let issued = std::iter::repeat_with(|| issue(t.id.clone(), t.durable))
        .take(8)
        .find(|k| !lock(&app.keys).contains(&k.id))
        .ok_or_else(|| ApiError::internal("no free key id"))?;
    lock(&app.keys).insert(issued.id.clone(), issued.stored.clone());
    if let Err(e) = app.save() {
        lock(&app.keys).revoke(&issued.id);
        return Err(e);
    }
    Ok((
        StatusCode::CREATED,
        Json(IssuedKeyBody {
            id: issued.id.to_string(),
            tenant: t.id.to_string(),
            key: issued.key,
        }),
    ))
}

/// Lists a tenant's keys (ids only).
#[utoipa::path(get, path = "/api/tenants/{tenant}/keys", params(("tenant" = String, Path)),
    responses((status = 200, body = Vec<KeyBody>), Refusals))]
pub async fn list_keys(
    State(app): State<Arc<App>>,
    Path(tenant): Path<String>,
) -> Result<Json<Vec<KeyBody>>, ApiError> {
    let t = app.tenant(&tenant)?;
    let ids = lock(&app.keys).of_tenant(&t.id);
    Ok(Json(
        ids.into_iter()
            .map(|id| KeyBody {
                id: id.to_string(),
                tenant: t.id.to_string(),
            })
            .collect(),
    ))
}

/// Revokes a key: it is refused from the next request on.
#[utoipa::path(delete, path = "/api/keys/{key}", params(("key" = String, Path)),
    responses((status = 204, description = "Revoked"), Refusals))]
pub async fn revoke_key(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    let unknown = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_key",
            Some("key"),
            format!("no key {key:?} is in force"),
        )
    };
    let id = KeyId::parse(&key).ok_or_else(unknown)?;
    let _change = app.admin_changes.lock().await;
    let stored = lock(&app.keys).revoke(&id).ok_or_else(unknown)?;
    if let Err(e) = app.save() {
        lock(&app.keys).insert(id, stored);
        return Err(e);
    }
    app.revoked();
    Ok(StatusCode::NO_CONTENT)
}
