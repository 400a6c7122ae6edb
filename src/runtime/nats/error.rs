//! [`NatsError`]: what can go wrong setting up or using the JetStream
//! journal outside an append (appends fail through
//! [`PersistError`](crate::persist::PersistError)).

use thiserror::Error;

/// Why the JetStream journal could not be set up or used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NatsError {
    /// A setting is out of range.
    #[error("nats setting {name} is out of range: use {range}")]
    Setting {
        /// The setting.
        name: &'static str,
        /// What is allowed.
        range: &'static str,
    },
    /// The store's own tokio runtime could not start.
    #[error("cannot start the nats client's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The servers could not be reached.
    #[error("cannot connect to nats at {url}: {reason}; is nats-server running with -js?")]
    Connect {
        /// The URL tried.
        url: String,
        /// The client's error.
        reason: String,
    },
    /// Creating or finding the stream or a bucket failed.
    #[error("cannot set up {what}: {reason}")]
    Setup {
        /// The stream or bucket.
        what: String,
        /// The server's or client's error.
        reason: String,
    },
    /// The lease bucket exists with another max age than this node's
    /// lease: the bucket's max age is what expires a lease (nats-server
    /// 2.9 has no per-key TTL), so every node must use the same lease.
    #[error("lease bucket {bucket} expires leases after {bucket_lease:?}, but this node's lease is {lease:?}: give every node the same lease, or use another bucket")]
    LeaseMismatch {
        /// The bucket.
        bucket: String,
        /// Its max age.
        bucket_lease: std::time::Duration,
        /// This node's configured lease.
        lease: std::time::Duration,
    },
    /// Another process holds the tenant's lease: this one may only follow.
    #[error("tenant {tenant} is led by {holder}: retry against it")]
    LeaseHeld {
        /// The tenant.
        tenant: String,
        /// The node holding the lease.
        holder: String,
        /// The lease key's revision.
        revision: u64,
    },
    /// A JetStream request failed (timeout, no responders, refused).
    #[error("jetstream request {what} failed: {reason}")]
    Request {
        /// What was asked.
        what: &'static str,
        /// The client's error.
        reason: String,
    },
    /// Replaying the tenant's stream failed.
    #[error("cannot replay tenant {tenant}: {source}")]
    Replay {
        /// The tenant.
        tenant: String,
        /// What went wrong.
        #[source]
        source: crate::persist::PersistError,
    },
}
