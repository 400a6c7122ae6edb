//! Tenants: one contact centre each, with its own engine, configuration,
//! routing policy and journal, living on exactly one shard.

use super::error::RuntimeError;
use crate::engine::EngineConfig;
use crate::policy::RoutingPolicy;
use std::fmt;
use std::sync::Arc;

/// A tenant's id: 1 to [`TenantId::MAX_LEN`] ASCII letters, digits, `-` or
/// `_`, so it is safe as a directory name and a metrics label. Cheap to
/// clone.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(Arc<str>);

impl TenantId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 64;

    /// Checks and wraps `id`.
    pub fn new(id: &str) -> Result<Self, RuntimeError> {
        let ok = (1..=Self::MAX_LEN).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(Arc::from(id)))
        } else {
            Err(RuntimeError::InvalidTenantId {
                id: id.chars().take(Self::MAX_LEN + 8).collect(),
                max: Self::MAX_LEN,
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantId({})", &self.0)
    }
}

/// Makes a tenant's routing policy. Called to build the engine and again
/// for each snapshot recovery tries, so it must return the same policy
/// every time (the one the tenant's journal was written with).
pub type PolicyFactory = Arc<dyn Fn() -> Box<dyn RoutingPolicy> + Send + Sync>;

/// What the runtime needs to open a tenant.
#[derive(Clone)]
pub struct TenantSpec {
    /// The tenant's id.
    pub id: TenantId,
    /// The engine configuration of a new tenant (a recovered one keeps the
    /// configuration its snapshot recorded).
    pub config: EngineConfig,
    /// The routing policy.
    pub policy: PolicyFactory,
}

impl TenantSpec {
    /// A tenant with `config` and the policy `policy` makes.
    pub fn new(
        id: TenantId,
        config: EngineConfig,
        policy: impl Fn() -> Box<dyn RoutingPolicy> + Send + Sync + 'static,
    ) -> Self {
        Self {
            id,
            config,
            policy: Arc::new(policy),
        }
    }

    /// A tenant using the built-in policy named `policy` (see
    /// [`policy::by_name`](crate::policy::by_name)); `None` for an unknown
    /// name.
    pub fn with_builtin(id: TenantId, config: EngineConfig, policy: &str) -> Option<Self> {
        crate::policy::by_name(policy)?;
        let name = policy.to_owned();
        Some(Self::new(id, config, move || {
            crate::policy::by_name(&name).unwrap_or_else(|| Box::new(crate::policy::LeastLoaded))
        }))
    }
}

impl fmt::Debug for TenantSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantSpec")
            .field("id", &self.id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
