//! Plan queues with equal requirements share one pool of agents
//! (`engine/plan_pool.rs`): a queue with business hours keeps its own
//! line, hours and cool-downs, read at the choice, while its agents are
//! those of the shared group of its skills. What each queue keeps stays
//! its own; snapshots record the sharing, and older ones restore.
use crate::common;
use common::*;
use switchboard::plan::Plan;
use switchboard::*;

/// Two queues open around the clock and one on office hours, none naming
/// skills: all three share the agents of the no-skill group.
const PLAN: &str = r#"{
  "calendars": [
    { "name": "always", "time_zone": "UTC",
      "weekly": [{ "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "open": "00:00", "close": "24:00" }] },
    { "name": "office", "time_zone": "UTC",
      "weekly": [{ "days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "17:00" }] }
  ],
  "queues": [
    { "name": "a", "calendar": "always" },
    { "name": "b", "calendar": "always" },
    { "name": "late", "calendar": "office" }
  ],
  "routes": [
    { "name": "b", "when": "topic == 'b'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "b" }] }] },
    { "name": "late", "when": "topic == 'late'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "late" }] }] },
    { "name": "a",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "a" }] }] }
  ]
}"#;

/// Monday 2 March 2026, 18:00 UTC (the office is closed) plus `secs`.
fn evening(secs: u64) -> Timestamp {
    Timestamp(1_772_474_400_000 + secs * 1000)
}

fn run(e: &mut Engine, when: Timestamp, command: impl Into<Command>) -> Vec<Decision> {
    let d = e.apply(when, command).expect("command accepted");
    audited(e);
    d
}

fn open_on(e: &mut Engine, when: Timestamp, id: u64, topic: &str) -> Vec<Decision> {
    run(
        e,
        when,
        Command::open(ConversationId(id), CustomerId(id))
            .attributes(plan::Attributes::new().topic(topic)),
    )
}

/// An engine with offers (5 min to answer), the plan and agents 1 and 2
/// (one thread each).
fn loaded() -> Engine {
    let config = EngineConfig::builder()
        .offer_timeout(TimeSpan::from_mins(5))
        .build()
        .expect("valid config");
    let mut e = engine_with(config, "least_loaded");
    run(
        &mut e,
        evening(0),
        Command::set_plan(Plan::from_json(PLAN).expect("a plan")),
    );
    for id in [1, 2] {
        run(
            &mut e,
            evening(0),
            AgentSpec::new(AgentId(id), Capacity::units(1)),
        );
    }
    e
}

fn decline(e: &mut Engine, when: Timestamp, conversation: u64, agent: u64) -> Vec<Decision> {
    run(
        e,
        when,
        Command::DeclineOffer {
            conversation: ConversationId(conversation),
            agent: AgentId(agent),
        },
    )
}

#[test]
fn a_decline_cools_the_agent_down_in_its_queue_only_though_the_queues_share_agents() {
    let mut e = loaded();
    open_on(&mut e, evening(1), 1, "a");
    assert_eq!(owner(&e, 1), Some(1));
    // Agent 1 lets it go: it goes to agent 2, and agent 1 cools down in
    // queue a (two minutes by default).
    decline(&mut e, evening(2), 1, 1);
    assert_eq!(owner(&e, 1), Some(2));
    // More work of queue a waits for the cool-down ...
    open_on(&mut e, evening(3), 2, "a");
    assert_eq!(state(&e, 2), StateKind::Queued);
    // ... while queue b's, matched from the same agents, reaches agent 1
    // at once, ahead of the older work of queue a.
    open_on(&mut e, evening(4), 3, "b");
    assert_eq!(owner(&e, 3), Some(1));
    assert_eq!(state(&e, 2), StateKind::Queued);
    // Agent 1 lets that go too: now cooling down in both, they are passed
    // over for both, and the work waits for agent 2 or the cool-downs.
    decline(&mut e, evening(5), 3, 1);
    assert_eq!(state(&e, 3), StateKind::Queued);
    let d = run(&mut e, evening(130), Command::Tick);
    // Both cool-downs over, the older work (queue a's) goes to agent 1.
    assert_eq!(assigned_or_offered(&d), vec![(2, 1)]);
}

/// `(conversation, agent)` of each offer or assignment in `d`.
fn assigned_or_offered(d: &[Decision]) -> Vec<(u64, u64)> {
    d.iter()
        .filter_map(|d| match d {
            Decision::Offered {
                conversation,
                agent,
                ..
            }
            | Decision::Assigned {
                conversation,
                agent,
                ..
            } => Some((conversation.0, agent.0)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_closed_queue_waits_while_a_queue_sharing_its_agents_is_served() {
    let mut e = loaded();
    open_on(&mut e, evening(1), 1, "late");
    open_on(&mut e, evening(2), 2, "b");
    open_on(&mut e, evening(3), 3, "b");
    assert_eq!(state(&e, 1), StateKind::Queued);
    assert_eq!((owner(&e, 2), owner(&e, 3)), (Some(1), Some(2)));
    // A freed agent passes over the closed queue's older work (and the
    // work they declined, cooling down in its queue).
    open_on(&mut e, evening(4), 4, "a");
    let d = decline(&mut e, evening(5), 2, 1);
    assert_eq!(assigned_or_offered(&d), vec![(4, 1)]);
    assert_eq!(state(&e, 1), StateKind::Queued);
    // Opened by the switch with nobody free, it waits ...
    let d = run(
        &mut e,
        evening(6),
        Command::Reconfigure(Reconfigure::Hours(HoursSwitch {
            target: HoursTarget::Queue("late".to_owned()),
            set: HoursSetting::Open,
        })),
    );
    assert!(assigned_or_offered(&d).is_empty());
    // ... and the next agent freed takes it, the oldest of the open lines.
    let d = run(&mut e, evening(7), done(3));
    assert_eq!(assigned_or_offered(&d), vec![(1, 2)]);
}

#[test]
fn shared_pools_survive_a_snapshot_and_decide_alike_after_a_restore() {
    let mut e = loaded();
    open_on(&mut e, evening(1), 1, "late");
    open_on(&mut e, evening(2), 2, "a");
    open_on(&mut e, evening(3), 3, "b");
    decline(&mut e, evening(4), 2, 1);
    let json = e.snapshot().to_json().expect("json");
    assert!(
        json.contains(r#""shares":true"#),
        "queue groups share a pool"
    );
    let mut restored = Engine::restore(
        Snapshot::from_json(&json).expect("decodes"),
        boxed("least_loaded"),
    )
    .expect("restores");
    assert_eq!(restored.snapshot().to_json().expect("json"), json);
    let script: Vec<(Timestamp, Command)> = vec![
        (
            evening(5),
            Command::open(ConversationId(4), CustomerId(4))
                .attributes(plan::Attributes::new().topic("b"))
                .into(),
        ),
        (evening(6), done(3)),
        (evening(200), Command::Tick),
        (evening(201), done(2)),
    ];
    for (when, command) in script {
        let a = run(&mut e, when, command.clone());
        let b = run(&mut restored, when, command);
        assert_eq!(a, b);
    }
    assert_eq!(
        e.snapshot().to_json().expect("json"),
        restored.snapshot().to_json().expect("json")
    );
}

fn done(conversation: u64) -> Command {
    Command::Resolve {
        conversation: ConversationId(conversation),
        reason: ResolveReason::Solved,
    }
}
