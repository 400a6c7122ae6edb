//! Tenants: one contact centre each, with its own engine, configuration,
//! routing policy and journal, living on exactly one shard.

use super::error::RuntimeError;
use crate::engine::state::hash::IdBuild;
use crate::engine::{EngineConfig, Reservation};
use crate::policy::{BuiltinPolicy, PolicyFactory};
use std::collections::HashMap;
use std::fmt;

/// A tenant's id: 1 to [`TenantId::MAX_LEN`] ASCII letters, digits, `-` or
/// `_`, so it is safe as a directory name and a metrics label.
///
/// Stored inline (no heap, no reference count; a clone is a copy): a
/// caller reads its tenant's key by id on every command (the command then
/// carries the key, or the id itself while the tenant has none), and a
/// shared reference count would be a cache line every caller and shard
/// writes for every command.
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

// By hand, not derived. Equality compares the lengths and then the whole
// fixed arrays (the bytes past `len` are zero in every id, `new` makes
// them so): a compare of constant size the compiler does inline, where a
// compare of the strings' slices called `memcmp` for a variable length
// (37 instructions per command on the shard's lookup). The hash reads only
// the string's bytes (a 65-byte hash per command was the derived one's
// cost).
impl PartialEq for TenantId {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.bytes == other.bytes
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

/// A map from tenant ids: a shard's (read for commands sent by id) and
/// its directory's (read by callers once per command). Hashed with the
/// engine's id hasher (multiply-rotate over 8 bytes at a time, then a
/// mix; FNV-1a a byte at a time cost 46 instructions per command on the
/// runtime bench): the map holds only the tenants the host registered on
/// the shard, so even colliding ids cost a probe per registered tenant at
/// worst, and ids are the host's, not its customers'.
pub(crate) type TenantMap<V> = HashMap<TenantId, V, IdBuild>;

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
    /// Room the opener thread reserves in the tenant's engine once it is
    /// open or recovered ([`Engine::reserve`](crate::Engine::reserve)), off
    /// the shard, so that the shard's commands within that scale grow no
    /// table. Nothing by default. Not journaled: it changes no decision.
    /// A figure past the configuration's limits fails the open with
    /// [`RuntimeError::Reserve`](super::RuntimeError::Reserve).
    pub reservation: Reservation,
}

impl TenantSpec {
    /// A tenant with `config` and the policy `policy` makes (a
    /// [`PolicyFactory`], or a [`BuiltinPolicy`]).
    pub fn new(id: TenantId, config: EngineConfig, policy: impl Into<PolicyFactory>) -> Self {
        Self {
            id,
            config,
            policy: policy.into(),
            reservation: Reservation::default(),
        }
    }

    /// Sets [`TenantSpec::reservation`]: the scale the tenant is known to
    /// reach (agents on its roster, conversations a day brings).
    pub fn reserve(mut self, reservation: Reservation) -> Self {
        self.reservation = reservation;
        self
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
            .field("reservation", &self.reservation)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(id: &TenantId) -> u64 {
        IdBuild::default().hash_one(id)
    }

    #[test]
    fn tenant_ids_are_equal_and_hash_alike_exactly_when_their_text_is() {
        let id = |s: &str| TenantId::new(s).expect("valid id");
        let long = "t".repeat(TenantId::MAX_LEN);
        assert_eq!(id("acme"), id("acme"));
        assert_eq!(hash(&id("acme")), hash(&id("acme")));
        assert_eq!(id(&long), id(&long));
        for (a, b) in [
            ("acme", "acm"),
            ("acme", "acmf"),
            ("a", "b"),
            (&long[1..], &long[..]),
        ] {
            assert_ne!(id(a), id(b), "{a} against {b}");
        }
        let mut map = TenantMap::default();
        for n in 0..100 {
            map.insert(id(&format!("tenant-{n}")), n);
        }
        assert_eq!(map.get(&id("tenant-42")), Some(&42));
        assert_eq!(map.get(&id("tenant-100")), None);
    }
}
