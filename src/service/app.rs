//! What every handler shares ([`App`]): the runtimes' handles, the
//! tenants the service runs, the keys in force and the registry that
//! keeps both in the data directory.
//!
//! Admin changes (a tenant created or deleted, a key issued or revoked)
//! run one at a time under `admin`, so the registry file is always
//! written with the state of the change that wrote it, and the tenant
//! limit is checked and consumed by one request at a time.

use super::auth_failures::FailedAuth;
use super::config::MetricsAccess;
use super::error::ApiError;
use super::history::History;
use super::hub::{self, Hub};
use super::keys::{AdminKey, Caller, KeyRing};
use super::registry::{Registry, TenantRecord};
use crate::runtime::{Clock, RuntimeHandle, TenantId, TenantSpec};
use crate::{EngineConfig, Reservation};
use axum::http::StatusCode;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Decisions each tenant's hub keeps for clients that reconnect.
pub const HUB_CAPACITY: usize = 8192;

/// Most tenants one service runs (each has a hub and a pump task).
pub const MAX_TENANTS: usize = 256;

/// Locks `m`, going on past a panic elsewhere (the data are plain maps
/// that a panicking holder cannot leave half-changed).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One tenant as the service knows it.
#[derive(Debug)]
pub struct Tenant {
    /// Its id on its runtime.
    pub id: TenantId,
    /// The engine configuration it was created with (the page reads the
    /// response target from it).
    pub config: EngineConfig,
    /// Its built-in policy's name.
    pub policy: String,
    /// The room reserved in its engine at each start.
    pub reservation: Reservation,
    /// The runtime it lives on: the service's, or the simulation's (whose
    /// clock runs faster).
    pub handle: RuntimeHandle,
    /// That runtime's clock (the page's "now").
    pub clock: Arc<dyn Clock>,
    /// Kept in the data directory (`false` for the simulated tenant).
    pub durable: bool,
    /// Its recent decisions and live subscribers.
    pub hub: Arc<Hub>,
    /// Its last hour, per minute: waiting work and service level (the
    /// wallboard's chart).
    pub history: Arc<History>,
}

/// Where a tenant runs.
#[derive(Clone, Debug)]
pub struct Placement {
    /// The runtime.
    pub handle: RuntimeHandle,
    /// Its clock.
    pub clock: Arc<dyn Clock>,
    /// Kept in the data directory.
    pub durable: bool,
}

/// Who may pass the doors that are not a key's own: how failed
/// authentications are limited, and who reads `/metrics`.
#[derive(Debug, Clone)]
pub struct Access {
    /// The failed-authentication budget per client address.
    pub failures: FailedAuth,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
}

/// What every handler shares.
#[derive(Debug)]
pub struct App {
    /// The service's runtime (tenants created through the API).
    pub handle: RuntimeHandle,
    /// Its clock.
    pub clock: Arc<dyn Clock>,
    /// Tenants by id.
    pub tenants: Mutex<BTreeMap<String, Arc<Tenant>>>,
    /// The admin key's digest.
    pub admin: AdminKey,
    /// Tenant keys in force.
    pub keys: Mutex<KeyRing>,
    /// The data directory's registry; `None` when the service keeps
    /// nothing on disk.
    pub registry: Option<Registry>,
    /// Held by each admin change, start to end (see the module doc).
    pub admin_changes: tokio::sync::Mutex<()>,
    /// Set when the service stops: every event stream ends, so a graceful
    /// shutdown does not wait for clients that never hang up, and
    /// `/readyz` answers 503.
    pub closing: tokio::sync::watch::Sender<bool>,
    /// Decisions each new tenant's hub keeps for resuming clients.
    pub hub_capacity: usize,
    /// Bumped whenever keys are revoked: open event streams of a revoked
    /// key end.
    pub revocations: tokio::sync::watch::Sender<u64>,
    /// The failed-authentication limit and the `/metrics` rule.
    pub access: Access,
}

impl App {
    /// A service over `handle` (whose runtime reads `clock`), admitting
    /// `admin` and the keys of `keys`, keeping tenants in `registry`, with
    /// the doors `access` describes.
    pub fn new(
        handle: RuntimeHandle,
        clock: Arc<dyn Clock>,
        admin: AdminKey,
        keys: KeyRing,
        registry: Option<Registry>,
        hub_capacity: usize,
        access: Access,
    ) -> Arc<Self> {
        Arc::new(Self {
            handle,
            clock,
            tenants: Mutex::new(BTreeMap::new()),
            admin,
            keys: Mutex::new(keys),
            registry,
            admin_changes: tokio::sync::Mutex::new(()),
            closing: tokio::sync::watch::Sender::new(false),
            hub_capacity: hub_capacity.max(1),
            revocations: tokio::sync::watch::Sender::new(0),
            access,
        })
    }

    /// Where API-created tenants run.
    pub fn main_placement(&self) -> Placement {
        Placement {
            handle: self.handle.clone(),
            clock: Arc::clone(&self.clock),
            durable: self.registry.is_some(),
        }
    }

    /// The tenant named in a path, or 404.
    pub fn tenant(&self, name: &str) -> Result<Arc<Tenant>, ApiError> {
        lock(&self.tenants)
            .get(name)
            .cloned()
            .ok_or_else(|| ApiError::unknown_tenant(name))
    }

    /// Who `presented` is, if anyone.
    pub fn authenticate(&self, presented: &str) -> Option<Caller> {
        if self.admin.matches(presented) {
            return Some(Caller::Admin);
        }
        lock(&self.keys).check(presented)
    }

    /// Ends every event stream, open or opened later (the service is
    /// stopping).
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// Writes the registry (tenants kept on disk and their keys). Called
    /// under `admin_changes`. A short blocking write: admin changes are
    /// rare, and the caller must not answer before the change is durable.
    pub fn save(&self) -> Result<(), ApiError> {
        let Some(registry) = &self.registry else {
            return Ok(());
        };
        let tenants: Vec<TenantRecord> = lock(&self.tenants)
            .values()
            .filter(|t| t.durable)
            .map(|t| TenantRecord {
                id: t.id.clone(),
                policy: t.policy.clone(),
                config: t.config.clone(),
                reservation: t.reservation,
            })
            .collect();
        let keys = lock(&self.keys);
        registry
            .save(&tenants, &keys)
            .map_err(|e| ApiError::internal(format!("the registry was not written: {e}")))
    }

    /// Adds a new tenant on `at` and starts its hub. Refuses a duplicate
    /// (409) and a tenant past [`MAX_TENANTS`] (503). Called under
    /// `admin_changes` (or before the service serves).
    pub async fn create_tenant(
        &self,
        id: TenantId,
        config: EngineConfig,
        policy: &str,
        reservation: Reservation,
        at: Placement,
    ) -> Result<Arc<Tenant>, ApiError> {
        {
            let tenants = lock(&self.tenants);
            if tenants.contains_key(id.as_str()) {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "duplicate_tenant",
                    Some("id"),
                    format!("tenant {id} exists already"),
                ));
            }
            if tenants.len() >= MAX_TENANTS {
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too_many_tenants",
                    None,
                    format!("this service runs at most {MAX_TENANTS} tenants: delete one first"),
                ));
            }
        }
        let builtin = crate::policy::BuiltinPolicy::from_name(policy)
            .map_err(|e| ApiError::invalid("policy", e.to_string()))?;
        let spec =
            TenantSpec::with_builtin(id.clone(), config.clone(), builtin).reserve(reservation);
        at.handle.add_tenant(spec).await?;
        match self
            .attach(id.clone(), config, policy, reservation, at.clone())
            .await
        {
            Ok(t) => Ok(t),
            Err(e) => {
                // Nothing may stay half-made: the runtime forgets it too.
                let _ = at.handle.remove_tenant(&id).await;
                Err(e)
            }
        }
    }

    /// Starts serving a tenant its runtime already runs (created, or
    /// recovered at start): subscribes its hub. (Its agents are listed by
    /// asking its engine, so a recovered tenant needs nothing read here.)
    pub async fn attach(
        &self,
        id: TenantId,
        config: EngineConfig,
        policy: &str,
        reservation: Reservation,
        at: Placement,
    ) -> Result<Arc<Tenant>, ApiError> {
        let stream = at.handle.subscribe(&id).await?;
        let history = Arc::new(History::new(config.response_target));
        let hub = hub::Hub::start_observed(stream, self.hub_capacity, Some(Arc::clone(&history)));
        let tenant = Arc::new(Tenant {
            id: id.clone(),
            config,
            policy: policy.to_owned(),
            reservation,
            handle: at.handle,
            clock: at.clock,
            durable: at.durable,
            hub,
            history,
        });
        lock(&self.tenants).insert(id.as_str().to_owned(), Arc::clone(&tenant));
        super::history::spawn_sampler(Arc::downgrade(&tenant));
        Ok(tenant)
    }

    /// Tells open event streams that keys were revoked.
    pub fn revoked(&self) {
        self.revocations.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Deletes a tenant: it leaves the map (later requests get 404), its
    /// keys are revoked, the registry forgets it, its runtime closes it
    /// (its streams end) and its journal directory is removed. If the
    /// registry cannot be written, nothing changes. Called under
    /// `admin_changes`.
    pub async fn delete_tenant(&self, name: &str) -> Result<(), ApiError> {
        let tenant = lock(&self.tenants)
            .remove(name)
            .ok_or_else(|| ApiError::unknown_tenant(name))?;
        let keys = lock(&self.keys).revoke_tenant(&tenant.id);
        if let Err(e) = self.save() {
            let mut ring = lock(&self.keys);
            for (id, key) in keys {
                ring.insert(id, key);
            }
            lock(&self.tenants).insert(name.to_owned(), tenant);
            return Err(e);
        }
        self.revoked();
        self.discard(&tenant).await
    }

    /// Takes a tenant out of the service without touching the registry: out
    /// of the map, off its runtime, its journal directory removed.
    pub async fn discard(&self, tenant: &Tenant) -> Result<(), ApiError> {
        lock(&self.tenants).remove(tenant.id.as_str());
        tenant.handle.remove_tenant(&tenant.id).await?;
        if let (true, Some(registry)) = (tenant.durable, &self.registry) {
            registry
                .delete_journal(&tenant.id)
                .map_err(|e| ApiError::internal(e.to_string()))?;
        }
        Ok(())
    }
}
