//! The benchmark harness: replays a seeded, realistic mixed event stream
//! through switchboard and through a naive baseline (one global lock, a scan
//! over all agents per assignment) and prints one table.
//!
//! `cargo bench --bench harness` (full run), or
//! `cargo bench --bench harness -- --quick` (a small run, about a minute).
//! `SWITCHBOARD_SEED` changes the seed (default 42); `SWITCHBOARD_ONLY`
//! picks one section.

#[path = "baseline/mod.rs"]
mod baseline;
#[path = "harness_parts/counting.rs"]
mod counting;
#[path = "common/first_replies.rs"]
mod first_replies;
#[path = "common/plan_stream.rs"]
mod plan_stream;
#[path = "harness_parts/rules.rs"]
mod rules;
#[path = "harness_parts/sections.rs"]
mod sections;
#[path = "harness_parts/tail.rs"]
mod tail;
#[path = "common/workload.rs"]
mod workload;

use baseline::Baseline;
use counting::{allocs, live};
use first_replies::FirstReplies;
use hdrhistogram::Histogram;
use rules::{answer_due, profile_rules};
use sections::{assignment, memory, mixed_main, scale, scaling, threads};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use switchboard::policy::LeastLoaded;
use switchboard::{
    AgentId, Command, Decision, Engine, EngineConfig, EngineError, OpenConversations, SharedEngine,
    Timestamp,
};
use workload::{Event, Generator, Shape, Stream};

/// A router under test.
trait Router {
    fn apply(&mut self, at: Timestamp, command: Command) -> Result<Vec<Decision>, EngineError>;

    /// Applies `command`, leaving its decisions in `out` (cleared first).
    /// By default through `apply`; the engine reuses the buffer, as a
    /// runtime's shard does.
    fn apply_reusing(
        &mut self,
        at: Timestamp,
        command: Command,
        out: &mut Vec<Decision>,
    ) -> Result<(), EngineError> {
        *out = self.apply(at, command)?;
        Ok(())
    }

    /// Applies `command` borrowed from the stream, leaving its decisions
    /// in `out`. By default a clone through `apply_reusing`; the engine
    /// takes it by reference (`Engine::apply_into`), as a host holding
    /// its decoded commands would hand them, so the replay measures no
    /// clone and drop of the harness's own.
    fn apply_borrowed(
        &mut self,
        at: Timestamp,
        command: &Command,
        out: &mut Vec<Decision>,
    ) -> Result<(), EngineError> {
        self.apply_reusing(at, command.clone(), out)
    }
}

impl Router for Engine {
    fn apply(&mut self, at: Timestamp, command: Command) -> Result<Vec<Decision>, EngineError> {
        Engine::apply(self, at, command)
    }

    fn apply_reusing(
        &mut self,
        at: Timestamp,
        command: Command,
        out: &mut Vec<Decision>,
    ) -> Result<(), EngineError> {
        Router::apply_borrowed(self, at, &command, out)
    }

    fn apply_borrowed(
        &mut self,
        at: Timestamp,
        command: &Command,
        out: &mut Vec<Decision>,
    ) -> Result<(), EngineError> {
        out.clear();
        self.apply_into(at, command, out)
    }
}

/// The engine shared between threads (the threads section): each thread
/// holds a `&SharedEngine`, and the mutex orders the commands.
impl Router for &SharedEngine {
    fn apply(&mut self, at: Timestamp, command: Command) -> Result<Vec<Decision>, EngineError> {
        SharedEngine::apply(self, at, command)
    }
}

impl Router for Baseline {
    fn apply(&mut self, at: Timestamp, command: Command) -> Result<Vec<Decision>, EngineError> {
        Baseline::apply(self, at, command)
    }
}

/// Who owns each conversation in the router under test, learnt from its
/// decisions, so that agent replies go to the right agent. Shared between
/// threads (a conversation of one stream may be assigned by another's event).
struct Owners(Vec<AtomicU64>);

impl Owners {
    fn new(len: u64) -> Self {
        Self((0..len).map(|_| AtomicU64::new(0)).collect())
    }

    fn learn(&self, decisions: &[Decision]) -> usize {
        let mut assigned = 0;
        for d in decisions {
            if let Decision::Assigned {
                conversation,
                agent,
                ..
            }
            | Decision::Offered {
                conversation,
                agent,
                ..
            } = d
            {
                // ORDERING: a hint for the driver only; Relaxed.
                self.0[conversation.0 as usize].store(agent.0, Ordering::Relaxed);
                assigned += 1;
            }
        }
        assigned
    }

    /// The command of `event`: the stream's own, borrowed, or a reply or
    /// read built in `built` for the agent that owns the conversation. No
    /// closure: callgrind's toggle (`harness::replay*`) would also match a
    /// `replay::{{closure}}` and turn the collection off inside it.
    /// The one built is a reply or a read, which owns nothing (ids only):
    /// kept in a `ManuallyDrop`, so it is forgotten, not dropped through
    /// `Command`'s out-of-line drop glue (5.5M instructions a replay).
    fn lend<'a>(
        &self,
        event: &'a Event,
        built: &'a mut Option<ManuallyDrop<Command>>,
    ) -> &'a Command {
        match event {
            Event::Command(c) => c,
            _ => built.insert(ManuallyDrop::new(self.command(event))),
        }
    }

    fn command(&self, event: &Event) -> Command {
        match event {
            Event::Command(c) => c.clone(),
            Event::AgentReply(c) => Command::AgentMessage {
                conversation: *c,
                agent: AgentId(self.0[c.0 as usize].load(Ordering::Relaxed)),
            },
            Event::AgentSeen(c) => Command::MarkSeen {
                conversation: *c,
                agent: AgentId(self.0[c.0 as usize].load(Ordering::Relaxed)),
            },
        }
    }
}

/// The engine under test. Returning customers of the workload may still
/// have an open thread on the same channel; the baseline opens a new one
/// regardless, so the engine does too and the figures stay comparable.
fn engine() -> Engine {
    let config = EngineConfig::builder()
        .open_conversations(OpenConversations::Unlimited)
        .build()
        .expect("valid config");
    Engine::new(config, LeastLoaded).expect("valid config")
}

fn setup<R: Router>(router: &mut R, owners: &Owners, setup: &[(Timestamp, Command)]) {
    for (at, c) in setup {
        let out = router.apply(*at, c.clone()).expect("setup command applies");
        owners.learn(&out);
    }
}

/// The result of one replay.
#[derive(Default)]
struct Replay {
    secs: f64,
    events: usize,
    errors: usize,
    assignments: usize,
    /// Allocations (and reallocations) made inside the router's `apply`,
    /// the command's construction excluded.
    allocs: u64,
    /// Of `allocs`, those made in the stream's second half, on an engine
    /// warmed by the first (the steady state issue 22 asks to be free of
    /// allocation; the first half's growths toward high-water marks are
    /// warm-up).
    allocs_late: u64,
}

impl Replay {
    fn rate(&self) -> f64 {
        self.events as f64 / self.secs
    }

    fn ns_per_event(&self) -> f64 {
        self.secs * 1e9 / self.events as f64
    }

    fn allocs_per_event(&self) -> f64 {
        self.allocs as f64 / self.events as f64
    }
}

/// Replays `events`; with a histogram, records each event's latency in ns.
/// The stream's commands are lent to the router (`apply_borrowed`), not
/// cloned: replies and reads are built before the clock starts for each
/// event (until the tenth session the replay cloned every command, and
/// callgrind's `harness::replay*` counted the clone and its drop:
/// BENCHMARKS.md gives the `profile` figure both ways). Never inlined,
/// or callgrind's toggle (`harness::replay*`) finds no such function.
#[inline(never)]
fn replay<R: Router>(
    router: &mut R,
    owners: &Owners,
    events: &[(Timestamp, Event)],
    mut hist: Option<&mut Histogram<u64>>,
) -> Replay {
    let mut r = Replay {
        events: events.len(),
        ..Replay::default()
    };
    let mut out = Vec::new();
    let start = Instant::now();
    for (i, (at, ev)) in events.iter().enumerate() {
        let mut built = None;
        let command = owners.lend(ev, &mut built);
        let before = allocs();
        let result = match hist.as_deref_mut() {
            Some(h) => {
                let t = Instant::now();
                let result = router.apply_borrowed(*at, command, &mut out);
                h.saturating_record(t.elapsed().as_nanos() as u64);
                result
            }
            None => router.apply_borrowed(*at, command, &mut out),
        };
        // A free is not counted, so only the router's own allocations
        // are (a router cloning the command counts the clone).
        let made = allocs() - before;
        r.allocs += made;
        if i >= events.len() / 2 {
            r.allocs_late += made;
        }
        match result {
            Ok(()) => r.assignments += owners.learn(&out),
            Err(_) => r.errors += 1,
        }
    }
    r.secs = start.elapsed().as_secs_f64();
    r
}

struct Config {
    quick: bool,
    seed: u64,
}

fn stream(shape: Shape, events: usize) -> Stream {
    Generator::new(shape).stream(events)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var("SWITCHBOARD_BENCH_QUICK").is_ok_and(|v| v != "0");
    let seed = std::env::var("SWITCHBOARD_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(42);
    let cfg = Config { quick, seed };
    println!(
        "switchboard harness: {} run, seed {seed}",
        if quick { "quick" } else { "full" }
    );
    // SWITCHBOARD_ONLY=mixed|assignment|scaling|threads runs one section
    // (for profiling); profile, profile_plan, profile_rules, memory and tail
    // are single measurements.
    let only = std::env::var("SWITCHBOARD_ONLY").unwrap_or_default();
    let run = |name: &str| only.is_empty() || only == name;
    if run("mixed") {
        mixed_main(&cfg);
    }
    if run("assignment") {
        assignment(&cfg);
    }
    if run("scaling") {
        scaling(&cfg);
    }
    if run("threads") {
        threads(&cfg);
    }
    if only == "profile" {
        // Switchboard alone on the headline stream, for perf/callgrind.
        let s = stream(Shape::new(10_000, 100_000, seed), 300_000);
        let owners = Owners::new(s.conv_end + 1);
        let mut e = engine();
        setup(&mut e, &owners, &s.setup);
        // The host's known scale reserved (`Engine::reserve`) once its
        // roster is loaded, so the groups get room too, unless
        // SWITCHBOARD_RESERVE=0 (the figures without it).
        let reserve = std::env::var("SWITCHBOARD_RESERVE").map_or(true, |v| v != "0");
        if reserve {
            e.reserve(scale(&s))
                .expect("the stream's scale is within the limits");
        }
        let r = replay(&mut e, &owners, &s.events, None);
        println!(
            "profile: {:.0} events/s, {:.3} allocations per event ({} in {} events; \
             {} in the last {} on the warmed engine; {})",
            r.rate(),
            r.allocs_per_event(),
            r.allocs,
            r.events,
            r.allocs_late,
            r.events - r.events / 2,
            if reserve {
                "scale reserved"
            } else {
                "nothing reserved"
            }
        );
    }
    if only == "tail" {
        tail::by_kind(seed);
    }
    if only == "memory" {
        // The mixed section's memory rows alone (no stream replayed).
        let shape = Shape::new(10_000, 100_000, seed);
        let agents = shape.agents as usize;
        let s = stream(shape, 1);
        let owners = Owners::new(s.conv_end + 1);
        let (e, per_agent, per_conv) = memory(&s, agents, &owners);
        drop(e);
        println!(
            "memory: {per_agent:.2} bytes per agent, {per_conv:.2} bytes per open conversation"
        );
        // The same setup with its exact scale reserved first: what the
        // reservation holds beyond growth (the rows above reserve nothing).
        let grown = {
            let h0 = live();
            let mut e = engine();
            setup(&mut e, &owners, &s.setup);
            (live() - h0, e).0
        };
        let h0 = live();
        let mut e = engine();
        e.reserve(scale(&s))
            .expect("the stream's scale is within the limits");
        let up_front = live() - h0;
        setup(&mut e, &owners, &s.setup);
        let reserved = live() - h0;
        println!(
            "memory, scale reserved first: {reserved} bytes in all ({up_front} reserved up front) \
             against {grown} grown"
        );
    }
    if only == "profile_plan" {
        // The `profile` stream under a realistic routing plan, for
        // callgrind against `profile` (BENCHMARKS.md, "Routing plans").
        let shape = Shape::new(10_000, 100_000, seed);
        let (base, agents) = (shape.agent_base, u64::from(shape.agents));
        let mut s = stream(shape, 300_000);
        let opens = s.setup.iter_mut().map(|(_, c)| c);
        let later = s.events.iter_mut().filter_map(|(_, e)| match e {
            Event::Command(c) => Some(c),
            _ => None,
        });
        for c in opens.chain(later) {
            plan_stream::with_attributes(c, base, agents);
        }
        let owners = Owners::new(s.conv_end + 1);
        let mut e = engine();
        let plan = Command::set_plan(plan_stream::realistic_plan());
        e.apply(Timestamp(0), plan).expect("the plan loads");
        setup(&mut e, &owners, &s.setup);
        let r = replay(&mut e, &owners, &s.events, None);
        let steps = e.stats();
        println!(
            "profile_plan: {:.0} events/s, {} refused, {} assignments",
            r.rate(),
            r.errors,
            steps.assignments
        );
    }
    if only == "profile_rules" || only == "profile_rules_answered" {
        profile_rules(seed, only == "profile_rules_answered");
    }
}

/// As `replay`, each event preceded by the first replies due by its time
/// (measured with it: `harness::replay*`; never inlined, or callgrind's
/// toggle finds no such function).
#[inline(never)]
fn replay_answered(
    e: &mut Engine,
    owners: &Owners,
    replies: &mut FirstReplies,
    events: &[(Timestamp, Event)],
) -> Replay {
    let mut r = Replay {
        events: events.len(),
        ..Replay::default()
    };
    let mut out = Vec::new();
    let start = Instant::now();
    for (at, ev) in events {
        r.errors += answer_due(e, owners, replies, *at, &mut out);
        let mut built = None;
        match e.apply_borrowed(*at, owners.lend(ev, &mut built), &mut out) {
            Ok(()) => {
                r.assignments += owners.learn(&out);
                replies.learn(*at, &out);
            }
            Err(_) => r.errors += 1,
        }
    }
    r.secs = start.elapsed().as_secs_f64();
    r
}
