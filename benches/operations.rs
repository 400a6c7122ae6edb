//! One criterion group per hot operation, over tenants of growing size.
//!
//! `cargo bench --bench operations` runs 1k agents / 10k open conversations
//! and 10k / 100k; `SWITCHBOARD_BENCH_LARGE=1` adds 100k agents / 1M open
//! conversations (setup takes minutes). Each iteration times one command
//! with `iter_custom`; the untimed commands around it put the engine back in
//! the same state, so the size does not drift while measuring.

#[path = "common/workload.rs"]
mod workload;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::collections::HashMap;
use std::time::{Duration as WallTime, Instant};
use switchboard::policy::LeastLoaded;
use switchboard::{
    AgentId, AgentStatus, Command, ConversationId, Decision, Engine, EngineConfig,
    OpenConversation, OpenConversations, ResolveReason, Timestamp,
};
use workload::{Generator, Shape};

/// An engine loaded with `shape`, the generator (to make more opens) and the
/// owner of each assigned conversation.
struct Loaded {
    engine: Engine,
    gen: Generator,
    owners: HashMap<ConversationId, AgentId>,
    now: u64,
}

impl Loaded {
    fn new(shape: Shape) -> Self {
        // Returning customers of the workload may still have an open thread
        // on the same channel: open a new one regardless, as before, so the
        // figures stay comparable.
        let config = EngineConfig::builder()
            .open_conversations(OpenConversations::Unlimited)
            .build()
            .expect("valid config");
        let engine = Engine::new(config, LeastLoaded).expect("config");
        let mut gen = Generator::new(shape);
        let mut loaded = Self {
            engine,
            owners: HashMap::new(),
            now: 0,
            gen: Generator::new(Shape::new(1, 0, 0)),
        };
        for (at, c) in gen.setup() {
            loaded.now = at.0;
            loaded.apply(c);
        }
        loaded.gen = gen;
        loaded
    }

    fn apply(&mut self, c: Command) -> Vec<Decision> {
        let out = self
            .engine
            .apply(Timestamp(self.now), c)
            .unwrap_or_default();
        for d in &out {
            if let Decision::Assigned {
                conversation,
                agent,
                ..
            } = d
            {
                self.owners.insert(*conversation, *agent);
            }
        }
        out
    }

    fn timed(&mut self, c: Command) -> WallTime {
        let t = Instant::now();
        let out = self.engine.apply(Timestamp(self.now), c);
        let elapsed = t.elapsed();
        if let Ok(out) = out {
            for d in &out {
                if let Decision::Assigned {
                    conversation,
                    agent,
                    ..
                } = d
                {
                    self.owners.insert(*conversation, *agent);
                }
            }
        }
        elapsed
    }

    fn open_id(c: &Command) -> ConversationId {
        match c {
            Command::OpenConversation(OpenConversation { conversation, .. }) => *conversation,
            _ => unreachable!("an open"),
        }
    }

    fn resolve(&mut self, conversation: ConversationId) {
        self.apply(Command::Resolve {
            conversation,
            reason: ResolveReason::Solved,
        });
    }

    /// An assigned conversation, for operations on live threads.
    fn some_assigned(&self, n: usize) -> Vec<ConversationId> {
        self.owners.keys().take(n).copied().collect()
    }
}

fn sizes(backlog: bool) -> Vec<(u32, usize)> {
    let mut s = vec![(1_000u32, 10_000usize), (10_000, 100_000)];
    if std::env::var("SWITCHBOARD_BENCH_LARGE").is_ok_and(|v| v != "0") {
        s.push((100_000, 1_000_000));
    }
    if backlog {
        // More open conversations than the agents can hold: a backlog.
        s.iter_mut().for_each(|(a, o)| *o = (*a as usize) * 15);
    }
    s
}

fn group(
    c: &mut Criterion,
    name: &str,
    backlog: bool,
    mut body: impl FnMut(&mut Loaded, u64) -> WallTime,
) {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(WallTime::from_millis(500))
        .measurement_time(WallTime::from_secs(2));
    for (agents, open) in sizes(backlog) {
        let mut shape = Shape::new(agents, open, 7);
        shape.returning_permille = 0;
        let mut loaded = Loaded::new(shape);
        let id = BenchmarkId::from_parameter(format!("{agents}agents_{open}open"));
        g.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let mut total = WallTime::ZERO;
                for i in 0..iters {
                    total += body(&mut loaded, i);
                }
                total
            })
        });
    }
    g.finish();
}

fn operations(c: &mut Criterion) {
    group(c, "assign_new_conversation", false, |l, _| {
        l.now += 1;
        let open = l.gen.open_command();
        let id = Loaded::open_id(&open);
        let t = l.timed(open);
        l.resolve(id);
        t
    });
    group(c, "customer_message_reprioritises", false, |l, i| {
        l.now += 1;
        let live = l.some_assigned(64);
        let conversation = live[i as usize % live.len()];
        l.timed(Command::CustomerMessage { conversation })
    });
    group(c, "resolve_with_backfill", true, |l, _| {
        l.now += 1;
        let conversation = *l.owners.keys().next().expect("an assigned conversation");
        l.owners.remove(&conversation);
        let t = l.timed(Command::Resolve {
            conversation,
            reason: ResolveReason::Solved,
        });
        // Keep the backlog at its size.
        let open = l.gen.open_command();
        l.apply(open);
        t
    });
    group(c, "agent_online_over_backlog", true, |l, i| {
        l.now += 1;
        let agent = AgentId(1 + i % 500);
        l.apply(Command::SetAgentStatus {
            agent,
            status: AgentStatus::Offline,
        });
        l.timed(Command::SetAgentStatus {
            agent,
            status: AgentStatus::Online,
        })
    });
    group(c, "sticky_return", false, |l, _| {
        l.now += 1;
        let open = l.gen.open_command();
        let first = Loaded::open_id(&open);
        let Command::OpenConversation(OpenConversation { customer, .. }) = open.clone() else {
            unreachable!()
        };
        l.apply(open);
        let agent = l.owners.get(&first).copied();
        if let Some(agent) = agent {
            l.apply(Command::AgentMessage {
                conversation: first,
                agent,
            });
        }
        l.resolve(first);
        let mut again = l.gen.open_command();
        if let Command::OpenConversation(OpenConversation { customer: c, .. }) = &mut again {
            *c = customer;
        }
        let second = Loaded::open_id(&again);
        let t = l.timed(again);
        l.resolve(second);
        t
    });
    group(c, "tick_ages_and_warns", true, |l, _| {
        // 32 conversations join the backlog; the tick that comes when their
        // warning is due fires the 32 warnings (and whatever else is due).
        for _ in 0..32 {
            l.now += 1;
            let open = l.gen.open_command();
            l.apply(open);
        }
        let warn = l.engine.config().warn_after().0;
        l.now += warn;
        l.timed(Command::Tick)
    });
}

criterion_group!(benches, operations);
criterion_main!(benches);
