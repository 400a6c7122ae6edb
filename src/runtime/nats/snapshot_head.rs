//! A tenant's snapshot **head**: the key `<tenant>` of the key-value bucket
//! [`NatsConfig::snapshot_head_bucket`](super::NatsConfig::snapshot_head_bucket),
//! whose value names the object holding the tenant's current snapshot.
//!
//! Why a head and not one object per tenant: an object replaced in place
//! cannot be fenced (the object store's put has no expected sequence). A
//! primary deposed while it was writing a snapshot would, on waking, replace
//! the newer primary's snapshot with its older one, whose covered records
//! the newer primary may have purged already: acknowledged commands gone.
//! So every snapshot is a new object (`<tenant>.<stream sequence>`, never
//! rewritten), and the head moves to it only by a revision-checked update
//! against the head read *before* the writer checked that the subject was
//! still its own. A newer primary fenced the subject first, and moves the
//! head before it purges anything: a stale writer's update expects a
//! revision that is gone and is refused.

use super::conn::{timed, Conn};
use super::NatsError;
use async_nats::jetstream::kv::Operation;

/// A head as read: the revision to expect when moving it, and the object
/// it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head {
    /// The key's revision (`None`: the tenant never had a snapshot).
    pub(crate) revision: Option<u64>,
    /// The object named (`None`: no snapshot).
    pub(crate) object: Option<String>,
}

/// What [`advance`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Advanced {
    /// The head names the new object now.
    Moved,
    /// The head had moved since it was read: someone else snapshotted.
    Refused,
}

/// `tenant`'s head now.
pub(crate) async fn read(conn: &Conn, tenant: &str) -> Result<Head, NatsError> {
    let entry = timed("snapshot head read", conn.snapshot_heads.entry(tenant)).await?;
    Ok(match entry {
        Some(e) if e.operation == Operation::Put => Head {
            revision: Some(e.revision),
            object: Some(String::from_utf8_lossy(&e.value).into_owned()),
        },
        // Deleted or purged by hand: no snapshot, but creating a new head
        // must expect that revision.
        Some(e) => Head {
            revision: Some(e.revision),
            object: None,
        },
        None => Head {
            revision: None,
            object: None,
        },
    })
}

/// Moves `tenant`'s head from `from` (as read earlier) to `object`.
/// `Err` when the outcome is unknown (no answer): the head may or may not
/// have moved, so the caller must not remove `object`.
pub(crate) async fn advance(
    conn: &Conn,
    tenant: &str,
    from: &Head,
    object: &str,
) -> Result<Advanced, NatsError> {
    let value = object.as_bytes().to_vec().into();
    let moved = match from.revision {
        Some(revision) => {
            timed(
                "snapshot head update",
                conn.snapshot_heads.update(tenant, value, revision),
            )
            .await
        }
        None => {
            timed(
                "snapshot head create",
                conn.snapshot_heads.create(tenant, value),
            )
            .await
        }
    };
    if moved.is_ok() {
        return Ok(Advanced::Moved);
    }
    // Refused, or stored without an answer: the head tells which.
    let now = read(conn, tenant).await?;
    if now.object.as_deref() == Some(object) {
        Ok(Advanced::Moved)
    } else if now.revision != from.revision {
        Ok(Advanced::Refused)
    } else {
        // Unchanged: the update failed for another reason (a timeout, a
        // leader election); nothing moved.
        Err(moved.err().unwrap_or(NatsError::Request {
            what: "snapshot head update",
            reason: "refused".into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::snapshot::{self, encode, object_name};
    use super::super::test_server::{engine, runtime, TestServer};
    use super::*;
    use crate::persist::PersistError;
    use async_nats::jetstream::object_store::InfoErrorKind;

    async fn exists(conn: &Conn, name: &str) -> bool {
        match conn.snapshots.info(name).await {
            Ok(info) => !info.deleted,
            Err(e) if e.kind() == InfoErrorKind::NotFound => false,
            Err(e) => panic!("info {name}: {e}"),
        }
    }

    /// The bug this pins: with one object per tenant, a primary deposed
    /// between its "is the subject still mine" check and its put replaced
    /// the newer primary's snapshot with its older one, whose covered
    /// records the newer one had purged (acknowledged commands lost).
    #[test]
    fn a_deposed_writer_cannot_replace_a_newer_snapshot() {
        let server = TestServer::start();
        runtime().block_on(async {
            let conn = server.conn("a").await;
            // The deposed primary read the head (none yet) and checked the
            // subject, then froze.
            let stale = read(&conn, "t").await.expect("head");
            assert_eq!(stale.object, None);
            // The new primary snapshots (records 1..=20 at stream sequence
            // 30) and would purge behind it.
            let newer = encode(&engine(2), 20, 30).expect("encodes");
            let fresh = read(&conn, "t").await.expect("head");
            let replaced = snapshot::write(&conn, "t", &newer, 30, &fresh)
                .await
                .expect("the newer snapshot is written");
            assert_eq!(replaced, None, "nothing before it");
            // The deposed one wakes up and writes its older snapshot.
            let older = encode(&engine(1), 10, 15).expect("encodes");
            match snapshot::write(&conn, "t", &older, 15, &stale).await {
                Err(PersistError::Fenced { .. }) => {}
                other => panic!("a stale head moved: {other:?}"),
            }
            let current = snapshot::read(&conn, "t")
                .await
                .expect("reads")
                .expect("one");
            assert_eq!((current.last_record, current.last_stream_seq), (20, 30));
            assert!(!exists(&conn, &object_name("t", 15)).await, "loser removed");
            // The next snapshot of the live primary replaces it, and the
            // object replaced can be removed (no tombstone left either).
            let next = encode(&engine(3), 40, 55).expect("encodes");
            let head = read(&conn, "t").await.expect("head");
            let replaced = snapshot::write(&conn, "t", &next, 55, &head)
                .await
                .expect("written");
            assert_eq!(replaced.as_deref(), Some("t.30"));
            snapshot::remove(&conn, "t.30").await;
            assert!(!exists(&conn, "t.30").await);
            let current = snapshot::read(&conn, "t")
                .await
                .expect("reads")
                .expect("one");
            assert_eq!((current.last_record, current.last_stream_seq), (40, 55));
            // Written again at the same sequence: nothing moves.
            let head = read(&conn, "t").await.expect("head");
            let again = snapshot::write(&conn, "t", &next, 55, &head).await;
            assert_eq!(again.expect("no-op"), None);
            assert_eq!(read(&conn, "t").await.expect("head"), head);
        });
    }

    /// A head naming an object that is gone, or an object whose content
    /// covers another sequence than its name says, is a typed error (the
    /// subject may be purged behind it: never a fresh engine).
    #[test]
    fn a_head_naming_a_missing_or_mislabelled_object_is_refused() {
        let server = TestServer::start();
        runtime().block_on(async {
            let conn = server.conn("a").await;
            let none = read(&conn, "gone").await.expect("head");
            assert_eq!(
                advance(&conn, "gone", &none, "gone.9")
                    .await
                    .expect("moves"),
                Advanced::Moved
            );
            match snapshot::read(&conn, "gone").await {
                Err(NatsError::Replay {
                    source: PersistError::BadSnapshot { .. },
                    ..
                }) => {}
                other => panic!("missing object: {:?}", other.map(|s| s.map(|s| s.size))),
            }
            // Sequence 7's bytes under sequence 8's name.
            let bytes = encode(&engine(1), 5, 7).expect("encodes");
            let none = read(&conn, "lie").await.expect("head");
            assert_eq!(
                snapshot::write(&conn, "lie", &bytes, 8, &none)
                    .await
                    .expect("written"),
                None
            );
            match snapshot::read(&conn, "lie").await {
                Err(NatsError::Replay {
                    source: PersistError::BadSnapshot { reason, .. },
                    ..
                }) => assert!(reason.contains("sequence 7"), "{reason}"),
                other => panic!("mislabelled object: {:?}", other.map(|s| s.map(|s| s.size))),
            }
        });
    }
}
