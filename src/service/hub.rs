//! A tenant's decision hub: one pump task reads the runtime's
//! [`DecisionStream`] and keeps the most recent decisions in a bounded ring,
//! fanning each out to the stream clients. A client that reconnects with
//! its last sequence number gets what it missed from the ring, then the
//! live decisions, with no gap and no repeat; if the ring no longer holds
//! the decision after its number, it is told it lagged.

use super::history::History;
use crate::runtime::{DecisionStream, StreamEvent, StreamItem};
use crate::Decision;
use serde::Serialize;
use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// A decision's sequence number `(record, index)`, written `record.index`
/// (the SSE event id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seq {
    /// Journal record of the command that made it.
    pub record: u64,
    /// Position among that command's decisions.
    pub index: u32,
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.record, self.index)
    }
}

impl FromStr for Seq {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("a sequence number is written RECORD.INDEX (like 12.0), got {s:?}");
        let (record, index) = s.trim().split_once('.').ok_or_else(bad)?;
        Ok(Seq {
            record: record.parse().map_err(|_| bad())?,
            index: index.parse().map_err(|_| bad())?,
        })
    }
}

/// One decision as stream clients receive it.
#[derive(Debug, Serialize)]
pub struct Item {
    /// `record.index`.
    pub seq: String,
    /// The record.
    pub record: u64,
    /// The index.
    pub index: u32,
    /// The time the command was stamped with (ms).
    pub at: u64,
    /// The decision.
    pub decision: Decision,
}

/// What the hub sends to its live clients.
#[derive(Clone, Debug)]
pub enum HubEvent {
    /// The next decision, already encoded.
    Item(Seq, Arc<str>),
    /// The pump itself fell behind the runtime: `missed` decisions are
    /// gone for every client.
    Lagged(u64),
}

#[derive(Debug)]
struct Ring {
    items: VecDeque<(Seq, Arc<str>)>,
    /// The newest decision no longer in the ring (evicted or never seen):
    /// a client resuming before it has a gap.
    lost_up_to: Option<Seq>,
    /// Decisions the pump never saw because it lagged.
    missed: u64,
}

/// A tenant's hub.
#[derive(Debug)]
pub struct Hub {
    ring: Mutex<Ring>,
    tx: broadcast::Sender<HubEvent>,
    capacity: usize,
}

/// Where a resuming client starts.
#[derive(Debug)]
pub struct Resume {
    /// Decisions to send first, in order.
    pub backlog: Vec<(Seq, Arc<str>)>,
    /// The client asked for decisions the ring no longer holds.
    pub gap: bool,
    /// The live events after the backlog (skip those at or before the
    /// backlog's last).
    pub live: broadcast::Receiver<HubEvent>,
    /// The last sequence number the client has (sent or given).
    pub last: Option<Seq>,
}

impl Hub {
    /// Starts the pump for `stream`, keeping `capacity` decisions.
    pub fn start(stream: DecisionStream, capacity: usize) -> Arc<Self> {
        Self::start_observed(stream, capacity, None)
    }

    /// [`Hub::start`], the pump also showing each decision to `history`
    /// (the wallboard's last hour) as it passes.
    pub fn start_observed(
        mut stream: DecisionStream,
        capacity: usize,
        history: Option<Arc<History>>,
    ) -> Arc<Self> {
        assert!(capacity > 0);
        let (tx, _) = broadcast::channel(capacity);
        let hub = Arc::new(Hub {
            ring: Mutex::new(Ring {
                items: VecDeque::with_capacity(capacity),
                lost_up_to: None,
                missed: 0,
            }),
            tx,
            capacity,
        });
        let pump = Arc::clone(&hub);
        tokio::spawn(async move {
            // Ends when the tenant is removed or the runtime stops.
            while let Some(event) = stream.next().await {
                match event {
                    StreamEvent::Decision(item) => {
                        if let Some(h) = &history {
                            h.observe(&item);
                        }
                        pump.push(item)
                    }
                    StreamEvent::Lagged { missed } => pump.lagged(missed),
                    // Events other work adds to the stream carry no decision.
                    #[allow(unreachable_patterns)]
                    _ => {}
                }
            }
        });
        hub
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, item: StreamItem) {
        let seq = Seq {
            record: item.record,
            index: item.index,
        };
        let json = serde_json::to_string(&Item {
            seq: seq.to_string(),
            record: item.record,
            index: item.index,
            at: item.at.0,
            decision: item.decision,
        })
        .unwrap_or_default();
        let json: Arc<str> = json.into();
        // Under the lock, so a client resuming sees each decision either in
        // the ring or live, never both nor neither.
        let mut ring = self.lock();
        if ring.items.len() == self.capacity {
            if let Some((old, _)) = ring.items.pop_front() {
                ring.lost_up_to = Some(old);
            }
        }
        ring.items.push_back((seq, Arc::clone(&json)));
        let _ = self.tx.send(HubEvent::Item(seq, json));
    }

    fn lagged(&self, missed: u64) {
        let mut ring = self.lock();
        ring.missed += missed;
        // Everything up to the newest decision so far is now suspect.
        if let Some((last, _)) = ring.items.back() {
            ring.lost_up_to = Some(*last);
        }
        let _ = self.tx.send(HubEvent::Lagged(missed));
    }

    /// Subscribes a client that has every decision up to `after` (`None`:
    /// a new client, which starts with what the ring holds).
    pub fn resume(&self, after: Option<Seq>) -> Resume {
        let ring = self.lock();
        let live = self.tx.subscribe();
        let gap = match (after, ring.lost_up_to) {
            (Some(after), Some(lost)) => after < lost,
            (None, Some(_)) => false,
            (_, None) => false,
        };
        let backlog: Vec<_> = ring
            .items
            .iter()
            .filter(|(seq, _)| after.is_none_or(|a| *seq > a))
            .cloned()
            .collect();
        let last = backlog.last().map(|(seq, _)| *seq).or(after);
        Resume {
            backlog,
            gap,
            live,
            last,
        }
    }
}
