//! `Engine::reserve`: commands within the reserved scale allocate nothing,
//! decisions are the same with and without the reservation, and a figure
//! past the engine's limits is a typed error that leaves the engine as it
//! was. A binary of its own: its global allocator counts the allocations
//! of the thread that runs each test (tests run on threads of their own),
//! so the claim is checked, not assumed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use switchboard::policy::LeastLoaded;
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, CustomerId,
    Decision, Engine, EngineConfig, Level, Limits, Reservation, ReserveError, ResolveReason,
    SkillId, SkillLevel, Timestamp,
};

struct Counting;

thread_local! {
    /// Allocations and reallocations made by this thread.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

fn count() {
    // `try_with`: a thread being torn down has no counter left.
    let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
}

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

// SAFETY: forwards every call unchanged to the system allocator; only
// counts the calls on the calling thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const AGENTS: u64 = 40;
const SKILLS: u32 = 4;
/// Conversations the warm-up opens; the measured phase opens `GROWTH`
/// times as many, so every table grows past the warm-up's high-water mark.
const WARM: u64 = 1_500;
const GROWTH: u64 = 4;

fn engine() -> Engine {
    Engine::new(EngineConfig::default(), LeastLoaded).expect("valid config")
}

/// The scale the workload reaches (every conversation stays held).
fn scale() -> Reservation {
    let conversations = u32::try_from(WARM * (1 + GROWTH)).expect("small");
    Reservation::new()
        .agents(AGENTS as u32)
        .conversations(conversations)
        .open_conversations(conversations)
        .customers(conversations)
}

/// A small stream: agents of four skills, then conversations opened on
/// them (each by a new customer), a customer message and an agent reply
/// each, a resolve of every third's predecessor, and a tick every so
/// often.
struct Workload {
    engine: Engine,
    out: Vec<Decision>,
    now: u64,
    next: u64,
    owner: Vec<u64>,
    /// Allocations made inside the engine's `apply_into` (building a
    /// command allocates its skill list: not the engine's).
    inside: u64,
}

impl Workload {
    fn new(engine: Engine) -> Self {
        let mut w = Self {
            engine,
            out: Vec::with_capacity(4_096),
            now: 0,
            next: 1,
            owner: vec![0; (WARM * (1 + GROWTH) + 2) as usize],
            inside: 0,
        };
        for a in 1..=AGENTS {
            let skill = SkillLevel::new(SkillId((a % u64::from(SKILLS)) as u32), 5).unwrap();
            let mut spec = AgentSpec::new(AgentId(a), Capacity::units(3)).skills(vec![skill]);
            spec.status = AgentStatus::Online;
            w.apply(Command::AddAgent(spec));
        }
        w
    }

    fn apply(&mut self, command: Command) {
        self.now += 7;
        let before = allocs();
        let applied = self
            .engine
            .apply_into(Timestamp(self.now), &command, &mut self.out);
        self.inside += allocs() - before;
        applied.expect("the workload's commands apply");
        for d in self.out.drain(..) {
            if let Decision::Assigned {
                conversation,
                agent,
                ..
            } = d
            {
                self.owner[conversation.0 as usize] = agent.0;
            }
        }
    }

    /// Opens `n` more conversations and works on them.
    fn run(&mut self, n: u64) {
        for _ in 0..n {
            let id = self.next;
            self.next += 1;
            let skill = SkillId((id % u64::from(SKILLS)) as u32);
            self.apply(
                Command::open(ConversationId(id), CustomerId(id))
                    .channel(Channel::Web)
                    .skill(skill, Level::of::<3>())
                    .into(),
            );
            let c = ConversationId(id);
            self.apply(Command::CustomerMessage { conversation: c });
            let agent = self.owner[c.0 as usize];
            if agent != 0 {
                self.apply(Command::AgentMessage {
                    conversation: c,
                    agent: AgentId(agent),
                });
            }
            if id.is_multiple_of(3) {
                self.apply(Command::Resolve {
                    conversation: ConversationId(id - 1),
                    reason: ResolveReason::Solved,
                });
            }
            if id.is_multiple_of(64) {
                self.apply(Command::Tick);
            }
        }
    }
}

/// Allocations of the workload's measured phase (after a warm-up), with
/// or without the scale reserved first, and the decisions' count.
fn measured(reserve: bool) -> (u64, Engine) {
    measured_with(reserve.then(scale))
}

/// [`measured`] with `scale` reserved, if any.
fn measured_with(scale: Option<Reservation>) -> (u64, Engine) {
    let mut engine = engine();
    if let Some(scale) = scale {
        engine.reserve(scale).expect("within the default limits");
    }
    let mut w = Workload::new(engine);
    if let Some(scale) = scale {
        // Again with the roster loaded: the skill groups get room too.
        w.engine.reserve(scale).expect("within the default limits");
    }
    w.run(WARM);
    let before = w.inside;
    w.run(WARM * GROWTH);
    (w.inside - before, w.engine)
}

#[test]
fn commands_within_the_reserved_scale_allocate_nothing() {
    let (reserved, _) = measured(true);
    let (grown, _) = measured(false);
    // The counter sees the tables grow without a reservation: the first
    // assertion can fail.
    assert!(grown > 0, "the unreserved run grew no table");
    assert_eq!(reserved, 0, "allocations within the reserved scale");
}

#[test]
fn a_reservation_changes_no_decision_and_no_state() {
    let (_, with) = measured(true);
    let (_, without) = measured(false);
    assert!(with.audit().is_ok());
    let a = serde_json::to_string(&with.snapshot()).unwrap();
    let b = serde_json::to_string(&without.snapshot()).unwrap();
    assert_eq!(a, b, "the snapshots differ");
    assert_eq!(
        format!("{:?}", with.stats()),
        format!("{:?}", without.stats())
    );
}

#[test]
fn touched_room_changes_no_decision_and_allocates_nothing_more() {
    let (touched_allocs, touched) = measured_with(Some(scale().touch_pages(true)));
    let (_, untouched) = measured(true);
    assert_eq!(touched_allocs, 0, "allocations within the touched scale");
    assert!(touched.audit().is_ok());
    let a = serde_json::to_string(&touched.snapshot()).unwrap();
    let b = serde_json::to_string(&untouched.snapshot()).unwrap();
    assert_eq!(a, b, "the snapshots differ");
    assert!(!touched.reserved().touch_pages, "pages are not tracked");
}

/// Resident bytes of this process (Linux's `/proc/self/statm`).
#[cfg(target_os = "linux")]
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4096
}

/// Touching maps the room at once: the process's resident memory grows
/// by about the reserved records' size during the call (other tests'
/// threads allocate far less meanwhile), where an untouched reservation
/// maps almost nothing (an id index's pages are written when made).
#[cfg(target_os = "linux")]
#[test]
fn touched_room_is_resident_at_once() {
    // 300,000 conversations: 38 MB of records alone.
    let big = Reservation::new()
        .conversations(300_000)
        .customers(300_000)
        .touch_pages(true);
    let mut engine = engine();
    let before = resident();
    engine.reserve(big).expect("within the default limits");
    let grown = resident().saturating_sub(before);
    assert!(grown >= 30_000_000, "touching mapped only {grown} bytes");
}

#[test]
fn reserving_is_monotonic_and_idempotent() {
    let mut engine = engine();
    assert_eq!(engine.reserved(), Reservation::new());
    engine.reserve(scale()).unwrap();
    let first = engine.reserved();
    let s = scale();
    assert!(first.agents >= s.agents && first.conversations >= s.conversations);
    assert!(first.open_conversations >= s.open_conversations && first.customers >= s.customers);
    let before = allocs();
    engine.reserve(scale()).unwrap();
    engine
        .reserve(Reservation::new().conversations(10))
        .unwrap();
    assert_eq!(allocs(), before, "a smaller or equal reservation allocates");
    assert_eq!(engine.reserved(), first, "a reservation never shrinks");
    engine.reserve(scale().agents(2_000)).unwrap();
    assert!(engine.reserved().agents >= 2_000);
}

#[test]
fn a_figure_past_the_limits_is_a_typed_error_and_changes_nothing() {
    let limits = Limits::default().conversations(1_000).agents(10);
    let config = EngineConfig::builder().limits(limits).build().unwrap();
    let mut engine = Engine::new(config, LeastLoaded).unwrap();
    let before = engine.reserved();
    let snapshot = serde_json::to_string(&engine.snapshot()).unwrap();
    let absurd = [
        (Reservation::new().conversations(u32::MAX), "conversations"),
        (
            Reservation::new().open_conversations(1_001),
            "conversations",
        ),
        (Reservation::new().agents(11).customers(5), "agents"),
        (Reservation::new().customers(u32::MAX), "customers"),
    ];
    for (scale, what) in absurd {
        let allocated = allocs();
        let err = engine.reserve(scale).unwrap_err();
        assert!(
            matches!(err, ReserveError::OverLimit { what: w, .. } if w == what),
            "{err}"
        );
        assert_eq!(allocs(), allocated, "nothing allocated for a refusal");
    }
    assert_eq!(engine.reserved(), before);
    assert_eq!(serde_json::to_string(&engine.snapshot()).unwrap(), snapshot);
    engine
        .reserve(Reservation::new().conversations(1_000).agents(10))
        .expect("at the limits");
}
