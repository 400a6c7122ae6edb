//! [`Conn`]: the client, its own small tokio runtime, the journal stream,
//! the lease bucket and the snapshot object store, set up once per process.
//!
//! The runtime's shards are plain threads; they reach JetStream by blocking
//! on the store's runtime (see [`JetStreamStore`](super::JetStreamStore)),
//! each request bounded by a timeout. The connection holds no runtime, so
//! the tasks that share it never own (and never drop) the runtime.

use super::{NatsConfig, NatsError};
use async_nats::jetstream::{self, kv, object_store, stream};
use std::future::Future;
use std::time::Duration;

/// How long one JetStream request may take before it counts as failed.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection and what hangs off it.
pub(crate) struct Conn {
    pub(crate) config: NatsConfig,
    pub(crate) js: jetstream::Context,
    pub(crate) stream: stream::Stream,
    pub(crate) leases: kv::Store,
    /// The snapshot object store (see `snapshot.rs`).
    pub(crate) snapshots: object_store::ObjectStore,
    /// The object store's own stream, whose chunks `snapshot.rs` reads.
    pub(crate) snapshot_stream: stream::Stream,
}

/// What [`setup`] makes: the context, the journal stream, the lease bucket,
/// the snapshot object store and its stream.
type Setup = (
    jetstream::Context,
    stream::Stream,
    kv::Store,
    object_store::ObjectStore,
    stream::Stream,
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
    /// Connects and creates (or finds) the stream and the buckets.
    pub(crate) async fn open(config: NatsConfig) -> Result<Self, NatsError> {
        config.validate()?;
        let (js, stream, leases, snapshots, snapshot_stream) = setup(&config).await?;
        Ok(Self {
            config,
            js,
            stream,
            leases,
            snapshots,
            snapshot_stream,
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
    // A new cluster may still be electing its metadata leader: retry a few
    // times (bounded) before giving up.
    let mut last = None;
    for _ in 0..20 {
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
            Ok::<_, NatsError>((s, leases, snaps, snaps_stream))
        }
        .await;
        match made {
            Ok((s, leases, snaps, snaps_stream)) => {
                return Ok((js, s, leases, snaps, snaps_stream))
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
