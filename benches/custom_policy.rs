//! The decision cost of a routing policy -- yours beside the built-ins --
//! at 1k, 10k and 100k agents, on the same seeded workload as
//! `benches/operations.rs` (`benches/common/workload.rs`).
//!
//! `cargo bench --bench custom_policy`; `-- skilled_unless_busy` runs only
//! the user policy. Each iteration times one arriving conversation (the
//! policy's ranking of the agents it touches and the engine's lookup of the
//! best-ranked free agent); the untimed resolve after it puts the engine
//! back in the same state, so the tenant's size does not drift.
//!
//! ## Measuring your own policy
//!
//! Copy this file into your crate's `benches/` (with `common/workload.rs`,
//! or your own traffic), declare it with `harness = false`, and replace
//! [`SkilledUnlessBusy`] in [`policies`] with your policy. The figures are
//! then comparable with the built-ins' on the same machine.

#[path = "common/workload.rs"]
mod workload;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::{Duration as WallTime, Instant};
use switchboard::policy::{AgentView, BuiltinPolicy, QueueView, Rank, RoutingPolicy};
use switchboard::{
    Command, ConversationId, Engine, EngineConfig, OpenConversation, ResolveReason, Timestamp,
};
use workload::{Generator, Shape};

/// The user policy of `examples/custom_policy.rs`: the most skilled agent,
/// unless above 75% of their cap.
#[derive(Debug)]
struct SkilledUnlessBusy;

impl RoutingPolicy for SkilledUnlessBusy {
    fn name(&self) -> &str {
        "skilled_unless_busy"
    }
    fn rank(&self, agent: &AgentView<'_>, queue: &QueueView<'_>) -> Rank {
        Rank::new([
            i64::from(agent.load_permille() > 750),
            -i64::from(queue.skill_score(agent)),
            i64::from(agent.load_permille()),
        ])
    }
}

/// The policies measured: the built-ins, then yours.
fn policies() -> Vec<Box<dyn RoutingPolicy>> {
    let mut all: Vec<Box<dyn RoutingPolicy>> = BuiltinPolicy::ALL.map(BuiltinPolicy::build).into();
    all.push(Box::new(SkilledUnlessBusy));
    all
}

/// Agents per tenant; two open conversations per agent (about a fifth of
/// the caps), so most arrivals find several free eligible agents.
const SIZES: [u32; 3] = [1_000, 10_000, 100_000];

fn loaded(policy: Box<dyn RoutingPolicy>, agents: u32) -> (Engine, Generator, u64) {
    let mut engine = Engine::new(EngineConfig::default(), policy).expect("default config is valid");
    let mut shape = Shape::new(agents, agents as usize * 2, 7);
    shape.returning_permille = 0; // every arrival is a policy decision
    let mut gen = Generator::new(shape);
    let mut now = 0;
    for (at, c) in gen.setup() {
        now = at.0;
        let _ = engine.apply(at, c);
    }
    (engine, gen, now)
}

fn decision_cost(c: &mut Criterion) {
    for agents in SIZES {
        let mut g = c.benchmark_group(format!("decision_cost/{agents}agents"));
        g.sample_size(10)
            .warm_up_time(WallTime::from_millis(300))
            .measurement_time(WallTime::from_secs(1));
        for policy in policies() {
            let name = policy.name().to_owned();
            let (mut engine, mut gen, mut now) = loaded(policy, agents);
            g.bench_function(BenchmarkId::from_parameter(&name), |b| {
                b.iter_custom(|iters| {
                    let mut total = WallTime::ZERO;
                    for _ in 0..iters {
                        now += 1;
                        let open = gen.open_command();
                        let Command::OpenConversation(OpenConversation { conversation, .. }) = open
                        else {
                            unreachable!("open_command makes opens")
                        };
                        let t = Instant::now();
                        let _ = engine.apply(Timestamp(now), open);
                        total += t.elapsed();
                        resolve(&mut engine, now, conversation);
                    }
                    total
                })
            });
        }
        g.finish();
    }
}

fn resolve(engine: &mut Engine, now: u64, conversation: ConversationId) {
    let _ = engine.apply(
        Timestamp(now),
        Command::Resolve {
            conversation,
            reason: ResolveReason::Solved,
        },
    );
}

criterion_group!(benches, decision_cost);
criterion_main!(benches);
