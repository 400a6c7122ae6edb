//! Routing profiles (agent-side overflow): an agent in a profile serves
//! the queues it lists, each with a priority and a delay; secondary work
//! reaches them once it has waited the delay (its age, never reset), and
//! primary work first when both wait.
use crate::common;
use common::*;
use switchboard::plan::{Attributes, Plan, PlanProblem, ProfileDef, ProfileQueue};
use switchboard::*;

/// Two queues open to everyone; billing work by topic, the rest to
/// support. Agent 1 works by the billing desk's profile: billing first,
/// support after 30 s. Agents not in a profile serve both at once.
const PLAN: &str = r#"{
  "queues": [ { "name": "billing" }, { "name": "support" }, { "name": "vip" } ],
  "routes": [
    { "name": "vip", "when": "topic == 'vip'",
      "steps": [
        { "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "vip" }] },
        { "after_ms": 60000, "actions": [{ "do": "add_queue", "queue": "support" }] }
      ] },
    { "name": "billing", "when": "topic == 'billing'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] }] },
    { "name": "default",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "support" }] }] }
  ],
  "profiles": [
    { "name": "billing_desk", "agents": [1],
      "queues": [ { "queue": "billing", "priority": 1 },
                  { "queue": "support", "priority": 2, "delay_ms": 30000 } ] }
  ]
}"#;

fn plan_with(delay_ms: u64) -> Plan {
    let mut plan = Plan::from_json(PLAN).expect("a plan document");
    plan.profiles[0].queues[1].delay_ms = delay_ms;
    plan
}

fn run(e: &mut Engine, at: Timestamp, command: impl Into<Command>) -> Vec<Decision> {
    let d = e.apply(at, command).expect("command accepted");
    audited(e);
    d
}

fn with_plan(plan: Plan) -> Engine {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    run(&mut e, ms(0), Command::set_plan(plan));
    e
}

fn open_topic(e: &mut Engine, at: Timestamp, id: u64, topic: &str) -> Vec<Decision> {
    run(
        e,
        at,
        Command::open(ConversationId(id), CustomerId(id))
            .attributes(Attributes::new().topic(topic)),
    )
}

fn tick(e: &mut Engine, at: Timestamp) -> Vec<Decision> {
    run(e, at, Command::Tick)
}

#[test]
fn secondary_work_waits_the_delay_then_reaches_the_agent() {
    let mut e = with_plan(plan_with(30_000));
    let d = open_topic(&mut e, ms(1), 10, "tech");
    assert_eq!(
        assigned_to(&d, 10),
        None,
        "support is agent 1's secondary queue"
    );
    assert_eq!(state(&e, 10), StateKind::Queued);
    assert_eq!(assigned_to(&tick(&mut e, Timestamp(30_999)), 10), None);
    assert_eq!(assigned_to(&tick(&mut e, ms(31)), 10), Some(1));
    let why = e.explain(ConversationId(10)).unwrap().expect("assigned");
    let profile = why.profile.expect("the profile admitted the agent");
    assert_eq!(
        (profile.profile.as_str(), profile.queue.as_str()),
        ("billing_desk", "support")
    );
    assert_eq!((profile.priority, profile.delay_ms), (2, 30_000));
    assert!(profile.waited_ms >= 30_000);
}

#[test]
fn primary_work_is_offered_first_when_both_are_eligible() {
    let mut e = with_plan(plan_with(30_000));
    open_topic(&mut e, ms(0), 1, "billing");
    assert_eq!(owner(&e, 1), Some(1));
    // Support work waits longest, past its delay; billing work comes later.
    open_topic(&mut e, ms(1), 2, "tech");
    open_topic(&mut e, ms(50), 3, "billing");
    tick(&mut e, ms(60));
    assert_eq!(
        (state(&e, 2), state(&e, 3)),
        (StateKind::Queued, StateKind::Queued)
    );
    let d = resolve(&mut e, ms(100), 1);
    audited(&e);
    assert_eq!(assigned_to(&d, 3), Some(1), "the primary queue first");
    assert_eq!(state(&e, 2), StateKind::Queued);
    // Without the profile the oldest work goes first: the rule is the
    // profile's, not an accident of the order.
    let mut plain = plan_with(30_000);
    plain.profiles.clear();
    let mut e = with_plan(plain);
    open_topic(&mut e, ms(0), 1, "billing");
    open_topic(&mut e, ms(1), 2, "tech");
    open_topic(&mut e, ms(50), 3, "billing");
    let d = resolve(&mut e, ms(100), 1);
    assert_eq!(assigned_to(&d, 2), Some(1));
}

#[test]
fn an_agent_in_a_profile_serves_only_the_queues_it_lists() {
    let mut plan = plan_with(30_000);
    plan.profiles[0].queues.pop();
    let mut e = with_plan(plan);
    open_topic(&mut e, ms(1), 10, "tech");
    tick(&mut e, ms(600));
    assert_eq!(state(&e, 10), StateKind::Queued);
    assert_eq!(
        e.profile_admission(ConversationId(10), AgentId(1)).unwrap(),
        None
    );
    // An agent in no profile serves it at once.
    let d = agent(&mut e, 2, &[], 1);
    audited(&e);
    assert_eq!(assigned_to(&d, 10), Some(2));
}

#[test]
fn the_delay_counts_from_the_start_of_waiting_so_older_work_is_eligible_at_once() {
    let mut e = with_plan(plan_with(30_000));
    // VIP work waits in the vip queue (nobody serves it), and overflows to
    // support after a minute: already older than the delay, it reaches
    // agent 1 at once.
    let d = open_topic(&mut e, ms(0), 10, "vip");
    assert_eq!(assigned_to(&d, 10), None);
    assert_eq!(assigned_to(&tick(&mut e, ms(59)), 10), None);
    assert_eq!(assigned_to(&tick(&mut e, ms(60)), 10), Some(1));
}

#[test]
fn the_admission_query_says_what_holds_the_agent_back() {
    let mut e = with_plan(plan_with(30_000));
    open_topic(&mut e, ms(1), 10, "tech");
    tick(&mut e, ms(11));
    let held = e
        .profile_admission(ConversationId(10), AgentId(1))
        .unwrap()
        .expect("the profile lists support");
    assert_eq!((held.delay_ms, held.waited_ms), (30_000, 10_000));
    assert!(e.profile_admission(ConversationId(99), AgentId(1)).is_err());
}

#[test]
fn a_plan_swap_reevaluates_work_waiting_on_a_delay_with_its_age_kept() {
    let mut e = with_plan(plan_with(30_000));
    open_topic(&mut e, ms(0), 10, "tech");
    open_topic(&mut e, ms(5), 11, "tech");
    // A shorter delay: conversation 10 (waited 10 s) is past it at once,
    // 11 (waited 5 s) waits the rest: it reaches the agent when it is
    // 20 s old, if the agent has room then.
    let d = run(&mut e, ms(10), Command::set_plan(plan_with(8_000)));
    assert_eq!(assigned_to(&d, 10), Some(1));
    assert_eq!(state(&e, 11), StateKind::Queued);
    resolve(&mut e, ms(11), 10);
    audited(&e);
    assert_eq!(assigned_to(&tick(&mut e, ms(12)), 11), None);
    assert_eq!(assigned_to(&tick(&mut e, ms(13)), 11), Some(1));
    // A longer delay holds new work longer; removing the profiles serves
    // it at once.
    resolve(&mut e, ms(14), 11);
    run(&mut e, ms(15), Command::set_plan(plan_with(60_000)));
    open_topic(&mut e, ms(16), 12, "tech");
    tick(&mut e, ms(50));
    assert_eq!(state(&e, 12), StateKind::Queued);
    let mut plain = plan_with(60_000);
    plain.profiles.clear();
    let d = run(&mut e, ms(51), Command::set_plan(plain));
    assert_eq!(assigned_to(&d, 12), Some(1));
}

#[test]
fn a_snapshot_restored_mid_delay_gives_identical_decisions() {
    let mut e = with_plan(plan_with(30_000));
    agent(&mut e, 2, &[], 1);
    open_topic(&mut e, ms(0), 1, "billing");
    open_topic(&mut e, ms(1), 2, "tech");
    open_topic(&mut e, ms(2), 3, "tech");
    open_topic(&mut e, ms(3), 4, "billing");
    tick(&mut e, ms(10));
    let json = e.snapshot().to_json();
    let mut restored = Engine::restore(
        Snapshot::from_json(&json.unwrap()).unwrap(),
        boxed("least_loaded"),
    )
    .expect("restores");
    audited(&restored);
    assert_eq!(restored.snapshot(), e.snapshot());
    let script: Vec<(u64, Command)> = vec![
        (20, Command::Tick),
        (31, Command::Tick),
        (
            40,
            Command::Resolve {
                conversation: ConversationId(1),
                reason: ResolveReason::Solved,
            },
        ),
        (45, Command::Tick),
    ];
    for (at, command) in script {
        let a = run(&mut e, ms(at), command.clone());
        let b = run(&mut restored, ms(at), command);
        assert_eq!(a, b, "at {at} s");
    }
    assert_eq!(restored.snapshot(), e.snapshot());
}

#[test]
fn a_profile_agent_going_offline_while_work_waits_for_them_keeps_it_waiting() {
    let mut e = with_plan(plan_with(30_000));
    open_topic(&mut e, ms(0), 10, "tech");
    set_status(&mut e, ms(10), 1, AgentStatus::Offline);
    audited(&e);
    assert_eq!(assigned_to(&tick(&mut e, ms(31)), 10), None);
    assert_eq!(state(&e, 10), StateKind::Queued);
    // Back past the delay: the work reaches them at once.
    let d = set_status(&mut e, ms(40), 1, AgentStatus::Online);
    audited(&e);
    assert_eq!(assigned_to(&d, 10), Some(1));
}

fn refused(e: &mut Engine, plan: Plan) -> Vec<PlanProblem> {
    refused_plan(e, ms(100), plan)
}

#[test]
fn bad_profiles_are_refused_with_typed_errors_and_change_nothing() {
    let mut e = with_plan(plan_with(30_000));
    open_topic(&mut e, ms(1), 10, "tech");
    let entry = |queue: &str, priority, delay_ms| ProfileQueue {
        queue: queue.to_owned(),
        priority,
        delay_ms,
    };
    let mut bad = plan_with(30_000);
    bad.profiles[0].queues.push(entry("nowhere", 3, 0));
    bad.profiles[0].queues.push(entry("billing", 3, 0));
    bad.profiles[0].queues[0].priority = 0;
    bad.profiles[0].queues[1].delay_ms = 2 * 24 * 3_600_000;
    bad.profiles.push(ProfileDef {
        name: "billing_desk".to_owned(),
        queues: vec![entry("support", 1, 0)],
        agents: vec![1],
    });
    let problems = refused(&mut e, bad);
    let has = |f: &dyn Fn(&PlanProblem) -> bool| problems.iter().any(f);
    assert!(has(
        &|p| matches!(p, PlanProblem::ProfileUnknownQueue { queue, .. } if queue == "nowhere")
    ));
    assert!(has(
        &|p| matches!(p, PlanProblem::DuplicateName { field, .. } if field == "profiles[0].queues[3].queue")
    ));
    assert!(has(&|p| matches!(
        p,
        PlanProblem::BadPriority { priority: 0, .. }
    )));
    assert!(has(&|p| matches!(p, PlanProblem::DelayTooLong { .. })));
    assert!(has(
        &|p| matches!(p, PlanProblem::DuplicateName { field, .. } if field == "profiles[1].name")
    ));
    assert!(has(&|p| matches!(
        p,
        PlanProblem::ProfileAgentTwice { agent: 1, .. }
    )));
    // Too many distinct delays on one queue, and too many profiles.
    let mut bad = plan_with(30_000);
    for i in 0..5 {
        bad.profiles.push(ProfileDef {
            name: format!("p{i}"),
            queues: vec![entry("support", 2, 1_000 * (i + 1))],
            agents: vec![],
        });
    }
    let problems = refused(&mut e, bad);
    assert!(problems
        .iter()
        .any(|p| matches!(p, PlanProblem::TooMany { max: 4, .. })));
    let mut bad = plan_with(30_000);
    bad.profiles = (0..65)
        .map(|i| ProfileDef {
            name: format!("p{i}"),
            queues: vec![],
            agents: vec![],
        })
        .collect();
    let problems = refused(&mut e, bad);
    assert!(problems
        .iter()
        .any(|p| matches!(p, PlanProblem::TooMany { max: 64, .. })));
    // The work still waits on the old plan's delay.
    assert_eq!(assigned_to(&tick(&mut e, ms(31)), 10), Some(1));
}

#[test]
fn check_plan_warns_of_a_delay_that_never_applies_and_of_unregistered_agents() {
    let e = with_plan(plan_with(30_000));
    let mut plan = plan_with(30_000);
    plan.routes[2].ttl = Some(switchboard::plan::Ttl {
        after_ms: 20_000,
        action: switchboard::plan::TerminalAction::Expire,
    });
    // The vip route no longer overflows into support.
    plan.routes[0].steps.truncate(1);
    plan.profiles[0].agents.push(77);
    let problems = e.check_plan(&plan);
    assert!(
        problems
            .iter()
            .all(|p| p.severity() == switchboard::plan::Severity::Warning),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| matches!(p,
        PlanProblem::DelayNeverApplies { profile, queue, delay_ms: 30_000, .. }
            if profile == "billing_desk" && queue == "support")));
    assert!(problems
        .iter()
        .any(|p| matches!(p, PlanProblem::UnknownProfileAgent { agent: 77, .. })));
    // A profile with no queue parks its agents: said, not refused.
    let mut parked = plan_with(30_000);
    parked.profiles[0].queues.clear();
    assert!(e.check_plan(&parked).iter().any(
        |p| matches!(p, PlanProblem::ProfileServesNothing { profile } if profile == "billing_desk")
    ));
    // A time to live that keeps the work waiting lets the delay apply.
    plan.routes[2].ttl = Some(switchboard::plan::Ttl {
        after_ms: 20_000,
        action: switchboard::plan::TerminalAction::KeepAndWarn,
    });
    assert!(!e
        .check_plan(&plan)
        .iter()
        .any(|p| matches!(p, PlanProblem::DelayNeverApplies { .. })));
}

#[test]
fn a_plan_with_profiles_round_trips_through_json() {
    let plan = plan_with(30_000);
    assert_eq!(Plan::from_json(&plan.to_json()), Ok(plan.clone()));
    assert!(plan.to_json().contains("\"delay_ms\": 30000"));
    // Without profiles the document reads as before (no new key).
    let mut plain = plan;
    plain.profiles.clear();
    assert!(!plain.to_json().contains("profiles"));
}

#[test]
fn work_moved_by_a_closing_queue_meets_the_delay_of_its_new_queue_by_its_age() {
    let mut plan = plan_with(30_000);
    // Billing has office hours and moves its work to support when it
    // closes; agent 1 now serves support only, after 30 s.
    plan.calendars = serde_json::from_str(
        r#"[{ "name": "office", "time_zone": "UTC",
              "weekly": [{ "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                           "open": "00:00", "close": "23:59" }] }]"#,
    )
    .unwrap();
    plan.queues[0].calendar = Some("office".to_owned());
    plan.queues[0].on_close =
        serde_json::from_str(r#"{ "do": "move_to", "queue": "support" }"#).unwrap();
    plan.profiles[0].queues.remove(0);
    let mut e = with_plan(plan);
    open_topic(&mut e, ms(0), 10, "billing");
    tick(&mut e, ms(10));
    assert_eq!(state(&e, 10), StateKind::Queued);
    let close = Command::Reconfigure(Reconfigure::Hours(HoursSwitch {
        target: HoursTarget::Queue("billing".to_owned()),
        set: HoursSetting::Closed,
    }));
    // Moved at 20 s: it has waited 20 of the 30 s, 10 s to go.
    let d = run(&mut e, ms(20), close);
    assert_eq!(assigned_to(&d, 10), None);
    assert_eq!(assigned_to(&tick(&mut e, ms(29)), 10), None);
    assert_eq!(assigned_to(&tick(&mut e, ms(30)), 10), Some(1));
}
