//! A routing-plan queue's cap on its live conversations (`max_live`): the
//! queue level of the caps above the agent, checked after the team and
//! before the tenant; each refusal counted with its level and per queue;
//! a lowered cap (a plan swap) moves nothing and new work waits; a live
//! conversation of a full queue ending lets its waiting work through;
//! snapshots and the audit keep the counts.

use crate::common;
use common::*;
use switchboard::plan::{Attributes, Plan, PlanProblem};
use switchboard::*;

/// `vip` work (topic vip) in a capped queue, the rest in `general`.
fn plan_json(vip_cap: Option<u32>) -> String {
    let cap = vip_cap.map_or(String::new(), |c| format!(r#", "max_live": {c}"#));
    format!(
        r#"{{
  "queues": [ {{ "name": "vip"{cap} }}, {{ "name": "general" }} ],
  "routes": [
    {{ "name": "vip", "when": "topic == 'vip'",
      "steps": [{{ "after_ms": 0, "actions": [{{ "do": "enter_queue", "queue": "vip" }}] }}] }},
    {{ "name": "default",
      "steps": [{{ "after_ms": 0, "actions": [{{ "do": "enter_queue", "queue": "general" }}] }}] }}
  ]
}}"#
    )
}

fn set_plan(e: &mut Engine, at: Timestamp, json: &str) -> Vec<Decision> {
    let plan = Plan::from_json(json).expect("a plan document");
    let d = e.apply(at, Command::set_plan(plan)).expect("plan accepted");
    audited(e);
    d
}

/// Opens conversation `id` for `customer` with `topic`, audited.
fn open_topic(e: &mut Engine, at: Timestamp, id: u64, customer: u64, topic: &str) -> Vec<Decision> {
    let cmd = Command::open(ConversationId(id), CustomerId(customer))
        .attributes(Attributes::new().topic(topic));
    let d = e.apply(at, Command::from(cmd)).expect("open accepted");
    audited(e);
    d
}

fn cap_of(e: &Engine, queue: &str) -> QueueCapStats {
    e.queue_caps()
        .into_iter()
        .find(|q| q.queue == queue)
        .expect("a queue of the plan")
}

fn queued(e: &Engine, id: u64) -> bool {
    state(e, id) == StateKind::Queued
}

fn run(e: &mut Engine, at: Timestamp, command: Command) -> Vec<Decision> {
    let d = e.apply(at, command).expect("command accepted");
    audited(e);
    d
}

#[test]
fn a_full_queue_gets_no_new_work_while_other_queues_do() {
    let mut e = engine();
    agent(&mut e, 1, &[], 5);
    set_plan(&mut e, ms(0), &plan_json(Some(1)));
    open_topic(&mut e, ms(1), 1, 1, "vip");
    assert_eq!(owner(&e, 1), Some(1));
    open_topic(&mut e, ms(2), 2, 2, "vip");
    assert!(queued(&e, 2), "the vip queue is at its cap");
    open_topic(&mut e, ms(3), 3, 3, "other");
    assert_eq!(owner(&e, 3), Some(1), "the general queue has no cap");
    let vip = cap_of(&e, "vip");
    assert_eq!((vip.max_live, vip.live), (Some(1), 1));
    assert_eq!(vip.refusals, 1);
    assert_eq!(e.stats().refusals.queue, 1);
    assert_eq!(e.tenant_stats().refusals.queue, 1);
    assert_eq!(cap_of(&e, "general").live, 0, "general is not kept apart");
    let why = e.explain(ConversationId(1)).unwrap().expect("assigned");
    assert_eq!(why.queue_cap.map(|q| q.queue), Some("vip".to_owned()));
}

#[test]
fn a_live_conversation_of_a_full_queue_ending_lets_its_waiting_work_through() {
    let mut e = engine();
    agent(&mut e, 1, &[], 5);
    set_plan(&mut e, ms(0), &plan_json(Some(2)));
    for id in 1..=4 {
        open_topic(&mut e, ms(id), id, id, "vip");
    }
    assert!(queued(&e, 3) && queued(&e, 4));
    let d = resolve(&mut e, ms(10), 1);
    audited(&e);
    assert_eq!(
        assigned_to(&d, 3),
        Some(1),
        "the oldest waiting, same command"
    );
    assert!(queued(&e, 4));
    // A park takes a thread out of the live count too.
    let d = run(
        &mut e,
        ms(11),
        Command::Park {
            conversation: ConversationId(2),
        },
    );
    assert_eq!(assigned_to(&d, 4), Some(1));
    assert_eq!(cap_of(&e, "vip").live, 2);
}

#[test]
fn the_levels_are_checked_in_order_agent_team_queue_tenant() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    agent(&mut e, 2, &[], 5);
    let team = |max_live| Command::SetTeam {
        team: TeamId(7),
        name: "t".into(),
        members: vec![AgentId(2)],
        max_live,
        rate_limit: None,
    };
    run(&mut e, ms(0), team(Some(1)));
    set_plan(&mut e, ms(0), &plan_json(Some(1)));
    // Agent 1 (cap 1) takes the first vip thread: the queue is full.
    open_topic(&mut e, ms(1), 1, 1, "vip");
    assert_eq!(owner(&e, 1), Some(1));
    // Agent 2's team takes general work up to its cap.
    open_topic(&mut e, ms(2), 2, 2, "other");
    assert_eq!(owner(&e, 2), Some(2));
    let before = e.stats().refusals;
    // Agent 1 is full (agent level), agent 2's team is full (team level,
    // before the full queue).
    open_topic(&mut e, ms(3), 3, 3, "vip");
    let after = e.stats().refusals;
    assert_eq!(after.team, before.team + 1);
    assert_eq!(after.queue, before.queue, "the team is checked first");
    // Without the team's cap the queue refuses new vip work.
    run(&mut e, ms(4), team(None));
    assert!(queued(&e, 3));
    open_topic(&mut e, ms(5), 4, 4, "vip");
    let before = after;
    let after = e.stats().refusals;
    assert_eq!(after.queue, before.queue + 1);
    assert_eq!(after.team, before.team);
    // With the tenant full too, the queue is still the level counted.
    run(&mut e, ms(6), Command::SetTenantCap { max_live: Some(2) });
    open_topic(&mut e, ms(7), 5, 5, "vip");
    let before = after;
    let after = e.stats().refusals;
    assert_eq!(after.queue, before.queue + 1);
    assert_eq!(after.tenant, before.tenant, "the queue is checked first");
    // General work passes the queue level and meets the full tenant.
    open_topic(&mut e, ms(8), 6, 6, "other");
    assert!(queued(&e, 6));
    assert_eq!(e.stats().refusals.tenant, after.tenant + 1);
}

#[test]
fn lowering_a_queue_cap_by_a_plan_swap_moves_nothing_and_new_work_waits() {
    let mut e = engine();
    agent(&mut e, 1, &[], 9);
    set_plan(&mut e, ms(0), &plan_json(Some(3)));
    for id in 1..=3 {
        open_topic(&mut e, ms(id), id, id, "vip");
    }
    let d = set_plan(&mut e, ms(10), &plan_json(Some(1)));
    assert!(
        !d.iter().any(|d| matches!(d, Decision::Requeued { .. })),
        "{d:?}"
    );
    for id in 1..=3 {
        assert_eq!(owner(&e, id), Some(1), "no live conversation moves");
    }
    assert_eq!(cap_of(&e, "vip").live, 3, "the live count carried by name");
    open_topic(&mut e, ms(11), 4, 4, "vip");
    assert!(queued(&e, 4));
    resolve(&mut e, ms(12), 1);
    resolve(&mut e, ms(13), 2);
    audited(&e);
    assert!(queued(&e, 4), "still at the cap: 1 live of 1");
    let d = resolve(&mut e, ms(14), 3);
    audited(&e);
    assert_eq!(assigned_to(&d, 4), Some(1));
    // Raising it lets the waiting work through in the swap's command.
    open_topic(&mut e, ms(15), 5, 5, "vip");
    assert!(queued(&e, 5));
    let d = set_plan(&mut e, ms(16), &plan_json(Some(2)));
    assert_eq!(assigned_to(&d, 5), Some(1));
}

#[test]
fn a_plan_swap_without_the_queue_stops_counting_its_live_work() {
    let mut e = engine();
    agent(&mut e, 1, &[], 9);
    set_plan(&mut e, ms(0), &plan_json(Some(1)));
    open_topic(&mut e, ms(1), 1, 1, "vip");
    open_topic(&mut e, ms(2), 2, 2, "vip");
    assert!(queued(&e, 2));
    let renamed = plan_json(Some(1)).replace("\"vip\"", "\"gold\"");
    let d = set_plan(&mut e, ms(3), &renamed);
    // Conversation 1 counts on no queue any more: gold has room.
    assert_eq!(assigned_to(&d, 2), Some(1));
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(cap_of(&e, "gold").live, 1);
    resolve(&mut e, ms(4), 1);
    audited(&e);
    assert_eq!(cap_of(&e, "gold").live, 1);
    // Without any plan nothing is counted.
    run(&mut e, ms(5), Command::set_plan(None));
    assert!(e.queue_caps().is_empty());
}

#[test]
fn a_returning_customer_whose_queue_is_full_waits_in_its_line() {
    let mut e = engine();
    agent(&mut e, 1, &[], 5);
    agent(&mut e, 2, &[], 5);
    set_plan(&mut e, ms(0), &plan_json(Some(1)));
    open_topic(&mut e, ms(1), 1, 9, "vip");
    let first = owner(&e, 1).expect("assigned");
    resolve(&mut e, ms(2), 1);
    open_topic(&mut e, ms(3), 2, 8, "vip");
    assert!(owner(&e, 2).is_some(), "the queue is full again");
    let d = open_topic(&mut e, ms(4), 3, 9, "vip");
    assert!(
        d.iter().any(|d| matches!(
            d,
            Decision::StickyMiss { reason: StickyMissReason::QueueFull, agent, .. }
                if agent.0 == first
        )),
        "{d:?}"
    );
    assert!(
        queued(&e, 3),
        "it waits in the queue's line, not for the agent"
    );
}

#[test]
fn overflow_work_counts_on_the_queue_whose_pool_took_it() {
    let json = r#"{
  "skills": { "a": 1, "b": 2 },
  "queues": [
    { "name": "qa", "hard": [{ "skill": "a", "min_level": 1 }], "max_live": 1 },
    { "name": "qb", "hard": [{ "skill": "b", "min_level": 1 }], "max_live": 5 }
  ],
  "routes": [
    { "name": "default", "steps": [
      { "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "qa" }] },
      { "after_ms": 1000, "actions": [{ "do": "add_queue", "queue": "qb" }] }
    ] }
  ]
}"#;
    let mut e = engine();
    agent(&mut e, 1, &[(1, 5)], 5);
    agent(&mut e, 2, &[(2, 5)], 5);
    set_plan(&mut e, ms(0), json);
    open_topic(&mut e, ms(1), 1, 1, "x");
    assert_eq!(owner(&e, 1), Some(1));
    open_topic(&mut e, Timestamp(1500), 2, 2, "x");
    assert!(queued(&e, 2), "qa is full");
    // A second later it waits in qb's pool too, whose agent takes it.
    run(&mut e, Timestamp(2600), Command::Tick);
    assert_eq!(owner(&e, 2), Some(2));
    assert_eq!((cap_of(&e, "qa").live, cap_of(&e, "qb").live), (1, 1));
    let why = e.explain(ConversationId(2)).unwrap().expect("assigned");
    assert_eq!(why.queue_cap.map(|q| q.queue), Some("qb".to_owned()));
}

#[test]
fn an_agent_pulling_passes_over_a_full_queue_and_it_counts_as_a_queue_refusal() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    agent(&mut e, 2, &[], 1);
    set_plan(&mut e, ms(0), &plan_json(Some(1)));
    open_topic(&mut e, ms(1), 1, 1, "vip");
    open_topic(&mut e, ms(2), 2, 2, "other");
    open_topic(&mut e, ms(3), 3, 3, "vip");
    open_topic(&mut e, ms(4), 4, 4, "other");
    open_topic(&mut e, ms(5), 5, 5, "other");
    assert!(queued(&e, 3) && queued(&e, 4) && queued(&e, 5));
    let freed = owner(&e, 2).expect("assigned");
    resolve(&mut e, ms(6), 2);
    let pull_cap = Command::SetPullCap {
        agent: AgentId(freed),
        pull_cap: Some(Capacity::units(3)),
    };
    assert!(assigned_to(&run(&mut e, ms(7), pull_cap), 3).is_none());
    let pull = Command::PullNext {
        agent: AgentId(freed),
    };
    let refused = |e: &Engine| (cap_of(e, "vip").refusals, e.tenant_stats().refusals.queue);
    // The vip work waits longest, but its queue is full: the pull passes
    // over it (one queue refusal, there and in total) and takes the
    // general work behind it.
    let before = refused(&e);
    let d = run(&mut e, ms(8), pull.clone());
    assert_eq!(assigned_to(&d, 5), Some(freed), "{d:?}");
    assert_eq!(refused(&e), (before.0 + 1, before.1 + 1));
    // Nothing else waits: the pull is refused at the queue's level.
    let d = run(&mut e, ms(9), pull);
    let reason = d.iter().find_map(|d| match d {
        Decision::NothingToPull { reason, .. } => Some(*reason),
        _ => None,
    });
    assert_eq!(reason, Some(PullMiss::Refused(CapLevel::Queue)), "{d:?}");
    assert_eq!(refused(&e), (before.0 + 2, before.1 + 2));
    assert!(queued(&e, 3));
}

#[test]
fn a_parked_thread_coming_back_counts_on_its_queue_again_unchecked() {
    let mut e = engine();
    agent(&mut e, 1, &[], 5);
    set_plan(&mut e, ms(0), &plan_json(Some(1)));
    open_topic(&mut e, ms(1), 1, 1, "vip");
    run(
        &mut e,
        ms(2),
        Command::Park {
            conversation: ConversationId(1),
        },
    );
    open_topic(&mut e, ms(3), 2, 2, "vip");
    assert_eq!(owner(&e, 2), Some(1));
    // The customer of the parked thread writes: it is the agent's
    // already, so it comes back over the queue's cap.
    run(
        &mut e,
        ms(4),
        Command::CustomerMessage {
            conversation: ConversationId(1),
        },
    );
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(cap_of(&e, "vip").live, 2);
    open_topic(&mut e, ms(5), 3, 3, "vip");
    assert!(queued(&e, 3), "over the cap: new work waits");
    resolve(&mut e, ms(6), 1);
    audited(&e);
    assert!(queued(&e, 3), "back at the cap");
    let d = resolve(&mut e, ms(7), 2);
    assert_eq!(assigned_to(&d, 3), Some(1));
}

#[test]
fn a_queue_cap_out_of_range_is_a_typed_error_and_changes_nothing() {
    let mut e = engine();
    agent(&mut e, 1, &[], 5);
    let too_many = switchboard::plan::limits::MAX_QUEUE_LIVE + 1;
    let plan = Plan::from_json(&plan_json(Some(too_many))).expect("a document");
    let problems = refused_plan(&mut e, ms(0), plan);
    assert_eq!(
        problems,
        vec![PlanProblem::LiveCapTooLarge {
            field: "queues[0].max_live".into(),
            value: too_many,
            max: switchboard::plan::limits::MAX_QUEUE_LIVE,
        }]
    );
    let at_max = switchboard::plan::limits::MAX_QUEUE_LIVE;
    set_plan(&mut e, ms(1), &plan_json(Some(at_max)));
    // Zero is a valid cap: the queue takes nothing.
    set_plan(&mut e, ms(2), &plan_json(Some(0)));
    open_topic(&mut e, ms(3), 1, 1, "vip");
    assert!(queued(&e, 1));
}

#[test]
fn queue_caps_survive_a_snapshot_and_its_json() {
    let mut e = engine();
    agent(&mut e, 1, &[], 5);
    set_plan(&mut e, ms(0), &plan_json(Some(2)));
    for id in 1..=3 {
        open_topic(&mut e, ms(id), id, id, "vip");
    }
    run(
        &mut e,
        ms(4),
        Command::Park {
            conversation: ConversationId(1),
        },
    );
    let snap = e.snapshot();
    let json = serde_json::to_string(&snap).expect("encodes");
    let back: Snapshot = serde_json::from_str(&json).expect("decodes");
    let mut r = Engine::restore(back, boxed("least_loaded")).expect("restores");
    audited(&r);
    assert_eq!(r.queue_caps(), e.queue_caps());
    assert_eq!(r.snapshot(), snap);
    // Both go on alike: the parked thread's customer writes (over the
    // cap), then a thread ends.
    for eng in [&mut e, &mut r] {
        run(
            eng,
            ms(5),
            Command::CustomerMessage {
                conversation: ConversationId(1),
            },
        );
        resolve(eng, ms(6), 2);
        audited(eng);
    }
    assert_eq!(r.snapshot(), e.snapshot());
    assert_eq!(cap_of(&r, "vip").live, 2);
}

/// The README's examples of a queue cap and of a no-answer queue are
/// plans the engine loads.
#[test]
fn the_readme_examples_of_queue_caps_and_no_answer_queues_load() {
    let readme = include_str!("../../README.md");
    let blocks: Vec<&str> = readme
        .split("```json")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .filter(|b| b.contains("\"max_live\"") || b.contains("\"no_answer_queue\""))
        .collect();
    assert_eq!(blocks.len(), 2, "both examples are in the README");
    for block in blocks {
        let mut e = engine();
        set_plan(&mut e, ms(0), block);
    }
}
