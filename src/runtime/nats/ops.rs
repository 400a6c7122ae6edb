//! [`JetStreamOps`]: the JetStream requests that the lease, fencing, append
//! and catch-up logic makes, and the clock it reads.
//!
//! The logic (`lease.rs`, `journal.rs`, `replica.rs`, `takeover.rs`) is
//! written once, generic over this trait. [`Conn`] answers it with
//! nats-server; the deterministic failover simulation (`sim/`) answers it
//! with an in-memory model of exactly the semantics relied on here:
//! key-value create-if-absent and revision-checked updates and purges,
//! publishes checked against the subject's last sequence (after the
//! `Nats-Msg-Id` duplicate check, as nats-server orders them), and
//! replies that may be late or lost. So a failure the simulation finds
//! from a seed is a failure of the code that runs in production.

use super::conn::{timed, Conn, REQUEST_TIMEOUT};
use super::{NatsConfig, NatsError};
use crate::model::Timestamp;
use async_nats::jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
use async_nats::jetstream::context::{Publish, PublishErrorKind};
use async_nats::jetstream::kv;
use std::time::Duration;

/// A lease key as read from the bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LeaseEntry {
    /// The key's revision (its stream sequence in the bucket).
    pub(crate) revision: u64,
    /// The holder's node name (empty for a delete or purge marker).
    pub(crate) value: Vec<u8>,
    /// A put (a held lease), not a delete or purge marker.
    pub(crate) live: bool,
}

/// How a revision-checked lease update ended.
#[derive(Debug)]
pub(crate) enum LeaseUpdate {
    /// Written at this revision.
    Written(u64),
    /// The key is not at the expected revision: another process wrote it.
    WrongRevision,
    /// No answer in time, or another failure: the write may have landed.
    Failed(NatsError),
}

/// How one publish attempt with an expected last subject sequence ended.
#[derive(Debug)]
pub(crate) enum PublishAttempt {
    /// Stored (or found stored by its message id) at this stream sequence.
    Stored(u64),
    /// Refused: the subject's last sequence is not the one expected.
    WrongLastSequence,
    /// No answer in time, or another failure: it may have been stored.
    Failed(String),
}

/// What [`JetStreamOps::read_subject`] feeds each message to: its stream
/// sequence and payload; an error stops the read.
pub(crate) type EachMessage<'a> = &'a mut dyn FnMut(u64, &[u8]) -> Result<(), NatsError>;

/// The JetStream requests of the failover logic; see the module docs.
/// Every request is bounded in time by the implementation.
pub(crate) trait JetStreamOps {
    /// This process's settings (node name, lease, append deadline).
    fn config(&self) -> &NatsConfig;

    /// The time now on this process's clock.
    fn now(&self) -> Timestamp;

    /// Creates lease `key` with `value`; refused while the key lives.
    async fn lease_create(&self, key: &str, value: Vec<u8>) -> Result<u64, NatsError>;

    /// Reads lease `key` (`None`: never written, or expired).
    async fn lease_entry(&self, key: &str) -> Result<Option<LeaseEntry>, NatsError>;

    /// Writes `value` to `key` if the key is at `revision`, waiting at most
    /// `within` for the answer.
    async fn lease_update(
        &self,
        key: &str,
        value: Vec<u8>,
        revision: u64,
        within: Duration,
    ) -> LeaseUpdate;

    /// Purges `key` if it is at `revision`.
    async fn lease_purge(&self, key: &str, revision: u64) -> Result<(), NatsError>;

    /// One publish of `payload` to `subject` with message id `id`,
    /// expecting the subject's last sequence to be `expected`.
    async fn publish_once(
        &self,
        subject: &str,
        payload: Vec<u8>,
        id: &str,
        expected: u64,
    ) -> PublishAttempt;

    /// Waits `pause` (between retries).
    async fn pause(&self, pause: Duration);

    /// The stream sequence of `subject`'s last message (0: none).
    async fn last_subject_seq(&self, subject: &str) -> Result<u64, NatsError>;

    /// Feeds the messages of `subject` after sequence `after`, up to and
    /// including `end`, to `each` in order. Stops at `each`'s first error.
    async fn read_subject(
        &self,
        subject: &str,
        after: u64,
        end: u64,
        each: EachMessage<'_>,
    ) -> Result<(), NatsError>;
}

impl JetStreamOps for Conn {
    fn config(&self) -> &NatsConfig {
        &self.config
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    async fn lease_create(&self, key: &str, value: Vec<u8>) -> Result<u64, NatsError> {
        timed("lease create", self.leases.create(key, value.into())).await
    }

    async fn lease_entry(&self, key: &str) -> Result<Option<LeaseEntry>, NatsError> {
        let entry = timed("lease read", self.leases.entry(key)).await?;
        Ok(entry.map(|e| LeaseEntry {
            revision: e.revision,
            live: e.operation == kv::Operation::Put,
            value: e.value.to_vec(),
        }))
    }

    async fn lease_update(
        &self,
        key: &str,
        value: Vec<u8>,
        revision: u64,
        within: Duration,
    ) -> LeaseUpdate {
        let update = self.leases.update(key, value.into(), revision);
        match tokio::time::timeout(within, update).await {
            Ok(Ok(revision)) => LeaseUpdate::Written(revision),
            Ok(Err(e)) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                LeaseUpdate::WrongRevision
            }
            Ok(Err(e)) => LeaseUpdate::Failed(NatsError::Request {
                what: "lease update",
                reason: e.to_string(),
            }),
            Err(_) => LeaseUpdate::Failed(NatsError::Request {
                what: "lease update",
                reason: format!("no answer within {within:?}"),
            }),
        }
    }

    async fn lease_purge(&self, key: &str, revision: u64) -> Result<(), NatsError> {
        timed(
            "lease purge",
            self.leases.purge_expect_revision(key, Some(revision)),
        )
        .await
    }

    async fn publish_once(
        &self,
        subject: &str,
        payload: Vec<u8>,
        id: &str,
        expected: u64,
    ) -> PublishAttempt {
        let publish = Publish::build()
            .payload(payload.into())
            .message_id(id)
            .expected_last_subject_sequence(expected);
        let attempt = async {
            let ack = self.js.send_publish(subject.to_string(), publish).await?;
            ack.await
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, attempt).await {
            Ok(Ok(ack)) => PublishAttempt::Stored(ack.sequence),
            Ok(Err(e)) if e.kind() == PublishErrorKind::WrongLastSequence => {
                PublishAttempt::WrongLastSequence
            }
            Ok(Err(e)) => PublishAttempt::Failed(e.to_string()),
            Err(_) => PublishAttempt::Failed("timed out".into()),
        }
    }

    async fn pause(&self, pause: Duration) {
        tokio::time::sleep(pause).await;
    }

    async fn last_subject_seq(&self, subject: &str) -> Result<u64, NatsError> {
        super::replica::last_subject_seq(self, subject).await
    }

    async fn read_subject(
        &self,
        subject: &str,
        after: u64,
        end: u64,
        each: EachMessage<'_>,
    ) -> Result<(), NatsError> {
        if end <= after {
            return Ok(());
        }
        let consumer = timed(
            "create ordered consumer",
            self.stream.create_consumer(OrderedConfig {
                filter_subject: subject.to_string(),
                deliver_policy: DeliverPolicy::ByStartSequence {
                    start_sequence: after + 1,
                },
                ..Default::default()
            }),
        )
        .await?;
        let mut messages = timed("consume", consumer.messages()).await?;
        // Bounded: stream sequences rise, and the subject holds at most
        // `end - after` messages in `after + 1..=end`.
        for _ in 0..end - after {
            let (seq, message) = super::replica::next_message(&mut messages, end).await?;
            each(seq, &message.payload)?;
            if seq >= end {
                break;
            }
        }
        Ok(())
    }
}
