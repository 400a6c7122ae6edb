//! The simulated world: time, the seeded random source, the JetStream
//! model, the network between it and the nodes (delays, lost requests and
//! replies, partitions), and each node's clock and pauses. A node reaches it
//! through [`SimOps`](super::ops::SimOps).

use super::exec::{Completer, HasTimeline, Millis, Timeline};
use super::node::Parts;
use super::server::{KvWrite, Server, Stored};
use crate::model::Timestamp;
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

/// How often the network misbehaves in one run, drawn from its seed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Faults {
    /// Requests lost on the way, per mille.
    pub(super) drop_request: u32,
    /// Replies lost on the way back, per mille.
    pub(super) drop_reply: u32,
    /// Replies delayed by 0.3 to 3 s (often past the request's timeout),
    /// per mille.
    pub(super) slow_reply: u32,
    /// Journal messages delivered twice to a consumer, per mille.
    pub(super) redeliver: u32,
    /// Journal messages a consumer misses, per mille (a standby then
    /// catches up from the subject).
    pub(super) miss: u32,
    /// The most a key outlives its max age on the server, ms.
    pub(super) expiry_lag: Millis,
}

/// One node as the network sees it.
pub(super) struct Net {
    /// The node's clock reads the simulated time plus this; it only grows
    /// (a clock jump), as the runtime's `Clock` must be monotonic.
    pub(super) offset: Millis,
    /// Frozen (SIGSTOP, a long GC pause) until then: nothing it waits for
    /// reaches it, and it sends nothing.
    pub(super) paused_until: Millis,
    /// Cut off from the servers until then: its requests, their replies
    /// and its consumers' messages are lost or held back.
    pub(super) isolated_until: Millis,
    kv_inbox: VecDeque<(Millis, KvWrite)>,
    stream_inbox: VecDeque<(Millis, Stored)>,
    /// The node's watch and follower, fed by its consumers.
    pub(super) parts: Option<Rc<Parts>>,
}

/// The world; see the module docs.
pub(super) struct World {
    timeline: Timeline<World>,
    pub(super) rng: StdRng,
    pub(super) server: Server,
    /// The servers' clock reads the simulated time plus this (it jumps
    /// forward too: leases then expire early).
    pub(super) server_offset: Millis,
    pub(super) nets: Vec<Net>,
    pub(super) faults: Faults,
    /// No new faults (the run's last phase).
    pub(super) calm: bool,
    /// Command ids acknowledged to a client, with the tenant.
    pub(super) acked: Vec<(String, u64, Millis)>,
    /// The next command id.
    pub(super) next_command: u64,
    /// Counters for the report.
    pub(super) takeovers: u64,
    pub(super) fenced: u64,
    /// What happened, line by line, when tracing (`SEED=<n>` runs).
    pub(super) trace: Option<Vec<String>>,
}

impl HasTimeline for World {
    fn timeline(&mut self) -> &mut Timeline<Self> {
        &mut self.timeline
    }
}

impl World {
    /// A world of `nodes` nodes with the given faults and lease max age.
    pub(super) fn new(rng: StdRng, nodes: usize, faults: Faults, max_age: Millis) -> Self {
        let nets = (0..nodes)
            .map(|_| Net {
                offset: 0,
                paused_until: 0,
                isolated_until: 0,
                kv_inbox: VecDeque::new(),
                stream_inbox: VecDeque::new(),
                parts: None,
            })
            .collect();
        Self {
            timeline: Timeline::default(),
            rng,
            server: Server::new(max_age),
            server_offset: 0,
            nets,
            faults,
            calm: false,
            acked: Vec::new(),
            next_command: 1,
            takeovers: 0,
            fenced: 0,
            trace: None,
        }
    }

    /// The simulated time now.
    pub(super) fn now(&self) -> Millis {
        self.timeline.now()
    }

    /// Adds a line to the trace, when tracing.
    pub(super) fn log(&mut self, line: impl FnOnce() -> String) {
        let now = self.now();
        if let Some(trace) = &mut self.trace {
            trace.push(format!("{now:>6} {}", line()));
        }
    }

    /// Node `node`'s clock.
    pub(super) fn node_now(&self, node: usize) -> Timestamp {
        Timestamp(self.now() + self.nets[node].offset)
    }

    pub(super) fn server_now(&self) -> Millis {
        self.now() + self.server_offset
    }

    /// Runs `event` at `at`.
    pub(super) fn at(&mut self, at: Millis, event: impl FnOnce(&mut World) + 'static) {
        self.timeline.at(at, event);
    }

    /// Runs `event` for node `node` at `at`, or once the node is no longer
    /// paused.
    pub(super) fn at_node(
        &mut self,
        node: usize,
        at: Millis,
        event: impl FnOnce(&mut World) + 'static,
    ) {
        self.timeline.at(at, move |w| {
            let until = w.nets[node].paused_until;
            if until > w.now() {
                w.at_node(node, until, event);
            } else {
                event(w);
            }
        });
    }

    fn chance(&mut self, per_mille: u32) -> bool {
        !self.calm && self.rng.gen_range(0..1_000) < per_mille
    }

    fn isolated(&self, node: usize) -> bool {
        self.nets[node].isolated_until > self.now()
    }

    /// A one-way network delay, ms.
    fn delay(&mut self) -> Millis {
        self.rng.gen_range(1..=8)
    }

    pub(super) fn lag(&mut self) -> Millis {
        let most = self.faults.expiry_lag;
        self.rng.gen_range(0..=most)
    }

    /// Sends a request of `node` to the servers: `apply` runs there after
    /// a delay (unless the request is lost), and its answer reaches
    /// `done` after another (unless the reply is lost or the node is cut
    /// off); `timed_out` reaches it after `within` otherwise.
    pub(super) fn request<T: 'static>(
        &mut self,
        node: usize,
        within: Duration,
        done: Completer<T>,
        timed_out: T,
        apply: impl FnOnce(&mut World) -> T + 'static,
    ) {
        let now = self.now();
        let timeout = u64::try_from(within.as_millis()).unwrap_or(u64::MAX);
        let on_timeout = done.clone();
        self.at_node(node, now + timeout, move |_| on_timeout.complete(timed_out));
        if self.isolated(node) || self.chance(self.faults.drop_request) {
            return;
        }
        let there = now + self.delay();
        self.at(there, move |w| {
            let answer = apply(w);
            if w.isolated(node) || w.chance(w.faults.drop_reply) {
                return;
            }
            let mut back = w.now() + w.delay();
            if w.chance(w.faults.slow_reply) {
                back += w.rng.gen_range(300..3_000);
            }
            w.at_node(node, back, move |_| done.complete(answer));
        });
    }

    /// Queues a lease bucket write for every node's watch.
    pub(super) fn fan_kv(&mut self, write: &KvWrite) {
        for node in 0..self.nets.len() {
            let at = self.now() + self.delay();
            self.nets[node].kv_inbox.push_back((at, write.clone()));
            self.at(at, move |w| w.pump(node));
        }
    }

    /// Queues a journal message for every node's follower: sometimes twice
    /// (redelivered), sometimes not at all (missed).
    pub(super) fn fan_stream(&mut self, stored: &Stored) {
        for node in 0..self.nets.len() {
            if self.chance(self.faults.miss) {
                continue;
            }
            let copies = if self.chance(self.faults.redeliver) {
                2
            } else {
                1
            };
            for _ in 0..copies {
                let at = self.now() + self.delay();
                self.nets[node].stream_inbox.push_back((at, stored.clone()));
                self.at(at, move |w| w.pump(node));
            }
        }
    }

    /// Delivers node `node`'s consumer messages that are due, in order; a
    /// paused or cut-off node gets them later.
    fn pump(&mut self, node: usize) {
        let now = self.now();
        let net = &self.nets[node];
        let blocked = net.paused_until.max(net.isolated_until);
        if blocked > now {
            self.at(blocked, move |w| w.pump(node));
            return;
        }
        let Some(parts) = self.nets[node].parts.clone() else {
            return;
        };
        let clock = self.node_now(node);
        // Bounded by the inboxes' lengths.
        while self.nets[node]
            .kv_inbox
            .front()
            .is_some_and(|(at, _)| *at <= now)
        {
            let Some((_, write)) = self.nets[node].kv_inbox.pop_front() else {
                break;
            };
            let holder = write.holder.as_deref().map(String::from_utf8_lossy);
            parts
                .watch
                .seen(&write.key, write.revision, holder.as_deref(), clock);
        }
        while self.nets[node]
            .stream_inbox
            .front()
            .is_some_and(|(at, _)| *at <= now)
        {
            let Some((_, m)) = self.nets[node].stream_inbox.pop_front() else {
                break;
            };
            let tenant = m.subject.strip_prefix("sb.journal.").unwrap_or_default();
            parts.follower.deliver(tenant, m.seq, &m.payload);
        }
    }
}
