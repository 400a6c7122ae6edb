//! The fairness checks have teeth: deliberately unfair policies are caught
//! with small shrunk counterexamples, and every built-in policy passes the
//! rules it claims. Where a built-in cannot satisfy a rule by design
//! (skill match for round-robin, least-loaded and longest-idle) the test
//! pins that it fails, as the docs say.

use switchboard::policy::{
    AgentView, BestSkillMatch, BuiltinPolicy, LeastLoaded, QueueView, Rank, RoundRobin,
    RoutingPolicy,
};
use switchboard::testing::{
    check_balanced_load, check_claimed, check_skill_match, Check, CheckConfig, CheckError,
    Counterexample, Step, Violation,
};

/// Always the first registered agent that has room: ranks by id only.
#[derive(Debug, Clone)]
struct FirstAgent;

impl RoutingPolicy for FirstAgent {
    fn name(&self) -> &str {
        "first_agent"
    }
    fn rank(&self, agent: &AgentView<'_>, _: &QueueView<'_>) -> Rank {
        Rank::new([agent.id.0 as i64, 0, 0])
    }
}

/// Claims skill match but ranks by load only.
#[derive(Debug, Clone)]
struct ClaimsSkillRanksLoad;

impl RoutingPolicy for ClaimsSkillRanksLoad {
    fn name(&self) -> &str {
        "claims_skill_ranks_load"
    }
    fn rank(&self, agent: &AgentView<'_>, queue: &QueueView<'_>) -> Rank {
        LeastLoaded.rank(agent, queue)
    }
    fn claims_skill_match(&self) -> bool {
        true
    }
}

fn config() -> CheckConfig {
    CheckConfig {
        cases: 48,
        max_steps: 16,
        ..CheckConfig::default()
    }
}

fn failed(result: Result<impl std::fmt::Debug, CheckError>) -> Counterexample {
    match result {
        Err(CheckError::Failed(c)) => *c,
        other => panic!("expected a counterexample, got {other:?}"),
    }
}

fn arrivals(c: &Counterexample) -> usize {
    c.scenario
        .steps
        .iter()
        .filter(|s| matches!(s, Step::Open { .. }))
        .count()
}

#[test]
fn first_agent_policy_is_caught_by_balanced_load_with_a_minimal_counterexample() {
    let c = failed(check_balanced_load(FirstAgent, &config()));
    println!("{c}");
    assert_eq!(c.check, Check::BalancedLoad);
    assert!(matches!(c.violation, Violation::Unbalanced { .. }));
    // Minimal: two agents with room for two each, two arrivals both given
    // to the first.
    assert_eq!(c.scenario.agents.len(), 2, "{c}");
    assert_eq!(c.scenario.agents[0].cap, 2, "{c}");
    assert_eq!(c.scenario.steps.len(), 2, "{c}");
    assert_eq!(arrivals(&c), 2, "{c}");
}

#[test]
fn counterexample_replays_from_its_seed() {
    let a = failed(check_balanced_load(FirstAgent, &config()));
    let b = failed(check_balanced_load(FirstAgent, &config()));
    assert_eq!(a, b);
}

#[test]
fn policy_claiming_skill_match_but_ranking_by_load_is_caught() {
    let c = failed(check_skill_match(ClaimsSkillRanksLoad, &config()));
    println!("{c}");
    let Violation::SkillMismatch { chosen, best, .. } = c.violation else {
        panic!("expected a skill mismatch: {c}");
    };
    assert!(chosen.1 < best.1);
    assert!(c.scenario.agents.len() <= 3, "{c}");
    assert!(c.scenario.steps.len() <= 3, "{c}");
}

#[test]
fn check_claimed_holds_a_policy_to_its_skill_claim() {
    let result = check_claimed(ClaimsSkillRanksLoad, &config());
    assert_eq!(failed(result).check, Check::SkillMatch);
}

#[test]
fn every_builtin_policy_passes_the_rules_it_claims() {
    for name in BuiltinPolicy::ALL {
        let reports = check_claimed(name, &config()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let claims = name.build().claims_skill_match();
        assert_eq!(reports.len(), 4 + usize::from(claims), "{name}");
        for report in reports {
            println!("{report}");
        }
    }
}

#[test]
fn best_skill_is_the_builtin_that_claims_skill_match() {
    let claimed: Vec<_> = BuiltinPolicy::ALL
        .into_iter()
        .filter(|p| p.build().claims_skill_match())
        .collect();
    assert_eq!(claimed, [BuiltinPolicy::BestSkill]);
    check_skill_match(BestSkillMatch, &config()).unwrap();
}

#[test]
fn builtins_that_ignore_skill_levels_fail_skill_match_by_design() {
    for name in [
        BuiltinPolicy::RoundRobin,
        BuiltinPolicy::LeastLoaded,
        BuiltinPolicy::LongestIdle,
    ] {
        let c = failed(check_skill_match(name, &config()));
        println!("{c}");
        assert!(
            matches!(c.violation, Violation::SkillMismatch { .. }),
            "{name}: {c}"
        );
    }
    // And round-robin rotates evenly among equivalent agents.
    check_balanced_load(RoundRobin, &config()).unwrap();
}

#[test]
fn invalid_engine_configuration_is_a_typed_error() {
    let mut config = config();
    config.engine.warn_at_permille = 0;
    let result = check_balanced_load(LeastLoaded, &config);
    assert!(matches!(result, Err(CheckError::Config(_))));
}

/// Prefers the busiest agent: breaks the rank contract (a policy must be
/// monotone in load). Every check audits the engine after each command, and
/// the audit sees the stale free-agent index such a policy leaves.
#[derive(Debug, Clone)]
struct BusiestFirst;

impl RoutingPolicy for BusiestFirst {
    fn name(&self) -> &str {
        "busiest_first"
    }
    fn rank(&self, agent: &AgentView<'_>, _: &QueueView<'_>) -> Rank {
        Rank::new([-i64::from(agent.load_permille()), 0, 0])
    }
}

#[test]
fn policy_that_is_not_monotone_in_load_is_caught() {
    let result = check_claimed(BusiestFirst, &config());
    let c = failed(result);
    println!("{c}");
    assert!(matches!(c.violation, Violation::Audit { .. }), "{c}");
    assert!(c.scenario.steps.len() <= 3, "{c}");
}
