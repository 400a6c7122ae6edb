//! A policy written the way an outside crate would (only `switchboard`'s
//! public API): "prefer the agent with the highest skill level unless their
//! load is above 75% of their cap". It is property-tested with the fairness
//! checks here, and benchmarked on a simulated day beside the built-in
//! policies through the simulator's compare API.

use switchboard::policy::{
    AgentView, BuiltinPolicy, PolicyFactory, QueueView, Rank, RoutingPolicy,
};
use switchboard::sim::{compare, Scenario as Day, Simulation};
use switchboard::testing::{
    check_balanced_load, check_claimed, check_class_order, check_starvation_bound,
    check_work_conserving, fairness, run, AgentPlan, CheckConfig, Scenario, Step, Violation,
};
use switchboard::{AgentId, AgentStatus, Capacity, EngineConfig, Priority};

/// The most skilled agent, unless above 75% of their cap; then the least
/// loaded. Busy experts are spared, so the policy does not claim a strict
/// skill match.
#[derive(Debug, Default, Clone)]
pub struct SkilledUnlessBusy;

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

fn config() -> CheckConfig {
    CheckConfig {
        cases: 64,
        max_steps: 20,
        ..CheckConfig::default()
    }
}

#[test]
fn user_policy_passes_every_rule_it_claims() {
    for report in check_claimed(SkilledUnlessBusy, &config()).unwrap() {
        println!("{report}");
    }
}

#[test]
fn user_policy_keeps_the_engine_rules_one_check_at_a_time() {
    let policy = PolicyFactory::from(SkilledUnlessBusy);
    check_work_conserving(&policy, &config()).unwrap();
    check_class_order(&policy, &config()).unwrap();
    check_starvation_bound(&policy, &config()).unwrap();
    check_balanced_load(&policy, &config()).unwrap();
}

/// The policy does not claim skill match, and rightly so: once the expert
/// is above 75% of their cap, the next conversation goes to a less skilled
/// free agent. The skill-match measure sees it on a hand-written day.
#[test]
fn user_policy_trades_skill_match_for_sparing_busy_experts() {
    let open = Step::Open {
        customer: None,
        skill: Some((0, 1)),
        priority: Priority::Normal,
        vip: false,
        email: false,
        bot: false,
    };
    let agent = |level, cap| AgentPlan {
        levels: [level, 0],
        cap,
        status: AgentStatus::Online,
    };
    let scenario = Scenario {
        agents: vec![agent(9, 5), agent(3, 5)],
        steps: vec![open; 5],
    };
    let trace = run(
        &scenario,
        Box::new(SkilledUnlessBusy),
        &EngineConfig::default(),
    )
    .unwrap();
    let matched = fairness::skill_match(&trace);
    assert_eq!((matched.choices, matched.best), (5, 4));
    let Violation::SkillMismatch { chosen, best, .. } = &matched.violations[0] else {
        panic!("expected a skill mismatch");
    };
    assert_eq!((chosen.0, best.0), (AgentId(2), AgentId(1)));
    // The expert was spared at 4 of 5 units.
    assert_eq!(trace.last().unwrap().agents[0].load, Capacity::units(4));
}

/// A short day: the default scenario scaled down so the run takes
/// milliseconds in a debug build.
fn short_day() -> Day {
    let mut day = Day {
        name: "short day".into(),
        ..Day::default()
    };
    day.arrivals.conversations_per_day = 400.0;
    for group in &mut day.agents {
        group.count = group.count.div_ceil(5);
    }
    day
}

#[test]
fn user_policy_is_benchmarked_on_a_simulated_day_beside_the_builtins() {
    let mut policies: Vec<Box<dyn RoutingPolicy>> =
        BuiltinPolicy::ALL.map(BuiltinPolicy::build).into();
    policies.push(Box::new(SkilledUnlessBusy));
    let comparison = compare(&short_day(), 7, policies).unwrap();
    println!("{comparison}");
    let names: Vec<&str> = comparison
        .reports
        .iter()
        .map(|r| r.policy.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "least_loaded",
            "longest_idle",
            "round_robin",
            "best_skill",
            "skilled_unless_busy"
        ]
    );
    // The same day for everyone: the same arrivals, whoever routes them.
    let opened: Vec<u64> = comparison
        .reports
        .iter()
        .map(|r| r.volumes.opened)
        .collect();
    assert!(opened.windows(2).all(|w| w[0] == w[1]), "{opened:?}");
    // Deterministic by seed.
    let again = Simulation::new(short_day(), 7)
        .run(SkilledUnlessBusy)
        .unwrap()
        .report;
    assert_eq!(&again, comparison.reports.last().unwrap());
}
