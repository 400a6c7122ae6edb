//! Replicated journals on NATS JetStream (cargo feature `nats`): each
//! tenant's commands on its own subject of one stream with 3 replicas, one
//! fenced writer per tenant, standbys that follow and take over.
//!
//! * [`JetStreamStore`] is a [`JournalStore`](super::JournalStore): give it
//!   to [`RuntimeConfig::store`](super::RuntimeConfig::store) and a command
//!   is acknowledged only once JetStream acknowledged the batch holding it
//!   (stored on a quorum of the stream's replicas).
//! * **One writer per tenant.** A process writes a tenant only while it
//!   holds the tenant's lease: a key in a key-value bucket whose max age is
//!   the lease length, taken with `create`, renewed with a revision-checked
//!   `update` (see `lease.rs`). Every append expects the subject's last
//!   sequence, and a new primary's first act is an empty *fence* message,
//!   so a deposed primary's next append is refused; it answers
//!   [`RuntimeError::NotPrimary`](super::RuntimeError::NotPrimary) and
//!   steps down. Replication and elections are JetStream's Raft, not ours.
//! * **Standby.** A [`Replica`] is a tenant's engine rebuilt from its
//!   snapshot and subject; a standby keeps one current by applying the same
//!   records (the engine is deterministic). [`Node`] runs the roles with one
//!   consumer over the whole stream (`follower/`) and one over the lease
//!   bucket (`lease_watch.rs`), never a request per tenant per step: it
//!   follows, takes over every tenant whose lease lapsed or was handed
//!   over, many at once, and serves.
//! * **Snapshots** go to the JetStream object store (a new object per
//!   snapshot, chunked, so of any size up to [`MAX_SNAPSHOT_BYTES`]) with
//!   the record and stream sequence they cover; a per-tenant head in a
//!   key-value bucket, moved by revision-checked updates, names the
//!   current one, so a deposed primary cannot replace a newer snapshot
//!   (`snapshot_head.rs`); the subject's older entries are then purged
//!   (see `snapshot/`).
//!
//! SCALING.md (at the repository's root) states the guarantees and the
//! measured figures; `switchboard node` (src/bin/switchboard/node.rs) runs one node.

mod config;
mod conn;
mod error;
mod follower;
mod journal;
mod lease;
mod lease_watch;
mod node;
mod ops;
mod replica;
mod rules;
#[cfg(test)]
mod sim;
mod snapshot;
mod snapshot_head;
mod store;
mod tail;
mod takeover;
#[cfg(test)]
mod test_server;

pub use config::{NatsConfig, MAX_APPEND_DEADLINE, MAX_LEASE, MIN_LEASE};
pub use error::NatsError;
pub use node::{Node, RoleChange, MAX_LOADS_PER_STEP, MAX_TAKEOVERS_PER_STEP};
pub use replica::Replica;
pub use rules::is_fence;
pub use snapshot::{StoredSnapshot, CHUNK_BYTES, MAX_SNAPSHOT_BYTES};
pub use store::JetStreamStore;
