//! A node's [`JetStreamOps`] over the simulated world: each call is a
//! request that crosses the simulated network, and may be lost or late.

use super::exec::reply;
use super::server::Publish;
use super::world::World;
use crate::model::Timestamp;
use crate::runtime::nats::conn::REQUEST_TIMEOUT;
use crate::runtime::nats::ops::{
    EachMessage, JetStreamOps, LeaseEntry, LeaseUpdate, PublishAttempt,
};
use crate::runtime::nats::{NatsConfig, NatsError};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// A node's [`JetStreamOps`] over the simulated world.
pub(super) struct SimOps {
    pub(super) world: Rc<RefCell<World>>,
    pub(super) node: usize,
    pub(super) config: NatsConfig,
}

impl SimOps {
    async fn ask<T: 'static>(
        &self,
        within: Duration,
        timed_out: T,
        apply: impl FnOnce(&mut World) -> T + 'static,
    ) -> T {
        let (answer, done) = reply();
        self.world
            .borrow_mut()
            .request(self.node, within, done, timed_out, apply);
        answer.await
    }
}

fn no_answer(what: &'static str) -> NatsError {
    NatsError::Request {
        what,
        reason: "no answer in time".into(),
    }
}

impl JetStreamOps for SimOps {
    fn config(&self) -> &NatsConfig {
        &self.config
    }

    fn now(&self) -> Timestamp {
        self.world.borrow().node_now(self.node)
    }

    async fn lease_create(&self, key: &str, value: Vec<u8>) -> Result<u64, NatsError> {
        let (key, node) = (key.to_string(), self.node);
        self.ask(REQUEST_TIMEOUT, Err(no_answer("lease create")), move |w| {
            let (now, lag) = (w.server_now(), w.lag());
            let created = w.server.create(&key, value, now, lag);
            w.log(|| format!("server: node-{node} creates lease {key}: {created:?}"));
            match created {
                Ok(write) => {
                    w.fan_kv(&write);
                    Ok(write.revision)
                }
                Err(_) => Err(NatsError::Request {
                    what: "lease create",
                    reason: "key exists".into(),
                }),
            }
        })
        .await
    }

    async fn lease_entry(&self, key: &str) -> Result<Option<LeaseEntry>, NatsError> {
        let key = key.to_string();
        self.ask(REQUEST_TIMEOUT, Err(no_answer("lease read")), move |w| {
            let now = w.server_now();
            Ok(w.server
                .entry(&key, now)
                .map(|(revision, holder)| LeaseEntry {
                    revision,
                    live: holder.is_some(),
                    value: holder.unwrap_or_default(),
                }))
        })
        .await
    }

    async fn lease_update(
        &self,
        key: &str,
        value: Vec<u8>,
        revision: u64,
        within: Duration,
    ) -> LeaseUpdate {
        let (key, node) = (key.to_string(), self.node);
        let timed_out = LeaseUpdate::Failed(no_answer("lease update"));
        self.ask(within, timed_out, move |w| {
            let (now, lag) = (w.server_now(), w.lag());
            let updated = w.server.update(&key, value, revision, now, lag);
            w.log(|| format!("server: node-{node} updates lease {key} at {revision}: {updated:?}"));
            match updated {
                Some(write) => {
                    w.fan_kv(&write);
                    LeaseUpdate::Written(write.revision)
                }
                None => LeaseUpdate::WrongRevision,
            }
        })
        .await
    }

    async fn lease_purge(&self, key: &str, revision: u64) -> Result<(), NatsError> {
        let (key, node) = (key.to_string(), self.node);
        self.ask(REQUEST_TIMEOUT, Err(no_answer("lease purge")), move |w| {
            let (now, lag) = (w.server_now(), w.lag());
            let purged = w.server.purge(&key, revision, now, lag);
            w.log(|| format!("server: node-{node} purges lease {key} at {revision}: {purged:?}"));
            match purged {
                Some(write) => {
                    w.fan_kv(&write);
                    Ok(())
                }
                None => Err(NatsError::Request {
                    what: "lease purge",
                    reason: "wrong last sequence".into(),
                }),
            }
        })
        .await
    }

    async fn publish_once(
        &self,
        subject: &str,
        payload: Vec<u8>,
        id: &str,
        expected: u64,
    ) -> PublishAttempt {
        let (subject, id, node) = (subject.to_string(), id.to_string(), self.node);
        let timed_out = PublishAttempt::Failed("timed out".into());
        self.ask(REQUEST_TIMEOUT, timed_out, move |w| {
            let now = w.server_now();
            let answer = w
                .server
                .publish(node, &subject, payload, &id, expected, now);
            w.log(|| format!("server: {id} expecting {expected}: {:?}", answer.0));
            match answer {
                (Publish::Stored { seq, .. }, stored) => {
                    if let Some(stored) = stored {
                        w.fan_stream(&stored);
                    }
                    PublishAttempt::Stored(seq)
                }
                (Publish::WrongLastSequence, _) => PublishAttempt::WrongLastSequence,
            }
        })
        .await
    }

    async fn pause(&self, pause: Duration) {
        let (answer, done) = reply();
        {
            let mut w = self.world.borrow_mut();
            let at = w.now() + u64::try_from(pause.as_millis()).unwrap_or(u64::MAX);
            w.at_node(self.node, at, move |_| done.complete(()));
        }
        answer.await;
    }

    async fn last_subject_seq(&self, subject: &str) -> Result<u64, NatsError> {
        let subject = subject.to_string();
        let timed_out = Err(no_answer("last message of subject"));
        self.ask(REQUEST_TIMEOUT, timed_out, move |w| {
            Ok(w.server.last_subject_seq(&subject))
        })
        .await
    }

    async fn read_subject(
        &self,
        subject: &str,
        after: u64,
        end: u64,
        each: EachMessage<'_>,
    ) -> Result<(), NatsError> {
        let owned = subject.to_string();
        let messages = self
            .ask(REQUEST_TIMEOUT, Err(no_answer("consume")), move |w| {
                Ok(w.server.read(&owned, after, end))
            })
            .await?;
        for (seq, payload) in messages {
            each(seq, &payload)?;
        }
        Ok(())
    }
}
