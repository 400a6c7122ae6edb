//! Routing plans and workload rules in the simulator: scenarios that set
//! them, the behaviours they call for, the figures they report, and
//! comparing variants of one day.

use switchboard::plan::Plan;
use switchboard::policy::{BuiltinPolicy, PolicyFactory};
use switchboard::sim::{
    compare_variants, compare_variants_replicated, GroupRule, Replications, Scenario,
    ScenarioError, ScenarioPlan, SimError, Simulation, TeamRule, Variant,
};

fn shipped(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    Scenario::from_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A shipped scenario on a quieter day, so a debug run is quick.
fn quiet(name: &str, per_day: f64) -> Scenario {
    let mut s = shipped(name);
    s.arrivals.conversations_per_day = per_day;
    s
}

fn run(s: Scenario) -> switchboard::sim::Report {
    Simulation::new(s, 1)
        .with_audit(50)
        .run(BuiltinPolicy::LeastLoaded)
        .expect("the day runs and every audit passes")
        .report
}

#[test]
fn a_day_without_plan_or_rules_reports_no_rule_figures() {
    let mut s = Scenario::default();
    s.arrivals.conversations_per_day = 400.0;
    let report = run(s);
    assert_eq!(report.rules, None);
    assert!(!report.to_json().contains("\"rules\""));
    assert!(!Scenario::default().to_json().contains("agent_rules"));
}

#[test]
fn a_plan_read_beside_its_scenario_routes_conversations_through_its_steps() {
    let s = quiet("default_plan.json", 800.0);
    assert!(matches!(s.plan, Some(ScenarioPlan::Inline(_))));
    let rules = run(s).rules.expect("the plan's steps are counted");
    assert!(rules.steps_entered > 0, "{rules:?}");
}

#[test]
fn a_plan_with_a_bad_condition_is_refused_naming_route_and_column() {
    let mut s = Scenario::default();
    let plan = Plan::from_json(
        r#"{ "queues": [{ "name": "general" }],
             "routes": [
               { "name": "broken", "when": "topic == ",
                 "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] }] },
               { "name": "default",
                 "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] }] } ] }"#,
    )
    .unwrap();
    s.plan = Some(ScenarioPlan::Inline(Box::new(plan)));
    let Err(ScenarioError::Plan { detail }) = s.validate() else {
        panic!("the plan's error refuses the scenario");
    };
    assert!(detail.contains("broken"), "{detail}");
    assert!(detail.contains("column"), "{detail}");
}

#[test]
fn a_plan_numbering_a_scenario_skill_otherwise_is_refused() {
    let mut s = Scenario::default();
    let plan = Plan::from_json(
        r#"{ "skills": { "billing": 7 }, "queues": [{ "name": "general" }],
             "routes": [{ "name": "default",
               "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] }] }] }"#,
    )
    .unwrap();
    s.plan = Some(ScenarioPlan::Inline(Box::new(plan)));
    assert!(matches!(s.validate(), Err(ScenarioError::Plan { .. })));
}

#[test]
fn variants_must_describe_the_same_day() {
    let base = quiet("default_plan.json", 300.0);
    let mut busier = base.clone();
    busier.arrivals.conversations_per_day = 600.0;
    let variants = [Variant::new("a", base), Variant::new("b", busier)];
    let policy = PolicyFactory::from(BuiltinPolicy::LeastLoaded);
    let err = compare_variants(&variants, 1, &policy).unwrap_err();
    assert!(matches!(err, SimError::Variants { ref variant, .. } if variant == "b"));
}

#[test]
fn plans_compared_on_the_same_seeds_are_paired_and_named() {
    let base = quiet("default_plan.json", 300.0);
    let variants = [
        Variant::new("plan", base.clone()),
        Variant::with_plan(&base, "no plan", None),
    ];
    let policy = PolicyFactory::from(BuiltinPolicy::LeastLoaded);
    let side_by_side = compare_variants(&variants, 3, &policy).unwrap();
    let names: Vec<&str> = side_by_side
        .reports
        .iter()
        .map(|r| r.policy.as_str())
        .collect();
    assert_eq!(names, ["plan", "no plan"]);
    // Same day: the same conversations open under both.
    let [a, b] = &side_by_side.reports[..] else {
        panic!()
    };
    assert_eq!(a.volumes.opened, b.volumes.opened);
    assert!(a.rules.is_some() && b.rules.is_none());
    let replications = Replications::new(base, 2).with_threads(1);
    let paired = compare_variants_replicated(&variants, &replications, &policy).unwrap();
    assert_eq!(paired.policies.len(), 2);
    assert_eq!(paired.differences[0].policy, "no plan");
    assert_eq!(paired.differences[0].baseline, "plan");
}

#[test]
fn a_team_with_wrap_up_and_a_rate_limit_reports_wrap_up_time_and_limits_hit() {
    let rules = run(quiet("team_wrap_up.json", 2_000.0))
        .rules
        .expect("wrap-up and the rate limit act");
    assert!(rules.wrap_ups > 0, "{rules:?}");
    assert!(
        rules.wrap_up_minutes_mean > 0.0 && rules.wrap_up_minutes_mean <= 2.0,
        "{rules:?}"
    );
    assert!(rules.wrap_up_share > 0.0 && rules.wrap_up_share < 1.0);
    assert!(rules.rate_limit_reached > 0, "{rules:?}");
}

#[test]
fn overlooked_assignments_are_reassigned_only_under_the_no_answer_rule() {
    let without = run(quiet("unanswered.json", 1_500.0));
    assert!(without
        .rules
        .is_none_or(|r| r.no_answer_reassigned + r.no_answer_final == 0));
    let with = run(quiet("unanswered_reassign.json", 1_500.0))
        .rules
        .expect("the no-answer rule acts");
    assert!(with.no_answer_reassigned > 0, "{with:?}");
}

#[test]
fn agents_who_pull_take_their_next_conversation_themselves() {
    let mut s = Scenario::default();
    s.arrivals.conversations_per_day = 1_500.0;
    s.agent_rules.groups = s
        .agents
        .iter()
        .map(|g| GroupRule {
            group: g.name.clone(),
            channel_caps: Default::default(),
            rate_limit: None,
            pull_up_to: Some(12),
            channel_weights: Default::default(),
        })
        .collect();
    let rules = run(s).rules.expect("pulls are counted");
    assert!(rules.pulled + rules.nothing_to_pull > 0, "{rules:?}");
}

#[test]
fn agent_rules_naming_an_unknown_group_are_refused_with_the_field() {
    let mut s = Scenario::default();
    s.agent_rules.teams.push(TeamRule {
        name: "night".into(),
        groups: vec!["nobody".into()],
        max_live: Some(10),
        rate_limit: None,
    });
    let Err(ScenarioError::UnknownName { field, .. }) = s.validate() else {
        panic!("an unknown group is refused");
    };
    assert_eq!(field, "agent_rules.teams[0].groups[0]");
}

#[test]
fn agents_own_channel_weights_from_the_scenario_decide_what_fits_them() {
    let rules = |weight: u32| {
        let mut s = Scenario::default();
        s.arrivals.conversations_per_day = 1_500.0;
        s.agent_rules.groups = s
            .agents
            .iter()
            .map(|g| GroupRule {
                group: g.name.clone(),
                channel_caps: Default::default(),
                rate_limit: None,
                pull_up_to: None,
                channel_weights: switchboard::Channel::ALL
                    .iter()
                    .map(|&c| (c, weight))
                    .collect(),
            })
            .collect();
        s
    };
    // A weight above every agent's cap: nobody can ever take a thread.
    let never = run(rules(100_000));
    assert!(never.volumes.to_humans > 0);
    assert_eq!(never.volumes.solved, 0, "{:?}", never.volumes);
    // A light weight: agents hold more threads and solve them.
    assert!(run(rules(250)).volumes.solved > 0);
    let mut bad = rules(0);
    bad.agent_rules.groups.truncate(1);
    let Err(ScenarioError::OutOfRange { field, .. }) = bad.validate() else {
        panic!("a zero weight is refused");
    };
    assert!(
        field.starts_with("agent_rules.groups[0].channel_weights."),
        "{field}"
    );
}
