//! [`NatsJournal`]: one tenant's journal as a subject of the JetStream
//! stream, written by the one process holding the tenant's lease.
//!
//! Each batch is one message published with
//! `Nats-Expected-Last-Subject-Sequence` set to the subject's last sequence
//! as this writer knows it: if anyone else wrote the subject since (a new
//! primary's fence), JetStream refuses it ("wrong last sequence") and the
//! append fails with [`PersistError::Fenced`], which the runtime answers as
//! [`RuntimeError::NotPrimary`](crate::runtime::RuntimeError::NotPrimary).
//! Other failures (no responders while a stream leader is elected, time
//! outs) are retried until the append deadline; each attempt carries the
//! same `Nats-Msg-Id` (node, tenant, expected sequence), so a publish that
//! was stored but whose acknowledgement was lost is not stored twice.

use super::conn::Conn;
use super::lease::Leases;
use super::ops::{JetStreamOps, PublishAttempt};
use crate::engine::Engine;
use crate::model::TimeSpan;
use crate::persist::PersistError;
use crate::runtime::journal::{Journal, RecordBatch};
use std::sync::Arc;
use std::time::Duration;

/// The pause between attempts of one append.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// The most attempts of one append (the deadline usually ends it first).
const MAX_ATTEMPTS: u32 = 2_000;

const _: () = assert!(
    RETRY_PAUSE.as_millis() * MAX_ATTEMPTS as u128
        >= super::config::MAX_APPEND_DEADLINE.as_millis()
);

/// One tenant's subject, as its primary writes it.
#[derive(Debug)]
pub(crate) struct NatsJournal {
    pub(crate) conn: Arc<Conn>,
    pub(crate) handle: tokio::runtime::Handle,
    pub(crate) leases: Leases,
    pub(crate) tenant: String,
    pub(crate) subject: String,
    /// The last record written (0: none).
    pub(crate) last_record: u64,
    /// The stream sequence of the subject's last message, as written or
    /// read by this primary: the next append expects exactly this.
    pub(crate) last_stream_seq: u64,
    pub(crate) since_snapshot: u64,
}

/// The outcome of publishing one message with an expected last sequence.
pub(crate) enum Published {
    /// Stored at this stream sequence.
    Stored(u64),
    /// Refused: the subject moved on (someone else wrote it).
    WrongLastSequence,
}

/// Publishes `payload` on `subject` expecting its last sequence to be
/// `expected`, retrying other failures until `deadline` passes on the
/// process's clock. Every attempt carries the same message id, so one
/// stored but not acknowledged is found by its id, not stored twice.
pub(crate) async fn publish_expecting(
    ops: &impl JetStreamOps,
    subject: &str,
    payload: Vec<u8>,
    expected: u64,
    deadline: Duration,
) -> Result<Published, PersistError> {
    let started = ops.now();
    let deadline_span = TimeSpan::from_std(deadline);
    let id = format!("{}:{subject}:{expected}", ops.config().node);
    let mut last_error = String::new();
    for _attempt in 0..MAX_ATTEMPTS {
        if ops.now().since(started) >= deadline_span {
            break;
        }
        match ops
            .publish_once(subject, payload.clone(), &id, expected)
            .await
        {
            PublishAttempt::Stored(seq) if seq > expected => return Ok(Published::Stored(seq)),
            PublishAttempt::Stored(seq) => {
                return Err(PersistError::Replica(format!(
                    "acknowledged at sequence {seq} not after {expected}"
                )))
            }
            PublishAttempt::WrongLastSequence => return Ok(Published::WrongLastSequence),
            PublishAttempt::Failed(e) => last_error = e,
        }
        ops.pause(RETRY_PAUSE).await;
    }
    Err(PersistError::Replica(format!(
        "publish to {subject} not acknowledged within {deadline:?}: {last_error}"
    )))
}

/// Appends one batch (`payload`) to `tenant`'s `subject` after stream
/// sequence `last_stream_seq`, as the tenant's primary; returns the
/// sequence it was stored at. Refused with [`PersistError::Fenced`] when
/// the lease is no longer held or another primary wrote the subject; on
/// any failure the lease is forgotten (not renewed), so the node steps
/// down and the tenant is rebuilt from the stream before it serves again.
pub(crate) async fn append_batch(
    ops: &impl JetStreamOps,
    leases: &Leases,
    tenant: &str,
    subject: &str,
    last_stream_seq: u64,
    payload: Vec<u8>,
) -> Result<u64, PersistError> {
    if !leases.holds(tenant) {
        return Err(PersistError::Fenced {
            reason: "the lease was lost".into(),
        });
    }
    let deadline = ops.config().append_deadline;
    let published = publish_expecting(ops, subject, payload, last_stream_seq, deadline)
        .await
        .inspect_err(|_| {
            // The shard poisons the tenant (its engine may be ahead of
            // the stream), whether a client's command or a timer's tick
            // made the batch. Stop renewing the lease: the node steps
            // down at its next step, and a standby (or this node, with
            // a replica rebuilt from the stream) takes over once the
            // lease lapses, instead of a poisoned primary holding the
            // tenant until some client happens to write to it.
            leases.forget(tenant);
        })?;
    match published {
        Published::Stored(seq) => Ok(seq),
        Published::WrongLastSequence => {
            leases.forget(tenant);
            Err(PersistError::Fenced {
                reason: format!(
                    "the subject moved past sequence {last_stream_seq} (another primary wrote it)"
                ),
            })
        }
    }
}

impl Journal for NatsJournal {
    fn last_seq(&self) -> u64 {
        self.last_record
    }

    fn append(&mut self, batch: &RecordBatch) -> Result<(), PersistError> {
        if batch.first_seq != self.last_record + 1 || batch.count == 0 {
            return Err(PersistError::Replica(format!(
                "batch starts at {} with {} records after record {}",
                batch.first_seq, batch.count, self.last_record
            )));
        }
        let seq = self.handle.block_on(append_batch(
            &*self.conn,
            &self.leases,
            &self.tenant,
            &self.subject,
            self.last_stream_seq,
            batch.bytes.clone(),
        ))?;
        self.last_stream_seq = seq;
        self.last_record += batch.count;
        self.since_snapshot += batch.count;
        Ok(())
    }

    fn sync(&mut self) -> Result<(), PersistError> {
        // Every append waited for JetStream's acknowledgement (a quorum).
        Ok(())
    }

    fn checkpoint_due(&self) -> bool {
        self.conn
            .config
            .snapshot_every
            .is_some_and(|every| self.since_snapshot >= every)
    }

    fn checkpoint(&mut self, engine: &Engine) -> Result<(), PersistError> {
        if !self.leases.holds(&self.tenant) {
            return Err(PersistError::Fenced {
                reason: "the lease was lost".into(),
            });
        }
        // Tried once per `snapshot_every` records, failed or not: a snapshot
        // that keeps failing (a NATS outage, an engine over the size limit)
        // must not re-encode the engine and block the shard after every
        // batch; the journal grows meanwhile, which is still correct.
        self.since_snapshot = 0;
        let bytes = super::snapshot::encode(engine, self.last_record, self.last_stream_seq)?;
        let conn = Arc::clone(&self.conn);
        let (tenant, subject) = (&self.tenant, &self.subject);
        let keep_from = self.last_stream_seq;
        self.handle.block_on(async move {
            // The head first: a newer primary fences the subject before it
            // moves the head, so if the subject below is still ours, the
            // head read here is older than any newer primary's snapshot,
            // and moving it from there is refused once one exists (see
            // `snapshot_head.rs`). A deposed primary's snapshot can never
            // replace a newer one whose covered records were purged.
            let head = super::snapshot_head::read(&conn, tenant)
                .await
                .map_err(|e| PersistError::Replica(e.to_string()))?;
            let end = super::replica::last_subject_seq(&conn, subject)
                .await
                .map_err(|e| PersistError::Replica(e.to_string()))?;
            if end != keep_from {
                return Err(PersistError::Fenced {
                    reason: format!("the subject ends at {end}, not at our {keep_from}"),
                });
            }
            // Returns once the object is whole and the head names it, so
            // the purge below never leaves the tenant without a snapshot
            // covering what it drops.
            let replaced = super::snapshot::write(&conn, tenant, &bytes, keep_from, &head).await?;
            if let Some(old) = replaced {
                super::snapshot::remove(&conn, &old).await;
            }
            // Entries behind the snapshot are no longer needed; the last one
            // stays (appends expect its sequence).
            let purge = conn.stream.purge().filter(subject).sequence(keep_from);
            match tokio::time::timeout(super::conn::REQUEST_TIMEOUT, purge).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(PersistError::Replica(format!("purge: {e}"))),
                Err(_) => Err(PersistError::Replica("purge timed out".into())),
            }
        })
    }
}
