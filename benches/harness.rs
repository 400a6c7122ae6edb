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
#[path = "common/first_replies.rs"]
mod first_replies;
#[path = "common/plan_stream.rs"]
mod plan_stream;
#[path = "harness_parts/tail.rs"]
mod tail;
#[path = "common/workload.rs"]
mod workload;

use baseline::Baseline;
use first_replies::FirstReplies;
use hdrhistogram::Histogram;
use std::alloc::{GlobalAlloc, Layout, System};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicIsize, AtomicU64, Ordering};
use std::time::Instant;
use switchboard::policy::LeastLoaded;
use switchboard::{
    AgentId, Command, Decision, Engine, EngineConfig, EngineError, OpenConversations, Reservation,
    SharedEngine, Timestamp,
};
use switchboard::{
    Channel, NoAnswerFinal, NoAnswerRule, RateLimit, TeamId, TimeSpan, WorkloadConfig, WrapUpMode,
    WrapUpRule,
};
use workload::{Event, Generator, Shape, Stream};

/// Counts the bytes currently allocated, to report memory per conversation
/// and per agent, and the allocations made (growths included), to report
/// allocations per event.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counter is a side effect that does not touch the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // ORDERING: a statistic read between phases on one thread; Relaxed.
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Allocations and reallocations so far (every thread).
fn allocs() -> u64 {
    ALLOCS.load(Ordering::Relaxed)
}

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

/// The `profile` stream with every workload rule on, for callgrind
/// against the same stream with none (BENCHMARKS.md, "Workload rules
/// (issue 20)"). `SWITCHBOARD_RULES=wrapup,tenant,no_answer,team_cap,
/// team_rate,channel_cap` turns on only those rules (all when unset;
/// `none` turns every rule off), to measure them one at a time. With
/// `answered` (`profile_rules_answered`), the agents answer their
/// assignments as DOMAIN.md's figures say (`first_replies.rs`), so that
/// the no-answer rule measures its bookkeeping, not a reassignment of
/// nearly every assignment.
fn profile_rules(seed: u64, answered: bool) {
    let shape = Shape::new(10_000, 100_000, seed);
    let agents = shape.agents as usize;
    let base = shape.agent_base;
    let s = stream(shape, 300_000);
    let owners = Owners::new(s.conv_end + 1);
    let rules = std::env::var("SWITCHBOARD_RULES").unwrap_or_default();
    let on = |rule: &str| rules.is_empty() || rules.split(',').any(|r| r == rule);
    let mut e = engine_with_rules(&on);
    if !answered {
        setup(&mut e, &owners, &s.setup[..agents]);
        workload_rules(&mut e, base, agents as u64, &on);
        setup(&mut e, &owners, &s.setup[agents..]);
        let r = replay(&mut e, &owners, &s.events, None);
        let stats = e.stats();
        println!(
            "profile_rules: {:.0} events/s, {} refused, wrap-ups {}, no-answer {}, refusals {:?}",
            r.rate(),
            r.errors,
            stats.wrap_ups,
            stats.no_answer_requeues + stats.no_answer_kept,
            stats.refusals
        );
        return;
    }
    let mut replies = FirstReplies::new(seed);
    setup_answered(&mut e, &owners, &mut replies, &s.setup[..agents]);
    workload_rules(&mut e, base, agents as u64, &on);
    setup_answered(&mut e, &owners, &mut replies, &s.setup[agents..]);
    if std::env::var_os("SWITCHBOARD_DIGEST").is_some() {
        // Not measured: the decisions themselves, to check that a speed
        // change moves none (BENCHMARKS.md, issue 20).
        let (decisions, digest) = digest_answered(&mut e, &owners, &mut replies, &s.events);
        println!(
            "profile_rules_answered: {decisions} decisions and refusals, digest {digest:016x}"
        );
        return;
    }
    let r = replay_answered(&mut e, &owners, &mut replies, &s.events);
    let stats = e.stats();
    println!(
        "profile_rules_answered: {:.0} events/s, {} events and {} first replies, {} refused, \
         assignments {} ({} left unanswered, {} replies dropped as moved), engine assignments {}, \
         wrap-ups {}, no-answer {}, refusals {:?}",
        r.rate(),
        r.events,
        replies.sent,
        r.errors,
        replies.assignments,
        replies.unanswered,
        replies.moved,
        stats.assignments,
        stats.wrap_ups,
        stats.no_answer_requeues + stats.no_answer_kept,
        stats.refusals
    );
}

/// As `setup`, the agents answering their assignments (not measured).
fn setup_answered(
    e: &mut Engine,
    owners: &Owners,
    replies: &mut FirstReplies,
    setup: &[(Timestamp, Command)],
) {
    let mut out = Vec::new();
    for (at, c) in setup {
        answer_due(e, owners, replies, *at, &mut out);
        e.apply_reusing(*at, c.clone(), &mut out)
            .expect("setup command applies");
        owners.learn(&out);
        replies.learn(*at, &out);
    }
}

/// Sends the first replies due by `at`; returns how many were refused.
fn answer_due(
    e: &mut Engine,
    owners: &Owners,
    replies: &mut FirstReplies,
    at: Timestamp,
    out: &mut Vec<Decision>,
) -> usize {
    let mut refused = 0;
    // ORDERING: the owners table is this thread's alone here; Relaxed.
    let owner = |c: u64| owners.0[c as usize].load(Ordering::Relaxed);
    while let Some((due, reply)) = replies.next_due(at, owner) {
        match e.apply_borrowed(due, &reply, out) {
            Ok(()) => {
                owners.learn(out);
                replies.learn(due, out);
            }
            Err(_) => refused += 1,
        }
    }
    refused
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

/// As `replay_answered`, hashing every decision and refusal in order
/// (their `Debug` form) instead of timing: the same stream before and
/// after a change that must move no decision gives the same digest.
/// Returns how many were hashed and the digest.
fn digest_answered(
    e: &mut Engine,
    owners: &Owners,
    replies: &mut FirstReplies,
    events: &[(Timestamp, Event)],
) -> (u64, u64) {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    let mut n = 0u64;
    let mut out = Vec::new();
    let mut apply = |e: &mut Engine, at: Timestamp, c: Command, out: &mut Vec<Decision>| match e
        .apply_reusing(at, c, out)
    {
        Ok(()) => {
            for d in out.iter() {
                format!("{d:?}").hash(&mut h);
            }
            n += out.len() as u64;
            true
        }
        Err(err) => {
            format!("{err:?}").hash(&mut h);
            n += 1;
            false
        }
    };
    // ORDERING: the owners table is this thread's alone here; Relaxed.
    let owner = |c: u64| owners.0[c as usize].load(Ordering::Relaxed);
    for (at, ev) in events {
        while let Some((due, reply)) = replies.next_due(*at, owner) {
            if apply(e, due, reply, &mut out) {
                owners.learn(&out);
                replies.learn(due, &out);
            }
        }
        if apply(e, *at, owners.command(ev), &mut out) {
            owners.learn(&out);
            replies.learn(*at, &out);
        }
    }
    (n, h.finish())
}

/// The engine with every workload rule on: wrap-up on every channel, the
/// tenant's cap, reassignment of unanswered conversations.
fn engine_with_rules(on: &dyn Fn(&str) -> bool) -> Engine {
    let mut workload = WorkloadConfig::default();
    for channel in Channel::ALL.into_iter().filter(|_| on("wrapup")) {
        let rule = WrapUpRule {
            mode: WrapUpMode::Optional,
            time: TimeSpan::from_secs(60),
            hold_permille: 500,
        };
        workload.wrap_up.insert(channel, rule);
    }
    workload.tenant_max_live = on("tenant").then_some(150_000);
    workload.no_answer = on("no_answer").then_some(NoAnswerRule {
        after: TimeSpan::from_mins(10),
        set_away: false,
        max_hops: 2,
        last: NoAnswerFinal::KeepAndWarn,
    });
    let config = EngineConfig::builder()
        .open_conversations(OpenConversations::Unlimited)
        .workload(workload)
        .build()
        .expect("valid config");
    Engine::new(config, LeastLoaded).expect("valid config")
}

/// Teams of 50 agents with a cap on live conversations and a rate limit,
/// and a cap on WhatsApp threads per agent.
fn workload_rules(e: &mut Engine, base: u64, agents: u64, on: &dyn Fn(&str) -> bool) {
    let at = Timestamp(0);
    let teams = if on("team_cap") || on("team_rate") {
        agents / 50
    } else {
        0
    };
    for team in 0..teams {
        let members = (0..50).map(|i| AgentId(base + team * 50 + i)).collect();
        let command = Command::SetTeam {
            team: TeamId(team),
            name: format!("team {team}").into(),
            members,
            max_live: on("team_cap").then_some(400),
            rate_limit: on("team_rate").then_some(RateLimit {
                max: 30,
                window: TimeSpan::from_hours(1),
            }),
        };
        e.apply(at, command).expect("team accepted");
    }
    for i in (0..agents).filter(|_| on("channel_cap")) {
        let command = Command::SetChannelCap {
            agent: AgentId(base + i),
            channel: Channel::WhatsApp,
            max_live: Some(6),
        };
        e.apply(at, command).expect("cap accepted");
    }
}

/// The headline: 10k agents, 100k open conversations.
fn mixed_main(cfg: &Config) {
    let events = if cfg.quick { 200_000 } else { 1_000_000 };
    let baseline_events = if cfg.quick { 50_000 } else { 200_000 };
    let shape = Shape::new(10_000, 100_000, cfg.seed);
    let agents = shape.agents as usize;
    let s = stream(shape, events);
    println!("\n## Mixed stream: 10k agents, 100k open conversations, {events} events");

    let owners = Owners::new(s.conv_end + 1);
    let (mut e, per_agent, per_conv) = memory(&s, agents, &owners);
    let h2 = live();
    let thr = replay(&mut e, &owners, &s.events, None);
    let h3 = live();
    let opened = s.conv_end as usize - 1 - (s.setup.len() - agents);
    drop(e);

    // Latency: a fresh engine, the same stream, each event timed.
    let owners = Owners::new(s.conv_end + 1);
    let mut e = engine();
    setup(&mut e, &owners, &s.setup);
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("bounds");
    let lat = replay(&mut e, &owners, &s.events, Some(&mut hist));
    drop(e);

    // Baseline: the same stream (a prefix: it is slow), the same setup.
    let owners = Owners::new(s.conv_end + 1);
    let mut b = Baseline::new(EngineConfig::default());
    let t = Instant::now();
    setup(&mut b, &owners, &s.setup);
    let b_setup = t.elapsed().as_secs_f64();
    let base = replay(&mut b, &owners, &s.events[..baseline_events], None);
    drop(b);
    let sb_prefix = {
        let owners = Owners::new(s.conv_end + 1);
        let mut e = engine();
        setup(&mut e, &owners, &s.setup);
        replay(&mut e, &owners, &s.events[..baseline_events], None)
    };

    println!("| measure | switchboard | baseline | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| mixed events/s, 1 thread (first {baseline_events} events, both) | {:.0} | {:.0} | {:.1}x |",
        sb_prefix.rate(),
        base.rate(),
        sb_prefix.rate() / base.rate()
    );
    println!(
        "| mixed events/s, 1 thread, all {events} events | {:.0} | | |",
        thr.rate()
    );
    println!(
        "| events/s with per-event timing on | {:.0} | | |",
        lat.rate()
    );
    println!(
        "| latency p50 / p99 / p99.9 / max (ns) | {} / {} / {} / {} | | |",
        hist.value_at_quantile(0.5),
        hist.value_at_quantile(0.99),
        hist.value_at_quantile(0.999),
        hist.max()
    );
    println!(
        "| errors (stale replies etc.) / assignments | {} / {} | {} / {} | |",
        thr.errors, thr.assignments, base.errors, base.assignments
    );
    println!(
        "| allocations per event (inside apply; growths counted) | {:.3} | {:.3} | |",
        thr.allocs_per_event(),
        base.allocs_per_event()
    );
    println!("| bytes per agent | {per_agent:.0} | | |");
    println!("| bytes per open conversation (setup) | {per_conv:.0} | | |");
    println!(
        "| bytes per conversation opened during the stream (resolved ones are kept) | {:.0} | | |",
        (h3 - h2) as f64 / opened.max(1) as f64
    );
    println!("| baseline setup time (s) | | {b_setup:.2} | |");
}

/// The scale of `s` a host would know ahead (`Engine::reserve`): its
/// agents, every conversation it opens (nothing is purged), the most open
/// at once, and its customers (numbered densely from 1).
fn scale(s: &Stream) -> Reservation {
    let (mut agents, mut opened, mut open, mut most, mut customers) = (0u32, 0u32, 0u32, 0u32, 0);
    let commands = s
        .setup
        .iter()
        .map(|(_, c)| c)
        .chain(s.events.iter().filter_map(|(_, e)| match e {
            Event::Command(c) => Some(c),
            _ => None,
        }));
    for c in commands {
        match c {
            Command::AddAgent(_) => agents += 1,
            Command::OpenConversation(o) => {
                opened += 1;
                open += 1;
                most = most.max(open);
                customers = customers.max(o.customer.0);
            }
            Command::Resolve { .. } => open = open.saturating_sub(1),
            _ => {}
        }
    }
    Reservation::new()
        .agents(agents)
        .conversations(opened)
        .open_conversations(most)
        .customers(u32::try_from(customers).unwrap_or(u32::MAX))
}

/// An engine set up with the stream's agents then its open conversations,
/// with the heap growth of each phase: bytes per agent, bytes per open
/// conversation (everything the engine allocated for them, the slack of
/// its growable tables included).
fn memory(s: &Stream, agents: usize, owners: &Owners) -> (Engine, f64, f64) {
    let h0 = live();
    let mut e = engine();
    setup(&mut e, owners, &s.setup[..agents]);
    let h1 = live();
    setup(&mut e, owners, &s.setup[agents..]);
    let h2 = live();
    let per_agent = (h1 - h0) as f64 / agents as f64;
    let per_conv = (h2 - h1) as f64 / (s.setup.len() - agents) as f64;
    (e, per_agent, per_conv)
}

/// Assignment decisions only: opens that find a free agent at once.
fn assignment(cfg: &Config) {
    println!("\n## Assignment decisions (open -> least-loaded eligible agent)");
    println!("| agents | switchboard ns/assignment | baseline ns/assignment | ratio |");
    println!("|---|---|---|---|");
    for (agents, k) in [(10_000u32, 4_000usize), (100_000, 1_000)] {
        let k = if cfg.quick { k / 4 } else { k };
        let mut shape = Shape::new(agents, 2_000, cfg.seed + 1);
        shape.returning_permille = 0;
        let mut g = Generator::new(shape);
        let setup_cmds = g.setup();
        let mut pairs = Vec::with_capacity(k);
        for i in 0..k {
            let at = Timestamp(10_000 + i as u64);
            let open = g.open_command();
            let resolve = g.resolve_command().expect("open conversations");
            pairs.push((at, open, resolve));
        }
        let conv_end = 2_000 + k as u64 + 2;
        let time =
            |router: &mut dyn FnMut(Timestamp, Command) -> Result<Vec<Decision>, EngineError>| {
                let owners = Owners::new(conv_end + 1);
                for (at, c) in &setup_cmds {
                    owners.learn(&router(*at, c.clone()).expect("setup"));
                }
                let mut ns = 0u128;
                let mut assigned = 0;
                for (at, open, resolve) in &pairs {
                    let open = open.clone();
                    let t = Instant::now();
                    let out = router(*at, open).expect("open");
                    ns += t.elapsed().as_nanos();
                    assigned += owners.learn(&out);
                    let _ = router(*at, resolve.clone());
                }
                (ns as f64 / k as f64, assigned)
            };
        let mut e = engine();
        let (sb, sb_assigned) = time(&mut |at, c| e.apply(at, c));
        let b = Baseline::new(EngineConfig::default());
        let (base, b_assigned) = time(&mut |at, c| b.apply(at, c));
        assert!(
            sb_assigned >= k && b_assigned >= k,
            "every open is assigned"
        );
        println!("| {agents} | {sb:.0} | {base:.0} | {:.0}x |", base / sb);
    }
}

/// Cost per event as agents and open conversations grow.
fn scaling(cfg: &Config) {
    println!("\n## Scaling: switchboard ns per mixed event");
    let events = if cfg.quick { 100_000 } else { 500_000 };
    let run = |agents: u32, open: usize| {
        let s = stream(Shape::new(agents, open, cfg.seed + 2), events);
        let owners = Owners::new(s.conv_end + 1);
        let mut e = engine();
        setup(&mut e, &owners, &s.setup);
        replay(&mut e, &owners, &s.events, None).ns_per_event()
    };
    println!("| agents | open conversations | ns/event | vs first row |");
    println!("|---|---|---|---|");
    let a = [(1_000u32, 10_000usize), (10_000, 10_000), (100_000, 10_000)];
    let first = run(a[0].0, a[0].1);
    println!("| {} | {} | {first:.0} | 1.00x |", a[0].0, a[0].1);
    let mut last = 0.0;
    for &(agents, open) in &a[1..] {
        last = run(agents, open);
        println!("| {agents} | {open} | {last:.0} | {:.2}x |", last / first);
    }
    let convs: &[usize] = if cfg.quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    for &open in convs {
        let ns = run(100_000, open);
        println!(
            "| 100000 | {open} | {ns:.0} | {:.2}x vs 10k open |",
            ns / last
        );
    }
}

/// One and two threads, on independent skill groups and on one group.
fn threads(cfg: &Config) {
    println!("\n## Threads (switchboard, one Engine shared through SharedEngine)");
    let events = if cfg.quick { 100_000 } else { 500_000 };
    let half = |part: u64, shared: bool| {
        let mut s = Shape::new(5_000, 50_000, cfg.seed + 10 + part);
        if shared {
            s.agents = 10_000;
        } else {
            s.agent_base = 1 + part * 1_000_000;
            s.skill_base = (part * 10) as u32;
            s.skills = 10;
        }
        s.conv_base = 1 + part * 2_000_000;
        s.customer_base = 1 + part * 1_000_000_000;
        s
    };
    println!("| groups | 1 thread events/s | 2 threads events/s | speed-up |");
    println!("|---|---|---|---|");
    for shared in [false, true] {
        let a = stream(half(0, shared), events);
        let b = stream(half(1, shared), events);
        let mut b_setup = b.setup.clone();
        if shared {
            b_setup.retain(|(_, c)| !matches!(c, Command::AddAgent(_)));
        }
        let len = b.conv_end + 1;
        let prepare = || {
            let owners = Owners::new(len);
            let e = SharedEngine::new(engine());
            setup(&mut &e, &owners, &a.setup);
            setup(&mut &e, &owners, &b_setup);
            (e, owners)
        };
        let (e, owners) = prepare();
        let t = Instant::now();
        // One thread: the two streams interleaved, as one host would see them.
        for (x, y) in a.events.iter().zip(&b.events) {
            for (at, ev) in [x, y] {
                if let Ok(out) = e.apply(*at, owners.command(ev)) {
                    owners.learn(&out);
                }
            }
        }
        let one = (2 * events) as f64 / t.elapsed().as_secs_f64();
        drop((e, owners));
        let (e, owners) = prepare();
        let t = Instant::now();
        std::thread::scope(|scope| {
            for s in [&a, &b] {
                let (mut e, owners) = (&e, &owners);
                scope.spawn(move || replay(&mut e, owners, &s.events, None));
            }
        });
        let two = (2 * events) as f64 / t.elapsed().as_secs_f64();
        println!(
            "| {} | {one:.0} | {two:.0} | {:.2}x |",
            if shared {
                "one shared group (10k agents, 20 skills)"
            } else {
                "independent (2 x 5k agents, 10 skills each)"
            },
            two / one
        );
    }
}
