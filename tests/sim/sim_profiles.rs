//! Routing profiles in the simulator: a scenario's plan carries them, the
//! day runs under them with the engine audited along the way, and the
//! scenario's JSON keeps them.

use switchboard::plan::{ProfileDef, ProfileQueue};
use switchboard::policy::BuiltinPolicy;
use switchboard::sim::{Scenario, ScenarioPlan, Simulation};

fn entry(queue: &str, priority: u8, delay_ms: u64) -> ProfileQueue {
    ProfileQueue {
        queue: queue.to_owned(),
        priority,
        delay_ms,
    }
}

/// The shipped plan day, quieter (a debug run stays quick), with the
/// technical agents (ids 25 to 37, their groups' places in the roster) on
/// a support desk profile: support first, general after two minutes,
/// billing after five.
fn with_tech_desk() -> (Scenario, Scenario) {
    let path = format!("{}/scenarios/default_plan.json", env!("CARGO_MANIFEST_DIR"));
    let mut base = Scenario::from_file(&path).expect("the shipped scenario");
    base.arrivals.conversations_per_day = 800.0;
    let mut plan = base
        .plan_for_run()
        .unwrap()
        .expect("the scenario has a plan");
    base.plan = Some(ScenarioPlan::Inline(Box::new(plan.clone())));
    plan.profiles.push(ProfileDef {
        name: "tech_desk".to_owned(),
        queues: vec![
            entry("support", 1, 0),
            entry("general", 2, 120_000),
            entry("billing", 3, 300_000),
        ],
        agents: (25..=37).collect(),
    });
    let mut profiled = base.clone();
    profiled.plan = Some(ScenarioPlan::Inline(Box::new(plan)));
    (base, profiled)
}

#[test]
fn a_scenario_plan_with_a_routing_profile_runs_audited_and_round_trips() {
    let (base, profiled) = with_tech_desk();
    let json = profiled.to_json();
    assert!(json.contains("tech_desk") && json.contains("\"delay_ms\": 120000"));
    let run = |s: Scenario| {
        Simulation::new(s, 1)
            .with_audit(50)
            .run(BuiltinPolicy::LeastLoaded)
            .expect("the day runs and every audit passes")
            .report
    };
    let with = run(profiled);
    let without = run(base);
    // The same day arrives; the profile changes who takes what.
    assert_eq!(with.volumes.opened, without.volumes.opened);
    assert!(with.volumes.opened > 0);
    assert_ne!(with.first_response, without.first_response);
}
