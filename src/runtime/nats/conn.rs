//! [`Conn`]: the client, its own small tokio runtime, the journal stream and
//! the two buckets, set up once per process.
//!
//! The runtime's shards are plain threads; they reach JetStream by blocking
//! on the store's runtime (see [`JetStreamStore`](super::JetStreamStore)),
//! each request bounded by a timeout. The connection holds no runtime, so
//! the tasks that share it never own (and never drop) the runtime.

use super::{NatsConfig, NatsError};
use async_nats::jetstream::{self, kv, stream};
use std::future::Future;
use std::time::Duration;

/// How long one JetStream request may take before it counts as failed.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection and what hangs off it.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) config: NatsConfig,
    pub(crate) js: jetstream::Context,
    pub(crate) stream: stream::Stream,
    pub(crate) leases: kv::Store,
    pub(crate) snapshots: kv::Store,
}

impl Conn {
    /// Connects and creates (or finds) the stream and the buckets.
    pub(crate) async fn open(config: NatsConfig) -> Result<Self, NatsError> {
        config.validate()?;
        let (js, stream, leases, snapshots) = setup(&config).await?;
        Ok(Self {
            config,
            js,
            stream,
            leases,
            snapshots,
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

async fn setup(
    config: &NatsConfig,
) -> Result<(jetstream::Context, stream::Stream, kv::Store, kv::Store), NatsError> {
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
            let leases = bucket(
                &js,
                kv::Config {
                    bucket: config.lease_bucket.clone(),
                    history: 1,
                    max_age: config.lease,
                    num_replicas: config.replicas,
                    ..Default::default()
                },
            )
            .await?;
            let snaps = bucket(
                &js,
                kv::Config {
                    bucket: config.snapshot_bucket.clone(),
                    history: 1,
                    num_replicas: config.replicas,
                    ..Default::default()
                },
            )
            .await?;
            Ok::<_, NatsError>((s, leases, snaps))
        }
        .await;
        match made {
            Ok((s, leases, snaps)) => return Ok((js, s, leases, snaps)),
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

/// Finds the bucket, or creates it with `config`.
async fn bucket(js: &jetstream::Context, config: kv::Config) -> Result<kv::Store, NatsError> {
    if let Ok(Ok(store)) =
        tokio::time::timeout(REQUEST_TIMEOUT, js.get_key_value(config.bucket.clone())).await
    {
        return Ok(store);
    }
    timed("create bucket", js.create_key_value(config)).await
}
