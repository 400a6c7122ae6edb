//! Snapshots in the JetStream object store: one object per tenant (named
//! after the tenant) in the bucket [`NatsConfig::snapshot_bucket`](super::NatsConfig::snapshot_bucket).
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
//! Writing: `put` publishes every chunk and waits for each acknowledgement,
//! then publishes the object's metadata (a roll-up that replaces the
//! previous version at once) and only then purges the previous version's
//! chunks. A reader thus sees the old snapshot or the new one, whole.
//!
//! Reading: the chunks are read here with an ordered consumer of the
//! bucket's stream rather than with the client's `Object` reader, which
//! unwraps a failed consumer creation (a panic during a stream-leader
//! election); here every failure is a typed error and every wait bounded.

use super::conn::{timed, Conn, REQUEST_TIMEOUT};
use super::NatsError;
use crate::engine::{Engine, Snapshot};
use crate::persist::{decode_snapshot, encode_snapshot, PersistError, SNAPSHOT_HEADER_LEN};
use async_nats::jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
use async_nats::jetstream::object_store::{InfoErrorKind, ObjectMetadata};
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

/// The name a damaged object is reported under (`nats:<bucket>/<tenant>`).
fn object_path(conn: &Conn, tenant: &str) -> PathBuf {
    PathBuf::from(format!("nats:{}/{tenant}", conn.config.snapshot_bucket))
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

/// Stores `bytes` as `tenant`'s snapshot, replacing the previous one; returns
/// once every chunk and the metadata are acknowledged (on a quorum).
pub(crate) async fn put(conn: &Conn, tenant: &str, bytes: &[u8]) -> Result<(), PersistError> {
    if bytes.len() > MAX_SNAPSHOT_BYTES {
        // Written, it could never be read back: keep the journal instead.
        return Err(PersistError::Replica(format!(
            "snapshot of {} bytes exceeds the {MAX_SNAPSHOT_BYTES}-byte limit",
            bytes.len()
        )));
    }
    let meta = ObjectMetadata {
        name: tenant.to_string(),
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

/// `tenant`'s snapshot, or `None` when it has none. A damaged object is a
/// [`NatsError::Replay`] holding [`PersistError::BadSnapshot`].
pub(crate) async fn read(conn: &Conn, tenant: &str) -> Result<Option<StoredSnapshot>, NatsError> {
    let bad = |reason: String| NatsError::Replay {
        tenant: tenant.to_string(),
        source: PersistError::BadSnapshot {
            path: object_path(conn, tenant),
            reason,
        },
    };
    let info = match tokio::time::timeout(REQUEST_TIMEOUT, conn.snapshots.info(tenant)).await {
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
    decode(object_path(conn, tenant), &bytes)
        .map(Some)
        .map_err(|source| NatsError::Replay {
            tenant: tenant.to_string(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentSpec, SkillLevel, Timestamp};
    use crate::Command;

    fn engine(agents: u64) -> Engine {
        let policy = crate::policy::by_name("least_loaded").expect("built in");
        let mut engine = Engine::new(crate::EngineConfig::default(), policy).expect("engine");
        for id in 1..=agents {
            let skills = (0..100).map(|s| SkillLevel::new(s, 5)).collect();
            let add = Command::AddAgent(AgentSpec::new(id, skills, 2));
            engine.apply(Timestamp(0), add).expect("agent added");
        }
        engine
    }

    #[test]
    fn round_trip_keeps_record_and_stream_sequence() {
        let bytes = encode(&engine(3), 42, 77).expect("encodes");
        let stored = decode(PathBuf::from("t"), &bytes).expect("decodes");
        assert_eq!((stored.last_record, stored.last_stream_seq), (42, 77));
        assert_eq!(stored.size, bytes.len());
        Engine::restore(
            stored.snapshot,
            crate::policy::by_name("least_loaded").expect("built in"),
        )
        .expect("restores");
    }

    #[test]
    fn damage_is_a_bad_snapshot_never_a_panic() {
        let bytes = encode(&engine(3), 42, 77).expect("encodes");
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x20;
        // Bounded: a handful of fixed damages.
        for damaged in [
            &bytes[..bytes.len() / 2],
            &bytes[..SNAPSHOT_HEADER_LEN - 1],
            &[][..],
            &flipped[..],
        ] {
            match decode(PathBuf::from("t"), damaged) {
                Err(PersistError::BadSnapshot { .. }) => {}
                other => panic!("damaged snapshot accepted: {:?}", other.map(|s| s.size)),
            }
        }
        // A whole envelope around something else than a snapshot.
        let foreign = encode_snapshot(1, &serde_json::json!({"stream_seq": 1})).expect("encodes");
        assert!(matches!(
            decode(PathBuf::from("t"), &foreign),
            Err(PersistError::BadSnapshot { .. })
        ));
    }
}
