//! The runtime (feature `runtime`): sharded, single-writer engines behind
//! lock-free queues, with a clock and timers, group-commit journaling, a
//! decision stream per tenant, statistics and metrics.
//!
//! It surrounds engines the way LMAX's input and output disruptors surround
//! its business logic processor: callers never lock, engines never share.
//!
//! * A **tenant** ([`TenantSpec`]) is one contact centre: its own engine,
//!   configuration, policy and journal. It lives on exactly one **shard**,
//!   chosen by a fixed hash of its id ([`RuntimeHandle::shard_of`]), so it
//!   lands on the same shard after a restart.
//! * A shard is one OS thread owning its tenants' engines. It takes up to
//!   `batch_max` commands from its bounded queue, stamps them with the
//!   [`Clock`], applies them, writes each touched tenant's journal with one
//!   write and one fsync ([`Durability`]; the tenants' fsyncs of one batch
//!   issued together, so the batch waits for about one), then publishes the
//!   decisions on the tenants' [`DecisionStream`]s and completes the
//!   callers. A command the engine refuses comes back to its caller in
//!   [`RuntimeError::Rejected`]. It ticks
//!   each engine at its next deadline, so SLA warnings, offer timeouts and
//!   known-agent waits fire with no traffic; ticks are journaled.
//! * The [`RuntimeHandle`] submits from threads ([`RuntimeHandle::submit`])
//!   and async tasks ([`RuntimeHandle::submit_async`]); a full queue answers
//!   [`RuntimeError::Overloaded`] at once, or
//!   [`RuntimeHandle::submit_waiting`] awaits room.
//!   [`RuntimeHandle::send_batch`] sends many commands for one tenant as
//!   one queue item, answered together ([`PendingBatch`]): one answer slot
//!   and one wake-up per batch instead of per command
//!   ([`RuntimeHandle::submit_batch_waiting`] awaits room for it).
//! * On start every tenant is recovered from its snapshot and journal
//!   ([`StartReport`]); [`Runtime::shutdown`] drains, syncs and reports.
//!   Opening and recovering a tenant runs on a small pool of opener threads
//!   ([`RuntimeConfig::open_threads`]), never on a shard: the shard keeps
//!   serving its other tenants, and a command for a tenant still opening
//!   waits for it.
//! * The host's code never ends a shard: a query closure or a journal
//!   store that panics answers [`RuntimeError::Panicked`] (counted in
//!   [`TenantCounters::panics`]), and a journal that panics poisons its
//!   tenant only.
//! * With the cargo feature `tracing`, a span per batch and an event per
//!   decision go to the `tracing` facade; without it no tracing code is
//!   compiled. Metrics go to the `metrics` facade (see `metrics.rs`).
//! * The journal is a seam ([`JournalStore`], [`Journal`]): [`FileStore`]
//!   writes [`persist`](crate::persist)'s format, one directory per tenant.
//!
//! A command's path reads in one direction: `handle.rs` → the shard's queue
//! → `shard.rs` → `batch.rs` (ticks, apply, commit, complete) → the caller
//! and `stream.rs`.
//!
//! ```
//! use switchboard::runtime::{Runtime, RuntimeConfig, TenantId, TenantSpec};
//! use switchboard::policy::BuiltinPolicy;
//! use switchboard::{AgentId, AgentSpec, Capacity, EngineConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let acme = TenantId::new("acme")?;
//! let spec = TenantSpec::with_builtin(acme.clone(), EngineConfig::default(), BuiltinPolicy::LeastLoaded);
//! let (runtime, _report) = Runtime::start(RuntimeConfig::volatile().shards(2), vec![spec])?;
//! let handle = runtime.handle();
//! let accepted = handle.submit(&acme, AgentSpec::new(AgentId(1), Capacity::units(4)))?;
//! assert_eq!(accepted.record, 1);
//! let report = runtime.shutdown();
//! assert!(report.all_synced());
//! # Ok(())
//! # }
//! ```

#[macro_use]
mod trace;

mod answers;
mod batch;
mod catch_up;
mod clock;
mod commit;
mod completion;
#[cfg(all(test, loom))]
mod completion_loom;
mod config;
mod directory;
#[cfg(all(test, loom))]
mod directory_loom;
mod error;
mod file_store;
mod group_refresh;
mod handle;
mod handle_control;
mod handoff;
#[cfg(all(test, loom))]
mod handoff_loom;
mod journal;
mod lifecycle;
mod message;
mod metrics;
#[cfg(feature = "nats")]
pub mod nats;
mod opener;
mod pending;
mod placement;
mod queue;
mod report;
mod shard;
mod shard_control;
mod stage;
pub mod stats;
mod stream;
#[cfg(all(test, loom))]
mod stream_loom;
mod sync;
mod tenant;
mod timers;
mod workload_metrics;

pub use clock::{Clock, ClockWaker, ManualClock, SystemClock};
pub use config::{
    Durability, RuntimeConfig, MAX_BATCH, MAX_COMMIT_THREADS, MAX_OPEN_THREADS, MAX_QUEUE,
    MAX_SHARDS, MAX_STREAM,
};
pub use error::RuntimeError;
pub use file_store::FileStore;
pub use handle::RuntimeHandle;
pub use journal::{Journal, JournalStore, OpenedTenant, RecordBatch, VolatileStore};
pub use lifecycle::Runtime;
pub use message::Accepted;
pub use pending::{Pending, PendingBatch};
pub use placement::placement;
pub use report::{ShardClosed, ShutdownReport, StartReport, TenantClosed, TenantOpened};
pub use stats::{ShardStats, TenantCounters, TenantStats};
pub use stream::{DecisionStream, StreamEvent, StreamItem};
pub use tenant::{TenantId, TenantSpec};
