//! Priority aging by queue: work in a plan queue has `base + per_minute ×
//! minutes waited` points, at most `cap`; an agent serving several queues
//! takes the waiting head with the most points first (after their routing
//! profile's priority), and equal points fall back to the oldest aged key.
use crate::common;
use common::*;
use switchboard::plan::{Attributes, Plan, PlanProblem, PriorityAging};
use switchboard::*;

/// Two queues open to everyone, by topic; agent 1 (one unit) serves both.
const PLAN: &str = r#"{
  "queues": [ { "name": "slow" }, { "name": "fast" } ],
  "routes": [
    { "name": "fast", "when": "topic == 'fast'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "fast" }] }] },
    { "name": "default",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "slow" }] }] }
  ]
}"#;

fn aging(base: u32, per_minute: u32, cap: u32) -> PriorityAging {
    PriorityAging {
        base,
        per_minute,
        cap,
    }
}

fn plan_with(slow: PriorityAging, fast: PriorityAging) -> Plan {
    let mut plan = Plan::from_json(PLAN).expect("a plan document");
    plan.queues[0].aging = slow;
    plan.queues[1].aging = fast;
    plan
}

fn run(e: &mut Engine, at: Timestamp, command: impl Into<Command>) -> Vec<Decision> {
    let d = e.apply(at, command).expect("command accepted");
    audited(e);
    d
}

/// Opens `id` on `topic` in the lowest class (whose class head start is
/// 0, so its points count its own wait alone).
fn open_cmd_topic(id: u64, topic: &str) -> Command {
    Command::open(ConversationId(id), CustomerId(id))
        .priority(Priority::Low)
        .attributes(Attributes::new().topic(topic))
        .into()
}

/// Agent 1 busy with conversation 1 from 0; conversation 2 waits in
/// "slow" from `slow_at` ms and conversation 3 in "fast" from `fast_at`
/// ms (the script, for replays).
fn script(plan: Plan, slow_at: u64, fast_at: u64) -> Vec<(u64, Command)> {
    vec![
        (0, Command::set_plan(plan)),
        (0, open_cmd_topic(1, "slow")),
        (slow_at, open_cmd_topic(2, "slow")),
        (fast_at, open_cmd_topic(3, "fast")),
    ]
}

fn play(script: &[(u64, Command)]) -> (Engine, Vec<Vec<Decision>>) {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    let out = script
        .iter()
        .map(|(at, c)| run(&mut e, Timestamp(*at), c.clone()))
        .collect();
    (e, out)
}

/// Which of conversations 2 and 3 agent 1 takes when conversation 1 ends
/// at `free_at` ms.
fn first_served(plan: Plan, slow_at: u64, fast_at: u64, free_at: u64) -> u64 {
    let (mut e, _) = play(&script(plan, slow_at, fast_at));
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(
        (state(&e, 2), state(&e, 3)),
        (StateKind::Queued, StateKind::Queued)
    );
    let d = resolve(&mut e, Timestamp(free_at), 1);
    audited(&e);
    match (assigned_to(&d, 2), assigned_to(&d, 3)) {
        (Some(1), None) => 2,
        (None, Some(1)) => 3,
        other => panic!("one of them goes to agent 1: {other:?}"),
    }
}

#[test]
fn a_queue_with_a_higher_base_is_served_first_by_an_agent_serving_both() {
    let plan = plan_with(aging(10, 0, 0), aging(20, 0, 0));
    assert_eq!(first_served(plan.clone(), 1_000, 50_000, 100_000), 3);
    // Without aging the oldest goes first: the rule is the aging's.
    let plain = plan_with(aging(0, 0, 0), aging(0, 0, 0));
    assert_eq!(first_served(plain, 1_000, 50_000, 100_000), 2);
    // The explanation gives the points of the chosen work's queue.
    let (mut e, _) = play(&script(plan, 1_000, 50_000));
    resolve(&mut e, Timestamp(100_000), 1);
    let why = e.explain(ConversationId(3)).unwrap().expect("assigned");
    assert_eq!(why.aging_points, Some(20));
    assert_eq!(why.queue.as_deref(), Some("fast"));
}

#[test]
fn a_faster_rate_overtakes_older_slow_work_at_the_computed_millisecond() {
    // Slow: 1 point a minute from 0 ms; fast: 10 a minute (one per 6 s)
    // from 60 000 ms. At 66 000 both have 1 (a tie: the older, slow);
    // fast first has more at 72 000 (2 against 1).
    let plan = plan_with(aging(0, 1, 0), aging(0, 10, 0));
    assert_eq!(first_served(plan.clone(), 0, 60_000, 65_999), 2);
    assert_eq!(first_served(plan.clone(), 0, 60_000, 66_000), 2);
    assert_eq!(first_served(plan.clone(), 0, 60_000, 71_999), 2);
    assert_eq!(first_served(plan, 0, 60_000, 72_000), 3);
}

#[test]
fn the_cap_stops_the_growth_so_the_older_work_wins_after_that() {
    // Fast is capped at 3 points; slow reaches 3 at 180 000 ms: a tie,
    // and the older (slow) goes first from then on.
    let plan = plan_with(aging(0, 1, 0), aging(0, 10, 3));
    assert_eq!(first_served(plan.clone(), 0, 60_000, 72_000), 3);
    assert_eq!(first_served(plan.clone(), 0, 60_000, 179_999), 3);
    assert_eq!(first_served(plan.clone(), 0, 60_000, 180_000), 2);
    assert_eq!(first_served(plan, 0, 60_000, 600_000), 2);
    // Uncapped, fast keeps its lead.
    let uncapped = plan_with(aging(0, 1, 0), aging(0, 10, 0));
    assert_eq!(first_served(uncapped, 0, 60_000, 600_000), 3);
}

#[test]
fn equal_points_fall_back_to_the_oldest_aged_key() {
    let same = plan_with(aging(5, 2, 0), aging(5, 2, 0));
    assert_eq!(first_served(same.clone(), 1_000, 2_000, 100_000), 2);
    assert_eq!(first_served(same, 2_000, 1_000, 100_000), 3);
    // A cap both have reached: a tie again.
    let capped = plan_with(aging(5, 60, 6), aging(5, 600, 6));
    assert_eq!(first_served(capped, 1_000, 2_000, 100_000), 2);
}

#[test]
fn a_plan_with_zero_aging_decides_as_one_without_the_field() {
    let absent = Plan::from_json(PLAN).unwrap();
    let zero = Plan::from_json(&PLAN.replace(
        r#"{ "name": "fast" }"#,
        r#"{ "name": "fast", "aging": { "base": 0, "per_minute": 0, "cap": 0 } }"#,
    ))
    .unwrap();
    assert_eq!(zero.queues[1].aging, PriorityAging::default());
    let mut a = script(absent, 1_000, 50_000);
    let mut b = script(zero, 1_000, 50_000);
    for s in [&mut a, &mut b] {
        s.push((
            100_000,
            Command::Resolve {
                conversation: ConversationId(1),
                reason: ResolveReason::Solved,
            },
        ));
        s.push((200_000, Command::Tick));
    }
    let (ea, da) = play(&a);
    let (eb, db) = play(&b);
    assert_eq!(da, db);
    assert_eq!(owner(&ea, 2), Some(1), "the oldest, as without a plan");
    assert_eq!(
        ea.explain(ConversationId(2)).unwrap().unwrap().aging_points,
        None
    );
    assert_eq!(ea.snapshot(), eb.snapshot());
}

#[test]
fn a_snapshot_restore_and_a_replay_give_identical_decisions() {
    let plan = plan_with(aging(0, 1, 0), aging(0, 10, 3));
    let mut start = script(plan, 0, 60_000);
    start.push((61_000, open_cmd_topic(4, "fast")));
    start.push((62_000, open_cmd_topic(5, "slow")));
    let (mut e, first) = play(&start);
    let json = e.snapshot().to_json().unwrap();
    let mut restored = Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded"))
        .expect("restores");
    audited(&restored);
    assert_eq!(restored.snapshot(), e.snapshot());
    let resolve_at = |at: u64, id: u64| {
        (
            at,
            Command::Resolve {
                conversation: ConversationId(id),
                reason: ResolveReason::Solved,
            },
        )
    };
    let rest = vec![
        resolve_at(72_000, 1),
        (100_000, Command::Tick),
        resolve_at(179_000, 3),
        resolve_at(400_000, 4),
        resolve_at(401_000, 2),
    ];
    let mut later = Vec::new();
    for (at, command) in &rest {
        let a = run(&mut e, Timestamp(*at), command.clone());
        let b = run(&mut restored, Timestamp(*at), command.clone());
        assert_eq!(a, b, "at {at} ms");
        later.push(a);
    }
    assert_eq!(restored.snapshot(), e.snapshot());
    // The aging decided: fast 3 (2 points against 1), fast 4 (capped at
    // 3 against 2), then slow 2 and 5 (fast is empty).
    let served: Vec<Option<u64>> = [(0, 3), (2, 4), (3, 2), (4, 5)]
        .iter()
        .map(|&(i, c)| assigned_to(&later[i], c))
        .collect();
    assert_eq!(served, vec![Some(1); 4]);
    // A replay of every command from the start decides the same.
    let all: Vec<_> = start.iter().cloned().chain(rest).collect();
    let (replayed, decisions) = play(&all);
    let mut expected = first;
    expected.extend(later);
    assert_eq!(decisions, expected);
    assert_eq!(replayed.snapshot(), e.snapshot());
}

fn refused(e: &mut Engine, plan: Plan) -> Vec<PlanProblem> {
    refused_plan(e, Timestamp(90_000), plan)
}

#[test]
fn bad_aging_values_are_refused_with_typed_errors_and_change_nothing() {
    let good = plan_with(aging(0, 1, 0), aging(0, 10, 3));
    let (mut e, _) = play(&script(good, 0, 60_000));
    let bad = plan_with(aging(2_000_000, 1, 0), aging(10, 20_000, 5));
    let problems = refused(&mut e, bad);
    assert_eq!(
        problems,
        vec![
            PlanProblem::AgingTooLarge {
                field: "queues[0].aging.base".into(),
                value: 2_000_000,
                max: 1_000_000,
            },
            PlanProblem::AgingTooLarge {
                field: "queues[1].aging.per_minute".into(),
                value: 20_000,
                max: 10_000,
            },
            PlanProblem::AgingCapBelowBase {
                field: "queues[1].aging.cap".into(),
                base: 10,
                cap: 5,
            },
        ]
    );
    // The plan in force still ages: fast overtakes at 72 000 ms.
    let d = resolve(&mut e, Timestamp(72_000), 1);
    assert_eq!(assigned_to(&d, 3), Some(1));
}

/// The README's example: billing work has 100 points, support work gains
/// 10 a minute up to 150, its class head start (5 minutes for `normal`)
/// counted as waiting.
const README_PLAN: &str = r#"{
  "queues": [
    { "name": "billing", "aging": { "base": 100 } },
    { "name": "support", "aging": { "per_minute": 10, "cap": 150 } }
  ],
  "routes": [
    { "name": "billing", "when": "topic == 'billing'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] }] },
    { "name": "default",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "support" }] }] }
  ]
}"#;

#[test]
fn the_class_head_start_counts_as_waiting_in_the_readme_example() {
    let served_at = |free_at: u64| {
        let normal = |id: u64, topic: &str| -> Command {
            Command::open(ConversationId(id), CustomerId(id))
                .attributes(Attributes::new().topic(topic))
                .into()
        };
        let plan = Plan::from_json(README_PLAN).expect("the README's plan");
        let script = vec![
            (0, Command::set_plan(plan)),
            (0, normal(1, "billing")),
            (0, normal(2, "billing")),
            (1_000, normal(3, "support")),
        ];
        let (mut e, _) = play(&script);
        let d = resolve(&mut e, Timestamp(free_at), 1);
        audited(&e);
        (assigned_to(&d, 2), assigned_to(&d, 3))
    };
    // Support: 10 × (waited + 300 000) / 60 000 points; 100 (a tie, the
    // older billing work first) at 301 000 ms, 101 at 307 000.
    assert_eq!(served_at(306_999), (Some(1), None));
    assert_eq!(served_at(307_000), (None, Some(1)));
}
