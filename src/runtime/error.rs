//! The runtime's error type: one enum for every call through the handle.

use super::tenant::TenantId;
use crate::engine::{ConfigError, EngineError, Rejected, ReserveError};
use crate::persist::PersistError;
use crate::Command;
use std::sync::Arc;
use thiserror::Error;

/// Why the runtime did not apply (or acknowledge) something.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The shard's queue is full. Answered at once; nothing was queued.
    /// The command is handed back so the caller can retry it later, or use
    /// [`RuntimeHandle::submit_waiting`](super::RuntimeHandle::submit_waiting)
    /// to wait for room.
    #[error("shard {shard} is overloaded ({capacity} commands queued): retry later or await room with submit_waiting")]
    Overloaded {
        /// The shard whose queue is full.
        shard: usize,
        /// The queue's capacity.
        capacity: usize,
        /// The command, not applied.
        command: Box<Command>,
    },
    /// The shard's queue has fewer free places than the batch has commands
    /// ([`RuntimeHandle::send_batch`](super::RuntimeHandle::send_batch)).
    /// Answered at once; nothing was queued, and the commands are handed
    /// back.
    #[error("shard {shard} is overloaded ({capacity} commands queued): no room for the batch; retry later")]
    OverloadedBatch {
        /// The shard whose queue is full.
        shard: usize,
        /// The queue's capacity.
        capacity: usize,
        /// The commands, none applied.
        commands: Vec<Command>,
    },
    /// The shard's control queue (tenants, subscriptions, statistics) is
    /// full. Answered at once; retry.
    #[error("shard {shard} has too many control requests queued: retry")]
    Busy {
        /// The shard.
        shard: usize,
    },
    /// A command that cannot be journaled (it encodes too large). Refused
    /// before the engine saw it.
    #[error("command refused before applying: {0}")]
    Unencodable(#[source] PersistError),
    /// No tenant with this id runs on the runtime.
    #[error("unknown tenant {0}: add it with RuntimeHandle::add_tenant first")]
    UnknownTenant(TenantId),
    /// A tenant with this id runs already.
    #[error("tenant {0} runs already")]
    DuplicateTenant(TenantId),
    /// A tenant id that is empty, too long, or has characters other than
    /// ASCII letters, digits, `-` and `_` (it names a directory).
    #[error("invalid tenant id {id:?}: use 1 to {max} ASCII letters, digits, '-' or '_'")]
    InvalidTenantId {
        /// The rejected id.
        id: String,
        /// The longest id allowed.
        max: usize,
    },
    /// The engine refused the command; nothing changed and nothing was
    /// journaled. The command is handed back with the reason (as
    /// [`Engine::try_apply`](crate::Engine::try_apply) does), so the caller
    /// can retry it (see [`EngineError::is_retriable`]) without having kept
    /// a copy.
    #[error(transparent)]
    Rejected(Box<Rejected>),
    /// A closure the host handed the runtime panicked (a query's closure,
    /// or the journal store opening a tenant). The panic was caught on the
    /// shard's side: the tenant's engine is untouched (a query only reads
    /// it) and every other tenant of the shard keeps running. Counted in
    /// the tenant's [`TenantCounters::panics`](super::TenantCounters::panics).
    #[error("{what} of tenant {tenant} panicked: {message}; the tenant is untouched")]
    Panicked {
        /// The tenant.
        tenant: TenantId,
        /// What panicked (`"query"`, `"open"`).
        what: &'static str,
        /// The panic's message, when it was a string.
        message: String,
    },
    /// The tenant is still being opened (recovered from its journal) off
    /// its shard's thread. Commands sent meanwhile wait for it; this answers
    /// the requests that cannot wait (statistics, queries, removal): retry
    /// once [`RuntimeHandle::add_tenant`](super::RuntimeHandle::add_tenant)
    /// has resolved.
    #[error("tenant {0} is still opening: retry once add_tenant has resolved")]
    TenantOpening(TenantId),
    /// Writing or syncing this tenant's journal failed. The command is not
    /// acknowledged, and the tenant is poisoned: its engine may be ahead of
    /// its journal, so every later command fails with
    /// [`RuntimeError::TenantPoisoned`]. Other tenants are unaffected.
    /// Remove the tenant and add it again to recover it from disk.
    #[error("journal of tenant {tenant} failed; the tenant is poisoned, remove and re-add it to recover: {source}")]
    Journal {
        /// The tenant.
        tenant: TenantId,
        /// The I/O failure.
        #[source]
        source: Arc<PersistError>,
    },
    /// This process is not (or no longer) the tenant's primary: its
    /// replicated journal refused the append because another process holds
    /// the tenant's writer lease. The command is not acknowledged; retry it
    /// against the tenant's new primary, named by `leader` when known.
    #[error("not the primary of tenant {tenant}: retry against {} ({reason})", .leader.as_deref().unwrap_or("the new primary"))]
    NotPrimary {
        /// The tenant.
        tenant: TenantId,
        /// Why (lease lost, append fenced, a standby here).
        reason: String,
        /// The node last seen holding the tenant's lease, where to retry
        /// (`None`: not known here, for instance no lease is held now).
        leader: Option<String>,
    },
    /// An earlier journal failure poisoned the tenant.
    #[error(
        "tenant {0} is poisoned by an earlier journal failure; remove and re-add it to recover"
    )]
    TenantPoisoned(TenantId),
    /// Opening or recovering a tenant failed.
    #[error("cannot open tenant {tenant}: {source}")]
    Open {
        /// The tenant.
        tenant: TenantId,
        /// What went wrong.
        #[source]
        source: PersistError,
    },
    /// The room a tenant's spec asks to reserve
    /// ([`TenantSpec::reservation`](super::TenantSpec::reservation)) could
    /// not be reserved: past the configuration's limits, or refused by the
    /// allocator. The tenant was not added, and nothing was written to
    /// its journal.
    #[error("cannot reserve room for tenant {tenant}: {source}")]
    Reserve {
        /// The tenant.
        tenant: TenantId,
        /// Why.
        #[source]
        source: ReserveError,
    },
    /// The tenant's engine configuration is invalid.
    #[error("tenant {tenant} has an invalid configuration: {source}")]
    Config {
        /// The tenant.
        tenant: TenantId,
        /// What is wrong.
        #[source]
        source: ConfigError,
    },
    /// A runtime setting out of range.
    #[error("runtime setting {name} is {value}; it must be in {range}")]
    Setting {
        /// The setting.
        name: &'static str,
        /// The rejected value.
        value: usize,
        /// The allowed range.
        range: &'static str,
    },
    /// Starting a shard thread failed.
    #[error("cannot start shard thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// The runtime is shutting down or stopped; nothing was applied.
    #[error("the runtime is shutting down")]
    ShuttingDown,
}

impl RuntimeError {
    /// The engine's reason, when the engine refused the command.
    pub fn engine_error(&self) -> Option<&EngineError> {
        match self {
            RuntimeError::Rejected(rejected) => Some(&rejected.error),
            _ => None,
        }
    }

    /// The command handed back, when it was not applied and the error
    /// carries it ([`RuntimeError::Rejected`], [`RuntimeError::Overloaded`]).
    pub fn into_command(self) -> Option<Command> {
        match self {
            RuntimeError::Rejected(rejected) => Some(rejected.command),
            RuntimeError::Overloaded { command, .. } => Some(*command),
            _ => None,
        }
    }

    /// The message of a caught panic's payload (`&str` or `String`).
    pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a non-string payload".to_owned())
    }

    /// The error a poisoned tenant answers with: [`RuntimeError::NotPrimary`]
    /// when its journal was fenced, else `fresh` for the failing batch or
    /// [`RuntimeError::TenantPoisoned`] later.
    pub(crate) fn from_poison(tenant: &TenantId, source: &Arc<PersistError>, fresh: bool) -> Self {
        match source.as_ref() {
            PersistError::Fenced { reason } => RuntimeError::NotPrimary {
                tenant: tenant.clone(),
                reason: reason.clone(),
                leader: None,
            },
            _ if fresh => RuntimeError::Journal {
                tenant: tenant.clone(),
                source: Arc::clone(source),
            },
            _ => RuntimeError::TenantPoisoned(tenant.clone()),
        }
    }
}
