//! Tenants: one contact centre each, with its own engine, configuration,
//! routing policy and journal, living on exactly one shard.

use super::error::RuntimeError;
use crate::engine::EngineConfig;
use crate::policy::{BuiltinPolicy, PolicyFactory};
use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;

/// A tenant's id: 1 to [`TenantId::MAX_LEN`] ASCII letters, digits, `-` or
/// `_`, so it is safe as a directory name and a metrics label.
///
/// Stored inline (no heap, no reference count; a clone is a copy): every
/// command carries its
/// tenant's id to the shard, and a shared reference count would be a
/// cache line that every shard writes for every command.
#[derive(Clone)]
pub struct TenantId {
    /// Bytes past `len` are zero (equality and hash read only the first
    /// `len`: the string's).
    bytes: [u8; TenantId::MAX_LEN],
    len: u8,
}

const _: () = assert!(TenantId::MAX_LEN <= u8::MAX as usize);

impl TenantId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 64;

    /// Checks and wraps `id`.
    pub fn new(id: &str) -> Result<Self, RuntimeError> {
        let ok = (1..=Self::MAX_LEN).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(RuntimeError::InvalidTenantId {
                id: id.chars().take(Self::MAX_LEN + 8).collect(),
                max: Self::MAX_LEN,
            });
        }
        let mut bytes = [0u8; Self::MAX_LEN];
        bytes[..id.len()].copy_from_slice(id.as_bytes());
        Ok(Self {
            bytes,
            len: id.len() as u8,
        })
    }

    /// The id's bytes (ASCII).
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII was admitted, so this never fails.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

// By hand, not derived: the derived ones read all 64 bytes (a memcmp and
// a 65-byte hash per command on the shard's path), the string is usually a
// fraction of that.
impl PartialEq for TenantId {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for TenantId {}

impl std::hash::Hash for TenantId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write(self.as_bytes());
    }
}

impl PartialOrd for TenantId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TenantId {
    /// Orders as the text does.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantId({})", self.as_str())
    }
}

/// A shard's map from tenant ids, read once per command. Hashed with
/// FNV-1a over the id's bytes (a few nanoseconds for a short id, where the
/// default SipHash costs tens): the map holds only the tenants the host
/// registered on the shard, so even colliding ids cost a probe per
/// registered tenant at worst, and ids are the host's, not its customers'.
pub(crate) type TenantMap<V> = HashMap<TenantId, V, BuildHasherDefault<IdHasher>>;

/// FNV-1a over the bytes written (see [`TenantMap`]).
#[derive(Debug)]
pub(crate) struct IdHasher(u64);

impl Default for IdHasher {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        self.0 = bytes
            .iter()
            .fold(self.0, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME));
    }
}

/// What the runtime needs to open a tenant.
#[derive(Clone)]
pub struct TenantSpec {
    /// The tenant's id.
    pub id: TenantId,
    /// The engine configuration of a new tenant. A recovered one must pass
    /// the rules its journal ends under: a file journal refuses another
    /// configuration with `PersistError::RulesChanged` unless its store
    /// accepts the change ([`FileStore::accept_rule_changes`](super::FileStore::accept_rule_changes)).
    pub config: EngineConfig,
    /// Makes the tenant's routing policy: called to build the engine and
    /// again for each snapshot recovery tries, so it must return the same
    /// policy every time (the one the tenant's journal was written with).
    pub policy: PolicyFactory,
}

impl TenantSpec {
    /// A tenant with `config` and the policy `policy` makes (a
    /// [`PolicyFactory`], or a [`BuiltinPolicy`]).
    pub fn new(id: TenantId, config: EngineConfig, policy: impl Into<PolicyFactory>) -> Self {
        Self {
            id,
            config,
            policy: policy.into(),
        }
    }

    /// A tenant using the built-in `policy` (a configuration file names it
    /// with [`BuiltinPolicy::from_name`]).
    pub fn with_builtin(id: TenantId, config: EngineConfig, policy: BuiltinPolicy) -> Self {
        Self::new(id, config, policy)
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
