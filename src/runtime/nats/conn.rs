//! [`Conn`]: the client, the journal stream, the lease bucket, the snapshot
//! object store and its bucket of heads, set up once per process.
//!
//! The runtime's shards are plain threads; they reach JetStream by blocking
//! on the store's runtime (see [`JetStreamStore`](super::JetStreamStore)),
//! each request bounded by a timeout. The connection holds no runtime, so
//! the tasks that share it never own (and never drop) the runtime.

use super::{NatsConfig, NatsError};
use crate::runtime::Clock;
use async_nats::jetstream::{self, kv, object_store, stream};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How long one JetStream request may take before it counts as failed.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// How long connecting retries setting up the stream and the buckets on a
/// cluster that is still forming (seen taking over 10 s on two loaded
/// cores) before [`NatsError::Setup`].
const SETUP_DEADLINE: Duration = Duration::from_secs(45);

/// A connection and what hangs off it.
pub(crate) struct Conn {
    pub(crate) config: NatsConfig,
    pub(crate) js: jetstream::Context,
    pub(crate) stream: stream::Stream,
    pub(crate) leases: kv::Store,
    /// The snapshot object store (see `snapshot/`).
    pub(crate) snapshots: object_store::ObjectStore,
    /// The object store's own stream, whose chunks `snapshot/` reads.
    pub(crate) snapshot_stream: stream::Stream,
    /// Which object is each tenant's current snapshot (`snapshot_head.rs`).
    pub(crate) snapshot_heads: kv::Store,
    /// The clock the lease and takeover decisions read (the runtime's
    /// [`Clock`]): never `Instant::now()`, so a simulation drives them.
    pub(crate) clock: Arc<dyn Clock>,
}

/// What [`setup`] makes: the context, the journal stream, the lease bucket,
/// the snapshot object store, its stream and its heads.
type Setup = (
    jetstream::Context,
    stream::Stream,
    kv::Store,
    object_store::ObjectStore,
    stream::Stream,
    kv::Store,
);

impl std::fmt::Debug for Conn {
    // By hand: the client's object store handle has no `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("config", &self.config)
            .field("stream", &self.stream.cached_info().config.name)
            .field(
                "snapshot_stream",
                &self.snapshot_stream.cached_info().config.name,
            )
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// Connects and creates (or finds) the stream and the buckets; the
    /// lease and takeover decisions read `clock`.
    pub(crate) async fn open(config: NatsConfig, clock: Arc<dyn Clock>) -> Result<Self, NatsError> {
        config.validate()?;
        let (js, stream, leases, snapshots, snapshot_stream, snapshot_heads) =
            setup(&config).await?;
        // Found, not created: made by a node with another lease, it would
        // expire this node's leases early (standbys take over a live
        // primary's tenants) or late (failover slower than promised).
        let bucket_lease = leases.stream.cached_info().config.max_age;
        if bucket_lease != config.lease {
            return Err(NatsError::LeaseMismatch {
                bucket: config.lease_bucket.clone(),
                bucket_lease,
                lease: config.lease,
            });
        }
        Ok(Self {
            config,
            js,
            stream,
            leases,
            snapshots,
            snapshot_stream,
            snapshot_heads,
            clock,
        })
    }
}

/// Runs `future` with [`REQUEST_TIMEOUT`]; a timeout becomes `Err`.
pub(crate) async fn timed<T, E: std::fmt::Display>(
    what: &'static str,
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, NatsError> {
    match tokio::time::timeout(REQUEST_TIMEOUT, future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(NatsError::Request {
            what,
            reason: e.to_string(),
        }),
        Err(_) => Err(NatsError::Request {
            what,
            reason: format!("no answer within {REQUEST_TIMEOUT:?}"),
        }),
    }
}

async fn setup(config: &NatsConfig) -> Result<Setup, NatsError> {
    let connect = async_nats::ConnectOptions::new()
        .connection_timeout(REQUEST_TIMEOUT)
        .request_timeout(Some(REQUEST_TIMEOUT))
        .retry_on_initial_connect();
    let urls: Vec<&str> = config.url.split(',').map(str::trim).collect();
    let client = tokio::time::timeout(Duration::from_secs(10), connect.connect(urls))
        .await
        .map_err(|_| NatsError::Connect {
            url: config.url.clone(),
            reason: "no server answered within 10 s".into(),
        })?
        .map_err(|e| NatsError::Connect {
            url: config.url.clone(),
            reason: e.to_string(),
        })?;
    let js = jetstream::new(client);
    let setup_err = |what: &str| {
        let what = what.to_string();
        move |e: NatsError| NatsError::Setup {
            what,
            reason: e.to_string(),
        }
    };
    // A new cluster may still be electing its metadata leader or meeting
    // its peers ("no suitable peers for placement"): retry for a while
    // (bounded by SETUP_DEADLINE) before giving up.
    let mut last = None;
    let started = std::time::Instant::now();
    while started.elapsed() < SETUP_DEADLINE {
        let stream_config = stream::Config {
            name: config.stream.clone(),
            subjects: vec![format!("{}.>", config.subject_prefix)],
            num_replicas: config.replicas,
            storage: stream::StorageType::File,
            ..Default::default()
        };
        let made = async {
            let s = timed("create stream", js.get_or_create_stream(stream_config)).await?;
            let leases = find_or_create(
                "create bucket",
                js.get_key_value(&config.lease_bucket),
                || {
                    js.create_key_value(kv::Config {
                        bucket: config.lease_bucket.clone(),
                        history: 1,
                        max_age: config.lease,
                        num_replicas: config.replicas,
                        ..Default::default()
                    })
                },
            )
            .await?;
            let snaps = find_or_create(
                "create object store",
                js.get_object_store(&config.snapshot_bucket),
                || {
                    js.create_object_store(object_store::Config {
                        bucket: config.snapshot_bucket.clone(),
                        num_replicas: config.replicas,
                        storage: stream::StorageType::File,
                        ..Default::default()
                    })
                },
            )
            .await?;
            // The object store's stream is `OBJ_<bucket>` (the client's
            // naming, fixed by the object store's design).
            let snaps_stream = timed(
                "find snapshot stream",
                js.get_stream(format!("OBJ_{}", config.snapshot_bucket)),
            )
            .await?;
            // No max age: a head lives as long as its tenant's snapshot.
            let heads = find_or_create(
                "create snapshot head bucket",
                js.get_key_value(&config.snapshot_head_bucket),
                || {
                    js.create_key_value(kv::Config {
                        bucket: config.snapshot_head_bucket.clone(),
                        history: 1,
                        num_replicas: config.replicas,
                        ..Default::default()
                    })
                },
            )
            .await?;
            Ok::<_, NatsError>((s, leases, snaps, snaps_stream, heads))
        }
        .await;
        match made {
            Ok((s, leases, snaps, snaps_stream, heads)) => {
                return Ok((js, s, leases, snaps, snaps_stream, heads))
            }
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    Err(setup_err(&config.stream)(last.unwrap_or(
        NatsError::Request {
            what: "setup",
            reason: "no attempt".into(),
        },
    )))
}

/// What `find` finds, or else what `create` makes: a bucket or the object
/// store of another process, or this one's first.
async fn find_or_create<T, E1, E2, F, C>(
    what: &'static str,
    find: F,
    create: impl FnOnce() -> C,
) -> Result<T, NatsError>
where
    E2: std::fmt::Display,
    F: Future<Output = Result<T, E1>>,
    C: Future<Output = Result<T, E2>>,
{
    if let Ok(Ok(found)) = tokio::time::timeout(REQUEST_TIMEOUT, find).await {
        return Ok(found);
    }
    timed(what, create()).await
}

#[cfg(test)]
mod tests {
    use super::super::test_server::{runtime, TestServer};
    use super::*;

    #[test]
    fn a_node_with_another_lease_than_the_bucket_is_refused() {
        let server = TestServer::start();
        runtime().block_on(async {
            // The first node makes the bucket with its 1 s lease.
            let first = server.conn("a").await;
            let mut config = first.config.clone();
            config.node = "b".into();
            config.lease = Duration::from_secs(2);
            match Conn::open(config.clone(), Arc::new(crate::runtime::SystemClock::new())).await {
                Err(NatsError::LeaseMismatch {
                    bucket_lease,
                    lease,
                    ..
                }) => assert_eq!((bucket_lease, lease), (first.config.lease, config.lease)),
                other => panic!("a mismatched lease was accepted: {:?}", other.map(|_| ())),
            }
            config.lease = first.config.lease;
            Conn::open(config, Arc::new(crate::runtime::SystemClock::new()))
                .await
                .expect("the same lease is accepted");
        });
    }
}
