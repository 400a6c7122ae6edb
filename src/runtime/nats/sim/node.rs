//! A simulated node: the real lease book ([`Leases`]), lease watch,
//! follower, takeover and append code, run in the order
//! [`Node`](crate::runtime::nats::Node) and its store run them (step down,
//! take over, load standbys every quarter lease; renew every quarter
//! lease; serve appends one batch at a time per tenant; hand over on
//! request), with a plain engine in place of the runtime's shard.

use super::ops::SimOps;
use super::world::World;
use crate::model::{TimeSpan, Timestamp};
use crate::persist::encode_record;
use crate::runtime::nats::follower::{Follower, Load};
use crate::runtime::nats::journal::append_batch;
use crate::runtime::nats::lease::Leases;
use crate::runtime::nats::lease_watch::LeaseWatch;
use crate::runtime::nats::ops::JetStreamOps;
use crate::runtime::nats::takeover::{candidates, take_and_fence};
use crate::runtime::nats::{NatsError, Replica, MAX_LOADS_PER_STEP, MAX_TAKEOVERS_PER_STEP};
use crate::{AgentId, AgentSpec, Capacity, Command, Engine, EngineConfig};
use futures_util::StreamExt;
use rand::Rng;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;

/// What a node's consumers feed.
pub(super) struct Parts {
    pub(super) watch: LeaseWatch,
    pub(super) follower: Follower,
}

/// A tenant this node serves.
pub(super) struct Serving {
    pub(super) engine: Engine,
    pub(super) last_record: u64,
    pub(super) last_stream_seq: u64,
    /// An append is in flight (the engine is ahead of the stream).
    pub(super) busy: bool,
    /// An append failed: the engine may hold commands never journaled;
    /// it steps down at the next step.
    pub(super) poisoned: bool,
}

/// One simulated node; see the module docs.
pub(super) struct SimNode {
    pub(super) id: usize,
    pub(super) ops: SimOps,
    pub(super) leases: Leases,
    pub(super) parts: Rc<Parts>,
    pub(super) tenants: Vec<String>,
    preferred: HashSet<String>,
    pub(super) serving: RefCell<BTreeMap<String, Rc<RefCell<Serving>>>>,
    deposed: RefCell<BTreeSet<String>>,
    held_off: RefCell<HashMap<String, Timestamp>>,
}

/// A fresh engine (every tenant of the simulation uses the defaults).
pub(super) fn fresh_engine() -> Engine {
    Engine::new(
        EngineConfig::default(),
        crate::policy::BuiltinPolicy::LeastLoaded.build(),
    )
    .expect("the default configuration is valid")
}

impl SimNode {
    /// Node `id` of the world, following `tenants`, preferring `preferred`.
    pub(super) fn new(
        world: &Rc<RefCell<World>>,
        id: usize,
        tenants: Vec<String>,
        preferred: HashSet<String>,
        lease_ms: u64,
    ) -> Rc<Self> {
        let mut config = crate::runtime::nats::NatsConfig::new("sim", format!("node-{id}"));
        config.lease = std::time::Duration::from_millis(lease_ms);
        config.append_deadline = std::time::Duration::from_millis(lease_ms * 3);
        let now = world.borrow().node_now(id);
        let parts = Rc::new(Parts {
            watch: LeaseWatch::idle(&config.node, config.lease, now),
            follower: Follower::idle(tenants.iter().cloned()),
        });
        world.borrow_mut().nets[id].parts = Some(Rc::clone(&parts));
        Rc::new(Self {
            id,
            ops: SimOps {
                world: Rc::clone(world),
                node: id,
                config,
            },
            leases: Leases::default(),
            parts,
            tenants,
            preferred,
            serving: RefCell::new(BTreeMap::new()),
            deposed: RefCell::new(BTreeSet::new()),
            held_off: RefCell::new(HashMap::new()),
        })
    }

    fn log(&self, line: impl FnOnce() -> String) {
        let id = self.id;
        self.ops
            .world
            .borrow_mut()
            .log(|| format!("node-{id}: {}", line()));
    }

    fn quarter(&self) -> std::time::Duration {
        self.ops.config.lease / 4
    }

    /// The node's step loop (as `switchboard node` calls `Node::step`).
    pub(super) async fn stepping(self: Rc<Self>) {
        loop {
            self.ops.pause(self.quarter()).await;
            self.step().await;
        }
    }

    /// The store's renewal loop.
    pub(super) async fn renewing(self: Rc<Self>) {
        loop {
            self.ops.pause(self.quarter()).await;
            let _lost = self.leases.renew_all(&self.ops).await;
        }
    }

    /// One client of this node: a batch now and then to a tenant it
    /// serves, and a handover now and then.
    pub(super) async fn serving_clients(self: Rc<Self>) {
        loop {
            let (pause, hand_over, calm) = {
                let mut w = self.ops.world.borrow_mut();
                let pause = w.rng.gen_range(10..150);
                (pause, w.rng.gen_range(0..1_000) < 8, w.calm)
            };
            self.ops
                .pause(std::time::Duration::from_millis(pause))
                .await;
            if hand_over && !calm {
                self.hand_over_one().await;
            } else {
                self.submit_one().await;
            }
        }
    }

    fn pick(&self) -> Option<(String, Rc<RefCell<Serving>>)> {
        let ready: Vec<(String, Rc<RefCell<Serving>>)> = self
            .serving
            .borrow()
            .iter()
            .filter(|(_, s)| {
                let s = s.borrow();
                !s.busy && !s.poisoned
            })
            .map(|(t, s)| (t.clone(), Rc::clone(s)))
            .collect();
        if ready.is_empty() {
            return None;
        }
        let i = self.ops.world.borrow_mut().rng.gen_range(0..ready.len());
        ready.into_iter().nth(i)
    }

    /// Applies a batch of 1 to 3 new commands to a served tenant's engine
    /// and appends it, as a shard does; acknowledged once appended.
    async fn submit_one(&self) {
        let Some((tenant, serving)) = self.pick() else {
            return;
        };
        let (payload, ids, expected) = {
            let mut w = self.ops.world.borrow_mut();
            let count = w.rng.gen_range(1..=3);
            let first = w.next_command;
            w.next_command += count;
            let at = w.node_now(self.id);
            drop(w);
            let mut s = serving.borrow_mut();
            let mut payload = Vec::new();
            let mut ids = Vec::new();
            for id in first..first + count {
                let command = Command::AddAgent(AgentSpec::new(AgentId(id), Capacity::units(1)));
                s.engine
                    .apply(at, command.clone())
                    .expect("a new agent is always accepted");
                let seq = s.last_record + 1 + ids.len() as u64;
                encode_record(seq, at, &command, &mut payload).expect("encodes");
                ids.push(id);
            }
            s.busy = true;
            (payload, ids, s.last_stream_seq)
        };
        let subject = self.ops.config.subject(&tenant);
        let records = {
            let s = serving.borrow();
            (s.last_record + 1)..=(s.last_record + ids.len() as u64)
        };
        let appended = append_batch(
            &self.ops,
            &self.leases,
            &tenant,
            &subject,
            expected,
            payload,
        )
        .await;
        self.log(|| {
            format!("append {tenant} records {records:?} expecting {expected}: {appended:?}")
        });
        let mut s = serving.borrow_mut();
        s.busy = false;
        match appended {
            Ok(seq) => {
                s.last_stream_seq = seq;
                s.last_record += ids.len() as u64;
                let mut w = self.ops.world.borrow_mut();
                let now = w.now();
                for id in ids {
                    w.acked.push((tenant.clone(), id, now));
                }
            }
            Err(error) => {
                if matches!(error, crate::persist::PersistError::Fenced { .. }) {
                    self.ops.world.borrow_mut().fenced += 1;
                }
                s.poisoned = true;
                self.deposed.borrow_mut().insert(tenant);
            }
        }
    }

    /// `Node::hand_over` of a served tenant, in its order.
    async fn hand_over_one(&self) {
        let Some((tenant, _)) = self.pick() else {
            return;
        };
        self.serving.borrow_mut().remove(&tenant);
        self.log(|| format!("hands {tenant} over"));
        let lease = TimeSpan::from_std(self.ops.config.lease);
        let until = self.ops.now() + TimeSpan(2 * lease.0);
        self.held_off.borrow_mut().insert(tenant.clone(), until);
        self.parts.follower.follow(&tenant);
        let _ = self.leases.release(&self.ops, &tenant).await;
    }

    /// `Node::step`: step down, take over, load standbys.
    async fn step(&self) {
        self.step_down();
        self.take_over().await;
        self.load_standbys().await;
    }

    fn step_down(&self) {
        let served: Vec<String> = self.serving.borrow().keys().cloned().collect();
        for tenant in served {
            let deposed = self.deposed.borrow_mut().remove(&tenant);
            if !deposed && self.leases.holds(&tenant) {
                continue;
            }
            self.serving.borrow_mut().remove(&tenant);
            self.leases.forget(&tenant);
            self.parts.follower.follow(&tenant);
            self.log(|| format!("steps down for {tenant} (deposed: {deposed})"));
        }
    }

    async fn load(&self, tenant: &str) -> Result<Replica, NatsError> {
        let mut replica = Replica {
            engine: fresh_engine(),
            last_record: 0,
            last_stream_seq: 0,
        };
        replica
            .catch_up(&self.ops, &self.ops.config.subject(tenant))
            .await?;
        Ok(replica)
    }

    async fn take_over(&self) {
        let now = self.ops.now();
        let chosen: Vec<(String, Option<u64>)> = {
            let serving = self.serving.borrow();
            let mut held_off = self.held_off.borrow_mut();
            candidates(
                self.tenants.iter().map(String::as_str),
                |name| serving.contains_key(name),
                &mut held_off,
                &self.preferred,
                &self.parts.watch,
                now,
                MAX_TAKEOVERS_PER_STEP,
            )
            .into_iter()
            .map(|(name, stale)| (name.to_string(), stale))
            .collect()
        };
        let taken: Vec<(String, Option<Replica>)> = futures_util::stream::iter(chosen)
            .map(|(tenant, stale)| async move {
                let subject = self.ops.config.subject(&tenant);
                let replica = take_and_fence(
                    &self.ops,
                    &self.leases,
                    &self.parts.watch,
                    &self.parts.follower,
                    &tenant,
                    &subject,
                    stale,
                    || self.load(&tenant),
                )
                .await;
                (tenant, replica)
            })
            .buffer_unordered(64)
            .collect()
            .await;
        for (tenant, replica) in taken {
            let Some(replica) = replica else { continue };
            self.log(|| {
                format!(
                    "takes over {tenant} at record {}, sequence {}",
                    replica.last_record, replica.last_stream_seq
                )
            });
            self.deposed.borrow_mut().remove(&tenant);
            self.ops.world.borrow_mut().takeovers += 1;
            let serving = Serving {
                engine: replica.engine,
                last_record: replica.last_record,
                last_stream_seq: replica.last_stream_seq,
                busy: false,
                poisoned: false,
            };
            self.serving
                .borrow_mut()
                .insert(tenant, Rc::new(RefCell::new(serving)));
        }
    }

    async fn load_standbys(&self) {
        let due = self.parts.follower.due_loads(MAX_LOADS_PER_STEP);
        futures_util::stream::iter(due)
            .map(|load| async move {
                let (tenant, loaded) = match load {
                    Load::Cold(tenant) => {
                        let loaded = self.load(&tenant).await.ok();
                        (tenant, loaded)
                    }
                    Load::CatchUp(tenant, mut replica) => {
                        let subject = self.ops.config.subject(&tenant);
                        let caught = replica.catch_up(&self.ops, &subject).await;
                        (tenant, caught.ok().map(|_| *replica))
                    }
                };
                self.parts.follower.install(&tenant, loaded);
            })
            .buffer_unordered(64)
            .collect::<Vec<()>>()
            .await;
    }
}
