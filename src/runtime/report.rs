//! What the runtime reports when tenants open (recovery) and close
//! (shutdown).

use super::tenant::TenantId;
use crate::persist::RecoveryReport;
use std::fmt;

/// A tenant opened: where it lives and what recovery found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TenantOpened {
    /// The tenant.
    pub tenant: TenantId,
    /// Its shard.
    pub shard: usize,
    /// What recovery did (snapshot used, records replayed, damaged tail
    /// dropped); `None` without a journal.
    pub recovery: Option<RecoveryReport>,
    /// The last journal record now reflected in the engine.
    pub last_record: u64,
}

/// What [`Runtime::start`](super::Runtime::start) recovered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StartReport {
    /// Every tenant, in the order given.
    pub tenants: Vec<TenantOpened>,
}

impl fmt::Display for StartReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tenants {
            write!(f, "tenant {} on shard {}: ", t.tenant, t.shard)?;
            match &t.recovery {
                None => writeln!(f, "new, no journal")?,
                Some(r) => writeln!(
                    f,
                    "recovered through record {} ({} replayed after the snapshot, {} damaged tails dropped)",
                    r.last_seq,
                    r.replayed,
                    r.dropped.len()
                )?,
            }
        }
        Ok(())
    }
}

/// A tenant closed (removed, or at shutdown).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TenantClosed {
    /// The tenant.
    pub tenant: TenantId,
    /// The last journal record written.
    pub last_record: u64,
    /// Whether the final sync succeeded (`false` for a poisoned tenant,
    /// whose journal is not trusted).
    pub synced: bool,
    /// Whether a journal failure had poisoned the tenant.
    pub poisoned: bool,
}

/// What one shard did at shutdown.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShardClosed {
    /// The shard.
    pub shard: usize,
    /// Commands still queued at shutdown, applied before stopping.
    pub drained: u64,
    /// Its tenants, each synced.
    pub tenants: Vec<TenantClosed>,
}

/// What [`Runtime::shutdown`](super::Runtime::shutdown) did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Every shard that answered.
    pub shards: Vec<ShardClosed>,
}

impl ShutdownReport {
    /// Whether every tenant's final sync succeeded.
    pub fn all_synced(&self) -> bool {
        self.shards
            .iter()
            .all(|s| s.tenants.iter().all(|t| t.synced))
    }
}
