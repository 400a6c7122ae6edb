//! Snapshots in the JetStream object store
//! [`NatsConfig::snapshot_bucket`](super::NatsConfig::snapshot_bucket): one
//! object per snapshot taken, named `<tenant>.<stream sequence>` and never
//! rewritten; the tenant's [head](super::snapshot_head) names the current
//! one, and the object it replaced is removed once the head has moved.
//!
//! The object store chunks an object of any size into messages of
//! [`CHUNK_BYTES`] (a key-value value must fit NATS's 1 MB max payload; a
//! tenant's snapshot need not). Its bytes are the checksummed layout of a
//! snapshot file ([`encode_snapshot`]: magic, the covered record, length,
//! CRC-32, then JSON), the JSON holding the engine's snapshot and the stream
//! sequence of the subject's message that holds the covered record. So a
//! torn or foreign object is refused as [`PersistError::BadSnapshot`],
//! never applied, never a panic.
//!
//! Writing ([`write`]): the object is put (every chunk, then its metadata,
//! each acknowledged), then the head is moved to it by a revision-checked
//! update. A refused update (a newer primary snapshotted meanwhile) removes
//! the new object and fences the writer. A reader thus sees the old
//! snapshot or the new one, whole; one that finds its object removed under
//! it reads the head again.
//!
//! Reading: the chunks are read here with an ordered consumer of the
//! bucket's stream rather than with the client's `Object` reader, which
//! unwraps a failed consumer creation (a panic during a stream-leader
//! election); here every failure is a typed error and every wait bounded.

use super::conn::{timed, Conn, REQUEST_TIMEOUT};
use super::snapshot_head::{self, Advanced, Head};
use super::NatsError;
use crate::engine::{Engine, Snapshot};
use crate::persist::{decode_snapshot, encode_snapshot, PersistError, SNAPSHOT_HEADER_LEN};
use async_nats::jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
use async_nats::jetstream::object_store::{InfoErrorKind, ObjectMetadata};
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// The largest snapshot written or read (256 MiB): a rogue object's
/// announced size is refused before anything is allocated for it.
pub const MAX_SNAPSHOT_BYTES: usize = 256 << 20;

/// The size of one chunk of a snapshot object: well under NATS's default
/// 1 MB max payload, large enough that a 10 MB snapshot is 40 publishes.
pub const CHUNK_BYTES: usize = 256 << 10;

/// The longest a read waits for the next chunk.
const NEXT_CHUNK_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads of a head that moved while its object was read, before giving up
/// (each move is a whole snapshot written by the primary meanwhile).
const HEAD_READS: usize = 3;

const _: () = assert!(CHUNK_BYTES < 1 << 20 && CHUNK_BYTES <= MAX_SNAPSHOT_BYTES);
// A put's request count (chunks + 3) scales its timeout as a u32, and its
// whole timeout (2 s a request: about 34 min at the limit) stays finite.
const _: () = assert!((MAX_SNAPSHOT_BYTES / CHUNK_BYTES + 3) as u64 <= u32::MAX as u64);

/// A tenant's snapshot as the object store holds it.
#[derive(Clone, Debug)]
pub struct StoredSnapshot {
    /// The last journal record the snapshot covers: the engine is the state
    /// after records `1..=last_record`.
    pub last_record: u64,
    /// The stream sequence of the subject's message holding `last_record`:
    /// the subject is read from the next sequence on.
    pub last_stream_seq: u64,
    /// The object's size in bytes.
    pub size: usize,
    /// The engine's state; restore it with [`Engine::restore`].
    pub snapshot: Snapshot,
}

/// The JSON payload, as written (borrowing the engine's snapshot).
#[derive(Serialize)]
struct CoveredRef<'a> {
    stream_seq: u64,
    engine: &'a Snapshot,
}

/// The JSON payload, as read.
#[derive(Deserialize)]
struct Covered {
    stream_seq: u64,
    engine: Snapshot,
}

/// The name of `tenant`'s snapshot covering the subject up to stream
/// sequence `stream_seq` (tenant ids have no `.`).
pub(crate) fn object_name(tenant: &str, stream_seq: u64) -> String {
    format!("{tenant}.{stream_seq}")
}

/// The name a damaged object is reported under (`nats:<bucket>/<object>`).
fn object_path(conn: &Conn, object: &str) -> PathBuf {
    PathBuf::from(format!("nats:{}/{object}", conn.config.snapshot_bucket))
}

/// The object bytes of `engine`'s snapshot covering records
/// `1..=last_record`, the last of them in stream message `last_stream_seq`.
pub(crate) fn encode(
    engine: &Engine,
    last_record: u64,
    last_stream_seq: u64,
) -> Result<Vec<u8>, PersistError> {
    let snapshot = engine.snapshot();
    let covered = CoveredRef {
        stream_seq: last_stream_seq,
        engine: &snapshot,
    };
    encode_snapshot(last_record, &covered)
}

/// Decodes object bytes; any damage is a [`PersistError::BadSnapshot`]
/// naming `path`.
fn decode(path: PathBuf, bytes: &[u8]) -> Result<StoredSnapshot, PersistError> {
    let (last_record, covered): (u64, Covered) = decode_snapshot(bytes, &path)?;
    if covered.stream_seq == 0 && last_record > 0 {
        return Err(PersistError::BadSnapshot {
            path,
            reason: format!("record {last_record} at stream sequence 0"),
        });
    }
    Ok(StoredSnapshot {
        last_record,
        last_stream_seq: covered.stream_seq,
        size: bytes.len(),
        snapshot: covered.engine,
    })
}

/// Stores `bytes` as `tenant`'s snapshot covering the subject up to
/// `stream_seq`, and moves the tenant's head to it from `head` (read before
/// the caller checked that the subject is still its own). Returns the
/// object the head named before (to remove once the subject is purged), or
/// [`PersistError::Fenced`] when the head moved since `head` was read: a
/// newer primary snapshotted, and this one's object is removed again.
pub(crate) async fn write(
    conn: &Conn,
    tenant: &str,
    bytes: &[u8],
    stream_seq: u64,
    head: &Head,
) -> Result<Option<String>, PersistError> {
    let name = object_name(tenant, stream_seq);
    if head.object.as_deref() == Some(name.as_str()) {
        // Written already (nothing was appended since): nothing to move.
        return Ok(None);
    }
    put(conn, &name, bytes).await?;
    match snapshot_head::advance(conn, tenant, head, &name).await {
        Ok(Advanced::Moved) => Ok(head.object.clone()),
        Ok(Advanced::Refused) => {
            remove(conn, &name).await;
            Err(PersistError::Fenced {
                reason: format!("a newer snapshot of {tenant} was written meanwhile"),
            })
        }
        // Unknown whether the head names it: the object stays.
        Err(e) => Err(PersistError::Replica(e.to_string())),
    }
}

/// Removes object `name`, chunks and metadata (no tombstone left behind:
/// a tenant snapshotting all day would otherwise grow the bucket by one
/// per snapshot). Best effort: an object not removed only costs space.
pub(crate) async fn remove(conn: &Conn, name: &str) {
    let Ok(Ok(info)) = tokio::time::timeout(REQUEST_TIMEOUT, conn.snapshots.info(name)).await
    else {
        return;
    };
    let bucket = &conn.config.snapshot_bucket;
    let meta = format!("$O.{bucket}.M.{}", URL_SAFE.encode(name));
    let chunks = format!("$O.{bucket}.C.{}", info.nuid);
    // The metadata first: a reader then finds no object rather than one
    // whose chunks are gone.
    for subject in [meta, chunks] {
        let purge = conn.snapshot_stream.purge().filter(subject);
        if !matches!(
            tokio::time::timeout(REQUEST_TIMEOUT, purge).await,
            Ok(Ok(_))
        ) {
            return;
        }
    }
}

/// Stores `bytes` as object `name`; returns once every chunk and the
/// metadata are acknowledged (on a quorum).
async fn put(conn: &Conn, name: &str, bytes: &[u8]) -> Result<(), PersistError> {
    if bytes.len() > MAX_SNAPSHOT_BYTES {
        // Written, it could never be read back: keep the journal instead.
        return Err(PersistError::Replica(format!(
            "snapshot of {} bytes exceeds the {MAX_SNAPSHOT_BYTES}-byte limit",
            bytes.len()
        )));
    }
    let meta = ObjectMetadata {
        name: name.to_string(),
        description: Some("switchboard engine snapshot".into()),
        chunk_size: Some(CHUNK_BYTES),
    };
    // One request per chunk, plus the lookup of the previous version, the
    // metadata and the purge of the old chunks: each gets REQUEST_TIMEOUT.
    let requests = bytes.len().div_ceil(CHUNK_BYTES) as u32 + 3;
    let mut reader = bytes;
    let put = conn.snapshots.put(meta, &mut reader);
    match tokio::time::timeout(REQUEST_TIMEOUT * requests, put).await {
        Ok(Ok(_info)) => Ok(()),
        Ok(Err(e)) => Err(PersistError::Replica(format!("snapshot put: {e}"))),
        Err(_) => Err(PersistError::Replica(format!(
            "snapshot put of {} bytes timed out",
            bytes.len()
        ))),
    }
}

/// `tenant`'s snapshot, or `None` when it has none. A damaged object, or a
/// head naming an object that is gone, is a [`NatsError::Replay`] holding
/// [`PersistError::BadSnapshot`].
pub(crate) async fn read(conn: &Conn, tenant: &str) -> Result<Option<StoredSnapshot>, NatsError> {
    // Bounded: a head that keeps moving under the reader is an error.
    for _ in 0..HEAD_READS {
        let head = snapshot_head::read(conn, tenant).await?;
        let Some(name) = &head.object else {
            return Ok(None);
        };
        let read = read_object(conn, tenant, name).await;
        if let Ok(Some(stored)) = read {
            return Ok(Some(stored));
        }
        // Missing or damaged: removed under us after a newer snapshot?
        if snapshot_head::read(conn, tenant).await?.revision != head.revision {
            continue;
        }
        return match read {
            Ok(_) => Err(NatsError::Replay {
                tenant: tenant.to_string(),
                source: PersistError::BadSnapshot {
                    path: object_path(conn, name),
                    reason: "the head names an object that does not exist".into(),
                },
            }),
            Err(e) => Err(e),
        };
    }
    Err(NatsError::Request {
        what: "snapshot read",
        reason: format!("the head moved {HEAD_READS} times while its object was read"),
    })
}

/// Object `name`, `tenant`'s snapshot (`None`: no such object).
async fn read_object(
    conn: &Conn,
    tenant: &str,
    name: &str,
) -> Result<Option<StoredSnapshot>, NatsError> {
    let bad = |reason: String| NatsError::Replay {
        tenant: tenant.to_string(),
        source: PersistError::BadSnapshot {
            path: object_path(conn, name),
            reason,
        },
    };
    let info = match tokio::time::timeout(REQUEST_TIMEOUT, conn.snapshots.info(name)).await {
        Ok(Ok(info)) => info,
        Ok(Err(e)) if e.kind() == InfoErrorKind::NotFound => return Ok(None),
        Ok(Err(e)) => {
            return Err(NatsError::Request {
                what: "snapshot info",
                reason: e.to_string(),
            })
        }
        Err(_) => {
            return Err(NatsError::Request {
                what: "snapshot info",
                reason: format!("no answer within {REQUEST_TIMEOUT:?}"),
            })
        }
    };
    if info.deleted {
        return Ok(None);
    }
    if info.options.as_ref().is_some_and(|o| o.link.is_some()) {
        return Err(bad("a link, not a snapshot".into()));
    }
    if info.size > MAX_SNAPSHOT_BYTES {
        return Err(bad(format!(
            "{} bytes announced, over the {MAX_SNAPSHOT_BYTES}-byte limit",
            info.size
        )));
    }
    // Every chunk holds at least one byte (the client publishes none empty).
    if info.size < SNAPSHOT_HEADER_LEN || info.chunks == 0 || info.chunks > info.size {
        return Err(bad(format!(
            "{} bytes in {} chunks",
            info.size, info.chunks
        )));
    }
    let consumer = timed(
        "create snapshot consumer",
        conn.snapshot_stream.create_consumer(OrderedConfig {
            filter_subject: format!("$O.{}.C.{}", conn.config.snapshot_bucket, info.nuid),
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        }),
    )
    .await?;
    let mut chunks = timed("consume snapshot", consumer.messages()).await?;
    let mut bytes = Vec::with_capacity(info.size);
    // Bounded: at most the announced number of chunks (at most the size,
    // itself at most MAX_SNAPSHOT_BYTES), each waited for at most
    // NEXT_CHUNK_TIMEOUT.
    for _ in 0..info.chunks {
        let Some(chunk) = super::replica::next_within(&mut chunks, NEXT_CHUNK_TIMEOUT).await?
        else {
            // The chunks were purged under the reader (a newer snapshot
            // replaced this one) or never all written.
            return Err(bad(format!(
                "{} of {} bytes readable",
                bytes.len(),
                info.size
            )));
        };
        if bytes.len() + chunk.payload.len() > info.size {
            return Err(bad(format!(
                "chunks longer than the {} bytes announced",
                info.size
            )));
        }
        bytes.extend_from_slice(&chunk.payload);
    }
    if bytes.len() != info.size {
        return Err(bad(format!(
            "{} of {} bytes in {} chunks",
            bytes.len(),
            info.size,
            info.chunks
        )));
    }
    let stored = decode(object_path(conn, name), &bytes).map_err(|source| NatsError::Replay {
        tenant: tenant.to_string(),
        source,
    })?;
    // The name says what the object covers; a mislabelled one is not it.
    if name != object_name(tenant, stored.last_stream_seq) {
        return Err(bad(format!(
            "it covers stream sequence {}, not what its name says",
            stored.last_stream_seq
        )));
    }
    Ok(Some(stored))
}

#[cfg(test)]
mod tests;
