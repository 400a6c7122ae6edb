//! [`NatsConfig`]: where the JetStream journal lives and how long a lease
//! lasts.

use std::time::Duration;

/// The longest lease accepted: a standby waits this long after a primary
/// dies, so anything longer is an outage, not a setting.
pub const MAX_LEASE: Duration = Duration::from_secs(60);

/// The shortest lease accepted: renewals go every quarter of it, and a
/// JetStream round trip must fit comfortably.
pub const MIN_LEASE: Duration = Duration::from_millis(200);

/// The longest a single append may retry for (a stream-leader election takes
/// about 8 s on nats-server 2.9; see SCALING.md).
pub const MAX_APPEND_DEADLINE: Duration = Duration::from_secs(120);

const _: () = assert!(MIN_LEASE.as_millis() < MAX_LEASE.as_millis());

/// Settings of a [`JetStreamStore`](super::JetStreamStore).
#[derive(Clone, Debug)]
pub struct NatsConfig {
    /// The server URL(s), comma separated (`nats://127.0.0.1:4222,...`).
    pub url: String,
    /// This process's name, written into the leases it holds; unique per
    /// process.
    pub node: String,
    /// The stream holding every tenant's journal (subject
    /// `<subject_prefix>.<tenant>`).
    pub stream: String,
    /// The subject prefix of the journal stream.
    pub subject_prefix: String,
    /// The key-value bucket of the writer leases.
    pub lease_bucket: String,
    /// The object store of the snapshots (one object per snapshot taken,
    /// named `<tenant>.<stream sequence>`).
    pub snapshot_bucket: String,
    /// The key-value bucket naming each tenant's current snapshot object
    /// (moved only by revision-checked updates; see `snapshot_head.rs`).
    pub snapshot_head_bucket: String,
    /// Replicas of the stream and the buckets (1 for a single server, 3 for
    /// a cluster that survives a node).
    pub replicas: usize,
    /// How long a lease lives without renewal: the bucket's max age.
    /// Renewed every quarter of it. Between [`MIN_LEASE`] and [`MAX_LEASE`].
    pub lease: Duration,
    /// How long one append retries through a JetStream outage (leader
    /// election) before the tenant is poisoned. At most
    /// [`MAX_APPEND_DEADLINE`].
    pub append_deadline: Duration,
    /// A snapshot goes to the snapshot bucket after this many records, and
    /// the stream entries behind it are purged (`None`: never).
    pub snapshot_every: Option<u64>,
}

impl NatsConfig {
    /// Defaults for `node` on the servers at `url`: stream `SWITCHBOARD`,
    /// 3 replicas, a 1 s lease, a 20 s append deadline, a snapshot every
    /// 10,000 records.
    pub fn new(url: impl Into<String>, node: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            node: node.into(),
            stream: "SWITCHBOARD".into(),
            subject_prefix: "sb.journal".into(),
            lease_bucket: "sb_leases".into(),
            snapshot_bucket: "sb_snapshots".into(),
            snapshot_head_bucket: "sb_snapshot_heads".into(),
            replicas: 3,
            lease: Duration::from_secs(1),
            append_deadline: Duration::from_secs(20),
            snapshot_every: Some(10_000),
        }
    }

    /// The subject of `tenant`'s journal.
    pub fn subject(&self, tenant: &str) -> String {
        format!("{}.{tenant}", self.subject_prefix)
    }

    /// Checks the ranges; names the setting that is out of range.
    pub fn validate(&self) -> Result<(), super::NatsError> {
        let bad = |name: &'static str, range: &'static str| {
            Err(super::NatsError::Setting { name, range })
        };
        if !(MIN_LEASE..=MAX_LEASE).contains(&self.lease) {
            return bad("lease", "200 ms ..= 60 s");
        }
        if self.append_deadline.is_zero() || self.append_deadline > MAX_APPEND_DEADLINE {
            return bad("append_deadline", "1 ms ..= 120 s");
        }
        if !(1..=5).contains(&self.replicas) {
            return bad("replicas", "1 ..= 5");
        }
        if self.node.is_empty() || self.node.len() > 64 {
            return bad("node", "a name of 1 to 64 bytes");
        }
        if self.snapshot_every == Some(0) {
            return bad("snapshot_every", "None or at least 1");
        }
        Ok(())
    }
}
