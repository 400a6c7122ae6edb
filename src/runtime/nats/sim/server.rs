//! The in-memory model of what the failover logic relies on from
//! JetStream, and nothing more:
//!
//! * **Lease bucket** (a key-value bucket with history 1 and a max age):
//!   `create` succeeds only when the key has no live value (absent,
//!   expired, deleted or purged); `update` and `purge` succeed only at the
//!   key's current revision (0 once its last message expired). A message
//!   expires `max_age` plus a seeded lag after it was written, silently,
//!   on the server's own clock (nats-server 2.9 expires seconds late and
//!   sends no marker).
//! * **Journal stream**: a publish carrying a message id seen within the
//!   duplicate window is answered with the first one's sequence and not
//!   stored again; that check comes before the expected last subject
//!   sequence check (nats-server's order), and a publish expecting
//!   another last sequence than the subject's is refused.
//!
//! Every write is also returned to the caller, who fans it out to the
//! nodes' consumers (see `world.rs`).

use super::exec::Millis;
use std::collections::HashMap;

/// nats-server's default duplicate window.
pub(super) const DUPLICATE_WINDOW: Millis = 120_000;

/// One lease key's last message.
#[derive(Clone, Debug)]
struct Key {
    revision: u64,
    /// The holder's name; `None` for a delete or purge marker.
    holder: Option<Vec<u8>>,
    /// When it expires on the server's clock.
    expires: Millis,
}

/// A write to the lease bucket, as a consumer of it sees it.
#[derive(Clone, Debug)]
pub(super) struct KvWrite {
    pub(super) key: String,
    pub(super) revision: u64,
    /// `None`: released (purged).
    pub(super) holder: Option<Vec<u8>>,
}

/// A message of the journal stream.
#[derive(Clone, Debug)]
pub(super) struct Stored {
    pub(super) seq: u64,
    pub(super) subject: String,
    pub(super) payload: Vec<u8>,
    /// The node that published it (for the checks' reports).
    pub(super) writer: usize,
}

/// How a modelled publish ended.
#[derive(Clone, Debug)]
pub(super) enum Publish {
    /// Stored now, or found by its message id.
    Stored { seq: u64 },
    /// The subject's last sequence is not the expected one.
    WrongLastSequence,
}

/// The JetStream model; see the module docs.
#[derive(Debug, Default)]
pub(super) struct Server {
    keys: HashMap<String, Key>,
    /// The bucket stream's last sequence (revisions are its sequences).
    bucket_seq: u64,
    /// The keys' max age.
    pub(super) max_age: Millis,
    /// The journal stream, in sequence order.
    pub(super) stream: Vec<Stored>,
    last_by_subject: HashMap<String, u64>,
    /// Message id to (sequence, when stored).
    ids: HashMap<String, (u64, Millis)>,
}

impl Server {
    /// An empty server whose lease keys live `max_age`.
    pub(super) fn new(max_age: Millis) -> Self {
        Self {
            max_age,
            ..Self::default()
        }
    }

    /// The key's last message, unless it expired by `now`.
    fn live_key(&mut self, key: &str, now: Millis) -> Option<&Key> {
        if self.keys.get(key).is_some_and(|k| k.expires <= now) {
            self.keys.remove(key);
        }
        self.keys.get(key)
    }

    fn write(&mut self, key: &str, holder: Option<Vec<u8>>, now: Millis, lag: Millis) -> KvWrite {
        self.bucket_seq += 1;
        let revision = self.bucket_seq;
        let entry = Key {
            revision,
            holder: holder.clone(),
            expires: now + self.max_age + lag,
        };
        self.keys.insert(key.to_string(), entry);
        KvWrite {
            key: key.to_string(),
            revision,
            holder,
        }
    }

    /// `create`: refused (`Err(revision)`) while the key holds a value.
    pub(super) fn create(
        &mut self,
        key: &str,
        holder: Vec<u8>,
        now: Millis,
        lag: Millis,
    ) -> Result<KvWrite, u64> {
        if let Some(k) = self.live_key(key, now) {
            if k.holder.is_some() {
                return Err(k.revision);
            }
        }
        Ok(self.write(key, Some(holder), now, lag))
    }

    /// `entry`: the key's last message, `(revision, holder)`.
    pub(super) fn entry(&mut self, key: &str, now: Millis) -> Option<(u64, Option<Vec<u8>>)> {
        self.live_key(key, now)
            .map(|k| (k.revision, k.holder.clone()))
    }

    /// `update` expecting `revision`: `None` when the key is elsewhere.
    pub(super) fn update(
        &mut self,
        key: &str,
        holder: Vec<u8>,
        revision: u64,
        now: Millis,
        lag: Millis,
    ) -> Option<KvWrite> {
        let current = self.live_key(key, now).map_or(0, |k| k.revision);
        (current == revision).then(|| self.write(key, Some(holder), now, lag))
    }

    /// `purge` expecting `revision`: `None` when the key is elsewhere.
    pub(super) fn purge(
        &mut self,
        key: &str,
        revision: u64,
        now: Millis,
        lag: Millis,
    ) -> Option<KvWrite> {
        let current = self.live_key(key, now).map_or(0, |k| k.revision);
        (current == revision).then(|| self.write(key, None, now, lag))
    }

    /// A publish with message id `id`, expecting `subject`'s last sequence
    /// to be `expected`; a new message is returned for the consumers.
    pub(super) fn publish(
        &mut self,
        writer: usize,
        subject: &str,
        payload: Vec<u8>,
        id: &str,
        expected: u64,
        now: Millis,
    ) -> (Publish, Option<Stored>) {
        match self.ids.get(id) {
            Some((seq, at)) if now.saturating_sub(*at) < DUPLICATE_WINDOW => {
                return (Publish::Stored { seq: *seq }, None);
            }
            _ => {}
        }
        if self.last_subject_seq(subject) != expected {
            return (Publish::WrongLastSequence, None);
        }
        let seq = self.stream.len() as u64 + 1;
        let stored = Stored {
            seq,
            subject: subject.to_string(),
            payload,
            writer,
        };
        self.stream.push(stored.clone());
        self.last_by_subject.insert(subject.to_string(), seq);
        self.ids.insert(id.to_string(), (seq, now));
        (Publish::Stored { seq }, Some(stored))
    }

    /// The sequence of `subject`'s last message (0: none).
    pub(super) fn last_subject_seq(&self, subject: &str) -> u64 {
        self.last_by_subject.get(subject).copied().unwrap_or(0)
    }

    /// `subject`'s messages in `after + 1..=end`.
    pub(super) fn read(&self, subject: &str, after: u64, end: u64) -> Vec<(u64, Vec<u8>)> {
        let from = usize::try_from(after).unwrap_or(usize::MAX);
        let to = usize::try_from(end)
            .unwrap_or(usize::MAX)
            .min(self.stream.len());
        self.stream
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .filter(|m| m.subject == subject)
            .map(|m| (m.seq, m.payload.clone()))
            .collect()
    }
}
