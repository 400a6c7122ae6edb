//! How a runtime is built: shard count, batch and queue bounds, durability,
//! where journals live, and the clock.

use super::clock::{Clock, SystemClock};
use super::error::RuntimeError;
use super::file_store::FileStore;
use super::journal::{JournalStore, VolatileStore};
use std::path::PathBuf;
use std::sync::Arc;

/// Largest batch a shard may drain at once.
pub const MAX_BATCH: usize = 1 << 16;
/// Largest command queue per shard.
pub const MAX_QUEUE: usize = 1 << 22;
/// Largest number of shards.
pub const MAX_SHARDS: usize = 1024;
/// Largest decision-stream buffer per tenant.
pub const MAX_STREAM: usize = 1 << 20;
/// Most threads opening (recovering) tenants, shared by every shard.
pub const MAX_OPEN_THREADS: usize = 64;
/// Most journals one shard commits at once (threads per batch).
pub const MAX_COMMIT_THREADS: usize = 64;

const _: () = assert!(MAX_BATCH <= MAX_QUEUE && MAX_SHARDS > 0 && MAX_STREAM > 0);

/// When an applied command counts as acknowledged, that is, when its caller
/// is told. In every mode the whole batch is applied first; the journal is
/// written once per touched tenant per batch.
///
/// | mode | caller told after | survives process kill | survives OS crash |
/// |---|---|---|---|
/// | [`Volatile`](Durability::Volatile) | the engine applied it | no | no |
/// | [`Buffered`](Durability::Buffered) | the batch's one `write(2)` | yes | no |
/// | [`Synced`](Durability::Synced) | the batch's one write and one `fdatasync` (group commit) | yes | yes |
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// No journal: state lives in memory only.
    Volatile,
    /// Journal written to the OS once per batch; no fsync.
    Buffered,
    /// Journal written and fsynced once per batch (group commit).
    Synced,
}

/// A runtime's settings. Start from [`RuntimeConfig::volatile`] or
/// [`RuntimeConfig::durable`] and adjust with the builder methods.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    pub(crate) shards: usize,
    pub(crate) batch_max: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) stream_capacity: usize,
    pub(crate) durability: Durability,
    pub(crate) store: Arc<dyn JournalStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) open_threads: usize,
    pub(crate) commit_threads: usize,
}

impl RuntimeConfig {
    fn with(durability: Durability, store: Arc<dyn JournalStore>) -> Self {
        Self {
            shards: std::thread::available_parallelism().map_or(1, |n| n.get()),
            batch_max: 1024,
            queue_capacity: 16 * 1024,
            stream_capacity: 1024,
            durability,
            store,
            clock: Arc::new(SystemClock::new()),
            open_threads: 2,
            commit_threads: 8,
        }
    }

    /// No journal ([`Durability::Volatile`]); one shard per core, batches of
    /// up to 1,024, queues of 16,384 commands, streams buffering 1,024
    /// decisions per tenant, the system clock.
    pub fn volatile() -> Self {
        Self::with(Durability::Volatile, Arc::new(VolatileStore))
    }

    /// Journals under `root` (one directory per tenant, a [`FileStore`]),
    /// group commit ([`Durability::Synced`]); otherwise as
    /// [`volatile`](Self::volatile).
    pub fn durable(root: impl Into<PathBuf>) -> Self {
        Self::with(Durability::Synced, Arc::new(FileStore::new(root)))
    }

    /// Number of shards (OS threads), `1..=MAX_SHARDS`.
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = shards;
        self
    }

    /// Most commands a shard applies per batch (and so per fsync),
    /// `1..=MAX_BATCH`.
    pub fn batch_max(mut self, batch: usize) -> Self {
        self.batch_max = batch;
        self
    }

    /// Commands a shard's queue holds before callers get
    /// [`RuntimeError::Overloaded`], `batch_max..=MAX_QUEUE`. The queue is
    /// allocated up front (a slot is a couple of hundred bytes).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity;
        self
    }

    /// Decisions buffered per tenant for subscribers; one that falls further
    /// behind gets a lag notice. `1..=MAX_STREAM`. Allocated up front for
    /// every tenant (a slot is about a hundred bytes).
    pub fn stream_capacity(mut self, capacity: usize) -> Self {
        self.stream_capacity = capacity;
        self
    }

    /// When callers are told (see [`Durability`]). `Volatile` ignores the
    /// store (no journal at all); `Buffered` or `Synced` with
    /// [`VolatileStore`] encode records and drop them.
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// Where tenants' journals live (the journal seam).
    pub fn store(mut self, store: Arc<dyn JournalStore>) -> Self {
        self.store = store;
        self
    }

    /// The clock the shards stamp commands with.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Threads that open and recover tenants, shared by every shard,
    /// `1..=MAX_OPEN_THREADS` (default 2). A shard hands a tenant being
    /// added to them and keeps serving its other tenants meanwhile;
    /// commands for the tenant wait until it is open.
    pub fn open_threads(mut self, threads: usize) -> Self {
        self.open_threads = threads;
        self
    }

    /// Most journals a shard writes and syncs at once at the end of a
    /// batch under [`Durability::Synced`], `1..=MAX_COMMIT_THREADS`
    /// (default 8). With 1 they are written and synced one after another,
    /// so a batch touching N tenants waits for N fsyncs (or N JetStream
    /// round trips); with more, the shard overlaps them on short-lived
    /// threads of its own, so the batch waits for about one.
    pub fn commit_threads(mut self, threads: usize) -> Self {
        self.commit_threads = threads;
        self
    }

    /// Checks every bound; [`Runtime::start`](super::Runtime::start) does.
    pub fn validate(&self) -> Result<(), RuntimeError> {
        let check = |name, value: usize, lo: usize, hi: usize, range| {
            if (lo..=hi).contains(&value) {
                Ok(())
            } else {
                Err(RuntimeError::Setting { name, value, range })
            }
        };
        check("shards", self.shards, 1, MAX_SHARDS, "1..=1024")?;
        check("batch_max", self.batch_max, 1, MAX_BATCH, "1..=65536")?;
        check(
            "queue_capacity",
            self.queue_capacity,
            self.batch_max,
            MAX_QUEUE,
            "batch_max..=4194304",
        )?;
        check(
            "stream_capacity",
            self.stream_capacity,
            1,
            MAX_STREAM,
            "1..=1048576",
        )?;
        check(
            "open_threads",
            self.open_threads,
            1,
            MAX_OPEN_THREADS,
            "1..=64",
        )?;
        check(
            "commit_threads",
            self.commit_threads,
            1,
            MAX_COMMIT_THREADS,
            "1..=64",
        )
    }
}
