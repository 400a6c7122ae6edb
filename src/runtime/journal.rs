//! The journal seam: the trait a shard writes each tenant's batch through.
//!
//! A shard encodes every accepted command as a journal frame (see
//! [`persist::encode_record`](crate::persist::encode_record)), gathers one
//! tenant's frames of a batch into a [`RecordBatch`], and hands it to that
//! tenant's [`Journal`] with one [`append`](Journal::append), then one
//! [`sync`](Journal::sync) when the durability asks for it; under
//! [`Durability::Synced`](super::Durability::Synced) the journals of one
//! batch's tenants are appended and synced at once, on up to
//! [`RuntimeConfig::commit_threads`](super::RuntimeConfig::commit_threads)
//! threads. Only then are the callers told. [`FileStore`](super::FileStore) (local files, the
//! default) and [`VolatileStore`] (no journal) implement it; a replicated
//! backend (a JetStream stream per tenant, a publish per batch) would be one
//! more [`JournalStore`].

use super::tenant::TenantId;
use crate::engine::{Engine, EngineConfig};
use crate::persist::{PersistError, RecoveryReport};
use crate::policy::PolicyFactory;
use std::fmt;

/// The frames of one tenant's accepted commands in one batch, in order.
#[derive(Debug, Default)]
pub struct RecordBatch {
    /// The frames, back to back, as [`encode_record`](crate::persist::encode_record) made them.
    pub bytes: Vec<u8>,
    /// How many records `bytes` holds.
    pub count: u64,
    /// Sequence number of the first record (the journal's last plus one).
    pub first_seq: u64,
}

impl RecordBatch {
    /// Empties the batch, keeping its buffer.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.count = 0;
    }
}

/// One tenant's journal, owned by its shard thread.
pub trait Journal: Send + fmt::Debug {
    /// Sequence number of the last record appended (0 when none ever was).
    fn last_seq(&self) -> u64;

    /// Appends `batch` (numbered from `last_seq() + 1`) in one write, so the
    /// records survive the process being killed once this returns. An error
    /// poisons the tenant: the shard never calls this journal again.
    fn append(&mut self, batch: &RecordBatch) -> Result<(), PersistError>;

    /// Makes everything appended survive an OS crash or power loss.
    fn sync(&mut self) -> Result<(), PersistError>;

    /// Whether enough records were appended since the last checkpoint that
    /// the shard should call [`checkpoint`](Self::checkpoint).
    fn checkpoint_due(&self) -> bool {
        false
    }

    /// Syncs, stores a snapshot of `engine` (whose state is exactly records
    /// `1..=last_seq()`), and drops what the retention no longer needs. A
    /// failure leaves the journal usable; the shard retries later.
    fn checkpoint(&mut self, engine: &Engine) -> Result<(), PersistError> {
        let _ = engine;
        Ok(())
    }
}

/// A tenant opened by a [`JournalStore`]: its recovered engine and journal.
#[derive(Debug)]
pub struct OpenedTenant {
    /// The engine, reflecting every record of the journal.
    pub engine: Engine,
    /// The journal, continuing after the last record.
    pub journal: Box<dyn Journal>,
    /// What recovery found (`None` for a store that keeps nothing).
    pub recovery: Option<RecoveryReport>,
}

/// Where tenants' journals live: opens (and recovers) one tenant.
pub trait JournalStore: Send + Sync + fmt::Debug + 'static {
    /// Opens `tenant`: recovers its engine from what the store holds (or
    /// builds a new one from `config`) and returns the journal to continue.
    /// Called on one of the runtime's opener threads, never a shard's, so a
    /// slow recovery holds up no other tenant; a panic here is caught and
    /// answers [`RuntimeError::Panicked`](super::RuntimeError::Panicked).
    fn open(
        &self,
        tenant: &TenantId,
        config: &EngineConfig,
        policy: &PolicyFactory,
    ) -> Result<OpenedTenant, PersistError>;
}

/// No journal at all: commands live only in memory (benchmarks,
/// simulations, tests). Acknowledged means applied.
#[derive(Debug, Clone, Copy, Default)]
pub struct VolatileStore;

#[derive(Debug, Default)]
struct VolatileJournal {
    last_seq: u64,
}

impl Journal for VolatileJournal {
    fn last_seq(&self) -> u64 {
        self.last_seq
    }

    fn append(&mut self, batch: &RecordBatch) -> Result<(), PersistError> {
        debug_assert_eq!(batch.first_seq, self.last_seq + 1);
        self.last_seq += batch.count;
        Ok(())
    }

    fn sync(&mut self) -> Result<(), PersistError> {
        Ok(())
    }
}

impl JournalStore for VolatileStore {
    fn open(
        &self,
        _tenant: &TenantId,
        config: &EngineConfig,
        policy: &PolicyFactory,
    ) -> Result<OpenedTenant, PersistError> {
        Ok(OpenedTenant {
            engine: Engine::new(config.clone(), policy.build())?,
            journal: Box::new(VolatileJournal::default()),
            recovery: None,
        })
    }
}
