//! [`Replica`]: a tenant's engine rebuilt from its stream subject, and the
//! catch-up that brings it to the subject's end.
//!
//! A primary opens its tenants this way, and a standby keeps one per tenant
//! it follows. Each stream message is one batch of journal frames (see
//! [`decode_records`]); the records carry their own sequence numbers, and
//! the decoder refuses any that is not the next, so a replica can neither
//! skip nor apply a record twice. A fence (a takeover's first message)
//! carries no records but the rules in force (`rules.rs`); an empty one was
//! written before fences carried them.

use super::conn::{timed, Conn};
use super::journal::{publish_expecting, Published};
use super::ops::JetStreamOps;
use super::NatsError;
use crate::engine::{Engine, EngineConfig};
use crate::persist::{decode_records, rules_diff, PersistError};
use crate::policy::PolicyFactory;
use async_nats::jetstream::consumer::{pull::OrderedConfig, DeliverPolicy};
use async_nats::jetstream::stream::LastRawMessageErrorKind;
use futures_util::StreamExt;
use std::time::Duration;

/// The longest a catch-up waits for the next message before giving up.
const NEXT_MESSAGE_TIMEOUT: Duration = Duration::from_secs(5);

/// Attempts at fencing a subject when a deposed primary keeps writing.
const MAX_FENCE_ATTEMPTS: usize = 10;

/// A tenant's engine as of some point of its stream subject.
#[derive(Debug)]
pub struct Replica {
    /// The engine, reflecting records `1..=last_record`.
    pub engine: Engine,
    /// The last record applied (0: none).
    pub last_record: u64,
    /// The stream sequence of the last message of the subject applied (0:
    /// none); an append expects the subject's last sequence to be this.
    pub last_stream_seq: u64,
}

impl Replica {
    /// A replica from the tenant's snapshot in the object store, or a fresh
    /// engine when there is none (the subject is then replayed from its
    /// start). A damaged snapshot is an error, not a fresh engine: the
    /// subject's start may have been purged behind it. A snapshot taken
    /// under another configuration or policy than `config` and `policy`'s
    /// is [`PersistError::RulesChanged`] naming what differs. Without a
    /// snapshot the subject replays under the rules its first fence names
    /// (`rules.rs`); the open compares them with the host's.
    pub(crate) async fn load(
        conn: &Conn,
        tenant: &str,
        config: &EngineConfig,
        policy: &PolicyFactory,
    ) -> Result<Replica, NatsError> {
        Self::load_checking(conn, tenant, config, policy, true).await
    }

    /// As [`load`](Self::load); with `check` false a snapshot under other
    /// rules loads as it is (an open that accepts the change compares and
    /// journals it after catching up, see `rules.rs`).
    pub(crate) async fn load_checking(
        conn: &Conn,
        tenant: &str,
        config: &EngineConfig,
        policy: &PolicyFactory,
        check: bool,
    ) -> Result<Replica, NatsError> {
        let replay = |source| NatsError::Replay {
            tenant: tenant.to_string(),
            source,
        };
        let Some(stored) = super::snapshot::read(conn, tenant).await? else {
            let engine =
                Engine::new(config.clone(), policy.build()).map_err(|e| replay(e.into()))?;
            return Ok(Replica {
                engine,
                last_record: 0,
                last_stream_seq: 0,
            });
        };
        let engine = Engine::restore(stored.snapshot, policy.build()).map_err(|e| {
            replay(PersistError::Replica(format!(
                "snapshot does not restore: {e}"
            )))
        })?;
        // The snapshot records the rules the tenant ran under: replaying
        // its tail under others would make other decisions than the
        // acknowledged ones (as a file journal's header refuses).
        let given = policy.build();
        let diff = rules_diff(engine.config(), engine.policy_name(), config, given.name());
        if let (Some(diff), true) = (diff, check) {
            return Err(replay(PersistError::RulesChanged {
                diff: Box::new(diff),
            }));
        }
        Ok(Replica {
            engine,
            last_record: stored.last_record,
            last_stream_seq: stored.last_stream_seq,
        })
    }

    /// Applies one stream message of the subject.
    pub(crate) fn apply_message(&mut self, seq: u64, payload: &[u8]) -> Result<(), PersistError> {
        if seq <= self.last_stream_seq {
            // Delivered again (an ordered consumer restarted): applied already.
            return Ok(());
        }
        if super::rules::is_header(payload) {
            self.apply_header(payload)?;
        } else if !payload.is_empty() {
            let records = decode_records(self.last_record + 1, payload)?;
            for record in records {
                debug_assert_eq!(record.seq, self.last_record + 1);
                let seq = record.seq;
                self.engine
                    .apply(record.at, record.command)
                    .map_err(|error| PersistError::ReplayRejected { seq, error })?;
                self.last_record = seq;
            }
        }
        self.last_stream_seq = seq;
        Ok(())
    }

    /// Applies every message of `subject` after `last_stream_seq`, up to
    /// the subject's last message as the stream reports it now. Returns
    /// that last sequence.
    pub(crate) async fn catch_up(
        &mut self,
        ops: &impl JetStreamOps,
        subject: &str,
    ) -> Result<u64, NatsError> {
        let end = ops.last_subject_seq(subject).await?;
        if end <= self.last_stream_seq {
            return Ok(end);
        }
        ops.read_subject(subject, self.last_stream_seq, end, &mut |seq, payload| {
            self.apply_message(seq, payload)
                .map_err(|source| NatsError::Replay {
                    tenant: subject.to_string(),
                    source,
                })
        })
        .await?;
        if self.last_stream_seq < end {
            return Err(NatsError::Request {
                what: "consume",
                reason: format!("stopped at {} before {end}", self.last_stream_seq),
            });
        }
        Ok(end)
    }
}

impl Replica {
    /// Takes over the subject: catches up to its end and publishes a
    /// *fence* message (the rules in force, no record) expecting that end, so any later append of a
    /// previous writer expects an older sequence and is refused. Should
    /// that writer slip an append in first, the fence is refused instead
    /// and the replica catches up again (at most [`MAX_FENCE_ATTEMPTS`]
    /// times). Call only while holding the tenant's lease.
    pub(crate) async fn fence(
        &mut self,
        ops: &impl JetStreamOps,
        subject: &str,
    ) -> Result<u64, PersistError> {
        let replay = |e: NatsError| match e {
            NatsError::Replay { source, .. } => source,
            other => PersistError::Replica(other.to_string()),
        };
        for _ in 0..MAX_FENCE_ATTEMPTS {
            self.catch_up(ops, subject).await.map_err(replay)?;
            let fenced = publish_expecting(
                ops,
                subject,
                super::rules::header_payload(self)?,
                self.last_stream_seq,
                ops.config().append_deadline,
            )
            .await?;
            match fenced {
                Published::Stored(seq) => {
                    self.last_stream_seq = seq;
                    return Ok(seq);
                }
                Published::WrongLastSequence => continue,
            }
        }
        Err(PersistError::Fenced {
            reason: format!("another writer kept writing {subject} during takeover"),
        })
    }
}

/// The stream sequence of `subject`'s last message (0: it has none).
pub(crate) async fn last_subject_seq(conn: &Conn, subject: &str) -> Result<u64, NatsError> {
    let found = tokio::time::timeout(
        super::conn::REQUEST_TIMEOUT,
        conn.stream.get_last_raw_message_by_subject(subject),
    )
    .await;
    match found {
        Ok(Ok(message)) => Ok(message.sequence),
        Ok(Err(e)) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(0),
        Ok(Err(e)) => Err(NatsError::Request {
            what: "last message of subject",
            reason: e.to_string(),
        }),
        Err(_) => Err(NatsError::Request {
            what: "last message of subject",
            reason: "timed out".into(),
        }),
    }
}

/// Every message of `subject` still in the stream, in order, as
/// `(stream sequence, payload)`.
pub(crate) async fn read_all(conn: &Conn, subject: &str) -> Result<Vec<(u64, Vec<u8>)>, NatsError> {
    let end = conn.last_subject_seq(subject).await?;
    let mut out = Vec::new();
    if end == 0 {
        return Ok(out);
    }
    let consumer = timed(
        "create ordered consumer",
        conn.stream.create_consumer(OrderedConfig {
            filter_subject: subject.to_string(),
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        }),
    )
    .await?;
    let mut messages = timed("consume", consumer.messages()).await?;
    // Bounded: stream sequences rise, and none passes `end`.
    for _ in 0..end {
        let (seq, message) = next_message(&mut messages, end).await?;
        out.push((seq, message.payload.to_vec()));
        if seq >= end {
            break;
        }
    }
    Ok(out)
}

/// The next message of an ordered consumer with its stream sequence,
/// waiting at most [`NEXT_MESSAGE_TIMEOUT`]; `end` only names the goal in
/// errors.
pub(super) async fn next_message(
    messages: &mut async_nats::jetstream::consumer::pull::Ordered,
    end: u64,
) -> Result<(u64, async_nats::jetstream::message::Message), NatsError> {
    let Some(message) = next_within(messages, NEXT_MESSAGE_TIMEOUT).await? else {
        return Err(NatsError::Request {
            what: "consume",
            reason: format!("stream ended before sequence {end}"),
        });
    };
    let seq = message
        .info()
        .map_err(|e| NatsError::Request {
            what: "message info",
            reason: e.to_string(),
        })?
        .stream_sequence;
    Ok((seq, message))
}

/// The next message of an ordered consumer, waiting at most `wait`; `None`
/// when the consumer ended or nothing came in time.
pub(super) async fn next_within(
    messages: &mut async_nats::jetstream::consumer::pull::Ordered,
    wait: Duration,
) -> Result<Option<async_nats::jetstream::message::Message>, NatsError> {
    match tokio::time::timeout(wait, messages.next()).await {
        Ok(Some(Ok(message))) => Ok(Some(message)),
        Ok(Some(Err(e))) => Err(NatsError::Request {
            what: "consume",
            reason: e.to_string(),
        }),
        Ok(None) | Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::nats::snapshot;
    use crate::runtime::nats::snapshot_head;
    use crate::runtime::nats::test_server::{engine, runtime, TestServer};

    /// Issue 21: a JetStream tenant's snapshot pins the rules it ran under;
    /// loading it with another configuration was accepted silently (the
    /// snapshot's configuration won, or, without one, the caller's).
    #[test]
    fn regression_a_snapshot_no_longer_loads_under_another_configuration() {
        let server = TestServer::start();
        runtime().block_on(async {
            let conn = server.conn("a").await;
            let bytes = snapshot::encode(&engine(1), 1, 1).expect("encodes");
            let head = snapshot_head::read(&conn, "t").await.expect("head");
            snapshot::write(&conn, "t", &bytes, 1, &head)
                .await
                .expect("written");
            let policy = PolicyFactory::from(crate::policy::BuiltinPolicy::LeastLoaded);
            let other = EngineConfig::builder()
                .affinity_window(crate::model::TimeSpan::from_hours(1))
                .build()
                .expect("valid");
            match Replica::load(&conn, "t", &other, &policy).await {
                Err(NatsError::Replay {
                    source: PersistError::RulesChanged { diff },
                    ..
                }) => assert_eq!(diff.config, vec!["affinity_window".to_owned()]),
                Err(e) => panic!("expected RulesChanged, got {e:?}"),
                Ok(_) => panic!("expected RulesChanged, got a replica"),
            }
            let round_robin = PolicyFactory::from(crate::policy::BuiltinPolicy::RoundRobin);
            assert!(
                Replica::load(&conn, "t", &EngineConfig::default(), &round_robin)
                    .await
                    .is_err(),
                "another policy is refused too"
            );
            let replica = Replica::load(&conn, "t", &EngineConfig::default(), &policy)
                .await
                .expect("its own rules load it");
            assert_eq!(replica.last_record, 1);
        });
    }
}
